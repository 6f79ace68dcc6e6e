/*
 * feed_example - GET /example, the feed of the daemon's example connector:
 * one KPI pair per commune of Cà Mau (province 96).
 *
 *   {"updated":"2025-08-01T00:05:00+07:00",
 *    "period":{"from":"2025-07-01","to":"2025-07-31"},
 *    "areas":[{"code":"32002","name":"Phường An Xuyên","received":1199,
 *              "onTimePct":97.5}, ...]}
 *
 * The formula, so tests can recompute any body (g = generation, i.e. the
 * request number counted from 0; i = index in "areas", from 0):
 *   areas[i]       = the i-th commune of province 96 in gazetteer file
 *                    order; --records of them, capped at the province's
 *                    commune count (64) because codes are never repeated
 *   h              = prng_value(seed, g, i)        (see prng.h)
 *   received       = 200 + ((h >> 40) % 1800)                 200..1999
 *   onTimePct      = (600 + ((h >> 8) & 0xFFFF) % 401) / 10   60.0..100.0
 *   updated        = 2025-08-01T00:05:00+07:00 plus g minutes
 *   period         = 2025-07-01 .. 2025-07-31 (fixed)
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <stdio.h>
#include <stdlib.h>

#define EXAMPLE_PROVINCE "96"
#define EXAMPLE_UPDATED_BASE "2025-08-01T00:05:00+07:00"
#define EXAMPLE_OFFSET_MIN 420 /* +07:00, as Vietnamese systems write */
#define EXAMPLE_MS_PER_GENERATION 60000

struct example {
    const struct area *const *areas;
    size_t count;    /* areas per body */
    int64_t base_ms; /* "updated" of generation 0 */
};

static int example_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct example *ex = calloc(1, sizeof *ex);
    const char *reason;
    if (!ex) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t communes = gazetteer_communes_of(cfg->gaz, EXAMPLE_PROVINCE, &ex->areas);
    if (communes == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", EXAMPLE_PROVINCE);
        free(ex);
        return -1;
    }
    if (timeparse_parse(EXAMPLE_UPDATED_BASE, 0, &ex->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(ex);
        return -1;
    }
    ex->count = cfg->records;
    if (ex->count > communes) {
        log_msg(LOG_LEVEL_WARNING, "feedsim",
                "example: --records %zu capped at %zu, the communes of province %s "
                "(codes are never repeated)",
                cfg->records, communes, EXAMPLE_PROVINCE);
        ex->count = communes;
    }
    *state = ex;
    return 0;
}

static void example_fini(void *state)
{
    free(state);
}

static json_t *example_area(const struct area *a, uint64_t h)
{
    json_int_t received = 200 + (json_int_t)((h >> 40) % 1800);
    int tenths = 600 + (int)(((h >> 8) & 0xFFFF) % 401);
    return json_pack("{s:s, s:s, s:I, s:f}", "code", a->code, "name", a->name, "received", received,
                     "onTimePct", tenths / 10.0);
}

static void example_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct example *ex = req->state;
    uint64_t g = req->generation;
    char updated[32];

    out->updated_ms = ex->base_ms + (int64_t)g * EXAMPLE_MS_PER_GENERATION;
    timeparse_format(out->updated_ms, EXAMPLE_OFFSET_MIN, updated, sizeof updated);
    json_t *areas = json_array();
    for (size_t i = 0; i < ex->count; i++)
        json_array_append_new(areas, example_area(ex->areas[i], prng_value(req->cfg->seed, g, i)));
    out->body = json_pack("{s:s, s:{s:s, s:s}, s:o}", "updated", updated, "period", "from",
                          "2025-07-01", "to", "2025-07-31", "areas", areas);
    out->status = out->body ? 200 : 500;
}

const struct feed feed_example = {
    .name = "example",
    .path = "/example",
    .summary = "KPIs per commune of province 96, for the example connector",
    .shape = {.records = "areas",
              .count = "received",
              .ratio = "onTimePct",
              .code = "code",
              .updated = "updated"},
    .init = example_init,
    .fini = example_fini,
    .build = example_build,
};
