#!/usr/bin/env bash
# test_freshness - freshness, the stale marker, the per-source summary and
# alerts (daemon/series.c, freshness.c, alert.c, pipeline.c) with a real
# mosquitto, kafka-mock and feedsim's /static feed (a fixture the test
# rewrites). One http_json instance (source fr) polls every second, its
# records' time read from the fixture's `at` field; two series of one
# commune:
#  - fr/test.fresh.n: the catalogue gives it max_age = 4s;
#  - fr/test.fresh.rate: a record-supplied target (http_json's
#    `metric.ID.target = >= 90`), for breach; no max_age.
# Expected refresh: interval 1s x 3 = 3 s (neither has a catalogue refresh).
# Shown, with exact counts:
#  - breach -> still breach (a new value) -> ok: exactly one "enter" and one
#    "leave" breach alert, on MQTT (not retained) and on Kafka;
#  - a feed re-serving old data: n turns stale (reason old_data) within
#    max_age + the sweep's 1 s of its data time, rate (no max_age) does not;
#    fresh data: n's retained record loses the marker, stale "leave";
#  - a stopped feed (http500): both turn stale (reason not_seen) within
#    3 s + 1 s of the last successful poll; back: both fresh again;
#  - the retained summary on _summary/fr holds the exact counts at each step;
#  - the "series:" counters line: stale_turns, alerts.
# TAP; stops what it starts by PID; every wait bounded.
source "$(dirname "$0")/lib.sh"

for tool in jq kcat mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

read -r A < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER" | head -1)
static=$tmp/static
mkdir -p "$static"
now_ms() { date +%s%3N; }
iso() { date -u -d "@$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
# feed N RATE AT_MS: the fixture, written atomically.
feed() {
    printf '{"items":[{"area":"%s","n":%s,"rate":%s,"at":"%s"}]}\n' "$A" "$1" "$2" "$(iso "$3")" \
        >"$static/kpi.json.tmp"
    mv "$static/kpi.json.tmp" "$static/kpi.json"
}
# The fixture follows $tmp/want, "N RATE [AT_MS]": without AT_MS a live
# feed (at = now, rewritten every 0.2 s), with it a feed re-serving data
# of that time.
want() { echo "$*" >"$tmp/want.tmp" && mv "$tmp/want.tmp" "$tmp/want"; }
refresher() {
    local n r at
    while :; do
        read -r n r at <"$tmp/want"
        feed "$n" "$r" "${at:-$(now_ms)}"
        sleep 0.2
    done
}
want 5 50
feed 5 50 "$(now_ms)"
refresher &
pids+=("$!")
REFRESHER_PID=$!
FEEDSIM_STATIC_DIR=$static start_feedsim S
start_mosquitto M
start_kafka K

TN=ioc/v1/96/fr/test.fresh.n/$A TR=ioc/v1/96/fr/test.fresh.rate/$A
mosquitto_sub -p "$MQTT_PORT_M" -F '%t %p' -t 'ioc/v1/96/#' >"$tmp/sub.txt" 2>"$tmp/sub.err" &
SUB_PID=$!
pids+=("$SUB_PID")

conf=$tmp/conf
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
cat >>"$conf/catalog.conf" <<'CAT'

[metric.test.fresh.n]
label_vi = Thử nghiệm
label_en = Freshness test count
description = A count whose data must be at most 4 s old
unit = count
; none: the daemon's rollups would add a province series of its own
aggregate = none
max_age = 4s

[metric.test.fresh.rate]
label_vi = Thử nghiệm tỷ lệ
label_en = Freshness test rate
description = A share with a record-supplied target
unit = percent
aggregate = none
CAT
add_sink_mqtt "$conf" "$MQTT_PORT_M"
printf 'refresh = 1h\n' >>"$conf/iocd.conf"
add_sink_kafka "$conf" "$KAFKA_K"
printf '%s\n' "plugin = http_json" "source = fr" "url = $FEED_S/static?f=kpi" "interval = 1s" \
    "timeout = 2s" "backoff_max = 1s" "records = items[]" "area = area" "time = at" \
    "metric.n.name = test.fresh.n" "metric.n.value = n" "metric.n.unit = count" \
    "metric.rate.name = test.fresh.rate" "metric.rate.value = rate" "metric.rate.unit = percent" \
    "metric.rate.target = >= 90" >"$conf/connectors.d/fr.conf"
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/check.out" 2>&1
same 0 "$?" "--check-config accepts the catalogue's max_age"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

# payloads TOPIC: what the subscriber got on TOPIC.
payloads() { awk -v t="$1" '$1 == t { sub(/^[^ ]* /, ""); print }' "$tmp/sub.txt"; }
# alerts SERIES-TOPIC-TAIL STATE EVENT: how many alerts of that kind.
alerts() {
    payloads "ioc/v1/96/_alert/fr/$1/$A" |
        jq -c --arg s "$2" --arg e "$3" 'select(.state == $s and .event == $e)' | wc -l
}
# alerts_are N SERIES-TOPIC-TAIL STATE EVENT: exactly N such alerts so far.
alerts_are() { [ "$(alerts "$2" "$3" "$4")" -eq "$1" ]; }
# polled_with METRIC VALUE N: stdout has at least N records of METRIC with VALUE.
polled_with() { [ "$(stdout_count "$1" "$2")" -ge "$3" ]; }
# summary_is SERIES STALE BREACH: the retained summary of fr says so.
summary_is() {
    timeout 5 mosquitto_sub -p "$MQTT_PORT_M" -t ioc/v1/96/_summary/fr -C 1 -W 3 --retained-only \
        >"$tmp/summary.json" 2>/dev/null &&
        jqe --argjson a "$1" --argjson b "$2" --argjson c "$3" \
            '.series == $a and .stale == $b and .breach == $c and .last_success != null' \
            "$tmp/summary.json"
}
# since_ms TOPIC: the stale marker's since on TOPIC's last payload, in ms.
since_ms() {
    payloads "$1" | tail -1 |
        jq -r '.stale.since | capture("^(?<s>[^.Z]+)(\\.(?<ms>[0-9]{3}))?Z$") |
               (.s + "Z" | fromdateiso8601) * 1000 + ((.ms // "0") | tonumber)'
}
# last_of TOPIC JQ: the last payload on TOPIC satisfies JQ.
last_of() { payloads "$1" | tail -1 | jqe "$2"; }
stdout_count() { jq -c --arg m "$1" --argjson v "$2" 'select(.metric == $m and .value == $v)' "$out" | wc -l; }

### breach -> still breach -> ok: two alerts #################################
check "the breaching rate is published with its target" \
    wait_for 15 last_of "$TR" '.value == 50 and .target.op == ">="'
check "breach: one 'enter' alert" wait_for 10 alerts_are 1 test.fresh.rate breach enter
check "the summary counts 2 series, 0 stale, 1 in breach" wait_for 10 summary_is 2 0 1
check "several polls see the breach (stdout)" wait_for 10 polled_with test.fresh.rate 50 2
want 5 60
check "still breach with a new value: published" wait_for 10 last_of "$TR" '.value == 60'
check "and polled again" wait_for 10 polled_with test.fresh.rate 60 2
same 1 "$(alerts test.fresh.rate breach enter)" "still breach: no second 'enter' alert"
same 0 "$(alerts test.fresh.rate breach leave)" "and no 'leave' alert"
want 5 95
check "back on target: one 'leave' alert" wait_for 10 alerts_are 1 test.fresh.rate breach leave
payloads "ioc/v1/96/_alert/fr/test.fresh.rate/$A" | jq -c 'select(.state == "breach")' >"$tmp/breach.jsonl"
same '50 enter
95 leave' "$(jq -r '"\(.value) \(.event)"' "$tmp/breach.jsonl")" \
    "the alerts carry the value that entered (50) and the one that left (95)"
same '{"value":90,"op":">="}' "$(head -1 "$tmp/breach.jsonl" | jq -c '.target | {value, op}')" \
    "and the target"
same "$(jq -r '.area.code' "$tmp/breach.jsonl" | sort -u)" "$A" "and the area"
check "the summary counts 0 in breach" wait_for 10 summary_is 2 0 0

### a feed re-serving old data ##############################################
t_data=$(now_ms)
want 5 95 "$t_data"
# From now on the feed re-serves data of t_data: n's max_age is 4 s.
check "n turns stale (old data) and is re-published with the marker" \
    wait_for 15 last_of "$TN" '.stale.reason == "old_data"'
since=$(since_ms "$TN")
age=$(payloads "$TN" | tail -1 | jq -r '.stale.age_s')
# Stale once older than max_age (4 s), found by the sweep within ~1 s
# (docs/metric-record.md; 0.5 s more for a loaded machine).
check "after max_age, within max_age + 1.5 s of its data time (marked $((since - t_data)) ms after)" \
    test "$((since - t_data))" -gt 4000 -a "$((since - t_data))" -le 5500
check "the marker says how old its data is (age_s=$age)" test "$age" -ge 4 -a "$age" -le 6
same 1 "$(alerts test.fresh.n stale enter)" "one stale 'enter' alert for n"
same 0 "$(payloads "ioc/v1/96/_alert/fr/test.fresh.rate/$A" | jq -c 'select(.state == "stale")' | wc -l)" \
    "none for rate (no max_age, still polled)"
check "the summary counts 1 stale" wait_for 10 summary_is 2 1 0
same "" "$(payloads "$TR" | tail -1 | jq -r '.stale // empty')" "rate's record has no marker"
want 5 95
check "fresh data: n is re-published without the marker" wait_for 10 last_of "$TN" '.stale == null'
check "one stale 'leave' alert for n" wait_for 10 alerts_are 1 test.fresh.n stale leave
check "the summary counts 0 stale" wait_for 10 summary_is 2 0 0

### a stopped feed ###########################################################
# The feed stops answering (its data stays live: at = now when it is back).
same 200 "$(feed_control "$FEED_S" 'endpoint=static&fault=http500')" "the feed fails from now on"
t_stop=$(now_ms)
both_stale() { last_of "$TN" '.stale.reason == "not_seen"' && last_of "$TR" '.stale.reason == "not_seen"'; }
check "both series turn stale (not seen)" wait_for 15 both_stale
for t in "$TN" "$TR"; do
    s=$(since_ms "$t")
    # Last seen in the last poll before t_stop (polls every 1 s): stale
    # 3 s after it, found within the sweep's ~1 s (+0.5 s for a loaded machine).
    check "${t##*/fr/} marked $((s - t_stop)) ms after the feed stopped (2 s .. 4.5 s)" \
        test "$((s - t_stop))" -ge 2000 -a "$((s - t_stop))" -le 4500
done
check "the summary counts 2 stale" wait_for 10 summary_is 2 2 0
same 2 "$(alerts test.fresh.n stale enter)" "n: a second stale 'enter'"
same 1 "$(alerts test.fresh.rate stale enter)" "rate: its first stale 'enter'"
same 200 "$(feed_control "$FEED_S" 'endpoint=static&fault=none')" "the feed answers again"
both_fresh() { last_of "$TN" '.stale == null' && last_of "$TR" '.stale == null'; }
check "both are fresh again (no marker)" wait_for 15 both_fresh
check "the summary counts 0 stale" wait_for 10 summary_is 2 0 0
both_left() { alerts_are 2 test.fresh.n stale leave && alerts_are 1 test.fresh.rate stale leave; }
check "stale 'leave' alerts for both" wait_for 10 both_left

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
stop_pid "$SUB_PID"
stop_pid "$REFRESHER_PID"

### exact counts ##############################################################
# n: stale enter/leave twice; rate: breach enter/leave, stale enter/leave.
same 4 "$(payloads "ioc/v1/96/_alert/fr/test.fresh.n/$A" | wc -l)" "n: exactly 4 alerts on MQTT"
same 4 "$(payloads "ioc/v1/96/_alert/fr/test.fresh.rate/$A" | wc -l)" "rate: exactly 4 alerts on MQTT"
same 8 "$(counter "$err" "series: count=" alerts)" "the counters line says alerts=8"
same 3 "$(counter "$err" "series: count=" stale_turns)" "and stale_turns=3"
# marks= counts the sweep's re-publishes: the stopped feed's two series
# (only the sweep can see what is not seen), and n's old data when the
# sweep noticed it before the next poll did (a poll that brings old data
# marks the record it publishes instead, not counted): 2 or 3.
marks=$(counter "$err" "series: count=" marks)
check "and marks=$marks: the sweep's re-publishes, 2 for the stopped feed (+1 if it saw n's old data first)" \
    test "$marks" = 2 -o "$marks" = 3
kafka_consume "$KAFKA_K" "$tmp/topic.tsv"
same 8 "$(grep -c "^_alert/fr/" "$tmp/topic.tsv")" "Kafka holds the 8 alerts, keyed _alert/<series>"
same 0 "$(cut -f2- "$tmp/topic.tsv" | grep -c '"stale":{')" "and no stale marker (screens' state only)"
same 0 "$(grep -c '"schema":"ioc.summary/1"' "$tmp/topic.tsv")" "nor a summary"
same "$(count_lines "$out" '"source":"fr"')" "$(grep -vc '^_alert/' "$tmp/topic.tsv")" \
    "Kafka holds every observation besides (as many as stdout)"
same 0 "$(grep -c 'ioc.alert\|"stale":{\|ioc.summary' "$out")" "stdout has records only"
mqtt_retained "$MQTT_PORT_M" 'ioc/v1/96/_alert/#' "$tmp/retained_alerts.txt"
same 0 "$(wc -l <"$tmp/retained_alerts.txt")" "alerts are not retained"
if tests/tools/validate-json docs/summary.schema.json "$tmp/summary.json" >"$tmp/v.log" 2>&1; then
    pass "the summary is valid against docs/summary.schema.json"
else
    fail "the summary is valid against docs/summary.schema.json"
    sed 's/^/#   /' "$tmp/v.log"
fi
payloads "ioc/v1/96/_alert/fr/test.fresh.n/$A" | head -1 >"$tmp/alert.json"
if tests/tools/validate-json docs/alert.schema.json "$tmp/alert.json" >"$tmp/v2.log" 2>&1; then
    pass "an alert is valid against docs/alert.schema.json"
else
    fail "an alert is valid against docs/alert.schema.json"
    sed 's/^/#   /' "$tmp/v2.log"
fi

finish
