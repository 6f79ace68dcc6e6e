/*
 * target - which of a metric's catalogue targets applies to one record,
 * and where the record's value stands against it (ok, warn, breach).
 *
 * The one design idea: the choice is a pure function of data the record
 * already carries (metric, area level, dims, year) and of the catalogue,
 * so every connector's records are judged the same way, in normalize, with
 * no state. The rule (docs/catalog.md, "How a target is chosen"):
 *   1. a target applies when its period's years contain the record's year
 *      (the year its period ends in, else the year of its ts in the
 *      deployment's offset), its level (if any) is the record's area
 *      level and each of its dims (if any) is among the record's dims with
 *      the same value (exact, case-sensitive);
 *   2. of the applicable ones, the most specific wins: one point for a
 *      level, one per dim; on a tie the one written first in the file.
 * A metric without targets costs nothing here beyond normalize's one
 * catalogue look-up.
 */
#ifndef IOCD_TARGET_H
#define IOCD_TARGET_H

#include "catalog.h"
#include "ioc/record.h"

#include <stdint.h>

/* Same order as normalize's enum normalize_status. */
enum target_status { TARGET_NONE, TARGET_OK, TARGET_WARN, TARGET_BREACH };

/* The year a record is judged in: the year of `period_to` ("YYYY-MM-DD",
 * already validated) when it has a period, else the year of ts_ms in the
 * offset tz_offset_min. */
int target_year(const char *period_to, int64_t ts_ms, int tz_offset_min);

/* The applicable target of metric `m` (NULL-safe) for a record of area
 * level `level` ("province" or "commune"), dims `dims` (IOC_MAX_DIMS
 * entries, ended by a NULL key) and year `year`; NULL when none applies. */
const struct catalog_target *target_select(const struct catalog_metric *m, const char *level,
                                           const struct ioc_dim *dims, int year);

/* Where `value` stands against `t`: OK inside the goal (its edges
 * included), WARN inside the warning band outside it (the band's far edge
 * included), BREACH beyond; NONE when t is NULL. */
enum target_status target_evaluate(const struct catalog_target *t, double value);

/* "ok", "warn", "breach" or "none". */
const char *target_status_name(enum target_status s);

#endif
