#!/usr/bin/env bash
# test_readme_topics - every MQTT topic and Kafka key README.md quotes as
# an example exists after a demo-like run: the demo's five connectors
# (conf/connectors.d), catalogue and gazetteer, against feedsim with the
# demo's seed and record count, publishing to a real mosquitto. A
# documented topic that a renamed metric made stale fails here, not in a
# screen developer's first hour.
# Quoted examples: every word of README.md that starts with "ioc/v1/96/"
# (topics), and the series keys (`source/metric/area...`) quoted in its
# "For screen and consumer developers" section; placeholders (<...>) and
# filters (+, #) are patterns, not examples, and are left out.
# TAP; stops what it starts by PID; bounded waits.
source "$(dirname "$0")/lib.sh"

for tool in mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

start_feedsim F --records 200
start_mosquitto M

conf=$tmp/conf
cp -r "$top/conf" "$conf"
feed_port=${FEED_F##*:}
sed -i "s|127.0.0.1:18080|127.0.0.1:$feed_port|" "$conf"/connectors.d/*.conf
cat >"$conf/iocd.conf" <<CONF
[iocd]
province = 96
connectors_dir = $conf/connectors.d
plugin_path = $top/$BUILD/connectors
gazetteer = $conf/gazetteer/vn-2025-07.tsv
catalog = $conf/catalog.conf
state_dir = $tmp/state
shutdown_timeout = 3s
stats_interval = 0

[sink.mqtt]
enabled = true
port = $MQTT_PORT_M
CONF

start_iocd demo -c "$conf/iocd.conf"
sources=$(sed -n 's/^plugin *= *//p' "$conf"/connectors.d/*.conf | wc -l)
summaries() {
    mqtt_retained "$MQTT_PORT_M" 'ioc/v1/96/_summary/#' "$tmp/summaries.txt"
    [ "$(wc -l <"$tmp/summaries.txt")" -ge "$sources" ]
}
check "every one of the $sources demo sources polled once (a retained summary each)" wait_for 60 summaries
mqtt_retained "$MQTT_PORT_M" 'ioc/v1/#' "$tmp/retained.txt"
cut -d' ' -f1 "$tmp/retained.txt" | sort -u >"$tmp/topics.txt"
cp "$tmp/topics.txt" "$top/$BUILD/readme-topics.txt" # for whoever edits README's examples
check "the demo-like run published retained topics ($(wc -l <"$tmp/topics.txt"))" test -s "$tmp/topics.txt"

# The section a screen developer reads, and its quoted examples.
awk '/^## For screen and consumer developers/ {on = 1; next} /^## / {on = 0} on' "$top/README.md" \
    >"$tmp/section.md"
grep -o 'ioc/v1/96/[^ `<>"'"'"')]*' "$top/README.md" | grep -v '[#+]' | sed 's/[.,;:]$//' | sort -u \
    >"$tmp/quoted_topics.txt"
check "README quotes example topics ($(wc -l <"$tmp/quoted_topics.txt"))" \
    test "$(wc -l <"$tmp/quoted_topics.txt")" -ge 3
while read -r topic; do
    check "README's topic $topic exists after the demo-like run" grep -qxF -- "$topic" "$tmp/topics.txt"
done <"$tmp/quoted_topics.txt"

# Kafka keys quoted as `source/metric/area...`: each is a series key, so
# its MQTT topic is ioc/v1/96/KEY.
sources_re=$(sed -n 's/^plugin *= *//p' "$conf"/connectors.d/*.conf | sort -u | paste -sd'|')
grep -oE '`('"$sources_re"')/[a-z0-9._/-]+`' "$tmp/section.md" | tr -d '`' | sort -u >"$tmp/quoted_keys.txt"
while read -r key; do
    check "README's series key $key exists after the demo-like run" grep -qxF -- "ioc/v1/96/$key" "$tmp/topics.txt"
done <"$tmp/quoted_keys.txt"

# is_record_of SERIES JSON (jq -e is true on empty input: check it is there).
is_record_of() { [ -n "$2" ] && jqe --arg s "$1" '.series == $s' <<<"$2"; }
# Every quoted topic's payload is what README says it is: a record whose
# series is the topic's tail (status, summary and catalogue topics aside).
while read -r topic; do
    case $topic in */_status/* | */_summary/* | */_catalog | */_alert/*) continue ;; esac
    payload=$(grep -F -- "$topic " "$tmp/retained.txt" | head -1 | cut -d' ' -f2-)
    check "the payload of $topic is the record of series ${topic#ioc/v1/96/}" \
        is_record_of "${topic#ioc/v1/96/}" "$payload"
done <"$tmp/quoted_topics.txt"

stop_pid "$IOCD_PID"
finish
