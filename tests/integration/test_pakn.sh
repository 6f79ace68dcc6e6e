#!/usr/bin/env bash
# test_pakn - the pakn connector (citizen field reports, a cursor stream)
# against the feed simulator's /pakn:
#  (a) every metric of `iocd --once` equals what jq computes from the
#      reports fetched independently with curl (frozen feed); the saved
#      cursor and totals; restarts, max_pages, fail-page (nothing published),
#      an unreadable saved value (counted again from the beginning)
#      and 304 (nothing re-published);
#  (b) every feed fault against a running daemon: logged, status degraded
#      with the reason, back to ok, bad reports skipped and counted;
#  (c) kill -9 mid-stream (during a slow page and between polls), restart,
#      and the final totals equal the totals over all reports: none counted
#      twice, none missed.
source "$(dirname "$0")/lib.sh"

# ---- helpers ---------------------------------------------------------------

# walk_feed URL FILE: every report of the stream from its beginning, as one
# JSON array, read page after page with curl (bounded).
walk_feed() {
    local url=$1 out=$2 cursor= page more
    : >"$tmp/walk.jsonl"
    for ((page = 1; page <= 500; page++)); do
        if [ -n "$cursor" ]; then
            "${CURL[@]}" -G --data-urlencode "cursor=$cursor" -d limit=25 "$url/pakn" >"$tmp/page.json"
        else
            "${CURL[@]}" -G -d limit=25 "$url/pakn" >"$tmp/page.json"
        fi
        jq -c '.items[]' "$tmp/page.json" >>"$tmp/walk.jsonl" || return 1
        more=$(jq -r .hasMore "$tmp/page.json")
        cursor=$(jq -r .cursor "$tmp/page.json")
        [ "$more" = true ] || break
    done
    jq -s . "$tmp/walk.jsonl" >"$out"
}

# The expected records, from the reports alone: per commune x topic, per
# commune, per topic (area 96) and for the province. "Now" is the newest
# ngayGui; overdue = not resolved and hanXuLy before now; percents rounded
# to 2 decimals; every time of the feed is written in +07:00.
cat >"$tmp/expect.jq" <<'JQ'
def epoch: sub("\\+07:00$"; "Z") | fromdateiso8601 - 25200;
def pct($n; $d): ((10000 * $n / $d) | round) / 100;
def status($v; $t): if $t == null then null elif $v >= $t then "ok" else "breach" end;
(map(.ngayGui | epoch) | max) as $now
| (max_by(.ngayGui | epoch) | .ngayGui) as $ts
| (min_by(.ngayGui | epoch) | .ngayGui[0:10]) as $from
| def recs($area; $lv):
    {received: length,
     resolved: (map(select(.trangThai == "da-xu-ly")) | length),
     on_time: (map(select(.trangThai == "da-xu-ly" and (.ngayXuLy | epoch) <= (.hanXuLy | epoch)))
               | length),
     rated: (map(select(.danhGia != null)) | length),
     satisfied: (map(select(.danhGia == "hai-long")) | length),
     overdue: (map(select(.trangThai != "da-xu-ly" and (.hanXuLy | epoch) < $now)) | length)} as $c
    | ((({metric: "pakn.received", value: $c.received},
         {metric: "pakn.in_progress", value: ($c.received - $c.resolved)},
         {metric: "pakn.resolved", value: $c.resolved},
         {metric: "pakn.overdue", value: $c.overdue})
        | . + {unit: "count", num: null, den: null, status: null}),
       (select($c.resolved > 0) | pct($c.on_time; $c.resolved) as $v
        | {metric: "pakn.resolved_on_time", value: $v, unit: "percent", num: $c.on_time,
           den: $c.resolved, status: status($v; $on_time_target)}),
       (select($c.rated > 0) | pct($c.satisfied; $c.rated) as $v
        | {metric: "pakn.satisfaction", value: $v, unit: "percent", num: $c.satisfied,
           den: $c.rated, status: status($v; $satisfaction_target)}))
    | . + {area: $area, linh_vuc: $lv, ts: $ts, from: $from, to: $ts[0:10]};
(group_by([.maXa, .linhVuc])[] | recs(.[0].maXa; .[0].linhVuc)),
(group_by(.maXa)[] | recs(.[0].maXa; null)),
(group_by(.linhVuc)[] | recs("96"; .[0].linhVuc)),
recs("96"; null)
JQ
# expected REPORTS ON_TIME_TARGET SATISFACTION_TARGET > FILE (targets: json or null)
expected() {
    jq -c -S --argjson on_time_target "$2" --argjson satisfaction_target "$3" \
        -f "$tmp/expect.jq" "$1" | sort
}
# actual RECORDS > FILE: the same projection of published records.
actual() {
    jq -c -S '{metric, value, unit, num: .ratio.numerator, den: .ratio.denominator,
               status: .target.status, area: .area.code, linh_vuc: .dims.linh_vuc, ts,
               from: .period.from, to: .period.to}' "$1" | sort
}
# latest RECORDS > FILE: the last record of every series.
latest() { jq -c -s 'reduce .[] as $r ({}; .[$r.series] = $r) | .[]' "$@"; }
# same_set EXPECTED ACTUAL DESCRIPTION
same_set() {
    if diff "$1" "$2" >"$tmp/diff"; then
        pass "$3 ($(wc -l <"$1") records)"
    else
        fail "$3"
        head -20 "$tmp/diff" | sed 's/^/#   /'
    fi
}
# saved STATE-FILE JQ: a jq filter over the saved {cursor, cells, ...} value,
# with the cursor decoded as $id (the id of the last report walked).
saved() {
    jq -r '.stream // empty | fromjson
           | (if .cursor then .cursor | @base64d | fromjson | .id else 0 end) as $id
           | '"$2" "$1" 2>/dev/null
}
# province_received FILE: the last province total of received reports.
province_received() {
    jq -r 'select(.metric == "pakn.received" and .area.code == "96" and (.dims == null))
           | .value' "$1" 2>/dev/null | tail -1
}
# add_pakn DIR NAME URL ["key = value"...]: a pakn instance polling every
# second (lib.sh's add_example with the plugin replaced).
add_pakn() {
    local dir=$1 name=$2 url=$3
    shift 3
    add_example "$dir" "$name" "$url" "plugin = pakn" "$@"
}

# The formula of tools/feedsim/feed_pakn.c, in bash's 64-bit arithmetic.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}
# formula SEED COUNT: "maPhanAnh maXa linhVuc ngayGui" of the first COUNT reports.
formula() {
    local topics=(do-thi moi-truong giao-thong dat-dai an-ninh-trat-tu dien-nuoc thien-tai khac)
    local communes k h g t
    mapfile -t communes < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER")
    g=$(sm64 $(($(sm64 "$1") ^ 0)))
    for ((k = 0; k < $2; k++)); do
        h=$(sm64 $((g ^ k)))
        t=$((1751328000 + (45 * k + ((h >> 16) & 0xFFFFFFFFFFFF) % 45) * 60))
        printf 'PA-2025-%06d %s %s %s\n' $((k + 1)) "${communes[$(((h & 0xFF) % ${#communes[@]}))]}" \
            "${topics[$(((h >> 8) & 7))]}" "$(TZ=UTC-7 date -d "@$t" +%Y-%m-%dT%H:%M:%S+07:00)"
    done
}

# ---- (a) exact values, frozen feed -------------------------------------------

start_feedsim A --seed 11 --records 160
A=$FEED_A
# The stream lists min(160, 20 * (g + 1)) reports: 8 walks starting make it whole.
for ((i = 0; i < 8; i++)); do "${CURL[@]}" -o /dev/null "$A/pakn?limit=1"; done
same 200 "$(feed_control "$A" 'endpoint=pakn&freeze=1')" "(a) feed frozen with all 160 reports listed"
walk_feed "$A" "$tmp/reports.json"
check "(a) curl walked 160 reports, PA-2025-000001..000160 in order" \
    jqe 'length == 160 and ([.[].maPhanAnh] == [range(1; 161) | "PA-2025-\(tostring | ("00000" + .)[-6:])"])' \
    "$tmp/reports.json"
same "$(formula 11 6)" "$(jq -r '.[0:6][] | "\(.maPhanAnh) \(.maXa) \(.linhVuc) \(.ngayGui)"' "$tmp/reports.json")" \
    "(a) the first reports follow the formula documented in feed_pakn.c"
check "(a) the reports are self-consistent (statuses, times, ratings only when resolved)" jqe '
    all(.[]; (.trangThai | IN("moi", "dang-xu-ly", "da-xu-ly"))
        and .hanXuLy > .ngayGui
        and (if .trangThai == "da-xu-ly" then .ngayXuLy > .ngayGui
             else .ngayXuLy == null and .danhGia == null end))
    and ([.[] | .ngayGui] | . == sort)' "$tmp/reports.json"
check "(a) the sample has resolved, unresolved, late and rated reports" jqe '
    ([.[] | select(.trangThai != "da-xu-ly")] | length > 10)
    and ([.[] | select(.trangThai == "da-xu-ly" and .ngayXuLy > .hanXuLy)] | length > 5)
    and ([.[] | select(.danhGia == "khong-hai-long")] | length > 5)' "$tmp/reports.json"
expected "$tmp/reports.json" 80 70 >"$tmp/expected"

conf=$tmp/conf
make_conf "$conf"
add_pakn "$conf" pakn "$A/pakn" "limit = 25" "on_time_target = 80" "satisfaction_target = 70"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once1.jsonl" 2>"$tmp/once1.err"
same 0 "$?" "(a) iocd --once exits 0"
actual "$tmp/once1.jsonl" >"$tmp/actual"
same_set "$tmp/expected" "$tmp/actual" \
    "(a) every metric (name, area, linh_vuc, value, unit, ratio parts, target status, ts, period) equals jq's"
valid_records "$tmp/once1.jsonl" "(a) every record is valid against docs/metric.schema.json"
check "(a) dims are linh_vuc only; province sums on area 96" jqe -s '
    all(.dims == null or (.dims | keys) == ["linh_vuc"])
    and any(.area.code == "96" and .area.level == "province")' "$tmp/once1.jsonl"
contains "$tmp/once1.err" "counters: polls_ok=1 polls_failed=0 metrics=$(wc -l <"$tmp/expected") rejected=0 http_requests=7 " \
    "(a) 7 pages of 25 read, every metric accepted, nothing rejected"
state=$conf/state/pakn.state
open=$(jq 'def epoch: sub("\\+07:00$"; "Z") | fromdateiso8601;
           (map(.ngayGui | epoch) | max) as $now
           | map(select(.trangThai != "da-xu-ly" and (.hanXuLy | epoch) >= $now)) | length' \
          "$tmp/reports.json")
same "160 160 $open" "$(saved "$state" '"\($id) \([.cells[][2]] | add) \(.pending | length)"')" \
    "(a) saved: cursor after report 160, 160 reports in the cells, $open open reports not yet due"

# A restart with the saved cursor: the same totals, nothing counted twice.
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once2.jsonl" 2>"$tmp/once2.err"
same 0 "$?" "(a) a second iocd --once exits 0"
contains "$tmp/once2.err" "info: pakn: resuming after 160 reports at the saved cursor" \
    "(a) the second run resumes at the saved cursor"
actual "$tmp/once2.jsonl" >"$tmp/actual2"
same_set "$tmp/expected" "$tmp/actual2" "(a) after a restart every total is the same (none counted twice)"

# max_pages bounds a walk; the rest follows at the next poll (here: run).
conf3=$tmp/conf3
make_conf "$conf3"
add_pakn "$conf3" pakn "$A/pakn" "limit = 25" "max_pages = 2" "on_time_target = 80" \
    "satisfaction_target = 70"
: >"$tmp/paged.jsonl"
for ((run = 1; run <= 4; run++)); do
    "$IOCD" -c "$conf3/iocd.conf" --once >>"$tmp/paged.jsonl" 2>"$tmp/paged$run.err"
    same "$((run < 4 ? run * 50 : 160))" "$(saved "$conf3/state/pakn.state" '$id')" \
        "(a) max_pages = 2: run $run saves the cursor after report $((run < 4 ? run * 50 : 160))"
done
contains "$tmp/paged1.err" "info: pakn: read 2 pages (max_pages); the rest of the stream follows at the next poll" \
    "(a) max_pages: logged"
latest "$tmp/paged.jsonl" >"$tmp/paged.latest"
actual "$tmp/paged.latest" >"$tmp/actual3"
same_set "$tmp/expected" "$tmp/actual3" "(a) max_pages: after 4 runs the latest values equal the totals"

# fail-page: page 2 fails, nothing of that poll is counted, saved or published.
conf4=$tmp/conf4
make_conf "$conf4"
add_pakn "$conf4" pakn "$A/pakn" "limit = 25" "on_time_target = 80" "satisfaction_target = 70"
same 200 "$(feed_control "$A" 'endpoint=pakn&fault=fail-page&count=1')" "(a) fail-page armed"
"$IOCD" -c "$conf4/iocd.conf" --once >"$tmp/fp.jsonl" 2>"$tmp/fp.err"
same 1 "$?" "(a) fail-page: iocd --once exits 1"
same 0 "$(wc -l <"$tmp/fp.jsonl")" "(a) fail-page: no record published from the failed walk"
contains "$tmp/fp.err" "warning: pakn: page 2 failed: nothing of this poll is counted or published" \
    "(a) fail-page: the failed page is logged"
same "" "$(saved "$conf4/state/pakn.state" '$id')" "(a) fail-page: no cursor saved"
"$IOCD" -c "$conf4/iocd.conf" --once >"$tmp/fp2.jsonl" 2>/dev/null
actual "$tmp/fp2.jsonl" >"$tmp/actual4"
same_set "$tmp/expected" "$tmp/actual4" "(a) fail-page: the next poll publishes the whole walk"

# An unreadable saved value: counted again from the beginning, same totals.
jq '.stream = "{\"v\":1,\"cursor\":"' "$conf4/state/pakn.state" >"$tmp/bad.state" &&
    cp "$tmp/bad.state" "$conf4/state/pakn.state"
"$IOCD" -c "$conf4/iocd.conf" --once >"$tmp/bad.jsonl" 2>"$tmp/bad.err"
contains "$tmp/bad.err" "warning: pakn: saved cursor and totals are unreadable" \
    "(a) unreadable saved state: logged, counted again from the beginning"
actual "$tmp/bad.jsonl" >"$tmp/actual5"
same_set "$tmp/expected" "$tmp/actual5" "(a) unreadable saved state: the same totals"

# 304: the frozen, fully read feed answers page 1 "not modified"; nothing
# is published again after the first poll.
start_iocd n304 -c "$conf/iocd.conf" -L debug
check "(a) 304: two polls answered not modified" \
    wait_for 20 at_least 2 "$tmp/n304.err" "debug: pakn: GET $A/pakn: not modified"
first_poll=$(wc -l <"$tmp/n304.out")
same "$(wc -l <"$tmp/expected")" "$first_poll" "(a) 304: only the first poll after the start published (every total once)"
check "(a) 304: the not-modified polls count as successful" grep -q "debug: pakn: poll done: 0 metrics" "$tmp/n304.err"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "(a) SIGTERM: iocd exits 0"

# ---- (b) faults against a running daemon ------------------------------------

start_feedsim B --seed 12 --records 10000 --huge-size 1MiB --slow-ms 4000
B=$FEED_B
confb=$tmp/confb
make_conf "$confb"
add_pakn "$confb" pakn "$B/pakn" "limit = 7" "timeout = 2s" "max_body = 64k" "backoff_max = 1s"
start_iocd runb -c "$confb/iocd.conf"
out=$tmp/runb.out err=$tmp/runb.err
check "(b) the connector publishes" wait_for 15 at_least 1 "$out" '"source":"pakn"'

# inject MODE EXPECTED-TEXT [fails] [FILE]: one faulty answer; EXPECTED-TEXT
# must appear in FILE (default iocd's log). "fails": the poll fails, the
# status goes degraded with the reason and back to ok.
inject() {
    local mode=$1 text=$2 where=${4:-$err} published degraded recovered
    published=$(count_lines "$out" '"source":"pakn"')
    degraded=$(count_lines "$err" "pakn: status ok -> degraded after 1 failed poll: ")
    recovered=$(count_lines "$err" "pakn: status degraded -> ok")
    same 200 "$(feed_control "$B" "endpoint=pakn&fault=$mode&count=1")" "(b) $mode: armed"
    if wait_for 20 at_least 1 "$where" "$text"; then
        pass "(b) $mode: logged '$text'"
    else
        fail "(b) $mode: logged '$text'"
        tail -5 "$where" | sed 's/^/#   /'
    fi
    check "(b) $mode: iocd is still running" kill -0 "$IOCD_PID"
    if [ "${3:-}" = fails ]; then
        check "(b) $mode: status ok -> degraded with the reason" \
            wait_for 20 at_least $((degraded + 1)) "$err" "pakn: status ok -> degraded after 1 failed poll: "
        check "(b) $mode: back to ok on the next poll" \
            wait_for 20 at_least $((recovered + 1)) "$err" "pakn: status degraded -> ok"
    fi
    check "(b) $mode: the connector keeps publishing" \
        wait_for 20 at_least $((published + 6)) "$out" '"source":"pakn"'
}

inject http500 "warning: pakn: GET $B/pakn: HTTP status 500" fails
contains "$err" "pakn: status ok -> degraded after 1 failed poll: GET $B/pakn: HTTP status 500" \
    "(b) http500: the degraded line gives the reason"
inject http429 "warning: pakn: GET $B/pakn: HTTP status 429 (with Retry-After)" fails
check "(b) http429: Retry-After honoured" grep -qF "info: pakn: server asked to retry after 2 s; waiting" "$err"
before=$(count_lines "$err" "info: pakn: server asked to retry after 2 s; waiting")
inject http503 "warning: pakn: GET $B/pakn: HTTP status 503 (with Retry-After)" fails
check "(b) http503: Retry-After honoured again" \
    at_least $((before + 1)) "$err" "info: pakn: server asked to retry after 2 s; waiting"
inject slow "warning: pakn: GET $B/pakn: no complete answer within" fails
inject truncated "warning: pakn: GET $B/pakn: transfer closed" fails
inject invalid-json "invalid JSON at line" fails
inject huge "warning: pakn: GET $B/pakn: response body larger than 65536 bytes" fails
check "(b) a failed page says nothing of the poll is published" \
    grep -qF "failed: nothing of this poll is counted or published; the next poll reads again from the saved cursor" "$err"
# Report-level faults: the poll succeeds, only the bad report is skipped.
inject wrong-type "field 'hanXuLy' is not an RFC 3339 time with an offset; record skipped"
check "(b) wrong-type: the rejection names the page and the report" \
    grep -qE "warning: pakn: page [0-9]+ item PA-2025-[0-9]{6}: field 'hanXuLy' is not an RFC" "$err"
inject missing-field "field 'hanXuLy' is missing; record skipped"
inject nulls "field 'trangThai' is null; record skipped"
inject old-codes '"mapped_from":' no "$out"
check "(b) old codes: published under the current code with mapped_from" \
    jqe -s '[.[] | select(.area.mapped_from)] | length >= 2 and
            all(.area.code != .area.mapped_from and (.area.code | test("^[0-9]{5}$")))' "$out"

kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: pakn: counters:"
counters=$(grep -F "info: pakn: counters:" "$err" | tail -1)
echo "# $counters"
check "(b) counters: 7 failed polls (500, 429, 503, slow, truncated, invalid JSON, huge)" \
    grep -q "polls_failed=7 " <<<"$counters"
check "(b) counters: 6 failed HTTP requests" grep -q "http_failures=6 " <<<"$counters"
check "(b) counters: 3 rejected reports (wrong type, missing field, null)" \
    grep -q "rejected=3 " <<<"$counters"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "(b) SIGTERM: iocd exits 0"
check "(b) every report up to the saved cursor was counted once or rejected (cursor = counted + 3)" \
    test "$(saved "$confb/state/pakn.state" '$id - ([.cells[][2]] | add)')" = 3
valid_records "$out" "(b) every record published during the faults is valid"

# ---- (c) kill -9 mid-stream --------------------------------------------------

start_feedsim C --seed 13 --records 400 --slow-ms 3000
C=$FEED_C
confc=$tmp/confc
make_conf "$confc"
add_pakn "$confc" pakn "$C/pakn" "limit = 7" "timeout = 10s"
statec=$confc/state/pakn.state
# consistent: the saved cursor is exactly after the reports saved in the cells.
consistent() { test "$(saved "$statec" '$id - ([.cells[][2]] | add // 0)')" = 0; }
saved_id() { saved "$statec" '$id'; }
past() { local id; id=$(saved_id); [ -n "$id" ] && [ "$id" -ge "$1" ]; }

start_iocd c1 -c "$confc/iocd.conf"
check "(c) run 1 saves its cursor as the stream grows" wait_for 30 past 60
same 200 "$(feed_control "$C" 'endpoint=pakn&fault=slow&count=1')" "(c) the next page is slow (3 s)"
sleep 1
kill -KILL "$IOCD_PID"
wait "$IOCD_PID" 2>/dev/null
id1=$(saved_id)
check "(c) kill -9 during a slow page: saved cursor ($id1) and totals agree" consistent
check "(c) run 1 was killed mid-stream" test "$id1" -lt 400

start_iocd c2 -c "$confc/iocd.conf"
check "(c) run 2 resumes at the saved cursor" \
    wait_for 10 at_least 1 "$tmp/c2.err" "info: pakn: resuming after $id1 reports at the saved cursor"
has_total() { [ -n "$(province_received "$1")" ]; }
check "(c) run 2 publishes its province totals" wait_for 15 has_total "$tmp/c2.out"
check "(c) run 2 never publishes fewer reports than were saved" \
    test "$(jq -r 'select(.metric == "pakn.received" and .area.code == "96" and .dims == null) | .value' \
             "$tmp/c2.out" | head -1)" -ge "$id1"
check "(c) run 2 moves on" wait_for 30 past $((id1 + 60))
kill -KILL "$IOCD_PID"
wait "$IOCD_PID" 2>/dev/null
id2=$(saved_id)
check "(c) kill -9 between polls: saved cursor ($id2) and totals agree" consistent

start_iocd c3 -c "$confc/iocd.conf"
check "(c) run 3 reads the stream to its end (400 reports)" wait_for 60 past 400
check "(c) run 3 publishes the province total of 400 reports" \
    wait_for 10 eval '[ "$(province_received "$tmp/c3.out")" = 400 ]'
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "(c) run 3: SIGTERM exits 0"
same 200 "$(feed_control "$C" 'endpoint=pakn&freeze=1')" "(c) feed frozen"
walk_feed "$C" "$tmp/reports_c.json"
same 400 "$(jq length "$tmp/reports_c.json")" "(c) curl walked all 400 reports"
expected "$tmp/reports_c.json" null null >"$tmp/expected_c"
# Only changed series are published again, each with the ts of its poll:
# compare values here, and the time of the province totals.
latest "$tmp/c3.out" >"$tmp/c3.latest"
actual "$tmp/c3.latest" | jq -c 'del(.ts, .to)' | sort >"$tmp/actual_c"
jq -c 'del(.ts, .to)' "$tmp/expected_c" | sort >"$tmp/expected_c_values"
same_set "$tmp/expected_c_values" "$tmp/actual_c" \
    "(c) after two kill -9 the latest value of every series equals the totals over all reports"
same "$(jq -r 'max_by(.ngayGui) | .ngayGui' "$tmp/reports_c.json")" \
    "$(jq -r 'select(.area.code == "96" and .dims == null) | .ts' "$tmp/c3.latest" | sort -u)" \
    "(c) the province totals carry the newest report's time"
check "(c) saved: 400 reports, cursor after report 400" \
    test "$(saved "$statec" '"\($id) \([.cells[][2]] | add)"')" = "400 400"
valid_records "$tmp/c3.out" "(c) every record of the last run is valid"

# Under SANITIZE=1 both programs report here; stop the feeds first so that
# their exit reports are in the logs too.
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && stop_pid "$pid"; done
no_reports() { ! grep -lE "AddressSanitizer|LeakSanitizer|runtime error:" "$@"; }
check "no sanitizer report in any iocd or feedsim log" no_reports "$tmp"/*.err "$tmp"/*.feedsim.log
finish
