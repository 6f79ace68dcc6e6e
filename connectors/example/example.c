/*
 * example - the connector to copy when you start a new one.
 *
 * It fetches one JSON document listing areas with two figures each:
 *
 *   {"updated":"2025-08-01T00:05:00+07:00",
 *    "period":{"from":"2025-07-01","to":"2025-07-31"},
 *    "areas":[{"code":"32002","name":"Phường An Xuyên",
 *              "received":1199,"onTimePct":97.5}, ...]}
 *
 * and emits, per area, `example.received` (a count) and `example.on_time`
 * (a percent with a target). Everything else - HTTP limits, validation of
 * names, units, codes and timestamps, publishing - is the daemon's job.
 * The README's "Writing a connector" walks through this file, step by
 * numbered step; connectors/example_paged adds pagination, saved state and
 * a check under the same numbers.
 */
#include <ioc/ioc.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* 1. Per-instance state: what init reads from the configuration. */
struct example {
    const char *url, *token;
    double on_time_target;
};

/* 2. Reading the source: an area's number; report a wrong type instead of
 * guessing. */
static int example_number(ioc_ctx *ctx, json_t *area, const char *code, const char *field,
                          double *out)
{
    json_t *v = json_object_get(area, field);
    char where[64];
    snprintf(where, sizeof where, "area %s", code);
    if (!v) {
        ioc_reject(ctx, where, field, "is missing");
        return -1;
    }
    if (!json_is_number(v)) {
        ioc_reject(ctx, where, field, json_is_null(v) ? "is null" : "is not a number");
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

/* 2. Reading the source: one element of "areas" into records. A bad area
 * is skipped; the others still flow. */
static void example_area(ioc_ctx *ctx, const struct example *ex, json_t *area, const char *ts,
                         const char *from, const char *to)
{
    const char *code = json_string_value(json_object_get(area, "code"));
    if (!code) {
        ioc_reject(ctx, "an area", "code", "is missing or not a string");
        return;
    }
    double received, on_time;
    struct ioc_record r = {.ts = ts, .period_from = from, .period_to = to, .area = code};
    if (example_number(ctx, area, code, "received", &received) == 0) {
        r.metric = "example.received", r.unit = "count", r.value = received;
        ioc_emit(ctx, &r);
    }
    if (example_number(ctx, area, code, "onTimePct", &on_time) == 0) {
        r.metric = "example.on_time", r.unit = "percent", r.value = on_time;
        r.target_op = IOC_TARGET_GE, r.target = ex->on_time_target;
        ioc_emit(ctx, &r);
    }
}

/* 3. init: read the configuration into the state. */
static int example_init(ioc_ctx *ctx, void **state)
{
    struct example *ex = calloc(1, sizeof *ex);
    if (!ex)
        return IOC_ERROR;
    ex->url = ioc_config_string(ctx, "url"); /* validated by the daemon */
    ex->token = ioc_config_string(ctx, "token");
    ex->on_time_target = (double)ioc_config_int(ctx, "on_time_target"); /* 0..100 */
    *state = ex;
    return IOC_OK;
}

/* 4. poll: fetch, parse, emit. The daemon has logged a failed request. */
static int example_poll(ioc_ctx *ctx, void *state)
{
    struct example *ex = state;
    struct ioc_http_options opt = {.bearer_token = ex->token, .conditional = true};
    struct ioc_http_response resp;
    enum ioc_http_result rc = ioc_http_request(ctx, ex->url, &opt, &resp);
    if (rc != IOC_HTTP_OK) {
        ioc_http_response_free(&resp);
        /* Failures are already logged by the daemon. 304: nothing new. */
        return rc == IOC_HTTP_NOT_MODIFIED ? IOC_OK : IOC_ERROR;
    }
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, &err);
    ioc_http_response_free(&resp);
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "invalid JSON at line %d column %d: %s", err.line,
                err.column, err.text);
        return IOC_ERROR;
    }
    json_t *areas = json_object_get(doc, "areas");
    if (!json_is_array(areas)) {
        ioc_log(ctx, IOC_LOG_ERROR, "field 'areas' is missing or not an array");
        json_decref(doc);
        return IOC_ERROR;
    }
    json_t *period = json_object_get(doc, "period");
    const char *ts = json_string_value(json_object_get(doc, "updated"));
    const char *from = json_string_value(json_object_get(period, "from"));
    const char *to = json_string_value(json_object_get(period, "to"));
    size_t i;
    json_t *area;
    json_array_foreach(areas, i, area)
        example_area(ctx, ex, area, ts, from, to);
    json_decref(doc);
    return IOC_OK;
}

/* 5. fini: free what init allocated. */
static void example_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    free(state);
}

/* 6. check: none here, every key is judged by the table; see
 * connectors/example_paged for one. */

/* 7. The configuration table: validated by the daemon, printed by
 * `iocd --describe example`. */
static const struct ioc_config_key example_keys[] = {
    {"url", IOC_CFG_URL, NULL, true, "the JSON document to fetch", NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with the request", NULL, NULL},
    /* The range is the daemon's to check: a value outside it is a
     * configuration error at --check-config, with the file and line. */
    {"on_time_target", IOC_CFG_INT, "95", false, "target share of on-time work, in percent",
     "0", "100"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

/* 8. The one exported symbol. */
IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "example",
    .description = "example feed: per-area received count and on-time percent",
    .version = "1.0.0",
    .config = example_keys,
    .init = example_init,
    .poll = example_poll,
    .fini = example_fini,
};
