-- Statements on the queue tables. Each statement is named by the operation it performs
-- and run with bound parameters only; {schema} is the validated, quoted schema name.

-- name: register-queue
INSERT INTO {schema}.queue (name) VALUES (?) ON CONFLICT (name) DO NOTHING;

-- name: send
-- Appends a batch of messages in one statement (parallel arrays, one element per
-- message) and, when the last parameter is true, wakes the consumers of each queue
-- that received messages with one NOTIFY per queue per batch: notifying per message
-- would serialize committers on the cluster-wide notify lock. The payload is the queue name,
-- followed by a space and the sending instance's origin when there is one (Wakeups: the
-- instance has woken its own consumers already). A message becomes visible
-- at its deliver-at time (epoch seconds) if it has one, else after its delay in seconds
-- (0: at once), measured by the database clock; it expires its time to live (seconds, NULL:
-- never) after the send.
-- Deduplication: a message with a deduplication id is stored only if its id is new to its queue,
-- or was last seen longer ago than the window (seconds): the dedup row is inserted, or taken over
-- once expired. A concurrent transaction sending the same id waits for the first to end, then
-- drops its message if the first committed; within a batch only the first message of an id counts.
-- Local delivery: the messages flagged in the eleventh array (never ones with a deduplication id)
-- are stored already leased, for the visibility timeout in seconds given after the window, to an
-- idle consumer of this application (LocalDeliveries), under one new lease token; the statement
-- returns their ids in batch order, with the token and the enqueue time. Only the queues of the
-- messages not leased are notified. A last row holds the id of the transaction (so that a
-- producer whose commit got no answer can ask whether it committed) and how many messages were
-- dropped as duplicates (for the metrics).
WITH input AS (
    SELECT m.*, row_number() OVER (PARTITION BY m.q, m.dk ORDER BY m.n) AS occurrence
    FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::smallint[], ?::float8[], ?::float8[],
                ?::float8[], ?::text[], ?::boolean[])
        WITH ORDINALITY AS m(q, k, ct, h, p, pr, d, da, ttl, dk, leased, n)
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
        (queue, message_key, dedup_key, content_type, headers, payload, priority, visible_at, expires_at, slot,
         lease_token, attempts)
    SELECT q, k, dk, ct, h::jsonb, p, pr,
           CASE WHEN i.leased THEN now() + make_interval(secs => ?)
                -- never in the past (a deliver-at from a clock behind the database's): a claim
                -- starts at its consumer's floor, and would not see the message until it next
                -- starts at the head (see claim_messages in the schema baseline, V1__baseline.sql)
                ELSE greatest(coalesce(to_timestamp(da), now() + make_interval(secs => d)), now()) END,
           now() + make_interval(secs => ttl), (SELECT {schema}.current_queue_slot()),
           CASE WHEN i.leased THEN (SELECT nextval('{schema}.lease_token_seq')) END,
           CASE WHEN i.leased THEN 1 ELSE 0 END
    FROM input AS i
    WHERE i.dk IS NULL
       OR (i.occurrence = 1 AND EXISTS (SELECT 1 FROM accepted AS a
                                        WHERE a.scope = 'queue/' || i.q AND a.dedup_key = i.dk))
    -- the ids follow the batch order, which is how the leased rows are told apart
    ORDER BY i.n
    RETURNING queue, id, lease_token, enqueued_at
)
SELECT s.id, s.lease_token, s.enqueued_at, NULL::bigint, NULL::bigint
FROM sent AS s
WHERE s.lease_token IS NOT NULL
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL
FROM (SELECT pg_notify(?, d.queue || coalesce(' ' || ?::text, ''))
      FROM (SELECT DISTINCT queue FROM sent WHERE lease_token IS NULL) AS d
      WHERE ?) AS notified
UNION ALL
SELECT NULL, NULL, NULL, pg_current_xact_id()::text::bigint, (SELECT count(*) FROM input) - (SELECT count(*) FROM sent);

-- name: claim
-- Leases up to N visible messages of a queue (claim_messages, in the schema baseline
-- V1__baseline.sql, says how and why it is a function): queue, limit, visibility timeout in
-- seconds, the dead-letter queue of expired messages (NULL: drop them), whether to order by key,
-- the key to start the walk from, and the floor to start from (priority and visible time; NULL:
-- the head of the queue). A last row, id NULL, counts the expired messages the claim took care of,
-- if any (V4__metrics.sql).
-- Like every statement on leases run by the consumer, it commits without waiting for the flush
-- (no_flush: QueueStore says why that is safe).
-- (The setting is read in a condition that runs once before the claim, whatever it returns.)
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true) AS setting)
SELECT c.* FROM {schema}.claim_messages(?, ?, ?, ?, ?, ?, ?::smallint, ?::timestamptz, true) AS c
WHERE (SELECT setting FROM no_flush) = 'off';

-- name: ack
-- Deletes acknowledged messages, a batch at a time (ids and lease tokens side by side); only rows
-- still leased by the delivery being acked are removed. Returns how many were. The statements that
-- settle messages are functions so that their plans cannot go stale (the schema baseline,
-- V1__baseline.sql, says why, before claim_messages).
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.ack_messages(?::bigint[], ?::bigint[]) FROM no_flush;

-- name: ack-archive
-- Like ack, for ack-mode=archive: the acked messages move to the archive.
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.archive_messages(?::bigint[], ?::bigint[]) FROM no_flush;

-- name: ack-in-transaction
-- Like ack, in the handler's transaction, which commits as the application made it (flushed). The
-- transaction holds the messages' rows from here to its commit: if it then stays idle longer than
-- the limit (milliseconds; its client vanished without closing, so the server would not notice for
-- hours), the server ends it and the messages stay (set_config ... true: for this transaction only).
SELECT {schema}.ack_messages(?::bigint[], ?::bigint[]), set_config('idle_in_transaction_session_timeout', ?, true);

-- name: ack-archive-in-transaction
-- Like ack-archive, in the handler's transaction, with the same limit.
SELECT {schema}.archive_messages(?::bigint[], ?::bigint[]), set_config('idle_in_transaction_session_timeout', ?, true);

-- name: maintain-archive
-- Creates the archive's partitions for today and the next two days, and drops those older than the
-- retention (seconds); see maintain_archive in the schema baseline, V1__baseline.sql.
SELECT {schema}.maintain_archive(make_interval(secs => ?), 2);

-- name: release
-- Gives leased messages back to the queue, each visible again after its own delay in seconds
-- (0 for at once, a backoff for a retry), a batch at a time (same fencing rule as ack).
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.release_messages(?::bigint[], ?::bigint[], ?::float8[]) FROM no_flush;

-- name: give-back
-- Gives back leased messages that never reached a handler (a paused channel's), visible at once and
-- with their claim's attempt taken back (give_back_messages, in V2__operations.sql): ids and lease
-- tokens side by side.
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.give_back_messages(?::bigint[], ?::bigint[]) FROM no_flush;

-- name: dead-letter
-- Moves one leased message to a dead-letter queue, keeping its key, content type and payload, and
-- recording in its headers why and from where it came: message id, lease token, dead-letter queue,
-- reason, exception class. Returns 1, or 0 if the lease was lost.
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.dead_letter_message(?, ?, ?, ?, ?) FROM no_flush;

-- name: rotate-slots
-- One step of the rotation of the message table's slots (rotate_queue_slots, in the schema
-- baseline V1__baseline.sql): the size in bytes past which the current slot is replaced, and how
-- many messages to move out of the next slot at most.
SELECT {schema}.rotate_queue_slots(?, ?);

-- name: extend
-- Renews the leases of messages whose handlers are still running (heartbeat): visible again
-- only a full visibility timeout (seconds) from now. Only the current delivery (same token)
-- can renew its lease.
WITH no_flush AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
SELECT {schema}.extend_leases(?, ?::bigint[], ?::bigint[]) FROM no_flush;

-- name: queues-with-visible-messages
-- Which of the given queues have a message to claim (the idle consumers' poll, IdleQueuePoller).
SELECT {schema}.queues_with_visible_messages(?::text[]);
