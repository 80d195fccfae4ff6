#!/usr/bin/env bash
# The benchmark driver: builds the benchmark application (bench/), starts what it measures on
# loopback, runs every scenario on every connector in alternation (A B A B ...), prints each
# run's figures and a markdown table of medians and ratios, and stops everything it started.
#
#   bench/run.sh [--smoke] [--pairs N]
#   BASELINE=<git ref> bench/run.sh ...   also runs each postgres connector as built at that ref
#                                         (<connector>@baseline), side by side: a before/after run
#
# Scenarios (bench/src/main/java/dev/pgmessaging/bench/BenchMain.java says what each measures):
# throughput, batch, fanout and latency on every connector; idle (200 queues) on the queue
# connectors; gauges (what a refresh of the metrics gauges costs with 1,000 queues and 100 topics,
# on pgqueue, only when SCENARIOS names it); then sustained, once per postgres connector, at half the rate its throughput runs
# reached, with the xmin horizon held (10 minutes each; SUSTAINED=0 skips it).
#
# Connectors: pgqueue (postgres, queue model) and pglog (postgres, log model), against the
# machine's PostgreSQL server (scripts/postgres-server.sh, synchronous_commit on); rabbitmq
# (smallrye-rabbitmq, Debian's rabbitmq-server, installed with apt if missing) and kafka
# (smallrye-kafka, a single-node KRaft broker run from the Maven Central jars).
# Ratios: pgqueue/rabbitmq and pglog/kafka, the median of the ratios of runs made side by side.
# A connector named <connector>+metrics (CONNECTORS="pgqueue pgqueue+metrics") runs with the
# connector's meters on and read every second, and is compared with <connector>: the cost of metrics.
#
# --smoke: a few thousand messages, the postgres connectors only, every scenario shortened (CI
# runs it so that the harness cannot rot). The full run takes about an hour and a half.
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=false
PAIRS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=true; PAIRS=1 ;;
    --pairs) PAIRS=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--pairs N]" >&2; exit 2 ;;
  esac
  shift
done

# the environment may override the sizes (MESSAGES, FANOUT_MESSAGES, and the messages their runs
# send first as a warm-up, in rounds of WARM_UP_MESSAGES and FANOUT_WARM_UP_MESSAGES, a third as
# many unless set, until the JIT compiler is quiet or WARM_UP_LIMIT has passed; RATE, IDLE_RATE,
# DURATION, IDLE_WINDOW, WARM_UP, SUSTAINED in minutes), the CONNECTORS and the SCENARIOS
# (sustained needs throughput); JFR=1 records each run with Java Flight Recorder into
# bench/target/jfr/<run>-<connector>-<scenario>.jfr
if $SMOKE; then
  MESSAGES=${MESSAGES:-5000}; FANOUT_MESSAGES=${FANOUT_MESSAGES:-2000}; RATE=${RATE:-200}; IDLE_RATE=${IDLE_RATE:-200}
  DURATION=${DURATION:-3s}; IDLE_WINDOW=${IDLE_WINDOW:-3s}; WARM_UP=${WARM_UP:-1s}; SUSTAINED=${SUSTAINED:-1}
  WARM_UP_LIMIT=${WARM_UP_LIMIT:-1s}
  CONNECTORS=${CONNECTORS:-"pgqueue pglog"}
else
  MESSAGES=${MESSAGES:-300000}; FANOUT_MESSAGES=${FANOUT_MESSAGES:-100000}; RATE=${RATE:-1000}
  IDLE_RATE=${IDLE_RATE:-200}; DURATION=${DURATION:-20s}; IDLE_WINDOW=${IDLE_WINDOW:-20s}; WARM_UP=${WARM_UP:-10s}
  SUSTAINED=${SUSTAINED:-10}; WARM_UP_LIMIT=${WARM_UP_LIMIT:-60s}
  CONNECTORS=${CONNECTORS:-"pgqueue rabbitmq pglog kafka"}
fi
WARM_UP_MESSAGES=${WARM_UP_MESSAGES:-$((MESSAGES / 3))}
FANOUT_WARM_UP_MESSAGES=${FANOUT_WARM_UP_MESSAGES:-$((FANOUT_MESSAGES / 3))}
SCENARIOS=${SCENARIOS:-"throughput batch fanout latency idle"}
WORK=$(mktemp -d)
KAFKA_PID=
RABBIT_STARTED=false

cleanup() {
  if [ -n "${BASELINE:-}" ]; then git worktree remove --force "$WORK/baseline" 2>/dev/null || true; fi
  [ -n "$KAFKA_PID" ] && { kill "$KAFKA_PID" 2>/dev/null || true; wait "$KAFKA_PID" 2>/dev/null || true; }
  $RABBIT_STARTED && { RABBITMQ_NODENAME=rabbit@localhost rabbitmqctl stop >/dev/null 2>&1 || true; epmd -kill >/dev/null 2>&1 || true; }
  scripts/postgres-server.sh stop
}
trap cleanup EXIT

eval "$(scripts/postgres-server.sh start | grep '^export')"
# pg_stat_statements, for the idle scenario's statement count and the profile printed at the end
as_postgres() { runuser -u postgres -- "$@"; }
PG_PORT=$(echo "$QUARKUS_DATASOURCE_JDBC_URL" | sed -E 's|.*:([0-9]+)/.*|\1|')
PG_DB=${QUARKUS_DATASOURCE_JDBC_URL##*/}
if ! as_postgres psql -qAt -p "$PG_PORT" -c "SHOW shared_preload_libraries" | grep -q pg_stat_statements; then
  as_postgres psql -q -p "$PG_PORT" -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >&2
  pg_ctlcluster --skip-systemctl-redirect 15 main restart >&2
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
fi
as_postgres psql -q -p "$PG_PORT" -d "$PG_DB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
  -c "SELECT pg_stat_statements_reset()" >/dev/null
./mvnw -B -q -Pbench package -DskipTests -pl bench -am >&2
# before/after: the same application built from the baseline's sources, in a worktree of its own
if [ -n "${BASELINE:-}" ]; then
  git worktree add -f --detach "$WORK/baseline" "$BASELINE" >&2
  (cd "$WORK/baseline" && ./mvnw -B -q -Pbench package -DskipTests -pl bench -am >&2)
  # each postgres connector right before its baseline, so that the machine's noise hits both alike
  with_baseline=
  for connector in $CONNECTORS; do
    case $connector in pg*+metrics) with_baseline="$with_baseline $connector" ;;
                       pg*) with_baseline="$with_baseline $connector $connector@baseline" ;;
                       *) with_baseline="$with_baseline $connector" ;; esac
  done
  CONNECTORS=$with_baseline
fi

if [[ " $CONNECTORS " == *" rabbitmq "* ]]; then
  if ! command -v rabbitmq-server >/dev/null; then
    echo "Installing rabbitmq-server..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >&2
  fi
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODENAME=rabbit@localhost rabbitmq-server -detached >&2
  RABBIT_STARTED=true
  # the node registers a moment after -detached returns; await_startup fails until it has
  for _ in $(seq 1 60); do
    RABBITMQ_NODENAME=rabbit@localhost rabbitmqctl -q await_startup >/dev/null 2>&1 && break
    sleep 1
  done
fi

if [[ " $CONNECTORS " == *" kafka "* ]]; then
  ./mvnw -B -q -f bench/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=target/libs >&2
  cat > "$WORK/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:19092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$WORK/kafka-data
num.partitions=4
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  KAFKA_CP="bench/kafka/target/libs/*"
  java -cp "$KAFKA_CP" kafka.tools.StorageTool format -c "$WORK/kafka.properties" \
      -t "$(java -cp "$KAFKA_CP" kafka.tools.StorageTool random-uuid)" >&2
  java -Xmx1G -Xms1G -cp "$KAFKA_CP" kafka.Kafka "$WORK/kafka.properties" > "$WORK/kafka.log" 2>&1 &
  KAFKA_PID=$!
  for _ in $(seq 1 60); do
    (echo > /dev/tcp/127.0.0.1/19092) 2>/dev/null && break
    sleep 1
  done
fi

# CPU seconds used so far by what carries a connector's messages. PostgreSQL: every server process,
# plus what the exited ones used (backends end with the application's connections; the postmaster
# reaped them, so their time is in its cutime and cstime).
broker_cpu() {
  local pids
  case "$1" in
    pg*) pids=$(pgrep -u postgres -x postgres || true) ;;
    rabbitmq) pids=$(pgrep -x beam.smp || true) ;;
    kafka) pids=$KAFKA_PID ;;
  esac
  local postmaster
  postmaster=$(pgrep -o -u postgres -x postgres || true)
  for pid in $pids; do
    # fields 14-17 of /proc/<pid>/stat: utime, stime, cutime, cstime (in clock ticks)
    awk -v all="$([ "$pid" = "$postmaster" ] && echo 1 || echo 0)" \
        '{ sub(/^.*\) /, ""); t = $12 + $13; if (all) t += $14 + $15; print t }' "/proc/$pid/stat" 2>/dev/null || true
  done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.2f", s / hz}'
}

# A broker keeps a core busy for a while after it accepts connections (Kafka loads its metadata and
# compiles its hot paths): wait until it uses less than a tenth of a core over two seconds (at
# most a minute), so that the first runs do not share the machine with its start-up.
await_quiet() {
  local before after
  for _ in $(seq 1 30); do
    before=$(broker_cpu "$1"); sleep 2; after=$(broker_cpu "$1")
    awk -v a="$after" -v b="$before" 'BEGIN { exit !((a - b) / 2 < 0.1) }' && return 0
  done
  echo "$1 still busy after a minute; going on" >&2
}
if [[ " $CONNECTORS " == *" rabbitmq "* ]]; then await_quiet rabbitmq; fi
if [[ " $CONNECTORS " == *" kafka "* ]]; then await_quiet kafka; fi

RESULTS="$WORK/results"
run=0
# one run: pair, connector, scenario, extra -D options; appends its RESULT line with the pair number
bench() {
  local pair=$1 connector=$2 scenario=$3; shift 3
  # <connector>@baseline: the connector as built from $BASELINE
  local app=bench/target/quarkus-app/quarkus-run.jar
  case $connector in *@baseline) app=$WORK/baseline/bench/target/quarkus-app/quarkus-run.jar ;; esac
  local profile=${connector%@baseline}
  # <connector>+metrics: the same with the connector's meters on, and read every second as a scrape would
  local metrics=()
  case $profile in *+metrics) profile=${profile%+metrics}
    metrics=(-Dquarkus.messaging.postgres.metrics.enabled=true -Dbench.scrape-interval=1s) ;; esac
  local family=$scenario
  case $scenario in throughput|latency|sustained|gauges) family=single ;; esac
  run=$((run + 1))
  local before after line
  # each run starts on a quiet database: the previous run's tables are left behind, and autovacuum
  # and the checkpoint working on them would otherwise land on whichever run comes next
  case $profile in pg*) as_postgres psql -q -p "$PG_PORT" -c "CHECKPOINT" >&2; await_quiet "$profile" ;; esac
  before=$(broker_cpu "$profile")
  local jfr=()
  if [ -n "${JFR:-}" ]; then
    mkdir -p bench/target/jfr
    jfr=("-XX:StartFlightRecording=filename=bench/target/jfr/$run-$connector-$scenario.jfr,settings=profile")
  fi
  java "${jfr[@]}" -Dquarkus.profile="$profile,$profile-$family" -Dbench.connector="$connector" \
      -Dbench.scenario="$scenario" -Dbench.run="$run" -Dquarkus.messaging.postgres.schema="bench_$run" "${metrics[@]}" "$@" \
      -jar "$app" > "$WORK/run-$run.log" 2>&1 || true
  line=$(grep '^RESULT ' "$WORK/run-$run.log") || {
    echo "run $run ($connector $scenario) failed:" >&2; grep -v '^\s*at ' "$WORK/run-$run.log" | tail -20 >&2; return 1; }
  after=$(broker_cpu "$profile")
  echo "$line pair=$pair broker_cpu_s=$(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.2f", a - b}')" \
    | tee -a "$RESULTS" >&2
}

for pair in $(seq 1 "$PAIRS"); do
  for scenario in $SCENARIOS; do
    for connector in $CONNECTORS; do
      case $scenario in
        throughput|batch) bench "$pair" "$connector" "$scenario" -Dbench.messages="$MESSAGES" \
            -Dbench.throughput-warm-up="$WARM_UP_MESSAGES" -Dbench.warm-up-limit="$WARM_UP_LIMIT" ;;
        fanout) bench "$pair" "$connector" fanout -Dbench.messages="$FANOUT_MESSAGES" \
            -Dbench.throughput-warm-up="$FANOUT_WARM_UP_MESSAGES" -Dbench.warm-up-limit="$WARM_UP_LIMIT" ;;
        latency) bench "$pair" "$connector" latency -Dbench.rate="$RATE" -Dbench.duration="$DURATION" \
                     -Dbench.warm-up="$WARM_UP" ;;
        gauges) case $connector in pgqueue)
                # 1,000 queues holding 10, 100, then 1,000 messages each, then 10 each and a backlog of a
                # million in one more queue; and 100 topics of 4 partitions
                for shape in 10:0 100:0 1000:0 10:1000000; do
                  bench "$pair" "$connector" gauges -Dquarkus.messaging.postgres.metrics.enabled=true \
                      -Dquarkus.messaging.postgres.metrics.refresh-interval=0s -Dbench.gauge-messages=${shape%:*} \
                      -Dbench.gauge-backlog=${shape#*:}
                done ;;
              esac ;;
        idle) case ${connector%@baseline} in pgqueue|rabbitmq)
                bench "$pair" "$connector" idle -Dbench.rate="$IDLE_RATE" -Dbench.duration="$DURATION" \
                    -Dbench.idle-window="$IDLE_WINDOW" ;;
              esac ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
      esac
    done
  done
done

# sustained: once per postgres connector, at half the median consume rate of its throughput runs
if [ "$SUSTAINED" -gt 0 ] && [[ " $SCENARIOS " == *" throughput "* ]]; then
  for connector in $CONNECTORS; do
    case $connector in pg*@baseline|pg*+metrics) ;; pg*)
      rate=$(awk -v c="$connector" '$0 ~ "connector=" c " scenario=throughput" {
               for (i = 1; i <= NF; i++) if ($i ~ /^consume_per_s=/) { split($i, kv, "="); print kv[2] } }' "$RESULTS" \
             | sort -n | awk '{ v[NR] = $1 } END { print int(v[int((NR + 1) / 2)] / 2) }')
      bench 1 "$connector" sustained -Dbench.rate="$rate" -Dbench.duration="${SUSTAINED}m" -Dbench.hold-xmin=true ;;
    esac
  done
fi

echo "Machine: $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"),"\
  "$(java -version 2>&1 | head -1), $(psql --version 2>/dev/null || echo PostgreSQL)"
python3 bench/summary.py "$RESULTS"
# the same tables for the docs: copy to docs/modules/ROOT/pages/includes/ to publish them
python3 bench/summary.py "$RESULTS" --asciidoc > bench/target/benchmark-figures.adoc
cp "$RESULTS" bench/target/benchmark-results.txt

# the profile of the postgres runs: where the database spent its time, statement by statement
echo
echo "#### Top statements of the postgres runs (pg_stat_statements, all runs together)"
echo
as_postgres psql -p "$PG_PORT" -d "$PG_DB" --csv -c "
  SELECT sum(calls) AS calls, round(sum(total_exec_time)) AS total_ms,
         round((sum(total_exec_time) / sum(calls))::numeric, 3) AS mean_ms, sum(rows) AS rows, statement
  FROM (SELECT calls, total_exec_time, rows,
               left(regexp_replace(regexp_replace(query, '\s+', ' ', 'g'), '\"bench_[0-9]+\"', 'S', 'g'), 70) AS statement
        FROM pg_stat_statements WHERE query LIKE '%bench_%') AS s
  GROUP BY statement ORDER BY sum(total_exec_time) DESC LIMIT 15" | python3 bench/summary.py --markdown
