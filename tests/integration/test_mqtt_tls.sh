#!/usr/bin/env bash
# test_mqtt_tls - the MQTT sink over TLS against mosquitto with a test CA
# made here with openssl: metrics arrive when the broker's certificate is
# signed by the configured CA and names 127.0.0.1; with another CA the
# connection is refused (verification is always on), nothing is delivered,
# and iocd keeps running and says why.
source "$(dirname "$0")/lib.sh"

pki=$tmp/pki
mkdir -p "$pki"
make_ca() { # NAME: a CA key and self-signed certificate
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=iocd test $1" \
        -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
make_ca ca
make_ca other
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$pki/server.key" \
    -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/san.ext" -out "$pki/server.crt" 2>/dev/null
# mosquitto drops root privileges (to user mosquitto) before it reads these
chmod 755 "$tmp" "$pki" && chmod 644 "$pki"/*
check "test PKI created (CA, server certificate for IP 127.0.0.1)" test -s "$pki/server.crt"

# mosquitto with a TLS listener only, on a free port.
for ((try = 0; try < 10; try++)); do
    port=$((20000 + RANDOM % 40000))
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\ncafile %s\ncertfile %s\nkeyfile %s\n' \
        "$port" "$pki/ca.crt" "$pki/server.crt" "$pki/server.key" >"$tmp/tls.conf"
    mosquitto -c "$tmp/tls.conf" >"$tmp/tls.log" 2>&1 &
    mpid=$!
    pids+=("$mpid")
    tls_up() { timeout 2 mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$pki/ca.crt" -t x -m x 2>/dev/null; }
    wait_for 5 tls_up && break
    stop_pid "$mpid"
done
check "mosquitto serves TLS on 127.0.0.1:$port" tls_up

start_feedsim A --records 2
timeout 20 mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$pki/ca.crt" -t 'ioc/v1/96/#' -v \
    >"$tmp/sub.txt" 2>/dev/null &
pids+=("$!")
make_conf "$tmp/good"
printf '\n[sink.mqtt]\nenabled = true\nport = %s\ntls = true\nca_file = %s\n' "$port" "$pki/ca.crt" \
    >>"$tmp/good/iocd.conf"
add_example "$tmp/good" ex "$FEED_A/example"
"$IOCD" -c "$tmp/good/iocd.conf" --once >/dev/null 2>"$tmp/good.err"
same 0 "$?" "--once over TLS with the right CA: every metric delivered (exit 0)"
# Besides the 4 metrics, the KPI layer's messages (the example's breach
# alerts, the source's summary) go through the same sink.
kpi=$(($(counter "$tmp/good.err" "series: count=" alerts) + $(counter "$tmp/good.err" "series: count=" summaries)))
contains "$tmp/good.err" "sink mqtt: every metric delivered ($((4 + kpi)) in all)" \
    "4 metrics and $kpi alerts and summaries acknowledged over TLS"
check "a TLS subscriber received them" wait_for 10 at_least 4 "$tmp/sub.txt" "ioc/v1/96/ex/example."

make_conf "$tmp/bad"
printf '\n[sink.mqtt]\nenabled = true\nport = %s\ntls = true\nca_file = %s\n' "$port" "$pki/other.crt" \
    >>"$tmp/bad/iocd.conf"
add_example "$tmp/bad" ex "$FEED_A/example"
"$IOCD" -c "$tmp/bad/iocd.conf" --once >/dev/null 2>"$tmp/bad.err"
same 1 "$?" "--once with a CA that did not sign the broker's certificate: exit 1"
kpi=$(($(counter "$tmp/bad.err" "series: count=" alerts) + $(counter "$tmp/bad.err" "series: count=" summaries)))
contains "$tmp/bad.err" "sink mqtt: not every metric delivered: of 4 records taken, 0 delivered, 0 dropped while running, 4 left at shutdown (4 waiting, 0 unacknowledged; with KPI messages, $((4 + kpi)) messages left)" \
    "nothing is delivered (4 metrics, $kpi alerts and summaries), and the log counts it"
check "the connection never came up" bash -c "! grep -q 'sink mqtt: connected' '$tmp/bad.err'"
check "and the log says it could not connect" \
    grep -qE "sink mqtt: (cannot connect|never connected) to 127.0.0.1:$port" "$tmp/bad.err"
finish
