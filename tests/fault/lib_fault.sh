# lib_fault.sh - shared helpers of the fault suite (issue 15 item 7), sourced
# by tests/fault/test_*.sh after tests/integration/lib.sh's helpers.
#
# The one idea: every scenario is judged the same way, by sets, not counts.
# iocd appends what each commit made durable to IOCD_COMMIT_TRACE (one line
# per record: kind, seq, series, the sinks that take it); two collectors
# record everything the brokers handed out (an MQTT persistent-session
# subscriber on a persistent mosquitto, so nothing published while it
# reconnects is lost to it, and a continuous kcat consumer, since
# kafka-mock keeps only ~5 MB per partition); check_delivery.py then says,
# per sink, committed - delivered = lost (must be 0), duplicates, untraced.
#
# Settings (environment): FAULT_LONG=1 the long form (longer outages, more
# kills, the RSS outage); FAULT_RATE metrics/s offered (default 5000: the
# http_json connector on feedsim's /bench feed, 2 metrics per cell, one
# poll a second); FAULT_SEED the seed of random delays (printed).
#
# An iocd without the durable outbox (no IOCD_COMMIT_TRACE in the binary,
# today's main) runs with the memory outbox and the stdout sink: what it
# printed stands for "committed", so the checker still sees losses (what
# the suite was developed against). Such a run says so in its output.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

FAULT_LONG=${FAULT_LONG:-0}
FAULT_RATE=${FAULT_RATE:-5000}
FAULT_SEED=${FAULT_SEED:-$(date +%s)}
RANDOM=$FAULT_SEED
FAULT_DIR=$top/tests/fault
TOPIC=ioc.metrics.v1
# 16 partitions: kafka-mock keeps ~5 MB per partition; a backlog flushed
# after an outage must stay readable until the collector has it.
KAFKA_PARTITIONS=16
if grep -qa IOCD_COMMIT_TRACE "$IOCD"; then DURABLE=1; else DURABLE=0; fi
for tool in kcat jq mosquitto mosquitto_sub python3 timeout; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done
[ -x "$IOCD" ] || { echo "Bail out! $IOCD not built (run make first)"; exit 1; }
echo "# fault suite: seed $FAULT_SEED, $FAULT_RATE metrics/s offered, long=$FAULT_LONG," \
    "$([ "$DURABLE" = 1 ] && echo "durable outbox, commit trace" ||
        echo "NO durable outbox in this iocd: memory outbox, committed = what stdout printed")"

# fault_mosquitto NAME [PORT]: mosquitto with persistence (its database in
# $tmp/NAME.db/) and unlimited queues for offline persistent sessions, on
# PORT (a restart) or a free port. Sets MQTT_PORT_NAME and MQTT_PID_NAME.
fault_mosquitto() {
    local name=$1 port=${2:-} try pid
    mkdir -p "$tmp/$name.db"
    for ((try = 0; try < 10; try++)); do
        [ -n "${2:-}" ] || port=$((20000 + RANDOM % 40000))
        cat >"$tmp/$name.mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $tmp/$name.db/
user root
autosave_interval 5
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 100
CONF
        mosquitto -c "$tmp/$name.mosquitto.conf" >>"$tmp/$name.mosquitto.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        if wait_for 10 mqtt_up "$port"; then
            printf -v "MQTT_PORT_$name" '%s' "$port"
            printf -v "MQTT_PID_$name" '%s' "$pid"
            return 0
        fi
        stop_pid "$pid"
    done
    echo "Bail out! mosquitto $name did not start"
    tail -20 "$tmp/$name.mosquitto.log"
    exit 1
}
# mosquitto_stop NAME: a clean stop (SIGTERM: it saves its database, so the
# subscriber's session and queue survive; a broker killed -9 would lose
# what it had acknowledged, which is the broker's loss, not iocd's).
mosquitto_stop() { local v=MQTT_PID_$1; stop_pid "${!v}"; }
mosquitto_restart() { local v=MQTT_PORT_$1; fault_mosquitto "$1" "${!v}"; }

# fault_brokers [KAFKA-MOCK ARGS...]: mosquitto M and kafka-mock K (with a
# control file $tmp/control), and both collectors.
fault_brokers() {
    fault_mosquitto M
    fault_kafka "$@"
    collectors_start
}
# fault_kafka [ARGS...]: kafka-mock with the topic in KAFKA_PARTITIONS
# partitions (lib.sh's start_kafka creates 4) and a control file; sets
# KAFKA_K and KAFKA_PID_K.
fault_kafka() {
    "$top/$BUILD/tools/kafka-mock" --topic "$TOPIC:$KAFKA_PARTITIONS" --bootstrap-file "$tmp/K.kafka" \
        --control-file "$tmp/control" "$@" >"$tmp/K.kafka.out" 2>"$tmp/K.kafka.log" &
    KAFKA_PID_K=$!
    pids+=("$KAFKA_PID_K")
    if ! wait_for 10 test -s "$tmp/K.kafka"; then
        echo "Bail out! kafka-mock did not start"
        cat "$tmp/K.kafka.log"
        exit 1
    fi
    KAFKA_K=$(cat "$tmp/K.kafka")
}
# kafka_control WORDS...: kafka-mock's control file (down N, up N, leader
# TOPIC N), written atomically; waits (at most 20 s) until it is applied.
kafka_control() {
    echo "$*" >"$tmp/control.tmp" && mv "$tmp/control.tmp" "$tmp/control"
    wait_for 20 test ! -e "$tmp/control"
}

# collectors_start: the MQTT subscriber (persistent session "fault-sub",
# QoS 1, every line "RETAIN TOPIC PAYLOAD") into $tmp/mqtt.txt and the
# Kafka consumer ("PARTITION<TAB>OFFSET<TAB>KEY<TAB>PAYLOAD") into $tmp/kafka.tsv, each bounded by
# an overall timeout. mosquitto_sub reconnects by itself after a broker
# restart; kcat follows a broker down and up.
FAULT_MAX_S=$((FAULT_LONG == 1 ? 3000 : 570))
collectors_start() {
    timeout "$FAULT_MAX_S" mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -c -i fault-sub -q 1 \
        -F '%r %t %p' -t 'ioc/v1/96/#' >"$tmp/mqtt.txt" 2>"$tmp/mqtt.sub.log" &
    MQTT_SUB_PID=$!
    pids+=("$MQTT_SUB_PID")
    if ! wait_for 10 mqtt_probe; then
        echo "Bail out! the MQTT collector did not start"
        exit 1
    fi
    # kcat ends when every broker is down ("All broker connections are
    # down: terminating"): restarted from the beginning each time, in a
    # loop bounded in time; what it reads twice has the same partition and
    # offset, which the checker counts once.
    timeout "$FAULT_MAX_S" bash -c 'while :; do
        kcat -C -b "$1" -t "$2" -o beginning -u -q -X fetch.wait.max.ms=50 -f "%p\t%o\t%k\t%s\n"
        sleep 0.5
    done' kcat-loop "$KAFKA_K" "$TOPIC" >"$tmp/kafka.tsv" 2>"$tmp/kafka.sub.log" &
    KAFKA_SUB_PID=$!
    pids+=("$KAFKA_SUB_PID")
}
mqtt_probe() {
    mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT_M" -t ioc/v1/96/_probe/x -m probe -q 1 2>/dev/null &&
        grep -qF "ioc/v1/96/_probe/x probe" "$tmp/mqtt.txt" 2>/dev/null
}
# collectors_quiet [N]: wait until both files stop growing (2 s unchanged,
# at most N windows). collectors_stop [N]: that (when N > 0), then stop
# the collectors.
collectors_quiet() {
    local a b i
    for ((i = 0; i < ${1:-120}; i++)); do
        a=$(stat -c %s "$tmp/mqtt.txt" "$tmp/kafka.tsv" | paste -sd,)
        sleep 2
        b=$(stat -c %s "$tmp/mqtt.txt" "$tmp/kafka.tsv" | paste -sd,)
        [ "$a" = "$b" ] && return 0
    done
    return 1
}
collectors_stop() {
    [ "${1:-40}" -eq 0 ] || collectors_quiet "${1:-40}" || echo "# the collectors were still receiving when stopped"
    stop_pid "$MQTT_SUB_PID"
    stop_pid "$KAFKA_SUB_PID"
}

# fault_conf [RATE]: $tmp/conf, an iocd with both sinks (MQTT QoS 1 with
# on_change = false, so it takes every record), the durable outbox in
# $tmp/outbox when this iocd has one, and one http_json instance "bench"
# on feedsim's /bench feed at RATE metrics/s (cells = RATE / 2). Extra
# lines of the [outbox] section: OUTBOX_EXTRA.
fault_conf() {
    local rate=${1:-$FAULT_RATE} cells
    cells=$((rate / 2))
    PER_POLL=$((cells * 2))
    start_feedsim F --records "$cells"
    conf=$tmp/conf
    make_conf "$conf" "$([ "$DURABLE" = 1 ] && echo false || echo true)"
    sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 10s/' "$conf/iocd.conf"
    if [ "$DURABLE" = 1 ]; then
        OUTBOX=${OUTBOX:-$tmp/outbox}
        printf '\n[outbox]\ndir = %s\n%s\n' "$OUTBOX" "${OUTBOX_EXTRA:-}" >>"$conf/iocd.conf"
    fi
    cat >>"$conf/iocd.conf" <<CONF

[sink.mqtt]
enabled = true
port = $MQTT_PORT_M
qos = 1
on_change = false
reconnect_max = 2s
keepalive = 5s

[sink.kafka]
enabled = true
bootstrap_servers = $KAFKA_K
kafka.reconnect.backoff.max.ms = 1000
CONF
    sed -e "s|@FEED@|$FEED_F|g" -e "s|@RECORDS@|$cells|g" -e "s|@INTERVAL@|1s|g" \
        -e "s|@TIMEOUT@|20s|g" "$top/tests/bench/http_json_bench.conf.in" >"$conf/connectors.d/bench.conf"
}
# feed_stop / feed_start: the feed answers 503 (no new records) / serves again.
feed_stop() { feed_control "$FEED_F" "endpoint=bench&fault=http503" >/dev/null; }
feed_start() { feed_control "$FEED_F" "endpoint=bench&fault=none" >/dev/null; }

# iocd_start: one more run of iocd on the same configuration and state
# (run number RUN, logs $tmp/iocd.RUN.err), with the commit trace on.
RUN=0
STREAM_T0=
iocd_start() {
    [ -n "$STREAM_T0" ] || STREAM_T0=$(date +%s)
    RUN=$((RUN + 1))
    IOCD_COMMIT_TRACE=$tmp/trace.tsv start_iocd "iocd.$RUN" -c "$conf/iocd.conf"
    ERR=$tmp/iocd.$RUN.err
}
# iocd_publishing [N]: wait (at most 60 s) until this run has committed N
# more records (the trace grows; without the durable outbox: stdout).
emitted_now() { if [ "$DURABLE" = 1 ]; then { wc -l <"$tmp/trace.tsv" || echo 0; } 2>/dev/null; else cat "$tmp"/iocd.*.out 2>/dev/null | wc -l; fi; }
emitted_at_least() { [ "$(emitted_now)" -ge "$1" ]; }
iocd_publishing() { wait_for 60 emitted_at_least $(($(emitted_now) + ${1:-$PER_POLL})); }
# hwm PID: VmHWM of PID in KiB (0 when gone); RSS_PEAK_KB keeps the largest.
RSS_PEAK_KB=0
hwm() {
    local v
    v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null)
    v=${v:-0}
    [ "$v" -gt "$RSS_PEAK_KB" ] && RSS_PEAK_KB=$v
    echo "$v"
}
# iocd_stop [SIGNAL]: stop this run (TERM by default, KILL for kill -9),
# its VmHWM read first; sets stop_rc.
iocd_stop() {
    hwm "$IOCD_PID" >/dev/null
    stop_pid "$IOCD_PID" "${1:-TERM}"
}
# counters_line: the last "outbox:" counters line of this run (SIGUSR1).
outbox_counters() {
    local before
    before=$(count_lines "$ERR" " outbox: ")
    kill -USR1 "$IOCD_PID" 2>/dev/null
    wait_for 5 at_least $((before + 1)) "$ERR" " outbox: "
    grep -F " outbox: " "$ERR" | tail -1
}

# fault_check NAME [CHECKER ARGS...]: the checker on what was collected;
# one TAP line per sink ("lost 0"), the figures as comments; the checker's
# JSON in $tmp/NAME.json.
fault_check() {
    local name=$1 sink lost
    shift
    local committed=(--trace "$tmp/trace.tsv")
    [ "$DURABLE" = 1 ] || committed=(--emitted "$tmp/stdout.jsonl")
    cat "$tmp"/iocd.*.out >"$tmp/stdout.jsonl" 2>/dev/null
    python3 "$FAULT_DIR/check_delivery.py" "${committed[@]}" --mqtt "$tmp/mqtt.txt" \
        --kafka "$tmp/kafka.tsv" --json "$tmp/$name.json" "$@" >"$tmp/$name.check" 2>&1
    sed 's/^/# /' "$tmp/$name.check"
    for sink in mqtt kafka; do
        lost=$(jq -r ".$sink.lost // \"?\"" "$tmp/$name.json" 2>/dev/null)
        check "$name: $sink: committed records all delivered (lost ${lost:-?})" \
            jqe ".$sink.ok and .$sink.committed > 0" "$tmp/$name.json"
    done
    echo "# $name: iocd runs $RUN, RSS peak $((RSS_PEAK_KB / 1024)) MiB ($RSS_PEAK_KB kB VmHWM)"
}

# On exit: FAULT_KEEP=DIR keeps this scenario's files (logs, trace,
# collected messages) in DIR/NAME for a look after a failure; a tmpfs the
# scenario mounted (MOUNTED) is unmounted once the processes are stopped,
# before lib.sh's cleanup removes $tmp.
MOUNTED=
fault_exit() {
    local pid
    [ -n "${FAULT_KEEP:-}" ] && mkdir -p "$FAULT_KEEP" && cp -a "$tmp" "$FAULT_KEEP/$(basename "$0" .sh)"
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && stop_pid "$pid"; done
    [ -n "$MOUNTED" ] && umount -l "$MOUNTED"
    cleanup
}
trap fault_exit EXIT

# drained: the outbox's backlog is 0 bytes for both sinks (polled with
# SIGUSR1, so not more than about once a second).
drained() { sleep 0.9; outbox_counters | grep -qE "backlog mqtt=0B kafka=0B"; }

# fault_end NAME [CHECKER ARGS...]: the common end of a scenario: the feed
# stops (no new records), the backlog drains into the collectors, iocd's
# counters are printed and it stops with SIGTERM (exit 0), then the check.
fault_end() {
    local name=$1
    shift
    feed_stop
    echo "# $name: $(emitted_now) records committed in $(($(date +%s) - STREAM_T0)) s of stream" \
        "($(($(emitted_now) / ($(date +%s) - STREAM_T0 + 1)))/s, outages and restarts included)"
    # Drained: the outbox holds nothing for either sink (durable), then
    # the collectors have heard the last of it.
    if [ "$DURABLE" = 1 ]; then
        local until=$((SECONDS + ${FAULT_DRAIN_S:-300}))
        until drained; do
            [ "$SECONDS" -lt "$until" ] && continue
            echo "# $name: a backlog was left after ${FAULT_DRAIN_S:-300} s: $(untimed <(outbox_counters))"
            break
        done
    fi
    collectors_quiet "${FAULT_DRAIN_WINDOWS:-100}" ||
        echo "# $name: the collectors were still receiving after $((2 * ${FAULT_DRAIN_WINDOWS:-100})) s"
    if [ "$DURABLE" = 1 ]; then echo "# $(untimed <(outbox_counters))"; fi
    iocd_stop TERM
    same 0 "$stop_rc" "$name: the last run stops on SIGTERM with exit status 0"
    untimed "$ERR" | grep -F "info: iocd: stopped: " | tail -1 | sed 's/^/# /'
    collectors_stop 2
    fault_check "$name" "$@"
}
