-- Statements on the queue tables. Each statement is named by the operation it performs
-- and run with bound parameters only; {schema} is the validated, quoted schema name.

-- name: register-queue
INSERT INTO {schema}.queue (name) VALUES (?) ON CONFLICT (name) DO NOTHING;

-- name: send
-- Appends a batch of messages in one statement (parallel arrays, one element per
-- message) and, when the last parameter is true, wakes the consumers of each queue
-- that received messages with one NOTIFY per queue per batch: notifying per message
-- would serialize committers on the cluster-wide notify lock. A message becomes visible
-- at its deliver-at time (epoch seconds) if it has one, else after its delay in seconds
-- (0: at once), measured by the database clock; it expires its time to live (seconds, NULL:
-- never) after the send.
WITH sent AS (
    INSERT INTO {schema}.queue_message
        (queue, message_key, content_type, headers, payload, priority, visible_at, expires_at)
    SELECT q, k, ct, h::jsonb, p, pr, coalesce(to_timestamp(da), now() + make_interval(secs => d)),
           now() + make_interval(secs => ttl)
    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::smallint[], ?::float8[], ?::float8[],
                ?::float8[])
        AS m(q, k, ct, h, p, pr, d, da, ttl)
    RETURNING queue
)
SELECT pg_notify(?, d.queue)
FROM (SELECT DISTINCT queue FROM sent) AS d
WHERE ?;

-- name: claim
-- Leases up to N visible messages of a queue in one statement. SKIP LOCKED lets
-- competing consumers claim disjoint rows without waiting for each other; the lease
-- makes the rows invisible until the visibility timeout (seconds) passes, so a consumer
-- that dies without acking loses them to the next claim.
-- The same statement takes care of up to 100 expired messages of the queue (not leased, or
-- their lease ran out): deleted, and moved to the dead-letter queue when the flag is true,
-- so no extra statement is needed to expire messages.
-- A message an exchange routed to several queues keeps its payload in message_body.
WITH token AS (
    SELECT nextval('{schema}.lease_token_seq') AS t
), expired AS (
    DELETE FROM {schema}.queue_message
    WHERE id IN (
        SELECT id FROM {schema}.queue_message
        WHERE queue = ? AND expires_at <= now() AND visible_at <= now()
        LIMIT 100
        FOR UPDATE SKIP LOCKED)
    RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key,
              expires_at
), dead_lettered AS (
    INSERT INTO {schema}.queue_message
        (queue, message_key, content_type, headers, payload, body_id, exchange, routing_key)
    SELECT ?, message_key, content_type,
           coalesce(headers, '{}'::jsonb) || jsonb_build_object(
               'dead-letter-reason', 'expired at ' || expires_at,
               'dead-letter-queue', queue,
               'dead-letter-attempts', attempts::text),
           payload, body_id, exchange, routing_key
    FROM expired
    WHERE ?
), picked AS (
    SELECT id
    FROM {schema}.queue_message
    WHERE queue = ? AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
    ORDER BY priority DESC, visible_at, id
    LIMIT ?
    FOR UPDATE SKIP LOCKED
)
UPDATE {schema}.queue_message AS m
SET visible_at  = now() + make_interval(secs => ?),
    attempts    = m.attempts + 1,
    lease_token = token.t
FROM picked, token
WHERE m.id = picked.id
RETURNING m.id, m.lease_token, m.attempts, m.priority, m.enqueued_at, m.message_key,
          m.content_type, m.headers::text,
          coalesce(m.payload, (SELECT b.payload FROM {schema}.message_body AS b WHERE b.id = m.body_id)),
          m.exchange, m.routing_key;

-- name: ack
-- Deletes acknowledged messages, a batch at a time; only rows still leased by the
-- delivery being acked (same token) are removed.
DELETE FROM {schema}.queue_message AS m
USING unnest(?::bigint[], ?::bigint[]) AS a(id, token)
WHERE m.id = a.id AND m.lease_token = a.token;

-- name: release
-- Gives leased messages back to the queue, each visible again after its own delay in seconds
-- (0 for at once, a backoff for a retry), a batch at a time (same fencing rule as ack).
UPDATE {schema}.queue_message AS m
SET visible_at = now() + make_interval(secs => a.delay), lease_token = NULL
FROM unnest(?::bigint[], ?::bigint[], ?::float8[]) AS a(id, token, delay)
WHERE m.id = a.id AND m.lease_token = a.token;

-- name: dead-letter
-- Moves one leased message to a dead-letter queue in one statement, keeping its key,
-- content type and payload, and recording in its headers why and from where it came.
WITH moved AS (
    DELETE FROM {schema}.queue_message
    WHERE id = ? AND lease_token = ?
    RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key
)
INSERT INTO {schema}.queue_message
    (queue, message_key, content_type, headers, payload, body_id, exchange, routing_key)
SELECT ?, message_key, content_type,
       coalesce(headers, '{}'::jsonb) || jsonb_build_object(
           'dead-letter-reason', ?::text,
           'dead-letter-exception-class-name', ?::text,
           'dead-letter-queue', queue,
           'dead-letter-attempts', attempts::text),
       payload, body_id, exchange, routing_key
FROM moved;

-- name: extend
-- Renews the leases of messages whose handlers are still running (heartbeat): visible again
-- only a full visibility timeout (seconds) from now. Only the current delivery (same token)
-- can renew its lease.
UPDATE {schema}.queue_message AS m
SET visible_at = now() + make_interval(secs => ?)
FROM unnest(?::bigint[], ?::bigint[]) AS a(id, token)
WHERE m.id = a.id AND m.lease_token = a.token;
