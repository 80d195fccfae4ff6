-- Statements of schema management. {schema} is the validated, quoted schema name.

-- name: lock
-- Serializes migrations of one schema across every application instance starting at
-- the same time: a transaction-scoped advisory lock, released at commit or rollback.
SELECT pg_advisory_xact_lock(?);

-- name: create-schema
CREATE SCHEMA IF NOT EXISTS {schema};

-- name: create-version-table
CREATE TABLE IF NOT EXISTS {schema}.schema_version (
    version     integer     PRIMARY KEY,
    description text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- name: applied-versions
SELECT version FROM {schema}.schema_version ORDER BY version;

-- name: record-version
INSERT INTO {schema}.schema_version (version, description) VALUES (?, ?);

-- name: version-table-exists
SELECT to_regclass(?) IS NOT NULL;
