#!/usr/bin/env bash
# test_retry_after - Retry-After is obeyed on 429 and 503 only, never beyond
# the instance's backoff_max, without overflow (issue 11, Medium 4).
# Two feedsims (their /_stats count the requests):
# (a) fault `retry-after`: 200 with the data and `Retry-After:
#     99999999999`: the instance keeps polling on its 1 s interval (it used
#     to stop for good while its status stayed ok);
# (b) fault `http503` with `Retry-After: 9223372036854775807`: iocd waits
#     backoff_max (2 s), not centuries (UBSan used to abort on the x1000),
#     comes back, and the log and the retained status topic say what the
#     server asked for and what iocd waits.
source "$(dirname "$0")/lib.sh"

start_feedsim OK --retry-after 99999999999 --fault example=retry-after
start_feedsim BUSY --retry-after 9223372036854775807 --fault example=http503
header_of() { "${CURL[@]}" -o /dev/null -D - "$1/example" | tr -d '\r' | sed -n 's/^retry-after: //Ip'; }
# Asked before iocd starts; the generation moves, the counts below allow for it.
same 99999999999 "$(header_of "$FEED_OK")" "feedsim OK answers 200 with Retry-After: 99999999999"
same 9223372036854775807 "$(header_of "$FEED_BUSY")" "feedsim BUSY answers 503 with Retry-After: 2^63-1"
requests() { "${CURL[@]}" "$1/_stats" | jq -r '.endpoints.example.requests // 0'; }
at_least_requests() { [ "$(requests "$2")" -ge "$1" ]; }

start_mosquitto M
conf=$tmp/conf
make_conf "$conf" false
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" ok "$FEED_OK/example" "backoff_max = 2s"
add_example "$conf" busy "$FEED_BUSY/example" "backoff_max = 2s"
start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err

# (a) a 200's Retry-After is ignored: polls go on at the 1 s interval
# (1 request above + 4 polls).
check "200 with Retry-After: 99999999999: the instance keeps polling (4 more requests)" \
    wait_for 30 at_least_requests 5 "$FEED_OK"
check "no wait was taken from a 200's Retry-After" \
    bash -c "! grep -F 'info: ok: server asked to retry' '$err'"
check "its metrics are published" wait_for 10 at_least 1 "$err" "info: ok: status starting -> ok"

# (b) a 503's huge Retry-After is capped at backoff_max (2 s).
check "503 with Retry-After: 2^63-1: the wait is capped and says so" \
    wait_for 20 grep -qF "info: busy: server asked to retry after 9223372036854775807 s; waiting 2 s (backoff_max)" "$err"
contains "$err" "warning: busy: GET $FEED_BUSY/example: HTTP status 503 (with Retry-After); the server asked to retry after 9223372036854775807 s, iocd waits 2 s (backoff_max)" \
    "the request's warning says what the server asked for and what iocd waits"
check "the instance comes back after the capped wait (1 request above + 3 polls)" \
    wait_for 30 at_least_requests 4 "$FEED_BUSY"
status_busy() {
    timeout 5 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t ioc/v1/96/_status/busy -C 1 -W 3 \
        >"$tmp/status.txt" 2>/dev/null
    jq -r .last_error "$tmp/status.txt" 2>/dev/null | grep -qF "the server asked to retry after 9223372036854775807 s, iocd waits 2 s (backoff_max)" "$tmp/status.txt"
}
check "the retained status topic says so too" wait_for 20 status_busy
check "the daemon is still running" kill -0 "$IOCD_PID"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly"
check "no sanitizer report" bash -c "! grep -qE 'runtime error|AddressSanitizer' '$err'"

finish
