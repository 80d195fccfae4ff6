-- Records are stored in batches, a row per partition of each append, as Kafka stores its record
-- batches: the row holds the records' fields in parallel arrays, and its offsets run from
-- first_offset to last_offset (last_offset - first_offset + 1 records, in the order of the arrays).
--
-- Why: with a row and an index entry per record, appends took most of the database's time in the
-- log benchmark (pg_stat_statements: 3.2 ms for an append of about 500 records of 100 bytes, 6.5
-- microseconds a record; the index alone about a third of it), and the database shares the cores
-- with the application. Measured with pgbench, the same 500 records as one row: 0.31 ms. Reading
-- gets cheaper too: a fetch visits one index entry and one row per batch instead of per record.
--
-- The arrays are stored out of line without compression (STORAGE EXTERNAL): compressing a batch
-- with pglz took four times as long as storing it. A read that starts in the middle of a batch
-- reads the batch whole and skips what it had (fetch_records, at most one batch per partition and
-- read).
--
-- Everything V8 says of offsets holds: an append locks its partitions, numbers its batch from the
-- partition's log end offset and commits before the next append of the partition can read it.
-- Retention still drops whole daily segments, now of batches (a batch belongs to the day of its
-- append, as its records did).

CREATE TABLE {schema}.log_batch (
    topic_id      integer       NOT NULL,
    partition     integer       NOT NULL,
    first_offset  bigint        NOT NULL,
    last_offset   bigint        NOT NULL,
    -- the database clock at append, under the partition's lock: never decreases within a partition
    appended_at   timestamptz   NOT NULL,
    -- each record's timestamp, the producer's, or NULL for the append time
    timestamps    timestamptz[],
    keys          bytea[],
    content_types text[],
    headers       jsonb[],
    payloads      bytea[],
    CHECK (last_offset >= first_offset)
) PARTITION BY LIST (topic_id);

ALTER TABLE {schema}.log_batch
    ALTER COLUMN timestamps SET STORAGE EXTERNAL,
    ALTER COLUMN keys SET STORAGE EXTERNAL,
    ALTER COLUMN content_types SET STORAGE EXTERNAL,
    ALTER COLUMN headers SET STORAGE EXTERNAL,
    ALTER COLUMN payloads SET STORAGE EXTERNAL;

-- batches follow each other in offset order: the index on last_offset finds the batch holding an
-- offset (the first whose last_offset is at or after it), the log end offset and the earliest batch
CREATE INDEX log_batch_offset_idx ON {schema}.log_batch (partition, last_offset);

-- Each record as a row, for reading the log by hand (and for tests): not for the connector, which
-- reads the batches through their index.
CREATE FUNCTION {schema}.log_batch_records(p_batch {schema}.log_batch)
    RETURNS TABLE ("offset" bigint, "timestamp" timestamptz, key bytea, content_type text, headers jsonb, payload bytea)
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT p_batch.first_offset + r.n - 1, coalesce(r.ts, p_batch.appended_at), r.k, r.ct, r.h, r.p
    FROM unnest(p_batch.timestamps, p_batch.keys, p_batch.content_types, p_batch.headers, p_batch.payloads)
        WITH ORDINALITY AS r(ts, k, ct, h, p, n)
$$;

-- the records of V8's table move into batches of one record each, in segments of the same days
DO $$
DECLARE
    v_topic   record;
    v_segment record;
    v_day     timestamptz;
BEGIN
    FOR v_topic IN SELECT id FROM {schema}.topic LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.log_batch FOR VALUES IN (%s) PARTITION BY RANGE (appended_at)',
                       '{schema_name}', 'log_batch_t' || v_topic.id, '{schema_name}', v_topic.id);
        FOR v_segment IN
            SELECT c.relname
            FROM pg_inherits AS h
            JOIN pg_class AS c ON c.oid = h.inhrelid
            WHERE h.inhparent = to_regclass(format('%I.%I', '{schema_name}', 'log_record_t' || v_topic.id))
              AND c.relname ~ '_p[0-9]{8}$'
        LOOP
            v_day := to_date(right(v_segment.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC';
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                           '{schema_name}', 'log_batch_t' || v_topic.id || '_p' || right(v_segment.relname, 8),
                           '{schema_name}', 'log_batch_t' || v_topic.id, v_day, v_day + interval '1 day');
            EXECUTE format('INSERT INTO %I.log_batch (topic_id, partition, first_offset, last_offset, appended_at,'
                           ' timestamps, keys, content_types, headers, payloads)'
                           ' SELECT topic_id, partition, "offset", "offset", appended_at, ARRAY["timestamp"], ARRAY[key],'
                           ' ARRAY[content_type], ARRAY[headers], ARRAY[payload] FROM %I.%I',
                           '{schema_name}', '{schema_name}', v_segment.relname);
        END LOOP;
    END LOOP;
END
$$;

DROP TABLE {schema}.log_record;

CREATE OR REPLACE FUNCTION {schema}.create_topic(p_name text, p_partitions integer, p_retention interval)
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
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.log_batch FOR VALUES IN (%s) PARTITION BY RANGE (appended_at)',
                       '{schema_name}', 'log_batch_t' || v_id, '{schema_name}', v_id);
        PERFORM {schema}.maintain_log_segments(2, now());
    END IF;
    RETURN QUERY SELECT t.id, t.partitions, t.retention FROM {schema}.topic AS t WHERE t.id = v_id;
END
$$;

-- As in V8, for the batches' segments (log_batch_t<id>_pYYYYMMDD).
CREATE OR REPLACE FUNCTION {schema}.maintain_log_segments(p_ahead integer, p_now timestamptz DEFAULT now())
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
            v_name := format('log_batch_t%s_p%s', v_topic.id,
                             to_char((v_start + i * interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD'));
            IF to_regclass(format('%I.%I', '{schema_name}', v_name)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                               '{schema_name}', v_name, '{schema_name}', 'log_batch_t' || v_topic.id,
                               v_start + i * interval '1 day', v_start + (i + 1) * interval '1 day');
            END IF;
        END LOOP;
        CONTINUE WHEN v_topic.retention IS NULL;
        FOR v_segment IN
            SELECT c.relname
            FROM pg_inherits AS h
            JOIN pg_class AS c ON c.oid = h.inhrelid
            WHERE h.inhparent = to_regclass(format('%I.%I', '{schema_name}', 'log_batch_t' || v_topic.id))
              AND c.relname ~ '_p[0-9]{8}$'
        LOOP
            -- the segment's end, from its name
            IF ((to_date(right(v_segment.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day')
                    < p_now - v_topic.retention THEN
                EXECUTE format('INSERT INTO %I.log_partition_floor (topic_id, partition, next_offset)'
                               ' SELECT %s, partition, max(last_offset) + 1 FROM %I.%I GROUP BY partition'
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

CREATE OR REPLACE FUNCTION {schema}.log_end_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT max(b.last_offset) + 1 FROM {schema}.log_batch AS b
                     WHERE b.topic_id = p_topic_id AND b.partition = p_partition),
                    (SELECT f.next_offset FROM {schema}.log_partition_floor AS f
                     WHERE f.topic_id = p_topic_id AND f.partition = p_partition),
                    0)
$$;

CREATE OR REPLACE FUNCTION {schema}.log_start_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT b.first_offset FROM {schema}.log_batch AS b
                     WHERE b.topic_id = p_topic_id AND b.partition = p_partition
                     ORDER BY b.last_offset LIMIT 1),
                    {schema}.log_end_offset(p_topic_id, p_partition))
$$;

-- Appends one batch per partition of the arrays (V11 says what the arguments and the result are):
-- the arrays as they are when they hold one partition's records (a producer's batch mostly does),
-- otherwise each partition's elements, in their order.
CREATE OR REPLACE FUNCTION {schema}.append_records(p_topic_id integer, p_partitions integer[], p_keys bytea[],
        p_content_types text[], p_headers text[], p_payloads bytea[], p_timestamps timestamptz[],
        p_notify_channel text, p_wake text)
    RETURNS TABLE (partition integer, first_offset bigint)
    LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_partitions integer[];
    v_partition  integer;
    v_next       bigint;
    v_count      integer;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'appending to a topic needs a READ COMMITTED transaction, not %',
            current_setting('transaction_isolation')
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    -- a batch's offsets are counted from p_partitions and its records read from the other arrays
    IF cardinality(p_partitions) IS DISTINCT FROM cardinality(p_keys)
            OR cardinality(p_partitions) IS DISTINCT FROM cardinality(p_content_types)
            OR cardinality(p_partitions) IS DISTINCT FROM cardinality(p_headers)
            OR cardinality(p_partitions) IS DISTINCT FROM cardinality(p_payloads)
            OR cardinality(p_partitions) IS DISTINCT FROM cardinality(p_timestamps) THEN
        RAISE EXCEPTION 'the arrays of an append must all have one element per record'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_partitions := ARRAY(SELECT DISTINCT p FROM unnest(p_partitions) AS p ORDER BY p);
    FOREACH v_partition IN ARRAY v_partitions LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('{schema_name}.log/' || p_topic_id || '/' || v_partition, 0));
        v_next := {schema}.log_end_offset(p_topic_id, v_partition);
        IF cardinality(v_partitions) = 1 THEN
            v_count := cardinality(p_partitions);
            INSERT INTO {schema}.log_batch
                (topic_id, partition, first_offset, last_offset, appended_at, timestamps, keys, content_types,
                 headers, payloads)
            VALUES (p_topic_id, v_partition, v_next, v_next + v_count - 1, clock_timestamp(), p_timestamps, p_keys,
                    p_content_types, p_headers::jsonb[], p_payloads);
        ELSE
            INSERT INTO {schema}.log_batch
                (topic_id, partition, first_offset, last_offset, appended_at, timestamps, keys, content_types,
                 headers, payloads)
            SELECT p_topic_id, v_partition, v_next, v_next + count(*) - 1, clock_timestamp(),
                   array_agg(i.ts ORDER BY i.n), array_agg(i.k ORDER BY i.n), array_agg(i.ct ORDER BY i.n),
                   array_agg(i.h::jsonb ORDER BY i.n), array_agg(i.p ORDER BY i.n)
            FROM unnest(p_partitions, p_keys, p_content_types, p_headers, p_payloads, p_timestamps)
                WITH ORDINALITY AS i(part, k, ct, h, p, ts, n)
            WHERE i.part = v_partition;
        END IF;
        partition := v_partition;
        first_offset := v_next;
        RETURN NEXT;
    END LOOP;
    IF p_notify_channel IS NOT NULL THEN
        PERFORM pg_notify(p_notify_channel, p_wake);
    END IF;
END
$$;

-- As in V11, a binary search over the offsets, each probe finding the batch that holds an offset
-- (every record of a batch has the batch's append time).
CREATE OR REPLACE FUNCTION {schema}.offset_at_time(p_topic_id integer, p_partition integer, p_time timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_answer bigint := {schema}.log_end_offset(p_topic_id, p_partition);
    v_low    bigint := {schema}.log_start_offset(p_topic_id, p_partition);
    v_high   bigint := v_answer;
    v_day    timestamptz := date_trunc('day', p_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_mid    bigint;
    v_first  bigint;
    v_last   bigint;
    v_at     timestamptz;
BEGIN
    WHILE v_low < v_high LOOP
        v_mid := v_low + (v_high - v_low) / 2;
        v_first := NULL;
        SELECT b.first_offset, b.last_offset, b.appended_at INTO v_first, v_last, v_at
        FROM {schema}.log_batch AS b
        -- an index range: v_high is never inside a batch of v_day or later (it is the log end
        -- offset, a batch's first offset, or in a gap or a batch of an earlier day)
        WHERE b.topic_id = p_topic_id AND b.partition = p_partition AND b.last_offset >= v_mid
          AND b.last_offset < v_high AND b.appended_at >= v_day
        ORDER BY b.last_offset
        LIMIT 1;
        IF v_first IS NULL THEN
            v_high := v_mid; -- none from v_mid on (a gap, or dropped by retention meanwhile), or none that late
        ELSIF v_at >= p_time THEN
            v_answer := greatest(v_first, v_low); -- the batch's records before v_low are not kept
            v_high := least(v_mid, v_answer);
        ELSE
            v_low := v_last + 1;
        END IF;
    END LOOP;
    RETURN v_answer;
END
$$;

-- Reads up to p_limit records of each partition (p_partitions, each from its offset in
-- p_next_offsets), partition after partition in the order given, each in offset order: the partition's batches one after the other, in
-- offset order, each unnested, until p_limit records are read. A batch is only read when needed:
-- a single query that unnests the batches and sorts their records reads every batch it may need
-- for p_limit records before sorting (measured: 14 batches of 500 records unnested to return 496).
-- As the functions of V9, it plans index scans whatever the statistics say (a segment is often
-- empty when first read, and large a minute later): the batches of a partition are read in offset
-- order through the index of each daily segment, merged. Unlike them it does not force a generic
-- plan: that would lock every segment of every topic at each read (topics are pruned at run time
-- only), where a plan for the call's topic locks that topic's segments.
CREATE FUNCTION {schema}.fetch_records(p_topic_id integer, p_partitions integer[], p_next_offsets bigint[],
        p_limit integer)
    RETURNS TABLE (partition integer, "offset" bigint, "timestamp" timestamptz, key bytea, content_type text,
                   headers text, payload bytea)
    LANGUAGE plpgsql STABLE
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    v_partition integer;
    v_next      bigint;
    v_left      integer;
    v_read      integer;
    v_batch     record;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(p_partitions), 0) LOOP
        v_partition := p_partitions[i];
        v_next := p_next_offsets[i];
        v_left := p_limit;
        CONTINUE WHEN v_left <= 0;
        FOR v_batch IN
            SELECT b.first_offset, b.appended_at, b.timestamps, b.keys, b.content_types, b.headers, b.payloads
            FROM {schema}.log_batch AS b
            WHERE b.topic_id = p_topic_id AND b.partition = v_partition AND b.last_offset >= v_next
            ORDER BY b.last_offset
            LIMIT v_left -- each batch read has a record to return at least
        LOOP
            RETURN QUERY
            SELECT v_partition, v_batch.first_offset + r.n - 1, coalesce(r.ts, v_batch.appended_at), r.k, r.ct,
                   r.h::text, r.p
            FROM unnest(v_batch.timestamps, v_batch.keys, v_batch.content_types, v_batch.headers, v_batch.payloads)
                WITH ORDINALITY AS r(ts, k, ct, h, p, n)
            WHERE v_batch.first_offset + r.n - 1 >= v_next
            ORDER BY r.n
            LIMIT v_left;
            GET DIAGNOSTICS v_read = ROW_COUNT;
            v_left := v_left - v_read;
            EXIT WHEN v_left <= 0;
        END LOOP;
    END LOOP;
END
$$;
