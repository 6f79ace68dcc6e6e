#!/usr/bin/env bash
# test_fuzz.sh - the short fuzzing run of `make check`: builds every
# libFuzzer target of tests/fuzz (clang with ASan+UBSan; see the Makefile's
# fuzz section: http_json, config, normalize, timeparse, series_store, disklog and one per
# departmental connector), then for each target replays its seeds
# (tests/fuzz/corpus/<target>) and each of its past findings
# (tests/fuzz/regressions/<target>, one test each, so each bug shows on its
# own), and fuzzes it from a scratch copy of its corpus: http_json for
# FUZZ_CHECK_SECONDS (20), every other target for FUZZ_CHECK_EACH (8). A
# run passes only when it ended without a crash, leak, sanitizer report or
# broken invariant AND executed at least one input (a target that dies at
# start or reads nothing proves nothing). A new finding is kept in
# $BUILD/fuzz/ (<target>-crash-*, -leak-*) to replay with
# `$BUILD/fuzz/fuzz_<target> FILE` and to add to
# tests/fuzz/regressions/<target> once understood.
# `make fuzz` is the long run. Skipped only when the compiler
# (${FUZZ_CC:-clang}) is not on PATH: then the whole file is one TAP skip
# ("ok 1 - ... # SKIP reason"), which tests/run.sh counts as skipped, never
# as passed. tools/deps.sh installs clang and its libFuzzer runtime; with
# clang there and the runtime missing, the build test fails and shows why.
source "$(dirname "$0")/lib.sh"

targets="http_json config normalize timeparse series_store disklog ioffice dvc telecom pakn example_paged"
seconds=${FUZZ_CHECK_SECONDS:-20}
each=${FUZZ_CHECK_EACH:-8}

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
    echo "ok 1 - fuzz targets build and run # SKIP ${FUZZ_CC:-clang} is not on PATH (tools/deps.sh installs it)"
    echo "1..1"
    exit 0
fi

# Built by make like everything else (the outer make's job server is not
# ours to use).
binaries=$(for t in $targets; do echo "$BUILD/fuzz/fuzz_$t"; done)
# shellcheck disable=SC2086 # one word per binary
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j2 "BUILD=$BUILD" $binaries \
    >"$tmp/build.log" 2>&1; then
    pass "fuzz targets build ($(echo $targets | wc -w) in $BUILD/fuzz)"
else
    fail "fuzz targets build"
    sed 's/^/#   /' "$tmp/build.log" | tail -20
    finish
    exit
fi

mkdir -p "$BUILD/fuzz"
# run TARGET NAME ARGS...: the target's fuzzer with common options (stdin
# closed: nothing may wait on it); its output in $tmp/NAME.log.
run() {
    local target=$1 name=$2
    shift 2
    "$BUILD/fuzz/fuzz_$target" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$top/$BUILD/fuzz/$target-" "$@" </dev/null >"$tmp/$name.log" 2>&1
}
# report NAME: after a "not ok", the first lines of the report and its
# frames in our sources.
report() {
    local lines='ERROR|runtime error|invariant broken|SUMMARY|Test unit written'
    grep -E "$lines|#[0-9]+ .* in .*(connectors|daemon|tests)/" "$tmp/$1.log" | head -12 |
        sed 's/^/#   /'
}
# executed NAME: how many inputs the run executed (0 when it printed no stats).
executed() {
    awk '/^stat::number_of_executed_units:/ {r = $2} END {print r + 0}' "$tmp/$1.log"
}
# outcome STATUS NAME DESCRIPTION: ok when the run exited 0 and executed
# inputs; otherwise not ok and the report of run NAME.
outcome() {
    if [ "$1" -eq 0 ] && [ "$(executed "$2")" -gt 0 ]; then
        pass "$3"
    else
        fail "$3 (exit $1, $(executed "$2") inputs executed)"
        report "$2"
    fi
}
# stats NAME: "N runs, N/s, cov N, N new inputs" from the final stats.
stats() {
    local cov
    cov=$(grep -oE '(DONE|pulse|NEW|REDUCE) +cov: [0-9]+' "$tmp/$1.log" | tail -1 |
        awk '{print $3}')
    awk -v cov="${cov:-0}" '/^stat::number_of_executed_units:/ {r = $2}
         /^stat::average_exec_per_sec:/ {s = $2}
         /^stat::new_units_added:/ {u = $2}
         END {printf "%d runs, %d/s, cov %d, %d new inputs", r, s, cov, u}' "$tmp/$1.log"
}

for t in $targets; do
    corpus=tests/fuzz/corpus/$t
    seeds=$(find "$corpus" -type f 2>/dev/null | wc -l)
    if [ "$seeds" -eq 0 ]; then
        fail "$t: has seeds in $corpus"
        continue
    fi
    run "$t" "$t-replay" -runs=0 "$corpus"
    outcome $? "$t-replay" "$t: every seed of $corpus runs clean ($seeds inputs)"
    for input in tests/fuzz/regressions/"$t"/*; do
        [ -f "$input" ] || continue
        name=$(basename "$input")
        run "$t" "$t-regress-$name" "$input"
        outcome $? "$t-regress-$name" "$t: regression input $name runs clean"
    done
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    s=$each
    [ "$t" = http_json ] && s=$seconds
    mkdir -p "$tmp/corpus-$t"
    run "$t" "$t-fuzz" -max_total_time="$s" "${dict[@]}" "$tmp/corpus-$t" "$corpus"
    outcome $? "$t-fuzz" "$t: fuzzing for ${s}s finds nothing ($(stats "$t-fuzz"))"
done

finish
