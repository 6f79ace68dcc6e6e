/*
 * probe - the latency subscriber of `make bench`: timestamps the arrival
 * of chosen metrics at an MQTT subscriber and at a Kafka consumer, and
 * reads off each one the feed generation it carries.
 *
 *   probe --duration S [--ready-file F]
 *         [--mqtt-port P --topic FILTER]
 *         [--kafka BOOTSTRAP --kafka-topic T --key-suffix SUFFIX]
 *         --decode value | ts-minutes:BASE
 *
 * Prints one line per arrival, flushed:   mqtt|kafka GENERATION ARRIVAL_US SOURCE
 * (ARRIVAL_US: CLOCK_REALTIME in microseconds, taken first thing in the
 * callback). The generation is the record's "value" (decode value: the
 * bench feed's cell 0 subscribers) or the minutes between BASE and the
 * record's "ts" (ts-minutes: the telecom feed's updatedAt, e.g.
 * ts-minutes:2025-07-05T09:00:00+07:00). Retained messages replayed at
 * subscription are skipped: only live changes count. The Kafka consumer
 * assigns every partition of the topic at its end (no consumer group),
 * keeps messages whose key ends with SUFFIX, and fetches with a 5 ms
 * wait so its own batching adds little. F is written once both are
 * subscribed. Runs S seconds, then exits 0.
 */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <mosquitto.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct probe {
    bool decode_ts;
    int64_t base_s;
    const char *key_suffix;
    volatile bool subscribed;
};

static int64_t probe_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "2025-07-05T09:00:00+07:00" (or Z) to Unix seconds; -1 if not that. */
static int64_t probe_epoch(const char *s)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0;
    char sign = '+';
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
        return -1;
    if (s[n] == '+' || s[n] == '-') {
        sign = s[n];
        if (sscanf(s + n + 1, "%2d:%2d", &oh, &om) != 2)
            return -1;
    }
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm);
    int64_t off = (int64_t)(oh * 3600 + om * 60);
    return sign == '+' ? t - off : t + off;
}

/* Print the arrival of one record payload. */
static void probe_report(const struct probe *p, const char *via, const void *payload, size_t len,
                         int64_t at_us)
{
    json_error_t err;
    json_t *rec = json_loadb(payload, len, 0, &err);
    if (!rec)
        return;
    long long g = -1;
    if (p->decode_ts) {
        int64_t t = probe_epoch(json_string_value(json_object_get(rec, "ts")));
        if (t >= p->base_s)
            g = (long long)((t - p->base_s) / 60);
    } else {
        json_t *v = json_object_get(rec, "value");
        if (json_is_number(v))
            g = (long long)json_number_value(v);
    }
    const char *source = json_string_value(json_object_get(rec, "source"));
    if (g >= 0)
        printf("%s %lld %lld %s\n", via, g, (long long)at_us, source ? source : "?");
    fflush(stdout);
    json_decref(rec);
}

static void probe_on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    int64_t at = probe_now_us();
    (void)m;
    if (!msg->retain)
        probe_report(arg, "mqtt", msg->payload, (size_t)msg->payloadlen, at);
}

static void probe_on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
    (void)m, (void)mid, (void)n, (void)qos;
    ((struct probe *)arg)->subscribed = true;
}

static const char *probe_topic_filter;

static void probe_on_connect(struct mosquitto *m, void *arg, int rc)
{
    (void)arg;
    if (rc == 0)
        mosquitto_subscribe(m, NULL, probe_topic_filter, 1);
}

static rd_kafka_t *probe_kafka(const char *bootstrap, const char *topic)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {
        {"bootstrap.servers", bootstrap}, {"group.id", "iocd-bench-probe"},
        {"enable.auto.commit", "false"},  {"fetch.wait.max.ms", "5"},
        {"fetch.error.backoff.ms", "10"}, {"enable.partition.eof", "false"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, sizeof err)) {
            fprintf(stderr, "probe: %s: %s\n", settings[i][0], err);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "probe: consumer: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1 ||
        md->topics[0].partition_cnt < 1) {
        fprintf(stderr, "probe: no metadata for topic %s\n", topic);
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return NULL;
    }
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(0);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_END;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (e) {
        fprintf(stderr, "probe: assign: %s\n", rd_kafka_err2str(e));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

static void probe_usage(void)
{
    fprintf(stderr, "usage: probe --duration S [--ready-file F] [--mqtt-port P --topic FILTER] "
                    "[--kafka B --kafka-topic T --key-suffix S] --decode value|ts-minutes:BASE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bootstrap = NULL, *ktopic = "ioc.metrics.v1", *decode = NULL, *ready = NULL;
    long port = 0;
    double duration = 0;
    struct probe p = {.key_suffix = ""};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--duration"))
            duration = atof(v);
        else if (!strcmp(a, "--ready-file"))
            ready = v;
        else if (!strcmp(a, "--mqtt-port"))
            port = atol(v);
        else if (!strcmp(a, "--topic"))
            probe_topic_filter = v;
        else if (!strcmp(a, "--kafka"))
            bootstrap = v;
        else if (!strcmp(a, "--kafka-topic"))
            ktopic = v;
        else if (!strcmp(a, "--key-suffix"))
            p.key_suffix = v;
        else if (!strcmp(a, "--decode"))
            decode = v;
        else
            probe_usage();
    }
    if (argc % 2 == 0 || duration <= 0 || !decode || (port && !probe_topic_filter))
        probe_usage();
    if (!strncmp(decode, "ts-minutes:", 11)) {
        p.decode_ts = true;
        if ((p.base_s = probe_epoch(decode + 11)) < 0)
            probe_usage();
    } else if (strcmp(decode, "value") != 0) {
        probe_usage();
    }

    mosquitto_lib_init();
    struct mosquitto *mosq = NULL;
    if (port) {
        char id[64];
        snprintf(id, sizeof id, "iocd-bench-probe-%ld", (long)getpid());
        mosq = mosquitto_new(id, true, &p);
        if (!mosq)
            return 1;
        mosquitto_connect_callback_set(mosq, probe_on_connect);
        mosquitto_subscribe_callback_set(mosq, probe_on_subscribe);
        mosquitto_message_callback_set(mosq, probe_on_message);
        if (mosquitto_connect_async(mosq, "127.0.0.1", (int)port, 30) != MOSQ_ERR_SUCCESS ||
            mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "probe: cannot connect to 127.0.0.1:%ld\n", port);
            return 1;
        }
    } else {
        p.subscribed = true;
    }
    rd_kafka_t *rk = bootstrap ? probe_kafka(bootstrap, ktopic) : NULL;
    if (bootstrap && !rk)
        return 1;

    int64_t end = probe_now_us() + (int64_t)(duration * 1e6);
    size_t suffix_len = strlen(p.key_suffix);
    bool announced = false;
    while (probe_now_us() < end) {
        if (!announced && p.subscribed) {
            announced = true;
            if (ready) {
                FILE *f = fopen(ready, "w");
                if (f)
                    fclose(f);
            }
        }
        if (!rk) {
            usleep(50 * 1000);
            continue;
        }
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 50);
        if (!msg)
            continue;
        int64_t at = probe_now_us();
        if (!msg->err && msg->key && msg->key_len >= suffix_len &&
            !memcmp((const char *)msg->key + msg->key_len - suffix_len, p.key_suffix, suffix_len))
            probe_report(&p, "kafka", msg->payload, msg->len, at);
        rd_kafka_message_destroy(msg);
    }
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (mosq) {
        mosquitto_disconnect(mosq);
        mosquitto_loop_stop(mosq, false);
        mosquitto_destroy(mosq);
    }
    mosquitto_lib_cleanup();
    return 0;
}
