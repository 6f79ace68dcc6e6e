/*
 * sink - what every output (stdout, MQTT, Kafka) looks like to the
 * pipeline.
 *
 * A sink owns its broker connection. `publish` hands the metric to the
 * sink's outbox (or, for stdout, writes it). It never waits for a broker
 * that is away; while the broker is taking metrics but more slowly than
 * they come, it may wait for room in the outbox until `wait_until_ms`
 * (backpressure: the emitting poll slows down instead of the outbox
 * dropping what it could still deliver). `status` publishes a connector's health where the sink has a place
 * for it (MQTT status topics). `stop` delivers what it can within the
 * deadline and returns how many metrics it could not deliver. Each sink
 * logs its own counters in one line.
 */
#ifndef IOCD_SINK_H
#define IOCD_SINK_H

#include "metric.h"

#include <stddef.h>
#include <stdint.h>

struct sink;

struct sink_ops {
    const char *name;
    /* wait_until_ms: monotonic; 0 = never wait. */
    void (*publish)(struct sink *s, struct metric *m, int64_t wait_until_ms);
    /* May be NULL. `text`: "online", "degraded: <reason>", "offline". */
    void (*status)(struct sink *s, const char *instance, const char *text);
    /* Deliver what is pending until `deadline_ms` (monotonic); returns the
     * number of metrics not delivered. */
    size_t (*stop)(struct sink *s, int64_t deadline_ms);
    void (*log_counters)(struct sink *s);
    void (*free)(struct sink *s);
};

struct sink {
    const struct sink_ops *ops;
};

/* A broker counts as taking metrics (so publish may wait for room) when it
 * acknowledged one within this long. */
#define SINK_FLOWING_MS 2000

#endif
