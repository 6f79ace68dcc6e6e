/*
 * http_json - a connector configured, not programmed: it fetches any JSON
 * feed and turns it into metrics by the mapping in its instance file.
 *
 *   plugin = http_json
 *   url = http://10.0.0.5/api/baocao
 *   pagination = page          page_param = page     page_total = total
 *   records = items[]          area = maXa           dim.operator = nhaMang
 *   metric.subs.name = telecom.subscribers.mobile
 *   metric.subs.value = thueBaoDiDong
 *   metric.subs.unit = count
 *
 * docs/http_json.md is the manual (every key, the path syntax, examples);
 * conf/examples/ holds instance files for the four simulated feeds.
 *
 * This file is the glue to the daemon: the key table, the request options,
 * and the poll loop. The design idea: every setting is judged by `check`
 * (so `iocd --check-config` names FILE:LINE of each mistake) through the
 * same parser init uses (hjmap); a poll is the SDK's page walk (ioc_page_walk;
 * hjwalk reads each page's total, link or cursor) whose pages are
 * extracted into a batch (hjextract) that is emitted only when the last
 * page has arrived, so a failed page publishes nothing. Each page's JSON
 * is freed once extracted; what a walk may hold is bounded before a page
 * is parsed (hjscan estimates its parsed size: max_page_memory), by the
 * bytes of all its pages (max_walk_bytes) and by the records it keeps
 * (max_walk_records), so no feed can make a walk take more.
 */
#include "hjextract.h"
#include "hjmap.h"
#include "hjscan.h"
#include "hjwalk.h"

#include <ioc/ioc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_JSON_MAX_HEADERS 32

static const struct ioc_config_key http_json_keys[] = {
    /* request */
    {"url", IOC_CFG_URL, NULL, true, "the feed's URL (http:// or https://)", NULL, NULL},
    {"method", IOC_CFG_STRING, "GET", false, "GET or POST", NULL, NULL},
    {"body", IOC_CFG_STRING, NULL, false, "request body of a POST (e.g. a JSON query)", NULL, NULL},
    {"query.*", IOC_CFG_STRING, NULL, false,
     "query.<label> = name=value: a query parameter added to the URL (value percent-encoded); "
     "query.<label>_file = PATH reads name=value from a file", NULL, NULL},
    {"header.*", IOC_CFG_STRING, NULL, false,
     "header.<label> = Name: value: a request header; header.<label>_file = PATH reads "
     "'Name: value' from a file (API keys)", NULL, NULL},
    {"auth", IOC_CFG_STRING, "none", false, "none, bearer (with token) or basic (username, "
     "password)", NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token (or token_file)", NULL, NULL},
    {"username", IOC_CFG_STRING, NULL, false, "user of basic authentication", NULL, NULL},
    {"password", IOC_CFG_SECRET, NULL, false, "password of basic authentication (or "
     "password_file)", NULL, NULL},
    {"ca_file", IOC_CFG_STRING, NULL, false, "PEM file of the CA to trust instead of the "
     "system's (absolute path)", NULL, NULL},
    {"client_cert", IOC_CFG_STRING, NULL, false, "PEM client certificate for mutual TLS "
     "(absolute path)", NULL, NULL},
    {"client_key", IOC_CFG_STRING, NULL, false, "PEM key of client_cert (absolute path)",
     NULL, NULL},
    {"conditional", IOC_CFG_BOOL, "false", false, "send If-None-Match/If-Modified-Since; a 304 "
     "keeps the published values (pagination = none only)", NULL, NULL},
    /* pagination */
    {"pagination", IOC_CFG_STRING, "none", false, "none, page, next_link or cursor", NULL, NULL},
    {"page_param", IOC_CFG_STRING, NULL, false, "page: query parameter of the page number",
     NULL, NULL},
    {"page_first", IOC_CFG_INT, NULL, false, "page: number of the first page (default 1)",
     "0", "1000000"},
    {"page_size_param", IOC_CFG_STRING, NULL, false, "page: query parameter of the page size",
     NULL, NULL},
    {"page_size", IOC_CFG_INT, NULL, false, "page: records asked per page", "1", "100000000"},
    {"page_total", IOC_CFG_STRING, NULL, false, "page: path of the total (else: stop at the "
     "first empty page)", NULL, NULL},
    {"page_total_kind", IOC_CFG_STRING, NULL, false, "page: the total counts `records` "
     "(default) or `pages`", NULL, NULL},
    {"next_link", IOC_CFG_STRING, NULL, false, "next_link: path of the next page's URL "
     "(absolute or relative); absent, null or \"\" ends the walk", NULL, NULL},
    {"cursor_param", IOC_CFG_STRING, NULL, false, "cursor: query parameter of the cursor",
     NULL, NULL},
    {"cursor", IOC_CFG_STRING, NULL, false, "cursor: path of the next cursor in a page",
     NULL, NULL},
    {"has_more", IOC_CFG_STRING, NULL, false, "cursor: path of the has-more flag (else: stop "
     "when the cursor is absent or empty)", NULL, NULL},
    {"max_pages", IOC_CFG_INT, "1000", false, "a walk with more pages fails (nothing is "
     "published)", "1", "1000000"},
    /* memory: a parsed page takes 13-80 times its bytes, a walk keeps its
     * records until it ends; docs/http_json.md "Memory" has the sums */
    {"max_page_memory", IOC_CFG_SIZE, "128MiB", false, "a page whose parsed form would take "
     "more (estimated from its bytes) fails the walk", "64k", "4GiB"},
    {"max_walk_records", IOC_CFG_INT, "500000", false, "a walk with more records fails",
     "1", "100000000"},
    {"max_walk_bytes", IOC_CFG_SIZE, "256MiB", false, "a walk whose pages hold more bytes "
     "(decoded) fails", "1k", NULL},
    /* records */
    {"records", IOC_CFG_STRING, ".", false, "path of the records, e.g. data.items[] (\".\" = "
     "the whole page is one record)", NULL, NULL},
    {"area", IOC_CFG_STRING, NULL, false, "path of each record's commune or province code "
     "(old codes are mapped)", NULL, NULL},
    {"area_const", IOC_CFG_STRING, NULL, false, "a fixed area code instead of `area`", NULL, NULL},
    {"area_missing", IOC_CFG_STRING, "skip", false, "when the area field is absent or null: skip "
     "the record, or use the province", NULL, NULL},
    {"time", IOC_CFG_STRING, NULL, false, "path of the measurement time (else: time of the "
     "poll); $.x reads the page's root", NULL, NULL},
    {"time_format", IOC_CFG_STRING, "rfc3339", false, "rfc3339, epoch_s, epoch_ms, "
     "yyyyMMddHHmmss or date", NULL, NULL},
    {"time_zone", IOC_CFG_STRING, "+07:00", false, "zone of yyyyMMddHHmmss and date values, and "
     "of printed epoch times", NULL, NULL},
    {"period_from", IOC_CFG_STRING, NULL, false, "path of the reporting period's first day",
     NULL, NULL},
    {"period_to", IOC_CFG_STRING, NULL, false, "path of the reporting period's last day",
     NULL, NULL},
    {"period_format", IOC_CFG_STRING, NULL, false, "format of the period fields (default: "
     "time_format)", NULL, NULL},
    {"number_strings", IOC_CFG_STRING, "reject", false, "numbers sent as text: reject, "
     "point_decimal (\"1,234.5\") or comma_decimal (\"1.234,5\")", NULL, NULL},
    {"dim.*", IOC_CFG_STRING, NULL, false,
     "dim.<key> = path: a dimension from each record; dim.<key>.const = text: a fixed one",
     NULL, NULL},
    {"metric.*", IOC_CFG_STRING, NULL, false,
     "metric.<id>.<attribute>: name, value, numerator, denominator, scale, unit, sum, where, "
     "if, numerator_if, denominator_if, dims, optional, decimals, target, dim.<key>; from a "
     "record's fields through allow-lists: name_from + name_map, unit_from + unit_map, "
     "target_from (see docs/http_json.md)", NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

struct http_json {
    struct hj_mapping *map;
    char *base_url;
    const char *method, *body, *token, *user, *password, *ca_file, *cert, *key;
    bool conditional;
    uint64_t max_page_memory, max_walk_bytes;
    long long max_walk_records;
    const char *headers[HTTP_JSON_MAX_HEADERS + 1];
    /* The values behind the daemon's validators for the URL were
     * published: a 304 may keep them. */
    bool current;
};

/* ---- configuration ---- */

static const char *http_json_get(void *user, const char *key)
{
    ioc_ctx *ctx = user;
    return ioc_config_isset(ctx, key) ? ioc_config_string(ctx, key) : NULL;
}

static const char *http_json_family(void *user, const char *family, size_t index)
{
    return ioc_config_family(user, family, index);
}

static void http_json_error(void *user, const char *key, const char *message)
{
    ioc_config_error(user, key, "%s", message);
}

/* Query parameters, headers, auth and TLS: what hjmap does not read. */
static int http_json_check_request(ioc_ctx *ctx)
{
    int errors = 0;
    const char *key, *v;
    for (size_t i = 0; (key = ioc_config_family(ctx, "query.*", i)); i++) {
        v = ioc_config_string(ctx, key);
        if (!v || !strchr(v, '=') || v[0] == '=') {
            ioc_config_error(ctx, key, "write `name=value` (e.g. query.unit = maDonVi=000.00.01)");
            errors++;
        }
    }
    size_t headers = 0;
    for (size_t i = 0; (key = ioc_config_family(ctx, "header.*", i)); i++, headers++) {
        v = ioc_config_string(ctx, key);
        const char *colon = v ? strchr(v, ':') : NULL;
        if (!colon || colon == v || strcspn(v, " \t") < (size_t)(colon - v)) {
            ioc_config_error(ctx, key, "write `Name: value` (e.g. header.key = X-Api-Key: abc)");
            errors++;
        } else if (strncasecmp(v, "Authorization:", 14) == 0) {
            ioc_config_error(ctx, key, "use auth = bearer with token_file (or basic) instead of "
                             "an Authorization header: secrets belong in a file, not here");
            errors++;
        }
    }
    if (headers > HTTP_JSON_MAX_HEADERS) {
        ioc_config_error(ctx, NULL, "more than %d header.* keys", HTTP_JSON_MAX_HEADERS);
        errors++;
    }
    const char *method = ioc_config_string(ctx, "method");
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        ioc_config_error(ctx, "method", "`%s` is not GET or POST", method);
        errors++;
    } else if (ioc_config_isset(ctx, "body") && strcmp(method, "POST") != 0) {
        ioc_config_error(ctx, "body", "a body needs method = POST");
        errors++;
    }
    const char *auth = ioc_config_string(ctx, "auth");
    bool bearer = strcmp(auth, "bearer") == 0, basic = strcmp(auth, "basic") == 0;
    if (!bearer && !basic && strcmp(auth, "none") != 0) {
        ioc_config_error(ctx, "auth", "`%s` is not none, bearer or basic", auth);
        errors++;
    }
    if (bearer != ioc_config_isset(ctx, "token")) {
        ioc_config_error(ctx, bearer ? "auth" : "token", bearer ? "bearer needs `token` or "
                         "`token_file`" : "a token is only sent with auth = bearer");
        errors++;
    }
    if (basic != ioc_config_isset(ctx, "username") ||
        (ioc_config_isset(ctx, "password") && !basic)) {
        ioc_config_error(ctx, basic ? "auth" : "username", basic ? "basic needs `username` (and "
                         "`password` or `password_file`)" : "username and password are only "
                         "sent with auth = basic");
        errors++;
    }
    const char *files[] = {"ca_file", "client_cert", "client_key"};
    for (int i = 0; i < 3; i++)
        if ((v = ioc_config_string(ctx, files[i])) && v[0] != '/') {
            ioc_config_error(ctx, files[i], "`%s` must be an absolute path", v);
            errors++;
        }
    if (ioc_config_isset(ctx, "client_key") && !ioc_config_isset(ctx, "client_cert")) {
        ioc_config_error(ctx, "client_key", "a client key needs `client_cert`");
        errors++;
    }
    if (ioc_config_bool(ctx, "conditional") && strcmp(ioc_config_string(ctx, "pagination"),
                                                      "none") != 0) {
        ioc_config_error(ctx, "conditional", "only works with pagination = none: a 304 on page 1 "
                         "says nothing about the other pages");
        errors++;
    }
    return errors ? IOC_ERROR : IOC_OK;
}

static struct hj_mapping *http_json_mapping(ioc_ctx *ctx)
{
    struct hjmap_source src = {http_json_get, http_json_family, http_json_error, ctx};
    return hjmap_parse(&src);
}

/* metric.LABEL.target is deprecated (issue 12 item 3): the catalogue
 * (conf/catalog.conf) carries each metric's targets, with a warning band,
 * basis and period. Set, it still works, as the records' own target,
 * which overrides the catalogue's. (A target read from a record field, a
 * station's own alarm level, is another matter: that stays a record's
 * own target.) */
static void http_json_warn_deprecated(ioc_ctx *ctx)
{
    const char *key;
    for (size_t i = 0; (key = ioc_config_family(ctx, "metric.*", i)); i++) {
        size_t n = strlen(key);
        if (n > 7 && strcmp(key + n - 7, ".target") == 0)
            ioc_config_warning(ctx, key, "deprecated: give the metric its targets in the "
                               "catalogue (catalog.conf, target.ID.goal); while set, this one "
                               "overrides them as the records' own target, without a warning "
                               "band");
    }
}

static int http_json_check(ioc_ctx *ctx)
{
    http_json_warn_deprecated(ctx);
    int rc = http_json_check_request(ctx);
    struct hj_mapping *m = http_json_mapping(ctx);
    hjmap_free(m);
    return m && rc == IOC_OK ? IOC_OK : IOC_ERROR;
}

/* The configured URL with every query.* parameter added. */
static char *http_json_base_url(ioc_ctx *ctx)
{
    char *url = strdup(ioc_config_string(ctx, "url"));
    const char *key;
    for (size_t i = 0; url && (key = ioc_config_family(ctx, "query.*", i)); i++) {
        const char *v = ioc_config_string(ctx, key), *eq = strchr(v, '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
        char *next = ioc_url_with_param(url, name, eq + 1);
        free(url);
        url = next;
    }
    return url;
}

static void http_json_fini(ioc_ctx *ctx, void *state);

static int http_json_init(ioc_ctx *ctx, void **state)
{
    struct http_json *hj = calloc(1, sizeof *hj);
    if (!hj)
        return IOC_ERROR;
    *state = hj;
    if (http_json_check_request(ctx) != IOC_OK || !(hj->map = http_json_mapping(ctx)) ||
        !(hj->base_url = http_json_base_url(ctx))) {
        http_json_fini(ctx, hj);
        *state = NULL;
        return IOC_ERROR;
    }
    hj->method = ioc_config_string(ctx, "method");
    hj->body = ioc_config_string(ctx, "body");
    hj->token = ioc_config_string(ctx, "token");
    hj->user = ioc_config_string(ctx, "username");
    hj->password = ioc_config_string(ctx, "password");
    hj->ca_file = ioc_config_string(ctx, "ca_file");
    hj->cert = ioc_config_string(ctx, "client_cert");
    hj->key = ioc_config_string(ctx, "client_key");
    hj->conditional = ioc_config_bool(ctx, "conditional");
    hj->max_page_memory = ioc_config_size(ctx, "max_page_memory");
    hj->max_walk_bytes = ioc_config_size(ctx, "max_walk_bytes");
    hj->max_walk_records = ioc_config_int(ctx, "max_walk_records");
    const char *key;
    size_t n = 0;
    for (size_t i = 0; n < HTTP_JSON_MAX_HEADERS && (key = ioc_config_family(ctx, "header.*", i));
         i++)
        hj->headers[n++] = ioc_config_string(ctx, key);
    return IOC_OK;
}

static void http_json_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    struct http_json *hj = state;
    if (!hj)
        return;
    hjmap_free(hj->map);
    free(hj->base_url);
    free(hj);
}

/* ---- polling ---- */

static void http_json_reject(void *user, const char *where, const char *field, const char *reason)
{
    ioc_reject(user, where, field, reason);
}

static const char *http_json_resolve(void *user, const char *code, const char **reason)
{
    return ioc_area_resolve(user, code, reason);
}

static void http_json_emit(void *user, const struct ioc_record *record)
{
    ioc_emit(user, record);
}

/* One walk: the batch its pages go into, and the last page's document,
 * which the walk's next link or cursor points into until the next page. */
struct http_json_walk {
    struct http_json *hj;
    struct hj_batch *batch;
    json_t *doc;
    struct hj_walk_text text;
    uint64_t bytes; /* decoded bytes of the pages so far */
};

/* The walk's bounds on bytes and on one page's parsed size, checked
 * before the page is parsed: whatever the feed sends, a page costs at most
 * max_page_memory, and its records are cut at max_walk_records while they
 * are extracted. Returns false after logging why. */
static bool http_json_page_fits(ioc_ctx *ctx, struct http_json_walk *w, long long number,
                                const char *body, size_t len)
{
    const struct http_json *hj = w->hj;
    w->bytes += len;
    if (w->bytes > hj->max_walk_bytes) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: the walk's pages hold more than %llu bytes "
                "(max_walk_bytes); nothing of this walk is published", number,
                (unsigned long long)hj->max_walk_bytes);
        return false;
    }
    size_t stop = hj->max_page_memory > SIZE_MAX ? SIZE_MAX : (size_t)hj->max_page_memory;
    size_t parsed = hjscan_parsed_size(body, len, stop);
    if (parsed > stop) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: its %zu bytes would take more than %llu bytes "
                "once parsed (max_page_memory); nothing of this walk is published", number,
                len, (unsigned long long)hj->max_page_memory);
        return false;
    }
    return true;
}

/* A page refused for a key repeated in one object (jansson says
 * `duplicate object key near '"n"'`): the record holding it is counted
 * as rejected, naming the key, and the walk fails like any page that
 * cannot be read (docs/http_json.md). False for any other parse error. */
static bool http_json_duplicate_key(ioc_ctx *ctx, long long number, const json_error_t *err)
{
    static const char prefix[] = "duplicate object key near '\"";
    if (strncmp(err->text, prefix, sizeof prefix - 1) != 0)
        return false;
    char key[128], where[96];
    const char *start = err->text + sizeof prefix - 1, *end = strrchr(start, '"');
    int n = end ? (int)(end - start) : (int)strlen(start);
    snprintf(key, sizeof key, "%.*s", n < 100 ? n : 100, start);
    snprintf(where, sizeof where, "page %lld line %d column %d", number, err->line, err->column);
    ioc_reject(ctx, where, key, "appears twice in one object (which value is meant is unknown)");
    ioc_log(ctx, IOC_LOG_ERROR, "page %lld: a record has the key '%s' twice (line %d column %d); "
            "nothing of this walk is published", number, key, err->line, err->column);
    return true;
}

/* ioc_page_fn: one page into the batch, and what the walk needs from it. */
static int http_json_page(ioc_ctx *ctx, void *user, long long number, const char *url,
                          const char *body, size_t len, struct ioc_page *page)
{
    (void)url;
    struct http_json_walk *w = user;
    char why[768];
    json_error_t err;
    json_decref(w->doc);
    w->doc = NULL;
    if (!http_json_page_fits(ctx, w, number, body, len))
        return -1;
    /* A key twice in one object is refused, not read as "the last one
     * wins" (jansson's default): which value the feed meant is unknown. */
    w->doc = json_loadb(body, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &err);
    if (!w->doc && http_json_duplicate_key(ctx, number, &err))
        return -1;
    if (!w->doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: invalid JSON at line %d column %d: %s; nothing "
                "of this walk is published", number, err.line, err.column, err.text);
        return -1;
    }
    long n = hj_batch_add_page(w->batch, w->doc, (int)number, why, sizeof why);
    if (n == HJ_BATCH_FULL) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: the walk holds more than %lld records "
                "(max_walk_records); nothing of this walk is published", number,
                w->hj->max_walk_records);
        return -1;
    }
    if (n < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: `records` path `%s`: %s; nothing of this walk "
                "is published", number, jpath_text(w->hj->map->records), why);
        return -1;
    }
    if (hj_walk_read(&w->hj->map->paging, w->doc, n, page, &w->text, why, sizeof why) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: %s", number, why);
        return -1;
    }
    return 0;
}

static int http_json_poll(ioc_ctx *ctx, void *state)
{
    struct http_json *hj = state;
    struct hj_host host = {http_json_reject, http_json_resolve, ioc_province(ctx), ctx};
    struct http_json_walk w = {.hj = hj, .batch = hj_batch_new(hj->map, &host)};
    if (!w.batch) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory starting a poll");
        return IOC_ERROR;
    }
    hj_batch_limit_records(w.batch, (size_t)hj->max_walk_records);
    struct ioc_http_options o = {
        .method = hj->method,
        .headers = hj->headers,
        .body = hj->body,
        .body_len = hj->body ? strlen(hj->body) : 0,
        .bearer_token = hj->token,
        .basic_user = hj->user,
        .basic_password = hj->password,
        .ca_file = hj->ca_file,
        .client_cert = hj->cert,
        .client_key = hj->key,
    };
    struct ioc_page_spec spec;
    hj_walk_spec(&hj->map->paging, hj->base_url, &spec, &w.text);
    spec.http = &o;
    spec.conditional = hj->conditional && hj->current;
    /* A 304 stands for values we published only if the last walk completed;
     * an unexpected one (no walk of ours behind it) fails the walk. */
    spec.current = hj->current;
    hj->current = false; /* published only if this walk completes */
    struct ioc_page_outcome out;
    enum ioc_page_result rc = ioc_page_walk(ctx, &spec, http_json_page, &w, &out);
    json_decref(w.doc);
    if (rc == IOC_PAGE_NOT_MODIFIED) {
        hj->current = true;
        ioc_log(ctx, IOC_LOG_DEBUG, "not modified since the last walk: values kept");
    } else if (rc == IOC_PAGE_COMPLETE) {
        size_t undefined = 0;
        size_t sent = hj_batch_emit(w.batch, http_json_emit, ctx, &undefined);
        ioc_log(ctx, IOC_LOG_DEBUG, "%lld page%s, %zu records (%zu skipped), %zu metrics, %zu "
                "ratios left out (denominator 0)", out.pages, out.pages == 1 ? "" : "s",
                hj_batch_records(w.batch), hj_batch_skipped(w.batch), sent, undefined);
        hj->current = true;
    } else if (out.failure == IOC_PAGE_FAIL_HTTP) {
        /* The daemon logged the request; this says which page of the walk. */
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld failed (%s); nothing of this walk is published",
                out.failed_page, out.why);
    }
    hj_batch_free(w.batch);
    return rc == IOC_PAGE_FAILED ? IOC_ERROR : IOC_OK;
}

IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "http_json",
    .description = "any JSON feed, mapped to metrics by configuration (paths, pagination, sums, "
                   "ratios)",
    .version = "1.0.0",
    .config = http_json_keys,
    .init = http_json_init,
    .poll = http_json_poll,
    .fini = http_json_fini,
    .check = http_json_check,
};
