#!/usr/bin/env bash
# test.sh - the README's test command: install what is missing, build,
# run the whole suite in a normal build and again in an ASan+UBSan build,
# and end with one line "N passed, N failed, N skipped" for both together
# (the sums of the two runs' last lines, in tests/run.sh's form).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tools/deps.sh || exit 1

total_passed=0
total_failed=0
total_skipped=0
for variant in normal sanitize; do
    flags=()
    [ "$variant" = sanitize ] && flags=(SANITIZE=1)
    echo "== $variant build =="
    log=$(mktemp)
    make -j"$(nproc)" "${flags[@]}" check 2>&1 | tee "$log"
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
    rm -f "$log"
    if [ -z "$summary" ]; then
        echo "test.sh: the $variant build or its test run did not finish"
        total_failed=$((total_failed + 1))
        continue
    fi
    read -r p _ f _ s _ <<<"${summary//,/}"
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    total_skipped=$((total_skipped + s))
done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
