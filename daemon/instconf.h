/*
 * instconf - the connector instances: connectors.d/NAME.conf files.
 *
 * One file is one instance of a plugin. Its keys are checked against the
 * reserved keys every instance has (interval, timeout, ...) followed by
 * the plugin's own table, with the plugin's key families ("metric.*")
 * taken out first and checked by family. Loading only judges what a table
 * can judge; the plugin's own `check` callback is run afterwards by the
 * caller (instance_check_all), on the instances whose tables passed, so
 * this module knows nothing about running a plugin.
 */
#ifndef IOCD_INSTCONF_H
#define IOCD_INSTCONF_H

#include "diag.h"
#include "keytable.h"
#include "plugin.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct instance_config {
    char *name;  /* file base name: "ioffice" */
    char *path;  /* the file, for messages */
    struct plugin *plugin;
    struct key_value *values; /* reserved keys first, then the plugin's */
    size_t value_count;
    /* Members of the plugin's key families ("metric.*") set in the file,
     * in file order: family_keys[i] = "metric.docs.unit", family[i].key =
     * the family's table entry. */
    struct key_value *family;
    char **family_keys;
    size_t family_count;
    bool table_ok; /* every key passed its table: the plugin may judge it */
    /* The reserved keys, parsed. */
    bool enabled;
    int64_t interval_ms, timeout_ms, jitter_ms, backoff_max_ms, fail_after;
    uint64_t max_body;
    const char *source;
};

/* Where the files are: connectors.d, the plugins, and the directory that
 * relative secret files (`token_file = ...`) are read from. */
struct instconf_dirs {
    const char *connectors_dir, *plugin_path, *base_dir;
};

/* Load every NAME.conf of dirs->connectors_dir (sorted by name), or only
 * `only` when it is non-NULL (its absence is then an error). Sets *out to
 * a malloc'd array of *count instances, also on error; every mistake is
 * added to `d`. Returns 0, or -1 when something was wrong. Free with
 * instconf_free(). */
int instconf_load(const struct instconf_dirs *dirs, const char *only, struct instance_config **out,
                  size_t *count, struct diag *d);
void instconf_free(struct instance_config *ics, size_t count);

/* The value of `key` in an instance: a table key or a family member; NULL
 * if the key is neither. */
const struct key_value *instance_value(const struct instance_config *ic, const char *key);

#endif
