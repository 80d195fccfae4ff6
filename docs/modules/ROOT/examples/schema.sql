--
-- PostgreSQL database dump
--




--
-- Name: pgmessaging; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgmessaging;


--
-- Name: ack_messages(bigint[], bigint[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.ack_messages(p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM "pgmessaging".queue_message AS m
    USING unnest(p_ids, p_tokens) AS a(id, token)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: append_records(integer, integer[], bytea[], text[], text[], bytea[], timestamp with time zone[], text, text); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.append_records(p_topic_id integer, p_partitions integer[], p_keys bytea[], p_content_types text[], p_headers text[], p_payloads bytea[], p_timestamps timestamp with time zone[], p_notify_channel text, p_wake text) RETURNS TABLE(partition integer, first_offset bigint)
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
        PERFORM pg_advisory_xact_lock(hashtextextended('pgmessaging.log/' || p_topic_id || '/' || v_partition, 0));
        v_next := "pgmessaging".log_end_offset(p_topic_id, v_partition);
        IF cardinality(v_partitions) = 1 THEN
            v_count := cardinality(p_partitions);
            INSERT INTO "pgmessaging".log_batch
                (topic_id, partition, first_offset, last_offset, appended_at, timestamps, keys, content_types,
                 headers, payloads)
            VALUES (p_topic_id, v_partition, v_next, v_next + v_count - 1, clock_timestamp(), p_timestamps, p_keys,
                    p_content_types, p_headers::jsonb[], p_payloads);
        ELSE
            INSERT INTO "pgmessaging".log_batch
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


--
-- Name: archive_messages(bigint[], bigint[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.archive_messages(p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
DECLARE
    v_count integer;
BEGIN
    WITH acked AS (
        DELETE FROM "pgmessaging".queue_message AS m
        USING unnest(p_ids, p_tokens) AS a(id, token)
        WHERE m.id = a.id AND m.lease_token = a.token
        RETURNING m.*
    )
    INSERT INTO "pgmessaging".queue_archive
        (id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
         headers, payload)
    SELECT id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
           headers, coalesce(payload, (SELECT b.payload FROM "pgmessaging".message_body AS b WHERE b.id = acked.body_id))
    FROM acked;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: claim_messages(text, integer, double precision, text, boolean, text, smallint, timestamp with time zone); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.claim_messages(p_queue text, p_limit integer, p_visibility_timeout double precision, p_expired_to text, p_ordered boolean, p_key_cursor text, p_floor_priority smallint, p_floor timestamp with time zone) RETURNS TABLE(id bigint, lease_token bigint, attempts integer, priority smallint, enqueued_at timestamp with time zone, message_key text, content_type text, headers text, payload bytea, exchange text, routing_key text, floor_priority smallint, floor_at timestamp with time zone)
    LANGUAGE sql
    AS $$
    SELECT c.id, c.lease_token, c.attempts, c.priority, c.enqueued_at, c.message_key, c.content_type, c.headers,
           c.payload, c.exchange, c.routing_key, c.floor_priority, c.floor_at
    FROM "pgmessaging".claim_messages(p_queue, p_limit, p_visibility_timeout, p_expired_to, p_ordered, p_key_cursor,
                                 p_floor_priority, p_floor, false) AS c;
$$;


--
-- Name: claim_messages(text, integer, double precision, text, boolean, text, smallint, timestamp with time zone, boolean); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.claim_messages(p_queue text, p_limit integer, p_visibility_timeout double precision, p_expired_to text, p_ordered boolean, p_key_cursor text, p_floor_priority smallint, p_floor timestamp with time zone, p_count_expired boolean) RETURNS TABLE(id bigint, lease_token bigint, attempts integer, priority smallint, enqueued_at timestamp with time zone, message_key text, content_type text, headers text, payload bytea, exchange text, routing_key text, floor_priority smallint, floor_at timestamp with time zone, expired integer)
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_sort TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
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
        SELECT nextval('"pgmessaging".lease_token_seq') AS t
    ), expired AS (
        DELETE FROM "pgmessaging".queue_message
        WHERE id IN (
            SELECT id FROM "pgmessaging".queue_message
            WHERE queue = p_queue AND expires_at <= now() AND visible_at <= now()
            LIMIT 100
            FOR UPDATE SKIP LOCKED)
        RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key,
                  expires_at
    ), dead_lettered AS (
        INSERT INTO "pgmessaging".queue_message
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
         FROM "pgmessaging".queue_message AS m
         WHERE m.queue = p_queue AND m.message_key >= p_key_cursor
         ORDER BY m.message_key, m.id
         LIMIT 1)
        UNION ALL
        SELECT n.message_key, n.id, n.visible_at, n.expires_at
        FROM heads AS h
        CROSS JOIN LATERAL (
            SELECT m.message_key, m.id, m.visible_at, m.expires_at
            FROM "pgmessaging".queue_message AS m
            WHERE m.queue = p_queue AND m.message_key > h.message_key
            ORDER BY m.message_key, m.id
            LIMIT 1) AS n
    ), above_floor AS (
        SELECT id, priority, visible_at
        FROM "pgmessaging".queue_message
        WHERE NOT p_ordered
          AND queue = p_queue AND priority > v_priority
          AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
        ORDER BY priority DESC, visible_at, id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), from_floor AS (
        SELECT id, priority, visible_at
        FROM "pgmessaging".queue_message
        WHERE NOT p_ordered
          AND queue = p_queue AND priority = v_priority AND visible_at >= v_floor
          AND visible_at <= now() AND (expires_at IS NULL OR expires_at > now())
        ORDER BY priority DESC, visible_at, id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), below_floor AS (
        SELECT id, priority, visible_at
        FROM "pgmessaging".queue_message
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
        FROM "pgmessaging".queue_message
        WHERE p_ordered
          AND id = ANY (ARRAY(
                  SELECT h.id
                  FROM heads AS h
                  WHERE h.visible_at <= now() AND (h.expires_at IS NULL OR h.expires_at > now())
                    AND NOT EXISTS (SELECT 1 FROM "pgmessaging".queue_message AS leased
                                    WHERE leased.queue = p_queue AND leased.message_key = h.message_key
                                      -- spelled out so that every plan can use the partial index of leased keys
                                      AND leased.message_key IS NOT NULL AND leased.lease_token IS NOT NULL
                                      AND leased.visible_at > now())
                  LIMIT p_limit + 16)
              || ARRAY(
                  SELECT k.id
                  FROM "pgmessaging".queue_message AS k
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
        UPDATE "pgmessaging".queue_message AS m
        SET visible_at  = now() + make_interval(secs => p_visibility_timeout),
            attempts    = m.attempts + 1,
            lease_token = token.t
        FROM token
        -- an array of ids, not a join: a plan must not hash the whole table for a few rows
        WHERE m.id = ANY (ARRAY(SELECT id FROM unordered UNION ALL SELECT id FROM ordered))
        RETURNING m.id, m.lease_token, m.attempts, m.priority, m.enqueued_at, m.message_key,
                  m.content_type, m.headers::text,
                  coalesce(m.payload, (SELECT b.payload FROM "pgmessaging".message_body AS b WHERE b.id = m.body_id)),
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


--
-- Name: create_topic(text, integer, interval); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.create_topic(p_name text, p_partitions integer, p_retention interval) RETURNS TABLE(topic_id integer, partitions integer, retention interval)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
#variable_conflict use_column
DECLARE
    v_id integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('pgmessaging.topic/' || p_name));
    SELECT t.id INTO v_id FROM "pgmessaging".topic AS t WHERE t.name = p_name;
    IF v_id IS NULL THEN
        INSERT INTO "pgmessaging".topic (name, partitions, retention) VALUES (p_name, p_partitions, p_retention)
        RETURNING id INTO v_id;
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.log_batch FOR VALUES IN (%s) PARTITION BY RANGE (appended_at)',
                       'pgmessaging', 'log_batch_t' || v_id, 'pgmessaging', v_id);
        PERFORM "pgmessaging".maintain_log_segments(2, now());
    END IF;
    RETURN QUERY SELECT t.id, t.partitions, t.retention FROM "pgmessaging".topic AS t WHERE t.id = v_id;
END
$$;


--
-- Name: current_queue_slot(); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.current_queue_slot() RETURNS smallint
    LANGUAGE sql
    AS $$ SELECT (last_value % 3)::smallint FROM "pgmessaging".queue_generation_seq $$;


--
-- Name: dead_letter_message(bigint, bigint, text, text, text); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.dead_letter_message(p_id bigint, p_token bigint, p_to text, p_reason text, p_exception_class text) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
DECLARE
    v_count integer;
BEGIN
    WITH moved AS (
        DELETE FROM "pgmessaging".queue_message
        WHERE id = p_id AND lease_token = p_token
        RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key
    )
    INSERT INTO "pgmessaging".queue_message
        (queue, message_key, content_type, headers, payload, body_id, exchange, routing_key)
    SELECT p_to, message_key, content_type,
           coalesce(headers, '{}'::jsonb) || jsonb_build_object(
               'dead-letter-reason', p_reason,
               'dead-letter-exception-class-name', p_exception_class,
               'dead-letter-queue', queue,
               'dead-letter-attempts', attempts::text),
           payload, body_id, exchange, routing_key
    FROM moved;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: delete_group(text, integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.delete_group(p_group text, p_topic_id integer) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_count integer;
BEGIN
    -- the lock of the group's heartbeats and seek_group: no member joins meanwhile
    PERFORM pg_advisory_xact_lock(hashtextextended('pgmessaging.group/' || p_group || '/' || p_topic_id, 0));
    IF EXISTS (SELECT 1 FROM "pgmessaging".consumer_group_member AS m
               WHERE m.group_id = p_group AND m.topic_id = p_topic_id
                 AND m.heartbeat_at + m.session_timeout >= now()) THEN
        RAISE EXCEPTION 'group % has live members on this topic: stop its consumers first', p_group
            USING ERRCODE = 'object_in_use';
    END IF;
    DELETE FROM "pgmessaging".consumer_group_member AS m WHERE m.group_id = p_group AND m.topic_id = p_topic_id;
    DELETE FROM "pgmessaging".consumer_group_partition AS g WHERE g.group_id = p_group AND g.topic_id = p_topic_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: delete_messages(text, bigint[], jsonb); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.delete_messages(p_queue text, p_ids bigint[] DEFAULT NULL::bigint[], p_headers jsonb DEFAULT NULL::jsonb) RETURNS integer
    LANGUAGE sql
    AS $$
    WITH deleted AS (
        DELETE FROM "pgmessaging".queue_message AS m
        USING "pgmessaging".operable_messages(p_queue, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot
        RETURNING 1
    )
    SELECT count(*)::integer FROM deleted;
$$;


--
-- Name: extend_leases(double precision, bigint[], bigint[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.extend_leases(p_visibility_timeout double precision, p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE "pgmessaging".queue_message AS m
    SET visible_at = now() + make_interval(secs => p_visibility_timeout)
    FROM unnest(p_ids, p_tokens) AS a(id, token)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: fetch_records(integer, integer[], bigint[], integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.fetch_records(p_topic_id integer, p_partitions integer[], p_next_offsets bigint[], p_limit integer) RETURNS TABLE(partition integer, "offset" bigint, "timestamp" timestamp with time zone, key bytea, content_type text, headers text, payload bytea)
    LANGUAGE plpgsql STABLE
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
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
            FROM "pgmessaging".log_batch AS b
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


--
-- Name: give_back_messages(bigint[], bigint[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.give_back_messages(p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE sql
    AS $$
    WITH given_back AS (
        UPDATE "pgmessaging".queue_message AS m
        SET visible_at = now(), lease_token = NULL, attempts = greatest(m.attempts - 1, 0)
        FROM unnest(p_ids, p_tokens) AS a(id, token)
        WHERE m.id = a.id AND m.lease_token = a.token
        RETURNING 1
    )
    SELECT count(*)::integer FROM given_back;
$$;


--
-- Name: grant_application_role(name); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.grant_application_role(p_role name) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO "pgmessaging".application_role (role_name) VALUES (p_role) ON CONFLICT DO NOTHING;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', 'pgmessaging', p_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', 'pgmessaging', p_role);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', 'pgmessaging', p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', 'pgmessaging', p_role);
END
$$;


--
-- Name: grant_application_roles(); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.grant_application_roles() RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_role  name;
    v_count integer := 0;
BEGIN
    FOR v_role IN SELECT r.role_name FROM "pgmessaging".application_role AS r
                  JOIN pg_roles AS p ON p.rolname = r.role_name LOOP
        PERFORM "pgmessaging".grant_application_role(v_role);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;


--
-- Name: group_heartbeat(text, integer, text, double precision, boolean, boolean, integer[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.group_heartbeat(p_group text, p_topic_id integer, p_member text, p_session_timeout double precision, p_reset_earliest boolean, p_leaving boolean, p_released integer[]) RETURNS TABLE(partition integer, assigned boolean, epoch bigint, committed_offset bigint, low_watermark bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_partitions integer;
    v_live       text[];
    v_index      integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pgmessaging.group/' || p_group || '/' || p_topic_id, 0));
    IF p_leaving THEN
        DELETE FROM "pgmessaging".consumer_group_member AS m
        WHERE m.group_id = p_group AND m.topic_id = p_topic_id AND m.member_id = p_member;
        UPDATE "pgmessaging".consumer_group_partition AS g SET owner = NULL
        WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member;
        RETURN;
    END IF;
    INSERT INTO "pgmessaging".consumer_group_member AS m (group_id, topic_id, member_id, heartbeat_at, session_timeout)
    VALUES (p_group, p_topic_id, p_member, now(), make_interval(secs => p_session_timeout))
    ON CONFLICT (group_id, topic_id, member_id)
        DO UPDATE SET heartbeat_at = excluded.heartbeat_at, session_timeout = excluded.session_timeout;
    DELETE FROM "pgmessaging".consumer_group_member AS m
    WHERE m.group_id = p_group AND m.topic_id = p_topic_id AND m.heartbeat_at + m.session_timeout < now();

    SELECT t.partitions INTO v_partitions FROM "pgmessaging".topic AS t WHERE t.id = p_topic_id;
    INSERT INTO "pgmessaging".consumer_group_partition (group_id, topic_id, partition)
    SELECT p_group, p_topic_id, p FROM generate_series(0, v_partitions - 1) AS p
    ON CONFLICT DO NOTHING;

    v_live := ARRAY(SELECT m.member_id FROM "pgmessaging".consumer_group_member AS m
                    WHERE m.group_id = p_group AND m.topic_id = p_topic_id ORDER BY m.member_id);
    v_index := array_position(v_live, p_member) - 1;

    UPDATE "pgmessaging".consumer_group_partition AS g SET owner = NULL
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member
      AND g.partition % cardinality(v_live) <> v_index
      AND g.partition = ANY (coalesce(p_released, '{}'));

    UPDATE "pgmessaging".consumer_group_partition AS g
    SET owner = p_member,
        epoch = g.epoch + 1,
        committed_offset = coalesce(g.committed_offset, CASE WHEN p_reset_earliest
            THEN "pgmessaging".log_start_offset(p_topic_id, g.partition)
            ELSE "pgmessaging".log_end_offset(p_topic_id, g.partition) END)
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id
      AND g.partition % cardinality(v_live) = v_index
      AND (g.owner IS NULL OR g.owner <> ALL (v_live));

    RETURN QUERY
    SELECT g.partition, g.partition % cardinality(v_live) = v_index, g.epoch, g.committed_offset,
           "pgmessaging".log_start_offset(p_topic_id, g.partition)
    FROM "pgmessaging".consumer_group_partition AS g
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND g.owner = p_member
    ORDER BY g.partition;
END
$$;



--
-- Name: log_batch; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.log_batch (
    topic_id integer NOT NULL,
    partition integer NOT NULL,
    first_offset bigint NOT NULL,
    last_offset bigint NOT NULL,
    appended_at timestamp with time zone NOT NULL,
    timestamps timestamp with time zone[],
    keys bytea[],
    content_types text[],
    headers jsonb[],
    payloads bytea[],
    CONSTRAINT log_batch_check CHECK ((last_offset >= first_offset))
)
PARTITION BY LIST (topic_id);
ALTER TABLE ONLY pgmessaging.log_batch ALTER COLUMN timestamps SET STORAGE EXTERNAL;
ALTER TABLE ONLY pgmessaging.log_batch ALTER COLUMN keys SET STORAGE EXTERNAL;
ALTER TABLE ONLY pgmessaging.log_batch ALTER COLUMN content_types SET STORAGE EXTERNAL;
ALTER TABLE ONLY pgmessaging.log_batch ALTER COLUMN headers SET STORAGE EXTERNAL;
ALTER TABLE ONLY pgmessaging.log_batch ALTER COLUMN payloads SET STORAGE EXTERNAL;


--
-- Name: log_batch_records(pgmessaging.log_batch); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.log_batch_records(p_batch pgmessaging.log_batch) RETURNS TABLE("offset" bigint, "timestamp" timestamp with time zone, key bytea, content_type text, headers jsonb, payload bytea)
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT p_batch.first_offset + r.n - 1, coalesce(r.ts, p_batch.appended_at), r.k, r.ct, r.h, r.p
    FROM unnest(p_batch.timestamps, p_batch.keys, p_batch.content_types, p_batch.headers, p_batch.payloads)
        WITH ORDINALITY AS r(ts, k, ct, h, p, n)
$$;


--
-- Name: log_end_offset(integer, integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.log_end_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_end bigint;
BEGIN
    SELECT max(b.last_offset) + 1 INTO v_end
    FROM "pgmessaging".log_batch AS b
    WHERE b.topic_id = p_topic_id AND b.partition = p_partition;
    IF v_end IS NULL THEN
        -- no batch kept: the offset after the last batch retention dropped, if any
        SELECT f.next_offset INTO v_end
        FROM "pgmessaging".log_partition_floor AS f
        WHERE f.topic_id = p_topic_id AND f.partition = p_partition;
    END IF;
    RETURN coalesce(v_end, 0);
END
$$;


--
-- Name: log_start_offset(integer, integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.log_start_offset(p_topic_id integer, p_partition integer) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_start bigint;
BEGIN
    SELECT b.first_offset INTO v_start
    FROM "pgmessaging".log_batch AS b
    WHERE b.topic_id = p_topic_id AND b.partition = p_partition
    ORDER BY b.last_offset
    LIMIT 1;
    RETURN coalesce(v_start, "pgmessaging".log_end_offset(p_topic_id, p_partition));
END
$$;


--
-- Name: maintain_archive(interval, integer, timestamp with time zone); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.maintain_archive(p_retention interval, p_ahead integer, p_now timestamp with time zone DEFAULT now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
DECLARE
    v_start timestamptz;
    v_name  text;
    v_part  record;
    v_dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('"pgmessaging".queue_archive'));
    v_start := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR i IN 0 .. p_ahead LOOP
        v_name := 'queue_archive_p' || to_char((v_start + i * interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF to_regclass(format('%I.%I', 'pgmessaging', v_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.queue_archive FOR VALUES FROM (%L) TO (%L)',
                           'pgmessaging', v_name, 'pgmessaging', v_start + i * interval '1 day',
                           v_start + (i + 1) * interval '1 day');
        END IF;
    END LOOP;
    FOR v_part IN
        SELECT c.relname
        FROM pg_inherits AS h
        JOIN pg_class AS c ON c.oid = h.inhrelid
        WHERE h.inhparent = to_regclass(format('%I.queue_archive', 'pgmessaging'))
          AND c.relname ~ '^queue_archive_p[0-9]{8}$'
    LOOP
        -- the partition's end, from its name
        IF ((to_date(substr(v_part.relname, 16), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day')
                < p_now - p_retention THEN
            EXECUTE format('DROP TABLE %I.%I', 'pgmessaging', v_part.relname);
            v_dropped := v_dropped + 1;
        END IF;
    END LOOP;
    RETURN v_dropped;
END
$_$;


--
-- Name: maintain_log_segments(integer, timestamp with time zone); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.maintain_log_segments(p_ahead integer, p_now timestamp with time zone DEFAULT now()) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
DECLARE
    v_start   timestamptz;
    v_topic   record;
    v_name    text;
    v_segment record;
    v_dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('pgmessaging.log_record'));
    v_start := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR v_topic IN SELECT id, retention FROM "pgmessaging".topic LOOP
        FOR i IN 0 .. p_ahead LOOP
            v_name := format('log_batch_t%s_p%s', v_topic.id,
                             to_char((v_start + i * interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD'));
            IF to_regclass(format('%I.%I', 'pgmessaging', v_name)) IS NULL THEN
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                               'pgmessaging', v_name, 'pgmessaging', 'log_batch_t' || v_topic.id,
                               v_start + i * interval '1 day', v_start + (i + 1) * interval '1 day');
            END IF;
        END LOOP;
        CONTINUE WHEN v_topic.retention IS NULL;
        FOR v_segment IN
            SELECT c.relname
            FROM pg_inherits AS h
            JOIN pg_class AS c ON c.oid = h.inhrelid
            WHERE h.inhparent = to_regclass(format('%I.%I', 'pgmessaging', 'log_batch_t' || v_topic.id))
              AND c.relname ~ '_p[0-9]{8}$'
        LOOP
            -- the segment's end, from its name
            IF ((to_date(right(v_segment.relname, 8), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day')
                    < p_now - v_topic.retention THEN
                EXECUTE format('INSERT INTO %I.log_partition_floor (topic_id, partition, next_offset)'
                               ' SELECT %s, partition, max(last_offset) + 1 FROM %I.%I GROUP BY partition'
                               ' ON CONFLICT (topic_id, partition) DO UPDATE'
                               ' SET next_offset = greatest(log_partition_floor.next_offset, excluded.next_offset)',
                               'pgmessaging', v_topic.id, 'pgmessaging', v_segment.relname);
                EXECUTE format('DROP TABLE %I.%I', 'pgmessaging', v_segment.relname);
                v_dropped := v_dropped + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN v_dropped;
END
$_$;


--
-- Name: move_messages(text, text, bigint[], jsonb); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.move_messages(p_from text, p_to text, p_ids bigint[] DEFAULT NULL::bigint[], p_headers jsonb DEFAULT NULL::jsonb) RETURNS integer
    LANGUAGE sql
    AS $$
    WITH moved AS (
        UPDATE "pgmessaging".queue_message AS m
        SET queue = p_to, attempts = 0, lease_token = NULL, visible_at = greatest(m.visible_at, now())
        FROM "pgmessaging".operable_messages(p_from, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot
        RETURNING 1
    )
    SELECT count(*)::integer FROM moved;
$$;


--
-- Name: offset_at_time(integer, integer, timestamp with time zone); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.offset_at_time(p_topic_id integer, p_partition integer, p_time timestamp with time zone) RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_answer bigint := "pgmessaging".log_end_offset(p_topic_id, p_partition);
    v_low    bigint := "pgmessaging".log_start_offset(p_topic_id, p_partition);
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
        FROM "pgmessaging".log_batch AS b
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


--
-- Name: operable_messages(text, bigint[], jsonb); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.operable_messages(p_queue text, p_ids bigint[], p_headers jsonb) RETURNS TABLE(id bigint, slot smallint)
    LANGUAGE sql
    AS $$
    SELECT m.id, m.slot
    FROM "pgmessaging".queue_message AS m
    WHERE m.queue = p_queue
      AND (m.lease_token IS NULL OR m.visible_at <= now())
      AND (p_ids IS NULL OR m.id = ANY (p_ids))
      AND (p_headers IS NULL OR m.headers @> p_headers)
    FOR UPDATE SKIP LOCKED;
$$;


--
-- Name: partition_offsets(); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.partition_offsets() RETURNS TABLE(topic text, partition integer, end_offset bigint, group_id text, committed_offset bigint, lag bigint, oldest_unconsumed_age double precision)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode TO 'force_generic_plan'
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
    FOR v_topic IN SELECT t.id, t.name, t.partitions FROM "pgmessaging".topic AS t ORDER BY t.name LOOP
        FOR v_partition IN 0 .. v_topic.partitions - 1 LOOP
            v_end := NULL;
            SELECT b.last_offset + 1 INTO v_end
            FROM "pgmessaging".log_batch AS b
            WHERE b.topic_id = v_topic.id AND b.partition = v_partition
            ORDER BY b.last_offset DESC
            LIMIT 1;
            IF v_end IS NULL THEN
                -- no batch kept: the offset after the last batch retention dropped, if any
                SELECT f.next_offset INTO v_end
                FROM "pgmessaging".log_partition_floor AS f
                WHERE f.topic_id = v_topic.id AND f.partition = v_partition;
                v_end := coalesce(v_end, 0);
            END IF;
            topic := v_topic.name;
            partition := v_partition;
            end_offset := v_end;
            group_id := NULL;
            FOR v_group IN SELECT g.group_id, g.committed_offset
                           FROM "pgmessaging".consumer_group_partition AS g
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
                    FROM "pgmessaging".log_batch AS b
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


--
-- Name: queue_depths(integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.queue_depths(p_exact_rows integer) RETURNS TABLE(queue text, ready bigint, delayed bigint, in_flight bigint, oldest_ready_age double precision, estimated boolean)
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode TO 'force_generic_plan'
    SET max_parallel_workers_per_gather TO '0'
    SET enable_seqscan TO 'on'
    SET enable_bitmapscan TO 'on'
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
        WHERE i.inhparent = '"pgmessaging".queue_message'::regclass;
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
              FROM "pgmessaging".queue_message AS m TABLESAMPLE SYSTEM (v_percent)
              GROUP BY m.queue) AS s
        WHERE s.messages >= 50 * coalesce(v_rows_per_page, 100);
        -- every other registered queue, exactly, by index: a few queues' messages up to a limit (a
        -- generic plan of queue = ANY (...) would read the whole table, and a bitmap scan every
        -- message of those queues before the limit could stop it)
        PERFORM set_config('enable_seqscan', 'off', true);
        PERFORM set_config('enable_bitmapscan', 'off', true);
        v_others := ARRAY(SELECT q.name FROM "pgmessaging".queue AS q WHERE q.name <> ALL (v_queues));
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
                    FROM "pgmessaging".queue_message AS e
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
        FROM "pgmessaging".queue_message AS m
        GROUP BY m.queue
    )
    SELECT coalesce(q.name, c.queue), coalesce(c.ready, 0), coalesce(c.delayed, 0), coalesce(c.in_flight, 0),
           c.oldest, false
    FROM "pgmessaging".queue AS q
    FULL JOIN counts AS c ON c.queue = q.name;
END
$$;


--
-- Name: queues_with_visible_messages(text[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.queues_with_visible_messages(p_queues text[]) RETURNS SETOF text
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
BEGIN
    RETURN QUERY
    SELECT q.queue
    FROM unnest(p_queues) AS q(queue)
    WHERE EXISTS (SELECT 1 FROM "pgmessaging".queue_message AS m WHERE m.queue = q.queue AND m.visible_at <= now());
END
$$;


--
-- Name: redrive_messages(text, bigint[], jsonb); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.redrive_messages(p_dead_letter_queue text, p_ids bigint[] DEFAULT NULL::bigint[], p_headers jsonb DEFAULT NULL::jsonb) RETURNS TABLE(queue text, messages integer)
    LANGUAGE sql
    AS $$
    WITH moved AS (
        UPDATE "pgmessaging".queue_message AS m
        SET queue       = m.headers ->> 'dead-letter-queue',
            attempts    = 0,
            lease_token = NULL,
            -- now, never earlier: a consumer's claim starts at its floor (claim_messages)
            visible_at  = now(),
            headers     = (m.headers - ARRAY['dead-letter-reason', 'dead-letter-exception-class-name',
                                             'dead-letter-queue', 'dead-letter-attempts'])
                          || jsonb_build_object('redrive-count',
                                 (coalesce(m.headers ->> 'redrive-count', '0')::integer + 1)::text)
        FROM "pgmessaging".operable_messages(p_dead_letter_queue, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot AND m.headers ->> 'dead-letter-queue' IS NOT NULL
        RETURNING m.queue
    )
    SELECT moved.queue, count(*)::integer FROM moved GROUP BY moved.queue ORDER BY moved.queue;
$$;


--
-- Name: release_messages(bigint[], bigint[], double precision[]); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.release_messages(p_ids bigint[], p_tokens bigint[], p_delays double precision[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan TO 'off'
    SET enable_bitmapscan TO 'off'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET jit TO 'off'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE "pgmessaging".queue_message AS m
    SET visible_at = now() + make_interval(secs => a.delay), lease_token = NULL
    FROM unnest(p_ids, p_tokens, p_delays) AS a(id, token, delay)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;


--
-- Name: rotate_queue_slots(bigint, integer); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET lock_timeout TO '50ms'
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    v_generation bigint;
    v_current    smallint;
    v_next       smallint;
    v_full       boolean;
    v_slot       smallint;
    v_partition  text;
    v_busy       boolean;
    v_retry      boolean := false;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('pgmessaging.rotate_queue_slots')) THEN
        RETURN false;
    END IF;
    BEGIN
        SELECT last_value INTO v_generation FROM "pgmessaging".queue_generation_seq;
        v_current := v_generation % 3;
        v_next := (v_generation + 1) % 3;
        v_full := pg_relation_size(format('%I.queue_message_s%s', 'pgmessaging', v_current)::regclass) >= p_rotate_bytes;

        IF v_full THEN
            UPDATE "pgmessaging".queue_message AS m
            SET slot = v_current
            WHERE m.slot = v_next
              AND m.id = ANY (ARRAY(
                  SELECT o.id FROM "pgmessaging".queue_message AS o
                  WHERE o.slot = v_next AND (o.lease_token IS NULL OR o.visible_at <= now())
                  LIMIT p_move_limit
                  FOR UPDATE SKIP LOCKED));
        END IF;

        FOR v_slot IN SELECT s FROM generate_series(0, 2) AS s WHERE s <> v_current LOOP
            v_partition := format('%I.queue_message_s%s', 'pgmessaging', v_slot);
            CONTINUE WHEN pg_relation_size(v_partition::regclass) = 0;
            -- looked at without the lock first, so that a slot with live messages costs no lock
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', v_partition) INTO v_busy;
            IF NOT v_busy THEN
                BEGIN
                    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_partition);
                    -- under the lock no transaction is writing there: this sees every committed row
                    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', v_partition) INTO v_busy;
                    IF NOT v_busy THEN
                        EXECUTE format('TRUNCATE %s', v_partition);
                    END IF;
                EXCEPTION WHEN lock_not_available THEN
                    v_retry := true;
                END;
            END IF;
        END LOOP;

        IF v_full AND pg_relation_size(format('%I.queue_message_s%s', 'pgmessaging', v_next)::regclass) = 0 THEN
            PERFORM nextval('"pgmessaging".queue_generation_seq');
        END IF;
    EXCEPTION WHEN lock_not_available THEN
        -- another statement held a lock this step needed for longer than lock_timeout (an
        -- autovacuum truncating a slot's empty tail, say): the step's changes are undone, and it
        -- is tried again soon
        RETURN true;
    END;
    RETURN v_retry;
END
$$;


--
-- Name: seek_group(text, integer, integer, text, bigint, timestamp with time zone); Type: FUNCTION; Schema: pgmessaging; Owner: -
--

CREATE FUNCTION pgmessaging.seek_group(p_group text, p_topic_id integer, p_partition integer, p_to text, p_offset bigint, p_time timestamp with time zone) RETURNS TABLE(partition integer, committed_offset bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_partitions integer;
BEGIN
    IF p_to NOT IN ('earliest', 'latest', 'offset', 'time') THEN
        RAISE EXCEPTION 'unknown seek position %', p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('pgmessaging.group/' || p_group || '/' || p_topic_id, 0));
    SELECT t.partitions INTO v_partitions FROM "pgmessaging".topic AS t WHERE t.id = p_topic_id;
    INSERT INTO "pgmessaging".consumer_group_partition (group_id, topic_id, partition)
    SELECT p_group, p_topic_id, p FROM generate_series(0, v_partitions - 1) AS p
    ON CONFLICT DO NOTHING;
    RETURN QUERY
    UPDATE "pgmessaging".consumer_group_partition AS g
    SET owner = NULL,
        epoch = g.epoch + 1,
        committed_at = now(),
        committed_offset = CASE p_to
            WHEN 'earliest' THEN "pgmessaging".log_start_offset(p_topic_id, g.partition)
            WHEN 'latest' THEN "pgmessaging".log_end_offset(p_topic_id, g.partition)
            WHEN 'offset' THEN least(greatest(p_offset, "pgmessaging".log_start_offset(p_topic_id, g.partition)),
                                     "pgmessaging".log_end_offset(p_topic_id, g.partition))
            ELSE "pgmessaging".offset_at_time(p_topic_id, g.partition, p_time)
            END
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND (p_partition IS NULL OR g.partition = p_partition)
    RETURNING g.partition, g.committed_offset;
END
$$;



--
-- Name: application_role; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.application_role (
    role_name name NOT NULL,
    granted_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: binding; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.binding (
    exchange text NOT NULL,
    queue text NOT NULL,
    routing_key text DEFAULT ''::text NOT NULL,
    key_pattern text DEFAULT ''::text NOT NULL,
    headers jsonb DEFAULT '{}'::jsonb NOT NULL,
    match_all boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: consumer_group_member; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.consumer_group_member (
    group_id text NOT NULL,
    topic_id integer NOT NULL,
    member_id text NOT NULL,
    heartbeat_at timestamp with time zone NOT NULL,
    session_timeout interval NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='100');


--
-- Name: consumer_group_partition; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.consumer_group_partition (
    group_id text NOT NULL,
    topic_id integer NOT NULL,
    partition integer NOT NULL,
    committed_offset bigint,
    committed_at timestamp with time zone,
    owner text,
    epoch bigint DEFAULT 0 NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='100');


--
-- Name: dedup; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.dedup (
    scope text NOT NULL,
    dedup_key text NOT NULL,
    expires_at timestamp with time zone NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_cost_delay='0');


--
-- Name: exchange; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.exchange (
    name text NOT NULL,
    type text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT exchange_type_check CHECK ((type = ANY (ARRAY['direct'::text, 'fanout'::text, 'topic'::text, 'headers'::text])))
);


--
-- Name: lease_token_seq; Type: SEQUENCE; Schema: pgmessaging; Owner: -
--

CREATE SEQUENCE pgmessaging.lease_token_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: log_partition_floor; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.log_partition_floor (
    topic_id integer NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL
);


--
-- Name: message_body; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.message_body (
    id bigint NOT NULL,
    payload bytea
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_cost_delay='0');


--
-- Name: message_body_id_seq; Type: SEQUENCE; Schema: pgmessaging; Owner: -
--

CREATE SEQUENCE pgmessaging.message_body_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: queue; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: queue_archive; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue_archive (
    id bigint NOT NULL,
    queue text NOT NULL,
    priority smallint NOT NULL,
    attempts integer NOT NULL,
    enqueued_at timestamp with time zone NOT NULL,
    acked_at timestamp with time zone DEFAULT now() NOT NULL,
    message_key text,
    dedup_key text,
    exchange text,
    routing_key text,
    content_type text,
    headers jsonb,
    payload bytea
)
PARTITION BY RANGE (acked_at);


--
-- Name: queue_generation_seq; Type: SEQUENCE; Schema: pgmessaging; Owner: -
--

CREATE SEQUENCE pgmessaging.queue_generation_seq
    START WITH 0
    INCREMENT BY 1
    MINVALUE 0
    NO MAXVALUE
    CACHE 1;


--
-- Name: queue_message; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue_message (
    id bigint NOT NULL,
    queue text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    visible_at timestamp with time zone DEFAULT now() NOT NULL,
    enqueued_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_token bigint,
    message_key text,
    dedup_key text,
    expires_at timestamp with time zone,
    content_type text,
    headers jsonb,
    payload bytea,
    exchange text,
    routing_key text,
    body_id bigint,
    slot smallint DEFAULT pgmessaging.current_queue_slot() NOT NULL
)
PARTITION BY LIST (slot);


--
-- Name: queue_message_id_seq1; Type: SEQUENCE; Schema: pgmessaging; Owner: -
--

ALTER TABLE pgmessaging.queue_message ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME pgmessaging.queue_message_id_seq1
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: queue_message_s0; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue_message_s0 (
    id bigint NOT NULL,
    queue text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    visible_at timestamp with time zone DEFAULT now() NOT NULL,
    enqueued_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_token bigint,
    message_key text,
    dedup_key text,
    expires_at timestamp with time zone,
    content_type text,
    headers jsonb,
    payload bytea,
    exchange text,
    routing_key text,
    body_id bigint,
    slot smallint DEFAULT pgmessaging.current_queue_slot() NOT NULL
)
WITH (fillfactor='80', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='1000', autovacuum_analyze_scale_factor='0.05', autovacuum_vacuum_cost_delay='0');


--
-- Name: queue_message_s1; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue_message_s1 (
    id bigint NOT NULL,
    queue text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    visible_at timestamp with time zone DEFAULT now() NOT NULL,
    enqueued_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_token bigint,
    message_key text,
    dedup_key text,
    expires_at timestamp with time zone,
    content_type text,
    headers jsonb,
    payload bytea,
    exchange text,
    routing_key text,
    body_id bigint,
    slot smallint DEFAULT pgmessaging.current_queue_slot() NOT NULL
)
WITH (fillfactor='80', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='1000', autovacuum_analyze_scale_factor='0.05', autovacuum_vacuum_cost_delay='0');


--
-- Name: queue_message_s2; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.queue_message_s2 (
    id bigint NOT NULL,
    queue text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    visible_at timestamp with time zone DEFAULT now() NOT NULL,
    enqueued_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    lease_token bigint,
    message_key text,
    dedup_key text,
    expires_at timestamp with time zone,
    content_type text,
    headers jsonb,
    payload bytea,
    exchange text,
    routing_key text,
    body_id bigint,
    slot smallint DEFAULT pgmessaging.current_queue_slot() NOT NULL
)
WITH (fillfactor='80', autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='1000', autovacuum_analyze_scale_factor='0.05', autovacuum_vacuum_cost_delay='0');


--
-- Name: schema_version; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.schema_version (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: topic; Type: TABLE; Schema: pgmessaging; Owner: -
--

CREATE TABLE pgmessaging.topic (
    name text NOT NULL,
    id integer NOT NULL,
    partitions integer NOT NULL,
    retention interval,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT topic_partitions_check CHECK ((partitions > 0))
);


--
-- Name: topic_id_seq; Type: SEQUENCE; Schema: pgmessaging; Owner: -
--

ALTER TABLE pgmessaging.topic ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME pgmessaging.topic_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: queue_message_s0; Type: TABLE ATTACH; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message ATTACH PARTITION pgmessaging.queue_message_s0 FOR VALUES IN ('0');


--
-- Name: queue_message_s1; Type: TABLE ATTACH; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message ATTACH PARTITION pgmessaging.queue_message_s1 FOR VALUES IN ('1');


--
-- Name: queue_message_s2; Type: TABLE ATTACH; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message ATTACH PARTITION pgmessaging.queue_message_s2 FOR VALUES IN ('2');


--
-- Name: application_role application_role_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.application_role
    ADD CONSTRAINT application_role_pkey PRIMARY KEY (role_name);


--
-- Name: binding binding_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.binding
    ADD CONSTRAINT binding_pkey PRIMARY KEY (exchange, queue, routing_key, headers, match_all);


--
-- Name: consumer_group_member consumer_group_member_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.consumer_group_member
    ADD CONSTRAINT consumer_group_member_pkey PRIMARY KEY (group_id, topic_id, member_id);


--
-- Name: consumer_group_partition consumer_group_partition_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.consumer_group_partition
    ADD CONSTRAINT consumer_group_partition_pkey PRIMARY KEY (group_id, topic_id, partition);


--
-- Name: dedup dedup_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.dedup
    ADD CONSTRAINT dedup_pkey PRIMARY KEY (scope, dedup_key);


--
-- Name: exchange exchange_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.exchange
    ADD CONSTRAINT exchange_pkey PRIMARY KEY (name);


--
-- Name: log_partition_floor log_partition_floor_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.log_partition_floor
    ADD CONSTRAINT log_partition_floor_pkey PRIMARY KEY (topic_id, partition);


--
-- Name: message_body message_body_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.message_body
    ADD CONSTRAINT message_body_pkey PRIMARY KEY (id);


--
-- Name: queue_message queue_message_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message
    ADD CONSTRAINT queue_message_pkey PRIMARY KEY (id, slot);


--
-- Name: queue_message_s0 queue_message_s0_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message_s0
    ADD CONSTRAINT queue_message_s0_pkey PRIMARY KEY (id, slot);


--
-- Name: queue_message_s1 queue_message_s1_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message_s1
    ADD CONSTRAINT queue_message_s1_pkey PRIMARY KEY (id, slot);


--
-- Name: queue_message_s2 queue_message_s2_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue_message_s2
    ADD CONSTRAINT queue_message_s2_pkey PRIMARY KEY (id, slot);


--
-- Name: queue queue_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.queue
    ADD CONSTRAINT queue_pkey PRIMARY KEY (name);


--
-- Name: schema_version schema_version_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);


--
-- Name: topic topic_id_key; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.topic
    ADD CONSTRAINT topic_id_key UNIQUE (id);


--
-- Name: topic topic_pkey; Type: CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.topic
    ADD CONSTRAINT topic_pkey PRIMARY KEY (name);


--
-- Name: dedup_expiry_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX dedup_expiry_idx ON pgmessaging.dedup USING btree (expires_at);


--
-- Name: log_batch_offset_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX log_batch_offset_idx ON ONLY pgmessaging.log_batch USING btree (partition, last_offset);


--
-- Name: queue_archive_queue_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_archive_queue_idx ON ONLY pgmessaging.queue_archive USING btree (queue, acked_at);


--
-- Name: queue_message_body_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_body_idx ON ONLY pgmessaging.queue_message USING btree (body_id) WHERE (body_id IS NOT NULL);


--
-- Name: queue_message_claim_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_claim_idx ON ONLY pgmessaging.queue_message USING btree (queue, priority DESC, visible_at, id);


--
-- Name: queue_message_expiry_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_expiry_idx ON ONLY pgmessaging.queue_message USING btree (queue, expires_at) WHERE (expires_at IS NOT NULL);


--
-- Name: queue_message_key_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_key_idx ON ONLY pgmessaging.queue_message USING btree (queue, message_key, id);


--
-- Name: queue_message_key_leased_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_key_leased_idx ON ONLY pgmessaging.queue_message USING btree (queue, message_key) WHERE ((message_key IS NOT NULL) AND (lease_token IS NOT NULL));


--
-- Name: queue_message_s0_body_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s0_body_id_idx ON pgmessaging.queue_message_s0 USING btree (body_id) WHERE (body_id IS NOT NULL);


--
-- Name: queue_message_s0_queue_expires_at_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s0_queue_expires_at_idx ON pgmessaging.queue_message_s0 USING btree (queue, expires_at) WHERE (expires_at IS NOT NULL);


--
-- Name: queue_message_s0_queue_message_key_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s0_queue_message_key_id_idx ON pgmessaging.queue_message_s0 USING btree (queue, message_key, id);


--
-- Name: queue_message_s0_queue_message_key_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s0_queue_message_key_idx ON pgmessaging.queue_message_s0 USING btree (queue, message_key) WHERE ((message_key IS NOT NULL) AND (lease_token IS NOT NULL));


--
-- Name: queue_message_s0_queue_priority_visible_at_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s0_queue_priority_visible_at_id_idx ON pgmessaging.queue_message_s0 USING btree (queue, priority DESC, visible_at, id);


--
-- Name: queue_message_s1_body_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s1_body_id_idx ON pgmessaging.queue_message_s1 USING btree (body_id) WHERE (body_id IS NOT NULL);


--
-- Name: queue_message_s1_queue_expires_at_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s1_queue_expires_at_idx ON pgmessaging.queue_message_s1 USING btree (queue, expires_at) WHERE (expires_at IS NOT NULL);


--
-- Name: queue_message_s1_queue_message_key_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s1_queue_message_key_id_idx ON pgmessaging.queue_message_s1 USING btree (queue, message_key, id);


--
-- Name: queue_message_s1_queue_message_key_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s1_queue_message_key_idx ON pgmessaging.queue_message_s1 USING btree (queue, message_key) WHERE ((message_key IS NOT NULL) AND (lease_token IS NOT NULL));


--
-- Name: queue_message_s1_queue_priority_visible_at_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s1_queue_priority_visible_at_id_idx ON pgmessaging.queue_message_s1 USING btree (queue, priority DESC, visible_at, id);


--
-- Name: queue_message_s2_body_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s2_body_id_idx ON pgmessaging.queue_message_s2 USING btree (body_id) WHERE (body_id IS NOT NULL);


--
-- Name: queue_message_s2_queue_expires_at_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s2_queue_expires_at_idx ON pgmessaging.queue_message_s2 USING btree (queue, expires_at) WHERE (expires_at IS NOT NULL);


--
-- Name: queue_message_s2_queue_message_key_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s2_queue_message_key_id_idx ON pgmessaging.queue_message_s2 USING btree (queue, message_key, id);


--
-- Name: queue_message_s2_queue_message_key_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s2_queue_message_key_idx ON pgmessaging.queue_message_s2 USING btree (queue, message_key) WHERE ((message_key IS NOT NULL) AND (lease_token IS NOT NULL));


--
-- Name: queue_message_s2_queue_priority_visible_at_id_idx; Type: INDEX; Schema: pgmessaging; Owner: -
--

CREATE INDEX queue_message_s2_queue_priority_visible_at_id_idx ON pgmessaging.queue_message_s2 USING btree (queue, priority DESC, visible_at, id);


--
-- Name: queue_message_s0_body_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_body_idx ATTACH PARTITION pgmessaging.queue_message_s0_body_id_idx;


--
-- Name: queue_message_s0_pkey; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_pkey ATTACH PARTITION pgmessaging.queue_message_s0_pkey;


--
-- Name: queue_message_s0_queue_expires_at_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_expiry_idx ATTACH PARTITION pgmessaging.queue_message_s0_queue_expires_at_idx;


--
-- Name: queue_message_s0_queue_message_key_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_idx ATTACH PARTITION pgmessaging.queue_message_s0_queue_message_key_id_idx;


--
-- Name: queue_message_s0_queue_message_key_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_leased_idx ATTACH PARTITION pgmessaging.queue_message_s0_queue_message_key_idx;


--
-- Name: queue_message_s0_queue_priority_visible_at_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_claim_idx ATTACH PARTITION pgmessaging.queue_message_s0_queue_priority_visible_at_id_idx;


--
-- Name: queue_message_s1_body_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_body_idx ATTACH PARTITION pgmessaging.queue_message_s1_body_id_idx;


--
-- Name: queue_message_s1_pkey; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_pkey ATTACH PARTITION pgmessaging.queue_message_s1_pkey;


--
-- Name: queue_message_s1_queue_expires_at_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_expiry_idx ATTACH PARTITION pgmessaging.queue_message_s1_queue_expires_at_idx;


--
-- Name: queue_message_s1_queue_message_key_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_idx ATTACH PARTITION pgmessaging.queue_message_s1_queue_message_key_id_idx;


--
-- Name: queue_message_s1_queue_message_key_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_leased_idx ATTACH PARTITION pgmessaging.queue_message_s1_queue_message_key_idx;


--
-- Name: queue_message_s1_queue_priority_visible_at_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_claim_idx ATTACH PARTITION pgmessaging.queue_message_s1_queue_priority_visible_at_id_idx;


--
-- Name: queue_message_s2_body_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_body_idx ATTACH PARTITION pgmessaging.queue_message_s2_body_id_idx;


--
-- Name: queue_message_s2_pkey; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_pkey ATTACH PARTITION pgmessaging.queue_message_s2_pkey;


--
-- Name: queue_message_s2_queue_expires_at_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_expiry_idx ATTACH PARTITION pgmessaging.queue_message_s2_queue_expires_at_idx;


--
-- Name: queue_message_s2_queue_message_key_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_idx ATTACH PARTITION pgmessaging.queue_message_s2_queue_message_key_id_idx;


--
-- Name: queue_message_s2_queue_message_key_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_key_leased_idx ATTACH PARTITION pgmessaging.queue_message_s2_queue_message_key_idx;


--
-- Name: queue_message_s2_queue_priority_visible_at_id_idx; Type: INDEX ATTACH; Schema: pgmessaging; Owner: -
--

ALTER INDEX pgmessaging.queue_message_claim_idx ATTACH PARTITION pgmessaging.queue_message_s2_queue_priority_visible_at_id_idx;


--
-- Name: binding binding_exchange_fkey; Type: FK CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.binding
    ADD CONSTRAINT binding_exchange_fkey FOREIGN KEY (exchange) REFERENCES pgmessaging.exchange(name) ON DELETE CASCADE;


--
-- Name: consumer_group_member consumer_group_member_topic_id_fkey; Type: FK CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.consumer_group_member
    ADD CONSTRAINT consumer_group_member_topic_id_fkey FOREIGN KEY (topic_id) REFERENCES pgmessaging.topic(id) ON DELETE CASCADE;


--
-- Name: consumer_group_partition consumer_group_partition_topic_id_fkey; Type: FK CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.consumer_group_partition
    ADD CONSTRAINT consumer_group_partition_topic_id_fkey FOREIGN KEY (topic_id) REFERENCES pgmessaging.topic(id) ON DELETE CASCADE;


--
-- Name: log_partition_floor log_partition_floor_topic_id_fkey; Type: FK CONSTRAINT; Schema: pgmessaging; Owner: -
--

ALTER TABLE ONLY pgmessaging.log_partition_floor
    ADD CONSTRAINT log_partition_floor_topic_id_fkey FOREIGN KEY (topic_id) REFERENCES pgmessaging.topic(id) ON DELETE CASCADE;


--
-- Name: FUNCTION create_topic(p_name text, p_partitions integer, p_retention interval); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.create_topic(p_name text, p_partitions integer, p_retention interval) FROM PUBLIC;


--
-- Name: FUNCTION grant_application_role(p_role name); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.grant_application_role(p_role name) FROM PUBLIC;


--
-- Name: FUNCTION grant_application_roles(); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.grant_application_roles() FROM PUBLIC;


--
-- Name: FUNCTION maintain_archive(p_retention interval, p_ahead integer, p_now timestamp with time zone); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.maintain_archive(p_retention interval, p_ahead integer, p_now timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION maintain_log_segments(p_ahead integer, p_now timestamp with time zone); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.maintain_log_segments(p_ahead integer, p_now timestamp with time zone) FROM PUBLIC;


--
-- Name: FUNCTION rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer); Type: ACL; Schema: pgmessaging; Owner: -
--

REVOKE ALL ON FUNCTION pgmessaging.rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer) FROM PUBLIC;


--
-- PostgreSQL database dump complete
--


