#!/usr/bin/env bash
# test_origins - a feed cannot send iocd's credentials elsewhere (issue 11,
# High and Medium 1). Two real HTTP servers on 127.0.0.1
# (tests/tools/origin-server): the feed's, and a "thief" on another port
# that logs every request it receives. http_json instances carry a bearer
# token (token_file), basic credentials, `header.X-Api-Key` or a POST body;
# the feed answers a next link to the thief, a 302 to it, a 307 to a POST.
# The thief must receive nothing, the walk fails with nothing published and
# a message naming the page and the link's origin (not its path or query).
# Then what stays allowed: a same-origin next link, an origin named by
# allow_origins (the thief then does count the request: the counter
# works), a cross-origin redirect of a request without secrets; and what
# allow_origins cannot allow: https to plain http.
source "$(dirname "$0")/lib.sh"

SERVER=$top/tests/tools/origin-server
# start_server NAME [--tls CERT KEY]: sets PORT_<NAME>; routes in
# $tmp/NAME.routes.json, requests logged to $tmp/NAME.requests.
start_server() {
    local name=$1 pid
    shift
    echo '{}' >"$tmp/$name.routes.json"
    "$SERVER" --port-file "$tmp/$name.port" --log "$tmp/$name.requests" \
        --routes "$tmp/$name.routes.json" "$@" >"$tmp/$name.server.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    if ! wait_for 10 test -s "$tmp/$name.port"; then
        echo "Bail out! origin-server $name did not start"
        cat "$tmp/$name.server.log"
        exit 1
    fi
    printf -v "PORT_$name" '%s' "$(cat "$tmp/$name.port")"
}
requests() { wc -l <"$tmp/$1.requests" | tr -d ' '; }
page() { # ITEMS-JSON NEXT: a page body as a JSON string for a route
    jq -cn --argjson items "$1" --arg next "$2" '{items: $items, next: (if $next == "" then null else $next end)} | tojson'
}
ITEMS1='[{"area":"31825","n":1}]'
ITEMS2='[{"area":"31834","n":2}]'

start_server thief
start_server feed
T=http://127.0.0.1:$PORT_thief
F=http://127.0.0.1:$PORT_feed
cat >"$tmp/thief.routes.json" <<JSON
{"/steal": {"status": 200, "body": $(page "$ITEMS2" "")},
 "/hop-ok": {"status": 200, "body": $(page "$ITEMS2" "")}}
JSON
cat >"$tmp/feed.routes.json" <<JSON
{"/link-thief": {"status": 200, "body": $(page "$ITEMS1" "$T/steal?token=LEAK")},
 "/link-same": {"status": 200, "body": $(page "$ITEMS1" "/page2?k=1")},
 "/page2": {"status": 200, "body": $(page "$ITEMS2" "")},
 "/redirect-thief": {"status": 302, "headers": {"Location": "$T/steal?token=LEAK"}, "body": ""},
 "/redirect-same": {"status": 302, "headers": {"Location": "/page2"}, "body": ""},
 "/loop": {"status": 302, "headers": {"Location": "/loop"}, "body": ""},
 "POST /post-thief": {"status": 307, "headers": {"Location": "$T/steal"}, "body": ""}}
JSON
echo 'TOKEN-SECRET-123' >"$tmp/token.secret"
chmod 600 "$tmp/token.secret"

# run NAME URL [LINES...]: an http_json instance, --once; sets rc.
run() {
    local name=$1 url=$2 dir=$tmp/$1
    shift 2
    make_conf "$dir"
    printf '%s\n' "plugin = http_json" "url = $url" "timeout = 5s" "records = items[]" \
        "area = area" "metric.n.name = test.n" "metric.n.value = n" "metric.n.unit = count" \
        "$@" >"$dir/connectors.d/$name.conf"
    "$IOCD" -c "$dir/iocd.conf" --once >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}
BEARER=("auth = bearer" "token_file = $tmp/token.secret" "header.key = X-Api-Key: APIKEY-456")
BASIC=("auth = basic" "username = iocd" "password = PASSWORD-789" "header.key = X-Api-Key: APIKEY-456")
no_secret_in() { ! grep -qE 'TOKEN-SECRET|APIKEY|PASSWORD-789|LEAK|/steal' "$1"; }

# ---- the attacks: the thief receives nothing ----
run link_bearer "$F/link-thief" "${BEARER[@]}" "pagination = next_link" "next_link = next"
check "next link to another port (bearer + X-Api-Key): --once fails" test "$rc" -ne 0
contains "$tmp/link_bearer.err" "page 1: \`next_link\` leads to $T, another origin than page 1's ($F): refused without fetching it" \
    "the refusal names the page and the link's origin"
check "the refusal shows no path, query or secret" no_secret_in "$tmp/link_bearer.err"
same 0 "$(wc -c <"$tmp/link_bearer.out" | tr -d ' ')" "nothing of the walk is published"

run link_basic "$F/link-thief" "${BASIC[@]}" "pagination = next_link" "next_link = next"
check "next link to another port (basic + X-Api-Key): --once fails" test "$rc" -ne 0
contains "$tmp/link_basic.err" "leads to $T, another origin" "basic: refused by origin"

run link_plain "$F/link-thief" "pagination = next_link" "next_link = next"
check "next link to another port without any credential: refused all the same (no internal fetches for a feed)" \
    grep -qF "leads to $T, another origin" "$tmp/link_plain.err"

run redirect_bearer "$F/redirect-thief" "${BEARER[@]}"
check "302 to another port (bearer + X-Api-Key): --once fails" test "$rc" -ne 0
contains "$tmp/redirect_bearer.err" "redirect refused: 302 to $T, another origin than the request's ($F)" \
    "the refused redirect names the status and the target's origin"
check "the redirect refusal shows no path, query or secret" no_secret_in "$tmp/redirect_bearer.err"

run redirect_basic "$F/redirect-thief" "${BASIC[@]}"
contains "$tmp/redirect_basic.err" "redirect refused: 302 to $T" "302 with basic credentials refused"

run redirect_header "$F/redirect-thief" "header.key = X-Api-Key: APIKEY-456"
contains "$tmp/redirect_header.err" "redirect refused: 302 to $T" \
    "302 with only header.X-Api-Key refused (curl alone would have sent it along)"

run post_307 "$F/post-thief" "method = POST" 'body = {"q":"secret query"}'
contains "$tmp/post_307.err" "redirect refused: 307 to $T" "a POST answered 307 to another origin is not re-sent"

same 0 "$(requests thief)" "the thief received no request at all"

# ---- what stays allowed ----
run link_same "$F/link-same" "${BEARER[@]}" "pagination = next_link" "next_link = next"
same 0 "$rc" "same-origin next link: the walk succeeds"
same "test.n 31825 1 test.n 31834 2 " "$(jq -r '"\(.metric) \(.area.code) \(.value)"' "$tmp/link_same.out" | sort | tr '\n' ' ')" \
    "both pages published"

run redirect_same "$F/redirect-same" "${BEARER[@]}"
same 0 "$rc" "same-origin 302 with credentials is followed"
check "the same-origin hop carried the token" \
    bash -c "grep -F '\"/page2\"' '$tmp/feed.requests' | grep -qF 'Bearer TOKEN-SECRET-123'"

run redirect_loop "$F/loop"
contains "$tmp/redirect_loop.err" "more than 5 redirects" "a redirect loop ends after 5 redirects"
same 6 "$(grep -c '"path": "/loop"' "$tmp/feed.requests")" "the loop cost the first request and 5 redirects"

run redirect_plain "$F/redirect-thief"
same 0 "$rc" "a cross-origin 302 of a request without secrets is followed"
same 1 "$(requests thief)" "the thief counted that one request (the counter works)"

run link_allowed "$F/link-thief" "${BEARER[@]}" "pagination = next_link" "next_link = next" \
    "allow_origins = https://elsewhere.test $T"
same 0 "$rc" "allow_origins names the other origin: the next link is followed"
same 2 "$(requests thief)" "the allowed origin received the page request"
check "it received the credentials the operator allowed it" \
    bash -c "tail -1 '$tmp/thief.requests' | grep -qF 'X-Api-Key'"

run redirect_allowed "$F/redirect-thief" "${BEARER[@]}" "allow_origins = $T/"
same 0 "$rc" "allow_origins also admits a credentialed redirect"

run bad_allow "$F/link-same" "allow_origins = $T/path?key=SECRET"
check "--once refuses an allow_origins entry with a path" test "$rc" -ne 0
check "the configuration error names file:line and the key, without the query" \
    bash -c "grep -E 'bad_allow.conf:[0-9]+: .allow_origins.: ' '$tmp/bad_allow.err' | grep -qv SECRET"

# ---- https -> http: never, even when listed ----
pki=$tmp/pki
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=iocd test ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$pki/server.key" \
    -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/san.ext" -out "$pki/server.crt" 2>/dev/null
start_server secure --tls "$pki/server.crt" "$pki/server.key"
S=https://127.0.0.1:$PORT_secure
cat >"$tmp/secure.routes.json" <<JSON
{"/link-http": {"status": 200, "body": $(page "$ITEMS1" "$F/page2")},
 "/link-same": {"status": 200, "body": $(page "$ITEMS1" "/page2")},
 "/page2": {"status": 200, "body": $(page "$ITEMS2" "")},
 "/redirect-http": {"status": 302, "headers": {"Location": "$F/page2"}, "body": ""}}
JSON
before=$(requests feed)
run tls_same "$S/link-same" "ca_file = $pki/ca.crt" "pagination = next_link" "next_link = next"
same 0 "$rc" "https: a same-origin next link works (the TLS server is sound)"
run tls_link "$S/link-http" "ca_file = $pki/ca.crt" "pagination = next_link" "next_link = next" \
    "allow_origins = $F"
check "https page naming an http next link: --once fails although allow_origins names it" test "$rc" -ne 0
contains "$tmp/tls_link.err" "page 1: \`next_link\` leads from https to plain http ($F)" \
    "the downgrade is named"
run tls_redirect "$S/redirect-http" "ca_file = $pki/ca.crt" "allow_origins = $F"
contains "$tmp/tls_redirect.err" "redirect refused: 302 from https to plain http ($F)" \
    "an https 302 to http is refused, also without credentials and when listed"
same "$before" "$(requests feed)" "the plain-http server received nothing from the https walks"

finish
