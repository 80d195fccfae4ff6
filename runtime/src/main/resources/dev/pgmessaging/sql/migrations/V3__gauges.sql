-- What the gauges (metrics) read of the topics in one call: every partition of every topic with
-- its log end offset, and for each group that has offsets on it (NULL: none has) its committed
-- offset, its lag and the age in seconds of the oldest record it has not read (NULL: it has read
-- everything).
--
-- Why a function, with plans made once per session (force_generic_plan): log_batch has a table per
-- topic and day, hundreds with a hundred topics, and what costs is planning over all of them, not
-- the probes. log_end_offset and log_start_offset, called per partition from one statement, got a
-- custom plan at every call (30 ms a call with 100 topics: a refresh took 13 s); a statement that
-- probes log_batch per partition planned and set up a scan of every segment for each probe. Here
-- each query is planned once per connection, and pruned to its topic's segments when it runs (the
-- topic is a parameter): a few index probes per partition and group. The end and start offsets are
-- those of log_end_offset and log_start_offset; a group that never committed reads from the
-- earliest record kept, as PartitionLag counts it.
CREATE FUNCTION {schema}.partition_offsets()
    RETURNS TABLE (topic text, partition integer, end_offset bigint, group_id text, committed_offset bigint,
                   lag bigint, oldest_unconsumed_age float8)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_topic record;
    v_group record;
    v_partition integer;
    v_end bigint;
    v_start bigint;
    v_from bigint;
BEGIN
    FOR v_topic IN SELECT t.id, t.name, t.partitions FROM {schema}.topic AS t ORDER BY t.name LOOP
        FOR v_partition IN 0 .. v_topic.partitions - 1 LOOP
            v_end := NULL;
            v_start := NULL;
            SELECT b.last_offset + 1 INTO v_end
            FROM {schema}.log_batch AS b
            WHERE b.topic_id = v_topic.id AND b.partition = v_partition
            ORDER BY b.last_offset DESC
            LIMIT 1;
            IF v_end IS NULL THEN
                -- no batch kept: the offset after the last batch retention dropped, if any
                SELECT f.next_offset INTO v_end
                FROM {schema}.log_partition_floor AS f
                WHERE f.topic_id = v_topic.id AND f.partition = v_partition;
                v_end := coalesce(v_end, 0);
                v_start := v_end;
            ELSE
                SELECT b.first_offset INTO v_start
                FROM {schema}.log_batch AS b
                WHERE b.topic_id = v_topic.id AND b.partition = v_partition
                ORDER BY b.last_offset
                LIMIT 1;
            END IF;
            topic := v_topic.name;
            partition := v_partition;
            end_offset := v_end;
            group_id := NULL;
            FOR v_group IN SELECT g.group_id, g.committed_offset
                           FROM {schema}.consumer_group_partition AS g
                           WHERE g.topic_id = v_topic.id AND g.partition = v_partition
                           ORDER BY g.group_id LOOP
                v_from := greatest(coalesce(v_group.committed_offset, v_start), v_start);
                group_id := v_group.group_id;
                committed_offset := v_group.committed_offset;
                lag := v_end - v_from;
                oldest_unconsumed_age := NULL;
                IF v_end > v_from THEN
                    SELECT extract(epoch FROM now() - b.appended_at)::float8 INTO oldest_unconsumed_age
                    FROM {schema}.log_batch AS b
                    WHERE b.topic_id = v_topic.id AND b.partition = v_partition AND b.last_offset >= v_from
                    ORDER BY b.last_offset
                    LIMIT 1;
                END IF;
                RETURN NEXT;
            END LOOP;
            IF group_id IS NULL THEN
                committed_offset := NULL;
                lag := NULL;
                oldest_unconsumed_age := NULL;
                RETURN NEXT;
            END IF;
        END LOOP;
    END LOOP;
END
$$;
