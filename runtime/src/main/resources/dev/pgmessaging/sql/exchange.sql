-- Statements on exchanges and bindings (RabbitMQ routing). Each statement is named by the
-- operation it performs and run with bound parameters only; {schema} is the validated, quoted
-- schema name.

-- name: declare-exchange
-- Creates the exchange unless it exists, and gives back its type either way: declaring an
-- existing exchange with another type is refused by the caller.
WITH created AS (
    INSERT INTO {schema}.exchange (name, type) VALUES (?, ?)
    ON CONFLICT (name) DO NOTHING
    RETURNING type
)
SELECT type FROM created
UNION ALL
SELECT type FROM {schema}.exchange WHERE name = ?;

-- name: exchange-type
-- An exchange's type, if it exists.
SELECT type FROM {schema}.exchange WHERE name = ?;

-- name: declare-binding
-- A channel adds its bindings at startup, an operator through the admin API: one that is no
-- longer declared stays until it is removed, as in RabbitMQ (several applications may bind queues
-- to one exchange). A binding is its exchange, queue, binding key, headers (parallel arrays of
-- names and values) and whether all must match, the same six parameters as unbind; then the
-- binding key compiled to a pattern.
INSERT INTO {schema}.binding (exchange, queue, routing_key, headers, match_all, key_pattern)
VALUES (?, ?, ?, jsonb_object(?::text[], ?::text[]), ?, ?)
ON CONFLICT DO NOTHING;

-- name: unbind
-- Removes a binding. Returns how many were removed (0 or 1). Messages published from the commit on
-- no longer go to the queue; those already there stay.
DELETE FROM {schema}.binding
WHERE exchange = ? AND queue = ? AND routing_key = ? AND headers = jsonb_object(?::text[], ?::text[])
  AND match_all = ?;

-- name: publish
-- Routes a batch of messages (parallel arrays, one element per message) through an exchange and
-- appends a row per message and matching queue, in one statement and so in the caller's
-- transaction: the copies of a message commit or roll back together.
--   direct:  the binding's routing key equals the message's
--   fanout:  every binding
--   topic:   the message's routing key, as '.' followed by each of its words ('' for none),
--            matches the binding key's pattern, compiled when the binding was declared
--   headers: all (or, when match_all is false, any) of the binding's headers equal the
--            message's
-- A queue bound several times gets one copy. A message that matches no binding goes to the
-- alternate queue when one is given; otherwise it is not stored, and its position (1-based) is
-- returned in `unroutable`. A message that reaches several queues stores its payload once, in
-- message_body. Consumers are woken with one NOTIFY per queue that received messages, when the
-- last parameter is true. Deduplication ids are checked per exchange, as the send statement does
-- per queue, for the messages that go somewhere (window in seconds after the arrays). Also returns
-- the id of the transaction (so that a producer whose commit got no answer can ask whether it
-- committed) and how many messages were dropped as duplicates.
WITH args AS (
    SELECT ?::text AS exchange, ?::text AS alternate_queue
), input AS (
    SELECT m.*, row_number() OVER (PARTITION BY m.dk ORDER BY m.n) AS occurrence
    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::smallint[], ?::float8[], ?::float8[],
                ?::float8[], ?::text[])
        WITH ORDINALITY AS m(rk, k, ct, h, p, pr, d, da, ttl, dk, n)
), routed AS (
    SELECT DISTINCT i.n, b.queue
    FROM input AS i
    CROSS JOIN args
    JOIN {schema}.exchange AS e ON e.name = args.exchange
    JOIN {schema}.binding AS b ON b.exchange = e.name
    WHERE CASE e.type
        WHEN 'fanout' THEN true
        WHEN 'direct' THEN b.routing_key = i.rk
        WHEN 'topic' THEN (CASE WHEN i.rk = '' THEN '' ELSE '.' || i.rk END) ~ b.key_pattern
        WHEN 'headers' THEN CASE WHEN b.match_all
            THEN NOT EXISTS (SELECT 1 FROM jsonb_each_text(b.headers) AS x
                             WHERE (i.h::jsonb ->> x.key) IS DISTINCT FROM x.value)
            ELSE EXISTS (SELECT 1 FROM jsonb_each_text(b.headers) AS x
                         WHERE (i.h::jsonb ->> x.key) = x.value)
            END
        END
), targets AS (
    SELECT n, queue FROM routed
    UNION ALL
    SELECT i.n, args.alternate_queue
    FROM input AS i CROSS JOIN args
    WHERE args.alternate_queue IS NOT NULL AND NOT EXISTS (SELECT 1 FROM routed AS r WHERE r.n = i.n)
), accepted AS (
    -- deduplication ids of the messages that go somewhere: an unroutable message records nothing
    INSERT INTO {schema}.dedup (scope, dedup_key, expires_at)
    SELECT 'exchange/' || args.exchange, i.dk, now() + make_interval(secs => ?)
    FROM input AS i CROSS JOIN args
    WHERE i.dk IS NOT NULL AND i.occurrence = 1 AND EXISTS (SELECT 1 FROM targets AS t WHERE t.n = i.n)
    -- one lock order for every batch, so that two batches sharing ids wait instead of deadlocking
    ORDER BY i.dk
    ON CONFLICT (scope, dedup_key) DO UPDATE SET expires_at = excluded.expires_at
        WHERE {schema}.dedup.expires_at <= now()
    RETURNING dedup_key
), kept AS (
    SELECT t.n, t.queue
    FROM targets AS t JOIN input AS i USING (n)
    WHERE i.dk IS NULL
       OR (i.occurrence = 1 AND EXISTS (SELECT 1 FROM accepted AS a WHERE a.dedup_key = i.dk))
), fanned AS (
    SELECT n, CASE WHEN count(*) > 1 THEN nextval('{schema}.message_body_id_seq') END AS body_id
    FROM kept
    GROUP BY n
), bodies AS (
    INSERT INTO {schema}.message_body (id, payload)
    SELECT f.body_id, i.p
    FROM fanned AS f JOIN input AS i USING (n)
    WHERE f.body_id IS NOT NULL
), sent AS (
    INSERT INTO {schema}.queue_message
        (queue, exchange, routing_key, message_key, dedup_key, content_type, headers, payload, body_id, priority,
         visible_at, expires_at, slot)
    SELECT t.queue, args.exchange, i.rk, i.k, i.dk, i.ct, i.h::jsonb, CASE WHEN f.body_id IS NULL THEN i.p END,
           -- never in the past: see queue_message.sql
           f.body_id, i.pr, greatest(coalesce(to_timestamp(i.da), now() + make_interval(secs => i.d)), now()),
           now() + make_interval(secs => i.ttl), (SELECT {schema}.current_queue_slot())
    FROM kept AS t JOIN input AS i USING (n) JOIN fanned AS f USING (n) CROSS JOIN args
    -- ids in send order, so that each queue keeps the messages in the order they were sent
    ORDER BY t.n, t.queue
    RETURNING queue
), notified AS (
    SELECT pg_notify(?, d.queue)
    FROM (SELECT DISTINCT queue FROM sent) AS d
    WHERE ?
)
SELECT (SELECT count(*) FROM notified) AS notified,
       array(SELECT i.n FROM input AS i WHERE NOT EXISTS (SELECT 1 FROM targets AS t WHERE t.n = i.n) ORDER BY i.n)
           AS unroutable,
       pg_current_xact_id()::text::bigint AS transaction,
       -- dropped as duplicates (for the metrics): routed somewhere, not kept
       (SELECT count(DISTINCT n) FROM targets) - (SELECT count(DISTINCT n) FROM kept) AS deduplicated;

-- name: delete-expired-dedup-keys
-- Deletes up to 10000 deduplication ids whose window has ended (a send of the same id would take
-- the row over anyway; this keeps the table to the ids of the current windows).
DELETE FROM {schema}.dedup
WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM {schema}.dedup
    WHERE expires_at <= now()
    LIMIT 10000))
  AND expires_at <= now();

-- name: delete-orphan-bodies
-- Deletes up to 10000 shared payloads that no queue row refers to any more (all their copies were
-- acked or dropped). Safe against concurrent work without locks: a body becomes referenced only
-- in the statement that creates it (publish) or in one that deletes a reference and adds another
-- (dead-lettering), so a snapshot that sees no reference to a committed body sees its end.
DELETE FROM {schema}.message_body
WHERE id IN (
    SELECT b.id
    FROM {schema}.message_body AS b
    WHERE NOT EXISTS (SELECT 1 FROM {schema}.queue_message AS m WHERE m.body_id = b.id)
    LIMIT 10000);
