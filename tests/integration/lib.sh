# lib.sh - shared helpers of the integration tests (sourced, not run).
#
# TAP output (pass/fail/check/same), temporary directories removed on exit,
# processes started in the background and stopped by PID on exit, bounded
# waits, a feed simulator on a free loopback port, and a scratch iocd
# configuration tree. Every wait is bounded in count and time; nothing here
# asserts a duration.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
IOCD=$top/$BUILD/iocd
FEEDSIM=$top/$BUILD/tools/feedsim
GAZETTEER=$top/conf/gazetteer/vn-2025-07.tsv
CURL=(curl -s --max-time 20)

tmp=$(mktemp -d)
pids=()
n=0
failed=0

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
    local desc=$1
    shift
    if "$@"; then pass "$desc"; else fail "$desc"; fi
}
# same EXPECTED ACTUAL DESCRIPTION
# jqe ARGS...: jq -e without printing the result.
jqe() { jq -e "$@" >/dev/null; }
same() {
    if [ "$1" == "$2" ]; then
        pass "$3"
    else
        fail "$3"
        echo "#   expected: $1"
        echo "#   got:      $2"
    fi
}
# contains FILE TEXT DESCRIPTION: fixed-string search, shows the file on failure.
contains() {
    if grep -qF -- "$2" "$1"; then
        pass "$3"
    else
        fail "$3"
        echo "#   '$2' not found in $1:"
        tail -20 "$1" | sed 's/^/#   /'
    fi
}
# valid_records FILE DESCRIPTION: every line is a record valid against
# docs/metric.schema.json.
valid_records() {
    if tests/tools/validate-records docs/metric.schema.json "$1" >"$tmp/validate.log" 2>&1; then
        pass "$2 ($(tail -1 "$tmp/validate.log"))"
    else
        fail "$2"
        head -10 "$tmp/validate.log" | sed 's/^/#   /'
    fi
}
finish() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}

# stop_pid PID [SIGNAL]: signal (TERM by default), wait up to 10 s, then
# KILL. Sets stop_rc to the exit status.
stop_pid() {
    local pid=$1 sig=${2:-TERM} i
    stop_rc=
    kill "-$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; stop_rc=$?; return 0; }
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    stop_rc=$?
}

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && stop_pid "$pid"; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # so that cleanup runs when the runner's timeout fires

# wait_for SECONDS COMMAND...: poll every 0.1 s until the command succeeds.
wait_for() {
    local limit=$(($1 * 10)) i
    shift
    for ((i = 0; i < limit; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
# Log lines off the journal start with their time (log.h):
# "2026-12-02T14:05:09.123+07:00 info: iocd: ...". LOG_TIME is that
# prefix as a grep -E/sed -E pattern; untimed FILE prints FILE without it,
# for tests that compare whole lines.
LOG_TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} '
untimed() { sed -E "s/^$LOG_TIME//" "$1"; }
# count_lines FILE TEXT: how many lines contain TEXT.
count_lines() { grep -cF -- "$2" "$1" 2>/dev/null || true; }
# at_least N FILE TEXT: at least N lines contain TEXT.
at_least() { [ "$(count_lines "$2" "$3")" -ge "$1" ]; }

# start_feedsim NAME ARGS...: feed simulator on a free port; sets
# FEED_<NAME> to its base URL. Bails out if it does not come up.
start_feedsim() {
    local name=$1 pid port
    shift
    "$FEEDSIM" --gazetteer "$GAZETTEER" --port 0 --port-file "$tmp/$name.port" "$@" \
        >"$tmp/$name.feedsim.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_for 10 test -s "$tmp/$name.port"; then
        echo "Bail out! feedsim $name did not start"
        cat "$tmp/$name.feedsim.log"
        exit 1
    fi
    port=$(cat "$tmp/$name.port")
    printf -v "FEED_$name" 'http://127.0.0.1:%s' "$port"
}
# feed_control URL QUERY: POST /_control?QUERY; prints the HTTP status.
feed_control() { "${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST "$1/_control?$2"; }

# make_conf DIR [STDOUT]: a scratch configuration tree in DIR (iocd.conf,
# empty connectors.d/) using the build's plugins and a private state dir.
make_conf() {
    local dir=$1 stdout=${2:-true}
    mkdir -p "$dir/connectors.d"
    cat >"$dir/iocd.conf" <<CONF
[iocd]
province = 96
plugin_path = $top/$BUILD/connectors
state_dir = $dir/state
gazetteer = $GAZETTEER
shutdown_timeout = 3s
stats_interval = 0

[sink.stdout]
enabled = $stdout
CONF
}
# add_example DIR NAME URL ["key = value"...]: an example connector
# instance polling every second; the given lines override the defaults.
add_example() {
    local dir=$1 name=$2 url=$3 key line
    shift 3
    local -A lines=([plugin]="plugin = example" [interval]="interval = 1s"
                    [timeout]="timeout = 3s" [url]="url = $url")
    for line in "$@"; do
        key=${line%% =*}
        lines[$key]=$line
    done
    for key in "${!lines[@]}"; do echo "${lines[$key]}"; done >"$dir/connectors.d/$name.conf"
}
# start_iocd NAME ARGS...: iocd in the background, stdout to
# $tmp/NAME.out, stderr to $tmp/NAME.err; sets IOCD_PID.
start_iocd() {
    local name=$1
    shift
    "$IOCD" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    IOCD_PID=$!
    pids+=("$IOCD_PID")
}

# start_mosquitto NAME [PORT]: Debian's mosquitto on 127.0.0.1, on PORT or
# a free port (tried at random, bounded), no persistence. Sets
# MQTT_PORT_<NAME> and MQTT_PID_<NAME>; bails out if it does not come up.
start_mosquitto() {
    local name=$1 port=${2:-} try pid
    for ((try = 0; try < 10; try++)); do
        [ -n "${2:-}" ] || port=$((20000 + RANDOM % 40000))
        # MOSQUITTO_EXTRA: more configuration lines (the bench sets one).
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n%s' "$port" \
            "${MOSQUITTO_EXTRA:-}" >"$tmp/$name.mosquitto.conf"
        mosquitto -c "$tmp/$name.mosquitto.conf" >"$tmp/$name.mosquitto.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        if wait_for 5 mqtt_up "$port"; then
            printf -v "MQTT_PORT_$name" '%s' "$port"
            printf -v "MQTT_PID_$name" '%s' "$pid"
            return 0
        fi
        stop_pid "$pid"
    done
    echo "Bail out! mosquitto $name did not start"
    cat "$tmp/$name.mosquitto.log"
    exit 1
}
# mqtt_up PORT: a broker answers on 127.0.0.1:PORT.
mqtt_up() { timeout 2 mosquitto_pub -p "$1" -h 127.0.0.1 -t iocd-test/ping -m x -q 1 2>/dev/null; }
# mqtt_heard PORT TOPIC FILE: publish "probe" on TOPIC and see it in FILE,
# the "topic payload" lines of a subscriber.
mqtt_heard() {
    mosquitto_pub -h 127.0.0.1 -p "$1" -t "$2" -m probe -q 1 2>/dev/null && grep -qxF "$2 probe" "$3"
}
# start_mqtt_sub PORT FILTER FILE: a subscriber (at most 120 s) writing
# every message on FILTER (ending in /#) to FILE as "topic payload" lines,
# in order; returns once it hears a probe on FILTER's .../probe, so iocd
# started after it is heard from its first message. Sets SUB_PID.
start_mqtt_sub() {
    timeout 120 mosquitto_sub -h 127.0.0.1 -p "$1" -v -t "$2" >"$3" 2>"$3.err" &
    SUB_PID=$!
    pids+=("$SUB_PID")
    if ! wait_for 10 mqtt_heard "$1" "${2%#}probe" "$3"; then
        echo "Bail out! the subscriber on $2 did not start"
        exit 1
    fi
}
# mqtt_retained PORT TOPIC-FILTER FILE: every retained message, "topic payload".
mqtt_retained() {
    timeout 10 mosquitto_sub -h 127.0.0.1 -p "$1" -t "$2" -v --retained-only -W 2 >"$3" 2>/dev/null
    return 0
}

# add_sink_mqtt DIR PORT: enable [sink.mqtt] in DIR/iocd.conf.
add_sink_mqtt() {
    printf '\n[sink.mqtt]\nenabled = true\nport = %s\nreconnect_max = 2s\nkeepalive = 5s\n' "$2" \
        >>"$1/iocd.conf"
}

# start_kafka NAME [ARGS...]: the local Kafka broker (tools/kafka-mock) with
# topic ioc.metrics.v1 and kafka-mock's ARGS (e.g. --brokers 3); sets
# KAFKA_<NAME> (bootstrap address) and KAFKA_PID_<NAME>.
start_kafka() {
    local name=$1 pid
    shift
    "$top/$BUILD/tools/kafka-mock" --topic ioc.metrics.v1 --bootstrap-file "$tmp/$name.kafka" \
        "$@" >"$tmp/$name.kafka.out" 2>"$tmp/$name.kafka.log" &
    pid=$!
    pids+=("$pid")
    if ! wait_for 10 test -s "$tmp/$name.kafka"; then
        echo "Bail out! kafka-mock $name did not start"
        cat "$tmp/$name.kafka.log"
        exit 1
    fi
    printf -v "KAFKA_$name" '%s' "$(cat "$tmp/$name.kafka")"
    printf -v "KAFKA_PID_$name" '%s' "$pid"
}
# add_sink_kafka DIR BOOTSTRAP: enable [sink.kafka] in DIR/iocd.conf.
add_sink_kafka() {
    printf '\n[sink.kafka]\nenabled = true\nbootstrap_servers = %s\nkafka.reconnect.backoff.max.ms = 1000\n' \
        "$2" >>"$1/iocd.conf"
}
# kafka_consume BOOTSTRAP FILE: every message of ioc.metrics.v1 so far, as
# "key<TAB>payload" lines.
kafka_consume() {
    timeout 60 kcat -C -b "$1" -t ioc.metrics.v1 -o beginning -e -q -f '%k\t%s\n' >"$2" 2>/dev/null
}
# counter LOGFILE "PREFIX" NAME: the last value of NAME=... on lines with PREFIX.
counter() { grep -F -- "$2" "$1" | tail -1 | sed -n "s/.* $3=\([0-9]*\).*/\1/p"; }
# status_state PORT NAME: the state of connector NAME's retained status
# topic on the broker at 127.0.0.1:PORT (JSON, docs/status.schema.json:
# starting, ok, degraded, failed, offline), or nothing.
status_state() {
    timeout 5 mosquitto_sub -h 127.0.0.1 -p "$1" -t "ioc/v1/96/_status/$2" -C 1 -W 3 2>/dev/null |
        jq -r .state 2>/dev/null
}
# state_is PORT NAME STATE: NAME's retained status says STATE.
state_is() { [ "$(status_state "$1" "$2")" = "$3" ]; }
# start_subscriber NAME FILTER FILE: a live subscriber (QoS 1, "topic
# payload" lines into FILE, at most 60 s) on broker NAME (start_mosquitto),
# connected before this returns; sets SUB_PID.
start_subscriber() {
    local port_var=MQTT_PORT_$1 before
    before=$(count_lines "$tmp/$1.mosquitto.log" "New client connected")
    timeout 60 mosquitto_sub -h 127.0.0.1 -p "${!port_var}" -t "$2" -v -q 1 >"$3" 2>/dev/null &
    SUB_PID=$!
    pids+=("$SUB_PID")
    wait_for 5 at_least $((before + 1)) "$tmp/$1.mosquitto.log" "New client connected"
}
# status_texts FILE: the "topic payload" lines of FILE whose topic is a
# connector's status (JSON, docs/status.schema.json) as "topic text", text
# being online (state ok or starting), "degraded: <last_error>", "failed:
# <last_error>" or offline; a status published again unchanged (it is, after
# every poll: its counters move) is printed once. Other lines are left out.
status_texts() {
    grep -a '/_status/' "$1" 2>/dev/null |
        jq -R -r 'capture("^(?<t>[^ ]+) (?<p>.*)$") | .t + " " +
            ((.p | fromjson? // {}) as $s |
             if $s.state == "ok" or $s.state == "starting" then "online"
             elif $s.state == "degraded" or $s.state == "failed" then $s.state + ": " + ($s.last_error // "")
             else ($s.state // "?") end)' |
        awk '{ topic = $1 } last[topic] != $0 { print; last[topic] = $0 }'
}
# status_heard FILE "TOPIC TEXT": status_texts of FILE has that line.
status_heard() { status_texts "$1" | grep -qxF -- "$2"; }
