/*
 * feed_paged - GET /paged?page=P&size=S, the feed of the second template
 * connector (connectors/example_paged): calls to the province's hotline,
 * one item per call batch, newest last, read page by page.
 *
 *   {"total":20,"page":1,"size":7,
 *    "items":[{"id":"H-0-0","maXa":"31825","time":"2025-08-01T08:00:00+07:00",
 *              "calls":17}, ...]}
 *
 * The formula, so tests can recompute any body (g = generation, the number
 * of walks started, i.e. of page-1 requests, counted from 0; i = index of
 * the item in the whole list, from 0; --records items in all):
 *   id     = "H-<g>-<i>"
 *   maXa   = the (i mod 64)-th commune of province 96 in gazetteer order
 *   time   = 2025-08-01T08:00:00+07:00 plus g hours plus i seconds
 *   calls  = 1 + prng_value(seed, g, i) % 50                    1..50
 * Pages: page P holds items (P-1)*S .. P*S-1; page defaults to 1, size to
 * 10 (1..100); a page past the end is empty; anything else is a 400.
 * Every page of one walk comes from the same generation (starts_snapshot).
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGED_PROVINCE "96"
#define PAGED_BASE "2025-08-01T08:00:00+07:00"
#define PAGED_OFFSET_MIN 420
#define PAGED_MS_PER_GENERATION 3600000LL
#define PAGED_MAX_PAGE 100000
#define PAGED_MAX_SIZE 100

struct paged {
    const struct area *const *communes;
    size_t ncommunes;
    int64_t base_ms;
};

static int paged_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct paged *p = calloc(1, sizeof *p);
    const char *reason;
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->ncommunes = gazetteer_communes_of(cfg->gaz, PAGED_PROVINCE, &p->communes);
    if (p->ncommunes == 0 || timeparse_parse(PAGED_BASE, 0, &p->base_ms, &reason) != 0) {
        snprintf(err, errlen, "paged: no communes of province %s in the gazetteer",
                 PAGED_PROVINCE);
        free(p);
        return -1;
    }
    *state = p;
    return 0;
}

static void paged_fini(void *state)
{
    free(state);
}

static bool paged_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "page", 1, 1, PAGED_MAX_PAGE) == 1;
}

static json_t *paged_item(const struct paged *p, const struct feed_request *req, size_t i)
{
    char id[48], time[32];
    uint64_t g = req->generation;
    snprintf(id, sizeof id, "H-%llu-%zu", (unsigned long long)g, i);
    int64_t ms = p->base_ms + (int64_t)g * PAGED_MS_PER_GENERATION + (int64_t)i * 1000;
    timeparse_format(ms, PAGED_OFFSET_MIN, time, sizeof time);
    json_int_t calls = 1 + (json_int_t)(prng_value(req->cfg->seed, g, i) % 50);
    return json_pack("{s:s, s:s, s:s, s:I}", "id", id, "maXa",
                     p->communes[i % p->ncommunes]->code, "time", time, "calls", calls);
}

static void paged_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct paged *p = req->state;
    long page = feed_arg_number(req, "page", 1, 1, PAGED_MAX_PAGE);
    long size = feed_arg_number(req, "size", 10, 1, PAGED_MAX_SIZE);
    if (page < 0 || size < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error, "%s",
                 page < 0 ? "page must be a number from 1" : "size must be 1..100");
        return;
    }
    size_t total = req->cfg->records, first = (size_t)(page - 1) * (size_t)size;
    out->updated_ms = p->base_ms + (int64_t)req->generation * PAGED_MS_PER_GENERATION;
    json_t *items = json_array();
    for (size_t i = first; items && i < total && i < first + (size_t)size; i++) {
        json_t *item = paged_item(p, req, i);
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    out->body = items ? json_pack("{s:I, s:i, s:i, s:o}", "total", (json_int_t)total, "page",
                                  (int)page, "size", (int)size, "items", items)
                      : NULL;
    out->status = out->body ? 200 : 500;
}

const struct feed feed_paged = {
    .name = "paged",
    .path = "/paged",
    .summary = "hotline call batches per commune of 96, paginated ?page=P&size=S (example_paged)",
    .shape = {.records = "items", .count = "calls", .ratio = NULL, .code = "maXa"},
    .init = paged_init,
    .fini = paged_fini,
    .build = paged_build,
    .starts_snapshot = paged_starts_snapshot,
};
