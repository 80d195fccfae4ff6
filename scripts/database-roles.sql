-- The two roles of a least-privilege setup (docs/modules/ROOT/pages/database-roles.adoc): the
-- owner applies the migrations and owns the messaging schema; the application role runs the
-- application and owns nothing. Run as a superuser, or as a role with CREATEROLE that may grant
-- CREATE on the database:
--
--   psql -v database=shop -v owner=shop_owner -v owner_password=... \
--        -v app=shop_app -v app_password=... -f scripts/database-roles.sql
--
-- Then start the application once as the owner (it creates the schema), and give the application
-- role access, as the owner:   SELECT pgmessaging.grant_application_role('shop_app');
\set ON_ERROR_STOP on

CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
-- the owner creates the messaging schema (once); the application role gets no right on the
-- database beyond connecting to it
GRANT CREATE, CONNECT ON DATABASE :"database" TO :"owner";
GRANT CONNECT ON DATABASE :"database" TO :"app";
