/*
 * logfeed - see logfeed.h. The thread sleeps on an eventfd that every
 * commit with new records writes to (disklog_set_notify_fd); while the
 * window is full it looks again every LOGFEED_ROOM_MS (a sink delivering
 * drains a full window in far longer than that, so the pause never
 * starves it).
 */
#include "logfeed.h"

#include "log.h"
#include "metric.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define LOGFEED_BATCH 256
#define LOGFEED_ROOM_MS 10    /* the window is full: look again this soon */
#define LOGFEED_IDLE_MS 1000  /* nothing committed: a commit wakes it sooner */

struct logfeed {
    struct disklog *log;
    unsigned slot;
    struct sink *sink;
    size_t window;
    int wake_fd;
    atomic_bool stopping;
    uint64_t unbuilt; /* records that could not be rebuilt (out of memory) */
    pthread_t thread;
};

static void logfeed_sleep(struct logfeed *f, int ms)
{
    struct pollfd pfd = {f->wake_fd, POLLIN, 0};
    if (poll(&pfd, 1, ms) > 0) {
        uint64_t count;
        if (read(f->wake_fd, &count, sizeof count) < 0) {
            /* EAGAIN: another read took it; either way we are awake. */
        }
    }
}

/* Hand records to the sink as metrics; returns how many were built. */
static size_t logfeed_hand(struct logfeed *f, const struct disklog_record *recs, size_t n)
{
    struct metric *items[LOGFEED_BATCH];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct disklog_record *r = &recs[i];
        struct metric *m = metric_from_parts(r->kind, r->seq, r->series, r->series_len, r->topic,
                                             r->topic_len, r->json, r->json_len);
        if (!m) {
            /* It stays unacknowledged in the log: sent at the next start. */
            if (f->unbuilt++ == 0)
                log_error("sink %s: out of memory reading the outbox; a record waits for the "
                          "next start", f->sink->ops->name);
            continue;
        }
        m->log_segment = r->pos.segment;
        m->log_offset = r->pos.offset;
        items[k++] = m;
    }
    struct sink *s = f->sink;
    if (s->ops->publish_batch)
        s->ops->publish_batch(s, items, k, 0);
    else
        for (size_t i = 0; i < k; i++)
            s->ops->publish(s, items[i], 0);
    for (size_t i = 0; i < k; i++)
        metric_unref(items[i]);
    return k;
}

static void *logfeed_run(void *arg)
{
    struct logfeed *f = arg;
    struct disklog_record recs[LOGFEED_BATCH];
    while (!atomic_load(&f->stopping)) {
        size_t pending = f->sink->ops->pending ? f->sink->ops->pending(f->sink) : 0;
        if (pending >= f->window) {
            logfeed_sleep(f, LOGFEED_ROOM_MS);
            continue;
        }
        size_t room = f->window - pending;
        size_t n = disklog_read(f->log, f->slot, recs, room < LOGFEED_BATCH ? room : LOGFEED_BATCH);
        if (n == 0) {
            logfeed_sleep(f, LOGFEED_IDLE_MS);
            continue;
        }
        logfeed_hand(f, recs, n);
    }
    return NULL;
}

struct logfeed *logfeed_start(struct disklog *log, unsigned slot, struct sink *s, size_t window)
{
    struct logfeed *f = calloc(1, sizeof *f);
    if (!f) {
        log_error("sink %s: out of memory starting its outbox reader", s->ops->name);
        return NULL;
    }
    *f = (struct logfeed){.log = log, .slot = slot, .sink = s, .window = window ? window : 1};
    atomic_init(&f->stopping, false);
    if ((f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        log_error("sink %s: cannot make the outbox reader's eventfd", s->ops->name);
        free(f);
        return NULL;
    }
    disklog_set_notify_fd(log, slot, f->wake_fd);
    if (pthread_create(&f->thread, NULL, logfeed_run, f) != 0) {
        log_error("sink %s: cannot start the outbox reader's thread", s->ops->name);
        disklog_set_notify_fd(log, slot, -1);
        close(f->wake_fd);
        free(f);
        return NULL;
    }
    return f;
}

void logfeed_stop(struct logfeed *f)
{
    if (!f)
        return;
    atomic_store(&f->stopping, true);
    uint64_t one = 1;
    if (write(f->wake_fd, &one, sizeof one) < 0) {
        /* The counter is full: it is awake anyway. */
    }
    pthread_join(f->thread, NULL);
    disklog_set_notify_fd(f->log, f->slot, -1);
    close(f->wake_fd);
    free(f);
}
