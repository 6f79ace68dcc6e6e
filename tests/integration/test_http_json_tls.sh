#!/usr/bin/env bash
# test_http_json_tls - http_json's TLS options against HTTPS servers made
# here with openssl (a test CA, `openssl s_server -WWW` serving one JSON
# file): `ca_file` trusts a private CA, another CA or the system store is
# refused (verification is always on) and publishes nothing, and with a
# server that demands a client certificate `client_cert`/`client_key` get
# in while an instance without them is refused.
source "$(dirname "$0")/lib.sh"

pki=$tmp/pki
www=$tmp/www
mkdir -p "$pki" "$www"
make_ca() { # NAME: a CA key and self-signed certificate
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=iocd test $1" \
        -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
sign() { # NAME CN [EXT]: a key and a certificate signed by the test CA
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$pki/$1.key" \
        -out "$pki/$1.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
        -CAcreateserial -days 2 ${3:+-extfile "$3"} -out "$pki/$1.crt" 2>/dev/null
}
make_ca ca
make_ca other
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
sign server 127.0.0.1 "$pki/san.ext"
sign client iocd-client
check "test PKI created (CA, server certificate for 127.0.0.1, client certificate)" \
    test -s "$pki/server.crt" -a -s "$pki/client.crt"

cat >"$www/summary.json" <<'JSON'
{"capNhat":"2025-08-01T07:00:00+07:00","tongDanSo":1207000,"hoNgheo":"12.345"}
JSON

# start_https NAME [ARGS...]: openssl s_server serving $www on a free
# port; sets PORT_<NAME>.
start_https() {
    local name=$1 port try pid
    shift
    for ((try = 0; try < 10; try++)); do
        port=$((20000 + RANDOM % 40000))
        (cd "$www" && exec openssl s_server -accept "127.0.0.1:$port" -cert "$pki/server.crt" \
            -key "$pki/server.key" -WWW -quiet "$@") >"$tmp/$name.server.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        if wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
            printf -v "PORT_$name" '%s' "$port"
            return 0
        fi
        stop_pid "$pid"
    done
    echo "Bail out! openssl s_server $name did not start"
    exit 1
}

# instance DIR PORT [LINES...]: an http_json instance reading summary.json
# as one record of the province.
instance() {
    local dir=$1 port=$2
    shift 2
    make_conf "$dir"
    {
        printf 'plugin = http_json\ntimeout = 5s\nurl = https://127.0.0.1:%s/summary.json\n' "$port"
        printf 'area_const = 96\ntime = capNhat\nnumber_strings = point_decimal\n'
        printf 'metric.pop.name = population\nmetric.pop.value = tongDanSo\nmetric.pop.unit = count\n'
        printf 'metric.poor.name = households.poor_share\nmetric.poor.value = hoNgheo\n'
        printf 'metric.poor.unit = percent\n'
        printf '%s\n' "$@"
    } >"$dir/connectors.d/summary.conf"
}
values() { jq -c '[.metric, .area.code, .value, .ts]' "$1" | sort | tr '\n' ' '; }
expected='["households.poor_share","96",12.345,"2025-08-01T07:00:00+07:00"] ["population","96",1207000,"2025-08-01T07:00:00+07:00"] '

start_https plain
instance "$tmp/good" "$PORT_plain" "ca_file = $pki/ca.crt"
"$IOCD" -c "$tmp/good/iocd.conf" --once >"$tmp/good.out" 2>"$tmp/good.err"
same 0 "$?" "ca_file = the CA that signed the server: the poll succeeds"
same "$expected" "$(values "$tmp/good.out")" "both metrics published with their values"

instance "$tmp/other" "$PORT_plain" "ca_file = $pki/other.crt"
"$IOCD" -c "$tmp/other/iocd.conf" --once >"$tmp/other.out" 2>"$tmp/other.err"
same 1 "$?" "ca_file = a CA that did not sign the server: the poll fails"
same 0 "$(wc -l <"$tmp/other.out")" "nothing published"
check "the log names the page and a certificate problem" \
    grep -qE "error: summary: page 1 failed \(.*(certificate|SSL).*\); nothing of this walk is published" \
    "$tmp/other.err"

instance "$tmp/system" "$PORT_plain"
"$IOCD" -c "$tmp/system/iocd.conf" --once >"$tmp/system.out" 2>"$tmp/system.err"
same 1 "$?" "no ca_file: the system store does not know the test CA, the poll fails"
same 0 "$(wc -l <"$tmp/system.out")" "nothing published without ca_file"

# A server that demands a client certificate signed by the test CA.
start_https mutual -Verify 1 -CAfile "$pki/ca.crt"
instance "$tmp/mtls" "$PORT_mutual" "ca_file = $pki/ca.crt" "client_cert = $pki/client.crt" \
    "client_key = $pki/client.key"
"$IOCD" -c "$tmp/mtls/iocd.conf" --once >"$tmp/mtls.out" 2>"$tmp/mtls.err"
same 0 "$?" "client_cert and client_key: the server lets the instance in"
same "$expected" "$(values "$tmp/mtls.out")" "both metrics published over mutual TLS"

instance "$tmp/nocert" "$PORT_mutual" "ca_file = $pki/ca.crt"
"$IOCD" -c "$tmp/nocert/iocd.conf" --once >"$tmp/nocert.out" 2>"$tmp/nocert.err"
same 1 "$?" "without a client certificate the server refuses the instance"
same 0 "$(wc -l <"$tmp/nocert.out")" "nothing published without the client certificate"

instance "$tmp/relative" "$PORT_plain" "ca_file = pki/ca.crt"
"$IOCD" -c "$tmp/relative/iocd.conf" --check-config >/dev/null 2>"$tmp/relative.err"
same 1 "$?" "a relative ca_file is refused at --check-config"
contains "$tmp/relative.err" \
    "$tmp/relative/connectors.d/summary.conf:13: ca_file: \`pki/ca.crt\` must be an absolute path" \
    "with the file, the line and the reason"
finish
