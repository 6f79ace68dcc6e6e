#!/usr/bin/env bash
# test_kafka - the Kafka sink against a real Kafka-protocol broker on
# loopback (tools/kafka-mock, librdkafka's mock cluster), with the MQTT
# sink on a real mosquitto beside it: every message keyed by its series
# key, as many messages as metrics emitted, a 10 s Kafka outage after which
# every metric arrives exactly once (idempotent producer), and an MQTT
# outage that Kafka delivery does not notice.
source "$(dirname "$0")/lib.sh"

start_feedsim A --records 4
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_sink_kafka "$conf" "$KAFKA_K"
add_example "$conf" ex "$FEED_A/example"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err
check "both sinks start" wait_for 10 at_least 1 "$err" "sink kafka: producing to topic ioc.metrics.v1"
check "polls publish" wait_for 15 at_least 16 "$out" '"source":"ex"'

# Kafka down for 10 s.
kill -USR1 "$KAFKA_PID_K"
check "kafka-mock: broker down" wait_for 10 at_least 1 "$tmp/K.kafka.log" "broker 1 down"
before=$(count_lines "$out" '"source":"ex"')
sleep 10
during=$(($(count_lines "$out" '"source":"ex"') - before))
check "metrics were emitted while Kafka was down ($during)" test "$during" -ge 40
kill -USR2 "$KAFKA_PID_K"
check "kafka-mock: broker up" wait_for 10 at_least 1 "$tmp/K.kafka.log" "broker 1 up"

# MQTT down while Kafka is up: Kafka deliveries keep growing.
sleep 3
stop_pid "$MQTT_PID_M"
check "MQTT broker stopped: iocd notices" wait_for 10 at_least 1 "$err" "sink mqtt: lost the connection"
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 1 "$err" "sink kafka: queued="
k1=$(counter "$err" "sink kafka: queued=" delivered)
sleep 4
kill -USR1 "$IOCD_PID"
wait_for 5 at_least 2 "$err" "sink kafka: queued="
k2=$(counter "$err" "sink kafka: queued=" delivered)
check "with MQTT down, Kafka delivered $((k2 - k1)) more metrics in 4 s" test "$((k2 - k1))" -ge 16
check "and the MQTT sink holds its backlog meanwhile" \
    test "$(counter "$err" "sink mqtt: queued=" in_outbox)" -gt 0

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
contains "$err" "sink kafka: every metric delivered" "the Kafka sink delivered its whole backlog before exit"

# What is in the topic: every metric, once, keyed by its series.
emitted=$(count_lines "$out" '"source":"ex"')
kafka_consume "$KAFKA_K" "$tmp/topic.all.tsv"
# Besides the records, the example's targets breach: their alerts share
# the topic under the key _alert/<series> (docs/metric-record.md, Alerts).
grep -v '^_alert/' "$tmp/topic.all.tsv" >"$tmp/topic.tsv"
grep '^_alert/' "$tmp/topic.all.tsv" >"$tmp/alerts.tsv"
same "$(counter "$err" "series: count=" alerts)" "$(wc -l <"$tmp/alerts.tsv")" \
    "and the alerts the daemon counted, each keyed _alert/<its series>"
check "every alert's key is _alert/ and its series" \
    bash -c "while IFS=\$'\t' read -r key payload; do [ \"\$key\" = \"_alert/\$(jq -r .series <<<\"\$payload\")\" ] || exit 1; done <'$tmp/alerts.tsv'"
same "$emitted" "$(wc -l <"$tmp/topic.tsv")" "the topic holds exactly the $emitted metrics emitted"
cut -f2- "$tmp/topic.tsv" >"$tmp/topic.jsonl"
same "$emitted" "$(jq -r .seq "$tmp/topic.jsonl" | sort -u | wc -l)" "no metric twice (distinct seq numbers)"
same "$(jq -r .seq "$out" | sort -n | xargs)" "$(jq -r .seq "$tmp/topic.jsonl" | sort -n | xargs)" \
    "the seq numbers in Kafka are exactly those emitted"
check "every message's key is its record's series key" \
    bash -c "while IFS=\$'\t' read -r key payload; do [ \"\$key\" = \"\$(jq -r .series <<<\"\$payload\")\" ] || exit 1; done <'$tmp/topic.tsv'"
valid_records "$tmp/topic.jsonl" "every Kafka payload is valid against the schema"
finish
