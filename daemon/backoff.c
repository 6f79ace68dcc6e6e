/* backoff - see backoff.h. */
#include "backoff.h"

int64_t backoff_delay_ms(int64_t interval_ms, int64_t backoff_max_ms, int64_t jitter_ms,
                         unsigned failures, uint64_t random)
{
    int64_t delay = interval_ms;
    if (failures > 0) {
        int64_t base = interval_ms / 4 > 1000 ? interval_ms / 4 : 1000;
        delay = base;
        for (unsigned i = 1; i < failures && delay < backoff_max_ms; i++)
            delay *= 2;
        if (delay > backoff_max_ms)
            delay = backoff_max_ms;
    }
    if (jitter_ms > 0)
        delay += (int64_t)(random % (uint64_t)(2 * jitter_ms + 1)) - jitter_ms;
    return delay < 100 ? 100 : delay;
}
