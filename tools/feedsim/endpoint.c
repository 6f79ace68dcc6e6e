/*
 * endpoint - generation, freeze flag and armed fault of one feed, under
 * one mutex held only for a few assignments.
 */
#include "endpoint.h"

void endpoint_init(struct endpoint *e, const struct feed *feed, void *state)
{
    *e = (struct endpoint){.feed = feed, .state = state, .fault = FAULT_NONE};
    pthread_mutex_init(&e->lock, NULL);
}

void endpoint_destroy(struct endpoint *e)
{
    pthread_mutex_destroy(&e->lock);
}

void endpoint_begin(struct endpoint *e, bool snapshot, uint64_t *generation,
                    enum fault_mode *fault)
{
    pthread_mutex_lock(&e->lock);
    if (snapshot && e->served && !e->frozen)
        e->generation++;
    e->served = true;
    *generation = e->generation;
    *fault = e->fault;
    /* fail-page spares snapshot starts: they neither fail nor use it up. */
    if (e->fault == FAULT_FAIL_PAGE && snapshot)
        *fault = FAULT_NONE;
    else if (e->fault != FAULT_NONE && e->remaining > 0 && --e->remaining == 0)
        e->fault = FAULT_NONE;
    pthread_mutex_unlock(&e->lock);
}

void endpoint_set_fault(struct endpoint *e, enum fault_mode mode, unsigned count)
{
    pthread_mutex_lock(&e->lock);
    e->fault = mode;
    e->remaining = mode == FAULT_NONE ? 0 : count;
    pthread_mutex_unlock(&e->lock);
}

void endpoint_set_frozen(struct endpoint *e, bool frozen)
{
    pthread_mutex_lock(&e->lock);
    e->frozen = frozen;
    pthread_mutex_unlock(&e->lock);
}

json_t *endpoint_state_json(struct endpoint *e)
{
    pthread_mutex_lock(&e->lock);
    json_t *j =
        json_pack("{s:s, s:s, s:I, s:b, s:s, s:I}", "endpoint", e->feed->name, "path",
                  e->feed->path, "generation", (json_int_t)e->generation, "frozen", e->frozen,
                  "fault", fault_name(e->fault), "remaining", (json_int_t)e->remaining);
    pthread_mutex_unlock(&e->lock);
    return j;
}
