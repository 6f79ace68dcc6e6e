/*
 * clock - the daemon's two clocks in milliseconds, and deadlines for
 * timed waits.
 *
 * Durations, deadlines and "how long ago" use the monotonic clock, which
 * a changed system time cannot move; only what is shown to people or
 * written into records (timestamps, "last success at") uses the wall
 * clock. Every module takes time from here, so a test or a reader finds
 * one definition of "now" instead of a copy per module.
 */
#ifndef IOCD_CLOCK_H
#define IOCD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in milliseconds (an arbitrary origin). Thread-safe. */
int64_t clock_mono_ms(void);

/* CLOCK_REALTIME in milliseconds since 1970-01-01 UTC. Thread-safe. */
int64_t clock_wall_ms(void);

/* The timespec of the instant `at_ms` of a clock (as returned by
 * clock_mono_ms or clock_wall_ms), for pthread_cond_timedwait and
 * friends. */
struct timespec clock_timespec(int64_t at_ms);

/* The instant `ms` from now on `clock` (CLOCK_MONOTONIC for a condition
 * variable created with that clock, CLOCK_REALTIME for
 * pthread_timedjoin_np), as a timespec. */
struct timespec clock_after_ms(clockid_t clock, int64_t ms);

#endif
