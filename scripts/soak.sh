#!/usr/bin/env bash
# The queue soak run: a producer at a fixed rate, two consumers, for some minutes, against the
# machine's PostgreSQL 15 server (started by scripts/postgres-server.sh); prints a markdown table
# per minute (throughput, latency, backlog, table size, dead tuples). Not part of CI.
#
#   scripts/soak.sh [minutes=10] [rate=1000] [--hold-xmin]
#
# --hold-xmin keeps a transaction open for the whole run, so vacuum cannot remove dead rows.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
RATE=${2:-1000}
HOLD=false
[ "${3:-}" = "--hold-xmin" ] && HOLD=true
eval "$(scripts/postgres-server.sh start | grep '^export')"
trap 'scripts/postgres-server.sh stop' EXIT
./mvnw -B -q install -DskipTests -pl runtime,deployment -am >/dev/null
./mvnw -B -pl deployment surefire:test -Dtest=QueueSoakRun -Dsurefire.failIfNoSpecifiedTests=false \
    -Dpgmessaging.soak.minutes="$MINUTES" -Dpgmessaging.soak.rate="$RATE" -Dpgmessaging.soak.hold-xmin="$HOLD" \
    | sed -n '/^Queue soak/,/^$/p; /^|/p' | awk '!seen[$0]++'
