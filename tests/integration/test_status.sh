#!/usr/bin/env bash
# test_status - the retained status topic's JSON (issue 16 item 3).
#
# Two connectors poll once an hour, so each status payload is known
# exactly: "good" (feed A, 8 records) and "broken" (feed B answering HTTP
# 500, fail_after = 1, a token in its URL's query string). A subscriber
# started before iocd sees every status message; each one must be valid
# against docs/status.schema.json (python3-jsonschema), the last ones
# carry exactly the expected state and counters, no message holds the
# token, and after kill -9 the broker's last will marks both offline
# (valid against the schema too). A clean stop (SIGTERM) publishes
# offline itself.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
TOKEN=SeCrEt-StatusToken-6c1d

start_feedsim A --records 4
start_feedsim B --records 4 --fault example=http500
start_mosquitto M
conf=$tmp/conf
make_conf "$conf" false
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" good "$FEED_A/example" "interval = 1h"
add_example "$conf" broken "$FEED_B/example?token=$TOKEN" "interval = 1h" "backoff_max = 1h" \
    "fail_after = 1"

start_subscriber M 'ioc/v1/96/_status/#' "$tmp/status.txt"
start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err
check "good polled" wait_for 20 at_least 1 "$tmp/status.txt" '"instance":"good","source":"good","state":"ok"'
check "broken failed" wait_for 20 at_least 1 "$tmp/status.txt" '"instance":"broken","source":"broken","state":"failed"'

# validate FILE: every "topic payload" line's payload against the schema;
# prints "N valid" or the first errors.
validate() {
    "$PY" - docs/status.schema.json "$1" <<'PYEOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
n = bad = 0
for line in open(sys.argv[2], encoding="utf-8"):
    topic, _, payload = line.rstrip("\n").partition(" ")
    n += 1
    try:
        errors = list(v.iter_errors(json.loads(payload)))
    except ValueError as e:
        errors = [f"not JSON: {e}"]
    for e in errors[:3]:
        bad += 1
        print(f"{topic}: {getattr(e, 'message', e)}")
print(f"{n} messages, {bad} errors")
sys.exit(1 if bad or not n else 0)
PYEOF
}
valid() { validate "$1" >/dev/null; }
last() { sed -n "s|^ioc/v1/96/_status/$1 ||p" "$tmp/status.txt" | tail -1; }
check "every status message so far is valid against docs/status.schema.json ($(validate "$tmp/status.txt" | tail -1))" \
    valid "$tmp/status.txt"
same 'ok null {"polls_ok":1,"polls_failed":0,"records":8,"rejected":0}' \
    "$(last good | jq -c -r '[.state, .last_error, (.counters | tojson)] | map(tostring) | join(" ")')" \
    "good: state ok, no error, counters exact (1 poll, 8 records)"
same 'failed null {"polls_ok":0,"polls_failed":1,"records":0,"rejected":0}' \
    "$(last broken | jq -c -r '[.state, .last_success, (.counters | tojson)] | map(tostring) | join(" ")')" \
    "broken: state failed, never a success, counters exact (1 failed poll)"
same "GET $FEED_B/example: HTTP status 500" "$(last broken | jq -r .last_error)" \
    "broken: last_error says why, its URL without the query string"
check "good: since and last_success are RFC 3339 with the configured offset" \
    jqe '(.since | test("^20[0-9-]+T[0-9:]+\\+07:00$")) and (.last_success | test("\\+07:00$"))' <<<"$(last good)"
same 0 "$(grep -c -- "$TOKEN" "$tmp/status.txt")" "no status message holds the URL's token"
check "feed B was asked (its 500s are counted)" bash -c \
    "'${CURL[0]}' -s '$FEED_B/_stats' | grep -q 500"

# kill -9: the last will marks both offline.
kill -KILL "$IOCD_PID"
wait "$IOCD_PID" 2>/dev/null
check "after kill -9: good's status is the will, offline" wait_for 10 state_is "$MQTT_PORT_M" good offline
check "after kill -9: broken's status is the will, offline" wait_for 10 state_is "$MQTT_PORT_M" broken offline
wait_for 5 at_least 2 "$tmp/status.txt" '"state":"offline"'
same '{"schema":"ioc.status/1","state":"offline"}' "$(last good)" "the will's payload"
check "every status message, the wills included, is valid ($(validate "$tmp/status.txt" | tail -1))" \
    valid "$tmp/status.txt"

# A clean stop publishes offline itself.
start_iocd again -c "$conf/iocd.conf"
check "restarted: good ok again" wait_for 20 state_is "$MQTT_PORT_M" good ok
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: exit 0"
check "after SIGTERM: good offline" wait_for 10 state_is "$MQTT_PORT_M" good offline
check "every status message of both runs is valid ($(validate "$tmp/status.txt" | tail -1))" \
    valid "$tmp/status.txt"
stop_pid "$SUB_PID"
finish
