#!/usr/bin/env bash
# test_watchdog - WATCHDOG=1 only while every sink makes progress (issue 16
# item 7).
#
# systemd is not PID 1 here, so the daemon's decision is tested: iocd runs
# with NOTIFY_SOCKET at a stand-in (tools/notify-listen) and WATCHDOG_USEC
# = 2 s (a ping due every second; a sink stalled beyond 2 s withholds it,
# and systemd would restart the instance 2 s after the last ping). Three
# runs of one example connector (metrics every second) with [sink.mqtt]
# pointed at:
#   wedged  - a TCP server (python, in this script) that accepts the
#             connection and never answers: the pings stop and stay
#             stopped past the MQTT keepalive (5 s: libmosquitto drops the
#             silent connection and reconnects, to the same silence), the
#             log says why, /health answers 503 naming the sink;
#   healthy - a real mosquitto, the connector polling once an hour, so the
#             sink is idle: the pings go on, /health answers 200;
#   down    - a closed port (connection refused: the broker answers, the
#             sink backs off and retries): the pings go on (a restart would
#             only lose the outbox).
source "$(dirname "$0")/lib.sh"
NOTIFY_LISTEN=$top/$BUILD/tools/notify-listen

start_feedsim A --records 4
# The wedged broker: accepts, reads, never writes; holds every connection.
/usr/bin/python3 - "$tmp/stuck.port" >"$tmp/stuck.log" 2>&1 <<'PYEOF' &
import os, select, socket, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
tmp = sys.argv[1] + ".tmp"
open(tmp, "w").write(str(srv.getsockname()[1]))
os.rename(tmp, sys.argv[1])
held = []
while True:
    ready, _, _ = select.select([srv] + held, [], [])
    for s in ready:
        if s is srv:
            conn, _ = srv.accept()
            held.append(conn)
            print("accepted", flush=True)
        elif not s.recv(65536):
            held.remove(s)
            s.close()
PYEOF
pids+=("$!")
wait_for 10 test -s "$tmp/stuck.port" || { echo "Bail out! the stuck broker did not start"; exit 1; }
STUCK_PORT=$(cat "$tmp/stuck.port")
start_mosquitto M
# A port nobody listens on: bound then closed by python, so it is free.
CLOSED_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# run NAME MQTT_PORT INTERVAL: iocd with the watchdog and the stand-in socket.
run() {
    local name=$1
    make_conf "$tmp/$name" false
    sed -i 's/^stats_interval = 0$/stats_interval = 0\nhttp_listen = 127.0.0.1:0/' "$tmp/$name/iocd.conf"
    add_sink_mqtt "$tmp/$name" "$2"
    add_example "$tmp/$name" ex "$FEED_A/example" "interval = $3"
    "$NOTIFY_LISTEN" "$tmp/$name.sock" >"$tmp/$name.notify" 2>&1 &
    pids+=("$!")
    NOTIFY_PID=$!
    wait_for 5 test -S "$tmp/$name.sock" || echo "Bail out! notify-listen did not start"
    NOTIFY_SOCKET=$tmp/$name.sock WATCHDOG_USEC=2000000 start_iocd "$name" -c "$tmp/$name/iocd.conf"
    wait_for 10 at_least 1 "$tmp/$name.err" "http: serving" || echo "# no HTTP endpoint"
    URL=http://127.0.0.1:$(sed -n 's/.*http: serving .* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/$name.err")
}
pings() { count_lines "$1" "WATCHDOG=1"; }

### wedged #################################################################
run wedged "$STUCK_PORT" 1s
check "wedged: the stuck broker accepted the connection" wait_for 10 at_least 1 "$tmp/stuck.log" accepted
check "wedged: READY=1" wait_for 10 at_least 1 "$tmp/wedged.notify" "READY=1"
check "wedged: the log says why the pings stop" \
    wait_for 15 at_least 1 "$tmp/wedged.err" "error: iocd: watchdog: sink mqtt has waited"
contains "$tmp/wedged.err" "on a broker that does not answer, with" "wedged: ... on a broker that does not answer"
before=$(pings "$tmp/wedged.notify")
# Past the keepalive (5 s) and a reconnection (reconnect_max 2 s): still silent.
check "wedged: libmosquitto gave up on the silent connection and reconnected" \
    wait_for 20 at_least 2 "$tmp/stuck.log" accepted
sleep 3
same "$before" "$(pings "$tmp/wedged.notify")" \
    "wedged: no WATCHDOG=1 since the sink stalled ($before before it; systemd would restart iocd)"
check "wedged: metrics wait in the outbox" \
    bash -c "'${CURL[0]}' -s '$URL/metrics' | grep -qE '^iocd_sink_outbox_metrics\\{sink=\"mqtt\"\\} [1-9]'"
code=$("${CURL[@]}" -o "$tmp/wedged.health" -w '%{http_code}' "$URL/health")
same 503 "$code" "wedged: /health answers 503"
check "wedged: /health names the stalled sink" \
    jqe '.failed | map(startswith("sink mqtt: ")) | any' "$tmp/wedged.health"
check "wedged: the daemon itself is alive (only systemd ends it)" kill -0 "$IOCD_PID"
stop_pid "$IOCD_PID"
stop_pid "$NOTIFY_PID"

### healthy (and idle) #####################################################
run healthy "$MQTT_PORT_M" 1h
check "healthy: sink connected" wait_for 10 at_least 1 "$tmp/healthy.err" "sink mqtt: connected"
check "healthy: the poll's metrics are delivered" wait_for 10 bash -c \
    "'${CURL[0]}' -s '$URL/metrics' | grep -qE '^iocd_sink_delivered_total\\{sink=\"mqtt\"\\} [1-9]'"
start=$(pings "$tmp/healthy.notify")
check "healthy, idle: WATCHDOG=1 goes on (5 more within 10 s)" \
    wait_for 10 at_least $((start + 5)) "$tmp/healthy.notify" "WATCHDOG=1"
same 0 "$(count_lines "$tmp/healthy.err" "watchdog:")" "healthy: no watchdog line in the log"
same 200 "$("${CURL[@]}" -o "$tmp/healthy.health" -w '%{http_code}' "$URL/health")" "healthy: /health answers 200"
same "ok 0" "$(jq -r '[.status, (.failed | length)] | join(" ")' "$tmp/healthy.health")" \
    "healthy: /health status ok, nothing failed"
stop_pid "$IOCD_PID"
stop_pid "$NOTIFY_PID"

### down (refused) #########################################################
run down "$CLOSED_PORT" 1s
check "down: the sink cannot connect (refused)" \
    wait_for 10 at_least 1 "$tmp/down.err" "sink mqtt: cannot connect to 127.0.0.1:$CLOSED_PORT"
start=$(pings "$tmp/down.notify")
check "down: WATCHDOG=1 goes on (5 more within 10 s)" \
    wait_for 10 at_least $((start + 5)) "$tmp/down.notify" "WATCHDOG=1"
same 0 "$(count_lines "$tmp/down.err" "watchdog:")" "down: no watchdog line in the log"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "down: SIGTERM: exit 0"
finish
