#!/usr/bin/env bash
# test_metrics - /metrics and /health over HTTP (issue 16 item 2).
#
# A known run: feed A serves 4 areas cleanly (8 series), feed B serves a
# data fault (wrong-type: one record rejected), feed C answers HTTP 500 to
# every request; three example connectors poll once an hour (one poll
# each, so every figure is exact), with real mosquitto and
# kafka-mock as sinks and http_listen on a free loopback port. Then
# /metrics is parsed with Debian's python3-prometheus-client
# (text_string_to_metric_families) and each value compared with what the
# daemon's own counters line (SIGUSR1) says and with what a subscriber
# and a Kafka consumer received. /health answers 503 and names the failed
# connector. The configuration refuses a non-loopback http_listen without
# http_allow_remote, and two instances on the same port.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, with python3-prometheus-client

start_feedsim A --records 4
start_feedsim B --records 4 --fault example=wrong-type
start_feedsim C --records 4 --fault example=http500
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf" false
sed -i 's/^stats_interval = 0$/stats_interval = 0\nhttp_listen = 127.0.0.1:0/' "$conf/iocd.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_sink_kafka "$conf" "$KAFKA_K"
add_example "$conf" good "$FEED_A/example" "interval = 1h"
add_example "$conf" shaky "$FEED_B/example" "interval = 1h"
add_example "$conf" broken "$FEED_C/example" "interval = 1h" "backoff_max = 1h" "fail_after = 1"

# A live subscriber from before the start sees every message the sink delivers.
start_subscriber M 'ioc/v1/96/#' "$tmp/sub.txt"
start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err
check "the endpoint is up" wait_for 10 at_least 1 "$err" "http: serving /metrics and /health on 127.0.0.1:"
port=$(sed -n 's/.*http: serving .* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$err" | head -1)
check "the endpoint's port is known ($port)" test -n "$port" -a "$port" != 0
URL=http://127.0.0.1:$port
check "every connector polled once" wait_for 20 bash -c \
    "grep -q 'good: status starting -> ok' '$err' && grep -q 'broken: status starting -> failed' '$err' && grep -qE 'shaky: status starting -> (ok|degraded|failed)' '$err'"
# Every metric delivered (nothing in the outboxes or in flight) before counting.
delivered() {
    "${CURL[@]}" "$URL/metrics" | grep -E '^iocd_sink_(outbox_metrics|in_flight)\{' |
        awk '{s += $2} END {exit !(NR == 4 && s == 0)}'
}
check "the sinks delivered everything" wait_for 20 delivered
sleep 1 # the subscriber's last messages
kill -USR1 "$IOCD_PID"
check "the counters lines are logged" wait_for 5 at_least 1 "$err" "sink kafka: queued="
"${CURL[@]}" -D "$tmp/metrics.head" "$URL/metrics" >"$tmp/metrics.txt"
contains "$tmp/metrics.head" "Content-Type: text/plain; version=0.0.4" "/metrics is the Prometheus text format"

# The parser: every sample as "name{sorted labels} value", families' types.
"$PY" - "$tmp/metrics.txt" >"$tmp/samples.txt" 2>"$tmp/parse.err" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
    print(f"# family {fam.name} {fam.type}")
    for s in fam.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        value = int(s.value) if s.value == int(s.value) else s.value
        print(f"{s.name}{{{labels}}} {value}")
PYEOF
same 0 "$?" "prometheus_client parses /metrics"
head -5 "$tmp/parse.err" | sed 's/^/#   /'
# value NAME{LABELS}: the parsed value of one sample.
value() { grep -F -- "$1 " "$tmp/samples.txt" | head -1 | awk '{print $NF}'; }
cnt() { counter "$err" "$1: counters:" "$2"; }
snk() { counter "$err" "sink $1: queued=" "$2"; }

same counter "$(sed -n 's/^# family iocd_connector_polls \(.*\)$/\1/p' "$tmp/samples.txt")" \
    "iocd_connector_polls_total is a counter family (iocd_connector_polls)"
for c in good shaky broken; do
    same "$(cnt "$c" polls_ok)" "$(value "iocd_connector_polls_total{connector=\"$c\",result=\"ok\"}")" \
        "$c: polls ok = its counters line ($(cnt "$c" polls_ok))"
    same "$(cnt "$c" polls_failed)" "$(value "iocd_connector_polls_total{connector=\"$c\",result=\"failed\"}")" \
        "$c: polls failed = its counters line ($(cnt "$c" polls_failed))"
    same "$(cnt "$c" metrics)" "$(value "iocd_connector_records_total{connector=\"$c\"}")" \
        "$c: records = its counters line ($(cnt "$c" metrics))"
    same "$(cnt "$c" rejected)" "$(value "iocd_connector_records_rejected_total{connector=\"$c\"}")" \
        "$c: rejected = its counters line ($(cnt "$c" rejected))"
done
same "1 0 8 0" "$(cnt good polls_ok) $(cnt good polls_failed) $(cnt good metrics) $(cnt good rejected)" \
    "good: the known run: 1 poll ok, 8 records, none rejected"
same "0 1 0" "$(cnt broken polls_ok) $(cnt broken polls_failed) $(cnt broken metrics)" \
    "broken: the known run: 1 failed poll, no record"
same "1 0 7 1" "$(cnt shaky polls_ok) $(cnt shaky polls_failed) $(cnt shaky metrics) $(cnt shaky rejected)" \
    "shaky: the known run: 1 poll ok, 7 records, 1 rejected (feedsim's wrong-type)"
same 1 "$(value 'iocd_connector_status{connector="good",state="ok"}')" "good: status ok"
same 1 "$(value 'iocd_connector_status{connector="broken",state="failed"}')" "broken: status failed"
same 0 "$(value 'iocd_connector_status{connector="broken",state="ok"}')" "broken: not ok"
age=$(value 'iocd_connector_seconds_since_last_success{connector="good"}')
check "good: seconds since its last success is small ($age)" test "${age:-99}" -le 30
same "" "$(value 'iocd_connector_seconds_since_last_success{connector="broken"}')" \
    "broken: no seconds-since-last-success sample (never succeeded)"
same 8 "$(value 'iocd_connector_series{connector="good"}')" "good: 8 series kept (2 metrics x 4 areas)"
same 0 "$(value 'iocd_connector_stale_series{connector="good"}')" "good: no stale series"

# Sinks: as their counters lines say, and as the subscriber and Kafka saw.
for s in mqtt kafka; do
    same 1 "$(value "iocd_sink_connected{sink=\"$s\"}")" "sink $s: connected"
    same "$(snk "$s" queued)" "$(value "iocd_sink_queued_total{sink=\"$s\"}")" \
        "sink $s: queued = its counters line ($(snk "$s" queued))"
    same "$(snk "$s" delivered)" "$(value "iocd_sink_delivered_total{sink=\"$s\"}")" \
        "sink $s: delivered = its counters line ($(snk "$s" delivered))"
    same 0 "$(value "iocd_sink_dropped_total{sink=\"$s\"}")" "sink $s: nothing dropped"
    same 0 "$(value "iocd_sink_outbox_bytes{sink=\"$s\"}")" "sink $s: outbox empty (bytes)"
done
stop_pid "$SUB_PID"
seen=$(grep -cv -e '^ioc/v1/96/_status/' -e '^ioc/v1/96/_catalog ' "$tmp/sub.txt")
same "$seen" "$(value 'iocd_sink_delivered_total{sink="mqtt"}')" \
    "sink mqtt: delivered = messages the subscriber received ($seen)"
kafka_consume "$KAFKA_K" "$tmp/kafka.txt"
same "$(wc -l <"$tmp/kafka.txt")" "$(value 'iocd_sink_delivered_total{sink="kafka"}')" \
    "sink kafka: delivered = messages in the topic ($(wc -l <"$tmp/kafka.txt"))"
same 1 "$(value 'iocd_build_info{version="0.1.0"}')" "build info"
rss=$(value 'process_resident_memory_bytes{}')
statm=$(awk '{print $2}' "/proc/$IOCD_PID/statm")
check "RSS is the daemon's (/proc/PID/statm: $((statm * $(getconf PAGESIZE))), /metrics: $rss)" \
    test "$rss" -gt $((statm * $(getconf PAGESIZE) / 2)) -a "$rss" -lt $((statm * $(getconf PAGESIZE) * 2))
up=$(value 'iocd_uptime_seconds{}')
check "uptime is a positive number of seconds ($up)" "$PY" -c "import sys; sys.exit(not 0 < float('$up') < 120)"

# /health: 503 naming the failed connector.
code=$("${CURL[@]}" -o "$tmp/health.json" -w '%{http_code}' "$URL/health")
same 503 "$code" "/health answers 503 with a failed connector"
same failed "$(jq -r .status "$tmp/health.json")" "/health: status failed"
same 1 "$(jq '.failed | length' "$tmp/health.json")" "/health: one thing failed"
check "/health names the failed connector and why" \
    jqe '.failed[0] | startswith("connector broken: GET http://127.0.0.1:") and contains("HTTP status 500")' "$tmp/health.json"
same "failed ok true" "$(jq -r '[.connectors.broken.state, .connectors.good.state, .sinks.mqtt.connected] | join(" ")' "$tmp/health.json")" \
    "/health: broken failed, good ok, mqtt connected"
same 404 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$URL/other")" "another path: 404"
same 405 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")" "POST: 405"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"

# Configuration: loopback only unless allowed; one port per instance.
sed -i 's/^http_listen = .*/http_listen = 0.0.0.0:9108/' "$conf/iocd.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/cc1.out" 2>&1
contains "$tmp/cc1.out" "'http_listen' = '0.0.0.0:9108' is not a loopback address" \
    "a non-loopback http_listen is refused, naming the key"
printf 'http_allow_remote = true\n' >"$tmp/allow"
sed -i "/^http_listen = /r $tmp/allow" "$conf/iocd.conf"
config_ok() { "$IOCD" --check-config -c "$1" >/dev/null 2>&1; }
check "allowed with http_allow_remote = true" config_ok "$conf/iocd.conf"
echo "http_listen = 127.0.0.1:9201" >>"$conf/connectors.d/good.conf"
echo "http_listen = 127.0.0.1:9201" >>"$conf/connectors.d/shaky.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/cc2.out" 2>&1
contains "$tmp/cc2.out" "'http_listen' = '127.0.0.1:9201' is also good's" \
    "two instances on one address are refused"
finish
