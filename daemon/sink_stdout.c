/*
 * sink_stdout - one JSON metric record per line on stdout.
 *
 * For debugging, for `iocd --once | jq` pipelines and for the tests. Lines
 * are buffered by stdio and flushed at the end of every poll, so a poll
 * of 10,000 metrics is a handful of write(2) calls. Writing blocks the
 * connector that emits: do not point a production stdout at a pipe nobody
 * reads.
 */
#include "sink.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink_stdout {
    struct sink base;
    pthread_mutex_t lock;
    bool broken; /* a write failed: reported once */
    uint64_t written, failed;
};

static void stdout_publish(struct sink *base, struct metric *m, int64_t wait_until_ms)
{
    (void)wait_until_ms;
    struct sink_stdout *s = (struct sink_stdout *)base;
    if (m->kind != METRIC_RECORD)
        return; /* stdout is the stream of records (docs/metric-record.md) */
    pthread_mutex_lock(&s->lock);
    if (fwrite(m->json, 1, m->json_len, stdout) != m->json_len || putchar('\n') == EOF) {
        if (!s->broken)
            log_error("sink stdout: write failed: %s; records are lost until it recovers",
                      strerror(errno));
        s->broken = true;
        s->failed++;
        clearerr(stdout);
    } else {
        s->written++;
    }
    pthread_mutex_unlock(&s->lock);
}

static void stdout_flush(struct sink *base)
{
    struct sink_stdout *s = (struct sink_stdout *)base;
    pthread_mutex_lock(&s->lock);
    fflush(stdout);
    pthread_mutex_unlock(&s->lock);
}

static void stdout_log_counters(struct sink *base)
{
    struct sink_stdout *s = (struct sink_stdout *)base;
    pthread_mutex_lock(&s->lock);
    log_info("sink stdout: written=%llu failed=%llu", (unsigned long long)s->written,
             (unsigned long long)s->failed);
    pthread_mutex_unlock(&s->lock);
}

static size_t stdout_stop(struct sink *base, int64_t deadline_ms)
{
    (void)deadline_ms;
    stdout_flush(base);
    return 0;
}

static void stdout_free(struct sink *base)
{
    struct sink_stdout *s = (struct sink_stdout *)base;
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void stdout_stats(struct sink *base, struct sink_stats *out, int64_t now_ms)
{
    (void)now_ms;
    struct sink_stdout *s = (struct sink_stdout *)base;
    pthread_mutex_lock(&s->lock);
    *out = (struct sink_stats){"stdout", true, s->written + s->failed, s->written, s->failed,
                               0, 0, 0, 0};
    pthread_mutex_unlock(&s->lock);
}

static const struct sink_ops stdout_ops = {
    .name = "stdout",
    .publish = stdout_publish,
    .status = NULL,
    .stop = stdout_stop,
    .log_counters = stdout_log_counters,
    .free = stdout_free,
    .flush = stdout_flush,
    .stats = stdout_stats,
};

static struct sink *stdout_create(const struct config_section *sec, const struct sink_setup *setup)
{
    (void)sec;
    (void)setup;
    struct sink_stdout *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &stdout_ops;
    pthread_mutex_init(&s->lock, NULL);
    return &s->base;
}

static const struct ioc_config_key stdout_keys[] = {
    {"enabled", IOC_CFG_BOOL, "false", false, "print one JSON metric record per line on stdout",
     NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

const struct sink_kind sink_stdout_kind = {
    .section = "sink.stdout",
    .keys = stdout_keys,
    .create = stdout_create,
};
