#!/usr/bin/env bash
# run.sh - the whole test suite: every unit-test binary, then every
# integration script, each bounded in time. Counts individual tests
# (cmocka's summary lines, TAP "ok"/"not ok" lines) and ends with the line
# "N passed, N failed". Exit status 1 if anything failed.
#
# Usage: BUILD=build tests/run.sh [PATTERN]   (PATTERN filters file names)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export BUILD=${BUILD:-build}
pattern=${1:-}
passed=0
failed=0
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

# record NAME PASSED FAILED EXIT LOG FAILURE-PATTERN: add a test file's
# counts to the totals (a non-zero exit without a failed test counts as
# one failure) and print its line, with the failure lines of its log.
record() {
    local name=$1 p=$2 f=$3 rc=$4 out=$5 pattern=$6
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -eq 0 ]; then
        printf '  %-28s %3d passed\n' "$name" "$p"
    else
        printf '  %-28s %3d passed, %d FAILED (exit %d):\n' "$name" "$p" "$f" "$rc"
        grep -E -A3 "$pattern" "$out" | head -40 | sed 's/^/      /'
    fi
}

# One unit-test binary: cmocka prints "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)" per group; a binary may run several groups.
run_unit() {
    local bin=$1 name out rc p f
    name=$(basename "$bin")
    out=$log_dir/$name.log
    timeout 300 "$bin" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s += $1} END {print s + 0}')
    record "$name" "$p" "$f" "$rc" "$out" '^\[  ERROR   \]|^\[  FAILED  \] [a-z]|ERROR: AddressSanitizer|runtime error'
}

# One integration script: TAP lines "ok N - ..." / "not ok N - ...".
run_integration() {
    local script=$1 name out rc
    name=$(basename "$script" .sh)
    out=$log_dir/$name.log
    timeout 600 bash "$script" >"$out" 2>&1
    rc=$?
    record "$name" "$(grep -c '^ok ' "$out")" "$(grep -c '^not ok ' "$out")" "$rc" "$out" \
        '^not ok |Bail out'
}

echo "unit tests ($BUILD/tests):"
for bin in "$BUILD"/tests/test_*; do
    [ -x "$bin" ] || continue
    case $bin in *"$pattern"*) run_unit "$bin" ;; esac
done
echo "integration tests (tests/integration):"
for script in tests/integration/test_*.sh; do
    case $script in *"$pattern"*) run_integration "$script" ;; esac
done
echo "logs: $log_dir/"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
