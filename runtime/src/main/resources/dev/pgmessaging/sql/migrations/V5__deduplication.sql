-- Deduplication: a message sent with a deduplication id is dropped at insert when a message with
-- the same id went to the same queue (or exchange) within the producer's window. An ack deletes
-- the message itself, so the ids live here, one row per (queue or exchange, id), until their
-- window ends; expired rows are reused by the next send of the same id, and the rest are deleted
-- in batches by the sweeper.
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
