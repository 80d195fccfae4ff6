-- Storage that does not decay while the xmin horizon is held.
--
-- An ack deletes its row and a claim writes a new version of it, so a busy queue leaves dead
-- tuples behind at twice its message rate. Vacuum removes them only once no transaction could
-- still see them: while any transaction of the cluster stays open (a long report, an idle session
-- in a transaction, a lagging replication slot), none can be removed, and every claim walks the
-- dead index entries of its queue from the start, slower and slower (measured: claims 6x slower
-- after 4 minutes at 1,000 messages/s).
--
-- So the table is split into three slots (list partitions), used in turn, as PgQ does: messages
-- go to the current slot; once it has grown past a size, the next slot becomes the current one.
-- A slot that holds no live message any more is emptied with TRUNCATE, which needs no vacuum and
-- no horizon: its dead tuples and index entries are gone at once. Messages that outlive their slot
-- (waiting for a later time, dead letters nobody reads, a backlog) are moved, a batch at a time, to
-- the current slot before their slot's turn comes again. See rotate_queue_slots below.

-- The slot messages go to is the generation number modulo 3. A sequence and not a table: reading
-- and advancing it leaves no dead tuples, and an advance is seen by every session at once.
CREATE SEQUENCE {schema}.queue_generation_seq MINVALUE 0 START 0;
-- generation 0 counts as taken, so the first rotation moves to generation 1
SELECT setval('{schema}.queue_generation_seq', 0, true);

CREATE FUNCTION {schema}.current_queue_slot() RETURNS smallint
    LANGUAGE sql
AS $$ SELECT (last_value % 3)::smallint FROM {schema}.queue_generation_seq $$;

ALTER TABLE {schema}.queue_message RENAME TO queue_message_v6;
ALTER TABLE {schema}.queue_message_v6 DROP CONSTRAINT queue_message_pkey;
DROP INDEX {schema}.queue_message_claim_idx, {schema}.queue_message_expiry_idx, {schema}.queue_message_body_idx,
    {schema}.queue_message_key_idx, {schema}.queue_message_key_leased_idx;

CREATE TABLE {schema}.queue_message (
    id           bigint      GENERATED ALWAYS AS IDENTITY,
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

-- Autovacuum still does the work while the horizon moves: settings as the single table had them
-- (vacuum after ~1000 changed rows, never throttled).
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

-- The indexes of the single table (V1 to V4 say what each is for), now one per slot.
CREATE INDEX queue_message_claim_idx
    ON {schema}.queue_message (queue, priority DESC, visible_at, id);
CREATE INDEX queue_message_expiry_idx
    ON {schema}.queue_message (queue, expires_at)
    WHERE expires_at IS NOT NULL;
CREATE INDEX queue_message_body_idx
    ON {schema}.queue_message (body_id)
    WHERE body_id IS NOT NULL;
CREATE INDEX queue_message_key_idx
    ON {schema}.queue_message (queue, message_key, id);
CREATE INDEX queue_message_key_leased_idx
    ON {schema}.queue_message (queue, message_key)
    WHERE message_key IS NOT NULL AND lease_token IS NOT NULL;

INSERT INTO {schema}.queue_message
    (id, queue, priority, visible_at, enqueued_at, attempts, lease_token, message_key, dedup_key, expires_at,
     content_type, headers, payload, exchange, routing_key, body_id, slot)
OVERRIDING SYSTEM VALUE
SELECT id, queue, priority, visible_at, enqueued_at, attempts, lease_token, message_key, dedup_key, expires_at,
       content_type, headers, payload, exchange, routing_key, body_id, 0
FROM {schema}.queue_message_v6;

-- ids go on from where the single table's left off
SELECT setval(pg_get_serial_sequence('{schema}.queue_message', 'id'),
              (SELECT greatest(max(id), 1) FROM {schema}.queue_message_v6));

DROP TABLE {schema}.queue_message_v6;

-- One step of the rotation; the storage sweeper of every instance calls it about once a second
-- while messages flow. It
-- 1. when the current slot has grown past p_rotate_bytes: moves up to p_move_limit messages that
--    are still in the next slot (the oldest) to the current one, leased messages excepted (their
--    consumer's ack must find them where they are; they leave the slot when acked);
-- 2. truncates every other slot that has pages but no live row, under a lock taken with a short
--    timeout: a slot that is busy (a statement is reading it, or a transaction still has rows
--    there uncommitted) is tried again next time;
-- 3. when the current slot has grown past p_rotate_bytes and the next one is empty: makes the next
--    one current.
-- Returns true when a truncate could not get its lock, so that the caller tries again soon even if
-- no message flows meanwhile.
--
-- A claim whose candidate row was moved meanwhile fails with a serialization failure (40001:
-- "tuple to be locked was already moved to another partition"); callers retry such a statement.
-- Instances take turns through an advisory lock; one that finds it taken skips its turn.
CREATE FUNCTION {schema}.rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer)
    RETURNS boolean
    LANGUAGE plpgsql
    -- how long a truncate may wait for the statements in flight on the table (and hold up the ones
    -- that arrive meanwhile)
    SET lock_timeout = '50ms'
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
    RETURN v_retry;
END
$$;
