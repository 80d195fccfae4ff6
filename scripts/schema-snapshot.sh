#!/usr/bin/env bash
# The committed snapshot of the messaging schema: what the migrations of the working tree create in
# schema pgmessaging, as pg_dump --schema-only --no-owner shows it, in
# docs/modules/ROOT/examples/schema.sql. A change to the migrations regenerates
# it in the same commit, so that review sees the schema change itself (Migration.ALL says the rule).
#
#   scripts/schema-snapshot.sh           write the snapshot
#   scripts/schema-snapshot.sh --check   compare instead: exit 1 with the diff when it is out of date
#
# It migrates a fresh database as SchemaManager does (the functions of scripts/schema-compare.sh),
# dumps the schema, and leaves out what would change from one run or one server to the next:
# pg_dump's version comments, its SET lines (and the set_config of the search path) and its
# \restrict lines. The dump is that of the pg_dump of PostgreSQL 15, which the snapshot was made
# with; another major version may print the same schema differently.
#
# Needs the machine's PostgreSQL 15 server (scripts/postgres-server.sh start), run as root. It
# creates and drops the database pgm_snapshot and the role pgm_snapshot_owner, and touches nothing
# else.
set -euo pipefail
# shellcheck source=scripts/schema-compare.sh
source "$(dirname "$0")/schema-compare.sh"   # also changes to the repository's root

SNAPSHOT=docs/modules/ROOT/examples/schema.sql
SCHEMA=pgmessaging
DB=pgm_snapshot
ROLE=pgm_snapshot_owner

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap "drop_databases_and_role $ROLE $DB; rm -rf '$work'" EXIT
create_role "$ROLE"
migrate_database "$DB" "$ROLE" "$WORKTREE" "$SCHEMA"
schema_dump --schema="$SCHEMA" -d "$DB" \
  | sed -E -e '/^-- Dumped (from database|by pg_dump) version /d' \
      -e '/^SET /d' -e "/^SELECT pg_catalog.set_config\('search_path', '', false\);$/d" \
  >"$work/schema.sql"

if $check; then
  if diff -u --label "$SNAPSHOT (committed)" --label "the migrations of the working tree" \
    "$SNAPSHOT" "$work/schema.sql"; then
    echo "$SNAPSHOT is up to date"
  else
    echo "$SNAPSHOT is out of date: run scripts/schema-snapshot.sh and commit it with the migration" >&2
    exit 1
  fi
else
  mkdir -p "$(dirname "$SNAPSHOT")"
  cp "$work/schema.sql" "$SNAPSHOT"
  echo "wrote $SNAPSHOT ($(grep -c '^CREATE ' "$SNAPSHOT") CREATE statements)"
fi
