-- Exchanges (RabbitMQ routing): a producer publishes to an exchange with a routing key and
-- headers; the exchange's bindings decide which queues get a copy.

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

-- A message routed to several queues stores its payload once, here, and each queue's row
-- refers to it (payload NULL, body_id set); a message that reaches one queue keeps its payload
-- in its row. Bodies no queue row refers to any more are deleted in batches by the
-- delete-orphan-bodies statement, so acks stay one DELETE on the hot table.
CREATE SEQUENCE {schema}.message_body_id_seq;
CREATE TABLE {schema}.message_body (
    id       bigint PRIMARY KEY,
    payload  bytea
) WITH (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);

ALTER TABLE {schema}.queue_message
    ADD COLUMN exchange    text,
    ADD COLUMN routing_key text,
    ADD COLUMN body_id     bigint;

CREATE INDEX queue_message_body_idx
    ON {schema}.queue_message (body_id)
    WHERE body_id IS NOT NULL;
