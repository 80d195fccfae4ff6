#!/usr/bin/env bash
# Proves that the schema migrations of the working tree create exactly the schema that those of a
# git ref create (say, the fifteen migrations that the baseline V1__baseline.sql replaced): it
# migrates one fresh database with each, as SchemaManager does, and compares them.
#
#   scripts/schema-compare.sh [ref=HEAD] [schema=pgmessaging]
#
# The migrations of a side are those its Migration.java lists (Migration.ALL), read from the ref
# with git show, or from the working tree. Each database is migrated in one transaction, the way
# SchemaManager.migrate does it on an empty database: its advisory lock, the create-schema and
# create-version-table statements of schema.sql, each migration with {schema} and {schema_name}
# replaced, recorded in schema_version, then grant-application-roles. It runs as a role created for
# the comparison, which owns the database and nothing else (as an application's owner role would).
#
# Compared: pg_dump --schema-only --no-owner of the two whole databases (so the definition of
# schema_version is compared, not its rows, which name the migrations), and the state of the
# sequences that are not identity columns' (a migration may set one, like queue_generation_seq's
# first generation, which a schema-only dump does not show). Prints "schemas are identical" and
# exits 0, or prints the differences and exits 1.
#
# Needs the machine's PostgreSQL 15 server (scripts/postgres-server.sh start), run as root: it
# connects as the postgres superuser with runuser. It creates and drops the databases
# pgm_compare_old and pgm_compare_new and the role pgm_compare_owner, and touches nothing else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_BIN=/usr/lib/postgresql/15/bin
MIGRATION_JAVA=runtime/src/main/java/dev/pgmessaging/runtime/schema/Migration.java
SQL_DIR=runtime/src/main/resources/dev/pgmessaging/sql
WORKTREE=--worktree

# psql or pg_dump as the postgres superuser (from /, which the postgres user can read)
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
psql_admin() { as_postgres env PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The schema name as Identifiers.validateSchema accepts it: the migrations use it unquoted too.
validate_schema() {
  if ! [[ $1 =~ ^[a-z_][a-z0-9_]*$ ]] || [ "$(printf %s "$1" | wc -c)" -gt 63 ]; then
    echo "'$1' is not a valid schema name: use 1 to 63 lower-case letters, digits or underscores," \
      "not starting with a digit" >&2
    exit 2
  fi
}

# A file of a side: SOURCE is a git ref, or $WORKTREE for the working tree.
source_file() {
  if [ "$1" = "$WORKTREE" ]; then cat "$2"; else git show "$1:$2"; fi
}

# The migrations of a side, one "version description" a line, in the order of Migration.ALL.
migrations() {
  source_file "$1" "$MIGRATION_JAVA" \
    | grep -o 'new Migration([0-9]*, *"[A-Za-z0-9_]*")' \
    | sed 's/new Migration(\([0-9]*\), *"\([A-Za-z0-9_]*\)")/\1 \2/'
}

# One named statement of schema.sql, as SqlStatements reads it: the lines after "-- name: NAME"
# up to the next name, comment lines left out, the last ";" dropped; {schema} quoted.
schema_statement() {
  source_file "$1" "$SQL_DIR/schema.sql" | awk -v want="$2" -v quoted="\"$3\"" '
    /^-- name:/ { name = $3; next }
    name == want && $0 !~ /^[ \t]*--/ { gsub(/\{schema\}/, quoted); body = body $0 "\n" }
    END { sub(/[ \t\n]*$/, "", body); sub(/;$/, "", body); print body }'
}

# The SQL SchemaManager.migrate runs on an empty database, as one transaction: migrations of SOURCE
# for schema SCHEMA. Migration.script replaces {schema} by the quoted name, then {schema_name} by
# the bare one.
migration_sql() {
  local source=$1 schema=$2 version description found=false
  echo "BEGIN;"
  # the key does not matter here: nothing else migrates this database
  echo "SELECT pg_advisory_xact_lock(0);"
  echo "$(schema_statement "$source" create-schema "$schema");"
  echo "$(schema_statement "$source" create-version-table "$schema");"
  while read -r version description; do
    found=true
    source_file "$source" "$SQL_DIR/migrations/V${version}__${description}.sql" \
      | sed -e "s/{schema}/\"$schema\"/g" -e "s/{schema_name}/$schema/g"
    printf '\n;\n'
    schema_statement "$source" record-version "$schema" \
      | sed -e "s/?/$version/" -e "s/?/'$description'/"
    echo ";"
  done < <(migrations "$source")
  $found || { echo "no migrations found in $MIGRATION_JAVA of $source" >&2; exit 2; }
  echo "$(schema_statement "$source" grant-application-roles "$schema");"
  echo "COMMIT;"
}

# Creates database DB owned by ROLE and migrates it with the migrations of SOURCE, as ROLE.
migrate_database() {
  local db=$1 role=$2 source=$3 schema=$4
  psql_admin -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db OWNER $role TEMPLATE template0"
  { echo "SET ROLE $role;"; migration_sql "$source" "$schema"; } | psql_admin -d "$db" >/dev/null
}

# The role that applies the migrations: may log in to nothing, owns its databases only.
create_role() {
  psql_admin -d postgres -c "DROP ROLE IF EXISTS $1" -c "CREATE ROLE $1 NOLOGIN"
}

# Drops the databases, then the role (it owns them).
drop_databases_and_role() {
  local role=$1
  shift
  for db in "$@"; do
    psql_admin -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  done
  psql_admin -d postgres -c "DROP ROLE IF EXISTS $role" || true
}

# pg_dump --schema-only --no-owner, without the \restrict and \unrestrict lines (pg_dump 15.14 and
# later), whose key is new at each run
schema_dump() {
  as_postgres "$PG_BIN/pg_dump" --schema-only --no-owner "$@" | sed -E '/^\\(un)?restrict /d'
}

# The state of every sequence that no identity column owns. An identity column's sequence starts
# unused in a fresh schema; V7 of the old migrations did set queue_message's, to the highest id of
# the rows it copied (none, in a fresh schema: the first id was 2), a leftover of copying rows.
sequence_states() {
  psql_admin -d "$1" -At -c "
    SELECT format('%I.%I: start %s, increment %s, min %s, last value %s', s.schemaname, s.sequencename,
                  s.start_value, s.increment_by, s.min_value, coalesce(s.last_value::text, 'none (never used)'))
    FROM pg_sequences AS s
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend AS d
                      WHERE d.classid = 'pg_class'::regclass
                        AND d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
                        AND d.deptype = 'i')
    ORDER BY 1"
}

main() {
  local ref=${1:-HEAD} schema=${2:-pgmessaging}
  local old=pgm_compare_old new=pgm_compare_new role=pgm_compare_owner
  validate_schema "$schema"
  git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || { echo "unknown git ref: $ref" >&2; exit 2; }

  local work
  work=$(mktemp -d)
  trap "drop_databases_and_role $role $old $new; rm -rf '$work'" EXIT
  create_role "$role"

  echo "Migrating $old with the migrations of $ref: $(migrations "$ref" | sed 's/ /__/' | sed 's/^/V/' | paste -sd' ')"
  migrate_database "$old" "$role" "$ref" "$schema"
  echo "Migrating $new with the migrations of the working tree:" \
    "$(migrations "$WORKTREE" | sed 's/ /__/' | sed 's/^/V/' | paste -sd' ')"
  migrate_database "$new" "$role" "$WORKTREE" "$schema"

  schema_dump -d "$old" >"$work/old.sql"
  schema_dump -d "$new" >"$work/new.sql"
  sequence_states "$old" >"$work/old-sequences.txt"
  sequence_states "$new" >"$work/new-sequences.txt"

  local same=true
  if ! diff -u --label "$ref ($old)" --label "working tree ($new)" "$work/old.sql" "$work/new.sql"; then
    same=false
  fi
  if ! diff -u --label "sequences, $ref" --label "sequences, working tree" \
    "$work/old-sequences.txt" "$work/new-sequences.txt"; then
    same=false
  fi
  if $same; then
    echo "schemas are identical (schema \"$schema\", $(grep -c '^CREATE ' "$work/new.sql") CREATE statements in the dump)"
  else
    echo "schemas differ (schema \"$schema\"): see above" >&2
    exit 1
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
