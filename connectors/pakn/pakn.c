/*
 * pakn - citizen field reports ("phản ánh hiện trường", CaMau-G app):
 * received, in progress, resolved, overdue, resolved on time and
 * satisfaction, per commune x topic (dim linh_vuc), per commune, per topic
 * and for the province, cumulative since the start of the stream.
 *
 * The feed is an append-only stream read with an opaque cursor:
 *   GET URL?cursor=<opaque>&limit=N  ->  {"cursor":"...","hasMore":true,
 *                                         "items":[{"maPhanAnh":...}, ...]}
 * Each report is listed once, in order of creation, and never changes
 * after (a later status change is not re-sent: see docs/metrics/pakn.md).
 *
 * The design idea: one poll is one walk from the saved cursor to the end of
 * the stream (at most max_pages pages), counted into a COPY of the totals.
 * Only when every page of the walk succeeded are the new cursor and the new
 * totals saved together, as one state value, and then emitted; a failed
 * page discards the copy, so nothing of that poll is counted, saved or
 * published, and the next poll walks again from the saved cursor. After a
 * crash or kill -9 the saved (cursor, totals) pair is always consistent:
 * the crash window - pages read but not yet saved - is only re-read, never
 * counted twice, and nothing is missed. Published values are totals, not
 * increments, so publishing them again after a restart is harmless.
 */
#include "pakn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pakn {
    const char *url, *token, *province;
    char limit[16];
    int64_t max_pages;
    struct pakn_targets targets;
    struct pakn_agg agg; /* what is saved */
    bool conditional_ok; /* the last poll succeeded: a 304 on page 1 is trustworthy */
};

/* The outcome of one page. */
struct pakn_page {
    bool more;
    size_t counted, skipped;
};

static char *pakn_page_url(const struct pakn *p, const char *cursor)
{
    if (!cursor)
        return ioc_url_with_param(p->url, "limit", p->limit);
    char *with_cursor = ioc_url_with_param(p->url, "cursor", cursor);
    char *url = with_cursor ? ioc_url_with_param(with_cursor, "limit", p->limit) : NULL;
    free(with_cursor);
    return url;
}

/* Count the items of one parsed page into `work` and move its cursor. */
static int pakn_page_read(ioc_ctx *ctx, struct pakn_agg *work, unsigned page, json_t *doc,
                          struct pakn_page *out)
{
    json_t *items = json_object_get(doc, "items"), *more = json_object_get(doc, "hasMore");
    json_t *cursor = json_object_get(doc, "cursor");
    const char *next = json_string_value(cursor);
    if (!json_is_array(items) || !json_is_boolean(more)) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %u: '%s' is missing or of the wrong type", page,
                json_is_array(items) ? "hasMore" : "items");
        return -1;
    }
    out->more = json_is_true(more);
    /* No cursor (absent or null) is fine on the last page: keep ours. */
    bool given = cursor && !json_is_null(cursor);
    const char *bad = NULL;
    if (given && !next)
        bad = "not a string";
    else if (given && !next[0])
        bad = "empty";
    else if (!given && out->more)
        bad = "missing or null while hasMore is true";
    if (bad) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %u: 'cursor' is %s", page, bad);
        return -1;
    }
    if (out->more && work->cursor && strcmp(next, work->cursor) == 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %u: the feed repeated its cursor with hasMore true",
                page);
        return -1;
    }
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item) {
        struct pakn_item it;
        if (pakn_item_read(ctx, page, i, item, &it) < 0) {
            out->skipped++;
            continue;
        }
        int rc = pakn_agg_add(ctx, work, &it);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            char where[96];
            snprintf(where, sizeof where, "page %u item #%zu", page, i + 1);
            ioc_reject(ctx, where, "linhVuc", "makes more commune/topic pairs than can be saved");
            out->skipped++;
            continue;
        }
        out->counted++;
    }
    if (next) {
        char *copy = strdup(next);
        if (!copy) {
            ioc_log(ctx, IOC_LOG_ERROR, "out of memory");
            return -1;
        }
        free(work->cursor);
        work->cursor = copy;
    }
    return 0;
}

/* Fetch and count one page. 1 = page 1 not modified, 0 = done, -1 = failed. */
static int pakn_page(ioc_ctx *ctx, struct pakn *p, struct pakn_agg *work, unsigned page,
                     struct pakn_page *out)
{
    char *url = pakn_page_url(p, work->cursor);
    if (!url) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory");
        return -1;
    }
    struct ioc_http_options opt = {.bearer_token = p->token,
                                   .conditional = page == 1 && p->conditional_ok};
    struct ioc_http_response resp;
    enum ioc_http_result rc = ioc_http_request(ctx, url, &opt, &resp);
    free(url);
    if (rc == IOC_HTTP_NOT_MODIFIED && page == 1) {
        ioc_http_response_free(&resp);
        return 1;
    }
    if (rc != IOC_HTTP_OK) { /* already logged by the daemon */
        ioc_http_response_free(&resp);
        return -1;
    }
    json_error_t err;
    json_t *doc = json_loadb(resp.body, resp.body_len, 0, &err);
    ioc_http_response_free(&resp);
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %u: invalid JSON at line %d column %d: %s", page,
                err.line, err.column, err.text);
        return -1;
    }
    int r = pakn_page_read(ctx, work, page, doc, out);
    json_decref(doc);
    return r;
}

/* Walk from the saved cursor into `work`. 1 = nothing new (304), 0 = walked,
 * -1 = a page failed. */
static int pakn_walk(ioc_ctx *ctx, struct pakn *p, struct pakn_agg *work, unsigned *pages,
                     size_t *counted, size_t *skipped)
{
    struct pakn_page pg = {.more = true};
    for (*pages = 1; pg.more; ++*pages) {
        if (*pages > 1 && ioc_stopping(ctx)) {
            ioc_log(ctx, IOC_LOG_INFO, "stopping: walk abandoned before page %u", *pages);
            return -1;
        }
        pg = (struct pakn_page){0};
        int rc = pakn_page(ctx, p, work, *pages, &pg);
        if (rc != 0) {
            if (rc < 0)
                ioc_log(ctx, IOC_LOG_WARNING,
                        "page %u failed: nothing of this poll is counted or published; the "
                        "next poll reads again from the saved cursor",
                        *pages);
            return rc;
        }
        *counted += pg.counted, *skipped += pg.skipped;
        if (pg.more && *pages >= (unsigned)p->max_pages) {
            ioc_log(ctx, IOC_LOG_INFO,
                    "read %u pages (max_pages); the rest of the stream follows at the next poll",
                    *pages);
            return 0;
        }
    }
    --*pages;
    return 0;
}

static int pakn_poll(ioc_ctx *ctx, void *state)
{
    struct pakn *p = state;
    struct pakn_agg work;
    if (pakn_agg_copy(&work, &p->agg) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory");
        return IOC_ERROR;
    }
    unsigned pages = 0;
    size_t counted = 0, skipped = 0;
    int rc = pakn_walk(ctx, p, &work, &pages, &counted, &skipped);
    if (rc == 1) { /* page 1 unchanged since the last successful poll */
        pakn_agg_free(&work);
        return IOC_OK;
    }
    bool moved = (work.cursor ? 1 : 0) != (p->agg.cursor ? 1 : 0) ||
                 (work.cursor && strcmp(work.cursor, p->agg.cursor) != 0);
    if (rc == 0) {
        pakn_agg_settle(&work);
        if ((counted || moved) && pakn_agg_save(ctx, &work) < 0)
            rc = -1;
    }
    if (rc < 0) {
        pakn_agg_free(&work);
        p->conditional_ok = false;
        return IOC_ERROR;
    }
    pakn_agg_free(&p->agg);
    p->agg = work;
    p->conditional_ok = true;
    size_t emitted = pakn_agg_emit(ctx, &p->agg, &p->targets, p->province);
    ioc_log(ctx, IOC_LOG_DEBUG, "%u page%s: %zu reports counted, %zu skipped; %zu metrics", pages,
            pages == 1 ? "" : "s", counted, skipped, emitted);
    return IOC_OK;
}

/* The ranges of the keys are in pakn_keys: the daemon refused any value
 * outside them before init runs. A percent target left unset means none. */
static int pakn_check(ioc_ctx *ctx)
{
    const char *province = ioc_config_string(ctx, "province");
    if (province && strlen(province) == 2 && strspn(province, "0123456789") == 2)
        return IOC_OK;
    ioc_config_error(ctx, "province", "'%s' is not a 2-digit province code (e.g. 96)",
                     province ? province : "");
    return IOC_ERROR;
}

static int pakn_init(ioc_ctx *ctx, void **state)
{
    const char *province = ioc_config_string(ctx, "province");
    struct pakn *p = calloc(1, sizeof *p);
    if (!p)
        return IOC_ERROR;
    p->url = ioc_config_string(ctx, "url");
    p->token = ioc_config_string(ctx, "token");
    p->province = province;
    p->max_pages = ioc_config_int(ctx, "max_pages");
    int64_t limit = ioc_config_int(ctx, "limit");
    p->conditional_ok = true;
    p->targets.on_time_set = ioc_config_isset(ctx, "on_time_target");
    p->targets.on_time = (double)ioc_config_int(ctx, "on_time_target");
    p->targets.satisfaction_set = ioc_config_isset(ctx, "satisfaction_target");
    p->targets.satisfaction = (double)ioc_config_int(ctx, "satisfaction_target");
    snprintf(p->limit, sizeof p->limit, "%lld", (long long)limit);
    pakn_agg_load(ctx, &p->agg);
    uint64_t reports = 0;
    for (size_t i = 0; i < p->agg.ncells; i++)
        reports += p->agg.cells[i].c.received;
    if (p->agg.cursor)
        ioc_log(ctx, IOC_LOG_INFO, "resuming after %llu reports at the saved cursor",
                (unsigned long long)reports);
    else
        ioc_log(ctx, IOC_LOG_INFO, "no saved cursor: reading the stream from the beginning");
    *state = p;
    return IOC_OK;
}

static void pakn_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    struct pakn *p = state;
    pakn_agg_free(&p->agg);
    free(p);
}

static const struct ioc_config_key pakn_keys[] = {
    {"url", IOC_CFG_URL, NULL, true, "the report stream (GET URL?cursor=...&limit=N)", NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with every request", NULL, NULL},
    {"limit", IOC_CFG_INT, "100", false, "reports per page asked for (limit=N)", "1", "1000"},
    {"max_pages", IOC_CFG_INT, "50", false,
     "pages read per poll at most; a longer backlog continues at the next poll", "1", "100000"},
    {"province", IOC_CFG_STRING, "96", false, "area code of the province totals", NULL, NULL},
    {"on_time_target", IOC_CFG_INT, NULL, false,
     "target share of reports resolved by their deadline, in percent (none if unset)", "0",
     "100"},
    {"satisfaction_target", IOC_CFG_INT, NULL, false,
     "target share of satisfied ratings, in percent (none if unset)", "0", "100"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "pakn",
    .description = "citizen field reports: received, in progress, resolved, overdue, "
                   "on time, satisfaction per commune and topic (cursor stream)",
    .version = "1.0.0",
    .config = pakn_keys,
    .check = pakn_check,
    .init = pakn_init,
    .poll = pakn_poll,
    .fini = pakn_fini,
};
