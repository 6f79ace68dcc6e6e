/* pipeline - see pipeline.h. */
#include "pipeline.h"

#include "clock.h"
#include "log.h"
#include "metric.h"
#include "series.h"
#include "sink.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pipeline {
    struct sink **sinks; /* the enabled ones, in the order of sink_kinds[] */
    size_t count;
    char *province, *topic_prefix;
    atomic_uint_fast64_t published;
    struct series *series;
    int *slot;                           /* per sink: its on-change slot, or -1 */
    unsigned slots;                      /* on-change sinks */
    int64_t refresh_ms[SERIES_SLOTS];    /* per slot */
    int64_t retire_after_ms;
    int64_t next_retire_ms;              /* main loop only */
    size_t *resync;      /* per sink: next shard to re-publish, SERIES_SHARDS = none */
    size_t *resynced;    /* per sink: series re-published in this round */
};

/* Re-publishing every series for a fresh session goes a shard at a time
 * while the sink's outbox holds fewer than this: new values queue behind
 * at most this many plus a shard's worth (about N/64), never behind all. */
#define PIPELINE_RESYNC_BACKLOG 2000
/* How soon the main loop comes back while a re-publish is under way, and
 * at the latest to notice a fresh session (a flag the network thread
 * sets; one look a second costs nothing and starts the re-publish
 * within a second of the reconnection). */
#define PIPELINE_RESYNC_TICK_MS 20
#define PIPELINE_RESYNC_LOOK_MS 1000

/* How often idle series are looked for: a tenth of retire_after, between
 * half a second and a minute (a sweep visits every series). */
static int64_t pipeline_retire_every(const struct pipeline *p)
{
    int64_t every = p->retire_after_ms / 10;
    return every < 500 ? 500 : every > 60000 ? 60000 : every;
}

struct pipeline *pipeline_new(const struct config *config)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        log_error("cannot set up the sinks: out of memory");
        return NULL;
    }
    /* The MQTT topic is built once per metric, in the metric's own block,
     * from [sink.mqtt]'s topic_prefix (the key has a default). */
    const char *prefix = section_text(config_sink(config, "sink.mqtt"), "topic_prefix");
    p->province = strdup(config->province);
    p->topic_prefix = strdup(prefix ? prefix : "ioc/v1");
    p->sinks = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->sinks);
    p->slot = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->slot);
    p->resync = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->resync);
    p->resynced = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->resynced);
    p->series = series_new();
    /* The series state follows [sink.mqtt]'s retire_after (where the
     * retained topics are) even with MQTT off: it bounds the state. */
    p->retire_after_ms = section_ms(config_sink(config, "sink.mqtt"), "retire_after");
    if (p->retire_after_ms <= 0)
        p->retire_after_ms = 7 * 86400000LL;
    p->next_retire_ms = clock_mono_ms() + pipeline_retire_every(p);
    if (!p->province || !p->topic_prefix || !p->sinks || !p->slot || !p->series || !p->resync ||
        !p->resynced) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    /* The catalogue's JSON is made once here: a sink that publishes it
     * (mqtt, retained on _catalog) keeps its own copy. */
    char *catalog = catalog_json(config_catalog(config), config->province);
    if (!catalog) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    struct sink_setup setup = {config->province, &config->outbox_limits, catalog};
    for (size_t i = 0; i < config->sink_count; i++) {
        if (!config_sink_enabled(&config->sinks[i]))
            continue;
        struct sink *s = sink_kinds[i]->create(&config->sinks[i], &setup);
        if (!s) {
            /* The sink has logged why. */
            log_error("cannot set up [%s]", config->sinks[i].name);
            free(catalog);
            goto fail;
        }
        /* Sinks without the key (stdout) take every metric. */
        p->slot[p->count] = -1;
        p->resync[p->count] = SERIES_SHARDS;
        if (section_bool(&config->sinks[i], "on_change") && p->slots < SERIES_SLOTS) {
            p->refresh_ms[p->slots] = section_ms(&config->sinks[i], "refresh");
            p->slot[p->count] = (int)p->slots++;
        }
        p->sinks[p->count++] = s;
    }
    free(catalog);
    if (p->count == 0)
        log_warn("no sink is enabled: metrics are checked and counted, then dropped "
                 "(enable [sink.stdout], [sink.mqtt] or [sink.kafka])");
    return p;
fail:
    pipeline_stop(p, 0);
    pipeline_free(p);
    return NULL;
}

struct pipeline_batch {
    struct pipeline *p;
    struct metric **items; /* PIPELINE_BATCH per sink, sink i's from i * PIPELINE_BATCH */
    size_t *n;             /* per sink */
    int64_t wait_until_ms; /* the latest publish's: the poll's deadline */
};

struct pipeline_batch *pipeline_batch_new(struct pipeline *p)
{
    struct pipeline_batch *b = calloc(1, sizeof *b);
    size_t sinks = p->count ? p->count : 1;
    if (!b || !(b->items = calloc(sinks * PIPELINE_BATCH, sizeof *b->items)) ||
        !(b->n = calloc(sinks, sizeof *b->n))) {
        if (b)
            free(b->items);
        free(b);
        return NULL;
    }
    b->p = p;
    return b;
}

static void pipeline_batch_flush_sink(struct pipeline_batch *b, size_t i)
{
    struct sink *s = b->p->sinks[i];
    struct metric **items = b->items + i * PIPELINE_BATCH;
    s->ops->publish_batch(s, items, b->n[i], b->wait_until_ms);
    for (size_t k = 0; k < b->n[i]; k++)
        metric_unref(items[k]);
    b->n[i] = 0;
}

void pipeline_batch_flush(struct pipeline_batch *b)
{
    for (size_t i = 0; b && i < b->p->count; i++)
        if (b->n[i])
            pipeline_batch_flush_sink(b, i);
}

void pipeline_batch_free(struct pipeline_batch *b)
{
    if (!b)
        return;
    pipeline_batch_flush(b);
    free(b->items);
    free(b->n);
    free(b);
}

/* Give `m` to sink i: into the batch when there is one and the sink takes
 * batches, else at once. */
static void pipeline_hand(struct pipeline *p, struct pipeline_batch *b, size_t i,
                          struct metric *m, int64_t wait_until_ms)
{
    struct sink *s = p->sinks[i];
    if (!b || !s->ops->publish_batch) {
        s->ops->publish(s, m, wait_until_ms);
        return;
    }
    b->items[i * PIPELINE_BATCH + b->n[i]++] = metric_ref(m);
    b->wait_until_ms = wait_until_ms;
    if (b->n[i] == PIPELINE_BATCH)
        pipeline_batch_flush_sink(b, i);
}

int pipeline_publish(struct pipeline *p, const char *series, const char *json, size_t json_len,
                     uint64_t seq, const struct publish_facts *facts, int64_t wait_until_ms)
{
    (void)facts; /* for the KPI layer's freshness and alerts */
    struct metric *m = metric_new(p->topic_prefix, p->province, series, json, json_len, seq);
    if (!m)
        return -1;
    struct series_verdict v;
    if (series_observe(p->series, m, clock_mono_ms(), clock_wall_ms(), p->refresh_ms, p->slots,
                       &v) < 0)
        log_warn("series %s: out of memory keeping its state; published everywhere", series);
    for (size_t i = 0; i < p->count; i++) {
        int slot = p->slot[i];
        if (slot >= 0 && !(v.due & (1u << slot))) {
            atomic_fetch_add_explicit(&p->sinks[i]->unchanged, 1, memory_order_relaxed);
            continue;
        }
        pipeline_hand(p, facts ? facts->batch : NULL, i, m, wait_until_ms);
    }
    metric_unref(m);
    atomic_fetch_add(&p->published, 1);
    return 0;
}

void pipeline_status(struct pipeline *p, const char *instance, const char *text)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->sinks[i]->ops->status)
            p->sinks[i]->ops->status(p->sinks[i], instance, text);
}

void pipeline_flush(struct pipeline *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->sinks[i]->ops->flush)
            p->sinks[i]->ops->flush(p->sinks[i]);
}

struct pipeline_stopper {
    struct sink *sink;
    int64_t deadline_ms;
    size_t undelivered;
};

static void *pipeline_stop_one(void *arg)
{
    struct pipeline_stopper *st = arg;
    st->undelivered = st->sink->ops->stop(st->sink, st->deadline_ms);
    return NULL;
}

size_t pipeline_stop(struct pipeline *p, int64_t timeout_ms)
{
    size_t n = p->count ? p->count : 1;
    struct pipeline_stopper st[n];
    pthread_t threads[n];
    bool started[n];
    int64_t deadline = clock_mono_ms() + timeout_ms;
    /* In parallel: a dead MQTT broker must not eat Kafka's share of the
     * shutdown time. */
    for (size_t i = 0; i < p->count; i++) {
        st[i] = (struct pipeline_stopper){p->sinks[i], deadline, 0};
        started[i] = pthread_create(&threads[i], NULL, pipeline_stop_one, &st[i]) == 0;
        if (!started[i])
            pipeline_stop_one(&st[i]);
    }
    size_t undelivered = 0;
    for (size_t i = 0; i < p->count; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        undelivered += st[i].undelivered;
    }
    return undelivered;
}

static void pipeline_retire_one(void *arg, struct metric *last)
{
    struct pipeline *p = arg;
    for (size_t i = 0; i < p->count; i++)
        if (p->sinks[i]->ops->retire)
            p->sinks[i]->ops->retire(p->sinks[i], last);
}

/* "7d", "90min", "2s": a duration as a person would write it. */
static void pipeline_duration(char *buf, size_t len, int64_t ms)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}, {1, "ms"},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, len, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            return;
        }
}

static void pipeline_resend_one(void *arg, struct metric *last)
{
    struct sink *s = arg;
    /* Never waits: this runs under a series shard's lock. */
    s->ops->publish(s, last, 0);
    atomic_fetch_add_explicit(&s->resent, 1, memory_order_relaxed);
}

/* A sink whose broker started a fresh session gets every series' last
 * value again, a shard at a time while its outbox is short. Returns true
 * while a round is under way. */
static bool pipeline_resync(struct pipeline *p, size_t i)
{
    struct sink *s = p->sinks[i];
    if (!s->ops->take_fresh_session)
        return false;
    if (s->ops->take_fresh_session(s)) {
        log_info("sink %s: the broker started a fresh session: re-publishing the last value of "
                 "%zu series, paced", s->ops->name, series_count(p->series));
        p->resync[i] = 0;
        p->resynced[i] = 0;
    }
    if (p->resync[i] >= SERIES_SHARDS)
        return false;
    while (p->resync[i] < SERIES_SHARDS &&
           (!s->ops->pending || s->ops->pending(s) < PIPELINE_RESYNC_BACKLOG))
        p->resynced[i] += series_each_in_shard(p->series, p->resync[i]++, pipeline_resend_one, s);
    if (p->resync[i] < SERIES_SHARDS)
        return true;
    log_info("sink %s: re-published the last value of %zu series for the fresh session",
             s->ops->name, p->resynced[i]);
    return false;
}

int64_t pipeline_tick(struct pipeline *p, int64_t now_ms)
{
    bool resyncing = false, watching = false;
    for (size_t i = 0; i < p->count; i++) {
        resyncing |= pipeline_resync(p, i);
        watching |= p->sinks[i]->ops->take_fresh_session != NULL;
    }
    if (now_ms >= p->next_retire_ms) {
        p->next_retire_ms = now_ms + pipeline_retire_every(p);
        size_t n = series_retire(p->series, now_ms, p->retire_after_ms, pipeline_retire_one, p);
        if (n) {
            char after[32];
            pipeline_duration(after, sizeof after, p->retire_after_ms);
            log_info("series: %zu retired (not seen for %s): left the series state, retained "
                     "topics cleared; %zu remain", n, after, series_count(p->series));
        }
    }
    int64_t wait = p->next_retire_ms - now_ms;
    int64_t cap = resyncing ? PIPELINE_RESYNC_TICK_MS : watching ? PIPELINE_RESYNC_LOOK_MS : wait;
    return wait < cap ? wait : cap;
}

void pipeline_log_counters(struct pipeline *p)
{
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->log_counters(p->sinks[i]);
}

uint64_t pipeline_published(const struct pipeline *p) { return atomic_load(&p->published); }

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->free(p->sinks[i]);
    free(p->sinks);
    free(p->slot);
    free(p->resync);
    free(p->resynced);
    series_free(p->series);
    free(p->province);
    free(p->topic_prefix);
    free(p);
}
