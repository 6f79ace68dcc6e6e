#!/usr/bin/env bash
# test_signals - the running daemon's life cycle: sd_notify traffic
# (READY, STATUS, WATCHDOG, RELOADING, STOPPING) seen through a stand-in
# notification socket, SIGHUP with a valid configuration (applied) and an
# invalid one (refused, every error logged, the old configuration keeps
# running), and SIGTERM during a poll stuck on a slow feed (aborted, exit 0
# within the shutdown bound).
source "$(dirname "$0")/lib.sh"
NOTIFY_LISTEN=$top/$BUILD/tools/notify-listen

start_feedsim A --records 2 --slow-ms 20000
conf=$tmp/conf
make_conf "$conf"
add_example "$conf" first "$FEED_A/example"

"$NOTIFY_LISTEN" "$tmp/notify.sock" >"$tmp/notify.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$tmp/notify.sock" || echo "Bail out! notify-listen did not start"
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=2000000 start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err

check "READY=1 is sent" wait_for 10 at_least 1 "$tmp/notify.log" "READY=1"
check "STATUS names the connector and its health" \
    wait_for 10 at_least 1 "$tmp/notify.log" "STATUS=1 connector: first ok"
check "WATCHDOG=1 pings arrive (WatchdogSec 2 s: every second)" \
    wait_for 10 at_least 2 "$tmp/notify.log" "WATCHDOG=1"
check "first publishes" wait_for 10 at_least 1 "$out" '"source":"first"'

# SIGHUP with a valid new configuration: a second instance appears.
add_example "$conf" second "$FEED_A/example"
kill -HUP "$IOCD_PID"
check "SIGHUP: RELOADING=1 is sent" wait_for 10 at_least 1 "$tmp/notify.log" "RELOADING=1"
check "SIGHUP: 'configuration reloaded: 2 connector instances' logged" \
    wait_for 10 at_least 1 "$err" "configuration reloaded: 2 connector instances"
check "SIGHUP: the new instance publishes" wait_for 10 at_least 1 "$out" '"source":"second"'
check "SIGHUP: READY=1 again after the reload" wait_for 10 at_least 2 "$tmp/notify.log" "READY=1"

# SIGHUP with a broken configuration: refused, errors logged, old one runs.
echo "intervall = 5s" >>"$conf/connectors.d/second.conf"
echo "plugin = exampel" >"$conf/connectors.d/third.conf"
kill -HUP "$IOCD_PID"
check "broken reload: every error is logged (misspelt key)" \
    wait_for 10 at_least 1 "$err" "second.conf:5: unknown key 'intervall' (did you mean 'interval'?)"
contains "$err" "third.conf:1: plugin 'exampel' not found" "broken reload: every error is logged (unknown plugin)"
contains "$err" "reload refused: the running configuration stays in effect" "broken reload: refused"
before=$(count_lines "$out" '"source":"second"')
check "broken reload: the old configuration keeps publishing" \
    wait_for 10 at_least $((before + 4)) "$out" '"source":"second"'
check "broken reload: iocd still runs" kill -0 "$IOCD_PID"

# SIGTERM while a poll waits on a slow body (20 s > shutdown_timeout 3 s).
rm -f "$conf/connectors.d/third.conf"
same 200 "$(feed_control "$FEED_A" 'endpoint=example&fault=slow')" "slow feed armed"
polls_before=$(count_lines "$err" "counters:")
sleep 2 # let both connectors enter a poll on the slow feed
start=$(date +%s)
stop_pid "$IOCD_PID"
elapsed=$(($(date +%s) - start))
same 0 "$stop_rc" "SIGTERM during a slow poll: exit status 0"
echo "# stopped in ${elapsed}s (shutdown_timeout 3s; stop_pid kills after 10s)"
contains "$err" "SIGTERM received: stopping" "SIGTERM is logged"
contains "$err" "stopped: " "the final line says how many metrics were published"
check "the in-flight transfer was aborted, not abandoned" bash -c "! grep -q abandoning '$err'"
check "STOPPING=1 is sent" at_least 1 "$tmp/notify.log" "STOPPING=1"
check "counters are logged on the way out" at_least $((polls_before + 1)) "$err" "counters:"
finish
