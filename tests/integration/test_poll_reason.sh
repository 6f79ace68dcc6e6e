#!/usr/bin/env bash
# test_poll_reason - the reason a failed poll shows (issue 17, item 4): the
# first warning or error the poll logged, as include/ioc/connector.h tells
# connector authors; a connector that fails without one is named with what
# it returned, never "the plugin gave no reason". Through a plugin built
# here, `mute`, whose poll returns the configured `rc` after logging the
# configured `say` (if any) at error level. Three instances, each failing
# every poll: m1 returns IOC_ERROR silently, m7 returns 7 silently, said
# logs its reason first. The retained status on a real broker and the
# log's transition line carry the reason, exactly.
source "$(dirname "$0")/lib.sh"
for tool in mosquitto mosquitto_pub mosquitto_sub; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed"; exit 1; }
done

plugdir=$tmp/plugins
mkdir -p "$plugdir"
cat >"$tmp/mute.c" <<'C'
#include <ioc/ioc.h>

static int mute_poll(ioc_ctx *ctx, void *state)
{
    (void)state;
    const char *say = ioc_config_string(ctx, "say");
    if (say)
        ioc_log(ctx, IOC_LOG_ERROR, "%s", say);
    return (int)ioc_config_int(ctx, "rc");
}

static const struct ioc_config_key keys[] = {
    {"rc", IOC_CFG_INT, "-1", false, "what poll returns", NULL, NULL},
    {"say", IOC_CFG_STRING, NULL, false, "logged at error level first", NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL}};
IOC_CONNECTOR_EXPORT = {.abi_version = IOC_ABI_VERSION, .name = "mute", .version = "1",
                        .description = "fails every poll", .config = keys, .poll = mute_poll};
C
cc -Iinclude -Wall -Wextra -Werror -shared -fPIC -o "$plugdir/mute.so" "$tmp/mute.c"
same 0 "$?" "the test plugin builds"

start_mosquitto M
conf=$tmp/conf
make_conf "$conf"
sed -i "s|^plugin_path = .*|plugin_path = $plugdir|" "$conf/iocd.conf"
add_sink_mqtt "$conf" "$MQTT_PORT_M"
printf 'plugin = mute\ninterval = 1s\n' >"$conf/connectors.d/m1.conf"
printf 'plugin = mute\ninterval = 1s\nrc = 7\n' >"$conf/connectors.d/m7.conf"
printf 'plugin = mute\ninterval = 1s\nsay = page 2: field items is missing\n' \
    >"$conf/connectors.d/said.conf"

start_mqtt_sub "$MQTT_PORT_M" 'ioc/v1/96/_status/#' "$tmp/status.log"
start_iocd run -c "$conf/iocd.conf"
err=$tmp/run.err

silent="the connector mute reported failure without a reason"
declare -A reason=([m1]="$silent (return code -1)" [m7]="$silent (return code 7)"
                   [said]="page 2: field items is missing")
for i in m1 m7 said; do
    check "$i: 'status starting -> degraded after 1 failed poll: ${reason[$i]}'" \
        wait_for 10 at_least 1 "$err" \
        "warning: $i: status starting -> degraded after 1 failed poll: ${reason[$i]}"
    check "$i: retained status 'degraded: ${reason[$i]}'" \
        wait_for 10 status_heard "$tmp/status.log" "ioc/v1/96/_status/$i degraded: ${reason[$i]}"
done
stop_pid "$IOCD_PID"
same 0 "$stop_rc" "SIGTERM: iocd exits 0"
for i in m1 m7 said; do
    check "$i: offline after the stop" \
        wait_for 10 status_heard "$tmp/status.log" "ioc/v1/96/_status/$i offline"
done
stop_pid "$SUB_PID"
same 0 "$(count_lines "$err" "gave no reason")" "no line says 'the plugin gave no reason'"
# The first "online" (init) may never reach the broker: status_mqtt sends
# an instance's current status once its connection is up, and a poll that
# fails at once has replaced it by then.
for i in m1 m7 said; do
    same "degraded: ${reason[$i]}|offline" \
        "$(status_texts "$tmp/status.log" | sed -n "s|^ioc/v1/96/_status/$i ||p" | sed '1{/^online$/d}' | paste -sd'|')" \
        "$i: the statuses the broker saw: [online,] degraded with the reason, offline"
done
finish
