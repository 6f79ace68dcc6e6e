/*
 * feed_telecom - GET /telecom?page=P&pageSize=S, the operators' monthly
 * coverage report through the provincial department:
 * one item per commune of Cà Mau (province 96) and operator.
 *
 *   {"kyBaoCao":"2025-06","page":1,"pageSize":200,"total":192,
 *    "items":[{"maXa":"31825","tenXa":"Phường Bạc Liêu","nhaMang":"Viettel",
 *              "btsTheoCongNghe":{"2G":2,"4G":21,"5G":0},
 *              "phuSong4GTyLe":99.5,"phuSong5GTyLe":0.0,
 *              "thueBaoDiDong":12731,"thueBaoBangRongCoDinh":2499,
 *              "hoFTTHTyLe":27.5,"updatedAt":"2025-07-05T09:00:00+07:00"}, ...]}
 *
 * Pagination: page >= 1 (default 1), pageSize 1..500 (default 200); a page
 * past the end has no items; anything else is 400. Page 1 (or no page)
 * starts a snapshot: only it advances the generation, so all pages of one
 * walk come from the same data.
 *
 * The formula, so tests can recompute any item (g = generation; i = item
 * index over the whole report, from 0; all integer arithmetic, `/` floors):
 *   N          = --records, capped at 3 x the communes of province 96 (192)
 *   c = i / 3  the commune: the c-th commune of province 96 in gazetteer
 *              file order; o = i % 3 the operator: Viettel, VNPT, MobiFone
 *   k          = prng_value(seed, 2^64-1, c)  (the commune's constant; prng.h)
 *   w          = the commune's size, 100 = average:
 *                  "Phường ..." (ward): 150 + (k & 0xFFFF) % 61     150..210
 *                  otherwise:            72 + (k & 0xFFFF) % 31      72..102
 *   h          = prng_value(seed, g, i)
 *   f1, f2     = 980 + (h & 0xFF) % 41,  980 + ((h >> 8) & 0xFF) % 41
 *   thueBaoDiDong         = MB[o] * w * f1 / 100000,  MB = 6480, 3365, 2617
 *   thueBaoBangRongCoDinh = FB[o] * w * f2 / 100000,  FB = 1307, 1098, 209
 *   "2G"       = B2[o] + ((h >> 16) & 0xF) % 3,        B2 = 2, 1, 1
 *   "4G"       = B4[o] * w / 100 + ((h >> 20) & 0xF) % 3, B4 = 10, 7, 5
 *   "5G"       = ((h >> 24) & 0xFF) % 10 < P5[o] ? 1 + ((h >> 32) & 1) : 0,
 *                                                      P5 = 4, 2, 2
 *   phuSong4GTyLe = (C4[o] + ((h >> 40) & 0xFF) % (1001 - C4[o])) / 10,
 *                                                      C4 = 990, 970, 950
 *   phuSong5GTyLe = "5G" == 0 ? 0 :
 *                   min(1000, "5G" * (80 + ((h >> 48) & 0xFF) % 121)) / 10
 *   households = 4700 * w / 100 (not in the feed)
 *   hoFTTHTyLe = min(1000, 1000 * thueBaoBangRongCoDinh / households) / 10
 *   updatedAt  = 2025-07-05T09:00:00+07:00 plus o hours plus g minutes
 *   kyBaoCao   = "2025-06" (fixed)
 * so the province totals are near the province's published figures (~797,600 mobile and
 * ~167,300 fixed-broadband subscribers with all 192 items), every item has
 * 4G coverage of 95-100% and 5G coverage > 0 exactly where it has a 5G
 * BTS, and the operators' FTTH shares of one commune add up to < 100%
 * (hoFTTHTyLe is the share of the commune's households on this operator's
 * fibre: its fixed subscribers over the households). Last-Modified is the
 * latest updatedAt of the report.
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TELECOM_PROVINCE "96"
#define TELECOM_PERIOD "2025-06"
#define TELECOM_UPDATED_BASE "2025-07-05T09:00:00+07:00"
#define TELECOM_OFFSET_MIN 420 /* +07:00 */
#define TELECOM_MS_PER_GENERATION 60000
#define TELECOM_MS_PER_OPERATOR 3600000
#define TELECOM_OPERATORS 3
#define TELECOM_DEFAULT_PAGE_SIZE 200
#define TELECOM_MAX_PAGE_SIZE 500
#define TELECOM_MAX_PAGE 1000000

static const char *const telecom_operator[TELECOM_OPERATORS] = {"Viettel", "VNPT", "MobiFone"};
/* Per operator: market weight of mobile and fixed subscribers per average
 * commune, BTS bases, chance of a 5G site in tenths, 4G coverage floor. */
static const int telecom_mb[] = {6480, 3365, 2617};
static const int telecom_fb[] = {1307, 1098, 209};
static const int telecom_b2[] = {2, 1, 1};
static const int telecom_b4[] = {10, 7, 5};
static const int telecom_p5[] = {4, 2, 2};
static const int telecom_c4[] = {990, 970, 950};

struct telecom {
    const struct area *const *communes;
    int *weight;     /* w of each commune used */
    size_t count;    /* items in the report */
    int64_t base_ms; /* updatedAt of Viettel, generation 0 */
};

static int telecom_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct telecom *t = calloc(1, sizeof *t);
    const char *reason;
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t communes = gazetteer_communes_of(cfg->gaz, TELECOM_PROVINCE, &t->communes);
    if (communes == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", TELECOM_PROVINCE);
        free(t);
        return -1;
    }
    if (timeparse_parse(TELECOM_UPDATED_BASE, 0, &t->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(t);
        return -1;
    }
    t->count = cfg->records;
    if (t->count > communes * TELECOM_OPERATORS) {
        log_msg(LOG_LEVEL_WARNING, "feedsim",
                "telecom: --records %zu capped at %zu, the communes of province %s times %d "
                "operators",
                cfg->records, communes * TELECOM_OPERATORS, TELECOM_PROVINCE, TELECOM_OPERATORS);
        t->count = communes * TELECOM_OPERATORS;
    }
    size_t used = (t->count + TELECOM_OPERATORS - 1) / TELECOM_OPERATORS;
    if (!(t->weight = calloc(used ? used : 1, sizeof *t->weight))) {
        snprintf(err, errlen, "out of memory");
        free(t);
        return -1;
    }
    for (size_t c = 0; c < used; c++) {
        uint64_t k = prng_value(cfg->seed, UINT64_MAX, c) & 0xFFFF;
        bool ward = strncmp(t->communes[c]->name, "Phường ", strlen("Phường ")) == 0;
        t->weight[c] = ward ? 150 + (int)(k % 61) : 72 + (int)(k % 31);
    }
    *state = t;
    return 0;
}

static void telecom_fini(void *state)
{
    struct telecom *t = state;
    if (t)
        free(t->weight);
    free(t);
}

static json_t *telecom_item(const struct telecom *t, size_t i, uint64_t h, const char *updated)
{
    size_t c = i / TELECOM_OPERATORS;
    int o = (int)(i % TELECOM_OPERATORS);
    int64_t w = t->weight[c];
    int64_t f1 = 980 + (int64_t)((h & 0xFF) % 41), f2 = 980 + (int64_t)(((h >> 8) & 0xFF) % 41);
    int64_t mobile = telecom_mb[o] * w * f1 / 100000;
    int64_t fixed = telecom_fb[o] * w * f2 / 100000;
    int64_t b2 = telecom_b2[o] + (int64_t)(((h >> 16) & 0xF) % 3);
    int64_t b4 = telecom_b4[o] * w / 100 + (int64_t)(((h >> 20) & 0xF) % 3);
    int64_t b5 = (int64_t)(((h >> 24) & 0xFF) % 10) < telecom_p5[o] ? 1 + (int64_t)((h >> 32) & 1)
                                                                    : 0;
    int64_t cov4 = telecom_c4[o] + (int64_t)(((h >> 40) & 0xFF) % (uint64_t)(1001 - telecom_c4[o]));
    int64_t cov5 = b5 * (80 + (int64_t)(((h >> 48) & 0xFF) % 121));
    int64_t households = 4700 * w / 100;
    int64_t ftth = 1000 * fixed / households;
    return json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:I}, s:f, s:f, s:I, s:I, s:f, s:s}", "maXa",
                     t->communes[c]->code, "tenXa", t->communes[c]->name, "nhaMang",
                     telecom_operator[o], "btsTheoCongNghe", "2G", (json_int_t)b2, "4G",
                     (json_int_t)b4, "5G", (json_int_t)b5, "phuSong4GTyLe", cov4 / 10.0,
                     "phuSong5GTyLe", (cov5 > 1000 ? 1000 : cov5) / 10.0, "thueBaoDiDong",
                     (json_int_t)mobile, "thueBaoBangRongCoDinh", (json_int_t)fixed,
                     "hoFTTHTyLe", (ftth > 1000 ? 1000 : ftth) / 10.0, "updatedAt", updated);
}

static bool telecom_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "page", 1, 1, TELECOM_MAX_PAGE) == 1;
}

static void telecom_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct telecom *t = req->state;
    uint64_t g = req->generation;
    long page = feed_arg_number(req, "page", 1, 1, TELECOM_MAX_PAGE);
    long size =
        feed_arg_number(req, "pageSize", TELECOM_DEFAULT_PAGE_SIZE, 1, TELECOM_MAX_PAGE_SIZE);
    if (page < 0 || size < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error,
                 page < 0 ? "page must be an integer from 1 to %d"
                          : "pageSize must be an integer from 1 to %d",
                 page < 0 ? TELECOM_MAX_PAGE : TELECOM_MAX_PAGE_SIZE);
        return;
    }
    int64_t gen_ms = t->base_ms + (int64_t)g * TELECOM_MS_PER_GENERATION;
    size_t last_op = t->count < TELECOM_OPERATORS ? (t->count ? t->count - 1 : 0)
                                                  : TELECOM_OPERATORS - 1;
    out->updated_ms = gen_ms + (int64_t)last_op * TELECOM_MS_PER_OPERATOR;

    char updated[TELECOM_OPERATORS][32];
    for (int o = 0; o < TELECOM_OPERATORS; o++)
        timeparse_format(gen_ms + (int64_t)o * TELECOM_MS_PER_OPERATOR, TELECOM_OFFSET_MIN,
                         updated[o], sizeof updated[o]);
    json_t *items = json_array();
    size_t first = (size_t)(page - 1) * (size_t)size;
    for (size_t i = first; items && i < t->count && i < first + (size_t)size; i++)
        json_array_append_new(items, telecom_item(t, i, prng_value(req->cfg->seed, g, i),
                                                  updated[i % TELECOM_OPERATORS]));
    out->body = json_pack("{s:s, s:i, s:i, s:I, s:o}", "kyBaoCao", TELECOM_PERIOD, "page",
                          (int)page, "pageSize", (int)size, "total", (json_int_t)t->count, "items",
                          items);
    out->status = out->body ? 200 : 500;
}

const struct feed feed_telecom = {
    .name = "telecom",
    .path = "/telecom",
    .summary = "operators' monthly coverage report per commune of province 96, page/pageSize",
    .shape = {.records = "items",
              .count = "thueBaoDiDong",
              .ratio = "phuSong4GTyLe",
              .code = "maXa"},
    .init = telecom_init,
    .fini = telecom_fini,
    .build = telecom_build,
    .starts_snapshot = telecom_starts_snapshot,
};
