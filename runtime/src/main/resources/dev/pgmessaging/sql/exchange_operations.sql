-- Statements of the admin API on exchanges and bindings (PostgresMessaging). None is on a channel's
-- path; each is named by its operation and takes bound parameters only; {schema} is the validated,
-- quoted schema name. Bindings are added and removed by declare-binding and unbind (exchange.sql).

-- name: list-bindings
-- Every exchange with its type, and each of its bindings (queue NULL: an exchange without any):
-- queue, binding key, headers to match, whether all must match.
SELECT e.name, e.type, b.queue, b.routing_key, b.headers::text, b.match_all
FROM {schema}.exchange AS e
LEFT JOIN {schema}.binding AS b ON b.exchange = e.name
ORDER BY e.name, b.queue, b.routing_key, b.headers::text;
