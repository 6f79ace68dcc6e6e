#!/usr/bin/env bash
# test_catalog - the metric catalogue end to end: the shipped
# conf/catalog.conf, deployed beside iocd.conf, is published retained on
# ioc/v1/96/_catalog (real mosquitto on a free loopback port, read with
# mosquitto_sub), valid against docs/catalog.schema.json, again after a
# broker restart without persistence; --check-config names it, reports a
# broken one with FILE:LINE, warns about an http_json metric it lacks, and
# without a deployed catalogue the built-in units stand in.
source "$(dirname "$0")/lib.sh"

start_feedsim A --records 2
start_mosquitto M
conf=$tmp/conf
make_conf "$conf"
cp conf/catalog.conf "$conf/catalog.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" ex "$FEED_A/example"

"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/check.out" 2>&1
same 0 "$?" "--check-config accepts the shipped catalogue"
contains "$tmp/check.out" "catalogue 2025-12.2 (44 metrics, 16 units)" "and names it, with its counts"

start_iocd run -c "$conf/iocd.conf"
check "sink mqtt connects" wait_for 10 at_least 1 "$tmp/run.err" "sink mqtt: connected to 127.0.0.1:$MQTT_PORT_M"

got_catalog() {
    timeout 5 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t ioc/v1/96/_catalog -C 1 -W 3 \
        --retained-only >"$tmp/catalog.json" 2>/dev/null && test -s "$tmp/catalog.json"
}
check "a late subscriber gets the retained catalogue" wait_for 10 got_catalog
if tests/tools/validate-json docs/catalog.schema.json "$tmp/catalog.json" >"$tmp/v.log" 2>&1; then
    pass "it is valid against docs/catalog.schema.json"
else
    fail "it is valid against docs/catalog.schema.json"
    sed 's/^/#   /' "$tmp/v.log"
fi
# The schema has teeth: a metric without its label is refused.
jq '.metrics["dvc.ratings"] |= del(.label)' "$tmp/catalog.json" >"$tmp/nolabel.json"
check "a catalogue with a metric lacking its label is invalid" \
    bash -c "! tests/tools/validate-json docs/catalog.schema.json '$tmp/nolabel.json' >/dev/null"
same "44 16" "$(jq -r '"\(.metrics | length) \(.units | length)"' "$tmp/catalog.json")" \
    "it holds the 44 metrics and 16 units of the shipped catalogue"
same "‰ Work files processed online percent 1 none" \
    "$(jq -r '"\(.units.permille.symbol) \(.metrics["ioffice.files.online_share"] | "\(.label.en) \(.unit) \(.decimals) \(.aggregate)")"' "$tmp/catalog.json")" \
    "a screen reads a unit's symbol and a metric's label, unit, decimals and aggregation"
same '{"op":">=","min":99,"warn":{"min":90,"max":99},"dims":{"technology":"5G"},"period":{"from":2025,"to":2030}}' \
    "$(jq -c '.metrics["telecom.coverage"].targets.g5_2030 | del(.basis)' "$tmp/catalog.json")" \
    "the 5G target of 2030 as published"

# A broker restarted without persistence forgets retained messages: the
# sink publishes the catalogue again on reconnection.
stop_pid "$MQTT_PID_M"
start_mosquitto M "$MQTT_PORT_M"
check "sink mqtt reconnects" wait_for 20 at_least 1 "$tmp/run.err" "sink mqtt: reconnected to 127.0.0.1:$MQTT_PORT_M"
rm -f "$tmp/catalog.json"
check "the catalogue is retained again after the restart" wait_for 10 got_catalog
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly"

# Mistakes: FILE:LINE for each, and the configuration refused.
sed -i 's/^aggregate = ratio$/aggregate = average/; 0,/^target.y2030.period = 2026..2030$/s//target.y2030.period = 2030..2026/' "$conf/catalog.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/bad.out" 2>&1
same 1 "$?" "a broken catalogue fails --check-config"
line=$(grep -n '^aggregate = average$' "$conf/catalog.conf" | head -1 | cut -d: -f1)
contains "$tmp/bad.out" "$conf/catalog.conf:$line: 'aggregate' = 'average': use sum, ratio" "a bad aggregation is named at its line ($line)"
line=$(grep -n '^target.y2030.period = 2030..2026$' "$conf/catalog.conf" | cut -d: -f1)
contains "$tmp/bad.out" "$conf/catalog.conf:$line: 'target.y2030.period' = '2030..2026'" "a bad target period is named at its line ($line)"

# A configured http_json metric the catalogue lacks: a warning, not an error.
cp conf/catalog.conf "$conf/catalog.conf"
cat >"$conf/connectors.d/hj.conf" <<CONF
plugin = http_json
url = $FEED_A/example
interval = 1m
records = items[]
area = maXa
metric.calls.name = hotline.calls_answered
metric.calls.value = n
metric.calls.unit = count
CONF
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/warn.out" 2>&1
same 0 "$?" "a metric missing from the catalogue does not fail the check"
contains "$tmp/warn.out" "$conf/connectors.d/hj.conf:6: warning: metric 'hotline.calls_answered' is not in the catalogue $conf/catalog.conf" "it is warned about at its line"
# ... and about a configured unit that is not the catalogue's.
sed -i 's/^metric.calls.name = .*/metric.calls.name = pakn.received/; s/^metric.calls.unit = .*/metric.calls.unit = percent/' "$conf/connectors.d/hj.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/warn2.out" 2>&1
same 0 "$?" "a unit other than the catalogue's does not fail the check"
contains "$tmp/warn2.out" "$conf/connectors.d/hj.conf:8: warning: metric 'pakn.received' in unit 'percent', but the catalogue $conf/catalog.conf says 'count'" "it is warned about at the unit's line"
# ... and about a name an allow-list gives (name_from + name_map), each at
# its key's line, the listed names the catalogue has passing quietly.
cat >"$conf/connectors.d/hj.conf" <<CONF
plugin = http_json
url = $FEED_A/example
interval = 1m
records = items[]
area = maXa
metric.k.name_from = code
metric.k.name_map = CT01 = dvc.online_ratio, CT02 = hotline.calls_answered
metric.k.name_map.ct03 = CT03 = hotline.calls_missed
metric.k.value = n
metric.k.unit = percent
CONF
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/warn3.out" 2>&1
same 0 "$?" "names of a name_map missing from the catalogue do not fail the check"
same "$conf/connectors.d/hj.conf:7: warning: metric 'hotline.calls_answered' is not in the catalogue $conf/catalog.conf (screens get no label, unit or target for it)
$conf/connectors.d/hj.conf:8: warning: metric 'hotline.calls_missed' is not in the catalogue $conf/catalog.conf (screens get no label, unit or target for it)" \
    "$(grep -F 'is not in the catalogue' "$tmp/warn3.out")" "each is warned about at its key's line, and only those"
rm "$conf/connectors.d/hj.conf"

# An explicit catalogue path must exist; the default one may be absent.
printf 'catalog = nowhere.conf\n' >"$tmp/key"
sed -i "/^\[iocd\]/r $tmp/key" "$conf/iocd.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/missing.out" 2>&1
same 1 "$?" "a catalogue named in iocd.conf that does not exist is an error"
same "$conf/nowhere.conf: cannot open: No such file or directory" "$(grep -F "$conf/nowhere.conf" "$tmp/missing.out")" \
    "naming the file, in one line"
sed -i '/^catalog = nowhere.conf$/d' "$conf/iocd.conf"
rm "$conf/catalog.conf"
"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/builtin.out" 2>&1
same 0 "$?" "without a deployed catalogue the configuration is still valid"
contains "$tmp/builtin.out" "catalogue built-in (0 metrics, 16 units)" "and the built-in units stand in"
finish
