#!/usr/bin/env bash
# callgrind.sh - instructions iocd spends per metric on the MQTT path,
# counted by callgrind (not timed: the count does not depend on how busy
# this shared machine is, so two builds compare in one run).
#
# One mosquitto and one feedsim (/bench, N cells, 2 metrics each) on
# 127.0.0.1, free ports; then, for each iocd binary given, one
# `iocd --once` under valgrind --tool=callgrind with only [sink.mqtt]
# (QoS 1 retained, on_change = false: every observation is published, as
# in make bench). --once polls, then delivers everything before it exits,
# so the count covers fetch, parse, normalize, outbox and every PUBACK.
# Prints, per binary: instructions in all, per delivered metric, the
# delivered count (must equal 2 N) and the top functions by inclusive
# count (callgrind_annotate). Callgrind counts user-space instructions
# only: the MQTT path's cost is mostly system calls and thread wake-ups,
# so each binary also runs CALLGRIND_NATIVE times (default 3) without
# valgrind under /usr/bin/time: user and system CPU seconds and
# voluntary context switches (a thread going to sleep: the wake-ups)
# per run. Every process is stopped by PID.
#
# Usage: BUILD=build tests/bench/callgrind.sh [IOCD...]
#   (default: $BUILD/iocd; each binary's plugins are read from
#   DIR/connectors beside it). CALLGRIND_RECORDS = N (default 20000).
set -u
source "$(dirname "$0")/../integration/lib.sh" # cd's to the top; helpers, cleanup

RECORDS=${CALLGRIND_RECORDS:-20000}
TEMPLATE=$top/tests/bench/http_json_bench.conf.in
[ $# -gt 0 ] || set -- "$top/$BUILD/iocd"
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

start_mosquitto broker
start_feedsim bench --records "$RECORDS"

status=0
for bin in "$@"; do
    dir=$tmp/conf.$RANDOM
    mkdir -p "$dir/connectors.d"
    cat >"$dir/iocd.conf" <<CONF
[iocd]
province = 96
plugin_path = $(dirname "$bin")/connectors
state_dir = $dir/state
gazetteer = $GAZETTEER
shutdown_timeout = 120s
stats_interval = 0

[sink.mqtt]
enabled = true
port = $MQTT_PORT_broker
on_change = false
CONF
    sed -e "s|@FEED@|$FEED_bench|g" -e "s|@RECORDS@|$RECORDS|g" -e "s|@INTERVAL@|1s|g" \
        -e "s|@TIMEOUT@|120s|g" "$TEMPLATE" >"$dir/connectors.d/bench.conf"
    echo "## $bin"
    for ((i = 0; i < ${CALLGRIND_NATIVE:-3}; i++)); do
        rm -rf "$dir/state"
        /usr/bin/time -o "$dir/time" -f '%U %S %w %c' timeout 300 "$bin" --once \
            -c "$dir/iocd.conf" >/dev/null 2>"$dir/err.native"
        read -r user sys vol invol <"$dir/time"
        echo "native run $i: user ${user}s sys ${sys}s voluntary_ctx_switches $vol" \
            "involuntary $invol; MQTT delivered $(counter "$dir/err.native" 'sink mqtt: queued=' delivered)"
    done
    rm -rf "$dir/state"
    out=$dir/callgrind.out
    timeout 900 valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" --once \
        -c "$dir/iocd.conf" >/dev/null 2>"$dir/err"
    rc=$?
    total=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out" 2>/dev/null)
    delivered=$(counter "$dir/err" 'sink mqtt: queued=' delivered)
    echo "exit status $rc; MQTT delivered ${delivered:-?} of $((2 * RECORDS))"
    if [ -n "$total" ] && [ "${delivered:-0}" -gt 0 ]; then
        awk -v t="$total" -v d="$delivered" \
            'BEGIN {printf "instructions: %d in all, %.0f per delivered metric\n", t, t / d}'
        callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ .*(\[|TOTALS)' |
            grep -E "${CALLGRIND_SHOW:-TOTALS|ioc_emit|normalize_encode|mosquitto_|outbox_|pipeline_|mqtt_|pthread_cond|__libc_(write|send|recv|read)}" | head -30
    else
        status=1
        tail -5 "$dir/err"
    fi
    [ "${delivered:-0}" = $((2 * RECORDS)) ] || status=1
done
exit $status
