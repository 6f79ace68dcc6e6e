#!/usr/bin/env bash
# test_hostile_input - what iocd says of unusable configuration and
# doubtful feed pages is true and clear (issue 17, items 6-9). Each case
# reproduces one found in the fault run and asserts the exact line, the
# exit status, the counters or the status topic:
#  item 7 - only regular files are configuration: a FIFO, a socket and a
#    directory in connectors.d, `-c` a FIFO, /dev/urandom or a directory
#    are refused by name and type at once (every run under `timeout`, so
#    the old code's hang on a FIFO fails here instead of hanging the
#    suite); `-c` a 2 MiB file is refused by its size;
#  item 6 - state_dir a regular file, under a regular file, and (run as
#    user nobody through setpriv, since root may write anywhere) not
#    writable: --check-config and start-up refuse it with FILE:LINE; an
#    instance whose state file is corrupt fails to start: logged at error
#    priority, published `failed: ...` on its status topic, and the start
#    line counts only the running one; a state directory that becomes
#    unusable while running drops each metric with one error line, the
#    rest counted (`dropped=N`) and said at stop, the poll failed;
#  item 8 - a 1 MiB response header (one field) and 80 KiB of fields,
#    HTTP 204, a UTF-8 byte-order mark (skipped: the page is published),
#    `token_file = /etc`, and control bytes in a configuration value
#    (escaped in --check-config's stderr and in the journal's lines);
#  item 9 - a record with a key twice (rejected naming the key, counted),
#    counts above 2^53 (rejected, counted; 2^53 itself published).
source "$(dirname "$0")/lib.sh"

VERSION=$("$IOCD" --version | sed -n 's/^iocd \([^ ]*\) .*/\1/p')
# check_config NAME ARGS...: iocd --check-config ARGS, bounded; sets rc.
check_config() {
    local name=$1
    shift
    timeout 10 "$IOCD" --check-config "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}

### item 7: only regular files are configuration ############################
conf=$tmp/special
make_conf "$conf"
add_example "$conf" good "http://127.0.0.1:9/example"
mkfifo "$conf/connectors.d/fifo.conf"
mkdir "$conf/connectors.d/folder.conf"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$conf/connectors.d/sock.conf"
check_config special -c "$conf/iocd.conf"
same 1 "$rc" "connectors.d with a FIFO, a socket and a directory: --check-config exits 1 at once (124 = hung)"
contains "$tmp/special.err" "$conf/connectors.d/fifo.conf: is a FIFO, not a regular file" \
    "the FIFO is named with its type"
contains "$tmp/special.err" "$conf/connectors.d/sock.conf: is a socket, not a regular file" \
    "the socket is named with its type"
contains "$tmp/special.err" "$conf/connectors.d/folder.conf: is a directory" \
    "the directory is named as one"
same 3 "$(grep -c "$conf/connectors.d/" "$tmp/special.err")" \
    "one line each, no 'plugin is missing' after them"
timeout 10 "$IOCD" -c "$conf/iocd.conf" --once >"$tmp/special-once.out" 2>"$tmp/special-once.err"
rc=$?
same 1 "$rc" "start-up (--once) with the FIFO: refused at once, exit 1"
contains "$tmp/special-once.err" "error: iocd: $conf/connectors.d/fifo.conf: is a FIFO, not a regular file" \
    "start-up logs the same line"

check_config urandom -c /dev/urandom
same 1 "$rc" "-c /dev/urandom: exit 1 at once"
contains "$tmp/urandom.err" "/dev/urandom: is a character device, not a regular file" \
    "-c /dev/urandom: named with its type, nothing read"
mkfifo "$tmp/iocd.fifo"
check_config cfifo -c "$tmp/iocd.fifo"
same 1 "$rc" "-c a FIFO: exit 1 at once"
contains "$tmp/cfifo.err" "$tmp/iocd.fifo: is a FIFO, not a regular file" "-c a FIFO: named with its type"
check_config cdir -c "$tmp"
same 1 "$rc" "-c a directory: exit 1"
contains "$tmp/cdir.err" "$tmp: is a directory" "-c a directory: says so"
{ cat "$conf/iocd.conf"; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' '#'; } >"$tmp/big.conf"
check_config big -c "$tmp/big.conf"
same 1 "$rc" "-c a 2 MiB file: exit 1"
contains "$tmp/big.err" "$tmp/big.conf: is over the limit of 1048576 bytes for this file" \
    "-c a 2 MiB file: refused by its size"

### item 8: token_file = /etc ###############################################
conf=$tmp/token
make_conf "$conf"
printf '%s\n' "plugin = http_json" "url = http://127.0.0.1:9/x" "records = items[]" "area = area" \
    "metric.n.name = test.n" "metric.n.value = n" "metric.n.unit = count" "auth = bearer" \
    "token_file = /etc" >"$conf/connectors.d/tok.conf"
check_config token -c "$conf/iocd.conf"
same 1 "$rc" "token_file = /etc: --check-config exits 1"
contains "$tmp/token.err" "$conf/connectors.d/tok.conf:9: secret file /etc is a directory" \
    "token_file = /etc: 'is a directory', not 'is empty'"

### item 8: control bytes in configuration errors are escaped ###############
conf=$tmp/binary
make_conf "$conf"
sed -i "s/^province = 96$/province = 9$(printf '\001\033')[31m/" "$conf/iocd.conf"
check_config binary -c "$conf/iocd.conf"
same 1 "$rc" "a province with control bytes: --check-config exits 1"
contains "$tmp/binary.err" "$conf/iocd.conf:2: 'province' = '9\\x01\\x1B[31m': not a 2-digit province code" \
    "--check-config's stderr shows them as \\xNN"
check "no raw control byte reaches stderr" bash -c "! grep -q \$'[\\001\\033]' '$tmp/binary.err'"
: >"$tmp/journal.err" # JOURNAL_STREAM names stderr's device and inode (log.h)
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/journal.err") timeout 10 "$IOCD" -c "$conf/iocd.conf" --once \
    >/dev/null 2>"$tmp/journal.err"
contains "$tmp/journal.err" "<3>error: iocd: $conf/iocd.conf:2: 'province' = '9\\x01\\x1B[31m': not a 2-digit province code" \
    "start-up's journal line (priority prefix) shows them as \\xNN, escaped once"
check "no raw control byte reaches the journal" bash -c "! grep -q \$'[\\001\\033]' '$tmp/journal.err'"

### item 6: an unusable state_dir ###########################################
conf=$tmp/statefile
make_conf "$conf"
touch "$tmp/plainfile"
sed -i "s|^state_dir = .*|state_dir = $tmp/plainfile|" "$conf/iocd.conf"
add_example "$conf" good "http://127.0.0.1:9/example"
check_config statefile -c "$conf/iocd.conf"
same 1 "$rc" "state_dir a regular file: --check-config exits 1"
contains "$tmp/statefile.err" "$conf/iocd.conf:4: 'state_dir' = '$tmp/plainfile': is a regular file, not a directory" \
    "state_dir a regular file: FILE:LINE and the reason"
timeout 10 "$IOCD" -c "$conf/iocd.conf" --once >"$tmp/statefile-once.out" 2>"$tmp/statefile-once.err"
same 1 "$?" "state_dir a regular file: start-up refused"
contains "$tmp/statefile-once.err" "error: iocd: $conf/iocd.conf:4: 'state_dir' = '$tmp/plainfile': is a regular file, not a directory" \
    "state_dir a regular file: start-up logs the same line"
sed -i "s|^state_dir = .*|state_dir = $tmp/plainfile/state|" "$conf/iocd.conf"
check_config stateunder -c "$conf/iocd.conf"
same 1 "$rc" "state_dir under a regular file: --check-config exits 1"
contains "$tmp/stateunder.err" "$conf/iocd.conf:4: 'state_dir' = '$tmp/plainfile/state': cannot be created: $tmp/plainfile is a regular file, not a directory" \
    "state_dir under a regular file: 'cannot be created' naming the file in the way"

# Not writable: root may write in any directory, so the check runs as user
# nobody (setpriv), on a tree nobody may read but not write. The daemon,
# its plugins and the gazetteer are copied there: the checkout may sit in
# a directory nobody cannot enter (a clone in a 0700 temporary directory).
pub=$(mktemp -d /tmp/iocd-test-hostile-XXXXXX)
chmod 755 "$pub"
make_conf "$pub/conf"
mkdir -m 755 "$pub/state" "$pub/bin"
cp "$IOCD" "$pub/bin/iocd"
cp -r "$top/$BUILD/connectors" "$pub/connectors"
cp "$GAZETTEER" "$pub/gazetteer.tsv"
sed -i -e "s|^state_dir = .*|state_dir = $pub/state|" -e "s|^plugin_path = .*|plugin_path = $pub/connectors|" \
    -e "s|^gazetteer = .*|gazetteer = $pub/gazetteer.tsv|" "$pub/conf/iocd.conf"
add_example "$pub/conf" good "http://127.0.0.1:9/example"
chmod -R a+rX "$pub"
if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    test -r "$pub/conf/iocd.conf" 2>/dev/null && setpriv --reuid=nobody --regid=nogroup \
    --clear-groups test -x "$pub/bin/iocd" 2>/dev/null; then
    timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups "$pub/bin/iocd" --check-config \
        -c "$pub/conf/iocd.conf" >"$tmp/unwritable.out" 2>"$tmp/unwritable.err"
    same 1 "$?" "state_dir not writable (as nobody): --check-config exits 1"
    contains "$tmp/unwritable.err" "$pub/conf/iocd.conf:4: 'state_dir' = '$pub/state': is not writable: Permission denied" \
        "state_dir not writable: FILE:LINE and the reason"
else
    echo "ok $((n += 1)) # SKIP state_dir not writable: cannot run iocd as user nobody here (setpriv or permissions)"
fi
rm -rf "$pub"

### item 6: an instance that cannot start is failed ##########################
start_feedsim F --records 3
start_mosquitto M
conf=$tmp/start
make_conf "$conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
add_example "$conf" good "$FEED_F/example" "interval = 1h"
add_example "$conf" bad "$FEED_F/example" "interval = 1h"
mkdir -p "$conf/state"
echo "garbage" >"$conf/state/bad.state"
timeout 60 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT_M" -v -t 'ioc/v1/96/_status/#' \
    >"$tmp/status.txt" 2>/dev/null &
pids+=($!)
start_iocd start -c "$conf/iocd.conf"
reason="cannot open saved state: $conf/state/bad.state:1: corrupt state file: '[' or '{' expected near 'garbage' (move it away to start afresh)"
check "the start line is logged" wait_for 20 at_least 1 "$tmp/start.err" " running "
contains "$tmp/start.err" "error: bad: failed to start: $reason" \
    "the instance that cannot start is logged 'failed to start' at error priority"
contains "$tmp/start.err" "error: iocd: iocd $VERSION running 1 connector instance (1 failed to start: bad: $reason); province 96, gazetteer vn-2025-07" \
    "the start line counts only the running instance and names the other"
check "status topic: bad is failed, the reason its last_error" \
    wait_for 20 status_heard "$tmp/status.txt" "ioc/v1/96/_status/bad failed: $reason"
check "status topic: good is online" \
    wait_for 20 status_heard "$tmp/status.txt" "ioc/v1/96/_status/good online"
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "the daemon ran on with the good instance and stops cleanly"

### item 6: the state directory becomes unusable while running ##############
# The first poll's page arrives slowly (feedsim fault slow, 3 s); meanwhile
# the state directory is replaced by a file, so no sequence number can be
# reserved for any metric of that poll.
start_feedsim S --records 5 --slow-ms 3000 --fault example=slow:1
conf=$tmp/seq
make_conf "$conf"
add_example "$conf" seq "$FEED_S/example" "interval = 1h" "timeout = 20s"
start_iocd seq -c "$conf/iocd.conf"
check "seq: the instance started" wait_for 20 at_least 1 "$tmp/seq.err" "info: seq: started: "
rm -rf "$conf/state"
touch "$conf/state"
check "seq: the poll ends" wait_for 20 at_least 1 "$tmp/seq.err" "seq: status starting -> "
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "seq: the daemon keeps running and stops cleanly"
seq_error="error: seq: cannot reserve sequence numbers: cannot write $conf/state/seq.state: Not a directory; metric dropped"
same 1 "$(count_lines "$tmp/seq.err" "error: seq: cannot reserve sequence numbers: cannot write")" \
    "seq: one error line for the 10 metrics of the poll, not one per metric"
contains "$tmp/seq.err" "$seq_error" "seq: the line says why and that the metric was dropped"
same 10 "$(counter "$tmp/seq.err" "info: seq: counters:" dropped)" \
    "seq: counters: dropped=10 (5 records of 2 metrics each)"
contains "$tmp/seq.err" "error: seq: cannot reserve sequence numbers: 9 more metrics dropped since the last such line" \
    "seq: at stop, the 9 metrics held back are said"
contains "$tmp/seq.err" "warning: seq: status starting -> degraded after 1 failed poll: cannot reserve sequence numbers: cannot write $conf/state/seq.state: Not a directory; metric dropped" \
    "seq: the poll failed with that reason: the status is not ok"
same 0 "$(wc -l <"$tmp/seq.out")" "seq: nothing was published"

### items 8 and 9: doubtful pages ###########################################
start_feedsim H
# page NAME QUERY: an http_json instance reading /hostile?QUERY once
# (records items[], area `area`, count n); output in $tmp/NAME.{out,err}.
page() {
    local name=$1 query=$2 dir=$tmp/$1
    make_conf "$dir"
    printf '%s\n' "plugin = http_json" "url = $FEED_H/hostile?$query" "timeout = 20s" \
        "records = items[]" "area = area" "metric.n.name = test.n" "metric.n.value = n" \
        "metric.n.unit = count" >"$dir/connectors.d/$name.conf"
    timeout 60 "$IOCD" -c "$dir/iocd.conf" --once >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}
url="GET $FEED_H/hostile"

page bigheader "kind=header&kib=1024&one=1"
same 1 "$rc" "1 MiB header field: the poll fails (exit 1)"
contains "$tmp/bigheader.err" "warning: bigheader: $url: response header over 65536 bytes" \
    "1 MiB header field: 'response header over 65536 bytes', not 'Out of memory'"
contains "$tmp/bigheader.err" "counters: polls_ok=0 polls_failed=1 metrics=0 rejected=0 http_requests=1 http_failures=1 " \
    "1 MiB header field: counted as a failed request and poll"
page manyheaders "kind=header&kib=80"
same 1 "$rc" "80 KiB of header fields: the poll fails (exit 1)"
contains "$tmp/manyheaders.err" "warning: manyheaders: $url: response header over 65536 bytes" \
    "80 KiB of header fields: 'response header over 65536 bytes'"

page nocontent "kind=nocontent"
same 1 "$rc" "HTTP 204: the poll fails (exit 1)"
contains "$tmp/nocontent.err" "warning: nocontent: $url: HTTP 204: no content" \
    "HTTP 204: 'HTTP 204: no content', not a JSON error"
contains "$tmp/nocontent.err" "error: nocontent: page 1 failed (HTTP 204: no content); nothing of this walk is published" \
    "HTTP 204: the walk says it"

page bom "kind=bom"
same 0 "$rc" "a UTF-8 byte-order mark: the poll succeeds"
same "1 2" "$(jq -r .value "$tmp/bom.out" | xargs)" "a UTF-8 byte-order mark: skipped, both records published"

page dupkey "kind=dupkey"
same 1 "$rc" "a key twice in a record: the poll fails (exit 1)"
contains "$tmp/dupkey.err" "warning: dupkey: page 1 line 2 column 25: field 'n' appears twice in one object (which value is meant is unknown); record skipped" \
    "a key twice: the record is rejected naming the key and where"
contains "$tmp/dupkey.err" "error: dupkey: page 1: a record has the key 'n' twice (line 2 column 25); nothing of this walk is published" \
    "a key twice: the walk fails, saying why"
contains "$tmp/dupkey.err" "counters: polls_ok=0 polls_failed=1 metrics=0 rejected=1 " \
    "a key twice: counted as one rejected record, no metric"

page bigcount "kind=bigcount"
same 0 "$rc" "counts above 2^53: the poll succeeds with the good record"
contains "$tmp/bigcount.err" "warning: bigcount: metric test.n area 31834: field 'value' count 9007199254740994 is above 2^53, not an exact count; record skipped" \
    "2^53 + 2: rejected with the reason"
contains "$tmp/bigcount.err" "warning: bigcount: metric test.n area 31840: field 'value' count 1e+300 is above 2^53, not an exact count; record skipped" \
    "1e300: rejected with the reason"
contains "$tmp/bigcount.err" "counters: polls_ok=1 polls_failed=0 metrics=1 rejected=2 " \
    "counts above 2^53: 2 rejected, 1 published"
same "31825 9007199254740992" "$(jq -r '"\(.area.code) \(.value)"' "$tmp/bigcount.out")" \
    "2^53 itself is published, exactly"

finish
