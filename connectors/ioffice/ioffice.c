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
 * the current ones, and nothing is re-published. This file is the walk;
 * ioffice_publish.c turns a complete walk into records.
 */
#include "ioffice.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ioffice_walk_result { WALK_COMPLETE, WALK_NOT_MODIFIED, WALK_FAILED };

/* url?trang=N&soBanGhi=M, malloc'd, or NULL when out of memory. */
static char *ioffice_page_url(const struct ioffice *io, size_t page)
{
    char n[24], m[24];
    snprintf(n, sizeof n, "%zu", page);
    snprintf(m, sizeof m, "%zu", io->page_size);
    char *with_page = ioc_url_with_param(io->url, "trang", n);
    char *url = with_page ? ioc_url_with_param(with_page, "soBanGhi", m) : NULL;
    free(with_page);
    return url;
}

/* Fetch and parse page `page`. Returns the document, or NULL with
 * *not_modified set on a 304 (page 1 only) or cleared on a failure (logged
 * by the daemon or here). *answered says whether the server sent a body. */
static json_t *ioffice_fetch(ioc_ctx *ctx, struct ioffice *io, size_t page, bool *not_modified,
                             bool *answered)
{
    struct ioc_http_options opt = {.bearer_token = io->token,
                                   .conditional = page == 1 && !io->skip_conditional};
    struct ioc_http_response resp;
    char *url = ioffice_page_url(io, page);
    *not_modified = *answered = false;
    if (!url) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %zu: out of memory building the URL", page);
        return NULL;
    }
    enum ioc_http_result rc = ioc_http_request(ctx, url, &opt, &resp);
    free(url);
    if (rc != IOC_HTTP_OK) {
        ioc_http_response_free(&resp);
        *not_modified = rc == IOC_HTTP_NOT_MODIFIED;
        return NULL; /* the daemon has logged why */
    }
    *answered = true;
    json_error_t err;
    json_t *doc = json_loadb(resp.body, resp.body_len, 0, &err);
    ioc_http_response_free(&resp);
    if (!doc)
        ioc_log(ctx, IOC_LOG_ERROR, "page %zu: invalid JSON at line %d column %d: %s", page,
                err.line, err.column, err.text);
    return doc;
}

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

/* Fetch every page of one snapshot into w. */
static enum ioffice_walk_result ioffice_walk(ioc_ctx *ctx, struct ioffice *io,
                                             struct ioffice_walk *w)
{
    json_int_t total = 0, seen = 0;
    bool not_modified, answered;
    for (size_t page = 1; page <= io->max_pages; page++) {
        if (page > 1 && ioc_stopping(ctx)) {
            ioc_log(ctx, IOC_LOG_INFO, "stopping after page %zu of the walk; nothing published",
                    page - 1);
            return WALK_FAILED;
        }
        json_t *doc = ioffice_fetch(ctx, io, page, &not_modified, &answered);
        if (page == 1 && answered)
            io->skip_conditional = true; /* until this walk is published */
        if (not_modified)
            return WALK_NOT_MODIFIED;
        if (!doc) {
            if (ioc_stopping(ctx))
                ioc_log(ctx, IOC_LOG_INFO, "stopping during page %zu; nothing published", page);
            else
                ioc_log(ctx, IOC_LOG_WARNING, "page %zu failed; poll abandoned, nothing published",
                        page);
            return WALK_FAILED;
        }
        w->pages[w->count++] = doc;
        if (ioffice_check_page(ctx, doc, page, &total, w) != 0)
            return WALK_FAILED;
        size_t n = json_array_size(json_object_get(doc, "duLieu"));
        seen += (json_int_t)n;
        if (seen > total || (n == 0 && seen < total)) {
            ioc_log(ctx, IOC_LOG_WARNING,
                    "page %zu: %zu records bring the walk to %" JSON_INTEGER_FORMAT
                    " of tongSo %" JSON_INTEGER_FORMAT "; the data changed during the walk",
                    page, n, seen, total);
            return WALK_FAILED;
        }
        if (seen == total)
            return WALK_COMPLETE;
    }
    ioc_log(ctx, IOC_LOG_ERROR,
            "tongSo %" JSON_INTEGER_FORMAT " needs more than max_pages = %zu pages of %zu "
            "records; raise max_pages or page_size; nothing published",
            total, io->max_pages, io->page_size);
    return WALK_FAILED;
}

static int ioffice_poll(ioc_ctx *ctx, void *state)
{
    struct ioffice *io = state;
    struct ioffice_walk w = {.pages = calloc(io->max_pages, sizeof *w.pages)};
    if (!w.pages) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory for %zu pages", io->max_pages);
        return IOC_ERROR;
    }
    enum ioffice_walk_result rc = ioffice_walk(ctx, io, &w);
    if (rc == WALK_COMPLETE) {
        ioffice_publish(ctx, io, &w);
        io->skip_conditional = false;
    } else if (rc == WALK_NOT_MODIFIED) {
        ioc_log(ctx, IOC_LOG_DEBUG, "not modified since the last complete walk; the published "
                                    "values stand");
    }
    for (size_t i = 0; i < w.count; i++)
        json_decref(w.pages[i]);
    free(w.pages);
    return rc == WALK_FAILED ? IOC_ERROR : IOC_OK;
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
    io->online_target[IOFFICE_TINH] = (double)ioc_config_int(ctx, "target_tinh");
    io->online_target[IOFFICE_XA] = (double)ioc_config_int(ctx, "target_xa");
    *state = io;
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
    {"target_tinh", IOC_CFG_INT, "90", false,
     "target share of work files handled online, provincial agencies, in percent", "0", "100"},
    {"target_xa", IOC_CFG_INT, "60", false,
     "target share of work files handled online, commune agencies, in percent", "0", "100"},
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
    .poll = ioffice_poll,
    .fini = ioffice_fini,
};
