/*
 * sink_kafka - metrics to Kafka, the history for analytics.
 *
 * One message per metric on topic `ioc.metrics.v1` (configurable), keyed
 * by the series key so a compacted topic keeps the latest value per series
 * and per-series order holds across partitions. The producer is
 * idempotent with acks=all, so librdkafka's retries during a broker
 * outage never write a message twice. A metric leaves the outbox when
 * librdkafka takes it; it counts as delivered only on a successful
 * delivery report, and a failed report puts it back in the outbox. A full
 * librdkafka queue is retried, never ignored. At shutdown, what librdkafka
 * still holds is purged and counted as left at shutdown (it has nowhere
 * to go back to). Any `kafka.<property>` line of [sink.kafka] goes to
 * librdkafka as is (SASL, SSL, tuning). Reconnection backoff is capped at
 * 500 ms (reconnect.backoff.max.ms, plus librdkafka's jitter) so a broker
 * that comes back is used within about a second, not after librdkafka's
 * default 10 s.
 *
 * One sender thread moves metrics from the outbox into librdkafka (zero
 * copy: the metric's reference travels as the message opaque and is
 * released by the delivery report) and serves delivery reports with
 * rd_kafka_poll. librdkafka's own threads do the network work.
 */
#include "sink.h"

#include "clock.h"
#include "log.h"
#include "outbox.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define KAFKA_BATCH 256
/* With nothing in librdkafka, the sender sleeps on the outbox this long (a
 * push or a stop wakes it at once); it wakes only to serve librdkafka's
 * error callbacks, so an idle daemon is not woken ten times a second. */
#define KAFKA_IDLE_WAIT_MS 5000
#define KAFKA_ERROR_LOG_INTERVAL_S 30

static const struct ioc_config_key kafka_keys[] = {
    {"enabled", IOC_CFG_BOOL, "false", false, "publish metrics to Kafka", NULL, NULL},
    {"bootstrap_servers", IOC_CFG_STRING, "127.0.0.1:9092", false, "host:port[,host:port...]",
     NULL, NULL},
    {"topic", IOC_CFG_STRING, "ioc.metrics.v1", false, "topic of metric records", NULL, NULL},
    {"compression", IOC_CFG_STRING, "lz4", false, "none, gzip, snappy, lz4 or zstd", NULL, NULL},
    {"linger", IOC_CFG_DURATION, "5ms", false, "how long librdkafka waits to fill a batch",
     NULL, NULL},
    {"delivery_timeout", IOC_CFG_DURATION, "5m", false,
     "how long librdkafka retries one message; then it goes back to the outbox (while running)",
     NULL, NULL},
    {"client_id", IOC_CFG_STRING, "iocd", false, "Kafka client id", NULL, NULL},
    {"on_change", IOC_CFG_BOOL, "false", false,
     "publish a series only when it changed or refresh has passed (default: every observation)",
     NULL, NULL},
    {"refresh", IOC_CFG_DURATION, "15min", false,
     "with on_change: re-publish an unchanged series after this long", "1s", NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

struct sink_kafka {
    struct sink base;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    struct outbox *outbox;
    char *topic;
    pthread_t sender;
    atomic_bool stopping;
    int64_t drain_deadline_ms;
    /* Touched by the sender thread only (delivery reports run there too),
     * then by stop after the thread ended. */
    uint64_t produced, failed_reports;
    uint64_t produced_records, reported_records, delivered_records; /* outbox_is_record */
    uint64_t purged, purged_records; /* taken back from librdkafka at shutdown */
    int64_t trouble_ms;   /* first error or failed report since the last delivery; 0 = none */
    struct sink_tally tally; /* complete after stop */
    /* Written by the sender thread, read by SIGUSR1's counter line on the
     * main thread: atomic, or that read is a data race (TSan saw it). */
    atomic_uint_fast64_t delivered, queue_full_retries;
    time_t last_error_log;
    atomic_int_fast64_t last_delivery_ms; /* monotonic; read by publishers */
    /* For sink_stats: the last answer from the cluster (a delivery report,
     * good or bad, or an error callback; monotonic ms), and whether the
     * last error said every broker is down (a known outage, which
     * librdkafka retries: not a wedge). Set to now while librdkafka holds
     * nothing, so stalled_ms counts from the first unanswered message. */
    atomic_int_fast64_t last_answer_ms;
    atomic_bool all_brokers_down;
};

/* ---- configuration ---- */

static int kafka_topic_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 249 || !strcmp(t, ".") || !strcmp(t, ".."))
        return 0;
    for (; *t; t++)
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '.' || *t == '_' || *t == '-'))
            return 0;
    return 1;
}

/* Properties iocd sets itself: a kafka.* line may not override them (the
 * delivery guarantees depend on the first two). NULL if not ours. */
static const char *kafka_owned_property(const char *prop)
{
    static const struct { const char *prop, *why; } owned[] = {
        {"enable.idempotence", "the producer is always idempotent"},
        {"acks", "acks=all is required for no loss"},
        {"request.required.acks", "acks=all is required for no loss"},
        {"bootstrap.servers", "use bootstrap_servers"},
        {"metadata.broker.list", "use bootstrap_servers"},
        {"compression.type", "use compression"},
        {"compression.codec", "use compression"},
        {"linger.ms", "use linger"},
        {"queue.buffering.max.ms", "use linger"},
        {"message.timeout.ms", "use delivery_timeout"},
        {"delivery.timeout.ms", "use delivery_timeout"},
        {"client.id", "use client_id"},
    };
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (strcmp(prop, owned[i].prop) == 0)
            return owned[i].why;
    return NULL;
}

/* librdkafka properties that hold a secret (from its CONFIGURATION.md):
 * give them as kafka.PROP_file = PATH; written inline they are warned
 * about when others can read iocd.conf. */
static bool kafka_secret_property(const char *prop)
{
    static const char *const secret[] = {
        "sasl.password", "ssl.key.password", "ssl.key.pem", "ssl.keystore.password",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config",
    };
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (strcmp(prop, secret[i]) == 0)
            return true;
    return false;
}

/* Why a kafka.PROP = VALUE setting weakens TLS or sends a secret in the
 * clear, or NULL. The protocol check needs the whole section. */
static const char *kafka_insecure_setting(const struct config_section *sec, const char *prop,
                                          const char *value)
{
    if (strcmp(prop, "enable.ssl.certificate.verification") == 0 &&
        (!strcasecmp(value, "false") || !strcmp(value, "0")))
        return "the broker's certificate is not verified: anyone on the path can pose as it";
    if (strcmp(prop, "ssl.endpoint.identification.algorithm") == 0 && !strcasecmp(value, "none"))
        return "the broker's host name is not checked against its certificate";
    if (strcmp(prop, "enable.sasl.oauthbearer.unsecure.jwt") == 0 &&
        (!strcasecmp(value, "true") || !strcmp(value, "1")))
        return "unsigned OAUTHBEARER tokens are accepted";
    if (strcmp(prop, "security.protocol") == 0 && !strcasecmp(value, "sasl_plaintext")) {
        for (size_t i = 0; i < sec->extra_count; i++)
            if (strcmp(sec->extra_keys[i], "sasl.mechanism") == 0 &&
                !strcasecmp(sec->extra[i].text, "PLAIN"))
                return "SASL PLAIN over plaintext sends the password in the clear";
    }
    return NULL;
}

/* Warnings about kafka.* lines: secrets inline, verification turned off. */
static void kafka_warn(const struct config_section *sec, struct diag *d)
{
    for (size_t i = 0; i < sec->extra_count; i++) {
        const char *prop = sec->extra_keys[i];
        char key[160];
        snprintf(key, sizeof key, "kafka.%s", prop);
        if (kafka_secret_property(prop) && !sec->extra[i].from_file)
            keytable_inline_secret(sec->path, sec->extra[i].line, key, d);
        const char *why = kafka_insecure_setting(sec, prop, sec->extra[i].text);
        if (why)
            diag_warn(d, sec->path, sec->extra[i].line, "'%s' = '%s': %s", key,
                      sec->extra[i].text, why);
    }
}

/* Build librdkafka's configuration; every refused setting is an error at
 * its line. Returns NULL if anything was refused. */
static rd_kafka_conf_t *kafka_conf(const struct config_section *sec, struct diag *d)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512], num[32];
    size_t errors = d ? d->count : 0;
    struct { const char *prop, *value, *key; } fixed[] = {
        {"bootstrap.servers", section_text(sec, "bootstrap_servers"), "bootstrap_servers"},
        {"compression.type", section_text(sec, "compression"), "compression"},
        {"client.id", section_text(sec, "client_id"), "client_id"},
        {"enable.idempotence", "true", NULL},
        {"acks", "all", NULL},
        {"linger.ms", NULL, "linger"},
        {"message.timeout.ms", NULL, "delivery_timeout"},
        /* librdkafka holds references to our metrics (no copy) until their
         * delivery report: this bounds that memory like the outbox's own
         * bound (100,000 by default; kafka.queue.buffering.max.messages
         * still overrides it). The rest waits in the outbox. */
        {"queue.buffering.max.messages", "20000", NULL},
        /* A broker that comes back is reconnected to within a second
         * (librdkafka's default backoff grows to 10 s; it adds up to +50 %
         * jitter to the cap, hence 500 ms): issue 17. */
        {"reconnect.backoff.ms", "100", NULL},
        {"reconnect.backoff.max.ms", "500", NULL},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const char *value = fixed[i].value;
        if (!value) {
            snprintf(num, sizeof num, "%lld", (long long)section_ms(sec, fixed[i].key));
            value = num;
        }
        if (rd_kafka_conf_set(conf, fixed[i].prop, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
            if (d)
                diag_add(d, sec->path, fixed[i].key ? section_line(sec, fixed[i].key) : sec->line,
                         "'%s' = '%s': %s", fixed[i].key ? fixed[i].key : fixed[i].prop, value, err);
            else
                log_error("sink kafka: %s = %s: %s", fixed[i].prop, value, err);
        }
    }
    for (size_t i = 0; i < sec->extra_count; i++) {
        const char *ours = kafka_owned_property(sec->extra_keys[i]);
        if (ours) {
            if (d)
                diag_add(d, sec->path, sec->extra[i].line, "'kafka.%s' is set by iocd: %s",
                         sec->extra_keys[i], ours);
            continue;
        }
        if (rd_kafka_conf_set(conf, sec->extra_keys[i], sec->extra[i].text, err, sizeof err) ==
            RD_KAFKA_CONF_OK)
            continue;
        if (d)
            diag_add(d, sec->path, sec->extra[i].line, "'kafka.%s': %s", sec->extra_keys[i], err);
        else
            log_error("sink kafka: kafka.%s: %s", sec->extra_keys[i], err);
    }
    if (d && d->count > errors) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

/* Checks beyond types, including every kafka.<property> against
 * librdkafka itself (unknown property or invalid value = error at file:line). */
static void kafka_check(const struct config_section *sec, struct diag *d)
{
    const char *topic = section_text(sec, "topic");
    if (topic && !kafka_topic_valid(topic))
        diag_add(d, sec->path, section_line(sec, "topic"),
                 "'topic' = '%s': 1..249 characters of [a-zA-Z0-9._-]", topic);
    kafka_warn(sec, d);
    rd_kafka_conf_t *conf = kafka_conf(sec, d);
    if (conf)
        rd_kafka_conf_destroy(conf);
}

/* ---- librdkafka callbacks (sender thread, from rd_kafka_poll) ---- */

static void kafka_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct sink_kafka *s = opaque;
    struct metric *m = msg->_private;
    bool record = outbox_is_record(m);
    s->reported_records += record;
    atomic_store(&s->last_answer_ms, clock_mono_ms());
    if (!msg->err) {
        atomic_store(&s->all_brokers_down, false);
        int64_t now = clock_mono_ms();
        s->delivered++;
        s->delivered_records += record;
        atomic_store(&s->last_delivery_ms, now);
        sink_settled(&s->base, m);
        metric_unref(m);
        if (s->trouble_ms)
            log_info("sink kafka: delivering again: first delivery %" PRId64 ".%" PRId64
                     " s after librdkafka reported trouble", (now - s->trouble_ms) / 1000,
                     (now - s->trouble_ms) % 1000 / 100);
        s->trouble_ms = 0;
        return;
    }
    if (msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
        msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        /* Only kafka_stop purges: shutdown, nothing goes back anywhere. */
        s->purged++;
        s->purged_records += record;
        metric_unref(m);
        return;
    }
    s->failed_reports++;
    if (!s->trouble_ms)
        s->trouble_ms = clock_mono_ms();
    time_t now = time(NULL);
    if (now - s->last_error_log >= KAFKA_ERROR_LOG_INTERVAL_S) {
        log_warn("sink kafka: delivery failed: %s; the metric goes back to the outbox",
                 rd_kafka_err2str(msg->err));
        s->last_error_log = now;
    }
    outbox_requeue(s->outbox, &m, 1);
}

static void kafka_on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct sink_kafka *s = opaque;
    char fatal[512];
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        log_error("sink kafka: fatal producer error: %s", fatal);
        return;
    }
    if (!s->trouble_ms)
        s->trouble_ms = clock_mono_ms();
    atomic_store(&s->last_answer_ms, clock_mono_ms());
    atomic_store(&s->all_brokers_down, err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN);
    time_t now = time(NULL);
    if (now - s->last_error_log >= KAFKA_ERROR_LOG_INTERVAL_S) {
        log_warn("sink kafka: %s (librdkafka keeps retrying)", reason);
        s->last_error_log = now;
    }
}

/* librdkafka's own log lines, into ours: its errors as warnings (it
 * retries them), the rest at debug level. */
static void kafka_on_log(const rd_kafka_t *rk, int level, const char *facility, const char *buf)
{
    (void)rk;
    log_msg(level <= 4 ? LOG_LEVEL_WARNING : LOG_LEVEL_DEBUG, "iocd",
            "sink kafka: librdkafka %s: %s", facility, buf);
}

/* ---- sender thread ---- */

/* Hand one metric to librdkafka, waiting while its queue is full. Returns
 * 0, or -1 when it must go back to the outbox. */
static int kafka_produce(struct sink_kafka *s, struct metric *m)
{
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            s->rk, RD_KAFKA_V_RKT(s->rkt), RD_KAFKA_V_KEY(m->series, m->series_len),
            RD_KAFKA_V_VALUE((void *)m->json, m->json_len), RD_KAFKA_V_OPAQUE(m), RD_KAFKA_V_END);
        if (!err) {
            s->produced++;
            s->produced_records += outbox_is_record(m);
            return 0;
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            log_warn("sink kafka: cannot produce: %s", rd_kafka_err2str(err));
            return -1;
        }
        s->queue_full_retries++;
        rd_kafka_poll(s->rk, 100); /* serve delivery reports to make room */
        if (atomic_load(&s->stopping) && clock_mono_ms() >= s->drain_deadline_ms)
            return -1;
    }
}

static void *kafka_sender(void *arg)
{
    struct sink_kafka *s = arg;
    struct metric *batch[KAFKA_BATCH];
    for (;;) {
        bool stopping = atomic_load(&s->stopping);
        if (stopping && clock_mono_ms() >= s->drain_deadline_ms)
            break;
        /* Delivery reports are served every 100 ms while librdkafka holds
         * messages; otherwise only a new metric has anything to do. */
        int64_t wait = stopping ? 0 : rd_kafka_outq_len(s->rk) > 0 ? 100 : KAFKA_IDLE_WAIT_MS;
        size_t n = outbox_pop(s->outbox, batch, KAFKA_BATCH, wait);
        size_t i = 0;
        while (i < n && kafka_produce(s, batch[i]) == 0)
            i++;
        if (i < n)
            outbox_requeue(s->outbox, batch + i, n - i);
        rd_kafka_poll(s->rk, i < n ? 100 : 0);
        if (rd_kafka_outq_len(s->rk) == 0)
            atomic_store(&s->last_answer_ms, clock_mono_ms());
        if (stopping && n == 0) {
            /* Outbox empty: wait for what librdkafka still holds. */
            int64_t left = s->drain_deadline_ms - clock_mono_ms();
            rd_kafka_flush(s->rk, (int)(left > 0 ? (left < 200 ? left : 200) : 0));
            struct outbox_counters oc;
            outbox_counters(s->outbox, &oc);
            if (rd_kafka_outq_len(s->rk) == 0 && oc.length == 0)
                break;
        }
    }
    return NULL;
}

/* ---- sink operations ---- */

/* Wait for room only while deliveries are being confirmed. */
static void kafka_publish_batch(struct sink *base, struct metric *const *items, size_t n,
                                int64_t wait_until_ms)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    int64_t until = sink_wait_until(wait_until_ms, atomic_load(&s->last_delivery_ms),
                                    clock_mono_ms());
    /* Screens' retained state (METRIC_SCREEN) is not for Kafka: it has
     * every record and the alerts. Push the runs between them. */
    size_t from = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && items[i]->kind != METRIC_SCREEN)
            continue;
        if (i > from)
            outbox_push_batch(s->outbox, items + from, i - from, until);
        from = i + 1;
    }
}

static void kafka_publish(struct sink *base, struct metric *m, int64_t wait_until_ms)
{
    kafka_publish_batch(base, &m, 1, wait_until_ms);
}

static void kafka_log_counters(struct sink *base)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    log_info("sink kafka: queued=%llu unchanged=%llu delivered=%llu retried=%llu dropped_full=%llu "
             "dropped_requeue=%llu dropped_kpi=%llu in_outbox=%zu in_librdkafka=%d "
             "queue_full_waits=%llu",
             (unsigned long long)oc.queued, (unsigned long long)atomic_load(&base->unchanged),
             (unsigned long long)atomic_load(&s->delivered),
             (unsigned long long)oc.requeued, (unsigned long long)oc.dropped_full,
             (unsigned long long)oc.dropped_requeue, (unsigned long long)oc.dropped_kpi, oc.length,
             s->rk ? rd_kafka_outq_len(s->rk) : 0, (unsigned long long)atomic_load(&s->queue_full_retries));
}

static void kafka_tally(struct sink *base, struct sink_tally *out)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    *out = s->tally;
}

static void kafka_stats(struct sink *base, struct sink_stats *out, int64_t now_ms)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    int held = s->rk ? rd_kafka_outq_len(s->rk) : 0;
    bool down = atomic_load(&s->all_brokers_down);
    int64_t answer = atomic_load(&s->last_answer_ms);
    *out = (struct sink_stats){"kafka", !down, oc.queued, atomic_load(&s->delivered),
                               oc.dropped_full + oc.dropped_requeue + oc.dropped_kpi, held > 0 ? (uint64_t)held : 0,
                               oc.length, oc.bytes,
                               held > 0 && !down && answer ? now_ms - answer : 0};
}

static size_t kafka_stop(struct sink *base, int64_t deadline_ms)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    s->drain_deadline_ms = deadline_ms;
    atomic_store(&s->stopping, true);
    outbox_wake(s->outbox);
    pthread_join(s->sender, NULL);
    kafka_log_counters(base);
    /* Take back what librdkafka still holds: its delivery reports say
     * "purged" and the metrics are counted as left at shutdown. Reports
     * of purged in-flight requests may take a moment: bounded. */
    rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 10 && s->reported_records < s->produced_records; i++)
        rd_kafka_poll(s->rk, i ? 100 : 0);
    outbox_end_episode(s->outbox);
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    /* Any still unreported are left too (never seen delivered). */
    uint64_t unreported = s->produced_records - s->reported_records;
    s->tally = (struct sink_tally){
        .taken = oc.records_in,
        .delivered = s->delivered_records,
        .dropped = oc.records_dropped,
        .left = oc.records_held + s->purged_records + unreported,
    };
    size_t left = oc.length + (size_t)s->purged + (size_t)unreported;
    char detail[200];
    snprintf(detail, sizeof detail,
             "%zu waiting in the outbox, %" PRIu64 " purged from librdkafka, %" PRIu64
             " unreported; with alerts, %zu messages left", oc.records_held, s->purged_records,
             unreported, left);
    sink_tally_log("kafka", &s->tally, oc.dropped_full + oc.dropped_requeue + oc.dropped_kpi,
                   atomic_load(&s->delivered), detail);
    return left;
}

static void kafka_free(struct sink *base)
{
    struct sink_kafka *s = (struct sink_kafka *)base;
    if (s->rkt)
        rd_kafka_topic_destroy(s->rkt);
    if (s->rk)
        rd_kafka_destroy(s->rk);
    outbox_free(s->outbox);
    free(s->topic);
    free(s);
}

/* Metrics waiting in the outbox (not those librdkafka holds). */
static size_t kafka_pending(struct sink *base)
{
    struct outbox_counters oc;
    outbox_counters(((struct sink_kafka *)base)->outbox, &oc);
    return oc.length;
}

static const struct sink_ops kafka_ops = {
    .name = "kafka",
    .publish = kafka_publish,
    .publish_batch = kafka_publish_batch,
    .pending = kafka_pending,
    .status = NULL,
    .tally = kafka_tally,
    .stop = kafka_stop,
    .log_counters = kafka_log_counters,
    .stats = kafka_stats,
    .free = kafka_free,
};

static struct sink *kafka_create(const struct config_section *sec, const struct sink_setup *setup)
{
    struct sink_kafka *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &kafka_ops;
    char err[512];
    rd_kafka_conf_t *conf = kafka_conf(sec, NULL);
    s->topic = strdup(section_text(sec, "topic"));
    s->outbox = outbox_new("sink kafka", setup->limits);
    if (!conf || !s->topic || !s->outbox) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        kafka_free(&s->base);
        return NULL;
    }
    sink_use_log(&s->base, s->outbox, setup);
    rd_kafka_conf_set_opaque(conf, s);
    atomic_store(&s->last_answer_ms, clock_mono_ms());
    rd_kafka_conf_set_dr_msg_cb(conf, kafka_on_delivery);
    rd_kafka_conf_set_error_cb(conf, kafka_on_error);
    rd_kafka_conf_set_log_cb(conf, kafka_on_log);
    if (!(s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err))) {
        log_error("sink kafka: cannot create the producer: %s", err);
        rd_kafka_conf_destroy(conf);
        kafka_free(&s->base);
        return NULL;
    }
    if (!(s->rkt = rd_kafka_topic_new(s->rk, s->topic, NULL)) ||
        pthread_create(&s->sender, NULL, kafka_sender, s) != 0) {
        log_error("sink kafka: cannot start: %s", rd_kafka_err2str(rd_kafka_last_error()));
        kafka_free(&s->base);
        return NULL;
    }
    log_info("sink kafka: producing to topic %s via %s (idempotent, acks=all, %s)", s->topic,
             section_text(sec, "bootstrap_servers"), section_text(sec, "compression"));
    return &s->base;
}

const struct sink_kind sink_kafka_kind = {
    .section = "sink.kafka",
    .keys = kafka_keys,
    .passthrough = "kafka.",
    .check = kafka_check,
    .create = kafka_create,
    .durable = true,
};
