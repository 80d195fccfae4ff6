-- Archive (ack-mode=archive): acked messages are moved here instead of being deleted, and kept
-- for a retention period. The table is partitioned by the ack time and cleaned by dropping whole
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
-- them take turns.
CREATE FUNCTION {schema}.maintain_archive(p_retention interval, p_ahead integer, p_now timestamptz DEFAULT now())
    RETURNS integer
    LANGUAGE plpgsql
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
