/*
 * feed_bench - the synthetic feeds of `make bench` (tests/bench/run.sh):
 *
 *   GET /bench?page=P&size=S[&change=F]  N cells with two numeric fields each
 *   GET /bench-telecom?page=..      the /telecom report, timed (see below)
 *
 * /bench body (N = --records, up to 1,000,000; one page of all N is
 * allowed, so a poll can be one request):
 *
 *   {"generation":12,"updatedAt":"2025-07-05T09:00:12+07:00",
 *    "page":1,"size":1000,"total":1000,
 *    "items":[{"cell":"cell-000000","commune":"31825","subscribers":12,
 *              "coverage_pct":3.7}, ...]}
 *
 * The formula (g = generation, i = item index over the whole feed, from 0;
 * integer arithmetic, `/` floors):
 *   commune      = the (i % 64)-th commune of province 96 in gazetteer
 *                  file order (real codes, repeated every 64 cells)
 *   cell         = "cell-" and i on at least 6 digits
 *   k            = prng_value(seed, 2^64-1, i)   (the cell's constant)
 *   c            = how many times cell i changed in generations 1..g
 *                  (below; c = g when every cell changes)
 *   subscribers  = c                               for i = 0
 *                  100 + (k & 0xFFFF) % 20000 + c  otherwise
 *   coverage_pct = ((k >> 16) % 1001 + c) % 1001 / 10    0.0..100.0
 *   updatedAt    = 2025-07-05T09:00:00+07:00 plus g seconds
 * so both values of a cell change exactly when c does. By default every
 * cell changes at every generation (a benchmark poll never meets an
 * unchanged value), and cell 0's subscribers *is* the generation: a
 * latency probe reads the generation off that one metric.
 *
 * change=F (a decimal fraction 0..1, at most 6 decimals; default 1): the
 * fraction of cells, hence of series, whose values change per generation.
 * Design idea: a window of m = round(F x N) cells slides round the feed,
 * m cells per generation (generation g covers cells g*m .. g*m+m-1, mod
 * N), so exactly m cells change at every generation, which ones is a pure
 * function of (N, F, g), and every cell changes as often as any other.
 * The windows of generations 1..g tile the line [m, (g+1)*m), so
 *   c = hits((g+1)*m) - hits(m),  hits(x) = #{y in [0, x): y % N == i}
 *                                         = x > i ? (x - 1 - i) / N + 1 : 0
 * A cell's c grows by exactly 1 when it changes, so coverage (mod 1001)
 * changes too. Every page of one walk must ask for the same F.
 * Pagination: page >= 1 (default 1), size 1..1,000,000 (default 1000), a
 * page past the end has no items, anything else is 400; page 1 starts a
 * snapshot (the other pages reuse its generation).
 *
 * Timing: for both feeds, the first request of each generation logs, on
 * stderr, the wall-clock time it reached the feed (taken before the body
 * is built), so latency = arrival at a subscriber - that time:
 *
 *   info: feedsim: served bench generation=12 at_us=1754359200123456
 *
 * /bench-telecom is feed_telecom (same query arguments, same body for the
 * same generation, its own generation counter) wrapped with that timing,
 * so the existing telecom connector can be measured the same way; its
 * generation is in every item's updatedAt (plus g minutes).
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_PROVINCE "96"
#define BENCH_UPDATED_BASE "2025-07-05T09:00:00+07:00"
#define BENCH_OFFSET_MIN 420 /* +07:00 */
#define BENCH_MAX_RECORDS 1000000
#define BENCH_DEFAULT_SIZE 1000
#define BENCH_MAX_PAGE 1000000
/* change=F is read as millionths, so the arithmetic stays integer. */
#define BENCH_CHANGE_ONE 1000000
/* Generations remembered to log each one once; far more than can be in
 * flight at the same time. */
#define BENCH_SERVED_SLOTS 1024

extern const struct feed feed_telecom __attribute__((weak));

/* Which generations were already logged as served. */
struct bench_served {
    pthread_mutex_t lock;
    uint64_t generation[BENCH_SERVED_SLOTS];
    bool used[BENCH_SERVED_SLOTS];
};

struct bench {
    struct bench_served served;
    const struct area *const *communes;
    size_t ncommunes;
    size_t count;    /* N */
    int64_t base_ms; /* updatedAt of generation 0 */
};

struct bench_telecom {
    struct bench_served served;
    void *inner; /* feed_telecom's state */
};

static void bench_served_init(struct bench_served *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

/* Log the arrival time `at` of generation g if it is its first request.
 * The time is taken by the caller before anything else is done. */
static void bench_served_note(struct bench_served *s, const char *feed, uint64_t g,
                              const struct timespec *at)
{
    size_t k = (size_t)(g % BENCH_SERVED_SLOTS);
    pthread_mutex_lock(&s->lock);
    bool first = !s->used[k] || s->generation[k] != g;
    s->used[k] = true;
    s->generation[k] = g;
    pthread_mutex_unlock(&s->lock);
    if (first)
        log_msg(LOG_LEVEL_INFO, "feedsim", "served %s generation=%llu at_us=%lld", feed,
                (unsigned long long)g,
                (long long)at->tv_sec * 1000000 + (long long)(at->tv_nsec / 1000));
}

/* ---- /bench ---- */

static int bench_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct bench *b = calloc(1, sizeof *b);
    const char *reason;
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    b->ncommunes = gazetteer_communes_of(cfg->gaz, BENCH_PROVINCE, &b->communes);
    if (b->ncommunes == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", BENCH_PROVINCE);
        free(b);
        return -1;
    }
    if (timeparse_parse(BENCH_UPDATED_BASE, 0, &b->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(b);
        return -1;
    }
    b->count = cfg->records < BENCH_MAX_RECORDS ? cfg->records : BENCH_MAX_RECORDS;
    bench_served_init(&b->served);
    *state = b;
    return 0;
}

static void bench_fini(void *state)
{
    struct bench *b = state;
    if (b)
        pthread_mutex_destroy(&b->served.lock);
    free(b);
}

static bool bench_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "page", 1, 1, BENCH_MAX_PAGE) == 1;
}

/* The change=F argument in millionths (BENCH_CHANGE_ONE when absent), or
 * -1 when it is not a decimal from 0 to 1 with at most 6 decimals. */
static long bench_change_millionths(const struct feed_request *req)
{
    const char *text = req->arg(req, "change");
    if (!text)
        return BENCH_CHANGE_ONE;
    size_t whole = strspn(text, "0123456789");
    if (whole == 0 || whole > 1)
        return -1;
    long v = (text[0] - '0') * (long)BENCH_CHANGE_ONE;
    const char *frac = text + whole;
    if (*frac == '.') {
        size_t digits = strspn(frac + 1, "0123456789");
        if (digits == 0 || digits > 6 || frac[1 + digits] != '\0')
            return -1;
        long scale = BENCH_CHANGE_ONE / 10;
        for (size_t d = 0; d < digits; d++, scale /= 10)
            v += (frac[1 + d] - '0') * scale;
    } else if (*frac != '\0') {
        return -1;
    }
    return v > BENCH_CHANGE_ONE ? -1 : v;
}

/* hits(x): how many y in [0, x) have y % n == i (see the top comment). */
static uint64_t bench_hits(uint64_t x, uint64_t n, uint64_t i)
{
    return x > i ? (x - 1 - i) / n + 1 : 0;
}

/* How many times cell i of n changed in generations 1..g when m cells
 * change per generation (c = g when m = n). */
static uint64_t bench_changes(uint64_t g, uint64_t m, uint64_t n, uint64_t i)
{
    return bench_hits((g + 1) * m, n, i) - bench_hits(m, n, i);
}

/* One cell; NULL when out of memory. Built with the _nocheck setters: at
 * N = 100,000 the feed's own CPU is part of what the benchmark machine
 * pays, so it is kept small. `c` is how many times the cell changed. */
static json_t *bench_item(const struct bench *b, uint64_t seed, uint64_t c, size_t i)
{
    uint64_t k = prng_value(seed, UINT64_MAX, i);
    json_int_t subscribers = i == 0 ? (json_int_t)c
                                    : 100 + (json_int_t)((k & 0xFFFF) % 20000) + (json_int_t)c;
    int tenths = (int)(((k >> 16) % 1001 + c % 1001) % 1001);
    char cell[32];
    snprintf(cell, sizeof cell, "cell-%06zu", i);
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (json_object_set_new_nocheck(o, "cell", json_string_nocheck(cell)) ||
        json_object_set_new_nocheck(o, "commune",
                                    json_string_nocheck(b->communes[i % b->ncommunes]->code)) ||
        json_object_set_new_nocheck(o, "subscribers", json_integer(subscribers)) ||
        json_object_set_new_nocheck(o, "coverage_pct", json_real(tenths / 10.0))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void bench_build(const struct feed_request *req, struct feed_reply *out)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    struct bench *b = req->state;
    uint64_t g = req->generation;
    long page = feed_arg_number(req, "page", 1, 1, BENCH_MAX_PAGE);
    long size = feed_arg_number(req, "size", BENCH_DEFAULT_SIZE, 1, BENCH_MAX_RECORDS);
    long change = bench_change_millionths(req);
    if (change < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error,
                 "change must be a decimal fraction from 0 to 1 with at most 6 decimals");
        return;
    }
    if (page < 0 || size < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error,
                 page < 0 ? "page must be an integer from 1 to %d"
                          : "size must be an integer from 1 to %d",
                 page < 0 ? BENCH_MAX_PAGE : BENCH_MAX_RECORDS);
        return;
    }
    bench_served_note(&b->served, "bench", g, &at);
    out->updated_ms = b->base_ms + (int64_t)g * 1000;
    char updated[32];
    timeparse_format(out->updated_ms, BENCH_OFFSET_MIN, updated, sizeof updated);
    json_t *items = json_array();
    size_t first = (size_t)(page - 1) * (size_t)size;
    /* m = round(F x N), half up, in integers. */
    uint64_t m = ((uint64_t)change * b->count + BENCH_CHANGE_ONE / 2) / BENCH_CHANGE_ONE;
    for (size_t i = first; items && i < b->count && i < first + (size_t)size; i++) {
        json_t *item = bench_item(b, req->cfg->seed, bench_changes(g, m, b->count, i), i);
        if (!item || json_array_append_new(items, item)) {
            json_decref(items);
            items = NULL;
        }
    }
    out->body = items ? json_pack("{s:I, s:s, s:i, s:i, s:I, s:o}", "generation", (json_int_t)g,
                                  "updatedAt", updated, "page", (int)page, "size", (int)size,
                                  "total", (json_int_t)b->count, "items", items)
                      : NULL;
    out->status = out->body ? 200 : 500;
}

const struct feed feed_bench = {
    .name = "bench",
    .path = "/bench",
    .summary = "synthetic cells (2 values each, all changing every generation, or the fraction "
               "change=F of them) for make bench, page/size/change",
    .shape = {.records = "items",
              .count = "subscribers",
              .ratio = "coverage_pct",
              .code = "commune"},
    .init = bench_init,
    .fini = bench_fini,
    .build = bench_build,
    .starts_snapshot = bench_starts_snapshot,
};

/* ---- /bench-telecom ---- */

static int bench_telecom_init(const struct feedsim_config *cfg, void **state, char *err,
                              size_t errlen)
{
    if (!&feed_telecom) {
        snprintf(err, errlen, "needs the telecom feed, which is not built in");
        return -1;
    }
    struct bench_telecom *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (feed_telecom.init && feed_telecom.init(cfg, &t->inner, err, errlen) != 0) {
        free(t);
        return -1;
    }
    bench_served_init(&t->served);
    *state = t;
    return 0;
}

static void bench_telecom_fini(void *state)
{
    struct bench_telecom *t = state;
    if (!t)
        return;
    if (feed_telecom.fini)
        feed_telecom.fini(t->inner);
    pthread_mutex_destroy(&t->served.lock);
    free(t);
}

static bool bench_telecom_starts_snapshot(const struct feed_request *req)
{
    return !feed_telecom.starts_snapshot || feed_telecom.starts_snapshot(req);
}

static void bench_telecom_build(const struct feed_request *req, struct feed_reply *out)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    struct bench_telecom *t = req->state;
    struct feed_request inner = *req;
    inner.state = t->inner;
    feed_telecom.build(&inner, out);
    if (out->status == 200)
        bench_served_note(&t->served, "bench-telecom", req->generation, &at);
}

const struct feed feed_bench_telecom = {
    .name = "bench-telecom",
    .path = "/bench-telecom",
    .summary = "the /telecom report with each generation's arrival time logged, for make bench",
    .shape = {.records = "items",
              .count = "thueBaoDiDong",
              .ratio = "phuSong4GTyLe",
              .code = "maXa"},
    .init = bench_telecom_init,
    .fini = bench_telecom_fini,
    .build = bench_telecom_build,
    .starts_snapshot = bench_telecom_starts_snapshot,
};
