/* pipeline - see pipeline.h. */
#include "pipeline.h"

#include "alert.h"
#include "clock.h"
#include "freshness.h"
#include "log.h"
#include "metric.h"
#include "normalize.h"
#include "outlog.h"
#include "series.h"
#include "series_store.h"
#include "sink.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sources (connector instances' `source`) one daemon serves, at most. */
#define PIPELINE_SOURCES 1024
/* Freshness sweeps this many shards per tick, a tick at most this often:
 * every series is looked at within SERIES_SHARDS / 8 × 100 ms = 0.8 s,
 * so a series turns stale at most ~1 s after its limit. */
#define PIPELINE_SWEEP_SHARDS 8
#define PIPELINE_SWEEP_TICK_MS 100

struct pipeline_source {
    char *name;
    struct series_owner owner;
    atomic_int_fast64_t last_success_ms; /* wall; 0 = never */
    unsigned summarized;                 /* owner.changes when last summarized */
};

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
    /* The KPI layer: one entry per source (for its summary and counts),
     * never removed; read without the lock up to source_count. */
    struct pipeline_source *sources[PIPELINE_SOURCES];
    atomic_size_t source_count;
    pthread_mutex_t source_lock;  /* adding a source */
    size_t sweep_shard;           /* main loop only: the next shard to sweep */
    int64_t next_look_ms;         /* main loop only: next look for fresh sessions */
    atomic_uint_fast64_t stale_turns, alerts, marks, summaries;
    /* The series state saved across restarts (pipeline_keep_series). */
    char *store_path;                    /* NULL: not kept */
    int64_t save_every_ms, next_save_ms; /* main loop only */
    size_t slot_sink[SERIES_SLOTS];      /* per slot: its sink's index */
    int64_t drained_ms[SERIES_SLOTS];    /* per slot: its outbox was empty then */
    /* The durable outbox ([outbox] dir; NULL = each sink's memory outbox)
     * and, per sink, its slot there (-1: the sink takes metrics at once,
     * stdout). */
    struct outlog *outlog;
    int *log_slot;
};

/* A durable sink's window on the log (logfeed.h): this many metrics at
 * most, a quarter of the outbox's capacity (what is in flight goes back
 * into it on a lost connection, on top). */
#define PIPELINE_WINDOW_MAX 8192

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

/* Every enabled sink, or (only_section non-NULL) that one sink alone,
 * enabled or not, taking every metric. */
static struct pipeline *pipeline_create(const struct config *config, const char *only_section,
                                        bool durable)
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
    p->log_slot = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->log_slot);
    p->series = series_new();
    pthread_mutex_init(&p->source_lock, NULL);
    /* The series state follows [sink.mqtt]'s retire_after (where the
     * retained topics are) even with MQTT off: it bounds the state. */
    p->retire_after_ms = section_ms(config_sink(config, "sink.mqtt"), "retire_after");
    if (p->retire_after_ms <= 0)
        p->retire_after_ms = 7 * 86400000LL;
    p->next_retire_ms = clock_mono_ms() + pipeline_retire_every(p);
    if (!p->province || !p->topic_prefix || !p->sinks || !p->slot || !p->series || !p->resync ||
        !p->resynced || !p->log_slot) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    /* Before the sinks: they are created reading it. */
    if (durable && !only_section && config->outbox_dir && !(p->outlog = outlog_open(config)))
        goto fail;
    /* The catalogue's JSON is made once here: a sink that publishes it
     * (mqtt, retained on _catalog) keeps its own copy. */
    char *catalog = catalog_json(config_catalog(config), config->province);
    if (!catalog) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    struct sink_setup setup = {config->province, &config->outbox_limits, catalog, NULL, 0};
    for (size_t i = 0; i < config->sink_count; i++) {
        if (only_section ? strcmp(config->sinks[i].name, only_section) != 0
                         : !config_sink_enabled(&config->sinks[i]))
            continue;
        int log_slot = p->outlog ? outlog_slot(p->outlog, i) : -1;
        setup.log = log_slot >= 0 ? outlog_disklog(p->outlog) : NULL;
        setup.log_slot = log_slot >= 0 ? (unsigned)log_slot : 0;
        struct sink *s = sink_kinds[i]->create(&config->sinks[i], &setup);
        if (!s) {
            /* The sink has logged why. */
            log_error("cannot set up [%s]", config->sinks[i].name);
            free(catalog);
            goto fail;
        }
        /* Sinks without the key (stdout) take every metric. */
        p->slot[p->count] = -1;
        p->log_slot[p->count] = log_slot;
        p->resync[p->count] = SERIES_SHARDS;
        if (!only_section && section_bool(&config->sinks[i], "on_change") &&
            p->slots < SERIES_SLOTS) {
            p->refresh_ms[p->slots] = section_ms(&config->sinks[i], "refresh");
            p->slot_sink[p->slots] = p->count;
            p->slot[p->count] = (int)p->slots++;
        }
        p->sinks[p->count++] = s;
    }
    free(catalog);
    size_t window = config->outbox_limits.capacity / 4;
    if (window > PIPELINE_WINDOW_MAX)
        window = PIPELINE_WINDOW_MAX;
    for (size_t i = 0; i < p->count; i++)
        if (p->log_slot[i] >= 0 &&
            outlog_feed(p->outlog, p->sinks[i], (unsigned)p->log_slot[i], window) < 0)
            goto fail;
    if (p->count == 0 && !only_section)
        log_warn("no sink is enabled: metrics are checked and counted, then dropped "
                 "(enable [sink.stdout], [sink.mqtt] or [sink.kafka])");
    return p;
fail:
    pipeline_stop(p, 0);
    pipeline_free(p);
    return NULL;
}

struct pipeline *pipeline_new(const struct config *config, bool durable)
{
    return pipeline_create(config, NULL, durable);
}

struct pipeline *pipeline_new_only(const struct config *config, const char *section)
{
    return pipeline_create(config, section, false);
}

bool pipeline_durable(const struct pipeline *p) { return p->outlog != NULL; }

int pipeline_commit(struct pipeline *p) { return p->outlog ? outlog_commit(p->outlog) : 0; }

bool pipeline_outbox_stats(struct pipeline *p, struct outlog_stats *out)
{
    if (!p->outlog)
        return false;
    outlog_stats(p->outlog, out);
    return true;
}

/* Does sink i take a message of kind `kind`? (Each sink's publish
 * filters alike: the screens' state is for screens only.) */
static bool pipeline_takes(const struct pipeline *p, size_t i, uint8_t kind)
{
    return kind != METRIC_SCREEN || p->sinks[i]->ops->screens;
}

/* The entry of source `name` among the first `n`, or NULL. */
static struct pipeline_source *pipeline_source_find(struct pipeline *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p->sources[i]->name, name) == 0)
            return p->sources[i];
    return NULL;
}

/* The entry of source `name`, added on first use; looked for without a
 * lock (a daemon serves a few sources; entries are never removed nor
 * moved). NULL when out of memory or room. */
static struct pipeline_source *pipeline_source(struct pipeline *p, const char *name)
{
    struct pipeline_source *src = pipeline_source_find(p, atomic_load(&p->source_count), name);
    if (src)
        return src;
    pthread_mutex_lock(&p->source_lock);
    size_t n = atomic_load(&p->source_count);
    if (!(src = pipeline_source_find(p, n, name)) && n < PIPELINE_SOURCES &&
        (src = calloc(1, sizeof *src))) {
        if ((src->name = strdup(name))) {
            p->sources[n] = src;
            atomic_store(&p->source_count, n + 1); /* after the entry is whole */
        } else {
            free(src);
            src = NULL;
        }
    }
    pthread_mutex_unlock(&p->source_lock);
    return src;
}

/* The series state's view of a metric's facts (NULL without facts). */
static const struct series_kpi *pipeline_kpi(struct pipeline *p, const struct publish_facts *f,
                                             struct series_kpi *kpi)
{
    if (!f)
        return NULL;
    struct pipeline_source *src = f->source ? pipeline_source(p, f->source) : NULL;
    *kpi = (struct series_kpi){src ? &src->owner : NULL, f->data_ms,
                               fresh_refresh_ms(f->refresh_ms, f->interval_ms), f->max_age_ms,
                               f->status == NORMALIZE_STATUS_BREACH};
    return kpi;
}

/* Hand a KPI message (marker, alert, summary) to every sink: never waits,
 * each sink takes the kinds it publishes (metric.h). */
static void pipeline_send_all(struct pipeline *p, struct metric *m)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < p->count; i++) {
        if (p->log_slot[i] < 0)
            p->sinks[i]->ops->publish(p->sinks[i], m, 0);
        else if (pipeline_takes(p, i, m->kind))
            mask |= 1u << p->log_slot[i];
    }
    if (mask)
        outlog_append(p->outlog, &m, &mask, 1);
}

static const char *const pipeline_alert_names[SERIES_ALERT_STATES] = {"breach", "stale"};

/* One alert per alert state entered or left between `before` and `after`. */
static void pipeline_alerts(struct pipeline *p, const struct metric *last, uint8_t before,
                            uint8_t after, const int64_t *since_wall_ms)
{
    int64_t now = clock_wall_ms();
    for (unsigned i = 0; i < SERIES_ALERT_STATES; i++) {
        unsigned bit = 1u << i;
        if ((before & bit) == (after & bit))
            continue;
        struct metric *a = alert_new(p->topic_prefix, p->province, last, pipeline_alert_names[i],
                                     (after & bit) != 0, since_wall_ms[i], now);
        if (!a) {
            log_error("series %s: out of memory writing its %s alert; not sent", last->series,
                      pipeline_alert_names[i]);
            continue;
        }
        pipeline_send_all(p, a);
        metric_unref(a);
        atomic_fetch_add(&p->alerts, 1);
    }
}

struct pipeline_batch {
    struct pipeline *p;
    struct metric **items; /* PIPELINE_BATCH per sink, sink i's from i * PIPELINE_BATCH */
    size_t *n;             /* per sink */
    int64_t wait_until_ms; /* the latest publish's: the poll's deadline */
    /* For the durable outbox: each metric once, with the mask of the
     * sinks that take it (a stale series' marked record is a second
     * metric, for the screens' sinks only). */
    struct metric *logged[PIPELINE_BATCH];
    uint32_t masks[PIPELINE_BATCH];
    size_t logged_n;
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

static void pipeline_batch_flush_log(struct pipeline_batch *b)
{
    if (!b->logged_n)
        return;
    outlog_append(b->p->outlog, b->logged, b->masks, b->logged_n);
    for (size_t k = 0; k < b->logged_n; k++)
        metric_unref(b->logged[k]);
    b->logged_n = 0;
}

void pipeline_batch_flush(struct pipeline_batch *b)
{
    for (size_t i = 0; b && i < b->p->count; i++)
        if (b->n[i])
            pipeline_batch_flush_sink(b, i);
    if (b)
        pipeline_batch_flush_log(b);
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
    if (p->log_slot[i] >= 0) {
        uint32_t bit = 1u << p->log_slot[i];
        if (!b) {
            outlog_append(p->outlog, &m, &bit, 1);
        } else if (b->logged_n && b->logged[b->logged_n - 1] == m) {
            b->masks[b->logged_n - 1] |= bit; /* the same metric for one more sink */
        } else {
            if (b->logged_n == PIPELINE_BATCH)
                pipeline_batch_flush_log(b);
            b->logged[b->logged_n] = metric_ref(m);
            b->masks[b->logged_n++] = bit;
        }
        return;
    }
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
    struct metric *m = metric_new(p->topic_prefix, p->province, series, json, json_len, seq);
    if (!m)
        return -1;
    struct series_verdict v;
    struct series_kpi kpi;
    if (series_observe(p->series, m, clock_mono_ms(), clock_wall_ms(), p->refresh_ms, p->slots,
                       pipeline_kpi(p, facts, &kpi), &v) < 0)
        log_warn("series %s: out of memory keeping its state; published everywhere", series);
    /* A stale series (its data too old) is shown stale on the screens'
     * sinks (MQTT, on change) whenever they get it: the marked record, in
     * place of the plain one (not counted in marks=, which counts the
     * sweep's extra re-publishes). */
    struct metric *marked = NULL;
    if ((v.alert_after & SERIES_ALERT_STALE) && v.due)
        marked = fresh_marked(m, true, v.since_wall_ms[1], kpi.data_ms, clock_wall_ms());
    if ((v.alert_after & SERIES_ALERT_STALE) && !(v.alert_before & SERIES_ALERT_STALE))
        atomic_fetch_add(&p->stale_turns, 1);
    for (size_t i = 0; i < p->count; i++) {
        int slot = p->slot[i];
        if (slot >= 0 && !(v.due & (1u << slot))) {
            atomic_fetch_add_explicit(&p->sinks[i]->unchanged, 1, memory_order_relaxed);
            continue;
        }
        bool shows_marker = marked && slot >= 0 && p->sinks[i]->ops->screens;
        pipeline_hand(p, facts ? facts->batch : NULL, i, shows_marker ? marked : m, wait_until_ms);
    }
    if (v.alert_before != v.alert_after) {
        /* The alert follows its record: hand the poll's batch over first. */
        if (facts && facts->batch)
            pipeline_batch_flush(facts->batch);
        pipeline_alerts(p, m, v.alert_before, v.alert_after, v.since_wall_ms);
    }
    metric_unref(marked);
    metric_unref(m);
    atomic_fetch_add(&p->published, 1);
    return 0;
}

/* Publish a source's summary when its counts changed since the last one,
 * or always (`force`, at the end of a poll). */
static void pipeline_summarize(struct pipeline *p, struct pipeline_source *src, bool force)
{
    unsigned changes = atomic_load(&src->owner.changes);
    if (!force && changes == src->summarized)
        return;
    src->summarized = changes;
    struct metric *m = fresh_summary(p->topic_prefix, p->province, src->name,
                                     atomic_load(&src->last_success_ms),
                                     atomic_load(&src->owner.series), atomic_load(&src->owner.stale),
                                     atomic_load(&src->owner.breach), clock_wall_ms());
    if (!m) {
        log_error("source %s: out of memory writing its summary; not sent", src->name);
        return;
    }
    pipeline_send_all(p, m);
    metric_unref(m);
    atomic_fetch_add(&p->summaries, 1);
}

void pipeline_poll_begin(struct pipeline *p, const char *source)
{
    struct pipeline_source *src = pipeline_source(p, source);
    if (src)
        atomic_fetch_add(&src->owner.polling, 1);
}

void pipeline_poll_done(struct pipeline *p, const char *source, bool ok, bool confirmed)
{
    struct pipeline_source *src = pipeline_source(p, source);
    if (!src)
        return;
    if (atomic_load(&src->owner.polling) > 0)
        atomic_fetch_sub(&src->owner.polling, 1);
    if (ok)
        atomic_store(&src->last_success_ms, clock_wall_ms());
    if (ok && confirmed)
        atomic_store(&src->owner.confirmed_mono_ms, clock_mono_ms());
    /* Connector threads summarize their own source; the sweep (main loop)
     * may summarize it at the same time: at worst one extra message. */
    pthread_mutex_lock(&p->source_lock);
    pipeline_summarize(p, src, ok);
    pthread_mutex_unlock(&p->source_lock);
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

/* The KPI layer's counters: series and stale now; since the start, turns
 * to stale, stale re-publishes, alerts and summaries sent. */
static void pipeline_log_series(struct pipeline *p)
{
    if (!p->series)
        return;
    long stale = 0;
    size_t n = atomic_load(&p->source_count);
    for (size_t i = 0; i < n; i++)
        stale += atomic_load(&p->sources[i]->owner.stale);
    log_info("series: count=%zu stale=%ld stale_turns=%llu marks=%llu alerts=%llu summaries=%llu",
             series_count(p->series), stale, (unsigned long long)atomic_load(&p->stale_turns),
             (unsigned long long)atomic_load(&p->marks), (unsigned long long)atomic_load(&p->alerts),
             (unsigned long long)atomic_load(&p->summaries));
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
    if (p->outlog) {
        /* Everything appended is committed; the readers stop, and each
         * sink delivers what its window holds: the rest waits in the log
         * for the next start. */
        outlog_commit(p->outlog);
        outlog_stop_feeds(p->outlog);
    }
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
    pipeline_log_series(p);
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

/* A series found stale by the sweep: its marked record to the screens,
 * its alert. Under its shard's lock (series_sweep): pushes never wait. */
static void pipeline_turned_stale(void *arg, const struct series_turn *t)
{
    struct pipeline *p = arg;
    struct metric *marked = fresh_marked(t->last, t->old_data, t->since_wall_ms, t->data_ms,
                                         clock_wall_ms());
    if (marked) {
        pipeline_send_all(p, marked);
        metric_unref(marked);
        atomic_fetch_add(&p->marks, 1);
    }
    int64_t since[SERIES_ALERT_STATES] = {0, t->since_wall_ms};
    pipeline_alerts(p, t->last, t->alert_before, t->alert_after, since);
    atomic_fetch_add(&p->stale_turns, 1);
}

/* Look at the next PIPELINE_SWEEP_SHARDS shards for series turned stale;
 * sources whose counts changed get a new summary. */
static void pipeline_sweep(struct pipeline *p, int64_t now_ms)
{
    int64_t wall = clock_wall_ms();
    size_t turned = 0;
    for (size_t k = 0; k < PIPELINE_SWEEP_SHARDS; k++)
        turned += series_sweep(p->series, p->sweep_shard++ % SERIES_SHARDS, now_ms, wall,
                               pipeline_turned_stale, p);
    if (!turned)
        return;
    size_t n = atomic_load(&p->source_count);
    pthread_mutex_lock(&p->source_lock);
    for (size_t i = 0; i < n; i++)
        pipeline_summarize(p, p->sources[i], false);
    pthread_mutex_unlock(&p->source_lock);
}

/* A publish this close before a look at an empty outbox may still have
 * been on its way in (decided, not yet queued), or sent and not yet
 * acknowledged: it counts as delivered only this much later. */
#define PIPELINE_DRAIN_SLACK_MS 1000

/* Note, per on-change slot, until when everything it was handed has
 * left its outbox. `final`: the sinks are stopped, nothing is on its way. */
static void pipeline_note_drained(struct pipeline *p, int64_t now_ms, bool final)
{
    for (unsigned i = 0; i < p->slots; i++) {
        struct sink *s = p->sinks[p->slot_sink[i]];
        /* What a durable sink was handed is in the log: it will have it. */
        if (p->log_slot[p->slot_sink[i]] >= 0 || !s->ops->pending || s->ops->pending(s) == 0)
            p->drained_ms[i] = final ? now_ms : now_ms - PIPELINE_DRAIN_SLACK_MS;
    }
}

static void pipeline_store_ctx(struct pipeline *p, struct series_store_ctx *ctx,
                               const char **names)
{
    for (unsigned i = 0; i < p->slots; i++)
        names[i] = p->sinks[p->slot_sink[i]]->ops->name;
    *ctx = (struct series_store_ctx){p->topic_prefix, p->province, names, p->slots,
                                     clock_mono_ms(), clock_wall_ms(), p->drained_ms,
                                     p->retire_after_ms};
}

/* Returns the count saved, or -1 (logged). */
static long pipeline_store_save(struct pipeline *p)
{
    const char *names[SERIES_SLOTS];
    struct series_store_ctx ctx;
    char err[512];
    pipeline_store_ctx(p, &ctx, names);
    long n = series_store_save(p->store_path, p->series, &ctx, err, sizeof err);
    if (n < 0)
        log_warn("series state %s; the previous file is kept", err);
    return n;
}

void pipeline_keep_series(struct pipeline *p, const char *state_dir, const char *instance,
                          int64_t save_every_ms, bool republish)
{
    int n = instance ? asprintf(&p->store_path, "%s/" SERIES_STORE_FILE_OF, state_dir, instance)
                     : asprintf(&p->store_path, "%s/" SERIES_STORE_FILE, state_dir);
    if (n < 0) {
        p->store_path = NULL;
        log_error("series state: out of memory: it is not kept across restarts");
        return;
    }
    p->save_every_ms = save_every_ms;
    p->next_save_ms = save_every_ms > 0 ? clock_mono_ms() + save_every_ms : 0;
    if (republish) {
        log_info("series state %s: not read (--republish): every series is published at its "
                 "first poll", p->store_path);
        return;
    }
    const char *names[SERIES_SLOTS];
    struct series_store_ctx ctx;
    struct series_store_report r;
    char err[512];
    pipeline_store_ctx(p, &ctx, names);
    int rc = series_store_load(p->store_path, p->series, &ctx, &r, err, sizeof err);
    if (rc == 0) {
        log_info("series state %s: none saved: every series is published at its first poll",
                 p->store_path);
    } else if (rc < 0) {
        log_warn("series state %s; starting with an empty cache: every series is published at "
                 "its first poll", err);
    } else {
        char after[32];
        pipeline_duration(after, sizeof after, p->retire_after_ms);
        for (size_t i = 0; r.restored && i < p->count; i++)
            if (p->sinks[i]->ops->restored)
                p->sinks[i]->ops->restored(p->sinks[i]);
        log_info("series state %s: %zu series restored (%zu not seen for %s dropped): an "
                 "unchanged value waits for its refresh", p->store_path, r.restored, r.retired,
                 after);
        if (r.slots_known < r.slots_saved)
            log_info("series state %s: the publish times of %u sink%s no longer publishing on "
                     "change are ignored", p->store_path, r.slots_saved - r.slots_known,
                     r.slots_saved - r.slots_known == 1 ? "" : "s");
    }
}

void pipeline_save_series(struct pipeline *p)
{
    if (!p->store_path)
        return;
    pipeline_note_drained(p, clock_mono_ms(), true);
    long n = pipeline_store_save(p);
    if (n >= 0)
        log_info("series state %s: %ld series saved", p->store_path, n);
}

int64_t pipeline_tick(struct pipeline *p, int64_t now_ms)
{
    pipeline_sweep(p, now_ms);
    if (p->outlog)
        outlog_tick(p->outlog, now_ms); /* the sweep's markers and alerts, committed */
    bool resyncing = false, watching = false;
    /* The sweep brings the loop back every 100 ms; fresh sessions are
     * still looked for once a second (or on every tick of a round). */
    bool look = now_ms >= p->next_look_ms;
    for (size_t i = 0; i < p->count; i++) {
        if (look || p->resync[i] < SERIES_SHARDS)
            resyncing |= pipeline_resync(p, i);
        watching |= p->sinks[i]->ops->take_fresh_session != NULL;
    }
    if (look)
        p->next_look_ms = now_ms + PIPELINE_RESYNC_LOOK_MS;
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
    if (p->store_path) {
        pipeline_note_drained(p, now_ms, false);
        if (p->next_save_ms && now_ms >= p->next_save_ms) {
            long n = pipeline_store_save(p);
            if (n >= 0)
                log_debug("series state %s: %ld series saved", p->store_path, n);
            p->next_save_ms = clock_mono_ms() + p->save_every_ms;
        }
    }
    int64_t wait = p->next_retire_ms - now_ms;
    if (p->next_save_ms && p->next_save_ms - now_ms < wait)
        wait = p->next_save_ms - now_ms;
    int64_t cap = resyncing ? PIPELINE_RESYNC_TICK_MS : watching ? PIPELINE_RESYNC_LOOK_MS : wait;
    if (cap > PIPELINE_SWEEP_TICK_MS)
        cap = PIPELINE_SWEEP_TICK_MS;
    return wait < cap ? wait : cap;
}

void pipeline_log_counters(struct pipeline *p)
{
    pipeline_log_series(p);
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->log_counters(p->sinks[i]);
    if (p->outlog)
        outlog_log_counters(p->outlog);
}

uint64_t pipeline_published(const struct pipeline *p) { return atomic_load(&p->published); }

void pipeline_tally_text(const struct pipeline *p, char *buf, size_t len)
{
    sink_tally_text(p->sinks, p->count, atomic_load(&p->published), buf, len);
    size_t used = strlen(buf);
    if (p->outlog && used < len)
        outlog_left_text(p->outlog, buf + used, len - used);
}

size_t pipeline_sink_stats(struct pipeline *p, struct sink_stats *out, size_t max, int64_t now_ms)
{
    size_t n = 0;
    for (; n < p->count && n < max; n++) {
        struct sink *s = p->sinks[n];
        out[n] = (struct sink_stats){.name = s->ops->name};
        if (s->ops->stats)
            s->ops->stats(s, &out[n], now_ms);
    }
    return n;
}

bool pipeline_source_series(struct pipeline *p, const char *source, uint64_t *series,
                            uint64_t *stale)
{
    struct pipeline_source *src =
        pipeline_source_find(p, atomic_load(&p->source_count), source);
    *series = src ? atomic_load(&src->owner.series) : 0;
    *stale = src ? atomic_load(&src->owner.stale) : 0;
    return src != NULL;
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    outlog_stop_feeds(p->outlog); /* they hand metrics to the sinks */
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->free(p->sinks[i]);
    outlog_close(p->outlog); /* after the sinks: no acknowledgement comes later */
    free(p->log_slot);
    free(p->sinks);
    free(p->slot);
    free(p->resync);
    free(p->resynced);
    free(p->store_path);
    series_free(p->series);
    for (size_t i = 0; i < atomic_load(&p->source_count); i++) {
        free(p->sources[i]->name);
        free(p->sources[i]);
    }
    pthread_mutex_destroy(&p->source_lock);
    free(p->province);
    free(p->topic_prefix);
    free(p);
}
