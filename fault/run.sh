#!/usr/bin/env bash
# The fault suite: several processes of the fault application (fault/) consume one queue and one
# consumer group, a producer process sends in outbox transactions, all against the machine's
# PostgreSQL server, each process through a TCP proxy of its own, two of them as a least-privilege
# application role; the driver (FaultRun) kills processes with SIGKILL, restarts PostgreSQL, terminates
# the application's backends and stalls connections, measures the recovery after each fault, then
# checks from the database that nothing was lost or applied twice and that no partition stalled.
#
#   fault/run.sh            the short run (CI): 3 minutes of faults
#   fault/run.sh --long     the long run: 30 minutes (longer if it takes that for 100 kills), 3
#                           PostgreSQL restarts, 3 terminations, 3 stalls, over 500,000 queue
#                           messages and 200,000 topic records
#
# The environment may override DURATION (ISO-8601), RATE (outbox transactions a second), CONSUMERS,
# RESTARTS, TERMINATIONS, STALLS and KILLS (at least that many kills, past the duration if need
# be). The report goes to fault/target/fault-report.md (and fault-figures.adoc, for the docs), the
# processes' logs to fault/target/logs/. Debian/Ubuntu (pg_ctlcluster), as root, like scripts/postgres-server.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--long" ]; then
  DURATION=${DURATION:-PT30M}; RATE=${RATE:-80}; RESTARTS=${RESTARTS:-3}; TERMINATIONS=${TERMINATIONS:-3}
  STALLS=${STALLS:-3}; KILLS=${KILLS:-100}
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--long]" >&2; exit 2
fi
DURATION=${DURATION:-PT3M}; RATE=${RATE:-30}; CONSUMERS=${CONSUMERS:-3}; KILLS=${KILLS:-0}
RESTARTS=${RESTARTS:-1}; TERMINATIONS=${TERMINATIONS:-1}; STALLS=${STALLS:-1}
DATABASE=pgmessaging_fault

trap 'scripts/postgres-server.sh stop' EXIT
eval "$(scripts/postgres-server.sh start)"
PORT=$(echo "$QUARKUS_DATASOURCE_JDBC_URL" | sed -E 's|.*:([0-9]+)/.*|\1|')
# a database of its own, owned by the role that migrates the schema; the application role gets its
# rights from grant_application_role (the driver calls it) and nothing else
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 >&2 <<SQL
DROP DATABASE IF EXISTS $DATABASE WITH (FORCE);
DROP ROLE IF EXISTS fault_app;
DROP ROLE IF EXISTS fault_owner;
CREATE ROLE fault_owner LOGIN PASSWORD 'fault_owner';
-- the driver terminates the application's backends
GRANT pg_signal_backend TO fault_owner;
CREATE ROLE fault_app LOGIN PASSWORD 'fault_app';
CREATE DATABASE $DATABASE OWNER fault_owner;
SQL

./mvnw -B -q -Pfault package -DskipTests -pl fault -am >&2
rm -rf fault/target/logs
java -cp "fault/target/quarkus-app/app/*:fault/target/quarkus-app/lib/main/*" \
  -Dfault.jar=fault/target/quarkus-app/quarkus-run.jar \
  -Dfault.db.url="jdbc:postgresql://127.0.0.1:$PORT/$DATABASE" \
  -Dfault.owner.user=fault_owner -Dfault.owner.password=fault_owner \
  -Dfault.app.user=fault_app -Dfault.app.password=fault_app \
  -Dfault.duration="$DURATION" -Dfault.rate="$RATE" -Dfault.consumers="$CONSUMERS" \
  -Dfault.postgres-restarts="$RESTARTS" -Dfault.terminations="$TERMINATIONS" -Dfault.stalls="$STALLS" \
  -Dfault.minimum-kills="$KILLS" \
  -Dfault.postgres-restart-command="pg_ctlcluster --skip-systemctl-redirect -m {mode} 15 main restart" \
  dev.pgmessaging.fault.FaultRun
