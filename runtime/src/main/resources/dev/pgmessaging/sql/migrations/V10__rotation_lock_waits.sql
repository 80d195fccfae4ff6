-- A rotation step never fails on a lock wait: any lock it cannot get within its lock_timeout makes
-- it return true ("try again soon"), as a busy slot's truncate already did.
--
-- Why: rotate_queue_slots (V7) caught the timeout around its LOCK and TRUNCATE only. Its other
-- statements wait for locks too: looking into a slot waits while an autovacuum truncates that
-- slot's empty pages (which takes the slot's lock exclusively), and the move of waiting messages
-- waits for the slots' locks likewise. Such a wait is as ordinary as a busy slot, yet it failed
-- the step with "canceling statement due to lock timeout" (seen in a test that rotates as fast as
-- it can while consumers claim).

CREATE OR REPLACE FUNCTION {schema}.rotate_queue_slots(p_rotate_bytes bigint, p_move_limit integer)
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
