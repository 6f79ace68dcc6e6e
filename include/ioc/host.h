/*
 * ioc/host.h - logging and saved state for connectors.
 *
 * Logging: lines go to the daemon's log (stderr, read by journald) with the
 * level and the instance name in front: "warning: telecom: page 3: ...".
 * Say what failed, where, and what happens next.
 *
 * Saved state: a small string key/value map per instance that survives
 * restarts (a cursor, a watermark, the last period seen). It lives in the
 * daemon's state directory and is written atomically (write, fsync,
 * rename) on every ioc_state_set(), so after a crash it holds either the
 * old or the new value, never a mix.
 */
#ifndef IOC_HOST_H
#define IOC_HOST_H

#include "ioc/connector.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ioc_log_level {
    IOC_LOG_ERROR = 3,   /* the values match syslog priorities */
    IOC_LOG_WARNING = 4,
    IOC_LOG_INFO = 6,
    IOC_LOG_DEBUG = 7,
};

/* printf-style log line attributed to the instance. Thread-safe. */
void ioc_log(ioc_ctx *ctx, enum ioc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Look up a saved value. Returns a malloc'd copy the caller frees, or NULL
 * if the key was never set (or on out-of-memory). Thread-safe. Call from
 * init or poll: check has no state (refused there: logged, NULL). */
char *ioc_state_get(ioc_ctx *ctx, const char *key);

/* Save `value` (NULL removes the key) and persist the whole map to disk
 * before returning. Keys: [A-Za-z0-9_.-], at most 64 bytes; values: any
 * text up to 64 KiB. Returns IOC_OK, or IOC_ERROR when the key is invalid
 * or the file could not be written (logged; the in-memory value is then
 * unchanged). Thread-safe. Call from init or poll (refused in check:
 * logged, IOC_ERROR). */
int ioc_state_set(ioc_ctx *ctx, const char *key, const char *value);

/* The current code of an administrative unit, for a connector that
 * groups or sums values per area itself: a current code ("32002", "96")
 * comes back as is, a pre-2025 commune code that merged wholly into one
 * new commune comes back as that commune's code, so two spellings of one
 * commune land in one group. Returns NULL for a code that is unknown,
 * malformed, of another province, or was split between several communes,
 * and writes the reason to *reason (a static or daemon-owned string; reason
 * may be NULL). The returned string is owned by the daemon and lives as
 * long as the instance. ioc_emit() does the same mapping on its own, so
 * connectors that do not aggregate need not call this. Thread-safe. */
const char *ioc_area_resolve(ioc_ctx *ctx, const char *code, const char **reason);

/* The 2-digit code of the province this deployment serves ("96"), from
 * iocd.conf. Owned by the daemon. Thread-safe. */
const char *ioc_province(ioc_ctx *ctx);

/* True once the daemon has asked this instance to stop (SIGTERM, reload):
 * a long poll should check it between pages and return IOC_ERROR early.
 * Thread-safe. In check, where there is nothing to stop, it logs that it
 * was refused and returns true. */
bool ioc_stopping(ioc_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
