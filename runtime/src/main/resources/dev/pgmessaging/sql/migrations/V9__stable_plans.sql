-- Plans that cannot go stale: the statements that settle leased messages, and the claim, are run
-- through functions that keep one generic plan per session, made of index scans whatever the
-- statistics say.
--
-- Why: a slot of the message table is often empty when a statement is planned (just truncated,
-- or not yet used) and holds a large backlog seconds later. A plan cached while it was empty reads
-- it sequentially; the driver prepares its statements on the server, so that plan stayed in use
-- until the next ANALYZE, up to a minute: every ack of 100 messages scanned the whole slot once
-- per message (measured: 13 ms per ack instead of 0.5 ms, a third of the throughput). The functions
-- switch off the plans that scan a whole table, as claim_messages already did.
--
-- And the claim kept planning each call anew: PL/pgSQL goes through the plan cache, which tries
-- plans for each call's values first and keeps to them while the generic plan does not look
-- cheaper, which with the plan choices switched off it never does. The query has the same shape
-- whatever the values (index scans in claim order; the unused branch is skipped at run time), so
-- planning bought nothing. (Measured: a claim of 3 messages took 2-3 ms, 1 ms with the generic
-- plan; of 100 messages, 4-7 ms against 3 ms.)
ALTER FUNCTION {schema}.claim_messages(text, integer, float8, text, boolean, text)
    SET plan_cache_mode = force_generic_plan;

-- Deletes acknowledged messages (ids and lease tokens side by side); only rows still leased by the
-- delivery being acked (same token) are removed. Returns how many were.
CREATE FUNCTION {schema}.ack_messages(p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM {schema}.queue_message AS m
    USING unnest(p_ids, p_tokens) AS a(id, token)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- Like ack_messages, for ack-mode=archive: the acked messages move to the archive (a partition of
-- the day, which maintain_archive creates ahead of time), payload included even when it was shared.
CREATE FUNCTION {schema}.archive_messages(p_ids bigint[], p_tokens bigint[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count integer;
BEGIN
    WITH acked AS (
        DELETE FROM {schema}.queue_message AS m
        USING unnest(p_ids, p_tokens) AS a(id, token)
        WHERE m.id = a.id AND m.lease_token = a.token
        RETURNING m.*
    )
    INSERT INTO {schema}.queue_archive
        (id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
         headers, payload)
    SELECT id, queue, priority, attempts, enqueued_at, message_key, dedup_key, exchange, routing_key, content_type,
           headers, coalesce(payload, (SELECT b.payload FROM {schema}.message_body AS b WHERE b.id = acked.body_id))
    FROM acked;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- Gives leased messages back to the queue, each visible again after its own delay in seconds (0 for
-- at once, a backoff for a retry); same fencing rule as ack_messages.
CREATE FUNCTION {schema}.release_messages(p_ids bigint[], p_tokens bigint[], p_delays float8[]) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE {schema}.queue_message AS m
    SET visible_at = now() + make_interval(secs => a.delay), lease_token = NULL
    FROM unnest(p_ids, p_tokens, p_delays) AS a(id, token, delay)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- Renews the leases of messages whose handlers are still running (heartbeat): visible again only a
-- full visibility timeout (seconds) from now. Only the current delivery (same token) can renew.
CREATE FUNCTION {schema}.extend_leases(p_visibility_timeout float8, p_ids bigint[], p_tokens bigint[])
    RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count integer;
BEGIN
    UPDATE {schema}.queue_message AS m
    SET visible_at = now() + make_interval(secs => p_visibility_timeout)
    FROM unnest(p_ids, p_tokens) AS a(id, token)
    WHERE m.id = a.id AND m.lease_token = a.token;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

-- Moves one leased message to a dead-letter queue, keeping its key, content type and payload, and
-- recording in its headers why (message and exception class) and from where it came. Returns 1 if
-- it was moved, 0 if the lease was lost meanwhile.
CREATE FUNCTION {schema}.dead_letter_message(p_id bigint, p_token bigint, p_to text, p_reason text,
        p_exception_class text) RETURNS integer
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_count integer;
BEGIN
    WITH moved AS (
        DELETE FROM {schema}.queue_message
        WHERE id = p_id AND lease_token = p_token
        RETURNING queue, attempts, message_key, content_type, headers, payload, body_id, exchange, routing_key
    )
    INSERT INTO {schema}.queue_message
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

-- The idle consumers' poll, one statement for all the queues of an application: which of these
-- queues have a message that a claim could take (visible; expired ones included, the claim removes
-- them). One probe of the claim index per queue: visible messages come first within a priority.
CREATE FUNCTION {schema}.queues_with_visible_messages(p_queues text[]) RETURNS SETOF text
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET enable_bitmapscan = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT q.queue
    FROM unnest(p_queues) AS q(queue)
    WHERE EXISTS (SELECT 1 FROM {schema}.queue_message AS m WHERE m.queue = q.queue AND m.visible_at <= now());
END
$$;
