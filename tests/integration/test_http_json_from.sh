#!/usr/bin/env bash
# test_http_json_from - http_json's names, units and targets read from a
# record's fields (issue 12 item 7), end to end with `iocd --once` over
# fixtures served by feedsim's /static feed:
#  - the 12-indicator report (tests/fixtures/http_json/ind12.json: 12
#    codes x 3 communes) mapped the new way (name_from + name_map,
#    unit_from + unit_map: docs/examples/http_json-indicators-after.conf)
#    publishes exactly the 36 expected records and the daemon its 3 province sums (name, unit, value, area,
#    ts), the same as the old way (one `where` block per indicator:
#    docs/examples/http_json-indicators-before.conf), whose mapping is 48
#    lines against 16;
#  - hostile codes and units (tests/fixtures/http_json/hostile_codes.json:
#    a newline, ANSI escapes, a 10 kB string, ../, MQTT # and +, a unit
#    off the list) are each rejected with its exact line and counted; only
#    the two good records are published; no hostile text reaches a topic
#    (a real mosquitto, every retained topic listed), a metric name, a unit
#    or a raw log line;
#  - target_from: each station's own alarm level becomes its record's
#    target; a station without one publishes without a target; one whose
#    level is not a number is rejected.
source "$(dirname "$0")/lib.sh"

static=$tmp/static
mkdir -p "$static"
cp tests/fixtures/http_json/ind12.json tests/fixtures/http_json/hostile_codes.json \
    tests/fixtures/http_json/stations.json "$static/"
FEEDSIM_STATIC_DIR=$static start_feedsim S

# conf NAME: a configuration tree $tmp/NAME with the shipped catalogue;
# the instance file is written by the caller to $tmp/NAME/connectors.d/NAME.conf.
conf() {
    make_conf "$tmp/$1"
    sed -i "s|^gazetteer = .*|&\ncatalog = $top/conf/catalog.conf|" "$tmp/$1/iocd.conf"
}
# example NAME SET FILE: instance NAME from docs/examples/FILE reading /static?f=SET.
example() {
    conf "$1"
    sed "s|^url = .*|url = $FEED_S/static?f=$2|" "docs/examples/$3" >"$tmp/$1/connectors.d/$1.conf"
}
# once NAME: iocd --once of the tree; output in $tmp/NAME.out, .err; status in $rc.
once() {
    "$IOCD" -c "$tmp/$1/iocd.conf" --once >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
}
# records NAME: "metric area unit value ts target" per record, sorted.
records() {
    jq -r '"\(.metric) \(.area.code) \(.unit) \(.value) \(.ts) \(.target // "-" | if type == "object" then "\(.op)\(.value)" else . end)"' \
        "$tmp/$1.out" | sort
}
# counters NAME METRICS REJECTED: the poll succeeded with these counts.
counters() {
    contains "$tmp/$1.err" "info: $1: counters: polls_ok=1 polls_failed=0 metrics=$2 rejected=$3 " \
        "$1: one poll, $2 metrics, $3 rejected"
}

### the 12-indicator report, both ways #######################################
# code name unit, then the values of communes 32002, 32014, 32025, then
# the target the shipped catalogue gives the metric at commune level.
while read -r code name unit a b c target; do
    for pair in "32002 $a" "32014 $b" "32025 $c"; do
        echo "$name ${pair% *} $unit ${pair#* } 2025-08-01T08:00:00+07:00 ${target:--}"
    done
done >"$tmp/ind12.expected" <<'TABLE'
CT01 ioffice.docs.incoming count 1320 412 388
CT02 ioffice.docs.outgoing count 544 201 176
CT03 ioffice.docs.on_time_share percent 96.2 91.5 88
CT04 ioffice.files.online_share percent 93.1 81.4 62.5
CT05 dvc.online_ratio percent 37.2 41 29.5
CT06 dvc.on_time_ratio percent 97.8 99.1 95 >=95
CT07 dvc.satisfaction_ratio percent 99.2 98.4 100 >=99
CT08 dvc.dossiers.received count 1199 356 402
CT09 telecom.coverage percent 98.5 97 95.5
CT10 telecom.ftth_households percent 71.3 64.8 58.9 >=95
CT11 climate.salinity permille 4.2 6.8 11.5
CT12 climate.water_level cm 152 98 131
TABLE
# The daemon's rollups (the catalogue marks these three `sum`) add the
# province totals of the three communes; the ratio metrics come without
# their parts, so they are not rolled up (a warning says so).
cat >>"$tmp/ind12.expected" <<'ROLLUPS'
ioffice.docs.incoming 96 count 2120 2025-08-01T08:00:00+07:00 -
ioffice.docs.outgoing 96 count 921 2025-08-01T08:00:00+07:00 -
dvc.dossiers.received 96 count 1957 2025-08-01T08:00:00+07:00 -
ROLLUPS
sort -o "$tmp/ind12.expected" "$tmp/ind12.expected"
same 39 "$(wc -l <"$tmp/ind12.expected")" \
    "the expected list holds 12 indicators x 3 communes and 3 province sums"

for way in after before; do
    example "$way" ind12 "http_json-indicators-$way.conf"
    "$IOCD" -c "$tmp/$way/iocd.conf" --check-config >"$tmp/$way.check" 2>&1
    same "0 0" "$? $(grep -c 'warning' "$tmp/$way.check")" \
        "$way: --check-config passes without a warning"
    once "$way"
    same 0 "$rc" "$way: iocd --once exits 0"
    counters "$way" 39 0
    if diff "$tmp/ind12.expected" <(records "$way") >"$tmp/$way.diff"; then
        pass "$way: exactly the 39 expected records (name, area, unit, value, ts)"
    else
        fail "$way: exactly the 39 expected records"
        head -20 "$tmp/$way.diff" | sed 's/^/#   /'
    fi
    valid_records "$tmp/$way.out" "$way: records valid against the schema"
done
same "dvc.on_time_ratio ok ok ok
dvc.satisfaction_ratio ok warn ok
telecom.ftth_households breach breach breach" \
    "$(jq -r 'select(.target) | "\(.metric) \(.area.code) \(.status)"' "$tmp/after.out" | sort |
        awk '{s[$1] = s[$1] " " $3} END {for (m in s) print m s[m]}' | sort)" \
    "the catalogue's targets give each commune its status (98.4 is inside the 95..99 band)"
same 30 "$(jq -r 'select(.target | not) | .status' "$tmp/after.out" | grep -c '^none$')" \
    "the 30 records without a target say status none"
# Whole records, less what names the instance (source, series) and seq.
strip() { jq -c -S 'del(.source, .series, .seq)' "$tmp/$1.out" | sort; }
same "$(strip before)" "$(strip after)" "before and after publish identical records"
mapping_lines() { grep -c '^metric\.' "docs/examples/http_json-indicators-$1.conf"; }
same "48 16" "$(mapping_lines before) $(mapping_lines after)" \
    "the mapping of 12 indicators: 48 lines the old way, 16 the new way"

### hostile codes and units ##################################################
start_mosquitto B
example hostile hostile_codes http_json-indicators-after.conf
sed -i '/^time = /d' "$tmp/hostile/connectors.d/hostile.conf" # the fixture has no time
add_sink_mqtt "$tmp/hostile" "$MQTT_PORT_B"
once hostile
same 0 "$rc" "hostile: iocd --once exits 0 (the daemon keeps running the good records)"
counters hostile 3 10
same "ioffice.docs.incoming 32002 count 10
ioffice.docs.incoming 96 count 10
ioffice.docs.on_time_share 32014 percent 11" \
    "$(jq -r '"\(.metric) \(.area.code) \(.unit) \(.value)"' "$tmp/hostile.out" | sort)" \
    "hostile: only the two good records (and the province sum of one) are published"
w="warning: hostile: page 1 record"
not_listed="which metric.kpi.name_map does not list (12 allowed); record skipped"
no_unit="which metric.kpi.unit_map does not list (5 allowed); record skipped"
same "$w 2 (area 32002): field 'ma_chi_tieu' is \"CT99\", $not_listed
$w 3 (area 32002): field 'ma_chi_tieu' is \"CT01?info: forged line\", $not_listed
$w 4 (area 32002): field 'ma_chi_tieu' is \"?[31mCT01\", $not_listed
$w 5 (area 32002): field 'ma_chi_tieu' is longer than 63 bytes; record skipped
$w 6 (area 32002): field 'ma_chi_tieu' is \"../CT01\", $not_listed
$w 7 (area 32002): field 'ma_chi_tieu' is \"CT01/#\", $not_listed
$w 8 (area 32002): field 'ma_chi_tieu' is \"+\", $not_listed
$w 9 (area 32002): field 'don_vi' is \"kg\", $no_unit
$w 10 (area 32002): field 'don_vi' is \"%??[2J\", $no_unit
$w 11 (area 32002): field 'don_vi' is \"../#\", $no_unit" "$(untimed "$tmp/hostile.err" | grep -F "$w")" \
    "hostile: each rejected record's exact line: connector, page, record, area, field, value, reason"
same "0 0 0" "$(grep -c $'\x1b' "$tmp/hostile.err") $(untimed "$tmp/hostile.err" | grep -c '^info: forged') $(grep -c 9999999999 "$tmp/hostile.err")" \
    "hostile: no raw escape byte, no forged line, no 10 kB value in the log"
same "$(sort -u <<<"ioffice.docs.incoming
ioffice.docs.on_time_share
count
percent")" "$(jq -r '.metric, .unit' "$tmp/hostile.out" | sort -u)" \
    "hostile: names and units are only the allow-lists' values"
mqtt_retained "$MQTT_PORT_B" 'ioc/v1/96/hostile/#' "$tmp/hostile.topics"
same "ioc/v1/96/hostile/ioffice.docs.incoming/32002
ioc/v1/96/hostile/ioffice.docs.incoming/96
ioc/v1/96/hostile/ioffice.docs.on_time_share/32014" "$(cut -d' ' -f1 "$tmp/hostile.topics" | sort)" \
    "hostile: the broker holds exactly the good records' topics"
mqtt_retained "$MQTT_PORT_B" '#' "$tmp/all.topics"
same 0 "$(cut -d' ' -f1 "$tmp/all.topics" | grep -cE 'CT|\.\./|forged|\+|#|kg')" \
    "hostile: no topic on the broker carries hostile text ($(wc -l <"$tmp/all.topics") retained topics)"
stop_pid "$MQTT_PID_B"

### target_from: each station's own alarm level ##############################
conf stations
cat >"$tmp/stations/connectors.d/stations.conf" <<CONF
plugin = http_json
url = $FEED_S/static?f=stations
records = tram[]
area = ma_xa
time = \$.cap_nhat
dim.station = ma_tram
metric.level.name = climate.water_level
metric.level.value = muc_nuoc
metric.level.unit = cm
metric.level.target_from = <= muc_bao_dong
CONF
once stations
same 0 "$rc" "stations: iocd --once exits 0"
counters stations 4 1
same "climate.water_level 32002 cm 152 2025-10-15T07:00:00+07:00 <=150
climate.water_level 32014 cm 98 2025-10-15T07:00:00+07:00 <=120
climate.water_level 32025 cm 131 2025-10-15T07:00:00+07:00 -
climate.water_level 32041 cm 110 2025-10-15T07:00:00+07:00 -" "$(records stations)" \
    "stations: each record's target is its own station's alarm level (none when it has none)"
# A record's own target decides its status (ok or breach: it has no band),
# before any target of the catalogue.
same "CM01 breach
CM02 ok" "$(jq -r 'select(.target) | "\(.dims.station) \(.target.status)"' "$tmp/stations.out" | sort)" \
    "stations: 152 cm over its 150 cm alarm is a breach, 98 cm under 120 cm is ok"
same "warning: stations: page 1 record 5 (area 32152): field 'muc_bao_dong' is a string (\"cao\"), expected a number; set number_strings to parse it; record skipped" \
    "$(untimed "$tmp/stations.err" | grep -F 'warning: stations:')" \
    "stations: an alarm level that is not a number rejects its record, named"

finish
