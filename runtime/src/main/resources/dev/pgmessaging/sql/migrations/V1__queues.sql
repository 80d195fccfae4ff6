-- Queue model: one hot table shared by every queue of the schema.
--
-- Why one table and not one per queue: an idle check, a wake-up poll or an exchange
-- routing to several queues is then one statement whatever the number of queues, and
-- queue names are values (bound parameters), never identifiers.
--
-- The table only holds messages that are waiting or in flight: an ack deletes the row,
-- so the table stays small and claims stay index scans over a few pages. Dead tuples
-- from claims and acks are the known decay of Postgres queues, hence the aggressive
-- per-table autovacuum settings below (vacuum after ~1000 changed rows, never throttled).

CREATE TABLE {schema}.queue (
    name        text        PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Fencing tokens: every claim statement takes one value, stored on each row it leases.
-- Ack, nack (and, later, lease extension) apply only when the row still carries the
-- token of the delivery being acked, so a consumer whose lease expired can never touch a
-- message that has been redelivered to someone else.
CREATE SEQUENCE {schema}.lease_token_seq;

CREATE TABLE {schema}.queue_message (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    payload      bytea
) WITH (
    fillfactor = 80,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.05,
    autovacuum_vacuum_cost_delay = 0
);

-- The claim order: within a queue, highest priority first, then oldest visible.
CREATE INDEX queue_message_claim_idx
    ON {schema}.queue_message (queue, priority DESC, visible_at, id);
