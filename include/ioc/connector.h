/*
 * ioc/connector.h - what a connector plugin is: one exported descriptor.
 *
 * A connector is a shared object (.so) that knows one departmental API. It
 * exports exactly one symbol, IOC_CONNECTOR_SYMBOL ("ioc_connector"), a
 * `const struct ioc_connector` that names the plugin, declares its
 * configuration keys and points at three callbacks:
 *
 *   init  once per connector instance, after the daemon has validated the
 *         instance's configuration file against `config` (unknown keys,
 *         wrong types and missing required keys never reach the plugin);
 *   poll  one fetch cycle, called from the instance's own thread at every
 *         interval: fetch with ioc_http_request(), emit with ioc_emit();
 *   fini  release what init allocated.
 *
 * The design idea: the plugin knows nothing about MQTT, Kafka, files,
 * threads or timers. Everything it needs comes through the host API
 * (ioc/host.h, ioc/record.h, ioc/http.h), which is the only API a plugin
 * may call. Build one with:
 *
 *   cc $(pkg-config --cflags iocd) -shared -fPIC -o my.so my.c
 *
 * and see connectors/example/example.c for a complete one.
 */
#ifndef IOC_CONNECTOR_H
#define IOC_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct or function of include/ioc/ changes
 * incompatibly. The daemon refuses a plugin built against another ABI. */
#define IOC_ABI_VERSION 1

/* The name of the one symbol a plugin exports. */
#define IOC_CONNECTOR_SYMBOL "ioc_connector"

/* Opaque handle of one running connector instance. The daemon creates it;
 * every host function takes it so that logs, counters, HTTP limits and
 * saved state are attributed to the right instance. Valid from init until
 * fini returns. */
typedef struct ioc_ctx ioc_ctx;

/* Types of configuration values. The daemon parses and validates each
 * value before init, so ioc_config_*() getters never fail on a key the
 * table declares. */
enum ioc_config_type {
    IOC_CFG_STRING,   /* any text */
    IOC_CFG_INT,      /* decimal integer, e.g. "200" or "-5" */
    IOC_CFG_BOOL,     /* true/false, yes/no, on/off, 1/0 */
    IOC_CFG_DURATION, /* "250ms", "30s", "5m", "2h"; a bare number is seconds */
    IOC_CFG_SIZE,     /* "512", "64k", "10MiB", "1G" (k/M/G are 1024-based) */
    IOC_CFG_URL,      /* an http:// or https:// URL */
    IOC_CFG_SECRET,   /* a string that is never logged nor printed; may also
                         be given as `<key>_file = PATH` (read from a file,
                         e.g. a systemd credential), trailing newline cut */
};

/* One key of a connector's configuration table. A table is an array
 * terminated by an entry whose `name` is NULL. */
struct ioc_config_key {
    const char *name;          /* lowercase, [a-z0-9_]; not a key the daemon
                                  reserves (plugin, enabled, interval,
                                  timeout, jitter, backoff_max, fail_after,
                                  max_body, source) */
    enum ioc_config_type type;
    const char *default_value; /* text form, parsed like a configured value;
                                  NULL = no default */
    bool required;             /* missing key is a configuration error */
    const char *help;          /* one line, printed by `iocd --describe` */
};

/* Return values of init and poll. */
enum ioc_status {
    IOC_OK = 0,
    IOC_ERROR = -1, /* the poll or init failed; say why with ioc_log() first.
                       A failed init disables the instance; a failed poll
                       makes the scheduler back off and marks the instance
                       degraded, then failed. */
};

/* The descriptor. Export it as:
 *
 *   IOC_CONNECTOR_EXPORT = { .abi_version = IOC_ABI_VERSION, ... };
 */
struct ioc_connector {
    unsigned abi_version;      /* always IOC_ABI_VERSION */
    const char *name;          /* plugin name, e.g. "example"; [a-z0-9_-] */
    const char *description;   /* one line */
    const char *version;       /* the plugin's own version, e.g. "1.0.0" */
    const struct ioc_config_key *config; /* NULL-terminated table, or NULL */

    /* Allocate per-instance state and read configuration with the
     * ioc_config_*() getters. Store the state in *state; it is handed back
     * to poll and fini. Return IOC_OK or IOC_ERROR. May be NULL. */
    int (*init)(ioc_ctx *ctx, void **state);

    /* One fetch cycle. Called from the instance's thread only, never
     * concurrently with itself. Must return within the instance's timeout:
     * HTTP calls through ioc_http_request() are bounded by it. Return
     * IOC_OK when the source was read (even if some records were rejected),
     * IOC_ERROR when the cycle failed. Required. */
    int (*poll)(ioc_ctx *ctx, void *state);

    /* Release the state. Called once, after the last poll. May be NULL. */
    void (*fini)(ioc_ctx *ctx, void *state);
};

#define IOC_CONNECTOR_EXPORT \
    __attribute__((visibility("default"))) const struct ioc_connector ioc_connector

/* Configuration getters, for use in init (and later: values do not change
 * while the instance lives; a SIGHUP reload creates a new instance).
 * `key` must be a key of the plugin's table or a reserved key. The
 * returned strings are owned by the daemon and valid until fini returns.
 * An unset optional key without default yields NULL / 0 / false; use
 * ioc_config_isset() to tell "unset" from "set to 0". Thread-safe. */
const char *ioc_config_string(ioc_ctx *ctx, const char *key);
int64_t ioc_config_int(ioc_ctx *ctx, const char *key);
bool ioc_config_bool(ioc_ctx *ctx, const char *key);
int64_t ioc_config_duration_ms(ioc_ctx *ctx, const char *key);
uint64_t ioc_config_size(ioc_ctx *ctx, const char *key);
bool ioc_config_isset(ioc_ctx *ctx, const char *key);

/* The instance name (the configuration file's base name, e.g. "ioffice"),
 * which is also the metric `source` unless `source =` overrides it.
 * Owned by the daemon. */
const char *ioc_instance_name(ioc_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
