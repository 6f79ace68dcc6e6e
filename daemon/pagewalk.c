/* pagewalk - see pagewalk.h; also ioc_page_walk() and ioc_page_resolve()
 * of the SDK (include/ioc/page.h), the loop around the rules. */
#include "pagewalk.h"

#include "instance.h"
#include "ioc/host.h"
#include "origin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGEWALK_NAME(spec, field, dflt) ((spec)->field ? (spec)->field : (dflt))

static int pagewalk_fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int pagewalk_fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* base + page number or cursor + size, as the spec says. */
static char *pagewalk_url(const struct ioc_page_spec *s, const char *name, const char *value)
{
    char *url = name && value ? ioc_url_with_param(s->url, name, value) : strdup(s->url);
    if (url && s->size_param) {
        char size[32];
        snprintf(size, sizeof size, "%lld", s->page_size);
        char *sized = ioc_url_with_param(url, s->size_param, size);
        free(url);
        url = sized;
    }
    return url;
}

static char *pagewalk_number_url(const struct pagewalk *w, long long n)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", n);
    return pagewalk_url(w->spec, w->spec->page_param, num);
}

/* Remember `text` as used for page `page`. */
static int pagewalk_remember(struct pagewalk *w, const char *text, long long page)
{
    if (w->nseen == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct pagewalk_seen *s = realloc(w->seen, cap * sizeof *s);
        if (!s)
            return -1;
        w->seen = s, w->cap = cap;
    }
    char *copy = strdup(text);
    if (!copy)
        return -1;
    w->seen[w->nseen++] = (struct pagewalk_seen){copy, page};
    return 0;
}

/* The page that already used `text` in this walk, or 0. */
static long long pagewalk_seen_at(const struct pagewalk *w, const char *text)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (strcmp(w->seen[i].text, text) == 0)
            return w->seen[i].page;
    return 0;
}

/* How much of a URL a message may show: up to its query string or
 * fragment, which may carry keys (an API key given as query.*). */
static int pagewalk_shown(const char *url) { return (int)strcspn(url, "?#"); }

int pagewalk_start(struct pagewalk *w, const struct ioc_page_spec *spec,
                   const char *allow_origins, char *why, size_t whylen)
{
    memset(w, 0, sizeof *w);
    w->spec = spec;
    w->allow_origins = allow_origins;
    if (!spec->url)
        return pagewalk_fail(why, whylen, "no URL to walk");
    if (spec->max_pages < 1)
        return pagewalk_fail(why, whylen, "max_pages is %lld; it must be 1 or more",
                             spec->max_pages);
    if (spec->style == IOC_PAGE_NUMBER && !spec->page_param)
        return pagewalk_fail(why, whylen, "page-number walk without page_param");
    if (spec->style == IOC_PAGE_CURSOR && !spec->cursor_param)
        return pagewalk_fail(why, whylen, "cursor walk without cursor_param");
    w->page = spec->page_first;
    bool start = spec->start_cursor && spec->start_cursor[0];
    switch (spec->style) {
    case IOC_PAGE_NUMBER: w->url = pagewalk_number_url(w, w->page); break;
    case IOC_PAGE_CURSOR:
        w->url = pagewalk_url(spec, spec->cursor_param, start ? spec->start_cursor : NULL);
        if (start && (!(w->cursor = strdup(spec->start_cursor)) ||
                      pagewalk_remember(w, spec->start_cursor, 1) < 0))
            goto oom;
        break;
    case IOC_PAGE_LINK:
        w->url = strdup(spec->url);
        if (w->url && pagewalk_remember(w, w->url, 1) < 0)
            goto oom;
        break;
    default: w->url = pagewalk_url(spec, NULL, NULL); break;
    }
    if (!w->url)
        goto oom;
    w->origin = origin_of(w->url);
    return 0;
oom:
    pagewalk_end(w);
    return pagewalk_fail(why, whylen, "out of memory");
}

void pagewalk_end(struct pagewalk *w)
{
    for (size_t i = 0; i < w->nseen; i++)
        free(w->seen[i].text);
    free(w->seen);
    free(w->url);
    free(w->cursor);
    free(w->origin);
    w->seen = NULL;
    w->nseen = w->cap = 0;
    w->url = w->cursor = w->origin = NULL;
}

static bool pagewalk_is_http(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* True when `link` starts with a scheme ("ftp:", "javascript:"): letters,
 * digits, + - . before the first ':', and that ':' before any / ? #. */
static bool pagewalk_has_scheme(const char *link)
{
    size_t n = strspn(link, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    return n > 0 && link[n] == ':';
}

char *ioc_page_resolve(const char *page_url, const char *link)
{
    if (!page_url || !link)
        return NULL;
    char *out = NULL;
    const char *scheme_end = strstr(page_url, "://");
    if (pagewalk_is_http(link))
        return strdup(link);
    if (!scheme_end || pagewalk_has_scheme(link))
        return NULL;
    const char *host = scheme_end + 3, *path = host + strcspn(host, "/?#");
    int n;
    if (strncmp(link, "//", 2) == 0) {
        n = asprintf(&out, "%.*s:%s", (int)(scheme_end - page_url), page_url, link);
    } else if (link[0] == '/') {
        n = asprintf(&out, "%.*s%s", (int)(path - page_url), page_url, link);
    } else if (link[0] == '?') {
        n = asprintf(&out, "%.*s%s", (int)(path + strcspn(path, "?#") - page_url), page_url, link);
    } else if (link[0] == '#') {
        n = asprintf(&out, "%.*s%s", (int)(path + strcspn(path, "#") - page_url), page_url, link);
    } else {
        /* Relative to the page's directory. */
        size_t path_len = strcspn(path, "?#");
        const char *slash = NULL;
        for (const char *c = path; c < path + path_len; c++)
            if (*c == '/')
                slash = c;
        if (slash)
            n = asprintf(&out, "%.*s%s", (int)(slash + 1 - page_url), page_url, link);
        else
            n = asprintf(&out, "%.*s/%s", (int)(path - page_url), page_url, link);
    }
    return n < 0 ? NULL : out;
}

static int pagewalk_number(struct pagewalk *w, const struct ioc_page *p, char *why, size_t whylen)
{
    const struct ioc_page_spec *s = w->spec;
    const char *name = PAGEWALK_NAME(s, total_name, "total");
    if (p->has_total) {
        if (p->total < 0)
            return pagewalk_fail(why, whylen, "%s is %lld, not a count", name, p->total);
        if (s->total_is_pages ? w->pages >= p->total : w->records == p->total)
            return 0;
        if (!s->total_is_pages && w->records > p->total)
            return pagewalk_fail(why, whylen, "page %lld brings the walk to %lld records, more "
                                 "than %s says (%lld): the feed changed during the walk",
                                 w->page, w->records, name, p->total);
        if (p->items == 0)
            return pagewalk_fail(why, whylen, "page %lld is empty, but %s says %lld %s and %lld "
                                 "records arrived: the feed is inconsistent", w->page, name,
                                 p->total, s->total_is_pages ? "pages" : "records", w->records);
    } else if (p->items == 0) {
        return 0;
    }
    char *next = pagewalk_number_url(w, ++w->page);
    if (!next)
        return pagewalk_fail(why, whylen, "out of memory");
    free(w->url);
    w->url = next;
    return 1;
}

/* A link the feed supplies leads to page 1's origin, or to one that
 * allow_origins names, and never from https to http: otherwise the
 * daemon would carry the instance's token, headers and client certificate
 * wherever a page points, and fetch internal URLs for a feed. Refused
 * before it is fetched, named by its origin only. Returns 0 or -1. */
static int pagewalk_link_origin(const struct pagewalk *w, const char *name, const char *next,
                                char *why, size_t whylen)
{
    char *origin = origin_of(next);
    int rc = 0;
    if (!origin || !w->origin)
        rc = pagewalk_fail(why, whylen, "%s leads to a URL without a valid host or port: "
                           "refused", name);
    else
        switch (origin_judge(w->origin, origin, w->allow_origins, 0)) {
        case ORIGIN_SAME:
        case ORIGIN_LISTED: break;
        case ORIGIN_DOWNGRADE:
            rc = pagewalk_fail(why, whylen, "%s leads from https to plain http (%s): refused "
                               "without fetching it, whatever allow_origins says", name, origin);
            break;
        case ORIGIN_FOREIGN:
            rc = pagewalk_fail(why, whylen, "%s leads to %s, another origin than page 1's (%s): "
                               "refused without fetching it (allow_origins may name more "
                               "origins)", name, origin, w->origin);
            break;
        }
    free(origin);
    return rc;
}

static int pagewalk_link(struct pagewalk *w, const struct ioc_page *p, char *why, size_t whylen)
{
    const char *name = PAGEWALK_NAME(w->spec, link_name, "next link");
    if (!p->next_link || !p->next_link[0])
        return 0; /* no next link: the last page */
    char *next = ioc_page_resolve(w->url, p->next_link);
    if (!next)
        return pagewalk_fail(why, whylen, "%s \"%.*s\" is not an http(s) URL or a relative one",
                             name, pagewalk_shown(p->next_link) > 80 ? 80
                                                                     : pagewalk_shown(p->next_link),
                             p->next_link);
    long long at = pagewalk_seen_at(w, next);
    int rc = 1;
    if (pagewalk_link_origin(w, name, next, why, whylen) < 0)
        rc = -1;
    else if (at == w->pages)
        rc = pagewalk_fail(why, whylen, "%s points back to the page itself (%.*s)", name,
                           pagewalk_shown(next), next);
    else if (at > 0)
        rc = pagewalk_fail(why, whylen, "%s points back to page %lld (%.*s): the feed loops", name,
                           at, pagewalk_shown(next), next);
    else if (pagewalk_remember(w, next, w->pages + 1) < 0)
        rc = pagewalk_fail(why, whylen, "out of memory");
    if (rc < 0) {
        free(next);
        return rc;
    }
    free(w->url);
    w->url = next;
    return 1;
}

static int pagewalk_cursor(struct pagewalk *w, const struct ioc_page *p, char *why, size_t whylen)
{
    const struct ioc_page_spec *s = w->spec;
    const char *name = PAGEWALK_NAME(s, cursor_name, "cursor");
    if (s->use_has_more && !p->has_more)
        return 0;
    bool none = !p->cursor || !p->cursor[0];
    if (none && !s->use_has_more)
        return 0; /* no cursor and no flag: the last page */
    if (none)
        return pagewalk_fail(why, whylen, "%s is true but there is no cursor at %s",
                             PAGEWALK_NAME(s, has_more_name, "has_more"), name);
    if (w->cursor && strcmp(w->cursor, p->cursor) == 0)
        return pagewalk_fail(why, whylen, "cursor %s did not advance (\"%.60s\" again)", name,
                             p->cursor);
    long long at = pagewalk_seen_at(w, p->cursor);
    if (at > 0)
        return pagewalk_fail(why, whylen, "cursor %s went back to \"%.60s\", the cursor of page "
                             "%lld: the feed loops", name, p->cursor, at);
    char *next = pagewalk_url(s, s->cursor_param, p->cursor);
    char *copy = strdup(p->cursor);
    if (!next || !copy || pagewalk_remember(w, p->cursor, w->pages + 1) < 0) {
        free(next);
        free(copy);
        return pagewalk_fail(why, whylen, "out of memory");
    }
    free(w->cursor);
    w->cursor = copy;
    free(w->url);
    w->url = next;
    return 1;
}

int pagewalk_next(struct pagewalk *w, const struct ioc_page *page, char *why, size_t whylen)
{
    const struct ioc_page_spec *s = w->spec;
    w->pages++;
    w->records += page->items;
    w->max_pages_hit = w->more = false;
    int rc = 0;
    switch (s->style) {
    case IOC_PAGE_SINGLE: rc = 0; break;
    case IOC_PAGE_NUMBER: rc = pagewalk_number(w, page, why, whylen); break;
    case IOC_PAGE_LINK: rc = pagewalk_link(w, page, why, whylen); break;
    case IOC_PAGE_CURSOR: rc = pagewalk_cursor(w, page, why, whylen); break;
    }
    if (rc > 0 && w->pages >= s->max_pages) {
        if (s->max_pages_partial) {
            w->more = true;
            return 0;
        }
        w->max_pages_hit = true;
        return pagewalk_fail(why, whylen, "the feed has more than %lld page%s (max_pages); "
                             "nothing of this walk is published", s->max_pages,
                             s->max_pages == 1 ? "" : "s");
    }
    return rc;
}

/* ---- the SDK's loop ---- */

/* Say why a walk failed, unless someone already has: the daemon logs a
 * failed request, the callback the page it refused. */
static void pagewalk_log(ioc_ctx *ctx, const struct ioc_page_outcome *out)
{
    if (out->failure == IOC_PAGE_FAIL_STOPPING)
        ioc_log(ctx, IOC_LOG_INFO, "%s; nothing of this walk is published", out->why);
    else if (out->failure == IOC_PAGE_FAIL_USAGE && out->failed_page == 0)
        ioc_log(ctx, IOC_LOG_ERROR, "page walk not started: %s", out->why);
    else if (out->failure != IOC_PAGE_FAIL_NONE && out->failure != IOC_PAGE_FAIL_HTTP &&
             out->failure != IOC_PAGE_FAIL_CALLBACK)
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: %s", out->failed_page, out->why);
}

static enum ioc_page_result pagewalk_failed(struct ioc_page_outcome *out,
                                            enum ioc_page_failure f, long long page)
{
    out->failure = f;
    out->failed_page = page;
    return IOC_PAGE_FAILED;
}

/* GET `url` for page `number`; a 304 to page 1 is trusted only when the
 * spec says the validators stand for published data, otherwise page 1 is
 * asked again without them. Returns 1 for "not modified", 0 with the body
 * in *resp, -1 on failure (reason in out). */
static int pagewalk_get(ioc_ctx *ctx, const struct ioc_page_spec *s, const char *url,
                        long long number, struct ioc_http_response *resp,
                        struct ioc_page_outcome *out)
{
    struct ioc_http_options o = {0};
    if (s->http)
        o = *s->http;
    o.conditional = number == 1 && s->conditional;
    enum ioc_http_result rc = ioc_http_request(ctx, url, &o, resp);
    if (rc == IOC_HTTP_NOT_MODIFIED && o.conditional) {
        ioc_http_response_free(resp);
        if (s->current)
            return 1;
        out->asked_again = true;
        ioc_log(ctx, IOC_LOG_INFO, "page 1 not modified, but the last walk was not published; "
                                   "fetching it again");
        o.conditional = false;
        rc = ioc_http_request(ctx, url, &o, resp);
    }
    if (rc == IOC_HTTP_OK)
        return 0;
    /* Never IOC_HTTP_NOT_MODIFIED here: without validators a 304 is an
     * error of the request (http.c), logged and counted by the daemon. */
    snprintf(out->why, sizeof out->why, "%s", resp->error);
    ioc_http_response_free(resp);
    return -1;
}

enum ioc_page_result ioc_page_walk(ioc_ctx *ctx, const struct ioc_page_spec *spec,
                                   ioc_page_fn fn, void *user, struct ioc_page_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    struct pagewalk w;
    if (!spec || !fn ||
        pagewalk_start(&w, spec, instance_allow_origins(ctx), out->why, sizeof out->why) < 0) {
        if (!spec || !fn)
            snprintf(out->why, sizeof out->why, "ioc_page_walk needs a spec and a callback");
        pagewalk_failed(out, IOC_PAGE_FAIL_USAGE, 0);
        pagewalk_log(ctx, out);
        return IOC_PAGE_FAILED;
    }
    enum ioc_page_result result = IOC_PAGE_FAILED;
    for (long long number = 1;; number++) {
        if (number > 1 && ioc_stopping(ctx)) {
            snprintf(out->why, sizeof out->why, "stopping before page %lld", number);
            result = pagewalk_failed(out, IOC_PAGE_FAIL_STOPPING, number);
            break;
        }
        struct ioc_http_response resp;
        int got = pagewalk_get(ctx, spec, w.url, number, &resp, out);
        if (got > 0) {
            result = IOC_PAGE_NOT_MODIFIED;
            break;
        }
        if (got < 0 && ioc_stopping(ctx)) {
            snprintf(out->why, sizeof out->why, "stopping during page %lld", number);
            result = pagewalk_failed(out, IOC_PAGE_FAIL_STOPPING, number);
            break;
        }
        if (got < 0) {
            result = pagewalk_failed(out, IOC_PAGE_FAIL_HTTP, number);
            break;
        }
        out->pages++;
        struct ioc_page page = {0};
        int rc = fn(ctx, user, number, w.url, resp.body, resp.body_len, &page);
        ioc_http_response_free(&resp);
        if (rc < 0) {
            snprintf(out->why, sizeof out->why, "page %lld was refused by the connector", number);
            result = pagewalk_failed(out, IOC_PAGE_FAIL_CALLBACK, number);
            break;
        }
        out->items += page.items;
        if (page.has_total)
            out->total = page.total;
        rc = pagewalk_next(&w, &page, out->why, sizeof out->why);
        if (rc < 0) {
            result = pagewalk_failed(
                out, w.max_pages_hit ? IOC_PAGE_FAIL_MAX_PAGES : IOC_PAGE_FAIL_FEED, number);
            break;
        }
        if (rc == 0) {
            out->more = w.more;
            result = IOC_PAGE_COMPLETE;
            break;
        }
    }
    pagewalk_end(&w);
    pagewalk_log(ctx, out);
    return result;
}
