/*
 * pipeline - where normalized metrics go: every enabled sink.
 *
 * For now the only sink is stdout (one JSON record per line), which stays
 * useful for debugging and `--once` pipelines. The MQTT and Kafka sinks,
 * behind a bounded outbox with broker acknowledgements, plug in here: this
 * is the seam, connectors and normalize never see a sink. Thread-safe.
 */
#ifndef IOCD_PIPELINE_H
#define IOCD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One published metric. */
struct metric_out {
    const char *series; /* series key: Kafka key, MQTT topic suffix */
    const char *json;   /* the record, one line */
    size_t json_len;
    uint64_t seq;
};

struct pipeline;

struct pipeline *pipeline_new(bool stdout_sink);
void pipeline_free(struct pipeline *p);

/* Hand one metric to every sink. Returns 0, or -1 when a sink could not
 * take it (logged by the sink). */
int pipeline_publish(struct pipeline *p, const struct metric_out *m);

/* Push buffered output out (end of a poll, shutdown). */
void pipeline_flush(struct pipeline *p);

/* Totals since start, for logs and tests. */
uint64_t pipeline_published(const struct pipeline *p);

#endif
