#!/usr/bin/env bash
# test_feed_bench - feedsim's benchmark feeds (tools/feedsim/feed_bench.c):
# /bench's shape, pagination and errors, its documented formula recomputed
# in bash, every value changing between generations, cell 0 carrying the
# generation, the "served" timing lines on stderr, and /bench-telecom
# answering exactly what /telecom answers for the same generation.
# TAP; stops what it starts by PID; bounded waits; asserts no duration.
set -u
source "$(dirname "$0")/lib.sh"

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done
[ -x "$FEEDSIM" ] || { echo "Bail out! $FEEDSIM not built (run make first)"; exit 1; }

# get URL: body into $tmp/body, headers into $tmp/headers; prints the status.
get() { rm -f "$tmp/body" "$tmp/headers"; "${CURL[@]}" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' "$1"; }
generation() { tr -d '\r' <"$tmp/headers" | sed -n 's/^[Xx]-[Ff]eedsim-[Gg]eneration: //p'; }

# The documented formula (feed_bench.c, prng.h) in bash's wrap-around
# 64-bit arithmetic; `(x >> n) & mask` is the logical shift.
sm64() {
    local z=$(($1 + 0x9E3779B97F4A7C15))
    z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
    z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
    echo $((z ^ ((z >> 31) & 0x1FFFFFFFF)))
}
# cell SEED GENERATION INDEX: "subscribers coverage-tenths" of one cell.
cell() {
    local k
    k=$(sm64 $(($(sm64 $(($(sm64 "$1") ^ -1))) ^ $3)))
    if [ "$3" -eq 0 ]; then echo -n "$2"; else echo -n "$((100 + (k & 0xFFFF) % 20000 + $2))"; fi
    echo " $(((((k >> 16) & 0xFFFFFFFFFFFF) % 1001 + $2) % 1001))"
}

awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER" >"$tmp/communes"
ncommunes=$(wc -l <"$tmp/communes")

start_feedsim B --seed 7 --records 300
B=$FEED_B

### shape ###################################################################
same 200 "$(get "$B/bench?page=1&size=300")" "GET /bench?page=1&size=300 answers 200"
cp "$tmp/body" "$tmp/g0"
same 0 "$(generation)" "the first request is generation 0"
check "body has the documented frame" jqe '.generation == 0 and .page == 1 and .size == 300
    and .total == 300 and .updatedAt == "2025-07-05T09:00:00+07:00" and (.items | length == 300)' "$tmp/body"
check "every item has a cell id, a commune code and two numbers" jqe '
    all(.items[]; (keys == ["cell", "commune", "coverage_pct", "subscribers"])
        and (.cell | test("^cell-[0-9]{6}$")) and (.commune | test("^[0-9]{5}$"))
        and (.subscribers | type == "number" and . == floor and . >= 0)
        and (.coverage_pct | type == "number" and . >= 0 and . <= 100))' "$tmp/body"
same "cell-000000 cell-000299" "$(jq -r '"\(.items[0].cell) \(.items[-1].cell)"' "$tmp/body")" \
    "cells are numbered in order from 0"
same "$(sed -n '3,7p' "$tmp/communes")" \
    "$(jq -r ".items[$ncommunes + 2:$ncommunes + 7][].commune" "$tmp/body")" \
    "communes are those of province 96 in gazetteer order, repeating every $ncommunes cells"
same "0" "$(jq '.items[0].subscribers' "$tmp/body")" "cell 0's subscribers is the generation"
same "$(for i in 1 5 64 299; do cell 7 0 "$i"; done)" \
    "$(jq -r '.items[1, 5, 64, 299] | "\(.subscribers) \(.coverage_pct * 10 + 0.5 | floor)"' "$tmp/body")" \
    "values match the documented formula (cells 1, 5, 64, 299)"

### every value changes at every generation ##################################
get "$B/bench?page=1&size=300" >/dev/null
same 1 "$(generation)" "page 1 again starts generation 1"
same "$(for i in 1 299; do cell 7 1 "$i"; done)" \
    "$(jq -r '.items[1, 299] | "\(.subscribers) \(.coverage_pct * 10 + 0.5 | floor)"' "$tmp/body")" \
    "generation 1 matches the formula"
same "300 300 1" "$(jq -s -r '[.[0].items, .[1].items] | transpose
    | [(map(select(.[0].subscribers + 1 == .[1].subscribers)) | length),
       (map(select(.[0].coverage_pct != .[1].coverage_pct)) | length),
       .[0][1].subscribers] | map(tostring) | join(" ")' "$tmp/g0" "$tmp/body")" \
    "every subscribers value is one more and every coverage differs; cell 0 now says 1"
same "2025-07-05T09:00:01+07:00" "$(jq -r .updatedAt "$tmp/body")" "updatedAt moves one second per generation"

### pagination and errors ###################################################
same 200 "$(get "$B/bench?page=2&size=128")" "page 2 of size 128 answers 200"
same "1 128 cell-000128 cell-000255" \
    "$(echo "$(generation) $(jq -r '"\(.items | length) \(.items[0].cell) \(.items[-1].cell)"' "$tmp/body")")" \
    "page 2 holds cells 128-255 and keeps the generation of its page 1"
get "$B/bench?page=3&size=128" >/dev/null
same "44 cell-000299" "$(jq -r '"\(.items | length) \(.items[-1].cell)"' "$tmp/body")" "the last page is short"
get "$B/bench?page=4&size=100" >/dev/null
same "0 300" "$(jq -r '"\(.items | length) \(.total)"' "$tmp/body")" "a page past the end has no items"
get "$B/bench" >/dev/null
same "1000 300" "$(jq -r '"\(.size) \(.items | length)"' "$tmp/body")" "defaults: page 1, size 1000"
for bad in "size=0" "size=1000001" "page=0" "page=x" "size=-1"; do
    same 400 "$(get "$B/bench?$bad")" "$bad answers 400"
done
check "a 400 says what is wrong" jqe '.message | test("size must be an integer from 1 to 1000000")' "$tmp/body"

### timing lines ############################################################
check "the first request of generations 0, 1 and 2 is logged once each" \
    test "$(grep -c 'served bench generation=[012] at_us=' "$tmp/B.feedsim.log")" -eq 3
before=$(date +%s%6N)
get "$B/bench?page=1&size=10" >/dev/null
after=$(date +%s%6N)
g=$(generation)
at=$(sed -n "s/.*served bench generation=$g at_us=\([0-9]*\).*/\1/p" "$tmp/B.feedsim.log")
check "the logged time of generation $g lies between the request and its answer" \
    test -n "$at" -a "${at:-0}" -ge "$before" -a "${at:-0}" -le "$after"

### data faults reach the bench feed ########################################
same 200 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST "$B/_control?endpoint=bench&fault=wrong-type&count=1")" \
    "fault wrong-type can be armed on bench"
get "$B/bench?size=5" >/dev/null
check "wrong-type turns the first cell's subscribers into a string" \
    jqe '(.items[0].subscribers | type == "string") and (.items[1].subscribers | type == "number")' "$tmp/body"

### /bench-telecom is /telecom, timed ########################################
start_feedsim T --seed 5 --records 30
same 200 "$(get "$FEED_T/telecom?page=1&pageSize=50")" "GET /telecom answers 200"
cp "$tmp/body" "$tmp/telecom"
same 200 "$(get "$FEED_T/bench-telecom?page=1&pageSize=50")" "GET /bench-telecom answers 200"
check "/bench-telecom's generation 0 is /telecom's generation 0, byte for byte" cmp -s "$tmp/telecom" "$tmp/body"
check "its first request is logged" grep -q 'served bench-telecom generation=0 at_us=' "$tmp/T.feedsim.log"
same 400 "$(get "$FEED_T/bench-telecom?pageSize=0")" "its argument errors are /telecom's"

finish
