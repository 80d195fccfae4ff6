-- Statements of the admin API on queues (PostgresMessaging): what an operator reads and repairs.
-- None of them is on a channel's path; each is named by its operation and takes bound parameters
-- only; {schema} is the validated, quoted schema name.

-- name: list-queues
-- Every queue (those the channels registered, and any other that holds messages), with its
-- messages counted by state: ready (visible now: never leased, or their lease ran out), delayed
-- (not visible yet), in flight (leased, visibility timeout running), and the age in seconds of its
-- oldest ready message (NULL: none). Counts every message when the parameter is NULL; otherwise
-- about that many, and estimates the deepest queues past it (queue_depths, in V4__metrics.sql).
SELECT d.queue, d.ready, d.delayed, d.in_flight, d.oldest_ready_age, d.estimated
FROM {schema}.queue_depths(?::integer) AS d
ORDER BY 1;

-- name: peek
-- A page of a queue's messages in id order, after an id (0: from the first), at most N: their
-- state, the first bytes of the payload (at most the given count) and its whole size. Reads them
-- without locking or leasing anything.
SELECT m.id, m.priority, m.attempts, m.enqueued_at, m.visible_at, m.expires_at,
       m.lease_token IS NOT NULL AND m.visible_at > now() AS in_flight,
       m.message_key, m.content_type, m.headers::text,
       substring(coalesce(m.payload, b.payload) FROM 1 FOR ?),
       octet_length(coalesce(m.payload, b.payload))
FROM {schema}.queue_message AS m
LEFT JOIN {schema}.message_body AS b ON b.id = m.body_id
WHERE m.queue = ? AND m.id > ?
ORDER BY m.id
LIMIT ?;

-- name: redrive
-- Dead letters back to their queues (redrive_messages, in V2__operations.sql): dead-letter queue,
-- ids (NULL: all), headers to match (NULL: any). Returns each queue and how many went to it.
SELECT r.queue, r.messages FROM {schema}.redrive_messages(?, ?::bigint[], ?::jsonb) AS r;

-- name: move
-- Messages from one queue to another (move_messages): from, to, ids, headers. Returns how many.
SELECT {schema}.move_messages(?, ?, ?::bigint[], ?::jsonb);

-- name: delete
-- Deletes messages of a queue (delete_messages): queue, ids, headers. Returns how many.
SELECT {schema}.delete_messages(?, ?::bigint[], ?::jsonb);

-- name: wake
-- Wakes the consumers of a queue, on every instance (the payload names no origin): notification
-- channel, queue.
SELECT pg_notify(?, ?);
