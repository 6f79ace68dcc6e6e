#!/usr/bin/env bash
# test_faults - bad feed input against a running daemon: invalid JSON, HTTP
# 500, 503 with Retry-After, a body over max_body, a truncated body, a slow
# body past the timeout, records with a wrong type, a missing field or a
# null, pre-2025 commune codes. For each: the daemon keeps running, logs a
# line naming the connector and the reason, counts it, recovers on the next
# poll, and a second connector on a healthy feed keeps publishing.
source "$(dirname "$0")/lib.sh"

start_feedsim GOOD --seed 1 --records 3
start_feedsim BAD --seed 2 --records 4 --huge-size 1MiB --slow-ms 6000
conf=$tmp/conf
make_conf "$conf"
add_example "$conf" good "$FEED_GOOD/example"
add_example "$conf" bad "$FEED_BAD/example" "max_body = 64k" "timeout = 2s" "backoff_max = 1s"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

check "the good connector publishes" wait_for 15 at_least 1 "$out" '"source":"good"'
check "the bad connector publishes" wait_for 15 at_least 1 "$out" '"source":"bad"'

# inject MODE EXPECTED-TEXT [recovers] [FILE]: one faulty answer from the
# bad feed; EXPECTED-TEXT must appear in FILE (default: iocd's log).
inject() {
    local mode=$1 text=$2 where=${4:-$err} good_before recovered_before
    good_before=$(count_lines "$out" '"source":"good"')
    recovered_before=$(count_lines "$err" "bad: status degraded -> ok")
    same 200 "$(feed_control "$FEED_BAD" "endpoint=example&fault=$mode&count=1")" "$mode: armed"
    if wait_for 20 at_least 1 "$where" "$text"; then
        pass "$mode: logged '$text'"
    else
        fail "$mode: logged '$text'"
        tail -5 "$where" | sed 's/^/#   /'
    fi
    check "$mode: iocd is still running" kill -0 "$IOCD_PID"
    check "$mode: the good connector keeps publishing" \
        wait_for 15 at_least $((good_before + 4)) "$out" '"source":"good"'
    if [ "${3:-}" = recovers ]; then
        check "$mode: the bad connector recovers on the next poll (status degraded -> ok)" \
            wait_for 20 at_least $((recovered_before + 1)) "$err" "bad: status degraded -> ok"
    fi
}

inject invalid-json "error: bad: invalid JSON at line" recovers
inject http500 "warning: bad: GET $FEED_BAD/example: HTTP status 500" recovers
inject http503 "info: bad: server asked to retry after 2 s; waiting" recovers
inject huge "warning: bad: GET $FEED_BAD/example: response body larger than 65536 bytes" recovers
inject truncated "warning: bad: GET $FEED_BAD/example: transfer closed" recovers
inject slow "warning: bad: GET $FEED_BAD/example: no complete answer within" recovers
# Record-level faults: the poll succeeds, only the bad record is skipped.
inject wrong-type "field 'received' is not a number; record skipped"
inject missing-field "field 'received' is missing; record skipped"
inject nulls "field 'onTimePct' is null; record skipped"
inject old-codes '"mapped_from":' no "$out"
check "old codes: published under the current code with mapped_from" \
    jqe -s '[.[] | select(.area.mapped_from)] | length >= 2 and
            all(.area.code != .area.mapped_from and (.area.code | test("^[0-9]{5}$")))' "$out"

# Counters: SIGUSR1 logs them.
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "info: bad: counters:"
bad_counters=$(grep -F "info: bad: counters:" "$err" | tail -1)
good_counters=$(grep -F "info: good: counters:" "$err" | tail -1)
echo "# $bad_counters"
echo "# $good_counters"
check "bad counters: 6 failed polls (invalid JSON, 500, 503, huge, truncated, slow)" \
    grep -q "polls_failed=6 " <<<"$bad_counters"
check "bad counters: 5 failed HTTP requests" grep -q "http_failures=5 " <<<"$bad_counters"
check "bad counters: 3 rejected records (wrong type, missing field, null)" \
    grep -q "rejected=3 " <<<"$bad_counters"
check "good counters: no failed poll, nothing rejected" \
    grep -q "polls_failed=0 metrics=[0-9]* rejected=0 " <<<"$good_counters"
valid_records "$out" "every record published during the faults is valid against the schema"

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
finish
