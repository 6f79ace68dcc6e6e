/*
 * fuzz_host - the fake daemon of the connector fuzz targets (see
 * fuzz_host.h): the whole SDK but ioc_time_* (the daemon's own
 * daemon/sdk_time.c is linked), so a plugin's sources link into a fuzz
 * binary unchanged, and a real plugin can be dlopen'ed by one (every ioc_*
 * symbol is defined).
 */
#include "fuzz_host.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

struct ioc_ctx {
    struct fuzz_host *h;
};

/* ---- saved state and resolved areas, per run ---- */

#define FUZZ_STATE_MAX 16
#define FUZZ_AREAS_MAX 64

static char *state_keys[FUZZ_STATE_MAX], *state_values[FUZZ_STATE_MAX];
static size_t state_count;
static char *areas[FUZZ_AREAS_MAX];
static size_t area_count;

/* A string the daemon would read: strlen walks it (ASan sees an overrun or
 * a freed buffer), and it must be NUL-terminated within a sane length. */
static size_t fuzz_readable(const char *s)
{
    FUZZ_CHECK(s);
    size_t n = strlen(s);
    FUZZ_CHECK(n < (1u << 24));
    return n;
}

void fuzz_host_pages(struct fuzz_host *h, const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (h->page_count < FUZZ_HOST_MAX_PAGES) {
        bool last = h->page_count + 1 == FUZZ_HOST_MAX_PAGES;
        const char *cut = last ? NULL : memchr(p, '\f', (size_t)(end - p));
        size_t len = cut ? (size_t)(cut - p) : (size_t)(end - p);
        /* Like the daemon's HTTP bodies: their own buffer, NUL after the end. */
        char *page = malloc(len + 1);
        FUZZ_CHECK(page);
        memcpy(page, p, len);
        page[len] = '\0';
        h->pages[h->page_count] = page;
        h->page_len[h->page_count++] = len;
        if (!cut)
            break;
        p = cut + 1;
    }
}

void fuzz_host_run(struct fuzz_host *h, int polls)
{
    struct ioc_ctx ctx = {h};
    void *state = NULL;
    if (h->desc->check)
        (void)h->desc->check(&ctx);
    if (h->desc->init && h->desc->init(&ctx, &state) != IOC_OK)
        return;
    for (int i = 0; i < polls; i++) {
        int rc = h->desc->poll(&ctx, state);
        FUZZ_CHECK(rc == IOC_OK || rc == IOC_ERROR);
    }
    if (h->desc->fini)
        h->desc->fini(&ctx, state);
}

void fuzz_host_free(struct fuzz_host *h)
{
    for (size_t i = 0; i < h->page_count; i++)
        free(h->pages[i]);
    h->page_count = 0;
    for (size_t i = 0; i < state_count; i++) {
        free(state_keys[i]);
        free(state_values[i]);
    }
    state_count = 0;
    for (size_t i = 0; i < area_count; i++)
        free(areas[i]);
    area_count = 0;
}

/* ---- configuration: the table's defaults, then the target's settings ---- */

static const struct ioc_config_key *fuzz_key(ioc_ctx *ctx, const char *key)
{
    for (const struct ioc_config_key *k = ctx->h->desc->config; k && k->name; k++)
        if (strcmp(k->name, key) == 0)
            return k;
    return NULL;
}

const char *ioc_config_string(ioc_ctx *ctx, const char *key)
{
    for (const char *const *s = ctx->h->settings; s && *s; s += 2)
        if (strcmp(s[0], key) == 0)
            return s[1];
    const struct ioc_config_key *k = fuzz_key(ctx, key);
    /* Asking for a key the table does not have is a plugin bug the daemon
     * would also answer with NULL; catching it here keeps targets honest. */
    FUZZ_CHECK(k);
    return k->default_value;
}

bool ioc_config_isset(ioc_ctx *ctx, const char *key) { return ioc_config_string(ctx, key) != NULL; }

int64_t ioc_config_int(ioc_ctx *ctx, const char *key)
{
    const char *t = ioc_config_string(ctx, key);
    return t ? strtoll(t, NULL, 10) : 0;
}

bool ioc_config_bool(ioc_ctx *ctx, const char *key)
{
    const char *t = ioc_config_string(ctx, key);
    return t && (strcmp(t, "true") == 0 || strcmp(t, "yes") == 0 || strcmp(t, "on") == 0 ||
                 strcmp(t, "1") == 0);
}

int64_t ioc_config_duration_ms(ioc_ctx *ctx, const char *key)
{
    return ioc_config_int(ctx, key) * 1000; /* the settings here are whole seconds */
}

uint64_t ioc_config_size(ioc_ctx *ctx, const char *key)
{
    const char *t = ioc_config_string(ctx, key);
    return t ? strtoull(t, NULL, 10) : 0;
}

const char *ioc_config_family(ioc_ctx *ctx, const char *family, size_t index)
{
    size_t n = strlen(family) - 1; /* "metric.*" matches "metric." */
    for (const char *const *s = ctx->h->settings; s && *s; s += 2)
        if (strncmp(s[0], family, n) == 0 && index-- == 0)
            return s[0];
    return NULL;
}

/* A configuration error or warning: only its formatting is exercised. */
__attribute__((format(printf, 1, 0)))
static void fuzz_config_report(const char *fmt, va_list ap)
{
    char text[1024];
    int n = vsnprintf(text, sizeof text, fmt, ap);
    FUZZ_CHECK(n > 0);
}

void ioc_config_error(ioc_ctx *ctx, const char *key, const char *fmt, ...)
{
    (void)ctx, (void)key;
    va_list ap;
    va_start(ap, fmt);
    fuzz_config_report(fmt, ap);
    va_end(ap);
}

void ioc_config_warning(ioc_ctx *ctx, const char *key, const char *fmt, ...)
{
    (void)ctx, (void)key;
    va_list ap;
    va_start(ap, fmt);
    fuzz_config_report(fmt, ap);
    va_end(ap);
}

const char *ioc_instance_name(ioc_ctx *ctx) { return ctx->h->desc->name; }

/* ---- host services ---- */

void ioc_log(ioc_ctx *ctx, enum ioc_log_level level, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    FUZZ_CHECK(fmt);
    FUZZ_CHECK(level == IOC_LOG_ERROR || level == IOC_LOG_WARNING || level == IOC_LOG_INFO ||
               level == IOC_LOG_DEBUG);
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    FUZZ_CHECK(n > 0);
    ctx->h->logged++;
}

char *ioc_state_get(ioc_ctx *ctx, const char *key)
{
    (void)ctx;
    for (size_t i = 0; i < state_count; i++)
        if (strcmp(state_keys[i], key) == 0)
            return strdup(state_values[i]);
    return NULL;
}

int ioc_state_set(ioc_ctx *ctx, const char *key, const char *value)
{
    (void)ctx;
    fuzz_readable(key);
    fuzz_readable(value);
    for (size_t i = 0; i < state_count; i++)
        if (strcmp(state_keys[i], key) == 0) {
            char *copy = strdup(value);
            FUZZ_CHECK(copy);
            free(state_values[i]);
            state_values[i] = copy;
            return IOC_OK;
        }
    if (state_count == FUZZ_STATE_MAX)
        return IOC_ERROR;
    state_keys[state_count] = strdup(key);
    state_values[state_count] = strdup(value);
    FUZZ_CHECK(state_keys[state_count] && state_values[state_count]);
    state_count++;
    return IOC_OK;
}

/* 31000 was merged into 32002, 31999 was split; any other 2- or 5-digit
 * code is current. Returned codes outlive the run, as the daemon's do. */
const char *ioc_area_resolve(ioc_ctx *ctx, const char *code, const char **reason)
{
    (void)ctx;
    size_t n = fuzz_readable(code);
    const char *why = NULL;
    if (strcmp(code, "31000") == 0)
        return "32002";
    if (strcmp(code, "31999") == 0)
        why = "was split between 32005 and 32008";
    else if ((n != 2 && n != 5) || strspn(code, "0123456789") != n)
        why = "is not a 2-digit province or 5-digit commune code";
    else {
        for (size_t i = 0; i < area_count; i++)
            if (strcmp(areas[i], code) == 0)
                return areas[i];
        if (area_count < FUZZ_AREAS_MAX && (areas[area_count] = strdup(code)))
            return areas[area_count++];
        why = "is not a code of the gazetteer";
    }
    if (reason)
        *reason = why;
    return NULL;
}

const char *ioc_province(ioc_ctx *ctx)
{
    (void)ctx;
    return "96";
}

bool ioc_stopping(ioc_ctx *ctx)
{
    (void)ctx;
    return false;
}

/* ---- records ---- */

int ioc_emit(ioc_ctx *ctx, const struct ioc_record *r)
{
    FUZZ_CHECK(r);
    FUZZ_CHECK(fuzz_readable(r->metric) > 0);
    fuzz_readable(r->unit);
    fuzz_readable(r->area);
    /* The daemon would refuse these; a connector computing them has a bug
     * (a ratio of nothing, a sum that overflowed). */
    FUZZ_CHECK(isfinite(r->value));
    if (r->ts)
        fuzz_readable(r->ts);
    FUZZ_CHECK(!r->period_from == !r->period_to);
    if (r->period_from) {
        fuzz_readable(r->period_from);
        fuzz_readable(r->period_to);
    }
    bool ended = false;
    for (int d = 0; d < IOC_MAX_DIMS; d++) {
        if (!r->dims[d].key) {
            ended = true;
            continue;
        }
        FUZZ_CHECK(!ended);
        fuzz_readable(r->dims[d].key);
        fuzz_readable(r->dims[d].value);
    }
    if (r->has_ratio_parts)
        FUZZ_CHECK(isfinite(r->numerator) && isfinite(r->denominator));
    if (r->target_op != IOC_TARGET_NONE)
        FUZZ_CHECK(isfinite(r->target));
    ctx->h->emitted++;
    return IOC_OK;
}

void ioc_reject(ioc_ctx *ctx, const char *where, const char *field, const char *reason)
{
    FUZZ_CHECK(fuzz_readable(where) > 0);
    FUZZ_CHECK(fuzz_readable(field) > 0);
    FUZZ_CHECK(fuzz_readable(reason) > 0);
    ctx->h->rejected++;
}

/* ---- HTTP: there is no network here; pages come through the walk ---- */

enum ioc_http_result ioc_http_request(ioc_ctx *ctx, const char *url,
                                      const struct ioc_http_options *options,
                                      struct ioc_http_response *response)
{
    (void)ctx;
    (void)options;
    memset(response, 0, sizeof *response);
    response->retry_after_s = -1;
    fuzz_readable(url);
    snprintf(response->error, sizeof response->error, "no network in the fuzz host");
    return IOC_HTTP_ERR_NETWORK;
}

void ioc_http_response_free(struct ioc_http_response *response)
{
    if (!response)
        return;
    free(response->body);
    free(response->content_type);
    response->body = response->content_type = NULL;
}

char *ioc_url_with_param(const char *base, const char *name, const char *value)
{
    char *out = NULL;
    return asprintf(&out, "%s%c%s=%s", base, strchr(base, '?') ? '&' : '?', name, value) < 0
               ? NULL
               : out;
}

char *ioc_page_resolve(const char *page_url, const char *link)
{
    (void)page_url;
    return strncmp(link, "http://", 7) == 0 || strncmp(link, "https://", 8) == 0 ? strdup(link)
                                                                                 : NULL;
}

/* The walk over the input's pages, with the rules of daemon/pagewalk.c
 * that decide when a walk ends: a refused page fails it; with a total, it
 * ends once the total is reached (an empty page before that fails it);
 * with links or cursors, when there is none (or has_more is false); a walk
 * that wants a page the input does not hold fails as the feed being
 * inconsistent; more than max_pages fails (or ends as partial, when the
 * spec says so). */
enum ioc_page_result ioc_page_walk(ioc_ctx *ctx, const struct ioc_page_spec *spec,
                                   ioc_page_fn fn, void *user, struct ioc_page_outcome *out)
{
    struct fuzz_host *h = ctx->h;
    memset(out, 0, sizeof *out);
    out->total = -1;
    FUZZ_CHECK(spec && spec->url && fn && spec->max_pages >= 1);
    h->walks++;
    for (size_t i = 0;; i++) {
        if ((long long)i == spec->max_pages) {
            if (spec->max_pages_partial) {
                out->more = true;
                return IOC_PAGE_COMPLETE;
            }
            out->failure = IOC_PAGE_FAIL_MAX_PAGES;
            out->failed_page = (long long)i + 1;
            snprintf(out->why, sizeof out->why, "more than max_pages");
            return IOC_PAGE_FAILED;
        }
        if (i == h->page_count) {
            out->failure = IOC_PAGE_FAIL_FEED;
            out->failed_page = (long long)i + 1;
            snprintf(out->why, sizeof out->why, "page %zu is not in the fuzz input", i + 1);
            return IOC_PAGE_FAILED;
        }
        struct ioc_page page = {0};
        out->pages++;
        if (fn(ctx, user, (long long)i + 1, spec->url, h->pages[i], h->page_len[i], &page) < 0) {
            out->failure = IOC_PAGE_FAIL_CALLBACK;
            out->failed_page = (long long)i + 1;
            snprintf(out->why, sizeof out->why, "page %zu refused", i + 1);
            return IOC_PAGE_FAILED;
        }
        FUZZ_CHECK(page.items >= 0);
        out->items += page.items;
        if (page.has_total)
            out->total = page.total;
        bool more;
        switch (spec->style) {
        case IOC_PAGE_NUMBER:
            if (page.has_total && !spec->total_is_pages && page.items == 0 &&
                out->items < page.total) {
                /* As the daemon's walk: an empty page short of the total
                 * is an inconsistent feed, never a complete walk. */
                out->failure = IOC_PAGE_FAIL_FEED;
                out->failed_page = (long long)i + 1;
                snprintf(out->why, sizeof out->why, "page %zu is empty before the total", i + 1);
                return IOC_PAGE_FAILED;
            }
            if (page.has_total)
                more = spec->total_is_pages ? (long long)i + 1 < page.total
                                            : out->items < page.total;
            else
                more = page.items > 0;
            break;
        case IOC_PAGE_LINK:
            more = page.next_link && *page.next_link;
            if (more)
                fuzz_readable(page.next_link);
            break;
        case IOC_PAGE_CURSOR:
            more = spec->use_has_more ? page.has_more : page.cursor && *page.cursor;
            if (page.cursor)
                fuzz_readable(page.cursor);
            break;
        default:
            more = false;
        }
        if (!more)
            return IOC_PAGE_COMPLETE;
    }
}
