#!/usr/bin/env bash
# test_series_restart - the series state survives a restart (issue 13 item
# 4: daemon/series_store.c, pipeline_keep_series/pipeline_save_series) with
# a real mosquitto, kafka-mock and feedsim's /static feed (a fixture file the
# test rewrites). One http_json instance polls N=5 series every second;
# [sink.mqtt] refresh = 1h, so after the first poll only a change, or a
# re-publish, puts a message on MQTT. Each run has its own live subscriber
# (mosquitto_sub -R: retained replays are not counted), ready before iocd
# starts. Shown, with exact counts:
#  - run 1 publishes the N series and saves them at SIGTERM (logged count);
#  - run 2, same unchanged feed: the N series are restored (logged), 0 are
#    re-published over several polls, the MQTT counters say queued=0 and
#    unchanged= every observation; one value changed: exactly 1 message,
#    with the new value; Kafka (on_change = false) got every observation of
#    runs 1 and 2, counted against stdout;
#  - the file deleted: run 3 publishes all N (and says none was saved);
#  - iocd --republish: run 4 publishes all N (and says the file was not read);
#  - kill -9 after a periodic save (series_save_interval = 1s, the file's
#    inode changes at each save): run 6 re-publishes 0; kill -9 of run 6
#    after a change it published (its save interval 1h: no save since its
#    start): run 7 re-publishes exactly that 1 series, with its new value;
#  - run 7's broker restarted without persistence: the restored series are
#    part of the fresh-session re-publish (all N, resent=N), a new
#    subscriber gets all N back;
#  - the broker restarted without persistence while iocd was stopped: at
#    its first connection iocd finds no retained _catalog of its own, says
#    so, and re-publishes the N restored series (resent=N); a broker that
#    kept its store (runs 2, 6, 7) is never taken for one that lost it;
#  - a corrupt file: refused with a warning naming the file and the reason,
#    run 8 publishes all N and exits 0;
#  - iocd --once neither reads nor writes the file.
# TAP; stops what it starts by PID; bounded waits; asserts no duration.
source "$(dirname "$0")/lib.sh"

for tool in jq kcat mosquitto_sub mosquitto_pub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

N=5
mapfile -t AREAS < <(awk -F'\t' '$1 == "C" && $3 == "96" { print $2 }' "$GAZETTEER" | head -$N)
static=$tmp/static
mkdir -p "$static"
# feed V: the fixture, the first series' value V, the others 10, 11, ...
feed() {
    local i items=
    for ((i = 0; i < N; i++)); do
        items+="${items:+,}{\"area\":\"${AREAS[$i]}\",\"n\":$([ "$i" = 0 ] && echo "$1" || echo $((10 + i)))}"
    done
    printf '{"items":[%s]}\n' "$items" >"$static/kpi.json.tmp"
    mv "$static/kpi.json.tmp" "$static/kpi.json"
}
feed 5
FEEDSIM_STATIC_DIR=$static start_feedsim S
start_mosquitto M
start_kafka K

conf=$tmp/conf
make_conf "$conf"
sed -i 's/^stats_interval = 0$/&\nseries_save_interval = 1h/' "$conf/iocd.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
printf 'refresh = 1h\nretire_after = 2h\n' >>"$conf/iocd.conf"
add_sink_kafka "$conf" "$KAFKA_K"
printf '%s\n' "plugin = http_json" "url = $FEED_S/static?f=kpi" "interval = 1s" "timeout = 5s" \
    "records = items[]" "area = area" "metric.n.name = test.n" "metric.n.value = n" \
    "metric.n.unit = count" >"$conf/connectors.d/st.conf"
cache=$conf/state/series.cache

# subscribe NAME: a live subscriber to the series' topics (and a probe
# topic), into $tmp/NAME.sub, ready when it returns.
subscribe() {
    mosquitto_sub -p "$MQTT_PORT_M" -R -F '%t %l %p' -t 'ioc/v1/96/st/#' -t "probe/$1" \
        >"$tmp/$1.sub" 2>"$tmp/$1.sub.err" &
    SUB_PID=$!
    pids+=("$SUB_PID")
    local i
    for ((i = 0; i < 50; i++)); do
        mosquitto_pub -p "$MQTT_PORT_M" -t "probe/$1" -m x -q 1 2>/dev/null
        grep -q "^probe/$1 " "$tmp/$1.sub" && return 0
        sleep 0.1
    done
    echo "Bail out! subscriber $1 did not come up"
    exit 1
}
# published NAME: how many series messages subscriber NAME got.
published() { grep -c '^ioc/v1/96/st/' "$tmp/$1.sub" || true; }
# polls RUN K: at least K polls' worth (K*N records) on RUN's stdout.
polls() { [ "$(count_lines "$tmp/$1.out" '"source":"st"')" -ge $(($2 * N)) ]; }
# run NAME ARGS...: subscriber NAME, then iocd NAME with ARGS.
run() {
    local name=$1
    shift
    subscribe "$name"
    start_iocd "$name" "$@"
}
# finish_run NAME: SIGTERM, exit status 0, subscriber stopped.
finish_run() {
    stop_pid "$IOCD_PID"
    same 0 "$stop_rc" "$1: SIGTERM: exit status 0"
    stop_pid "$SUB_PID"
}
mqtt() { counter "$tmp/$1.err" "sink mqtt: queued=" "$2"; }
# restarted NAME ARGS...: run NAME; the N series restored (logged), then
# three polls.
restarted() {
    local name=$1
    shift
    run "$name" "$@"
    check "$name: the $N series are restored (logged)" wait_for 10 at_least 1 "$tmp/$name.err" \
        "series state $cache: $N series restored (0 not seen for 2h dropped)"
    check "$name: three polls" wait_for 20 polls "$name" 3
}
# all_published NAME: the N series reached subscriber NAME.
all_published() { check "$1: the $N series are published" wait_for 20 at_least_published "$1" "$N"; }
at_least_published() { [ "$(published "$1")" -ge "$2" ]; }
# killed: kill -9 the running iocd, stop its subscriber.
killed() {
    stop_pid "$IOCD_PID" KILL 2>/dev/null
    stop_pid "$SUB_PID"
}

### run 1: every series published, saved at shutdown ##########################
run r1 -c "$conf/iocd.conf"
all_published r1
contains "$tmp/r1.err" "series state $cache: none saved: every series is published at its first poll" \
    "r1: no saved state at first start (info line)"
wait_for 10 polls r1 3
finish_run r1
same "$N" "$(published r1)" "r1: $N MQTT messages in all (later polls unchanged)"
contains "$tmp/r1.err" "series state $cache: $N series saved" "r1: the $N series saved at shutdown"

### run 2: restored, nothing re-published; a change is #######################
restarted r2 -c "$conf/iocd.conf"
same 0 "$(published r2)" "r2: 0 of the $N unchanged series re-published after the restart"
feed 6
check "r2: the changed value is published" wait_for 15 bash -c "grep -q '\"value\":6,' '$tmp/r2.sub'"
before=$(count_lines "$tmp/r2.out" '"source":"st"')
check "r2: three more polls" wait_for 20 polls r2 $((before / N + 3))
finish_run r2
same 1 "$(published r2)" "r2: exactly 1 message: the changed series"
same "ioc/v1/96/st/test.n/${AREAS[0]}" "$(grep '^ioc/v1/96/st/' "$tmp/r2.sub" | cut -d' ' -f1)" \
    "r2: on the changed series' topic"
emitted2=$(count_lines "$tmp/r2.out" '"source":"st"')
same 1 "$(($(mqtt r2 queued) - $(counter "$tmp/r2.err" "series: count=" summaries)))" \
    "r2: the MQTT counters say queued=1 besides the source's summaries (_summary/st)"
same "$((emitted2 - 1))" "$(mqtt r2 unchanged)" \
    "r2: and unchanged= every other observation ($((emitted2 - 1)), $N per poll)"
same 0 "$(counter "$tmp/r2.err" "sink kafka: queued=" unchanged)" "r2: Kafka skips nothing"
emitted1=$(count_lines "$tmp/r1.out" '"source":"st"')
kafka_consume "$KAFKA_K" "$tmp/topic.tsv"
same "$((emitted1 + emitted2))" "$(wc -l <"$tmp/topic.tsv")" \
    "Kafka holds every observation of runs 1 and 2 ($emitted1 + $emitted2)"

### run 3: the file deleted: every series published ###########################
rm "$cache"
run r3 -c "$conf/iocd.conf"
all_published r3
wait_for 10 polls r3 3
finish_run r3
same "$N" "$(published r3)" "r3: exactly $N messages"
contains "$tmp/r3.err" "series state $cache: none saved" "r3: says none was saved"

### run 4: --republish ########################################################
run r4 -c "$conf/iocd.conf" --republish
all_published r4
wait_for 10 polls r4 3
finish_run r4
same "$N" "$(published r4)" "r4: exactly $N messages"
contains "$tmp/r4.err" "series state $cache: not read (--republish): every series is published at its first poll" \
    "r4: says the file was not read"
same 0 "$(count_lines "$tmp/r4.err" "series restored")" "r4: nothing restored"

### kill -9 after a periodic save ##############################################
fast=$tmp/fast
cp -r "$conf" "$fast" # state_dir stays $conf/state (an absolute path)
sed -i 's/^series_save_interval = 1h$/series_save_interval = 1s/' "$fast/iocd.conf"
restarted r5 -c "$fast/iocd.conf"
inode=$(stat -c %i "$cache")
check "r5: a periodic save replaced the file" wait_for 10 bash -c "[ \"\$(stat -c %i '$cache' 2>/dev/null)\" != '$inode' ]"
killed
same 0 "$(published r5)" "r5: nothing re-published"

restarted r6 -c "$conf/iocd.conf"
same 0 "$(published r6)" "r6: 0 re-published after a kill -9 (nothing changed since the save)"
feed 7
check "r6: the change is published" wait_for 15 bash -c "grep -q '\"value\":7,' '$tmp/r6.sub'"
killed
same 1 "$(published r6)" "r6: exactly 1 message, the change"

restarted r7 -c "$conf/iocd.conf"
same 1 "$(published r7)" "r7: exactly the 1 series changed since the last save is re-published"
same 7 "$(grep '^ioc/v1/96/st/' "$tmp/r7.sub" | cut -d' ' -f3- | jq -r .value)" "r7: with its new value"

### the restored series are part of a fresh session's re-publish #############
stop_pid "$SUB_PID"
stop_pid "$MQTT_PID_M"
start_mosquitto M2 "$MQTT_PORT_M"
check "r7: every series re-published for the fresh session, restored ones included" \
    wait_for 20 at_least 1 "$tmp/r7.err" "sink mqtt: re-published the last value of $N series for the fresh session"
check "r7: a new subscriber gets all $N back" wait_for 10 bash -c "[ \$(timeout 10 mosquitto_sub -p $MQTT_PORT_M -v -t 'ioc/v1/96/st/#' -W 1 2>/dev/null | awk '{print \$1}' | sort -u | wc -l) -ge $N ]"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "r7: SIGTERM: exit status 0"
same "$N" "$(mqtt r7 resent)" "r7: resent=$N"

### a broker that lost its retained store while iocd was stopped #############
# iocd is stopped (r7 saved its state); the broker restarts without
# persistence. At its first connection iocd finds no retained _catalog of
# its own before its new copy: the store was lost, and the restored series
# are re-published (without it screens would wait for refresh, 1h here).
stop_pid "$MQTT_PID_M2"
start_mosquitto M3 "$MQTT_PORT_M"
restarted r9 -c "$conf/iocd.conf"
check "r9: the lost retained store is noticed and said" wait_for 10 at_least 1 "$tmp/r9.err" \
    "sink mqtt: the broker holds no retained ioc/v1/96/_catalog: it lost its retained store while iocd was stopped; the restored series are published again"
check "r9: every restored series re-published" wait_for 20 at_least 1 "$tmp/r9.err" \
    "sink mqtt: re-published the last value of $N series for the fresh session"
check "r9: a new subscriber gets all $N back" wait_for 10 bash -c "[ \$(timeout 10 mosquitto_sub -p $MQTT_PORT_M -v -t 'ioc/v1/96/st/#' -W 1 2>/dev/null | awk '{print \$1}' | sort -u | wc -l) -ge $N ]"
finish_run r9
same "$N" "$(published r9)" "r9: exactly $N messages, once each"
same "$N" "$(mqtt r9 resent)" "r9: resent=$N"
for r in r2 r6 r7; do
    same 0 "$(grep -c 'lost its retained store' "$tmp/$r.err")" \
        "$r: a broker that kept its store is not taken for one that lost it"
done

### a corrupt file is refused, the daemon starts with an empty cache ##########
printf 'IOCDSERS\001\000\000\000garbage that is no series state at all\n' >"$cache"
run r8 -c "$conf/iocd.conf"
all_published r8
contains "$tmp/r8.err" "series state $cache: checksum mismatch (corrupt or truncated); starting with an empty cache: every series is published at its first poll" \
    "r8: the file is refused with its name and the reason"
finish_run r8
same "$N" "$(published r8)" "r8: exactly $N messages"

### --once neither reads nor writes it #######################################
inode=$(stat -c %i "$cache")
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.out" 2>"$tmp/once.err"
same 0 "$?" "--once: exit status 0"
same 0 "$(count_lines "$tmp/once.err" "series state")" "--once: no series state line (not read, not saved)"
same "$inode" "$(stat -c %i "$cache")" "--once: the file is the same"

finish
