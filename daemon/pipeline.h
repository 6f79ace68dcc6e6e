/*
 * pipeline - where normalized metrics go: every enabled sink.
 *
 * This is the seam between the connectors' side (normalize, emit) and the
 * brokers' side: a metric is built once (struct metric) and handed to each
 * sink, which queues it in its own outbox and delivers it on its own
 * thread. Connector health goes the same way (status topics). The
 * pipeline outlives configuration reloads. Thread-safe.
 *
 * Publish on change is decided here, before any outbox (the cheapest
 * place: a skipped metric costs no queue slot, no wake-up and no
 * message): every metric updates the series state (series.h) once, and a
 * sink whose section says `on_change = true` gets it only when it changed
 * or its `refresh` has passed since that sink last got the series. What a
 * sink is not given is counted in its `unchanged=` counter.
 */
#ifndef IOCD_PIPELINE_H
#define IOCD_PIPELINE_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pipeline;

/* Create every sink enabled in `config`. NULL (logged) when one cannot be
 * set up. Brokers may be down: sinks connect in the background. */
struct pipeline *pipeline_new(const struct config *config);

struct pipeline_batch;

/* What the KPI layer needs of a metric besides its text: known to the
 * caller from normalize (struct normalized) and the instance. */
struct publish_facts {
    const char *source;      /* the instance's source name ("dvc") */
    const char *metric;      /* the metric name ("tthc.online_rate") */
    int status;              /* enum normalize_status */
    int64_t data_ms;         /* how recent its data is (wall ms) */
    int64_t interval_ms;     /* how often its instance polls */
    /* Where the metric waits for the rest of its poll (the instance's
     * batch); NULL = handed to the sinks at once. */
    struct pipeline_batch *batch;
};

/* Hand one metric to every sink. A sink whose broker is taking metrics
 * more slowly than they come may make this wait for room in its outbox
 * until `wait_until_ms` (monotonic; 0 = never wait). Returns 0, or -1 when
 * out of memory. */
int pipeline_publish(struct pipeline *p, const char *series, const char *json, size_t json_len,
                     uint64_t seq, const struct publish_facts *facts, int64_t wait_until_ms);

/* A poll's metrics on their way to the sinks: pipeline_publish adds each
 * to one list per sink, handed over whole (sink publish_batch: one lock and
 * one wake-up of the sink's thread per batch, not per metric) when it
 * reaches PIPELINE_BATCH metrics and at the end of the poll
 * (pipeline_batch_flush). One per connector instance; not thread-safe:
 * its owner serialises publish and flush (instance.c: encode_lock). A
 * full outbox still holds the poll back: the hand-over waits for room
 * until the last publish's `wait_until_ms`, then drops the oldest. */
#define PIPELINE_BATCH 256
/* NULL when out of memory (then metrics go one at a time). */
struct pipeline_batch *pipeline_batch_new(struct pipeline *p);
void pipeline_batch_flush(struct pipeline_batch *b);
/* Flushes what is left, then frees. */
void pipeline_batch_free(struct pipeline_batch *b);

/* A connector's health for status topics: "online", "degraded: <reason>",
 * "offline". */
void pipeline_status(struct pipeline *p, const char *instance, const char *text);

/* Push buffered output out (end of a poll). */
void pipeline_flush(struct pipeline *p);

/* Deliver what is pending, all sinks in parallel, until `timeout_ms` has
 * passed; each sink logs what it delivered and what it could not. Returns
 * the number of metrics not delivered, all sinks together. */
size_t pipeline_stop(struct pipeline *p, int64_t timeout_ms);

/* Housekeeping of the series state, from the daemon's main loop: series
 * not seen for [sink.mqtt] retire_after leave it and each sink clears
 * what it keeps of them (a zero-length retained message on MQTT), logged
 * with a count; a sink whose broker started a fresh session gets every
 * series' last value again, paced (a shard at a time while its outbox is
 * short), counted as `resent`. Returns how long until it has something to
 * do (ms). */
int64_t pipeline_tick(struct pipeline *p, int64_t now_ms);

void pipeline_log_counters(struct pipeline *p);
uint64_t pipeline_published(const struct pipeline *p);
void pipeline_free(struct pipeline *p);

#endif
