/*
 * telecom.h - what the three files of the telecom connector share: the
 * page walk (telecom.c) hands the pages of one complete report to the
 * report (telecom_report.c), which reads each item with telecom_item.c and
 * emits the per-commune metrics and the province totals.
 *
 * Design idea: nothing is emitted until every page of a report has been
 * fetched and checked, so a failed page never leaves a partial province
 * total on the wall screens.
 */
#ifndef TELECOM_H
#define TELECOM_H

#include <ioc/ioc.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define TELECOM_MAX_TECHS 8 /* technologies per report (2G, 3G, 4G, 5G...) */

/* One item, read and checked; strings point into the page document. */
struct telecom_item {
    const char *code, *oper, *ts; /* maXa, nhaMang, updatedAt */
    const char *tech[TELECOM_MAX_TECHS]; /* keys of btsTheoCongNghe */
    double bts[TELECOM_MAX_TECHS];
    size_t ntech;
    double cov4g, cov5g, mobile, fixed, ftth;
};

/* Read item `index` (from 0) of page `page` (from 1) into *it. Returns 0,
 * or -1 after rejecting it (ioc_reject) at its first bad field. */
int telecom_item_read(ioc_ctx *ctx, json_t *item, size_t page, size_t index,
                      struct telecom_item *it);

/* What the report reader needs from the configuration. */
struct telecom_options {
    double coverage_5g_target; /* percent; used when has_5g_target */
    bool has_5g_target;
};

/* The report month "YYYY-MM" as a period: from = "YYYY-MM-01", to = the
 * month's last day. Returns 0, or -1 when `month` is not YYYY-MM with a
 * month 01..12 (year 1900..9999). */
int telecom_period(const char *month, char from[11], char to[11]);

/* Emit every metric of one report: `pages` are the `npages` page documents
 * of one walk, already checked to have an "items" array and the same
 * report month. Bad items are rejected (ioc_reject, naming the page, the
 * item's commune/operator and the field) and left out of the totals.
 * Returns how many items were published. */
size_t telecom_report_emit(ioc_ctx *ctx, const struct telecom_options *opt, json_t *const *pages,
                           size_t npages, const char *from, const char *to);

#endif
