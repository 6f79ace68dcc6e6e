/* metric - see metric.h. */
#include "metric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One block: the struct, then series, topic (topic_len bytes, written by
 * the caller at *topic) and json, each NUL-terminated. */
static struct metric *metric_block(const char *series, size_t series_len, size_t topic_len,
                                   const char *json, size_t json_len, uint64_t seq, char **topic)
{
    size_t size = sizeof(struct metric) + series_len + 1 + topic_len + 1 + json_len + 1;
    struct metric *m = malloc(size);
    if (!m)
        return NULL;
    char *p = (char *)(m + 1);
    atomic_init(&m->refs, 1);
    m->kind = METRIC_RECORD;
    m->seq = seq;
    m->log_segment = m->log_offset = 0;
    m->size = size;
    m->series = p;
    m->series_len = series_len;
    memcpy(p, series, series_len);
    p[series_len] = '\0';
    p += series_len + 1;
    m->topic = *topic = p;
    p += topic_len + 1;
    m->json = p;
    m->json_len = json_len;
    memcpy(p, json, json_len);
    p[json_len] = '\0';
    return m;
}

struct metric *metric_new(const char *topic_prefix, const char *province, const char *series,
                          const char *json, size_t json_len, uint64_t seq)
{
    size_t series_len = strlen(series);
    size_t prefix_len = strlen(topic_prefix), province_len = strlen(province);
    char *p;
    struct metric *m = metric_block(series, series_len,
                                    prefix_len + 1 + province_len + 1 + series_len, json,
                                    json_len, seq, &p);
    if (!m)
        return NULL;
    /* topic = prefix/province/series, copied piece by piece (per metric). */
    memcpy(p, topic_prefix, prefix_len);
    p += prefix_len;
    *p++ = '/';
    memcpy(p, province, province_len);
    p += province_len;
    *p++ = '/';
    memcpy(p, series, series_len + 1);
    return m;
}

struct metric *metric_like(const struct metric *m, const char *json, size_t json_len)
{
    size_t topic_len = strlen(m->topic);
    char *p;
    struct metric *c = metric_block(m->series, m->series_len, topic_len, json, json_len, m->seq, &p);
    if (c)
        memcpy(p, m->topic, topic_len + 1);
    return c;
}

struct metric *metric_clear(const struct metric *m) { return metric_like(m, "", 0); }

struct metric *metric_from_parts(uint8_t kind, uint64_t seq, const char *series,
                                 size_t series_len, const char *topic, size_t topic_len,
                                 const char *json, size_t json_len)
{
    char *p;
    struct metric *m = metric_block(series, series_len, topic_len, json, json_len, seq, &p);
    if (!m)
        return NULL;
    memcpy(p, topic, topic_len);
    p[topic_len] = '\0';
    m->kind = kind;
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
