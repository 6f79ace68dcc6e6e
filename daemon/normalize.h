/*
 * normalize - the only place that decides what a valid metric is.
 *
 * A connector's struct ioc_record goes in; out comes either a published
 * metric record (docs/metric-record.md: JSON text, series key, seq) or a
 * rejection naming the field and the reason. Rules: metric name charset,
 * finite value, unit from the catalogue's units (catalog) with its range, timestamps parsed by
 * timeparse (RFC 3339 or the portal's yyyyMMddHHmmss) and published in the
 * deployment's offset, area codes resolved through the gazetteer (old
 * commune codes mapped, split ones refused, other provinces refused),
 * dimensions checked and sorted, series key = source/metric/area/dim slugs.
 *
 * Two steps so that a rejected record never consumes a sequence number:
 * normalize_check() validates into a struct normalized, then
 * normalize_encode() writes the record with its seq. Both are pure
 * (no globals), hence thread-safe.
 */
#ifndef IOCD_NORMALIZE_H
#define IOCD_NORMALIZE_H

#include "catalog.h"
#include "gazetteer.h"
#include "ioc/record.h"

#include <stddef.h>
#include <stdint.h>

/* The largest count accepted: 2^53, the last integer a double holds
 * together with all below it. A bigger "count" is rejected, not rounded. */
#define NORMALIZE_MAX_COUNT 9007199254740992.0

struct normalize_env {
    const char *source;             /* the instance's metric source */
    const char *province;           /* the deployment's province code */
    int tz_offset_min;              /* offset of published timestamps */
    const struct gazetteer *gazetteer;
    /* The units a record may carry and its metric's targets (target.h);
     * NULL = catalog_builtin(). */
    const struct catalog *catalog;
};

struct normalize_error {
    const char *field;   /* "metric", "value", "unit", "ts", "period",
                            "area", "dims.<key>", "ratio", "target" */
    char reason[256];
    char dim_field[48];  /* storage for "dims.<key>" */
};

/* Where a record stands against its target (docs/metric-record.md):
 * NONE when no target applies. The KPI layer (freshness, alerts) and the
 * series state read it from struct normalized, never from the JSON. */
enum normalize_status {
    NORMALIZE_STATUS_NONE,
    NORMALIZE_STATUS_OK,
    NORMALIZE_STATUS_WARN,
    NORMALIZE_STATUS_BREACH,
};
const char *normalize_status_name(enum normalize_status s);

/* How complete a province record the daemon rolled up from communes is
 * (daemon/rollup.h): `reported` current communes of `expected` in the
 * gazetteer of version `gazetteer`. Internal: connectors never set it. */
struct normalize_completeness {
    unsigned reported, expected;
    const char *gazetteer;
};

struct normalized_dim {
    const char *key, *value;
    char slug[132];
};

/* A validated record. Points into the ioc_record's strings and the
 * gazetteer: use it before the connector's buffers change. */
struct normalized {
    const struct ioc_record *record;
    const struct area *area;
    const char *mapped_from;   /* old code, or NULL */
    char ts[40];
    int64_t ts_ms;             /* the record's own time (wall ms): its ts */
    int64_t data_ms;           /* how recent its data is: the end of its
                                  period when it has one, else ts_ms */
    enum normalize_status status;
    /* Set by the rollup for the province records it makes (encoded as
     * "completeness"); NULL for every connector record. */
    const struct normalize_completeness *completeness;
    /* The metric's catalogue entry (labels, aggregation, targets,
     * freshness limits), looked up once here; NULL when the catalogue
     * does not list it. */
    const struct catalog_metric *catalog_metric;
    /* The catalogue's target that gave `status`; NULL when none applies or
     * the record carries its own target (which takes precedence). */
    const struct catalog_target *target;
    struct normalized_dim dims[IOC_MAX_DIMS];
    size_t dim_count;          /* sorted by key */
    char series[512];
};

/* Validate. 0, or -1 with *err filled. `now_ms` stands in for a NULL ts
 * and bounds timestamps in the future (more than a day ahead is refused). */
int normalize_check(const struct normalize_env *env, const struct ioc_record *record,
                    int64_t now_ms, struct normalized *out, struct normalize_error *err);

/* The published JSON record (one line, no newline), malloc'd; NULL on
 * out-of-memory. */
char *normalize_encode(const struct normalize_env *env, const struct normalized *n, uint64_t seq,
                       size_t *len);

/* The same, written into `out` (reset first, its buffer reused): the
 * per-metric path allocates nothing once the buffer has grown. Returns 0,
 * or -1 when out of memory. */
struct jsonw;
int normalize_encode_into(const struct normalize_env *env, const struct normalized *n,
                          uint64_t seq, struct jsonw *out);

#endif
