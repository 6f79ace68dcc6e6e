#!/usr/bin/env bash
# test_rollups - province records the daemon adds up from one poll's
# commune values (docs/metric-record.md, "Rollups"), end to end: an
# http_json instance reads a hand-written page (served by python's
# http.server on 127.0.0.1) with the shipped catalogue configured, and
# `iocd --once` publishes, besides the commune records:
#   - dvc.dossiers.received_by_channel (aggregate = sum) per channel: the
#     exact sums, from 3 of the 64 communes of province 96, where the old
#     code 31819 (merged wholly into 31834) is summed into 31834 and counts
#     once beside 31834 itself;
#   - dvc.on_time_ratio (aggregate = ratio) per channel: sum of numerators
#     over sum of denominators (56/67 and 70/85), which is not the mean of
#     the communes' percentages (63.64 and 81.94);
#   - nothing for telecom.coverage (aggregate = none), nothing from the
#     record of another province (refused) nor from a split old code;
#   - pakn.satisfaction (aggregate = ratio) published as a bare percentage:
#     no province record, a warning that says why (the first time; debug
#     lines at later polls of a running daemon, part D);
#   - completeness {reported, expected: 64, gazetteer: "vn-2025-07"}.
# Then: the same page with a province record of its own for one metric
# keeps that metric's province figure the connector's (not doubled, not
# replaced: the whole metric is the connector's for that poll), and without
# a catalogue nothing is rolled up.
source "$(dirname "$0")/lib.sh"

for tool in jq python3; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

mkdir -p "$tmp/www"
# Records: commune, channel, received, on time of handled, a coverage and
# a satisfaction percentage. 31819 is a pre-2025 code merged into 31834;
# 32002 only reports in person; 00004 is in province 01 (refused).
page() {
    cat <<'JSON'
{"capNhat": "2025-08-01T08:00:00+07:00", "tuNgay": "2025-07-01", "denNgay": "2025-07-31",
 "duLieu": [
  {"maXa": "31825", "kenh": "online",    "tiepNhan": 60, "dungHan": 50, "daXuLy": 55, "phuSong": 99.5, "haiLong": 90},
  {"maXa": "31825", "kenh": "in_person", "tiepNhan": 40, "dungHan": 40, "daXuLy": 45, "phuSong": 99.5, "haiLong": 80},
  {"maXa": "31834", "kenh": "online",    "tiepNhan": 20, "dungHan": 5,  "daXuLy": 10, "phuSong": 97.0, "haiLong": 70},
  {"maXa": "31819", "kenh": "online",    "tiepNhan": 7,  "dungHan": 1,  "daXuLy": 2,  "phuSong": 96.0, "haiLong": 60},
  {"maXa": "32002", "kenh": "in_person", "tiepNhan": 50, "dungHan": 30, "daXuLy": 40, "phuSong": 98.0, "haiLong": 50},
  {"maXa": "00004", "kenh": "online",    "tiepNhan": 1000, "dungHan": 1, "daXuLy": 1000, "phuSong": 1, "haiLong": 1}
JSON
    echo "$1"
    echo ' ]}'
}
page "" >"$tmp/www/communes.json"
page ', {"maXa": "96", "kenh": "online", "tiepNhan": 500, "dungHan": 1, "daXuLy": 2, "phuSong": 1, "haiLong": 1}' \
    >"$tmp/www/with-province.json"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/www.log" 2>&1 &
pids+=("$!")
wait_for 10 grep -q 'port [0-9]' "$tmp/www.log" || { echo "Bail out! python3 http.server did not start"; exit 1; }
www=http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/www.log" | head -1)

# conf DIR FILE [CATALOG]: an http_json instance "portal" on FILE, with the
# shipped catalogue unless CATALOG is "none".
conf() {
    local dir=$1
    make_conf "$dir"
    [ "${3:-}" = none ] || sed -i "s|^\[iocd\]$|[iocd]\ncatalog = $top/conf/catalog.conf|" "$dir/iocd.conf"
    cat >"$dir/connectors.d/portal.conf" <<CONF
plugin = http_json
interval = 60s
timeout = 10s
url = $www/$2
records = duLieu[]
area = maXa
time = \$.capNhat
period_from = \$.tuNgay
period_to = \$.denNgay
period_format = date
dim.channel = kenh
metric.received.name = dvc.dossiers.received_by_channel
metric.received.value = tiepNhan
metric.received.unit = count
metric.on_time.name = dvc.on_time_ratio
metric.on_time.numerator = dungHan
metric.on_time.denominator = daXuLy
metric.on_time.unit = percent
metric.coverage.name = telecom.coverage
metric.coverage.value = phuSong
metric.coverage.unit = percent
metric.satisfaction.name = pakn.satisfaction
metric.satisfaction.value = haiLong
metric.satisfaction.unit = percent
CONF
}
# run NAME: iocd --once on conf tree $tmp/NAME; records in $tmp/NAME.jsonl.
run() {
    "$IOCD" -c "$tmp/$1/iocd.conf" --once >"$tmp/$1.jsonl" 2>"$tmp/$1.err"
    same 0 "$?" "$1: iocd --once exits 0"
}
# province FILE: the province records, one compact sorted line each.
province() {
    jq -c -S 'select(.area.code == "96") | {metric, dims, value, ratio: (.ratio // null),
              completeness: (.completeness // null), ts, period}' "$1" | sort
}

### Part A: the rollup ######################################################
conf "$tmp/a" communes.json
run a
valid_records "$tmp/a.jsonl" "A: every record is valid against docs/metric.schema.json"
same 20 "$(jq -s 'map(select(.area.level == "commune")) | length' "$tmp/a.jsonl")" \
    "A: 20 commune records (5 records x 4 metrics; the other province's refused)"
contains "$tmp/a.err" "metric dvc.dossiers.received_by_channel area 00004: field 'area'" \
    "A: the record of province 01 is refused, naming the metric, area and field"
C='"completeness":{"expected":64,"gazetteer":"vn-2025-07","reported":2}'
P='"period":{"from":"2025-07-01","to":"2025-07-31"}'
T='"ts":"2025-08-01T08:00:00+07:00"'
cat >"$tmp/a.expected" <<EOF
{$C,"dims":{"channel":"in_person"},"metric":"dvc.dossiers.received_by_channel",$P,"ratio":null,$T,"value":90}
{$C,"dims":{"channel":"in_person"},"metric":"dvc.on_time_ratio",$P,"ratio":{"denominator":85,"numerator":70},$T,"value":82.3529411764706}
{$C,"dims":{"channel":"online"},"metric":"dvc.dossiers.received_by_channel",$P,"ratio":null,$T,"value":87}
{$C,"dims":{"channel":"online"},"metric":"dvc.on_time_ratio",$P,"ratio":{"denominator":67,"numerator":56},$T,"value":83.58208955223881}
EOF
sort -o "$tmp/a.expected" "$tmp/a.expected"
province "$tmp/a.jsonl" >"$tmp/a.actual"
if diff "$tmp/a.expected" "$tmp/a.actual" >"$tmp/a.diff"; then
    pass "A: exactly 4 province records: received 87 online (60 + 20 + 7 from old code 31819 in 31834) and 90 in person, on time 56/67 and 70/85, each from 2 of 64 communes of gazetteer vn-2025-07"
else
    fail "A: province records"
    sed 's/^/#   /' "$tmp/a.diff"
fi
# The ratio of sums is not the mean of the communes' percentages.
same "63.64 81.94" \
    "$(jq -rs '[map(select(.metric == "dvc.on_time_ratio" and .area.level == "commune"))
               | group_by(.dims.channel)[] | (map(.value) | add / length * 100 | round / 100)]
               | reverse | map(tostring) | join(" ")' "$tmp/a.jsonl")" \
    "A: the mean of the communes' percentages (63.64 online, 81.94 in person) is not what is published"
same "31819" "$(jq -r 'select(.area.mapped_from) | .area.mapped_from' "$tmp/a.jsonl" | sort -u)" \
    "A: the old code 31819 reached the daemon as such (mapped to 31834 by normalize)"
same 0 "$(jq -s 'map(select(.area.code == "96" and (.metric == "telecom.coverage" or .metric == "pakn.satisfaction"))) | length' "$tmp/a.jsonl")" \
    "A: no province record for telecom.coverage (aggregate none) nor pakn.satisfaction (a ratio without parts)"
same 1 "$(count_lines "$tmp/a.err" "rollup: 5 records of ratio metrics carry no numerator and denominator, so they are left out of the province figures (first: metric pakn.satisfaction area 31825)")" \
    "A: one warning for the 5 percentages without parts, naming the first"
same 0 "$(jq -s 'map(select(.area.level == "commune" and has("completeness"))) | length' "$tmp/a.jsonl")" \
    "A: commune records carry no completeness"
# Province records come after the poll's commune records, each with its own seq.
same "true" "$(jq -s '(map(select(.area.code == "96") | .seq) | min) > (map(select(.area.level == "commune") | .seq) | max)' "$tmp/a.jsonl")" \
    "A: the province records are published at the end of the poll"

### Part B: a connector's own province record of a metric wins ############
# The page adds a record for area 96 itself: each of its metrics then has
# the connector's province figure, and the daemon rolls up none of them.
conf "$tmp/b" with-province.json
run b
same '["dvc.dossiers.received_by_channel online 500","dvc.on_time_ratio online 50","pakn.satisfaction online 1","telecom.coverage online 1"]' \
    "$(jq -sc 'map(select(.area.code == "96") | "\(.metric) \(.dims.channel) \(.value)") | sort' "$tmp/b.jsonl")" \
    "B: the province records are exactly the connector's own four (received 500, not 87 nor 587; no in_person rollup either)"
same 0 "$(jq -s 'map(select(has("completeness"))) | length' "$tmp/b.jsonl")" \
    "B: no record carries completeness"

### Part C: no catalogue, no rollup ##########################################
conf "$tmp/c" communes.json none
run c
same 0 "$(jq -s 'map(select(.area.code == "96")) | length' "$tmp/c.jsonl")" \
    "C: without a catalogue (built-in: no metrics) nothing is rolled up"
same 20 "$(jq -s 'length' "$tmp/c.jsonl")" "C: the 20 commune records are published as before"

### Part D: polls of a running daemon ######################################
# Every poll rolls up again (4 province records each); the percentages
# without parts are a warning the first time only, then debug lines.
conf "$tmp/d" communes.json
sed -i -e 's/^stats_interval = 0$/stats_interval = 0\nlog_level = debug/' "$tmp/d/iocd.conf"
sed -i -e 's/^interval = 60s$/interval = 1s/' "$tmp/d/connectors.d/portal.conf"
start_iocd d -c "$tmp/d/iocd.conf"
summary="rollup: 4 province records published, 0 refused, 0 groups left to the connector's own province figures, 0 not summable"
if wait_for 20 at_least 3 "$tmp/d.err" "$summary"; then
    pass "D: three polls each published their 4 province records"
else
    fail "D: three polls each published their 4 province records"
    tail -5 "$tmp/d.err" | sed 's/^/#   /'
fi
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "D: iocd stops cleanly"
nodes="rollup: 5 records of ratio metrics carry no numerator and denominator"
same 1 "$(count_lines "$tmp/d.err" "warning: portal: $nodes")" "D: the missing parts are a warning once"
check "D: and a debug line at each later poll" at_least 2 "$tmp/d.err" "debug: portal: $nodes"
same "$(count_lines "$tmp/d.err" "$summary")" "$(jq -s 'map(select(.area.code == "96")) | length / 4' "$tmp/d.out")" \
    "D: the province records on stdout are the 4 of each poll"

finish
