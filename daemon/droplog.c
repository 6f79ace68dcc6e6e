/*
 * droplog - see droplog.h. Causes are few per owner (an outbox has two:
 * full, requeue overflow), so they are a small array compared by address.
 */
#include "droplog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void droplog_init(struct droplog *d, const char *who, int64_t interval_ms)
{
    memset(d, 0, sizeof *d);
    snprintf(d->who, sizeof d->who, "%s", who);
    d->interval_ms = interval_ms > 0 ? interval_ms : DROPLOG_INTERVAL_MS;
}

void droplog_set_writer(struct droplog *d, droplog_writer *write, void *ctx)
{
    d->write = write;
    d->write_ctx = ctx;
}

static void droplog_say(struct droplog *d, enum log_level level, const char *line)
{
    if (d->write)
        d->write(d->write_ctx, level, line);
    else
        log_msg(level, "iocd", "%s", line);
}

static const char *droplog_plural(uint64_t n) { return n == 1 ? "" : "s"; }

/* "135990 outbox full ...; 5 requeue overflow ..." for the causes with
 * drops since the last line; clears them. Returns their sum. */
static uint64_t droplog_take_causes(struct droplog *d, char *buf, size_t len)
{
    uint64_t sum = 0;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < DROPLOG_CAUSES && d->causes[i].cause; i++) {
        uint64_t n = d->causes[i].since_line;
        if (n == 0)
            continue;
        int w = snprintf(buf + used, len - used, "%s%" PRIu64 " %s", used ? "; " : "", n,
                         d->causes[i].cause);
        if (w > 0 && (size_t)w < len - used)
            used += (size_t)w;
        sum += n;
        d->causes[i].since_line = 0;
    }
    return sum;
}

static void droplog_summary(struct droplog *d, int64_t now_ms)
{
    char causes[512], line[768];
    uint64_t n = droplog_take_causes(d, causes, sizeof causes);
    if (n == 0)
        return;
    snprintf(line, sizeof line,
             "%s: dropped %" PRIu64 " more metric%s in the last %" PRId64 " s (%s); %" PRIu64
             " in this episode so far",
             d->who, n, droplog_plural(n), (now_ms - d->last_line_ms + 500) / 1000, causes,
             d->episode);
    droplog_say(d, LOG_LEVEL_WARNING, line);
    d->last_line_ms = now_ms;
}

void droplog_drop(struct droplog *d, const char *cause, uint64_t n, int64_t now_ms)
{
    if (n == 0)
        return;
    d->total += n;
    d->episode += n;
    d->last_drop_ms = now_ms;
    if (!d->open) {
        char line[640];
        d->open = true;
        d->began_ms = d->last_line_ms = now_ms;
        snprintf(line, sizeof line,
                 "%s: dropped %" PRIu64 " metric%s: %s (a loss episode began; a line a "
                 "minute follows while it lasts)",
                 d->who, n, droplog_plural(n), cause);
        droplog_say(d, LOG_LEVEL_WARNING, line);
        return;
    }
    size_t i = 0;
    while (i < DROPLOG_CAUSES - 1 && d->causes[i].cause && d->causes[i].cause != cause)
        i++;
    if (!d->causes[i].cause)
        d->causes[i].cause = cause;
    /* More distinct causes than slots is an owner's bug: the count still
     * lands in a line (under the last slot's cause), never nowhere. */
    d->causes[i].since_line += n;
    droplog_tick(d, now_ms);
}

void droplog_tick(struct droplog *d, int64_t now_ms)
{
    if (d->open && now_ms - d->last_line_ms >= d->interval_ms)
        droplog_summary(d, now_ms);
}

void droplog_end(struct droplog *d, int64_t now_ms)
{
    if (!d->open)
        return;
    char causes[512], line[768];
    uint64_t n = droplog_take_causes(d, causes, sizeof causes);
    int64_t ms = now_ms - d->began_ms;
    int w = snprintf(line, sizeof line, "%s: episode over: %" PRIu64 " dropped in %" PRId64
                     ".%" PRId64 " s", d->who, d->episode, ms / 1000, ms % 1000 / 100);
    if (n > 0 && w > 0 && (size_t)w < sizeof line)
        snprintf(line + w, sizeof line - (size_t)w, " (%" PRIu64 " since the last line: %s)", n,
                 causes);
    droplog_say(d, LOG_LEVEL_WARNING, line);
    d->open = false;
    d->episode = 0;
}
