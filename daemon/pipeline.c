/*
 * pipeline - see pipeline.h. The stdout sink buffers lines in stdio and
 * is flushed at the end of every poll, so a poll of 10,000 metrics is a
 * handful of write(2) calls, not 10,000.
 */
#include "pipeline.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pipeline {
    pthread_mutex_t stdout_lock;
    bool stdout_sink;
    bool stdout_broken; /* EPIPE etc.: reported once */
    atomic_uint_fast64_t published;
};

struct pipeline *pipeline_new(bool stdout_sink)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->stdout_lock, NULL);
    p->stdout_sink = stdout_sink;
    return p;
}

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    pipeline_flush(p);
    pthread_mutex_destroy(&p->stdout_lock);
    free(p);
}

static int pipeline_stdout(struct pipeline *p, const struct metric_out *m)
{
    int rc = 0;
    pthread_mutex_lock(&p->stdout_lock);
    if (fwrite(m->json, 1, m->json_len, stdout) != m->json_len || putchar('\n') == EOF) {
        if (!p->stdout_broken)
            log_error("sink stdout: write failed: %s; records are lost until it recovers",
                      strerror(errno));
        p->stdout_broken = true;
        clearerr(stdout);
        rc = -1;
    }
    pthread_mutex_unlock(&p->stdout_lock);
    return rc;
}

int pipeline_publish(struct pipeline *p, const struct metric_out *m)
{
    int rc = 0;
    if (p->stdout_sink && pipeline_stdout(p, m) < 0)
        rc = -1;
    atomic_fetch_add(&p->published, 1);
    return rc;
}

void pipeline_flush(struct pipeline *p)
{
    if (!p->stdout_sink)
        return;
    pthread_mutex_lock(&p->stdout_lock);
    fflush(stdout);
    pthread_mutex_unlock(&p->stdout_lock);
}

uint64_t pipeline_published(const struct pipeline *p) { return atomic_load(&p->published); }
