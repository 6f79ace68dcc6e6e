#!/usr/bin/env bash
# test_instance - the host API's guards (daemon/instance.c), through a
# plugin built by this test: the short-lived ctx handed to `check` refuses
# ioc_http_request, ioc_state_get/set, ioc_emit, ioc_reject and
# ioc_stopping with a logged error and an error return (before ABI 3 they
# dereferenced NULL), and ioc_reject called from several threads of one
# poll counts every rejection and logs exactly the first 10.
source "$(dirname "$0")/lib.sh"

plugdir=$tmp/plugins
mkdir -p "$plugdir"
cat >"$tmp/guarded.c" <<'C'
#include <ioc/ioc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* check calls everything it may not, then says what each returned. */
static int guarded_check(ioc_ctx *ctx)
{
    struct ioc_http_response resp;
    memset(&resp, 0x5a, sizeof resp); /* must come back initialised */
    enum ioc_http_result http = ioc_http_request(ctx, "http://127.0.0.1:9/", NULL, &resp);
    char *got = ioc_state_get(ctx, "cursor");
    int set = ioc_state_set(ctx, "cursor", "1");
    struct ioc_record r = {.metric = "guarded.count", .unit = "count", .value = 1, .area = "96"};
    int emit = ioc_emit(ctx, &r);
    ioc_reject(ctx, "check", "field", "is refused");
    bool stopping = ioc_stopping(ctx);
    ioc_log(ctx, IOC_LOG_INFO, "results: http=%d status=%ld body=%s retry=%lld error=[%s] "
            "state_get=%s state_set=%d emit=%d stopping=%d", (int)http, resp.status,
            resp.body ? "set" : "null", (long long)resp.retry_after_s, resp.error,
            got ? got : "null", set, emit, (int)stopping);
    ioc_http_response_free(&resp);
    return IOC_OK;
}

static void *reject_many(void *arg)
{
    for (int i = 0; i < 2500; i++)
        ioc_reject(arg, "thread", "value", "is refused");
    return NULL;
}

/* poll: 4 threads reject 2500 records each; the state works here. */
static int guarded_poll(ioc_ctx *ctx, void *state)
{
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reject_many, ctx);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int set = ioc_state_set(ctx, "cursor", "42");
    char *got = ioc_state_get(ctx, "cursor");
    ioc_log(ctx, IOC_LOG_INFO, "poll: state_set=%d state_get=%s stopping=%d", set,
            got ? got : "null", (int)ioc_stopping(ctx));
    free(got);
    return IOC_OK;
}

static const struct ioc_config_key keys[] = {{NULL, 0, NULL, false, NULL, NULL, NULL}};
IOC_CONNECTOR_EXPORT = {.abi_version = IOC_ABI_VERSION, .name = "guarded", .version = "1",
                        .description = "host API guards", .config = keys,
                        .check = guarded_check, .poll = guarded_poll};
C
cc -Iinclude -Wall -Wextra -Werror -pthread -shared -fPIC -o "$plugdir/guarded.so" "$tmp/guarded.c"
same 0 "$?" "the test plugin builds"

conf=$tmp/conf
make_conf "$conf"
sed -i "s|^plugin_path = .*|plugin_path = $plugdir|" "$conf/iocd.conf"
echo "plugin = guarded" >"$conf/connectors.d/g.conf"

# --check-config: check runs on its short-lived ctx.
"$IOCD" -c "$conf/iocd.conf" --check-config >"$tmp/check.out" 2>"$tmp/check.err"
same 0 "$?" "--check-config exits 0: iocd did not crash, check accepted the configuration"
contains "$tmp/check.out" "configuration OK: 1 connector instance" "and says OK"
for f in "ioc_http_request; fetch in poll" "ioc_state_get; read saved state in init or poll" \
         "ioc_state_set; save state in init or poll" "ioc_emit; emit in poll" \
         "ioc_reject; reject records in poll" "ioc_stopping; check has no poll to stop"; do
    contains "$tmp/check.err" "error: g: plugin guarded: check may not call $f" \
        "refused and logged with the instance and plugin: ${f%%;*}"
done
contains "$tmp/check.err" "results: http=-6 status=0 body=null retry=-1 error=[check may not call ioc_http_request; fetch in poll] state_get=null state_set=-1 emit=-1 stopping=1" \
    "each refused call returned its error value (HTTP: IOC_HTTP_ERR_USAGE, response initialised)"
check "the refused reject logged no 'record skipped'" bash -c "! grep -q 'record skipped' '$tmp/check.err'"

# --once: check at start-up, then a real poll whose threads reject.
"$IOCD" -c "$conf/iocd.conf" --once >"$tmp/once.out" 2>"$tmp/once.err"
same 0 "$?" "--once exits 0"
same 6 "$(grep -c 'error: g: plugin guarded: check may not call' "$tmp/once.err")" "start-up runs check, refused the same 6 times"
contains "$tmp/once.err" "poll: state_set=0 state_get=42 stopping=0" "in poll the same calls work"
same 10 "$(grep -c "thread: field 'value' is refused; record skipped" "$tmp/once.err")" \
    "4 threads x 2500 rejections: exactly the first 10 are logged"
contains "$tmp/once.err" "9990 more rejected records in this poll were not logged" \
    "the rest are counted as not logged"
contains "$tmp/once.err" "counters: polls_ok=1 polls_failed=0 metrics=0 rejected=10000 " \
    "every rejection from every thread is counted"
finish
