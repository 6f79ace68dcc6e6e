#!/usr/bin/env bash
# demo.sh - the README's first command: install what is missing, build, and
# run the whole chain on this machine, on 127.0.0.1 only:
#   feed simulator (:18080) -> iocd -> mosquitto (:18831) for screens
#                                   -> local Kafka broker (kafka-mock) for history
# mosquitto also serves the reference wall page (web/wall) with MQTT over
# WebSockets on :18832. It prints the wall's URL first, then the commands
# to watch both streams, then iocd's log. Ctrl-C
# stops everything this script started (by PID). The simulator and the
# brokers run in sessions of their own, so Ctrl-C reaches iocd first and it
# can still deliver to them while it stops.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tools/deps.sh || exit 1
make -s -j"$(nproc)" >/dev/null || { echo "demo: build failed (run make to see why)" >&2; exit 1; }

feed_port=18080 # conf/connectors.d/example.conf polls this port
mqtt_port=18831
wall_port=18832 # MQTT over WebSockets + the wall page (web/wall, http_dir)
run=$(mktemp -d)
started=()
# Stop in reverse order: iocd first, so that it can deliver its backlog to
# brokers that are still there.
stop() {
    local i
    for ((i = ${#started[@]} - 1; i >= 0; i--)); do
        kill -TERM "${started[i]}" 2>/dev/null
        wait "${started[i]}" 2>/dev/null
    done
    rm -rf "$run"
}
trap stop EXIT
trap 'exit 0' INT TERM
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
fail() { echo "demo: $1" >&2; [ -f "$2" ] && cat "$2" >&2; exit 1; }

setsid build/tools/feedsim --port "$feed_port" --port-file "$run/feed.port" --records 200 >"$run/feedsim.log" 2>&1 &
started+=($!)
wait_file "$run/feed.port" || fail "the feed simulator did not start (is port $feed_port taken?)" "$run/feedsim.log"

# The wall subscribes to every topic at once: its retained burst (about
# 7,000 messages here) must fit the broker's queue for one client, or
# mosquitto drops the excess to a browser that reads slower than it sends
# (web/wall/README.md).
# mosquitto started as root runs as the user "mosquitto", which may not
# reach this checkout (under /root, or a 0700 temporary directory): it
# serves a copy, in a directory it can enter but not list.
chmod 711 "$run"
cp -r "$top/web/wall" "$run/wall"
chmod -R a+rX "$run/wall"
cat >"$run/mosquitto.conf" <<MOSQ
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 20000
listener $wall_port 127.0.0.1
protocol websockets
http_dir $run/wall
MOSQ
setsid mosquitto -c "$run/mosquitto.conf" >"$run/mosquitto.log" 2>&1 &
started+=($!)
for _ in $(seq 50); do mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t demo/ping -m x 2>/dev/null && break; sleep 0.1; done
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t demo/ping -m x 2>/dev/null ||
    fail "mosquitto did not start (are ports $mqtt_port and $wall_port free?)" "$run/mosquitto.log"

setsid build/tools/kafka-mock --topic ioc.metrics.v1 --bootstrap-file "$run/kafka.addr" >"$run/kafka.log" 2>&1 &
started+=($!)
wait_file "$run/kafka.addr" || fail "the local Kafka broker did not start" "$run/kafka.log"
kafka=$(cat "$run/kafka.addr")

cat >"$run/iocd.conf" <<CONF
[iocd]
province = 96
connectors_dir = $top/conf/connectors.d
gazetteer = $top/conf/gazetteer/vn-2025-07.tsv
catalog = $top/conf/catalog.conf
state_dir = $top/build/state
stats_interval = 1m

[outbox]
# The durable outbox, as installed: every metric on disk until both brokers have it.
dir = $top/build/state/outbox

[sink.mqtt]
enabled = true
port = $mqtt_port

[sink.kafka]
enabled = true
bootstrap_servers = $kafka
CONF

cat <<MSG
demo: the wall        http://127.0.0.1:$wall_port/  (open it in a browser; ?lang=en for English)
demo: feed simulator  http://127.0.0.1:$feed_port/example
demo: MQTT broker     127.0.0.1:$mqtt_port (mosquitto)
demo: Kafka broker    $kafka (kafka-mock, librdkafka's mock cluster; production uses a real cluster)
demo: iocd polls the feed every 10 s. Watch, in another terminal:
        mosquitto_sub -h 127.0.0.1 -p $mqtt_port -t 'ioc/v1/#' -v
        kcat -C -b $kafka -t ioc.metrics.v1 -f '%k  %s\n'
demo: iocd's log follows. Stop everything with Ctrl-C.
MSG
build/iocd -c "$run/iocd.conf" &
started+=($!)
wait "${started[-1]}"
