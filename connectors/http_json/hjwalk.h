/*
 * hjwalk - which page to fetch next, for the four pagination styles of
 * http_json (none, page numbers, a next link, a cursor).
 *
 * The design idea: the walk only decides; it never fetches. After each
 * page the caller hands the page's document and its record count to
 * hj_walk_next(), which answers "fetch this URL", "done" or "stop, this
 * walk cannot be trusted" (a total that the pages do not add up to, a
 * cursor or link that does not advance, more pages than max_pages). So the
 * rules are tested without a server, and a feed that loops forever costs
 * at most max_pages requests.
 */
#ifndef HTTP_JSON_HJWALK_H
#define HTTP_JSON_HJWALK_H

#include "hjmap.h"

#include <jansson.h>

struct hj_walk {
    const struct hj_paging *paging;
    const char *base_url;   /* the configured URL with its query.* params */
    char *url;              /* the page being fetched (malloc'd) */
    long long page;         /* its number, for `page` style */
    long long pages;        /* pages fetched so far */
    long long records;      /* records so far */
    char *cursor;           /* last cursor sent */
};

/* Start a walk: *url is the first page's URL (owned by the walk). Returns
 * 0, or -1 when out of memory. */
int hj_walk_start(struct hj_walk *w, const struct hj_paging *paging, const char *base_url);

/* After the page at w->url: 1 = fetch w->url next (updated), 0 = the walk
 * is complete, -1 = the walk failed, with the reason in why. */
int hj_walk_next(struct hj_walk *w, json_t *page, long records_in_page, char *why,
                 size_t whylen);

void hj_walk_end(struct hj_walk *w);

/* Resolve a link found in a page against the URL of that page: absolute
 * http(s) URLs as they are, "//host/x", "/x", "?q" and "x" relative to it.
 * Returns a malloc'd URL, or NULL (out of memory, or a scheme other than
 * http/https). Exposed for tests. */
char *hj_walk_resolve(const char *page_url, const char *link);

#endif
