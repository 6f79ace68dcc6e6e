/*
 * droplog - the log lines of a loss episode: metrics a sink or its outbox
 * had to drop.
 *
 * One design idea: a loss is told as an episode, not per metric and not
 * by a fixed timer. The first drop of an episode is logged at once with
 * its cause; while drops go on, one summary line per interval (a minute)
 * gives the count since the last line, by cause; when the episode ends
 * (the owner says so: its backlog cleared, or shutdown) one final line
 * gives the episode's total and length. So a 60 s broker outage writes
 * three or four lines, and every dropped metric is in exactly one of them.
 *
 * Not thread-safe: the owner calls it under its own lock. Time is passed
 * in (monotonic ms), so a unit test drives it with a fake clock.
 */
#ifndef IOCD_DROPLOG_H
#define IOCD_DROPLOG_H

#include "log.h"

#include <stdbool.h>
#include <stdint.h>

#define DROPLOG_CAUSES 4          /* distinct causes one owner reports, at most */
#define DROPLOG_INTERVAL_MS 60000 /* between summary lines */

/* Where the lines go: log_msg by default; a test collects them. */
typedef void droplog_writer(void *ctx, enum log_level level, const char *line);

struct droplog {
    char who[48];              /* "sink mqtt" */
    int64_t interval_ms;
    droplog_writer *write;     /* NULL: log_msg */
    void *write_ctx;
    bool open;                 /* an episode is under way */
    int64_t began_ms, last_line_ms, last_drop_ms;
    uint64_t episode;          /* dropped in this episode */
    uint64_t total;            /* dropped since start, all episodes */
    struct {
        const char *cause;     /* static text, compared by address */
        uint64_t since_line;   /* dropped for it since the last line */
    } causes[DROPLOG_CAUSES];
};

/* `who` starts every line ("sink mqtt"); `interval_ms` 0 = a minute. */
void droplog_init(struct droplog *d, const char *who, int64_t interval_ms);
/* Lines to `write(ctx, level, line)` instead of the log (tests). */
void droplog_set_writer(struct droplog *d, droplog_writer *write, void *ctx);

/* `n` metrics were dropped now for `cause` (a string that lives as long
 * as `d`, e.g. "outbox full while the broker is unreachable or slow: the
 * oldest dropped"). The first drop of an episode is logged at once; later
 * ones are summed into the next summary line, written here when due. */
void droplog_drop(struct droplog *d, const char *cause, uint64_t n, int64_t now_ms);
/* Write the summary line if one is due (drops since the last line and
 * the interval passed): for owners that go quiet after a burst. */
void droplog_tick(struct droplog *d, int64_t now_ms);
/* The episode is over (the backlog cleared, or shutdown): a final line
 * "episode over: N dropped in T s" with what the summaries had not told
 * yet. Nothing when no episode is open. */
void droplog_end(struct droplog *d, int64_t now_ms);

/* Dropped since start (every episode). */
static inline uint64_t droplog_total(const struct droplog *d) { return d->total; }

#endif
