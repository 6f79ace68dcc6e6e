#!/usr/bin/env bash
# test_feedsim - integration test of the feed simulator (tools/feedsim).
#
# Starts several feedsim processes on 127.0.0.1 (port 0, port file) from
# $BUILD/tools/feedsim (builds nothing), checks them with curl and jq, and
# prints one TAP line per check: "ok N - ..." / "not ok N - ...", then the
# plan "1..N". Exit status 1 if any check failed. Every process it starts is
# stopped by PID on exit; every wait is bounded in count and time; no check
# asserts a duration.
set -u

source "$(dirname "$0")/lib.sh"
GAZ=$GAZETTEER

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done
[ -x "$FEEDSIM" ] || { echo "Bail out! $FEEDSIM not built (run make first)"; exit 1; }

# start NAME ARGS...: run feedsim in the background with a port file, wait
# for the file (at most 5 s). Sets PID_<NAME>, URL_<NAME>. Returns 1 if it
# did not come up.
start() {
    local name=$1 i pid
    shift
    rm -f "$tmp/$name.port"
    "$FEEDSIM" --gazetteer "$GAZ" --port 0 --port-file "$tmp/$name.port" "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids+=("$pid")
    printf -v "PID_$name" '%s' "$pid"
    for ((i = 0; i < 50; i++)); do
        [ -s "$tmp/$name.port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$tmp/$name.port" ] || { echo "# feedsim $name did not start:"; sed 's/^/#   /' "$tmp/$name.err"; return 1; }
    printf -v "URL_$name" 'http://127.0.0.1:%s' "$(cat "$tmp/$name.port")"
}

# control URL QUERY: POST /_control, prints the HTTP status.
control() { "${CURL[@]}" -o "$tmp/control.json" -w '%{http_code}' -X POST "$1/_control?$2"; }

# get URL: GET /example into $tmp/body and $tmp/headers; prints status.
# (curl creates no file for an empty body, so old files go first.)
get() { rm -f "$tmp/body" "$tmp/headers"; "${CURL[@]}" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' "$@"; }

# header NAME: value of a response header in $tmp/headers.
header() { tr -d '\r' <"$tmp/headers" | awk -v h="$(echo "$1" | tr 'A-Z' 'a-z')" \
    'BEGIN{FS=": "} tolower($1)==h {sub(/^[^:]*: /, ""); print; exit}'; }

is_json() { jq -e . "$1" >/dev/null 2>&1; }
jqe() { jq -e "$@" >/dev/null; }
not() { ! "$@"; }

# The documented formula (tools/feedsim/feed_example.c, prng.h), in bash's
# 64-bit wrap-around arithmetic; `(x >> n) & mask` is a logical shift.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}
# expected SEED GENERATION COUNT: "received tenths" per area, one a line.
expected() {
    local s g i h
    s=$(sm64 "$1")
    g=$(sm64 $((s ^ $2)))
    for ((i = 0; i < $3; i++)); do
        h=$(sm64 $((g ^ i)))
        echo "$((200 + ((h >> 40) & 0xFFFFFF) % 1800)) $((600 + ((h >> 8) & 0xFFFF) % 401))"
    done
}

# The current communes of province 96 in gazetteer file order.
awk -F'\t' '$1 == "C" && $3 == "96" { print $2 "\t" $4 }' "$GAZ" >"$tmp/communes"
ncommunes=$(wc -l <"$tmp/communes")

### start-up ################################################################
start A --seed 42 --huge-size 3MiB --slow-ms 300 || { echo "Bail out! feedsim did not start"; exit 1; }
A=$URL_A
same "feedsim listening on 127.0.0.1:$(cat "$tmp/A.port")" "$(head -n 1 "$tmp/A.out")" \
    "stdout announces the port written to the port file"

### the example feed ########################################################
same 200 "$(get "$A/example")" "GET /example answers 200"
cp "$tmp/body" "$tmp/first"
cp "$tmp/headers" "$tmp/first.headers"
check "Content-Type is application/json" grep -qi '^content-type: application/json' "$tmp/headers"
check "body has the documented shape" jqe '
    (.updated | type == "string") and .period == {"from":"2025-07-01","to":"2025-07-31"}
    and (.areas | length == 5)
    and all(.areas[]; (.code | test("^[0-9]{5}$")) and (.name | length > 0)
        and (.received | type == "number" and . >= 0 and . == floor)
        and (.onTimePct | type == "number" and . >= 0 and . <= 100
             and ((. * 10 + 0.5 | floor) - . * 10 | fabs) < 1e-9))' "$tmp/body"
same "$(head -n 5 "$tmp/communes")" "$(jq -r '.areas[] | "\(.code)\t\(.name)"' "$tmp/body")" \
    "areas are the first 5 communes of province 96 from the gazetteer"
same "2025-08-01T00:05:00+07:00" "$(jq -r .updated "$tmp/body")" "the first request is generation 0"
same "0" "$(header X-Feedsim-Generation)" "X-Feedsim-Generation names the generation"
same "$(expected 42 0 5)" "$(jq -r '.areas[] | "\(.received) \(.onTimePct * 10 + 0.5 | floor)"' "$tmp/body")" \
    "values of generation 0 match the documented formula"

get "$A/example" >/dev/null
check "values change from one request to the next" \
    test "$(jq -c .areas "$tmp/first")" != "$(jq -c .areas "$tmp/body")"
same "2025-08-01T00:06:00+07:00" "$(jq -r .updated "$tmp/body")" "updated moves one minute per request"
same "$(expected 42 1 5)" "$(jq -r '.areas[] | "\(.received) \(.onTimePct * 10 + 0.5 | floor)"' "$tmp/body")" \
    "values of generation 1 match the documented formula"

start B --seed 42 && start C --seed 43
get "$URL_B/example" >/dev/null
check "same seed in another process gives the identical first response" cmp -s "$tmp/first" "$tmp/body"
get "$URL_C/example" >/dev/null
check "a different seed gives a different first response" \
    test "$(jq -c .areas "$tmp/first")" != "$(jq -c .areas "$tmp/body")"

start R --records 100
get "$URL_R/example" >/dev/null
same "$ncommunes $ncommunes" "$(jq -r '[(.areas | length), ([.areas[].code] | unique | length)] | "\(.[0]) \(.[1])"' "$tmp/body")" \
    "--records beyond the communes is capped at the $ncommunes communes, codes unique"
check "the cap is reported on stderr" grep -q 'capped at' "$tmp/R.err"

### conditional requests ####################################################
same 200 "$(control "$A" "endpoint=example&freeze=1")" "POST /_control freeze=1 answers 200"
check "/_control answers the endpoint state" jqe '.endpoint == "example" and .frozen == true' "$tmp/control.json"
get "$A/example" >/dev/null
cp "$tmp/body" "$tmp/frozen"
etag=$(header ETag)
lastmod=$(header Last-Modified)
get "$A/example" >/dev/null
check "a frozen endpoint repeats its body" cmp -s "$tmp/frozen" "$tmp/body"
same "$etag" "$(header ETag)" "a frozen endpoint repeats its ETag"
check "ETag is a quoted hash" test -n "$(echo "$etag" | grep -E '^"[0-9a-f]{16}"$')"
same 304 "$(get -H "If-None-Match: $etag" "$A/example")" "If-None-Match with the current ETag gives 304"
check "the 304 has no body" test ! -s "$tmp/body"
same "$etag" "$(header ETag)" "the 304 repeats the ETag"
same 304 "$(get -H "If-Modified-Since: $lastmod" "$A/example")" "If-Modified-Since the current Last-Modified gives 304"
same 200 "$(get -H 'If-None-Match: "0000000000000000"' "$A/example")" "If-None-Match with another ETag gives 200"
control "$A" "endpoint=example&freeze=0" >/dev/null
same 200 "$(get -H "If-None-Match: $etag" "$A/example")" "after freeze=0 the old ETag no longer matches (200)"

### bearer token ############################################################
start T --token s3cret
same 401 "$(get "$URL_T/example")" "--token: a request without Authorization gets 401"
check "the 401 has a JSON error body" jqe '.error == "unauthorized"' "$tmp/body"
check "the 401 has a Bearer challenge" test -n "$(header WWW-Authenticate | grep Bearer)"
same 401 "$(get -H 'Authorization: Bearer wrong' "$URL_T/example")" "--token: a wrong token gets 401"
same 200 "$(get -H 'Authorization: Bearer s3cret' "$URL_T/example")" "--token: the right token gets 200"

### fault modes #############################################################
# fault MODE: arm MODE for one request of $A, then GET it.
fault() { control "$A" "endpoint=example&fault=$1&count=1" >/dev/null; get "$A/example"; }

same 500 "$(fault http500)" "http500: status 500"
check "http500: HTML body" grep -qi '<html' "$tmp/body"
same 429 "$(fault http429)" "http429: status 429"
same 2 "$(header Retry-After)" "http429: Retry-After: 2"
same 503 "$(fault http503)" "http503: status 503"
same 2 "$(header Retry-After)" "http503: Retry-After: 2"
same 200 "$(fault retry-after)" "retry-after: status 200"
same 2 "$(header Retry-After)" "retry-after: Retry-After: 2 on a success"
check "retry-after: the body is the feed's JSON" is_json "$tmp/body"
same 401 "$(fault http401)" "http401: status 401"
same 304 "$(fault not-modified)" "not-modified: status 304 to a request without validators"
check "not-modified: no body" test ! -s "$tmp/body"
same "" "$(header ETag)" "not-modified: no ETag (nothing the client could have sent)"
same not-modified "$(header X-Feedsim-Fault)" "not-modified: X-Feedsim-Fault names the fault"
same 200 "$(fault html)" "html: status 200"
check "html: Content-Type text/html" grep -qi '^content-type: text/html' "$tmp/headers"
check "html: body is not JSON" not is_json "$tmp/body"
same 200 "$(fault invalid-json)" "invalid-json: status 200"
check "invalid-json: jq rejects the body" not is_json "$tmp/body"
fault wrong-type >/dev/null
check 'wrong-type: first "received" is a string like "1.199"' \
    jqe '(.areas[0].received | type == "string" and test("^[0-9]{1,3}(\\.[0-9]{3})*$"))
           and (.areas[1].received | type == "number")' "$tmp/body"
fault missing-field >/dev/null
check 'missing-field: first area lacks "received", the others have it' \
    jqe '(.areas[0] | has("received") | not) and (.areas[1] | has("received"))' "$tmp/body"
fault nulls >/dev/null
check 'nulls: first "onTimePct" is null' \
    jqe '.areas[0].onTimePct == null and (.areas[1].onTimePct | type == "number")' "$tmp/body"

fault old-codes >/dev/null
mapfile -t now < <(head -n 5 "$tmp/communes" | cut -f1)
mapfile -t got < <(jq -r '.areas[].code' "$tmp/body")
old_ok=true
for i in 0 1; do
    # an old code merged wholly into the current one, and not itself current
    grep -qP "^M\t${got[$i]}\t${now[$i]}\twhole\$" "$GAZ" || old_ok=false
    grep -qP "^C\t${got[$i]}\t" "$GAZ" && old_ok=false
done
check "old-codes: the first two areas carry pre-2025 codes that map to their codes" $old_ok
same "${now[*]:2}" "${got[*]:2}" "old-codes: the other areas keep their current codes"

fault huge >/dev/null
size=$(wc -c <"$tmp/body")
check "huge: body of at least --huge-size (3 MiB) bytes, got $size" test "$size" -ge $((3 * 1024 * 1024))
check "huge: body is valid JSON with the feed's areas" jqe '.areas | length == 5' "$tmp/body"

control "$A" "endpoint=example&fault=truncated&count=1" >/dev/null
rm -f "$tmp/body" "$tmp/headers"
"${CURL[@]}" -D "$tmp/headers" -o "$tmp/body" "$A/example"
same 18 "$?" "truncated: curl reports a partial transfer (exit 18)"
declared=$(header Content-Length)
check "truncated: body ($(wc -c <"$tmp/body") bytes) shorter than Content-Length ($declared)" \
    test "$(wc -c <"$tmp/body")" -lt "${declared:-0}"

control "$A" "endpoint=example&fault=stall&count=1" >/dev/null
rm -f "$tmp/body" "$tmp/headers"
curl -s --max-time 1 -D "$tmp/headers" -o "$tmp/body" "$A/example"
same 28 "$?" "stall: the client gives up (curl timeout, exit 28)"
check "stall: headers were sent (200)" grep -q '^HTTP/1.1 200' "$tmp/headers"
check "stall: no body byte was sent" test ! -s "$tmp/body"

same 200 "$(fault slow)" "slow: status 200"
check "slow: the whole body arrives and is valid JSON" jqe '.areas | length == 5' "$tmp/body"
same slow "$(header X-Feedsim-Fault)" "slow: X-Feedsim-Fault names the fault"

control "$A" "endpoint=example&fault=http500&count=2" >/dev/null
codes="$(get "$A/example") $(get "$A/example") $(get "$A/example")"
same "500 500 200" "$codes" "count=2 expires after 2 requests"
control "$A" "endpoint=example&fault=http503" >/dev/null
codes="$(get "$A/example") $(get "$A/example") $(get "$A/example")"
control "$A" "endpoint=example&fault=none" >/dev/null
codes="$codes $(get "$A/example")"
same "503 503 503 200" "$codes" "no count: the fault lasts until fault=none"

same 400 "$(control "$A" "endpoint=example&fault=bogus")" "/_control: an unknown fault mode is 400"
same 404 "$(control "$A" "endpoint=nosuch&fault=http500")" "/_control: an unknown endpoint is 404"
same 405 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST "$A/example")" "POST /example is 405"

### --fault and /_stats on a fresh process ##################################
start F --fault example=http429:1
codes="$(get "$URL_F/example") $(get "$URL_F/example") $(get "$URL_F/example")"
same "429 200 200" "$codes" "--fault example=http429:1 applies to the first request only"
"${CURL[@]}" -o /dev/null "$URL_F/nosuch"
control "$URL_F" "endpoint=example&freeze=1" >/dev/null
get "$URL_F/_stats" >/dev/null
same '3 2 1 1 1 5' "$(jq -r '[.endpoints.example.requests, .endpoints.example.status["200"],
        .endpoints.example.status["429"], .endpoints._other.status["404"],
        .endpoints._control.requests, .total.requests] | map(tostring) | join(" ")' "$tmp/body")" \
    "/_stats counts requests per endpoint and per status"

### /bench: the change=F knob (which cells change per generation) ###########
# bench_pair ARGS: two consecutive generations of /bench?size=1000ARGS into
# $tmp/g0 and $tmp/g1; prints the two HTTP statuses.
bench_pair() {
    local a b
    a=$(get "$URL_N/bench?size=1000$1") && cp "$tmp/body" "$tmp/g0"
    b=$(get "$URL_N/bench?size=1000$1") && cp "$tmp/body" "$tmp/g1"
    echo "$a $b"
}
# changed: "cells values" that differ between $tmp/g0 and $tmp/g1 (a cell
# counts when either of its two values differs; values counts each one).
changed() {
    jq -rn --slurpfile a "$tmp/g0" --slurpfile b "$tmp/g1" '
        [range(0; $a[0].items | length) as $i | $a[0].items[$i] as $x | $b[0].items[$i] as $y
         | [($x.subscribers != $y.subscribers), ($x.coverage_pct != $y.coverage_pct)]] as $d
        | "\([$d[] | select(any)] | length) \([$d[][] | select(.)] | length)"'
}
# window M: the cells the documented window says change at $tmp/g1's
# generation g (g*M .. g*M+M-1, mod 1000), sorted, one line.
window() {
    local g
    g=$(jq .generation "$tmp/g1")
    jq -rn --argjson g "$g" --argjson m "$1" '[range(0; $m) | (($g * $m + .) % 1000)] | sort | map(tostring) | join(" ")'
}
changed_cells() {
    jq -rn --slurpfile a "$tmp/g0" --slurpfile b "$tmp/g1" '
        [range(0; $a[0].items | length) as $i
         | select($a[0].items[$i] != $b[0].items[$i]) | $i] | map(tostring) | join(" ")'
}
start N --records 1000 --seed 7
same "200 200" "$(bench_pair "")" "/bench without change: two generations answer 200"
same "1000 2000" "$(changed)" "/bench without change: all 1,000 cells, all 2,000 values change"
same "200 200" "$(bench_pair "&change=0.1")" "/bench change=0.1: two generations answer 200"
same "100 200" "$(changed)" "change=0.1 of N=1,000: exactly 100 cells (200 values) change"
same "$(window 100)" "$(changed_cells)" "change=0.1: the cells that change are the documented window"
bench_pair "&change=0.1" >/dev/null
same "100 200" "$(changed)" "change=0.1: again exactly 100 cells change at the next generation"
same "$(window 100)" "$(changed_cells)" "change=0.1: the window has moved on by 100 cells"
bench_pair "&change=0.0015" >/dev/null
same "2 4" "$(changed)" "change=0.0015 of N=1,000: round(1.5) = 2 cells change"
bench_pair "&change=0" >/dev/null
same "0 0" "$(changed)" "change=0: nothing changes"
bench_pair "&change=1" >/dev/null
same "1000 2000" "$(changed)" "change=1: every cell changes (the default)"
same "$(jq .generation "$tmp/g1")" "$(jq .items[0].subscribers "$tmp/g1")" \
    "change=1: cell 0's subscribers is the generation, as before the knob"
# twice URL FILE: generation 1 of /bench?change=0.1 of a fresh process.
twice() { get "$1/bench?size=1000&change=0.1" >/dev/null; get "$1/bench?size=1000&change=0.1" >/dev/null; cp "$tmp/body" "$2"; }
start M --records 1000 --seed 7 && start P --records 1000 --seed 7
twice "$URL_M" "$tmp/m1"
twice "$URL_P" "$tmp/p1"
check "change=0.1: two processes with the same seed give the identical generation 1" cmp -s "$tmp/m1" "$tmp/p1"
for bad in 1.5 -0.1 0.1234567 abc 0. .5; do
    same 400 "$(get "$URL_N/bench?change=$bad")" "change=$bad is refused with 400"
done

### addresses, options and shutdown #########################################
timeout 5 "$FEEDSIM" --gazetteer "$GAZ" --listen 0.0.0.0 >/dev/null 2>"$tmp/listen.err"
same 2 "$?" "--listen 0.0.0.0 is refused (exit 2)"
check "the refusal says why" grep -q loopback "$tmp/listen.err"
timeout 5 "$FEEDSIM" --gazetteer "$GAZ" --listen 192.168.1.1 >/dev/null 2>&1
same 2 "$?" "--listen 192.168.1.1 is refused (exit 2)"
timeout 5 "$FEEDSIM" --gazetteer "$GAZ" --fault example=explode >/dev/null 2>&1
same 2 "$?" "an unknown --fault mode is refused (exit 2)"

stop_pid "$PID_B"
same 0 "$stop_rc" "SIGTERM: feedsim exits 0"
check "SIGTERM: the port file is removed" test ! -e "$tmp/B.port"

finish
