/* lograte - see lograte.h. */
#include "lograte.h"

bool lograte_take(struct lograte *r, int64_t now_ms, uint64_t *held_back)
{
    if (r->logged && now_ms - r->last_ms < LOGRATE_INTERVAL_MS) {
        r->held_back++;
        return false;
    }
    *held_back = r->held_back;
    r->held_back = 0;
    r->logged = true;
    r->last_ms = now_ms;
    return true;
}

uint64_t lograte_drain(struct lograte *r)
{
    uint64_t n = r->held_back;
    r->held_back = 0;
    return n;
}
