#!/usr/bin/env bash
# kuzet's local Apache Kafka broker: a single KRaft node (broker + controller) on loopback,
# run from Apache Kafka's own jars fetched from Maven Central by pom.xml beside this file.
#
#   kafka.sh fetch                      fetch the jars into deploy/kafka/.cache (idempotent)
#   kafka.sh start [--port N] [--controller-port N] [--data-dir DIR] [--fresh]
#                  [--timeout S] [--set key=value]...
#   kafka.sh stop [--port N] [--timeout S]
#   kafka.sh status [--port N]          exit 0 if running, 3 if not
#   kafka.sh perf producer|consumer ARGS...   Kafka's ProducerPerformance / ConsumerPerformance
#   kafka.sh run-class CLASS ARGS...    any main class from the same jars (e.g. TopicCommand)
#   kafka.sh version                    the Apache Kafka version this script runs
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (port + 1), KAFKA_DATA_DIR
# (.cache/data-<port>), KAFKA_VERSION (pom.xml's), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m),
# KAFKA_JVM_OPTS, KAFKA_START_TIMEOUT (120 s), KAFKA_STOP_TIMEOUT (30 s), KAFKA_MAVEN_REPO
# (Maven local repository; Maven's default ~/.m2/repository if unset), JAVA_HOME.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="$SCRIPT_DIR/.cache"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/log4j2.properties"

pom_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n 1; }
KAFKA_VERSION="${KAFKA_VERSION:-$(pom_version)}"
LIBS_DIR="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
STAMP="$CACHE_DIR/kafka-$KAFKA_VERSION/fetched.stamp"
TOOLS_LOG_DIR="$CACHE_DIR/tools-logs"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { printf '[kafka.sh] error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------- fetch

stamp_content() {
  # What the copied jars depend on: the pom's content and the version asked for.
  printf '%s %s\n' "$KAFKA_VERSION" "$(sha256sum "$POM" | cut -d' ' -f1)"
}

cmd_fetch() {
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]] && compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is not on PATH: it is needed once to fetch Kafka's jars"
  mkdir -p "$CACHE_DIR"
  # One fetch at a time (two test runs or a test run and a benchmark may race here).
  exec 8>"$CACHE_DIR/fetch.lock"
  flock 8
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp_content)" ]]; then
    exec 8>&-
    return 0
  fi
  local tmp="$LIBS_DIR.tmp.$$" fetch_log="$CACHE_DIR/fetch-$KAFKA_VERSION.log"
  local -a repo_opt=()
  [[ -n "${KAFKA_MAVEN_REPO:-}" ]] && repo_opt=("-Dmaven.repo.local=$KAFKA_MAVEN_REPO")
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central with Maven (first run only; about 80 MB with Maven's own plugins)..."
  rm -rf "$tmp"
  local start=$SECONDS
  # Print one line per jar downloaded so a first run shows progress; the full log is kept.
  local rc=0
  mvn -B "${repo_opt[@]}" -f "$POM" "-Dkafka.version=$KAFKA_VERSION" \
      dependency:copy-dependencies "-DoutputDirectory=$tmp" -DincludeScope=runtime \
      </dev/null 2>&1 | tee "$fetch_log" | awk '/Downloaded from .*\.jar/ {
        n++; f = $0; sub(/\.jar .*/, ".jar", f); sub(/.*\//, "", f)
        printf "[kafka.sh]   %3d %s\n", n, f; fflush() }' >&2 || rc=$?
  if [[ "$rc" != 0 ]]; then
    tail -n 40 "$fetch_log" >&2
    rm -rf "$tmp"
    die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $fetch_log)"
  fi
  local jars
  jars=$(find "$tmp" -name '*.jar' | wc -l)
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  stamp_content >"$STAMP"
  log "fetched $jars jars into ${LIBS_DIR#"$SCRIPT_DIR/"} in $((SECONDS - start)) s"
  exec 8>&-
}

# ---------------------------------------------------------------------------- helpers

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17+; set JAVA_HOME)"
  local v
  v=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ "${v%%.*}" -ge 17 ]] 2>/dev/null || die "Java $v found; Kafka $KAFKA_VERSION needs Java 17 or newer"
}

# java with Kafka's classpath; logging to a file under $1.
run_java() {
  local logdir="$1"; shift
  mkdir -p "$logdir"
  "$JAVA" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
    "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dkafka.logs.dir=$logdir" \
    -Djava.awt.headless=true -cp "$LIBS_DIR/*" "$@"
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-}"
DATA_DIR="${KAFKA_DATA_DIR:-}"
FRESH=0
TIMEOUT=""
declare -a EXTRA_PROPS=()

parse_opts() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      --controller-port) CONTROLLER_PORT="$2"; shift 2 ;;
      --controller-port=*) CONTROLLER_PORT="${1#*=}"; shift ;;
      --data-dir) DATA_DIR="$2"; shift 2 ;;
      --data-dir=*) DATA_DIR="${1#*=}"; shift ;;
      --fresh) FRESH=1; shift ;;
      --timeout) TIMEOUT="$2"; shift 2 ;;
      --timeout=*) TIMEOUT="${1#*=}"; shift ;;
      --set) EXTRA_PROPS+=("$2"); shift 2 ;;
      --set=*) EXTRA_PROPS+=("${1#*=}"); shift ;;
      *) die "unknown option: $1" ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -gt 0 && "$PORT" -lt 65536 ]] || die "bad port: $PORT"
  CONTROLLER_PORT="${CONTROLLER_PORT:-$((PORT + 1))}"
  [[ "$CONTROLLER_PORT" =~ ^[0-9]+$ && "$CONTROLLER_PORT" -lt 65536 ]] || die "bad controller port: $CONTROLLER_PORT"
  DATA_DIR="${DATA_DIR:-$CACHE_DIR/data-$PORT}"
  mkdir -p "$(dirname "$DATA_DIR")"
  DATA_DIR="$(cd "$(dirname "$DATA_DIR")" && pwd)/$(basename "$DATA_DIR")"
  STATE_DIR="$CACHE_DIR/broker-$PORT"
  PID_FILE="$STATE_DIR/kafka.pid"
  CONF="$STATE_DIR/server.properties"
  LOG_DIR="$STATE_DIR/logs"
}

# The pid of the broker this script started on $PORT, if it is still running.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must be our JVM running our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $CONF" || return 1
  echo "$pid"
}

write_config() {
  mkdir -p "$STATE_DIR"
  cat >"$CONF" <<EOF
# Written by deploy/kafka/kafka.sh at each start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.network.threads=2
num.io.threads=4
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
  local kv
  for kv in "${EXTRA_PROPS[@]}"; do
    [[ "$kv" == *=* ]] || die "--set expects key=value, got: $kv"
    printf '%s\n' "$kv" >>"$CONF"
  done
}

random_cluster_id() {
  # A Kafka Uuid: 16 random bytes, base64url without padding (22 chars), not starting with '-'.
  local id
  for _ in 1 2 3 4 5 6 7 8; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ "$id" != -* ]] && { echo "$id"; return 0; }
  done
  die "could not generate a cluster id"
}

wipe_data_dir() {
  [[ -e "$DATA_DIR" ]] || return 0
  # Only ever delete a folder under our cache or one that is a Kafka data dir.
  if [[ "$DATA_DIR" == "$CACHE_DIR"/* || -f "$DATA_DIR/meta.properties" ]]; then
    rm -rf "$DATA_DIR"
  else
    die "refusing to wipe $DATA_DIR: not under $CACHE_DIR and not a Kafka data dir"
  fi
}

show_log_tail() {
  local f
  for f in "$LOG_DIR/stdout.log" "$LOG_DIR/server.log"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

# ---------------------------------------------------------------------------- start / stop

cmd_start() {
  parse_opts "$@"
  local timeout="${TIMEOUT:-${KAFKA_START_TIMEOUT:-120}}"
  local pid
  if pid=$(running_pid); then
    if [[ "$FRESH" == 1 ]]; then
      log "broker on port $PORT is running (pid $pid); --fresh: stopping it first"
      stop_pid "$pid" "${KAFKA_STOP_TIMEOUT:-30}"
    else
      log "broker already running on 127.0.0.1:$PORT (pid $pid)"
      return 0
    fi
  fi
  if port_open "$PORT"; then die "127.0.0.1:$PORT is already in use by another process"; fi
  if port_open "$CONTROLLER_PORT"; then die "controller port 127.0.0.1:$CONTROLLER_PORT is already in use"; fi

  cmd_fetch
  check_java
  [[ "$FRESH" == 1 ]] && wipe_data_dir
  write_config
  mkdir -p "$LOG_DIR"
  rm -f "$PID_FILE"

  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    local cid
    cid=$(random_cluster_id)
    log "formatting KRaft storage in $DATA_DIR (cluster id $cid)"
    if ! run_java "$TOOLS_LOG_DIR" kafka.tools.StorageTool format -t "$cid" -c "$CONF" \
        >"$LOG_DIR/format.log" 2>&1; then
      cat "$LOG_DIR/format.log" >&2
      die "formatting storage failed"
    fi
  fi

  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT, data $DATA_DIR)"
  : >"$LOG_DIR/stdout.log"
  rm -f "$LOG_DIR/server.log"
  # setsid: the broker does not get the terminal's Ctrl-C; `stop` (or the test teardown)
  # ends it. The inner shell writes its own pid, then becomes the JVM (exec keeps the pid).
  # shellcheck disable=SC2086
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
    ${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent} \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dkafka.logs.dir=$LOG_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONF" \
    >>"$LOG_DIR/stdout.log" 2>&1 </dev/null &
  disown || true

  # Ready = the server logged that it started (it is unfenced, so topics can be created)
  # and its listener accepts connections.
  local deadline=$((SECONDS + timeout)) waited=0
  while :; do
    if [[ -f "$PID_FILE" ]] && pid=$(cat "$PID_FILE") && ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      rm -f "$PID_FILE"
      die "the broker exited during start-up (logs in $LOG_DIR)"
    fi
    if grep -q 'Kafka Server started' "$LOG_DIR/server.log" 2>/dev/null && port_open "$PORT"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail
      [[ -n "${pid:-}" ]] && stop_pid "$pid" 10
      die "the broker was not ready on 127.0.0.1:$PORT within ${timeout}s (logs in $LOG_DIR)"
    fi
    sleep 0.25
    waited=$((waited + 1))
    if ((waited % 40 == 0)); then log "still waiting for the broker ($((SECONDS - deadline + timeout)) s)..."; fi
  done
  log "ready: 127.0.0.1:$PORT (pid $(cat "$PID_FILE"), log $LOG_DIR/server.log)"
}

stop_pid() {
  local pid="$1" timeout="$2"
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "broker (pid $pid) did not stop within ${timeout}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
}

cmd_stop() {
  parse_opts "$@"
  local pid
  if pid=$(running_pid); then
    log "stopping the broker on port $PORT (pid $pid)"
    stop_pid "$pid" "${TIMEOUT:-${KAFKA_STOP_TIMEOUT:-30}}"
    log "stopped"
  else
    rm -f "$PID_FILE"
    log "no broker started by kafka.sh is running on port $PORT"
  fi
}

cmd_status() {
  parse_opts "$@"
  local pid
  if pid=$(running_pid); then
    echo "running: Kafka $KAFKA_VERSION on 127.0.0.1:$PORT, pid $pid, data $(sed -n 's/^log.dirs=//p' "$CONF"), log $LOG_DIR/server.log"
  else
    echo "not running (port $PORT)"
    return 3
  fi
}

# ---------------------------------------------------------------------------- tools

cmd_perf() {
  local which="${1:-}"
  [[ $# -gt 0 ]] && shift
  local cls
  case "$which" in
    producer) cls=org.apache.kafka.tools.ProducerPerformance ;;
    consumer) cls=org.apache.kafka.tools.ConsumerPerformance ;;
    *) die "usage: kafka.sh perf producer|consumer ARGS... (ARGS as Kafka's kafka-{producer,consumer}-perf-test.sh)" ;;
  esac
  cmd_fetch
  check_java
  run_java "$TOOLS_LOG_DIR" "$cls" "$@"
}

cmd_run_class() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh run-class CLASS ARGS..."
  cmd_fetch
  check_java
  run_java "$TOOLS_LOG_DIR" "$@"
}

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    perf) cmd_perf "$@" ;;
    run-class) cmd_run_class "$@" ;;
    version) echo "$KAFKA_VERSION" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
