/* hjwalk - see hjwalk.h. */
#include "hjwalk.h"

#include <ioc/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* base + page (and size) parameters for page `n`. */
static char *hj_walk_page_url(const struct hj_walk *w, long long n)
{
    const struct hj_paging *g = w->paging;
    char num[32], size[32];
    snprintf(num, sizeof num, "%lld", n);
    snprintf(size, sizeof size, "%lld", g->page_size);
    char *url = ioc_url_with_param(w->base_url, g->page_param, num);
    if (url && g->size_param) {
        char *sized = ioc_url_with_param(url, g->size_param, size);
        free(url);
        url = sized;
    }
    return url;
}

int hj_walk_start(struct hj_walk *w, const struct hj_paging *paging, const char *base_url)
{
    memset(w, 0, sizeof *w);
    w->paging = paging;
    w->base_url = base_url;
    w->page = paging->page_first;
    w->url = paging->style == HJ_PAGES_NUMBER ? hj_walk_page_url(w, w->page) : strdup(base_url);
    return w->url ? 0 : -1;
}

void hj_walk_end(struct hj_walk *w)
{
    free(w->url);
    free(w->cursor);
    w->url = w->cursor = NULL;
}

static bool hj_walk_is_http(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* True when `link` starts with a scheme ("ftp:", "javascript:"): letters,
 * digits, + - . before the first ':', and that ':' before any / ? #. */
static bool hj_walk_has_scheme(const char *link)
{
    size_t n = strspn(link, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    return n > 0 && link[n] == ':';
}

char *hj_walk_resolve(const char *page_url, const char *link)
{
    char *out = NULL;
    const char *scheme_end = strstr(page_url, "://");
    if (hj_walk_is_http(link))
        return strdup(link);
    if (!scheme_end || hj_walk_has_scheme(link))
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

/* A count read from the page (`page_total`): a non-negative integer. */
static int hj_walk_count(const struct jpath *path, json_t *page, long long *out, char *why,
                         size_t whylen)
{
    char reason[256];
    json_t *v = jpath_get(path, page, reason, sizeof reason);
    if (!v) {
        snprintf(why, whylen, "`page_total` path `%s`: %s", jpath_text(path), reason);
        return -1;
    }
    double x;
    /* Bounded before the conversion: a huge double does not fit a long long. */
    if (hjnum_value(v, HJNUM_REJECT, &x, reason, sizeof reason) < 0 || x < 0 || x > 1e15 ||
        x != (double)(long long)x) {
        snprintf(why, whylen, "`page_total` `%s` %s", jpath_text(path),
                 json_is_number(v) ? "is not a whole number from 0 to 10^15" : reason);
        return -1;
    }
    *out = (long long)x;
    return 0;
}

static int hj_walk_number(struct hj_walk *w, json_t *page, long records_in_page, char *why,
                          size_t whylen)
{
    const struct hj_paging *g = w->paging;
    if (g->total) {
        long long total;
        if (hj_walk_count(g->total, page, &total, why, whylen) < 0)
            return -1;
        if (g->total_is_pages ? w->pages >= total : w->records >= total)
            return 0;
        if (records_in_page == 0) {
            snprintf(why, whylen, "page %lld is empty, but `%s` says %lld %s and %lld records "
                     "arrived: the feed is inconsistent", w->page, jpath_text(g->total), total,
                     g->total_is_pages ? "pages" : "records", w->records);
            return -1;
        }
    } else if (records_in_page == 0) {
        return 0;
    }
    char *next = hj_walk_page_url(w, ++w->page);
    if (!next) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    free(w->url);
    w->url = next;
    return 1;
}

static int hj_walk_link(struct hj_walk *w, json_t *page, char *why, size_t whylen)
{
    char reason[256];
    json_t *v = jpath_get(w->paging->next_link, page, reason, sizeof reason);
    if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
        return 0; /* no next link: the last page */
    if (!json_is_string(v)) {
        snprintf(why, whylen, "`next_link` `%s` is not text", jpath_text(w->paging->next_link));
        return -1;
    }
    char *next = hj_walk_resolve(w->url, json_string_value(v));
    if (!next) {
        snprintf(why, whylen, "`next_link` \"%.80s\" is not an http(s) URL or a relative one",
                 json_string_value(v));
        return -1;
    }
    if (strcmp(next, w->url) == 0) {
        snprintf(why, whylen, "`next_link` points back to the page itself (%.80s)", next);
        free(next);
        return -1;
    }
    free(w->url);
    w->url = next;
    return 1;
}

static int hj_walk_cursor(struct hj_walk *w, json_t *page, char *why, size_t whylen)
{
    const struct hj_paging *g = w->paging;
    char reason[256], text[512];
    if (g->has_more) {
        json_t *more = jpath_get(g->has_more, page, reason, sizeof reason);
        if (!more || !json_is_boolean(more)) {
            snprintf(why, whylen, "`has_more` `%s`%s%s", jpath_text(g->has_more),
                     more ? " " : ": ", more ? "is not true or false" : reason);
            return -1;
        }
        if (json_is_false(more))
            return 0;
    }
    json_t *v = jpath_get(g->cursor, page, reason, sizeof reason);
    bool none = !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v));
    if (none && !g->has_more)
        return 0; /* no cursor and no flag: the last page */
    if (none) {
        snprintf(why, whylen, "`has_more` is true but there is no cursor at `%s`",
                 jpath_text(g->cursor));
        return -1;
    }
    if (json_is_string(v))
        snprintf(text, sizeof text, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else {
        snprintf(why, whylen, "cursor `%s` is neither text nor an integer", jpath_text(g->cursor));
        return -1;
    }
    if (w->cursor && strcmp(w->cursor, text) == 0) {
        snprintf(why, whylen, "cursor `%s` did not advance (\"%.60s\" again)",
                 jpath_text(g->cursor), text);
        return -1;
    }
    char *next = ioc_url_with_param(w->base_url, g->cursor_param, text);
    char *copy = strdup(text);
    if (!next || !copy) {
        free(next);
        free(copy);
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    free(w->cursor);
    w->cursor = copy;
    free(w->url);
    w->url = next;
    return 1;
}

int hj_walk_next(struct hj_walk *w, json_t *page, long records_in_page, char *why,
                 size_t whylen)
{
    w->pages++;
    w->records += records_in_page;
    int rc = 0;
    switch (w->paging->style) {
    case HJ_PAGES_NONE: rc = 0; break;
    case HJ_PAGES_NUMBER: rc = hj_walk_number(w, page, records_in_page, why, whylen); break;
    case HJ_PAGES_NEXT_LINK: rc = hj_walk_link(w, page, why, whylen); break;
    case HJ_PAGES_CURSOR: rc = hj_walk_cursor(w, page, why, whylen); break;
    }
    if (rc > 0 && w->pages >= w->paging->max_pages) {
        snprintf(why, whylen, "the feed has more than %lld page%s (max_pages); nothing of this "
                 "walk is published", w->paging->max_pages, w->paging->max_pages == 1 ? "" : "s");
        return -1;
    }
    return rc;
}
