/*
 * feed - the contract of one simulated departmental feed.
 *
 * A feed is one file, feed_<name>.c, that defines one `const struct feed`
 * and is listed once in registry.c. The feed only turns (settings,
 * generation, query arguments) into a JSON body. Everything generic is done
 * by the server for every feed alike: routing, bearer-token auth, the fault
 * modes, ETag / Last-Modified / 304, freezing, request statistics.
 *
 * Design idea: a body is a pure function of its inputs. The generation is
 * the feed's request counter (it advances by one per authorised request
 * unless frozen through /_control), so "request number k with seed s" names
 * one exact body, and tests recompute it instead of recording it.
 * Pagination (page/size, cursor) is the feed's own business: it reads its
 * query arguments through req->arg and answers 400 for bad ones.
 */
#ifndef FEEDSIM_FEED_H
#define FEEDSIM_FEED_H

#include "feedsim.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct feed_request {
    const struct feedsim_config *cfg;
    void *state;         /* what the feed's init returned */
    uint64_t generation; /* 0 for the first request, +1 per request */
    /* A query-string argument of this request, or NULL when absent. The
     * string belongs to the server and lives until the reply is sent. */
    const char *(*arg)(const struct feed_request *req, const char *key);
    void *conn; /* the server's, for arg() only */
};

struct feed_reply {
    json_t *body;       /* set by build on success; the server frees it */
    int64_t updated_ms; /* time of the data (Unix ms), sent as Last-Modified */
    int status;         /* 200, or a 4xx with `error` filled and no body */
    /* Instead of `body`: bytes sent exactly as they are (malloc'd, the
     * server frees them), with `encoding` as Content-Encoding when set.
     * For hostile pages a json_t cannot hold cheaply (a 16 MiB page, a
     * precompressed gzip bomb); data faults and 304s do not apply. */
    char *raw;
    size_t raw_len;
    const char *encoding;
    int raw_status;       /* with raw: the status sent (0: 200), e.g. 204 */
    size_t header_pad;    /* with raw: this many bytes of X-Feedsim-Padding
                             header fields, for a client's header bound */
    bool header_pad_one;  /* ... in one field (else fields of 8 KiB) */
    char error[160];
};

/* Where the data-level faults (wrong-type, missing-field, nulls, old-codes)
 * strike: the array of records in the body and, in its first records, the
 * fields to spoil. A NULL field disables the faults that need it. */
struct feed_shape {
    const char *records; /* key of the records array: "areas", "items" */
    const char *count;   /* an integer count: "received" */
    const char *ratio;   /* a percentage: "onTimePct" */
    const char *code;    /* a current commune code: "code", "maXa" */
    const char *updated; /* the body's update time: "updated" (NULL: none) */
};

struct feed {
    const char *name;    /* in /_control, /_stats, --fault: "example" */
    const char *path;    /* the URL path it answers: "/example" */
    const char *summary; /* one line for --help */
    struct feed_shape shape;
    /* Prepare the feed's fixed data once at start-up. Returns 0 and sets
     * *state (may be NULL), or -1 with a reason in err. May be NULL. */
    int (*init)(const struct feedsim_config *cfg, void **state, char *err, size_t errlen);
    void (*fini)(void *state); /* may be NULL */
    /* Build the body of one request. Called concurrently from several
     * threads: must only read req->state. */
    void (*build)(const struct feed_request *req, struct feed_reply *out);
    /* For paginated feeds: does this request start a new snapshot (page 1,
     * or no cursor)? Only those advance the generation, so every page of
     * one walk through the pages comes from the same data; the others
     * reuse the generation of the last snapshot start, and are the ones
     * fault `fail-page` strikes. req->generation is not set yet. NULL:
     * every request is a snapshot (unpaginated feeds). */
    bool (*starts_snapshot)(const struct feed_request *req);
};

/* A paging argument of a request ("page", "size") as a number in
 * [min, max]: `fallback` when absent; -1 when it is not plain decimal
 * digits or is out of range (the feed then answers 400). */
static inline long feed_arg_number(const struct feed_request *req, const char *key, long fallback,
                                   long min, long max)
{
    const char *text = req->arg(req, key);
    if (!text)
        return fallback;
    size_t len = strlen(text);
    if (len == 0 || len > 9 || strspn(text, "0123456789") != len)
        return -1;
    long v = strtol(text, NULL, 10);
    return v < min || v > max ? -1 : v;
}

#endif
