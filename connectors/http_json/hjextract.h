/*
 * hjextract - applying a mapping to the pages of one walk: records in,
 * metric records out.
 *
 * The design idea: a batch holds one whole walk. Each page is turned into
 * small items as soon as it arrives (and its JSON can be freed), but
 * nothing is emitted until the walk completes, so a page that fails
 * half-way publishes nothing and a sum is never made of part of the pages.
 * Metrics with `sum` are added into their group (metric, area, kept
 * dimensions) as records arrive, so a sum over 100,000 records holds one
 * item per group, not one per record. A record with a missing or wrong
 * field is skipped whole (reported through the host with its page, index
 * and the field's path) and the walk goes on.
 *
 * The batch talks to the daemon only through struct hj_host, so tests and
 * the fuzzer can run it without one.
 */
#ifndef HTTP_JSON_HJEXTRACT_H
#define HTTP_JSON_HJEXTRACT_H

#include "hjmap.h"

#include <ioc/record.h>
#include <jansson.h>

struct hj_host {
    /* A record was skipped: `where` is "page 2 record 17 (area 31825)",
     * `field` the path, `reason` e.g. "is missing". */
    void (*reject)(void *user, const char *where, const char *field, const char *reason);
    /* Current code of an area for grouping (ioc_area_resolve); NULL with a
     * reason when the code cannot be used. */
    const char *(*area_resolve)(void *user, const char *code, const char **reason);
    const char *province; /* area of `sum = province` and `area_missing = province` */
    void *user;
};

struct hj_batch;

struct hj_batch *hj_batch_new(const struct hj_mapping *mapping, const struct hj_host *host);
void hj_batch_free(struct hj_batch *batch);

/* The most records the whole walk may hold (0 = no bound): extraction
 * stops at the next one, so a walk never keeps more. */
void hj_batch_limit_records(struct hj_batch *batch, size_t max);

#define HJ_BATCH_FULL (-2)

/* Extract the records of one page (`page_number` counts from 1, for
 * messages). Returns how many records the page held (0 for an empty page),
 * HJ_BATCH_FULL when the page took the walk past its record limit, or -1
 * when the `records` path does not lead to records (or memory ran out),
 * with a reason in why, e.g. "no key `items` under `data`; keys there are:
 * `data.duLieu`". */
long hj_batch_add_page(struct hj_batch *batch, json_t *page, int page_number, char *why,
                       size_t whylen);

/* Records seen and records skipped so far. */
size_t hj_batch_records(const struct hj_batch *batch);
size_t hj_batch_skipped(const struct hj_batch *batch);

/* Hand every metric of the walk to emit(user, record), records' metrics
 * first in document order, then the sums in the order their groups first
 * appeared. Ratios whose denominator is 0, and sums too large to be a
 * finite number, are left out (counted in *undefined if not NULL). Returns how many records were handed over. The
 * record and what it points to are valid during the call only. */
size_t hj_batch_emit(struct hj_batch *batch,
                     void (*emit)(void *user, const struct ioc_record *record), void *user,
                     size_t *undefined);

#endif
