/* backoff - see backoff.h. */
#include "backoff.h"

#include <stdio.h>

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

int64_t backoff_retry_after_ms(int64_t asked_s, int64_t backoff_max_ms)
{
    if (asked_s < 0)
        return -1;
    int64_t max = backoff_max_ms > 0 ? backoff_max_ms : 0;
    /* Compared in seconds first, so asked_s * 1000 is computed only when
     * it is below the cap (and thus fits). */
    if (asked_s > max / 1000)
        return max;
    return asked_s * 1000 < max ? asked_s * 1000 : max;
}

const char *backoff_format_ms(int64_t ms, char *buf, size_t len)
{
    if (ms % 1000 == 0)
        snprintf(buf, len, "%lld s", (long long)(ms / 1000));
    else
        snprintf(buf, len, "%lld ms", (long long)ms);
    return buf;
}
