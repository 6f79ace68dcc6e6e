/*
 * dvc - the public-service portal's one-stop-shop statistics ("Cổng dịch
 * vụ công", DOMAIN.md item 2): dossiers received by channel, resolved
 * early / on time / late, pending within / past the deadline, citizens'
 * ratings, per agency, per commune and for the province.
 *
 * The feed is paginated by page number and size:
 *
 *   GET URL?page=P&size=S ->
 *   {"ngayCapNhat":"20250801000500","trang":P,"soBanGhi":S,"tongSo":N,
 *    "duLieu":[{"maDinhDanh":"000.00.12.H12","tenDonVi":"Sở Tài chính",
 *               "catalog":"department","tongTiepNhan":1320, ...,
 *               "tuNgay":"20250701000000","denNgay":"20250731235959"},
 *              {..."catalog":"commune","maXa":"31825",...}]}
 *
 * The design idea: a poll reads ALL pages first (at most max_pages,
 * stopping early on shutdown) into plain structs, and emits only when
 * every page arrived and agreed with page 1 (same ngayCapNhat and tongSo),
 * so screens never see an aggregate of half the province. Page 1 is asked
 * conditionally: a 304 after a published walk means nothing changed and
 * nothing is re-published (MQTT keeps the retained values). The record
 * timestamp is the portal's compact ngayCapNhat, parsed by the daemon.
 */
#include "dvc.h"

#include <stdio.h>
#include <stdlib.h>

/* GET page `page`; 0 with the body in *resp, 1 for 304, -1 on failure. */
static int dvc_get(ioc_ctx *ctx, const struct dvc *d, long page, bool conditional,
                   struct ioc_http_response *resp)
{
    char num[24], size[24];
    snprintf(num, sizeof num, "%ld", page);
    snprintf(size, sizeof size, "%lld", (long long)d->page_size);
    char *with_page = ioc_url_with_param(d->url, "page", num);
    char *url = with_page ? ioc_url_with_param(with_page, "size", size) : NULL;
    free(with_page);
    *resp = (struct ioc_http_response){0};
    if (!url) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %ld: out of memory building the URL", page);
        return -1;
    }
    struct ioc_http_options opt = {.bearer_token = d->token, .conditional = conditional};
    enum ioc_http_result rc = ioc_http_request(ctx, url, &opt, resp);
    free(url);
    if (rc == IOC_HTTP_OK)
        return 0;
    return rc == IOC_HTTP_NOT_MODIFIED && conditional ? 1 : -1;
}

/* Page 1, conditionally. A 304 while the last walk was not published
 * (it failed after page 1) cannot be trusted to mean "already shown":
 * then page 1 is fetched again without validators. */
static int dvc_first_page(ioc_ctx *ctx, struct dvc *d, struct ioc_http_response *resp)
{
    int rc = dvc_get(ctx, d, 1, true, resp);
    if (rc != 1)
        return rc;
    ioc_http_response_free(resp);
    if (d->published)
        return 1;
    ioc_log(ctx, IOC_LOG_INFO,
            "page 1 not modified, but the last walk was not published; fetching it again");
    return dvc_get(ctx, d, 1, false, resp);
}

/* Read every page into w. IOC_OK, 1 for "not modified", or IOC_ERROR. */
static int dvc_walk(ioc_ctx *ctx, struct dvc *d, struct dvc_walk *w)
{
    for (long page = 1;; page++) {
        if (page > 1 && ioc_stopping(ctx)) {
            ioc_log(ctx, IOC_LOG_INFO, "stopping before page %ld; nothing published", page);
            return IOC_ERROR;
        }
        if (page > d->max_pages) {
            ioc_log(ctx, IOC_LOG_ERROR,
                    "tongSo %lld needs more than max_pages = %lld pages of %lld; poll failed, "
                    "nothing published",
                    (long long)w->total, (long long)d->max_pages, (long long)d->page_size);
            return IOC_ERROR;
        }
        struct ioc_http_response resp;
        int rc = page == 1 ? dvc_first_page(ctx, d, &resp) : dvc_get(ctx, d, page, false, &resp);
        if (rc == 1)
            return 1;
        if (rc < 0) {
            ioc_http_response_free(&resp);
            if (ioc_stopping(ctx))
                ioc_log(ctx, IOC_LOG_INFO, "stopping during page %ld; nothing published", page);
            else
                ioc_log(ctx, IOC_LOG_ERROR, "page %ld failed; poll failed, nothing published",
                        page);
            return IOC_ERROR;
        }
        if (page == 1)
            d->published = false; /* new validators for data not yet shown */
        size_t records;
        rc = dvc_page_parse(ctx, w, page, resp.body, resp.body_len, &records);
        ioc_http_response_free(&resp);
        if (rc < 0)
            return IOC_ERROR;
        if ((int64_t)w->seen >= w->total)
            return IOC_OK;
        if (records == 0) {
            ioc_log(ctx, IOC_LOG_ERROR,
                    "page %ld is empty after %zu of tongSo %lld records; poll failed, nothing "
                    "published",
                    page, w->seen, (long long)w->total);
            return IOC_ERROR;
        }
    }
}

static int dvc_poll(ioc_ctx *ctx, void *state)
{
    struct dvc *d = state;
    struct dvc_walk w = {0};
    int rc = dvc_walk(ctx, d, &w);
    if (rc == 1) {
        ioc_log(ctx, IOC_LOG_DEBUG, "not modified since the last walk; nothing re-published");
        return IOC_OK;
    }
    if (rc == IOC_OK && w.seen > 0 && w.count == 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "none of the %zu records was usable; nothing published",
                w.seen);
        rc = IOC_ERROR;
    }
    if (rc == IOC_OK && w.seen > 0) {
        size_t n = dvc_emit_walk(ctx, d, &w);
        ioc_log(ctx, IOC_LOG_DEBUG, "%zu records (%zu usable), %zu metrics published", w.seen,
                w.count, n);
    }
    if (rc == IOC_OK)
        d->published = true;
    dvc_walk_free(&w);
    return rc;
}

/* The ranges of the keys are in dvc_keys: the daemon refused any value
 * outside them before init runs. */
static int dvc_init(ioc_ctx *ctx, void **state)
{
    struct dvc *d = calloc(1, sizeof *d);
    if (!d)
        return IOC_ERROR;
    d->url = ioc_config_string(ctx, "url");
    d->token = ioc_config_string(ctx, "token");
    d->page_size = ioc_config_int(ctx, "page_size");
    d->max_pages = ioc_config_int(ctx, "max_pages");
    d->on_time_target = (double)ioc_config_int(ctx, "on_time_target");
    d->satisfaction_target = (double)ioc_config_int(ctx, "satisfaction_target");
    d->has_online_target = ioc_config_isset(ctx, "online_target");
    d->online_target = (double)ioc_config_int(ctx, "online_target");
    *state = d;
    return IOC_OK;
}

static void dvc_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    free(state);
}

static const struct ioc_config_key dvc_keys[] = {
    {"url", IOC_CFG_URL, NULL, true,
     "the statistics endpoint; page=P&size=S are added to it", NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with every request", NULL, NULL},
    {"page_size", IOC_CFG_INT, "50", false, "records asked per page (size=)", "1", "10000"},
    {"max_pages", IOC_CFG_INT, "100", false, "most pages one poll reads; more fails the poll",
     "1", "100000"},
    {"on_time_target", IOC_CFG_INT, "95", false,
     "target of dvc.on_time_ratio, percent resolved early or on time (>=)", "0", "100"},
    {"satisfaction_target", IOC_CFG_INT, "99", false,
     "target of dvc.satisfaction_ratio, percent of ratings satisfied (>=; 99 by 2030)", "0", "100"},
    {"online_target", IOC_CFG_INT, NULL, false,
     "target of dvc.online_ratio, percent received online (>=); unset: no target", "0", "100"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "dvc",
    .description = "public-service portal statistics: dossiers by channel, timeliness, "
                   "pending, ratings and ratios per agency, commune and province",
    .version = "1.0.0",
    .config = dvc_keys,
    .init = dvc_init,
    .poll = dvc_poll,
    .fini = dvc_fini,
};
