/*
 * raw_publish - the publishing half of the "raw limit" of `make bench`:
 * the same already-serialized records iocd publishes, sent straight
 * through libmosquitto and librdkafka with iocd's own settings, and the
 * CPU this process spent per message.
 *
 *   raw_publish --records FILE --count N [--mqtt-port P] [--kafka BOOTSTRAP]
 *               [--topic ioc.metrics.v1] [--prefix ioc/v1] [--province 96]
 *               [--max-inflight 100] [--burst B [--gap-ms 20]]
 *
 * FILE holds records as iocd's stdout sink prints them (one JSON record a
 * line, e.g. captured with `iocd --once`); message i is record i % lines,
 * its MQTT topic PREFIX/PROVINCE/<series> and its Kafka key <series>, as
 * in daemon/metric.c. Settings mirror daemon/sink_mqtt.c (MQTT 3.1.1,
 * QoS 1, retained, max_inflight, mosquitto_loop_start, publish under the
 * lock that on_publish takes, batches of 64) and daemon/sink_kafka.c
 * (idempotent, acks=all, lz4, linger 5 ms, at most 20,000 queued in
 * librdkafka, zero-copy produce with the key,
 * poll every 256, queue-full waited out). MQTT first, every PUBACK waited
 * for; then Kafka, every delivery report waited for. getrusage
 * (RUSAGE_SELF: every thread, libraries' included) is read around each
 * phase. With --burst, messages go out in bursts of B (iocd publishes one
 * poll's metrics at a time, then idles until the next poll): each burst is
 * sent, every acknowledgement waited for, then the process sleeps
 * --gap-ms so its threads go idle as iocd's do between polls; small
 * bursts cost more per message (more wake-ups per message), for iocd and
 * for this program alike. Prints one JSON line:
 *
 *   {"messages":N,"bytes_avg":371,"mqtt":{"cpu_s":..,"wall_s":..,"acked":N,
 *    "us_per_msg":..},"kafka":{...,"delivered":N,"us_per_msg":..},
 *    "us_per_msg":..}      (the sum of both: one metric goes to both sinks)
 *
 * Exit status 0 when every message was acknowledged, 1 otherwise (bounded
 * waits: 120 s per phase).
 */
#include "bench_records.h"

#include <librdkafka/rdkafka.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#define RAW_MQTT_BATCH 64
#define RAW_KAFKA_BATCH 256
#define RAW_PHASE_LIMIT_S 120

struct raw_mqtt {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool connected;
    size_t inflight, acked;
};

/* ---- MQTT ---- */

static void raw_on_connect(struct mosquitto *mosq, void *arg, int rc)
{
    (void)mosq;
    struct raw_mqtt *r = arg;
    pthread_mutex_lock(&r->lock);
    r->connected = rc == 0;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void raw_on_publish(struct mosquitto *mosq, void *arg, int mid)
{
    (void)mosq, (void)mid;
    struct raw_mqtt *r = arg;
    pthread_mutex_lock(&r->lock);
    r->inflight--;
    r->acked++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

/* Wait on r->changed for at most 200 ms (lock held). */
static void raw_wait(struct raw_mqtt *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200 * 1000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_cond_timedwait(&r->changed, &r->lock, &ts);
}

static bool raw_mqtt(const struct bench_record *msgs, size_t nmsgs, size_t count, int port,
                     size_t max_inflight, size_t burst, long gap_ms, json_t *report)
{
    struct raw_mqtt r = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    char id[64];
    snprintf(id, sizeof id, "iocd-bench-raw-%ld", (long)getpid());
    struct mosquitto *mosq = mosquitto_new(id, true, &r);
    if (!mosq) {
        fprintf(stderr, "raw_publish: mosquitto_new failed\n");
        return false;
    }
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(mosq, (unsigned)max_inflight);
    mosquitto_connect_callback_set(mosq, raw_on_connect);
    mosquitto_publish_callback_set(mosq, raw_on_publish);
    if (mosquitto_connect_async(mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "raw_publish: cannot connect to 127.0.0.1:%d\n", port);
        mosquitto_destroy(mosq);
        return false;
    }
    double limit = bench_now_s() + 10;
    pthread_mutex_lock(&r.lock);
    while (!r.connected && bench_now_s() < limit)
        raw_wait(&r);
    bool connected = r.connected;
    pthread_mutex_unlock(&r.lock);
    if (!connected) {
        fprintf(stderr, "raw_publish: no CONNACK from 127.0.0.1:%d\n", port);
        mosquitto_loop_stop(mosq, true);
        mosquitto_destroy(mosq);
        return false;
    }

    double cpu0 = bench_cpu_s(), t0 = bench_now_s();
    limit = t0 + RAW_PHASE_LIMIT_S;
    size_t sent = 0, acked = 0, burst_end = burst ? burst : count;
    int errors = 0;
    /* Like iocd's sender: publish a batch under the lock, let go of it so
     * on_publish can run, wait only when the in-flight window is full. */
    for (;;) {
        pthread_mutex_lock(&r.lock);
        acked = r.acked;
        if ((sent == count && acked == count) || bench_now_s() >= limit || errors >= 1000) {
            pthread_mutex_unlock(&r.lock);
            break;
        }
        if (burst_end > count)
            burst_end = count;
        if (sent == burst_end && acked == burst_end) { /* burst done: idle */
            pthread_mutex_unlock(&r.lock);
            usleep((useconds_t)gap_ms * 1000);
            burst_end += burst;
            continue;
        }
        if (sent < burst_end && r.inflight < max_inflight) {
            size_t room = max_inflight - r.inflight;
            size_t n = room < RAW_MQTT_BATCH ? room : RAW_MQTT_BATCH;
            for (size_t i = 0; i < n && sent < burst_end; i++) {
                const struct bench_record *m = &msgs[sent % nmsgs];
                int mid;
                if (mosquitto_publish(mosq, &mid, m->topic, (int)m->payload_len, m->payload, 1,
                                      true) != MOSQ_ERR_SUCCESS) {
                    errors++;
                    break;
                }
                r.inflight++;
                sent++;
            }
        } else {
            raw_wait(&r);
        }
        pthread_mutex_unlock(&r.lock);
    }
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - cpu0;

    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    json_object_set_new(report, "mqtt",
                        json_pack("{s:f, s:f, s:I, s:f, s:f}", "cpu_s", cpu, "wall_s", wall,
                                  "acked", (json_int_t)acked, "us_per_msg",
                                  acked ? cpu * 1e6 / (double)acked : 0.0, "msgs_per_s",
                                  wall > 0 ? (double)acked / wall : 0.0));
    return acked == count;
}

/* ---- Kafka ---- */

struct raw_kafka {
    size_t delivered, failed;
};

static void raw_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    (void)rk;
    struct raw_kafka *k = opaque;
    if (msg->err)
        k->failed++;
    else
        k->delivered++;
}

static bool raw_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return true;
    fprintf(stderr, "raw_publish: %s=%s: %s\n", key, value, err);
    return false;
}

static bool raw_kafka(const struct bench_record *msgs, size_t nmsgs, size_t count,
                      const char *bootstrap, const char *topic, size_t burst, long gap_ms,
                      json_t *report)
{
    struct raw_kafka k = {0};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    /* As daemon/sink_kafka.c with its defaults (compression lz4, linger
     * 5ms, delivery_timeout 5m, client_id iocd). */
    if (!raw_set(conf, "bootstrap.servers", bootstrap) ||
        !raw_set(conf, "compression.type", "lz4") || !raw_set(conf, "client.id", "iocd") ||
        !raw_set(conf, "enable.idempotence", "true") || !raw_set(conf, "acks", "all") ||
        !raw_set(conf, "linger.ms", "5") || !raw_set(conf, "message.timeout.ms", "300000") ||
        !raw_set(conf, "queue.buffering.max.messages", "20000")) {
        rd_kafka_conf_destroy(conf);
        return false;
    }
    rd_kafka_conf_set_opaque(conf, &k);
    rd_kafka_conf_set_dr_msg_cb(conf, raw_on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "raw_publish: cannot create the producer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return false;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

    double cpu0 = bench_cpu_s(), t0 = bench_now_s(), limit = t0 + RAW_PHASE_LIMIT_S;
    size_t produced = 0;
    while (produced < count && bench_now_s() < limit) {
        const struct bench_record *m = &msgs[produced % nmsgs];
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY(m->key, m->key_len),
            RD_KAFKA_V_VALUE(m->payload, m->payload_len), RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 100);
            continue;
        }
        if (e) {
            fprintf(stderr, "raw_publish: produce: %s\n", rd_kafka_err2str(e));
            break;
        }
        if (++produced % RAW_KAFKA_BATCH == 0)
            rd_kafka_poll(rk, 0);
        if (burst && (produced % burst == 0 || produced == count)) {
            while (k.delivered + k.failed < produced && bench_now_s() < limit)
                rd_kafka_poll(rk, 100);
            usleep((useconds_t)gap_ms * 1000);
        }
    }
    while (k.delivered + k.failed < produced && bench_now_s() < limit)
        rd_kafka_poll(rk, 100);
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - cpu0;
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    json_object_set_new(report, "kafka",
                        json_pack("{s:f, s:f, s:I, s:I, s:f, s:f}", "cpu_s", cpu, "wall_s", wall,
                                  "delivered", (json_int_t)k.delivered, "failed",
                                  (json_int_t)k.failed, "us_per_msg",
                                  k.delivered ? cpu * 1e6 / (double)k.delivered : 0.0,
                                  "msgs_per_s", wall > 0 ? (double)k.delivered / wall : 0.0));
    return k.delivered == count;
}

static void raw_usage(void)
{
    fprintf(stderr, "usage: raw_publish --records FILE --count N [--mqtt-port P] "
                    "[--kafka BOOTSTRAP] [--topic T] [--prefix P] [--province NN] "
                    "[--max-inflight N] [--burst B [--gap-ms MS]]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *records = NULL, *bootstrap = NULL, *topic = "ioc.metrics.v1";
    const char *prefix = "ioc/v1", *province = "96";
    long count = 0, port = 0, inflight = 100, burst = 0, gap_ms = 20;
    const struct bench_opt opts[] = {
        {"records", &records, NULL},    {"count", NULL, &count},
        {"mqtt-port", NULL, &port},     {"kafka", &bootstrap, NULL},
        {"topic", &topic, NULL},        {"prefix", &prefix, NULL},
        {"province", &province, NULL},  {"max-inflight", NULL, &inflight},
        {"burst", NULL, &burst},        {"gap-ms", NULL, &gap_ms},
    };
    bench_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], raw_usage);
    if (!records || count < 1 || inflight < 1 || inflight > 65535 || burst < 0 || gap_ms < 0 ||
        gap_ms > 10000 || (!port && !bootstrap))
        raw_usage();
    struct bench_record *msgs = NULL;
    size_t nmsgs = bench_records_load("raw_publish", records, prefix, province, &msgs);
    if (nmsgs == 0)
        return 1;
    size_t bytes = 0;
    for (size_t i = 0; i < nmsgs; i++)
        bytes += msgs[i].payload_len;
    mosquitto_lib_init();
    json_t *report = json_pack("{s:I, s:I, s:I, s:I}", "messages", (json_int_t)count, "records",
                               (json_int_t)nmsgs, "bytes_avg", (json_int_t)(bytes / nmsgs),
                               "burst", (json_int_t)burst);
    bool ok = true;
    if (port)
        ok = raw_mqtt(msgs, nmsgs, (size_t)count, (int)port, (size_t)inflight, (size_t)burst,
                           gap_ms, report) && ok;
    if (bootstrap)
        ok = raw_kafka(msgs, nmsgs, (size_t)count, bootstrap, topic, (size_t)burst, gap_ms,
                            report) && ok;
    double total = 0;
    const char *parts[] = {"mqtt", "kafka"};
    for (size_t i = 0; i < 2; i++)
        total += json_real_value(json_object_get(json_object_get(report, parts[i]), "us_per_msg"));
    json_object_set_new(report, "us_per_msg", json_real(total));
    json_object_set_new(report, "ok", json_boolean(ok));
    char *text = json_dumps(report, JSON_COMPACT);
    printf("%s\n", text);
    free(text);
    json_decref(report);
    bench_records_free(msgs, nmsgs);
    mosquitto_lib_cleanup();
    return ok ? 0 : 1;
}
