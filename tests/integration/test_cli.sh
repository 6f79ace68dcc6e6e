#!/usr/bin/env bash
# test_cli - iocd's command line: --check-config (misspelt keys with
# file:line and a suggestion, every error listed, the repository's own
# configuration valid), --describe, --list-connectors, --version, --help,
# usage errors, --connector, --check-config --connector (only that file),
# token_file = %d/... outside systemd (a warning at --check-config, an error
# when running), log lines' time or journal priority, and plugins that must be refused (wrong ABI,
# ABI 2 with what changed since, missing symbol) with an error naming the
# file.
source "$(dirname "$0")/lib.sh"

# The repository's own configuration is valid.
"$IOCD" -c conf/iocd.conf --check-config >"$tmp/ok.out" 2>"$tmp/ok.err"
same 0 "$?" "--check-config on conf/iocd.conf exits 0"
confs=$(ls conf/connectors.d/*.conf | wc -l)
check "--check-config says OK and counts the $confs instance(s) of conf/connectors.d" \
    grep -qE "configuration OK: $confs connector instances? \($confs enabled\)" "$tmp/ok.out"

# A misspelt key in a connector file: file:line, the key, the suggestion.
conf=$tmp/conf
make_conf "$conf"
printf 'plugin = example\nurl = http://127.0.0.1:9/example\nintervall = 10s\n' \
    >"$conf/connectors.d/dash.conf"
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/typo.out" 2>"$tmp/typo.err"
same 1 "$?" "--check-config with a misspelt key exits 1"
contains "$tmp/typo.err" "$conf/connectors.d/dash.conf:3: unknown key 'intervall' (did you mean 'interval'?)" \
    "the error names file:line, the key and the closest known key"

# Several mistakes in several files: every one is listed.
printf '[iocd]\nprovince = 96\nplugin_path = %s\nstate_dir = %s\ngazetteer = %s\ntimezon = +07:00\n[sink.stdut]\n' \
    "$top/$BUILD/connectors" "$conf/state" "$GAZETTEER" >"$conf/iocd.conf"
printf 'plugin = exampel\n' >"$conf/connectors.d/other.conf"
printf 'plugin = example\nurl = ftp://x\ninterval = soon\n' >"$conf/connectors.d/third.conf"
"$IOCD" -c "$conf/iocd.conf" --check-config >/dev/null 2>"$tmp/many.err"
same 1 "$?" "--check-config with many errors exits 1"
contains "$tmp/many.err" "iocd.conf:6: unknown key 'timezon' (did you mean 'timezone'?)" "main file: misspelt key"
contains "$tmp/many.err" "iocd.conf:7: unknown section [sink.stdut] (did you mean [sink.stdout]?)" "main file: misspelt section"
contains "$tmp/many.err" "other.conf:1: plugin 'exampel' not found" "unknown plugin named"
contains "$tmp/many.err" "did you mean 'example'?" "unknown plugin: suggestion"
contains "$tmp/many.err" "third.conf:2: 'url' = 'ftp://x': not an http:// or https:// URL" "wrong type: url"
contains "$tmp/many.err" "third.conf:3: 'interval' = 'soon': not a duration" "wrong type: duration"
contains "$tmp/many.err" "dash.conf:3: unknown key 'intervall'" "the first file's error is still listed"
same 6 "$(grep -c ':[0-9]*: ' "$tmp/many.err")" "exactly 6 file:line errors"

# Sink sections: ranges, and kafka.* properties checked by librdkafka itself.
make_conf "$tmp/sinks"
printf '\n[sink.mqtt]\nenabled = true\nqos = 3\nmax_inflight = 0\ntopic_prefx = x\n' >>"$tmp/sinks/iocd.conf"
printf '\n[sink.kafka]\nenabled = true\nkafka.no.such.property = 1\nkafka.socket.timeout.ms = soon\ncompression = zip\nkafka.acks = 1\n' \
    >>"$tmp/sinks/iocd.conf"
"$IOCD" -c "$tmp/sinks/iocd.conf" --check-config >/dev/null 2>"$tmp/sinks.err"
same 1 "$?" "--check-config with broken sink sections exits 1"
contains "$tmp/sinks.err" "iocd.conf:14: 'qos' = '3': must be between 0 and 2" "mqtt: qos out of range, at its line"
contains "$tmp/sinks.err" "iocd.conf:15: 'max_inflight' = '0': must be between 1 and 65535" "mqtt: max_inflight 0 refused (unlimited is ~30x slower)"
contains "$tmp/sinks.err" "iocd.conf:16: unknown key 'topic_prefx' (did you mean 'topic_prefix'?)" "mqtt: misspelt key"
contains "$tmp/sinks.err" "iocd.conf:20: 'kafka.no.such.property': No such configuration property" \
    "kafka: unknown librdkafka property, at its line"
contains "$tmp/sinks.err" "iocd.conf:21: 'kafka.socket.timeout.ms': Invalid value" "kafka: invalid librdkafka value, at its line"
contains "$tmp/sinks.err" "iocd.conf:23: 'kafka.acks' is set by iocd: acks=all is required for no loss" \
    "kafka: the delivery guarantees cannot be overridden"
printf 'plugin = example\nurl = http://127.0.0.1:9/x\nsource = Feed +1\n' >"$tmp/sinks/connectors.d/bad.conf"
"$IOCD" -c "$tmp/sinks/iocd.conf" --check-config >/dev/null 2>"$tmp/sinks2.err"
contains "$tmp/sinks2.err" "bad.conf:3: 'source' = 'Feed +1': use lowercase letters" \
    "a source that cannot be an MQTT topic level is refused"
contains "$tmp/sinks.err" "iocd.conf:22: 'compression' = 'zip'" "kafka: invalid compression, at its line"

# --describe prints every key of the plugin's table with type, default, help.
"$IOCD" -c conf/iocd.conf --describe example >"$tmp/describe.out"
same 0 "$?" "--describe example exits 0"
contains "$tmp/describe.out" "example 1.0.0 - example feed" "--describe names the plugin and version"
check "url: type url, required, help" grep -qE '^  url +url +- +required +the JSON document to fetch$' "$tmp/describe.out"
check "token: type secret, optional, help" grep -qE '^  token +secret +- +optional +bearer token' "$tmp/describe.out"
check "on_time_target: type int, default 95, help" \
    grep -qE '^  on_time_target +int +95 +optional +target share' "$tmp/describe.out"
for key in plugin enabled interval timeout jitter backoff_max fail_after max_body source allow_origins http_listen; do
    check "reserved key $key is described" grep -qE "^  $key +[a-z]+ " "$tmp/describe.out"
done
contains "$tmp/describe.out" "Never from https to plain http." "--describe states the origin and redirect rule"
contains "$tmp/describe.out" "Retry-After is obeyed on 429 and 503 only, and never beyond backoff_max." \
    "--describe states the Retry-After rule"
"$IOCD" -c conf/iocd.conf --describe nosuch >/dev/null 2>"$tmp/nosuch.err"
same 1 "$?" "--describe of an unknown plugin exits 1"

# --list-connectors, --version, --help, usage errors.
"$IOCD" -c conf/iocd.conf --list-connectors >"$tmp/list.out"
check "--list-connectors lists the example plugin" grep -qE '^  example +1\.0\.0 ' "$tmp/list.out"
check "--list-connectors lists the configured instance" grep -qE '^  example +plugin example +enabled' "$tmp/list.out"
check "--version prints the version and ABI" bash -c "'$IOCD' --version | grep -qE '^iocd [0-9]+\.[0-9]+\.[0-9]+ \(connector ABI 3\)$'"
check "--help describes --check-config" bash -c "'$IOCD' --help | grep -q -- '--check-config'"
check "--help describes --dry-run and how it differs from --once" \
    bash -c "'$IOCD' --help | grep -q -- '-n, --dry-run' && '$IOCD' --help | grep -q 'no sink, no'"
"$IOCD" --no-such-option >/dev/null 2>&1
same 2 "$?" "an unknown option exits 2"
"$IOCD" --log-level loud >/dev/null 2>&1
same 2 "$?" "a bad --log-level exits 2"
"$IOCD" -c "$tmp/missing.conf" --check-config >/dev/null 2>"$tmp/missing.err"
same 1 "$?" "a missing configuration file exits 1"
contains "$tmp/missing.err" "$tmp/missing.conf: cannot open: No such file or directory" "and says why"

# --connector NAME runs only that instance, even if another file is broken.
start_feedsim A --records 2
make_conf "$tmp/two"
add_example "$tmp/two" first "$FEED_A/example"
add_example "$tmp/two" second "$FEED_A/example"
"$IOCD" -c "$tmp/two/iocd.conf" --once >"$tmp/both.out" 2>/dev/null
same "first second" "$(jq -r .source "$tmp/both.out" | sort -u | xargs)" "--once runs every instance"
echo "intervall = 5s" >>"$tmp/two/connectors.d/second.conf"
"$IOCD" -c "$tmp/two/iocd.conf" --once --connector first >"$tmp/one.out" 2>/dev/null
same 0 "$?" "--connector first runs although second.conf is broken"
same "first" "$(jq -r .source "$tmp/one.out" | sort -u | xargs)" "--connector first publishes only first's metrics"
"$IOCD" -c "$tmp/two/iocd.conf" --once --connector third >/dev/null 2>"$tmp/third.err"
same 1 "$?" "--connector with an unknown instance exits 1"
contains "$tmp/third.err" "no such connector instance 'third'" "and names it"
echo "enabled = false" >>"$tmp/two/connectors.d/first.conf"
"$IOCD" -c "$tmp/two/iocd.conf" --once --connector first >/dev/null 2>"$tmp/disabled.err"
same 1 "$?" "--connector with a disabled instance exits 1"
contains "$tmp/disabled.err" "instance 'first' is disabled" "and says so"

# --check-config --connector NAME checks iocd.conf and NAME's file only:
# another instance's broken file does not fail it (issue 16).
sed -i '/^enabled = false$/d' "$tmp/two/connectors.d/first.conf"
"$IOCD" -c "$tmp/two/iocd.conf" --check-config --connector first >"$tmp/cc1.out" 2>"$tmp/cc1.err"
same 0 "$?" "--check-config --connector first exits 0 although second.conf is broken"
same "$tmp/two/iocd.conf: configuration OK: 1 connector instance (1 enabled), gazetteer vn-2025-07, catalogue built-in (0 metrics, 16 units)" \
    "$(cat "$tmp/cc1.out")" "it reports the one instance it checked"
same "" "$(cat "$tmp/cc1.err")" "and says nothing of second.conf"
"$IOCD" -c "$tmp/two/iocd.conf" --check-config --connector second >/dev/null 2>"$tmp/cc2.err"
same 1 "$?" "--check-config --connector second (the broken one) exits 1"
contains "$tmp/cc2.err" "second.conf:5: unknown key 'intervall' (did you mean 'interval'?)" "and names its error"
"$IOCD" -c "$tmp/two/iocd.conf" --check-config >/dev/null 2>"$tmp/cc3.err"
same 1 "$?" "--check-config without --connector still checks every file (exits 1)"
sed -i '/^\[iocd\]$/a timezone = Mars' "$tmp/two/iocd.conf"
"$IOCD" -c "$tmp/two/iocd.conf" --check-config --connector first >/dev/null 2>"$tmp/cc4.err"
same 1 "$?" "--check-config --connector first still checks iocd.conf (a bad timezone fails it)"
contains "$tmp/cc4.err" "iocd.conf:2: 'timezone' = 'Mars': not an offset like +07:00" "and names the main file's error"

# token_file = %d/NAME (systemd credentials) outside systemd: a warning at
# --check-config naming FILE:LINE (it resolves under systemd), an error
# for the instance when iocd runs.
make_conf "$tmp/cred"
add_example "$tmp/cred" vault "$FEED_A/example" "token_file = %d/vault-token"
env -u CREDENTIALS_DIRECTORY "$IOCD" -c "$tmp/cred/iocd.conf" --check-config >"$tmp/cred.out" 2>"$tmp/cred.err"
same 0 "$?" "--check-config with token_file = %d/... outside systemd exits 0"
line=$(grep -n '^token_file' "$tmp/cred/connectors.d/vault.conf" | cut -d: -f1)
same "$tmp/cred/connectors.d/vault.conf:$line: warning: 'token_file' uses %d/ and \$CREDENTIALS_DIRECTORY is not set (not under systemd): the file is not checked here; it resolves under systemd's LoadCredential=, where an unreadable file is an error" \
    "$(sed "s/'%d\/vault-token'/'token_file'/" "$tmp/cred.err")" "the warning names FILE:LINE and says it resolves under systemd"
contains "$tmp/cred.out" "configuration OK: 1 connector instance" "the configuration is OK"
env -u CREDENTIALS_DIRECTORY "$IOCD" -c "$tmp/cred/iocd.conf" --once >/dev/null 2>"$tmp/cred-run.err"
same 1 "$?" "running it outside systemd is still an error (exit 1)"
contains "$tmp/cred-run.err" "vault.conf:$line: '%d/vault-token' uses %d/ but \$CREDENTIALS_DIRECTORY is not set" \
    "and says why, at FILE:LINE"
mkdir -p "$tmp/creds"
echo "s3cret-token" >"$tmp/creds/vault-token"
chmod 600 "$tmp/creds/vault-token"
CREDENTIALS_DIRECTORY=$tmp/creds "$IOCD" -c "$tmp/cred/iocd.conf" --check-config >/dev/null 2>"$tmp/cred2.err"
same "0 " "$? $(cat "$tmp/cred2.err")" "under systemd (CREDENTIALS_DIRECTORY set) it is read and checked, no warning"
rm "$tmp/creds/vault-token"
CREDENTIALS_DIRECTORY=$tmp/creds "$IOCD" -c "$tmp/cred/iocd.conf" --check-config >/dev/null 2>"$tmp/cred3.err"
same 1 "$?" "under systemd a missing credential file is an error"
contains "$tmp/cred3.err" "vault.conf:$line: cannot read secret file $tmp/creds/vault-token" "naming the file"

# Log lines: the local time first when stderr is not the journal (no
# JOURNAL_STREAM, or one naming another stream); "<N>" and no time when
# JOURNAL_STREAM names stderr's own device and inode (systemd's test).
make_conf "$tmp/logs"
add_example "$tmp/logs" lg "$FEED_A/example"
log_run() { "$IOCD" -c "$tmp/logs/iocd.conf" --once >/dev/null 2>>"$tmp/$1.err"; }
all_lines() { [ "$(grep -cE "$2" "$tmp/$1.err")" == "$(wc -l <"$tmp/$1.err")" ]; }
: >"$tmp/plain.err"
(unset JOURNAL_STREAM; log_run plain)
check "without JOURNAL_STREAM every line starts with the time ($(wc -l <"$tmp/plain.err") lines)" \
    all_lines plain "^${LOG_TIME}(error|warning|info|debug): "
contains "$tmp/plain.err" "info: lg: counters: polls_ok=1" "and the lines are there"
: >"$tmp/other.err"
JOURNAL_STREAM=8:4242 log_run other
check "with JOURNAL_STREAM naming another stream, still the time" \
    all_lines other "^${LOG_TIME}(error|warning|info|debug): "
: >"$tmp/journal.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/journal.err") log_run journal
check "with JOURNAL_STREAM naming stderr, every line starts with <N> and has no time" \
    all_lines journal '^<[3467]>(error|warning|info|debug): '
contains "$tmp/journal.err" "<6>info: lg: counters: polls_ok=1" "priority 6 for info"

# Plugins the loader must refuse, each named in the error.
plugdir=$tmp/plugins
mkdir -p "$plugdir"
cat >"$tmp/badabi.c" <<'C'
#include <ioc/connector.h>
static int poll_cb(ioc_ctx *ctx, void *state) { (void)ctx, (void)state; return IOC_OK; }
IOC_CONNECTOR_EXPORT = {.abi_version = 99, .name = "badabi", .version = "1", .poll = poll_cb};
C
# An ABI-2 plugin: its key table has 5 fields per key, which ABI 3 would
# misread; the daemon must stop at the version.
cat >"$tmp/abitwo.c" <<'C'
#include <ioc/connector.h>
struct key2 { const char *name; enum ioc_config_type type; const char *def; bool required; const char *help; };
static const struct key2 keys[] = {{"page_size", IOC_CFG_INT, "50", false, "records per page"}, {0}};
static int poll_cb(ioc_ctx *ctx, void *state) { (void)ctx, (void)state; return IOC_OK; }
IOC_CONNECTOR_EXPORT = {.abi_version = 2, .name = "abitwo", .version = "1",
                        .config = (const struct ioc_config_key *)keys, .poll = poll_cb};
C
echo 'int not_a_connector = 1;' >"$tmp/nosym.c"
cc -Iinclude -shared -fPIC -o "$plugdir/badabi.so" "$tmp/badabi.c"
cc -Iinclude -shared -fPIC -o "$plugdir/abitwo.so" "$tmp/abitwo.c"
cc -shared -fPIC -o "$plugdir/nosym.so" "$tmp/nosym.c"
make_conf "$tmp/plug"
sed -i "s|^plugin_path = .*|plugin_path = $plugdir|" "$tmp/plug/iocd.conf"
echo "plugin = badabi" >"$tmp/plug/connectors.d/a.conf"
echo "plugin = nosym" >"$tmp/plug/connectors.d/b.conf"
echo "plugin = abitwo" >"$tmp/plug/connectors.d/c.conf"
"$IOCD" -c "$tmp/plug/iocd.conf" --check-config 2>"$tmp/plug.err" >/dev/null
same 1 "$?" "a configuration using broken plugins is refused"
contains "$tmp/plug.err" "$plugdir/badabi.so: plugin built for connector ABI 99, this iocd speaks ABI 3" \
    "wrong ABI: the error names the file and both versions"
contains "$tmp/plug.err" "$plugdir/abitwo.so: plugin built for connector ABI 2, this iocd speaks ABI 3 (ABI 3 added min/max to struct ioc_config_key" \
    "ABI 2: the error names the file, both versions and what changed"
contains "$tmp/plug.err" "rebuild it against this version's include/ioc/" "ABI 2: the error says to rebuild"
"$IOCD" -c "$tmp/plug/iocd.conf" --describe abitwo >/dev/null 2>"$tmp/abitwo.err"
same 1 "$?" "--describe of an ABI-2 plugin exits 1"
contains "$tmp/abitwo.err" "$plugdir/abitwo.so: plugin built for connector ABI 2" "--describe says why"
contains "$tmp/plug.err" "$plugdir/nosym.so: missing symbol 'ioc_connector'" \
    "missing descriptor: the error names the file and the symbol"
finish
