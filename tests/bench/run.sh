#!/usr/bin/env bash
# run.sh - `make bench`: how close iocd comes to the limit of its job on
# this machine (issue 6). Reports figures, never fails the build on a time;
# exits 1 only when a run within capacity lost metrics, an overload run did
# not degrade gracefully, or the bench could not run.
#
# On 127.0.0.1 only, on free ports: one mosquitto and one kafka-mock for
# the whole bench, a fresh feedsim and a fresh iocd per run (both sinks on,
# iocd's default sink settings: MQTT QoS 1 retained, max_inflight 100;
# Kafka idempotent, acks=all, lz4). Every process is stopped by PID, every
# wait is bounded.
#
#   1. throughput: iocd at a 1 s interval for WINDOW s (after WARM s),
#      with the telecom connector (feedsim's report has at most 192 items:
#      1 / 4 / 16 / 64 instances, and a 24-item report) and with http_json
#      on feedsim's /bench feed (N = 1,000 / 10,000 / 20,000 / 100,000
#      cells, 2 metrics each; and 4 / 16 instances of N = 1,000); the
#      http_json rows say "skipped" while that plugin does not load.
#      Delivered vs expected: MQTT from iocd's PUBACK counters (SIGUSR1 and
#      the final counters), Kafka from the topic's high watermarks; any
#      difference is a LOSS, reported as a failure of the run. telecom x64
#      and N = 100,000 are overload runs (more than 2 cores can carry):
#      they must degrade gracefully (every lost metric counted in
#      dropped_full, RSS bounded, no crash, clean exit).
#   2. the limit: raw_publish (same records, same client settings) and
#      raw_parse (same bodies) measured in the same bench; ratio = iocd
#      CPU per metric / (publish + parse CPU per metric). Beside it the
#      wire floor (wire_floor: the same PUBLISH packets written on a plain
#      socket in batches, PUBACKs read in bulk).
#   2c. publish on change (issue 13): http_json-n10k-change10, feedsim's
#      /bench?change=0.1 (10 % of the cells change per poll) with
#      [sink.mqtt] on_change = true (the default; the rows above set it
#      false: they measure publishing every observation): MQTT messages
#      per poll at a subscriber as a fraction of the series, iocd CPU per
#      poll as a ratio to peer-iocd-n10k's (http_json-n10k again, with
#      the same subscriber), Kafka counted (every observation).
#   2d. the peer: collectd 5.12 (Debian's collectd-core, installed by
#      `tools/deps.sh --bench`, which `make bench` runs) on the same feed,
#      broker, window and subscriber as peer-iocd-n10k, after it: curl_json -> mqtt
#      (QoS 1, retained) + write_kafka; a subscriber counts MQTT for both,
#      the topics' watermarks count Kafka; CPU per MQTT delivery as a
#      ratio of iocd's to collectd's, each one's delivered fraction.
#   3. latency: probe timestamps the arrival of one metric per poll at an
#      MQTT subscriber and a Kafka consumer; feedsim logs when each
#      generation's first request reached it; p50/p99 of the difference.
#   4. idle: 10 connectors at a 60 s interval, CPU and context switches
#      (every thread of iocd, /proc/PID/task/*) over 30 s.
#   5. scaling: CPU per metric across N and across connector counts.
#   6. the durable outbox (issue 15 item 8, tests/bench/outbox_cost.sh):
#      http_json at N = BENCH_OUTBOX_N (default 5,000: 10,000 metrics/s)
#      with the memory outbox (first and last) and with [outbox] dir at
#      fsync = poll, interval, never: CPU per metric as a ratio to the
#      memory outbox's, fsyncs per second, records per fsync; every row
#      lossless, a restart included (BENCH_ONLY=outbox runs these alone).
#
# Output: a Markdown report on stdout, JSON in $BUILD/bench/results.json,
# logs in $BUILD/bench/logs/. Settings (environment): BENCH_WINDOW
# (default 20 s), BENCH_WARM (4 s), BENCH_ONLY (a regular expression on run
# names, e.g. 'telecom-x1|idle' or 'http_json-n10k|peer-' for issue 13's rows
# for issue 13's rows; empty: all), BENCH_OUTBOX_MAX_BYTES (the
# [outbox] max_bytes of every run, e.g. 16MiB; empty: iocd's default).
set -u
source "$(dirname "$0")/../integration/lib.sh" # cd's to the top; helpers, cleanup
source "$top/tests/bench/outbox_cost.sh"

BENCH=$top/$BUILD/bench
OUT=$BENCH
LOGS=$OUT/logs
WINDOW=${BENCH_WINDOW:-20}
WARM=${BENCH_WARM:-4}
ONLY=${BENCH_ONLY:-}
OUTBOX_MAX_BYTES=${BENCH_OUTBOX_MAX_BYTES:-} # empty: iocd's default
OUTBOX_DIR='' OUTBOX_FSYNC='' # set per run by the outbox rows (outbox_cost.sh)
HZ=$(getconf CLK_TCK)
TOPIC=ioc.metrics.v1
TELECOM_BASE=2025-07-05T09:00:00+07:00
TEMPLATE=$top/tests/bench/http_json_bench.conf.in
started_at=$(date +%s)
rm -rf "$LOGS" "$OUT/runs.jsonl"
mkdir -p "$LOGS"
: >"$OUT/runs.jsonl"
run_failures=0

for b in iocd tools/feedsim tools/kafka-mock bench/raw_publish bench/raw_parse bench/probe \
    bench/kafka_offsets bench/wire_floor; do
    [ -x "$top/$BUILD/$b" ] || { echo "run.sh: $BUILD/$b is not built (make bench builds it)" >&2; exit 1; }
done
for tool in mosquitto mosquitto_sub stdbuf curl jq awk; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed (make deps)" >&2; exit 1; }
done

log() { printf '[bench %3ds] %s\n' "$(($(date +%s) - started_at))" "$*" >&2; }
wanted() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }
now_us() { date +%s%6N; }
# sleep_to_second T0 S: sleep until S seconds after T0 (µs), so a loop's
# samples stay one second apart whatever each one cost.
sleep_to_second() {
    sleep "$(awk -v t0="$1" -v s="$2" -v now="$(now_us)" 'BEGIN {d = (t0 + s * 1e6 - now) / 1e6; print (d > 0 ? d : 0)}')"
}

### /proc readers #############################################################

# cpu_ticks PID: user+system time of the whole process (dead threads
# included), in clock ticks.
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# machine_ticks: "busy total" ticks of all CPUs.
machine_ticks() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
# vm PID FIELD: VmRSS / VmHWM in KiB.
vm() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# threads PID: "tid comm runtime_ns voluntary nonvoluntary" per thread.
threads() {
    local t
    for t in /proc/"$1"/task/*; do
        [ -r "$t/schedstat" ] || continue
        printf '%s %s %s %s\n' "${t##*/}" "$(tr ' ' '_' <"$t/comm")" "$(cut -d' ' -f1 "$t/schedstat")" \
            "$(awk '/^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2} END {print v + 0, n + 0}' "$t/status")"
    done 2>/dev/null
}

### brokers for the whole bench ###############################################

# set_tcp_nodelay: without it mosquitto Nagles its PUBACKs, and a client
# that writes a batch and then waits for the batch's PUBACKs (the wire
# floor, and iocd's sink once it batches) waits for Linux's delayed ACK,
# up to 40 ms per batch. libmosquitto's own rows cost the same either way
# (measured: 31.1 vs 32.0 µs per message in one run).
# max_queued_messages: a counting subscriber (QoS 1) must not lose what
# falls behind; mosquitto's default drops beyond 1,000 queued per client,
# which a poll of 20,000 changes exceeds.
MOSQUITTO_EXTRA=$'set_tcp_nodelay true\nmax_queued_messages 10000000\n' start_mosquitto broker
MQTT_PORT=$MQTT_PORT_broker
MQTT_PID=$MQTT_PID_broker
start_kafka broker
KAFKA=$KAFKA_broker
KAFKA_PID=$KAFKA_PID_broker
# kafka_count [TOPIC]: messages the topic ($TOPIC by default) ever received.
kafka_count() { timeout 20 "$BENCH/kafka_offsets" "$KAFKA" "${1:-$TOPIC}" 2>/dev/null || echo -1; }
kafka_up() { [ "$(kafka_count)" -ge 0 ]; }
wait_for 10 kafka_up || { echo "run.sh: kafka-mock does not answer" >&2; exit 1; }
log "mosquitto on 127.0.0.1:$MQTT_PORT, kafka-mock on $KAFKA"

### configurations ############################################################

# write_conf DIR STDOUT MQTT KAFKA: iocd.conf with the sinks' defaults.
write_conf() {
    local dir=$1
    rm -rf "$dir"
    mkdir -p "$dir/connectors.d"
    cat >"$dir/iocd.conf" <<CONF
[iocd]
province = 96
plugin_path = $top/$BUILD/connectors
state_dir = $dir/state
gazetteer = $GAZETTEER
shutdown_timeout = 30s
stats_interval = 0

[sink.stdout]
enabled = $2
CONF
    # on_change = false: these runs measure publishing every observation
    # (what "expected" counts, and what the raw limit does); with the
    # default, telecom's unchanging report would be skipped, not delivered.
    # The change-fraction rows set ON_CHANGE=true (the sink's default).
    [ "$3" = true ] && printf '\n[sink.mqtt]\nenabled = true\nport = %s\non_change = %s\n' "$MQTT_PORT" \
        "${ON_CHANGE:-false}" >>"$dir/iocd.conf"
    [ "$4" = true ] && printf '\n[sink.kafka]\nenabled = true\nbootstrap_servers = %s\n' "$KAFKA" >>"$dir/iocd.conf"
    outbox_section >>"$dir/iocd.conf"
}

# add_instance DIR NAME KIND FEED RECORDS INTERVAL: one connector instance.
add_instance() {
    local dir=$1 name=$2 kind=$3 feed=$4 records=$5 interval=$6
    case $kind in
    telecom)
        printf 'plugin = telecom\ninterval = %s\ntimeout = 20s\nurl = %s/bench-telecom\npage_size = 500\nmax_pages = 50\n' \
            "$interval" "$feed" >"$dir/connectors.d/$name.conf"
        ;;
    http_json)
        sed -e "s|@FEED@|$feed|g" -e "s|@RECORDS@|$records|g" -e "s|@INTERVAL@|$interval|g" \
            -e "s|@TIMEOUT@|20s|g" "$TEMPLATE" >"$dir/connectors.d/$name.conf"
        # CHANGE=F: feedsim changes only that fraction of the cells per poll.
        [ -z "${CHANGE:-}" ] || sed -i "s|^url = .*/bench\$|&?change=$CHANGE|" "$dir/connectors.d/$name.conf"
        ;;
    esac
}

# Which metric a latency probe follows, per connector kind.
probe_args() {
    case $1 in
    telecom)
        echo "--topic ioc/v1/96/+/telecom.subscribers.mobile/31825/viettel"
        echo "--key-suffix /telecom.subscribers.mobile/31825/viettel --decode ts-minutes:$TELECOM_BASE"
        ;;
    http_json)
        sed -n 's/^;@probe_topic[[:space:]]*/--topic /p; s/^;@probe_key_suffix[[:space:]]*/--key-suffix /p; s/^;@probe_decode[[:space:]]*/--decode /p' "$TEMPLATE"
        ;;
    esac
}
# The feed URL a connector kind reads (for curl: raw_parse's bodies).
feed_url() {
    case $1 in
    telecom) echo "$2/bench-telecom?page=1&pageSize=500" ;;
    http_json) echo "$2/bench?page=1&size=$3" ;;
    esac
}

# http_json_missing: why http_json cannot run (empty when it can).
http_json_missing() {
    if [ ! -f "$top/$BUILD/connectors/http_json.so" ]; then
        echo "http_json connector not built"
    elif ! "$top/$BUILD/iocd" --describe http_json >/dev/null 2>&1; then
        echo "http_json connector not built (the plugin does not load: $("$top/$BUILD/iocd" --describe http_json 2>&1 | head -1))"
    elif [ ! -f "$TEMPLATE" ]; then
        echo "no $TEMPLATE"
    fi
}

### one iocd run ##############################################################

# window_end PID: at the end of a run's window, is it alive (ALIVE=yes/no)
# and its peak RSS (HWM, KiB).
window_end() {
    ALIVE=yes
    kill -0 "$1" 2>/dev/null || ALIVE=no
    HWM=$(vm "$1" VmHWM)
}

# stop_iocd PID: SIGTERM, then up to 45 s (shutdown_timeout is 30 s) before
# SIGKILL. Sets stop_rc.
stop_iocd() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 450; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    stop_rc=$?
}

# counters_now PID LOG: SIGUSR1, then print the counter lines it produced
# (bounded: 5 s).
counters_now() {
    local pid=$1 logf=$2 before i
    before=$(wc -l <"$logf")
    kill -USR1 "$pid" 2>/dev/null || return 1
    for ((i = 0; i < 50; i++)); do
        tail -n +"$((before + 1))" "$logf" | grep -q 'sink kafka: queued=' &&
            { [ -z "$OUTBOX_DIR" ] || tail -n +"$((before + 1))" "$logf" | grep -q 'outbox: dir='; } && break
        sleep 0.1
    done
    tail -n +"$((before + 1))" "$logf" | grep -E 'counters: polls_ok=|sink (mqtt|kafka): queued=|outbox: dir='
}
# field TEXT PATTERN NAME: NAME=value on the line matching PATTERN (summed
# over lines).
field() { printf '%s\n' "$1" | grep -E -- "$2" | sed -n "s/.* $3=\([0-9]*\).*/\1/p" | awk '{s += $1} END {print s + 0}'; }

# snapshot PID LOG PREFIX OTHER_PIDS...: counters, CPU and time into
# variables PREFIX_*.
snapshot() {
    local pid=$1 logf=$2 p=$3 text o
    shift 3
    local t cpu mt
    t=$(now_us)
    cpu=$(cpu_ticks "$pid")
    mt=$(machine_ticks)
    text=$(counters_now "$pid" "$logf")
    printf -v "${p}_t" '%s' "$t"
    printf -v "${p}_cpu" '%s' "$cpu"
    printf -v "${p}_mbusy" '%s' "${mt% *}"
    printf -v "${p}_mtotal" '%s' "${mt#* }"
    printf -v "${p}_emitted" '%s' "$(field "$text" 'counters: polls_ok=' metrics)"
    printf -v "${p}_polls" '%s' "$(field "$text" 'counters: polls_ok=' polls_ok)"
    printf -v "${p}_failed" '%s' "$(field "$text" 'counters: polls_ok=' polls_failed)"
    printf -v "${p}_mq_del" '%s' "$(field "$text" 'sink mqtt: queued=' delivered)"
    # A requeue into a full outbox drops too, in its own counter (issue 17).
    printf -v "${p}_mq_drop" '%s' "$(($(field "$text" 'sink mqtt: queued=' dropped_full) + $(field "$text" 'sink mqtt: queued=' dropped_requeue)))"
    printf -v "${p}_mq_back" '%s' "$(($(field "$text" 'sink mqtt: queued=' in_outbox) + $(field "$text" 'sink mqtt: queued=' in_flight)))"
    printf -v "${p}_kf_del" '%s' "$(field "$text" 'sink kafka: queued=' delivered)"
    # A requeue into a full outbox drops too, in its own counter (issue 17).
    printf -v "${p}_kf_drop" '%s' "$(($(field "$text" 'sink kafka: queued=' dropped_full) + $(field "$text" 'sink kafka: queued=' dropped_requeue)))"
    printf -v "${p}_kf_back" '%s' "$(($(field "$text" 'sink kafka: queued=' in_outbox) + $(field "$text" 'sink kafka: queued=' in_librdkafka)))"
    printf -v "${p}_ob" '%s' "$(outbox_fields "$text")"
    local others=""
    for o in "$@"; do others+="$(cpu_ticks "$o") "; done
    printf -v "${p}_others" '%s' "$others"
}

# sub_start NAME FILTER PING_TOPIC FILE: a live subscriber (QoS 1; -R: no
# retained replays) writing "topic payload" lines to FILE; returns once a
# ping on PING_TOPIC (inside FILTER) has come back (bounded: 10 s). Sets
# SUB_PID.
sub_start() {
    local name=$1 filter=$2 ping=$3 file=$4
    stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -R -F '%t %p' -t "$filter" \
        -i "bench-sub-$name" >"$file" 2>"$LOGS/$name.sub.log" &
    SUB_PID=$!
    pids+=("$SUB_PID")
    wait_for 10 sub_ready "$ping" "$file" || log "$name: the subscriber did not subscribe in time"
}
# sub_ready PING_TOPIC FILE: publish a ping; true once one has reached FILE.
sub_ready() {
    timeout 2 mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t "$1" -m ping 2>/dev/null
    sleep 0.1
    grep -q "^$1 " "$2"
}
# sub_count FILE: the messages a subscriber received, status and ping
# topics left out.
# The records only: not the status topics, the bench's pings, nor the KPI
# layer's summaries and alerts (ioc/v1/96/_summary/SOURCE, _alert/...).
sub_count() { grep -cv -e '^[^ ]*/_status/' -e '^[^ ]*/_bench/' -e '^[^ ]*/_summary/' -e '^[^ ]*/_alert/' "$1" || true; }
# sub_has FILE N: the subscriber has received at least N messages.
sub_has() { [ "$(sub_count "$1")" -ge "$2" ]; }
# sub_per_poll FILE: the messages of each poll at the subscriber, one count
# a line in poll order: records are grouped by their "ts" (the feed's
# updatedAt, one per generation), the first poll (everything is new)
# left out.
sub_per_poll() {
    grep -v -e '^[^ ]*/_status/' -e '^[^ ]*/_bench/' -e '^[^ ]*/_summary/' -e '^[^ ]*/_alert/' "$1" |
        grep -o '"ts":"[^"]*"' | sort | uniq -c |
        awk 'NR > 1 {print $1}'
}

# capture DIR KIND FEED RECORDS FILE: one poll's records, as iocd publishes
# them (iocd --once, stdout sink only). Prints how many.
capture() {
    local dir=$1 kind=$2 feed=$3 records=$4 file=$5
    write_conf "$dir" true false false
    add_instance "$dir" cap "$kind" "$feed" "$records" 1s
    timeout 120 "$top/$BUILD/iocd" -c "$dir/iocd.conf" --once >"$file" 2>"$dir.once.log"
    wc -l <"$file"
}

# raw_limit NAME KIND FEED RECORDS COUNT METRICS_PER_POLL BURST: raw_parse
# on three fresh bodies, and raw_publish of COUNT captured records in
# bursts of BURST (what iocd publishes per round of polls), three times,
# and wire_floor (the same PUBLISH packets written on a plain socket in
# batches, PUBACKs read in bulk: the floor for MQTT QoS 1) three times:
# the median of each cost is kept (this machine is shared and noisy).
# Prints a JSON object.
raw_limit() {
    local name=$1 kind=$2 feed=$3 records=$4 count=$5 per_poll=$6 burst=$7 i pubs="" wires="" parse
    for i in 1 2 3; do
        curl -s --max-time 60 -o "$LOGS/$name.body$i.json" "$(feed_url "$kind" "$feed" "$records")"
    done
    parse=$("$BENCH/raw_parse" --min-cpu 0.5 "$LOGS/$name.body"{1,2,3}.json 2>>"$LOGS/$name.raw.log")
    for i in 1 2 3; do
        pubs+=$(timeout 200 "$BENCH/raw_publish" --records "$LOGS/$name.records.jsonl" --count "$count" \
            --burst "$burst" --mqtt-port "$MQTT_PORT" --kafka "$KAFKA" --topic "$TOPIC" 2>>"$LOGS/$name.raw.log")
        wires+=$(timeout 200 "$BENCH/wire_floor" --records "$LOGS/$name.records.jsonl" --count "$count" \
            --burst "$burst" --mqtt-port "$MQTT_PORT" 2>>"$LOGS/$name.raw.log")
        wires+=$'\n'
    done
    rm -f "$LOGS/$name.body"{1,2,3}.json
    jq -n --argjson parse "${parse:-null}" --argjson per "$per_poll" --slurpfile pubs <(printf '%s\n' "$pubs") \
        --slurpfile wires <(printf '%s\n' "$wires") '
        def median: sort | .[(length - 1) / 2 | floor];
        ($pubs | map(select(.ok))) as $ok
        | (if ($ok | length) > 0 then
             {messages: $ok[0].messages, burst: $ok[0].burst, bytes_avg: $ok[0].bytes_avg, runs: ($ok | length),
              mqtt: {us_per_msg: ($ok | map(.mqtt.us_per_msg) | median), all: ($ok | map(.mqtt.us_per_msg)),
                     msgs_per_s: ($ok | map(.mqtt.msgs_per_s) | median)},
              kafka: {us_per_msg: ($ok | map(.kafka.us_per_msg) | median), all: ($ok | map(.kafka.us_per_msg))}}
             | .us_per_msg = .mqtt.us_per_msg + .kafka.us_per_msg
           else null end) as $pub
        | ($wires | map(select(.ok))) as $wok
        | (if ($wok | length) > 0 then
             {messages: $wok[0].messages, burst: $wok[0].burst, batch: $wok[0].batch, runs: ($wok | length),
              us_per_msg: ($wok | map(.us_per_msg) | median), all: ($wok | map(.us_per_msg)),
              msgs_per_s: ($wok | map(.msgs_per_s) | median),
              writes_per_msg: ($wok[0].writes / $wok[0].messages), reads_per_msg: ($wok[0].reads / $wok[0].messages)}
           else null end) as $wire
        | {publish: $pub, parse: $parse, wire_floor: $wire,
           parse_us_per_metric: (if $parse and $per > 0 then $parse.us_per_body / $per else null end),
           limit_us_per_metric: (if $pub and $parse and $per > 0
                                 then $pub.us_per_msg + $parse.us_per_body / $per else null end)}'
}

# run_load NAME KIND INSTANCES RECORDS [overload]: the throughput run;
# appends one JSON line to runs.jsonl. An overload run offers more than
# this machine can deliver on purpose: its loss is reported, and it passes
# when it degrades gracefully (every lost metric counted in dropped_full,
# memory bounded, no crash, a clean exit).
run_load() {
    local name=$1 kind=$2 k=$3 records=$4 overload=${5:-} i feed per_poll
    local dir=$LOGS/$name
    log "$name: $kind x$k, $records records per poll, ${WARM}+${WINDOW} s"
    start_feedsim "${name//[^A-Za-z0-9_]/_}" --records "$records"
    local fpid=${pids[-1]} fv=FEED_${name//[^A-Za-z0-9_]/_}
    feed=${!fv}
    per_poll=$(capture "$dir.capture" "$kind" "$feed" "$records" "$LOGS/$name.records.jsonl")
    write_conf "$dir" false true true
    for ((i = 1; i <= k; i++)); do add_instance "$dir" "$kind$i" "$kind" "$feed" "$records" 1s; done
    local wm0 wm1 t0 pid rss_log=$LOGS/$name.rss sub_pid="" sub_out=$LOGS/$name.sub
    A_sub=0 B_sub=0
    # SUBSCRIBER=yes: one live subscriber on the record topics counts what
    # the broker delivered.
    : >"$sub_out"
    if [ "${SUBSCRIBER:-}" = yes ]; then
        sub_start "$name" "ioc/v1/96/+/+/#" ioc/v1/96/_bench/ping/x "$sub_out"
        sub_pid=$SUB_PID
    fi
    wm0=$(kafka_count)
    "$top/$BUILD/iocd" -c "$dir/iocd.conf" >/dev/null 2>"$LOGS/$name.iocd.log" &
    pid=$!
    pids+=("$pid")
    t0=$(now_us)
    : >"$rss_log"
    local s=0
    # One RSS sample a second; snapshots at WARM and WARM + WINDOW.
    for ((s = 0; s <= WARM + WINDOW; s++)); do
        kill -0 "$pid" 2>/dev/null || break
        if [ "$s" -eq "$WARM" ]; then
            snapshot "$pid" "$LOGS/$name.iocd.log" A "$MQTT_PID" "$KAFKA_PID" "$fpid"
            A_sub=$(sub_count "$sub_out")
            outbox_perf_start "$pid" "$name"
        fi
        [ "$s" -ge "$WARM" ] && echo "$(( ($(now_us) - t0) / 1000 )) $(vm "$pid" VmRSS)" >>"$rss_log"
        [ "$s" -eq $((WARM + WINDOW)) ] && break
        sleep_to_second "$t0" $((s + 1))
    done
    window_end "$pid"
    local alive=$ALIVE hwm=$HWM
    outbox_perf_stop
    snapshot "$pid" "$LOGS/$name.iocd.log" B "$MQTT_PID" "$KAFKA_PID" "$fpid"
    B_sub=$(sub_count "$sub_out")
    # Stop: connectors first, then the backlog is delivered (bounded by
    # shutdown_timeout = 30 s); the final counters follow.
    local stop_t=$(now_us)
    stop_iocd "$pid"
    local exit_rc=$stop_rc drain_ms=$(( ($(now_us) - stop_t) / 1000 ))
    outbox_drain "$dir" "$name" # the durable outbox's next start delivers what SIGTERM left in it
    wm1=$(kafka_count)
    local fin
    fin=$(grep -E 'counters: polls_ok=|sink (mqtt|kafka): queued=' "$LOGS/$name.iocd.log" | tail -n $((k + 2)))
    local emitted polls failed mq_del mq_drop kf_del kf_drop
    emitted=$(field "$fin" 'counters: polls_ok=' metrics)
    polls=$(field "$fin" 'counters: polls_ok=' polls_ok)
    failed=$(field "$fin" 'counters: polls_ok=' polls_failed)
    # A walk cut short by the SIGTERM above is the stop, not a failure (at
    # most one per instance).
    failed=$((failed - $(grep -E 'aborted: shutting down|stopping before page' "$LOGS/$name.iocd.log" | awk '{print $2}' |
        sort -u | wc -l)))
    [ "$failed" -ge 0 ] || failed=0
    # MQTT and Kafka also carry the KPI layer's messages (a summary per
    # source and poll, stale markers, alerts: the "series:" counters line):
    # delivered records are what is left.
    local kpi_line kpi_mqtt kpi_kafka
    kpi_line=$(grep 'series: count=' "$LOGS/$name.iocd.log" | tail -1)
    kpi_mqtt=$(($(field "$kpi_line" 'series: count=' summaries) + $(field "$kpi_line" 'series: count=' marks) +
        $(field "$kpi_line" 'series: count=' alerts) - $(field "$fin" 'sink mqtt: queued=' dropped_kpi)))
    kpi_kafka=$(field "$kpi_line" 'series: count=' alerts)
    mq_del=$(($(field "$fin" 'sink mqtt: queued=' delivered) + DRAIN_MQ - kpi_mqtt))
    mq_drop=$(($(field "$fin" 'sink mqtt: queued=' dropped_full) + $(field "$fin" 'sink mqtt: queued=' dropped_requeue)))
    kf_del=$((wm1 - wm0 - kpi_kafka))
    kf_drop=$(($(field "$fin" 'sink kafka: queued=' dropped_full) + $(field "$fin" 'sink kafka: queued=' dropped_requeue)))
    # The subscriber has every PUBACKed message once the broker has sent it
    # on: wait (bounded) until its count stops short of nothing, then stop it.
    local sub_total=0
    if [ -n "$sub_pid" ]; then
        wait_for 10 sub_has "$sub_out" "$mq_del" || log "$name: the subscriber has fewer than the $mq_del PUBACKed"
        stop_pid "$sub_pid"
        sub_total=$(sub_count "$sub_out")
        sub_per_poll "$sub_out" >"$LOGS/$name.sub.per_poll"
    fi
    local crash=no
    grep -qE 'AddressSanitizer|Segmentation|Aborted|runtime error' "$LOGS/$name.iocd.log" && crash=yes
    [ "$alive" = no ] && crash=yes

    local dt_us=$((B_t - A_t)) dmq=$((B_mq_del - A_mq_del)) dkf=$((B_kf_del - A_kf_del))
    local dem=$((B_emitted - A_emitted)) dcpu=$((B_cpu - A_cpu))
    local delivered_win=$((dmq < dkf ? dmq : dkf))
    local raw_count=$((delivered_win < 5000 ? 5000 : delivered_win > 100000 ? 100000 : delivered_win))
    local raw=null burst=$(( ${per_poll:-0} * k ))
    # RAW=no: a row that does not compare with the raw limit (publish on
    # change sends a tenth of the metrics; its figures are per poll).
    [ "${RAW:-yes}" = no ] ||
        raw=$(raw_limit "$name" "$kind" "$feed" "$records" "$raw_count" "${per_poll:-0}" "$burst")
    stop_pid "$fpid"
    read -r -a oa <<<"$A_others"
    read -r -a ob <<<"$B_others"
    jq -nc --arg name "$name" --arg kind "$kind" --argjson k "$k" --argjson records "$records" \
        --argjson per_poll "${per_poll:-0}" --argjson window_s "$(awk -v d="$dt_us" 'BEGIN {print d / 1e6}')" \
        --argjson hz "$HZ" --argjson dcpu "$dcpu" --argjson dem "$dem" --argjson dmq "$dmq" --argjson dkf "$dkf" \
        --argjson emitted "$emitted" --argjson polls "$polls" --argjson failed "$failed" \
        --argjson mq_del "$mq_del" --argjson kf_del "$kf_del" --argjson mq_drop "$mq_drop" --argjson kf_drop "$kf_drop" \
        --argjson mq_back "$B_mq_back" --argjson kf_back "$B_kf_back" --argjson a_mq_back "$A_mq_back" \
        --argjson a_kf_back "$A_kf_back" --argjson hwm "$hwm" \
        --argjson mosq "$(( ${ob[0]:-0} - ${oa[0]:-0} ))" --argjson kmock "$(( ${ob[1]:-0} - ${oa[1]:-0} ))" \
        --argjson fsim "$(( ${ob[2]:-0} - ${oa[2]:-0} ))" \
        --argjson mbusy "$((B_mbusy - A_mbusy))" --argjson mtotal "$((B_mtotal - A_mtotal))" \
        --argjson rss "$(awk '{printf "%s[%s,%s]", (NR > 1 ? "," : "["), $1, $2} END {print (NR ? "]" : "[]")}' "$rss_log")" \
        --arg change "${CHANGE:-}" --arg on_change "${ON_CHANGE:-false}" --arg sub "${sub_pid:+yes}" \
        --argjson sub_total "$sub_total" \
        --argjson sub_polls "$(cat "$LOGS/$name.sub.per_poll" 2>/dev/null | jq -sc .)" --argjson dsub "$(( ${B_sub:-0} - ${A_sub:-0} ))" \
        --argjson dpolls "$((B_polls - A_polls))" \
        --argjson outbox "$(outbox_run_json "$A_ob" "$B_ob" "$dt_us" "$LOGS/$name.iocd.log" "$OUTBOX_DIR" \
            "$LOGS/$name.records.jsonl" "$((${per_poll:-0} * k))" \
            "$dem" "$delivered_win")" \
        --arg crash "$crash" --arg overload "$overload" --argjson exit_rc "${exit_rc:-0}" --argjson drain_ms "$drain_ms" --argjson raw "${raw:-null}" '
        def r(x): (x * 100 | round) / 100;
        ($dcpu / $hz) as $cpu_s
        | ($rss | map(.[1])) as $r
        | ($r | length) as $nr
        | (if $nr >= 6 then ($r[0:($nr / 2 | floor)] | max) else null end) as $rss_first
        | (if $nr >= 6 then ($r[($nr / 2 | floor):] | max) else null end) as $rss_last
        | ($on_change == "true") as $oc
        | (if $oc then $dkf else [$dmq, $dkf] | min end) as $dwin
        | (if $dwin > 0 then $cpu_s * 1e6 / $dwin else null end) as $us_per_metric
        | {name: $name, connector: $kind, instances: $k, records_per_poll: (if $kind == "telecom" then ([$records, 192] | min) else $records end),
           metrics_per_poll: $per_poll, window_s: r($window_s),
           offered_per_s: r($dem / $window_s), mqtt_per_s: r($dmq / $window_s), kafka_per_s: r($dkf / $window_s),
           delivered_per_s: r($dwin / $window_s),
           expected: $emitted, polls_ok: $polls, polls_failed: $failed,
           expected_from_polls: ($polls * $per_poll),
           mqtt_delivered: $mq_del, kafka_delivered: $kf_del,
           mqtt_dropped_full: $mq_drop, kafka_dropped_full: $kf_drop,
           change_fraction: (if $change == "" then null else ($change | tonumber) end), on_change: $oc,
           window_polls: $dpolls, cpu_s_per_poll: (if $dpolls > 0 then ($cpu_s / $dpolls * 10000 | round) / 10000 else null end),
           # per_poll: the median over the polls after the first (which
           # publishes everything), counted by the ts the records carry.
           subscriber: (if $sub == "yes" then
                          ($sub_polls | sort | if length > 0 then .[(length - 1) / 2 | floor] else null end) as $med
                          | {received: $sub_total, in_window: $dsub, polls_counted: ($sub_polls | length),
                             per_poll_each: $sub_polls, per_poll: $med,
                             fraction_of_series: (if $med and $per_poll > 0
                                                  then ($med / $per_poll * 10000 | round) / 10000 else null end)}
                        else null end),
           # With on_change, MQTT carries the changes only: its loss is what
           # the broker acknowledged but the subscriber did not receive.
           loss_mqtt: (if $oc then (if $sub == "yes" then $mq_del - $sub_total else 0 end) else $emitted - $mq_del end),
           loss_kafka: ($emitted - $kf_del),
           backlog_start: {mqtt: $a_mq_back, kafka: $a_kf_back}, backlog_end: {mqtt: $mq_back, kafka: $kf_back},
           iocd_cpu_s: r($cpu_s), iocd_cpu_pct: r(100 * $cpu_s / $window_s),
           cpu_s_per_100k: (if $dwin > 0 then r($cpu_s * 1e5 / $dwin) else null end),
           us_per_metric: (if $us_per_metric then r($us_per_metric) else null end),
           us_per_emitted_metric: (if $dem > 0 then r($cpu_s * 1e6 / $dem) else null end),
           others_cpu_pct: {mosquitto: r(100 * $mosq / $hz / $window_s), kafka_mock: r(100 * $kmock / $hz / $window_s),
                            feedsim: r(100 * $fsim / $hz / $window_s),
                            machine_busy_of_200: r(200 * $mbusy / ([$mtotal, 1] | max))},
           peak_rss_mib: r($hwm / 1024), rss_samples_kib: $rss,
           rss_first_mib: (if $rss_first then r($rss_first / 1024) else null end),
           rss_last_mib: (if $rss_last then r($rss_last / 1024) else null end),
           rss_flat: (if $rss_first then ($rss_last <= $rss_first * 1.10 + 1024) else null end),
           overload: ($overload == "overload"),
           crashed: ($crash == "yes"), exit_status: $exit_rc, drain_ms: $drain_ms,
           raw: $raw, outbox: $outbox,
           ratio_to_limit: (if $us_per_metric and $raw.limit_us_per_metric
                            then r($us_per_metric / $raw.limit_us_per_metric) else null end)}
        # A durable outbox row counts a restart: what was in flight at the
        # stop may arrive twice (at-least-once), so more than emitted is
        # duplicates, not a failure.
        | (if .outbox then {mqtt: ([0, 0 - .loss_mqtt] | max), kafka: ([0, 0 - .loss_kafka] | max)} else null end) as $dup
        | .duplicates = $dup
        | .lossless = ((if $dup then .loss_mqtt <= 0 and .loss_kafka <= 0 else .loss_mqtt == 0 and .loss_kafka == 0 end)
                       and .mqtt_dropped_full == 0
                       and .kafka_dropped_full == 0 and .polls_failed == 0 and (.crashed | not)
                       and .expected == .expected_from_polls and (.outbox == null or .outbox.clean))
        | .sustained = (.lossless and .backlog_end.mqtt <= .metrics_per_poll * .instances
                        and .backlog_end.kafka <= .metrics_per_poll * .instances)
        | .graceful = ((.crashed | not) and .exit_status == 0 and .polls_failed == 0
                       and .loss_mqtt == .mqtt_dropped_full and .loss_kafka == .kafka_dropped_full
                       and .rss_flat == true)
        | .passed = (if .overload then .graceful else .lossless end)' >>"$OUT/runs.jsonl"
    local verdict
    verdict=$(tail -1 "$OUT/runs.jsonl" | jq -r '"expected \(.expected), MQTT \(.mqtt_delivered), Kafka \(.kafka_delivered), \(.delivered_per_s)/s, \(.us_per_metric) us/metric, ratio \(.ratio_to_limit), lossless \(.lossless), graceful \(.graceful)"')
    log "$name: $verdict"
    # A row whose JSON was not written is a failure too (jq -e on no input
    # succeeds).
    tail -1 "$OUT/runs.jsonl" | jq -s -e --arg n "$name" 'length == 1 and (.[0] | .name == $n and .passed)' >/dev/null ||
        run_failures=$((run_failures + 1))
}

# skip_run NAME KIND INSTANCES RECORDS REASON
skip_run() {
    log "$1: skipped: $5"
    jq -nc --arg name "$1" --arg kind "$2" --argjson k "$3" --argjson records "$4" --arg why "$5" \
        '{name: $name, connector: $kind, instances: $k, records_per_poll: $records, skipped: $why}' \
        >>"$OUT/runs.jsonl"
}

### the peer: collectd ########################################################

COLLECTD_TOPIC=collectd.bench
# collectd_missing: why the collectd row cannot run (empty when it can).
collectd_missing() {
    local p
    command -v collectd >/dev/null || { echo "collectd is not installed (tools/deps.sh --bench)"; return; }
    for p in curl_json mqtt write_kafka; do
        [ -f "/usr/lib/collectd/$p.so" ] || { echo "no /usr/lib/collectd/$p.so"; return; }
    done
}

# run_collectd NAME RECORDS: collectd 5.12 (Debian's collectd-core) on the
# feed iocd reads in http_json-nN: curl_json, one request of all N cells a
# second (2 values each) -> mqtt (QoS 1, retained, the bench's broker) and
# write_kafka (the bench's kafka-mock, its own topic). The same window as
# run_load; a subscriber (QoS 1) counts what MQTT delivered, the topic's
# watermarks what Kafka did; feedsim's log counts the polls served.
# Appends one JSON line to peers.jsonl.
run_collectd() {
    local name=$1 records=$2 dir=$LOGS/$1 pid fpid feed fname=${1//[^A-Za-z0-9_]/_}
    local conf=$LOGS/$1/collectd.conf sub_out=$LOGS/$1.sub
    log "$name: collectd curl_json -> mqtt QoS 1 + write_kafka, $records records per poll, ${WARM}+${WINDOW} s"
    start_feedsim "$fname" --records "$records"
    fpid=${pids[-1]}
    local fv=FEED_$fname
    feed=${!fv}
    rm -rf "$dir"
    mkdir -p "$dir/base"
    cat >"$conf" <<CONF
Hostname "bench"
FQDNLookup false
Interval 1
BaseDir "$dir/base"
PIDFile "$dir/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDERR
</Plugin>
LoadPlugin curl_json
<Plugin curl_json>
  <URL "$feed/bench?page=1&size=$records">
    Instance "bench"
    Timeout 20000
    <Key "items/*/subscribers">
      Type "gauge"
    </Key>
    <Key "items/*/coverage_pct">
      Type "percent"
    </Key>
  </URL>
</Plugin>
LoadPlugin mqtt
<Plugin mqtt>
  <Publish "bench">
    Host "127.0.0.1"
    Port $MQTT_PORT
    ClientId "collectd-bench"
    QoS 1
    Retain true
    Prefix "collectd"
  </Publish>
</Plugin>
LoadPlugin write_kafka
<Plugin write_kafka>
  Property "metadata.broker.list" "$KAFKA"
  <Topic "$COLLECTD_TOPIC">
    Format JSON
  </Topic>
</Plugin>
CONF
    sub_start "$name" "collectd/#" collectd/_bench/ping "$sub_out"
    local sub_pid=$SUB_PID flog=$tmp/$fname.feedsim.log
    served() { grep -c 'served bench generation=' "$flog" || true; }
    local wm0 wm1 t0 s
    wm0=$(kafka_count "$COLLECTD_TOPIC")
    [ "$wm0" -ge 0 ] || wm0=0 # the topic does not exist before collectd's first value
    collectd -f -C "$conf" 2>"$LOGS/$name.collectd.log" &
    pid=$!
    pids+=("$pid")
    t0=$(now_us)
    local at bt ac bc as bs ak bk ag bg
    for ((s = 0; s <= WARM + WINDOW; s++)); do
        kill -0 "$pid" 2>/dev/null || break
        if [ "$s" -eq "$WARM" ] || [ "$s" -eq $((WARM + WINDOW)) ]; then
            local t c sc kc g
            t=$(now_us) c=$(cpu_ticks "$pid") sc=$(sub_count "$sub_out") kc=$(kafka_count "$COLLECTD_TOPIC") g=$(served)
            if [ "$s" -eq "$WARM" ]; then at=$t ac=$c as=$sc ak=$kc ag=$g; else bt=$t bc=$c bs=$sc bk=$kc bg=$g; fi
        fi
        [ "$s" -eq $((WARM + WINDOW)) ] && break
        sleep_to_second "$t0" $((s + 1))
    done
    window_end "$pid"
    local alive=$ALIVE hwm=$HWM
    stop_iocd "$pid" # SIGTERM, bounded, then SIGKILL: the same for any daemon
    local exit_rc=$stop_rc
    stop_pid "$fpid"
    local gens
    gens=$(served)
    # What the broker still has in flight to the subscriber arrives within
    # a few seconds: wait (bounded) until its count stops growing.
    local before=-1 now_n
    for ((s = 0; s < 20; s++)); do
        now_n=$(sub_count "$sub_out")
        [ "$now_n" -eq "$before" ] && break
        before=$now_n
        sleep 0.5
    done
    stop_pid "$sub_pid"
    wm1=$(kafka_count "$COLLECTD_TOPIC")
    jq -nc --arg name "$name" --argjson records "$records" --argjson hz "$HZ" \
        --argjson window_s "$(awk -v d="$((bt - at))" 'BEGIN {print d / 1e6}')" \
        --argjson dcpu "$((bc - ac))" --argjson dsub "$((bs - as))" --argjson dkf "$((bk - ak))" \
        --argjson dgens "$((bg - ag))" --argjson gens "$gens" --argjson sub "$(sub_count "$sub_out")" \
        --argjson kf "$((wm1 - wm0))" --argjson hwm "${hwm:-0}" --arg alive "$alive" --argjson exit_rc "${exit_rc:-0}" \
        --arg version "$(dpkg-query -W -f='${Version}' collectd-core 2>/dev/null)" '
        def r(x): (x * 100 | round) / 100;
        ($dcpu / $hz) as $cpu_s
        | ($gens * $records * 2) as $offered
        | {name: $name, contender: "collectd", version: $version, records_per_poll: $records,
           metrics_per_poll: ($records * 2), window_s: r($window_s), polls: $gens, window_polls: $dgens,
           offered: $offered, mqtt_received: $sub, kafka_delivered: $kf,
           mqtt_fraction: (if $offered > 0 then ($sub / $offered * 10000 | round) / 10000 else null end),
           kafka_fraction: (if $offered > 0 then ($kf / $offered * 10000 | round) / 10000 else null end),
           window: {offered: ($dgens * $records * 2), mqtt_received: $dsub, kafka_delivered: $dkf},
           cpu_s: r($cpu_s), cpu_pct: r(100 * $cpu_s / $window_s),
           us_per_mqtt_delivery: (if $dsub > 0 then r($cpu_s * 1e6 / $dsub) else null end),
           us_per_kafka_delivery: (if $dkf > 0 then r($cpu_s * 1e6 / $dkf) else null end),
           peak_rss_mib: r($hwm / 1024), crashed: ($alive == "no"), exit_status: $exit_rc}' >>"$OUT/peers.jsonl"
    log "$name: $(tail -1 "$OUT/peers.jsonl" | jq -c '{polls, offered, mqtt_fraction, kafka_fraction, us_per_mqtt_delivery, us_per_kafka_delivery}')"
}

### latency ###################################################################

# run_latency NAME KIND INSTANCES RECORDS: probe on MQTT and Kafka while
# INSTANCES connectors poll every second; one JSON line to latency.jsonl.
run_latency() {
    local name=$1 kind=$2 k=$3 records=$4 i feed pid ppid fpid
    local dir=$LOGS/$name secs=$((WARM + WINDOW + 4))
    log "$name: latency, $kind x$k, $records records per poll, $secs s"
    start_feedsim "${name//[^A-Za-z0-9_]/_}" --records "$records"
    fpid=${pids[-1]}
    local fv=FEED_${name//[^A-Za-z0-9_]/_}
    feed=${!fv}
    local fetch_ms
    fetch_ms=$(for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' --max-time 30 "$(feed_url "$kind" "$feed" "$records")"; done |
        sort -n | awk '{v[NR] = $1} END {printf "%.2f", v[int((NR + 1) / 2)] * 1000}')
    write_conf "$dir" false true true
    for ((i = 1; i <= k; i++)); do add_instance "$dir" "$kind$i" "$kind" "$feed" "$records" 1s; done
    # shellcheck disable=SC2046
    "$BENCH/probe" --duration "$secs" --ready-file "$dir.ready" --mqtt-port "$MQTT_PORT" --kafka "$KAFKA" \
        --kafka-topic "$TOPIC" $(probe_args "$kind") >"$LOGS/$name.probe" 2>"$LOGS/$name.probe.log" &
    ppid=$!
    pids+=("$ppid")
    wait_for 15 test -e "$dir.ready" || log "$name: the probe did not subscribe in time"
    sleep 1 # the Kafka consumer resolves its end offsets
    "$top/$BUILD/iocd" -c "$dir/iocd.conf" >/dev/null 2>"$LOGS/$name.iocd.log" &
    pid=$!
    pids+=("$pid")
    wait_for $((secs + 10)) bash -c "! kill -0 $ppid 2>/dev/null"
    stop_pid "$ppid"
    stop_pid "$pid"
    stop_pid "$fpid"
    cp "$tmp/${name//[^A-Za-z0-9_]/_}.feedsim.log" "$LOGS/$name.feedsim.log"
    # Join: generation -> time its first request reached feedsim.
    awk -v via=mqtt 'FNR == NR {if (match($0, /generation=[0-9]+ at_us=[0-9]+/)) {
            split(substr($0, RSTART, RLENGTH), a, /[= ]/); served[a[2]] = a[4]}; next}
        $1 == via && ($2 in served) {printf "%.3f\n", ($3 - served[$2]) / 1000}' \
        "$LOGS/$name.feedsim.log" "$LOGS/$name.probe" | sort -n >"$LOGS/$name.mqtt.ms"
    awk -v via=kafka 'FNR == NR {if (match($0, /generation=[0-9]+ at_us=[0-9]+/)) {
            split(substr($0, RSTART, RLENGTH), a, /[= ]/); served[a[2]] = a[4]}; next}
        $1 == via && ($2 in served) {printf "%.3f\n", ($3 - served[$2]) / 1000}' \
        "$LOGS/$name.feedsim.log" "$LOGS/$name.probe" | sort -n >"$LOGS/$name.kafka.ms"
    pct() { awk -v q="$2" '{v[NR] = $1} END {if (!NR) {print "null"; exit} i = int(q * NR + 0.999999); if (i < 1) i = 1; print v[i]}' "$1"; }
    jq -nc --arg name "$name" --arg kind "$kind" --argjson k "$k" --argjson records "$records" \
        --argjson fetch "$fetch_ms" --argjson per "$(grep -c . "$LOGS/$name.probe")" \
        --argjson mn "$(grep -c . "$LOGS/$name.mqtt.ms")" --argjson m50 "$(pct "$LOGS/$name.mqtt.ms" 0.5)" \
        --argjson m99 "$(pct "$LOGS/$name.mqtt.ms" 0.99)" --argjson mmax "$(pct "$LOGS/$name.mqtt.ms" 1)" \
        --argjson kn "$(grep -c . "$LOGS/$name.kafka.ms")" --argjson k50 "$(pct "$LOGS/$name.kafka.ms" 0.5)" \
        --argjson k99 "$(pct "$LOGS/$name.kafka.ms" 0.99)" --argjson kmax "$(pct "$LOGS/$name.kafka.ms" 1)" \
        --argjson emitted "$(field "$(grep 'counters: polls_ok=' "$LOGS/$name.iocd.log" | tail -n "$k")" . metrics)" \
        --argjson secs "$secs" '
        {name: $name, connector: $kind, instances: $k, records_per_poll: $records,
         metrics_per_s: (($emitted / $secs) | floor), fetch_ms_curl: $fetch,
         mqtt: {samples: $mn, p50_ms: $m50, p99_ms: $m99, max_ms: $mmax},
         kafka: {samples: $kn, p50_ms: $k50, p99_ms: $k99, max_ms: $kmax}}' >>"$OUT/latency.jsonl"
    log "$name: $(tail -1 "$OUT/latency.jsonl" | jq -c '{mqtt, kafka}')"
}

### idle ######################################################################

# run_idle NAME KIND INSTANCES: INSTANCES connectors at a 60 s interval;
# after their first polls (5 s), CPU and context switches over 30 s.
run_idle() {
    local name=$1 kind=$2 k=$3 i feed pid fpid span=30
    local dir=$LOGS/$name
    log "$name: idle, $kind x$k at 60 s, 5+$span s"
    start_feedsim "${name//[^A-Za-z0-9_]/_}" --records 192
    fpid=${pids[-1]}
    local fv=FEED_${name//[^A-Za-z0-9_]/_}
    feed=${!fv}
    write_conf "$dir" false true true
    for ((i = 1; i <= k; i++)); do add_instance "$dir" "$kind$i" "$kind" "$feed" 192 60s; done
    "$top/$BUILD/iocd" -c "$dir/iocd.conf" >/dev/null 2>"$LOGS/$name.iocd.log" &
    pid=$!
    pids+=("$pid")
    sleep 5
    threads "$pid" >"$LOGS/$name.threads0"
    local t0 c0 t1 c1
    t0=$(now_us)
    c0=$(cpu_ticks "$pid")
    sleep "$span"
    threads "$pid" >"$LOGS/$name.threads1"
    t1=$(now_us)
    c1=$(cpu_ticks "$pid")
    local polls
    polls=$(field "$(counters_now "$pid" "$LOGS/$name.iocd.log")" 'counters: polls_ok=' polls_ok)
    stop_pid "$pid"
    stop_pid "$fpid"
    # Per thread (present at both ends): runtime and switches in the span.
    awk 'FNR == NR {ns[$1] = $3; sw[$1] = $4 + $5; next}
         ($1 in ns) {printf "%s %s %d %d\n", $1, $2, $3 - ns[$1], $4 + $5 - sw[$1]}' \
        "$LOGS/$name.threads0" "$LOGS/$name.threads1" >"$LOGS/$name.threads"
    local secs
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b - a) / 1e6}')
    jq -nc --arg name "$name" --arg kind "$kind" --argjson k "$k" --argjson secs "$secs" --argjson polls "$polls" \
        --argjson ticks "$((c1 - c0))" --argjson hz "$HZ" \
        --argjson threads "$(awk '{printf "%s{\"tid\":%s,\"comm\":\"%s\",\"cpu_ns\":%s,\"switches\":%s}", (NR > 1 ? "," : "["), $1, $2, $3, $4} END {print (NR ? "]" : "[]")}' "$LOGS/$name.threads")" '
        def r(x): (x * 1000 | round) / 1000;
        ($threads | map(.switches) | add) as $sw
        | ($threads | map(.cpu_ns) | add) as $ns
        | {name: $name, connector: $kind, instances: $k, interval_s: 60, span_s: r($secs), polls_in_total: $polls,
           cpu_ms: r($ns / 1e6), cpu_ms_ticks: ($ticks * 1000 / $hz), cpu_pct: r(100 * $ns / 1e9 / $secs),
           wakeups_per_s: r($sw / $secs), wakeups_per_s_per_connector: r($sw / $secs / $k),
           threads: ($threads | length),
           by_thread_kind: ($threads | group_by(.comm) | map({comm: .[0].comm, threads: length,
                             wakeups_per_s: r((map(.switches) | add) / $secs),
                             cpu_ms: r((map(.cpu_ns) | add) / 1e6)}) | sort_by(-.wakeups_per_s)),
           busiest_threads: ($threads | sort_by(-.switches) | .[0:8]
                             | map({tid, comm, wakeups_per_s: r(.switches / $secs)}))}' >"$OUT/idle.json"
    log "$name: $(jq -c '{cpu_ms, wakeups_per_s, wakeups_per_s_per_connector}' "$OUT/idle.json")"
}

### the bench #################################################################

: >"$OUT/latency.jsonl"
: >"$OUT/peers.jsonl"
rm -f "$OUT/idle.json"
hj_missing=$(http_json_missing)

wanted telecom-x1 && run_load telecom-x1 telecom 1 192
wanted telecom-x1-n24 && run_load telecom-x1-n24 telecom 1 24
wanted telecom-x4 && run_load telecom-x4 telecom 4 192
wanted telecom-x16 && run_load telecom-x16 telecom 16 192
wanted telecom-x64 && run_load telecom-x64 telecom 64 192 overload
for spec in "http_json-n1k 1 1000" "http_json-n10k 1 10000" "http_json-n20k 1 20000" \
    "http_json-n100k 1 100000 overload" "http_json-n1k-x4 4 1000" "http_json-n1k-x16 16 1000"; do
    read -r rn rk rrec rover <<<"$spec"
    wanted "$rn" || continue
    if [ -n "$hj_missing" ]; then
        skip_run "$rn" http_json "$rk" "$rrec" "$hj_missing"
    else
        run_load "$rn" http_json "$rk" "$rrec" "$rover"
    fi
done
# Issue 13's rows, each with one QoS 1 subscriber on the record topics
# (what MQTT delivered is counted where screens would get it; the rows
# above have none, as before). peer-iocd-n10k: http_json-n10k again,
# publish-all, iocd's side of the collectd comparison and the baseline of
# the change row. http_json-n10k-change10: 10 % of the cells changing per
# poll, [sink.mqtt] on_change = true (its default), Kafka as always.
if wanted peer-iocd-n10k; then
    if [ -n "$hj_missing" ]; then
        skip_run peer-iocd-n10k http_json 1 10000 "$hj_missing"
    else
        SUBSCRIBER=yes RAW=no run_load peer-iocd-n10k http_json 1 10000
    fi
fi
if wanted http_json-n10k-change10; then
    if [ -n "$hj_missing" ]; then
        skip_run http_json-n10k-change10 http_json 1 10000 "$hj_missing"
    else
        CHANGE=0.1 ON_CHANGE=true SUBSCRIBER=yes RAW=no run_load http_json-n10k-change10 http_json 1 10000
    fi
fi
# The peer (issue 13): collectd on the same feed as peer-iocd-n10k, after
# it (one contender at a time), with the same broker, window and kind of
# subscriber.
if wanted peer-collectd-n10k; then
    cd_missing=$(collectd_missing)
    if [ -n "$cd_missing" ]; then
        log "peer-collectd-n10k: skipped: $cd_missing"
        jq -nc --arg why "$cd_missing" '{name: "peer-collectd-n10k", contender: "collectd", skipped: $why}' \
            >>"$OUT/peers.jsonl"
    else
        run_collectd peer-collectd-n10k 10000
    fi
fi
wanted latency-telecom-n24 && run_latency latency-telecom-n24 telecom 10 24
wanted latency-telecom && run_latency latency-telecom telecom 10 192
if wanted latency-http_json; then
    if [ -n "$hj_missing" ]; then
        log "latency-http_json: skipped: $hj_missing"
        jq -nc --arg why "$hj_missing" '{name: "latency-http_json", connector: "http_json", skipped: $why}' \
            >>"$OUT/latency.jsonl"
    else
        run_latency latency-http_json http_json 10 100
    fi
fi
wanted idle && run_idle idle telecom 10
rm -f "$OUT/outbox.json"
outbox_n=${BENCH_OUTBOX_N:-5000}
wanted "outbox-n$((outbox_n / 1000))k" && run_outbox_rows "$outbox_n"

### report ####################################################################

elapsed=$(($(date +%s) - started_at))
jq -n --slurpfile runs "$OUT/runs.jsonl" --slurpfile latency "$OUT/latency.jsonl" --slurpfile peers "$OUT/peers.jsonl" \
    --argjson idle "$(cat "$OUT/idle.json" 2>/dev/null || echo null)" \
    --argjson outbox "$(cat "$OUT/outbox.json" 2>/dev/null || echo null)" \
    --arg cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" --argjson cores "$(nproc)" \
    --arg kernel "$(uname -r)" --arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" \
    --arg mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
    --arg mosquitto "$(mosquitto -h 2>&1 | awk 'NR == 1 {print $3}')" \
    --arg rdkafka "$(pkg-config --modversion rdkafka 2>/dev/null)" --arg date "$(date -u +%FT%TZ)" \
    --arg commit "$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo +dirty)" \
    --argjson elapsed "$elapsed" --argjson window "$WINDOW" --argjson warm "$WARM" '
    def lim: [.[] | select(.lossless == true) | .delivered_per_s] | max;
    # The outbox rows (section 6) repeat one N seven times: not scaling.
    def us(n; big): [.[] | select(.us_per_metric != null and .connector == n and (.name | startswith("outbox-") | not))] as $r
        | {small: ($r | map(select(.instances == 1)) | min_by(.metrics_per_poll) | {name, us_per_metric, us_per_emitted_metric}),
           large: ($r | map(select(.instances == 1)) | max_by(.metrics_per_poll) | {name, us_per_metric, us_per_emitted_metric}),
           by_n: ($r | map(select(.instances == 1)) | sort_by(.metrics_per_poll)
                  | map({name, records_per_poll, us_per_metric, us_per_emitted_metric})),
           by_instances: ($r | map(select(.records_per_poll == big)) | sort_by(.instances)
                          | map({instances, us_per_metric}))};
    {machine: {cpu: $cpu, cores: $cores, memory: $mem, kernel: $kernel, os: $os,
               mosquitto: $mosquitto, librdkafka: $rdkafka},
     date: $date, commit: $commit, elapsed_s: $elapsed, warm_s: $warm, window_s: $window,
     runs: $runs, latency: $latency, idle: $idle, peers: $peers, outbox: $outbox,
     highest_lossless_rate_per_s: ($runs | lim),
     targets: {
       zero_loss_within_capacity: ([$runs[] | select((.skipped | not) and (.overload | not)) | .lossless] | all),
       overload_graceful: ([$runs[] | select(.overload == true) | .graceful] | all),
       ratio_within_1_25: [$runs[] | select(.ratio_to_limit != null and (.overload | not))
                           | {name, ratio: .ratio_to_limit, met: (.ratio_to_limit <= 1.25)}],
       peak_rss_mib_at_100k: ([$runs[] | select(.name == "http_json-n100k" and (.skipped | not)) | .peak_rss_mib] | first),
       latency_p99_above_fetch_ms: [$latency[] | select(.skipped | not)
                           | {name, mqtt: (.mqtt.p99_ms - .fetch_ms_curl), kafka: (.kafka.p99_ms - .fetch_ms_curl)}
                           | .met = (.mqtt < 50 and .kafka < 50)],
       idle_wakeups_per_s_per_connector: ($idle.wakeups_per_s_per_connector // null)},
     # Issue 13: each figure a ratio of two measurements of this run.
     targets_issue13: (
       ([$runs[] | select(.name == "http_json-n10k" and (.skipped | not))] | first) as $all
       | ([$runs[] | select(.name == "peer-iocd-n10k" and (.skipped | not))] | first) as $peer
       | ([$runs[] | select(.name == "http_json-n10k-change10" and (.skipped | not))] | first) as $chg
       | ([$peers[] | select(.contender == "collectd" and (.skipped | not))] | first) as $cd
       | (if $peer and $peer.subscriber and $peer.subscriber.in_window > 0
          then $peer.iocd_cpu_s * 1e6 / $peer.subscriber.in_window else null end) as $ius
       | def r2(x): if x == null then null else (x * 100 | round) / 100 end;
       {iocd_vs_collectd_cpu_per_mqtt_delivery: (if $ius and $cd and $cd.us_per_mqtt_delivery
                                                 then r2($ius / $cd.us_per_mqtt_delivery) else null end),
        iocd_vs_raw_limit: ($all.ratio_to_limit // null),
        iocd_vs_wire_floor: (if $all and $all.us_per_metric and $all.raw.wire_floor
                             then r2($all.us_per_metric / $all.raw.wire_floor.us_per_msg) else null end),
        raw_mqtt_vs_wire_floor: (if $all and $all.raw.wire_floor
                                 then r2($all.raw.publish.mqtt.us_per_msg / $all.raw.wire_floor.us_per_msg) else null end),
        change10_mqtt_fraction_of_series: ($chg.subscriber.fraction_of_series // null),
        change10_cpu_per_poll_vs_publish_all: (if $chg and $peer and $chg.cpu_s_per_poll and $peer.cpu_s_per_poll
                                               then r2($chg.cpu_s_per_poll / $peer.cpu_s_per_poll) else null end),
        change10_kafka_every_observation: (if $chg then $chg.loss_kafka == 0 and $chg.kafka_delivered == $chg.expected else null end),
        collectd_mqtt_fraction: ($cd.mqtt_fraction // null), collectd_kafka_fraction: ($cd.kafka_fraction // null)}),
     scaling: {telecom: ($runs | us("telecom"; 192)), http_json: ($runs | us("http_json"; 1000))}}' \
    >"$OUT/results.json"

jq -r '
def f(x): if x == null then "–" else (x | tostring) end;
def r2(x): if x == null then "–" else (x * 100 | round / 100 | tostring) end;
def n(x): if x == null then "–" else (x | floor | tostring | if length > 3 then .[:-3] + "," + .[-3:] else . end
          | if length > 7 then .[:-7] + "," + .[-7:] else . end) end;
"## iocd benchmark (`make bench`)",
"",
"\(.machine.cpu), \(.machine.cores) cores, \(.machine.memory), \(.machine.os), kernel \(.machine.kernel); mosquitto \(.machine.mosquitto), librdkafka \(.machine.librdkafka). \(.date), commit \(.commit); \(.warm_s) s warm-up + \(.window_s) s measured per run; whole bench \(.elapsed_s) s.",
"",
"### 1. Throughput (1 s interval, MQTT QoS 1 retained + Kafka acks=all, both on)",
"",
"| run | connector × instances | records/poll | metrics/poll | offered/s | delivered/s | expected | MQTT delivered | Kafka delivered | lossless | iocd CPU s /100k | iocd CPU % | peak RSS MiB | RSS max 1st→2nd half MiB | backlog at end (mqtt/kafka) |",
"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
(.runs[] | if .skipped then "| \(.name) | \(.connector) × \(.instances) | \(n(.records_per_poll)) | – | – | – | – | – | – | **skipped: \(.skipped)** | – | – | – | – | – |"
 else "| \(.name) | \(.connector) × \(.instances) | \(n(.records_per_poll)) | \(n(.metrics_per_poll)) | \(n(.offered_per_s)) | \(n(.delivered_per_s)) | \(n(.expected)) | \(n(.mqtt_delivered)) | \(n(.kafka_delivered)) | \(if .lossless then "yes" else "**FAILURE: lost \(n(.loss_mqtt)) MQTT / \(n(.loss_kafka)) Kafka (dropped_full \(n(.mqtt_dropped_full)) / \(n(.kafka_dropped_full))), polls failed \(.polls_failed)\(if .crashed then ", CRASH" else "" end)**\(if .overload then "; overload run, degrades gracefully: \(if .graceful then "yes" else "**NO**" end)" else "" end)" end) | \(f(.cpu_s_per_100k)) | \(f(.iocd_cpu_pct)) | \(f(.peak_rss_mib)) | \(f(.rss_first_mib))→\(f(.rss_last_mib)) \(if .rss_flat then "flat" else "**growing**" end) | \(n(.backlog_end.mqtt))/\(n(.backlog_end.kafka)) |" end),
"",
"Highest delivered rate with zero loss: **\(n(.highest_lossless_rate_per_s)) metrics/s**. Expected = metrics the connectors emitted (checked against polls × metrics per poll); MQTT delivered = PUBACKs counted by iocd; Kafka delivered = growth of the topic high watermarks; delivered/s and CPU over the measured window, the counts over the whole run (the backlog is delivered at SIGTERM). Overload runs offer more than the machine can carry on purpose.",
"",
"### 2. The limit: iocd CPU per metric vs raw libmosquitto + librdkafka + jansson (same run)",
"",
"| run | raw burst (msgs) | raw MQTT µs/msg | raw Kafka µs/msg | raw parse µs/metric | limit µs/metric | iocd µs/metric | ratio | CPU % mosquitto / kafka-mock / feedsim | machine busy, all processes (of 200 %) |",
"|---|---|---|---|---|---|---|---|---|---|",
(.runs[] | select(.skipped | not) | "| \(.name) | \(n(.raw.publish.burst)) | \(r2(.raw.publish.mqtt.us_per_msg)) | \(r2(.raw.publish.kafka.us_per_msg)) | \(r2(.raw.parse_us_per_metric)) | \(r2(.raw.limit_us_per_metric)) | \(f(.us_per_metric)) | **\(f(.ratio_to_limit))×** | \(.others_cpu_pct.mosquitto) / \(.others_cpu_pct.kafka_mock) / \(.others_cpu_pct.feedsim) | \(.others_cpu_pct.machine_busy_of_200) |"),
"",
"### 2b. The wire floor: the same PUBLISH packets on a plain socket (tests/bench/wire_floor.c, same run)",
"",
"| run | burst (msgs) | wire floor µs/msg | floor writes / reads per msg | raw libmosquitto MQTT µs/msg | raw MQTT ÷ floor | iocd µs/metric (MQTT + Kafka + parse) | iocd ÷ floor |",
"|---|---|---|---|---|---|---|---|",
(.runs[] | select((.skipped | not) and .raw.wire_floor != null) | "| \(.name) | \(n(.raw.wire_floor.burst)) | \(r2(.raw.wire_floor.us_per_msg)) | \(r2(.raw.wire_floor.writes_per_msg)) / \(r2(.raw.wire_floor.reads_per_msg)) | \(r2(.raw.publish.mqtt.us_per_msg)) | **\(r2(.raw.publish.mqtt.us_per_msg / .raw.wire_floor.us_per_msg))×** | \(f(.us_per_metric)) | **\(if .us_per_metric then r2(.us_per_metric / .raw.wire_floor.us_per_msg) else "–" end)×** |"),
"",
"### 2c. Publish on change: a fraction of the series changing per poll, [sink.mqtt] on_change = true (same run)",
"",
"| run | changing per poll | series per poll | polls in window | MQTT at the subscriber per poll | as a fraction of the series | Kafka delivered / expected | iocd CPU s per poll | ratio to the publish-all run (same N) | lossless |",
"|---|---|---|---|---|---|---|---|---|---|",
(. as $all | .runs[] | select((.skipped | not) and .on_change == true) | . as $c
 | ([$all.runs[] | select((.skipped | not) and (.on_change | not) and .connector == $c.connector
     and .instances == $c.instances and .records_per_poll == $c.records_per_poll)]
    | sort_by(if .subscriber then 0 else 1 end) | first) as $base
 | "| \(.name) | \(f(.change_fraction)) | \(n(.metrics_per_poll)) | \(f(.window_polls)) | \(f(.subscriber.per_poll)) | **\(if .subscriber.fraction_of_series then r2(.subscriber.fraction_of_series * 100) + " %" else "–" end)** | \(n(.kafka_delivered)) / \(n(.expected)) | \(f(.cpu_s_per_poll)) | **\(if $base and $base.cpu_s_per_poll and .cpu_s_per_poll then r2(.cpu_s_per_poll / $base.cpu_s_per_poll) + "×" + " (of \($base.name))" else "– (publish-all row not run)" end)** | \(if .lossless then "yes" else "**NO**: MQTT acked but not received \(n(.loss_mqtt)), Kafka lost \(n(.loss_kafka)), polls failed \(.polls_failed)" end) |"),
"",
"### 2d. Beside collectd 5.12 (same feed, broker, window and subscriber; one contender at a time; publish-all, both sinks)",
"",
"| contender | run | polls | MQTT delivered (at the subscriber) | Kafka delivered | CPU µs per MQTT delivery | CPU µs per Kafka delivery | CPU % | peak RSS MiB | iocd ÷ collectd, CPU per MQTT delivery |",
"|---|---|---|---|---|---|---|---|---|---|",
(. as $all | ([.runs[] | select(.name == "peer-iocd-n10k" and (.skipped | not) and .subscriber != null)] | first) as $i
 | ([.peers[] | select(.contender == "collectd" and (.skipped | not))] | first) as $c
 | (if $i then (($i.iocd_cpu_s * 1e6 / ([$i.subscriber.in_window, 1] | max)) | . * 100 | round / 100) else null end) as $ius
 | (if $i then "| iocd | \($i.name) | \($i.polls_ok) | \(r2($i.subscriber.received / $i.expected * 100)) % (\(n($i.subscriber.received)) of \(n($i.expected))) | \(r2($i.kafka_delivered / $i.expected * 100)) % | \(f($ius)) | \(r2($i.iocd_cpu_s * 1e6 / ([$i.kafka_per_s * $i.window_s, 1] | max))) | \(f($i.iocd_cpu_pct)) | \(f($i.peak_rss_mib)) | **\(if $c and $c.us_per_mqtt_delivery then r2($ius / $c.us_per_mqtt_delivery) + "×" else "–" end)** |" else "| iocd | peer-iocd-n10k not run | – | – | – | – | – | – | – | – |" end),
 (.peers[] | if .skipped then "| \(.contender) | \(.name) | **skipped: \(.skipped)** | – | – | – | – | – | – | – |"
  else "| collectd \(.version) | \(.name) | \(.polls) | \(r2(.mqtt_fraction * 100)) % (\(n(.mqtt_received)) of \(n(.offered))) | \(r2(.kafka_fraction * 100)) % (\(n(.kafka_delivered))) | \(f(.us_per_mqtt_delivery)) | \(f(.us_per_kafka_delivery)) | \(f(.cpu_pct)) | \(f(.peak_rss_mib)) | 1 |" end)),
"",
"CPU per MQTT delivery = the contender CPU over the window / messages the subscriber received in it (each metric also goes to Kafka). Delivered fractions over the whole run: for collectd, offered = polls served by feedsim × 2 values × N; for iocd, the metrics its connectors emitted.",
"",
"### 3. Latency: value change in feedsim → arrival (from the time the poll request reached feedsim)",
"",
"| run | connector × instances | records/poll | metrics/s | feed fetch (curl, median) ms | MQTT samples | MQTT p50 / p99 / max ms | Kafka samples | Kafka p50 / p99 / max ms |",
"|---|---|---|---|---|---|---|---|---|",
(.latency[] | if .skipped then "| \(.name) | \(.connector) | – | – | – | – | **skipped: \(.skipped)** | – | – |"
 else "| \(.name) | \(.connector) × \(.instances) | \(.records_per_poll) | \(n(.metrics_per_s)) | \(.fetch_ms_curl) | \(.mqtt.samples) | \(f(.mqtt.p50_ms)) / **\(f(.mqtt.p99_ms))** / \(f(.mqtt.max_ms)) | \(.kafka.samples) | \(f(.kafka.p50_ms)) / **\(f(.kafka.p99_ms))** / \(f(.kafka.max_ms)) |" end),
"",
"### 4. Idle cost",
"",
(if .idle then
"| connectors | interval | span s | polls | CPU ms | CPU % | wake-ups/s | per connector | wake-ups/s by thread kind |",
"|---|---|---|---|---|---|---|---|---|",
"| \(.idle.instances) × \(.idle.connector) | \(.idle.interval_s) s | \(.idle.span_s) | \(.idle.polls_in_total) | \(.idle.cpu_ms) | \(.idle.cpu_pct) | \(.idle.wakeups_per_s) | **\(.idle.wakeups_per_s_per_connector)** | \(.idle.by_thread_kind | map("\(.comm)×\(.threads): \(.wakeups_per_s)") | join(", ")) |"
 else "not run" end),
"",
"### 5. Scaling: iocd CPU µs per delivered metric (per emitted metric in brackets: differs only when metrics were dropped)",
"",
"| connector | by records per poll, 1 instance | by instances |",
"|---|---|---|",
(.scaling | to_entries[] | "| \(.key) | \(.value.by_n | map("N=\(n(.records_per_poll)): \(f(.us_per_metric)) (\(f(.us_per_emitted_metric)))") | join(" · ") | if . == "" then "–" else . end) | \(.value.by_instances | map("×\(.instances): \(f(.us_per_metric))") | join(" · ") | if . == "" then "–" else . end) |"),
"",
"### Targets (issue 6)",
"",
(.targets | 
"- Zero loss at every N within capacity: **\(if .zero_loss_within_capacity then "met" else "MISSED" end)**; overload runs degrade gracefully (bounded memory, every lost metric counted, no crash): **\(if .overload_graceful then "yes" else "NO" end)**.",
"- CPU per delivered metric within 1.25× of the raw limit: **met in \([.ratio_within_1_25[] | select(.met)] | length) of \(.ratio_within_1_25 | length) runs** (\(.ratio_within_1_25 | map("\(.name) \(.ratio)×") | join(", "))).",
"- Peak RSS under 64 MiB at N = 100,000: \(if .peak_rss_mib_at_100k == null then "not measured" elif .peak_rss_mib_at_100k < 64 then "**met** (\(.peak_rss_mib_at_100k) MiB)" else "**MISSED**: \(.peak_rss_mib_at_100k) MiB" end).",
"- p99 latency under 50 ms above the fetch time: \(.latency_p99_above_fetch_ms | map("\(.name) MQTT \(.mqtt | . * 10 | round / 10) ms / Kafka \(.kafka | . * 10 | round / 10) ms \(if .met then "(met)" else "(**missed**)" end)") | join("; ")).",
"- Idle under 1 wake-up per second per connector: \(if .idle_wakeups_per_s_per_connector == null then "not measured" elif .idle_wakeups_per_s_per_connector < 1 then "**met** (\(.idle_wakeups_per_s_per_connector))" else "**MISSED** (\(.idle_wakeups_per_s_per_connector))" end)."),
"",
"### Targets (issue 13; ratios of two measurements of this run)",
"",
(.targets_issue13 | def v(x; lim; le): if x == null then "not measured" elif (if le then x <= lim else x >= lim end) then "**met** (\(x)×)" else "**missed** (\(x)×)" end;
"- Publish-all, both sinks, N = 10,000: iocd CPU per MQTT delivery ≤ 0.5× collectd: \(v(.iocd_vs_collectd_cpu_per_mqtt_delivery; 0.5; true)); collectd delivered \(if .collectd_mqtt_fraction then "\(.collectd_mqtt_fraction * 100 | round) % on MQTT, \(.collectd_kafka_fraction * 100 | round) % on Kafka" else "–" end).",
"- iocd CPU per metric ≤ 1.1× the raw limit (libmosquitto + librdkafka + jansson): \(v(.iocd_vs_raw_limit; 1.1; true)); against the wire floor: iocd \(if .iocd_vs_wire_floor then "\(.iocd_vs_wire_floor)×" else "–" end), raw libmosquitto MQTT \(if .raw_mqtt_vs_wire_floor then "\(.raw_mqtt_vs_wire_floor)×" else "–" end) the floor per message.",
"- 10 % of series changing: MQTT messages per poll ≤ 12 % of the series: \(if .change10_mqtt_fraction_of_series == null then "not measured" elif .change10_mqtt_fraction_of_series <= 0.12 then "**met** (\(.change10_mqtt_fraction_of_series * 10000 | round / 100) %)" else "**missed** (\(.change10_mqtt_fraction_of_series * 10000 | round / 100) %)" end); iocd CPU per poll ≤ 0.3× publish-all: \(v(.change10_cpu_per_poll_vs_publish_all; 0.3; true)); Kafka carries every observation: \(if .change10_kafka_every_observation == null then "not measured" elif .change10_kafka_every_observation then "**yes**" else "**NO**" end)."),
"",
"JSON: `build/bench/results.json`; logs: `build/bench/logs/`."
' "$OUT/results.json"
jq -r "$outbox_report_jq" "$OUT/results.json"
log "done in ${elapsed} s; $run_failures run(s) failed (loss in a run within capacity, or an overload run that did not degrade gracefully)"
[ "$run_failures" -eq 0 ]
