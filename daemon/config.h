/*
 * config - the whole configuration: iocd.conf plus connectors.d/NAME.conf.
 *
 * Loading is all-or-nothing and reports everything: every file is read,
 * every key checked against its table (the daemon's own for iocd.conf, the
 * reserved keys plus the plugin's table for a connector file), and every
 * mistake is added to a diag list as FILE:LINE with the closest known key
 * for a misspelling. The result is only used when the list is empty, which
 * is what makes SIGHUP safe: a broken new configuration is reported and
 * the old one keeps running.
 */
#ifndef IOCD_CONFIG_H
#define IOCD_CONFIG_H

#include "diag.h"
#include "gazetteer.h"
#include "ioc/connector.h"
#include "log.h"
#include "outbox.h"
#include "plugin.h"

#include <stdbool.h>
#include <stdint.h>

/* One key of an instance, default applied. */
struct instance_value {
    const struct ioc_config_key *key;
    char *text;  /* NULL when unset and without default */
    int line;    /* 0 when it comes from the default */
};

struct instance_config {
    char *name;  /* file base name: "ioffice" */
    char *path;  /* the file, for messages */
    struct plugin *plugin;
    struct instance_value *values; /* reserved keys first, then the plugin's */
    size_t value_count;
    /* Members of the plugin's key families ("metric.*") set in the file,
     * in file order: family_keys[i] = "metric.docs.unit", family[i].key =
     * the family's table entry. */
    struct instance_value *family;
    char **family_keys;
    size_t family_count;
    /* The reserved keys, parsed. */
    bool enabled;
    int64_t interval_ms, timeout_ms, jitter_ms, backoff_max_ms, fail_after;
    uint64_t max_body;
    const char *source;
};

/* A sink's section of iocd.conf: its keys (defaults applied) and, where
 * the sink allows it, pass-through keys with a prefix ("kafka.acks"). */
struct config_section {
    bool present;          /* the [section] header appears in the file */
    int line;              /* of the header */
    const char *path;      /* the file, for messages (owned by struct config) */
    struct instance_value *values;
    size_t value_count;
    struct instance_value *extra; /* pass-through keys: key NULL, see extra_keys */
    char **extra_keys;
    size_t extra_count;
};

/* Value of a key of a section (NULL if unset without default). */
const char *section_text(const struct config_section *s, const char *key);
/* The line a key was set on (the section's line if from a default). */
int section_line(const struct config_section *s, const char *key);
/* Typed values of a section (0 / false when unset; values were checked
 * when the configuration was loaded). */
int64_t section_int(const struct config_section *s, const char *key);
int64_t section_ms(const struct config_section *s, const char *key);
bool section_bool(const struct config_section *s, const char *key);

struct config {
    char *path;           /* iocd.conf as given */
    char *dir;            /* its directory: base of relative paths */
    char *province;       /* "96" */
    int province_line;    /* where it was set, for messages */
    int tz_offset_min;    /* 420 for +07:00 */
    char *connectors_dir, *plugin_dir, *state_dir, *gazetteer_path;
    enum log_level log_level;
    int64_t shutdown_timeout_ms, stats_interval_ms;
    bool stdout_sink;
    struct config_section mqtt, kafka; /* [sink.mqtt], [sink.kafka] */
    struct outbox_limits outbox_limits; /* [outbox] capacity, max_bytes */
    struct gazetteer *gazetteer;
    struct instance_config *instances; /* sorted by name */
    size_t instance_count;
};

/* Load `path`. With `only_instance` non-NULL, only connectors.d/<it>.conf
 * is read (so one broken connector file cannot stop another connector's
 * systemd unit), and its absence is an error. `log_override` (may be NULL)
 * replaces log_level. Returns 0 when valid; otherwise -1 with every error
 * in `d`. Free with config_free() in both cases. */
int config_load(const char *path, const char *only_instance, struct config *out, struct diag *d);
void config_free(struct config *c);

/* A key's value of an instance (NULL if the key is unknown). */
/* The value of `key` in an instance: a table key or a family member. */
const struct instance_value *instance_value(const struct instance_config *ic, const char *key);
/* The table entry of the family ("metric.*") that `key` belongs to, or
 * NULL. */
const struct ioc_config_key *config_family_of(const struct ioc_config_key *table, const char *key);
const struct instance_config *config_instance(const struct config *c, const char *name);

/* The daemon's own keys, for documentation and tests. */
extern const struct ioc_config_key config_iocd_keys[];
extern const struct ioc_config_key config_stdout_keys[];
extern const struct ioc_config_key config_outbox_keys[];

/* Where plugins are looked up when plugin_dir is not set: a "connectors"
 * folder beside the running binary (a build tree), else the installed
 * IOCD_PLUGIN_DIR. Returns a malloc'd path. */
char *config_default_plugin_dir(void);

#endif
