/*
 * ioffice - connector for iOffice, the province's document management and
 * executive system ("quản lý văn bản và điều hành", DOMAIN.md item 1).
 *
 * The feed is paginated: GET url?trang=N&soBanGhi=M answers
 *
 *   {"thoiGianCapNhat":"2025-08-01T00:00:00+07:00",
 *    "ky":{"tu":"2025-07-01","den":"2025-07-31"},
 *    "trang":1,"soBanGhi":50,"tongSo":212,"duLieu":[{agency}, ...]}
 *
 * The design idea: a poll is all or nothing. Every page of one walk is
 * fetched and checked against page 1 (same update time, same tongSo) before
 * a single record is emitted, so a page that fails, or data that changes
 * half-way, never leaves a partial province total on the screens. Page 1 is
 * a conditional request: a 304 means the values on the screens are still
 * the current ones, and nothing is re-published. The loop over the pages
 * is the SDK's ioc_page_walk(); this file checks each page against page 1
 * and keeps it, and ioffice_publish.c turns a complete walk into records.
 */
#include "ioffice.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two optional strings are equal (both absent counts as equal). */
static bool ioffice_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Check page `page` against the walk so far (page 1 sets the reference).
 * Returns 0, or -1 after logging why. */
static int ioffice_check_page(ioc_ctx *ctx, json_t *doc, size_t page, json_int_t *total,
                              struct ioffice_walk *w)
{
    json_t *items = json_object_get(doc, "duLieu");
    json_t *tong = json_object_get(doc, "tongSo");
    json_t *upd = json_object_get(doc, "thoiGianCapNhat");
    const char *ts = json_string_value(upd);
    if (!json_is_array(items)) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %zu: field 'duLieu' is missing or not an array", page);
        return -1;
    }
    if (!json_is_integer(tong) || json_integer_value(tong) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %zu: field 'tongSo' is missing or not a count", page);
        return -1;
    }
    if (upd && !ts) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %zu: field 'thoiGianCapNhat' is not a string", page);
        return -1;
    }
    if (page == 1) {
        json_t *ky = json_object_get(doc, "ky");
        *total = json_integer_value(tong);
        w->ts = ts;
        w->from = json_string_value(json_object_get(ky, "tu"));
        w->to = json_string_value(json_object_get(ky, "den"));
        if (!w->from || !w->to) {
            if (ky)
                ioc_log(ctx, IOC_LOG_DEBUG, "page 1: 'ky' lacks 'tu' or 'den'; metrics are "
                                            "published without a period");
            w->from = w->to = NULL;
        }
        return 0;
    }
    if (json_integer_value(tong) != *total || !ioffice_same(ts, w->ts)) {
        ioc_log(ctx, IOC_LOG_WARNING,
                "page %zu: the data changed during the walk (tongSo %" JSON_INTEGER_FORMAT
                ", update time %s; page 1 said %" JSON_INTEGER_FORMAT ", %s)",
                page, json_integer_value(tong), ts ? ts : "none", *total, w->ts ? w->ts : "none");
        return -1;
    }
    return 0;
}

/* ioc_page_fn: keep page `page`'s document in the walk and check it
 * against page 1. */
static int ioffice_page(ioc_ctx *ctx, void *user, long long page, const char *url,
                        const char *body, size_t len, struct ioc_page *out)
{
    (void)url;
    struct ioffice_walk *w = user;
    if (page == 1)
        w->io->skip_conditional = true; /* until this walk is published */
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: invalid JSON at line %d column %d: %s", page,
                err.line, err.column, err.text);
        return -1;
    }
    if (w->count == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 8;
        json_t **pages = realloc(w->pages, cap * sizeof *pages);
        if (!pages) {
            json_decref(doc);
            ioc_log(ctx, IOC_LOG_ERROR, "page %lld: out of memory", page);
            return -1;
        }
        w->pages = pages, w->cap = cap;
    }
    w->pages[w->count++] = doc;
    if (ioffice_check_page(ctx, doc, (size_t)page, &w->total, w) != 0)
        return -1;
    out->items = (long long)json_array_size(json_object_get(doc, "duLieu"));
    out->has_total = true;
    out->total = w->total;
    return 0;
}

/* The failures the walk leaves to us, in this connector's words. */
static void ioffice_walk_failed(ioc_ctx *ctx, const struct ioffice *io,
                                const struct ioc_page_outcome *o)
{
    if (o->failure == IOC_PAGE_FAIL_HTTP)
        ioc_log(ctx, IOC_LOG_WARNING, "page %lld failed; poll abandoned, nothing published",
                o->failed_page);
    else if (o->failure == IOC_PAGE_FAIL_MAX_PAGES)
        ioc_log(ctx, IOC_LOG_ERROR, "tongSo %lld needs more than max_pages = %zu pages of %zu "
                "records; raise max_pages or page_size", o->total, io->max_pages, io->page_size);
}

static int ioffice_poll(ioc_ctx *ctx, void *state)
{
    struct ioffice *io = state;
    struct ioffice_walk w = {.io = io};
    struct ioc_http_options http = {.bearer_token = io->token};
    struct ioc_page_spec spec = {
        .style = IOC_PAGE_NUMBER, .url = io->url, .page_param = "trang", .page_first = 1,
        .size_param = "soBanGhi", .page_size = (long long)io->page_size,
        .max_pages = (long long)io->max_pages, .http = &http,
        .conditional = !io->skip_conditional, .current = true, .total_name = "tongSo",
    };
    struct ioc_page_outcome out;
    enum ioc_page_result rc = ioc_page_walk(ctx, &spec, ioffice_page, &w, &out);
    if (rc == IOC_PAGE_COMPLETE) {
        ioffice_publish(ctx, io, &w);
        io->skip_conditional = false;
    } else if (rc == IOC_PAGE_NOT_MODIFIED) {
        ioc_log(ctx, IOC_LOG_DEBUG, "not modified since the last complete walk; the published "
                                    "values stand");
    } else {
        ioffice_walk_failed(ctx, io, &out);
    }
    for (size_t i = 0; i < w.count; i++)
        json_decref(w.pages[i]);
    free(w.pages);
    return rc == IOC_PAGE_FAILED ? IOC_ERROR : IOC_OK;
}

/* The ranges of the keys are in ioffice_keys: the daemon refused any
 * value outside them before init runs. */
static int ioffice_init(ioc_ctx *ctx, void **state)
{
    struct ioffice *io = calloc(1, sizeof *io);
    if (!io)
        return IOC_ERROR;
    io->url = ioc_config_string(ctx, "url");
    io->token = ioc_config_string(ctx, "token");
    io->province = ioc_config_string(ctx, "province");
    io->page_size = (size_t)ioc_config_int(ctx, "page_size");
    io->max_pages = (size_t)ioc_config_int(ctx, "max_pages");
    /* Unset, the thresholds of online_target_met are Resolution 05's 2025
     * level targets, the figures of the catalogue's tinh_2025 and xa_2025
     * (a connector cannot read the catalogue). */
    io->own_target[IOFFICE_TINH] = ioc_config_isset(ctx, "target_tinh");
    io->own_target[IOFFICE_XA] = ioc_config_isset(ctx, "target_xa");
    io->online_target[IOFFICE_TINH] =
        io->own_target[IOFFICE_TINH] ? (double)ioc_config_int(ctx, "target_tinh") : 90;
    io->online_target[IOFFICE_XA] =
        io->own_target[IOFFICE_XA] ? (double)ioc_config_int(ctx, "target_xa") : 60;
    *state = io;
    return IOC_OK;
}

/* target_tinh / target_xa are deprecated as the records' target: the
 * catalogue (conf/catalog.conf) carries the level targets of
 * ioffice.files.online_share. Set, they still work, as the records' own
 * target, which overrides the catalogue's. They remain the thresholds
 * ioffice.files.online_target_met counts agencies against. */
static int ioffice_check(ioc_ctx *ctx)
{
    static const char *const keys[][2] = {{"target_tinh", "tinh_2025"}, {"target_xa", "xa_2025"}};
    for (size_t i = 0; i < 2; i++)
        if (ioc_config_isset(ctx, keys[i][0]))
            ioc_config_warning(ctx, keys[i][0], "deprecated as the records' target: the "
                               "catalogue's target %s of ioffice.files.online_share "
                               "(catalog.conf) replaces it; while set, it overrides it, without "
                               "a warning band (it still sets the threshold of "
                               "ioffice.files.online_target_met)", keys[i][1]);
    return IOC_OK;
}

static void ioffice_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    free(state);
}

static const struct ioc_config_key ioffice_keys[] = {
    {"url", IOC_CFG_URL, NULL, true, "the iOffice statistics endpoint (trang/soBanGhi are added)",
     NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with every page request", NULL, NULL},
    {"page_size", IOC_CFG_INT, "100", false, "records asked per page (soBanGhi)", "1", "10000"},
    {"max_pages", IOC_CFG_INT, "50", false,
     "most pages one walk may take; a larger tongSo fails the poll", "1", "10000"},
    {"province", IOC_CFG_STRING, "96", false,
     "area code of provincial agencies and of the province totals", NULL, NULL},
    {"target_tinh", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's targets replace it): own target of online_share, provincial "
     "agencies, percent; also the threshold of online_target_met (unset: 90)", "0", "100"},
    {"target_xa", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's targets replace it): own target of online_share, commune "
     "agencies, percent; also the threshold of online_target_met (unset: 60)", "0", "100"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "ioffice",
    .description = "iOffice document management: documents, on-time handling, online work "
                   "files, e-signatures per agency and province totals per level",
    .version = "1.0.0",
    .config = ioffice_keys,
    .init = ioffice_init,
    .check = ioffice_check,
    .poll = ioffice_poll,
    .fini = ioffice_fini,
};
