#!/usr/bin/env bash
# test_fuzz.sh - the short fuzzing run of `make check`: builds the libFuzzer
# target of http_json's mapping parser and record extraction
# (tests/fuzz/fuzz_http_json.c, clang with ASan+UBSan), replays the seeds
# of tests/fuzz/corpus and each past finding of tests/fuzz/regressions
# (one test each), then fuzzes for FUZZ_CHECK_SECONDS (20) from a scratch
# copy of the corpus. A crash, leak, sanitizer report or broken invariant
# fails the test; a new finding is kept in $BUILD/fuzz/ (crash-*, leak-*)
# to replay with `$BUILD/fuzz/fuzz_http_json FILE` and to add to
# tests/fuzz/regressions once understood.
# `make fuzz` is the long run. Skipped only when the compiler
# (${FUZZ_CC:-clang}) is not on PATH: then the whole file is one TAP skip
# ("ok 1 - ... # SKIP reason"), which tests/run.sh counts as skipped, never
# as passed. tools/deps.sh installs clang and its libFuzzer runtime; with
# clang there and the runtime missing, the build test fails and shows why.
source "$(dirname "$0")/lib.sh"

fuzzer=$BUILD/fuzz/fuzz_http_json
seconds=${FUZZ_CHECK_SECONDS:-20}

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
    echo "ok 1 - fuzz target of http_json builds and runs # SKIP ${FUZZ_CC:-clang} is not on PATH (tools/deps.sh installs it)"
    echo "1..1"
    exit 0
fi

# Built by make like everything else (the outer make's job server is not
# ours to use).
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s "BUILD=$BUILD" "$fuzzer" \
    >"$tmp/build.log" 2>&1; then
    pass "fuzz target builds ($fuzzer)"
else
    fail "fuzz target builds ($fuzzer)"
    sed 's/^/#   /' "$tmp/build.log" | tail -20
    finish
    exit
fi

mkdir -p "$BUILD/fuzz"
# run NAME ARGS...: the fuzzer with common options; its output in
# $tmp/NAME.log.
run() {
    local name=$1
    shift
    "$fuzzer" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$top/$BUILD/fuzz/" "$@" >"$tmp/$name.log" 2>&1
}
# report NAME: after a "not ok", the first lines of the report and its
# frames in our sources.
report() {
    local lines='ERROR|runtime error|invariant broken|SUMMARY|Test unit written'
    grep -E "$lines|#[0-9]+ .* in .*(connectors|tests)/" "$tmp/$1.log" | head -12 | sed 's/^/#   /'
}
# outcome STATUS NAME DESCRIPTION: ok, or not ok and the report of run NAME.
outcome() {
    if [ "$1" -eq 0 ]; then
        pass "$3"
    else
        fail "$3"
        report "$2"
    fi
}
# stats NAME: "N runs, N/s, N new inputs" from the final stats.
stats() {
    awk '/^stat::number_of_executed_units:/ {r = $2}
         /^stat::average_exec_per_sec:/ {s = $2}
         /^stat::new_units_added:/ {u = $2}
         END {printf "%d runs, %d/s, %d new inputs", r, s, u}' "$tmp/$1.log"
}

seeds=$(find tests/fuzz/corpus -type f | wc -l)
run replay -runs=0 tests/fuzz/corpus
outcome $? replay "every seed of tests/fuzz/corpus runs clean ($seeds inputs)"
# One line per past finding, so each bug shows on its own.
for input in tests/fuzz/regressions/*; do
    [ -f "$input" ] || continue
    name=$(basename "$input")
    run "regress-$name" "$input"
    outcome $? "regress-$name" "regression input $name runs clean"
done

mkdir -p "$tmp/corpus"
run fuzz -max_total_time="$seconds" -dict=tests/fuzz/http_json.dict "$tmp/corpus" \
    tests/fuzz/corpus
outcome $? fuzz "fuzzing for ${seconds}s finds nothing ($(stats fuzz))"

finish
