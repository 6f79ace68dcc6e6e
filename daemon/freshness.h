/*
 * freshness - when a series is stale, and the messages that tell a screen
 * so without comparing clocks: the stale marker on the series' own record
 * and the per-source summary (docs/metric-record.md "Freshness").
 *
 * The one design idea: staleness is decided from two ages the daemon
 * already knows, never from the screen's clock. A series is stale when it
 * has not been seen for its expected refresh (its instance's interval ×
 * FRESH_FACTOR, or the catalogue's `refresh`), or when its data (the
 * record's period end, else its ts) is older than its maximum age (the
 * catalogue's `max_age`; none by default). The state itself lives in the
 * series entry (series.h); this module holds the rule and the text.
 */
#ifndef IOCD_FRESHNESS_H
#define IOCD_FRESHNESS_H

#include "metric.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A series is expected again within this many poll intervals: one missed
 * poll (a timeout, a retry with backoff) is not yet stale, three are. */
#define FRESH_FACTOR 3

enum fresh_state { FRESH_OK, FRESH_NOT_SEEN, FRESH_OLD_DATA };

/* The rule. `seen_mono_ms`: when last seen (or confirmed unchanged);
 * `data_ms`: how recent its data is (wall ms); a limit of 0 is none. */
static inline enum fresh_state fresh_judge(int64_t seen_mono_ms, int64_t now_mono_ms,
                                           int64_t data_ms, int64_t now_wall_ms,
                                           int64_t refresh_ms, int64_t max_age_ms)
{
    if (refresh_ms > 0 && now_mono_ms - seen_mono_ms >= refresh_ms)
        return FRESH_NOT_SEEN;
    if (max_age_ms > 0 && now_wall_ms - data_ms > max_age_ms)
        return FRESH_OLD_DATA;
    return FRESH_OK;
}

/* The expected refresh of a series: the catalogue's `refresh` when set,
 * else its instance's interval × FRESH_FACTOR. */
static inline int64_t fresh_refresh_ms(int64_t catalog_refresh_ms, int64_t interval_ms)
{
    return catalog_refresh_ms > 0 ? catalog_refresh_ms : interval_ms * FRESH_FACTOR;
}

/* The record `last` with its stale marker,
 * `"stale":{"since":"<RFC 3339 UTC>","reason":"not_seen"|"old_data","age_s":N}`
 * added as its last member (age_s: how old its data is, whole seconds).
 * Same topic and series; kind METRIC_SCREEN. NULL when out of memory. */
struct metric *fresh_marked(const struct metric *last, bool old_data, int64_t since_wall_ms,
                            int64_t data_ms, int64_t now_wall_ms);

/* One source's summary, on PREFIX/PROVINCE/_summary/<source>, retained
 * (docs/summary.schema.json). last_success_ms 0 = never. Kind
 * METRIC_SCREEN. NULL when out of memory. */
struct metric *fresh_summary(const char *topic_prefix, const char *province, const char *source,
                             int64_t last_success_ms, long series, long stale, long breach,
                             int64_t now_wall_ms);

#endif
