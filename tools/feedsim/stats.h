/*
 * stats - how many requests each endpoint answered, by HTTP status, for
 * GET /_stats. Counted when the response is queued, so a /_stats reply
 * never includes itself. Thread-safe.
 */
#ifndef FEEDSIM_STATS_H
#define FEEDSIM_STATS_H

#include <jansson.h>
#include <stddef.h>

struct stats;

/* One counter set per name; names are borrowed and must outlive stats. */
struct stats *stats_new(const char *const *names, size_t count);
void stats_free(struct stats *st);

/* Count one response of `status` (100..599; others count as 0) for the
 * endpoint with index `which`. */
void stats_count(struct stats *st, size_t which, unsigned status);

/* {"total":{"requests":N,"status":{"200":N,..}},
 *  "endpoints":{"example":{"requests":N,"status":{..}},..}}; a new reference.
 * Endpoints without requests are listed with zero. */
json_t *stats_json(struct stats *st);

#endif
