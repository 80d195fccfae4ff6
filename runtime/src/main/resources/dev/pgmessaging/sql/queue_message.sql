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
-- Deduplication: a message with a deduplication id is stored only if its id is new to its queue,
-- or was last seen longer ago than the window (seconds): the dedup row is inserted, or taken over
-- once expired. A concurrent transaction sending the same id waits for the first to end, then
-- drops its message if the first committed; within a batch only the first message of an id counts.
WITH input AS (
    SELECT m.*, row_number() OVER (PARTITION BY m.q, m.dk ORDER BY m.n) AS occurrence
    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::smallint[], ?::float8[], ?::float8[],
                ?::float8[], ?::text[])
        WITH ORDINALITY AS m(q, k, ct, h, p, pr, d, da, ttl, dk, n)
), accepted AS (
    INSERT INTO {schema}.dedup (scope, dedup_key, expires_at)
    SELECT 'queue/' || q, dk, now() + make_interval(secs => ?)
    FROM input
    WHERE dk IS NOT NULL AND occurrence = 1
    -- one lock order for every batch, so that two batches sharing ids wait instead of deadlocking
    ORDER BY q, dk
    ON CONFLICT (scope, dedup_key) DO UPDATE SET expires_at = excluded.expires_at
        WHERE {schema}.dedup.expires_at <= now()
    RETURNING scope, dedup_key
), sent AS (
    INSERT INTO {schema}.queue_message
        (queue, message_key, dedup_key, content_type, headers, payload, priority, visible_at, expires_at, slot)
    SELECT q, k, dk, ct, h::jsonb, p, pr, coalesce(to_timestamp(da), now() + make_interval(secs => d)),
           now() + make_interval(secs => ttl), (SELECT {schema}.current_queue_slot())
    FROM input AS i
    WHERE i.dk IS NULL
       OR (i.occurrence = 1 AND EXISTS (SELECT 1 FROM accepted AS a
                                        WHERE a.scope = 'queue/' || i.q AND a.dedup_key = i.dk))
    ORDER BY i.n
    RETURNING queue
)
SELECT pg_notify(?, d.queue)
FROM (SELECT DISTINCT queue FROM sent) AS d
WHERE ?;

-- name: claim
-- Leases up to N visible messages of a queue (claim_messages, in migration V4, says how and why it
-- is a function): queue, limit, visibility timeout in seconds, the dead-letter queue of expired
-- messages (NULL: drop them), whether to order by key, and the key to start the walk from.
SELECT * FROM {schema}.claim_messages(?, ?, ?, ?, ?, ?);

-- name: ack
-- Deletes acknowledged messages, a batch at a time; only rows still leased by the
-- delivery being acked (same token) are removed.
DELETE FROM {schema}.queue_message AS m
USING unnest(?::bigint[], ?::bigint[]) AS a(id, token)
WHERE m.id = a.id AND m.lease_token = a.token;

-- name: ack-archive
-- Like ack, for ack-mode=archive: the acked messages move to the archive (a partition of the day,
-- which maintain-archive creates ahead of time), payload included even when it was shared.
WITH acked AS (
    DELETE FROM {schema}.queue_message AS m
    USING unnest(?::bigint[], ?::bigint[]) AS a(id, token)
    WHERE m.id = a.id AND m.lease_token = a.token
    RETURNING m.*
)
INSERT INTO {schema}.queue_archive
    (id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
     headers, payload)
SELECT id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
       headers, coalesce(payload, (SELECT b.payload FROM {schema}.message_body AS b WHERE b.id = acked.body_id))
FROM acked;

-- name: maintain-archive
-- Creates the archive's partitions for today and the next two days, and drops those older than the
-- retention (seconds); see maintain_archive in migration V6.
SELECT {schema}.maintain_archive(make_interval(secs => ?), 2);

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

-- name: rotate-slots
-- One step of the rotation of the message table's slots (rotate_queue_slots, in migration V7):
-- the size in bytes past which the current slot is replaced, and how many messages to move out of
-- the next slot at most.
SELECT {schema}.rotate_queue_slots(?, ?);

-- name: extend
-- Renews the leases of messages whose handlers are still running (heartbeat): visible again
-- only a full visibility timeout (seconds) from now. Only the current delivery (same token)
-- can renew its lease.
UPDATE {schema}.queue_message AS m
SET visible_at = now() + make_interval(secs => ?)
FROM unnest(?::bigint[], ?::bigint[]) AS a(id, token)
WHERE m.id = a.id AND m.lease_token = a.token;
