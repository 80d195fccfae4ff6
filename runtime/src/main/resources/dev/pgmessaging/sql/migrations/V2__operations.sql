-- What an operator does to the messages of a queue and to a consumer group: redrive dead letters,
-- move or delete messages, delete a group; and what a paused channel does with the messages it
-- leased but never handed to its handler. The admin API (PostgresMessaging) calls these functions;
-- an operator who only has psql may call them too (docs: operations page). A group's offsets are
-- moved by seek_group, in the baseline.
--
-- The rule every function on messages follows: it leaves alone the messages in flight, those a
-- consumer leased and whose visibility timeout has not run out (their handler may be acking them
-- now), and the messages a consumer is claiming or settling at that instant (locked: SKIP LOCKED).
-- So an operation never waits for a consumer nor makes one wait, and it cannot take a message from
-- under a handler: a handler whose lease ran out before the operation took its message finds the
-- lease gone (the token is cleared) and its ack or nack does nothing, as after any redelivery.
-- Which messages: p_ids (NULL: all of the queue) and p_headers (NULL: any; else the headers must
-- contain these names and values, jsonb containment).
-- A statement that meets a row the slot rotation is moving at that instant fails with
-- serialization_failure (SQLSTATE 40001) and may be run again.

-- The messages of a queue an operation may take, locked for it: those not in flight, not locked
-- by a consumer at this instant, among the ids and with the headers asked for. The one place that
-- says which messages are safe to change under running consumers.
CREATE FUNCTION {schema}.operable_messages(p_queue text, p_ids bigint[], p_headers jsonb)
    RETURNS TABLE(id bigint, slot smallint)
    LANGUAGE sql
AS $$
    SELECT m.id, m.slot
    FROM {schema}.queue_message AS m
    WHERE m.queue = p_queue
      AND (m.lease_token IS NULL OR m.visible_at <= now())
      AND (p_ids IS NULL OR m.id = ANY (p_ids))
      AND (p_headers IS NULL OR m.headers @> p_headers)
    FOR UPDATE SKIP LOCKED;
$$;

-- Moves dead letters back to the queue each came from (its dead-letter-queue header), visible at
-- once, with attempts counted from zero again and the dead-letter headers removed; the message
-- keeps its id, and its redrive-count header says how many times it was redriven. A message
-- without a dead-letter-queue header stays. Returns how many messages went to each queue: the
-- caller wakes their consumers (they find the messages at their next poll otherwise).
CREATE FUNCTION {schema}.redrive_messages(p_dead_letter_queue text, p_ids bigint[] DEFAULT NULL,
                                          p_headers jsonb DEFAULT NULL)
    RETURNS TABLE(queue text, messages integer)
    LANGUAGE sql
AS $$
    WITH moved AS (
        UPDATE {schema}.queue_message AS m
        SET queue       = m.headers ->> 'dead-letter-queue',
            attempts    = 0,
            lease_token = NULL,
            -- now, never earlier: a consumer's claim starts at its floor (claim_messages)
            visible_at  = now(),
            headers     = (m.headers - ARRAY['dead-letter-reason', 'dead-letter-exception-class-name',
                                             'dead-letter-queue', 'dead-letter-attempts'])
                          || jsonb_build_object('redrive-count',
                                 (coalesce(m.headers ->> 'redrive-count', '0')::integer + 1)::text)
        FROM {schema}.operable_messages(p_dead_letter_queue, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot AND m.headers ->> 'dead-letter-queue' IS NOT NULL
        RETURNING m.queue
    )
    SELECT moved.queue, count(*)::integer FROM moved GROUP BY moved.queue ORDER BY moved.queue;
$$;

-- Moves messages from one queue to another, attempts counted from zero again; a delayed message
-- stays delayed. Returns how many moved.
CREATE FUNCTION {schema}.move_messages(p_from text, p_to text, p_ids bigint[] DEFAULT NULL,
                                       p_headers jsonb DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql
AS $$
    WITH moved AS (
        UPDATE {schema}.queue_message AS m
        SET queue = p_to, attempts = 0, lease_token = NULL, visible_at = greatest(m.visible_at, now())
        FROM {schema}.operable_messages(p_from, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot
        RETURNING 1
    )
    SELECT count(*)::integer FROM moved;
$$;

-- Deletes messages of a queue (all of them: a purge). Returns how many were deleted. Their shared
-- payloads (exchanges) go with the upkeep's next sweep of orphan bodies.
CREATE FUNCTION {schema}.delete_messages(p_queue text, p_ids bigint[] DEFAULT NULL, p_headers jsonb DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql
AS $$
    WITH deleted AS (
        DELETE FROM {schema}.queue_message AS m
        USING {schema}.operable_messages(p_queue, p_ids, p_headers) AS picked
        WHERE m.id = picked.id AND m.slot = picked.slot
        RETURNING 1
    )
    SELECT count(*)::integer FROM deleted;
$$;

-- Deletes a consumer group's offsets on a topic, refused (SQLSTATE object_in_use) while a member
-- of the group is alive, as Kafka refuses to delete a group that is not empty: its members would
-- start again from their reset position at their next heartbeat. Returns how many partitions' offsets
-- were deleted.
CREATE FUNCTION {schema}.delete_group(p_group text, p_topic_id integer)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    -- the lock of the group's heartbeats and seek_group: no member joins meanwhile
    PERFORM pg_advisory_xact_lock(hashtextextended('{schema_name}.group/' || p_group || '/' || p_topic_id, 0));
    IF EXISTS (SELECT 1 FROM {schema}.consumer_group_member AS m
               WHERE m.group_id = p_group AND m.topic_id = p_topic_id
                 AND m.heartbeat_at + m.session_timeout >= now()) THEN
        RAISE EXCEPTION 'group % has live members on this topic: stop its consumers first', p_group
            USING ERRCODE = 'object_in_use';
    END IF;
    DELETE FROM {schema}.consumer_group_member AS m WHERE m.group_id = p_group AND m.topic_id = p_topic_id;
    DELETE FROM {schema}.consumer_group_partition AS g WHERE g.group_id = p_group AND g.topic_id = p_topic_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- Gives leased messages that never reached a handler back to the queue, visible at once, with the
-- attempt their claim counted taken back (a paused channel gives back what it held ahead of its
-- handler: no delivery happened). Fenced by the lease token, as release_messages. Returns how many.
CREATE FUNCTION {schema}.give_back_messages(p_ids bigint[], p_tokens bigint[])
    RETURNS integer
    LANGUAGE sql
AS $$
    WITH given_back AS (
        UPDATE {schema}.queue_message AS m
        SET visible_at = now(), lease_token = NULL, attempts = greatest(m.attempts - 1, 0)
        FROM unnest(p_ids, p_tokens) AS a(id, token)
        WHERE m.id = a.id AND m.lease_token = a.token
        RETURNING 1
    )
    SELECT count(*)::integer FROM given_back;
$$;
