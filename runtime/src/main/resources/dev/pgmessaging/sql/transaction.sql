-- Statements about transactions themselves.

-- name: transaction-status
-- Whether a transaction committed, by its id (as pg_current_xact_id() gave it): 'committed',
-- 'aborted' or 'in progress' (its session has not ended it yet). For a producer whose commit got
-- no answer: the connection broke after the commit was sent.
SELECT pg_xact_status(?::text::xid8);
