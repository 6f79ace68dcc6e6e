#!/usr/bin/env bash
# test_poll_abort - a poll cut short by SIGHUP (reload) or SIGTERM (stop)
# is no failure of the feed (issue 17, item 4).
#
# Three instances, each on its own kind of connector: `ex` (example: one
# plain request), `dv` (dvc: a page walk through the SDK) and `hj`
# (http_json on the dvc feed: a page walk with its own failure line). Each
# is caught in a slow answer (feedsim's `slow` fault, 30 s, against a poll
# timeout of 10 s) by a SIGHUP after an edit of its file (a reload restarts
# only the instances whose configuration changed), and again by a SIGTERM.
# Through both:
#   - the retained status of each instance, as a real subscriber on
#     _status/# saw it from the start, is `online` until the `offline` of
#     the clean stop: never `degraded`;
#   - no warning or error line names an instance, and no "next attempt",
#     "-> degraded", "poll failed" or "gave no reason" line appears;
#   - each instance says at info level, once per signal, that its poll was
#     interrupted;
#   - the counters logged on the way out say polls_failed=0 and
#     http_failures=0 (the aborted transfer is no failure of the feed).
source "$(dirname "$0")/lib.sh"
for tool in jq mosquitto mosquitto_pub mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done
INSTANCES=(ex dv hj)
declare -A before

start_feedsim A --records 5 --slow-ms 30000
start_feedsim H --records 5 --slow-ms 30000
start_mosquitto M
conf=$tmp/conf
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" ex "$FEED_A/example" "timeout = 10s"
printf 'plugin = dvc\ninterval = 1s\ntimeout = 10s\nurl = %s/dvc\n' "$FEED_A" \
    >"$conf/connectors.d/dv.conf"
sed -e "s|^url = .*|url = $FEED_H/dvc|" -e 's/^interval = .*/interval = 1s/' \
    -e 's/^timeout = .*/timeout = 10s/' conf/examples/dvc.conf >"$conf/connectors.d/hj.conf"
same 3 "$(grep -cE '^(interval = 1s|timeout = 10s|url = http://127)' "$conf/connectors.d/hj.conf")" \
    "hj: the http_json example reads feed H every second, timeout 10 s"

# Every status message from the start, in order: "topic payload".
start_mqtt_sub "$MQTT_PORT_M" 'ioc/v1/96/_status/#' "$tmp/status.log"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

published() { count_lines "$out" "\"source\":\"$1\""; }
for i in "${INSTANCES[@]}"; do
    check "$i: publishes" wait_for 20 at_least 1 "$out" "\"source\":\"$i\""
done

# fault_used FEED ENDPOINT: the fault armed on ENDPOINT has no request left.
fault_used() { [ "$("${CURL[@]}" "$1/_control?endpoint=$2" | jq -r .remaining)" = 0 ]; }
# catch_in_slow_polls: the next request of each instance gets a 30 s answer;
# returns once all three have begun (the fault's count went to 0).
catch_in_slow_polls() {
    local feed url endpoint
    for feed in "$FEED_A example" "$FEED_A dvc" "$FEED_H dvc"; do
        read -r url endpoint <<<"$feed"
        same 200 "$(feed_control "$url" "endpoint=$endpoint&fault=slow&count=1")" \
            "$1: slow answer armed on $url/$endpoint"
    done
    for feed in "$FEED_A example" "$FEED_A dvc" "$FEED_H dvc"; do
        read -r url endpoint <<<"$feed"
        check "$1: a poll is waiting on the slow $url/$endpoint" \
            wait_for 10 fault_used "$url" "$endpoint"
    done
}

### SIGHUP during the slow polls ############################################
catch_in_slow_polls SIGHUP
for i in "${INSTANCES[@]}"; do before[$i]=$(published "$i"); done
# A reload restarts only the instances whose configuration changed
# (test_reload): change each one's so that the reload stops its poll.
sed -i 's/^timeout = 10s$/timeout = 11s/' "$conf"/connectors.d/{ex,dv,hj}.conf
kill -HUP "$IOCD_PID"
check "SIGHUP: configuration reloaded" \
    wait_for 20 at_least 1 "$err" "configuration reloaded: 3 connector instances"
for i in "${INSTANCES[@]}"; do
    check "SIGHUP: $i publishes again after the reload" \
        wait_for 20 at_least $((before[$i] + 1)) "$out" "\"source\":\"$i\""
    same 1 "$(count_lines "$err" "info: $i: poll interrupted: the instance is stopping")" \
        "SIGHUP: $i says once, at info level, that its poll was interrupted"
done
# Counters of the instances running now (the reloaded ones).
kill -USR1 "$IOCD_PID"
for i in "${INSTANCES[@]}"; do
    check "SIGUSR1: $i logs its counters" wait_for 10 at_least 1 "$err" "info: $i: counters:"
    same 0 "$(counter "$err" "info: $i: counters:" polls_failed)" "SIGHUP: $i: polls_failed=0"
done

### SIGTERM during the slow polls ###########################################
catch_in_slow_polls SIGTERM
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
contains "$err" "SIGTERM received: stopping" "SIGTERM: logged"
for i in "${INSTANCES[@]}"; do
    same 2 "$(count_lines "$err" "info: $i: poll interrupted: the instance is stopping")" \
        "SIGTERM: $i says again, at info level, that its poll was interrupted"
    line=$(grep -F "info: $i: counters:" "$err" | tail -1)
    same "polls_failed=0 http_failures=0" \
        "$(grep -o 'polls_failed=[0-9]*' <<<"$line") $(grep -o 'http_failures=[0-9]*' <<<"$line")" \
        "SIGTERM: $i: polls_failed=0 http_failures=0 in the counters logged on the way out"
    check "SIGTERM: $i's last status is offline" \
        wait_for 10 status_heard "$tmp/status.log" "ioc/v1/96/_status/$i offline"
done
stop_pid "$SUB_PID"

### what the operator saw ###################################################
for i in "${INSTANCES[@]}"; do
    seq=$(status_texts "$tmp/status.log" | sed -n "s|^ioc/v1/96/_status/$i ||p" | tr '\n' ' ')
    same "online offline " "$seq" "status of $i on the broker: online until the clean stop's offline"
done
same 0 "$(untimed "$err" | grep -cE "^(warning|error): (ex|dv|hj): ")" "no warning or error line names an instance"
for text in "next attempt in" " -> degraded" "poll failed" "gave no reason" "aborted: shutting down"; do
    same 0 "$(count_lines "$err" "$text")" "no line says '$text'"
done
if [ "$failed" -ne 0 ]; then
    echo "# status messages:"
    sed 's/^/#   /' "$tmp/status.log"
    echo "# log lines of the instances above debug:"
    grep -E "^(info|warning|error): (ex|dv|hj): " "$err" | grep -v counters: | sed 's/^/#   /'
fi
finish
