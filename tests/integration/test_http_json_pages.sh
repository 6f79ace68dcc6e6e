#!/usr/bin/env bash
# test_http_json_pages - the http_json connector end to end over scripted
# pages (tests/fixtures/http_json/, served by feedsim's /static feed), each
# with `iocd --once` and exact expected values:
#  - every pagination style: page/size with a total of records, page
#    numbers from 0 with a total of pages, an empty page ending the walk,
#    next links (absolute, /path?query, ?query, relative, "" ends), a cursor
#    with a has-more flag, a cursor without one (text, integer, null ends);
#    the pages read are exactly those of the walk (trap pages hold 64, the
#    request counters are exact);
#  - the walks that must fail, publishing nothing, with their log line: a
#    cursor that does not advance, a next link to the page itself, an empty
#    page before the total, more pages than max_pages;
#  - every time_format (time_zone included) with the exact published ts;
#  - number_strings point_decimal, comma_decimal and reject: the exact
#    values and the rejection lines.
source "$(dirname "$0")/lib.sh"

# The fixtures, with the simulator's address put into absolute links.
static=$tmp/static
mkdir -p "$static"
FEEDSIM_STATIC_DIR=$static start_feedsim S
for f in tests/fixtures/http_json/*.json; do
    sed "s|@BASE@|$FEED_S|g" "$f" >"$static/$(basename "$f")"
done
same 200 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$FEED_S/static?f=pg&page=1&size=2")" \
    "feedsim serves the fixtures at /static"

# once NAME SET ["key = value"...]: an http_json instance NAME reading
# /static?f=SET (records items[], area `area`, metric test.n per record
# and its province sum), with the given lines added, run with --once.
# Output in $tmp/NAME.out and .err, exit status in $rc.
once() {
    local name=$1 set=$2 dir=$tmp/$1 line
    shift 2
    make_conf "$dir"
    {
        printf '%s\n' "plugin = http_json" "url = $FEED_S/static?f=$set" "timeout = 5s" \
            "records = items[]" "area = area"
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$dir/connectors.d/$name.conf"
    "$IOCD" -c "$dir/iocd.conf" --once >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}
SUM=("metric.n.name = test.n" "metric.n.value = n" "metric.n.unit = count"
     "metric.all.name = test.n" "metric.all.value = n" "metric.all.unit = count"
     "metric.all.sum = province")
# published NAME [FIELD]: "metric area value" (or FIELD instead of value)
# per record, sorted.
published() {
    jq -r --arg f "${2:-value}" '"\(.metric) \(.area.code) \(.[$f])"' "$tmp/$1.out" | sort
}
# expect_n AREA=N...: the "test.n AREA N" lines and the province total.
expect_n() {
    local pair total=0
    for pair in "$@"; do
        echo "test.n ${pair%=*} ${pair#*=}"
        total=$((total + ${pair#*=}))
    done
    echo "test.n 96 $total"
}
# walk_ok NAME REQUESTS METRICS: the poll succeeded after exactly REQUESTS
# HTTP requests and published METRICS.
walk_ok() {
    same 0 "$rc" "$1: iocd --once exits 0"
    contains "$tmp/$1.err" \
        "info: $1: counters: polls_ok=1 polls_failed=0 metrics=$3 rejected=0 http_requests=$2 " \
        "$1: $2 requests, $3 metrics, nothing rejected"
}
# walk_fails NAME REQUESTS LINE: the poll failed after REQUESTS requests,
# published nothing, and logged LINE (whole).
walk_fails() {
    same 1 "$rc" "$1: iocd --once exits 1 (the poll failed)"
    same 0 "$(wc -l <"$tmp/$1.out")" "$1: nothing is published"
    same "$3" "$(untimed "$tmp/$1.err" | grep -F "$1: page")" "$1: the log line names the page and the reason"
    contains "$tmp/$1.err" \
        "info: $1: counters: polls_ok=0 polls_failed=1 metrics=0 rejected=0 http_requests=$2 " \
        "$1: failed after $2 requests"
}

### pagination ##############################################################
once pg pg "${SUM[@]}" "pagination = page" "page_param = page" "page_size_param = size" \
    "page_size = 2" "page_total = total" "max_pages = 3"
walk_ok pg 3 6
same "$(expect_n 31825=1 31834=2 31840=4 31843=8 31849=16)" "$(published pg)" \
    "page/size, total 5 records: pages 1-3 read, not page 4 (max_pages 3 is enough for 3 pages)"

once pgp pgp "${SUM[@]}" "pagination = page" "page_param = page" "page_first = 0" \
    "page_total = meta.pages" "page_total_kind = pages"
walk_ok pgp 3 7
same "$(expect_n 31825=1 31834=2 31840=4 31843=8 31849=16 31858=32)" "$(published pgp)" \
    "page from 0, total 3 pages: pages 0-2 read, whatever their sizes, not page 3"

once pge pge "${SUM[@]}" "pagination = page" "page_param = page"
walk_ok pge 3 4
same "$(expect_n 31825=1 31834=2 31840=4)" "$(published pge)" \
    "page without a total: the empty page 3 ends the walk, page 4 is not read"

once nl nl "${SUM[@]}" "pagination = next_link" "next_link = links.next"
walk_ok nl 5 6
same "$(expect_n 31825=1 31834=2 31840=4 31843=8 31849=16)" "$(published nl)" \
    "next_link: absolute, /path?query, ?query and relative links followed; \"\" ends the walk"

once cur cur "${SUM[@]}" "pagination = cursor" "cursor_param = cursor" "cursor = paging.next" \
    "has_more = paging.hasMore"
walk_ok cur 3 5
same "$(expect_n 31825=1 31834=2 31840=4 31843=8)" "$(published cur)" \
    "cursor + has_more: hasMore false ends the walk although a cursor is given"

once curn curn "${SUM[@]}" "pagination = cursor" "cursor_param = cursor" "cursor = next"
walk_ok curn 3 4
same "$(expect_n 31825=1 31834=2 31840=4)" "$(published curn)" \
    "cursor without has_more: a text then an integer cursor followed, null ends the walk"

### walks that must fail ####################################################
once stuck stuck "${SUM[@]}" "pagination = cursor" "cursor_param = cursor" "cursor = next"
walk_fails stuck 2 'error: stuck: page 2: cursor `next` did not advance ("s1" again)'

once self self "${SUM[@]}" "pagination = next_link" "next_link = next"
walk_fails self 2 "error: self: page 2: \`next_link\` points back to the page itself ($FEED_S/static)"

once early early "${SUM[@]}" "pagination = page" "page_param = page" "page_size_param = size" \
    "page_size = 2" "page_total = total"
walk_fails early 2 'error: early: page 2: page 2 is empty, but `total` says 5 records and 2 records arrived: the feed is inconsistent'

once maxp pg "${SUM[@]}" "pagination = page" "page_param = page" "page_size_param = size" \
    "page_size = 2" "page_total = total" "max_pages = 2"
walk_fails maxp 2 'error: maxp: page 2: the feed has more than 2 pages (max_pages); nothing of this walk is published'

### time formats ############################################################
# times FORMAT PATH [ZONE]: read the two records of times.json with this
# format (and zone); sets $name, the instance.
times() {
    local extra=()
    name=t_${1,,}_${3:-default}
    name=${name//[^a-z0-9_]/_}
    [ -n "${3:-}" ] && extra=("time_zone = $3")
    once "$name" times "${SUM[@]:0:3}" "time = $2" "time_format = $1" "${extra[@]}"
    same 0 "$rc" "time_format $1${3:+ (time_zone $3)}: iocd --once exits 0"
}
times rfc3339 rfc
same "test.n 31825 2025-07-31T23:59:59+07:00
test.n 31834 2025-08-01T07:05:00+07:00" "$(published "$name" ts)" \
    "rfc3339: published in +07:00 (2025-08-01T00:05:00Z is 07:05 local)"
times epoch_s s
same "test.n 31825 2025-07-31T23:59:59+07:00
test.n 31834 2025-08-01T07:05:00+07:00" "$(published "$name" ts)" \
    "epoch_s: 1753981199 (a number) and \"1754006700\" (digits as text)"
times epoch_ms ms
same "test.n 31825 2025-07-31T23:59:59.250+07:00
test.n 31834 2025-08-01T07:05:00+07:00" "$(published "$name" ts)" \
    "epoch_ms: milliseconds kept (.250) when not zero"
times yyyyMMddHHmmss compact
same "test.n 31825 2025-07-31T23:59:59+07:00
test.n 31834 2025-08-01T00:05:00+07:00" "$(published "$name" ts)" \
    "yyyyMMddHHmmss in the default zone +07:00, as text and as a 14-digit integer"
times yyyyMMddHHmmss compact Z
same "test.n 31825 2025-08-01T06:59:59+07:00
test.n 31834 2025-08-01T07:05:00+07:00" "$(published "$name" ts)" \
    "yyyyMMddHHmmss with time_zone Z: read as UTC"
times yyyyMMddHHmmss compact -03:00
same "test.n 31825 2025-08-01T09:59:59+07:00
test.n 31834 2025-08-01T10:05:00+07:00" "$(published "$name" ts)" \
    "yyyyMMddHHmmss with time_zone -03:00"
times date day
same "test.n 31825 2025-07-31T00:00:00+07:00
test.n 31834 2025-08-01T00:00:00+07:00" "$(published "$name" ts)" "date: midnight in the default zone"
times date day +00:00
same "test.n 31825 2025-07-31T07:00:00+07:00
test.n 31834 2025-08-01T07:00:00+07:00" "$(published "$name" ts)" "date with time_zone +00:00"

once period times "${SUM[@]:0:3}" "time = \$.items[0].rfc" "period_from = \$.period.from" \
    "period_to = \$.period.to" "period_format = date"
same 0 "$rc" "period: iocd --once exits 0"
same '{"from":"2025-07-01","to":"2025-07-31"} 2025-07-31T23:59:59+07:00
{"from":"2025-07-01","to":"2025-07-31"} 2025-07-31T23:59:59+07:00' \
    "$(jq -c -r '"\(.period | tojson) \(.ts)"' "$tmp/period.out")" \
    "\$-paths from the page's root: the period (date format) and the time of every record"

### number strings ##########################################################
# nums MODE: read nums.json in this mode (instance n_MODE).
nums() {
    once "n_$1" nums "metric.v.name = test.v" "metric.v.value = v" "metric.v.unit = score" \
        "number_strings = $1"
    same 0 "$rc" "$1: iocd --once exits 0: a skipped record does not fail the poll"
}
# values MODE: "area value" of every metric published.
values() { published "n_$1" | sed 's/^test.v //'; }
# rejected MODE AREA RECORD TEXT REASON: the rejection line of a record.
rejected() {
    contains "$tmp/n_$1.err" \
        "warning: n_$1: page 1 record $3 (area $2): field 'v' is a string (\"$4\"), $5; record skipped" \
        "$1: \"$4\" rejected, naming page, record, area and field"
}
nums point_decimal
same "31825 1.234
31834 1234.5
31843 12" "$(values point_decimal)" "point_decimal: \"1.234\" = 1.234, \"1,234.5\" = 1234.5, 12 stays 12"
rejected point_decimal 31840 3 '1.234,5' 'not a number in point_decimal notation (unexpected "," at byte 6)'
rejected point_decimal 31849 5 '-3,5' 'not a number in point_decimal notation ("," must split digits into groups of 3)'
rejected point_decimal 31858 6 '1,23' 'not a number in point_decimal notation ("," must split digits into groups of 3)'
rejected point_decimal 31864 7 '12.345.678' 'not a number in point_decimal notation (unexpected "." at byte 7)'
contains "$tmp/n_point_decimal.err" "metrics=3 rejected=4 " "point_decimal: 3 published, 4 rejected"

nums comma_decimal
same "31825 1234
31840 1234.5
31843 12
31849 -3.5
31858 1.23
31864 12345678" "$(values comma_decimal)" \
    "comma_decimal: \"1.234\" = 1234, \"1.234,5\" = 1234.5, \"-3,5\", \"1,23\", \"12.345.678\""
rejected comma_decimal 31834 2 '1,234.5' 'not a number in comma_decimal notation (unexpected "." at byte 6)'
contains "$tmp/n_comma_decimal.err" "metrics=6 rejected=1 " "comma_decimal: 6 published, 1 rejected"

nums reject
same "31843 12" "$(values reject)" "reject (the default): only the JSON number 12 is published"
for rec in 1:31825:1.234 2:31834:1,234.5 3:31840:1.234,5 5:31849:-3,5 6:31858:1,23 7:31864:12.345.678; do
    IFS=: read -r i area text <<<"$rec"
    rejected reject "$area" "$i" "$text" 'expected a number; set number_strings to parse it'
done
contains "$tmp/n_reject.err" "metrics=1 rejected=6 " "reject: 1 published, 6 rejected"
finish
