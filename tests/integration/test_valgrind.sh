#!/usr/bin/env bash
# test_valgrind - one daemon scenario under valgrind's memcheck (issue 11,
# item 9): iocd with the generic http_json connector (a paged walk, four
# pages of the telecom report) and the dedicated telecom connector, both
# polling feedsim, publishing to a real mosquitto and tools/kafka-mock,
# then a SIGHUP reload, more polls, and SIGTERM. The run must be clean:
# no memory error, no definite leak (--errors-for-leak-kinds=definite makes
# them errors), exit status 0. tests/valgrind.supp holds the justified
# exceptions (one-off allocations inside libraries). The figures (errors,
# definite / indirect / possible leaks) are printed as TAP comments.
#
# Only in the plain build: valgrind cannot run a binary built with ASan or
# TSan (the test says so as a skip there). `make valgrind` runs it alone.
source "$(dirname "$0")/lib.sh"

if ! command -v valgrind >/dev/null; then
    echo "1..0 # SKIP valgrind is not installed"
    exit 0
fi
if readelf -d "$IOCD" | grep -qE 'lib[at]san'; then
    echo "1..0 # SKIP valgrind cannot run a sanitizer build ($BUILD)"
    exit 0
fi

TOKEN=t0k-valgrind
start_feedsim A --seed 11 --records 192 --token "$TOKEN"
start_mosquitto M
start_kafka K
conf=$tmp/conf
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_sink_kafka "$conf" "$KAFKA_K"
printf '%s\n' "plugin = telecom" "interval = 2s" "timeout = 20s" "url = $FEED_A/telecom" \
    "token = $TOKEN" "page_size = 50" >"$conf/connectors.d/tel.conf"
# The example mapping of the same report, walked 50 records a page.
sed -e "s|^url = .*|url = $FEED_A/telecom|" -e 's|^interval = .*|interval = 2s|' \
    -e 's|^page_size = .*|page_size = 50|' conf/examples/telecom.conf >"$conf/connectors.d/hj.conf"
printf '%s\n' "auth = bearer" "token = $TOKEN" >>"$conf/connectors.d/hj.conf"
check "the configuration is valid" "$IOCD" -c "$conf/iocd.conf" --check-config

vlog=$tmp/valgrind.log
out=$tmp/run.out err=$tmp/run.err
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
    --error-exitcode=99 --num-callers=30 --suppressions="$top/tests/valgrind.supp" \
    --log-file="$vlog" "$IOCD" -c "$conf/iocd.conf" >"$out" 2>"$err" &
IOCD_PID=$!
pids+=("$IOCD_PID")
started=$SECONDS

# Valgrind runs the daemon some 20-50 times slower: generous bounds.
check "http_json publishes (a four-page walk)" wait_for 120 at_least 192 "$out" '"source":"hj"'
check "telecom publishes" wait_for 120 at_least 192 "$out" '"source":"tel"'
kill -HUP "$IOCD_PID"
check "SIGHUP: the configuration is reloaded" wait_for 60 at_least 1 "$err" "configuration reloaded"
# The reload replaced both instances (the old ones publish nothing more):
# the new ones must poll too.
hj_before=$(count_lines "$out" '"source":"hj"')
tel_before=$(count_lines "$out" '"source":"tel"')
check "http_json polls again after the reload" \
    wait_for 120 at_least $((hj_before + 192)) "$out" '"source":"hj"'
check "telecom polls again after the reload" \
    wait_for 120 at_least $((tel_before + 192)) "$out" '"source":"tel"'
# The walks are paged: 192 records 50 a page are 4 requests a poll (plus up
# to 4 of a walk under way: a walk counts as a poll after it is published).
# hj_polled: ask for the counters (SIGUSR1); has the new http_json
# instance finished a poll?
hj_polled() {
    local lines
    lines=$(count_lines "$err" "hj: counters:")
    kill -USR1 "$IOCD_PID"
    wait_for 10 at_least $((lines + 1)) "$err" "hj: counters:" &&
        [ "$(counter "$err" "hj: counters:" polls_ok)" -ge 1 ]
}
check "SIGUSR1: the new http_json instance counts its polls" wait_for 60 hj_polled
polls=$(counter "$err" "hj: counters:" polls_ok)
requests=$(counter "$err" "hj: counters:" http_requests)
check "http_json: every poll walked four pages ($polls polls, $requests requests)" \
    test "${polls:-0}" -ge 1 -a "${requests:-0}" -ge $((4 * ${polls:-0})) \
    -a "${requests:-0}" -le $((4 * ${polls:-0} + 4))
contains "$err" "hj: counters: polls_ok=$polls polls_failed=0 " "http_json: no poll failed"

# SIGTERM; the leak check itself takes a while under valgrind.
kill -TERM "$IOCD_PID"
wait_for 120 bash -c "! kill -0 $IOCD_PID 2>/dev/null"
kill -0 "$IOCD_PID" 2>/dev/null && kill -KILL "$IOCD_PID"
wait "$IOCD_PID"
rc=$?
echo "# iocd ran $((SECONDS - started)) s under valgrind"
same 0 "$rc" "SIGTERM: iocd exits 0 under valgrind (99 would be a memcheck error)"

# The sinks were real: the broker and the topic hold what was published.
mqtt_retained "$MQTT_PORT_M" 'ioc/v1/96/#' "$tmp/retained.txt"
check "mosquitto holds retained metrics of both instances" \
    bash -c "grep -q '^ioc/v1/96/hj/' '$tmp/retained.txt' && grep -q '^ioc/v1/96/tel/' '$tmp/retained.txt'"
kafka_consume "$KAFKA_K" "$tmp/topic.all.tsv"
# Alerts (breach, stale) share the topic, keyed _alert/<series>: counted apart.
grep -v '^_alert/' "$tmp/topic.all.tsv" >"$tmp/topic.tsv"
emitted=$(grep -c '"source":' "$out")
same "$emitted" "$(wc -l <"$tmp/topic.tsv")" "the Kafka topic holds every metric emitted ($emitted)"
same "$(counter "$err" "series: count=" alerts)" "$(grep -c '^_alert/' "$tmp/topic.all.tsv")" \
    "and the alerts the daemon counted"

# What memcheck found.
summary() { sed -n "s/^==[0-9]*== *$1: *\([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\1 bytes in \2 blocks/p" "$vlog" | tail -1; }
echo "# valgrind: $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$vlog" | tail -1)"
echo "# valgrind: definitely lost $(summary 'definitely lost'), indirectly lost $(summary 'indirectly lost'), possibly lost $(summary 'possibly lost'), still reachable $(summary 'still reachable')"
check "memcheck: no memory error, no definite leak (ERROR SUMMARY: 0 errors)" \
    grep -q 'ERROR SUMMARY: 0 errors' "$vlog"
same "" "$(grep -E 'definitely lost: [1-9]' "$vlog")" "memcheck: nothing definitely lost"
if ! grep -q 'ERROR SUMMARY: 0 errors' "$vlog"; then
    grep -E -A25 'Invalid|uninitialised|definitely lost in' "$vlog" | head -120 | sed 's/^/#   /'
fi
finish
