-- The messaging schema, from scratch: every table, sequence, index and function the connector
-- uses, each in its current form. {schema} is the quoted schema name, {schema_name} the bare one
-- (for format('%I', ...) in the functions that run dynamic SQL).
--
-- This baseline folds in the fifteen migrations of the development before the first release
-- (V1 queues to V15 least privilege) and creates exactly the schema they created:
-- scripts/schema-compare.sh compares the two against a git ref that still has them. The schema it
-- creates, as pg_dump shows it, is docs/modules/ROOT/examples/schema.sql
-- (scripts/schema-snapshot.sh).
--
--   1. Queues: the message table, its rotating slots and indexes, deduplication ids; the claim,
--      the functions that settle leased messages, the slot rotation
--   2. Exchanges: exchanges, bindings, payloads shared by several queues
--   3. Archive: acked messages kept for a retention period
--   4. Log model: topics, record batches, consumer groups
--   5. Least privilege: who may call the functions that run DDL with the owner's rights, and the
--      application roles


-- =================================================================================================
-- 1. Queues
-- =================================================================================================
--
-- One hot table shared by every queue of the schema. Why one table and not one per queue: an idle
-- check, a wake-up poll or an exchange routing to several queues is then one statement whatever the
-- number of queues, and queue names are values (bound parameters), never identifiers.
--
-- The table only holds messages that are waiting or in flight: an ack deletes the row, so the
-- table stays small and claims stay index scans over a few pages. Dead tuples from claims and acks
-- are the known decay of Postgres queues, hence the aggressive per-table autovacuum settings of the
-- slots below (vacuum after ~1000 changed rows, never throttled).
--
-- Storage that does not decay while the xmin horizon is held. An ack deletes its row and a claim
-- writes a new version of it, so a busy queue leaves dead tuples behind at twice its message rate.
-- Vacuum removes them only once no transaction could still see them: while any transaction of the
-- cluster stays open (a long report, an idle session in a transaction, a lagging replication slot),
-- none can be removed, and every claim walks the dead index entries of its queue from the start,
-- slower and slower (measured with a single table: claims 6x slower after 4 minutes at 1,000
-- messages/s).
--
-- So the table is split into three slots (list partitions), used in turn, as PgQ does: messages go
-- to the current slot; once it has grown past a size, the next slot becomes the current one. A slot
-- that holds no live message any more is emptied with TRUNCATE, which needs no vacuum and no
-- horizon: its dead tuples and index entries are gone at once. Messages that outlive their slot
-- (waiting for a later time, dead letters nobody reads, a backlog) are moved, a batch at a time, to
-- the current slot before their slot's turn comes again. See rotate_queue_slots below.

CREATE TABLE {schema}.queue (
    name        text        PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Fencing tokens: every claim statement takes one value, stored on each row it leases. Ack, nack
-- and lease extension apply only when the row still carries the token of the delivery being acked,
-- so a consumer whose lease expired can never touch a message that has been redelivered to someone
-- else.
CREATE SEQUENCE {schema}.lease_token_seq;

-- The slot messages go to is the generation number modulo 3. A sequence and not a table: reading
-- and advancing it leaves no dead tuples, and an advance is seen by every session at once.
CREATE SEQUENCE {schema}.queue_generation_seq MINVALUE 0 START 0;
-- generation 0 counts as taken, so the first rotation moves to generation 1
SELECT setval('{schema}.queue_generation_seq', 0, true);

-- The current slot: the default of queue_message.slot, so it comes before the table.
CREATE FUNCTION {schema}.current_queue_slot() RETURNS smallint
    LANGUAGE sql
AS $$ SELECT (last_value % 3)::smallint FROM {schema}.queue_generation_seq $$;

CREATE TABLE {schema}.queue_message (
    -- one identity for every slot. Its sequence is named queue_message_id_seq1, not
    -- queue_message_id_seq, so that the schema is the one the migrations folded into this baseline
    -- created (where a first, single table had taken the plain name)
    id           bigint      GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME {schema}.queue_message_id_seq1),
    queue        text        NOT NULL,
    -- higher first; FIFO (by visible_at, then id) within a priority
    priority     smallint    NOT NULL DEFAULT 0,
    -- a message is claimable when visible_at <= now(): set in the future for delays,
    -- retry backoff and the visibility timeout of a lease
    visible_at   timestamptz NOT NULL DEFAULT now(),
    enqueued_at  timestamptz NOT NULL DEFAULT now(),
    -- number of deliveries so far (incremented by each claim)
    attempts     integer     NOT NULL DEFAULT 0,
    -- token of the current delivery, NULL when not leased
    lease_token  bigint,
    -- the message key (outgoing metadata); also the FIFO group key of per-key ordering
    message_key  text,
    -- optional idempotency key and expiry (deduplication, TTL)
    dedup_key    text,
    expires_at   timestamptz,
    content_type text,
    headers      jsonb,
    payload      bytea,
    -- set when published through an exchange
    exchange     text,
    routing_key  text,
    -- the shared payload in message_body, when an exchange routed the message to several queues
    body_id      bigint,
    -- the rotating slot (partition) holding the row; statements that insert many rows pass
    -- (SELECT current_queue_slot()) so that it is read once per statement, not per row
    slot         smallint    NOT NULL DEFAULT {schema}.current_queue_slot(),
    -- ids are unique (one identity); the slot is part of the key because partitioning requires it
    PRIMARY KEY (id, slot)
) PARTITION BY LIST (slot);

-- The slots. Autovacuum still does the work while the horizon moves: each slot has the aggressive
-- settings (vacuum after ~1000 changed or inserted rows, analyze after 5%, never throttled) and a
-- fillfactor of 80. They are set on the slots, since a partitioned table has no storage of its own.
CREATE TABLE {schema}.queue_message_s0 PARTITION OF {schema}.queue_message FOR VALUES IN (0) WITH (
    fillfactor = 80, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
CREATE TABLE {schema}.queue_message_s1 PARTITION OF {schema}.queue_message FOR VALUES IN (1) WITH (
    fillfactor = 80, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
CREATE TABLE {schema}.queue_message_s2 PARTITION OF {schema}.queue_message FOR VALUES IN (2) WITH (
    fillfactor = 80, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);

-- The indexes, each one per slot.

-- The claim order: within a queue, highest priority first, then oldest visible.
CREATE INDEX queue_message_claim_idx
    ON {schema}.queue_message (queue, priority DESC, visible_at, id);

-- Message expiry (time to live): the claim looks for expired messages of its queue on every call,
-- so they need an index of their own; partial, since most messages never expire.
CREATE INDEX queue_message_expiry_idx
    ON {schema}.queue_message (queue, expires_at)
    WHERE expires_at IS NOT NULL;

-- The messages that share a payload in message_body (see 2. Exchanges).
CREATE INDEX queue_message_body_idx
    ON {schema}.queue_message (body_id)
    WHERE body_id IS NOT NULL;

-- Per-key ordering (ordered-by-key consumers): the claim walks the keys of a queue with one probe per
-- key in this index, to find the head (oldest message) of each; messages without a key are found in
-- it too (NULL keys, in id order). A second, small index tells whether a key has a leased message.
CREATE INDEX queue_message_key_idx
    ON {schema}.queue_message (queue, message_key, id);
CREATE INDEX queue_message_key_leased_idx
    ON {schema}.queue_message (queue, message_key)
    WHERE message_key IS NOT NULL AND lease_token IS NOT NULL;

-- Deduplication: a message sent with a deduplication id is dropped at insert when a message with the
-- same id went to the same queue (or exchange) within the producer's window. An ack deletes the
-- message itself, so the ids live here, one row per (queue or exchange, id), until their window ends;
-- expired rows are reused by the next send of the same id, and the rest are deleted in batches by
-- the sweeper.
CREATE TABLE {schema}.dedup (
    -- 'queue/<name>' or 'exchange/<name>'
    scope       text        NOT NULL,
    dedup_key   text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, dedup_key)
) WITH (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);

CREATE INDEX dedup_expiry_idx ON {schema}.dedup (expires_at);

-- Plans that cannot go stale: the claim and the statements that settle leased messages are run
-- through functions that keep one generic plan per session, made of index scans whatever the
-- statistics say.
--
-- Why: a slot of the message table is often empty when a statement is planned (just truncated, or
-- not yet used) and holds a large backlog seconds later. A plan cached while it was empty reads it
-- sequentially; the driver prepares its statements on the server, so such a plan would stay in use
-- until the next ANALYZE, up to a minute (measured with the statements prepared by the driver:
-- every ack of 100 messages scanned the whole slot once per message, 13 ms per ack instead of
-- 0.5 ms, a third of the throughput). The functions switch off the plans that read a whole table
-- (sequential and bitmap scans; hash and merge joins where they join) and force the generic plan
-- (plan_cache_mode): PL/pgSQL goes through the plan cache, which otherwise tries plans for each
-- call's values first and keeps to them while the generic plan does not look cheaper, which with
-- the plan choices switched off it never does. The queries have the same shape whatever the values,
-- so planning each call buys nothing. Disabled paths cost 10^10 each, and a plan that costs that much
-- would otherwise be JIT-compiled: jit is off too.

-- The claim: leases up to p_limit visible messages of the queue in one statement. SKIP LOCKED lets
-- competing consumers claim disjoint rows without waiting for each other; the lease makes the rows
-- invisible until the visibility timeout (seconds) passes, so a consumer that dies without acking
-- loses them to the next claim. It also takes care of up to 100 expired messages of the queue (not
-- leased, or their lease ran out): deleted, and moved to p_expired_to unless it is NULL. A message an
-- exchange routed to several queues keeps its payload in message_body.
--
-- Its plan must be an index scan in claim order whatever the table statistics say. A queue table
-- swings from empty to a large backlog and back within seconds, so the statistics of the last
-- ANALYZE are often wrong (say, every message was leased at the time): the planner then expects a
-- handful of visible rows and reads and sorts the whole table on every claim. (Measured: 100,000
-- waiting messages, statistics taken while all were leased: 90 ms per claim as a plain statement,
-- 2 ms as this function. And with the generic plan: a claim of 3 messages takes 1 ms instead of
-- 2-3 ms planned for each call; of 100 messages, 3 ms instead of 4-7 ms.)
--
-- Two ways to pick, chosen by p_ordered (the other one is skipped at run time):
-- * unordered: the first visible messages in claim order (priority, then FIFO), from the floor;
-- * ordered by key: only the head (oldest message) of each key, if it is visible and no message
--   of its key is leased, which gives one message per key at a time, in order; a head waiting for
--   a retry holds back its key only. Keys are walked one index probe each (a loose index scan),
--   from p_key_cursor, so the cost is the number of busy keys passed, never the backlog. Messages
--   without a key are taken as they come. A few more heads than wanted are looked at, so that
--   competing consumers that lock the first ones do not leave this one empty-handed.
--
-- The floor: an unordered claim can start where the consumer's previous claim started instead of
-- at the head of the queue. Why: every claim and every ack leaves index entries in front of the
-- queue's next messages (the old version of a leased row, the deleted row of an acked one). Vacuum
-- removes them only while the xmin horizon moves; while a transaction stays open elsewhere they pile
-- up, and a claim from the head visits each of them. The rotating slots bound that pile to a slot's
-- worth while the consumers keep up, but not once a backlog builds: the slot holding it cannot be
-- truncated until it is consumed, and each claim from the head walks everything consumed from it so
-- far, so claims get slower as the backlog is worked off, and the backlog grows (measured, claiming
-- from the head: 11,500 messages/s for two minutes, then under 2,000/s, with claims of 15 ms).
--
-- So the claim takes a floor: a priority (p_floor_priority) and a time (p_floor). Messages of that
-- priority are looked for from that visible_at on (an index range, which skips what lies before
-- it), higher priorities and lower ones from their head. A consumer passes the floor its previous
-- claim returned (floor_priority and floor_at: the priority and visible_at of the first message it
-- leased there), a little earlier to allow for producers whose transaction commits late (a message
-- is visible from its transaction's start, but seen only once it commits); nothing else writes a
-- visible time behind a floor: releases, retries, leases and sends (a deliver-at in the past
-- included) all set now() or later. Now and then (ClaimFloor says when) it claims from the head, to
-- pick up a message that still came in behind its floor: from a transaction that stayed open, a
-- lease that expired, a row another claim or the slot rotation had locked when this one passed it.
-- Without a floor (NULL) every priority is read from its head. The query reads its three parts only
-- as far as it needs rows (a WITH query is run on demand), so the parts past the first that fills
-- the claim cost nothing.
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

-- One step of the slot rotation; the storage sweeper of every instance calls it about once a second
-- while messages flow. It
-- 1. when the current slot has grown past p_rotate_bytes: moves up to p_move_limit messages that
--    are still in the next slot (the oldest) to the current one, leased messages excepted (their
--    consumer's ack must find them where they are; they leave the slot when acked);
-- 2. truncates every other slot that has pages but no live row, under a lock taken with a short
--    timeout: a slot that is busy (a statement is reading it, or a transaction still has rows
--    there uncommitted) is tried again next time;
-- 3. when the current slot has grown past p_rotate_bytes and the next one is empty: makes the next
--    one current.
-- Returns true when it could not get a lock within its lock_timeout, so that the caller tries again
-- soon even if no message flows meanwhile. That covers every lock the step waits for, not only the
-- truncate's: looking into a slot waits while an autovacuum truncates that slot's empty pages (which
-- takes the slot's lock exclusively), and the move of waiting messages waits for the slots' locks
-- likewise. Such a wait is as ordinary as a busy slot, so the step's changes are undone and it
-- returns true rather than failing with "canceling statement due to lock timeout" (which a test that
-- rotates as fast as it can while consumers claim would see if only the truncate were covered).
--
-- A claim whose candidate row was moved meanwhile fails with a serialization failure (40001:
-- "tuple to be locked was already moved to another partition"); callers retry such a statement.
-- Instances take turns through an advisory lock; one that finds it taken skips its turn. TRUNCATE
-- needs the table's owner: the function runs with its owner's rights (see 5. Least privilege).
CREATE FUNCTION {schema}.rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer)
    RETURNS boolean
    LANGUAGE plpgsql
    -- how long a truncate may wait for the statements in flight on the table (and hold up the ones
    -- that arrive meanwhile)
    SET lock_timeout = '50ms'
    -- the owner's rights, and nothing of the caller's on the search path (5. Least privilege)
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
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
    IF NOT pg_try_advisory_xact_lock(hashtext('{schema_name}.rotate_queue_slots')) THEN
        RETURN false;
    END IF;
    BEGIN
        SELECT last_value INTO v_generation FROM {schema}.queue_generation_seq;
        v_current := v_generation % 3;
        v_next := (v_generation + 1) % 3;
        v_full := pg_relation_size(format('%I.queue_message_s%s', '{schema_name}', v_current)::regclass) >= p_rotate_bytes;

        IF v_full THEN
            UPDATE {schema}.queue_message AS m
            SET slot = v_current
            WHERE m.slot = v_next
              AND m.id = ANY (ARRAY(
                  SELECT o.id FROM {schema}.queue_message AS o
                  WHERE o.slot = v_next AND (o.lease_token IS NULL OR o.visible_at <= now())
                  LIMIT p_move_limit
                  FOR UPDATE SKIP LOCKED));
        END IF;

        FOR v_slot IN SELECT s FROM generate_series(0, 2) AS s WHERE s <> v_current LOOP
            v_partition := format('%I.queue_message_s%s', '{schema_name}', v_slot);
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

        IF v_full AND pg_relation_size(format('%I.queue_message_s%s', '{schema_name}', v_next)::regclass) = 0 THEN
            PERFORM nextval('{schema}.queue_generation_seq');
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


-- =================================================================================================
-- 2. Exchanges
-- =================================================================================================
--
-- Exchanges (RabbitMQ routing): a producer publishes to an exchange with a routing key and headers;
-- the exchange's bindings decide which queues get a copy.

CREATE TABLE {schema}.exchange (
    name        text        PRIMARY KEY,
    type        text        NOT NULL CHECK (type IN ('direct', 'fanout', 'topic', 'headers')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A binding sends the exchange's matching messages to a queue. Which column matters depends on
-- the exchange type: routing_key (direct: equal), key_pattern (topic: the binding key compiled to
-- a regular expression when it is declared), headers and match_all (headers: all or any of them).
CREATE TABLE {schema}.binding (
    exchange    text     NOT NULL REFERENCES {schema}.exchange (name) ON DELETE CASCADE,
    queue       text     NOT NULL,
    routing_key text     NOT NULL DEFAULT '',
    key_pattern text     NOT NULL DEFAULT '',
    headers     jsonb    NOT NULL DEFAULT '{}',
    match_all   boolean  NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (exchange, queue, routing_key, headers, match_all)
);

-- A message routed to several queues stores its payload once, here, and each queue's row refers
-- to it (payload NULL, body_id set); a message that reaches one queue keeps its payload in its row.
-- Bodies no queue row refers to any more are deleted in batches by the delete-orphan-bodies
-- statement, so acks stay one DELETE on the hot table.
CREATE SEQUENCE {schema}.message_body_id_seq;
CREATE TABLE {schema}.message_body (
    id       bigint PRIMARY KEY,
    payload  bytea
) WITH (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);


-- =================================================================================================
-- 3. Archive
-- =================================================================================================
--
-- Archive (ack-mode=archive): acked messages are moved here instead of being deleted, and kept for
-- a retention period. The table is partitioned by the ack time and cleaned by dropping whole
-- partitions, never by DELETE, so keeping history costs no vacuum work and leaves the hot queue
-- table as small as ever.

CREATE TABLE {schema}.queue_archive (
    id           bigint      NOT NULL,
    queue        text        NOT NULL,
    priority     smallint    NOT NULL,
    attempts     integer     NOT NULL,
    enqueued_at  timestamptz NOT NULL,
    acked_at     timestamptz NOT NULL DEFAULT now(),
    message_key  text,
    dedup_key    text,
    exchange     text,
    routing_key  text,
    content_type text,
    headers      jsonb,
    payload      bytea
) PARTITION BY RANGE (acked_at);

CREATE INDEX queue_archive_queue_idx ON {schema}.queue_archive (queue, acked_at);

-- Creates the daily partitions from the one holding p_now to p_ahead days after it, and drops
-- those that ended more than p_retention before p_now. Partitions are named after their day
-- (queue_archive_pYYYYMMDD, UTC). Several instances may call it at once: an advisory lock makes
-- them take turns. Runs with its owner's rights (see 5. Least privilege).
CREATE FUNCTION {schema}.maintain_archive(p_retention interval, p_ahead integer, p_now timestamptz DEFAULT now())
    RETURNS integer
    LANGUAGE plpgsql
    -- the owner's rights, and nothing of the caller's on the search path (5. Least privilege)
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_start timestamptz;
    v_name  text;
    v_part  record;
    v_dropped integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('{schema}.queue_archive'));
    v_start := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR i IN 0 .. p_ahead LOOP
        v_name := 'queue_archive_p' || to_char((v_start + i * interval '1 day') AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF to_regclass(format('%I.%I', '{schema_name}', v_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.queue_archive FOR VALUES FROM (%L) TO (%L)',
                           '{schema_name}', v_name, '{schema_name}', v_start + i * interval '1 day',
                           v_start + (i + 1) * interval '1 day');
        END IF;
    END LOOP;
    FOR v_part IN
        SELECT c.relname
        FROM pg_inherits AS h
        JOIN pg_class AS c ON c.oid = h.inhrelid
        WHERE h.inhparent = to_regclass(format('%I.queue_archive', '{schema_name}'))
          AND c.relname ~ '^queue_archive_p[0-9]{8}$'
    LOOP
        -- the partition's end, from its name
        IF ((to_date(substr(v_part.relname, 16), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '1 day')
                < p_now - p_retention THEN
            EXECUTE format('DROP TABLE %I.%I', '{schema_name}', v_part.relname);
            v_dropped := v_dropped + 1;
        END IF;
    END LOOP;
    RETURN v_dropped;
END
$$;

-- Like ack_messages, for ack-mode=archive: the acked messages move to the archive (a partition of
-- the day, which maintain_archive creates ahead of time), payload included even when it was shared.
-- Its plan cannot go stale either (see the settle functions in 1. Queues).
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


-- =================================================================================================
-- 4. Log model
-- =================================================================================================
--
-- Log model (Kafka semantics): topics split into partitions, each an append-only sequence of
-- records numbered by dense offsets; consumer groups that each read every record and commit how far
-- they got.

CREATE TABLE {schema}.topic (
    name        text        PRIMARY KEY,
    -- a number for the topic's table partitions and locks, which must not depend on the name's length
    id          integer     GENERATED ALWAYS AS IDENTITY UNIQUE,
    partitions  integer     NOT NULL CHECK (partitions > 0),
    -- records older than this are dropped (a day's segment at a time); NULL: kept forever
    retention   interval,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The records, stored in batches, a row per partition of each append, as Kafka stores its record
-- batches: the row holds the records' fields in parallel arrays, and its offsets run from
-- first_offset to last_offset (last_offset - first_offset + 1 records, in the order of the arrays).
-- Partitioned by topic (log_batch_t<id>), and each topic's table by day of append (segments,
-- log_batch_t<id>_pYYYYMMDD, UTC; a batch belongs to the day of its append): retention drops whole
-- segments, so the log never has a row deleted and never needs vacuum.
--
-- Why batches: with a row and an index entry per record, appends took most of the database's time
-- in the log benchmark (pg_stat_statements: 3.2 ms for an append of about 500 records of 100 bytes,
-- 6.5 microseconds a record; the index alone about a third of it), and the database shares the
-- cores with the application. Measured with pgbench, the same 500 records as one row: 0.31 ms.
-- Reading gets cheaper too: a fetch visits one index entry and one row per batch instead of per
-- record.
--
-- Offsets are dense and become visible in offset order: an append takes a lock per (topic,
-- partition) that it holds until its transaction ends, numbers its batch from the partition's log
-- end offset, and commits before the next append can even read that offset. So a reader that sees
-- offset n has seen every offset below it: it can never skip a record committed late, the trap of
-- sequence-numbered logs. The price: appends to one partition are serialized for the length of
-- their transactions (see append_records).
--
-- The arrays are stored out of line without compression (STORAGE EXTERNAL): compressing a batch
-- with pglz took four times as long as storing it. A read that starts in the middle of a batch
-- reads the batch whole and skips what it had (fetch_records, at most one batch per partition and
-- read).
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

-- Where each partition's offsets go on from when retention has dropped every record it had: the
-- offset after the last record of each dropped segment. Written only when a segment is dropped.
CREATE TABLE {schema}.log_partition_floor (
    topic_id    integer NOT NULL REFERENCES {schema}.topic (id) ON DELETE CASCADE,
    partition   integer NOT NULL,
    next_offset bigint  NOT NULL,
    PRIMARY KEY (topic_id, partition)
);

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

-- Batches follow each other in offset order: the index on last_offset finds the batch holding an
-- offset (the first whose last_offset is at or after it), the log end offset and the earliest
-- batch. There is no index on the append time: every append would keep it up to date (it cost an
-- eighth of an append's time) for seeks by time only, which search this index instead
-- (offset_at_time).
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

-- Creates the topic with its table partition (log_batch_t<id>, partitioned by day) unless it
-- exists; returns its id and partition count, which differ from the request when it existed already
-- (the caller decides whether that is an error). Runs with its owner's rights (see 5. Least
-- privilege).
CREATE FUNCTION {schema}.create_topic(p_name text, p_partitions integer, p_retention interval)
    RETURNS TABLE (topic_id integer, partitions integer, retention interval)
    LANGUAGE plpgsql
    -- the owner's rights, and nothing of the caller's on the search path (5. Least privilege)
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
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

-- Creates each topic's daily segments from the day holding p_now to p_ahead days after it, and drops
-- those that ended longer than the topic's retention before p_now, first recording in
-- log_partition_floor where each partition's offsets go on. Instances take turns through an
-- advisory lock (its key, '<schema>.log_record', is only a name: no table of that name exists).
-- Returns the number of segments dropped. Runs with its owner's rights (see 5. Least privilege).
CREATE FUNCTION {schema}.maintain_log_segments(p_ahead integer, p_now timestamptz DEFAULT now())
    RETURNS integer
    LANGUAGE plpgsql
    -- the owner's rights, and nothing of the caller's on the search path (5. Least privilege)
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
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

-- The log end and start offsets of a partition, looked up with plans the session keeps.
--
-- Why PL/pgSQL: as SQL functions whose body has subqueries, which PostgreSQL does not inline, they
-- would be planned again for every statement that called them, and with the topic and partition as
-- parameters the planner cannot prune the partitioned batch table, so it would plan (and lock,
-- indexes included) every daily segment of every topic. Every append looks up the log end offset.
-- Measured with pgbench (one record of 100 bytes, synchronous commit), as SQL functions: with one
-- topic an append took 0.78 ms, 0.27 ms of it planning that body; with 31 topics 4.9 ms, and it held
-- 224 locks. In PL/pgSQL, the statements go through the session's plan cache: the first five calls
-- get plans for their topic, later ones a generic plan that prunes the topics when it runs, if
-- PostgreSQL estimates it cheaper than planning each call (it did with 1 and 31 topics; it is
-- planned again after a segment is created or dropped). Measured: 0.35 ms with one topic and with
-- 31, and 132 locks with 31 topics (a generic plan still locks the segments of every topic, but not
-- their indexes).

-- The offset the partition's next record gets (Kafka's log end offset, or high watermark).
CREATE FUNCTION {schema}.log_end_offset(p_topic_id integer, p_partition integer) RETURNS bigint
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

-- The offset of the partition's earliest record still kept (Kafka's log start offset), or its log
-- end offset when it keeps none.
CREATE FUNCTION {schema}.log_start_offset(p_topic_id integer, p_partition integer) RETURNS bigint
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

-- Appends records to a topic (parallel arrays, one element per record) and returns, for each
-- partition of the arrays, the first offset its records got: the records of a partition get
-- consecutive offsets in the order of the arrays, so the caller knows each record's offset from its
-- partition's first one. (A row per record would cost a fifth of each append, as measured: a
-- data-modifying CTE whose result is materialized, then 500 rows over the wire; the log producer of
-- the benchmark spends most of the database's CPU time in appends of about 500 records.) Each
-- partition gets one batch: the arrays as they are when they hold one partition's records (a
-- producer's batch mostly does), otherwise each partition's elements, in their order. Wakes the
-- topic's consumers with one NOTIFY on p_notify_channel (payload p_wake), unless that is NULL.
--
-- The partitions of the arrays are locked in ascending order (two appends cannot deadlock), each
-- with a transaction-scoped advisory lock, then each partition's batch is numbered from its log end
-- offset. The lock is held until the caller's transaction ends: a producer appending inside a long
-- application transaction (a transactional outbox) holds up every other producer of the same
-- partitions until it commits or rolls back. Consumers are never held up.
--
-- Needs READ COMMITTED: each statement below must see the appends committed while it waited for
-- the lock, which a REPEATABLE READ snapshot would hide (offsets would collide).
CREATE FUNCTION {schema}.append_records(p_topic_id integer, p_partitions integer[], p_keys bytea[],
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

-- The first offset of a partition appended at or after p_time, or its log end offset if none was:
-- a binary search over the offsets, each probe finding the batch that holds an offset through the
-- offset index (every record of a batch has the batch's append time), since appended_at never
-- decreases along a partition's offsets (each append stamps clock_timestamp() under the partition's
-- lock, after the previous append committed; a step back of the server's clock would make the
-- answer approximate). About log2(records) lookups of one index entry each, in the daily segments
-- from p_time's day on only: the batches of the days before are all earlier, and the segments are
-- split by append time, not by offset, so without that bound each lookup would probe every segment
-- of the topic.
CREATE FUNCTION {schema}.offset_at_time(p_topic_id integer, p_partition integer, p_time timestamptz)
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
-- p_next_offsets), partition after partition in the order given: the partition's batches one after
-- the other, in offset order, each unnested, until p_limit records are read. A batch is only read
-- when needed: a single query that unnests the batches and sorts their records reads every batch it
-- may need for p_limit records before sorting (measured: 14 batches of 500 records unnested to
-- return 496). As the settle functions of the queues, it plans index scans whatever the statistics
-- say (a segment is often empty when first read, and large a minute later): the batches of a
-- partition are read in offset order through the index of each daily segment, merged. Unlike them it
-- does not force a generic plan: that would lock every segment of every topic at each read (topics
-- are pruned at run time only), where a plan for the call's topic locks that topic's segments.
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
-- p_time ('time', offset_at_time; the log end offset if none was). Whoever owns those partitions
-- loses them (the epoch changes, so their commits no longer count) and takes them again at its next
-- heartbeat, from the new offset. Returns the partitions and the offsets they were moved to.
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
            ELSE {schema}.offset_at_time(p_topic_id, g.partition, p_time)
            END
    WHERE g.group_id = p_group AND g.topic_id = p_topic_id AND (p_partition IS NULL OR g.partition = p_partition)
    RETURNING g.partition, g.committed_offset;
END
$$;


-- =================================================================================================
-- 5. Least privilege
-- =================================================================================================
--
-- An application role that owns nothing and may not create anything runs the connector, with the
-- rights grant_application_role gives it; the schema's owner (the role that applied the
-- migrations) keeps every DDL right.
--
-- Why: the connector's upkeep runs DDL while the application runs: the message table's slot
-- rotation truncates a slot, topics get new daily segments and drop old ones, the archive likewise,
-- and a new topic gets a table partition. Only a table's owner may do that, so an application role
-- with DML rights only could not rotate the slots (seen: "permission denied for table
-- queue_message_s2" every second, the defence against dead rows silently off) and would fail to
-- append once the pre-created segments ran out. So the functions that do it (rotate_queue_slots,
-- maintain_archive, maintain_log_segments, create_topic) run with their owner's rights (SECURITY
-- DEFINER), with a search path that lets nothing of the caller's in: their SQL names every object
-- of this schema with its schema, and pg_catalog comes first.

-- The roles given access with grant_application_role: a later migration that adds a table or a
-- function gives them access to it too (SchemaManager calls grant_application_roles after
-- migrating).
CREATE TABLE {schema}.application_role (
    role_name  name        PRIMARY KEY,
    granted_at timestamptz NOT NULL DEFAULT now()
);

-- Gives a role what the connector needs, and nothing more: the schema's objects to read and
-- write, its sequences, its functions (those that run DDL do so with the owner's rights). No
-- CREATE on the database or the schema, no ownership. Run it as the schema's owner.
CREATE FUNCTION {schema}.grant_application_role(p_role name) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO {schema}.application_role (role_name) VALUES (p_role) ON CONFLICT DO NOTHING;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', '{schema_name}', p_role);
END
$$;

-- Gives every role given access before what the schema holds now (after a migration).
CREATE FUNCTION {schema}.grant_application_roles() RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    v_role  name;
    v_count integer := 0;
BEGIN
    FOR v_role IN SELECT r.role_name FROM {schema}.application_role AS r
                  JOIN pg_roles AS p ON p.rolname = r.role_name LOOP
        PERFORM {schema}.grant_application_role(v_role);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- No role but the owner (and those given access) may call the functions that run with the owner's
-- rights, nor give access: PUBLIC gets EXECUTE on every new function otherwise.
REVOKE EXECUTE ON FUNCTION {schema}.rotate_queue_slots(bigint, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.maintain_archive(interval, integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.maintain_log_segments(integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.create_topic(text, integer, interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.grant_application_role(name) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.grant_application_roles() FROM PUBLIC;
