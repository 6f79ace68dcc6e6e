/*
 * telecom - the operators' monthly telecom coverage report (BTS, 4G/5G
 * coverage, mobile and fixed-broadband subscribers, household fibre) per
 * commune and operator, read page by page:
 *
 *   GET URL?page=1&pageSize=200
 *   {"kyBaoCao":"2025-06","page":1,"pageSize":200,"total":192,
 *    "items":[{"maXa":"32152","nhaMang":"Viettel",
 *              "btsTheoCongNghe":{"2G":4,"4G":11,"5G":1},
 *              "phuSong4GTyLe":98.5,"phuSong5GTyLe":12.0,
 *              "thueBaoDiDong":24810,"thueBaoBangRongCoDinh":5120,
 *              "hoFTTHTyLe":71.3,"updatedAt":"2025-07-05T09:00:00+07:00"}]}
 *
 * This file is the page walk; telecom_report.c turns the pages into
 * metrics. The design idea: a report is published whole or not at all.
 * Every page is fetched first (at most max_pages, checking ioc_stopping
 * between pages; every page must name the same month and total, and the
 * pages together must hold `total` items), and only then is anything
 * emitted, so a failed page 3 never leaves province totals made of pages
 * 1-2 on the screens.
 *
 * Page 1 is a conditional request: a 304 means the report has not changed
 * since the last walk, whose values are still the published ones, so the
 * poll succeeds without publishing. If that last walk did not complete,
 * nothing of it was published: page 1 is then fetched again without the
 * condition.
 */
#include "telecom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct telecom {
    const char *url, *token;
    int64_t page_size, max_pages;
    struct telecom_options opt;
    /* The data behind the validators the daemon remembers for page 1 has
     * been published: a 304 may keep it. */
    bool current;
};

enum telecom_fetch { TELECOM_FAILED = -1, TELECOM_UNCHANGED = 0, TELECOM_FETCHED = 1 };

/* GET one page and check its frame. On TELECOM_FETCHED *doc is the
 * document (the caller decrefs it). Failures are logged. */
static enum telecom_fetch telecom_fetch(ioc_ctx *ctx, const struct telecom *tc, int64_t page,
                                        bool conditional, json_t **doc)
{
    char num[24], size[24];
    snprintf(num, sizeof num, "%lld", (long long)page);
    snprintf(size, sizeof size, "%lld", (long long)tc->page_size);
    char *base = ioc_url_with_param(tc->url, "page", num);
    char *url = base ? ioc_url_with_param(base, "pageSize", size) : NULL;
    free(base);
    if (!url) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: out of memory building the URL", (long long)page);
        return TELECOM_FAILED;
    }
    struct ioc_http_options o = {.bearer_token = tc->token, .conditional = conditional};
    struct ioc_http_response resp;
    enum ioc_http_result rc = ioc_http_request(ctx, url, &o, &resp);
    free(url);
    if (rc != IOC_HTTP_OK) {
        ioc_http_response_free(&resp);
        return rc == IOC_HTTP_NOT_MODIFIED ? TELECOM_UNCHANGED : TELECOM_FAILED;
    }
    json_error_t err;
    *doc = json_loadb(resp.body, resp.body_len, 0, &err);
    ioc_http_response_free(&resp);
    if (!*doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: invalid JSON at line %d column %d: %s",
                (long long)page, err.line, err.column, err.text);
        return TELECOM_FAILED;
    }
    const char *why = NULL;
    json_t *n = json_object_get(*doc, "page");
    if (!json_is_object(*doc))
        why = "the document is not a JSON object";
    else if (!json_is_string(json_object_get(*doc, "kyBaoCao")))
        why = "field 'kyBaoCao' is missing or not a string";
    else if (!json_is_integer(json_object_get(*doc, "total")) ||
             json_integer_value(json_object_get(*doc, "total")) < 0)
        why = "field 'total' is missing or not a non-negative integer";
    else if (!json_is_array(json_object_get(*doc, "items")))
        why = "field 'items' is missing or not an array";
    else if (n && (!json_is_integer(n) || json_integer_value(n) != page))
        why = "field 'page' is not the page asked for";
    if (why) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: %s", (long long)page, why);
        json_decref(*doc);
        *doc = NULL;
        return TELECOM_FAILED;
    }
    return TELECOM_FETCHED;
}

/* Items per page as the server applied it: its "pageSize" when it says
 * (servers cap it); else the size of a short page 1 of a longer report;
 * else what we asked for. */
static int64_t telecom_served_size(const struct telecom *tc, json_t *first)
{
    json_t *s = json_object_get(first, "pageSize");
    json_int_t total = json_integer_value(json_object_get(first, "total"));
    size_t items = json_array_size(json_object_get(first, "items"));
    if (json_is_integer(s) && json_integer_value(s) > 0)
        return (int64_t)json_integer_value(s);
    if (items > 0 && (json_int_t)items < total && (int64_t)items < tc->page_size)
        return (int64_t)items;
    return tc->page_size;
}

/* Fetch pages 2..npages into pages[1..]; 0, or -1 (logged) when one
 * failed or disagrees with page 1. */
static int telecom_walk(ioc_ctx *ctx, const struct telecom *tc, json_t **pages, int64_t npages)
{
    const char *month = json_string_value(json_object_get(pages[0], "kyBaoCao"));
    json_int_t total = json_integer_value(json_object_get(pages[0], "total"));
    for (int64_t p = 2; p <= npages; p++) {
        if (ioc_stopping(ctx)) {
            ioc_log(ctx, IOC_LOG_INFO, "report %s: stopping before page %lld of %lld; nothing "
                    "published", month, (long long)p, (long long)npages);
            return -1;
        }
        if (telecom_fetch(ctx, tc, p, false, &pages[p - 1]) != TELECOM_FETCHED) {
            ioc_log(ctx, IOC_LOG_WARNING, "report %s: page %lld of %lld failed; nothing from "
                    "this poll is published", month, (long long)p, (long long)npages);
            return -1;
        }
        const char *m = json_string_value(json_object_get(pages[p - 1], "kyBaoCao"));
        json_int_t t = json_integer_value(json_object_get(pages[p - 1], "total"));
        if (strcmp(m, month) != 0 || t != total) {
            ioc_log(ctx, IOC_LOG_WARNING, "report %s: page %lld says month %.16s, total %lld "
                    "(page 1: total %lld): the report changed while it was read; nothing "
                    "published", month, (long long)p, m, (long long)t, (long long)total);
            return -1;
        }
    }
    return 0;
}

/* Everything after a fetched page 1: check the frame, walk, emit. */
static int telecom_report(ioc_ctx *ctx, struct telecom *tc, json_t **pages)
{
    const char *month = json_string_value(json_object_get(pages[0], "kyBaoCao"));
    json_int_t total = json_integer_value(json_object_get(pages[0], "total"));
    char from[11], to[11];
    if (telecom_period(month, from, to) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page 1: field 'kyBaoCao' '%.16s' is not a month (YYYY-MM)",
                month);
        return IOC_ERROR;
    }
    int64_t size = telecom_served_size(tc, pages[0]);
    int64_t npages = total == 0 ? 1 : (int64_t)(total / size + (total % size != 0));
    if (npages > tc->max_pages) {
        ioc_log(ctx, IOC_LOG_ERROR, "report %s: %lld items make %lld pages of %lld, more than "
                "max_pages = %lld; nothing published", month, (long long)total,
                (long long)npages, (long long)size, (long long)tc->max_pages);
        return IOC_ERROR;
    }
    if (telecom_walk(ctx, tc, pages, npages) < 0)
        return IOC_ERROR;
    size_t items = 0;
    for (int64_t p = 0; p < npages; p++)
        items += json_array_size(json_object_get(pages[p], "items"));
    if ((json_int_t)items != total) {
        ioc_log(ctx, IOC_LOG_WARNING, "report %s: the %lld pages hold %zu items, but total is "
                "%lld; nothing published", month, (long long)npages, items, (long long)total);
        return IOC_ERROR;
    }
    size_t used = telecom_report_emit(ctx, &tc->opt, pages, (size_t)npages, from, to);
    ioc_log(ctx, IOC_LOG_DEBUG, "report %s: %lld pages, %zu of %lld items published", month,
            (long long)npages, used, (long long)total);
    tc->current = true;
    return IOC_OK;
}

static int telecom_poll(ioc_ctx *ctx, void *state)
{
    struct telecom *tc = state;
    json_t **pages = calloc((size_t)tc->max_pages, sizeof *pages);
    if (!pages) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory for %lld pages", (long long)tc->max_pages);
        return IOC_ERROR;
    }
    enum telecom_fetch got = telecom_fetch(ctx, tc, 1, true, &pages[0]);
    if (got == TELECOM_UNCHANGED && tc->current) {
        ioc_log(ctx, IOC_LOG_DEBUG, "report not modified since the last poll; its values stay "
                "published");
        free(pages);
        return IOC_OK;
    }
    if (got == TELECOM_UNCHANGED) {
        ioc_log(ctx, IOC_LOG_DEBUG, "page 1 not modified, but the last walk was not published; "
                "reading the report again");
        got = telecom_fetch(ctx, tc, 1, false, &pages[0]);
    }
    int rc = IOC_ERROR;
    if (got == TELECOM_FETCHED) {
        tc->current = false; /* the daemon now remembers this page 1 */
        rc = telecom_report(ctx, tc, pages);
    }
    for (int64_t p = 0; p < tc->max_pages; p++)
        json_decref(pages[p]);
    free(pages);
    return rc;
}

/* The ranges of the keys are in telecom_keys: the daemon refused any
 * value outside them before init runs. */
static int telecom_init(ioc_ctx *ctx, void **state)
{
    int64_t size = ioc_config_int(ctx, "page_size"), max = ioc_config_int(ctx, "max_pages");
    int64_t target = ioc_config_int(ctx, "target_5g");
    struct telecom *tc = calloc(1, sizeof *tc);
    if (!tc)
        return IOC_ERROR;
    tc->url = ioc_config_string(ctx, "url");
    tc->token = ioc_config_string(ctx, "token");
    tc->page_size = size, tc->max_pages = max;
    tc->opt.coverage_5g_target = (double)target;
    tc->opt.has_5g_target = target > 0;
    *state = tc;
    return IOC_OK;
}

static void telecom_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    free(state);
}

static const struct ioc_config_key telecom_keys[] = {
    {"url", IOC_CFG_URL, NULL, true, "the report's URL; page and pageSize are added to it",
     NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with every request", NULL, NULL},
    {"page_size", IOC_CFG_INT, "200", false, "items asked for per page (pageSize)", "1",
     "1000"},
    {"max_pages", IOC_CFG_INT, "50", false, "most pages read per poll; a larger report fails "
     "the poll", "1", "10000"},
    {"target_5g", IOC_CFG_INT, "99", false,
     "target 5G population coverage in percent (2030 goal: 99); 0 = none", "0", "100"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "telecom",
    .description = "telecom coverage report: BTS, 4G/5G coverage, subscribers, FTTH per "
                   "commune and operator, province totals",
    .version = "1.0.0",
    .config = telecom_keys,
    .init = telecom_init,
    .poll = telecom_poll,
    .fini = telecom_fini,
};
