/*
 * backoff - when a connector polls next.
 *
 * After a successful poll: `interval` after the start of that poll. After
 * the k-th failure in a row: retry sooner than the interval at first (a
 * blip should not cost a whole interval), then back off exponentially -
 * base * 2^(k-1) with base = max(1 s, interval / 4) - capped at
 * `backoff_max`. Jitter spreads every wait uniformly over +/- `jitter` so
 * many instances do not hit one server in step. Retry-After, when a
 * server sent one with a 429 or 503, is a floor the scheduler applies on
 * top - but never longer than `backoff_max`: a server cannot park an
 * instance for years (or overflow a millisecond count) with one header.
 * Pure, so tests can check every number.
 */
#ifndef IOCD_BACKOFF_H
#define IOCD_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

/* Delay from the start of the poll that just ended to the start of the
 * next one, in ms. `failures` is the number of consecutive failed polls
 * (0 after a success). `random` is any 64-bit random number (it picks the
 * jitter). Never below 100 ms. */
int64_t backoff_delay_ms(int64_t interval_ms, int64_t backoff_max_ms, int64_t jitter_ms,
                         unsigned failures, uint64_t random);

/* The wait a Retry-After of `asked_s` seconds earns, in ms: asked_s * 1000
 * without overflow, capped at backoff_max_ms. -1 when asked_s < 0 (none).
 * Capped when the result is below asked_s * 1000. */
int64_t backoff_retry_after_ms(int64_t asked_s, int64_t backoff_max_ms);

/* A wait for people: "2 s" when whole seconds, else "1500 ms". */
const char *backoff_format_ms(int64_t ms, char *buf, size_t len);

#endif
