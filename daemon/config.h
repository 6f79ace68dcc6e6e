/*
 * config - the whole configuration: iocd.conf plus connectors.d/NAME.conf.
 *
 * This module is iocd.conf's schema ([iocd], [outbox], and one section per
 * row of the sink table) and the loader that puts the pieces together; the
 * key-table engine is keytable, the connector files are instconf.
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

#include "catalog.h"
#include "diag.h"
#include "gazetteer.h"
#include "instconf.h"
#include "ioc/connector.h"
#include "keytable.h"
#include "log.h"
#include "disklog.h"
#include "outbox.h"

#include <stdbool.h>
#include <stdint.h>

struct config {
    char *path;           /* iocd.conf as given */
    char *dir;            /* its directory: base of relative paths */
    char *province;       /* "96" */
    int province_line;    /* where it was set, for messages */
    int tz_offset_min;    /* 420 for +07:00 */
    char *connectors_dir, *state_dir, *gazetteer_path;
    char *plugin_path; /* absolute directories separated by ':' (plugin_path.h) */
    enum log_level log_level;
    int64_t shutdown_timeout_ms, stats_interval_ms;
    int64_t series_save_interval_ms; /* [iocd] series_save_interval; 0 = at shutdown only */
    char *http_listen;        /* [iocd] http_listen; NULL = none */
    int http_listen_line;
    bool http_allow_remote;   /* [iocd] http_allow_remote */
    /* One section per row of sink_kinds[] (sink.h), in the same order,
     * whether the file has it or not. */
    struct config_section *sinks;
    size_t sink_count;
    struct outbox_limits outbox_limits; /* [outbox] capacity, max_bytes */
    /* [outbox] dir: the durable outbox (disklog.h); NULL = memory only.
     * Its limits: fsync, fsync_interval, max_disk, segment_size. */
    char *outbox_dir;
    struct disklog_limits outbox_disk;
    struct gazetteer *gazetteer;
    char *catalog_path;
    int catalog_line;          /* 0 when the default path */
    struct catalog *catalog;   /* NULL: none deployed, the built-in stands in */
    struct instance_config *instances; /* sorted by name */
    size_t instance_count;
};

/* Load `path`. With `only_instance` non-NULL, only connectors.d/<it>.conf
 * is read (so one broken connector file cannot stop another connector's
 * systemd unit), and its absence is an error. Only the key tables judge
 * the connector files here: the caller then runs the plugins' own checks
 * (instance_check_all). Returns 0 when valid; otherwise -1 with every
 * error in `d`. Free with config_free() in both cases. */
int config_load(const char *path, const char *only_instance, struct config *out, struct diag *d);
void config_free(struct config *c);

/* The catalogue in effect: the loaded one, else catalog_builtin(). */
const struct catalog *config_catalog(const struct config *c);

/* A fresh install has no connector file: it runs (the sinks connect, the
 * status says so) and says what to do, in `out`. Returns NULL when some
 * connector is configured. */
const char *config_empty_note(const struct config *c, char *out, size_t size);

/* The instance called `name`, or NULL. */
const struct instance_config *config_instance(const struct config *c, const char *name);
/* Where /metrics and /health are served: with `only_instance` (iocd
 * --connector NAME), NAME.conf's http_listen if set, else [iocd]'s; NULL
 * = nowhere. Checked by config_load (loopback unless http_allow_remote). */
const char *config_http_listen(const struct config *c, const char *only_instance);

/* The section of iocd.conf of the sink whose row says `section`
 * ("sink.mqtt"), or NULL if no sink has that section. */
const struct config_section *config_sink(const struct config *c, const char *section);
/* True when the sink's section is present with enabled = true. */
bool config_sink_enabled(const struct config_section *sec);

/* The daemon's own keys, for documentation and tests. */
extern const struct ioc_config_key config_iocd_keys[];
extern const struct ioc_config_key config_outbox_keys[];

/* Where plugins are looked up when plugin_path is not set: a "connectors"
 * folder beside the running binary (a build tree), else the installed
 * IOCD_PLUGIN_PATH (site directory, then the packaged one). Returns a
 * malloc'd path list. */
char *config_default_plugin_path(void);

#endif
