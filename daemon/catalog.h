/*
 * catalog - the metric catalogue in memory: what each published metric
 * and unit is (labels, unit, decimals, aggregation, targets), looked up by
 * name, and its published JSON (docs/catalog.md).
 *
 * The one design idea: the catalogue is data, not code. It is read from
 * conf/catalog.conf by catconf; this module only holds it, read-only and
 * shared by every thread once loaded (normalize checks a record's unit
 * against it, the MQTT sink publishes the JSON). When no catalogue is
 * deployed, a built-in one stands in: the units the SDK names
 * (include/ioc/record.h) and no metrics. It needs nothing but jsonw, so
 * the normalize stage (and its fuzzer) can use it without the
 * configuration reader.
 */
#ifndef IOCD_CATALOG_H
#define IOCD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct catalog_unit {
    char *name;     /* "permille": what records carry in "unit" */
    char *symbol;   /* "‰" */
    char *label_vi, *label_en;
    int decimals;   /* display default of metrics in this unit */
    int line;
};

enum catalog_aggregate {
    CATALOG_AGG_NONE,  /* never add up (a score, a share without parts) */
    CATALOG_AGG_SUM,   /* province = sum of communes */
    CATALOG_AGG_RATIO, /* province = sum of numerators / sum of denominators */
};

enum catalog_goal_op { CATALOG_GOAL_GE, CATALOG_GOAL_LE, CATALOG_GOAL_RANGE };

/* One target (issue 12 item 3: parsed and checked, not yet applied). */
struct catalog_target {
    char *id;               /* "province_2025": the ID of target.ID.FIELD */
    enum catalog_goal_op op;
    double lo, hi;          /* GE: lo; LE: hi; RANGE: lo..hi */
    bool has_warn;
    double warn_lo, warn_hi; /* the band outside the goal that is "warn" */
    char *level;            /* "province", "commune" or NULL = any */
    char *dims;             /* "technology=5g,operator=viettel" or NULL */
    int year_from, year_to; /* the years it applies to */
    char *basis;            /* which decision or plan it comes from */
    int line;
};

struct catalog_metric {
    char *name;
    char *label_vi, *label_en, *description;
    const struct catalog_unit *unit;
    int decimals;
    enum catalog_aggregate aggregate;
    struct catalog_target *targets;
    size_t target_count;
    int64_t refresh_ms;     /* expected refresh (freshness); 0 = the instance's interval × 3 */
    int64_t max_age_ms;     /* maximum data age (freshness); 0 = none */
    int line;
};

struct catalog {
    char *path;
    char *version;          /* [catalog] version */
    struct catalog_unit *units;
    size_t unit_count;
    struct catalog_metric *metrics; /* sorted by name */
    size_t metric_count;
};

/* Free a catalogue made by catconf_load (the built-in one is ignored). */
void catalog_free(struct catalog *c);
/* Sort the metrics by name, as catalog_metric's search needs. */
void catalog_sort(struct catalog *c);

/* The built-in catalogue, used when no catalogue file is deployed: the
 * units of include/ioc/record.h and no metrics (so the daemon runs from a
 * bare iocd.conf, as the tests' and demos' configurations are). */
const struct catalog *catalog_builtin(void);

const struct catalog_unit *catalog_unit(const struct catalog *c, const char *name);
const struct catalog_metric *catalog_metric(const struct catalog *c, const char *name);

/* The catalogue as published on ioc/v1/<province>/_catalog
 * (docs/catalog.schema.json), one line, malloc'd; NULL when out of memory. */
char *catalog_json(const struct catalog *c, const char *province);

const char *catalog_aggregate_name(enum catalog_aggregate a);

/* Write `"key":{"min":lo,"max":hi}` (a target's warning band), as both the
 * catalogue and the records publish it. */
struct jsonw;
void catalog_json_band(struct jsonw *w, const char *key, double lo, double hi);

#endif
