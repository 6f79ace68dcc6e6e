/*
 * rollup - province figures made by the daemon from one poll's commune
 * values (docs/metric-record.md, "Rollups").
 *
 * The one design idea: a rollup adds up what was published, never what a
 * connector thinks it published. The instance offers every record it has
 * accepted in a poll; commune records of a metric the catalogue marks
 * `sum` or `ratio` are grouped by metric + dims + period (the series key
 * minus the area). At the end of a successful poll each group becomes one
 * province record: the sum, or the sum of numerators over the sum of
 * denominators (never a mean of percentages), with how many of the
 * province's current communes reported (an old code merged into a current
 * commune counts as that commune, once). A connector that publishes a
 * province record of a metric itself in the poll owns that metric's
 * province figures for the poll: the daemon rolls up none of it, so the
 * same series is never published twice with two values.
 *
 * Thread-safe (a plugin may emit from its own threads); one rollup per
 * instance, reused from poll to poll.
 */
#ifndef IOCD_ROLLUP_H
#define IOCD_ROLLUP_H

#include "catalog.h"
#include "normalize.h"

#include <stddef.h>

struct rollup;

/* An empty rollup that looks metrics up in `catalog` (NULL = the built-in
 * one, which has no metrics, so nothing rolls up). NULL when out of
 * memory. rollup_free(NULL) is a no-op. */
struct rollup *rollup_new(const struct catalog *catalog);
void rollup_free(struct rollup *r);

/* Offer one accepted record (its strings are copied). A commune record of
 * a `sum` or `ratio` metric joins its group; a province record of such a
 * metric marks the metric as the connector's own for this poll; anything
 * else is ignored. A `ratio` record without numerator and denominator
 * cannot be added up: it is left out and counted. Returns -1 when out of
 * memory: then this poll publishes no rollup at all, since some group
 * would miss a commune without saying so. */
int rollup_add(struct rollup *r, const struct normalized *n);

/* Publishes one rolled-up record: `record` and `completeness` are valid
 * during the call only. Returns 0 when the record was accepted. */
typedef int (*rollup_emit_fn)(void *arg, const struct ioc_record *record,
                              const struct normalize_completeness *completeness);

/* What rollup_finish did, for the instance's log line. */
struct rollup_report {
    size_t published;        /* province records emitted and accepted */
    size_t refused;          /* emitted but not accepted */
    size_t owned;            /* groups left to the connector's own totals */
    size_t unusable;         /* groups with mixed units or a zero
                                denominator, or every group after an
                                allocation failed in the poll */
    size_t no_parts;         /* ratio records left out: no numerator/denominator */
    char no_parts_example[128]; /* "metric M area A" of the first of them */
};

/* Emit one province record per group through `emit`, in the order the
 * groups first appeared, for `province` with completeness against the
 * gazetteer's communes of it; then forget the poll. */
void rollup_finish(struct rollup *r, const struct gazetteer *g, const char *province,
                   rollup_emit_fn emit, void *arg, struct rollup_report *report);

/* Forget the poll without publishing (a failed poll publishes no totals:
 * they would be made of part of the communes). */
void rollup_discard(struct rollup *r);

#endif
