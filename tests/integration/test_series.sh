#!/usr/bin/env bash
# test_series - publish on change and retired series (daemon/series.c,
# pipeline.c, sink_mqtt.c) with a real mosquitto, kafka-mock and feedsim's
# /static feed (a fixture file the test rewrites: values stay the same
# between polls until it does). One http_json instance polls every second
# (ts = the poll's time, so every observation has a new ts and seq);
# [sink.mqtt] refresh = 3s, retire_after = 5s; stdout and Kafka take every
# observation. Shown:
#  - an unchanged value is re-published on MQTT only once refresh has
#    passed: between two MQTT messages of a series its ts moved >= 3 s,
#    while stdout got observations in between;
#  - a change is published at the first poll that sees it (same seq as
#    the first stdout record with the new value);
#  - Kafka holds exactly every observation (counted against stdout);
#  - exact accounting at shutdown: stdout = MQTT queued + unchanged;
#  - a series no longer in the feed is retired after retire_after: logged
#    with a count, its retained topic is empty, the other one still holds
#    its value;
#  - retire_after at or below refresh is a configuration error (file:line);
#  - a broker restarted without persistence gets every series back (a
#    second run with refresh = 1h, so only the fresh-session re-publish can
#    do it): logged with a count, resent=2, a new subscriber sees both.
# TAP; stops what it starts by PID; bounded waits; asserts no duration of
# its own (the 3 s compared are the records' ts, decided by iocd).
source "$(dirname "$0")/lib.sh"

for tool in jq kcat mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

### retire_after must be above refresh ########################################
bad=$tmp/bad
make_conf "$bad"
printf '\n[sink.mqtt]\nenabled = true\nrefresh = 1h\nretire_after = 30min\n' >>"$bad/iocd.conf"
line=$(grep -n '^retire_after' "$bad/iocd.conf" | cut -d: -f1)
"$IOCD" -c "$bad/iocd.conf" --check-config >/dev/null 2>"$tmp/bad.err"
same 1 "$?" "--check-config refuses retire_after below refresh"
contains "$tmp/bad.err" "$bad/iocd.conf:$line: 'retire_after' must be above refresh" "naming file:line and the key"

read -r A B < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER" | head -2 | xargs)
static=$tmp/static
mkdir -p "$static"
# feed N_A N_B|-: the fixture (B absent when "-"), written atomically.
feed() {
    if [ "$2" = - ]; then
        printf '{"items":[{"area":"%s","n":%s}]}\n' "$A" "$1"
    else
        printf '{"items":[{"area":"%s","n":%s},{"area":"%s","n":%s}]}\n' "$A" "$1" "$B" "$2"
    fi >"$static/kpi.json.tmp"
    mv "$static/kpi.json.tmp" "$static/kpi.json"
}
feed 5 7
FEEDSIM_STATIC_DIR=$static start_feedsim S
start_mosquitto M
start_kafka K

TA=ioc/v1/96/st/test.n/$A TB=ioc/v1/96/st/test.n/$B
mosquitto_sub -p "$MQTT_PORT_M" -F '%t %l %p' -t 'ioc/v1/96/st/#' >"$tmp/sub.txt" 2>"$tmp/sub.err" &
SUB_PID=$!
pids+=("$SUB_PID")

conf=$tmp/conf
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
printf 'refresh = 3s\nretire_after = 5s\n' >>"$conf/iocd.conf"
add_sink_kafka "$conf" "$KAFKA_K"
printf '%s\n' "plugin = http_json" "url = $FEED_S/static?f=kpi" "interval = 1s" "timeout = 5s" \
    "records = items[]" "area = area" "metric.n.name = test.n" "metric.n.value = n" \
    "metric.n.unit = count" >"$conf/connectors.d/st.conf"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

# mqtt_of TOPIC: the payloads the subscriber got on TOPIC (empty lines for
# zero-length messages: the subscriber prints "TOPIC LENGTH PAYLOAD").
mqtt_of() { awk -v t="$1" '$1 == t { if ($2 == 0) print ""; else { sub(/^[^ ]* [0-9]+ /, ""); print } }' "$tmp/sub.txt"; }
stdout_of() { jq -c --arg a "$1" 'select(.area.code == $a)' "$out"; }
# milliseconds of the ts (all in one offset), per line of records on stdin.
ts_ms() { jq -r '(.ts[0:19] + "Z" | fromdateiso8601) * 1000 + (.ts[20:23] | tonumber)'; }
# mqtt_count TOPIC N [VALUE]: at least N messages on TOPIC (with VALUE, or
# zero-length when VALUE is "").
mqtt_count() {
    if [ $# -lt 3 ]; then [ "$(mqtt_of "$1" | wc -l)" -ge "$2" ]
    elif [ -z "$3" ]; then [ "$(mqtt_of "$1" | grep -c '^$')" -ge "$2" ]
    else [ "$(mqtt_of "$1" | grep -v '^$' | jq -r .value | grep -cx -- "$3")" -ge "$2" ]; fi
}

### unchanged: re-published only after refresh ################################
check "three MQTT messages of $TA arrive (the first and two refreshes)" \
    wait_for 30 mqtt_count "$TA" 3
mqtt_of "$TA" | head -3 >"$tmp/a3.jsonl"
same "5 5 5" "$(jq -r .value "$tmp/a3.jsonl" | xargs)" "the value did not change"
mapfile -t ts < <(ts_ms <"$tmp/a3.jsonl")
# iocd takes ts (wall clock) a few microseconds before it decides (monotonic
# clock): 10 ms of slack for that gap, far below the 1 s between polls.
check "between MQTT messages the ts moved by refresh or more ($((ts[1] - ts[0])), $((ts[2] - ts[1])) ms)" \
    test "$((ts[1] - ts[0]))" -ge 2990 -a "$((ts[2] - ts[1]))" -ge 2990
seq1=$(jq -r .seq "$tmp/a3.jsonl" | sed -n 2p) seq2=$(jq -r .seq "$tmp/a3.jsonl" | sed -n 3p)
between=$(stdout_of "$A" | jq -r --argjson a "$seq1" --argjson b "$seq2" 'select(.seq > $a and .seq < $b) | .seq' | wc -l)
check "observations in between went to stdout, not to MQTT ($between)" test "$between" -ge 1

### a change is published at once ############################################
feed 6 7
check "the new value reaches MQTT" wait_for 15 mqtt_count "$TA" 1 6
first_stdout=$(stdout_of "$A" | jq -r 'select(.value == 6) | .seq' | head -1)
first_mqtt=$(mqtt_of "$TA" | grep -v '^$' | jq -r 'select(.value == 6) | .seq' | head -1)
same "$first_stdout" "$first_mqtt" "the first observation of the change is the one published"

### retired: B leaves the feed ################################################
feed 6 -
check "B is retired after retire_after, with a count" \
    wait_for 20 at_least 1 "$err" "series: 1 retired (not seen for 5s)"
check "the subscriber saw B's zero-length clearing message" \
    wait_for 10 mqtt_count "$TB" 1 ""
mosquitto_sub -p "$MQTT_PORT_M" -t "$TB" -C 1 -W 2 >"$tmp/retained_b.txt" 2>/dev/null
same 0 "$(wc -c <"$tmp/retained_b.txt")" "B's retained topic is empty"
mosquitto_sub -p "$MQTT_PORT_M" -t "$TA" -C 1 -W 2 >"$tmp/retained_a.txt" 2>/dev/null
same 6 "$(jq -r .value "$tmp/retained_a.txt")" "A's retained topic still holds its value"

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"

### accounting ################################################################
emitted=$(count_lines "$out" '"source":"st"')
queued=$(counter "$err" "sink mqtt: queued=" queued)
unchanged=$(counter "$err" "sink mqtt: queued=" unchanged)
retired=$(counter "$err" "sink mqtt: queued=" retired)
same 1 "$retired" "the MQTT counters line says retired=1"
same 0 "$(counter "$err" "sink mqtt: queued=" resent)" "nothing re-sent: the broker never restarted"
check "the MQTT sink skipped unchanged metrics (unchanged=$unchanged)" test "${unchanged:-0}" -gt 0
# The KPI layer's messages go through the same MQTT outbox: B's stale
# marker (marks=), its alert (alerts=) and the source's summaries.
kpi=$(($(counter "$err" "series: count=" marks) + $(counter "$err" "series: count=" alerts) +
       $(counter "$err" "series: count=" summaries)))
same 1 "$(counter "$err" "series: count=" marks)" "B was marked stale once before it was retired"
same "$emitted" "$((queued - retired - kpi + unchanged))" \
    "every observation was queued for MQTT or counted unchanged (queued=$queued includes the clearing message and $kpi KPI messages)"
same "$queued" "$(counter "$err" "sink mqtt: queued=" delivered)" "and every queued message was delivered"
same 0 "$(counter "$err" "sink kafka: queued=" unchanged)" "Kafka skips nothing by default"
kafka_consume "$KAFKA_K" "$tmp/topic.all.tsv"
grep -v '^_alert/' "$tmp/topic.all.tsv" >"$tmp/topic.tsv"
same "$(counter "$err" "series: count=" alerts)" "$(grep -c '^_alert/' "$tmp/topic.all.tsv")" \
    "besides them, Kafka holds the alerts (keyed _alert/<series>)"
same "$emitted" "$(wc -l <"$tmp/topic.tsv")" "Kafka holds every one of the $emitted observations"
same "$(jq -r .seq "$out" | sort -n | xargs)" "$(cut -f2- "$tmp/topic.tsv" | jq -r .seq | sort -n | xargs)" \
    "with exactly the seq numbers stdout got"

stop_pid "$SUB_PID"

### a broker restarted without persistence gets every series back ############
# refresh = 1h and values that do not change: only the fresh-session
# re-publish can bring the retained values back.
feed 5 7
conf2=$tmp/conf2
make_conf "$conf2"
add_sink_mqtt "$conf2" "$MQTT_PORT_M"
printf 'refresh = 1h\nretire_after = 2h\n' >>"$conf2/iocd.conf"
# iocd waits 5 s before reconnecting, so the look at the restarted broker
# (about 1 s to start it, 1 s to listen) comes before iocd's re-publish:
# with 1 s it was a race that iocd won as often as not.
sed -i 's/^reconnect_max = 2s$/reconnect_min = 5s\nreconnect_max = 5s/' "$conf2/iocd.conf"
cp "$conf/connectors.d/st.conf" "$conf2/connectors.d/"
start_iocd run2 -c "$conf2/iocd.conf"
err2=$tmp/run2.err
# retained_count N: at least N series of st hold a retained value (a new
# subscriber gets them at once; -W ends its wait).
retained_count() {
    [ "$(timeout 10 mosquitto_sub -p "$MQTT_PORT_M" -v -t 'ioc/v1/96/st/#' -W 1 2>/dev/null |
        awk '{print $1}' | sort -u | wc -l)" -ge "$1" ]
}
check "both series are published and retained" wait_for 15 retained_count 2
check "later polls are unchanged (not re-published)" \
    wait_for 15 bash -c "kill -USR1 $IOCD_PID; sleep 0.5; grep 'sink mqtt: queued=' '$err2' | grep -qv ' unchanged=0 '"
stop_pid "$MQTT_PID_M"
start_mosquitto M2 "$MQTT_PORT_M"
# The restarted broker starts empty: what a subscriber finds there can only
# be iocd's re-publish, which it logs before sending (iocd may reconnect
# before this subscriber does, on a busy machine).
restarted_empty() {
    local n
    n=$(timeout 10 mosquitto_sub -p "$MQTT_PORT_M" -v -t 'ioc/v1/96/st/#' -W 1 2>/dev/null | wc -l)
    [ "$n" = 0 ] || grep -q "sink mqtt: the broker started a fresh session" "$err2"
}
check "the restarted broker holds no retained value but what iocd re-published" restarted_empty
check "iocd re-publishes every series for the fresh session, with a count" \
    wait_for 20 at_least 1 "$err2" "sink mqtt: re-published the last value of 2 series for the fresh session"
check "a new subscriber gets both series back" wait_for 10 retained_count 2
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
same 2 "$(counter "$err2" "sink mqtt: queued=" resent)" "the MQTT counters line says resent=2"
same "$(counter "$err2" "sink mqtt: queued=" queued)" "$(counter "$err2" "sink mqtt: queued=" delivered)" \
    "every queued message was delivered"
same "$(count_lines "$tmp/run2.out" '"source":"st"')" \
    "$(($(counter "$err2" "sink mqtt: queued=" queued) - 2 - $(counter "$err2" "series: count=" summaries) + $(counter "$err2" "sink mqtt: queued=" unchanged)))" \
    "every observation was queued or counted unchanged (queued less the 2 re-sent and the summaries)"

finish
