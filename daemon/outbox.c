/*
 * outbox - see outbox.h. A ring buffer of metric pointers: push at the
 * tail, pop and requeue at the head, O(1) each, one mutex and one
 * condition variable per outbox.
 */
#include "outbox.h"

#include "clock.h"
#include "log.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOX_DROP_LOG_INTERVAL_S 60

struct outbox {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    pthread_cond_t room;      /* a pop or a wake: pushers waiting for room */
    char *name;
    struct metric **ring;
    size_t capacity, head, length;
    uint64_t max_bytes, bytes;
    struct outbox_counters counters;
    uint64_t drops_unlogged; /* since the last drop log line */
    time_t last_drop_log;
    int woken;
};

struct outbox *outbox_new(const char *name, const struct outbox_limits *limits)
{
    size_t capacity = limits->capacity;
    struct outbox *o = calloc(1, sizeof *o);
    if (!o || !(o->ring = calloc(capacity ? capacity : 1, sizeof *o->ring)) ||
        !(o->name = strdup(name))) {
        if (o)
            free(o->ring);
        free(o);
        return NULL;
    }
    o->capacity = capacity ? capacity : 1;
    o->max_bytes = limits->max_bytes ? limits->max_bytes : UINT64_MAX;
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
    for (size_t i = 0; i < o->length; i++)
        metric_unref(o->ring[(o->head + i) % o->capacity]);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->nonempty);
    pthread_cond_destroy(&o->room);
    free(o->ring);
    free(o->name);
    free(o);
    return left;
}

/* Drop the oldest metric to make room. Lock held. */
static void outbox_drop_oldest(struct outbox *o)
{
    o->bytes -= o->ring[o->head]->size;
    metric_unref(o->ring[o->head]);
    o->head = (o->head + 1) % o->capacity;
    o->length--;
    o->counters.dropped_full++;
    o->drops_unlogged++;
    time_t now = time(NULL);
    if (now - o->last_drop_log >= OUTBOX_DROP_LOG_INTERVAL_S) {
        log_warn("%s: outbox full (%zu metrics or %llu bytes): dropped the oldest %llu "
                 "metric%s; the broker is not keeping up or unreachable", o->name, o->capacity,
                 (unsigned long long)o->max_bytes,
                 (unsigned long long)o->drops_unlogged, o->drops_unlogged == 1 ? "" : "s");
        o->drops_unlogged = 0;
        o->last_drop_log = now;
    }
}

static bool outbox_over(const struct outbox *o, const struct metric *m)
{
    return o->length == o->capacity || (o->length > 0 && o->bytes + m->size > o->max_bytes);
}

void outbox_push_wait(struct outbox *o, struct metric *m, int64_t deadline_ms)
{
    metric_ref(m);
    pthread_mutex_lock(&o->lock);
    if (deadline_ms > 0 && outbox_over(o, m)) {
        struct timespec until = clock_timespec(deadline_ms);
        while (outbox_over(o, m) && clock_mono_ms() < deadline_ms)
            if (pthread_cond_timedwait(&o->room, &o->lock, &until) != 0)
                break;
    }
    while (outbox_over(o, m))
        outbox_drop_oldest(o);
    o->ring[(o->head + o->length) % o->capacity] = m;
    o->length++;
    o->bytes += m->size;
    o->counters.queued++;
    pthread_cond_signal(&o->nonempty);
    pthread_mutex_unlock(&o->lock);
}

void outbox_push(struct outbox *o, struct metric *m)
{
    outbox_push_wait(o, m, 0);
}

void outbox_requeue(struct outbox *o, struct metric **items, size_t n)
{
    pthread_mutex_lock(&o->lock);
    /* Walk backwards so items[0] ends up at the head. When full, the
     * requeued metrics are the oldest: they are the ones dropped. */
    for (size_t i = n; i-- > 0;) {
        if (o->length == o->capacity || o->bytes + items[i]->size > o->max_bytes) {
            metric_unref(items[i]);
            o->counters.dropped_full++;
            o->drops_unlogged++;
            continue;
        }
        o->head = (o->head + o->capacity - 1) % o->capacity;
        o->ring[o->head] = items[i];
        o->length++;
        o->bytes += items[i]->size;
        o->counters.requeued++;
    }
    pthread_cond_signal(&o->nonempty);
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
    while (n < max && o->length > 0) {
        items[n++] = o->ring[o->head];
        o->bytes -= o->ring[o->head]->size;
        o->head = (o->head + 1) % o->capacity;
        o->length--;
    }
    if (n > 0)
        pthread_cond_broadcast(&o->room);
    pthread_mutex_unlock(&o->lock);
    return n;
}

void outbox_wake(struct outbox *o)
{
    pthread_mutex_lock(&o->lock);
    o->woken = 1;
    pthread_cond_broadcast(&o->nonempty);
    pthread_cond_broadcast(&o->room);
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
