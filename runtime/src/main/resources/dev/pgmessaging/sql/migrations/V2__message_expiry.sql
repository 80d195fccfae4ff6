-- Message expiry (time to live): the claim statement looks for expired messages of its queue
-- on every call, so they need an index of their own; partial, since most messages never expire.
CREATE INDEX queue_message_expiry_idx
    ON {schema}.queue_message (queue, expires_at)
    WHERE expires_at IS NOT NULL;
