#!/usr/bin/env bash
# test_reload - SIGHUP restarts only what changed (issue 16, Deliver 4).
#
# Two example instances, a and b, each polling its own feed simulator once
# an hour (so every poll after the first comes from a restart); polls are
# counted by the feeds themselves (/_stats) and by iocd's counters
# (SIGUSR1). Checks:
# - a SIGHUP with nothing changed restarts nothing and says nothing of the
#   sinks;
# - editing b's file re-polls b only (feed B 2 requests, feed A still 1),
#   and b's counters are carried over (polls_ok=2, metrics=8, not 1 and 4);
# - a comment-only edit of a's file restarts nothing (the parsed values
#   are compared, not the bytes);
# - changing [outbox] logs "sink settings changed in FILE ..." once and
#   restarts no connector;
# - changing what every instance shares (timezone) restarts both, counters
#   still carried;
# - removing b's file stops b (it says so) and keeps a.
source "$(dirname "$0")/lib.sh"

start_feedsim A --records 2
start_feedsim B --records 2
conf=$tmp/conf
make_conf "$conf"
add_example "$conf" a "$FEED_A/example" "interval = 1h"
add_example "$conf" b "$FEED_B/example" "interval = 1h"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

# requests FEED: how many requests its /example answered.
requests() { "${CURL[@]}" "$1/_stats" | jq -r '.endpoints.example.requests'; }
# polled FEED N: the feed has answered N requests.
polled() { [ "$(requests "$1")" == "$2" ]; }
# counters NAME: its polls_ok and metrics from a fresh SIGUSR1 counters line.
counters() {
    local before
    before=$(count_lines "$err" "info: $1: counters:")
    kill -USR1 "$IOCD_PID"
    wait_for 10 at_least $((before + 1)) "$err" "info: $1: counters:" || return 1
    echo "polls_ok=$(counter "$err" "info: $1: counters:" polls_ok) metrics=$(counter "$err" "info: $1: counters:" metrics)"
}
# reload: SIGHUP, then wait for the Nth "configuration reloaded" line.
reloads=0
reload() {
    reloads=$((reloads + 1))
    kill -HUP "$IOCD_PID"
    wait_for 10 at_least "$reloads" "$err" "configuration reloaded: 2 connector instances"
}

check "a polls once at start" wait_for 10 polled "$FEED_A" 1
check "b polls once at start" wait_for 10 polled "$FEED_B" 1
check "both publish" wait_for 10 bash -c "grep -q '\"source\":\"a\"' '$out' && grep -q '\"source\":\"b\"' '$out'"

### SIGHUP, nothing changed ###################################################
check "SIGHUP without a change is applied" reload
contains "$err" "info: a: configuration unchanged: keeps running, no new poll" "a is kept running"
contains "$err" "info: b: configuration unchanged: keeps running, no new poll" "b is kept running"
same 0 "$(count_lines "$err" "sink settings")" "the sinks are not mentioned (their settings did not change)"

### edit b's file: only b re-polls, its counters carried ######################
echo "on_time_target = 50" >>"$conf/connectors.d/b.conf"
check "SIGHUP after editing b.conf is applied" reload
contains "$err" "info: b: configuration changed: restarting" "b is restarted"
check "b re-polls: feed B has answered 2 requests" wait_for 10 polled "$FEED_B" 2
same 1 "$(requests "$FEED_A")" "a does not re-poll: feed A has still answered 1 request"
same 2 "$(count_lines "$err" "info: a: configuration unchanged")" "a is kept running (second time)"
same 1 "$(count_lines "$err" "info: a: started:")" "a started once in all"
same 2 "$(count_lines "$err" "info: b: started:")" "b started twice"
same "polls_ok=2 metrics=8" "$(counters b)" "b's counters survive the reload (2 polls, 8 metrics since start-up)"
same "polls_ok=1 metrics=4" "$(counters a)" "a's counters are its own (1 poll, 4 metrics)"
same 0 "$(count_lines "$err" "sink settings")" "the sinks are still not mentioned"

### a comment-only edit restarts nothing #######################################
printf '; a comment, and the same values\n' >>"$conf/connectors.d/a.conf"
check "SIGHUP after a comment-only edit is applied" reload
same 3 "$(count_lines "$err" "info: a: configuration unchanged")" "a comment does not restart a"
same "1 2" "$(requests "$FEED_A") $(requests "$FEED_B")" "no feed is polled again"

### sink settings: said, and nothing restarted ################################
printf '\n[outbox]\ncapacity = 5000\n' >>"$conf/iocd.conf"
check "SIGHUP after changing [outbox] is applied" reload
same 1 "$(count_lines "$err" "warning: iocd: sink settings changed in $conf/iocd.conf: they are read at start-up only; restart iocd to apply them")" \
    "the change of sink settings is said once, naming the file"
same "4 3" "$(count_lines "$err" "info: a: configuration unchanged") $(count_lines "$err" "info: b: configuration unchanged")" \
    "no connector is restarted for a sink change"
same "1 2" "$(requests "$FEED_A") $(requests "$FEED_B")" "no feed is polled again"

### what every instance shares: both restart, counters still carried ##########
sed -i '/^\[iocd\]$/a timezone = +08:00' "$conf/iocd.conf"
check "SIGHUP after changing the timezone is applied" reload
contains "$err" "every connector restarts" "a shared setting restarts every connector, and says so"
check "a re-polls (feed A: 2 requests)" wait_for 10 polled "$FEED_A" 2
check "b re-polls (feed B: 3 requests)" wait_for 10 polled "$FEED_B" 3
same "polls_ok=2 metrics=8" "$(counters a)" "a's counters carried: 2 polls, 8 metrics"
same "polls_ok=3 metrics=12" "$(counters b)" "b's counters carried: 3 polls, 12 metrics"
same 1 "$(count_lines "$err" "sink settings changed")" "the sinks are not mentioned again"

### a removed instance stops; the other is kept ###############################
rm "$conf/connectors.d/b.conf"
kill -HUP "$IOCD_PID"
check "SIGHUP after removing b.conf is applied" \
    wait_for 10 at_least 1 "$err" "configuration reloaded: 1 connector instance"
contains "$err" "info: b: no longer configured: stopping" "b says it stops"
same 5 "$(count_lines "$err" "info: a: configuration unchanged")" "a is kept running"
same "2 3" "$(requests "$FEED_A") $(requests "$FEED_B")" "no feed is polled again"

check "iocd still runs" kill -0 "$IOCD_PID"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly"
contains "$err" "info: a: counters: polls_ok=2 polls_failed=0 metrics=8" "a's last counters line counts since start-up"
[ "$failed" -eq 0 ] || sed 's/^/#   err: /' "$err" | tail -40
finish
