-- Statements of the admin API on exchanges and bindings (PostgresMessaging). None is on a channel's
-- path; each is named by its operation and takes bound parameters only; {schema} is the validated,
-- quoted schema name. A binding is added with declare-binding (exchange.sql).

-- name: list-bindings
-- Every exchange with its type, and each of its bindings (queue NULL: an exchange without any):
-- queue, binding key, headers to match, whether all must match.
SELECT e.name, e.type, b.queue, b.routing_key, b.headers::text, b.match_all
FROM {schema}.exchange AS e
LEFT JOIN {schema}.binding AS b ON b.exchange = e.name
ORDER BY e.name, b.queue, b.routing_key, b.headers::text;

-- name: exchange-type
-- An exchange's type, if it exists.
SELECT type FROM {schema}.exchange WHERE name = ?;

-- name: unbind
-- Removes a binding (exchange, queue, binding key, headers as parallel arrays of names and values,
-- whether all must match). Returns how many were removed (0 or 1). Messages published from the
-- commit on no longer go to the queue; those already there stay.
DELETE FROM {schema}.binding
WHERE exchange = ? AND queue = ? AND routing_key = ? AND headers = jsonb_object(?::text[], ?::text[])
  AND match_all = ?;
