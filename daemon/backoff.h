/*
 * backoff - when a connector polls next.
 *
 * After a successful poll: `interval` after the start of that poll. After
 * the k-th failure in a row: retry sooner than the interval at first (a
 * blip should not cost a whole interval), then back off exponentially -
 * base * 2^(k-1) with base = max(1 s, interval / 4) - capped at
 * `backoff_max`. Jitter spreads every wait uniformly over +/- `jitter` so
 * many instances do not hit one server in step. Retry-After, when a
 * server sent one, is a floor the scheduler applies on top. Pure, so
 * tests can check every number.
 */
#ifndef IOCD_BACKOFF_H
#define IOCD_BACKOFF_H

#include <stdint.h>

/* Delay from the start of the poll that just ended to the start of the
 * next one, in ms. `failures` is the number of consecutive failed polls
 * (0 after a success). `random` is any 64-bit random number (it picks the
 * jitter). Never below 100 ms. */
int64_t backoff_delay_ms(int64_t interval_ms, int64_t backoff_max_ms, int64_t jitter_ms,
                         unsigned failures, uint64_t random);

#endif
