/*
 * pagewalk - the rules of a paginated walk, behind ioc_page_walk()
 * (include/ioc/page.h): which URL comes next, when the walk is over, and
 * when it cannot be trusted.
 *
 * The design idea: the rules never fetch. After each page the driver hands
 * pagewalk_next() what the connector's callback found (items, total, link,
 * cursor, has-more) and gets back "fetch w->url next", "done" or "stop,
 * this walk cannot be trusted" with the reason. So every rule is tested
 * without a server (tests/unit/test_pagewalk.c), and a feed that loops -
 * back to the page itself or to any page before it - costs no more than
 * the requests up to the loop.
 */
#ifndef IOCD_PAGEWALK_H
#define IOCD_PAGEWALK_H

#include "ioc/page.h"

#include <stdbool.h>
#include <stddef.h>

/* A link (URL) or cursor already used in this walk, and the page it
 * fetched. */
struct pagewalk_seen {
    char *text;
    long long page;
};

struct pagewalk {
    const struct ioc_page_spec *spec;
    char *url;               /* the page being fetched (malloc'd) */
    char *origin;            /* scheme://host:port of page 1 (origin.h) */
    const char *allow_origins; /* the instance's allow_origins, or NULL */
    long long page;          /* its number (IOC_PAGE_NUMBER) */
    long long pages;         /* pages handed to pagewalk_next so far */
    long long records;       /* items so far */
    char *cursor;            /* the cursor sent for the current page */
    struct pagewalk_seen *seen; /* links or cursors of this walk */
    size_t nseen, cap;
    bool max_pages_hit;      /* the last failure was max_pages */
    bool more;               /* complete at max_pages, more to read */
};

/* Start a walk; w->url is page 1's URL. A next link must lead to page 1's
 * origin or to one `allow_origins` names (NULL = none; see origin.h), and
 * never from https to http. Returns 0, or -1 with why (a spec that lacks
 * what its style needs, or out of memory). */
int pagewalk_start(struct pagewalk *w, const struct ioc_page_spec *spec,
                   const char *allow_origins, char *why, size_t whylen);

/* After the page at w->url: 1 = fetch w->url next (updated), 0 = the walk
 * is complete, -1 = the walk failed, with the reason in why. */
int pagewalk_next(struct pagewalk *w, const struct ioc_page *page, char *why, size_t whylen);

/* Release what the walk holds; w->url and w->cursor become NULL. */
void pagewalk_end(struct pagewalk *w);

#endif
