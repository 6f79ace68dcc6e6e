#!/usr/bin/env bash
# test_config_bounds - min/max of connector keys (struct ioc_config_key,
# ABI 3): a value out of a key's bounds is a configuration error at
# `iocd --check-config` and at start-up, reported FILE:LINE with the key
# and the bound, for int, duration and size keys and key families; a value
# in range passes; `--describe` prints the bounds; a plugin whose table
# has wrong bounds is refused at load, naming the .so and the key. Also
# pakn's province form, checked by its check callback.
source "$(dirname "$0")/lib.sh"

# In-tree connectors: example (on_time_target 0..100) and dvc.
conf=$tmp/conf
make_conf "$conf"
add_example "$conf" dash "http://127.0.0.1:9/example" "on_time_target = 150"
printf 'plugin = dvc\nurl = http://127.0.0.1:9/dvc\npage_size = 0\nmax_pages = 100001\nonline_target = 100\n' \
    >"$conf/connectors.d/portal.conf"
line=$(grep -n '^on_time_target' "$conf/connectors.d/dash.conf" | cut -d: -f1)
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/out.out" 2>"$tmp/out.err"
same 1 "$?" "--check-config with values out of their bounds exits 1"
contains "$tmp/out.err" "$conf/connectors.d/dash.conf:$line: 'on_time_target' = '150': must be between 0 and 100" \
    "example: file:line, the key, the value and the bounds"
contains "$tmp/out.err" "$conf/connectors.d/portal.conf:3: 'page_size' = '0': must be between 1 and 10000" \
    "dvc: page_size below its minimum"
contains "$tmp/out.err" "$conf/connectors.d/portal.conf:4: 'max_pages' = '100001': must be between 1 and 100000" \
    "dvc: max_pages above its maximum"
same 3 "$(grep -c 'must be between' "$tmp/out.err")" "exactly the 3 values out of range are refused (online_target = 100 is in range)"
check "nothing says OK" bash -c "! grep -q 'configuration OK' '$tmp/out.out'"

# At start-up too: the daemon does not start, and says why the same way.
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.out" 2>"$tmp/once.err"
rc=$?
check "iocd --once refuses to start with a value out of bounds (exit $rc)" test "$rc" -ne 0
contains "$tmp/once.err" "dash.conf:$line: 'on_time_target' = '150': must be between 0 and 100" \
    "at start-up: the same file:line error"
same 0 "$(wc -l <"$tmp/once.out")" "nothing was published"

# pakn's province is a form, not a range: its check callback, not init,
# refuses it, so --check-config sees it too.
make_conf "$tmp/pk"
printf 'plugin = pakn\nurl = http://127.0.0.1:9/pakn\nprovince = 9\n' >"$tmp/pk/connectors.d/reports.conf"
"$IOCD" -c "$tmp/pk/iocd.conf" --check-config >/dev/null 2>"$tmp/pk.err"
same 1 "$?" "pakn: a province that is not 2 digits fails --check-config"
contains "$tmp/pk.err" "reports.conf:3: province: '9' is not a 2-digit province code" "pakn: at its line"

# The bounds themselves are in range: accepted.
add_example "$conf" dash "http://127.0.0.1:9/example" "on_time_target = 100"
printf 'plugin = dvc\nurl = http://127.0.0.1:9/dvc\npage_size = 1\nmax_pages = 100000\n' \
    >"$conf/connectors.d/portal.conf"
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/ok.out" 2>"$tmp/ok.err"
same 0 "$?" "values on their bounds pass --check-config"
contains "$tmp/ok.out" "configuration OK: 2 connector instances" "and it says OK"

# --describe prints the bounds after the help.
"$IOCD" -c "$conf/iocd.conf" --describe example >"$tmp/describe.out"
same 0 "$?" "--describe example exits 0"
check "example: on_time_target shows [min 0, max 100]" \
    grep -qE '^  on_time_target +int +95 +optional +target share.*\[min 0, max 100\]$' "$tmp/describe.out"
check "example: url shows no bounds" bash -c "grep -E '^  url ' '$tmp/describe.out' | grep -qv '\\[min'"
"$IOCD" -c "$conf/iocd.conf" --describe telecom >"$tmp/telecom.out"
check "telecom: page_size shows [min 1, max 1000]" \
    grep -qE '^  page_size +int +200 +optional .*\[min 1, max 1000\]$' "$tmp/telecom.out"

# Durations, sizes and key families, through a plugin of this test.
plugdir=$tmp/plugins
mkdir -p "$plugdir"
cat >"$tmp/bounded.c" <<'C'
#include <ioc/connector.h>
static const struct ioc_config_key keys[] = {
    {"wait", IOC_CFG_DURATION, "30s", false, "a duration of at least 1s", "1s", NULL},
    {"chunk", IOC_CFG_SIZE, NULL, false, "a size of at most 64k", NULL, "64k"},
    {"weight.*", IOC_CFG_INT, NULL, false, "weight.<name>: -10..10", "-10", "10"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};
static int poll_cb(ioc_ctx *ctx, void *state) { (void)ctx, (void)state; return IOC_OK; }
IOC_CONNECTOR_EXPORT = {.abi_version = IOC_ABI_VERSION, .name = "bounded", .version = "1",
                        .description = "bounds test", .config = keys, .poll = poll_cb};
C
cc -Iinclude -Wall -Wextra -Werror -shared -fPIC -o "$plugdir/bounded.so" "$tmp/bounded.c"
same 0 "$?" "a plugin with bounded duration, size and family keys builds with -Wextra -Werror"
make_conf "$tmp/own"
sed -i "s|^plugin_path = .*|plugin_path = $plugdir|" "$tmp/own/iocd.conf"
printf 'plugin = bounded\nwait = 999ms\nchunk = 65537\nweight.a = 11\nweight.b = -10\n' \
    >"$tmp/own/connectors.d/b.conf"
"$IOCD" -c "$tmp/own/iocd.conf" --check-config >/dev/null 2>"$tmp/own.err"
same 1 "$?" "duration, size and family values out of bounds: exit 1"
contains "$tmp/own.err" "b.conf:2: 'wait' = '999ms': must be at least 1s" "duration below its minimum, in the key's units"
contains "$tmp/own.err" "b.conf:3: 'chunk' = '65537': must be at most 64k" "size above its maximum"
contains "$tmp/own.err" "b.conf:4: 'weight.a' = '11': must be between -10 and 10" "a member of a bounded family"
same 3 "$(grep -c ':[0-9]*: ' "$tmp/own.err")" "exactly 3 errors (weight.b = -10 is in range)"
printf 'plugin = bounded\nwait = 1000ms\nchunk = 64k\nweight.a = 10\n' >"$tmp/own/connectors.d/b.conf"
"$IOCD" -c "$tmp/own/iocd.conf" --check-config >/dev/null 2>"$tmp/own-ok.err"
same 0 "$?" "duration, size and family values on their bounds: exit 0"
"$IOCD" -c "$tmp/own/iocd.conf" --describe bounded >"$tmp/bounded.out"
check "--describe: a minimum alone" grep -qE '^  wait +duration +30s .*\[min 1s\]$' "$tmp/bounded.out"
check "--describe: a maximum alone" grep -qE '^  chunk +size +- .*\[max 64k\]$' "$tmp/bounded.out"

# Tables with wrong bounds: a plugin bug, refused at load.
badtable() { # NAME KEY-ENTRY
    cat >"$tmp/$1.c" <<C
#include <ioc/connector.h>
static const struct ioc_config_key keys[] = {$2, {NULL, 0, NULL, false, NULL, NULL, NULL}};
static int poll_cb(ioc_ctx *ctx, void *state) { (void)ctx, (void)state; return IOC_OK; }
IOC_CONNECTOR_EXPORT = {.abi_version = IOC_ABI_VERSION, .name = "$1", .version = "1",
                        .config = keys, .poll = poll_cb};
C
    cc -Iinclude -shared -fPIC -o "$plugdir/$1.so" "$tmp/$1.c"
    echo "plugin = $1" >"$tmp/own/connectors.d/$1.conf"
}
badtable defout '{"limit", IOC_CFG_INT, "0", false, "h", "1", "100"}'
badtable badmin '{"wait", IOC_CFG_DURATION, NULL, false, "h", "soon", NULL}'
badtable onstring '{"name", IOC_CFG_STRING, NULL, false, "h", "a", "z"}'
badtable crossed '{"size", IOC_CFG_SIZE, NULL, false, "h", "1M", "1k"}'
"$IOCD" -c "$tmp/own/iocd.conf" --check-config >/dev/null 2>"$tmp/bad.err"
same 1 "$?" "plugins with wrong bounds in their tables are refused"
contains "$tmp/bad.err" "$plugdir/defout.so: config key 'limit': default '0' must be between 1 and 100" \
    "a default outside its bounds: the .so and the key named"
contains "$tmp/bad.err" "$plugdir/badmin.so: config key 'wait': min 'soon': not a duration" \
    "a bound that does not parse as the key's type"
contains "$tmp/bad.err" "$plugdir/onstring.so: config key 'name': min/max are for int, duration and size keys, not string" \
    "bounds on a string key"
contains "$tmp/bad.err" "$plugdir/crossed.so: config key 'size': min '1M' is above max '1k'" \
    "a minimum above the maximum"
"$IOCD" -c "$tmp/own/iocd.conf" --describe defout >/dev/null 2>"$tmp/defout.err"
same 1 "$?" "--describe refuses the plugin too"
finish
