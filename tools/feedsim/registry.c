/*
 * registry - the table of feeds. One line per feed_<name>.c file.
 */
#include "registry.h"

#include <pthread.h>
#include <string.h>

/* The departmental feeds are weak references: a feed file that is not
 * there yet leaves a NULL, skipped below, so feeds can be added one file
 * at a time. */
extern const struct feed feed_example;
extern const struct feed feed_ioffice __attribute__((weak));
extern const struct feed feed_dvc __attribute__((weak));
extern const struct feed feed_telecom __attribute__((weak));
extern const struct feed feed_pakn __attribute__((weak));
extern const struct feed feed_bench __attribute__((weak));
extern const struct feed feed_bench_telecom __attribute__((weak));
extern const struct feed feed_static __attribute__((weak));
extern const struct feed feed_paged __attribute__((weak));
extern const struct feed feed_hostile __attribute__((weak));

static const struct feed *const registry_all[] = {
    &feed_example, &feed_ioffice, &feed_dvc, &feed_telecom, &feed_pakn,
    &feed_bench,   &feed_bench_telecom, &feed_static, &feed_paged, &feed_hostile,
};
static const struct feed *registry_feeds[sizeof registry_all / sizeof registry_all[0]];
static size_t registry_present;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static void registry_build(void)
{
    for (size_t i = 0; i < sizeof registry_all / sizeof registry_all[0]; i++)
        if (registry_all[i])
            registry_feeds[registry_present++] = registry_all[i];
}

size_t registry_count(void)
{
    pthread_once(&registry_once, registry_build);
    return registry_present;
}

const struct feed *registry_at(size_t index)
{
    return index < registry_count() ? registry_feeds[index] : NULL;
}

int registry_find(const char *name)
{
    for (size_t i = 0; i < registry_count(); i++)
        if (strcmp(registry_feeds[i]->name, name) == 0)
            return (int)i;
    return -1;
}
