#!/usr/bin/env bash
# test_kafka_failover - issue 15 item 6: the Kafka partition leader goes
# down and another broker takes over, while iocd publishes.
#
# Starts tools/kafka-mock as a 3-broker cluster (--brokers 3) with topic
# ioc.metrics.v1, broker 1 leading every partition; checks its control
# file's per-broker and leader commands; then runs iocd (example connector
# on feedsim, 64 metrics a second, stdout and Kafka sinks, today's memory
# outbox) and, mid-stream, takes broker 1 down, makes broker 2 the leader
# (the mock does not elect one: this is the controller's job in a real
# cluster), brings broker 1 back. After a clean stop, Kafka must hold
# every metric iocd emitted: the sets of seq numbers are compared exactly,
# duplicates counted and printed with the other figures. Every process is
# stopped by PID; every wait is bounded in count and time.
source "$(dirname "$0")/lib.sh"
TOPIC=ioc.metrics.v1

for tool in kcat jq timeout; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

# control WORDS...: write the control file atomically, wait (at most 10 s)
# for kafka-mock to apply and delete it.
control() {
    echo "$*" >"$tmp/control.tmp" && mv "$tmp/control.tmp" "$tmp/control"
    wait_for 10 test ! -e "$tmp/control"
}
# leaders: "partition:leader" of every partition of the topic, in order,
# as the cluster's metadata says.
leaders() {
    timeout 20 kcat -b "$BOOT" -q -L -t "$TOPIC" -m 5 -J 2>/dev/null |
        jq -r '.topics[0].partitions | sort_by(.partition) | map("\(.partition):\(.leader)") | join(" ")'
}
# leaders_are TEXT: the metadata says TEXT now (asked again at each call).
leaders_are() { [ "$(leaders)" = "$1" ]; }

# --- the 3-broker cluster and its controls -----------------------------------
start_kafka K --brokers 3 --control-file "$tmp/control"
BOOT=$KAFKA_K KPID=$KAFKA_PID_K klog=$tmp/K.kafka.log
same 3 "$(tr ',' '\n' <"$tmp/K.kafka" | grep -cE '^127\.0\.0\.1:[0-9]+$')" \
    "--brokers 3: three bootstrap addresses ($BOOT)"
check "control 'leader $TOPIC 1' is applied" control leader "$TOPIC" 1
contains "$klog" "kafka-mock: topic $TOPIC: leader broker 1 (4 partitions)" "the leader change is logged"
check "the metadata names broker 1 leader of all 4 partitions" \
    wait_for 10 leaders_are "0:1 1:1 2:1 3:1"
check "control 'down 3' is applied" control down 3
same 1 "$(count_lines "$klog" "kafka-mock: broker 3 down")" "'down 3' takes broker 3 alone down"
same 0 "$(count_lines "$klog" "kafka-mock: broker 1 down")" "and leaves broker 1 up"
check "control 'up 3' is applied" control up 3
same 1 "$(count_lines "$klog" "kafka-mock: broker 3 up")" "'up 3' brings it back"
check "control 'leader nosuch 2' is deleted" control leader nosuch 2
contains "$klog" "kafka-mock: topic 'nosuch': not created with --topic, no leader set" \
    "a leader change for an unknown topic is refused and named"
check "control 'down 4' is deleted" control down 4
contains "$klog" "kafka-mock: broker 4: no such broker (1..3)" "a broker that does not exist is named"

# --- iocd publishing through a failover ---------------------------------------
start_feedsim A --records 64
conf=$tmp/conf
make_conf "$conf"
add_sink_kafka "$conf" "$BOOT"
add_example "$conf" ex "$FEED_A/example"
start_iocd run -c "$conf/iocd.conf"
out=$tmp/run.out err=$tmp/run.err
check "the Kafka sink starts" wait_for 10 at_least 1 "$err" "sink kafka: producing to topic $TOPIC"
check "polls publish" wait_for 15 at_least 128 "$out" '"source":"ex"'

rdk_before=$(count_lines "$err" "sink kafka: librdkafka")
check "control 'down 1' (the leader) is applied" control down 1
before=$(count_lines "$out" '"source":"ex"')
# The controller notices and elects another leader: about a second later.
sleep 1
check "control 'leader $TOPIC 2' is applied" control leader "$TOPIC" 2
check "the metadata names broker 2 leader of all 4 partitions" \
    wait_for 20 leaders_are "0:2 1:2 2:2 3:2"
check "metrics are emitted after the failover" \
    wait_for 15 at_least $((before + 256)) "$out" '"source":"ex"'
during=$(($(count_lines "$out" '"source":"ex"') - before))
# The sink really lost its leader: librdkafka said so (its errors are
# logged as the sink's warnings), e.g. a refused connection to broker 1.
check "the Kafka sink saw broker 1 go away" \
    wait_for 10 at_least $((rdk_before + 1)) "$err" "sink kafka: librdkafka"
grep -F "sink kafka: librdkafka" "$err" | tail -n +$((rdk_before + 1)) | head -3 | sed 's/^/#   /'
check "control 'up 1' is applied" control up 1
check "more polls after broker 1 is back" \
    wait_for 15 at_least $((before + during + 128)) "$out" '"source":"ex"'

stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit status 0"
contains "$err" "sink kafka: every metric delivered" "the Kafka sink says it delivered everything"

# --- what Kafka holds ----------------------------------------------------------
timeout 60 kcat -C -b "$BOOT" -t "$TOPIC" -o beginning -e -q -f '%k\t%s\n' \
    >"$tmp/topic.all.tsv" 2>/dev/null
grep -v '^_alert/' "$tmp/topic.all.tsv" | cut -f2- >"$tmp/topic.jsonl"
jq -r 'select(.source == "ex") | .seq' "$out" | sort -n >"$tmp/emitted.seq"
jq -r 'select(.source == "ex") | .seq' "$tmp/topic.jsonl" | sort -n >"$tmp/kafka.seq"
emitted=$(wc -l <"$tmp/emitted.seq")
in_kafka=$(sort -u "$tmp/kafka.seq" | wc -l)
duplicates=$(($(wc -l <"$tmp/kafka.seq") - in_kafka))
missing=$(comm -23 "$tmp/emitted.seq" <(sort -un "$tmp/kafka.seq") | wc -l)
echo "# failover: emitted=$emitted (after the leader went down: $during)" \
    "in_kafka=$in_kafka duplicates=$duplicates missing=$missing"
check "iocd emitted metrics ($emitted)" test "$emitted" -gt 0
same 0 "$missing" "no metric emitted is missing from Kafka"
same "$(xargs <"$tmp/emitted.seq")" "$(sort -un "$tmp/kafka.seq" | xargs)" \
    "the seq numbers in Kafka are exactly those emitted"
same 0 "$duplicates" "no metric twice (idempotent producer)"

stop_pid "$KPID" TERM
same 0 "$stop_rc" "kafka-mock: SIGTERM, exit status 0"
finish
