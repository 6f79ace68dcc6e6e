/*
 * ioc/record.h - how a connector hands data to the daemon.
 *
 * A connector fills a `struct ioc_record` per value and calls ioc_emit().
 * The daemon's normalizer is the only place that decides what is valid: it
 * checks the metric name, the number, the unit, the timestamp, the area
 * code (mapping pre-2025 commune codes to current ones through the
 * gazetteer), the dimensions and the optional target, then builds the
 * published metric record (docs/metric-record.md) with its series key and
 * sequence number. A record that fails is rejected with a log line naming
 * the connector, the field and the reason, and counted; the connector just
 * carries on with the next one.
 *
 * Everything a record points to is copied during ioc_emit(): the connector
 * may reuse or free its buffers as soon as the call returns.
 */
#ifndef IOC_RECORD_H
#define IOC_RECORD_H

#include "ioc/connector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One dimension: a key such as "channel" and its value such as "online".
 * Keys: [a-z0-9_], at most 32 characters. Values: any UTF-8 text up to 128
 * bytes (topic-safe forms are derived by the daemon). */
struct ioc_dim {
    const char *key;
    const char *value;
};

/* Target comparison operators of a record's own target. */
enum ioc_target_op {
    IOC_TARGET_NONE = 0, /* no target */
    IOC_TARGET_GE,       /* value >= target is "ok" */
    IOC_TARGET_LE,       /* value <= target is "ok" */
};

#define IOC_MAX_DIMS 8

/* The units every daemon knows (its built-in catalogue). A deployment's
 * catalogue (conf/catalog.conf, docs/catalog.md) holds the units
 * normalize accepts: these, with their symbols and labels, and any it
 * adds as [unit.NAME]. A unit is a name, never a symbol: "permille", not
 * "‰", so that topics, Kafka keys and filters stay ASCII. */
#define IOC_UNIT_COUNT    "count"    /* a non-negative integer */
#define IOC_UNIT_PERCENT  "percent"  /* %, within [0, 100] */
#define IOC_UNIT_PERMILLE "permille" /* ‰, e.g. salinity */
#define IOC_UNIT_RATIO    "ratio"    /* within [0, 1] */
#define IOC_UNIT_SCORE    "score"    /* an index value, e.g. out of 100 */
#define IOC_UNIT_SECONDS  "seconds"
#define IOC_UNIT_DAYS     "days"
#define IOC_UNIT_BYTES    "bytes"
#define IOC_UNIT_VND      "vnd"      /* Vietnamese dong */
#define IOC_UNIT_CM       "cm"       /* e.g. water level */
#define IOC_UNIT_MM       "mm"       /* e.g. rainfall */
#define IOC_UNIT_CELSIUS  "celsius"  /* °C */
#define IOC_UNIT_UG_M3    "ug_m3"    /* µg/m³, e.g. PM2.5 */
#define IOC_UNIT_M3_S     "m3_s"     /* m³/s, e.g. river discharge */
#define IOC_UNIT_HA       "ha"       /* hectares */
#define IOC_UNIT_KM       "km"

/* One metric value. Zero-initialise it (`struct ioc_record r = {0};`) and
 * fill what you have; NULL means "absent" for every pointer. */
struct ioc_record {
    const char *metric;      /* required: lowercase dotted name,
                                [a-z][a-z0-9_]* segments joined by '.',
                                at most 64 bytes, e.g. "docs.incoming" */
    double value;            /* required: a finite number */
    const char *unit;        /* required: a unit of the deployment's
                                catalogue, by default the IOC_UNIT_*
                                names above (docs/catalog.md);
                                "count" must be a non-negative integer,
                                "percent" within [0, 100], "ratio" [0, 1] */
    const char *ts;          /* when the source measured it: RFC 3339 with
                                offset ("2025-08-01T00:05:00+07:00", "...Z")
                                or the national portal's yyyyMMddHHmmss
                                (local time, +07:00). NULL = now */
    const char *period_from; /* optional reporting period, "YYYY-MM-DD"; */
    const char *period_to;   /* both or neither, from <= to */
    const char *area;        /* required: a province code ("96") or a
                                commune code ("32002"); a pre-2025 commune
                                code is mapped to its current one */
    struct ioc_dim dims[IOC_MAX_DIMS]; /* unused entries have key NULL */
    /* Ratios carry what they were computed from, so consumers can
     * re-aggregate correctly. Set has_ratio_parts to publish them. */
    bool has_ratio_parts;
    double numerator;
    double denominator;
    /* Optional: the record's own target, e.g. 90 with IOC_TARGET_GE for
     * "at least 90%". Most records leave it IOC_TARGET_NONE: the daemon
     * judges every record against its metric's targets in the deployment's
     * catalogue (conf/catalog.conf, docs/catalog.md: per area level, dims
     * and year, with a warning band, basis and period), the same way for
     * every connector, and publishes "status": "ok", "warn", "breach" or
     * "none". Set a target here only when it belongs to this record and
     * not to the metric, e.g. a station's own alarm level read from the
     * feed: it then takes precedence over the catalogue's, and the record
     * gets {"value","op","status"} with status "ok" when the value meets
     * it (equality included) and "breach" when not (no warning band).
     * A per-connector configuration key that sets the same target for
     * every record is what the catalogue replaces: do not add one. */
    enum ioc_target_op target_op;
    double target;
};

/* Hand one record to the daemon. Returns IOC_OK when it was accepted,
 * IOC_ERROR when normalization rejected it (already logged and counted:
 * do not log it again). Thread-safe; call from poll (in check it is
 * refused: logged, IOC_ERROR). */
int ioc_emit(ioc_ctx *ctx, const struct ioc_record *record);

/* Report a source record the connector itself had to skip (e.g. a field of
 * the wrong JSON type) so that it is logged and counted like a rejection:
 *   ioc_reject(ctx, "page 3 item 000.00.12.H12", "vanBanDen",
 *              "is a string, expected a number");
 * `where` names the record (page, key), `field` the field; both may be
 * NULL. Logging is throttled per poll (the first 10 are logged); counting
 * is not. Thread-safe: a poll may call it from threads of its own (the
 * counters are atomic), as long as they are done before poll returns.
 * Call from poll; in check it does nothing but log that it was refused. */
void ioc_reject(ioc_ctx *ctx, const char *where, const char *field, const char *reason);

#ifdef __cplusplus
}
#endif
#endif
