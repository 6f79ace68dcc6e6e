#!/usr/bin/env bash
# test_reconnect - issue 17 item 3: a broker that comes back is used within
# 2 s, with the default reconnection settings (no reconnect_max, no
# kafka.reconnect.* in the configuration). Each broker is down long enough
# for a backoff to have grown (MQTT: 1, 2, 4, 5 s; librdkafka's default
# would reach 10 s), then started; the time from the broker's start to the
# sink's first acknowledged publish ("delivering again") is measured and
# printed, and must be at most 2 s. This is the behaviour bound the issue
# asks for (each second of delay is a second of drops), not a benchmark.
source "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# recovery NAME SINK COMMAND...: run COMMAND (it starts the broker), then
# wait for the sink's next "delivering again" line; prints the time taken
# and asserts it is at most 2 s.
recovery() {
    local name=$1 sink=$2 before t0 ms
    shift 2
    before=$(count_lines "$err" "sink $sink: delivering again")
    t0=$(now_ms)
    "$@"
    check "$name: the first acknowledged publish after the broker's start" \
        wait_for 15 at_least $((before + 1)) "$err" "sink $sink: delivering again"
    ms=$(($(now_ms) - t0))
    echo "# $name: ${ms} ms from the broker's start to the first acknowledged publish"
    grep -F "sink $sink: delivering again" "$err" | tail -1 | sed 's/^/# /'
    check "$name: delivering again within 2 s of the broker's start (${ms} ms)" test "$ms" -le 2000
}

start_feedsim A --records 4
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf"
cat >>"$conf/iocd.conf" <<CONF

[sink.mqtt]
enabled = true
port = $MQTT_PORT_M

[sink.kafka]
enabled = true
bootstrap_servers = $KAFKA_K
CONF
add_example "$conf" ex "$FEED_A/example"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err
check "sink mqtt connects" wait_for 10 at_least 1 "$err" "sink mqtt: connected to 127.0.0.1:$MQTT_PORT_M"
check "polls publish" wait_for 15 at_least 16 "$out" '"source":"ex"'

# ---- MQTT: broker stopped for 9 s, then started on the same port ----
stop_pid "$MQTT_PID_M"
check "MQTT broker stopped: iocd notices" wait_for 10 at_least 1 "$err" "sink mqtt: lost the connection"
sleep 9
recovery MQTT mqtt start_mosquitto M "$MQTT_PORT_M"

# ---- Kafka: broker down for 12 s, then up ----
kill -USR1 "$KAFKA_PID_K"
check "kafka-mock: broker down" wait_for 10 at_least 1 "$tmp/K.kafka.log" "broker 1 down"
sleep 12
recovery Kafka kafka kill -USR2 "$KAFKA_PID_K"

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
# Nothing was dropped (the outboxes held the outages): both sinks say so.
contains "$err" "sink mqtt: every metric delivered" "MQTT: every metric delivered after the outage"
contains "$err" "sink kafka: every metric delivered" "Kafka: every metric delivered after the outage"
finish
