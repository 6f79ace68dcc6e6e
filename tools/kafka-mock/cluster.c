/*
 * cluster.c - kafka-mock's wrapper around librdkafka's mock cluster.
 *
 * The mock is an in-process broker that speaks the Kafka protocol on
 * 127.0.0.1; it needs an rd_kafka_t only for its book keeping (threads,
 * logging), so we create an idle producer handle with no bootstrap servers
 * and never produce with it. Broker state changes loop over broker ids
 * 1..N rather than passing -1 ("all") so each change is logged per broker
 * and a broker that refuses is named.
 */
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define KMOCK_MAX_TOPICS 64

/* The topics we created, for kmock_set_leader (the mock has no call that
 * says how many partitions a topic has). */
struct kmock_known_topic {
    char *name;
    int partitions;
};

struct kmock_cluster {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mock;
    int brokers;
    struct kmock_known_topic topics[KMOCK_MAX_TOPICS];
    int ntopics;
};

/* librdkafka's own log lines, prefixed like ours. */
static void kmock_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    fprintf(stderr, "kafka-mock: librdkafka %d %s: %s\n", level, fac, buf);
}

static bool kmock_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return true;
    fprintf(stderr, "kafka-mock: librdkafka setting %s=%s refused: %s\n", key, value, err);
    return false;
}

kmock_cluster *kmock_start(int brokers, bool debug)
{
    kmock_cluster *c = calloc(1, sizeof *c);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    if (!c || !conf) {
        fprintf(stderr, "kafka-mock: out of memory\n");
        goto fail;
    }
    c->brokers = brokers;
    rd_kafka_conf_set_log_cb(conf, kmock_log);
    /* The handle has no bootstrap servers on purpose: silence the warning
     * that says so, keep real errors. */
    if (!kmock_conf_set(conf, "log_level", debug ? "7" : "3") ||
        (debug && !kmock_conf_set(conf, "debug", "mock")))
        goto fail;
    c->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!c->rk) {
        fprintf(stderr, "kafka-mock: cannot create the librdkafka handle: %s\n", err);
        goto fail; /* conf is still ours */
    }
    conf = NULL; /* owned by rk now */
    c->mock = rd_kafka_mock_cluster_new(c->rk, brokers);
    if (!c->mock) {
        fprintf(stderr, "kafka-mock: cannot start a mock cluster of %d broker(s)\n", brokers);
        goto fail;
    }
    return c;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    kmock_stop(c);
    return NULL;
}

bool kmock_topic_create(kmock_cluster *c, const char *topic, int partitions)
{
    int replicas = c->brokers < 3 ? c->brokers : 3;
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(c->mock, topic, partitions, replicas);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (c->ntopics < KMOCK_MAX_TOPICS && (c->topics[c->ntopics].name = strdup(topic)))
            c->topics[c->ntopics++].partitions = partitions;
        return true;
    }
    fprintf(stderr, "kafka-mock: topic '%s' (%d partitions): not created: %s\n", topic,
            partitions, rd_kafka_err2str(e));
    return false;
}

const char *kmock_bootstraps(const kmock_cluster *c)
{
    return rd_kafka_mock_cluster_bootstraps(c->mock);
}

bool kmock_broker_set_up(kmock_cluster *c, int id, bool up)
{
    if (id < 1 || id > c->brokers) {
        fprintf(stderr, "kafka-mock: broker %d: no such broker (1..%d)\n", id, c->brokers);
        return false;
    }
    rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(c->mock, id)
                               : rd_kafka_mock_broker_set_down(c->mock, id);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kafka-mock: broker %d %s\n", id, up ? "up" : "down");
        return true;
    }
    fprintf(stderr, "kafka-mock: broker %d: cannot set it %s: %s\n", id, up ? "up" : "down",
            rd_kafka_err2str(e));
    return false;
}

bool kmock_set_up(kmock_cluster *c, bool up)
{
    bool ok = true;
    for (int id = 1; id <= c->brokers; id++)
        ok &= kmock_broker_set_up(c, id, up);
    return ok;
}

bool kmock_set_leader(kmock_cluster *c, const char *topic, int id)
{
    const struct kmock_known_topic *t = NULL;
    for (int i = 0; i < c->ntopics; i++)
        if (!strcmp(c->topics[i].name, topic))
            t = &c->topics[i];
    if (!t) {
        fprintf(stderr, "kafka-mock: topic '%s': not created with --topic, no leader set\n", topic);
        return false;
    }
    if (id < 1 || id > c->brokers) {
        fprintf(stderr, "kafka-mock: broker %d: no such broker (1..%d)\n", id, c->brokers);
        return false;
    }
    for (int p = 0; p < t->partitions; p++) {
        rd_kafka_resp_err_t e = rd_kafka_mock_partition_set_leader(c->mock, topic, p, id);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "kafka-mock: topic '%s' partition %d: cannot make broker %d leader: %s\n",
                    topic, p, id, rd_kafka_err2str(e));
            return false;
        }
    }
    fprintf(stderr, "kafka-mock: topic %s: leader broker %d (%d partitions)\n", topic, id,
            t->partitions);
    return true;
}

void kmock_stop(kmock_cluster *c)
{
    if (!c)
        return;
    /* The mock goes first: it uses the handle until it is destroyed. */
    if (c->mock)
        rd_kafka_mock_cluster_destroy(c->mock);
    if (c->rk)
        rd_kafka_destroy(c->rk);
    for (int i = 0; i < c->ntopics; i++)
        free(c->topics[i].name);
    free(c);
}
