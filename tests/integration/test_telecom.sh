#!/usr/bin/env bash
# test_telecom - the telecom connector against the feed simulator's
# /telecom report (page/pageSize pagination).
#
# Part A (`iocd --once`, feed frozen): every page fetched with curl, every
# expected metric (per commune and operator, province totals, market
# shares with their ratio parts, the 5G target) computed from them with jq
# and compared with what iocd published; the feed's documented formula
# recomputed in bash; data faults (wrong type, missing field, null, old
# codes) and a failed later page, each compared with the expectation.
# Part B (running daemon, interval 1 s): a failed first walk then 304,
# not-modified polls that publish nothing, every transport and status fault
# with its log line, status degraded with the reason and back to ok, and a
# failed page that publishes nothing from its poll.
source "$(dirname "$0")/lib.sh"

TOKEN=t0k-telecom
PAGE=50

# add_telecom DIR NAME URL ["key = value"...]: a telecom instance polling
# every second; the given lines override the defaults.
add_telecom() {
    local dir=$1 name=$2 url=$3 key line
    shift 3
    local -A lines=([plugin]="plugin = telecom" [interval]="interval = 1s"
                    [timeout]="timeout = 10s" [url]="url = $url" [token]="token = $TOKEN"
                    [page_size]="page_size = $PAGE")
    for line in "$@"; do
        key=${line%% =*}
        lines[$key]=$line
    done
    for key in "${!lines[@]}"; do echo "${lines[$key]}"; done >"$dir/connectors.d/$name.conf"
}

# fetch_pages URL SIZE PREFIX: every page of the report into PREFIX.N.json;
# prints how many pages.
fetch_pages() {
    local url=$1 size=$2 prefix=$3 p=1 pages=1
    while [ "$p" -le "$pages" ] && [ "$p" -le 100 ]; do
        "${CURL[@]}" -H "Authorization: Bearer $TOKEN" -D "$prefix.$p.headers" \
            "$url/telecom?page=$p&pageSize=$size" >"$prefix.$p.json"
        pages=$(jq '(.total + .pageSize - 1) / .pageSize | floor | if . < 1 then 1 else . end' \
            "$prefix.$p.json")
        p=$((p + 1))
    done
    echo "$pages"
}

# The expected records of a report, from its pages (jq -s over the page
# files), projected to what is compared. The shipped catalogue is deployed:
# 5G coverage has its target g5_2030 (>= 99, warn from 90, 2025..2030),
# households on fibre the target broadband (>= 95, warn from 85,
# 2025..2030); every other record has status "none".
cat >"$tmp/expect.jq" <<'JQ'
def period($m): ($m | split("-") | map(tonumber)) as $ym
  | (if $ym[1] == 12 then [$ym[0] + 1, 1] else [$ym[0], $ym[1] + 1] end) as $n
  | {from: "\($m)-01",
     to: ("\($n[0])-\(if $n[1] < 10 then "0" else "" end)\($n[1])-01T00:00:00Z"
          | fromdate - 86400 | strftime("%Y-%m-%d"))};
def epoch: (.[0:19] + "Z" | fromdate)
  - (if .[19:] == "Z" then 0
     else (if .[19:20] == "-" then -1 else 1 end)
          * ((.[20:22] | tonumber) * 3600 + (.[23:25] | tonumber) * 60) end);
def share($n; $d): ((10000 * $n / $d + 0.5) | floor) / 100;
def rec($metric; $area; $dims; $value; $unit; $ts):
  {metric: $metric, area: $area, dims: $dims, value: $value, unit: $unit, ratio: null,
   target: null, status: "none", ts: $ts};
def judged($t):
  (if .value >= $t.value then "ok" elif .value >= $t.warn then "warn" else "breach" end) as $s
  | .target = $t + {op: ">=", period: {from: 2025, to: 2030}, status: $s} | .status = $s;
def bts($area; $dims; $ts):
  [.[].btsTheoCongNghe | to_entries[]] | group_by(.key)[]
  | rec("telecom.bts"; $area; $dims + {technology: .[0].key}; map(.value) | add; "count"; $ts);

period(.[0].kyBaoCao) as $p
| [.[].items[]] | del(.[$skip[]]) as $items
| ($items | max_by(.updatedAt | epoch) | .updatedAt) as $pts
| ($items | map(.thueBaoDiDong) | add) as $mob
| ($items | map(.thueBaoBangRongCoDinh) | add) as $fix
| ($items[] | . as $i | {operator: .nhaMang} as $d
   | rec("telecom.subscribers.mobile"; .maXa; $d; .thueBaoDiDong; "count"; .updatedAt),
     rec("telecom.subscribers.fixed_broadband"; .maXa; $d; .thueBaoBangRongCoDinh; "count";
         .updatedAt),
     (.btsTheoCongNghe | to_entries[]
      | rec("telecom.bts"; $i.maXa; $d + {technology: .key}; .value; "count"; $i.updatedAt)),
     rec("telecom.coverage"; .maXa; $d + {technology: "4G"}; .phuSong4GTyLe; "percent";
         .updatedAt),
     (rec("telecom.coverage"; .maXa; $d + {technology: "5G"}; .phuSong5GTyLe; "percent";
          .updatedAt)
      | judged({id: "g5_2030", value: 99, warn: 90})),
     (rec("telecom.ftth_households"; .maXa; $d; .hoFTTHTyLe; "percent"; .updatedAt)
      | judged({id: "broadband", value: 95, warn: 85}))),
  ($items | group_by(.nhaMang)[] | {operator: .[0].nhaMang} as $d
   | (map(.thueBaoDiDong) | add) as $om | (map(.thueBaoBangRongCoDinh) | add) as $of
   | rec("telecom.subscribers.mobile"; "96"; $d; $om; "count"; $pts),
     rec("telecom.subscribers.fixed_broadband"; "96"; $d; $of; "count"; $pts),
     (rec("telecom.market_share.mobile"; "96"; $d; share($om; $mob); "percent"; $pts)
      | .ratio = {numerator: $om, denominator: $mob}),
     (rec("telecom.market_share.fixed_broadband"; "96"; $d; share($of; $fix); "percent"; $pts)
      | .ratio = {numerator: $of, denominator: $fix}),
     bts("96"; $d; $pts)),
  rec("telecom.subscribers.mobile"; "96"; null; $mob; "count"; $pts),
  rec("telecom.subscribers.fixed_broadband"; "96"; null; $fix; "count"; $pts),
  ($items | bts("96"; {}; $pts))
| . + {from: $p.from, to: $p.to}
JQ
# expected PAGE-FILES... : the expected projection, sorted ($SKIP: indexes
# of items over the whole report that iocd must leave out).
expected() {
    jq -s -c -S --argjson skip "${SKIP:-[]}" -f "$tmp/expect.jq" "$@" | sort
}
# actual FILE: iocd's records, projected the same way.
actual() {
    jq -c -S '{metric, area: .area.code, dims: (.dims // null), value, unit,
               ratio: (.ratio // null), target: (.target // null | if . then del(.basis) else . end),
               status, ts,
               from: .period.from, to: .period.to}' "$1" | sort
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

### Part A: --once against a frozen report ##################################
start_feedsim A --seed 11 --records 192 --token "$TOKEN"
same 200 "$(feed_control "$FEED_A" 'endpoint=telecom&freeze=1')" "A: feed data frozen"
pages=$(fetch_pages "$FEED_A" "$PAGE" "$tmp/a")
page_files=()
for ((p = 1; p <= pages; p++)); do page_files+=("$tmp/a.$p.json"); done
same 4 "$pages" "A: 192 items in pages of $PAGE make 4 pages"
check "A: the pages hold 192 items, one per commune of province 96 and operator" \
    jqe -s '[.[].items[]] | length == 192 and (map(.maXa + "/" + .nhaMang) | unique | length) == 192
            and (map(.nhaMang) | unique) == ["MobiFone", "VNPT", "Viettel"]' "${page_files[@]}"
check "A: every page says kyBaoCao 2025-06, total 192, its page number and pageSize $PAGE" \
    jqe -s 'to_entries | all(.value.kyBaoCao == "2025-06" and .value.total == 192
            and .value.page == .key + 1 and .value.pageSize == 50)' "${page_files[@]}"
check "A: province sums are realistic (mobile ~797,573 and fixed ~167,300 within 3%)" \
    jqe -s '[.[].items[]] | (map(.thueBaoDiDong) | add) as $m | (map(.thueBaoBangRongCoDinh) | add) as $f
            | ($m - 797573 | fabs) < 797573 * 0.03 and ($f - 167300 | fabs) < 167300 * 0.03' \
    "${page_files[@]}"
check "A: self-consistent items: 5G coverage > 0 exactly where a 5G BTS is, 4G >= 95%, FTTH of a commune < 100%" \
    jqe -s '[.[].items[]] | all((.phuSong5GTyLe > 0) == (.btsTheoCongNghe["5G"] > 0) and .phuSong4GTyLe >= 95)
            and (group_by(.maXa) | all(map(.hoFTTHTyLe) | add < 100))' "${page_files[@]}"

# The documented formula (tools/feedsim/feed_telecom.c, prng.h) in bash's
# 64-bit arithmetic, for page 1; `(x >> n) & mask` is a logical shift.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}
formula() { # SEED GENERATION COUNT
    local s g i c o h k w f1 f2 mob fix b2 b4 b5 c4 c5 hh ftth minutes
    local -a op=(Viettel VNPT MobiFone) mb=(6480 3365 2617) fb=(1307 1098 209) B2=(2 1 1)
    local -a B4=(10 7 5) P5=(4 2 2) C4=(990 970 950) code name
    mapfile -t code < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER")
    mapfile -t name < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $4 }' "$GAZETTEER")
    s=$(sm64 "$1")
    g=$(sm64 $((s ^ $2)))
    for ((i = 0; i < $3; i++)); do
        c=$((i / 3)) o=$((i % 3))
        k=$(($(sm64 $(($(sm64 $((s ^ -1))) ^ c))) & 0xFFFF))
        if [[ ${name[c]} == "Phường "* ]]; then w=$((150 + k % 61)); else w=$((72 + k % 31)); fi
        h=$(sm64 $((g ^ i)))
        f1=$((980 + (h & 0xFF) % 41)) f2=$((980 + ((h >> 8) & 0xFF) % 41))
        mob=$((mb[o] * w * f1 / 100000)) fix=$((fb[o] * w * f2 / 100000))
        b2=$((B2[o] + ((h >> 16) & 0xF) % 3)) b4=$((B4[o] * w / 100 + ((h >> 20) & 0xF) % 3))
        b5=0
        if ((((h >> 24) & 0xFF) % 10 < P5[o])); then b5=$((1 + ((h >> 32) & 1))); fi
        c4=$((C4[o] + ((h >> 40) & 0xFF) % (1001 - C4[o])))
        c5=$((b5 * (80 + ((h >> 48) & 0xFF) % 121)))
        ((c5 > 1000)) && c5=1000
        hh=$((4700 * w / 100)) ftth=$((1000 * fix / hh))
        ((ftth > 1000)) && ftth=1000
        minutes=$((9 * 60 + o * 60 + $2))
        printf '%s %s %s %s %s %s %s %s %s %s 2025-07-05T%02d:%02d:00+07:00\n' "${code[c]}" \
            "${op[o]}" "$b2" "$b4" "$b5" "$c4" "$c5" "$mob" "$fix" "$ftth" \
            $((minutes / 60)) $((minutes % 60))
    done
}
gen=$(tr -d '\r' <"$tmp/a.1.headers" | sed -n 's/^X-Feedsim-Generation: //p')
jq -r '.items[] | "\(.maXa) \(.nhaMang) \(.btsTheoCongNghe["2G"]) \(.btsTheoCongNghe["4G"]) \(.btsTheoCongNghe["5G"]) \(.phuSong4GTyLe * 10 + 0.5 | floor) \(.phuSong5GTyLe * 10 + 0.5 | floor) \(.thueBaoDiDong) \(.thueBaoBangRongCoDinh) \(.hoFTTHTyLe * 10 + 0.5 | floor) \(.updatedAt)"' \
    "$tmp/a.1.json" >"$tmp/formula.feed"
formula 11 "$gen" "$PAGE" >"$tmp/formula.bash"
if diff "$tmp/formula.bash" "$tmp/formula.feed" >"$tmp/diff"; then
    pass "A: page 1 is exactly the formula documented in feed_telecom.c (generation $gen)"
else
    fail "A: page 1 is exactly the formula documented in feed_telecom.c"
    head -6 "$tmp/diff" | sed 's/^/#   /'
fi

conf=$tmp/confA
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_telecom "$conf" tc "$FEED_A/telecom"
expected "${page_files[@]}" >"$tmp/expected.jsonl"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.jsonl" 2>"$tmp/once.err"
same 0 "$?" "A: iocd --once exits 0"
actual "$tmp/once.jsonl" >"$tmp/actual.jsonl"
compare "$tmp/expected.jsonl" "$tmp/actual.jsonl" \
    "A: every metric (value, unit, area, dims, ratio parts, target, ts, period) matches jq's computation from the pages"
valid_records "$tmp/once.jsonl" "A: every record is valid against docs/metric.schema.json"
check "A: operator and technology keep their spelling in dims, slugged in the series key" \
    jqe -s 'any(.dims.operator == "MobiFone" and .dims.technology == "5G"
                and (.series | endswith("/mobifone/5g")))' "$tmp/once.jsonl"
check "A: province totals carry area level province 96, communes level commune" \
    jqe -s 'all(if .area.code == "96" then .area.level == "province" else .area.level == "commune" end)' \
    "$tmp/once.jsonl"
check "A: coverage and FTTH percentages are published per commune only (no province average)" \
    jqe -s 'all(select(.metric == "telecom.coverage" or .metric == "telecom.ftth_households")
                | .area.code != "96")' "$tmp/once.jsonl"
check "A: series keys are unique within one poll" \
    jqe -s 'map(.series) | length == (unique | length)' "$tmp/once.jsonl"
contains "$tmp/once.err" "info: tc: counters: polls_ok=1 polls_failed=0 metrics=$(wc -l <"$tmp/expected.jsonl") rejected=0 http_requests=4 " \
    "A: counters: one poll, 4 requests, every metric, nothing rejected"

# Data faults: one request (page 1) spoiled, the feed still frozen.
first=$(jq -r '.items[0] | "\(.maXa)/\(.nhaMang)"' "$tmp/a.1.json")
SKIP='[0]' expected "${page_files[@]}" >"$tmp/expected.skip0.jsonl"
datafault() { # MODE LOG-TEXT
    local mode=$1 text=$2
    same 200 "$(feed_control "$FEED_A" "endpoint=telecom&fault=$mode&count=1")" "$mode: armed"
    "$IOCD" -c "$conf/iocd.conf" --once >"$tmp/$mode.jsonl" 2>"$tmp/$mode.err"
    same 0 "$?" "$mode: the poll still succeeds (iocd --once exits 0)"
    contains "$tmp/$mode.err" "warning: tc: page 1 item $first: field $text; record skipped" \
        "$mode: the item is rejected naming page, commune/operator and field"
    actual "$tmp/$mode.jsonl" >"$tmp/$mode.actual"
    compare "$tmp/expected.skip0.jsonl" "$tmp/$mode.actual" \
        "$mode: everything else is published, totals without the bad item"
    contains "$tmp/$mode.err" "rejected=1 " "$mode: counted as 1 rejected"
}
datafault wrong-type "'thueBaoDiDong' is a string, expected a number"
datafault missing-field "'thueBaoDiDong' is missing"
datafault nulls "'phuSong4GTyLe' is null"

same 200 "$(feed_control "$FEED_A" 'endpoint=telecom&fault=old-codes&count=1')" "old-codes: armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/old.jsonl" 2>"$tmp/old.err"
same 0 "$?" "old-codes: iocd --once exits 0"
actual "$tmp/old.jsonl" >"$tmp/old.actual"
compare "$tmp/expected.jsonl" "$tmp/old.actual" \
    "old-codes: the same records as the clean report (old codes mapped to the current ones)"
mapped=$(jq '.items[0:2] | map(5 + (.btsTheoCongNghe | length)) | add' "$tmp/a.1.json")
check "old-codes: the $mapped metrics of the first two items carry mapped_from" \
    jqe -s --argjson n "$mapped" --arg code "${first%%/*}" \
    '[.[] | select(.area.mapped_from)] | length == $n and all(.area.code == $code and .area.mapped_from != $code)' \
    "$tmp/old.jsonl"

same 200 "$(feed_control "$FEED_A" 'endpoint=telecom&fault=fail-page&count=1')" "fail-page: armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/failpage.jsonl" 2>"$tmp/failpage.err"
same 1 "$?" "fail-page: iocd --once exits 1"
same 0 "$(wc -l <"$tmp/failpage.jsonl")" "fail-page: nothing at all is published from the poll (no partial totals)"
contains "$tmp/failpage.err" "warning: tc: GET $FEED_A/telecom: HTTP status 500" "fail-page: the failed request is logged"
contains "$tmp/failpage.err" "warning: tc: report 2025-06: page 2 of 4 failed; nothing from this poll is published" \
    "fail-page: the connector says which page failed and that nothing was published"

### Part B: a running daemon ################################################
start_feedsim B --seed 5 --records 12 --token "$TOKEN" --huge-size 1MiB --slow-ms 6000
same 200 "$(feed_control "$FEED_B" 'endpoint=telecom&freeze=1')" "B: feed data frozen"
bpages=$(fetch_pages "$FEED_B" 5 "$tmp/b")
bfiles=()
for ((p = 1; p <= bpages; p++)); do bfiles+=("$tmp/b.$p.json"); done
same 3 "$bpages" "B: 12 items in pages of 5 make 3 pages"
per_poll=$(expected "${bfiles[@]}" | wc -l)
same 200 "$(feed_control "$FEED_B" 'endpoint=telecom&fault=fail-page&count=1')" "B: fail-page armed before the first poll"

confB=$tmp/confB
make_conf "$confB"
cp conf/catalog.conf "$confB/catalog.conf"
sed -i 's/^stats_interval = 0$/stats_interval = 0\nlog_level = debug/' "$confB/iocd.conf"
PAGE=5 add_telecom "$confB" tc "$FEED_B/telecom" "timeout = 2s" "max_body = 64k" "backoff_max = 1s"
start_iocd B -c "$confB/iocd.conf"
out=$tmp/B.out err=$tmp/B.err

check "B: the first walk fails at page 2 and publishes nothing" \
    wait_for 20 at_least 1 "$err" "debug: tc: poll failed: 0 metrics, 0 rejected"
contains "$err" "warning: tc: status starting -> degraded after 1 failed poll: GET $FEED_B/telecom: HTTP status 500" \
    "B: status degraded with the reason"
check "B: page 1 is then not modified, but the report is read again since it was never published" \
    wait_for 20 at_least 1 "$err" "debug: tc: page 1 not modified, but the last walk was not published; reading the report again"
check "B: ... and published whole ($per_poll metrics)" \
    wait_for 20 at_least 1 "$err" "debug: tc: poll done: $per_poll metrics, 0 rejected"
check "B: status back to ok" wait_for 10 at_least 1 "$err" "info: tc: status degraded -> ok"
check "B: later polls get 304: not modified, logged at debug level" \
    wait_for 20 at_least 2 "$err" "debug: tc: report not modified since the last poll; its values stay published"
contains "$err" "debug: tc: GET $FEED_B/telecom: not modified" "B: the daemon logs the 304 at debug level"
same "$per_poll" "$(wc -l <"$out")" "B: not-modified polls publish nothing new"
actual "$out" >"$tmp/b.actual"
expected "${bfiles[@]}" >"$tmp/b.expected"
compare "$tmp/b.expected" "$tmp/b.actual" "B: the published report matches jq's computation"

# inject MODE TEXT: one faulty answer; TEXT logged, iocd alive, status
# degraded, then back to ok on the next poll.
inject() {
    local mode=$1 text=$2 seen ok degraded
    seen=$(count_lines "$err" "$text")
    ok=$(count_lines "$err" "info: tc: status degraded -> ok")
    degraded=$(count_lines "$err" "warning: tc: status ok -> degraded after 1 failed poll: ")
    same 200 "$(feed_control "$FEED_B" "endpoint=telecom&fault=$mode&count=1")" "$mode: armed"
    if wait_for 20 at_least $((seen + 1)) "$err" "$text"; then
        pass "$mode: logged '$text'"
    else
        fail "$mode: logged '$text'"
        tail -5 "$err" | sed 's/^/#   /'
    fi
    check "$mode: status ok -> degraded" \
        wait_for 10 at_least $((degraded + 1)) "$err" "warning: tc: status ok -> degraded after 1 failed poll: "
    check "$mode: iocd is still running" kill -0 "$IOCD_PID"
    check "$mode: back to ok on the next poll" \
        wait_for 20 at_least $((ok + 1)) "$err" "info: tc: status degraded -> ok"
}
inject http500 "warning: tc: GET $FEED_B/telecom: HTTP status 500"
contains "$err" "warning: tc: status ok -> degraded after 1 failed poll: GET $FEED_B/telecom: HTTP status 500" \
    "http500: the degraded status names the reason"
inject http429 "info: tc: server asked to retry after 2 s; waiting"
contains "$err" "warning: tc: GET $FEED_B/telecom: HTTP status 429 (with Retry-After)" "http429: logged with Retry-After"
inject http503 "info: tc: server asked to retry after 2 s; waiting"
contains "$err" "warning: tc: GET $FEED_B/telecom: HTTP status 503 (with Retry-After)" "http503: logged with Retry-After"
inject slow "warning: tc: GET $FEED_B/telecom: no complete answer within"
inject truncated "warning: tc: GET $FEED_B/telecom: transfer closed"
inject invalid-json "error: tc: page 1: invalid JSON at line"
inject huge "warning: tc: GET $FEED_B/telecom: response body larger than 65536 bytes"
# Only the garbled page 1 (invalid-json: a 200 without validators) makes
# the next poll read the unchanged report again; every other fault leaves
# the published walk current, so the next poll gets a 304.
same $((2 * per_poll)) "$(wc -l <"$out")" \
    "B: with the report unchanged, it was published once more only after the garbled page 1"

# A changing report: every poll publishes it whole; a failed page 2 none of it.
same 200 "$(feed_control "$FEED_B" 'endpoint=telecom&freeze=0')" "B: feed data unfrozen"
check "B: a changed report is published again" \
    wait_for 20 at_least 2 "$err" "debug: tc: poll done: $per_poll metrics, 0 rejected"
inject fail-page "warning: tc: report 2025-06: page 2 of 3 failed; nothing from this poll is published"
done_before=$(count_lines "$err" "debug: tc: poll done: $per_poll metrics")
check "B: the next changed report is published whole" \
    wait_for 20 at_least $((done_before + 1)) "$err" "debug: tc: poll done: $per_poll metrics, 0 rejected"

kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: tc: counters:"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "B: SIGTERM: iocd exits 0"
counters=$(grep -F "info: tc: counters:" "$err" | tail -1)
echo "# $counters"
check "B: counters: 9 failed polls (2 failed pages, 500, 429, 503, slow, truncated, invalid JSON, huge), nothing rejected" \
    grep -q "polls_failed=9 metrics=[0-9]* rejected=0 " <<<"$counters"
check "B: every poll published all of its report or nothing (poll lines: 0 or $per_poll metrics)" \
    jqe -R -s --argjson n "$per_poll" '[split("\n")[] | select(test("debug: tc: poll (done|failed): "))
        | capture("poll (?<how>done|failed): (?<m>[0-9]+) metrics").m | tonumber]
        | length > 10 and all(. == 0 or . == $n)' "$err"
same "$(sed -n 's/.*debug: tc: poll done: \([0-9]*\) metrics.*/\1/p' "$err" | awk '{s += $1} END {print s + 0}')" \
    "$(wc -l <"$out")" "B: the records on stdout are exactly the sum of the whole polls"
valid_records "$out" "B: every record published is valid against the schema"
finish
