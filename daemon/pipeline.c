/* pipeline - see pipeline.h. */
#include "pipeline.h"

#include "clock.h"
#include "log.h"
#include "metric.h"
#include "sink.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct pipeline {
    struct sink **sinks; /* the enabled ones, in the order of sink_kinds[] */
    size_t count;
    char *province, *topic_prefix;
    atomic_uint_fast64_t published;
};

struct pipeline *pipeline_new(const struct config *config)
{
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        log_error("cannot set up the sinks: out of memory");
        return NULL;
    }
    /* The MQTT topic is built once per metric, in the metric's own block,
     * from [sink.mqtt]'s topic_prefix (the key has a default). */
    const char *prefix = section_text(config_sink(config, "sink.mqtt"), "topic_prefix");
    p->province = strdup(config->province);
    p->topic_prefix = strdup(prefix ? prefix : "ioc/v1");
    p->sinks = calloc(config->sink_count ? config->sink_count : 1, sizeof *p->sinks);
    if (!p->province || !p->topic_prefix || !p->sinks) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    /* The catalogue's JSON is made once here: a sink that publishes it
     * (mqtt, retained on _catalog) keeps its own copy. */
    char *catalog = catalog_json(config_catalog(config), config->province);
    if (!catalog) {
        log_error("cannot set up the sinks: out of memory");
        goto fail;
    }
    struct sink_setup setup = {config->province, &config->outbox_limits, catalog};
    for (size_t i = 0; i < config->sink_count; i++) {
        if (!config_sink_enabled(&config->sinks[i]))
            continue;
        struct sink *s = sink_kinds[i]->create(&config->sinks[i], &setup);
        if (!s) {
            /* The sink has logged why. */
            log_error("cannot set up [%s]", config->sinks[i].name);
            free(catalog);
            goto fail;
        }
        p->sinks[p->count++] = s;
    }
    free(catalog);
    if (p->count == 0)
        log_warn("no sink is enabled: metrics are checked and counted, then dropped "
                 "(enable [sink.stdout], [sink.mqtt] or [sink.kafka])");
    return p;
fail:
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
    for (size_t i = 0; i < p->count; i++)
        if (p->sinks[i]->ops->flush)
            p->sinks[i]->ops->flush(p->sinks[i]);
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
    size_t n = p->count ? p->count : 1;
    struct pipeline_stopper st[n];
    pthread_t threads[n];
    bool started[n];
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

void pipeline_free(struct pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        p->sinks[i]->ops->free(p->sinks[i]);
    free(p->sinks);
    free(p->province);
    free(p->topic_prefix);
    free(p);
}
