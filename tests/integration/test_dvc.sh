#!/usr/bin/env bash
# test_dvc - the public-service portal connector (connectors/dvc) against
# its simulated feed (tools/feedsim/feed_dvc.c), on 127.0.0.1 only:
#   1. the feed: envelope, pagination, catalogue, the documented formula;
#   2. `iocd --once` on a frozen feed: every metric (per agency, per commune,
#      province 96; counts, ratios with their parts, target status) equals
#      what jq computes from the pages fetched with curl; fail-page publishes
#      nothing at all;
#   3. records the connector itself must refuse, from a hand-written page;
#   4. every fault mode against a running daemon polling every second: the
#      poll fails cleanly (nothing partial) or skips the one bad record, the
#      status goes degraded with the reason and back to ok, Retry-After is
#      honoured, old codes are mapped, a 304 publishes nothing new;
#   5. a 304 after a walk that failed half-way fetches page 1 again.
# Every wait is bounded; nothing asserts a duration.
source "$(dirname "$0")/lib.sh"

for tool in curl jq python3; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

# The fields of a record, in the order the connector's sums use them.
FIELDS='["tongTiepNhan","tiepNhanQuaMang","tiepNhanTrucTiep","tiepNhanBCCI",
         "daXuLyTruocHan","daXuLyDungHan","daXuLyQuaHan","dangXuLyTrongHan",
         "dangXuLyQuaHan","danhGiaRatHaiLong","danhGiaHaiLong","danhGiaKhongHaiLong"]'

# What the connector must publish, computed from a JSON array of pages:
# one object per metric {metric, area, dims, value, unit, ratio, target,
# status, ts, from, to}. A target is a number (a deprecated key: the
# record's own, no band), an object (the shipped catalogue's: id, value,
# warn; 2025..2030) or null (none). Province totals and commune sums add the counts first and
# divide last; a ratio with a zero denominator is not published.
EXPECT_JQ='
def day: "\(.[0:4])-\(.[4:6])-\(.[6:8])";
def rfc: "\(day)T\(.[8:10]):\(.[10:12]):\(.[12:14])+07:00";
def total: . as $us | reduce ($fields[]) as $f ({}; .[$f] = ([$us[][$f]] | add));
def standing($v; $t): if $v >= $t.value then "ok" elif $v >= ($t.warn // $t.value) then "warn"
                       else "breach" end;
def judged($v; $t):
  if $t == null then {target: null, status: "none"}
  elif ($t | type) == "number" then
    standing($v; {value: $t}) as $s | {target: {value: $t, op: ">=", status: $s}, status: $s}
  else standing($v; $t) as $s
    | {target: ($t + {op: ">=", period: {from: 2025, to: 2030}, status: $s}), status: $s} end;
def pct($metric; $num; $den; $target):
  if $den == 0 then empty else
    (100 * $num / $den) as $v
    | {metric: $metric, dims: {}, unit: "percent", value: $v,
       ratio: {numerator: $num, denominator: $den}} + judged($v; $target)
  end;
def count($metric; $dims; $v): {metric: $metric, dims: $dims, unit: "count", value: $v,
                                ratio: null, target: null, status: "none"};
def metrics:
  [ count("dvc.dossiers.received"; {}; .tongTiepNhan),
    count("dvc.dossiers.received_by_channel"; {channel: "online"}; .tiepNhanQuaMang),
    count("dvc.dossiers.received_by_channel"; {channel: "in_person"}; .tiepNhanTrucTiep),
    count("dvc.dossiers.received_by_channel"; {channel: "postal"}; .tiepNhanBCCI),
    count("dvc.dossiers.resolved"; {timeliness: "early"}; .daXuLyTruocHan),
    count("dvc.dossiers.resolved"; {timeliness: "on_time"}; .daXuLyDungHan),
    count("dvc.dossiers.resolved"; {timeliness: "late"}; .daXuLyQuaHan),
    count("dvc.dossiers.pending"; {deadline: "within"}; .dangXuLyTrongHan),
    count("dvc.dossiers.pending"; {deadline: "overdue"}; .dangXuLyQuaHan),
    count("dvc.ratings"; {rating: "very_satisfied"}; .danhGiaRatHaiLong),
    count("dvc.ratings"; {rating: "satisfied"}; .danhGiaHaiLong),
    count("dvc.ratings"; {rating: "unsatisfied"}; .danhGiaKhongHaiLong),
    pct("dvc.on_time_ratio"; .daXuLyTruocHan + .daXuLyDungHan;
        .daXuLyTruocHan + .daXuLyDungHan + .daXuLyQuaHan; $on_time),
    pct("dvc.online_ratio"; .tiepNhanQuaMang; .tongTiepNhan; $online),
    pct("dvc.satisfaction_ratio"; .danhGiaRatHaiLong + .danhGiaHaiLong;
        .danhGiaRatHaiLong + .danhGiaHaiLong + .danhGiaKhongHaiLong; $happy) ];
(.[0].ngayCapNhat | rfc) as $ts
| [.[].duLieu[]] as $units
| ($units[0].tuNgay | day) as $from | ($units[0].denNgay | day) as $to
| ( ($units | total | metrics | map(. + {area: "96"})),
    ($units | map(select(.catalog == "commune")) | group_by(.maXa)[]
     | .[0].maXa as $code | total | metrics | map(. + {area: $code})),
    ($units[] | . as $u | metrics
     | map(. + {area: (if $u.catalog == "commune" then $u.maXa else "96" end),
                dims: (.dims + {agency: $u.maDinhDanh})})) )[]
| . + {ts: $ts, from: $from, to: $to}'

# The same projection of published records (the code as the feed sent it).
ACTUAL_JQ='{metric, area: (.area.mapped_from // .area.code), dims: (.dims // {}), value, unit,
            ratio: (.ratio // null), target: (.target // null | if . then del(.basis) else . end),
            status, ts,
            from: .period.from, to: .period.to}'

# The shipped catalogue's targets of dvc's ratios (every test tree deploys it).
CAT_ON_TIME='{"id":"operating","value":95,"warn":90}'
CAT_HAPPY='{"id":"y2030","value":99,"warn":95}'
# expected PAGES ON_TIME HAPPY ONLINE / actual RECORDS: sorted canonical lines.
expected() {
    jq -S -c --argjson fields "$FIELDS" --argjson on_time "$2" --argjson happy "$3" \
        --argjson online "$4" "$EXPECT_JQ" "$1" | sort
}
actual() { jq -S -c "$ACTUAL_JQ" "$1" | sort; }

# compare EXPECTED-FILE ACTUAL-FILE DESCRIPTION: identical sets of lines.
compare() {
    if [ -s "$1" ] && diff "$1" "$2" >"$tmp/diff"; then
        pass "$3 ($(wc -l <"$1") metrics)"
    else
        fail "$3"
        head -20 "$tmp/diff" | sed 's/^/#   /'
    fi
}

# fetch_pages BASE SIZE FILE: every page of BASE/dvc as one JSON array of
# pages (freeze the feed first, so they are one snapshot).
fetch_pages() {
    local base=$1 size=$2 file=$3 total pages p list=()
    "${CURL[@]}" "$base/dvc?page=1&size=$size" >"$file.1" || return 1
    total=$(jq .tongSo "$file.1")
    pages=$(((total + size - 1) / size))
    ((pages >= 1)) || pages=1
    list+=("$file.1")
    for ((p = 2; p <= pages; p++)); do
        "${CURL[@]}" "$base/dvc?page=$p&size=$size" >"$file.$p" || return 1
        list+=("$file.$p")
    done
    jq -s . "${list[@]}" >"$file"
}

# add_dvc DIR NAME URL ["key = value"...]: a dvc instance, every second.
add_dvc() {
    local dir=$1 name=$2 url=$3 key line
    shift 3
    local -A lines=([plugin]="plugin = dvc" [interval]="interval = 1s" [timeout]="timeout = 5s"
                    [url]="url = $url")
    for line in "$@"; do
        key=${line%% =*}
        lines[$key]=$line
    done
    for key in "${!lines[@]}"; do echo "${lines[$key]}"; done >"$dir/connectors.d/$name.conf"
}
debug_log() { sed -i 's/^\[iocd\]$/[iocd]\nlog_level = debug/' "$1/iocd.conf"; }
stat_of() { "${CURL[@]}" "$1/_stats" | jq ".endpoints.dvc.status[\"$2\"] // 0"; }

# The documented formula (feed_dvc.c, prng.h) in bash's 64-bit arithmetic;
# `(x >> n) & mask` is a logical shift.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}
# formula SEED GENERATION INDEX: the 12 counts of one unit, in FIELDS order.
formula() {
    local g h h2 B R r on po dn pd lt ea ov rt un vs
    g=$(sm64 $(($(sm64 "$1") ^ $2)))
    h=$(sm64 $((g ^ $3)))
    h2=$(sm64 $((g ^ ($3 + 65536))))
    if (($3 < 14)); then B=100 R=1900; elif ((($3 - 14) % 2 == 0)); then B=50 R=750; else B=20 R=300; fi
    r=$((B + ((h >> 48) & 0xFFFF) % R))
    on=$((r * (40 + ((h >> 40) & 255) % 61) / 100))
    po=$(((r - on) * (((h >> 32) & 255) % 11) / 100))
    dn=$((r * (70 + ((h >> 24) & 255) % 26) / 100))
    pd=$(((r - dn) * (50 + ((h >> 16) & 255) % 51) / 100))
    lt=$((dn * (((h >> 8) & 255) % 9) / 100))
    ea=$(((dn - lt) * (20 + (h & 255) % 41) / 100))
    ov=$((pd * (((h2 >> 48) & 0xFFFF) % 16) / 100))
    rt=$((dn * (((h2 >> 40) & 255) % 31) / 100))
    un=$((rt * (((h2 >> 32) & 255) % 4) / 100))
    vs=$(((rt - un) * (50 + ((h2 >> 24) & 255) % 41) / 100))
    echo "$r $on $((r - on - po)) $po $ea $((dn - lt - ea)) $lt $((pd - ov)) $ov $vs $((rt - un - vs)) $un"
}

awk -F'\t' '$1 == "C" && $3 == "96" { print $2 "\t" $4 }' "$GAZETTEER" >"$tmp/communes"

### 1. the feed ##############################################################
start_feedsim A --seed 11 --records 100
same 200 "$(feed_control "$FEED_A" 'endpoint=dvc&freeze=1')" "feed: dvc data frozen"
fetch_pages "$FEED_A" 30 "$tmp/pages.json"
check "feed: 100 records in 4 pages of 30, 30, 30, 10 with the documented envelope" jqe '
    map(.duLieu | length) == [30, 30, 30, 10] and map(.trang) == [1, 2, 3, 4]
    and all(.soBanGhi == 30 and .tongSo == 100 and .ngayCapNhat == "20250801000500")' \
    "$tmp/pages.json"
check "feed: maDinhDanh unique; 14 departments without maXa, then two units per commune" jqe '
    [.[].duLieu[]] as $u | ($u | map(.maDinhDanh) | unique | length) == 100
    and ($u[0:14] | all(.catalog == "department" and (has("maXa") | not)))
    and ($u[14:] | all(.catalog == "commune" and (.maXa | test("^[0-9]{5}$"))))
    and ([range(14; 100; 2) as $i | $u[$i].maXa == $u[$i + 1].maXa] | all)' "$tmp/pages.json"
same "$(sed -n 1,43p "$tmp/communes" | cut -f1)" \
    "$(jq -r '[.[].duLieu[]][14:] | map(.maXa) | .[range(0; length; 2)]' "$tmp/pages.json")" \
    "feed: commune units follow the communes of province 96 in gazetteer order"
same "UBND $(sed -n 1p "$tmp/communes" | cut -f2 | sed 's/^./\L&/')" \
    "$(jq -r '.[0].duLieu[14].tenDonVi' "$tmp/pages.json")" "feed: Vietnamese unit names (UBND xã/phường ...)"
check "feed: every record is self-consistent (channels = received; resolved + pending <= received; ratings <= resolved)" jqe '
    [.[].duLieu[]] | all(.tiepNhanQuaMang + .tiepNhanTrucTiep + .tiepNhanBCCI == .tongTiepNhan
        and .daXuLyTruocHan + .daXuLyDungHan + .daXuLyQuaHan + .dangXuLyTrongHan + .dangXuLyQuaHan <= .tongTiepNhan
        and .danhGiaRatHaiLong + .danhGiaHaiLong + .danhGiaKhongHaiLong
            <= .daXuLyTruocHan + .daXuLyDungHan + .daXuLyQuaHan
        and .tuNgay == "20250701000000" and .denNgay == "20250731235959")' "$tmp/pages.json"
same "$(formula 11 0 0; formula 11 0 14; formula 11 0 15; formula 11 0 99)" \
    "$(jq -r --argjson f "$FIELDS" '[.[].duLieu[]] as $u | $u[0, 14, 15, 99] | [.[$f[]]] | join(" ")' \
        "$tmp/pages.json")" "feed: values of units 0, 14, 15, 99 match the documented formula"
same 400 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$FEED_A/dvc?page=0")" "feed: page=0 is refused (400)"
same 400 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$FEED_A/dvc?size=500")" "feed: size=500 is refused (400)"
same "[]" "$("${CURL[@]}" "$FEED_A/dvc?page=9&size=30" | jq -c .duLieu)" "feed: a page past the last is empty"

### 2. --once: every metric computed independently #########################
conf=$tmp/once
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_dvc "$conf" dvc "$FEED_A/dvc" "page_size = 30" "on_time_target = 96" "online_target = 70"
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/check.log" 2>&1
same 0 "$?" "--check-config accepts a dvc instance"
for key in on_time_target online_target; do
    line=$(grep -n "^$key" "$conf/connectors.d/dvc.conf" | cut -d: -f1)
    contains "$tmp/check.log" "$conf/connectors.d/dvc.conf:$line: warning: $key: deprecated: the catalogue's targets of dvc.$([ $key = online_target ] && echo online_ratio || echo on_time_ratio) (catalog.conf) replace it" \
        "--check-config: the deprecated $key is warned about with FILE:LINE and what replaces it"
done
check "--check-config: and satisfaction_target, unset, is not" \
    bash -c "! grep -q satisfaction_target '$tmp/check.log'"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.jsonl" 2>"$tmp/once.err"
same 0 "$?" "--once exits 0"
expected "$tmp/pages.json" 96 "$CAT_HAPPY" 70 >"$tmp/expected"
actual "$tmp/once.jsonl" >"$tmp/actual"
compare "$tmp/expected" "$tmp/actual" \
    "--once: every metric (agency, commune, province 96) equals jq's: value, unit, dims, ratio parts, target status, ts, period"
valid_records "$tmp/once.jsonl" "--once: every record is valid against the schema"
contains "$tmp/once.err" "info: dvc: counters: polls_ok=1 polls_failed=0 metrics=$(wc -l <"$tmp/expected") rejected=0 http_requests=4 " \
    "--once: 4 page requests, every metric counted, nothing rejected"
check "--once: province totals carry no agency; agency records carry their maDinhDanh" jqe -s '
    all(if .dims.agency then (.dims.agency | test("^000\\.[0-9]{2}\\.[0-9]{2}\\.H12$"))
        else true end)
    and ([.[] | select(.area.code == "96" and (.dims.agency | not))] | length > 0)' "$tmp/once.jsonl"
check "--once: the target outcomes ok, warn and breach all occur, so the comparison tests them" jqe -s '
    ([.[].target.status // empty] | unique) == ["breach", "ok", "warn"]' "$tmp/once.jsonl"
check "--once: province ratios come from summed parts (on-time parts = sums of the agency parts)" jqe -s '
    ([.[] | select(.metric == "dvc.on_time_ratio")]) as $r
    | ($r | map(select(.area.code == "96" and (.dims.agency | not)))[0].ratio) as $p
    | ($r | map(select(.dims.agency)) | map(.ratio.denominator) | add) == $p.denominator
      and ($r | map(select(.dims.agency)) | map(.ratio.numerator) | add) == $p.numerator' \
    "$tmp/once.jsonl"
check "--once: the ts is the portal's ngayCapNhat, published as RFC 3339 +07:00" \
    jqe -s 'all(.ts == "2025-08-01T00:05:00+07:00")' "$tmp/once.jsonl"

# fail-page: page 1 is served, page 2 fails -> nothing at all is published.
ok200=$(stat_of "$FEED_A" 200) err500=$(stat_of "$FEED_A" 500)
same 200 "$(feed_control "$FEED_A" 'endpoint=dvc&fault=fail-page&count=1')" "fail-page: armed"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/failpage.jsonl" 2>"$tmp/failpage.err"
same 1 "$?" "fail-page: --once exits 1"
same "$((ok200 + 1)) $((err500 + 1))" "$(stat_of "$FEED_A" 200) $(stat_of "$FEED_A" 500)" \
    "fail-page: the feed answered page 1 (200) and failed page 2 (500)"
same "0" "$(wc -l <"$tmp/failpage.jsonl")" \
    "fail-page: 0 records published (a good walk of the same data publishes $(wc -l <"$tmp/expected"))"
contains "$tmp/failpage.err" "error: dvc: page 2 failed; poll failed, nothing published" \
    "fail-page: the log names the page and says nothing was published"
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/again.jsonl" 2>/dev/null
actual "$tmp/again.jsonl" >"$tmp/actual.again"
compare "$tmp/expected" "$tmp/actual.again" "fail-page: the next walk publishes the whole set again"

# max_pages bounds the walk: 4 pages needed, 2 allowed -> nothing published.
small=$tmp/small
make_conf "$small"
cp conf/catalog.conf "$small/catalog.conf"
add_dvc "$small" dvc "$FEED_A/dvc" "page_size = 30" "max_pages = 2"
"$IOCD" -c "$small/iocd.conf" --once >"$tmp/small.jsonl" 2>"$tmp/small.err"
same "1 0" "$? $(wc -l <"$tmp/small.jsonl")" "max_pages = 2: --once exits 1 and publishes nothing"
contains "$tmp/small.err" \
    "error: dvc: tongSo 100 needs more than max_pages = 2 pages of 30; poll failed, nothing published" \
    "max_pages = 2: the log says why"

# A bearer token is sent with every page.
start_feedsim T --seed 3 --records 20 --token s3cret
tok=$tmp/token
make_conf "$tok"
cp conf/catalog.conf "$tok/catalog.conf"
printf 's3cret\n' >"$tmp/token.secret"
add_dvc "$tok" dvc "$FEED_T/dvc" "page_size = 10" "token_file = $tmp/token.secret"
"$IOCD" -c "$tok/iocd.conf" --once >"$tmp/token.jsonl" 2>"$tmp/token.err"
same 0 "$?" "token_file: --once against a feed that needs the bearer token exits 0"
same "2 0" "$("${CURL[@]}" "$FEED_T/_stats" | jq -r '.endpoints.dvc.status | "\(.["200"] // 0) \(.["401"] // 0)"')" \
    "token_file: both pages were authorised"

### 3. records the connector refuses #######################################
# A hand-written single page served as a static file: every page request
# gets the same body, so tongSo fits in one page.
mapfile -t c96 < <(cut -f1 "$tmp/communes")
old_row=$(awk -F'\t' -v a="${c96[0]}" '$1 == "M" && $4 == "whole" && $2 != $3 && $3 != a { print $2 " " $3; exit }' "$GAZETTEER")
old=${old_row% *} new=${old_row#* }
check "gazetteer: an old code ($old) merged wholly into $new is not itself current" \
    test -n "$old" -a -z "$(awk -F'\t' -v o="$old" '$1 == "C" && $2 == o' "$GAZETTEER")"
mkdir -p "$tmp/www"
jq -n --arg c1 "${c96[0]}" --arg old "$old" '
  def unit($id; $cat; $r; $on; $ea; $ot; $lt; $vs; $sa; $un):
    {maDinhDanh: $id, tenDonVi: "Đơn vị \($id)", catalog: $cat, tongTiepNhan: $r,
     tiepNhanQuaMang: $on, tiepNhanTrucTiep: ($r - $on - 1), tiepNhanBCCI: 1,
     daXuLyTruocHan: $ea, daXuLyDungHan: $ot, daXuLyQuaHan: $lt,
     dangXuLyTrongHan: 5, dangXuLyQuaHan: 2,
     danhGiaRatHaiLong: $vs, danhGiaHaiLong: $sa, danhGiaKhongHaiLong: $un,
     tuNgay: "20250701000000", denNgay: "20250731235959"};
  {good: [unit("000.00.02.H12"; "department"; 500; 300; 100; 300; 20; 50; 20; 1) + {ghiChu: "unknown fields are ignored"},
          unit("000.01.00.H12"; "commune"; 120; 60; 30; 60; 5; 9; 3; 0) + {maXa: $c1},
          unit("000.01.01.H12"; "commune"; 80; 20; 10; 50; 0; 0; 0; 0) + {maXa: $c1},
          unit("000.02.00.H12"; "commune"; 90; 45; 20; 40; 10; 4; 4; 2) + {maXa: $old},
          unit("000.00.05.H12"; "department"; 10; 5; 0; 0; 0; 0; 0; 0) + {tuNgay: "20250701", denNgay: "20250731"}],
   bad: [unit("000.00.02.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0),
         unit("000.00.06.H12"; "district"; 9; 8; 0; 0; 0; 0; 0; 0),
         unit("000.03.00.H12"; "commune"; 9; 8; 0; 0; 0; 0; 0; 0),
         unit("000.00.07.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0) + {tiepNhanQuaMang: 20},
         unit("000.00.08.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0) + {tuNgay: "20250601000000"},
         unit("000.00.09.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0) + {daXuLyQuaHan: -1},
         unit("000.00.10.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0) + {daXuLyQuaHan: 2.5},
         (unit("000.00.11.H12"; "department"; 9; 8; 0; 0; 0; 0; 0; 0) | del(.maDinhDanh))]}
' >"$tmp/hand.json"
jq '{ngayCapNhat: "20250801083000", trang: 1, soBanGhi: 50, tongSo: 13,
     duLieu: (.good[0:2] + [.bad[0]] + .good[2:] + .bad[1:])}' "$tmp/hand.json" >"$tmp/www/dvc.json"
jq '[{ngayCapNhat: "20250801083000", duLieu: .good}]' "$tmp/hand.json" >"$tmp/hand.pages"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/www.log" 2>&1 &
pids+=("$!")
wait_for 10 grep -q 'port [0-9]' "$tmp/www.log" || { echo "Bail out! python3 http.server did not start"; exit 1; }
www_port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/www.log" | head -1)
hand=$tmp/hand
make_conf "$hand"
cp conf/catalog.conf "$hand/catalog.conf"
add_dvc "$hand" hand "http://127.0.0.1:$www_port/dvc.json"
"$IOCD" -c "$hand/iocd.conf" --once >"$tmp/hand.jsonl" 2>"$tmp/hand.err"
same 0 "$?" "hand-written page: --once exits 0 (bad records do not fail the poll)"
expected "$tmp/hand.pages" "$CAT_ON_TIME" "$CAT_HAPPY" null >"$tmp/expected.hand"
actual "$tmp/hand.jsonl" >"$tmp/actual.hand"
compare "$tmp/expected.hand" "$tmp/actual.hand" \
    "hand-written page: the good records give exactly jq's metrics (commune $new from an old code, dates yyyyMMdd, no satisfaction ratio without ratings)"
for line in \
    "page 1 record 000.00.02.H12: field 'maDinhDanh' repeats the record of page 1; record skipped" \
    "page 1 record 000.00.06.H12: field 'catalog' is not \"department\" or \"commune\"; record skipped" \
    "page 1 record 000.03.00.H12: field 'maXa' is missing (a commune unit needs its commune code); record skipped" \
    "page 1 record 000.00.07.H12: field 'tongTiepNhan' (9) is less than tiepNhanQuaMang + tiepNhanTrucTiep + tiepNhanBCCI (21); record skipped" \
    "page 1 record 000.00.08.H12: field 'tuNgay' 2025-06-01..2025-07-31 differs from the period of the other records, 2025-07-01..2025-07-31; record skipped" \
    "page 1 record 000.00.09.H12: field 'daXuLyQuaHan' is not a whole number >= 0; record skipped" \
    "page 1 record 000.00.10.H12: field 'daXuLyQuaHan' is not a whole number >= 0; record skipped" \
    "page 1 record #13: field 'maDinhDanh' is missing, empty or not a string; record skipped"; do
    contains "$tmp/hand.err" "warning: hand: $line" "hand-written page: ${line%%;*}"
done
contains "$tmp/hand.err" "counters: polls_ok=1 polls_failed=0 metrics=$(wc -l <"$tmp/expected.hand") rejected=8 " \
    "hand-written page: 8 records rejected, the 5 good ones published"
check "hand-written page: the old code is published as $new with mapped_from $old (agency and commune level)" jqe -s \
    --arg old "$old" --arg new "$new" '[.[] | select(.area.mapped_from)] as $m
    | ($m | length) > 0 and ($m | all(.area.mapped_from == $old and .area.code == $new))
    and ($m | any(.dims.agency == "000.02.00.H12")) and ($m | any(.dims.agency | not))' "$tmp/hand.jsonl"
valid_records "$tmp/hand.jsonl" "hand-written page: every record is valid against the schema"

### 4. fault modes against a running daemon #################################
start_feedsim BAD --seed 2 --records 40 --huge-size 1MiB --slow-ms 6000
run=$tmp/run
make_conf "$run"
cp conf/catalog.conf "$run/catalog.conf"
debug_log "$run"
add_dvc "$run" dvc "$FEED_BAD/dvc" "page_size = 10" "timeout = 2s" "max_body = 64k" "backoff_max = 1s"
: >"$tmp/run.out" && : >"$tmp/run.err" # so that the first waits find them
start_iocd run -c "$run/iocd.conf"
out=$tmp/run.out err=$tmp/run.err
check "running: the connector publishes" wait_for 20 at_least 1 "$out" '"source":"dvc"'

# new_match FROM REGEX: REGEX (grep -E) in iocd's log after line FROM.
new_match() { untimed "$err" | tail -n "+$(($1 + 1))" | grep -qE -- "$2"; }
# inject MODE LOG-REGEX [STATUS-REASON-REGEX]: one faulty answer (count=1).
# With a reason, the poll must fail: status ok -> degraded with that reason,
# then back to ok.
inject() {
    local mode=$1 re=$2 reason=${3:-} from ok_before
    from=$(wc -l <"$err")
    ok_before=$(count_lines "$err" "dvc: status degraded -> ok")
    same 200 "$(feed_control "$FEED_BAD" "endpoint=dvc&fault=$mode&count=1")" "$mode: armed"
    if wait_for 20 new_match "$from" "$re"; then
        pass "$mode: logged /$re/"
    else
        fail "$mode: logged /$re/"
        tail -n "+$((from + 1))" "$err" | tail -8 | sed 's/^/#   /'
    fi
    check "$mode: iocd is still running" kill -0 "$IOCD_PID"
    if [ -n "$reason" ]; then
        check "$mode: status ok -> degraded, with the reason" wait_for 20 new_match "$from" \
            "^warning: dvc: status ok -> degraded after 1 failed poll: $reason"
        check "$mode: back to ok on the next poll (status degraded -> ok)" \
            wait_for 20 at_least $((ok_before + 1)) "$err" "dvc: status degraded -> ok"
    fi
}
url_re=$(sed 's/[.]/\\./g' <<<"$FEED_BAD/dvc")
page_re='page [0-9]+ record 000\.[0-9]{2}\.[0-9]{2}\.H12'

inject http500 "^warning: dvc: GET $url_re: HTTP status 500$" "GET $url_re: HTTP status 500"
inject http429 "^info: dvc: server asked to retry after 2 s; waiting 1 s \(backoff_max\)$" "GET $url_re: HTTP status 429 \(with Retry-After\)"
inject http503 "^info: dvc: server asked to retry after 2 s; waiting 1 s \(backoff_max\)$" "GET $url_re: HTTP status 503 \(with Retry-After\)"
inject slow "^warning: dvc: GET $url_re: no complete answer within" "GET $url_re: no complete answer within"
inject truncated "^warning: dvc: GET $url_re: transfer closed" "GET $url_re: transfer closed"
inject invalid-json "^error: dvc: page [0-9]+: invalid JSON at line [0-9]+ column [0-9]+: .*; poll failed, nothing published$" \
    "page [0-9]+: invalid JSON"
inject huge "^warning: dvc: GET $url_re: response body larger than 65536 bytes$" \
    "GET $url_re: response body larger than 65536 bytes"
inject fail-page "^error: dvc: page [2-4] failed; poll failed, nothing published$" "GET $url_re: HTTP status 500"
inject wrong-type "^warning: dvc: $page_re: field 'tongTiepNhan' is a string, not a number; record skipped$"
inject missing-field "^warning: dvc: $page_re: field 'tongTiepNhan' is missing; record skipped$"
inject nulls "^warning: dvc: $page_re: field 'daXuLyDungHan' is null; record skipped$"

# old-codes: strike every page until records with mapped_from appear.
same 200 "$(feed_control "$FEED_BAD" 'endpoint=dvc&fault=old-codes')" "old-codes: armed"
check "old-codes: records published with mapped_from" wait_for 20 at_least 1 "$out" '"mapped_from":'
same 200 "$(feed_control "$FEED_BAD" 'endpoint=dvc&fault=none')" "old-codes: cleared"
jq -r 'select(.area.mapped_from) | "M\t\(.area.mapped_from)\t\(.area.code)\twhole"' "$out" | sort -u >"$tmp/mapped"
check "old-codes: every mapped_from is a pre-2025 code merged wholly into the published code" \
    test -s "$tmp/mapped" -a -z "$(comm -23 "$tmp/mapped" <(grep '^M' "$GAZETTEER" | sort -u))"
check "old-codes: mapped at agency and at commune level" jqe -s \
    '[.[] | select(.area.mapped_from)] | any(.dims.agency) and any(.dims.agency | not)' "$out"

# 304: a frozen feed answers page 1 "not modified"; nothing new is published.
degraded=$(count_lines "$err" "status ok -> degraded")
same 200 "$(feed_control "$FEED_BAD" 'endpoint=dvc&freeze=1')" "304: feed frozen"
nm="debug: dvc: GET $FEED_BAD/dvc: not modified"
check "304: two polls answered not modified (logged at debug level)" wait_for 20 at_least 2 "$err" "$nm"
lines=$(wc -l <"$out")
nm_count=$(count_lines "$err" "$nm")
check "304: two more polls not modified" wait_for 20 at_least $((nm_count + 2)) "$err" "$nm"
same "$lines" "$(wc -l <"$out")" "304: no record was published by the not-modified polls"
same "$degraded" "$(count_lines "$err" "status ok -> degraded")" \
    "304: not-modified polls succeed (no status change)"

# Counters and the whole run: every published walk complete, none partial.
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: dvc: counters:"
counters=$(grep -F "info: dvc: counters:" "$err" | tail -1)
echo "# $counters"
check "counters: 8 failed polls (500, 429, 503, slow, truncated, invalid JSON, huge, fail-page)" \
    grep -q "polls_failed=8 " <<<"$counters"
check "counters: 3 rejected records (wrong type, missing field, null)" grep -q "rejected=3 " <<<"$counters"
check "counters: 7 failed HTTP requests" grep -q "http_failures=7 " <<<"$counters"
check "counters: not-modified answers counted" grep -qE "http_not_modified=([4-9]|[1-9][0-9]+) " <<<"$counters"
jq -s 'map(select(.source == "dvc")) | group_by(.ts) | map(. as $g
    | [$g[] | select(.metric == "dvc.dossiers.received" and .dims.agency)] as $ag
    | {ts: $g[0].ts, agencies: ($ag | length), sum: ($ag | map(.value) | add),
       province: ([$g[] | select(.metric == "dvc.dossiers.received" and .area.code == "96"
                                 and (.dims.agency | not))] | map(.value)),
       repeats: (($g | length) - ($g | map(.series) | unique | length))})' "$out" >"$tmp/walks.json"
check "every published walk is whole: 40 agencies (39 when a record was skipped), one province total equal to their sum, no series twice" \
    jqe 'length > 5 and all((.agencies == 40 or .agencies == 39) and .province == [.sum] and .repeats == 0)' \
    "$tmp/walks.json"
same 3 "$(jq 'map(select(.agencies == 39)) | length' "$tmp/walks.json")" \
    "exactly 3 walks lost one record (the 3 record faults)"
failed_polls=$(sed -n 's/.* polls_failed=\([0-9]*\) .*/\1/p' <<<"$counters")
generation=$("${CURL[@]}" "$FEED_BAD/_control?endpoint=dvc" | jq .generation)
same "$((generation + 1))" "$(($(jq length "$tmp/walks.json") + failed_polls))" \
    "every walk either published whole or published nothing (walks published + failed = walks started)"
valid_records "$out" "running: every record published during the faults is valid"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "running: SIGTERM: iocd exits 0"

### 5. a 304 after a walk that failed half-way ###############################
# The first walk fails on page 2 after page 1 stored new validators; the
# feed is then frozen, so the retry's page 1 is "not modified" although its
# data was never published: the connector must fetch it again.
start_feedsim C --seed 5 --records 20
same 200 "$(feed_control "$FEED_C" 'endpoint=dvc&fault=fail-page&count=1')" "304 after failure: fail-page armed"
re=$tmp/refetch
make_conf "$re"
cp conf/catalog.conf "$re/catalog.conf"
debug_log "$re"
add_dvc "$re" dvc "$FEED_C/dvc" "page_size = 10" "interval = 12s"
: >"$tmp/refetch.out" && : >"$tmp/refetch.err"
start_iocd refetch -c "$re/iocd.conf"
check "304 after failure: page 2 failed" wait_for 20 at_least 1 "$tmp/refetch.err" "page 2 failed"
same 200 "$(feed_control "$FEED_C" 'endpoint=dvc&freeze=1')" "304 after failure: feed frozen on the failed walk's data"
check "304 after failure: page 1 not modified, fetched again" wait_for 20 at_least 1 "$tmp/refetch.err" \
    "info: dvc: page 1 not modified, but the last walk was not published; fetching it again"
check "304 after failure: the walk is published" wait_for 20 at_least 1 "$tmp/refetch.err" "metrics published"
fetch_pages "$FEED_C" 10 "$tmp/pages.c"
expected "$tmp/pages.c" "$CAT_ON_TIME" "$CAT_HAPPY" null >"$tmp/expected.c"
actual "$tmp/refetch.out" >"$tmp/actual.c"
compare "$tmp/expected.c" "$tmp/actual.c" "304 after failure: exactly the frozen data was published, once"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "304 after failure: SIGTERM: iocd exits 0"

### the shipped configuration ################################################
shipped=$tmp/shipped
make_conf "$shipped"
cp conf/catalog.conf "$shipped/catalog.conf"
cp conf/connectors.d/dvc.conf "$shipped/connectors.d/"
"$IOCD" -c "$shipped/iocd.conf" --check-config >"$tmp/shipped.log" 2>&1
same 0 "$?" "conf/connectors.d/dvc.conf passes --check-config"
contains "$tmp/shipped.log" "configuration OK" "conf/connectors.d/dvc.conf: configuration OK"
finish
