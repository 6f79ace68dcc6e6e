#!/usr/bin/env bash
# test_sigterm_backlog - issue 15 item 7: SIGTERM while mosquitto is down
# and a backlog waits for it: iocd exits by itself within shutdown_timeout
# (5 s here; stop_pid would SIGKILL after 10 s: exit status 0 means it did
# not), and the next start, once mosquitto is back, delivers the backlog:
# lost 0 over both runs. The time to exit is measured and printed.
source "$(dirname "$0")/lib_fault.sh"

fault_brokers
fault_conf
sed -i 's/^shutdown_timeout = .*/shutdown_timeout = 5s/' "$conf/iocd.conf"
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))
mosquitto_stop M
check "a backlog builds while mosquitto is down" iocd_publishing $((3 * PER_POLL))
feed_stop
hwm "$IOCD_PID" >/dev/null
t0=$(date +%s%N)
iocd_stop TERM
echo "# SIGTERM with mosquitto down: iocd exited after $((($(date +%s%N) - t0) / 1000000)) ms (shutdown_timeout 5 s)"
same 0 "$stop_rc" "SIGTERM with a backlog: iocd exits by itself with status 0"
untimed "$ERR" | grep -F "info: iocd: stopped: " | tail -1 | sed 's/^/# /'
mosquitto_restart M
iocd_start
check "the next start delivers (the feed is stopped: only the backlog)" \
    wait_for 60 at_least 1 "$ERR" "sink mqtt: connected"
fault_end sigterm_backlog
finish
