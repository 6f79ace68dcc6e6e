#!/usr/bin/env bash
# test_ioffice - the iOffice connector (connectors/ioffice) against its
# simulated feed (tools/feedsim/feed_ioffice.c), paginated ?trang=&soBanGhi=.
#
#  1. The feed: shape, pagination, 400s, every value recomputed in bash from
#     the formula documented in feed_ioffice.c, self-consistent figures.
#  2. `iocd --once` on a frozen feed: every published record (metric, area,
#     dims, value, unit, ratio parts, target and status, ts, period) equals
#     what jq computes on its own from the pages fetched with curl,
#     province totals per level included.
#  3. Walks that cannot complete publish nothing: a failing later page
#     (fail-page), more pages than max_pages.
#  4. A running daemon against every fault mode: logged with the reason,
#     status degraded with the reason and back to ok, Retry-After honoured,
#     bad records skipped while the rest (and the totals) still count, old
#     commune codes mapped; every published walk is complete.
#  5. A frozen feed: 304 publishes nothing new (logged at debug level); a
#     walk whose later page failed is not mistaken for published data.
source "$(dirname "$0")/lib.sh"

SIZE=7      # page size asked by the connector in parts 2-4
RECORDS=40  # agencies: 6 pages of 7 (the last one 5)

# sm64 X: one splitmix64 step (tools/feedsim/prng.h) in bash's 64-bit
# wrap-around arithmetic; `(x >> n) & mask` is a logical shift.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}

# formula SEED GENERATION COUNT: one line per agency, the documented formula
# of feed_ioffice.c: "maDonVi capDonVi maXa vanBanDen vanBanDi
# denDaXuLyDungHan denDaXuLyQuaHan denDangXuLyQuaHan online*10
# electronic*10 soLuotKySo" (maXa "-" for a department).
formula() {
    local seed=$1 gen=$2 count=$3 d=14 k c id level code h h2 base span lo lo2
    local in out pending processed late overdue s g
    mapfile -t communes < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER")
    s=$(sm64 "$seed")
    g=$(sm64 $((s ^ gen)))
    for ((k = 0; k < count; k++)); do
        if ((k < 2 * d && k % 2 == 0)); then
            printf -v id '000.00.%02d.H12' $((k / 2 + 1))
            level=tinh code=- base=400 span=2000 lo=800 lo2=950
        else
            c=$((k < 2 * d ? (k - 1) / 2 : k - d))
            printf -v id '000.00.%02d.H12' $((31 + c))
            level=xa code=${communes[c]} base=100 span=600 lo=450 lo2=800
        fi
        h=$(sm64 $((g ^ k)))
        h2=$(sm64 "$h")
        in=$((base + (h & 0xFFFF) % span))
        out=$((in * (30 + ((h >> 16) & 0xFF) % 31) / 100))
        pending=$((in * (2 + ((h >> 24) & 0xFF) % 9) / 100))
        processed=$((in - pending))
        late=$((processed * (((h >> 32) & 0xFF) % 9) / 100))
        overdue=$((pending * (((h >> 40) & 0xFF) % 51) / 100))
        echo "$id $level $code $in $out $((processed - late)) $late $overdue" \
            "$((lo + (h2 & 0xFFFF) % (1001 - lo))) $((lo2 + ((h2 >> 16) & 0xFFFF) % (1001 - lo2)))" \
            "$((out * (50 + ((h2 >> 32) & 0xFFFF) % 71) / 100))"
    done
}

# fetch_pages BASE-URL SIZE DIR [CURL-ARGS...]: every page of one walk into
# DIR/page-N.json, at most 50 pages; prints how many.
fetch_pages() {
    local url=$1 size=$2 dir=$3 p seen=0 total
    shift 3
    mkdir -p "$dir"
    for ((p = 1; p <= 50; p++)); do
        "${CURL[@]}" "$@" "$url?trang=$p&soBanGhi=$size" >"$dir/page-$p.json" || break
        total=$(jq '.tongSo' "$dir/page-$p.json")
        seen=$((seen + $(jq '.duLieu | length' "$dir/page-$p.json")))
        [ "$seen" -ge "$total" ] && break
    done
    echo "$p"
}

# expected PAGES-DIR: the records the connector must publish, computed with
# jq from the feed's own pages (province 96; the shipped catalogue's 2025
# targets of work files online, by level: >= 90 warn from 80 for tinh,
# >= 60 warn from 50 for xa; every other record has status "none").
EXPECTED_JQ='
def target: if .capDonVi == "xa" then {id: "xa_2025", value: 60, warn: 50}
            else {id: "tinh_2025", value: 90, warn: 80} end;
def standing($v; $t): if $v >= $t.value then "ok" elif $v >= $t.warn then "warn" else "breach" end;
def rec($m; $v; $u): {metric: $m, value: $v, unit: $u, ratio: null, target: null, status: "none"};
def share($n; $d):
  if $d > 0 then rec("ioffice.docs.on_time_share"; 100 * $n / $d; "percent")
                 + {ratio: {numerator: $n, denominator: $d}}
  else empty end;
def counts:
  rec("ioffice.docs.incoming"; .vanBanDen; "count"),
  rec("ioffice.docs.outgoing"; .vanBanDi; "count"),
  rec("ioffice.docs.processed_on_time"; .denDaXuLyDungHan; "count"),
  rec("ioffice.docs.processed_late"; .denDaXuLyQuaHan; "count"),
  rec("ioffice.docs.pending_overdue"; .denDangXuLyQuaHan; "count"),
  rec("ioffice.signatures"; .soLuotKySo; "count"),
  share(.denDaXuLyDungHan; .denDaXuLyDungHan + .denDaXuLyQuaHan);
.[0].thoiGianCapNhat as $ts | .[0].ky as $ky | [.[].duLieu[]] as $all
| ( $all[]
    | target as $t
    | ( counts,
        rec("ioffice.files.online_share"; .hoSoCongViecTrucTuyenTyLe; "percent")
          + (standing(.hoSoCongViecTrucTuyenTyLe; $t) as $s
             | {target: ($t + {op: ">=", period: {from: 2025, to: 2025}, status: $s}),
                status: $s}),
        rec("ioffice.docs.electronic_share"; .vanBanDienTuTyLe; "percent") )
      + {area: (if .capDonVi == "xa" then .maXa else "96" end),
         dims: {agency: .maDonVi, level: .capDonVi}} ),
  ( $all | group_by(.capDonVi)[]
    | (.[0] | target) as $t | length as $n
    | (map(select(.hoSoCongViecTrucTuyenTyLe >= $t.value)) | length) as $met
    | ( ( {vanBanDen: (map(.vanBanDen) | add), vanBanDi: (map(.vanBanDi) | add),
           denDaXuLyDungHan: (map(.denDaXuLyDungHan) | add),
           denDaXuLyQuaHan: (map(.denDaXuLyQuaHan) | add),
           denDangXuLyQuaHan: (map(.denDangXuLyQuaHan) | add),
           soLuotKySo: (map(.soLuotKySo) | add)} | counts ),
        rec("ioffice.files.online_target_met"; 100 * $met / $n; "percent")
          + {ratio: {numerator: $met, denominator: $n}} )
      + {area: "96", dims: {level: .[0].capDonVi}} )
| . + {ts: $ts, from: $ky.tu, to: $ky.den}'
expected() { jq -s -S -c "$EXPECTED_JQ" "$1"/page-*.json | sort; }
# actual FILE: the same projection of published records.
actual() {
    jq -S -c '{metric, value, unit, ratio: (.ratio // null),
               target: (.target // null | if . then del(.basis) else . end), status,
               area: .area.code, dims, ts, from: .period.from, to: .period.to}' "$1" | sort
}
# compare EXPECTED ACTUAL DESCRIPTION
compare() {
    if diff "$1" "$2" >"$tmp/diff"; then
        pass "$3"
    else
        fail "$3"
        head -20 "$tmp/diff" | sed 's/^/#   /'
    fi
}
# add_ioffice DIR NAME URL ["key = value"...]: an ioffice instance polling
# every second with page size $SIZE; the given lines override the defaults.
add_ioffice() {
    local dir=$1 name=$2 url=$3 key line
    shift 3
    local -A lines=([plugin]="plugin = ioffice" [interval]="interval = 1s"
                    [timeout]="timeout = 3s" [url]="url = $url" [page_size]="page_size = $SIZE")
    for line in "$@"; do
        key=${line%% =*}
        lines[$key]=$line
    done
    for key in "${!lines[@]}"; do echo "${lines[$key]}"; done >"$dir/connectors.d/$name.conf"
}
# complete_walks FILE: every walk published in FILE (one thoiGianCapNhat
# each) has both level totals, and each total is the sum of that walk's
# agency values: a partial walk would break it.
complete_walks() {
    jq -s -e '[.[] | select(.metric == "ioffice.docs.incoming")] | group_by(.ts)
              | length > 0 and all(. as $walk | ["tinh", "xa"] | all(. as $l
                  | [$walk[] | select(.dims.level == $l and (.dims | has("agency") | not))
                    | .value] == [[$walk[] | select(.dims.level == $l and .dims.agency)
                    | .value] | add]))' "$1" >/dev/null
}

### 1. the feed ##############################################################
start_feedsim A --seed 11 --records "$RECORDS" --token s3cr3t
AUTH=(-H "Authorization: Bearer s3cr3t")
for i in 1 2 3; do "${CURL[@]}" "${AUTH[@]}" -o /dev/null "$FEED_A/ioffice?trang=1"; done
"${CURL[@]}" "${AUTH[@]}" -o /dev/null "$FEED_A/ioffice?trang=2" # not a new snapshot
same 200 "$(feed_control "$FEED_A" 'endpoint=ioffice&freeze=1')" "feed data frozen"
same 2 "$("${CURL[@]}" "$FEED_A/_control?endpoint=ioffice" | jq .generation)" \
    "only page-1 requests started a new generation"
same 401 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$FEED_A/ioffice")" \
    "the feed wants the bearer token"
same 6 "$(fetch_pages "$FEED_A/ioffice" "$SIZE" "$tmp/pages" "${AUTH[@]}")" \
    "$RECORDS agencies by $SIZE: 6 pages"
same "7 7 7 7 7 5" "$(for p in 1 2 3 4 5 6; do jq '.duLieu | length' "$tmp/pages/page-$p.json"; done | xargs)" \
    "page sizes 7 7 7 7 7 5"
check "every page has the documented shape, trang and soBanGhi echoed" \
    jqe -s 'to_entries | all(.key as $i | .value
        | (.thoiGianCapNhat | type == "string") and .ky == {"tu":"2025-07-01","den":"2025-07-31"}
          and .trang == $i + 1 and .soBanGhi == 7 and .tongSo == 40
          and all(.duLieu[]; (.maDonVi | test("^000\\.00\\.[0-9]{2}\\.H12$"))
              and (.tenDonVi | length > 0) and (.capDonVi == "tinh" or .capDonVi == "xa")
              and ((.capDonVi == "xa") == has("maXa"))))' "$tmp"/pages/page-{1..6}.json
check "all pages of a frozen walk share thoiGianCapNhat" \
    jqe -s 'map(.thoiGianCapNhat) | unique | length == 1' "$tmp"/pages/page-*.json
gen=$("${CURL[@]}" "${AUTH[@]}" -D - -o /dev/null "$FEED_A/ioffice?trang=1&soBanGhi=7" |
      tr -d '\r' | sed -n 's/^X-Feedsim-Generation: //Ip')
same "$(($(date -d 2025-08-01T00:00:00+07:00 +%s) + gen * 60))" \
    "$(date -d "$(jq -r .thoiGianCapNhat "$tmp/pages/page-1.json")" +%s)" \
    "thoiGianCapNhat = 2025-08-01T00:00:00+07:00 plus the generation ($gen) in minutes"
formula 11 "$gen" "$RECORDS" >"$tmp/formula.txt"
jq -r -s '.[].duLieu[] | [.maDonVi, .capDonVi, (.maXa // "-"), .vanBanDen, .vanBanDi,
          .denDaXuLyDungHan, .denDaXuLyQuaHan, .denDangXuLyQuaHan,
          (.hoSoCongViecTrucTuyenTyLe * 10 | round), (.vanBanDienTuTyLe * 10 | round),
          .soLuotKySo] | join(" ")' "$tmp"/pages/page-{1..6}.json >"$tmp/feed.txt"
compare "$tmp/formula.txt" "$tmp/feed.txt" \
    "every agency's values follow the formula documented in feed_ioffice.c"
check "commune agencies are 'UBND' + a current commune of province 96, named as in the gazetteer" \
    jqe -s --rawfile gaz "$GAZETTEER" '
        ($gaz | split("\n") | map(split("\t")) | map(select(.[0] == "C" and .[2] == "96"))
         | map({key: .[1], value: .[3]}) | from_entries) as $c
        | all(.[].duLieu[] | select(.capDonVi == "xa"); .tenDonVi == "UBND " + $c[.maXa])' \
    "$tmp"/pages/page-*.json
check "both levels, agency ids never repeated" \
    jqe -s '[.[].duLieu[]] | (map(.capDonVi) | unique == ["tinh", "xa"])
            and (map(.maDonVi) | unique | length == 40)' "$tmp"/pages/page-*.json
check "figures are self-consistent: on time + late <= incoming, pending overdue <= the rest" \
    jqe -s 'all(.[].duLieu[]; .denDaXuLyDungHan + .denDaXuLyQuaHan <= .vanBanDen
             and .denDangXuLyQuaHan <= .vanBanDen - .denDaXuLyDungHan - .denDaXuLyQuaHan
             and .hoSoCongViecTrucTuyenTyLe <= 100 and .vanBanDienTuTyLe <= 100)' \
    "$tmp"/pages/page-*.json
check "a page past the end is empty" \
    jqe '.duLieu == [] and .tongSo == 40' <("${CURL[@]}" "${AUTH[@]}" "$FEED_A/ioffice?trang=7&soBanGhi=7")
same 400 "$("${CURL[@]}" "${AUTH[@]}" -o /dev/null -w '%{http_code}' "$FEED_A/ioffice?trang=0")" \
    "trang=0 is a 400"
same 400 "$("${CURL[@]}" "${AUTH[@]}" -o /dev/null -w '%{http_code}' "$FEED_A/ioffice?soBanGhi=x")" \
    "soBanGhi=x is a 400"

### 2. --once: every record computed independently ##########################
conf=$tmp/conf
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf" # its targets apply to the records
add_ioffice "$conf" io "$FEED_A/ioffice" "token = s3cr3t"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.jsonl" 2>"$tmp/once.err"
same 0 "$?" "iocd --once exits 0"
expected "$tmp/pages" >"$tmp/expected.jsonl"
actual "$tmp/once.jsonl" >"$tmp/actual.jsonl"
same "$(wc -l <"$tmp/expected.jsonl")" "$(wc -l <"$tmp/once.jsonl")" \
    "as many records as computed ($(wc -l <"$tmp/expected.jsonl"): 9 per agency, 8 per level)"
compare "$tmp/expected.jsonl" "$tmp/actual.jsonl" \
    "metric, value, unit, area, dims, ratio parts, target and status, ts, period match jq's"
valid_records "$tmp/once.jsonl" "every record is valid against docs/metric.schema.json"
check "provincial agencies and totals at area 96 (level province), commune agencies at their commune" \
    jqe -s 'all(if .dims.level == "xa" and .dims.agency then .area.level == "commune"
               else .area.level == "province" and .area.code == "96" end)' "$tmp/once.jsonl"
check "series = source/metric/area[/agency]/level" \
    jqe -s 'all(.series == "io/\(.metric)/\(.area.code)/"
                + (if .dims.agency then (.dims.agency | ascii_downcase | gsub("\\."; "-")) + "/"
                   else "" end) + .dims.level)' "$tmp/once.jsonl"
contains "$tmp/once.err" "io: counters: polls_ok=1 polls_failed=0 metrics=$(wc -l <"$tmp/expected.jsonl") rejected=0 http_requests=6 http_failures=0" \
    "counters: one poll, six page requests, nothing rejected"
same "$(jq -r 'select(.metric == "ioffice.files.online_share") | .status' "$tmp/expected.jsonl" | sort -u | xargs)" \
    "$(jq -r 'select(.metric == "ioffice.files.online_share") | .status' "$tmp/once.jsonl" | sort -u | xargs)" \
    "the statuses of online_share are the computed ones: $(jq -r 'select(.metric == "ioffice.files.online_share") | .status' "$tmp/once.jsonl" | sort | uniq -c | xargs)"

# The deprecated keys: a warning naming FILE:LINE and what replaces them;
# set, they are the records' own target (no band, no id), as before.
conf_old=$tmp/conf-old
make_conf "$conf_old"
cp conf/catalog.conf "$conf_old/catalog.conf"
add_ioffice "$conf_old" io "$FEED_A/ioffice" "token = s3cr3t" "target_xa = 70"
line=$(grep -n '^target_xa' "$conf_old/connectors.d/io.conf" | cut -d: -f1)
"$IOCD" --check-config -c "$conf_old/iocd.conf" >"$tmp/old-check.out" 2>&1
same 0 "$?" "--check-config accepts the deprecated target_xa"
contains "$tmp/old-check.out" "$conf_old/connectors.d/io.conf:$line: warning: target_xa: deprecated as the records' target: the catalogue's target xa_2025 of ioffice.files.online_share (catalog.conf) replaces it" \
    "and warns about it with FILE:LINE and what replaces it"
"$IOCD" -c "$conf_old/iocd.conf" --once >"$tmp/old.jsonl" 2>"$tmp/old.err"
contains "$tmp/old.err" "io.conf:$line: target_xa: deprecated" "the warning is logged at start too"
check "set, target_xa is the xa records' own target (>= 70, no band); tinh keep the catalogue's" \
    jqe -s '[.[] | select(.metric == "ioffice.files.online_share")]
            | all(if .dims.level == "xa"
                  then .target == {value: 70, op: ">=", status: (if .value >= 70 then "ok" else "breach" end)}
                  else .target.id == "tinh_2025" end)' "$tmp/old.jsonl"

### 3. walks that cannot complete publish nothing ###########################
same 200 "$(feed_control "$FEED_A" 'endpoint=ioffice&fault=fail-page')" "fault fail-page armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/failpage.jsonl" 2>"$tmp/failpage.err"
same 1 "$?" "fail-page: iocd --once exits 1"
same 0 "$(wc -l <"$tmp/failpage.jsonl")" "fail-page: no record at all (a full walk gives $(wc -l <"$tmp/once.jsonl"))"
contains "$tmp/failpage.err" "warning: io: page 2 failed; poll abandoned, nothing published" \
    "fail-page: the failing page is named, nothing published"
same 200 "$(feed_control "$FEED_A" 'endpoint=ioffice&fault=none')" "fault cleared"
add_ioffice "$conf" io "$FEED_A/ioffice" "token = s3cr3t" "max_pages = 2"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/maxpages.jsonl" 2>"$tmp/maxpages.err"
same 1 "$?" "max_pages = 2 for 6 pages: iocd --once exits 1"
same 0 "$(wc -l <"$tmp/maxpages.jsonl")" "max_pages: no record at all"
contains "$tmp/maxpages.err" "tongSo 40 needs more than max_pages = 2 pages of 7 records" \
    "max_pages: says why"

### 4. a running daemon against every fault #################################
start_feedsim B --seed 5 --records "$RECORDS" --huge-size 1MiB --slow-ms 6000
conf=$tmp/run
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_ioffice "$conf" io "$FEED_B/ioffice" "max_body = 64k" "timeout = 2s" "backoff_max = 1s"
out=$tmp/run.out err=$tmp/run.err
: >"$out" && : >"$err" # so that the first waits find the files
start_iocd run -c "$conf/iocd.conf"
check "the connector publishes" wait_for 15 at_least 1 "$out" '"metric":"ioffice.files.online_target_met"'

# inject MODE TEXT [recovers] [FILE]: one faulty answer; one more line with
# TEXT must appear in FILE (default: iocd's log).
inject() {
    local mode=$1 text=$2 where=${4:-$err} before recovered
    before=$(count_lines "$where" "$text")
    recovered=$(count_lines "$err" "io: status degraded -> ok")
    same 200 "$(feed_control "$FEED_B" "endpoint=ioffice&fault=$mode&count=1")" "$mode: armed"
    if wait_for 20 at_least $((before + 1)) "$where" "$text"; then
        pass "$mode: '$text'"
    else
        fail "$mode: '$text'"
        tail -5 "$where" | sed 's/^/#   /'
    fi
    check "$mode: iocd is still running" kill -0 "$IOCD_PID"
    if [ "${3:-}" = recovers ]; then
        check "$mode: recovers on a later poll (status degraded -> ok)" \
            wait_for 20 at_least $((recovered + 1)) "$err" "io: status degraded -> ok"
    fi
}

inject http500 "warning: io: GET $FEED_B/ioffice: HTTP status 500" recovers
contains "$err" "warning: io: status ok -> degraded after 1 failed poll: GET $FEED_B/ioffice: HTTP status 500" \
    "http500: status degraded, with the reason"
inject http429 "info: io: server asked to retry after 2 s; waiting" recovers
inject http503 "info: io: server asked to retry after 2 s; waiting" recovers
inject slow "warning: io: GET $FEED_B/ioffice: no complete answer within" recovers
inject truncated "warning: io: GET $FEED_B/ioffice: transfer closed" recovers
inject invalid-json "invalid JSON at line" recovers
check "invalid-json: the page is named" grep -qE "error: io: page [0-9]+: invalid JSON at line" "$err"
inject huge "warning: io: GET $FEED_B/ioffice: response body larger than 65536 bytes" recovers
later_page="warning: io: page ([2-9]|[1-9][0-9]+) failed; poll abandoned, nothing published"
before=$(grep -cE "$later_page" "$err")
inject fail-page "failed; poll abandoned, nothing published" recovers
check "fail-page: a later page failed (page 1 starts a walk and is spared)" \
    test "$(grep -cE "$later_page" "$err")" -gt "$before"
# Record-level faults: the poll succeeds, only the bad record is skipped.
inject wrong-type "field 'vanBanDen' is a string, expected a number; record skipped"
check "wrong-type: the log names the page and the agency" \
    grep -qE "warning: io: page [0-9]+ item 000\.00\.[0-9]{2}\.H12: field 'vanBanDen' is a string" "$err"
inject missing-field "field 'vanBanDen' is missing; record skipped"
inject nulls "field 'hoSoCongViecTrucTuyenTyLe' is null; record skipped"
inject old-codes '"mapped_from":' no "$out"
check "old-codes: commune agencies published under the current code with mapped_from" \
    jqe -s '[.[] | select(.area.mapped_from)] | length >= 2 and all(.dims.level == "xa"
            and .area.code != .area.mapped_from and (.area.code | test("^[0-9]{5}$")))' "$out"
# Let one more clean walk arrive after the last fault, then check them all.
published=$(count_lines "$out" '"metric":"ioffice.files.online_target_met"')
check "a clean walk follows" \
    wait_for 15 at_least $((published + 2)) "$out" '"metric":"ioffice.files.online_target_met"'
check "walks with a skipped record still publish: 39 agencies and both totals" \
    jqe -s '[.[] | select(.metric == "ioffice.docs.incoming")] | group_by(.ts)
            | map(select(map(select(.dims.agency)) | length == 39)) | length >= 3' "$out"
check "every published walk is complete: each level total = the sum of its agencies" \
    complete_walks "$out"

kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: io: counters:"
counters=$(grep -F "info: io: counters:" "$err" | tail -1)
echo "# $counters"
check "counters: 8 failed polls (500, 429, 503, slow, truncated, invalid JSON, huge, fail-page)" \
    grep -q "polls_failed=8 " <<<"$counters"
check "counters: 3 rejected records (wrong type, missing field, null)" \
    grep -q "rejected=3 " <<<"$counters"
check "counters: 7 failed HTTP requests (all but invalid JSON)" \
    grep -q "http_failures=7 " <<<"$counters"
valid_records "$out" "every record published during the faults is valid against the schema"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"

### 5. a frozen feed: 304, and a failed walk is not taken for published ######
start_feedsim C --seed 3 --records 12
same 200 "$(feed_control "$FEED_C" 'endpoint=ioffice&freeze=1&fault=fail-page&count=1')" \
    "feed C frozen, its first walk will fail on page 2"
conf=$tmp/frozen
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_ioffice "$conf" io "$FEED_C/ioffice"
out=$tmp/frozen.out err=$tmp/frozen.err
: >"$out" && : >"$err"
start_iocd frozen -c "$conf/iocd.conf" --log-level debug
check "the first walk fails on page 2" \
    wait_for 15 at_least 1 "$err" "warning: io: page 2 failed; poll abandoned, nothing published"
check "two later polls are answered 304 (logged at debug level)" \
    wait_for 20 at_least 2 "$err" "debug: io: GET $FEED_C/ioffice: not modified"
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: io: counters:"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
fetch_pages "$FEED_C/ioffice" "$SIZE" "$tmp/pages-c" >/dev/null
expected "$tmp/pages-c" >"$tmp/expected-c.jsonl"
actual "$out" >"$tmp/actual-c.jsonl"
compare "$tmp/expected-c.jsonl" "$tmp/actual-c.jsonl" \
    "the walk after the failed one was fetched without validators and published once, in full"
check "each series published exactly once: 304 re-publishes nothing" \
    jqe -s 'map(.series) | length == (unique | length)' "$out"
check "counters: http_not_modified >= 2" \
    grep -qE "info: io: counters: .* http_not_modified=([2-9]|[1-9][0-9]+) " "$err"
### 6. records the connector or the daemon must leave out ####################
# One hand-written page (a static file: the query string is ignored, and
# tongSo = its length, so the walk is one page).
split=$(awk -F'\t' '$1 == "C" && $3 == "96" { c[$2] = 1 }
                    $1 == "M" && $4 == "part" && ($3 in c) { n[$2]++ }
                    END { for (k in n) if (n[k] > 1) print k }' "$GAZETTEER" | sort | head -1)
good_xa=$(awk -F'\t' '$1 == "C" && $3 == "96" { print $2; exit }' "$GAZETTEER")
mkdir -p "$tmp/www"
jq -n --arg split "$split" --arg xa "$good_xa" '
  def agency($id; $level; $in; $on; $late):
    {maDonVi: $id, tenDonVi: "Đơn vị \($id)", capDonVi: $level, vanBanDen: $in, vanBanDi: 10,
     denDaXuLyDungHan: $on, denDaXuLyQuaHan: $late, denDangXuLyQuaHan: 1,
     hoSoCongViecTrucTuyenTyLe: 91.5, vanBanDienTuTyLe: 99, soLuotKySo: 7};
  [ agency("000.00.01.H12"; "tinh"; 500; 400; 20),
    agency("000.00.01.H12"; "tinh"; 900; 800; 20),
    agency("000.00.40.H12"; "xa"; 100; 50; 5) + {maXa: $split},
    agency("000.00.41.H12"; "xa"; 100; 50; 5) + {maXa: "00004"},
    agency("000.00.42.H12"; "xa"; 100; 50; 5),
    agency("000.00.43.H12"; "huyen"; 100; 50; 5) + {maXa: $xa},
    agency("000.00.44.H12"; "xa"; 100; 50; 5) + {maXa: $xa, vanBanDi: -3},
    agency("000.00.45.H12"; "xa"; 100; 50; 5) + {maXa: $xa, vanBanDienTuTyLe: 120},
    agency("000.00.46.H12"; "xa"; 30; 0; 0) + {maXa: $xa, hoSoCongViecTrucTuyenTyLe: 55},
    agency("000.00.47.H12"; "xa"; 200; 150; 30) + {maXa: $xa} ] as $items
  | {thoiGianCapNhat: "2025-08-01T08:00:00+07:00", ky: {tu: "2025-07-01", den: "2025-07-31"},
     trang: 1, soBanGhi: ($items | length), tongSo: ($items | length), duLieu: $items}' \
    >"$tmp/www/ioffice"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/www.log" 2>&1 &
pids+=("$!")
wait_for 10 grep -q 'port [0-9]' "$tmp/www.log" || { echo "Bail out! python3 http.server did not start"; exit 1; }
www_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/www.log" | head -1)
conf=$tmp/bad
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_ioffice "$conf" io "http://127.0.0.1:$www_port/ioffice"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/bad.jsonl" 2>"$tmp/bad.err"
same 0 "$?" "a page with bad records: the poll still succeeds"
for line in \
    "page 1 item 000.00.01.H12: field 'maDonVi' repeats the agency of page 1; record skipped" \
    "page 1 item 000.00.42.H12: field 'maXa' is missing or not a string" \
    "page 1 item 000.00.43.H12: field 'capDonVi' is missing or not \"tinh\" or \"xa\"; record skipped" \
    "page 1 item 000.00.44.H12: field 'vanBanDi' is not a count (a non-negative whole number); record skipped" \
    "page 1 item 000.00.45.H12: field 'vanBanDienTuTyLe' is outside 0..100 for a percentage; record skipped" \
    "metric ioffice.docs.incoming area $split: field 'area' old commune code $split was split" \
    "metric ioffice.docs.incoming area 00004: field 'area'"; do
    contains "$tmp/bad.err" "warning: io: $line" "logged: ${line:0:70}..."
done
contains "$tmp/bad.err" "info: io: page 1 item 000.00.41.H12: its values were refused (see above); left out of the province totals" \
    "a refused agency is named and said to be left out of the totals"
contains "$tmp/bad.err" "io: counters: polls_ok=1 polls_failed=0 metrics=$(((3 * 9 - 1) + 2 * 8)) rejected=7 " \
    "7 rejected (5 by the connector, the first value of each of 2 refused agencies; the rest of those not even tried), 3 agencies and 2 levels published"
# The expected records: the same computation as part 2, on the three good agencies.
jq '.duLieu |= [.[0], .[8], .[9]]' "$tmp/www/ioffice" >"$tmp/www/good.json"
mkdir -p "$tmp/pages-bad" && cp "$tmp/www/good.json" "$tmp/pages-bad/page-1.json"
expected "$tmp/pages-bad" >"$tmp/expected-bad.jsonl"
actual "$tmp/bad.jsonl" >"$tmp/actual-bad.jsonl"
compare "$tmp/expected-bad.jsonl" "$tmp/actual-bad.jsonl" \
    "published = the good agencies (first of a repeated id kept) and totals over exactly them"
check "nothing processed: no on-time share for that agency, the others have theirs" \
    jqe -s '[.[] | select(.metric == "ioffice.docs.on_time_share") | .dims.agency // .dims.level]
            | sort == ["000.00.01.H12", "000.00.47.H12", "tinh", "xa"]' "$tmp/bad.jsonl"

# 40,000 copies of one agency over 4 pages of 10,000 (the static file is
# every page): the first is kept, each other copy rejected naming the page
# of the first (the first few are logged, all are counted). Marking them
# was quadratic (13.6 s for this walk here, 24.7 s in the audit, past the
# poll's interval); `timeout` only bounds the test, nothing asserts a time.
jq -n '{maDonVi: "000.00.01.H12", tenDonVi: "x", capDonVi: "tinh", vanBanDen: 900, vanBanDi: 10,
        denDaXuLyDungHan: 8, denDaXuLyQuaHan: 2, denDangXuLyQuaHan: 1,
        hoSoCongViecTrucTuyenTyLe: 91.5, vanBanDienTuTyLe: 99, soLuotKySo: 7} as $a
  | {thoiGianCapNhat: "2025-08-01T08:00:00+07:00", trang: 1, soBanGhi: 10000, tongSo: 40000,
     duLieu: ([$a + {vanBanDen: 500}] + [range(9999) | $a])}' >"$tmp/www/dups"
conf=$tmp/dups
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_ioffice "$conf" io "http://127.0.0.1:$www_port/dups" "page_size = 10000" "timeout = 30s"
timeout 120 "$IOCD" -c "$conf/iocd.conf" --once >"$tmp/dups.jsonl" 2>"$tmp/dups.err"
same 0 "$?" "40,000 copies of one agency: the poll completes and succeeds"
contains "$tmp/dups.err" "io: counters: polls_ok=1 polls_failed=0 metrics=17 rejected=39999 " \
    "39,999 copies rejected; one agency (9 metrics) and its level total (8) published"
contains "$tmp/dups.err" \
    "warning: io: page 1 item 000.00.01.H12: field 'maDonVi' repeats the agency of page 1; record skipped" \
    "a copy names the page where the first one is"
same 500 "$(jq -r 'select(.metric == "ioffice.docs.incoming" and .dims.agency) | .value' \
    "$tmp/dups.jsonl")" "the first copy's values are the ones published"
finish
