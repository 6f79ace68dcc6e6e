#!/usr/bin/env bash
# test_secrets - no configured secret reaches a log line, a status topic
# message or a systemd STATUS= line (issue 11's acceptance).
#
# One run uses every kind of secret iocd knows, each a distinctive string:
# bearer tokens from token_file (feed A) and inline (feed B), which feedsim
# checks (--token), a basic-auth password (C), header.* values inline and
# from header.NAME_file, a query.* value, the MQTT password (mosquitto with
# a password file and no anonymous access), and a Kafka SASL password from
# kafka.sasl.password_file. librdkafka 2.0.2's mock broker (tools/kafka-mock)
# answers no SASL handshake ("SASL Handshake not supported by broker"), so
# the run keeps the default plaintext protocol: the password goes through
# the configuration, --check-config and librdkafka's settings, not on the
# wire. The SASL_PLAINTEXT warning is checked on a copy of the tree. Feed A
# then answers HTTP 500 and a malformed page; the daemon is reloaded
# (SIGHUP) and stopped (SIGTERM); `--check-config` runs on the tree and on
# a copy whose URL carries user:pass@. Then every stderr line, every
# message seen on the _status topics (mosquitto_sub -v), every datagram on
# NOTIFY_SOCKET and both --check-config outputs are searched for each
# secret: none may appear. Checks before the search show that each secret
# was used and each kind of output was really produced, so an empty file
# cannot pass.
source "$(dirname "$0")/lib.sh"
NOTIFY_LISTEN=$top/$BUILD/tools/notify-listen

S_TOKEN_FILE=SeCrEt-BearerFile-7b1f0c
S_TOKEN_INLINE=SeCrEt-BearerInline-93ad2e
S_BASIC=SeCrEt-BasicPass-41c8aa
S_HDR_INLINE=SeCrEt-HeaderInline-5e2d71
S_HDR_FILE=SeCrEt-HeaderFile-c04a19
S_QUERY=SeCrEt-Query-88f3b2
S_MQTT=SeCrEt-MqttPass-2a6e90
S_KAFKA=SeCrEt-KafkaSasl-f3d517
S_URL=SeCrEt-UrlPass-d9e7a4
SECRETS=("$S_TOKEN_FILE" "$S_TOKEN_INLINE" "$S_BASIC" "$S_HDR_INLINE" "$S_HDR_FILE" "$S_QUERY"
         "$S_MQTT" "$S_KAFKA" "$S_URL")

### the parts: feeds, a broker with passwords, Kafka ######################
start_feedsim A --records 20 --token "$S_TOKEN_FILE"
start_feedsim B --records 20 --token "$S_TOKEN_INLINE"
start_feedsim C --records 20

# mosquitto without anonymous access: iocd logs in as "iocd", the test's
# subscriber as "watcher" (its password is not one of iocd's secrets).
mosquitto_passwd -b -c "$tmp/mqtt.passwd" iocd "$S_MQTT" >/dev/null 2>&1
mosquitto_passwd -b "$tmp/mqtt.passwd" watcher watcher-pw >/dev/null 2>&1
MQTT_PORT=
for ((try = 0; try < 10; try++)); do
    port=$((20000 + RANDOM % 40000))
    printf 'listener %s 127.0.0.1\nallow_anonymous false\npassword_file %s\npersistence false\nuser root\n' \
        "$port" "$tmp/mqtt.passwd" >"$tmp/mosquitto.conf"
    mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
    mqtt_pid=$!
    pids+=("$mqtt_pid")
    if wait_for 5 timeout 2 mosquitto_pub -h 127.0.0.1 -p "$port" -u watcher -P watcher-pw \
        -t iocd-test/ping -m x -q 1; then
        MQTT_PORT=$port
        break
    fi
    stop_pid "$mqtt_pid"
done
[ -n "$MQTT_PORT" ] || { echo "Bail out! mosquitto with passwords did not start"; exit 1; }
check "the broker refuses a client without the password" \
    bash -c "! timeout 2 mosquitto_pub -h 127.0.0.1 -p $MQTT_PORT -t x -m x -q 1 2>/dev/null"
start_kafka K

### the configuration ######################################################
conf=$tmp/conf
make_conf "$conf" false
sed -i 's/^stats_interval = 0$/stats_interval = 1s\nlog_level = debug/' "$conf/iocd.conf"
umask 077
printf '%s\n' "$S_TOKEN_FILE" >"$conf/token-a"
printf 'X-Api-Key: %s\n' "$S_HDR_FILE" >"$conf/header-a"
printf '%s\n' "$S_MQTT" >"$conf/mqtt-password"
printf '%s\n' "$S_KAFKA" >"$conf/kafka-password"
umask 022
cat >>"$conf/iocd.conf" <<CONF

[sink.mqtt]
enabled = true
port = $MQTT_PORT
username = iocd
password_file = mqtt-password
reconnect_max = 2s
keepalive = 5s

[sink.kafka]
enabled = true
bootstrap_servers = $KAFKA_K
kafka.reconnect.backoff.max.ms = 1000
kafka.sasl.username = iocd
kafka.sasl.password_file = kafka-password
CONF
# ioffice's mapping (conf/examples) polled every second, failing fast.
instance() {
    local name=$1 url=$2
    shift 2
    sed -e "s|^url = .*|url = $url|" -e "s/^interval = .*/interval = 1s/" \
        -e "s/^timeout = .*/timeout = 5s/" conf/examples/ioffice.conf >"$conf/connectors.d/$name.conf"
    printf 'backoff_max = 1s\nfail_after = 1\n' >>"$conf/connectors.d/$name.conf"
    printf '%s\n' "$@" >>"$conf/connectors.d/$name.conf"
}
instance feeda "$FEED_A/ioffice" "auth = bearer" "token_file = $conf/token-a" \
    "header.api_file = $conf/header-a" "query.key = api_key=$S_QUERY"
instance feedb "$FEED_B/ioffice" "auth = bearer" "token = $S_TOKEN_INLINE" \
    "header.key = X-Api-Key: $S_HDR_INLINE"
instance feedc "$FEED_C/ioffice" "auth = basic" "username = feeduser" "password = $S_BASIC"
chmod 644 "$conf"/connectors.d/*.conf

### --check-config: warnings name file:line, never a value ###############
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/check.out" 2>"$tmp/check.err"
same 0 "$?" "--check-config passes (warnings only)"
# line FILE KEY: the line number of "KEY =" in FILE.
line() { grep -n "^$2 =" "$1" | cut -d: -f1; }
for w in "feedb token" "feedb header.key" "feedc password" "feeda query.key"; do
    set -- $w
    contains "$tmp/check.err" \
        "$conf/connectors.d/$1.conf:$(line "$conf/connectors.d/$1.conf" "$2"): warning: '$2' is a secret written inline" \
        "--check-config warns about $1's inline $2 at its file:line"
done
same 4 "$(grep -c "is a secret written inline" "$tmp/check.err")" "... and about nothing else inline"
contains "$tmp/check.err" "$conf/iocd.conf:17: warning: 'password' without tls = true" \
    "--check-config warns about MQTT credentials without TLS"
cp -r "$conf" "$tmp/plain"
sed -i "s|$conf/|$tmp/plain/|g" "$tmp/plain/iocd.conf" "$tmp/plain/connectors.d/"*.conf
printf 'kafka.security.protocol = sasl_plaintext\nkafka.sasl.mechanism = PLAIN\n' >>"$tmp/plain/iocd.conf"
"$IOCD" -c "$tmp/plain/iocd.conf" --check-config >"$tmp/plain.out" 2>"$tmp/plain.err"
same 0 "$?" "--check-config passes SASL_PLAINTEXT with a warning"
contains "$tmp/plain.err" "warning: 'kafka.security.protocol' = 'sasl_plaintext': SASL PLAIN over plaintext" \
    "--check-config warns about SASL PLAIN in the clear"
cp -r "$conf" "$tmp/badurl"
sed -i "s|^url = http://|url = http://feeduser:$S_URL@|" "$tmp/badurl/connectors.d/feedc.conf"
sed -i "s|$conf/|$tmp/badurl/|g" "$tmp/badurl/iocd.conf" "$tmp/badurl/connectors.d/"*.conf
"$IOCD" -c "$tmp/badurl/iocd.conf" --check-config >"$tmp/badurl.out" 2>"$tmp/badurl.err"
same 1 "$?" "--check-config refuses a URL with user:pass@"
contains "$tmp/badurl.err" \
    "$tmp/badurl/connectors.d/feedc.conf:$(line "$conf/connectors.d/feedc.conf" url): 'url' = 'http://***@127.0.0.1:" \
    "... naming file:line and showing the URL without its credentials"

### the run ###############################################################
"$NOTIFY_LISTEN" "$tmp/notify.sock" >"$tmp/notify.log" 2>&1 &
pids+=("$!")
wait_for 5 test -S "$tmp/notify.sock" || echo "Bail out! notify-listen did not start"
timeout 120 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u watcher -P watcher-pw -v \
    -t 'ioc/v1/+/_status/#' >"$tmp/status.txt" 2>"$tmp/status.err" &
sub_pid=$!
pids+=("$sub_pid")
timeout 120 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u watcher -P watcher-pw -v \
    -t 'ioc/v1/96/feeda/#' -C 1 >"$tmp/metric-a.txt" 2>/dev/null &
pids+=("$!")
NOTIFY_SOCKET=$tmp/notify.sock start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err

for name in feeda feedb feedc; do
    check "$name: state ok on its status topic" \
        wait_for 20 at_least 1 "$tmp/status.txt" "ioc/v1/96/_status/$name {\"schema\":\"ioc.status/1\",\"instance\":\"$name\",\"source\":\"$name\",\"state\":\"ok\""
done
check "metrics reach the broker (iocd logged in with the MQTT password)" \
    wait_for 20 test -s "$tmp/metric-a.txt"
check "feed A served requests with the token from token_file (200s counted)" \
    bash -c "'${CURL[0]}' -s '$FEED_A/_stats' | grep -q 200"
check "every instance polled ok (their credentials reached the feeds)" \
    wait_for 20 at_least 1 "$tmp/notify.log" "feeda ok, feedb ok, feedc ok"
check "Kafka gets metrics (kafka.sasl.password_file set)" \
    bash -c "timeout 30 kcat -C -b '$KAFKA_K' -t ioc.metrics.v1 -o beginning -c 1 -q 2>/dev/null | grep -q ."

same 200 "$(feed_control "$FEED_A" "endpoint=ioffice&fault=http500&count=2")" "feed A: two HTTP 500s"
if wait_for 20 bash -c "grep -F feeda: '$err' | grep -qE 'HTTP (status )?500'"; then
    pass "the 500 is logged"
else
    fail "the 500 is logged"
    grep -F feeda: "$err" | grep -v counters | head -20 | sed 's/^/#   /'
fi
same 200 "$(feed_control "$FEED_A" "endpoint=ioffice&fault=invalid-json&count=2")" \
    "feed A: then two malformed pages"
check "the malformed page is logged" wait_for 20 bash -c "grep -i 'json' '$err' | grep -qi feeda"
check "the failure shows on feed A's status topic" \
    wait_for 20 grep -qE '^ioc/v1/96/_status/feeda \{.*"state":"(degraded|failed)",.*"last_error":"GET ' "$tmp/status.txt"

kill -HUP "$IOCD_PID"
check "SIGHUP: reloaded" wait_for 10 at_least 1 "$err" "configuration reloaded"
check "SIGHUP: READY=1 again" wait_for 10 at_least 2 "$tmp/notify.log" "READY=1"
check "STATUS= lines were sent" at_least 1 "$tmp/notify.log" "STATUS="
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
stop_pid "$sub_pid"

### the search ############################################################
outputs=("$err" "$tmp/run.out" "$tmp/status.txt" "$tmp/notify.log" "$tmp/check.out"
         "$tmp/check.err" "$tmp/badurl.out" "$tmp/badurl.err" "$tmp/plain.out" "$tmp/plain.err")
lines=$(cat "${outputs[@]}" | wc -l)
check "there is output to search ($lines lines)" test "$lines" -gt 50
for s in "${SECRETS[@]}"; do
    if hits=$(grep -F -n -- "$s" "${outputs[@]}"); then
        fail "secret ${s%-*} appears nowhere"
        head -5 <<<"$hits" | sed 's/^/#   /'
    else
        pass "secret ${s%-*} appears nowhere"
    fi
done
finish
