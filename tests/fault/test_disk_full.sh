#!/usr/bin/env bash
# test_disk_full - issue 15 items 4 and 7: the outbox's filesystem fills up
# (a small tmpfs: mounting needs root, as in CI and on the dev machines).
#  A. mosquitto down, the MQTT backlog fills the 12 MiB disk: the oldest
#     segments are dropped (counted in dropped_full, told in a warning);
#  B. mosquitto back and drained, a ballast file takes every free byte:
#     appends fail, counted (io_errors, refused), failing=yes, iocd keeps
#     running; the ballast removed, "writing works again" and the stream
#     goes on.
# The documented policy allows losing only what it counted: per sink,
# lost <= dropped_full (refused records were never committed, so they are
# not in the trace). Both figures are printed.
source "$(dirname "$0")/lib_fault.sh"

if [ "$DURABLE" != 1 ]; then
    echo "1..0 # SKIP this iocd has no durable outbox"
    exit 0
fi
mkdir -p "$tmp/disk"
if ! mount -t tmpfs -o size=12m tmpfs "$tmp/disk" 2>"$tmp/mount.err"; then
    echo "1..0 # SKIP cannot mount a tmpfs here ($(cat "$tmp/mount.err"); needs root)"
    exit 0
fi
MOUNTED=$tmp/disk
OUTBOX=$tmp/disk/outbox OUTBOX_EXTRA="segment_size = 1MiB"
# counter_now NAME: NAME=... of a fresh outbox counters line.
counter_now() { outbox_counters | sed -n "s/.* $1=\([0-9a-z]*\).*/\1/p"; }
counter_above() { [ "$(counter_now "$1")" -gt "$2" ]; }
fault_brokers
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))

# A. the backlog fills the disk
mosquitto_stop M
check "A: the MQTT backlog fills the disk: oldest segments dropped (dropped_full > 0)" \
    wait_for 60 counter_above dropped_full 0
check "A: the drop is told" wait_for 70 at_least 1 "$ERR" "records dropped with the oldest segments before every sink had them"
echo "# A: $(untimed <(outbox_counters))"
mosquitto_restart M
check "A: iocd delivers to MQTT again" wait_for 30 at_least 1 "$ERR" "sink mqtt: connected"
check "A: the backlog drains (2 segments or fewer)" wait_for 60 bash -c "[ \$(ls '$OUTBOX' | grep -c '\\.seg$') -le 2 ]"

# B. nothing left to drop: a ballast takes every free byte, and again
# whatever the dropped segments free (at most 100 times, 0.2 s apart),
# until appends fail with nothing left to drop: failing=yes.
fill() { dd if=/dev/zero of="$tmp/disk/ballast" bs=64k oflag=append conv=notrunc 2>/dev/null; }
failing_now() { fill; [ "$(counter_now failing)" = yes ]; }
check "B: the disk stays full: failing=yes" wait_for 20 failing_now
df -k "$tmp/disk" | tail -1 | sed 's/^/# B: ballast written: /'
check "B: appends are refused (refused > 0)" counter_above refused 0
check "B: ENOSPC is told" grep -q "cannot .*: No space left on device" "$ERR"
line=$(untimed <(outbox_counters))
echo "# B: $line"
check "B: io_errors counted" grep -qE "io_errors=[1-9]" <<<"$line"
check "B: iocd keeps running" kill -0 "$IOCD_PID"
rm -f "$tmp/disk/ballast"
check "B: space back: 'writing works again'" wait_for 30 at_least 1 "$ERR" "writing works again"
check "B: iocd streams again" iocd_publishing $((2 * PER_POLL))
line=$(untimed <(outbox_counters))
dropped=$(sed -n 's/.* dropped_full=\([0-9]*\).*/\1/p' <<<"$line")
refused=$(sed -n 's/.* refused=\([0-9]*\).*/\1/p' <<<"$line")
echo "# counted: dropped_full=$dropped refused=$refused"
# Untraced: records refused (never committed) can still reach MQTT when a
# fresh broker session makes the sink re-publish each series' last value
# from the series state: at most the refused count.
fault_end disk_full --lost-max "$dropped" --untraced-max "$refused"
finish
