/*
 * status_mqtt - one retained status topic per connector instance, with a
 * last will.
 *
 * MQTT has one last will per connection, so each connector instance gets
 * its own small connection: will {"state":"offline"} (STATUS_JSON_OFFLINE,
 * retained, QoS 1) on PREFIX/<instance>, and the current status (the JSON
 * of status_json.h) published there, again after every reconnection (a
 * restarted broker without persistence forgets retained messages). The
 * daemon dying in any way makes the broker publish the offline payload for
 * each; a clean stop publishes it itself. Thread-safe.
 */
#ifndef IOCD_STATUS_MQTT_H
#define IOCD_STATUS_MQTT_H

#include "mqtt_endpoint.h"

#include <stdint.h>

struct status_mqtt;

/* `prefix` e.g. "ioc/v1/96/_status". The endpoint must outlive this. */
struct status_mqtt *status_mqtt_new(const struct mqtt_endpoint *e, const char *prefix);
/* Set (and publish when connected, if it changed) the status of
 * `instance`: `text` is its payload (status_json.h). The first call for an
 * instance opens its connection. `text` is published escaped by
 * text_escape (control bytes as \xNN; JSON has none); one longer than
 * STATUS_JSON_MAX - 1 bytes once escaped is refused (logged). */
void status_mqtt_set(struct status_mqtt *s, const char *instance, const char *text);
/* Publish the offline payload for every instance, wait for the broker's
 * acknowledgements until `deadline_ms` (monotonic), disconnect. */
void status_mqtt_stop(struct status_mqtt *s, int64_t deadline_ms);
void status_mqtt_free(struct status_mqtt *s);

#endif
