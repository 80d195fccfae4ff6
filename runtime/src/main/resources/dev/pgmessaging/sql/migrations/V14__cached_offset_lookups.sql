-- The log end and start offsets of a partition, looked up with plans the session keeps.
--
-- Why: V13's versions are SQL functions whose body has subqueries, which PostgreSQL does not
-- inline; it plans such a body again for every statement that calls it, and with the topic and
-- partition as parameters it cannot prune the partitioned batch table while planning, so it plans
-- (and locks, indexes included) every daily segment of every topic. Every append calls
-- log_end_offset. Measured with pgbench (one record of 100 bytes, synchronous commit): with one
-- topic an append took 0.78 ms, 0.27 ms of it planning that body; with 31 topics 4.9 ms, and it
-- held 224 locks. As PL/pgSQL, the statements below go through the session's plan cache: the first
-- five calls get plans for their topic, later ones a generic plan that prunes the topics when it
-- runs, if PostgreSQL estimates it cheaper than planning each call (it did with 1 and 31 topics;
-- it is planned again after a segment is created or dropped). Measured: 0.35 ms with one topic
-- and with 31, and 132 locks with 31 topics (a generic plan still locks the segments of every
-- topic, but not their indexes).

CREATE OR REPLACE FUNCTION {schema}.log_end_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_end bigint;
BEGIN
    SELECT max(b.last_offset) + 1 INTO v_end
    FROM {schema}.log_batch AS b
    WHERE b.topic_id = p_topic_id AND b.partition = p_partition;
    IF v_end IS NULL THEN
        -- no batch kept: the offset after the last batch retention dropped, if any
        SELECT f.next_offset INTO v_end
        FROM {schema}.log_partition_floor AS f
        WHERE f.topic_id = p_topic_id AND f.partition = p_partition;
    END IF;
    RETURN coalesce(v_end, 0);
END
$$;

CREATE OR REPLACE FUNCTION {schema}.log_start_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_start bigint;
BEGIN
    SELECT b.first_offset INTO v_start
    FROM {schema}.log_batch AS b
    WHERE b.topic_id = p_topic_id AND b.partition = p_partition
    ORDER BY b.last_offset
    LIMIT 1;
    RETURN coalesce(v_start, {schema}.log_end_offset(p_topic_id, p_partition));
END
$$;
