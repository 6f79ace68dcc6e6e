#!/usr/bin/env bash
# test_kafka_leader - issue 15 items 6 and 7: on kafka-mock's 3-broker
# cluster the partition leader (broker 1, of all 16 partitions) goes down
# mid-stream, broker 2 is made leader (the mock elects no one: a real
# cluster's controller would), broker 1 comes back; every committed record
# is in the topic and on MQTT.
source "$(dirname "$0")/lib_fault.sh"

fault_brokers --brokers 3
check "kafka-mock: broker 1 leads every partition" kafka_control leader "$TOPIC" 1
fault_conf
iocd_start
check "iocd streams to both sinks" iocd_publishing $((2 * PER_POLL))
check "kafka-mock: the leader (broker 1) down" kafka_control down 1
sleep 1
check "kafka-mock: broker 2 leads" kafka_control leader "$TOPIC" 2
check "iocd streams after the failover" iocd_publishing $((3 * PER_POLL))
check "kafka-mock: broker 1 up again" kafka_control up 1
check "iocd streams on" iocd_publishing $((PER_POLL))
fault_end kafka_leader
finish
