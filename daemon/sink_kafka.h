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
 * librdkafka queue is retried, never ignored. Any `kafka.<property>` line
 * of [sink.kafka] goes to librdkafka as is (SASL, SSL, tuning).
 */
#ifndef IOCD_SINK_KAFKA_H
#define IOCD_SINK_KAFKA_H

#include "config.h"
#include "diag.h"
#include "sink.h"

extern const struct ioc_config_key sink_kafka_keys[];

/* Checks beyond types, including every kafka.<property> against
 * librdkafka itself (unknown property or invalid value = error at file:line). */
void sink_kafka_check(const struct config_section *sec, struct diag *d);

struct sink *sink_kafka_new(const struct config_section *sec, const struct outbox_limits *limits);

#endif
