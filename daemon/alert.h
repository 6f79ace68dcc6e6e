/*
 * alert - the message sent when a series enters or leaves an alert state
 * (breach, stale): not retained on MQTT, keyed `_alert/<series>` on Kafka
 * (docs/metric-record.md "Alerts").
 *
 * The one design idea: an alert is built from the series' last record
 * itself (its area, value and target are read back from that JSON), so it
 * says exactly what the screens were shown; alerts are rare (transitions
 * only), so reading the record back costs nothing that matters.
 */
#ifndef IOCD_ALERT_H
#define IOCD_ALERT_H

#include "metric.h"

#include <stdbool.h>
#include <stdint.h>

/* The alert for `last`'s series entering (`entered`) or leaving the state
 * `state` ("breach" or "stale") entered at `since_wall_ms`: on
 * PREFIX/PROVINCE/_alert/<series>, series "_alert/<series>", kind
 * METRIC_ALERT, with the record's seq. NULL when out of memory or when the
 * record cannot be read back (never from normalize). */
struct metric *alert_new(const char *topic_prefix, const char *province, const struct metric *last,
                         const char *state, bool entered, int64_t since_wall_ms,
                         int64_t now_wall_ms);

#endif
