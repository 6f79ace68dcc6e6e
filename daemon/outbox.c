/*
 * outbox - see outbox.h. One FIFO per source, each a ring of metric
 * pointers that grows by doubling (sources are few: a lookup is a short
 * scan, remembered for the next push); the consumer takes one metric from
 * each non-empty FIFO in turn. One mutex and one condition variable per
 * outbox, taken once per push, batch, requeue or pop.
 */
#include "outbox.h"

#include "clock.h"
#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTBOX_FIFO_FIRST 64 /* slots of a new source's ring */

/* The metrics of one source waiting, oldest at `head`. */
struct outbox_fifo {
    char *source;
    size_t source_len;
    struct metric **ring;
    size_t size, head, length; /* size: a power of two */
};

struct outbox {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    pthread_cond_t room;      /* a pop or a wake: pushers waiting for room */
    char *name;
    struct outbox_fifo *fifos;
    size_t fifo_count, fifo_slots;
    size_t last_fifo;         /* the one the last push used: batches hit it */
    size_t turn;              /* the FIFO the consumer takes from next */
    size_t capacity, length;  /* all sources together */
    uint64_t max_bytes, bytes;
    struct outbox_counters counters;
    struct droplog drops;     /* the loss episode's lines */
    char cause_full[160];     /* its causes, as they read in those lines */
    int woken;
    int notify_fd;            /* eventfd of a consumer that polls; -1 none */
    bool consumer_waiting;    /* outbox_idle said true; nothing pushed since */
    bool durable_window;      /* outbox_set_durable_window */
};

struct outbox *outbox_new(const char *name, const struct outbox_limits *limits)
{
    struct outbox *o = calloc(1, sizeof *o);
    if (!o || !(o->name = strdup(name))) {
        free(o);
        return NULL;
    }
    o->capacity = limits->capacity ? limits->capacity : 1;
    o->notify_fd = -1;
    o->max_bytes = limits->max_bytes ? limits->max_bytes : UINT64_MAX;
    droplog_init(&o->drops, name, 0);
    if (limits->max_bytes)
        snprintf(o->cause_full, sizeof o->cause_full,
                 "outbox full (%zu metrics or %llu bytes): the broker is unreachable or not "
                 "keeping up; the oldest dropped", o->capacity,
                 (unsigned long long)limits->max_bytes);
    else
        snprintf(o->cause_full, sizeof o->cause_full,
                 "outbox full (%zu metrics): the broker is unreachable or not keeping up; the "
                 "oldest dropped", o->capacity);
    pthread_mutex_init(&o->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&o->nonempty, &attr);
    pthread_cond_init(&o->room, &attr);
    pthread_condattr_destroy(&attr);
    return o;
}

size_t outbox_free(struct outbox *o)
{
    if (!o)
        return 0;
    size_t left = o->length;
    for (size_t f = 0; f < o->fifo_count; f++) {
        struct outbox_fifo *q = &o->fifos[f];
        for (size_t i = 0; i < q->length; i++)
            metric_unref(q->ring[(q->head + i) & (q->size - 1)]);
        free(q->ring);
        free(q->source);
    }
    free(o->fifos);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->nonempty);
    pthread_cond_destroy(&o->room);
    free(o->name);
    free(o);
    return left;
}

/* ---- one source's FIFO ---- */

/* A metric's source: its series key up to the first '/' ("dvc"). */
static size_t outbox_source_len(const struct metric *m)
{
    const char *slash = memchr(m->series, '/', m->series_len);
    return slash ? (size_t)(slash - m->series) : m->series_len;
}

/* The FIFO of `m`'s source, created on first use; NULL when out of
 * memory. Lock held. */
static struct outbox_fifo *outbox_fifo_of(struct outbox *o, const struct metric *m)
{
    size_t len = outbox_source_len(m);
    for (size_t k = 0; k < o->fifo_count; k++) {
        size_t f = (o->last_fifo + k) % o->fifo_count;
        if (o->fifos[f].source_len == len && memcmp(o->fifos[f].source, m->series, len) == 0) {
            o->last_fifo = f;
            return &o->fifos[f];
        }
    }
    if (o->fifo_count == o->fifo_slots) {
        size_t slots = o->fifo_slots ? 2 * o->fifo_slots : 8;
        struct outbox_fifo *more = realloc(o->fifos, slots * sizeof *more);
        if (!more)
            return NULL;
        o->fifos = more;
        o->fifo_slots = slots;
    }
    struct outbox_fifo *q = &o->fifos[o->fifo_count];
    *q = (struct outbox_fifo){.source = strndup(m->series, len), .source_len = len};
    if (!q->source || !(q->ring = malloc(OUTBOX_FIFO_FIRST * sizeof *q->ring))) {
        free(q->source);
        return NULL;
    }
    q->size = OUTBOX_FIFO_FIRST;
    o->last_fifo = o->fifo_count++;
    return q;
}

/* Room for one more in `q`'s ring: -1 when out of memory. */
static int outbox_fifo_reserve(struct outbox_fifo *q)
{
    if (q->length < q->size)
        return 0;
    struct metric **ring = malloc(2 * q->size * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < q->length; i++)
        ring[i] = q->ring[(q->head + i) & (q->size - 1)];
    free(q->ring);
    q->ring = ring;
    q->head = 0;
    q->size *= 2;
    return 0;
}

static struct metric *outbox_fifo_take(struct outbox *o, struct outbox_fifo *q)
{
    struct metric *m = q->ring[q->head];
    q->head = (q->head + 1) & (q->size - 1);
    q->length--;
    o->length--;
    o->bytes -= m->size;
    o->counters.records_held -= outbox_is_record(m);
    return m;
}

/* `m` joins q's ring (at the back, or at the front for a requeue). Lock
 * held, room reserved. */
static void outbox_fifo_put(struct outbox *o, struct outbox_fifo *q, struct metric *m, bool front)
{
    if (front) {
        q->head = (q->head + q->size - 1) & (q->size - 1);
        q->ring[q->head] = m;
    } else {
        q->ring[(q->head + q->length) & (q->size - 1)] = m;
    }
    q->length++;
    o->length++;
    o->bytes += m->size;
    o->counters.records_held += outbox_is_record(m);
}

/* ---- bounds ---- */

static const char OUTBOX_CAUSE_REQUEUE[] =
    "requeue overflow: unacknowledged metrics put back into a full outbox; the oldest dropped";
static const char OUTBOX_CAUSE_MEMORY[] = "out of memory queueing them";
static const char OUTBOX_CAUSE_KPI[] =
    "KPI messages (summaries, stale marks, alerts) that found the outbox full: not queued";

/* `m` is dropped (and released) for `cause`: counted once, in the
 * cause's counter, and told in the loss episode's lines. Lock held. */
static void outbox_drop(struct outbox *o, struct metric *m, const char *cause)
{
    if (cause == OUTBOX_CAUSE_REQUEUE)
        o->counters.dropped_requeue++;
    else if (cause == OUTBOX_CAUSE_KPI)
        o->counters.dropped_kpi++;
    else
        o->counters.dropped_full++;
    o->counters.records_dropped += outbox_is_record(m);
    metric_unref(m);
    droplog_drop(&o->drops, cause, 1, clock_mono_ms());
}

/* Drop the oldest metric of the source with the most waiting (the first
 * such source on a tie): a source that floods the outbox loses its own
 * oldest values, not a quiet source's. Lock held, length > 0. */
static void outbox_drop_oldest(struct outbox *o)
{
    struct outbox_fifo *largest = NULL;
    for (size_t f = 0; f < o->fifo_count; f++)
        if (!largest || o->fifos[f].length > largest->length)
            largest = &o->fifos[f];
    outbox_drop(o, outbox_fifo_take(o, largest), o->cause_full);
}

/* Tell a consumer asleep in poll(2) that there is work. Lock held. */
static void outbox_notify(struct outbox *o, bool always)
{
    if (o->notify_fd < 0 || !(always || o->consumer_waiting))
        return;
    o->consumer_waiting = false;
    uint64_t one = 1;
    /* Only fails when the counter is saturated: it is awake anyway. */
    if (write(o->notify_fd, &one, sizeof one) < 0) {
    }
}

static bool outbox_over(const struct outbox *o, const struct metric *m)
{
    return o->length == o->capacity || (o->length > 0 && o->bytes + m->size > o->max_bytes);
}

/* Append `m` (the caller's reference becomes the outbox's), after waiting
 * for room until `deadline_ms`, then dropping the oldest. Lock held. */
static void outbox_append(struct outbox *o, struct metric *m, int64_t deadline_ms)
{
    if (deadline_ms > 0 && outbox_over(o, m)) {
        /* The consumer may be asleep on what was appended so far. */
        pthread_cond_signal(&o->nonempty);
        outbox_notify(o, false);
        struct timespec until = clock_timespec(deadline_ms);
        while (outbox_over(o, m) && clock_mono_ms() < deadline_ms)
            if (pthread_cond_timedwait(&o->room, &o->lock, &until) != 0)
                break;
    }
    if (m->kind != METRIC_RECORD && outbox_over(o, m)) {
        outbox_drop(o, m, OUTBOX_CAUSE_KPI);
        return;
    }
    if (o->durable_window && outbox_over(o, m)) {
        /* The log's records are never dropped here (the feeder keeps the
         * window well under the bounds); a message from memory is. */
        if (!metric_logged(m)) {
            outbox_drop(o, m, o->cause_full);
            return;
        }
    } else {
        while (outbox_over(o, m))
            outbox_drop_oldest(o);
    }
    o->counters.queued++;
    o->counters.records_in += outbox_is_record(m);
    struct outbox_fifo *q = outbox_fifo_of(o, m);
    if (!q || outbox_fifo_reserve(q) < 0) {
        outbox_drop(o, m, OUTBOX_CAUSE_MEMORY);
        return;
    }
    outbox_fifo_put(o, q, m, false);
}

/* ---- the API ---- */

void outbox_push_batch(struct outbox *o, struct metric *const *items, size_t n,
                       int64_t deadline_ms)
{
    if (n == 0)
        return;
    pthread_mutex_lock(&o->lock);
    for (size_t i = 0; i < n; i++)
        outbox_append(o, metric_ref(items[i]), deadline_ms);
    pthread_cond_signal(&o->nonempty);
    outbox_notify(o, false);
    pthread_mutex_unlock(&o->lock);
}

void outbox_push_wait(struct outbox *o, struct metric *m, int64_t deadline_ms)
{
    outbox_push_batch(o, &m, 1, deadline_ms);
}

void outbox_push(struct outbox *o, struct metric *m)
{
    outbox_push_batch(o, &m, 1, 0);
}

void outbox_requeue(struct outbox *o, struct metric **items, size_t n)
{
    pthread_mutex_lock(&o->lock);
    /* Walk backwards so items[0] ends up first in its source's FIFO. When
     * full, the requeued metrics are the oldest: they are the ones dropped. */
    for (size_t i = n; i-- > 0;) {
        struct outbox_fifo *q = NULL;
        bool keep = o->durable_window && metric_logged(items[i]);
        if (!keep && (o->length >= o->capacity || o->bytes + items[i]->size > o->max_bytes)) {
            outbox_drop(o, items[i], OUTBOX_CAUSE_REQUEUE);
            continue;
        }
        if (!(q = outbox_fifo_of(o, items[i])) || outbox_fifo_reserve(q) < 0) {
            outbox_drop(o, items[i], OUTBOX_CAUSE_MEMORY);
            continue;
        }
        outbox_fifo_put(o, q, items[i], true);
        o->counters.requeued++;
    }
    pthread_cond_signal(&o->nonempty);
    outbox_notify(o, false);
    pthread_mutex_unlock(&o->lock);
}

size_t outbox_pop(struct outbox *o, struct metric **items, size_t max, int64_t wait_ms)
{
    pthread_mutex_lock(&o->lock);
    if (o->length == 0 && wait_ms > 0 && !o->woken) {
        struct timespec ts = clock_after_ms(CLOCK_MONOTONIC, wait_ms);
        while (o->length == 0 && !o->woken)
            if (pthread_cond_timedwait(&o->nonempty, &o->lock, &ts) != 0)
                break;
    }
    o->woken = 0;
    size_t n = 0;
    /* Round robin: one metric from each source that has any, in turn. */
    while (n < max && o->length > 0) {
        struct outbox_fifo *q = &o->fifos[o->turn];
        o->turn = (o->turn + 1) % o->fifo_count;
        if (q->length > 0)
            items[n++] = outbox_fifo_take(o, q);
    }
    if (n > 0)
        pthread_cond_broadcast(&o->room);
    /* The backlog of a loss episode is handed over: the episode is over. */
    if (n > 0 && o->length == 0)
        droplog_end(&o->drops, clock_mono_ms());
    else
        droplog_tick(&o->drops, clock_mono_ms());
    pthread_mutex_unlock(&o->lock);
    return n;
}

void outbox_wake(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    o->woken = 1;
    pthread_cond_broadcast(&o->nonempty);
    pthread_cond_broadcast(&o->room);
    outbox_notify(o, true);
    pthread_mutex_unlock(&o->lock);
}

void outbox_set_durable_window(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    o->durable_window = true;
    pthread_mutex_unlock(&o->lock);
}

void outbox_set_notify_fd(struct outbox *o, int fd)
{
    pthread_mutex_lock(&o->lock);
    o->notify_fd = fd;
    pthread_mutex_unlock(&o->lock);
}

bool outbox_idle(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    bool idle = o->length == 0 && !o->woken;
    o->consumer_waiting = idle;
    pthread_mutex_unlock(&o->lock);
    return idle;
}

void outbox_tick(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    droplog_tick(&o->drops, clock_mono_ms());
    pthread_mutex_unlock(&o->lock);
}

void outbox_end_episode(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    droplog_end(&o->drops, clock_mono_ms());
    pthread_mutex_unlock(&o->lock);
}

void outbox_set_drop_writer(struct outbox *o, droplog_writer *write, void *ctx)
{
    pthread_mutex_lock(&o->lock);
    droplog_set_writer(&o->drops, write, ctx);
    pthread_mutex_unlock(&o->lock);
}

void outbox_counters(struct outbox *o, struct outbox_counters *out)
{
    pthread_mutex_lock(&o->lock);
    *out = o->counters;
    out->length = o->length;
    out->bytes = o->bytes;
    pthread_mutex_unlock(&o->lock);
}
