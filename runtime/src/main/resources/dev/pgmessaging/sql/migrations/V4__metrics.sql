-- Metrics (the pgmessaging.messages.expired counter): the claim also tells how many expired messages
-- it took care of. claim_messages gets a last parameter, p_count_expired: when true, the claim ends
-- with a row of its own (every column NULL but expired) counting the expired messages it deleted
-- or dead-lettered, if it did any; the message rows have expired NULL. Otherwise it is the claim of
-- the baseline (V1__baseline.sql says how and why it is built as it is), with the same plan: the
-- leasing UPDATE moves into a WITH query so that the count can follow it.
--
-- The baseline's function, without that parameter, stays for the instances of an earlier version
-- still running while this one starts (a rolling deployment): it now calls this one and returns
-- what it always did.
CREATE FUNCTION {schema}.claim_messages(p_queue text, p_limit integer, p_visibility_timeout float8,
        p_expired_to text, p_ordered boolean, p_key_cursor text, p_floor_priority smallint, p_floor timestamptz,
        p_count_expired boolean)
    RETURNS TABLE (id bigint, lease_token bigint, attempts integer, priority smallint, enqueued_at timestamptz,
                   message_key text, content_type text, headers text, payload bytea, exchange text,
                   routing_key text, floor_priority smallint, floor_at timestamptz, expired integer)
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_sort = off
    -- disabled paths cost 10^10 each, and a plan that costs that much would otherwise be JIT-compiled
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    -- no floor: every priority below the highest from its head, the highest one from the start of time
    v_priority smallint := coalesce(p_floor_priority, 32767);
    v_floor    timestamptz := CASE WHEN p_floor_priority IS NULL THEN '-infinity'
                                   ELSE coalesce(p_floor, '-infinity') END;
BEGIN
    RETURN QUERY
    WITH RECURSIVE token AS (
        SELECT nextval('{schema}.lease_token_seq') AS t
    ), expired AS (
        DELETE FROM {schema}.queue_message
        WHERE id IN (
            SELECT id FROM {schema}.queue_message
            WHERE queue = p_queue AND expires_at <= now() AND visible_at <= now()
            LIMIT 100
            FOR UPDATE SKIP LOCKED)
        RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key,
                  expires_at
    ), dead_lettered AS (
        INSERT INTO {schema}.queue_message
            (queue, message_key, content_type, headers, payload, body_id, exchange, routing_key)
        SELECT p_expired_to, message_key, content_type,
               coalesce(headers, '{}'::jsonb) || jsonb_build_object(
                   'dead-letter-reason', 'expired at ' || expires_at,
                   'dead-letter-queue', queue,
                   'dead-letter-attempts', attempts::text),
               payload, body_id, exchange, routing_key
        FROM expired
        WHERE p_expired_to IS NOT NULL
    ), heads AS (
        (SELECT m.message_key, m.id, m.visible_at, m.expires_at
         FROM {schema}.queue_message AS m
         WHERE m.queue = p_queue AND m.message_key >= p_key_cursor
         ORDER BY m.message_key, m.id
         LIMIT 1)
        UNION ALL
        SELECT n.message_key, n.id, n.visible_at, n.expires_at
        FROM heads AS h
        CROSS JOIN LATERAL (
            SELECT m.message_key, m.id, m.visible_at, m.expires_at
            FROM {schema}.queue_message AS m
            WHERE m.queue = p_queue AND m.message_key > h.message_key
            ORDER BY m.message_key, m.id
            LIMIT 1) AS n
    ), above_floor AS (
        SELECT id, priority, visible_at
        FROM {schema}.queue_message
        WHERE NOT p_ordered
          AND queue = p_queue AND priority > v_priority
          AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
        ORDER BY priority DESC, visible_at, id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), from_floor AS (
        SELECT id, priority, visible_at
        FROM {schema}.queue_message
        WHERE NOT p_ordered
          AND queue = p_queue AND priority = v_priority AND visible_at >= v_floor
          AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
        ORDER BY priority DESC, visible_at, id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), below_floor AS (
        SELECT id, priority, visible_at
        FROM {schema}.queue_message
        WHERE NOT p_ordered
          AND queue = p_queue AND priority < v_priority
          AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
        ORDER BY priority DESC, visible_at, id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), unordered AS (
        (SELECT * FROM above_floor UNION ALL SELECT * FROM from_floor UNION ALL SELECT * FROM below_floor)
        LIMIT p_limit
    ), first_leased AS (
        -- the floor of the next claim: where this one found its first message
        SELECT u.priority, min(u.visible_at) AS visible_at
        FROM unordered AS u
        WHERE u.priority = (SELECT max(f.priority) FROM unordered AS f)
        GROUP BY u.priority
    ), ordered AS (
        SELECT id
        FROM {schema}.queue_message
        WHERE p_ordered
          AND id = ANY (ARRAY(
                  SELECT h.id
                  FROM heads AS h
                  WHERE h.visible_at <= now() AND (h.expires_at IS NULL OR h.expires_at > now())
                    AND NOT EXISTS (SELECT 1 FROM {schema}.queue_message AS leased
                                    WHERE leased.queue = p_queue AND leased.message_key = h.message_key
                                      -- spelled out so that every plan can use the partial index of leased keys
                                      AND leased.message_key IS NOT NULL AND leased.lease_token IS NOT NULL
                                      AND leased.visible_at > now())
                  LIMIT p_limit + 16)
              || ARRAY(
                  SELECT k.id
                  FROM {schema}.queue_message AS k
                  WHERE k.queue = p_queue AND k.message_key IS NULL
                    AND k.visible_at <= now() AND (k.expires_at IS NULL OR k.expires_at > now())
                  -- the index order (the key is NULL throughout), so no sort is needed
                  ORDER BY k.message_key, k.id
                  LIMIT p_limit))
          -- checked again on the latest version of a row another consumer leased meanwhile
          AND visible_at <= now()
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), leased AS (
        UPDATE {schema}.queue_message AS m
        SET visible_at  = now() + make_interval(secs => p_visibility_timeout),
            attempts    = m.attempts + 1,
            lease_token = token.t
        FROM token
        -- an array of ids, not a join: a plan must not hash the whole table for a few rows
        WHERE m.id = ANY (ARRAY(SELECT id FROM unordered UNION ALL SELECT id FROM ordered))
        RETURNING m.id, m.lease_token, m.attempts, m.priority, m.enqueued_at, m.message_key,
                  m.content_type, m.headers::text,
                  coalesce(m.payload, (SELECT b.payload FROM {schema}.message_body AS b WHERE b.id = m.body_id)),
                  m.exchange, m.routing_key,
                  (SELECT f.priority FROM first_leased AS f), (SELECT f.visible_at FROM first_leased AS f),
                  NULL::integer
    )
    SELECT * FROM leased
    UNION ALL
    -- the count of expired messages, in a row of its own: a claim may lease nothing and still expire some
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*)::integer
    FROM expired
    WHERE p_count_expired
    HAVING count(*) > 0;
END
$$;


CREATE OR REPLACE FUNCTION {schema}.claim_messages(p_queue text, p_limit integer, p_visibility_timeout float8,
        p_expired_to text, p_ordered boolean, p_key_cursor text, p_floor_priority smallint, p_floor timestamptz)
    RETURNS TABLE (id bigint, lease_token bigint, attempts integer, priority smallint, enqueued_at timestamptz,
                   message_key text, content_type text, headers text, payload bytea, exchange text,
                   routing_key text, floor_priority smallint, floor_at timestamptz)
    LANGUAGE sql
AS $$
    SELECT c.id, c.lease_token, c.attempts, c.priority, c.enqueued_at, c.message_key, c.content_type, c.headers,
           c.payload, c.exchange, c.routing_key, c.floor_priority, c.floor_at
    FROM {schema}.claim_messages(p_queue, p_limit, p_visibility_timeout, p_expired_to, p_ordered, p_key_cursor,
                                 p_floor_priority, p_floor, false) AS c;
$$;

-- The gauges' read of the topics (partition_offsets, V3__gauges.sql), with fewer probes of log_batch:
-- what costs is the probes (each locks every segment of the parent table in its generic plan, the
-- price of a plan made once per session), and the start of a partition was read for every
-- partition although only a group that is behind needs it. Now a partition costs one probe (its
-- end) and a group that is behind one more (the first batch it has not read, which gives its age,
-- and the start of the partition when retention went past its committed offset); a group that has
-- read everything costs none. Same results as before. (Measured with 100 topics of 4 partitions
-- and a group each, three day segments a topic: 33 ms a call instead of 42 with every group
-- behind, 22 ms instead of 31 with every group caught up.)
CREATE OR REPLACE FUNCTION {schema}.partition_offsets()
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
    v_first bigint;
    v_appended timestamptz;
BEGIN
    FOR v_topic IN SELECT t.id, t.name, t.partitions FROM {schema}.topic AS t ORDER BY t.name LOOP
        FOR v_partition IN 0 .. v_topic.partitions - 1 LOOP
            v_end := NULL;
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
            END IF;
            topic := v_topic.name;
            partition := v_partition;
            end_offset := v_end;
            group_id := NULL;
            FOR v_group IN SELECT g.group_id, g.committed_offset
                           FROM {schema}.consumer_group_partition AS g
                           WHERE g.topic_id = v_topic.id AND g.partition = v_partition
                           ORDER BY g.group_id LOOP
                group_id := v_group.group_id;
                committed_offset := v_group.committed_offset;
                oldest_unconsumed_age := NULL;
                IF v_group.committed_offset >= v_end THEN
                    lag := v_end - v_group.committed_offset;
                ELSE
                    -- the first batch not read yet; a group that never committed reads from the first kept
                    v_first := NULL;
                    SELECT b.first_offset, b.appended_at INTO v_first, v_appended
                    FROM {schema}.log_batch AS b
                    WHERE b.topic_id = v_topic.id AND b.partition = v_partition
                      AND b.last_offset >= coalesce(v_group.committed_offset, 0)
                    ORDER BY b.last_offset
                    LIMIT 1;
                    IF v_first IS NULL THEN
                        lag := 0; -- retention dropped everything up to the end
                    ELSE
                        lag := v_end - greatest(coalesce(v_group.committed_offset, v_first), v_first);
                        oldest_unconsumed_age := extract(epoch FROM now() - v_appended)::float8;
                    END IF;
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

-- Every queue (those the channels registered, and any other that holds messages) with its messages
-- counted by state: ready (visible now: never leased, or their lease ran out), delayed (not
-- visible yet), in flight (leased, visibility timeout running), the age in seconds of its oldest
-- ready message (NULL: none), and whether the counts are estimates.
--
-- Counting is a pass over the messages (a fraction of a microsecond each), so the queue gauges
-- would cost more the deeper the queues. p_exact_rows bounds that for the usual shape of a deep
-- table, a backlog in a few queues (NULL: count everything, for an operator's screen):
-- * while the table holds about p_exact_rows messages or fewer (by its size on disk and its rows
--   per page at the last VACUUM or ANALYZE), all are counted, in one pass;
-- * past that, a sample of about p_exact_rows messages (whole pages, TABLESAMPLE SYSTEM) finds the
--   deep queues: those it saw on enough pages (fifty pages' worth of messages) for an estimate
--   within about a seventh get the sample's counts scaled up (estimated); every other registered queue is counted exactly, by
--   index, if together they hold no more than twice p_exact_rows messages;
-- * otherwise (the depth is spread over many queues that a bounded sample cannot tell apart), all
--   are counted after all, in one pass: the cost grows with the depth, the counts stay exact.
-- A queue that no channel registered shows in the second case only when the sample sees it. An
-- estimated queue's oldest ready age is the oldest the sample saw: a lower bound.
CREATE FUNCTION {schema}.queue_depths(p_exact_rows integer)
    RETURNS TABLE (queue text, ready bigint, delayed bigint, in_flight bigint, oldest_ready_age float8,
                   estimated boolean)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
    -- one process: starting parallel workers costs more than these counts, and a refresh should
    -- not take workers from the application's queries
    SET max_parallel_workers_per_gather = 0
    -- restored when the function returns: the sampled path turns them off
    SET enable_seqscan = on
    SET enable_bitmapscan = on
AS $$
#variable_conflict use_column
DECLARE
    v_pages float8;
    v_rows_per_page float8;
    v_percent float8 := 100;
    v_others text[];
    v_queues text[];
    v_ready bigint[];
    v_delayed bigint[];
    v_in_flight bigint[];
    v_oldest float8[];
    v_counted bigint;
    v_deep integer;
BEGIN
    IF p_exact_rows IS NOT NULL THEN
        SELECT sum(pg_relation_size(c.oid) / current_setting('block_size')::float8),
               sum(c.reltuples) FILTER (WHERE c.reltuples > 0)
                   / nullif(sum(c.relpages) FILTER (WHERE c.reltuples > 0), 0)
        INTO v_pages, v_rows_per_page
        FROM pg_inherits AS i
        JOIN pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = '{schema}.queue_message'::regclass;
        -- never analyzed yet: assume small rows (more pages sampled, never fewer)
        v_percent := least(100, 100 * p_exact_rows / greatest(v_pages * coalesce(v_rows_per_page, 100), 1));
    END IF;
    IF v_percent < 100 THEN
        -- the deep queues: those the sample saw fifty pages' worth of messages of (so on fifty pages
        -- at least), their counts scaled up
        SELECT coalesce(array_agg(s.queue), '{}'), coalesce(array_agg(round(s.ready * 100 / v_percent)::bigint), '{}'),
               coalesce(array_agg(round(s.delayed * 100 / v_percent)::bigint), '{}'),
               coalesce(array_agg(round(s.in_flight * 100 / v_percent)::bigint), '{}'),
               coalesce(array_agg(s.oldest), '{}')
        INTO v_queues, v_ready, v_delayed, v_in_flight, v_oldest
        FROM (SELECT m.queue,
                     count(*) FILTER (WHERE m.visible_at <= now()) AS ready,
                     count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NULL) AS delayed,
                     count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NOT NULL) AS in_flight,
                     extract(epoch FROM now() - min(m.enqueued_at) FILTER (WHERE m.visible_at <= now()))::float8
                         AS oldest,
                     count(*) AS messages
              FROM {schema}.queue_message AS m TABLESAMPLE SYSTEM (v_percent)
              GROUP BY m.queue) AS s
        WHERE s.messages >= 50 * coalesce(v_rows_per_page, 100);
        -- every other registered queue, exactly, by index: a few queues' messages up to a limit (a
        -- generic plan of queue = ANY (...) would read the whole table, and a bitmap scan every
        -- message of those queues before the limit could stop it)
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        v_others := ARRAY(SELECT q.name FROM {schema}.queue AS q WHERE q.name <> ALL (v_queues));
        v_deep := cardinality(v_queues);
        SELECT coalesce(sum(c.messages), 0), v_queues || coalesce(array_agg(c.queue), '{}'),
               v_ready || coalesce(array_agg(c.ready), '{}'), v_delayed || coalesce(array_agg(c.delayed), '{}'),
               v_in_flight || coalesce(array_agg(c.in_flight), '{}'), v_oldest || coalesce(array_agg(c.oldest), '{}')
        INTO v_counted, v_queues, v_ready, v_delayed, v_in_flight, v_oldest
        FROM (SELECT m.queue, count(*) AS messages,
                     count(*) FILTER (WHERE m.visible_at <= now()) AS ready,
                     count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NULL) AS delayed,
                     count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NOT NULL) AS in_flight,
                     extract(epoch FROM now() - min(m.enqueued_at) FILTER (WHERE m.visible_at <= now()))::float8
                         AS oldest
              FROM (SELECT e.queue, e.visible_at, e.lease_token, e.enqueued_at
                    FROM {schema}.queue_message AS e
                    WHERE e.queue = ANY (v_others)
                    LIMIT 2 * p_exact_rows + 1) AS m
              GROUP BY m.queue) AS c;
        IF v_counted <= 2 * p_exact_rows THEN
            RETURN QUERY
            SELECT d.queue, d.ready, d.delayed, d.in_flight, d.oldest, d.n <= v_deep
            FROM unnest(v_queues, v_ready, v_delayed, v_in_flight, v_oldest)
                WITH ORDINALITY AS d(queue, ready, delayed, in_flight, oldest, n)
            UNION ALL
            SELECT o.name, 0, 0, 0, NULL, false
            FROM unnest(v_others) AS o(name)
            WHERE NOT EXISTS (SELECT 1 FROM unnest(v_queues) AS c(name) WHERE c.name = o.name);
            RETURN;
        END IF;
        -- the depth is spread over the other queues: count everything after all
        PERFORM set_config('enable_seqscan', 'on', true);
        PERFORM set_config('enable_bitmapscan', 'on', true);
    END IF;
    RETURN QUERY
    WITH counts AS (
        SELECT m.queue,
               count(*) FILTER (WHERE m.visible_at <= now()) AS ready,
               count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NULL) AS delayed,
               count(*) FILTER (WHERE m.visible_at > now() AND m.lease_token IS NOT NULL) AS in_flight,
               extract(epoch FROM now() - min(m.enqueued_at) FILTER (WHERE m.visible_at <= now()))::float8 AS oldest
        FROM {schema}.queue_message AS m
        GROUP BY m.queue
    )
    SELECT coalesce(q.name, c.queue), coalesce(c.ready, 0), coalesce(c.delayed, 0), coalesce(c.in_flight, 0),
           c.oldest, false
    FROM {schema}.queue AS q
    FULL JOIN counts AS c ON c.queue = q.name;
END
$$;
