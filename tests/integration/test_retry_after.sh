#!/usr/bin/env bash
# test_retry_after - Retry-After is obeyed on 429 and 503 only, never beyond
# the instance's backoff_max, without overflow (issue 11, Medium 4). A real
# HTTP server on 127.0.0.1 (tests/tools/origin-server) answers
# (a) 200 with `Retry-After: 99999999999`: the instance keeps polling on
#     its interval (it used to stop for good with its status still ok);
# (b) 503 with `Retry-After: 9223372036854775807`: iocd waits backoff_max,
#     not centuries (UBSan used to abort on the x1000), comes back, and the
#     log line and the retained status topic say what the server asked for
#     and what iocd waits.
source "$(dirname "$0")/lib.sh"

SERVER=$top/tests/tools/origin-server
echo '{}' >"$tmp/routes.json"
"$SERVER" --port-file "$tmp/server.port" --log "$tmp/server.requests" --routes "$tmp/routes.json" \
    >"$tmp/server.log" 2>&1 &
pids+=("$!")
wait_for 10 test -s "$tmp/server.port" || { echo "Bail out! origin-server did not start"; exit 1; }
U=http://127.0.0.1:$(cat "$tmp/server.port")
body=$(jq -cn '{items: [{area: "31825", n: 1}]} | tojson')
cat >"$tmp/routes.json" <<JSON
{"/ok": {"status": 200, "headers": {"Retry-After": "99999999999"}, "body": $body},
 "/busy": {"status": 503, "headers": {"Retry-After": "9223372036854775807"}, "body": "{}"}}
JSON
hits() { grep -c "\"path\": \"$1\"" "$tmp/server.requests" 2>/dev/null || true; }
at_least_hits() { [ "$(hits "$2")" -ge "$1" ]; }

start_mosquitto M
conf=$tmp/conf
make_conf "$conf" false
add_sink_mqtt "$conf" "$MQTT_PORT_M"
for name in ok busy; do
    printf '%s\n' "plugin = http_json" "url = $U/$name" "interval = 1s" "timeout = 3s" \
        "backoff_max = 2s" "records = items[]" "area = area" "metric.n.name = test.n" \
        "metric.n.value = n" "metric.n.unit = count" >"$conf/connectors.d/$name.conf"
done
start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err

# (a) a 200's Retry-After is ignored: polls go on at the 1 s interval.
check "200 with Retry-After: 99999999999: the instance keeps polling (4 requests)" \
    wait_for 30 at_least_hits 4 /ok
check "no wait was taken from a 200's Retry-After" \
    bash -c "! grep -F 'info: ok: server asked to retry' '$err'"

# (b) a 503's huge Retry-After is capped at backoff_max (2 s).
check "503 with Retry-After: 2^63-1: the wait is capped and says so" \
    wait_for 20 grep -qF "info: busy: server asked to retry after 9223372036854775807 s; waiting 2 s (backoff_max)" "$err"
contains "$err" "warning: busy: GET $U/busy: HTTP status 503 (with Retry-After); the server asked to retry after 9223372036854775807 s, iocd waits 2 s (backoff_max)" \
    "the request's warning says what the server asked for and what iocd waits"
check "the instance comes back after the capped wait (3 requests)" wait_for 30 at_least_hits 3 /busy
status_busy() {
    timeout 5 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t ioc/v1/96/_status/busy -C 1 -W 3 \
        >"$tmp/status.txt" 2>/dev/null
    grep -qF "the server asked to retry after 9223372036854775807 s, iocd waits 2 s (backoff_max)" "$tmp/status.txt"
}
check "the retained status topic says so too" wait_for 20 status_busy
check "the daemon is still running" kill -0 "$IOCD_PID"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly"
check "no sanitizer report" bash -c "! grep -qE 'runtime error|AddressSanitizer' '$err'"

finish
