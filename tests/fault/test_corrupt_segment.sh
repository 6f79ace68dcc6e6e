#!/usr/bin/env bash
# test_corrupt_segment - issue 15 items 3 and 7: the newest segment of the
# outbox damaged while iocd is down. mosquitto is stopped first, so the
# MQTT sink has a backlog on disk; then:
#  1. iocd killed, one byte flipped in a record three quarters into the
#     newest segment: the restart logs "corrupt record at offset O (bad
#     CRC): skipped B bytes to the next valid record" with that frame's
#     offset and size;
#  2. iocd killed again, the newest segment (the restart's) cut in the
#     middle of its last record (a summary may follow it: cut too): the restart logs "torn tail at offset O
#     (...): truncated B bytes".
# The damaged records are read from the segment by tests/fault/segment.py
# before the damage; once mosquitto is back, everything else must reach
# both sinks (lost only among the damaged; how many of them is printed).
source "$(dirname "$0")/lib_fault.sh"

if [ "$DURABLE" != 1 ]; then
    echo "1..0 # SKIP this iocd has no durable outbox (no segments to damage)"
    exit 0
fi
SEG=$FAULT_DIR/segment.py
fault_brokers
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))
mosquitto_stop M
check "a backlog builds for MQTT while mosquitto is down" iocd_publishing $((3 * PER_POLL))
iocd_stop KILL
newest() { ls "$OUTBOX"/*.seg | sort | tail -1; }

# 1. a flipped byte in a record in the middle
seg=$(newest)
python3 "$SEG" frames "$seg" >"$tmp/frames1"
frames=$(wc -l <"$tmp/frames1")
read -r off size _ _ seq series < <(sed -n "$((frames * 3 / 4))p" "$tmp/frames1")
printf '%s\t%s\n' "$series" "$seq" >"$tmp/damaged"
echo "# $(basename "$seg"): $frames frames; flipping a byte of the frame at $off ($size bytes: $series seq $seq)"
python3 "$SEG" flip "$seg" $((off + 12 + 20))
iocd_start
check "flipped byte: the restart skips exactly that frame and says so" wait_for 20 at_least 1 "$ERR" \
    "$seg: corrupt record at offset $off (bad CRC): skipped $size bytes to the next valid record"
check "iocd runs on and streams after the corrupt record" iocd_publishing $((2 * PER_POLL))
iocd_stop KILL
kill -0 "$IOCD_PID" 2>/dev/null || true

# 2. the newest segment cut in the middle of its last record
seg=$(newest)
python3 "$SEG" frames "$seg" >"$tmp/frames2"
# The last frame of kind 0 (a record; a summary may follow it): cut in
# its middle, it and what follows are the torn tail.
read -r off size _ _ seq series < <(awk -F'\t' '$3 == 0' "$tmp/frames2" | tail -1)
awk -F'\t' -v o="$off" '$1 >= o { print $6 "\t" $5 }' "$tmp/frames2" >>"$tmp/damaged"
cut=$((off + size / 2))
echo "# $(basename "$seg"): $(wc -l <"$tmp/frames2") frames; cutting the last record ($off, $size bytes:" \
    "$series seq $seq) at $cut, $(awk -F'\t' -v o="$off" '$1 > o' "$tmp/frames2" | wc -l) frames after it"
python3 "$SEG" cut "$seg" "$cut"
iocd_start
check "cut record: the restart truncates the torn tail and says so" \
    wait_for 20 grep -qE "$seg: torn tail at offset $off \([^)]*\): truncated $((cut - off)) bytes" "$ERR"
untimed "$ERR" | grep -E "torn tail|corrupt record" | sed 's/^/# /'
check "iocd runs on and streams after the torn tail" iocd_publishing $((2 * PER_POLL))
mosquitto_restart M
check "iocd delivers to MQTT again" wait_for 30 at_least 1 "$ERR" "sink mqtt: connected"
fault_end corrupt_segment --expect-lost "$tmp/damaged" --untraced-max $((2 * PER_POLL))
finish
