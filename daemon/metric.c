/* metric - see metric.h. */
#include "metric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metric *metric_new(const char *topic_prefix, const char *province, const char *series,
                          const char *json, size_t json_len, uint64_t seq)
{
    size_t series_len = strlen(series);
    size_t topic_len = strlen(topic_prefix) + 1 + strlen(province) + 1 + series_len;
    struct metric *m = malloc(sizeof *m + series_len + 1 + topic_len + 1 + json_len + 1);
    if (!m)
        return NULL;
    char *p = (char *)(m + 1);
    atomic_init(&m->refs, 1);
    m->seq = seq;
    m->series = p;
    m->series_len = series_len;
    memcpy(p, series, series_len + 1);
    p += series_len + 1;
    m->topic = p;
    p += 1 + (size_t)sprintf(p, "%s/%s/%s", topic_prefix, province, series);
    m->json = p;
    m->json_len = json_len;
    memcpy(p, json, json_len);
    p[json_len] = '\0';
    return m;
}

struct metric *metric_ref(struct metric *m)
{
    atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void metric_unref(struct metric *m)
{
    if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        free(m);
}
