#!/usr/bin/env bash
# test_http_json_memory - hostile pages against http_json's memory caps,
# over feedsim's /hostile feed (tools/feedsim/feed_hostile.c), each against
# a running iocd whose peak memory (VmHWM of /proc/PID/status) is read once
# its first poll is over:
#  - one page of {},{},... just under max_body (16 MiB): parsed, it took
#    455 MiB before max_page_values existed;
#  - a walk of 12 gzip pages of the same (~16 KB each on the wire, each
#    decoded to 16 MiB): over 1 GiB before;
#  both must stay under the documented bound (256 MiB peak, docs/iocd.8),
#  fail the walk with a line naming the page, the bound and the key, count
#  a failed poll, and leave the daemon polling again;
#  - max_walk_records and max_walk_bytes fail a walk of good pages once the
#    walk goes past them, and a walk within them publishes every record.
source "$(dirname "$0")/lib.sh"

BOUND_KIB=$((256 * 1024)) # the daemon's documented peak under attack
# Under AddressSanitizer every block carries redzones and freed memory is
# held in quarantine (256 MiB by default): the quarantine is made small and
# the bound allows ASan's usual 3x, so the check still catches a page
# parsed whole (1.2 GiB and more before the caps).
if ldd "$IOCD" 2>/dev/null | grep -q libasan; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
    BOUND_KIB=$((3 * BOUND_KIB))
    echo "# AddressSanitizer build: bound $BOUND_KIB KiB, quarantine 8 MiB"
fi

start_feedsim H
same 200 "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$FEED_H/hostile?kind=records&n=1")" \
    "feedsim serves /hostile"

# instance NAME QUERY ["key = value"...]: an http_json instance reading
# /hostile?QUERY every second (records items[], area `area`, metric n).
instance() {
    local name=$1 query=$2 dir=$tmp/$1 line
    shift 2
    make_conf "$dir"
    sed -i 's/^\[iocd\]$/[iocd]\nlog_level = debug/' "$dir/iocd.conf"
    {
        printf '%s\n' "plugin = http_json" "url = $FEED_H/hostile?$query" "interval = 1s" \
            "timeout = 60s" "records = items[]" "area = area" \
            "metric.n.name = test.n" "metric.n.value = n" "metric.n.unit = count"
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$dir/connectors.d/$name.conf"
}
# attack NAME: run iocd on instance NAME until its second poll has ended
# (the first poll is over, the daemon polls again); sets $hwm (KiB).
attack() {
    local name=$1
    start_iocd "$name" -c "$tmp/$name/iocd.conf"
    if wait_for 300 at_least 2 "$tmp/$name.err" "debug: $name: poll "; then
        pass "$name: the daemon polls again after the first poll"
    else
        fail "$name: the daemon polls again after the first poll"
        tail -5 "$tmp/$name.err" | sed 's/^/#   /'
    fi
    hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$IOCD_PID/status" 2>/dev/null)
    echo "# $name: iocd peak VmHWM ${hwm:-?} KiB (bound $BOUND_KIB KiB)"
    check "$name: iocd's peak memory (VmHWM ${hwm:-?} KiB) stays under $((BOUND_KIB / 1024)) MiB" \
        test "${hwm:-999999999}" -le "$BOUND_KIB"
    stop_pid "$IOCD_PID"
    same 0 "$stop_rc" "$name: iocd was still running and stops cleanly"
}

### one 16 MiB page of {}, ##################################################
instance empties "kind=empties&mib=16"
attack empties
contains "$tmp/empties.err" \
    "error: empties: page 1: its 16777214 bytes would take more than 134217728 bytes once parsed (max_page_memory); nothing of this walk is published" \
    "empties: the walk fails naming the page, the bound and the key"
contains "$tmp/empties.err" "debug: empties: poll failed: 0 metrics" \
    "empties: the poll counts as failed, nothing is published"
contains "$tmp/empties.err" "info: empties: counters: polls_ok=0 polls_failed=" \
    "empties: the failed walks are counted (polls_failed)"

### 12 gzip pages of {}, ####################################################
instance gzip "kind=empties&mib=16&gzip=1&pages=12" "pagination = page" "page_param = page"
attack gzip
zbytes=$("${CURL[@]}" -o /dev/null -w '%{size_download}' "$FEED_H/hostile?kind=empties&gzip=1")
echo "# gzip: one page is $zbytes bytes on the wire"
check "gzip: a page is a bomb (under 64 KB on the wire for 16 MiB)" test "$zbytes" -lt 65536
contains "$tmp/gzip.err" \
    "error: gzip: page 1: its 16777214 bytes would take more than 134217728 bytes once parsed (max_page_memory); nothing of this walk is published" \
    "gzip: the decoded page is refused before it is parsed"

### 12 gzip pages of 150,000 good records ###################################
# Each page passes max_page_memory (about 75 MiB parsed); the walk's records
# add up until max_walk_records (500,000) stops it on page 4.
instance recgz "kind=records&n=150000&gzip=1&pages=12" "pagination = page" "page_param = page"
attack recgz
contains "$tmp/recgz.err" \
    "error: recgz: page 4: the walk holds more than 500000 records (max_walk_records); nothing of this walk is published" \
    "recgz: the walk fails at the page that passes max_walk_records"
contains "$tmp/recgz.err" "info: recgz: counters: polls_ok=0 polls_failed=" \
    "recgz: the failed walk is counted (polls_failed) and nothing succeeded"

### per-walk bounds on good pages ###########################################
# once NAME QUERY ["key = value"...]: the instance with --once.
once() {
    instance "$@"
    "$IOCD" -c "$tmp/$1/iocd.conf" --once >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
}
PAGED=("pagination = page" "page_param = page")
once within "kind=records&n=400&pages=3" "${PAGED[@]}" "max_walk_records = 1200" \
    "max_walk_bytes = 64k"
same 0 "$rc" "within: a walk of exactly max_walk_records records completes"
same 1200 "$(wc -l <"$tmp/within.out")" "within: all 1200 records are published"

once records "kind=records&n=400&pages=3" "${PAGED[@]}" "max_walk_records = 1000"
same 1 "$rc" "records: a walk past max_walk_records fails"
same 0 "$(wc -l <"$tmp/records.out")" "records: nothing of it is published"
contains "$tmp/records.err" \
    "error: records: page 3: the walk holds more than 1000 records (max_walk_records); nothing of this walk is published" \
    "records: the line names the page, the bound and the key"

once bytes "kind=records&n=400&pages=3" "${PAGED[@]}" "max_walk_bytes = 20k"
same 1 "$rc" "bytes: a walk past max_walk_bytes fails"
same 0 "$(wc -l <"$tmp/bytes.out")" "bytes: nothing of it is published"
contains "$tmp/bytes.err" \
    "error: bytes: page 3: the walk's pages hold more than 20480 bytes (max_walk_bytes); nothing of this walk is published" \
    "bytes: the line names the page, the bound and the key"

finish
