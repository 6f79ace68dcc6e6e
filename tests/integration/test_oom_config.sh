#!/usr/bin/env bash
# test_oom_config - running out of memory while copying a configuration
# value gives a clear error and exit status 1, never a crash (issue 11,
# Low: unchecked allocations). tests/tools/fail-strdup.c (LD_PRELOAD)
# fails the 1st, 2nd, ... copy of the province "96": the reader's (ini.c),
# the key table's (keytable.c), config.c's and pipeline.c's. Before the
# fix the 2nd and 3rd left the province NULL, every check passed, and
# pipeline_new crashed in strdup(NULL) (exit 139).
#
# The shim needs the plain build: an ASan binary refuses a preload that
# comes before its runtime, so the ASan build skips (counted as skipped).
source "$(dirname "$0")/lib.sh"

if [[ "$BUILD" == *asan* ]]; then
    echo "ok 1 - out-of-memory copies of a configuration value # SKIP LD_PRELOAD shim needs the plain build"
    echo "1..1"
    exit 0
fi
shim=$tmp/fail-strdup.so
cc -shared -fPIC -O1 -o "$shim" tests/tools/fail-strdup.c -ldl || echo "Bail out! cannot build the shim"
conf=$tmp/conf
make_conf "$conf"

run_failing() { # N: iocd --once with the Nth copy of "96" failing; sets rc
    FAIL_STRDUP_TEXT=96 FAIL_STRDUP_NTH=$1 LD_PRELOAD=$shim timeout 30 "$IOCD" --once \
        -c "$conf/iocd.conf" >"$tmp/oom$1.out" 2>"$tmp/oom$1.err"
    rc=$?
}
run_failing 1
same 1 "$rc" "1st copy (the INI reader) fails: exit 1"
contains "$tmp/oom1.err" "iocd.conf:2: out of memory" "1st copy: 'FILE:LINE: out of memory'"
run_failing 2
same 1 "$rc" "2nd copy (the key table) fails: exit 1, no crash"
contains "$tmp/oom2.err" "iocd.conf:2: 'province': out of memory" "2nd copy: names file:line and the key"
run_failing 3
same 1 "$rc" "3rd copy (config.c) fails: exit 1, no crash"
contains "$tmp/oom3.err" "iocd.conf:2: 'province': out of memory" "3rd copy: names file:line and the key"
run_failing 4
same 1 "$rc" "4th copy (pipeline.c) fails: exit 1"
contains "$tmp/oom4.err" "cannot set up the sinks: out of memory" "4th copy: says what could not be set up"
run_failing 99
same 0 "$rc" "no copy failing: iocd --once runs (exit 0), so the failures above are the shim's"
finish
