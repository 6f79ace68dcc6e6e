/*
 * instance - one running connector instance: the ioc_ctx behind the SDK.
 *
 * It ties a plugin to its configuration, its saved state, its HTTP client
 * and the pipeline, implements every ioc_* host function, runs one poll at
 * a time (instance_poll) and keeps the instance's counters and health:
 * ok after a successful poll, degraded after a failure, failed after
 * `fail_after` failures in a row, with the last error and the time of the
 * last success. A poll that fails because the instance is being stopped
 * (shutdown, reload) is no failure: it changes nothing of that. Threads
 * are the scheduler's business, not this module's.
 */
#ifndef IOCD_INSTANCE_H
#define IOCD_INSTANCE_H

#include "config.h"
#include "health.h"
#include "http.h"
#include "jsonw.h"
#include "lograte.h"
#include "ioc/ioc.h"
#include "normalize.h"
#include "pipeline.h"
#include "rollup.h"
#include "state.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct instance_counters {
    atomic_uint_fast64_t polls_ok, polls_failed, metrics_emitted, records_rejected;
    atomic_uint_fast64_t http_requests, http_failures, http_not_modified, bytes_received;
    atomic_uint_fast64_t metrics_dropped; /* emitted but no sequence number
                                             could be reserved, or no memory
                                             to encode or queue it */
};

struct ioc_ctx {
    const struct instance_config *cfg;
    const struct ioc_connector *desc;
    struct normalize_env env;
    struct pipeline *pipeline;
    struct state *state;
    struct http_client *http;
    void *plugin_state;
    bool initialised;
    struct diag *check_diag;    /* set while the plugin's check runs: then
                                   there is no HTTP client, state, pipeline
                                   nor poll, and the calls that need them
                                   refuse (instance_refused_in_check) */

    atomic_bool stopping;
    int64_t poll_deadline_ms;   /* monotonic; 0 outside a poll */
    int64_t retry_after_s;      /* largest Retry-After (of a 429 or 503) seen in
                                   this poll, as the server asked; -1 none */
    atomic_uint poll_rejects;   /* rejections in the current poll (ioc_reject
                                   may be called from the plugin's threads) */
    atomic_bool poll_dropped;   /* this poll dropped a metric it emitted:
                                   the poll failed, whatever the plugin says */

    struct instance_counters counters;
    struct rollup *rollup;      /* this poll's commune values, for the
                                   province records made at its end */
    bool rollup_warned;         /* said once that ratio records lacked parts */

    pthread_mutex_t encode_lock; /* guards encode_buf (ioc_emit is thread-safe) */
    struct jsonw encode_buf;     /* reused for every record of this instance */
    struct pipeline_batch *batch; /* this poll's metrics not yet handed over
                                     (guarded by encode_lock); NULL = none */

    pthread_mutex_t status_lock; /* guards the fields below */
    enum instance_health health;
    int64_t health_since_s;      /* epoch seconds of the last change of health */
    unsigned consecutive_failures;
    char last_error[256];
    int64_t last_success_s;      /* epoch seconds, 0 never */
    char poll_error[256];        /* first error/warning logged in this poll */
    struct lograte seq_errors;   /* "cannot reserve sequence numbers" and */
    struct lograte queue_errors; /* "out of memory ... queueing", once per
                                    metric: logged once a minute */
};

/* Create (state file opened, HTTP client made) - no plugin code runs yet.
 * NULL on failure, with the reason in `why` ("cannot open saved state:
 * ..."), logged at error priority as "failed to start: <why>" and
 * published on the status topic as "failed: <why>". */
struct ioc_ctx *instance_new(const struct config *config, const struct instance_config *cfg,
                             struct pipeline *pipeline, char *why, size_t whylen);
/* Run the plugin's check callback (if any) on a loaded instance
 * configuration, adding what it reports to `d` as FILE:LINE errors.
 * Returns 0 when the plugin accepted the configuration. */
int instance_check(const struct config *config, const struct instance_config *cfg,
                   struct diag *d);
/* instance_check on every instance of `config` whose keys passed their
 * tables (a plugin judges only well-typed values); nothing when the
 * province or the gazetteer are missing (already reported). Returns 0
 * when every plugin accepted its configuration. Call it right after
 * config_load, which leaves plugin checks to its caller. */
int instance_check_all(const struct config *config, struct diag *d);
/* Call the plugin's init. 0 or -1 (logged). */
int instance_init(struct ioc_ctx *ctx);
/* What instance_poll says of a poll. */
enum instance_poll_result {
    INSTANCE_POLL_OK = 0,
    INSTANCE_POLL_FAILED = -1,
    /* The plugin gave up because the instance was asked to stop (SIGTERM,
     * or the SIGHUP that replaces it): not the feed's failure, so neither
     * counted, nor a change of health, nor a reason to back off. */
    INSTANCE_POLL_INTERRUPTED = 1,
};
/* One poll bounded by the instance's timeout. Updates counters and health
 * (not for an interrupted poll: see above). *retry_after_s gets the
 * largest Retry-After of a 429 or 503 answer, in seconds as the server
 * asked (-1 if none); the scheduler caps it at backoff_max
 * (backoff_retry_after_ms). */
enum instance_poll_result instance_poll(struct ioc_ctx *ctx, int64_t *retry_after_s);
/* fini (if init ran) and free. */
void instance_free(struct ioc_ctx *ctx);

void instance_request_stop(struct ioc_ctx *ctx);

/* The instance's `allow_origins` (origins trusted beside the configured
 * URL's for next links and redirects; see origin.h), or NULL. */
const char *instance_allow_origins(const struct ioc_ctx *ctx);

/* An instance's counters and last success as plain numbers: what a
 * reload carries from the instance it stops to the one it starts in its
 * place, so that counters count "since start-up" across SIGHUP. */
struct instance_totals {
    uint64_t polls_ok, polls_failed, metrics_emitted, records_rejected;
    uint64_t http_requests, http_failures, http_not_modified, bytes_received;
    int64_t last_success_s;
};
void instance_totals_get(struct ioc_ctx *ctx, struct instance_totals *out);
/* Add `t` to a new instance's counters (before its thread starts) and take
 * its last success. */
void instance_totals_add(struct ioc_ctx *ctx, const struct instance_totals *t);
/* A consistent copy of the instance's health and counters (health.h),
 * taken under its lock; any thread. */
void instance_snapshot(struct ioc_ctx *ctx, struct instance_snapshot *out);


/* Health as text: "ok", "degraded: HTTP status 500", ... into buf. */
const char *instance_health_text(struct ioc_ctx *ctx, char *buf, size_t len);
/* Log one line with every counter. */
void instance_log_counters(struct ioc_ctx *ctx);

#endif
