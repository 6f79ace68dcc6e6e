/*
 * status_json - the payload of a connector's retained status topic.
 *
 * One small JSON object per instance (docs/status.schema.json): its state,
 * since when, its last success, its last error and its poll counters, so
 * a screen or an operator reading PREFIX/PROVINCE/_status/NAME sees why
 * and since when without the journal. The design idea: the payload is
 * built from the same snapshot /metrics and /health read
 * (health.h), never from log text, so nothing reaches it that
 * the instance did not keep on purpose; the last error is the poll's
 * first logged error, whose URLs were already shown without their query
 * (http_url_for_log) and which the configuration never holds secrets in.
 */
#ifndef IOCD_STATUS_JSON_H
#define IOCD_STATUS_JSON_H

#include "health.h"

#include <stddef.h>

/* The schema's name, in every payload ("schema" member). */
#define STATUS_JSON_SCHEMA "ioc.status/1"
/* The payload of a connector that is not running: the MQTT last will (a
 * daemon that died), a clean stop, an instance disabled by a reload. */
#define STATUS_JSON_OFFLINE "{\"schema\":\"" STATUS_JSON_SCHEMA "\",\"state\":\"offline\"}"
/* Room for any payload: the fixed members, two timestamps, the counters
 * and a last error of 255 bytes escaped (at most 6 bytes each). */
#define STATUS_JSON_MAX 2048

/* Write `snap` as the status payload into buf (NUL-terminated), times
 * with the UTC offset `tz_offset_min`. Returns its length, or -1 when it
 * does not fit or memory ran out. Thread-safe. */
int status_json(const struct instance_snapshot *snap, int tz_offset_min, char *buf, size_t len);

#endif
