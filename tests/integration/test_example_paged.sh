#!/usr/bin/env bash
# test_example_paged - the second template connector (connectors/example_paged)
# against feedsim's /paged feed (tools/feedsim/feed_paged.c), with
# `iocd --once` and the stdout sink:
#  1. a walk over 3 pages (20 items, 7 a page) publishes exactly one record
#     per item, each equal to what jq reads from the pages fetched with curl,
#     after exactly 3 requests; the watermark is saved;
#  2. a restart against the same (frozen) data publishes nothing: the saved
#     watermark survived; new data after it is published in full;
#  3. walks that cannot complete publish nothing and keep the watermark: a
#     failing page 2 (fail-page), more pages than max_pages;
#  4. `check` refuses a URL that already carries page=, with FILE:LINE.
source "$(dirname "$0")/lib.sh"

RECORDS=20 SIZE=7
start_feedsim A --seed 11 --records $RECORDS
same 200 "$(feed_control "$FEED_A" 'endpoint=paged&freeze=1')" "feed frozen on generation 0"

# expected: the records the connector must publish, from the pages as curl
# sees them (all items are newer than no watermark).
fetch_expected() {
    local p
    for p in 1 2 3; do "${CURL[@]}" "$FEED_A/paged?page=$p&size=$SIZE"; done |
        jq -s -S -c '.[].items[] | {metric: "example.hotline_calls", value: .calls,
                                   unit: "count", area: .maXa, ts: .time}' | sort
}
actual() { jq -S -c '{metric, value, unit, area: .area.code, ts}' "$1" | sort; }
counters() { grep -F "info: paged: counters:" "$1" | tail -1; }

conf=$tmp/conf
make_conf "$conf"
printf '%s\n' "plugin = example_paged" "url = $FEED_A/paged" "timeout = 5s" \
    "page_size = $SIZE" >"$conf/connectors.d/paged.conf"

### 1. a walk over several pages #############################################
fetch_expected >"$tmp/expected"
same $RECORDS "$(wc -l <"$tmp/expected")" "the feed serves $RECORDS items over 3 pages of $SIZE"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/run1.out" 2>"$tmp/run1.err"
same 0 "$?" "run 1: iocd --once exits 0"
actual "$tmp/run1.out" >"$tmp/actual1"
same "$(cat "$tmp/expected")" "$(cat "$tmp/actual1")" \
    "run 1: every item of the 3 pages published once, with its value, commune and time"
contains "$tmp/run1.err" "polls_ok=1 polls_failed=0 metrics=$RECORDS rejected=0 http_requests=3 " \
    "run 1: $RECORDS metrics after exactly 3 requests"
newest=$(jq -r -s 'max_by(.ts) | .ts' "$tmp/run1.out")
same "2025-08-01T08:00:19+07:00" "$newest" "run 1: the newest item is the 20th (generation 0)"
check "run 1: the watermark ($newest) is in the state directory" grep -rqF "$newest" "$conf/state"

### 2. the watermark survives a restart #######################################
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/run2.out" 2>"$tmp/run2.err"
same 0 "$?" "run 2 (restart, same data): iocd --once exits 0"
same 0 "$(wc -l <"$tmp/run2.out")" "run 2: nothing published again"
contains "$tmp/run2.err" "info: paged: publishing what is newer than $newest" \
    "run 2: init read the saved watermark"
contains "$tmp/run2.err" "polls_ok=1 polls_failed=0 metrics=0 rejected=0 http_requests=3 " \
    "run 2: the whole walk was read (3 requests), nothing emitted"

same 200 "$(feed_control "$FEED_A" 'endpoint=paged&freeze=0')" "feed resumed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/run3.out" 2>"$tmp/run3.err"
same 0 "$?" "run 3 (new data): iocd --once exits 0"
same 200 "$(feed_control "$FEED_A" 'endpoint=paged&freeze=1')" "feed frozen on run 3's data"
fetch_expected >"$tmp/expected3"
actual "$tmp/run3.out" >"$tmp/actual3"
same "$(cat "$tmp/expected3")" "$(cat "$tmp/actual3")" "run 3: the $RECORDS new items published"
check "run 3: they are all newer than run 1's" \
    jqe -s --arg w "$newest" 'length == 20 and all(.ts > $w)' "$tmp/run3.out"
newest3=$(jq -r -s 'max_by(.ts) | .ts' "$tmp/run3.out")

### 3. walks that cannot complete #############################################
same 200 "$(feed_control "$FEED_A" 'endpoint=paged&freeze=0')" "feed resumed for new data"
same 200 "$(feed_control "$FEED_A" 'endpoint=paged&fault=fail-page&count=1')" "fail-page: armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/fail.out" 2>"$tmp/fail.err"
same "1 0" "$? $(wc -l <"$tmp/fail.out")" "fail-page: --once exits 1 and publishes nothing"
contains "$tmp/fail.err" "warning: paged: page 2 failed; nothing of this walk is published" \
    "fail-page: the log names page 2"
check "fail-page: the watermark is still run 3's" grep -rqF "$newest3" "$conf/state"

printf '%s\n' "max_pages = 2" >>"$conf/connectors.d/paged.conf"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/max.out" 2>"$tmp/max.err"
same "1 0" "$? $(wc -l <"$tmp/max.out")" "max_pages = 2 for 3 pages: exits 1, publishes nothing"
contains "$tmp/max.err" \
    "error: paged: page 2: the feed has more than 2 pages (max_pages); nothing of this walk is published" \
    "max_pages: the log says why"
check "max_pages: the watermark is still run 3's" grep -rqF "$newest3" "$conf/state"
sed -i '/^max_pages = 2$/d' "$conf/connectors.d/paged.conf"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/after.out" 2>"$tmp/after.err"
same "0 $RECORDS" "$? $(wc -l <"$tmp/after.out")" \
    "after the failed walks, the next complete walk publishes the new items, all $RECORDS"

### 4. check ##################################################################
bad=$tmp/bad
make_conf "$bad"
printf '%s\n' "plugin = example_paged" "url = $FEED_A/paged?page=2" >"$bad/connectors.d/p.conf"
"$IOCD" -c "$bad/iocd.conf" --check-config >"$tmp/check.out" 2>"$tmp/check.err"
same 1 "$?" "check: --check-config exits 1 for a URL with page="
contains "$tmp/check.err" "$bad/connectors.d/p.conf:2: url: carries 'page=' already" \
    "check: FILE:LINE of the key and what is wrong"
"$IOCD" -c "$conf/iocd.conf" --check-config >/dev/null 2>&1
same 0 "$?" "check: the good configuration passes --check-config"

finish
