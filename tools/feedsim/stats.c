/*
 * stats - per-endpoint, per-status request counters. A plain array of
 * 600 counters per endpoint under one mutex: there are few endpoints and
 * counting is a single increment, so nothing cleverer is worth it.
 */
#include "stats.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define STATS_CODES 600

struct stats {
    pthread_mutex_t lock;
    const char *const *names;
    size_t count;
    uint64_t (*by_status)[STATS_CODES]; /* [endpoint][status] */
};

struct stats *stats_new(const char *const *names, size_t count)
{
    struct stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->by_status = calloc(count ? count : 1, sizeof *st->by_status);
    if (!st->by_status) {
        free(st);
        return NULL;
    }
    st->names = names;
    st->count = count;
    pthread_mutex_init(&st->lock, NULL);
    return st;
}

void stats_free(struct stats *st)
{
    if (!st)
        return;
    pthread_mutex_destroy(&st->lock);
    free(st->by_status);
    free(st);
}

void stats_count(struct stats *st, size_t which, unsigned status)
{
    if (which >= st->count)
        return;
    pthread_mutex_lock(&st->lock);
    st->by_status[which][status >= 100 && status < STATS_CODES ? status : 0]++;
    pthread_mutex_unlock(&st->lock);
}

/* {"requests":N,"status":{"200":N,..}} of one row of counters. */
static json_t *stats_codes_json(const uint64_t *codes)
{
    json_t *status = json_object();
    uint64_t requests = 0;
    for (unsigned c = 0; c < STATS_CODES; c++) {
        if (!codes[c])
            continue;
        char key[8];
        snprintf(key, sizeof key, "%u", c);
        json_object_set_new(status, key, json_integer((json_int_t)codes[c]));
        requests += codes[c];
    }
    return json_pack("{s:I, s:o}", "requests", (json_int_t)requests, "status", status);
}

json_t *stats_json(struct stats *st)
{
    uint64_t total[STATS_CODES] = {0};
    json_t *endpoints = json_object();
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < st->count; i++) {
        for (unsigned c = 0; c < STATS_CODES; c++)
            total[c] += st->by_status[i][c];
        json_object_set_new(endpoints, st->names[i], stats_codes_json(st->by_status[i]));
    }
    pthread_mutex_unlock(&st->lock);
    return json_pack("{s:o, s:o}", "total", stats_codes_json(total), "endpoints", endpoints);
}
