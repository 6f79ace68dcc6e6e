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
 * This file is the page walk (the SDK's ioc_page_walk, with a callback
 * that keeps and checks each page); telecom_report.c turns the pages into
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

/* One walk: the page documents, kept until the report is emitted. */
struct telecom_walk {
    struct telecom *tc;
    json_t **pages;
    size_t count, cap;
    const char *month;       /* kyBaoCao of page 1 */
    json_int_t total;        /* total of page 1 */
};

/* Check a page's frame. Returns NULL or the reason. */
static const char *telecom_frame(json_t *doc, long long page)
{
    json_t *n = json_object_get(doc, "page");
    if (!json_is_object(doc))
        return "the document is not a JSON object";
    if (!json_is_string(json_object_get(doc, "kyBaoCao")))
        return "field 'kyBaoCao' is missing or not a string";
    if (!json_is_integer(json_object_get(doc, "total")) ||
        json_integer_value(json_object_get(doc, "total")) < 0)
        return "field 'total' is missing or not a non-negative integer";
    if (!json_is_array(json_object_get(doc, "items")))
        return "field 'items' is missing or not an array";
    if (n && (!json_is_integer(n) || json_integer_value(n) != page))
        return "field 'page' is not the page asked for";
    return NULL;
}

/* ioc_page_fn: keep one page of the report. */
static int telecom_page(ioc_ctx *ctx, void *user, long long page, const char *url,
                        const char *body, size_t len, struct ioc_page *out)
{
    (void)url;
    struct telecom_walk *w = user;
    if (page == 1)
        w->tc->current = false; /* the daemon now remembers this page 1 */
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: invalid JSON at line %d column %d: %s", page,
                err.line, err.column, err.text);
        return -1;
    }
    if (w->count == w->cap) {
        json_t **pages = realloc(w->pages, (w->cap + 8) * sizeof *pages);
        if (!pages) {
            json_decref(doc);
            ioc_log(ctx, IOC_LOG_ERROR, "page %lld: out of memory", page);
            return -1;
        }
        w->pages = pages, w->cap += 8;
    }
    w->pages[w->count++] = doc;
    const char *why = telecom_frame(doc, page);
    if (why) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: %s", page, why);
        return -1;
    }
    const char *m = json_string_value(json_object_get(doc, "kyBaoCao"));
    json_int_t t = json_integer_value(json_object_get(doc, "total"));
    if (page == 1) {
        w->month = m, w->total = t;
    } else if (strcmp(m, w->month) != 0 || t != w->total) {
        ioc_log(ctx, IOC_LOG_WARNING, "report %s: page %lld says month %.16s, total %lld "
                "(page 1: total %lld): the report changed while it was read; nothing "
                "published", w->month, page, m, (long long)t, (long long)w->total);
        return -1;
    }
    out->items = (long long)json_array_size(json_object_get(doc, "items"));
    out->has_total = true;
    out->total = w->total;
    return 0;
}

/* Pages of `size` items that `total` makes (one for an empty report). */
static long long telecom_npages(long long total, long long size)
{
    return total == 0 ? 1 : total / size + (total % size != 0);
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

/* The failures the walk leaves to us, in this connector's words. */
static void telecom_walk_failed(ioc_ctx *ctx, const struct telecom *tc,
                                const struct telecom_walk *w, const struct ioc_page_outcome *o)
{
    const char *month = w->month ? w->month : "?";
    long long size = w->count ? telecom_served_size(tc, w->pages[0]) : tc->page_size;
    long long npages = telecom_npages(w->total, size);
    if (o->failure == IOC_PAGE_FAIL_HTTP && o->failed_page > 1)
        ioc_log(ctx, IOC_LOG_WARNING, "report %s: page %lld of %lld failed; nothing from "
                "this poll is published", month, o->failed_page, npages);
    else if (o->failure == IOC_PAGE_FAIL_MAX_PAGES)
        ioc_log(ctx, IOC_LOG_ERROR, "report %s: %lld items make %lld pages of %lld, more than "
                "max_pages = %lld", month, (long long)w->total, npages, size,
                (long long)tc->max_pages);
}

static int telecom_poll(ioc_ctx *ctx, void *state)
{
    struct telecom *tc = state;
    struct telecom_walk w = {.tc = tc};
    struct ioc_http_options http = {.bearer_token = tc->token};
    /* Page 1 is asked conditionally; a 304 after a walk that was not
     * published means nothing, and the walk reads the report again. */
    struct ioc_page_spec spec = {
        .style = IOC_PAGE_NUMBER, .url = tc->url, .page_param = "page", .page_first = 1,
        .size_param = "pageSize", .page_size = tc->page_size, .max_pages = tc->max_pages,
        .http = &http, .conditional = true, .current = tc->current, .total_name = "total",
    };
    struct ioc_page_outcome out;
    enum ioc_page_result walked = ioc_page_walk(ctx, &spec, telecom_page, &w, &out);
    if (out.asked_again)
        ioc_log(ctx, IOC_LOG_DEBUG, "page 1 not modified, but the last walk was not published; "
                "reading the report again");
    int rc = IOC_ERROR;
    char from[11], to[11];
    if (walked == IOC_PAGE_NOT_MODIFIED) {
        ioc_log(ctx, IOC_LOG_DEBUG, "report not modified since the last poll; its values stay "
                "published");
        rc = IOC_OK;
    } else if (walked == IOC_PAGE_FAILED) {
        telecom_walk_failed(ctx, tc, &w, &out);
    } else if (telecom_period(w.month, from, to) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page 1: field 'kyBaoCao' '%.16s' is not a month (YYYY-MM)",
                w.month);
    } else {
        size_t used = telecom_report_emit(ctx, &tc->opt, w.pages, w.count, from, to);
        ioc_log(ctx, IOC_LOG_DEBUG, "report %s: %zu pages, %zu of %lld items published", w.month,
                w.count, used, (long long)w.total);
        tc->current = true;
        rc = IOC_OK;
    }
    for (size_t p = 0; p < w.count; p++)
        json_decref(w.pages[p]);
    free(w.pages);
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
    tc->opt.has_5g_target = ioc_config_isset(ctx, "target_5g") && target > 0;
    *state = tc;
    return IOC_OK;
}

/* target_5g is deprecated: the catalogue (conf/catalog.conf) carries the
 * 5G target of telecom.coverage. Set, it still works, as the records' own
 * target, which overrides the catalogue's (and has no warning band). */
static int telecom_check(ioc_ctx *ctx)
{
    if (ioc_config_isset(ctx, "target_5g"))
        ioc_config_warning(ctx, "target_5g", "deprecated: the catalogue's 5G target of "
                           "telecom.coverage (catalog.conf, target g5_2030) replaces it; while "
                           "set, it overrides it as the records' own target, without a warning "
                           "band");
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
    {"target_5g", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's target replaces it): own target of 5G coverage, percent; "
     "0 = none", "0", "100"},
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
    .check = telecom_check,
    .poll = telecom_poll,
    .fini = telecom_fini,
};
