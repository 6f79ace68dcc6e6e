#!/usr/bin/env bash
# test_durable_outbox - issue 15 items 1, 2 and 5 through the daemon:
# [outbox] dir carries every metric through one log on disk.
#  1. --check-config names a bad fsync value and an unusable dir by line.
#  2. Both sinks (MQTT on_change = false, Kafka) get exactly the records
#     committed (IOCD_COMMIT_TRACE), each written once with both bits;
#     segments and the positions file are in the directory; the counters
#     line has the outbox's figures.
#  3. MQTT away while records are committed, iocd killed (kill -9), the
#     broker back, iocd started again: every record committed while it was
#     away reaches the subscriber after the restart (replayed from the
#     log); duplicates reported.
#  3b. A second iocd on the same directory is refused; iocd --connector
#     NAME uses DIR@NAME.
#  4. --once with dir set neither creates nor uses the directory.
#  2b. /metrics (parsed by prometheus_client) has the iocd_outbox_*
#     families, /health the outbox's state, the stop line what it keeps.
#  5. A directory holding a file that is not ours: iocd refuses to start,
#     naming the file.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, with python3-prometheus-client

# traced TRACE SINK: "series seq" of the records committed for SINK.
traced() { awk -F'\t' -v s="$2" '$1 == "record" && ("," $4 ",") ~ ("," s ",") { print $3, $2 }' "$1" | sort -u; }
# mqtt_got FILE: "series seq" of the records in a subscriber's "topic payload" lines.
mqtt_got() { sed -n 's/^ioc\/v1\/96\/ex\/[^ ]* \({\)/\1/p' "$1" | jq -r 'select(.seq != null) | "\(.series) \(.seq)"' | sort -u; }
kafka_got() { cut -f2 "$1" | jq -r 'select(.schema == "ioc.metric/1") | "\(.series) \(.seq)"' | sort -u; }

# ---- 1. configuration ----
conf=$tmp/bad
make_conf "$conf"
printf '\n[outbox]\ndir = %s\nfsync = sometimes\n' "$tmp/bad/outbox" >>"$conf/iocd.conf"
out=$("$IOCD" --check-config -c "$conf/iocd.conf" 2>&1)
check "--check-config: fsync = sometimes refused with file:line" \
    grep -qF "$conf/iocd.conf:14: 'fsync' = 'sometimes': not poll, interval or never" <<<"$out"
touch "$tmp/afile"
make_conf "$conf"
printf '\n[outbox]\ndir = %s\n' "$tmp/afile" >>"$conf/iocd.conf"
out=$("$IOCD" --check-config -c "$conf/iocd.conf" 2>&1)
check "--check-config: a dir that is a file refused with file:line" \
    grep -qF "$conf/iocd.conf:13: 'dir' = '$tmp/afile': is a regular file, not a directory" <<<"$out"

# ---- 2. both sinks through the log ----
start_feedsim A --records 40
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf" false
obx=$tmp/outbox
printf '\n[outbox]\ndir = %s\n' "$obx" >>"$conf/iocd.conf"
sed -i 's/^stats_interval = 0$/stats_interval = 0\nhttp_listen = 127.0.0.1:0/' "$conf/iocd.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
echo "on_change = false" >>"$conf/iocd.conf"
add_sink_kafka "$conf" "$KAFKA_K"
add_example "$conf" ex "$FEED_A/example" "interval = 1s"
start_mqtt_sub "$MQTT_PORT_M" 'ioc/v1/96/ex/#' "$tmp/sub1.txt"
export IOCD_COMMIT_TRACE=$tmp/trace
start_iocd run -c "$conf/iocd.conf"
check "the outbox is opened, durable, fsync = poll" \
    wait_for 10 at_least 1 "$tmp/run.err" "outbox $obx: durable (fsync = poll)"
check "three polls committed (120 records traced)" \
    wait_for 20 bash -c "[ \$(awk -F'\t' '\$1 == \"record\"' '$tmp/trace' | wc -l) -ge 120 ]"
kill -USR1 "$IOCD_PID"
check "the counters line has the outbox's figures" \
    wait_for 5 grep -qE "info: iocd: outbox: dir=$obx appended=[1-9][0-9]* commits=[1-9][0-9]* fsyncs=[1-9][0-9]* disk_bytes=[0-9]+ segments=[1-9][0-9]* dropped_full=0 refused=0 corrupt=0 truncated=0 io_errors=0 failing=no backlog mqtt=[0-9]+B kafka=[0-9]+B" "$tmp/run.err"
grep -F "outbox: dir=" "$tmp/run.err" | tail -1 | sed 's/^/# /'
port=$(sed -n 's/.*http: serving .* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/run.err" | head -1)
"${CURL[@]}" "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt"
"$PY" - "$tmp/metrics.txt" >"$tmp/samples.txt" 2>"$tmp/parse.err" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {int(s.value)}")
PYEOF
same 0 "$?" "/metrics parses ($(wc -l <"$tmp/samples.txt") samples)"
for family in iocd_outbox_appended_total iocd_outbox_commits_total iocd_outbox_fsyncs_total \
              iocd_outbox_dropped_full_total iocd_outbox_refused_total iocd_outbox_disk_bytes \
              iocd_outbox_segments iocd_outbox_failing; do
    check "/metrics: $family" grep -qE "^$family\{\} [0-9]+$" "$tmp/samples.txt"
done
check "/metrics: appended > 0, failing 0, dropped_full 0" \
    bash -c "grep -qE '^iocd_outbox_appended_total\{\} [1-9]' '$tmp/samples.txt' && grep -qx 'iocd_outbox_failing{} 0' '$tmp/samples.txt' && grep -qx 'iocd_outbox_dropped_full_total{} 0' '$tmp/samples.txt'"
check "/metrics: the backlog of each sink" \
    bash -c "grep -qE '^iocd_outbox_backlog_bytes\{sink=\"mqtt\"\} [0-9]+$' '$tmp/samples.txt' && grep -qE '^iocd_outbox_backlog_bytes\{sink=\"kafka\"\} [0-9]+$' '$tmp/samples.txt'"
"${CURL[@]}" "http://127.0.0.1:$port/health" >"$tmp/health.json"
check "/health shows the outbox: its dir, not failing, nothing dropped, each sink's backlog" \
    jqe --arg d "$obx" '.outbox.dir == $d and .outbox.failing == false and .outbox.dropped_full == 0 and (.outbox.backlog_bytes | keys) == ["kafka","mqtt"]' "$tmp/health.json"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
check "the stop line says what the outbox keeps for the next start" \
    grep -qE "info: iocd: stopped: .*; the outbox $obx keeps for the next start: [0-9]+ bytes for mqtt, [0-9]+ bytes for kafka$" "$tmp/run.err"
check "a segment file and the positions file are in the directory" \
    bash -c "ls '$obx'/*.seg >/dev/null && test -s '$obx/positions'"
check "each record is written once, for both sinks" \
    bash -c "! awk -F'\t' '\$1 == \"record\" && \$4 != \"mqtt,kafka\"' '$tmp/trace' | grep -q ."
traced "$tmp/trace" mqtt >"$tmp/want.mqtt"
traced "$tmp/trace" kafka >"$tmp/want.kafka"
sleep 1
mqtt_got "$tmp/sub1.txt" >"$tmp/got.mqtt"
kafka_consume "$KAFKA_K" "$tmp/kafka.tsv"
kafka_got "$tmp/kafka.tsv" >"$tmp/got.kafka"
committed=$(wc -l <"$tmp/want.mqtt")
check "committed $committed records for mqtt (at least 120)" test "$committed" -ge 120
same "" "$(comm -23 "$tmp/want.mqtt" "$tmp/got.mqtt" | head -3)" "mqtt: every committed record delivered"
same "" "$(comm -23 "$tmp/want.kafka" "$tmp/got.kafka" | head -3)" "kafka: every committed record delivered"
same "" "$(comm -13 "$tmp/want.kafka" "$tmp/got.kafka" | head -3)" "kafka: nothing delivered that was not committed"

# ---- 3. kill -9 with MQTT away: the next start delivers ----
: >"$tmp/trace"
kill "$SUB_PID"
stop_pid "$MQTT_PID_M"
start_iocd run2 -c "$conf/iocd.conf"
check "MQTT away: two more polls committed (80 records)" \
    wait_for 20 bash -c "[ \$(awk -F'\t' '\$1 == \"record\"' '$tmp/trace' | wc -l) -ge 80 ]"
# A second iocd on the same directory is refused (one writer per log).
timeout 20 "$IOCD" -c "$conf/iocd.conf" >"$tmp/second.out" 2>"$tmp/second.err"
rc=$?
check "a second iocd on the same outbox exits with an error (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
contains "$tmp/second.err" "outbox: $obx: in use by another iocd process (it holds $obx/lock)" \
    "... saying the directory is in use, naming the lock"
kill -9 "$IOCD_PID"
wait "$IOCD_PID" 2>/dev/null
traced "$tmp/trace" mqtt >"$tmp/want2.mqtt"
start_mosquitto M2 "$MQTT_PORT_M"
start_mqtt_sub "$MQTT_PORT_M" 'ioc/v1/96/ex/#' "$tmp/sub2.txt"
start_iocd run3 -c "$conf/iocd.conf"
check "after the restart the replayed records reach the subscriber" \
    wait_for 30 bash -c "[ -z \"\$(comm -23 '$tmp/want2.mqtt' <(sed -n 's/^ioc\/v1\/96\/ex\/[^ ]* \({\)/\1/p' '$tmp/sub2.txt' | jq -r 'select(.seq != null) | \"\(.series) \(.seq)\"' | sort -u))\" ]"
stop_pid "$IOCD_PID"
mqtt_got "$tmp/sub2.txt" >"$tmp/got2.mqtt"
same "" "$(comm -23 "$tmp/want2.mqtt" "$tmp/got2.mqtt" | head -3)" \
    "mqtt: all $(wc -l <"$tmp/want2.mqtt") records committed while the broker was away delivered after kill -9"
echo "# kafka after the kill: $(grep -c . "$tmp/trace") committed records in all"
unset IOCD_COMMIT_TRACE

# ---- 3b. iocd --connector NAME: a log of its own, DIR@NAME ----
start_iocd one -c "$conf/iocd.conf" --connector ex
check "iocd --connector ex opens $obx@ex" \
    wait_for 10 at_least 1 "$tmp/one.err" "outbox $obx@ex: durable (fsync = poll)"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "... and stops cleanly"

# ---- 4. --once keeps to memory ----
conf1=$tmp/once
make_conf "$conf1"
printf '\n[outbox]\ndir = %s\n' "$tmp/once-outbox" >>"$conf1/iocd.conf"
add_example "$conf1" ex "$FEED_A/example"
"$IOCD" --once -c "$conf1/iocd.conf" >"$tmp/once.out" 2>"$tmp/once.err"
same 0 "$?" "--once with [outbox] dir: exit status 0"
check "--once: the records printed" grep -q '"source":"ex"' "$tmp/once.out"
check "--once: the outbox directory is not made" test ! -e "$tmp/once-outbox"

# ---- 5. a file that is not ours ----
mkdir -p "$tmp/foreign"
printf 'NOTOURS!%.0s' {1..8} >"$tmp/foreign/00000000000000000001.seg"
conf2=$tmp/foreignconf
make_conf "$conf2"
printf '\n[outbox]\ndir = %s\n' "$tmp/foreign" >>"$conf2/iocd.conf"
add_sink_mqtt "$conf2" 1
add_example "$conf2" ex "$FEED_A/example"
timeout 20 "$IOCD" -c "$conf2/iocd.conf" >"$tmp/foreign.out" 2>"$tmp/foreign.err"
rc=$?
check "a foreign segment: iocd exits with an error (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
contains "$tmp/foreign.err" "outbox: $tmp/foreign/00000000000000000001.seg: not an iocd outbox segment (bad magic), refusing to open the outbox" \
    "the error names the file and why"
finish
