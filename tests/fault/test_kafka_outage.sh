#!/usr/bin/env bash
# test_kafka_outage - issue 15 item 7: the Kafka broker down while iocd
# streams to both sinks (kafka-mock's "down 1": its connections and
# listener close; "up 1" listens again on the same port, its data kept);
# afterwards every committed record is in the topic and on MQTT.
# Short form: 10 s down; long form: 60 s.
source "$(dirname "$0")/lib_fault.sh"

secs=10
[ "$FAULT_LONG" = 1 ] && secs=60
fault_brokers
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))
before=$(emitted_now)
check "kafka-mock: broker 1 down" kafka_control down 1
echo "# Kafka down for $secs s"
sleep "$secs"
check "iocd kept committing while Kafka was down ($(($(emitted_now) - before)) records)" \
    test "$(emitted_now)" -gt "$before"
check "kafka-mock: broker 1 up" kafka_control up 1
check "iocd streams on" iocd_publishing $((2 * PER_POLL))
fault_end kafka_outage
finish
