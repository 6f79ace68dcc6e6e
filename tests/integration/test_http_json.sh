#!/usr/bin/env bash
# test_http_json - the generic http_json connector against the four
# departmental feeds of the simulator.
#
# Part A (`iocd --once`, feeds frozen, pages of 25 so every walk has 4 or
# 5 pages): for ioffice, dvc, telecom and pakn, the example instance of
# conf/examples/ publishes exactly the dedicated connector's metrics
# (metric, area, dims, value, ratio parts, target), less the metrics the
# example does not map (ioffice.files.online_target_met,
# telecom.market_share.*, pakn.overdue/resolved_on_time);
# every page is read, series are unique within a poll, records are valid
# against the schema.
# Part B (a running daemon, interval 1 s, the telecom example): a record
# missing a field is skipped with its page, index, area and field path,
# counted, and the poll still publishes everything else (province sums
# without it); invalid JSON names the page, line and column; a failed
# page 2 publishes nothing from its poll; the status goes degraded and
# back to ok each time. Beside it, an instance whose `records` path is
# wrong names the path and the keys that exist, publishes nothing, and
# goes degraded then failed.
source "$(dirname "$0")/lib.sh"

# project FILE: the compared part of each record, one sorted line each.
project() {
    jq -c -S '{metric, area: .area.code, dims: (.dims // {}), value, ratio: (.ratio // null),
               target: (.target // null)}' "$1" | sort
}
# compare EXPECTED ACTUAL DESCRIPTION
compare() {
    if diff "$1" "$2" >"$tmp/diff"; then
        pass "$3 ($(wc -l <"$2") records)"
    else
        fail "$3"
        head -20 "$tmp/diff" | sed 's/^/#   /'
    fi
}

### Part A: each example against its dedicated connector ####################
PAGE=25
start_feedsim A --seed 7 --records 120
# pakn lists 20 more reports per snapshot: five more walks list all 120.
for ((i = 0; i < 6; i++)); do "${CURL[@]}" -o /dev/null "$FEED_A/pakn?limit=1"; done
for feed in ioffice dvc telecom pakn; do
    same 200 "$(feed_control "$FEED_A" "endpoint=$feed&freeze=1")" "A: $feed frozen"
done
check "A: pakn frozen at generation 5, which lists all 120 reports" \
    jqe '.generation == 5 and .frozen' <("${CURL[@]}" "$FEED_A/_control?endpoint=pakn")

# instance KIND FEED: conf tree $tmp/KIND-FEED holding connectors.d/FEED.conf,
# the dedicated connector's file (KIND ded) or the example (KIND ex), its
# url on the simulator and pages of $PAGE. Prints the tree's path.
instance() {
    local kind=$1 feed=$2 dir=$tmp/$1-$2 src
    make_conf "$dir"
    sed -i 's/^stats_interval = 0$/stats_interval = 0\nlog_level = debug/' "$dir/iocd.conf"
    if [ "$kind" = ded ]; then src=conf/connectors.d/$feed.conf; else src=conf/examples/$feed.conf; fi
    sed -e "s|^url = .*|url = $FEED_A/$feed|" -e "s/^page_size = .*/page_size = $PAGE/" \
        -e "s/^limit = .*/limit = $PAGE/" -e "s/^query.limit = .*/query.limit = limit=$PAGE/" \
        "$src" >"$dir/connectors.d/$feed.conf"
    echo "$dir"
}
# part_a FEED PAGES RECORDS UNMAPPED...: both runs and the comparison.
part_a() {
    local feed=$1 pages=$2 records=$3 dded dex name metrics conf edited=
    shift 3
    dded=$(instance ded "$feed")
    dex=$(instance ex "$feed")
    for conf in "$dded/connectors.d/$feed.conf" "$dex/connectors.d/$feed.conf"; do
        edited+=$(grep -c "^url = $FEED_A/$feed\$" "$conf")
        edited+=$(grep -cE "^(page_size = |limit = |query.limit = limit=)$PAGE\$" "$conf")
    done
    same 1111 "$edited" \
        "$feed: both instances read $FEED_A/$feed in pages of $PAGE"
    "$IOCD" -c "$dded/iocd.conf" --once >"$tmp/$feed.ded.jsonl" 2>"$tmp/$feed.ded.err"
    same 0 "$?" "$feed: dedicated connector: iocd --once exits 0"
    "$IOCD" -c "$dex/iocd.conf" --once >"$tmp/$feed.ex.jsonl" 2>"$tmp/$feed.ex.err"
    same 0 "$?" "$feed: example: iocd --once exits 0"
    metrics=$(wc -l <"$tmp/$feed.ex.jsonl")
    contains "$tmp/$feed.ex.err" \
        "debug: $feed: $pages pages, $records records (0 skipped), $metrics metrics, " \
        "$feed: example walked $pages pages of $PAGE, $records records, none skipped"
    contains "$tmp/$feed.ex.err" \
        "info: $feed: counters: polls_ok=1 polls_failed=0 metrics=$metrics rejected=0 http_requests=$pages " \
        "$feed: example: $pages requests, every metric accepted by the daemon"
    project "$tmp/$feed.ded.jsonl" >"$tmp/$feed.ded.all"
    cp "$tmp/$feed.ded.all" "$tmp/$feed.expected"
    for name in "$@"; do
        check "$feed: the dedicated connector publishes $name" grep -qF "\"metric\":\"$name\"" "$tmp/$feed.ded.all"
        grep -vF "\"metric\":\"$name\"" "$tmp/$feed.expected" >"$tmp/$feed.expected.next"
        mv "$tmp/$feed.expected.next" "$tmp/$feed.expected"
    done
    project "$tmp/$feed.ex.jsonl" >"$tmp/$feed.ex.all"
    same "$(wc -l <"$tmp/$feed.expected")" "$metrics" \
        "$feed: example publishes as many metrics as the dedicated connector less the unmapped ones"
    compare "$tmp/$feed.expected" "$tmp/$feed.ex.all" \
        "$feed: example = dedicated connector${*:+ less $*} (metric, area, dims, value, ratio parts, target)"
    check "$feed: example: series keys are unique within the poll" \
        jqe -s 'map(.series) | length == (unique | length)' "$tmp/$feed.ex.jsonl"
    valid_records "$tmp/$feed.ex.jsonl" "$feed: example: every record is valid against docs/metric.schema.json"
}
part_a ioffice 4 78 ioffice.files.online_target_met
part_a dvc 5 120
part_a telecom 5 120 telecom.market_share.mobile telecom.market_share.fixed_broadband
part_a pakn 5 120 pakn.overdue pakn.resolved_on_time

### Part B: a running daemon ################################################
start_feedsim B --seed 5 --records 12
for feed in telecom ioffice; do
    same 200 "$(feed_control "$FEED_B" "endpoint=$feed&freeze=1")" "B: $feed frozen"
done
"${CURL[@]}" "$FEED_B/telecom?page=1&pageSize=5" >"$tmp/b.page1.json"
"${CURL[@]}" "$FEED_B/ioffice?trang=1&soBanGhi=50" >"$tmp/b.ioffice.json"
# The invalid-json body the daemon will get (the feed is frozen, so the
# same bytes): half of page 1, then "\n<<<garbage...". Here the cut falls
# just after a key, so the parser wants ':' and finds '<' at line 2
# column 1.
same 200 "$(feed_control "$FEED_B" 'endpoint=telecom&fault=invalid-json&count=1')" "B: invalid-json armed for curl"
"${CURL[@]}" "$FEED_B/telecom?page=1&pageSize=5" >"$tmp/b.garbled"
check "B: the garbled page 1 is its first half, cut just after a key, then a line of garbage" \
    bash -c "head -1 '$tmp/b.garbled' | grep -qE ',\"[A-Za-z0-9]+\"\$' &&
             [ \"\$(sed -n 2p '$tmp/b.garbled')\" = '<<<garbage after cut>>> ,,}{' ] &&
             [ \"\$(head -1 '$tmp/b.garbled')\" = \"\$(head -c \$((\$(wc -c <'$tmp/b.page1.json') / 2)) '$tmp/b.page1.json')\" ]"

item=$(jq -c '.items[0]' "$tmp/b.page1.json")
area=$(jq -r .maXa <<<"$item")
operators=$("${CURL[@]}" "$FEED_B/telecom?page=1&pageSize=50" | jq '[.items[].nhaMang] | unique | length')
# 8 metrics per item (3 BTS, 2 coverage, mobile, fixed, FTTH); 5 province
# sums (3 BTS, mobile, fixed) per operator and for all operators.
per_poll=$((12 * 8 + (operators + 1) * 5))

confB=$tmp/confB
make_conf "$confB"
sed -i 's/^stats_interval = 0$/stats_interval = 0\nlog_level = debug/' "$confB/iocd.conf"
sed -e "s|^url = .*|url = $FEED_B/telecom|" -e 's/^page_size = .*/page_size = 5/' \
    -e 's/^interval = .*/interval = 1s/' -e 's/^timeout = .*/timeout = 5s/' \
    conf/examples/telecom.conf >"$confB/connectors.d/hj.conf"
sed -e "s|^url = .*|url = $FEED_B/ioffice|" -e 's/^interval = .*/interval = 1s/' \
    -e 's/^timeout = .*/timeout = 5s/' -e 's/^records = .*/records = items[]/' \
    conf/examples/ioffice.conf >"$confB/connectors.d/hjbad.conf"
printf 'backoff_max = 1s\n' | tee -a "$confB/connectors.d/hj.conf" >>"$confB/connectors.d/hjbad.conf"
start_iocd B -c "$confB/iocd.conf"
out=$tmp/B.out err=$tmp/B.err

check "B: the first walk: 3 pages, 12 records, $per_poll metrics" \
    wait_for 20 at_least 1 "$err" "debug: hj: 3 pages, 12 records (0 skipped), $per_poll metrics, 0 ratios left out (denominator 0)"
check "B: status ok" wait_for 10 at_least 1 "$err" "info: hj: status starting -> ok"
check "B: the first poll's records are on stdout" wait_for 10 bash -c "[ \$(wc -l <'$out') -ge $per_poll ]"
head -n "$per_poll" "$out" >"$tmp/b.clean.jsonl"
project "$tmp/b.clean.jsonl" >"$tmp/b.clean"

# after_poll: wait for the end of the next poll of hj, so that a fault
# armed now strikes page 1 of the poll after it, not the middle of a walk.
after_poll() {
    local polls
    polls=$(count_lines "$err" "debug: hj: poll ")
    wait_for 20 at_least $((polls + 1)) "$err" "debug: hj: poll "
}
# offset_of TEXT: how many records hj published before the poll whose
# "poll done" line contains TEXT.
offset_of() {
    grep -F "debug: hj: poll " "$err" | sed -n "/$1/q;s/.*poll [a-z]*: \([0-9]*\) metrics.*/\1/p" |
        awk '{s += $1} END {print s + 0}'
}

# A record missing a field: skipped whole, logged, counted; the rest published.
keys=$(jq -r '[keys_unsorted[] | select(. != "thueBaoDiDong")] |
              (.[0:8] | map("`\(.)`") | join(", ")) + (if length > 8 then " and \(length - 8) more" else "" end)' <<<"$item")
after_poll
same 200 "$(feed_control "$FEED_B" 'endpoint=telecom&fault=missing-field&count=1')" "missing-field: armed"
check "missing-field: the record is skipped with page, record index, area and the field's path" \
    wait_for 20 at_least 1 "$err" \
    "warning: hj: page 1 record 1 (area $area): field 'thueBaoDiDong' is missing: no key \`thueBaoDiDong\`; keys there are: $keys; record skipped"
check "missing-field: the poll still succeeds: 3 pages, 12 records, 1 skipped, $((per_poll - 8)) metrics" \
    wait_for 20 at_least 1 "$err" \
    "debug: hj: 3 pages, 12 records (1 skipped), $((per_poll - 8)) metrics, 0 ratios left out (denominator 0)"
contains "$err" "debug: hj: poll done: $((per_poll - 8)) metrics, 1 rejected" "missing-field: 1 rejected in that poll"
skip_at=$(offset_of "poll done: $((per_poll - 8)) metrics, 1 rejected")
check "missing-field: that poll's records are on stdout" \
    wait_for 10 bash -c "[ \$(wc -l <'$out') -ge $((skip_at + per_poll - 8)) ]"
sed -n "$((skip_at + 1)),$((skip_at + per_poll - 8))p" "$out" >"$tmp/b.skip.jsonl"
project "$tmp/b.skip.jsonl" >"$tmp/b.skip"
# Expected: the clean poll without the item's own metrics, its values taken
# out of the province sums of its operator and of all operators.
jq -c -S --argjson it "$item" '
    def part: if .metric == "telecom.subscribers.mobile" then $it.thueBaoDiDong
              elif .metric == "telecom.subscribers.fixed_broadband" then $it.thueBaoBangRongCoDinh
              else $it.btsTheoCongNghe[.dims.technology] end;
    select((.area == $it.maXa and .dims.operator == $it.nhaMang) | not)
    | if .area == "96" and (.dims.operator // $it.nhaMang) == $it.nhaMang then .value -= part
      else . end' "$tmp/b.clean" | sort >"$tmp/b.skip.expected"
compare "$tmp/b.skip.expected" "$tmp/b.skip" \
    "missing-field: every other record published, province sums without the skipped one"
check "B: status stayed ok through the skipped record" \
    bash -c "! grep -q 'warning: hj: status ok -> degraded' '$err'"

# Invalid JSON: the page, line and column; nothing published; back to ok.
# inject MODE LINE: arm MODE for one request after a poll; LINE logged,
# the poll publishes nothing, degraded with LINE as the reason, then ok.
inject() {
    local mode=$1 text=$2 seen failed ok
    after_poll
    seen=$(count_lines "$err" "$text")
    failed=$(count_lines "$err" "debug: hj: poll failed: 0 metrics, 0 rejected")
    ok=$(count_lines "$err" "info: hj: status degraded -> ok")
    same 200 "$(feed_control "$FEED_B" "endpoint=telecom&fault=$mode&count=1")" "$mode: armed"
    check "$mode: logged: $text" wait_for 20 at_least $((seen + 1)) "$err" "$text"
    check "$mode: the poll fails and publishes nothing" \
        wait_for 10 at_least $((failed + 1)) "$err" "debug: hj: poll failed: 0 metrics, 0 rejected"
    check "$mode: status ok -> degraded, with the reason" \
        wait_for 10 at_least 1 "$err" "warning: hj: status ok -> degraded after 1 failed poll: ${text#*: hj: }"
    check "$mode: back to ok on the next poll" \
        wait_for 20 at_least $((ok + 1)) "$err" "info: hj: status degraded -> ok"
}
inject invalid-json \
    "error: hj: page 1: invalid JSON at line 2 column 1: ':' expected near '<'; nothing of this walk is published"
# A failed page 2 (500): nothing of the poll, whose page 1 was fine.
inject fail-page "warning: hj: GET $FEED_B/telecom: HTTP status 500"
check "fail-page: the failed page is named" \
    at_least 1 "$err" "error: hj: page 2 failed (HTTP status 500); nothing of this walk is published"
check "fail-page: the next poll publishes the whole report again" \
    wait_for 20 bash -c "grep 'debug: hj: poll ' '$err' | tail -1 | grep -qF 'poll done: $per_poll metrics, 0 rejected'"

# The wrong `records` path: named with the keys that exist; nothing published.
ikeys=$(jq -r 'keys_unsorted | map("`\(.)`") | join(", ")' "$tmp/b.ioffice.json")
contains "$err" "error: hjbad: page 1: \`records\` path \`items[]\`: no key \`items\`; keys there are: $ikeys; nothing of this walk is published" \
    "records path: the error names the path and the keys of the page"
contains "$err" "warning: hjbad: status starting -> degraded after 1 failed poll: page 1: \`records\` path \`items[]\`: no key \`items\`" \
    "records path: status degraded with the reason"
check "records path: status failed after 3 failed polls" \
    wait_for 20 at_least 1 "$err" "error: hjbad: status degraded -> failed after 3 failed polls: page 1: \`records\` path"
same 0 "$(grep -c '"source":"hjbad"' "$out")" "records path: nothing is published by that instance"

# Counters, then shutdown.
kill -USR1 "$IOCD_PID"
check "B: SIGUSR1 logs the counters" wait_for 5 at_least 1 "$err" "info: hjbad: counters:"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "B: SIGTERM: iocd exits 0"
hjc=$(grep -F "info: hj: counters:" "$err" | tail -1)
echo "# $hjc"
same 2 "$(sed -n 's/.* polls_failed=\([0-9]*\) .*/\1/p' <<<"$hjc")" \
    "B: counters: 2 failed polls (invalid JSON, failed page 2)"
same 1 "$(sed -n 's/.* rejected=\([0-9]*\) .*/\1/p' <<<"$hjc")" "B: counters: records_rejected=1"
same "$(grep -c '"source":"hj"' "$out")" "$(sed -n 's/.* metrics=\([0-9]*\) .*/\1/p' <<<"$hjc")" \
    "B: counters: metrics = the records on stdout"
check "B: hjbad's counters: no poll ok, no metric" \
    grep -q "info: hjbad: counters: polls_ok=0 polls_failed=[1-9][0-9]* metrics=0 rejected=0 " "$err"
check "B: every poll of hj published all of its walk or nothing ($per_poll, $((per_poll - 8)) once, or 0)" \
    jqe -R -s --argjson n "$per_poll" '[split("\n")[] | select(test("debug: hj: poll (done|failed): "))
        | capture("poll (?<how>done|failed): (?<m>[0-9]+) metrics").m | tonumber]
        | length >= 6 and (map(select(. == $n - 8)) | length) == 1
          and all(. == 0 or . == $n or . == $n - 8)' "$err"
same "$(grep -c '"source":"hj"' "$out")" "$(wc -l <"$out")" "B: every record on stdout is hj's"
valid_records "$out" "B: every record published is valid against the schema"
finish
