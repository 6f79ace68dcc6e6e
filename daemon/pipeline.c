/* pipeline - see pipeline.h. */
#include "pipeline.h"

#include "clock.h"
#include "log.h"
#include "metric.h"
#include "sink_kafka.h"
#include "sink_mqtt.h"
#include "sink_stdout.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PIPELINE_MAX_SINKS 3

struct pipeline {
    struct sink *sinks[PIPELINE_MAX_SINKS];
    size_t count;
    struct sink *stdout_sink; /* also in sinks[]; flushed after each poll */
    char *province, *topic_prefix;
    atomic_uint_fast64_t published;
};

static bool pipeline_enabled(const struct config_section *sec)
{
    return sec->present && section_bool(sec, "enabled");
}

struct pipeline *pipeline_new(const struct config *config)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    const char *prefix = config->mqtt.values ? section_text(&config->mqtt, "topic_prefix") : NULL;
    p->province = strdup(config->province);
    p->topic_prefix = strdup(prefix ? prefix : "ioc/v1");
    struct sink *s;
    if (config->stdout_sink) {
        if (!(s = sink_stdout_new()))
            goto fail;
        p->sinks[p->count++] = p->stdout_sink = s;
    }
    if (pipeline_enabled(&config->mqtt)) {
        if (!(s = sink_mqtt_new(&config->mqtt, config->province, &config->outbox_limits)))
            goto fail;
        p->sinks[p->count++] = s;
    }
    if (pipeline_enabled(&config->kafka)) {
        if (!(s = sink_kafka_new(&config->kafka, &config->outbox_limits)))
            goto fail;
        p->sinks[p->count++] = s;
    }
    if (p->count == 0)
        log_warn("no sink is enabled: metrics are checked and counted, then dropped "
                 "(enable [sink.stdout], [sink.mqtt] or [sink.kafka])");
    return p;
fail:
    log_error("cannot set up the sinks");
    pipeline_stop(p, 0);
    pipeline_free(p);
    return NULL;
}

int pipeline_publish(struct pipeline *p, const char *series, const char *json, size_t json_len,
                     uint64_t seq, int64_t wait_until_ms)
{
    struct metric *m = metric_new(p->topic_prefix, p->province, series, json, json_len, seq);
    if (!m)
        return -1;
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->publish(p->sinks[i], m, wait_until_ms);
    metric_unref(m);
    atomic_fetch_add(&p->published, 1);
    return 0;
}

void pipeline_status(struct pipeline *p, const char *instance, const char *text)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->sinks[i]->ops->status)
            p->sinks[i]->ops->status(p->sinks[i], instance, text);
}

void pipeline_flush(struct pipeline *p)
{
    if (p->stdout_sink)
        sink_stdout_flush(p->stdout_sink);
}

struct pipeline_stopper {
    struct sink *sink;
    int64_t deadline_ms;
    size_t undelivered;
};

static void *pipeline_stop_one(void *arg)
{
    struct pipeline_stopper *st = arg;
    st->undelivered = st->sink->ops->stop(st->sink, st->deadline_ms);
    return NULL;
}

size_t pipeline_stop(struct pipeline *p, int64_t timeout_ms)
{
    struct pipeline_stopper st[PIPELINE_MAX_SINKS];
    pthread_t threads[PIPELINE_MAX_SINKS];
    bool started[PIPELINE_MAX_SINKS] = {false};
    int64_t deadline = clock_mono_ms() + timeout_ms;
    /* In parallel: a dead MQTT broker must not eat Kafka's share of the
     * shutdown time. */
    for (size_t i = 0; i < p->count; i++) {
        st[i] = (struct pipeline_stopper){p->sinks[i], deadline, 0};
        started[i] = pthread_create(&threads[i], NULL, pipeline_stop_one, &st[i]) == 0;
        if (!started[i])
            pipeline_stop_one(&st[i]);
    }
    size_t undelivered = 0;
    for (size_t i = 0; i < p->count; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        undelivered += st[i].undelivered;
    }
    return undelivered;
}

void pipeline_log_counters(struct pipeline *p)
{
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->log_counters(p->sinks[i]);
}

uint64_t pipeline_published(const struct pipeline *p) { return atomic_load(&p->published); }
size_t pipeline_sink_count(const struct pipeline *p) { return p->count; }

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->free(p->sinks[i]);
    free(p->province);
    free(p->topic_prefix);
    free(p);
}
