-- Statements on the log tables (topics, records, consumer groups). Each statement is named by the
-- operation it performs and run with bound parameters only; {schema} is the validated, quoted
-- schema name. The functions they call are in the schema baseline, V1__baseline.sql (its log
-- model section), which says how they work.

-- name: create-topic
-- Creates the topic (name, partitions, retention in seconds or NULL for none) unless it exists;
-- returns its id, partition count and retention as stored.
SELECT topic_id, partitions, extract(epoch FROM retention)
FROM {schema}.create_topic(?, ?, make_interval(secs => ?));

-- name: find-topic
-- The topic's id, partition count and retention in seconds, if it exists.
SELECT id, partitions, extract(epoch FROM retention) FROM {schema}.topic WHERE name = ?;

-- name: append
-- Appends records (parallel arrays: partition, key, content type, headers, payload, timestamp),
-- returning the first offset of each partition of the batch (its records got consecutive offsets
-- in the order of the arrays), and the id of the transaction (so that a producer whose commit got
-- no answer can ask whether it committed); then notifies the consumers.
SELECT partition, first_offset, pg_current_xact_id()::text::bigint
FROM {schema}.append_records(?, ?::int[], ?::bytea[], ?::text[], ?::text[], ?::bytea[], ?::timestamptz[], ?, ?);

-- name: fetch
-- Reads up to N records of each of the given partitions, from the given offset on, partition after
-- partition in the order given, in offset order (topic id, partitions, their next offsets, N).
SELECT partition, "offset", "timestamp", key, content_type, headers, payload
FROM {schema}.fetch_records(?, ?::int[], ?::bigint[], ?);

-- name: heartbeat
-- One heartbeat of a consumer group member: group, topic id, member id, session timeout in
-- seconds, whether a partition without a committed offset starts at the earliest record, and
-- whether the member is leaving, and the partitions it releases (drained, no longer its share).
-- Returns the partitions it owns afterwards, with their log end offsets (how far records wait).
SELECT h.partition, h.assigned, h.epoch, h.committed_offset, h.low_watermark, {schema}.log_end_offset(?, h.partition)
FROM {schema}.group_heartbeat(?, ?, ?, ?, ?, ?, ?::int[]) AS h;

-- name: commit
-- Commits the group's next offsets for partitions the member owns, each fenced by the epoch under
-- which it owns it; returns the partitions committed (a missing one was lost to another member).
-- A commit never moves an offset back: one made by a handler's transaction may have gone further
-- than the channel's periodic commit knows yet.
UPDATE {schema}.consumer_group_partition AS g
SET committed_offset = greatest(g.committed_offset, c.next_offset), committed_at = now()
FROM unnest(?::int[], ?::bigint[], ?::bigint[]) AS c(partition, next_offset, epoch)
WHERE g.group_id = ? AND g.topic_id = ? AND g.owner = ?
  AND g.partition = c.partition AND g.epoch = c.epoch
RETURNING g.partition;

-- name: commit-in-transaction
-- Commits, in a handler's transaction, the offsets after the records it handled (partitions, the
-- first offset of its records in each, the next offsets, the epochs; group, topic id, member),
-- fenced by the epoch under which the member owns each partition, and by the group's offset, which
-- must not be past the first of those records: else an earlier delivery of them committed them
-- already, and committing their effects again would apply them twice. Returns the partitions
-- committed.
-- The transaction then holds those rows until it commits, and every heartbeat of the group waits for
-- them: if it stays idle longer than the limit (milliseconds, the 5th parameter; its client vanished
-- without closing, which the server would not notice for hours), the server ends it, and nothing of
-- it is committed (set_config ... true: for this transaction only; evaluated with the rows it locks).
UPDATE {schema}.consumer_group_partition AS g
SET committed_offset = c.next_offset, committed_at = now()
FROM unnest(?::int[], ?::bigint[], ?::bigint[], ?::bigint[]) AS c(partition, first_offset, next_offset, epoch),
     (SELECT set_config('idle_in_transaction_session_timeout', ?, true)) AS idle_limit
WHERE g.group_id = ? AND g.topic_id = ? AND g.owner = ?
  AND g.partition = c.partition AND g.epoch = c.epoch AND g.committed_offset <= c.first_offset
RETURNING g.partition;

-- name: group-partition
-- A partition's owner, epoch and committed offset in a group (group, topic id, partition): why a
-- commit in a handler's transaction was refused.
SELECT owner, epoch, committed_offset FROM {schema}.consumer_group_partition
WHERE group_id = ? AND topic_id = ? AND partition = ?;

-- name: maintain-segments
-- Creates the daily segments of every topic for today and the next two days and drops those past
-- their topic's retention; returns how many were dropped.
SELECT {schema}.maintain_log_segments(2);

-- name: lag
-- Per partition of a topic: the earliest offset kept, the log end offset (the next record's),
-- and the group's committed offset (NULL if it has none).
SELECT p, {schema}.log_start_offset(t.id, p), {schema}.log_end_offset(t.id, p), g.committed_offset
FROM {schema}.topic AS t
CROSS JOIN generate_series(0, t.partitions - 1) AS p
LEFT JOIN {schema}.consumer_group_partition AS g ON g.group_id = ? AND g.topic_id = t.id AND g.partition = p
WHERE t.name = ?
ORDER BY p;

-- name: seek
-- Moves a group's committed offsets (see seek_group in the schema baseline, V1__baseline.sql):
-- group, topic, partition (NULL: all), where to ('earliest', 'latest', 'offset', 'time'), the
-- offset, the time. Returns the partitions moved and their new offsets.
SELECT s.partition, s.committed_offset
FROM {schema}.topic AS t
CROSS JOIN LATERAL {schema}.seek_group(?, t.id, ?, ?, ?, ?) AS s
WHERE t.name = ?
ORDER BY s.partition;
