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

-- name: grant-application-roles
-- After migrating: gives the roles given access with grant_application_role (see the schema
-- baseline, V1__baseline.sql) what the migrations added.
SELECT {schema}.grant_application_roles();

-- name: missing-privileges
-- The privileges the connector needs that the current role lacks (empty when it has them all),
-- named for a message; the parameter is the schema's name, whose tables must exist.
-- grant_application_role (see the schema baseline, V1__baseline.sql) gives them.
WITH s(name) AS (SELECT ?::text)
SELECT p.what
FROM s
CROSS JOIN LATERAL (VALUES
        (format('USAGE on schema %I', s.name), has_schema_privilege(s.name, 'USAGE')),
        (format('SELECT, INSERT, UPDATE, DELETE on %I.queue_message', s.name),
         has_table_privilege(format('%I.queue_message', s.name), 'SELECT, INSERT, UPDATE, DELETE')),
        (format('SELECT, INSERT, UPDATE, DELETE on %I.consumer_group_partition', s.name),
         has_table_privilege(format('%I.consumer_group_partition', s.name), 'SELECT, INSERT, UPDATE, DELETE')),
        (format('USAGE on sequence %I.lease_token_seq', s.name),
         has_sequence_privilege(format('%I.lease_token_seq', s.name), 'USAGE')),
        (format('EXECUTE on function %I.rotate_queue_slots', s.name),
         has_function_privilege(format('%I.rotate_queue_slots(bigint, integer)', s.name), 'EXECUTE'))
     ) AS p(what, granted)
WHERE NOT p.granted;
