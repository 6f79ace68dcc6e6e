#!/usr/bin/env bash
# run.sh - the whole test suite: every unit-test binary, then every
# integration script, each bounded in time. Counts individual tests
# (cmocka's summary lines, TAP "ok"/"not ok" lines) and ends with the line
# "N passed, N failed, N skipped" (always in that form: CI reads the first
# two numbers). A skipped test is neither passed nor failed: it is counted
# and shown with its reason, so a test that did not run never looks green.
# Exit status 1 if anything failed.
#
# Usage: BUILD=build tests/run.sh [PATTERN]   (PATTERN filters file names)
#
# TEST_TIMEOUT: seconds each integration script may take (600; `make fault`
# gives the fault suite's long form more).
# INTEGRATION_TESTS="test_a test_b", when set, runs only those integration
# scripts (`make check SANITIZE=thread` passes its TSAN_TESTS). When
# TSAN_OPTIONS is set (a ThreadSanitizer build), every process a test starts
# writes its reports to $BUILD/test-logs/tsan/NAME.PID (log_path), and each
# report counts as one failure of that test: a race in a daemon that a
# script stops with SIGTERM would otherwise go unseen. TSAN_CANARY names a
# program with a deliberate race, run first: its report must be counted.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export BUILD=${BUILD:-build}
pattern=${1:-}
passed=0
failed=0
skipped=0
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"
tsan_dir=
if [ -n "${TSAN_OPTIONS:-}" ]; then
    tsan_dir=$log_dir/tsan
    rm -rf "$tsan_dir"
    mkdir -p "$tsan_dir"
    tsan_base_options=$TSAN_OPTIONS
    # gcc 12's TSan expects the address layout of older kernels; where a
    # newer one randomises mappings beyond it, TSan dies at start with
    # "FATAL: ThreadSanitizer: unexpected memory mapping". Turning off
    # address randomisation for this run (inherited by every child process)
    # avoids it; on this machine's 6.18 kernel it was not needed.
    if [ -z "${TSAN_NO_ASLR:-}" ] &&
        "$BUILD/iocd" --version 2>&1 | grep -q 'unexpected memory mapping'; then
        echo "run.sh: TSan needs a fixed address layout here: rerunning under setarch -R"
        TSAN_NO_ASLR=1 exec setarch "$(uname -m)" -R "$top/tests/run.sh" "$@"
    fi
fi

# tsan_begin NAME: point TSan's reports of the processes of test NAME at
# their own files. tsan_reports NAME: how many reports they wrote.
tsan_begin() {
    [ -n "$tsan_dir" ] && export TSAN_OPTIONS="$tsan_base_options log_path=$tsan_dir/$1"
    return 0
}
tsan_reports() {
    [ -n "$tsan_dir" ] || { echo 0; return; }
    cat "$tsan_dir/$1".* 2>/dev/null | grep -cE '(^|==)(WARNING|FATAL|ERROR): ThreadSanitizer'
}
# tsan_show NAME: the first lines of each report, for the failure listing.
tsan_show() {
    [ -n "$tsan_dir" ] || return 0
    grep -E -A8 '(^|==)(WARNING|FATAL|ERROR): ThreadSanitizer' "$tsan_dir/$1".* 2>/dev/null |
        head -60 | sed 's/^/      /'
}

# record NAME PASSED FAILED SKIPPED EXIT LOG FAILURE-PATTERN SKIP-PATTERN:
# add a test file's counts to the totals (a non-zero exit without a failed
# test counts as one failure) and print its line, with the failure lines
# and the skip lines (their reasons) of its log.
record() {
    local name=$1 p=$2 f=$3 s=$4 rc=$5 out=$6 pattern=$7 skip_pattern=$8 line
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    line=$(printf '  %-28s %3d passed' "$name" "$p")
    [ "$s" -gt 0 ] && line="$line, $s skipped"
    if [ "$f" -eq 0 ]; then
        echo "$line"
    else
        printf '%s, %d FAILED (exit %d):\n' "$line" "$f" "$rc"
        grep -E -A3 "$pattern" "$out" | head -40 | sed 's/^/      /'
        tsan_show "$name"
    fi
    if [ "$s" -gt 0 ]; then
        grep -E "$skip_pattern" "$out" | awk '!seen[$0]++' | head -20 | sed 's/^/      /'
    fi
}

# One unit-test binary: cmocka prints "[  PASSED  ] N test(s).",
# "[  SKIPPED ] N test(s)" and "[  FAILED  ] N test(s)" per group (a
# skipped test is not among the passed ones); a binary may run several
# groups.
run_unit() {
    local bin=$1 name out rc p f s
    name=$(basename "$bin")
    out=$log_dir/$name.log
    tsan_begin "$name"
    timeout 300 "$bin" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    f=$((f + $(tsan_reports "$name")))
    record "$name" "$p" "$f" "$s" "$rc" "$out" \
        '^\[  ERROR   \]|^\[  FAILED  \] [a-z]|ERROR: AddressSanitizer|runtime error' \
        '^\[  SKIPPED \] [a-z_]'
}

# One integration script: TAP lines "ok N - ..." / "not ok N - ...". An
# "ok" with a "# SKIP reason" directive (any case) is a skip, and so is a
# whole-file skip, the plan "1..0 # SKIP reason".
tap_skip_ok='^ok [0-9]+[^#]*# *[Ss][Kk][Ii][Pp]'
tap_skip="$tap_skip_ok|^1\\.\\.0 *# *[Ss][Kk][Ii][Pp]"
run_integration() {
    local script=$1 name out rc p s
    name=$(basename "$script" .sh)
    out=$log_dir/$name.log
    tsan_begin "$name"
    timeout "${TEST_TIMEOUT:-600}" bash "$script" >"$out" 2>&1
    rc=$?
    # Every skip but a skipped plan is also an "ok" line: not a pass.
    p=$(($(grep -c '^ok ' "$out") - $(grep -cE "$tap_skip_ok" "$out")))
    s=$(grep -cE "$tap_skip" "$out")
    record "$name" "$p" "$(($(grep -c '^not ok ' "$out") + $(tsan_reports "$name")))" "$s" "$rc" "$out" \
        '^not ok |Bail out' "$tap_skip"
}

# The TSan canary (TSAN_CANARY, a program with one deliberate race) passes
# when its race is counted as a report: the proof that a race anywhere
# else would be.
if [ -n "$tsan_dir" ] && [ -n "${TSAN_CANARY:-}" ]; then
    echo "ThreadSanitizer canary:"
    tsan_begin tsan-canary
    timeout 60 "$TSAN_CANARY" >"$log_dir/tsan-canary.log" 2>&1
    if [ "$(tsan_reports tsan-canary)" -ge 1 ]; then
        record tsan-canary 1 0 0 0 "$log_dir/tsan-canary.log" '.' '^$'
    else
        echo "  (its deliberate race was not reported: TSan reports are not being counted)" \
            >>"$log_dir/tsan-canary.log"
        record tsan-canary 0 1 0 1 "$log_dir/tsan-canary.log" 'not being counted' '^$'
    fi
fi
echo "unit tests ($BUILD/tests):"
for bin in "$BUILD"/tests/test_*; do
    [ -x "$bin" ] || continue
    case $bin in *"$pattern"*) run_unit "$bin" ;; esac
done
echo "integration tests (tests/integration, then the fault suite's short form, tests/fault):"
for script in tests/integration/test_*.sh tests/fault/test_*.sh; do
    if [ -n "${INTEGRATION_TESTS:-}" ]; then
        case " $INTEGRATION_TESTS " in *" $(basename "$script" .sh) "*) ;; *) continue ;; esac
    fi
    case $script in *"$pattern"*) run_integration "$script" ;; esac
done
echo "logs: $log_dir/"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
