/*
 * cluster.h - kafka-mock's wrapper around librdkafka's mock cluster.
 *
 * One kmock_cluster owns the rd_kafka_t handle the mock needs for its book
 * keeping and the mock cluster itself. Not thread-safe: every call is made
 * from kafka-mock's main thread (never from a signal handler).
 */
#ifndef KAFKA_MOCK_CLUSTER_H
#define KAFKA_MOCK_CLUSTER_H

#include <stdbool.h>

typedef struct kmock_cluster kmock_cluster;

/* Starts BROKERS brokers on 127.0.0.1 (random ports). DEBUG turns on
 * librdkafka's "mock" debug log on stderr. NULL on failure, after saying
 * why on stderr. */
kmock_cluster *kmock_start(int brokers, bool debug);

/* Pre-creates TOPIC with PARTITIONS partitions. False on failure, after
 * saying why on stderr. */
bool kmock_topic_create(kmock_cluster *c, const char *topic, int partitions);

/* "127.0.0.1:PORT[,127.0.0.1:PORT...]", owned by the cluster. */
const char *kmock_bootstraps(const kmock_cluster *c);

/* Takes every broker down (UP false) or up; logs "kafka-mock: broker N
 * down|up" on stderr for each broker. False if any broker refused. */
bool kmock_set_up(kmock_cluster *c, bool up);

/* The same for broker ID (1..brokers) alone. */
bool kmock_broker_set_up(kmock_cluster *c, int id, bool up);

/* Makes broker ID the leader of every partition of TOPIC, a topic made by
 * kmock_topic_create (the mock does not elect leaders itself: a failover
 * is "down N" then "leader TOPIC M"); logs "kafka-mock: topic TOPIC:
 * leader broker ID (P partitions)". False, after saying why, for an
 * unknown topic or broker. */
bool kmock_set_leader(kmock_cluster *c, const char *topic, int id);

/* Destroys the cluster and its handle. NULL is fine. */
void kmock_stop(kmock_cluster *c);

#endif
