/*
 * endpoint - the changing state of one served feed: its generation
 * (request counter), whether it is frozen, and the fault armed on it.
 *
 * Design idea: a request takes everything it needs in one locked step
 * (endpoint_begin), then builds its reply without holding any lock, so a
 * slow or stalled reply never delays another request. Thread-safe.
 */
#ifndef FEEDSIM_ENDPOINT_H
#define FEEDSIM_ENDPOINT_H

#include "fault.h"
#include "feed.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct endpoint {
    const struct feed *feed;
    void *state; /* the feed's, from its init */
    pthread_mutex_t lock;
    uint64_t generation; /* of the last request served */
    bool served;         /* false until the first request */
    bool frozen;         /* generation does not advance */
    enum fault_mode fault;
    unsigned remaining; /* requests left with `fault`; 0 = until changed */
};

void endpoint_init(struct endpoint *e, const struct feed *feed, void *state);
void endpoint_destroy(struct endpoint *e);

/* Start one request. A snapshot start advances the generation (other
 * pages of a paginated feed reuse it); fault fail-page strikes only
 * requests that are not a snapshot start. Advance the generation (the first request gets 0;
 * a frozen endpoint repeats its last one) and take the armed fault,
 * counting it down. */
void endpoint_begin(struct endpoint *e, bool snapshot, uint64_t *generation,
                    enum fault_mode *fault);

/* Arm `mode` for the next `count` requests (0 = until changed). FAULT_NONE
 * clears. */
void endpoint_set_fault(struct endpoint *e, enum fault_mode mode, unsigned count);
void endpoint_set_frozen(struct endpoint *e, bool frozen);

/* {"endpoint":..,"path":..,"generation":..,"frozen":..,"fault":..,
 *  "remaining":..}; a new reference. */
json_t *endpoint_state_json(struct endpoint *e);

#endif
