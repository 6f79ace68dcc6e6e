/*
 * lograte - one repeated error logged at once, then counted: the first
 * occurrence is logged, later ones within a minute only counted, and the
 * next line (at the first occurrence a minute or more after the last
 * line, or at the end, lograte_drain) says how many were held back.
 *
 * The one idea: no timer. An error that happens once per metric (a state
 * directory that became unusable) must neither write a line per metric
 * nor hide how many it cost; deciding at each occurrence, with the clock
 * passed in, keeps it a pure function the unit test drives through an
 * hour in microseconds. Not thread-safe: the caller holds its own lock.
 */
#ifndef IOCD_LOGRATE_H
#define IOCD_LOGRATE_H

#include <stdbool.h>
#include <stdint.h>

#define LOGRATE_INTERVAL_MS 60000

struct lograte {
    bool logged;          /* a line was written at last_ms */
    int64_t last_ms;      /* monotonic time of the last line */
    uint64_t held_back;   /* occurrences since then, not logged */
};

#define LOGRATE_INIT {false, 0, 0}

/* One occurrence at monotonic `now_ms`. True when it is to be logged now,
 * with *held_back the occurrences not logged since the previous line
 * (0 for the first); false when it is only counted. */
bool lograte_take(struct lograte *r, int64_t now_ms, uint64_t *held_back);

/* The occurrences held back since the last line, for a closing line
 * (at stop); resets the count. */
uint64_t lograte_drain(struct lograte *r);

#endif
