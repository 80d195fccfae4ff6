#!/usr/bin/env bash
# Runs the test suite's "real server" leg: the machine's PostgreSQL 15 cluster, on loopback.
#
#   scripts/postgres-server.sh start   start the cluster (installing PostgreSQL 15 with apt if
#                                      missing) and create a fresh, empty test database;
#                                      prints the environment that points Quarkus at it
#   scripts/postgres-server.sh stop    stop the cluster if this script started it
#
# Debian/Ubuntu only (pg_ctlcluster); run as root.
set -euo pipefail

VERSION=15
CLUSTER=main
DATABASE=pgmessaging_test
ROLE=pgmessaging
PASSWORD=pgmessaging
STATE=/tmp/pgmessaging-postgres-server.started

as_postgres() { runuser -u postgres -- "$@"; }

start() {
  if ! command -v pg_ctlcluster >/dev/null || [ ! -x /usr/lib/postgresql/$VERSION/bin/postgres ]; then
    echo "Installing PostgreSQL $VERSION..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$VERSION >&2
  fi
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION $CLUSTER"; then
    pg_createcluster $VERSION $CLUSTER >&2
  fi
  if ! pg_lsclusters -h | awk -v v=$VERSION -v c=$CLUSTER '$1==v && $2==c {print $4}' | grep -q online; then
    pg_ctlcluster --skip-systemctl-redirect $VERSION $CLUSTER start >&2
    touch "$STATE"
  fi
  local port
  port=$(pg_lsclusters -h | awk -v v=$VERSION -v c=$CLUSTER '$1==v && $2==c {print $3}')
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  # A fresh database every time: the tests assume their schemas start empty.
  as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<SQL
DROP DATABASE IF EXISTS $DATABASE WITH (FORCE);
DROP ROLE IF EXISTS $ROLE;
-- CREATEROLE: tests create the roles of a least-privilege setup
CREATE ROLE $ROLE LOGIN CREATEROLE PASSWORD '$PASSWORD';
CREATE DATABASE $DATABASE OWNER $ROLE;
SQL
  echo "export QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$port/$DATABASE"
  echo "export QUARKUS_DATASOURCE_USERNAME=$ROLE"
  echo "export QUARKUS_DATASOURCE_PASSWORD=$PASSWORD"
  as_postgres psql -qAt -p "$port" -c "SELECT 'Using ' || version()" >&2
}

stop() {
  if [ -f "$STATE" ]; then
    pg_ctlcluster --skip-systemctl-redirect $VERSION $CLUSTER stop >&2 || true
    rm -f "$STATE"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
