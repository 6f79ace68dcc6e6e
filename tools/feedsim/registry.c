/*
 * registry - the table of feeds. One line per feed_<name>.c file.
 */
#include "registry.h"

#include <string.h>

extern const struct feed feed_example;

static const struct feed *const registry_feeds[] = {
    &feed_example,
};

#define REGISTRY_COUNT (sizeof registry_feeds / sizeof registry_feeds[0])

size_t registry_count(void)
{
    return REGISTRY_COUNT;
}

const struct feed *registry_at(size_t index)
{
    return index < REGISTRY_COUNT ? registry_feeds[index] : NULL;
}

int registry_find(const char *name)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry_feeds[i]->name, name) == 0)
            return (int)i;
    return -1;
}
