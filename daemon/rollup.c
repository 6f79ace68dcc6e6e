/* rollup - see rollup.h. Groups live in a chained hash table (keyed by
 * the bytes "metric\0from\0to\0key1\0value1\0..." with dims sorted, as
 * normalize leaves them) and in a list in order of first appearance, so
 * the province records come out in the order the communes went in. */
#include "rollup.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rollup_group {
    struct rollup_group *next;   /* in its hash bucket */
    char *key;                   /* the fields, '\0'-separated (see top) */
    size_t key_len;
    uint64_t hash;
    enum catalog_aggregate aggregate;
    char unit[32];
    bool unusable;               /* mixed units or out of memory */
    double sum, numerator, denominator;
    char ts[40];                 /* the latest ts of its records */
    int64_t ts_ms;
    const struct area **communes; /* distinct current communes (gazetteer's) */
    size_t ncommunes, communes_cap;
};

struct rollup {
    pthread_mutex_t lock;
    const struct catalog *catalog;
    struct rollup_group **buckets;
    size_t nbuckets;
    struct rollup_group **order;  /* every group, in order of appearance */
    size_t ngroups, order_cap;
    char **owned;                 /* metrics the connector totalled itself */
    size_t nowned, owned_cap;
    size_t no_parts;
    char no_parts_example[128];
    bool out_of_memory;           /* some record is missing from its group */
};

struct rollup *rollup_new(const struct catalog *catalog)
{
    struct rollup *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->catalog = catalog ? catalog : catalog_builtin();
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

static void rollup_clear(struct rollup *r)
{
    for (size_t i = 0; i < r->ngroups; i++) {
        free(r->order[i]->key);
        free(r->order[i]->communes);
        free(r->order[i]);
    }
    for (size_t i = 0; i < r->nowned; i++)
        free(r->owned[i]);
    if (r->buckets)
        memset(r->buckets, 0, r->nbuckets * sizeof *r->buckets);
    r->ngroups = r->nowned = r->no_parts = 0;
    r->no_parts_example[0] = '\0';
    r->out_of_memory = false;
}

void rollup_free(struct rollup *r)
{
    if (!r)
        return;
    rollup_clear(r);
    free(r->buckets);
    free(r->order);
    free(r->owned);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Grow `*array` of `*cap` pointers to hold one more than `used`. */
static int rollup_reserve(void *array, size_t *cap, size_t used)
{
    if (used < *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 16;
    void *p = realloc(*(void **)array, n * sizeof(void *));
    if (!p)
        return -1;
    *(void **)array = p;
    *cap = n;
    return 0;
}

static bool rollup_is_owned(const struct rollup *r, const char *metric)
{
    for (size_t i = 0; i < r->nowned; i++)
        if (strcmp(r->owned[i], metric) == 0)
            return true;
    return false;
}

static int rollup_own(struct rollup *r, const char *metric)
{
    if (rollup_is_owned(r, metric))
        return 0;
    char *copy = strdup(metric);
    if (!copy || rollup_reserve(&r->owned, &r->owned_cap, r->nowned) < 0) {
        free(copy);
        return -1;
    }
    r->owned[r->nowned++] = copy;
    return 0;
}

/* The group key of n in `buf` (NULL when it does not fit): its length. */
static size_t rollup_key(const struct normalized *n, char *buf, size_t cap)
{
    const struct ioc_record *rec = n->record;
    const char *parts[3 + 2 * IOC_MAX_DIMS];
    size_t np = 0, len = 0;
    parts[np++] = rec->metric;
    parts[np++] = rec->period_from ? rec->period_from : "";
    parts[np++] = rec->period_to ? rec->period_to : "";
    for (size_t i = 0; i < n->dim_count; i++)
        parts[np++] = n->dims[i].key, parts[np++] = n->dims[i].value;
    for (size_t i = 0; i < np; i++) {
        size_t l = strlen(parts[i]) + 1;
        if (len + l > cap)
            return 0;
        memcpy(buf + len, parts[i], l);
        len += l;
    }
    return len;
}

static uint64_t rollup_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
    return h;
}

static int rollup_rehash(struct rollup *r)
{
    size_t n = r->nbuckets ? r->nbuckets * 2 : 64;
    struct rollup_group **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < r->ngroups; i++) {
        struct rollup_group *g = r->order[i];
        g->next = b[g->hash & (n - 1)];
        b[g->hash & (n - 1)] = g;
    }
    free(r->buckets);
    r->buckets = b;
    r->nbuckets = n;
    return 0;
}

/* The group of `key`, made when new; NULL when out of memory. */
static struct rollup_group *rollup_group(struct rollup *r, const char *key, size_t len,
                                         const struct normalized *n, enum catalog_aggregate agg)
{
    uint64_t h = rollup_hash(key, len);
    if (r->nbuckets) {
        for (struct rollup_group *g = r->buckets[h & (r->nbuckets - 1)]; g; g = g->next)
            if (g->hash == h && g->key_len == len && memcmp(g->key, key, len) == 0)
                return g;
    }
    if ((r->ngroups + 1 > r->nbuckets * 3 / 4 && rollup_rehash(r) < 0) ||
        rollup_reserve(&r->order, &r->order_cap, r->ngroups) < 0)
        return NULL;
    struct rollup_group *g = calloc(1, sizeof *g);
    if (!g || !(g->key = malloc(len))) {
        free(g);
        return NULL;
    }
    memcpy(g->key, key, len);
    g->key_len = len, g->hash = h, g->aggregate = agg;
    snprintf(g->unit, sizeof g->unit, "%s", n->record->unit);
    g->next = r->buckets[h & (r->nbuckets - 1)];
    r->buckets[h & (r->nbuckets - 1)] = g;
    r->order[r->ngroups++] = g;
    return g;
}

static int rollup_count_commune(struct rollup_group *g, const struct area *a)
{
    for (size_t i = 0; i < g->ncommunes; i++)
        if (g->communes[i] == a)
            return 0;
    if (rollup_reserve(&g->communes, &g->communes_cap, g->ncommunes) < 0)
        return -1;
    g->communes[g->ncommunes++] = a;
    return 0;
}

static void rollup_join(struct rollup_group *g, const struct normalized *n)
{
    const struct ioc_record *rec = n->record;
    if (strcmp(g->unit, rec->unit) != 0)
        g->unusable = true; /* one series, two units: no total means anything */
    g->sum += rec->value;
    g->numerator += rec->numerator, g->denominator += rec->denominator;
    if (g->ts[0] == '\0' || n->ts_ms > g->ts_ms) {
        snprintf(g->ts, sizeof g->ts, "%s", n->ts);
        g->ts_ms = n->ts_ms;
    }
}

static int rollup_add_locked(struct rollup *r, const struct normalized *n)
{
    const struct ioc_record *rec = n->record;
    const struct catalog_metric *m = catalog_metric(r->catalog, rec->metric);
    if (!m || m->aggregate == CATALOG_AGG_NONE)
        return 0;
    if (n->area->level == AREA_PROVINCE)
        return rollup_own(r, rec->metric);
    if (m->aggregate == CATALOG_AGG_RATIO && !rec->has_ratio_parts) {
        if (r->no_parts++ == 0)
            snprintf(r->no_parts_example, sizeof r->no_parts_example, "metric %.64s area %.16s",
                     rec->metric, n->area->code);
        return 0;
    }
    char stack[2048];
    size_t len = rollup_key(n, stack, sizeof stack);
    char *key = stack;
    if (len == 0) { /* long dimension values: rare, so allocate then */
        size_t need = strlen(rec->metric) + 3;
        if (rec->period_from)
            need += strlen(rec->period_from) + strlen(rec->period_to);
        for (size_t i = 0; i < n->dim_count; i++)
            need += strlen(n->dims[i].key) + strlen(n->dims[i].value) + 2;
        if (!(key = malloc(need)))
            return -1;
        len = rollup_key(n, key, need);
    }
    struct rollup_group *g = rollup_group(r, key, len, n, m->aggregate);
    if (key != stack)
        free(key);
    if (!g)
        return -1;
    rollup_join(g, n);
    return rollup_count_commune(g, n->area);
}

int rollup_add(struct rollup *r, const struct normalized *n)
{
    pthread_mutex_lock(&r->lock);
    int rc = rollup_add_locked(r, n);
    if (rc < 0)
        r->out_of_memory = true;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* What one of `unit` is worth in a fraction: a percentage of 3/4 is 75. */
static double rollup_unit_scale(const char *unit)
{
    if (strcmp(unit, "percent") == 0)
        return 100.0;
    if (strcmp(unit, "permille") == 0)
        return 1000.0;
    return 1.0;
}

/* The province record of g into *rec (pointing into g). False when the
 * group cannot make one. */
static bool rollup_record(const struct rollup_group *g, const char *province,
                          struct ioc_record *rec)
{
    if (g->unusable)
        return false;
    if (g->aggregate == CATALOG_AGG_RATIO && !(g->denominator > 0))
        return false; /* a share of nothing is undefined */
    const char *p = g->key, *end = g->key + g->key_len;
    *rec = (struct ioc_record){.metric = p, .unit = g->unit, .ts = g->ts, .area = province};
    p += strlen(p) + 1;
    if (*p) {
        rec->period_from = p;
        rec->period_to = p + strlen(p) + 1;
    }
    p += strlen(p) + 1;
    p += strlen(p) + 1;
    for (size_t d = 0; p < end && d < IOC_MAX_DIMS; d++) {
        rec->dims[d].key = p;
        p += strlen(p) + 1;
        rec->dims[d].value = p;
        p += strlen(p) + 1;
    }
    if (g->aggregate == CATALOG_AGG_RATIO) {
        rec->value = rollup_unit_scale(g->unit) * g->numerator / g->denominator;
        rec->has_ratio_parts = true;
        rec->numerator = g->numerator, rec->denominator = g->denominator;
    } else {
        rec->value = g->sum;
    }
    return true;
}

void rollup_finish(struct rollup *r, const struct gazetteer *gz, const char *province,
                   rollup_emit_fn emit, void *arg, struct rollup_report *report)
{
    *report = (struct rollup_report){0};
    pthread_mutex_lock(&r->lock);
    const struct area *const *list;
    size_t expected = gazetteer_communes_of(gz, province, &list);
    for (size_t i = 0; i < r->ngroups; i++) {
        const struct rollup_group *g = r->order[i];
        struct ioc_record rec;
        if (rollup_is_owned(r, g->key)) {
            report->owned++;
        } else if (r->out_of_memory || !rollup_record(g, province, &rec)) {
            report->unusable++;
        } else {
            struct normalize_completeness c = {(unsigned)g->ncommunes, (unsigned)expected,
                                               gazetteer_version(gz)};
            if (emit(arg, &rec, &c) == 0)
                report->published++;
            else
                report->refused++;
        }
    }
    report->no_parts = r->no_parts;
    memcpy(report->no_parts_example, r->no_parts_example, sizeof report->no_parts_example);
    rollup_clear(r);
    pthread_mutex_unlock(&r->lock);
}

void rollup_discard(struct rollup *r)
{
    pthread_mutex_lock(&r->lock);
    rollup_clear(r);
    pthread_mutex_unlock(&r->lock);
}
