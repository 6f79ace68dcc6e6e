#!/usr/bin/env bash
# test_rss_outage - issue 15 item 4: memory stays bounded by the sinks'
# in-memory windows, not by the backlog. mosquitto is stopped while iocd
# streams; the backlog grows on disk (disk_bytes, backlog mqtt=...B) while
# iocd's VmHWM stays <= 64 MiB; after mosquitto returns every committed
# record reaches both sinks.
# Long form (FAULT_LONG=1): 10 minutes at 20,000 metrics/s offered
# (FAULT_RSS_RATE), max_disk 16 GiB so nothing is dropped. Short form: 15 s
# at FAULT_RATE. VmRSS is sampled every 5 s and printed. Under ASan the
# bound does not apply (shadow memory, quarantine): that one check is a
# counted skip.
source "$(dirname "$0")/lib_fault.sh"

if [ "$DURABLE" != 1 ]; then
    echo "1..0 # SKIP this iocd has no durable outbox (the memory outbox drops, by design)"
    exit 0
fi
secs=15 rate=$FAULT_RATE
if [ "$FAULT_LONG" = 1 ]; then
    secs=600 rate=${FAULT_RSS_RATE:-20000}
    OUTBOX_EXTRA="max_disk = 16GiB"
    FAULT_DRAIN_S=1500
fi
fault_brokers
fault_conf "$rate"
iocd_start
check "iocd streams to both sinks ($rate metrics/s offered)" iocd_publishing $((2 * PER_POLL))
before=$(emitted_now)
t0=$(date +%s)
mosquitto_stop M
echo "# mosquitto down for $secs s"
rss_max=0 samples=()
for ((i = 0; i < secs / 5; i++)); do
    sleep 5
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$IOCD_PID/status")
    [ "${rss:-0}" -gt "$rss_max" ] && rss_max=$rss
    ((i % 12 == 11 || i == secs / 5 - 1)) && samples+=("$((i * 5 + 5))s:$((rss / 1024))MiB")
done
committed=$(($(emitted_now) - before))
echo "# during the outage: $committed records committed in $(($(date +%s) - t0)) s" \
    "($((committed / ($(date +%s) - t0))) /s); VmRSS samples ${samples[*]}; max $((rss_max / 1024)) MiB"
line=$(untimed <(outbox_counters))
echo "# $line"
check "the backlog is on disk (backlog mqtt > 0)" grep -qE "backlog mqtt=[1-9][0-9]*B" <<<"$line"
peak=$(hwm "$IOCD_PID")
if [[ "$BUILD" == *asan* ]]; then
    echo "ok $((n += 1)) - VmHWM ${peak} kB # SKIP the 64 MiB bound does not apply to an ASan build"
else
    check "iocd's VmHWM through the outage: $((peak / 1024)) MiB <= 64 MiB" test "$peak" -le $((64 * 1024))
fi
mosquitto_restart M
check "iocd delivers to MQTT again" wait_for 30 at_least 1 "$ERR" "sink mqtt: connected"
fault_end rss_outage
finish
