/*
 * sink_mqtt - metrics to an MQTT broker, for the wall screens.
 *
 * Each metric goes to ioc/v1/<province>/<series> (topic_prefix
 * configurable), QoS 1 and retained by default, so a screen that connects
 * sees every series' current value at once. A metric leaves the outbox
 * for good only when the broker's PUBACK for its message id arrived; on a
 * lost connection, unacknowledged metrics are put back in the outbox and
 * sent again after libmosquitto reconnects (capped exponential backoff).
 * In-flight messages are bounded (max_inflight): unlimited in-flight makes
 * libmosquitto about 30 times slower (measured; docs/design.md).
 *
 * Connector status: every connector instance gets a small connection of
 * its own whose last will is "offline" on ioc/v1/<province>/_status/<name>,
 * retained; it publishes "online" or "degraded: <reason>" there. A killed
 * daemon (or a crashed iocd@NAME) thus shows "offline" for each of its
 * connectors with no action of ours; a clean stop publishes "offline".
 *
 * Threads: libmosquitto's network thread (mosquitto_loop_start) runs the
 * connection and calls on_connect / on_disconnect / on_publish; our
 * sender thread moves metrics from the outbox to mosquitto_publish. The
 * in-flight table maps message ids to metrics. The sender holds `lock`
 * across mosquitto_publish and the table insert, and on_publish takes the
 * same lock, so an acknowledgement can never arrive for an id that is not
 * in the table yet (libmosquitto calls on_publish without holding the
 * locks mosquitto_publish takes, so this cannot deadlock).
 */
#include "sink.h"

#include "clock.h"
#include "mqtt_endpoint.h"
#include "log.h"
#include "outbox.h"
#include "status_mqtt.h"

#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MQTT_BATCH 64
/* How long an idle sender sleeps on the outbox. A push, a requeue and a
 * stop all wake it at once, so this bound is only a safety net; a short one
 * would wake an idle daemon for nothing (it was 200 ms: 5 wake-ups/s). */
#define MQTT_IDLE_WAIT_MS 10000

static const struct ioc_config_key mqtt_keys[] = {
    {"enabled", IOC_CFG_BOOL, "false", false, "publish metrics to an MQTT broker", NULL, NULL},
    {"host", IOC_CFG_STRING, "127.0.0.1", false, "broker host name or address", NULL, NULL},
    {"port", IOC_CFG_INT, "1883", false, "broker port (8883 is usual with TLS)", "1", "65535"},
    {"client_id", IOC_CFG_STRING, NULL, false, "MQTT client id (default iocd-HOST-PID)",
     NULL, NULL},
    {"username", IOC_CFG_STRING, NULL, false, "user name for the broker", NULL, NULL},
    {"password", IOC_CFG_SECRET, NULL, false, "password for the broker", NULL, NULL},
    {"tls", IOC_CFG_BOOL, "false", false, "connect with TLS (certificate always verified)",
     NULL, NULL},
    {"ca_file", IOC_CFG_STRING, NULL, false, "CA certificates (PEM); default: the system's",
     NULL, NULL},
    {"cert_file", IOC_CFG_STRING, NULL, false, "client certificate (PEM), with key_file",
     NULL, NULL},
    {"key_file", IOC_CFG_STRING, NULL, false, "client private key (PEM), with cert_file",
     NULL, NULL},
    {"qos", IOC_CFG_INT, "1", false, "QoS of metric messages: 0, 1 or 2", "0", "2"},
    {"retain", IOC_CFG_BOOL, "true", false, "retain metric messages (screens see current values)",
     NULL, NULL},
    {"keepalive", IOC_CFG_DURATION, "30s", false, "MQTT keepalive", "5s", "65535s"},
    {"max_inflight", IOC_CFG_INT, "100", false,
     "unacknowledged messages at most (unlimited in-flight is ~30x slower)", "1", "65535"},
    {"reconnect_min", IOC_CFG_DURATION, "1s", false, "first wait before reconnecting", "100ms",
     NULL},
    {"reconnect_max", IOC_CFG_DURATION, "30s", false, "longest wait between reconnections",
     NULL, NULL},
    {"topic_prefix", IOC_CFG_STRING, "ioc/v1", false, "topics are PREFIX/PROVINCE/SERIES",
     NULL, NULL},
    {"status", IOC_CFG_BOOL, "true", false, "publish connector status on PREFIX/PROVINCE/_status/NAME",
     NULL, NULL},
    {"on_change", IOC_CFG_BOOL, "true", false,
     "publish a series only when it changed (not its ts or seq) or refresh has passed", NULL, NULL},
    {"refresh", IOC_CFG_DURATION, "15min", false,
     "with on_change: re-publish an unchanged series after this long", "1s", NULL},
    {"retire_after", IOC_CFG_DURATION, "7d", false,
     "a series not seen this long leaves the series state and its retained topic is cleared",
     "1s", NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

struct sink_mqtt {
    struct sink base;
    struct mosquitto *mosq;
    struct outbox *outbox;
    struct mqtt_endpoint endpoint; /* how to connect: shared with status clients */
    struct status_mqtt *status;    /* NULL when status = false */
    char *status_prefix;
    char *catalog_topic, *catalog_json; /* PREFIX/PROVINCE/_catalog, retained */
    int qos;
    bool retain;
    size_t max_inflight;
    pthread_t sender;
    atomic_bool stopping;
    atomic_bool fresh_session; /* set by on_connect, taken by the pipeline */
    int64_t drain_deadline_ms;

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t changed;
    bool connected;
    bool ever_connected;
    atomic_int_fast64_t last_ack_ms; /* monotonic time of the last PUBACK */
    struct metric **inflight; /* indexed by message id (1..65535) */
    size_t inflight_count;
    uint64_t sent, delivered, publish_errors, requeued_on_reconnect, dropped_invalid;
    time_t last_connect_failure_log; /* network thread only */
};

static int mqtt_topic_prefix_valid(const char *p)
{
    if (!*p || *p == '/' || p[strlen(p) - 1] == '/')
        return 0;
    return strpbrk(p, "+# ") == NULL;
}

/* Semantic checks of [sink.mqtt] beyond types (ranges, files, pairs). */
static void mqtt_check(const struct config_section *sec, struct diag *d)
{
    /* Ranges of single keys are in mqtt_keys; relations between keys here. */
    if (section_ms(sec, "reconnect_min") > section_ms(sec, "reconnect_max"))
        diag_add(d, sec->path, section_line(sec, "reconnect_min"),
                 "'reconnect_min' must not be above reconnect_max");
    const char *prefix = section_text(sec, "topic_prefix");
    if (prefix && !mqtt_topic_prefix_valid(prefix))
        diag_add(d, sec->path, section_line(sec, "topic_prefix"),
                 "'topic_prefix' must be topic levels without '+', '#', spaces or outer '/'");
    if (section_ms(sec, "retire_after") <= section_ms(sec, "refresh"))
        diag_add(d, sec->path, section_line(sec, "retire_after"),
                 "'retire_after' must be above refresh (a series still refreshed would be retired)");
    if (!section_text(sec, "cert_file") != !section_text(sec, "key_file"))
        diag_add(d, sec->path, sec->line, "'cert_file' and 'key_file' go together");
    static const char *const files[] = {"ca_file", "cert_file", "key_file"};
    for (size_t i = 0; i < 3; i++) {
        const char *f = section_text(sec, files[i]);
        if (f && f[0] != '/')
            diag_add(d, sec->path, section_line(sec, files[i]),
                     "'%s' = '%s': give an absolute path", files[i], f);
        else if (f && access(f, R_OK) != 0)
            diag_add(d, sec->path, section_line(sec, files[i]), "'%s' = '%s': cannot read it",
                     files[i], f);
        if (f && !section_bool(sec, "tls"))
            diag_add(d, sec->path, section_line(sec, files[i]), "'%s' needs tls = true", files[i]);
    }
    /* MQTT sends the user name and password in the clear in CONNECT. */
    static const char *const credentials[] = {"password", "username"};
    for (size_t i = 0; i < 2 && !section_bool(sec, "tls"); i++)
        if (section_text(sec, credentials[i])) {
            diag_warn(d, sec->path, section_line(sec, credentials[i]),
                      "'%s' without tls = true: the broker's credentials cross the network in "
                      "the clear", credentials[i]);
            break;
        }
}

/* ---- libmosquitto callbacks (network thread) ---- */

static void mqtt_on_connect(struct mosquitto *mosq, void *arg, int rc, int flags)
{
    struct sink_mqtt *s = arg;
    if (rc != 0) {
        log_warn("sink mqtt: %s:%d refused the connection: %s", s->endpoint.host,
                 s->endpoint.port, mosquitto_connack_string(rc));
        return;
    }
    pthread_mutex_lock(&s->lock);
    /* Messages left unacknowledged by the previous connection go back to
     * the front of the outbox and are sent again: at-least-once. */
    size_t requeued = 0;
    struct metric *again[MQTT_BATCH];
    for (size_t mid = 1; mid < 65536 && s->inflight_count > 0; mid++) {
        if (!s->inflight[mid])
            continue;
        again[requeued++] = s->inflight[mid];
        s->inflight[mid] = NULL;
        s->inflight_count--;
        if (requeued == MQTT_BATCH) {
            outbox_requeue(s->outbox, again, requeued);
            s->requeued_on_reconnect += requeued;
            requeued = 0;
        }
    }
    if (requeued)
        outbox_requeue(s->outbox, again, requeued);
    s->requeued_on_reconnect += requeued;
    bool first = !s->ever_connected;
    /* Session-present 0 after a reconnection: the broker kept nothing of
     * us and may have restarted without its retained store. (The first
     * connection needs nothing: every value seen so far is in the outbox.
     * With clean sessions this is every reconnection: a blip costs one
     * paced re-publish of every series, a lost store costs screens
     * nothing.) */
    if (!first && !(flags & 1))
        atomic_store(&s->fresh_session, true);
    s->connected = s->ever_connected = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    /* The catalogue, retained, once per connection: a broker restarted
     * without persistence forgets it, like the status topics. Its message
     * id is not in inflight[], so mqtt_on_publish ignores its PUBACK. */
    if (s->catalog_json) {
        int prc = mosquitto_publish(mosq, NULL, s->catalog_topic, (int)strlen(s->catalog_json),
                                    s->catalog_json, 1, true);
        if (prc != MOSQ_ERR_SUCCESS)
            log_warn("sink mqtt: cannot publish %s: %s", s->catalog_topic,
                     mosquitto_strerror(prc));
    }
    log_info("sink mqtt: %s to %s:%d", first ? "connected" : "reconnected", s->endpoint.host,
             s->endpoint.port);
}

static void mqtt_on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
    (void)mosq;
    struct sink_mqtt *s = arg;
    pthread_mutex_lock(&s->lock);
    bool was = s->connected;
    s->connected = false;
    size_t inflight = s->inflight_count;
    pthread_mutex_unlock(&s->lock);
    if (was && rc != 0) {
        log_warn("sink mqtt: lost the connection to %s:%d (%s); %zu unacknowledged, "
                 "reconnecting", s->endpoint.host, s->endpoint.port, mosquitto_strerror(rc),
                 inflight);
    } else if (!was && rc != 0 && time(NULL) - s->last_connect_failure_log >= 60) {
        /* Never connected this time (refused, TLS verification failed...):
         * say so, at most once a minute while it lasts. */
        s->last_connect_failure_log = time(NULL);
        log_warn("sink mqtt: cannot connect to %s:%d (%s); retrying with backoff",
                 s->endpoint.host, s->endpoint.port, mosquitto_strerror(rc));
    }
}

static void mqtt_on_publish(struct mosquitto *mosq, void *arg, int mid)
{
    (void)mosq;
    struct sink_mqtt *s = arg;
    struct metric *m = NULL;
    pthread_mutex_lock(&s->lock);
    if (mid > 0 && mid < 65536 && (m = s->inflight[mid])) {
        s->inflight[mid] = NULL;
        s->inflight_count--;
        s->delivered++;
        atomic_store(&s->last_ack_ms, clock_mono_ms());
        pthread_cond_broadcast(&s->changed);
    }
    pthread_mutex_unlock(&s->lock);
    metric_unref(m); /* NULL for an id requeued after a reconnect */
}

/* ---- sender thread ---- */

/* Wait until connected with room in flight. False when stopping and there
 * is nothing left that could still be sent in time. */
static bool mqtt_wait_ready(struct sink_mqtt *s)
{
    pthread_mutex_lock(&s->lock);
    for (;;) {
        bool stopping = atomic_load(&s->stopping);
        if (stopping && clock_mono_ms() >= s->drain_deadline_ms)
            break;
        if (s->connected && s->inflight_count < s->max_inflight) {
            pthread_mutex_unlock(&s->lock);
            return true;
        }
        struct timespec ts = clock_after_ms(CLOCK_MONOTONIC, 200);
        pthread_cond_timedwait(&s->changed, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    return false;
}

/* A message the broker can never take: sending it again cannot help. */
static bool mqtt_error_is_permanent(int rc)
{
    return rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_MALFORMED_UTF8 || rc == MOSQ_ERR_PAYLOAD_SIZE ||
           rc == MOSQ_ERR_OVERSIZE_PACKET || rc == MOSQ_ERR_QOS_NOT_SUPPORTED;
}

/* Publish a batch; whatever could not be handed over goes back. Returns
 * false when sending failed for a reason that may pass (the caller pauses
 * instead of spinning). */
static bool mqtt_send_batch(struct sink_mqtt *s, struct metric **batch, size_t n)
{
    size_t i = 0;
    bool transient_failure = false;
    pthread_mutex_lock(&s->lock);
    for (; i < n && s->connected && s->inflight_count < s->max_inflight; i++) {
        int mid = 0;
        int rc = mosquitto_publish(s->mosq, &mid, batch[i]->topic, (int)batch[i]->json_len,
                                   batch[i]->json, s->qos, s->retain);
        if (rc != MOSQ_ERR_SUCCESS && mqtt_error_is_permanent(rc)) {
            s->dropped_invalid++;
            log_error("sink mqtt: topic %s refused by libmosquitto (%s); metric seq %llu dropped",
                      batch[i]->topic, mosquitto_strerror(rc), (unsigned long long)batch[i]->seq);
            metric_unref(batch[i]);
            continue;
        }
        if (rc != MOSQ_ERR_SUCCESS || mid <= 0 || mid >= 65536 || s->inflight[mid]) {
            s->publish_errors++;
            transient_failure = true;
            break;
        }
        s->inflight[mid] = batch[i];
        s->inflight_count++;
        s->sent++;
    }
    pthread_mutex_unlock(&s->lock);
    if (i < n)
        outbox_requeue(s->outbox, batch + i, n - i);
    return !transient_failure;
}

static void *mqtt_sender(void *arg)
{
    struct sink_mqtt *s = arg;
    struct metric *batch[MQTT_BATCH];
    while (mqtt_wait_ready(s)) {
        pthread_mutex_lock(&s->lock);
        size_t room = s->max_inflight - s->inflight_count;
        pthread_mutex_unlock(&s->lock);
        /* Stopping, the loop must come back to see the last acks arrive. */
        int64_t wait = atomic_load(&s->stopping) ? 200 : MQTT_IDLE_WAIT_MS;
        size_t n = outbox_pop(s->outbox, batch, room < MQTT_BATCH ? room : MQTT_BATCH, wait);
        if (n > 0) {
            if (!mqtt_send_batch(s, batch, n))
                usleep(100 * 1000); /* e.g. the connection just dropped */
        } else if (atomic_load(&s->stopping)) {
            pthread_mutex_lock(&s->lock);
            bool idle = s->inflight_count == 0;
            pthread_mutex_unlock(&s->lock);
            if (idle)
                break; /* drained: everything acknowledged */
        }
    }
    return NULL;
}

/* ---- sink operations ---- */

/* Wait for room only while the broker acknowledges: a broker that is away
 * or stuck must never hold up the connectors. */
static void mqtt_publish_batch(struct sink *base, struct metric *const *items, size_t n,
                               int64_t wait_until_ms)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    outbox_push_batch(s->outbox, items, n,
                      sink_wait_until(wait_until_ms, atomic_load(&s->last_ack_ms),
                                      clock_mono_ms()));
}

static void mqtt_publish(struct sink *base, struct metric *m, int64_t wait_until_ms)
{
    mqtt_publish_batch(base, &m, 1, wait_until_ms);
}

/* A retired series: a zero-length retained message clears its topic on
 * the broker. It goes through the outbox like a metric (same order as the
 * series' last value, same PUBACK accounting). Without retain there is
 * nothing to clear. */
static void mqtt_retire(struct sink *base, struct metric *last)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    if (!s->retain)
        return;
    struct metric *clear = metric_clear(last);
    if (!clear) {
        log_error("sink mqtt: out of memory clearing retired series %s; its retained topic stays",
                  last->series);
        return;
    }
    outbox_push_wait(s->outbox, clear, 0);
    metric_unref(clear);
    atomic_fetch_add(&base->retired, 1);
}

static bool mqtt_take_fresh_session(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    return atomic_exchange(&s->fresh_session, false);
}

static size_t mqtt_pending(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    return oc.length;
}

static void mqtt_status(struct sink *base, const char *instance, const char *text)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    if (s->status)
        status_mqtt_set(s->status, instance, text);
}

static void mqtt_log_counters(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    pthread_mutex_lock(&s->lock);
    log_info("sink mqtt: queued=%llu unchanged=%llu retired=%llu resent=%llu delivered=%llu "
             "retried=%llu dropped_full=%llu dropped_invalid=%llu in_outbox=%zu in_flight=%zu "
             "connected=%s",
             (unsigned long long)oc.queued, (unsigned long long)atomic_load(&base->unchanged),
             (unsigned long long)atomic_load(&base->retired),
             (unsigned long long)atomic_load(&base->resent), (unsigned long long)s->delivered,
             (unsigned long long)oc.requeued, (unsigned long long)oc.dropped_full,
             (unsigned long long)s->dropped_invalid, oc.length, s->inflight_count,
             s->connected ? "yes" : "no");
    pthread_mutex_unlock(&s->lock);
}

static size_t mqtt_stop(struct sink *base, int64_t deadline_ms)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    s->drain_deadline_ms = deadline_ms;
    atomic_store(&s->stopping, true);
    outbox_wake(s->outbox);
    pthread_join(s->sender, NULL);
    if (s->status)
        status_mqtt_stop(s->status, deadline_ms); /* publishes "offline" for each */
    mosquitto_disconnect(s->mosq);
    mosquitto_loop_stop(s->mosq, false);
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    size_t left = oc.length + s->inflight_count;
    if (!s->ever_connected)
        log_warn("sink mqtt: never connected to %s:%d (broker down, refused, or TLS "
                 "verification failed)", s->endpoint.host, s->endpoint.port);
    mqtt_log_counters(base);
    if (left)
        log_warn("sink mqtt: %zu metric%s not delivered at shutdown (%zu waiting, %zu "
                 "unacknowledged)", left, left == 1 ? "" : "s", oc.length, s->inflight_count);
    else
        log_info("sink mqtt: every metric delivered (%llu in all)",
                 (unsigned long long)s->delivered);
    return left;
}

static void mqtt_free(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    for (size_t mid = 0; s->inflight && mid < 65536; mid++)
        metric_unref(s->inflight[mid]);
    free(s->inflight);
    outbox_free(s->outbox);
    if (s->mosq)
        mosquitto_destroy(s->mosq);
    status_mqtt_free(s->status);
    mqtt_endpoint_free(&s->endpoint);
    free(s->status_prefix);
    free(s->catalog_topic);
    free(s->catalog_json);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
    free(s);
}

static const struct sink_ops mqtt_ops = {
    .name = "mqtt",
    .publish = mqtt_publish,
    .publish_batch = mqtt_publish_batch,
    .status = mqtt_status,
    .retire = mqtt_retire,
    .take_fresh_session = mqtt_take_fresh_session,
    .pending = mqtt_pending,
    .stop = mqtt_stop,
    .log_counters = mqtt_log_counters,
    .free = mqtt_free,
};

static struct sink *mqtt_create(const struct config_section *sec, const struct sink_setup *setup)
{
    struct sink_mqtt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &mqtt_ops;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &attr);
    pthread_condattr_destroy(&attr);
    s->qos = (int)section_int(sec, "qos");
    s->retain = section_bool(sec, "retain");
    s->max_inflight = (size_t)section_int(sec, "max_inflight");
    if ((setup->catalog_json &&
         (asprintf(&s->catalog_topic, "%s/%s/_catalog", section_text(sec, "topic_prefix"),
                   setup->province) < 0 ||
          !(s->catalog_json = strdup(setup->catalog_json)))) ||
        mqtt_endpoint_init(&s->endpoint, sec) < 0 ||
        !(s->inflight = calloc(65536, sizeof *s->inflight)) ||
        !(s->outbox = outbox_new("sink mqtt", setup->limits)) ||
        !(s->mosq = mqtt_endpoint_client(&s->endpoint, s->endpoint.client_id, s))) {
        mqtt_free(&s->base);
        return NULL;
    }
    mosquitto_max_inflight_messages_set(s->mosq, (unsigned)s->max_inflight);
    mosquitto_connect_with_flags_callback_set(s->mosq, mqtt_on_connect);
    mosquitto_disconnect_callback_set(s->mosq, mqtt_on_disconnect);
    mosquitto_publish_callback_set(s->mosq, mqtt_on_publish);
    if (section_bool(sec, "status") &&
        (asprintf(&s->status_prefix, "%s/%s/_status", section_text(sec, "topic_prefix"),
                  setup->province) < 0 ||
         !(s->status = status_mqtt_new(&s->endpoint, s->status_prefix)))) {
        mqtt_free(&s->base);
        return NULL;
    }
    if (mqtt_endpoint_start(&s->endpoint, s->mosq, "sink mqtt") < 0 ||
        pthread_create(&s->sender, NULL, mqtt_sender, s) != 0) {
        mosquitto_loop_stop(s->mosq, true);
        mqtt_free(&s->base);
        return NULL;
    }
    return &s->base;
}

const struct sink_kind sink_mqtt_kind = {
    .section = "sink.mqtt",
    .keys = mqtt_keys,
    .check = mqtt_check,
    .create = mqtt_create,
};
