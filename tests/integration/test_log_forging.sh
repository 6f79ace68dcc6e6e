#!/usr/bin/env bash
# test_log_forging - a feed that tries to forge journal entries (issue 11,
# Deliver 2). feedsim's forged-text fault puts "\n<2>forged entry" and an
# ESC colour sequence into the update time and the first record's code of
# /example (rejected by normalize: a bad timestamp, logged per record) and
# of page 1 of /ioffice (page 2 then differs: the walk fails with a reason
# quoting both times, which becomes the instance's status). iocd runs as
# under journald (JOURNAL_STREAM naming stderr: every line starts with "<N>") with a
# stand-in NOTIFY_SOCKET and a real mosquitto for the _status topic.
#
# Checks: the forged text reached all three outlets (so the test tests
# something), escaped as \x0A and \x1B; every stderr line starts with a
# "<N>" prefix, none with the forged "<2>"; no raw ESC or other control
# byte on stderr, in a _status payload or in a STATUS= line (the payload is
# JSON: its last_error shows them as \xNN, as the log does); the daemon is
# still running and stops cleanly.
source "$(dirname "$0")/lib.sh"
NOTIFY_LISTEN=$top/$BUILD/tools/notify-listen
FORGED_ESCAPED='\x0A<2>forged entry \x1B[31mred\x1B[0m'

start_mosquitto M
start_feedsim A --records 5 --fault example=forged-text --fault ioffice=forged-text:1
conf=$tmp/conf
make_conf "$conf" false
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" ex "$FEED_A/example" "interval = 1h"
cat >"$conf/connectors.d/io.conf" <<CONF
plugin = ioffice
interval = 1h
timeout = 10s
url = $FEED_A/ioffice
page_size = 2
CONF

# Every _status message, live and retained, "topic payload" per message.
timeout 60 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t 'ioc/v1/96/_status/#' -v \
    >"$tmp/status.log" 2>/dev/null &
pids+=("$!")
"$NOTIFY_LISTEN" "$tmp/notify.sock" >"$tmp/notify.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$tmp/notify.sock" || echo "Bail out! notify-listen did not start"
# systemd's JOURNAL_STREAM names the device and inode of the stream it
# gave as stderr (log.c checks them): those of the file stderr goes to.
: >"$tmp/run.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/run.err") NOTIFY_SOCKET=$tmp/notify.sock \
    start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err

check "the forged update time reaches the log (normalize rejects it), escaped" \
    wait_for 20 at_least 1 "$err" "field 'ts' '2025-08-01$FORGED_ESCAPED'"
check "the forged ioffice time reaches the log (the walk fails), escaped" \
    wait_for 20 at_least 1 "$err" "page 1 said 5, 2025-08-01$FORGED_ESCAPED)"
# The last errors of io's status payloads (JSON, docs/status.schema.json).
io_errors() {
    sed -n 's|^ioc/v1/96/_status/io ||p' "$tmp/status.log" | jq -r 'select(.last_error) | .last_error' \
        >"$tmp/io-errors.txt" 2>/dev/null
    grep -q . "$tmp/io-errors.txt"
}
check "the forged text reaches the _status topic's last_error" wait_for 20 io_errors
contains "$tmp/io-errors.txt" "$FORGED_ESCAPED" "the _status last_error shows the forged bytes as \\xNN"
check "the forged text reaches STATUS=, escaped" \
    wait_for 20 at_least 1 "$tmp/notify.log" "io degraded: page"
contains "$tmp/notify.log" "STATUS=2 connectors: " "STATUS= lines arrive"
contains "$tmp/notify.log" "$FORGED_ESCAPED" "the STATUS= text shows the forged bytes as \\xNN"
check "iocd is still running" kill -0 "$IOCD_PID"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly (exit 0)"

# Each outlet: no control byte but the newline that ends a line/message.
raw_controls() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$1" || true; }
same 0 "$(raw_controls "$err")" "stderr holds no raw control byte (ESC, CR, ...)"
same 0 "$(raw_controls "$tmp/status.log")" "_status payloads hold no raw control byte"
same 0 "$(raw_controls "$tmp/notify.log")" "STATUS= lines hold no raw control byte"

lines=$(wc -l <"$err")
prefixed=$(grep -cE '^<[0-7]>(error|warning|info|debug): ' "$err" || true)
check "stderr has lines ($lines)" test "$lines" -gt 3
same "$lines" "$prefixed" "every stderr line starts with its own <N> priority and level"
same 0 "$(grep -c '^<2>' "$err" || true)" "no stderr line is a forged priority-2 entry"
same 0 "$(grep -c '^forged\|^<2>forged' "$tmp/status.log" || true)" \
    "no _status line starts with the forged text (every line is 'topic payload')"
same 0 "$(grep -c '|<2>forged' "$tmp/notify.log" || true)" \
    "no STATUS= datagram carries a raw line break before the forged text"
same 0 "$(grep -vc '^ioc/v1/96/_status/' "$tmp/status.log" || true)" \
    "every _status line is a 'topic payload' line"
[ "$failed" -eq 0 ] || sed "s/^/#   stderr: /" "$err" | head -40
finish
