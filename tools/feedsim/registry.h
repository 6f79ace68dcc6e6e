/*
 * registry - the list of feeds this simulator serves.
 *
 * Adding a feed is writing feed_<name>.c and adding one line to the table
 * in registry.c; nothing else in feedsim names a feed.
 */
#ifndef FEEDSIM_REGISTRY_H
#define FEEDSIM_REGISTRY_H

#include "feed.h"

#include <stddef.h>

/* All feeds, in a fixed order (their index is stable for a run). */
size_t registry_count(void);
const struct feed *registry_at(size_t index);

/* The index of the feed called `name`, or -1. */
int registry_find(const char *name);

#endif
