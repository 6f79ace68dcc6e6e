/*
 * outlog - the pipeline's side of the durable outbox ([outbox] dir): one
 * log (disklog.h) for the process, the records each poll appends with the
 * mask of the sinks that take them, the commit that ends a poll, and one
 * reader per sink (logfeed.h).
 *
 * The one design idea: a metric is written once, whatever the number of
 * sinks, with one bit per sink; the bit of a sink is its row in
 * sink_kinds[], so it means the same in every run (a sink not enabled in
 * this run keeps its bit, unused), and a record written before a restart
 * goes to the same sinks after it. Nothing reaches a sink before it is
 * committed: with fsync = poll a sink never sends what a power cut could
 * still take back, and the instance saves its connector's state only
 * after its poll's commit.
 *
 * Thread-safe: appends and commits come from every instance's thread and
 * the main loop, under one lock.
 */
#ifndef IOCD_OUTLOG_H
#define IOCD_OUTLOG_H

#include "config.h"
#include "metric.h"
#include "sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outlog;

/* Open config's [outbox] dir for the sinks that config enables and whose
 * kind queues (sink_kind.durable). NULL (logged, naming the directory and
 * why: a file that is not ours, no permission) when it cannot be used. */
struct outlog *outlog_open(const struct config *config);
/* The log, for the sinks' setup (sink_setup.log). */
struct disklog *outlog_disklog(struct outlog *o);
/* Sink kind `kind` (its row in sink_kinds[]) reads the log: its slot
 * there, or -1. */
int outlog_slot(const struct outlog *o, size_t kind);

/* Start the reader of sink `s` (slot `slot`), keeping its window under
 * `window` metrics. -1 (logged) when it cannot start. */
int outlog_feed(struct outlog *o, struct sink *s, unsigned slot, size_t window);
/* Stop every reader (at shutdown, before the sinks deliver what their
 * windows hold). */
void outlog_stop_feeds(struct outlog *o);

/* Append items[0..n), items[i] for the sinks of masks[i] (bit = slot);
 * not yet visible to any sink (outlog_commit). A record the log refuses
 * (disk full with no room to make, too big) is counted there. */
void outlog_append(struct outlog *o, struct metric *const *items, const uint32_t *masks,
                   size_t n);
/* Make what was appended durable (per [outbox] fsync) and visible to the
 * sinks. 0, or -1 when an fsync failed (logged by the log, counted). */
int outlog_commit(struct outlog *o);
/* From the main loop: commit what KPI messages appended outside polls,
 * and say, at most once a minute, how many records were dropped with
 * the oldest segments (max_disk, or a full disk). */
void outlog_tick(struct outlog *o, int64_t now_ms);

/* What /metrics, /health and the status show of the outbox. */
struct outlog_stats {
    struct disklog_counters c;
    const char *dir;
    size_t sinks;                 /* slots in use, below */
    const char *sink[DISKLOG_MAX_SINKS];
    uint64_t backlog_bytes[DISKLOG_MAX_SINKS]; /* each sink's, from its acknowledged position */
};
void outlog_stats(struct outlog *o, struct outlog_stats *out);
/* One counters line: "outbox: dir=... appended=... ... backlog mqtt=...B kafka=...B". */
void outlog_log_counters(struct outlog *o);
/* For the stop line: "; the outbox keeps N bytes for mqtt, M for kafka for the next start". */
void outlog_left_text(struct outlog *o, char *buf, size_t len);

/* Commit, write the positions and close. NULL is fine. */
void outlog_close(struct outlog *o);

#endif
