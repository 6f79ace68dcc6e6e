#!/usr/bin/env bash
# test_targets - the catalogue's targets applied to records end to end
# (issue 12 item 3, first acceptance point): a report of indicators carrying
# the seeds' figures is served over HTTP (python3 http.server on loopback)
# to two http_json instances; iocd, with the shipped conf/catalog.conf,
# publishes to a real mosquitto; a subscriber reads every retained record
# and each one's status and target must be exactly the expected ones:
#   - 37 % of procedures fully online (level 4) against 100 % by 2025:
#     breach; 92 % is warn against 2025's band (from 90) but breach
#     against 2030's (from 95): the record's period picks the target;
#   - 95 % of households with broadband against >= 95: ok (on the edge),
#     85 %: warn (the band's far edge);
#   - 5G coverage against 99 % by 2030: 12 % breach, 92 % warn; 4G has no
#     target: status none, no target object;
#   - IPv6 against the range 90..100 (warn 80..100): 95 ok, 84 warn;
#   - digital economy share of GRDP: 12 % in a 2026 period is a breach of
#     2030's 20 %; the same 12 % timed 2025-12-31T23:59:59+07:00 without a
#     period is ok against 2025's 10 % (ts picks the year, in +07:00);
#   - work files online, level xa: 55 % is warn against 60 (from 50);
#   - a deprecated per-metric `target` of http_json (>= 90) overrides the
#     catalogue's 99 for satisfaction: 93 is ok, with the record's own
#     target; --check-config warns about it with FILE:LINE.
# Every record is valid against docs/metric.schema.json.
source "$(dirname "$0")/lib.sh"

start_mosquitto M

mkdir -p "$tmp/www"
# rec CODE VALUE AREA FROM TO
jq -n '
def rec($c; $v; $a; $f; $t): {chiTieu: $c, giaTri: $v, maXa: $a, tuNgay: $f, denNgay: $t};
{capNhat: "2026-07-05T09:00:00+07:00",
 duLieu: [
  rec("dvc_muc_do_4"; 37; "31825"; "2025-01-01"; "2025-12-31"),
  rec("dvc_muc_do_4"; 92; "31834"; "2025-01-01"; "2025-12-31"),
  rec("dvc_muc_do_4"; 92; "31840"; "2026-01-01"; "2026-06-30"),
  rec("dvc_muc_do_4"; 100; "32002"; "2026-01-01"; "2026-06-30"),
  rec("ho_bang_rong"; 95; "31825"; "2025-01-01"; "2025-12-31"),
  rec("ho_bang_rong"; 85; "31834"; "2025-01-01"; "2025-12-31"),
  rec("phu_song_5g"; 12; "31825"; "2025-06-01"; "2025-06-30"),
  rec("phu_song_5g"; 92; "31834"; "2026-06-01"; "2026-06-30"),
  rec("phu_song_4g"; 98.5; "31825"; "2025-06-01"; "2025-06-30"),
  rec("ipv6"; 95; "31825"; "2026-01-01"; "2026-06-30"),
  rec("ipv6"; 84; "31834"; "2026-01-01"; "2026-06-30"),
  rec("kinh_te_so"; 12; "96"; "2026-01-01"; "2026-06-30"),
  rec("hscv_xa"; 55; "31825"; "2025-01-01"; "2025-12-31"),
  rec("hai_long"; 93; "31825"; "2026-01-01"; "2026-06-30")]}' >"$tmp/www/report.json"
jq -n '{duLieu: [{chiTieu: "kinh_te_so", giaTri: 12, maXa: "96",
                  capNhat: "2025-12-31T23:59:59+07:00"}]}' >"$tmp/www/bytime.json"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$tmp/www" >"$tmp/www.log" 2>&1 &
pids+=("$!")
wait_for 10 grep -q 'port [0-9]' "$tmp/www.log" || { echo "Bail out! python3 http.server did not start"; exit 1; }
www=http://127.0.0.1:$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/www.log" | head -1)

conf=$tmp/conf
make_conf "$conf" false
cp conf/catalog.conf "$conf/catalog.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
# metric LABEL NAME CODE [EXTRA...]: one indicator of the report.
metric() {
    local label=$1 name=$2 code=$3 extra
    shift 3
    printf 'metric.%s.name = %s\nmetric.%s.value = giaTri\nmetric.%s.unit = percent\nmetric.%s.where = chiTieu == %s\n' \
        "$label" "$name" "$label" "$label" "$label" "$code"
    for extra in "$@"; do printf 'metric.%s.%s\n' "$label" "$extra"; done
}
{
    printf 'plugin = http_json\ninterval = 1s\ntimeout = 3s\nurl = %s/report.json\n' "$www"
    printf 'records = duLieu[]\narea = maXa\ntime = $.capNhat\n'
    printf 'period_from = tuNgay\nperiod_to = denNgay\nperiod_format = date\n'
    metric l4 dvc.procedures.full_online_share dvc_muc_do_4
    metric broadband telecom.ftth_households ho_bang_rong
    metric g5 telecom.coverage phu_song_5g "dim.technology = 5G"
    metric g4 telecom.coverage phu_song_4g "dim.technology = 4G"
    metric ipv6 telecom.ipv6_share ipv6
    metric grdp economy.digital_grdp_share kinh_te_so
    metric files ioffice.files.online_share hscv_xa "dim.level = xa"
    metric happy dvc.satisfaction_ratio hai_long "target = >= 90"
} >"$conf/connectors.d/report.conf"
{
    printf 'plugin = http_json\ninterval = 1s\ntimeout = 3s\nurl = %s/bytime.json\n' "$www"
    printf 'records = duLieu[]\narea = maXa\ntime = capNhat\n'
    metric grdp economy.digital_grdp_share kinh_te_so
} >"$conf/connectors.d/bytime.conf"

"$IOCD" --check-config -c "$conf/iocd.conf" >"$tmp/check.out" 2>&1
same 0 "$?" "--check-config accepts the configuration"
line=$(grep -n '^metric.happy.target' "$conf/connectors.d/report.conf" | cut -d: -f1)
contains "$tmp/check.out" "$conf/connectors.d/report.conf:$line: warning: metric.happy.target: deprecated: give the metric its targets in the catalogue" \
    "--check-config warns about http_json's deprecated target key with FILE:LINE"

start_iocd run -c "$conf/iocd.conf"
# retained: every retained metric record of province 96, payload only.
retained() {
    timeout 10 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -t 'ioc/v1/96/report/#' \
        -t 'ioc/v1/96/bytime/#' --retained-only -W 2 -F '%p' >"$tmp/retained.jsonl" 2>/dev/null
    [ "$(wc -l <"$tmp/retained.jsonl")" -ge 15 ]
}
check "15 records are retained on MQTT" wait_for 20 retained
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "iocd stops cleanly"
same 15 "$(wc -l <"$tmp/retained.jsonl")" "exactly 15 retained records (one per series)"
valid_records "$tmp/retained.jsonl" "every record is valid against docs/metric.schema.json"

# The compared part of each record: source, metric, area, dims, value,
# status and the target without its basis (checked apart below).
jq -c -S '{source, metric, area: .area.code, dims: (.dims // {}), value, status,
           target: (.target // null | if . then del(.basis) else . end)}' \
    "$tmp/retained.jsonl" | sort >"$tmp/actual.jsonl"
Y2025='"period":{"from":2025,"to":2025}'
Y2030='"period":{"from":2026,"to":2030}'
Y2530='"period":{"from":2025,"to":2030}'
while IFS='|' read -r desc want; do
    [ -n "$desc" ] || continue
    if grep -qxF -- "$want" "$tmp/actual.jsonl"; then
        pass "$desc"
    else
        fail "$desc"
        echo "#   expected: $want"
        jq -c --argjson w "$want" 'select(.metric == $w.metric and .area == $w.area and .source == $w.source and .dims == $w.dims)' \
            "$tmp/actual.jsonl" | sed 's/^/#   got:      /'
    fi
done <<JSON
37 % of procedures fully online in 2025 against 100 %: breach|{"area":"31825","dims":{},"metric":"dvc.procedures.full_online_share","source":"report","status":"breach","target":{"id":"y2025","op":">=",$Y2025,"status":"breach","value":100,"warn":90},"value":37}
92 % in a 2025 period: warn (2025's band from 90)|{"area":"31834","dims":{},"metric":"dvc.procedures.full_online_share","source":"report","status":"warn","target":{"id":"y2025","op":">=",$Y2025,"status":"warn","value":100,"warn":90},"value":92}
92 % in a 2026 period: breach (2030's band from 95)|{"area":"31840","dims":{},"metric":"dvc.procedures.full_online_share","source":"report","status":"breach","target":{"id":"y2030","op":">=",$Y2030,"status":"breach","value":100,"warn":95},"value":92}
100 % in a 2026 period: ok|{"area":"32002","dims":{},"metric":"dvc.procedures.full_online_share","source":"report","status":"ok","target":{"id":"y2030","op":">=",$Y2030,"status":"ok","value":100,"warn":95},"value":100}
95 % of households with broadband against 95: ok (the goal's edge)|{"area":"31825","dims":{},"metric":"telecom.ftth_households","source":"report","status":"ok","target":{"id":"broadband","op":">=",$Y2530,"status":"ok","value":95,"warn":85},"value":95}
85 % of households with broadband: warn (the band's far edge)|{"area":"31834","dims":{},"metric":"telecom.ftth_households","source":"report","status":"warn","target":{"id":"broadband","op":">=",$Y2530,"status":"warn","value":95,"warn":85},"value":85}
5G covering 12 % against 99 % by 2030: breach|{"area":"31825","dims":{"technology":"5G"},"metric":"telecom.coverage","source":"report","status":"breach","target":{"id":"g5_2030","op":">=",$Y2530,"status":"breach","value":99,"warn":90},"value":12}
5G covering 92 %: warn|{"area":"31834","dims":{"technology":"5G"},"metric":"telecom.coverage","source":"report","status":"warn","target":{"id":"g5_2030","op":">=",$Y2530,"status":"warn","value":99,"warn":90},"value":92}
4G coverage has no target: status none, no target|{"area":"31825","dims":{"technology":"4G"},"metric":"telecom.coverage","source":"report","status":"none","target":null,"value":98.5}
IPv6 95 % inside the range 90..100: ok|{"area":"31825","dims":{},"metric":"telecom.ipv6_share","source":"report","status":"ok","target":{"id":"y2030","max":100,"min":90,"op":"range",$Y2530,"status":"ok","warn":{"max":100,"min":80}},"value":95}
IPv6 84 % inside the band 80..100: warn|{"area":"31834","dims":{},"metric":"telecom.ipv6_share","source":"report","status":"warn","target":{"id":"y2030","max":100,"min":90,"op":"range",$Y2530,"status":"warn","warn":{"max":100,"min":80}},"value":84}
digital economy 12 % of GRDP in a 2026 period: breach of 2030's 20 % (band from 15)|{"area":"96","dims":{},"metric":"economy.digital_grdp_share","source":"report","status":"breach","target":{"id":"y2030","op":">=",$Y2030,"status":"breach","value":20,"warn":15},"value":12}
the same 12 % timed 2025-12-31T23:59:59+07:00, no period: ok against 2025's 10 %|{"area":"96","dims":{},"metric":"economy.digital_grdp_share","source":"bytime","status":"ok","target":{"id":"y2025","op":">=",$Y2025,"status":"ok","value":10,"warn":8},"value":12}
work files online 55 % at level xa: warn against 60 (from 50)|{"area":"31825","dims":{"level":"xa"},"metric":"ioffice.files.online_share","source":"report","status":"warn","target":{"id":"xa_2025","op":">=",$Y2025,"status":"warn","value":60,"warn":50},"value":55}
a record's own target (deprecated http_json key, >= 90) overrides the catalogue's 99: ok|{"area":"31825","dims":{},"metric":"dvc.satisfaction_ratio","source":"report","status":"ok","target":{"op":">=","status":"ok","value":90},"value":93}
JSON
same "breach=4 none=1 ok=5 warn=5" \
    "$(jq -r .status "$tmp/retained.jsonl" | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}')" \
    "statuses over the 15 records: 4 breach, 5 warn, 5 ok, 1 none"
same "Nghị quyết 05-NQ/TU (14/7/2022) of the Cà Mau Party Committee on digital transformation to 2025, towards 2030: 100% of eligible procedures fully online (level 4) by 2025" \
    "$(jq -r 'select(.area.code == "31825" and .metric == "dvc.procedures.full_online_share") | .target.basis' "$tmp/retained.jsonl")" \
    "the target carries its basis"
finish
