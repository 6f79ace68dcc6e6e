#!/usr/bin/env bash
# test_dry_run - `iocd --dry-run` (issue 16, Deliver 4): every enabled
# connector (or --connector NAME) polls once and its records are printed on
# stdout, while nothing is published, no broker is connected to and
# nothing in state_dir changes, although iocd.conf enables [sink.mqtt] and
# [sink.kafka] and turns stdout off.
#
# A first daemon run against a real mosquitto and the local Kafka broker
# leaves real state behind: pakn's saved cursor, both instances' sequence
# reservations and the series cache. Then, with a subscriber on '#' and the
# Kafka topic counted: the dry run prints 12 example records and pakn's
# records, the subscriber sees only the two markers the test itself
# publishes around the run, Kafka holds as many messages as before, and
# every file of state_dir is byte-identical (sha256sum; same file list).
# A control run with --once on the same tree does change state and Kafka,
# so the comparisons can see a change.
source "$(dirname "$0")/lib.sh"

start_feedsim A --seed 7 --records 6
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf" false
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_sink_kafka "$conf" "$KAFKA_K"
add_example "$conf" ex "$FEED_A/example" "interval = 1h"
add_example "$conf" pakn "$FEED_A/pakn" "plugin = pakn" "interval = 1h" "limit = 25"
state=$conf/state

# state_dir's files, "sha256  ./NAME" sorted: contents and names.
state_sums() { (cd "$state" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
kafka_count() { kafka_consume "$KAFKA_K" "$tmp/kafka.$1" && wc -l <"$tmp/kafka.$1"; }

### a real run first: state, series cache, messages in both brokers ##########
start_iocd first -c "$conf/iocd.conf"
check "the first run saved pakn's cursor" wait_for 30 grep -qs cursor "$state/pakn.state"
check "the first run delivered to Kafka" wait_for 30 bash -c "[ \"\$(kcat -C -b '$KAFKA_K' -t ioc.metrics.v1 -o beginning -e -q 2>/dev/null | wc -l)\" -gt 12 ]"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "the first run stops cleanly"
check "the first run saved the series cache" test -s "$state/series.cache"
kafka_before=$(kafka_count before)
check "Kafka holds the first run's messages ($kafka_before)" test "$kafka_before" -gt 12
state_sums >"$tmp/sums.before"
same 3 "$(wc -l <"$tmp/sums.before")" "state_dir holds 3 files (ex.state, pakn.state, series.cache)"

# Everything published on the broker from now on (not the retained replay).
timeout 120 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t '#' -v -R >"$tmp/sub.log" 2>/dev/null &
pids+=("$!")
mark() { mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT_M" -t "iocd-test/mark" -m "$1" -q 1; }
check "the subscriber on '#' is live" wait_for 10 bash -c "mosquitto_pub -h 127.0.0.1 -p '$MQTT_PORT_M' -t iocd-test/mark -m before -q 1; grep -q 'iocd-test/mark before' '$tmp/sub.log'"

### the dry run ################################################################
"$IOCD" -c "$conf/iocd.conf" --dry-run >"$tmp/dry.out" 2>"$tmp/dry.err"
same 0 "$?" "iocd --dry-run exits 0 (both polls succeeded)"
same 12 "$(jq -s 'map(select(.source == "ex")) | length' "$tmp/dry.out")" \
    "12 example records on stdout (2 metrics x 6 areas)"
check "pakn's records are on stdout too" jqe -s 'any(.source == "pakn")' "$tmp/dry.out"
valid_records "$tmp/dry.out" "every printed record is valid against docs/metric.schema.json"
contains "$tmp/dry.err" "info: iocd: dry run: 2 of 2 connectors succeeded, $(wc -l <"$tmp/dry.out") records printed; nothing published to a broker, nothing saved in $state" \
    "the summary line says what was printed and that nothing was published or saved"
same 0 "$(grep -cE 'sink (mqtt|kafka)' "$tmp/dry.err" || true)" "no MQTT or Kafka sink was started"
mark after
check "the subscriber got the marker published after the dry run" \
    wait_for 10 grep -q 'iocd-test/mark after' "$tmp/sub.log"
same 0 "$(grep -vc '^iocd-test/mark ' "$tmp/sub.log" || true)" \
    "the subscriber on '#' saw nothing but the test's own markers"
same "$kafka_before" "$(kafka_count dry)" "Kafka holds exactly as many messages as before"
state_sums >"$tmp/sums.dry"
if diff "$tmp/sums.before" "$tmp/sums.dry" >"$tmp/sums.diff"; then
    pass "every file of state_dir is byte-identical after the dry run (sha256sum)"
else
    fail "state_dir unchanged by the dry run"
    sed 's/^/#   /' "$tmp/sums.diff"
fi

### --connector selects one instance ##########################################
"$IOCD" -c "$conf/iocd.conf" --dry-run --connector ex >"$tmp/dry1.out" 2>"$tmp/dry1.err"
same 0 "$?" "iocd --dry-run --connector ex exits 0"
same "12 ex" "$(jq -rs '"\(length) \(map(.source) | unique | join(","))"' "$tmp/dry1.out")" \
    "only ex's 12 records are printed"
state_sums >"$tmp/sums.dry1"
same "" "$(diff "$tmp/sums.before" "$tmp/sums.dry1")" "state_dir still byte-identical"

### no state_dir yet: none is made ###########################################
mkdir -p "$tmp/ns"
cp -r "$conf/connectors.d" "$tmp/ns/"
sed "s|^state_dir = .*|state_dir = $tmp/ns/state|" "$conf/iocd.conf" >"$tmp/ns/iocd.conf"
"$IOCD" -c "$tmp/ns/iocd.conf" --dry-run --connector ex >"$tmp/dry2.out" 2>"$tmp/dry2.err"
same "0 12" "$? $(wc -l <"$tmp/dry2.out")" "a dry run without a state_dir prints its 12 records"
check "and makes no state_dir" test ! -e "$tmp/ns/state"

### control: --once does publish and save #####################################
"$IOCD" -c "$conf/iocd.conf" --once >/dev/null 2>"$tmp/once.err"
same 0 "$?" "control: iocd --once exits 0"
state_sums >"$tmp/sums.once"
check "control: --once changes state_dir (so the comparison above can see a change)" \
    bash -c "! diff -q '$tmp/sums.before' '$tmp/sums.once' >/dev/null"
check "control: --once adds messages to Kafka" test "$(kafka_count once)" -gt "$kafka_before"
check "control: --once publishes on MQTT" wait_for 10 grep -q '^ioc/v1/96/ex/' "$tmp/sub.log"
[ "$failed" -eq 0 ] || sed 's/^/#   dry.err: /' "$tmp/dry.err" | head -20
finish
