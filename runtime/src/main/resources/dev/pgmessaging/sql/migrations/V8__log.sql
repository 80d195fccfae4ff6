-- Log model (Kafka semantics): topics split into partitions, each an append-only sequence of
-- records numbered by dense offsets; consumer groups that each read every record and commit how
-- far they got.

CREATE TABLE {schema}.topic (
    name        text        PRIMARY KEY,
    -- a number for the topic's table partitions and locks, which must not depend on the name's length
    id          integer     GENERATED ALWAYS AS IDENTITY UNIQUE,
    partitions  integer     NOT NULL CHECK (partitions > 0),
    -- records older than this are dropped (a day's segment at a time); NULL: kept forever
    retention   interval,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The records. Partitioned by topic, and each topic's table by day of append (segments): retention
-- drops whole segments, so the log never has a row deleted and never needs vacuum.
--
-- Offsets are dense and become visible in offset order: an append takes a lock per (topic,
-- partition) that it holds until its transaction ends, numbers its records from the partition's
-- highest offset plus one, and commits before the next append can even read that highest offset.
-- So a reader that sees offset n has seen every offset below it: it can never skip a record
-- committed late, the trap of sequence-numbered logs. The price: appends to one partition are
-- serialized for the length of their transactions (see append_records).
CREATE TABLE {schema}.log_record (
    topic_id     integer     NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    -- the database clock at append, under the partition's lock: never decreases within a partition
    appended_at  timestamptz NOT NULL,
    -- the record's timestamp (the producer's, or the append time)
    "timestamp"  timestamptz NOT NULL,
    key          bytea,
    content_type text,
    headers      jsonb,
    payload      bytea
) PARTITION BY LIST (topic_id);

-- Where each partition's offsets go on from when retention has dropped every record it had: the
-- offset after the last record of each dropped segment. Written only when a segment is dropped.
CREATE TABLE {schema}.log_partition_floor (
    topic_id    integer NOT NULL REFERENCES {schema}.topic (id) ON DELETE CASCADE,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic_id, partition)
);

CREATE INDEX log_record_offset_idx ON {schema}.log_record (partition, "offset");
-- for seeks by time
CREATE INDEX log_record_time_idx ON {schema}.log_record (partition, appended_at);

-- Creates the topic with its table partition unless it exists; returns its id and partition count,
-- which differ from the request when it existed already (the caller decides whether that is an error).
CREATE FUNCTION {schema}.create_topic(p_name text, p_partitions integer, p_retention interval)
    RETURNS TABLE (topic_id integer, partitions integer, retention interval)
    LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_id integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{schema_name}.topic/' || p_name));
    SELECT t.id INTO v_id FROM {schema}.topic AS t WHERE t.name = p_name;
    IF v_id IS NULL THEN
        INSERT INTO {schema}.topic (name, partitions, retention) VALUES (p_name, p_partitions, p_retention)
        RETURNING id INTO v_id;
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.log_record FOR VALUES IN (%s) PARTITION BY RANGE (appended_at)',
                       '{schema_name}', 'log_record_t' || v_id, '{schema_name}', v_id);
        PERFORM {schema}.maintain_log_segments(2, now());
    END IF;
    RETURN QUERY SELECT t.id, t.partitions, t.retention FROM {schema}.topic AS t WHERE t.id = v_id;
END
$$;

-- Creates each topic's daily segments from the day holding p_now to p_ahead days after it, and drops
-- those that ended longer than the topic's retention before p_now. Segments are named after their
-- topic and day (log_record_t<id>_pYYYYMMDD, UTC). Instances take turns through an advisory lock.
-- Returns the number of segments dropped.
CREATE FUNCTION {schema}.maintain_log_segments(p_ahead integer, p_now timestamptz DEFAULT now())
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    v_start   timestamptz;
    v_topic   record;
    v_name    text;
    v_segment record;
    v_dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{schema_name}.log_record'));
    v_start := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR v_topic IN SELECT id, retention FROM {schema}.topic LOOP
        FOR i IN 0 .. p_ahead LOOP
            v_name := format('log_record_t%s_p%s', v_topic.id,
                             to_char((v_start + i * interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD'));
            IF to_regclass(format('%I.%I', '{schema_name}', v_name)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                               '{schema_name}', v_name, '{schema_name}', 'log_record_t' || v_topic.id,
                               v_start + i * interval '1 day', v_start + (i + 1) * interval '1 day');
            END IF;
        END LOOP;
        CONTINUE WHEN v_topic.retention IS NULL;
        FOR v_segment IN
            SELECT c.relname
            FROM pg_inherits AS h
            JOIN pg_class AS c ON c.oid = h.inhrelid
            WHERE h.inhparent = to_regclass(format('%I.%I', '{schema_name}', 'log_record_t' || v_topic.id))
              AND c.relname ~ '_p[0-9]{8}$'
        LOOP
            -- the segment's end, from its name
            IF ((to_date(right(v_segment.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day')
                    < p_now - v_topic.retention THEN
                EXECUTE format('INSERT INTO %I.log_partition_floor (topic_id, partition, next_offset)'
                               ' SELECT %s, partition, max("offset") + 1 FROM %I.%I GROUP BY partition'
                               ' ON CONFLICT (topic_id, partition) DO UPDATE'
                               ' SET next_offset = greatest(log_partition_floor.next_offset, excluded.next_offset)',
                               '{schema_name}', v_topic.id, '{schema_name}', v_segment.relname);
                EXECUTE format('DROP TABLE %I.%I', '{schema_name}', v_segment.relname);
                v_dropped := v_dropped + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN v_dropped;
END
$$;

-- The offset the partition's next record gets (Kafka's log end offset, or high watermark).
CREATE FUNCTION {schema}.log_end_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT max(r."offset") + 1 FROM {schema}.log_record AS r
                     WHERE r.topic_id = p_topic_id AND r.partition = p_partition),
                    (SELECT f.next_offset FROM {schema}.log_partition_floor AS f
                     WHERE f.topic_id = p_topic_id AND f.partition = p_partition),
                    0)
$$;

-- The offset of the partition's earliest record still kept (Kafka's log start offset), or its log
-- end offset when it keeps none.
CREATE FUNCTION {schema}.log_start_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT min(r."offset") FROM {schema}.log_record AS r
                     WHERE r.topic_id = p_topic_id AND r.partition = p_partition),
                    {schema}.log_end_offset(p_topic_id, p_partition))
$$;

-- Appends a batch of records to a topic (parallel arrays, one element per record) and returns the
-- offset each got, with its position in the arrays (from 1). Wakes the topic's consumers with one
-- NOTIFY on p_notify_channel (payload p_wake), unless that is NULL.
--
-- The partitions of the batch are locked in ascending order (two batches cannot deadlock), each
-- with a transaction-scoped advisory lock, then each partition's records are numbered from its
-- highest offset plus one. The lock is held until the caller's transaction ends: a producer
-- appending inside a long application transaction (a transactional outbox) holds up every other
-- producer of the same partitions until it commits or rolls back. Consumers are never held up.
--
-- Needs READ COMMITTED: each statement below must see the appends committed while it waited for
-- the lock, which a REPEATABLE READ snapshot would hide (offsets would collide).
CREATE FUNCTION {schema}.append_records(p_topic_id integer, p_partitions integer[], p_keys bytea[],
        p_content_types text[], p_headers text[], p_payloads bytea[], p_timestamps timestamptz[],
        p_notify_channel text, p_wake text)
    RETURNS TABLE (n bigint, "offset" bigint)
    LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_partition integer;
    v_next      bigint;
    v_now       timestamptz;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'appending to a topic needs a READ COMMITTED transaction, not %',
            current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    FOR v_partition IN SELECT DISTINCT p FROM unnest(p_partitions) AS p ORDER BY p LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('{schema_name}.log/' || p_topic_id || '/' || v_partition, 0));
        v_next := {schema}.log_end_offset(p_topic_id, v_partition);
        v_now := clock_timestamp();
        RETURN QUERY
        WITH batch AS (
            SELECT i.n, v_next + row_number() OVER (ORDER BY i.n) - 1 AS "offset", i.k, i.ct, i.h, i.p, i.ts
            FROM unnest(p_partitions, p_keys, p_content_types, p_headers, p_payloads, p_timestamps)
                WITH ORDINALITY AS i(part, k, ct, h, p, ts, n)
            WHERE i.part = v_partition
        ), stored AS (
            INSERT INTO {schema}.log_record
                (topic_id, partition, "offset", appended_at, "timestamp", key, content_type, headers, payload)
            SELECT p_topic_id, v_partition, b."offset", v_now, coalesce(b.ts, v_now), b.k, b.ct, b.h::jsonb, b.p
            FROM batch AS b
        )
        SELECT b.n, b."offset" FROM batch AS b;
    END LOOP;
    IF p_notify_channel IS NOT NULL THEN
        PERFORM pg_notify(p_notify_channel, p_wake);
    END IF;
END
$$;

-- Consumer groups. Each member (a consumer channel, or one of its concurrency copies, in any
-- instance) heartbeats; a member whose heartbeat is older than its session timeout is gone. The
-- partitions of the topic are shared among the live members of the group in turn (partition p
-- goes to the (p mod n)-th member by id), and each partition row says who owns it now.
CREATE TABLE {schema}.consumer_group_member (
    group_id        text        NOT NULL,
    topic_id        integer     NOT NULL REFERENCES {schema}.topic (id) ON DELETE CASCADE,
    member_id       text        NOT NULL,
    heartbeat_at    timestamptz NOT NULL,
    session_timeout interval    NOT NULL,
    PRIMARY KEY (group_id, topic_id, member_id)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 100);

CREATE TABLE {schema}.consumer_group_partition (
    group_id         text    NOT NULL,
    topic_id         integer NOT NULL REFERENCES {schema}.topic (id) ON DELETE CASCADE,
    partition        integer NOT NULL,
    -- the next offset the group reads (Kafka's committed offset); NULL until the first owner sets
    -- it from its auto.offset.reset
    committed_offset bigint,
    committed_at     timestamptz,
    -- the member that owns the partition, NULL when none does
    owner            text,
    -- incremented whenever the partition changes hands: a commit names the epoch it owns, so a
    -- member that lost the partition can no longer commit for it (fencing)
    epoch            bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, topic_id, partition)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 100);

-- One heartbeat of a member: records it alive (or gone, when p_leaving), forgets the members whose
-- session expired, gives up the partitions the member released (p_released: no longer its share,
-- and drained: every record it delivered is settled and committed) and takes those of its share that
-- nobody alive owns. A partition that is no longer a member's share stays its own until it releases
-- it, at one of its next heartbeats: so a partition is never processed by two members at once. A
-- partition that gets its first owner starts at the earliest record still kept (p_reset_earliest)
-- or after the latest one. Returns the partitions the member owns afterwards, whether each is still
-- its share (false: drain it, then release it), its epoch, committed offset and the earliest offset
-- still kept. Heartbeats of one group and topic take turns (advisory lock).
CREATE FUNCTION {schema}.group_heartbeat(p_group text, p_topic_id integer, p_member text,
        p_session_timeout float8, p_reset_earliest boolean, p_leaving boolean, p_released integer[])
    RETURNS TABLE (partition integer, assigned boolean, epoch bigint, committed_offset bigint, low_watermark bigint)
    LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_partitions integer;
    v_live       text[];
    v_index      integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('{schema_name}.group/' || p_group || '/' || p_topic_id, 0));
    IF p_leaving THEN
        DELETE FROM {schema}.consumer_group_member AS m
        WHERE m.group_id = p_group AND m.topic_id = p_topic_id AND m.member_id = p_member;
        UPDATE {schema}.consumer_group_partition AS g SET owner = NULL
        WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member;
        RETURN;
    END IF;
    INSERT INTO {schema}.consumer_group_member AS m (group_id, topic_id, member_id, heartbeat_at, session_timeout)
    VALUES (p_group, p_topic_id, p_member, now(), make_interval(secs => p_session_timeout))
    ON CONFLICT (group_id, topic_id, member_id)
        DO UPDATE SET heartbeat_at = excluded.heartbeat_at, session_timeout = excluded.session_timeout;
    DELETE FROM {schema}.consumer_group_member AS m
    WHERE m.group_id = p_group AND m.topic_id = p_topic_id AND m.heartbeat_at + m.session_timeout < now();

    SELECT t.partitions INTO v_partitions FROM {schema}.topic AS t WHERE t.id = p_topic_id;
    INSERT INTO {schema}.consumer_group_partition (group_id, topic_id, partition)
    SELECT p_group, p_topic_id, p FROM generate_series(0, v_partitions - 1) AS p
    ON CONFLICT DO NOTHING;

    v_live := ARRAY(SELECT m.member_id FROM {schema}.consumer_group_member AS m
                    WHERE m.group_id = p_group AND m.topic_id = p_topic_id ORDER BY m.member_id);
    v_index := array_position(v_live, p_member) - 1;

    UPDATE {schema}.consumer_group_partition AS g SET owner = NULL
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member
      AND g.partition % cardinality(v_live) <> v_index
      AND g.partition = ANY (coalesce(p_released, '{}'));

    UPDATE {schema}.consumer_group_partition AS g
    SET owner = p_member,
        epoch = g.epoch + 1,
        committed_offset = coalesce(g.committed_offset, CASE WHEN p_reset_earliest
            THEN {schema}.log_start_offset(p_topic_id, g.partition)
            ELSE {schema}.log_end_offset(p_topic_id, g.partition) END)
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id
      AND g.partition % cardinality(v_live) = v_index
      AND (g.owner IS NULL OR g.owner <> ALL (v_live));

    RETURN QUERY
    SELECT g.partition, g.partition % cardinality(v_live) = v_index, g.epoch, g.committed_offset,
           {schema}.log_start_offset(p_topic_id, g.partition)
    FROM {schema}.consumer_group_partition AS g
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member
    ORDER BY g.partition;
END
$$;

-- Moves a group's committed offset on one partition of a topic (p_partition) or on all of them
-- (NULL): to the earliest record kept ('earliest'), after the latest ('latest'), to p_offset
-- ('offset', kept within what the partition holds) or to the first record appended at or after
-- p_time ('time'; the log end offset if none was). Whoever owns those partitions loses them (the
-- epoch changes, so their commits no longer count) and takes them again at its next heartbeat,
-- from the new offset. Returns the partitions and the offsets they were moved to.
CREATE FUNCTION {schema}.seek_group(p_group text, p_topic_id integer, p_partition integer, p_to text,
        p_offset bigint, p_time timestamptz)
    RETURNS TABLE (partition integer, committed_offset bigint)
    LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_partitions integer;
BEGIN
    IF p_to NOT IN ('earliest', 'latest', 'offset', 'time') THEN
        RAISE EXCEPTION 'unknown seek position %', p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('{schema_name}.group/' || p_group || '/' || p_topic_id, 0));
    SELECT t.partitions INTO v_partitions FROM {schema}.topic AS t WHERE t.id = p_topic_id;
    INSERT INTO {schema}.consumer_group_partition (group_id, topic_id, partition)
    SELECT p_group, p_topic_id, p FROM generate_series(0, v_partitions - 1) AS p
    ON CONFLICT DO NOTHING;
    RETURN QUERY
    UPDATE {schema}.consumer_group_partition AS g
    SET owner = NULL,
        epoch = g.epoch + 1,
        committed_at = now(),
        committed_offset = CASE p_to
            WHEN 'earliest' THEN {schema}.log_start_offset(p_topic_id, g.partition)
            WHEN 'latest' THEN {schema}.log_end_offset(p_topic_id, g.partition)
            WHEN 'offset' THEN least(greatest(p_offset, {schema}.log_start_offset(p_topic_id, g.partition)),
                                     {schema}.log_end_offset(p_topic_id, g.partition))
            ELSE coalesce((SELECT r."offset" FROM {schema}.log_record AS r
                           WHERE r.topic_id = p_topic_id AND r.partition = g.partition AND r.appended_at >= p_time
                           ORDER BY r.appended_at, r."offset" LIMIT 1),
                          {schema}.log_end_offset(p_topic_id, g.partition))
            END
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND (p_partition IS NULL OR g.partition = p_partition)
    RETURNING g.partition, g.committed_offset;
END
$$;
