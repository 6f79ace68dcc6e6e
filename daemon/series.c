/* series - see series.h.
 *
 * Each shard is a chained hash table that doubles when it holds more
 * entries than buckets; the hash (FNV-1a, 64 bits) picks the shard with its
 * low bits and the bucket with the rest, and is kept in the entry so a
 * lookup compares keys only on a hash match and growing never rehashes
 * text. */
#include "series.h"

#include "freshness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* SERIES_SHARDS (series.h) is a power of two; connectors meet on a lock
 * 1/64 as often as with one. */
#define SERIES_FIRST_BUCKETS 64

struct series_shard {
    pthread_mutex_t lock;
    struct series_entry **buckets;
    size_t bucket_count; /* a power of two, 0 before the first entry */
    size_t count;
};

struct series {
    struct series_shard shards[SERIES_SHARDS];
};

static uint64_t series_hash(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3u;
    }
    return h;
}

static struct series_shard *series_shard(struct series *t, uint64_t hash)
{
    return &t->shards[hash & (SERIES_SHARDS - 1)];
}

static size_t series_bucket(const struct series_shard *sh, uint64_t hash)
{
    return (size_t)(hash >> 6) & (sh->bucket_count - 1);
}

struct series *series_new(void)
{
    struct series *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < SERIES_SHARDS; i++)
        pthread_mutex_init(&t->shards[i].lock, NULL);
    return t;
}

void series_free(struct series *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < SERIES_SHARDS; i++) {
        struct series_shard *sh = &t->shards[i];
        for (size_t b = 0; b < sh->bucket_count; b++)
            for (struct series_entry *e = sh->buckets[b], *next; e; e = next) {
                next = e->next;
                metric_unref(e->last);
                free(e);
            }
        free(sh->buckets);
        pthread_mutex_destroy(&sh->lock);
    }
    free(t);
}

/* Double the buckets (or make the first ones). -1 when out of memory: the
 * table still works, with longer chains. */
static int series_grow(struct series_shard *sh)
{
    size_t n = sh->bucket_count ? sh->bucket_count * 2 : SERIES_FIRST_BUCKETS;
    struct series_entry **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    size_t old = sh->bucket_count;
    struct series_entry **ob = sh->buckets;
    sh->buckets = b;
    sh->bucket_count = n;
    for (size_t i = 0; i < old; i++)
        for (struct series_entry *e = ob[i], *next; e; e = next) {
            next = e->next;
            size_t k = series_bucket(sh, e->hash);
            e->next = b[k];
            b[k] = e;
        }
    free(ob);
    return 0;
}

/* Where the record's own `ts` value starts (after `"ts":"`), or NULL.
 * normalize writes schema, source, metric, value and unit before ts, none
 * of which can hold an unescaped `"ts":"` (jsonw escapes every quote in a
 * string), and dims, which could have a key "ts", only after it: the first
 * match is the record's. */
static const char *series_ts(const char *rec, size_t len)
{
    static const char pat[] = "\"ts\":\"";
    const char *end = rec + len;
    for (const char *p = rec; (size_t)(end - p) >= sizeof pat - 1; p++) {
        p = memchr(p, '"', (size_t)(end - p));
        if (!p || (size_t)(end - p) < sizeof pat - 1)
            return NULL;
        if (memcmp(p, pat, sizeof pat - 1) == 0)
            return p + sizeof pat - 1;
    }
    return NULL;
}

/* The length of the record without its trailing `,"seq":N}`: seq is
 * normalize's last field. */
static size_t series_before_seq(const char *rec, size_t len)
{
    static const char pat[] = ",\"seq\":";
    for (size_t i = len; i >= sizeof pat - 1; i--)
        if (rec[i - 1] == ':' && memcmp(rec + i - (sizeof pat - 1), pat, sizeof pat - 1) == 0)
            return i - (sizeof pat - 1);
    return len;
}

bool series_record_changed(const char *a, size_t alen, const char *b, size_t blen)
{
    alen = series_before_seq(a, alen);
    blen = series_before_seq(b, blen);
    const char *ta = series_ts(a, alen), *tb = series_ts(b, blen);
    if (!ta || !tb) /* not normalize's shape: compare all of it */
        return alen != blen || memcmp(a, b, alen) != 0;
    size_t pa = (size_t)(ta - a), pb = (size_t)(tb - b);
    if (pa != pb || memcmp(a, b, pa) != 0)
        return true;
    /* An RFC 3339 timestamp holds no quote and no escape. */
    const char *ea = memchr(ta, '"', alen - pa), *eb = memchr(tb, '"', blen - pb);
    if (!ea || !eb)
        return true;
    size_t ra = alen - (size_t)(ea - a), rb = blen - (size_t)(eb - b);
    return ra != rb || memcmp(ea, eb, ra) != 0;
}

/* Move an owner's count by `d` and say that its summary changed. */
static void series_count_move(struct series_owner *o, atomic_long *count, long d)
{
    if (!o || !d)
        return;
    atomic_fetch_add_explicit(count, d, memory_order_relaxed);
    atomic_fetch_add_explicit(&o->changes, 1, memory_order_relaxed);
}

/* Set the entry's alert bits to `after` (under the shard's lock): the
 * owner's counts follow, a state entered gets its time. */
static void series_alert_set(struct series_entry *e, uint8_t after, int64_t wall_ms)
{
    uint8_t before = e->alert;
    struct series_owner *o = e->owner;
    for (unsigned i = 0; i < SERIES_ALERT_STATES; i++) {
        unsigned bit = 1u << i;
        if ((after & bit) && !(before & bit))
            e->since_wall_ms[i] = wall_ms;
    }
    if (o) {
        series_count_move(o, &o->breach, (long)((after & SERIES_ALERT_BREACH) != 0) -
                                             (long)((before & SERIES_ALERT_BREACH) != 0));
        series_count_move(o, &o->stale, (long)((after & SERIES_ALERT_STALE) != 0) -
                                            (long)((before & SERIES_ALERT_STALE) != 0));
    }
    e->alert = after;
    e->stale = (after & SERIES_ALERT_STALE) != 0;
}

/* The KPI part of an observation (under the shard's lock): data age,
 * limits, owner, and the alert states it leads to. Returns true when the
 * series turned stale (its data too old) or fresh again: what the screens
 * hold must change with it. */
static bool series_observe_kpi(struct series_entry *e, const struct series_kpi *kpi,
                               int64_t mono_ms, int64_t wall_ms, struct series_verdict *v)
{
    /* A new series, or one restored from the saved state (series_store),
     * which has no owner until its source observes it again. */
    if (!e->owner && kpi->owner) {
        series_count_move(kpi->owner, &kpi->owner->series, 1);
        e->owner = kpi->owner;
    }
    e->data_ts_ms = kpi->data_ms;
    e->refresh_ms = kpi->refresh_ms;
    e->max_age_ms = kpi->max_age_ms;
    bool old = fresh_judge(mono_ms, mono_ms, kpi->data_ms, wall_ms, 0, kpi->max_age_ms) ==
               FRESH_OLD_DATA;
    uint8_t after = (uint8_t)((kpi->breach ? SERIES_ALERT_BREACH : 0) | (old ? SERIES_ALERT_STALE : 0));
    v->alert_before = e->alert;
    /* A state left keeps, in the verdict, the time it had been entered. */
    memcpy(v->since_wall_ms, e->since_wall_ms, sizeof v->since_wall_ms);
    series_alert_set(e, after, wall_ms);
    for (unsigned i = 0; i < SERIES_ALERT_STATES; i++)
        if (after & (1u << i))
            v->since_wall_ms[i] = e->since_wall_ms[i];
    v->alert_after = after;
    return ((v->alert_before & SERIES_ALERT_STALE) != 0) != old;
}

/* The entry of the series of `m` in its shard, or NULL. Lock held. */
static struct series_entry *series_find(struct series_shard *sh, uint64_t h, const struct metric *m)
{
    if (!sh->bucket_count)
        return NULL;
    for (struct series_entry *e = sh->buckets[series_bucket(sh, h)]; e; e = e->next)
        if (e->hash == h && e->last->series_len == m->series_len &&
            memcmp(e->last->series, m->series, m->series_len) == 0)
            return e;
    return NULL;
}

/* A new empty entry chained in its bucket (grown first if need be), or
 * NULL when out of memory. Lock held. */
static struct series_entry *series_add(struct series_shard *sh, uint64_t h)
{
    if (sh->count >= sh->bucket_count)
        series_grow(sh);
    struct series_entry *e = sh->bucket_count ? calloc(1, sizeof *e) : NULL;
    if (!e)
        return NULL;
    size_t k = series_bucket(sh, h);
    e->hash = h;
    e->next = sh->buckets[k];
    sh->buckets[k] = e;
    sh->count++;
    return e;
}

int series_observe(struct series *t, struct metric *m, int64_t mono_ms, int64_t wall_ms,
                   const int64_t *refresh_ms, unsigned slots, const struct series_kpi *kpi,
                   struct series_verdict *v)
{
    uint64_t h = series_hash(m->series, m->series_len);
    struct series_shard *sh = series_shard(t, h);
    struct metric *drop = NULL;
    int rc = 0;
    memset(v, 0, sizeof *v);
    v->changed = true;
    pthread_mutex_lock(&sh->lock);
    struct series_entry *e = series_find(sh, h, m);
    if (e) {
        v->changed = series_record_changed(e->last->json, e->last->json_len, m->json, m->json_len);
        drop = e->last;
    } else {
        e = series_add(sh, h); /* first seen: a change */
    }
    if (e) {
        e->last = metric_ref(m);
        e->seen_mono_ms = mono_ms;
        e->seen_wall_ms = wall_ms;
        /* Stale now (old data) or fresh again: the marked record, or the
         * plain one after it, is a change for every slot. */
        bool refreshed = kpi && series_observe_kpi(e, kpi, mono_ms, wall_ms, v);
        if (refreshed)
            v->changed = true;
        if (v->changed)
            e->changed_mono_ms = mono_ms;
        for (unsigned i = 0; i < slots && i < SERIES_SLOTS; i++) {
            int64_t last = e->published_mono_ms[i];
            if (v->changed || last == 0 || mono_ms - last >= refresh_ms[i]) {
                e->published_mono_ms[i] = mono_ms;
                v->due |= 1u << i;
            }
        }
    } else {
        /* Out of memory: publish it everywhere, remember nothing. */
        v->due = (1u << slots) - 1;
        rc = -1;
    }
    pthread_mutex_unlock(&sh->lock);
    metric_unref(drop); /* the free, if any, outside the lock */
    return rc;
}

size_t series_retire(struct series *t, int64_t mono_ms, int64_t idle_ms,
                     void (*gone)(void *arg, struct metric *last), void *arg)
{
    size_t removed = 0;
    for (size_t i = 0; i < SERIES_SHARDS; i++) {
        struct series_shard *sh = &t->shards[i];
        struct series_entry *list = NULL;
        pthread_mutex_lock(&sh->lock);
        for (size_t b = 0; b < sh->bucket_count; b++)
            for (struct series_entry **pe = &sh->buckets[b]; *pe;) {
                struct series_entry *e = *pe;
                if (mono_ms - e->seen_mono_ms >= idle_ms) {
                    series_alert_set(e, 0, 0);
                    if (e->owner)
                        series_count_move(e->owner, &e->owner->series, -1);
                    *pe = e->next;
                    e->next = list;
                    list = e;
                    sh->count--;
                } else {
                    pe = &e->next;
                }
            }
        pthread_mutex_unlock(&sh->lock);
        /* Outside the lock: `gone` hands a message to a sink. */
        for (struct series_entry *e = list, *next; e; e = next) {
            next = e->next;
            if (gone)
                gone(arg, e->last);
            metric_unref(e->last);
            free(e);
            removed++;
        }
    }
    return removed;
}

size_t series_sweep(struct series *t, size_t shard, int64_t mono_ms, int64_t wall_ms,
                    void (*turned)(void *arg, const struct series_turn *turn), void *arg)
{
    struct series_shard *sh = &t->shards[shard % SERIES_SHARDS];
    size_t n = 0;
    pthread_mutex_lock(&sh->lock);
    for (size_t b = 0; b < sh->bucket_count; b++)
        for (struct series_entry *e = sh->buckets[b]; e; e = e->next) {
            if (e->stale)
                continue;
            int64_t seen = e->seen_mono_ms, confirmed = 0;
            if (e->owner) {
                confirmed = atomic_load_explicit(&e->owner->confirmed_mono_ms, memory_order_relaxed);
                if (atomic_load_explicit(&e->owner->polling, memory_order_relaxed) > 0)
                    confirmed = mono_ms; /* being fetched: only its data's age counts */
            }
            enum fresh_state st = fresh_judge(confirmed > seen ? confirmed : seen, mono_ms,
                                              e->data_ts_ms, wall_ms, e->refresh_ms, e->max_age_ms);
            if (st == FRESH_OK)
                continue;
            uint8_t before = e->alert;
            series_alert_set(e, (uint8_t)(before | SERIES_ALERT_STALE), wall_ms);
            struct series_turn turn = {e->last, e->owner, st == FRESH_OLD_DATA, e->data_ts_ms,
                                       wall_ms, before, e->alert};
            if (turned)
                turned(arg, &turn);
            n++;
        }
    pthread_mutex_unlock(&sh->lock);
    return n;
}

size_t series_foreach(struct series *t, void (*fn)(void *arg, struct metric *last), void *arg)
{
    size_t done = 0;
    for (size_t i = 0; i < SERIES_SHARDS; i++) {
        struct series_shard *sh = &t->shards[i];
        pthread_mutex_lock(&sh->lock);
        size_t n = sh->count, k = 0;
        struct metric **refs = n ? malloc(n * sizeof *refs) : NULL;
        for (size_t b = 0; refs && b < sh->bucket_count; b++)
            for (struct series_entry *e = sh->buckets[b]; e; e = e->next)
                refs[k++] = metric_ref(e->last);
        pthread_mutex_unlock(&sh->lock);
        for (size_t j = 0; j < k; j++) {
            fn(arg, refs[j]);
            metric_unref(refs[j]);
        }
        done += k;
        free(refs);
    }
    return done;
}

size_t series_each_in_shard(struct series *t, size_t shard,
                            void (*fn)(void *arg, struct metric *last), void *arg)
{
    struct series_shard *sh = &t->shards[shard % SERIES_SHARDS];
    size_t n = 0;
    pthread_mutex_lock(&sh->lock);
    for (size_t b = 0; b < sh->bucket_count; b++)
        for (struct series_entry *e = sh->buckets[b]; e; e = e->next, n++)
            fn(arg, e->last);
    pthread_mutex_unlock(&sh->lock);
    return n;
}

size_t series_count(struct series *t)
{
    size_t n = 0;
    for (size_t i = 0; i < SERIES_SHARDS; i++) {
        pthread_mutex_lock(&t->shards[i].lock);
        n += t->shards[i].count;
        pthread_mutex_unlock(&t->shards[i].lock);
    }
    return n;
}

size_t series_each_saved(struct series *t, void (*fn)(void *arg, const struct series_saved *s),
                         void *arg)
{
    size_t done = 0;
    bool short_of_memory = false;
    for (size_t i = 0; i < SERIES_SHARDS; i++) {
        struct series_shard *sh = &t->shards[i];
        pthread_mutex_lock(&sh->lock);
        size_t n = sh->count, k = 0;
        struct series_saved *copy = n ? malloc(n * sizeof *copy) : NULL;
        short_of_memory |= n && !copy;
        for (size_t b = 0; copy && b < sh->bucket_count; b++)
            for (struct series_entry *e = sh->buckets[b]; e; e = e->next, k++) {
                copy[k].last = metric_ref(e->last);
                copy[k].seen_mono_ms = e->seen_mono_ms;
                copy[k].seen_wall_ms = e->seen_wall_ms;
                memcpy(copy[k].published_mono_ms, e->published_mono_ms,
                       sizeof copy[k].published_mono_ms);
            }
        pthread_mutex_unlock(&sh->lock);
        for (size_t j = 0; j < k; j++) {
            fn(arg, &copy[j]);
            metric_unref(copy[j].last);
        }
        done += k;
        free(copy);
    }
    return short_of_memory ? (size_t)-1 : done;
}

int series_restore(struct series *t, const struct series_saved *s)
{
    uint64_t h = series_hash(s->last->series, s->last->series_len);
    struct series_shard *sh = series_shard(t, h);
    int rc = 1;
    pthread_mutex_lock(&sh->lock);
    struct series_entry *e = series_find(sh, h, s->last);
    if (e) {
        rc = 0;
    } else if (!(e = series_add(sh, h))) {
        rc = -1;
    } else {
        e->last = metric_ref(s->last);
        e->seen_mono_ms = s->seen_mono_ms;
        e->seen_wall_ms = s->seen_wall_ms;
        e->changed_mono_ms = s->seen_mono_ms; /* not saved: no older change is known */
        memcpy(e->published_mono_ms, s->published_mono_ms, sizeof e->published_mono_ms);
    }
    pthread_mutex_unlock(&sh->lock);
    return rc;
}
