/* opsview - see opsview.h. */
#include "opsview.h"

#include "clock.h"
#include "health.h"
#include "outlog.h"
#include "pipeline.h"
#include "sink.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Connector instances and sinks one page shows, at most (a daemon runs a
 * few dozen instances; sinks are the rows of sink_kinds[]). */
#define OPSVIEW_INSTANCES 1024
#define OPSVIEW_SINKS 16

struct opsview {
    struct pipeline *pipeline;
    int64_t started_mono_ms, stall_limit_ms;
    pthread_mutex_t lock; /* guards sched, and holds it alive while a page reads it */
    struct scheduler *sched;
};

/* Everything one page shows, copied under the lock. */
struct opsview_page {
    struct instance_snapshot *inst;
    size_t inst_count;
    struct sink_stats sinks[OPSVIEW_SINKS];
    size_t sink_count;
    bool has_outbox; /* the durable outbox ([outbox] dir) */
    struct outlog_stats outbox;
    int64_t now_mono_ms, now_wall_s;
};

struct opsview *opsview_new(struct pipeline *pipeline, int64_t stall_limit_ms)
{
    struct opsview *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->pipeline = pipeline;
    v->stall_limit_ms = stall_limit_ms;
    v->started_mono_ms = clock_mono_ms();
    pthread_mutex_init(&v->lock, NULL);
    return v;
}

void opsview_set_scheduler(struct opsview *v, struct scheduler *s)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->lock);
    v->sched = s;
    pthread_mutex_unlock(&v->lock);
}

void opsview_free(struct opsview *v)
{
    if (!v)
        return;
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* Instance names point into the configuration, which a reload may free
 * after the page is taken: the page keeps the lock until it is written. */
static int opsview_take(struct opsview *v, struct opsview_page *pg)
{
    memset(pg, 0, sizeof *pg);
    if (!(pg->inst = calloc(OPSVIEW_INSTANCES, sizeof *pg->inst)))
        return -1;
    pthread_mutex_lock(&v->lock);
    pg->now_mono_ms = clock_mono_ms();
    pg->now_wall_s = clock_wall_ms() / 1000;
    if (v->sched)
        pg->inst_count = scheduler_snapshot(v->sched, pg->inst, OPSVIEW_INSTANCES);
    pg->sink_count = pipeline_sink_stats(v->pipeline, pg->sinks, OPSVIEW_SINKS, pg->now_mono_ms);
    pg->has_outbox = pipeline_outbox_stats(v->pipeline, &pg->outbox);
    return 0;
}

static void opsview_release(struct opsview *v, struct opsview_page *pg)
{
    pthread_mutex_unlock(&v->lock);
    free(pg->inst);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void opsview_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void opsview_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{connector="x"[,extra]} value */
static void opsview_connector_sample(FILE *f, const char *name, const struct instance_snapshot *in,
                                     const char *extra, unsigned long long value)
{
    fprintf(f, "%s{connector=\"", name);
    opsview_label(f, in->name);
    fprintf(f, "\"%s%s} %llu\n", extra ? "," : "", extra ? extra : "", value);
}

static void opsview_sink_sample(FILE *f, const char *name, const struct sink_stats *s,
                                unsigned long long value)
{
    fprintf(f, "%s{sink=\"", name);
    opsview_label(f, s->name);
    fprintf(f, "\"} %llu\n", value);
}

static unsigned long long opsview_rss_bytes(void)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void opsview_write_process(FILE *f, struct opsview *v, const struct opsview_page *pg)
{
    opsview_family(f, "iocd_build_info", "gauge", "iocd's version, always 1");
    fprintf(f, "iocd_build_info{version=\"%s\"} 1\n", IOCD_VERSION);
    opsview_family(f, "iocd_uptime_seconds", "gauge", "seconds since the daemon started");
    fprintf(f, "iocd_uptime_seconds %.3f\n", (double)(pg->now_mono_ms - v->started_mono_ms) / 1000);
    opsview_family(f, "process_resident_memory_bytes", "gauge",
                   "resident memory of the daemon (/proc/self/statm)");
    fprintf(f, "process_resident_memory_bytes %llu\n", opsview_rss_bytes());
}

static void opsview_write_connectors(FILE *f, struct opsview *v, const struct opsview_page *pg)
{
    static const enum instance_health states[] = {HEALTH_STARTING, HEALTH_OK, HEALTH_DEGRADED,
                                                  HEALTH_FAILED};
    opsview_family(f, "iocd_connector_status", "gauge",
                   "1 for the connector's current state (starting, ok, degraded, failed)");
    for (size_t i = 0; i < pg->inst_count; i++)
        for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
            char extra[40];
            snprintf(extra, sizeof extra, "state=\"%s\"", health_name(states[k]));
            opsview_connector_sample(f, "iocd_connector_status", &pg->inst[i], extra,
                                     pg->inst[i].health == states[k]);
        }
    opsview_family(f, "iocd_connector_polls_total", "counter", "polls since start, by result");
    for (size_t i = 0; i < pg->inst_count; i++) {
        opsview_connector_sample(f, "iocd_connector_polls_total", &pg->inst[i], "result=\"ok\"",
                                 pg->inst[i].polls_ok);
        opsview_connector_sample(f, "iocd_connector_polls_total", &pg->inst[i],
                                 "result=\"failed\"", pg->inst[i].polls_failed);
    }
    opsview_family(f, "iocd_connector_seconds_since_last_success", "gauge",
                   "seconds since the last successful poll (absent: none yet)");
    for (size_t i = 0; i < pg->inst_count; i++)
        if (pg->inst[i].last_success_s)
            opsview_connector_sample(f, "iocd_connector_seconds_since_last_success", &pg->inst[i],
                                     NULL, (unsigned long long)(pg->now_wall_s >
                                         pg->inst[i].last_success_s ? pg->now_wall_s -
                                         pg->inst[i].last_success_s : 0));
    opsview_family(f, "iocd_connector_records_total", "counter",
                   "records emitted and accepted by normalize since start");
    for (size_t i = 0; i < pg->inst_count; i++)
        opsview_connector_sample(f, "iocd_connector_records_total", &pg->inst[i], NULL,
                                 pg->inst[i].metrics);
    opsview_family(f, "iocd_connector_records_rejected_total", "counter",
                   "records rejected (logged with the field and the reason) since start");
    for (size_t i = 0; i < pg->inst_count; i++)
        opsview_connector_sample(f, "iocd_connector_records_rejected_total", &pg->inst[i], NULL,
                                 pg->inst[i].rejected);
    /* A family's samples stay together (the text format wants them so). */
    for (int stale_family = 0; stale_family < 2; stale_family++) {
        const char *name = stale_family ? "iocd_connector_stale_series" : "iocd_connector_series";
        opsview_family(f, name, "gauge", stale_family
                       ? "series of the connector's source whose data is older than their limit"
                       : "series of the connector's source now kept");
        for (size_t i = 0; i < pg->inst_count; i++) {
            uint64_t series = 0, stale = 0;
            pipeline_source_series(v->pipeline, pg->inst[i].source, &series, &stale);
            opsview_connector_sample(f, name, &pg->inst[i], NULL, stale_family ? stale : series);
        }
    }
}

static void opsview_write_sinks(FILE *f, const struct opsview_page *pg)
{
    static const struct {
        const char *name, *type, *help;
        size_t offset;
    } rows[] = {
        {"iocd_sink_queued_total", "counter", "metrics handed to the sink since start",
         offsetof(struct sink_stats, queued)},
        {"iocd_sink_delivered_total", "counter", "metrics the broker acknowledged since start",
         offsetof(struct sink_stats, delivered)},
        {"iocd_sink_dropped_total", "counter",
         "metrics dropped (outbox full, refused by the client library) since start",
         offsetof(struct sink_stats, dropped)},
        {"iocd_sink_in_flight", "gauge", "metrics sent whose acknowledgement is awaited",
         offsetof(struct sink_stats, in_flight)},
        {"iocd_sink_outbox_metrics", "gauge", "metrics waiting in the sink's outbox",
         offsetof(struct sink_stats, outbox_length)},
        {"iocd_sink_outbox_bytes", "gauge", "bytes of the metrics waiting in the sink's outbox",
         offsetof(struct sink_stats, outbox_bytes)},
    };
    opsview_family(f, "iocd_sink_connected", "gauge", "1 while the sink's broker connection is up");
    for (size_t i = 0; i < pg->sink_count; i++)
        opsview_sink_sample(f, "iocd_sink_connected", &pg->sinks[i], pg->sinks[i].connected);
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        opsview_family(f, rows[r].name, rows[r].type, rows[r].help);
        for (size_t i = 0; i < pg->sink_count; i++) {
            uint64_t value;
            memcpy(&value, (const char *)&pg->sinks[i] + rows[r].offset, sizeof value);
            opsview_sink_sample(f, rows[r].name, &pg->sinks[i], value);
        }
    }
    opsview_family(f, "iocd_sink_stalled_seconds", "gauge",
                   "how long the sink has waited on a broker that does not answer (0: not)");
    for (size_t i = 0; i < pg->sink_count; i++) {
        fputs("iocd_sink_stalled_seconds{sink=\"", f);
        opsview_label(f, pg->sinks[i].name);
        fprintf(f, "\"} %.3f\n", (double)pg->sinks[i].stalled_ms / 1000);
    }
}

static void opsview_write_outbox(FILE *f, const struct opsview_page *pg)
{
    if (!pg->has_outbox)
        return;
    const struct disklog_counters *c = &pg->outbox.c;
    const struct {
        const char *name, *type, *help;
        uint64_t value;
    } rows[] = {
        {"iocd_outbox_appended_total", "counter", "records written to the durable outbox",
         c->appended},
        {"iocd_outbox_commits_total", "counter", "commits (one per poll)", c->commits},
        {"iocd_outbox_fsyncs_total", "counter",
         "fsyncs of the outbox's segments, directory and positions file", c->fsyncs},
        {"iocd_outbox_dropped_full_total", "counter",
         "records dropped with the oldest segments before every sink had them (max_disk, or a "
         "full disk)", c->dropped_full},
        {"iocd_outbox_refused_total", "counter",
         "records the outbox could not write (disk full or I/O error, no room to make)",
         c->refused},
        {"iocd_outbox_corrupt_total", "counter",
         "corrupt regions skipped in the middle of the outbox at start", c->corrupt},
        {"iocd_outbox_truncated_bytes_total", "counter",
         "bytes cut from torn tails of the outbox at start", c->truncated},
        {"iocd_outbox_io_errors_total", "counter", "failed writes, fsyncs and opens",
         c->io_errors},
        {"iocd_outbox_disk_bytes", "gauge", "bytes of the outbox's segments on disk",
         c->disk_bytes},
        {"iocd_outbox_segments", "gauge", "segment files of the outbox", c->segments},
        {"iocd_outbox_failing", "gauge", "1 while writing to the outbox fails", c->failing},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        opsview_family(f, rows[r].name, rows[r].type, rows[r].help);
        fprintf(f, "%s %llu\n", rows[r].name, (unsigned long long)rows[r].value);
    }
    opsview_family(f, "iocd_outbox_backlog_bytes", "gauge",
                   "bytes of the outbox a sink has not had acknowledged yet");
    for (size_t i = 0; i < pg->outbox.sinks; i++) {
        fputs("iocd_outbox_backlog_bytes{sink=\"", f);
        opsview_label(f, pg->outbox.sink[i]);
        fprintf(f, "\"} %llu\n", (unsigned long long)pg->outbox.backlog_bytes[i]);
    }
}

char *opsview_metrics(struct opsview *v, size_t *len)
{
    struct opsview_page pg;
    char *text = NULL;
    *len = 0;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    if (opsview_take(v, &pg) < 0) {
        fclose(f);
        free(text);
        return NULL;
    }
    opsview_write_process(f, v, &pg);
    opsview_write_connectors(f, v, &pg);
    opsview_write_sinks(f, &pg);
    opsview_write_outbox(f, &pg);
    opsview_release(v, &pg);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* One sink's verdict: NULL when healthy, else why not. */
static const char *opsview_sink_problem(const struct opsview *v, const struct sink_stats *s)
{
    if (!s->connected)
        return "not connected";
    if (v->stall_limit_ms && s->stalled_ms > v->stall_limit_ms)
        return "stalled: its broker has not answered";
    return NULL;
}

char *opsview_health(struct opsview *v, size_t *len, int *http_status)
{
    struct opsview_page pg;
    if (opsview_take(v, &pg) < 0)
        return NULL;
    json_t *root = json_object(), *conns = json_object(), *sinks = json_object(),
           *failed = json_array();
    for (size_t i = 0; i < pg.inst_count; i++) {
        const struct instance_snapshot *in = &pg.inst[i];
        json_object_set_new(conns, in->name,
                            json_pack("{s:s, s:s?, s:I, s:I}", "state", health_name(in->health),
                                      "last_error", in->last_error[0] ? in->last_error : NULL,
                                      "polls_ok", (json_int_t)in->polls_ok, "polls_failed",
                                      (json_int_t)in->polls_failed));
        if (in->health == HEALTH_FAILED)
            json_array_append_new(failed, json_sprintf("connector %s: %s", in->name,
                                                       in->last_error[0] ? in->last_error
                                                                         : "failed"));
    }
    for (size_t i = 0; i < pg.sink_count; i++) {
        const struct sink_stats *s = &pg.sinks[i];
        const char *problem = opsview_sink_problem(v, s);
        json_object_set_new(sinks, s->name,
                            json_pack("{s:b, s:I, s:f, s:s?}", "connected", s->connected,
                                      "outbox_metrics", (json_int_t)s->outbox_length,
                                      "stalled_seconds", (double)s->stalled_ms / 1000,
                                      "problem", problem));
        if (problem)
            json_array_append_new(failed, json_sprintf("sink %s: %s", s->name, problem));
    }
    if (pg.has_outbox) {
        const struct disklog_counters *c = &pg.outbox.c;
        json_t *backlog = json_object();
        for (size_t i = 0; i < pg.outbox.sinks; i++)
            json_object_set_new(backlog, pg.outbox.sink[i],
                                json_integer((json_int_t)pg.outbox.backlog_bytes[i]));
        json_object_set_new(root, "outbox",
                            json_pack("{s:s, s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:o}", "dir",
                                      pg.outbox.dir, "failing", c->failing, "last_error",
                                      c->last_error ? strerror(c->last_error) : NULL,
                                      "disk_bytes", (json_int_t)c->disk_bytes, "dropped_full",
                                      (json_int_t)c->dropped_full, "refused",
                                      (json_int_t)c->refused, "io_errors",
                                      (json_int_t)c->io_errors, "corrupt",
                                      (json_int_t)c->corrupt, "backlog_bytes", backlog));
        /* Metrics are being refused now: not healthy. Drops in the past
         * are shown (dropped_full), not failed on. */
        if (c->failing)
            json_array_append_new(failed,
                                  json_sprintf("outbox %s: writing fails (%s): metrics are "
                                               "refused until it works again",
                                               pg.outbox.dir, strerror(c->last_error)));
    }
    opsview_release(v, &pg);
    bool healthy = json_array_size(failed) == 0;
    json_object_set_new(root, "status", json_string(healthy ? "ok" : "failed"));
    json_object_set_new(root, "failed", failed);
    json_object_set_new(root, "connectors", conns);
    json_object_set_new(root, "sinks", sinks);
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    *len = text ? strlen(text) : 0;
    *http_status = healthy ? 200 : 503;
    return text;
}
