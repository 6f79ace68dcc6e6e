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
 * The design idea: one poll is one walk (ioc_page_walk) from the saved
 * cursor to the end of the stream (at most max_pages pages), counted into a COPY of the totals.
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
    int64_t limit, max_pages;
    struct pakn_targets targets;
    struct pakn_agg agg; /* what is saved */
    bool conditional_ok; /* the last poll succeeded: a 304 on page 1 is trustworthy */
};

/* The outcome of one page. */
struct pakn_page {
    bool more;
    size_t counted, skipped;
};

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

/* One walk: the copy of the totals it counts into, and what it counted. */
struct pakn_walk {
    struct pakn_agg *work;
    size_t counted, skipped;
};

/* ioc_page_fn: count one page into the walk's copy of the totals. */
static int pakn_page(ioc_ctx *ctx, void *user, long long page, const char *url, const char *body,
                     size_t len, struct ioc_page *out)
{
    (void)url;
    struct pakn_walk *w = user;
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: invalid JSON at line %d column %d: %s", page,
                err.line, err.column, err.text);
        return -1;
    }
    struct pakn_page pg = {0};
    int rc = pakn_page_read(ctx, w->work, (unsigned)page, doc, &pg);
    if (rc == 0) {
        out->items = (long long)json_array_size(json_object_get(doc, "items"));
        out->has_more = pg.more;
        out->cursor = w->work->cursor; /* the page's own, or ours when it gave none */
        w->counted += pg.counted, w->skipped += pg.skipped;
    }
    json_decref(doc);
    return rc;
}

/* Walk from the saved cursor into `work`. 1 = nothing new (304), 0 = walked,
 * -1 = a page failed. */
static int pakn_walk(ioc_ctx *ctx, struct pakn *p, struct pakn_walk *w, long long *pages)
{
    struct ioc_http_options http = {.bearer_token = p->token};
    struct ioc_page_spec spec = {
        .style = IOC_PAGE_CURSOR, .url = p->url, .cursor_param = "cursor",
        .start_cursor = p->agg.cursor, .size_param = "limit", .page_size = p->limit,
        .use_has_more = true, .max_pages = p->max_pages, .max_pages_partial = true,
        .http = &http, .conditional = p->conditional_ok, .current = true,
        .cursor_name = "'cursor'", .has_more_name = "'hasMore'",
    };
    struct ioc_page_outcome out;
    enum ioc_page_result rc = ioc_page_walk(ctx, &spec, pakn_page, w, &out);
    *pages = out.pages;
    if (rc == IOC_PAGE_NOT_MODIFIED)
        return 1;
    if (rc == IOC_PAGE_COMPLETE) {
        if (out.more)
            ioc_log(ctx, IOC_LOG_INFO, "read %lld pages (max_pages); the rest of the stream "
                    "follows at the next poll", out.pages);
        return 0;
    }
    if (out.failure != IOC_PAGE_FAIL_STOPPING) /* the walk said why; this says what next */
        ioc_log(ctx, IOC_LOG_WARNING, "page %lld failed: nothing of this poll is counted or "
                "published; the next poll reads again from the saved cursor", out.failed_page);
    return -1;
}

static int pakn_poll(ioc_ctx *ctx, void *state)
{
    struct pakn *p = state;
    struct pakn_agg work;
    if (pakn_agg_copy(&work, &p->agg) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory");
        return IOC_ERROR;
    }
    long long pages = 0;
    struct pakn_walk w = {.work = &work};
    int rc = pakn_walk(ctx, p, &w, &pages);
    size_t counted = w.counted, skipped = w.skipped;
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
    ioc_log(ctx, IOC_LOG_DEBUG, "%lld page%s: %zu reports counted, %zu skipped; %zu metrics", pages,
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
    p->limit = ioc_config_int(ctx, "limit");
    p->conditional_ok = true;
    p->targets.on_time_set = ioc_config_isset(ctx, "on_time_target");
    p->targets.on_time = (double)ioc_config_int(ctx, "on_time_target");
    p->targets.satisfaction_set = ioc_config_isset(ctx, "satisfaction_target");
    p->targets.satisfaction = (double)ioc_config_int(ctx, "satisfaction_target");
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
