-- Appends cost less, in two ways. Why: the log producer of the benchmark spends most of the
-- database's CPU time in appends (batches of about 500 records), which PostgreSQL also shares with
-- the application on the same cores.
--
-- 1. An append returns one row per partition of the batch, its first offset, instead of one row per
--    record: the records of a partition get consecutive offsets in the order of the arrays, so the
--    caller knows each record's offset from its partition's first one. The per-record rows took a
--    fifth of each append (a data-modifying CTE whose result was materialized, then 500 rows over
--    the wire). The locking, numbering and READ COMMITTED requirement are those of V8.
-- 2. The index on (partition, appended_at) goes: it was kept up to date by every append (an eighth
--    of an append's time) for seeks by time only, which now search the offset index instead
--    (offset_at_time below).

DROP FUNCTION {schema}.append_records(integer, integer[], bytea[], text[], text[], bytea[], timestamptz[], text, text);

CREATE FUNCTION {schema}.append_records(p_topic_id integer, p_partitions integer[], p_keys bytea[],
        p_content_types text[], p_headers text[], p_payloads bytea[], p_timestamps timestamptz[],
        p_notify_channel text, p_wake text)
    RETURNS TABLE (partition integer, first_offset bigint)
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
        INSERT INTO {schema}.log_record
            (topic_id, partition, "offset", appended_at, "timestamp", key, content_type, headers, payload)
        SELECT p_topic_id, v_partition, v_next + row_number() OVER (ORDER BY i.n) - 1, v_now, coalesce(i.ts, v_now),
               i.k, i.ct, i.h::jsonb, i.p
        FROM unnest(p_partitions, p_keys, p_content_types, p_headers, p_payloads, p_timestamps)
            WITH ORDINALITY AS i(part, k, ct, h, p, ts, n)
        WHERE i.part = v_partition;
        partition := v_partition;
        first_offset := v_next;
        RETURN NEXT;
    END LOOP;
    IF p_notify_channel IS NOT NULL THEN
        PERFORM pg_notify(p_notify_channel, p_wake);
    END IF;
END
$$;

DROP INDEX {schema}.log_record_time_idx;

-- The first offset of a partition appended at or after p_time, or its log end offset if none was:
-- a binary search over the offset index, since appended_at never decreases along a partition's
-- offsets (each append stamps clock_timestamp() under the partition's lock, after the previous
-- append committed; a step back of the server's clock would make the answer approximate). About
-- log2(records) lookups of one index entry each, in the daily segments from p_time's day on only:
-- the records of the days before are all earlier, and the segments are split by append time, not
-- by offset, so without that bound each lookup would probe every segment of the topic.
CREATE FUNCTION {schema}.offset_at_time(p_topic_id integer, p_partition integer, p_time timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    -- the first offset known to be at or after p_time (the log end offset until one is found);
    -- [v_low, v_high) holds the offsets not looked at yet, every one below v_low is earlier
    v_answer bigint := {schema}.log_end_offset(p_topic_id, p_partition);
    v_low    bigint := {schema}.log_start_offset(p_topic_id, p_partition);
    v_high   bigint := v_answer;
    -- the start of p_time's day, as the segments are cut (maintain_log_segments)
    v_day    timestamptz := date_trunc('day', p_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_mid    bigint;
    v_offset bigint;
    v_at     timestamptz;
BEGIN
    WHILE v_low < v_high LOOP
        v_mid := v_low + (v_high - v_low) / 2;
        v_offset := NULL;
        SELECT r."offset", r.appended_at INTO v_offset, v_at
        FROM {schema}.log_record AS r
        WHERE r.topic_id = p_topic_id AND r.partition = p_partition AND r."offset" >= v_mid AND r."offset" < v_high
          AND r.appended_at >= v_day
        ORDER BY r."offset"
        LIMIT 1;
        IF v_offset IS NULL THEN
            v_high := v_mid; -- none from v_mid on (a gap, or dropped by retention meanwhile), or none that late
        ELSIF v_at >= p_time THEN
            v_answer := v_offset; -- and none between v_mid and it: look below v_mid
            v_high := v_mid;
        ELSE
            v_low := v_offset + 1;
        END IF;
    END LOOP;
    RETURN v_answer;
END
$$;

CREATE OR REPLACE FUNCTION {schema}.seek_group(p_group text, p_topic_id integer, p_partition integer, p_to text,
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
            ELSE {schema}.offset_at_time(p_topic_id, g.partition, p_time)
            END
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND (p_partition IS NULL OR g.partition = p_partition)
    RETURNING g.partition, g.committed_offset;
END
$$;
