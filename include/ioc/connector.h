/*
 * ioc/connector.h - what a connector plugin is: one exported descriptor.
 *
 * A connector is a shared object (.so) that knows one departmental API. It
 * exports exactly one symbol, IOC_CONNECTOR_SYMBOL ("ioc_connector"), a
 * `const struct ioc_connector` that names the plugin, declares its
 * configuration keys and points at four callbacks:
 *
 *   check whenever the configuration is loaded (start-up, SIGHUP and
 *         `iocd --check-config`): judge what the key table cannot express
 *         (e.g. a mapping that refers to itself) and report each mistake
 *         with ioc_config_error(), which names FILE:LINE of the key;
 *   init  once per connector instance, after the daemon has validated the
 *         instance's configuration file against `config` (unknown keys,
 *         wrong types and missing required keys never reach the plugin)
 *         and after check accepted it;
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
 * and see connectors/example/example.c for a complete one. A site's
 * plugins go in /usr/local/lib/iocd/connectors, which iocd searches
 * before the packaged /usr/lib/iocd/connectors (plugin_path). With the
 * SDK in a DESTDIR or an unpacked iocd-dev rather than in /, set
 * PKG_CONFIG_PATH=$ROOT/usr/lib/pkgconfig (the package's
 * $ROOT/usr/share/pkgconfig) and PKG_CONFIG_SYSROOT_DIR=$ROOT.
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
 * incompatibly. The daemon refuses a plugin built against another ABI,
 * naming the .so and what changed; rebuild the plugin against the
 * include/ioc/ of the iocd that loads it.
 *   2: key families, the check callback, ioc_config_error(),
 *      ioc_area_resolve(), ioc_province(), CA and client certificates.
 *   3: `min` and `max` in struct ioc_config_key (so the size of a table
 *      entry changed); the page-walk and time helpers. */
#define IOC_ABI_VERSION 3

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
 * terminated by an entry whose `name` is NULL.
 *
 * A name ending in ".*" declares a family of keys instead of one key:
 * {"metric.*", IOC_CFG_STRING, ...} accepts "metric.docs.unit",
 * "metric.docs.field" and any other key that starts with "metric." and
 * goes on with [a-z0-9_.] (no empty segment). Every member is checked
 * against the family's type; a family has no default and is never
 * required. Walk the members that are set with ioc_config_family() and
 * read each with the ordinary getters.
 *
 * Bounds: put a numeric key's range in the table, not in init:
 *   {"page_size", IOC_CFG_INT, "50", false, "records per page", "1", "10000"},
 * The daemon then refuses an out-of-range value as a configuration error
 * ("FILE:LINE: 'page_size' = '0': must be between 1 and 10000") at
 * `iocd --check-config`, at start-up and on SIGHUP, before check and init
 * run, so the getters only ever return values within the bounds, and
 * `iocd --describe` prints them. The daemon refuses to load a plugin (a
 * bug of the plugin, named with the .so and the key) whose table has a
 * bound that does not parse as the key's type, a min above its max, a
 * default outside the bounds, or a bound on a key of another type
 * (string, bool, url, secret).
 *
 * Written positionally, an entry lists all seven fields, bounds included
 * ({"name", IOC_CFG_INT, "5", false, "help", NULL, NULL}): -Wextra warns
 * about missing initialisers there. Designated initialisers
 * ({.name = "name", .type = IOC_CFG_INT, ...}) need only what they set. */
struct ioc_config_key {
    const char *name;          /* lowercase, [a-z0-9_], or a family prefix
                                  [a-z0-9_.] followed by ".*"; not a key
                                  the daemon reserves (plugin, enabled,
                                  interval, timeout, jitter, backoff_max,
                                  fail_after, max_body, source) */
    enum ioc_config_type type;
    const char *default_value; /* text form, parsed like a configured value;
                                  NULL = no default */
    bool required;             /* missing key is a configuration error */
    const char *help;          /* one line, printed by `iocd --describe` */
    const char *min;           /* smallest value allowed, in text form and */
    const char *max;           /* parsed with the key's own type ("1",
                                  "250ms", "64k"); NULL = unbounded. Only
                                  for IOC_CFG_INT, IOC_CFG_DURATION and
                                  IOC_CFG_SIZE keys (and families). */
};

/* Return values of init and poll.
 *
 * Giving the reason of a failed poll: the first line the poll logs at
 * IOC_LOG_WARNING or IOC_LOG_ERROR (with ioc_log(), or by the daemon for a
 * failed ioc_http_request() or ioc_page_walk()) is the reason the
 * instance's status topic and log show ("degraded: <reason>"), so log
 * what failed before returning IOC_ERROR, e.g.
 *   ioc_log(ctx, IOC_LOG_ERROR, "page 2: field 'items' is missing");
 *   return IOC_ERROR;
 * A failed HTTP request needs no line of its own: the daemon's is the
 * reason. A poll that fails without any such line is shown as "the
 * connector NAME reported failure without a reason (return code N)".
 *
 * A poll that gives up because ioc_stopping() became true (shutdown or
 * reload: the daemon then aborts its transfers and ioc_page_walk() ends
 * with IOC_PAGE_FAIL_STOPPING) may return IOC_ERROR without a reason and
 * should log nothing above IOC_LOG_INFO: the daemon counts it as no
 * failure and leaves the instance's status as it was. */
enum ioc_status {
    IOC_OK = 0,
    IOC_ERROR = -1, /* the poll or init failed; say why first (above).
                       A failed init disables the instance; a failed poll
                       makes the scheduler back off and marks the instance
                       degraded, then failed. Any other value but IOC_OK
                       is a failure too. */
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

    /* Judge the instance's configuration without running it: no network, no
     * saved state, no emit (only the ioc_config_*() getters,
     * ioc_config_error(), ioc_config_warning(), ioc_log(), ioc_instance_name(), ioc_area_resolve(),
     * ioc_province(), ioc_url_with_param(), ioc_time_parse() and
     * ioc_time_format() may be called). The others refuse on this ctx:
     * ioc_http_request() returns IOC_HTTP_ERR_USAGE, ioc_state_get() NULL,
     * ioc_state_set() and ioc_emit() IOC_ERROR, ioc_reject() does nothing,
     * ioc_stopping() true, and each logs "check may not call FUNCTION" with
     * the instance's name. Report every mistake found with ioc_config_error()
     * and return IOC_ERROR if there was one. Called with a short-lived ctx
     * each time the configuration is loaded, before init; a failed check
     * makes the whole configuration invalid (at start-up, iocd does not
     * start; on SIGHUP, the old configuration keeps running), exactly like an
     * unknown key. May be NULL. */
    int (*check)(ioc_ctx *ctx);
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

/* The `index`-th key (0-based, in the order of the file) that is set in
 * the family `family` ("metric.*", as declared in the table), e.g.
 * "metric.docs.unit"; NULL when index is past the last one. Read its value
 * with ioc_config_string(ctx, key). Owned by the daemon, valid until fini
 * returns. Thread-safe. */
const char *ioc_config_family(ioc_ctx *ctx, const char *family, size_t index);

/* Report a configuration mistake the plugin found (typically in check or
 * init). The daemon prints it as "FILE:LINE: KEY: message" where LINE is
 * the line `key` was set on (the file alone when `key` is NULL or unset),
 * adds it to the errors of `iocd --check-config`, and counts it. Write the
 * message so it says what is wrong and what would be right, e.g.
 *   ioc_config_error(ctx, "metric.share.denominator",
 *                    "path `tong.` ends with a dot; write `tong`");
 * Thread-safe. */
void ioc_config_error(ioc_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report something in the configuration that works but should change,
 * typically a deprecated key, from check: printed as
 * "FILE:LINE: warning: KEY: message" by `iocd --check-config` and logged
 * at warning level each time the configuration is loaded (start, SIGHUP);
 * it does not make the configuration invalid. Say what replaces it, e.g.
 *   ioc_config_warning(ctx, "target_5g", "deprecated: the catalogue's "
 *                      "target of telecom.coverage replaces it; remove it");
 * From init or poll it is logged, with FILE:LINE, at warning level.
 * Added after ABI 3 without a bump (nothing existing changed): a plugin
 * that calls it needs an iocd that has it. Thread-safe. */
void ioc_config_warning(ioc_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The instance name (the configuration file's base name, e.g. "ioffice"),
 * which is also the metric `source` unless `source =` overrides it.
 * Owned by the daemon. */
const char *ioc_instance_name(ioc_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
