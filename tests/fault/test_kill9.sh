#!/usr/bin/env bash
# test_kill9 - issue 15 item 7: iocd killed with SIGKILL at random points
# of a stream to both sinks (>= 5,000 metrics/s offered), restarted each
# time on the same configuration and outbox; every committed record must
# reach both sinks (at-least-once: duplicates reported, bounded by what was
# in flight). Short form: 3 kills 1-4 s apart; long form: 10 kills 2-10 s
# apart. The delays come from FAULT_SEED (printed), so a failure replays.
# A kill between a commit's fsync and its trace line leaves that commit's
# records "untraced": at most one commit (one poll, PER_POLL records) per
# kill.
source "$(dirname "$0")/lib_fault.sh"

kills=3 min_ms=1000 span_ms=3000
[ "$FAULT_LONG" = 1 ] && kills=10 min_ms=2000 span_ms=8000
fault_brokers
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))
delays=()
for ((k = 1; k <= kills; k++)); do
    ms=$((min_ms + (RANDOM * 32768 + RANDOM) % span_ms))
    delays+=("$ms")
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    iocd_stop KILL
    iocd_start
done
echo "# kill -9 after (ms, seed $FAULT_SEED): ${delays[*]}"
check "after $kills kills iocd streams again" iocd_publishing $((2 * PER_POLL))
restarts=$(cat "$tmp"/iocd.*.err | grep -cF "info: iocd: started" || true)
fault_end kill9 --untraced-max $((kills * PER_POLL))
finish
