/*
 * opsview - what the daemon shows its operators over HTTP: the Prometheus
 * text of /metrics and the JSON of /health.
 *
 * The one idea: a page is a snapshot, taken when it is asked for, of the
 * counters their owners already keep (instance_snapshot, sink stats,
 * the series state's per-source counts); this module keeps no counter of
 * its own, so nothing can drift from the counters the log lines show.
 * The scheduler changes on reload: it is set and cleared under this
 * module's lock, and a page reads it under the same lock, so a page never
 * reads a scheduler being freed. Thread-safe.
 *
 * Names follow Prometheus' conventions (base units, `_total` counters,
 * HELP and TYPE lines; docs/metrics.md). Connectors are labelled
 * `connector`, not `instance`: Prometheus sets `instance` on every
 * scraped series itself (the target's host:port).
 */
#ifndef IOCD_OPSVIEW_H
#define IOCD_OPSVIEW_H

#include "pipeline.h"
#include "scheduler.h"

#include <stddef.h>
#include <stdint.h>

struct opsview;

/* `pipeline` must outlive the view. A sink stalled
 * (sink_stats.stalled_ms) for more than `stall_limit_ms` is unhealthy
 * (0 = stalls are not judged). Uptime counts from this call. NULL when
 * out of memory. */
struct opsview *opsview_new(struct pipeline *pipeline, int64_t stall_limit_ms);
/* The scheduler whose instances the pages show; NULL while none runs
 * (during a reload). Call before freeing the previous one. */
void opsview_set_scheduler(struct opsview *v, struct scheduler *s);
/* The /metrics page (text/plain; version=0.0.4), malloc'd, NUL-terminated;
 * NULL when out of memory. */
char *opsview_metrics(struct opsview *v, size_t *len);
/* The /health page (JSON), malloc'd; *http_status 200 when every enabled
 * connector and sink is healthy, 503 otherwise, and its "failed" list
 * names what is not. A connector is unhealthy when failed (fail_after
 * failed polls in a row, or it could not start; degraded is healthy: one
 * failed poll is retried); a sink when it is not connected or stalled
 * beyond the limit. NULL when out of memory. */
char *opsview_health(struct opsview *v, size_t *len, int *http_status);
void opsview_free(struct opsview *v);

#endif
