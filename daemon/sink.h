/*
 * sink - what every output (stdout, MQTT, Kafka) looks like to the
 * pipeline.
 *
 * A sink owns its broker connection. `publish` never blocks on the
 * broker: it hands the metric to the sink's outbox (or, for stdout, writes
 * it). `status` publishes a connector's health where the sink has a place
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
    void (*publish)(struct sink *s, struct metric *m);
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

#endif
