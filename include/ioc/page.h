/*
 * ioc/page.h - walk a paginated feed: the loop, the URLs, the rules.
 *
 * Most departmental APIs answer page by page. Every connector needs the
 * same loop around ioc_http_request() and the same rules about when a walk
 * is over and when it cannot be trusted; ioc_page_walk() is that loop. The
 * connector gives it a description of the pagination (struct
 * ioc_page_spec) and a callback that reads ONE page body (with its own JSON
 * parser) and says what the walk needs to go on: how many items the page
 * held, the total if the feed gives one, the next link or cursor, the
 * has-more flag. The callback accumulates the page's records in the
 * connector's own state; nothing is emitted during the walk.
 *
 * The design idea: a walk is whole or nothing. ioc_page_walk() returns
 * IOC_PAGE_COMPLETE only when every page arrived and the pages agree with
 * each other (the total is reached exactly, no empty page before it, no
 * link or cursor that comes back to one already seen in this walk, no more
 * than max_pages pages). On IOC_PAGE_FAILED the connector throws away what
 * its callback gathered and publishes nothing of this walk, so a failed
 * page 3 never leaves province totals made of pages 1-2 on the screens.
 *
 * Styles (enum ioc_page_style):
 *   IOC_PAGE_SINGLE  one request, no pagination;
 *   IOC_PAGE_NUMBER  url?<page_param>=N[&<size_param>=S], N from page_first;
 *                    ends when the page's total is reached (a total of
 *                    records, or of pages with total_is_pages), or, when
 *                    the feed gives no total, at the first empty page;
 *   IOC_PAGE_LINK    the page names the next page's URL (absolute, or
 *                    relative to the page: "/x", "?q", "x"); no link ends;
 *   IOC_PAGE_CURSOR  url?<cursor_param>=C[&<size_param>=S]; the first page
 *                    is asked with start_cursor (a saved one) or without
 *                    the parameter; ends when the page says has_more =
 *                    false (with use_has_more) or gives no cursor.
 *
 * Origins: a next link must keep the first page's scheme, host and port,
 * or lead to an origin the instance's reserved key `allow_origins` names
 * (the operator's, not the connector's, decision: it is no field of the
 * spec), and never from https to http - with or without credentials, so a
 * feed can neither collect the token, headers or client certificate sent
 * with every page nor make the daemon fetch internal URLs. A refused link
 * fails the walk (IOC_PAGE_FAIL_FEED) before it is fetched; the reason
 * names the link's origin, never its path or query string. Redirects of
 * every request follow the same rule in the daemon's HTTP layer.
 */
#ifndef IOC_PAGE_H
#define IOC_PAGE_H

#include "ioc/connector.h"
#include "ioc/http.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ioc_page_style { IOC_PAGE_SINGLE, IOC_PAGE_NUMBER, IOC_PAGE_LINK, IOC_PAGE_CURSOR };

/* How the feed is paginated. Zero-initialise and fill what you need. The
 * strings are read during ioc_page_walk() only. */
struct ioc_page_spec {
    enum ioc_page_style style;
    const char *url;           /* the first page's URL, before any paging
                                  parameter is added; required */
    /* IOC_PAGE_NUMBER */
    const char *page_param;    /* e.g. "page"; required for this style */
    long long page_first;      /* number of the first page (usually 1) */
    bool total_is_pages;       /* the page's total counts pages, not items */
    /* IOC_PAGE_NUMBER and IOC_PAGE_CURSOR */
    const char *size_param;    /* e.g. "size", "limit"; NULL = not sent */
    long long page_size;       /* its value */
    /* IOC_PAGE_CURSOR */
    const char *cursor_param;  /* e.g. "cursor"; required for this style */
    const char *start_cursor;  /* resume here (saved state); NULL = start */
    bool use_has_more;         /* the feed has a has-more flag: the callback
                                  must set page->has_more on every page */
    /* every style */
    long long max_pages;       /* most pages one walk may read (>= 1) */
    bool max_pages_partial;    /* at max_pages with more to read, end the
                                  walk as complete (a stream continued at
                                  the next poll from the saved cursor)
                                  instead of failing it */
    const struct ioc_http_options *http; /* sent with every page; may be
                                  NULL. Its `conditional` is ignored: */
    bool conditional;          /* ask page 1 with the validators the daemon
                                  remembers (ETag / Last-Modified) */
    bool current;              /* what those validators stand for was
                                  published in full, so a 304 to page 1
                                  means "nothing new": the walk returns
                                  IOC_PAGE_NOT_MODIFIED. When false, a 304
                                  is not trusted and page 1 is asked again
                                  without validators. */
    /* Names used in failure reasons, as the feed or the configuration
     * spells them; NULL = "total", "next link", "cursor", "has_more". */
    const char *total_name, *link_name, *cursor_name, *has_more_name;
};

/* What the callback found on one page. The walk zeroes it before each
 * call. Strings must stay valid until the callback is called again or the
 * walk returns (point into the page document you keep, or into your
 * state); the walk copies what it needs. */
struct ioc_page {
    long long items;           /* records (items) on this page, good or bad */
    bool has_total;            /* the page gives a total (IOC_PAGE_NUMBER) */
    long long total;           /* items (or pages) in the whole walk */
    const char *next_link;     /* IOC_PAGE_LINK: NULL or "" = last page */
    const char *cursor;        /* IOC_PAGE_CURSOR: NULL or "" = none */
    bool has_more;             /* IOC_PAGE_CURSOR with use_has_more */
};

/* Read one page. `number` counts the pages of this walk from 1; `url` is
 * the URL fetched. Fill *page and add the page's records to your own
 * state. Return 0, or -1 when the page is unusable (log why first, naming
 * the page): the walk then fails. Called from the walk's thread only. */
typedef int (*ioc_page_fn)(ioc_ctx *ctx, void *user, long long number, const char *url,
                           const char *body, size_t body_len, struct ioc_page *page);

enum ioc_page_result {
    IOC_PAGE_COMPLETE = 0,      /* every page read; publish what you gathered */
    IOC_PAGE_NOT_MODIFIED = 1,  /* page 1 answered 304 and spec->current:
                                   the published values stand */
    IOC_PAGE_FAILED = -1,       /* publish nothing of this walk */
};

/* Why a walk failed, for connectors that word their own log line. */
enum ioc_page_failure {
    IOC_PAGE_FAIL_NONE = 0,
    IOC_PAGE_FAIL_HTTP,      /* a request failed (already logged by the daemon) */
    IOC_PAGE_FAIL_CALLBACK,  /* the callback refused the page (it logged why) */
    IOC_PAGE_FAIL_FEED,      /* the pages do not agree: total, empty page,
                                loop, missing cursor, bad or foreign link */
    IOC_PAGE_FAIL_MAX_PAGES, /* more than max_pages pages */
    IOC_PAGE_FAIL_STOPPING,  /* ioc_stopping() became true (shutdown or
                                reload): return IOC_ERROR and log nothing
                                more; the daemon counts no failure */
    IOC_PAGE_FAIL_USAGE,     /* a bad spec, or out of memory */
};

/* The outcome of a walk, filled by ioc_page_walk(). */
struct ioc_page_outcome {
    long long pages;           /* pages answered with a body (a page the
                                  callback refused counts) */
    long long items;           /* sum of page->items */
    long long total;           /* the last total a page gave, or -1 */
    bool more;                 /* max_pages_partial: the feed has more */
    bool asked_again;          /* page 1 answered 304 while spec->current
                                  was false and was asked again without
                                  validators (logged at info level) */
    enum ioc_page_failure failure;
    long long failed_page;     /* the page that failed (from 1), or 0 */
    char why[768];             /* IOC_PAGE_FAILED: the reason in English,
                                  naming the page where it helps, e.g.
                                  "page 2 is empty, but total says 5 records
                                  and 2 records arrived: the feed is
                                  inconsistent"; already logged */
};

/* Walk the feed described by `spec`, calling `fn(ctx, user, ...)` on each
 * page body. Checks ioc_stopping() before every page after the first.
 * A failed walk is logged once, by whoever knows why: the daemon logs a
 * failed request (with the URL and the reason), your callback the page it
 * refused, and the walk everything else ("page 3: the feed has more than
 * 2 pages (max_pages); ...", at error level; stopping at info level). So
 * a connector needs no log line of its own; add one with your feed's
 * words if operators need them (out->failure, failed_page, total). Page 1
 * asked again without validators is logged at info level. Returns an enum
 * ioc_page_result; `out` is always filled. Blocking; call from poll.
 * Thread-safe across instances. */
enum ioc_page_result ioc_page_walk(ioc_ctx *ctx, const struct ioc_page_spec *spec,
                                   ioc_page_fn fn, void *user, struct ioc_page_outcome *out);

/* Resolve a link found in a page against that page's URL: absolute
 * http(s) URLs as they are, "//host/x", "/x", "?q", "#f" and "x" relative
 * to it. Returns a malloc'd URL the caller frees, or NULL (out of memory,
 * or a scheme other than http/https). Thread-safe. */
char *ioc_page_resolve(const char *page_url, const char *link);

#ifdef __cplusplus
}
#endif
#endif
