#!/usr/bin/env bash
# test_http_304 - a 304 answer to a request that carried no validators
# (no ETag nor date remembered for the URL, or conditional = false) is an
# error of the poll, never "nothing new" (issue 17, item 5).
#
# feedsim's `not-modified` fault answers 304 whatever the request carried,
# as a broken cache or proxy in front of a feed does. Four instances:
#  - ex1 (example) and dv1 (dvc) on feed F, answered 304 to their first
#    three requests: a warning "HTTP 304 without a conditional request"
#    for each, three failed polls (polls_failed=3, http_failures=3),
#    nothing counted as not modified, the retained status degraded with
#    that reason until the feed answers 200 - before, the example
#    connector counted each as a success, and both counted the 304s as
#    not modified (http_not_modified=3, http_failures=0);
#  - ex2 (example, which asks conditionally) on feed L, whose first answers
#    are 200 without validators (the `slow` fault delivers the body without
#    ETag or Last-Modified), then 304s: the same error, and its series,
#    no longer seen, get their stale marker (reason not_seen) while the
#    feed answers 304, the summary's last_success stays that of the last
#    200 - before, each 304 counted as a success that "confirmed" every
#    series, so they never turned stale;
#  - hj (http_json, conditional = false) on feed L's dvc, 200 then 304s:
#    the same error line and status.
source "$(dirname "$0")/lib.sh"
for tool in jq mosquitto mosquitto_pub mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done
ERR="HTTP 304 without a conditional request"

start_feedsim F --records 2 --fault example=not-modified:3 --fault dvc=not-modified:3
start_feedsim L --records 2 --slow-ms 200 --fault example=slow
start_mosquitto M
conf=$tmp/conf
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" ex1 "$FEED_F/example" "backoff_max = 1s"
add_example "$conf" ex2 "$FEED_L/example" "backoff_max = 1s"
printf 'plugin = dvc\ninterval = 1s\nbackoff_max = 1s\ntimeout = 3s\nurl = %s/dvc\n' "$FEED_F" \
    >"$conf/connectors.d/dv1.conf"
sed -e "s|^url = .*|url = $FEED_L/dvc|" -e 's/^interval = .*/interval = 1s\nbackoff_max = 1s/' \
    -e 's/^timeout = .*/timeout = 3s/' conf/examples/dvc.conf >"$conf/connectors.d/hj.conf"
check "hj: http_json without 'conditional' (false by default)" \
    bash -c "! grep -q '^conditional' '$conf/connectors.d/hj.conf'"

# Every message under the province from the start: "topic payload".
start_mqtt_sub "$MQTT_PORT_M" 'ioc/v1/96/#' "$tmp/sub.txt"
start_iocd run -c "$conf/iocd.conf" --log-level debug
out=$tmp/run.out err=$tmp/run.err

# payloads TOPIC: what the subscriber got on TOPIC, in order.
payloads() { awk -v t="$1" '$1 == t { sub(/^[^ ]* /, ""); print }' "$tmp/sub.txt"; }
# statuses NAME: NAME's status as the subscriber saw it, as text (status_texts).
statuses() { status_texts "$tmp/sub.txt" | sed -n "s|^ioc/v1/96/_status/$1 ||p"; }
last_status_is() { [ "$(statuses "$1" | tail -1)" = "$2" ]; }
# counters_of NAME: SIGUSR1, then the counters line it made for NAME.
counters_of() {
    local before
    before=$(count_lines "$err" "info: $1: counters:")
    kill -USR1 "$IOCD_PID"
    wait_for 10 at_least $((before + 1)) "$err" "info: $1: counters:" || return 1
    grep -F "info: $1: counters:" "$err" | tail -1
}
# field LINE NAME: NAME=value in a counters line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

### first answers 304: ex1 (example), dv1 (dvc) #############################
# Feed F answers the first 3 requests of each with 304, then 200s.
for i in ex1:example dv1:dvc; do
    name=${i%%:*} path=${i#*:}
    check "$name: publishes once the 304s are over" wait_for 20 at_least 1 "$out" "\"source\":\"$name\""
    same 3 "$(count_lines "$err" "warning: $name: GET $FEED_F/$path: $ERR")" \
        "$name: 'warning: $name: GET $FEED_F/$path: $ERR', once per 304"
    same 0 "$(count_lines "$err" "$name: GET $FEED_F/$path: not modified")" \
        "$name: no answer taken for 'not modified'"
    check "$name: online again" wait_for 10 last_status_is "$name" online
    # (The first "online" may be replaced before the instance's status
    # connection is up: status_mqtt sends the current status then.)
    same "degraded: GET $FEED_F/$path: $ERR|failed: GET $FEED_F/$path: $ERR|online" \
        "$(statuses "$name" | sed '1{/^online$/d}' | paste -sd'|')" \
        "$name: retained status: [online,] degraded with the reason, failed (fail_after = 3), online"
    line=$(counters_of "$name")
    same "polls_failed=3 http_failures=3 http_not_modified=0" \
        "polls_failed=$(field "$line" polls_failed) http_failures=$(field "$line" http_failures) http_not_modified=$(field "$line" http_not_modified)" \
        "$name: counters: the three 304s are three failed polls, none not modified"
done
same 3 "$(count_lines "$err" "error: dv1: page 1 failed; poll failed, nothing published")" \
    "dv1: the connector's own line names the page"
same 0 "$(count_lines "$err" "reported failure without a reason")" \
    "the status reason is the daemon's line, never the default of a silent connector"

### 200s without validators, then 304s: ex2 (example), hj (http_json) #######
check "ex2: publishes (200 without validators)" wait_for 20 at_least 1 "$out" '"source":"ex2"'
check "hj: publishes (200)" wait_for 20 at_least 1 "$out" '"source":"hj"'
check "ex2: online" wait_for 10 last_status_is ex2 online
ex2_topics() { awk '$1 ~ "^ioc/v1/96/ex2/" { print $1 }' "$tmp/sub.txt" | sort -u; }
summary_field() { payloads ioc/v1/96/_summary/ex2 | tail -1 | jq -r "$1"; }
has_summary() { [ -n "$(payloads ioc/v1/96/_summary/ex2 | tail -1)" ]; }
check "ex2: its summary is out" wait_for 10 has_summary
for endpoint in example dvc; do
    same 200 "$(feed_control "$FEED_L" "endpoint=$endpoint&fault=not-modified")" \
        "L: $endpoint answers 304 from now on"
done
t_304=$(date +%s%3N)
check "ex2: 'warning: ex2: GET $FEED_L/example: $ERR'" \
    wait_for 10 at_least 1 "$err" "warning: ex2: GET $FEED_L/example: $ERR"
check "ex2: retained status 'degraded: GET $FEED_L/example: $ERR'" \
    wait_for 10 last_status_is ex2 "degraded: GET $FEED_L/example: $ERR"
# From here every poll of ex2 gets a 304: what the last 200 left stays.
before=$(counters_of ex2)
summary_before=$(summary_field .last_success)
check "hj: 'warning: hj: GET $FEED_L/dvc: $ERR'" \
    wait_for 10 at_least 1 "$err" "warning: hj: GET $FEED_L/dvc: $ERR"
contains "$err" "error: hj: page 1 failed ($ERR); nothing of this walk is published" \
    "hj: the connector's own line names the page and the reason"
check "hj: retained status 'degraded: GET $FEED_L/dvc: $ERR'" \
    wait_for 10 last_status_is hj "degraded: GET $FEED_L/dvc: $ERR"

# Freshness: every series of ex2 is seen no more, so it turns stale.
mapfile -t topics < <(ex2_topics)
stale_all() {
    local t
    for t in "${topics[@]}"; do
        payloads "$t" | tail -1 | jq -e '.stale.reason == "not_seen"' >/dev/null || return 1
    done
}
check "ex2: all ${#topics[@]} series get the stale marker (not_seen) while the feed answers 304" \
    wait_for 15 stale_all
echo "# stale markers $(($(date +%s%3N) - t_304)) ms after the first 304 was armed (refresh: 3 x 1 s)"
same "${#topics[@]}" "$(summary_field .stale)" "ex2: the summary counts them stale"
same "$summary_before" "$(summary_field .last_success)" \
    "ex2: the summary's last_success stays that of the last 200 ($summary_before)"
after=$(counters_of ex2)
same "$(field "$before" polls_ok) $(field "$before" last_success)" \
    "$(field "$after" polls_ok) $(field "$after" last_success)" \
    "ex2: polls_ok and last_success stay those of the last 200"
check "ex2: polls_failed=$(field "$after" polls_failed) (>= 1), http_not_modified=0" \
    test "$(field "$after" polls_failed)" -ge 1 -a "$(field "$after" http_not_modified)" = 0

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
stop_pid "$SUB_PID"
if [ "$failed" -ne 0 ]; then
    echo "# status messages:"
    grep '_status/' "$tmp/sub.txt" | sed 's/^/#   /'
    echo "# log lines above debug:"
    grep -E "^(info|warning|error): (ex1|ex2|dv1|hj): " "$err" | head -40 | sed 's/^/#   /'
fi
finish
