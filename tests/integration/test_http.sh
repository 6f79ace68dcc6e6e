#!/usr/bin/env bash
# test_http - the daemon's HTTP layer as a connector sees it: bearer token
# read from a secret file (and never logged), 401 without it, conditional
# requests (a 304 keeps the values: nothing re-published, counted as
# not-modified), and Retry-After honoured.
source "$(dirname "$0")/lib.sh"

start_feedsim T --records 2 --token 's3cr3t-t0ken'
conf=$tmp/conf
make_conf "$conf"
printf 's3cr3t-t0ken\n' >"$conf/feed.token"
add_example "$conf" authed "$FEED_T/example" "token_file = feed.token"
add_example "$conf" anonymous "$FEED_T/example"
"$IOCD" -c "$conf/iocd.conf" --once --log-level debug >"$tmp/once.out" 2>"$tmp/once.err"
same 1 "$?" "--once exits 1: one instance has no token"
same 4 "$(grep -c '"source":"authed"' "$tmp/once.out")" "the instance with token_file publishes 4 metrics"
contains "$tmp/once.err" "warning: anonymous: GET $FEED_T/example: HTTP status 401" \
    "the instance without a token logs the 401"
check "the token never appears in the log" bash -c "! grep -q s3cr3t '$tmp/once.err'"
"$IOCD" -c "$conf/iocd.conf" --describe example | grep -q s3cr3t
same 1 "$?" "nor in --describe"

# Conditional requests: with the feed frozen, polls after the first get
# 304 and publish nothing new.
start_feedsim F --records 3
same 200 "$(feed_control "$FEED_F" 'endpoint=example&freeze=1')" "feed frozen"
make_conf "$tmp/cond"
add_example "$tmp/cond" cond "$FEED_F/example"
start_iocd cond -c "$tmp/cond/iocd.conf" --log-level debug
check "three polls answered 304 (not modified)" \
    wait_for 20 at_least 3 "$tmp/cond.err" "cond: GET $FEED_F/example: not modified"
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$tmp/cond.err" "cond: counters:"
same 6 "$(grep -c '"source":"cond"' "$tmp/cond.out")" "the first poll's 6 metrics are published once, not again"
check "counters show the not-modified answers and no failure" \
    grep -qE "cond: counters: polls_ok=[4-9][0-9]* polls_failed=0 metrics=6 .*http_not_modified=[3-9]" "$tmp/cond.err"
same 200 "$(feed_control "$FEED_F" 'endpoint=example&freeze=0')" "feed unfrozen"
check "new data is published again" wait_for 10 at_least 12 "$tmp/cond.out" '"source":"cond"'
stop_pid "$IOCD_PID"

# Retry-After: after a 429 with Retry-After: 2, the next poll waits 2 s
# although the backoff alone would retry after 1 s.
same 200 "$(feed_control "$FEED_F" 'endpoint=example&fault=http429&count=1')" "429 armed"
start_iocd retry -c "$tmp/cond/iocd.conf" --log-level debug
check "the 429 is logged" wait_for 10 at_least 1 "$tmp/retry.err" "HTTP status 429 (with Retry-After)"
check "Retry-After is honoured: 'server asked to retry after 2 s'" \
    wait_for 10 at_least 1 "$tmp/retry.err" "server asked to retry after 2 s; waiting"
check "and the poll after it succeeds" wait_for 10 at_least 1 "$tmp/retry.err" "status degraded -> ok"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd exits 0 on SIGTERM"
finish
