/*
 * outlog - see outlog.h. Appends are gathered into disklog_records on the
 * caller's stack (a batch is at most a few hundred); the test trace
 * (IOCD_COMMIT_TRACE) is kept in a buffer and written after the commit
 * that made its records durable.
 */
#include "outlog.h"

#include "clock.h"
#include "disklog.h"
#include "logfeed.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Records appended per disklog_append_batch call at most. */
#define OUTLOG_CHUNK 256
/* The dropped-records line: at most this often. */
#define OUTLOG_DROP_LOG_MS 60000

struct outlog {
    pthread_mutex_t lock; /* the writer side: append and commit */
    struct disklog *log;
    char *dir;
    const char *names[DISKLOG_MAX_SINKS]; /* per slot (= row of sink_kinds[]); NULL = unused */
    size_t slots;
    struct logfeed *feeds[DISKLOG_MAX_SINKS];
    bool dirty; /* appended since the last commit */
    int64_t drop_logged_ms;
    uint64_t drops_unsaid;
    /* IOCD_COMMIT_TRACE: for the fault tests, the records each commit
     * made durable, one line each, written after the commit. */
    int trace_fd;
    char *trace;
    size_t trace_len, trace_cap;
};

struct outlog *outlog_open(const struct config *config)
{
    struct outlog *o = calloc(1, sizeof *o);
    if (!o || !(o->dir = strdup(config->outbox_dir))) {
        log_error("outbox %s: out of memory", config->outbox_dir);
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->lock, NULL);
    o->trace_fd = -1;
    for (size_t k = 0; sink_kinds[k]; k++) {
        if (k == DISKLOG_MAX_SINKS) {
            log_error("outbox %s: more than %d kinds of sink", o->dir, DISKLOG_MAX_SINKS);
            outlog_close(o);
            return NULL;
        }
        o->slots = k + 1;
        const char *section = sink_kinds[k]->section;
        if (sink_kinds[k]->durable && k < config->sink_count &&
            config_sink_enabled(&config->sinks[k]))
            o->names[k] = strncmp(section, "sink.", 5) == 0 ? section + 5 : section;
    }
    char err[4608];
    o->log = disklog_open(o->dir, &config->outbox_disk, o->names, o->slots, err, sizeof err);
    if (!o->log) {
        log_error("outbox: %s", err);
        outlog_close(o);
        return NULL;
    }
    const char *trace = getenv("IOCD_COMMIT_TRACE");
    if (trace && trace[0] &&
        (o->trace_fd = open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
        log_warn("outbox: IOCD_COMMIT_TRACE %s: %s; no trace written", trace, strerror(errno));
    static const char *const policies[] = {"poll", "interval", "never"};
    log_info("outbox %s: durable (fsync = %s)", o->dir, policies[config->outbox_disk.fsync]);
    return o;
}

struct disklog *outlog_disklog(struct outlog *o) { return o->log; }

int outlog_slot(const struct outlog *o, size_t kind)
{
    return kind < o->slots && o->names[kind] ? (int)kind : -1;
}

int outlog_feed(struct outlog *o, struct sink *s, unsigned slot, size_t window)
{
    if (slot >= o->slots || !o->names[slot])
        return -1;
    o->feeds[slot] = logfeed_start(o->log, slot, s, window);
    return o->feeds[slot] ? 0 : -1;
}

void outlog_stop_feeds(struct outlog *o)
{
    for (size_t k = 0; o && k < o->slots; k++) {
        logfeed_stop(o->feeds[k]);
        o->feeds[k] = NULL;
    }
}

static const char *const outlog_kind_names[] = {"record", "screen", "alert"};

/* The trace lines of recs[0..n) into the buffer. Lock held. */
static void outlog_trace_add(struct outlog *o, const struct disklog_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct disklog_record *r = &recs[i];
        size_t need = r->series_len + 64 + DISKLOG_MAX_SINKS * 16;
        if (o->trace_len + need > o->trace_cap) {
            size_t cap = o->trace_cap ? o->trace_cap * 2 : 65536;
            while (cap < o->trace_len + need)
                cap *= 2;
            char *more = realloc(o->trace, cap);
            if (!more)
                return;
            o->trace = more;
            o->trace_cap = cap;
        }
        char *p = o->trace + o->trace_len;
        p += sprintf(p, "%s\t%" PRIu64 "\t%.*s\t", r->kind < 3 ? outlog_kind_names[r->kind] : "?",
                     r->seq, (int)r->series_len, r->series);
        const char *sep = "";
        for (size_t k = 0; k < o->slots; k++)
            if (r->sinks & (1u << k)) {
                p += sprintf(p, "%s%s", sep, o->names[k] ? o->names[k] : "?");
                sep = ",";
            }
        *p++ = '\n';
        o->trace_len = (size_t)(p - o->trace);
    }
}

void outlog_append(struct outlog *o, struct metric *const *items, const uint32_t *masks, size_t n)
{
    struct disklog_record recs[OUTLOG_CHUNK];
    while (n > 0) {
        size_t k = 0;
        for (; k < n && k < OUTLOG_CHUNK; k++) {
            const struct metric *m = items[k];
            const char *slash = memchr(m->series, '/', m->series_len);
            recs[k] = (struct disklog_record){
                .kind = m->kind, .sinks = masks[k], .seq = m->seq,
                .source = m->series,
                .source_len = slash ? (size_t)(slash - m->series) : m->series_len,
                .series = m->series, .series_len = m->series_len,
                .topic = m->topic, .topic_len = strlen(m->topic),
                .json = m->json, .json_len = m->json_len};
        }
        pthread_mutex_lock(&o->lock);
        size_t appended = disklog_append_batch(o->log, recs, k);
        if (o->trace_fd >= 0)
            outlog_trace_add(o, recs, appended);
        o->dirty = true;
        pthread_mutex_unlock(&o->lock);
        items += k;
        masks += k;
        n -= k;
    }
}

/* Lock held. */
static int outlog_commit_locked(struct outlog *o)
{
    if (!o->dirty)
        return 0;
    int rc = disklog_commit(o->log);
    o->dirty = false;
    /* Visible to the sinks even when the fsync failed: traced alike. */
    if (o->trace_fd >= 0 && o->trace_len) {
        if (write(o->trace_fd, o->trace, o->trace_len) != (ssize_t)o->trace_len)
            log_warn("outbox: IOCD_COMMIT_TRACE: short write");
        o->trace_len = 0;
    }
    return rc;
}

int outlog_commit(struct outlog *o)
{
    pthread_mutex_lock(&o->lock);
    int rc = outlog_commit_locked(o);
    pthread_mutex_unlock(&o->lock);
    return rc;
}

void outlog_tick(struct outlog *o, int64_t now_ms)
{
    outlog_commit(o);
    o->drops_unsaid += disklog_take_dropped(o->log);
    if (!o->drops_unsaid ||
        (o->drop_logged_ms && now_ms - o->drop_logged_ms < OUTLOG_DROP_LOG_MS))
        return;
    struct disklog_counters c;
    disklog_counters(o->log, &c);
    log_warn("outbox %s: %" PRIu64 " records dropped with the oldest segments before every sink "
             "had them (%s; %" PRIu64 " since start, dropped_full): the brokers have been away "
             "too long for max_disk, or the disk is full",
             o->dir, o->drops_unsaid, c.failing ? "writing fails now" : "max_disk reached",
             c.dropped_full);
    o->drops_unsaid = 0;
    o->drop_logged_ms = now_ms;
}

void outlog_stats(struct outlog *o, struct outlog_stats *out)
{
    *out = (struct outlog_stats){.dir = o->dir};
    disklog_counters(o->log, &out->c);
    for (size_t k = 0; k < o->slots; k++)
        if (o->names[k]) {
            out->sink[out->sinks] = o->names[k];
            out->backlog_bytes[out->sinks++] = disklog_backlog_bytes(o->log, (unsigned)k);
        }
}

void outlog_log_counters(struct outlog *o)
{
    struct outlog_stats st;
    outlog_stats(o, &st);
    char backlog[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < st.sinks && used < sizeof backlog; i++)
        used += (size_t)snprintf(backlog + used, sizeof backlog - used, " %s=%" PRIu64 "B",
                                 st.sink[i], st.backlog_bytes[i]);
    log_info("outbox: dir=%s appended=%" PRIu64 " commits=%" PRIu64 " fsyncs=%" PRIu64
             " disk_bytes=%" PRIu64 " segments=%" PRIu64 " dropped_full=%" PRIu64
             " refused=%" PRIu64 " corrupt=%" PRIu64 " truncated=%" PRIu64 " io_errors=%" PRIu64
             " failing=%s backlog%s",
             st.dir, st.c.appended, st.c.commits, st.c.fsyncs, st.c.disk_bytes, st.c.segments,
             st.c.dropped_full, st.c.refused, st.c.corrupt, st.c.truncated, st.c.io_errors,
             st.c.failing ? "yes" : "no", backlog);
}

void outlog_left_text(struct outlog *o, char *buf, size_t len)
{
    struct outlog_stats st;
    outlog_stats(o, &st);
    size_t used = (size_t)snprintf(buf, len, "; the outbox %s keeps for the next start:", o->dir);
    for (size_t i = 0; i < st.sinks && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s %" PRIu64 " bytes for %s",
                                 i ? "," : "", st.backlog_bytes[i], st.sink[i]);
}

void outlog_close(struct outlog *o)
{
    if (!o)
        return;
    outlog_stop_feeds(o);
    if (o->log) {
        outlog_commit(o);
        disklog_close(o->log);
    }
    if (o->trace_fd >= 0)
        close(o->trace_fd);
    pthread_mutex_destroy(&o->lock);
    free(o->trace);
    free(o->dir);
    free(o);
}
