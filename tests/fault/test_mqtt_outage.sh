#!/usr/bin/env bash
# test_mqtt_outage - issue 15 item 7: mosquitto stopped while iocd streams
# to both sinks; once it is back, every committed record reaches the MQTT
# collector (and Kafka, which never stopped), duplicates reported.
# Short form: one 6 s outage. Long form (FAULT_LONG=1): 10 s, then 60 s.
# The broker is stopped cleanly (SIGTERM, persistence on): what it had
# acknowledged survives, so a loss here is iocd's.
source "$(dirname "$0")/lib_fault.sh"

outages=(6)
[ "$FAULT_LONG" = 1 ] && outages=(10 60)
fault_brokers
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((3 * PER_POLL))
for secs in "${outages[@]}"; do
    before=$(emitted_now)
    mosquitto_stop M
    echo "# mosquitto down for $secs s"
    sleep "$secs"
    check "iocd kept committing while mosquitto was down ${secs} s ($(($(emitted_now) - before)) records)" \
        test "$(emitted_now)" -gt "$before"
    mosquitto_restart M
    check "iocd streams again after mosquitto's return" iocd_publishing $((2 * PER_POLL))
done
fault_end mqtt_outage
finish
