-- Least privilege: an application role that owns nothing and may not create anything runs the
-- connector, with the rights grant_application_role gives it; the schema's owner (the role that
-- applied the migrations) keeps every DDL right.
--
-- Why: the connector's upkeep runs DDL while the application runs: the message table's slot
-- rotation truncates a slot (V7), topics get new daily segments and drop old ones (V8, V13), the
-- archive likewise (V6), and a new topic gets a table partition. Only a table's owner may do that,
-- so an application role with DML rights only could not rotate the slots (seen: "permission denied
-- for table queue_message_s2" every second, the defence against dead rows silently off) and would
-- have failed to append once the pre-created segments ran out. These functions now run with their
-- owner's rights (SECURITY DEFINER), with a search path that lets nothing of the caller's in: their
-- SQL names every object of this schema with its schema, and pg_catalog comes first.

ALTER FUNCTION {schema}.rotate_queue_slots(bigint, integer)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.maintain_archive(interval, integer, timestamptz)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.maintain_log_segments(integer, timestamptz)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION {schema}.create_topic(text, integer, interval)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- The roles given access with grant_application_role: a later migration that adds a table or a
-- function gives them access to it too (SchemaManager calls grant_application_roles after
-- migrating).
CREATE TABLE {schema}.application_role (
    role_name  name        PRIMARY KEY,
    granted_at timestamptz NOT NULL DEFAULT now()
);

-- Gives a role what the connector needs, and nothing more: the schema's objects to read and
-- write, its sequences, its functions (those that run DDL do so with the owner's rights). No
-- CREATE on the database or the schema, no ownership. Run it as the schema's owner.
CREATE FUNCTION {schema}.grant_application_role(p_role name) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO {schema}.application_role (role_name) VALUES (p_role) ON CONFLICT DO NOTHING;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', '{schema_name}', p_role);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', '{schema_name}', p_role);
END
$$;

-- Gives every role given access before what the schema holds now (after a migration).
CREATE FUNCTION {schema}.grant_application_roles() RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    v_role  name;
    v_count integer := 0;
BEGIN
    FOR v_role IN SELECT r.role_name FROM {schema}.application_role AS r
                  JOIN pg_roles AS p ON p.rolname = r.role_name LOOP
        PERFORM {schema}.grant_application_role(v_role);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

-- No role but the owner (and those given access) may call the functions that run with the owner's
-- rights: PUBLIC gets EXECUTE on every new function otherwise.
REVOKE EXECUTE ON FUNCTION {schema}.rotate_queue_slots(bigint, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.maintain_archive(interval, integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.maintain_log_segments(integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.create_topic(text, integer, interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.grant_application_role(name) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {schema}.grant_application_roles() FROM PUBLIC;
