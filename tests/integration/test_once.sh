#!/usr/bin/env bash
# test_once - `iocd --once` against the feed simulator on 127.0.0.1: every
# stdout record checked field by field against the feed's own document
# (fetched separately with the data frozen, so both see the same values).
source "$(dirname "$0")/lib.sh"

start_feedsim A --seed 7 --records 6
same 200 "$(feed_control "$FEED_A" 'endpoint=example&freeze=1')" "feed data frozen"
"${CURL[@]}" "$FEED_A/example" >"$tmp/feed.json"
check "the feed answers a document with 6 areas" jqe '.areas | length == 6' "$tmp/feed.json"

conf=$tmp/conf
make_conf "$conf"
add_example "$conf" dash "$FEED_A/example" "on_time_target = 90"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/out.jsonl" 2>"$tmp/err.log"
same 0 "$?" "iocd --once exits 0 when every poll succeeded"
same 12 "$(wc -l <"$tmp/out.jsonl")" "12 records: 2 metrics for each of 6 areas"
check "every stdout line is a JSON object" jqe -s 'length == 12 and all(type == "object")' "$tmp/out.jsonl"

# The expected records, computed from the feed document with jq.
jq -c --argjson target 90 '
  .updated as $ts | .period as $p | .areas[] |
  ({metric: "example.received", value: .received, unit: "count", area: .code, name: .name,
    status: null},
   {metric: "example.on_time", value: .onTimePct, unit: "percent", area: .code, name: .name,
    status: (if .onTimePct >= $target then "ok" else "breach" end)})
  | . + {ts: $ts, from: $p.from, to: $p.to}' "$tmp/feed.json" | sort >"$tmp/expected.jsonl"
jq -c '{metric, value, unit, area: .area.code, name: .area.name,
        status: (.target.status // null), ts, from: .period.from, to: .period.to}' \
    "$tmp/out.jsonl" | sort >"$tmp/actual.jsonl"
if diff "$tmp/expected.jsonl" "$tmp/actual.jsonl" >"$tmp/diff"; then
    pass "metric, value, unit, area code and name, target status, ts and period match the feed"
else
    fail "records match the feed"
    sed 's/^/#   /' "$tmp/diff"
fi
valid_records "$tmp/out.jsonl" "every record is valid against docs/metric.schema.json"
check "schema is ioc.metric/1 on every record" jqe -s 'all(.schema == "ioc.metric/1")' "$tmp/out.jsonl"
check "source is the instance name" jqe -s 'all(.source == "dash")' "$tmp/out.jsonl"
check "area level commune, province 96" \
    jqe -s 'all(.area.level == "commune" and .area.province == "96")' "$tmp/out.jsonl"
check "series key = source/metric/area" \
    jqe -s 'all(.series == "\(.source)/\(.metric)/\(.area.code)")' "$tmp/out.jsonl"
check "target is {value 90, op >=} on on_time only" \
    jqe -s 'all(if .metric == "example.on_time" then .target.value == 90 and .target.op == ">="
                   else has("target") | not end)' "$tmp/out.jsonl"
check "seq is unique and increasing in output order" \
    jqe -s '[.[].seq] as $s | $s == ($s | sort) and ($s | unique | length) == 12' "$tmp/out.jsonl"
check "ts carries the +07:00 offset" jqe -s 'all(.ts | endswith("+07:00"))' "$tmp/out.jsonl"
contains "$tmp/err.log" "info: dash: counters: polls_ok=1 polls_failed=0 metrics=12 rejected=0" \
    "the counters line reports 1 poll, 12 metrics, 0 rejected"
check "the counters line gives the last success time and the status" \
    grep -qE "dash: counters: .* last_success=20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+07:00 status=ok$" "$tmp/err.log"

# A second run continues the sequence above the first (saved state).
first_max=$(jq -s 'map(.seq) | max' "$tmp/out.jsonl")
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/out2.jsonl" 2>/dev/null
check "a second run's seq numbers are all above the first run's" \
    jqe -s --argjson m "$first_max" 'all(.seq > $m)' "$tmp/out2.jsonl"

# A failing poll makes --once exit 1.
same 200 "$(feed_control "$FEED_A" 'endpoint=example&fault=http500')" "fault http500 armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/out3.jsonl" 2>"$tmp/err3.log"
same 1 "$?" "iocd --once exits 1 when a poll failed"
same 0 "$(wc -l <"$tmp/out3.jsonl")" "no records from a failed poll"
finish
