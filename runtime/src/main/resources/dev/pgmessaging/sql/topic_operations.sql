-- Statements of the admin API on topics and consumer groups (PostgresMessaging). None is on a
-- channel's path; each is named by its operation and takes bound parameters only; {schema} is the
-- validated, quoted schema name.

-- name: list-topics
-- Every topic: name, partitions, retention in seconds (NULL: kept for ever), and the groups that
-- have offsets on it.
SELECT t.name, t.partitions, extract(epoch FROM t.retention),
       ARRAY(SELECT DISTINCT g.group_id FROM {schema}.consumer_group_partition AS g
             WHERE g.topic_id = t.id ORDER BY g.group_id)
FROM {schema}.topic AS t
ORDER BY t.name;

-- name: live-members
-- How many members of a group are alive on a topic (heartbeat within their session timeout):
-- group, topic.
SELECT count(*)
FROM {schema}.consumer_group_member AS m
JOIN {schema}.topic AS t ON t.id = m.topic_id
WHERE m.group_id = ? AND t.name = ? AND m.heartbeat_at + m.session_timeout >= now();

-- name: delete-group
-- Deletes a group's offsets on a topic, refused while it has live members (delete_group, in
-- V2__operations.sql): group, topic. Returns the partitions deleted; no row: no such topic.
SELECT {schema}.delete_group(?, t.id) FROM {schema}.topic AS t WHERE t.name = ?;

-- name: set-retention
-- Changes how long a topic keeps its records (seconds; NULL: for ever): the upkeep drops the
-- segments past it at its next run. Returns the topic's name; no row: no such topic.
UPDATE {schema}.topic SET retention = make_interval(secs => ?::float8) WHERE name = ? RETURNING name;

-- name: partition-offsets
-- For the gauges (metrics): every partition of every topic, with its log end offset, and each
-- group's committed offset on it, lag and age of the oldest record it has not read
-- (partition_offsets, in V3__gauges.sql, says why a function and how it stays cheap).
SELECT o.topic, o.partition, o.end_offset, o.group_id, o.committed_offset, o.lag, o.oldest_unconsumed_age
FROM {schema}.partition_offsets() AS o;
