-- A claim can start where the consumer's previous claim started (its floor) instead of at the head
-- of the queue.
--
-- Why: every claim and every ack leaves index entries in front of the queue's next messages (the
-- old version of a leased row, the deleted row of an acked one). Vacuum removes them only while the
-- xmin horizon moves; while a transaction stays open elsewhere they pile up, and a claim from the
-- head visits each of them. The rotating slots (V7) bound that pile to a slot's worth while the
-- consumers keep up, but not once a backlog builds: the slot holding it cannot be truncated until
-- it is consumed, and each claim walks everything consumed from it so far, so claims get slower as
-- the backlog is worked off, and the backlog grows (measured: 11,500 messages/s for two minutes,
-- then under 2,000/s, with claims of 15 ms).
--
-- So the claim takes a floor: a priority and a time. Messages of that priority are looked for from
-- that visible_at on (an index range, which skips what lies before it), higher priorities and lower
-- ones from their head as before. A consumer passes the floor its previous claim returned (the
-- priority and visible_at of the first message it leased there), a little earlier to allow for
-- producers whose transaction commits late (a message is visible from its transaction's start, but
-- seen only once it commits); nothing else writes a visible time behind a floor: releases, retries,
-- leases and sends (a deliver-at in the past included) all set now() or later. Now and then
-- (ClaimFloor says when) it claims from the head, to pick up a message that still came in behind
-- its floor: from a transaction that stayed open, a lease that expired, a row another claim or the
-- slot rotation had locked when this one passed it.
--
-- Without a floor (NULL) the claim is the one of V4 and V9. The query reads its three parts only as
-- far as it needs rows (a WITH query is run on demand), so the parts past the first that fills the
-- claim cost nothing.

DROP FUNCTION {schema}.claim_messages(text, integer, float8, text, boolean, text);

CREATE FUNCTION {schema}.claim_messages(p_queue text, p_limit integer, p_visibility_timeout float8,
        p_expired_to text, p_ordered boolean, p_key_cursor text, p_floor_priority smallint, p_floor timestamptz)
    RETURNS TABLE (id bigint, lease_token bigint, attempts integer, priority smallint, enqueued_at timestamptz,
                   message_key text, content_type text, headers text, payload bytea, exchange text,
                   routing_key text, floor_priority smallint, floor_at timestamptz)
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
    )
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
              (SELECT f.priority FROM first_leased AS f), (SELECT f.visible_at FROM first_leased AS f);
END
$$;
