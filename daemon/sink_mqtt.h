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
 * libmosquitto about 30 times slower (shared/NOTES.md).
 *
 * Connector status: every connector instance gets a small connection of
 * its own whose last will is "offline" on ioc/v1/<province>/_status/<name>,
 * retained; it publishes "online" or "degraded: <reason>" there. A killed
 * daemon (or a crashed iocd@NAME) thus shows "offline" for each of its
 * connectors with no action of ours; a clean stop publishes "offline".
 */
#ifndef IOCD_SINK_MQTT_H
#define IOCD_SINK_MQTT_H

#include "config.h"
#include "diag.h"
#include "sink.h"

extern const struct ioc_config_key sink_mqtt_keys[];

/* Semantic checks of [sink.mqtt] beyond types (ranges, files, pairs). */
void sink_mqtt_check(const struct config_section *sec, struct diag *d);

/* Create and start connecting (never blocks on the broker). NULL with a
 * logged error when the client cannot be set up (e.g. bad TLS files). */
struct sink *sink_mqtt_new(const struct config_section *sec, const char *province,
                           const struct outbox_limits *limits);

#endif
