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
 * The design idea: a poll reads ALL pages first (ioc_page_walk: at most
 * max_pages, stopping early on shutdown) into plain structs, and emits only when
 * every page arrived and agreed with page 1 (same ngayCapNhat and tongSo),
 * so screens never see an aggregate of half the province. Page 1 is asked
 * conditionally: a 304 after a published walk means nothing changed and
 * nothing is re-published (MQTT keeps the retained values). The record
 * timestamp is the portal's compact ngayCapNhat, parsed by the daemon.
 */
#include "dvc.h"

#include <stdio.h>
#include <stdlib.h>

/* ioc_page_fn: one page into the walk. */
static int dvc_page(ioc_ctx *ctx, void *user, long long page, const char *url, const char *body,
                    size_t len, struct ioc_page *out)
{
    (void)url;
    struct dvc_walk *w = user;
    if (page == 1)
        w->cfg->published = false; /* new validators for data not yet shown */
    size_t records;
    if (dvc_page_parse(ctx, w, (long)page, body, len, &records) < 0)
        return -1;
    out->items = (long long)records;
    out->has_total = true;
    out->total = w->total;
    return 0;
}

/* The failures the walk leaves to us, in this connector's words. */
static void dvc_walk_failed(ioc_ctx *ctx, const struct dvc *d, const struct dvc_walk *w,
                            const struct ioc_page_outcome *o)
{
    if (o->failure == IOC_PAGE_FAIL_HTTP)
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld failed; poll failed, nothing published",
                o->failed_page);
    else if (o->failure == IOC_PAGE_FAIL_MAX_PAGES)
        ioc_log(ctx, IOC_LOG_ERROR,
                "tongSo %lld needs more than max_pages = %lld pages of %lld; poll failed, "
                "nothing published",
                (long long)w->total, (long long)d->max_pages, (long long)d->page_size);
}

static int dvc_poll(ioc_ctx *ctx, void *state)
{
    struct dvc *d = state;
    struct dvc_walk w = {.cfg = d};
    struct ioc_http_options http = {.bearer_token = d->token};
    /* Page 1 is asked conditionally; a 304 after a walk that was not
     * published cannot mean "already shown", so the walk asks again. */
    struct ioc_page_spec spec = {
        .style = IOC_PAGE_NUMBER, .url = d->url, .page_param = "page", .page_first = 1,
        .size_param = "size", .page_size = d->page_size, .max_pages = d->max_pages,
        .http = &http, .conditional = true, .current = d->published, .total_name = "tongSo",
    };
    struct ioc_page_outcome out;
    enum ioc_page_result walked = ioc_page_walk(ctx, &spec, dvc_page, &w, &out);
    if (walked == IOC_PAGE_NOT_MODIFIED) {
        ioc_log(ctx, IOC_LOG_DEBUG, "not modified since the last walk; nothing re-published");
        return IOC_OK;
    }
    int rc = walked == IOC_PAGE_COMPLETE ? IOC_OK : IOC_ERROR;
    if (rc != IOC_OK)
        dvc_walk_failed(ctx, d, &w, &out);
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
    d->has_on_time_target = ioc_config_isset(ctx, "on_time_target");
    d->on_time_target = (double)ioc_config_int(ctx, "on_time_target");
    d->has_satisfaction_target = ioc_config_isset(ctx, "satisfaction_target");
    d->satisfaction_target = (double)ioc_config_int(ctx, "satisfaction_target");
    d->has_online_target = ioc_config_isset(ctx, "online_target");
    d->online_target = (double)ioc_config_int(ctx, "online_target");
    *state = d;
    return IOC_OK;
}

/* The per-connector target keys are deprecated: the catalogue
 * (conf/catalog.conf) carries each metric's targets for every connector.
 * Set, a key still works, as the records' own target, which overrides
 * the catalogue's (and has no warning band). */
static int dvc_check(ioc_ctx *ctx)
{
    static const char *const keys[][2] = {
        {"on_time_target", "dvc.on_time_ratio"},
        {"satisfaction_target", "dvc.satisfaction_ratio"},
        {"online_target", "dvc.online_ratio"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (ioc_config_isset(ctx, keys[i][0]))
            ioc_config_warning(ctx, keys[i][0], "deprecated: the catalogue's targets of %s "
                               "(catalog.conf) replace it; while set, it overrides them as the "
                               "records' own target, without a warning band", keys[i][1]);
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
    {"on_time_target", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's targets replace it): own target of dvc.on_time_ratio (>=)",
     "0", "100"},
    {"satisfaction_target", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's targets replace it): own target of dvc.satisfaction_ratio (>=)",
     "0", "100"},
    {"online_target", IOC_CFG_INT, NULL, false,
     "deprecated (the catalogue's targets replace it): own target of dvc.online_ratio (>=)",
     "0", "100"},
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
    .check = dvc_check,
    .poll = dvc_poll,
    .fini = dvc_fini,
};
