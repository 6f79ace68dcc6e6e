/*
 * outbox - the bounded queue between normalize and one sink.
 *
 * Each sink has its own outbox and its own consumer thread, so a dead or
 * stuck broker fills only its own queue and never stalls a connector or
 * the other sink. A metric stays in the outbox (or in the sink's in-flight
 * set) until its broker acknowledged it; a sink that loses a connection
 * puts unacknowledged metrics back at the front (outbox_requeue) in their
 * original order.
 *
 * Fair across sources: the outbox keeps one FIFO per source (the series
 * key's first level, "dvc") and the consumer takes one metric from each
 * source that has any, in turn, so the first metric of one poll does not
 * wait behind the last of another's (each source's, so each series', order
 * is kept). A poll's metrics arrive as one batch (outbox_push_batch): one
 * lock and one wake-up of the consumer per batch, not per metric. A sink whose broker is acknowledging, only slower than
 * metrics come, makes the producer wait for room (outbox_push_wait), up
 * to a deadline. Otherwise, when the outbox is full - in metrics or in
 * bytes, whichever comes first, so memory stays bounded whatever the size
 * of the records - the oldest metric of the source with the most metrics
 * waiting is dropped (a flooding source loses its own oldest values, not a
 * quiet one's; with one source, the oldest metric): screens want current
 * values, and the drop is counted and logged as a loss episode (droplog:
 * the first drop at once with its cause, a summary a minute, a final
 * line when the outbox has drained), so nothing is lost silently. A
 * requeue that finds the outbox full drops the oldest the same way, in
 * its own counter and with its own cause. With the durable outbox
 * ([outbox] dir) this queue is the sink's window on the log (logfeed.h,
 * outbox_set_durable_window).
 * Thread-safe.
 */
#ifndef IOCD_OUTBOX_H
#define IOCD_OUTBOX_H

#include "droplog.h"
#include "metric.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbox;

/* How much an outbox may hold: whichever bound is reached first. */
struct outbox_limits {
    size_t capacity;     /* metrics */
    uint64_t max_bytes;  /* bytes of the metrics held (their whole blocks) */
};

struct outbox_counters {
    uint64_t queued;       /* pushed by the pipeline */
    uint64_t requeued;     /* put back after a failed or unconfirmed send */
    uint64_t dropped_full; /* oldest dropped because the outbox was full on a push
                              (or out of memory) */
    uint64_t dropped_requeue; /* put back (outbox_requeue) into a full outbox:
                                 dropped, the oldest first */
    uint64_t dropped_kpi;  /* KPI messages (summaries, stale markers, alerts:
                              not records) that found it full: they never
                              push a record out */
    size_t length;         /* waiting now */
    uint64_t bytes;        /* their size */
    /* The same for records only (outbox_is_record), for a sink's
     * accounting "delivered + dropped + left = taken": */
    uint64_t records_in;      /* pushed (not requeued) */
    uint64_t records_dropped; /* dropped, whatever the cause */
    size_t records_held;      /* waiting now */
};

/* A published observation, as the stop line counts them: a record, or
 * the stale-marked record that stands in for it on the screens' sink.
 * Not a KPI message (a source summary has seq 0, an alert is
 * METRIC_ALERT) nor a retired series' clearing message (empty). */
static inline bool outbox_is_record(const struct metric *m)
{
    return m->kind != METRIC_ALERT && m->seq > 0 && m->json_len > 0;
}

/* `name` is used in log lines ("sink mqtt"). */
struct outbox *outbox_new(const char *name, const struct outbox_limits *limits);
/* Release every metric still queued; returns how many there were. */
size_t outbox_free(struct outbox *o);

/* Take a new reference to `m` and append it (drops the oldest while the
 * outbox is over either limit; the newest metric is always kept). A KPI
 * message (struct metric's kind other than METRIC_RECORD) that finds the
 * outbox full is itself dropped instead, counted as dropped_kpi: under a
 * broker's backpressure a summary or marker must not cost a record. */
void outbox_push(struct outbox *o, struct metric *m);
/* Take a new reference to each of items[0..n) and append them in order,
 * under one lock and with one wake-up of the consumer; each waits for
 * room as outbox_push_wait does (the consumer is woken before any wait). */
void outbox_push_batch(struct outbox *o, struct metric *const *items, size_t n,
                       int64_t deadline_ms);
/* The same, but first wait for room until `deadline_ms` (monotonic; 0 or
 * past = do not wait) as the consumer takes metrics out: the backpressure
 * a sink applies while its broker is taking metrics, only slower than
 * they come. Drops the oldest as outbox_push once the deadline passed. */
void outbox_push_wait(struct outbox *o, struct metric *m, int64_t deadline_ms);
/* Put `n` metrics back at the front of their sources' FIFOs, keeping
 * their order; takes over the caller's references. Those that find the
 * outbox full are dropped (they are the oldest), counted in
 * dropped_requeue and logged as a loss with cause "requeue overflow". */
void outbox_requeue(struct outbox *o, struct metric **items, size_t n);
/* Move up to `max` metrics into items[] (the caller owns those
 * references), one from each source in turn (the turn carries over to the
 * next pop). Waits up to `wait_ms` for at least one; returns how many.
 * A pop that empties the outbox ends a loss episode ("episode over"). */
size_t outbox_pop(struct outbox *o, struct metric **items, size_t max, int64_t wait_ms);
/* Wake a consumer blocked in outbox_pop (for shutdown or reconnection);
 * with a notify fd, also write to it, whether the consumer waits or not. */
void outbox_wake(struct outbox *o);

/* The outbox is the in-memory window of a sink fed from the durable
 * outbox (logfeed.h): a record read from the log (metric_logged) is never
 * dropped, on a push or a requeue, since only the log may forget it (the
 * feeder keeps the window under the bounds, so it may pass them only by
 * what was in flight); a message from memory (a re-publish for a fresh
 * session, a retired series' clear) that finds it full is dropped itself,
 * counted in dropped_full. */
void outbox_set_durable_window(struct outbox *o);

/* For a consumer that sleeps in poll(2) on its broker's socket rather than
 * in outbox_pop: `fd` is an eventfd (EFD_NONBLOCK) that a push, batch or
 * requeue writes to when they find the consumer waiting, i.e. after it
 * called outbox_idle and got true. One write per hand-over at most, none
 * while the consumer is busy. Set before any push. */
void outbox_set_notify_fd(struct outbox *o, int fd);
/* True when nothing waits and no wake is pending: the consumer is then
 * counted as waiting and the next push writes to the notify fd. False
 * when there is something to pop (or a wake to see). */
bool outbox_idle(struct outbox *o);

void outbox_counters(struct outbox *o, struct outbox_counters *out);

/* For a consumer that does not pop for a while (its broker is away):
 * writes the loss episode's summary line if one is due. */
void outbox_tick(struct outbox *o);
/* At shutdown: the loss episode (if any) is over; its final line. */
void outbox_end_episode(struct outbox *o);
/* Lines of the loss episodes to `write` (unit tests). */
void outbox_set_drop_writer(struct outbox *o, droplog_writer *write, void *ctx);

#endif
