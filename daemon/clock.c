/* clock - see clock.h. */
#include "clock.h"

static int64_t clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
int64_t clock_wall_ms(void) { return clock_ms(CLOCK_REALTIME); }

struct timespec clock_timespec(int64_t at_ms)
{
    struct timespec ts = {at_ms / 1000, (at_ms % 1000) * 1000000};
    return ts;
}

struct timespec clock_after_ms(clockid_t clock, int64_t ms)
{
    return clock_timespec(clock_ms(clock) + ms);
}
