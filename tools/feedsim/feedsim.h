/*
 * feedsim - the settings every part of the feed simulator reads.
 *
 * Filled once by main.c from the command line before the HTTP server
 * starts, read-only afterwards, so request threads share it without locks.
 */
#ifndef FEEDSIM_H
#define FEEDSIM_H

#include <stddef.h>
#include <stdint.h>

struct gazetteer;

#define FEEDSIM_DEFAULT_SEED 1
#define FEEDSIM_DEFAULT_RECORDS 5
#define FEEDSIM_DEFAULT_HUGE_SIZE (20u * 1024 * 1024)
#define FEEDSIM_DEFAULT_SLOW_MS 5000
#define FEEDSIM_DEFAULT_RETRY_AFTER "2"
#define FEEDSIM_DEFAULT_GAZETTEER "conf/gazetteer/vn-2025-07.tsv"

struct feedsim_config {
    uint64_t seed;               /* --seed: makes every body reproducible */
    size_t records;              /* --records: records per response */
    const char *token;           /* --token: required bearer token or NULL */
    uint64_t huge_size;          /* --huge-size: body size of fault "huge" */
    unsigned slow_ms;            /* --slow-ms: duration of fault "slow" */
    const char *retry_after;     /* --retry-after: the Retry-After value of
                                    http429, http503 and retry-after */
    const struct gazetteer *gaz; /* loaded from --gazetteer */
};

#endif
