/* instance - see instance.h. Also the home of every ioc_* host function. */
#include "instance.h"

#include "backoff.h"
#include "clock.h"
#include "confval.h"
#include "log.h"
#include "status_json.h"
#include "timeparse.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rejections logged per poll before the rest are only counted: an outage
 * of one field must not write 30,000 identical lines. */
#define INSTANCE_REJECT_LOG_LIMIT 10

static void instance_publish_status(struct ioc_ctx *ctx, enum instance_health h,
                                    const char *reason);

/* An instance that cannot start is failed, not silently missing: its
 * reason goes to the caller (the start line counts it), the log at error
 * priority and its status topic (state "failed", the reason as its
 * last_error). */
__attribute__((format(printf, 7, 8)))
static struct ioc_ctx *instance_not_started(struct ioc_ctx *ctx, struct pipeline *pipeline,
                                            const struct instance_config *cfg, int tz_offset_min,
                                            char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    log_msg(LOG_LEVEL_ERROR, cfg->name, "failed to start: %s", why);
    if (pipeline) {
        struct instance_snapshot snap = {.name = cfg->name, .source = cfg->source,
                                         .health = HEALTH_FAILED,
                                         .since_s = clock_wall_ms() / 1000};
        snprintf(snap.last_error, sizeof snap.last_error, "%s", why);
        char json[STATUS_JSON_MAX];
        if (status_json(&snap, tz_offset_min, json, sizeof json) >= 0)
            pipeline_status(pipeline, cfg->name, json);
    }
    instance_free(ctx);
    return NULL;
}

struct ioc_ctx *instance_new(const struct config *config, const struct instance_config *cfg,
                             struct pipeline *pipeline, char *why, size_t whylen)
{
    struct ioc_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return instance_not_started(NULL, pipeline, cfg, config->tz_offset_min, why, whylen, "%s",
                                    "out of memory");
    char err[512];
    ctx->cfg = cfg;
    ctx->desc = cfg->plugin->desc;
    ctx->pipeline = pipeline;
    ctx->env = (struct normalize_env){cfg->source, config->province, config->tz_offset_min,
                                      config->gazetteer, config_catalog(config)};
    ctx->retry_after_s = -1;
    pthread_mutex_init(&ctx->status_lock, NULL);
    pthread_mutex_init(&ctx->encode_lock, NULL);
    jsonw_init(&ctx->encode_buf);
    /* Without one (out of memory), metrics go to the sinks one at a time. */
    ctx->batch = pipeline ? pipeline_batch_new(pipeline) : NULL;
    if (!(ctx->state = state_open(config->state_dir, cfg->name, err, sizeof err)))
        return instance_not_started(ctx, pipeline, cfg, config->tz_offset_min, why, whylen,
                                    "cannot open saved state: %s", err);
    if (!(ctx->rollup = rollup_new(config_catalog(config))))
        return instance_not_started(ctx, pipeline, cfg, config->tz_offset_min, why, whylen, "%s",
                                    "out of memory for the rollup");
    if (!(ctx->http = http_client_new()))
        return instance_not_started(ctx, pipeline, cfg, config->tz_offset_min, why, whylen, "%s",
                                    "cannot create HTTP client");
    return ctx;
}

int instance_check(const struct config *config, const struct instance_config *cfg,
                   struct diag *d)
{
    const struct ioc_connector *desc = cfg->plugin->desc;
    if (!desc->check)
        return 0;
    /* A short-lived context: configuration, gazetteer and error reporting
     * only, which is all the SDK lets check use. */
    struct ioc_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return -1;
    ctx->cfg = cfg;
    ctx->desc = desc;
    ctx->env = (struct normalize_env){cfg->source, config->province, config->tz_offset_min,
                                      config->gazetteer, config_catalog(config)};
    ctx->check_diag = d;
    size_t before = d->count;
    int rc = desc->check(ctx);
    if (rc != IOC_OK && d->count == before)
        diag_add(d, cfg->path, 0, "plugin %s refused this configuration without saying why",
                 desc->name);
    free(ctx);
    return rc == IOC_OK && d->count == before ? 0 : -1;
}

int instance_check_all(const struct config *config, struct diag *d)
{
    int rc = 0;
    if (!config->gazetteer || !config->province)
        return 0;
    for (size_t i = 0; i < config->instance_count; i++)
        if (config->instances[i].table_ok && instance_check(config, &config->instances[i], d) < 0)
            rc = -1;
    return rc;
}

/* With the durable outbox, what the connector saves (a cursor, running
 * totals) is held back while it polls (state_hold) and written only after
 * the poll's metrics are committed: a crash in between re-reads data
 * already published (duplicates), never skips data that was not. */
static void instance_hold_state(struct ioc_ctx *ctx)
{
    if (pipeline_durable(ctx->pipeline) && state_hold(ctx->state) < 0)
        log_msg(LOG_LEVEL_WARNING, ctx->cfg->name,
                "out of memory holding the saved state back: it is written as the connector "
                "sets it");
}

/* Commit what this instance appended, then write the state it set. False
 * when the metrics could not be made durable (the state is then not
 * written: the next poll starts from the last saved one). */
static bool instance_commit(struct ioc_ctx *ctx)
{
    int rc = pipeline_commit(ctx->pipeline);
    char err[512];
    if (state_release(ctx->state, rc == 0, err, sizeof err) < 0)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "cannot save the connector's state: %s", err);
    if (rc < 0)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name,
                "the outbox could not make this poll's metrics durable (fsync failed); the "
                "connector's state is not saved: the next poll starts from the last saved one");
    return rc == 0;
}

int instance_init(struct ioc_ctx *ctx)
{
    instance_hold_state(ctx);
    if (ctx->desc->init && ctx->desc->init(ctx, &ctx->plugin_state) != IOC_OK) {
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name,
                "failed to start: plugin %s failed to initialise; instance disabled",
                ctx->desc->name);
        instance_publish_status(ctx, HEALTH_FAILED, "the plugin failed to initialise");
        pipeline_batch_flush(ctx->batch);
        instance_commit(ctx);
        return -1;
    }
    ctx->initialised = true;
    pthread_mutex_lock(&ctx->encode_lock);
    pipeline_batch_flush(ctx->batch); /* what init emitted, if anything */
    pthread_mutex_unlock(&ctx->encode_lock);
    instance_commit(ctx);
    pthread_mutex_lock(&ctx->status_lock);
    ctx->health_since_s = clock_wall_ms() / 1000;
    pthread_mutex_unlock(&ctx->status_lock);
    instance_publish_status(ctx, HEALTH_STARTING, NULL);
    return 0;
}

/* At stop: what instance_metric_dropped held back and did not say yet. */
static void instance_drops_said(ioc_ctx *ctx, struct lograte *rate, const char *what)
{
    uint64_t held_back = lograte_drain(rate);
    if (held_back)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "%s: %llu more metrics dropped since the last "
                "such line", what, (unsigned long long)held_back);
}

void instance_free(struct ioc_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->initialised && ctx->desc->fini)
        ctx->desc->fini(ctx, ctx->plugin_state);
    pipeline_batch_free(ctx->batch); /* hands over what fini emitted */
    instance_drops_said(ctx, &ctx->seq_errors, "cannot reserve sequence numbers");
    instance_drops_said(ctx, &ctx->queue_errors, "out of memory encoding or queueing a metric");
    http_client_free(ctx->http);
    rollup_free(ctx->rollup);
    state_close(ctx->state);
    pthread_mutex_destroy(&ctx->status_lock);
    pthread_mutex_destroy(&ctx->encode_lock);
    jsonw_free(&ctx->encode_buf);
    free(ctx);
}

void instance_request_stop(struct ioc_ctx *ctx) { atomic_store(&ctx->stopping, true); }

const char *instance_health_text(struct ioc_ctx *ctx, char *buf, size_t len)
{
    pthread_mutex_lock(&ctx->status_lock);
    if (ctx->health == HEALTH_DEGRADED || ctx->health == HEALTH_FAILED)
        snprintf(buf, len, "%s: %s", health_name(ctx->health), ctx->last_error);
    else
        snprintf(buf, len, "%s", health_name(ctx->health));
    pthread_mutex_unlock(&ctx->status_lock);
    return buf;
}

void instance_snapshot(struct ioc_ctx *ctx, struct instance_snapshot *out)
{
    struct instance_counters *c = &ctx->counters;
    out->name = ctx->cfg->name;
    out->source = ctx->cfg->source;
    pthread_mutex_lock(&ctx->status_lock);
    out->health = ctx->health;
    out->since_s = ctx->health_since_s;
    out->last_success_s = ctx->last_success_s;
    memcpy(out->last_error, ctx->last_error, sizeof out->last_error);
    pthread_mutex_unlock(&ctx->status_lock);
    out->polls_ok = atomic_load(&c->polls_ok);
    out->polls_failed = atomic_load(&c->polls_failed);
    out->metrics = atomic_load(&c->metrics_emitted);
    out->rejected = atomic_load(&c->records_rejected);
}

/* The status topic's JSON (status_json.h), after every poll and every
 * change of health: its counters change with each poll. `h` and `reason`
 * set the health first when the plugin could not start (h = FAILED). */
static void instance_publish_status(struct ioc_ctx *ctx, enum instance_health h,
                                    const char *reason)
{
    if (reason) {
        pthread_mutex_lock(&ctx->status_lock);
        if (ctx->health != h)
            ctx->health_since_s = clock_wall_ms() / 1000;
        ctx->health = h;
        snprintf(ctx->last_error, sizeof ctx->last_error, "%s", reason);
        pthread_mutex_unlock(&ctx->status_lock);
    }
    struct instance_snapshot snap;
    instance_snapshot(ctx, &snap);
    char json[STATUS_JSON_MAX];
    if (status_json(&snap, ctx->env.tz_offset_min, json, sizeof json) < 0)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "status: cannot write its JSON; not published");
    else
        pipeline_status(ctx->pipeline, ctx->cfg->name, json);
}

/* Record the outcome of a poll (`rc`, what the plugin's poll returned);
 * log transitions of health. The reason of a failure is the first warning
 * or error of the poll (instance_note_poll_error); a plugin that logged
 * none is named with what it returned, so the status still says who
 * failed. */
static void instance_record_outcome(struct ioc_ctx *ctx, int rc)
{
    /* A poll that dropped a metric failed, whatever the plugin returned. */
    bool ok = rc == IOC_OK && !atomic_load(&ctx->poll_dropped);
    pthread_mutex_lock(&ctx->status_lock);
    enum instance_health before = ctx->health;
    if (ok) {
        ctx->consecutive_failures = 0;
        ctx->health = HEALTH_OK;
        ctx->last_success_s = clock_wall_ms() / 1000;
    } else {
        ctx->consecutive_failures++;
        if (ctx->poll_error[0])
            snprintf(ctx->last_error, sizeof ctx->last_error, "%s", ctx->poll_error);
        else
            snprintf(ctx->last_error, sizeof ctx->last_error,
                     "the connector %.64s reported failure without a reason (return code %d)",
                     ctx->desc->name, rc);
        ctx->health = ctx->consecutive_failures >= (unsigned)ctx->cfg->fail_after ? HEALTH_FAILED
                                                                                 : HEALTH_DEGRADED;
    }
    enum instance_health after = ctx->health;
    if (before != after)
        ctx->health_since_s = clock_wall_ms() / 1000;
    char reason[256];
    snprintf(reason, sizeof reason, "%s", ctx->last_error);
    unsigned failures = ctx->consecutive_failures;
    pthread_mutex_unlock(&ctx->status_lock);
    instance_publish_status(ctx, after, NULL);
    if (before != after && after == HEALTH_OK)
        log_msg(LOG_LEVEL_INFO, ctx->cfg->name, "status %s -> ok", health_name(before));
    else if (before != after)
        /* failed at error priority: `journalctl -p err` is what an operator
         * watches, and a connector given up on belongs there; degraded is
         * a warning (one failed poll may be the feed's hiccup). */
        log_msg(after == HEALTH_FAILED ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING, ctx->cfg->name,
                "status %s -> %s after %u failed poll%s: %s",
                health_name(before), health_name(after), failures,
                failures == 1 ? "" : "s", reason);
}

static int instance_emit(ioc_ctx *ctx, const struct ioc_record *record,
                         const struct normalize_completeness *completeness);

static int instance_emit_rollup(void *ctx, const struct ioc_record *record,
                                const struct normalize_completeness *completeness)
{
    return instance_emit(ctx, record, completeness) == IOC_OK ? 0 : -1;
}

/* The end of a poll for the rollup: a successful poll publishes its
 * province records (before the flush, so they leave with the poll's
 * commune values); a failed one publishes none, since they would add up
 * part of the communes. */
static void instance_rollup(struct ioc_ctx *ctx, bool ok)
{
    if (!ok) {
        rollup_discard(ctx->rollup);
        return;
    }
    struct rollup_report rep;
    rollup_finish(ctx->rollup, ctx->env.gazetteer, ctx->env.province, instance_emit_rollup, ctx,
                  &rep);
    if (rep.no_parts) {
        /* A connector that never sends the parts would say it every poll:
         * a warning the first time, then debug lines. */
        log_msg(ctx->rollup_warned ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARNING, ctx->cfg->name,
                "rollup: %zu records of ratio metrics carry no numerator and denominator, so "
                "they are left out of the province figures (first: %s)",
                rep.no_parts, rep.no_parts_example);
        ctx->rollup_warned = true;
    }
    if (rep.published + rep.refused + rep.owned + rep.unusable)
        log_msg(LOG_LEVEL_DEBUG, ctx->cfg->name,
                "rollup: %zu province records published, %zu refused, %zu groups left to the "
                "connector's own province figures, %zu not summable",
                rep.published, rep.refused, rep.owned, rep.unusable);
}

enum instance_poll_result instance_poll(struct ioc_ctx *ctx, int64_t *retry_after_s)
{
    ctx->poll_deadline_ms = clock_mono_ms() + ctx->cfg->timeout_ms;
    ctx->retry_after_s = -1;
    atomic_store(&ctx->poll_rejects, 0);
    atomic_store(&ctx->poll_dropped, false);
    pthread_mutex_lock(&ctx->status_lock);
    ctx->poll_error[0] = '\0';
    pthread_mutex_unlock(&ctx->status_lock);
    uint64_t emitted_before = atomic_load(&ctx->counters.metrics_emitted);
    uint64_t not_modified_before = atomic_load(&ctx->counters.http_not_modified);

    pipeline_poll_begin(ctx->pipeline, ctx->cfg->source);
    instance_hold_state(ctx);
    int rc = ctx->desc->poll(ctx, ctx->plugin_state);
    int ok = rc == IOC_OK && !atomic_load(&ctx->poll_dropped);
    /* Stopping aborts the poll's transfers and ends its page walks, so a
     * poll that fails while the instance stops failed because it was
     * stopped. What the plugin logged on the way out says so at info
     * level at most (the daemon's HTTP layer and ioc_page_walk do). */
    bool interrupted = rc != IOC_OK && atomic_load(&ctx->stopping);
    if (ok && clock_mono_ms() > ctx->poll_deadline_ms + 1000) {
        /* HTTP calls are bounded; plugin CPU time is not. Say so. */
        log_msg(LOG_LEVEL_WARNING, ctx->cfg->name, "poll overran its timeout of %lld ms",
                (long long)ctx->cfg->timeout_ms);
    }
    instance_rollup(ctx, ok);
    pthread_mutex_lock(&ctx->encode_lock);
    pipeline_batch_flush(ctx->batch); /* the poll's metrics, to each sink at once */
    pthread_mutex_unlock(&ctx->encode_lock);
    pipeline_flush(ctx->pipeline);
    if (!instance_commit(ctx) && ok) {
        ok = 0;
        rc = IOC_ERROR;
        pthread_mutex_lock(&ctx->status_lock);
        snprintf(ctx->poll_error, sizeof ctx->poll_error,
                 "the outbox could not make the poll's metrics durable (fsync failed)");
        pthread_mutex_unlock(&ctx->status_lock);
    }
    /* poll has returned: any thread it started is done with ctx. */
    unsigned rejects = atomic_load(&ctx->poll_rejects);
    if (rejects > INSTANCE_REJECT_LOG_LIMIT)
        log_msg(LOG_LEVEL_WARNING, ctx->cfg->name,
                "%u more rejected records in this poll were not logged",
                rejects - INSTANCE_REJECT_LOG_LIMIT);
    if (!interrupted)
        atomic_fetch_add(ok ? &ctx->counters.polls_ok : &ctx->counters.polls_failed, 1);
    uint64_t emitted = atomic_load(&ctx->counters.metrics_emitted) - emitted_before;
    /* A feed that answered "not modified" has re-confirmed what it sent. */
    pipeline_poll_done(ctx->pipeline, ctx->cfg->source, ok,
                       emitted == 0 && atomic_load(&ctx->counters.http_not_modified) > not_modified_before);
    log_msg(LOG_LEVEL_DEBUG, ctx->cfg->name, "poll %s: %llu metrics, %u rejected",
            ok ? "done" : interrupted ? "interrupted" : "failed", (unsigned long long)emitted,
            rejects);
    ctx->poll_deadline_ms = 0;
    *retry_after_s = ctx->retry_after_s;
    if (interrupted) {
        /* The status stays what the last finished poll made it, so the
         * last one a screen sees before "offline" is true. */
        log_msg(LOG_LEVEL_INFO, ctx->cfg->name, "poll interrupted: the instance is stopping "
                "(shutdown or reload); not counted as a failed poll");
        return INSTANCE_POLL_INTERRUPTED;
    }
    instance_record_outcome(ctx, rc);
    return ok ? INSTANCE_POLL_OK : INSTANCE_POLL_FAILED;
}

void instance_totals_get(struct ioc_ctx *ctx, struct instance_totals *out)
{
    struct instance_counters *c = &ctx->counters;
    *out = (struct instance_totals){
        atomic_load(&c->polls_ok),          atomic_load(&c->polls_failed),
        atomic_load(&c->metrics_emitted),   atomic_load(&c->records_rejected),
        atomic_load(&c->http_requests),     atomic_load(&c->http_failures),
        atomic_load(&c->http_not_modified), atomic_load(&c->bytes_received),
        0,
    };
    pthread_mutex_lock(&ctx->status_lock);
    out->last_success_s = ctx->last_success_s;
    pthread_mutex_unlock(&ctx->status_lock);
}

void instance_totals_add(struct ioc_ctx *ctx, const struct instance_totals *t)
{
    struct instance_counters *c = &ctx->counters;
    atomic_fetch_add(&c->polls_ok, t->polls_ok);
    atomic_fetch_add(&c->polls_failed, t->polls_failed);
    atomic_fetch_add(&c->metrics_emitted, t->metrics_emitted);
    atomic_fetch_add(&c->records_rejected, t->records_rejected);
    atomic_fetch_add(&c->http_requests, t->http_requests);
    atomic_fetch_add(&c->http_failures, t->http_failures);
    atomic_fetch_add(&c->http_not_modified, t->http_not_modified);
    atomic_fetch_add(&c->bytes_received, t->bytes_received);
    pthread_mutex_lock(&ctx->status_lock);
    if (t->last_success_s > ctx->last_success_s)
        ctx->last_success_s = t->last_success_s;
    pthread_mutex_unlock(&ctx->status_lock);
}

void instance_log_counters(struct ioc_ctx *ctx)
{
    struct instance_counters *c = &ctx->counters;
    char health[300], last_success[40] = "never";
    pthread_mutex_lock(&ctx->status_lock);
    int64_t success_s = ctx->last_success_s;
    pthread_mutex_unlock(&ctx->status_lock);
    if (success_s)
        timeparse_format(success_s * 1000, ctx->env.tz_offset_min, last_success,
                         sizeof last_success);
    log_msg(LOG_LEVEL_INFO, ctx->cfg->name,
            "counters: polls_ok=%llu polls_failed=%llu metrics=%llu rejected=%llu "
            "http_requests=%llu http_failures=%llu http_not_modified=%llu bytes=%llu "
            "dropped=%llu last_success=%s status=%s",
            (unsigned long long)atomic_load(&c->polls_ok),
            (unsigned long long)atomic_load(&c->polls_failed),
            (unsigned long long)atomic_load(&c->metrics_emitted),
            (unsigned long long)atomic_load(&c->records_rejected),
            (unsigned long long)atomic_load(&c->http_requests),
            (unsigned long long)atomic_load(&c->http_failures),
            (unsigned long long)atomic_load(&c->http_not_modified),
            (unsigned long long)atomic_load(&c->bytes_received),
            (unsigned long long)atomic_load(&c->metrics_dropped), last_success,
            instance_health_text(ctx, health, sizeof health));
}

/* check runs on a short-lived ctx without HTTP client, state, pipeline or
 * poll (instance_check). A call that needs one of them would dereference
 * NULL; it refuses instead, logged with the instance, the plugin and what
 * to do. True when the call must return its error value. */
static bool instance_refused_in_check(ioc_ctx *ctx, const char *function, const char *instead)
{
    if (!ctx->check_diag)
        return false;
    log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "plugin %s: check may not call %s; %s",
            ctx->desc->name, function, instead);
    return true;
}

/* ---- host API: configuration ---- */

const char *ioc_instance_name(ioc_ctx *ctx) { return ctx->cfg->name; }

static const char *instance_config_text(ioc_ctx *ctx, const char *key)
{
    const struct key_value *v = instance_value(ctx->cfg, key);
    if (!v)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name,
                "plugin asked for config key '%s' that its table does not declare", key);
    return v ? v->text : NULL;
}

const char *ioc_config_string(ioc_ctx *ctx, const char *key) { return instance_config_text(ctx, key); }

bool ioc_config_isset(ioc_ctx *ctx, const char *key)
{
    const struct key_value *v = instance_value(ctx->cfg, key);
    return v && v->text;
}

int64_t ioc_config_int(ioc_ctx *ctx, const char *key)
{
    const char *t = instance_config_text(ctx, key), *reason;
    int64_t v = 0;
    return t && confval_int(t, &v, &reason) == 0 ? v : 0;
}

bool ioc_config_bool(ioc_ctx *ctx, const char *key)
{
    const char *t = instance_config_text(ctx, key), *reason;
    bool v = false;
    return t && confval_bool(t, &v, &reason) == 0 ? v : false;
}

int64_t ioc_config_duration_ms(ioc_ctx *ctx, const char *key)
{
    const char *t = instance_config_text(ctx, key), *reason;
    int64_t v = 0;
    return t && confval_duration_ms(t, &v, &reason) == 0 ? v : 0;
}

uint64_t ioc_config_size(ioc_ctx *ctx, const char *key)
{
    const char *t = instance_config_text(ctx, key), *reason;
    uint64_t v = 0;
    return t && confval_size(t, &v, &reason) == 0 ? v : 0;
}

const char *ioc_config_family(ioc_ctx *ctx, const char *family, size_t index)
{
    const struct instance_config *ic = ctx->cfg;
    for (size_t i = 0; i < ic->family_count; i++)
        if (strcmp(ic->family[i].key->name, family) == 0 && index-- == 0)
            return ic->family_keys[i];
    return NULL;
}

/* A configuration error or warning the plugin reports: into --check-config's
 * list (or the load's) with FILE:LINE of `key`, else logged with them. */
__attribute__((format(printf, 4, 0)))
static void instance_config_report(ioc_ctx *ctx, bool error, const char *key, const char *fmt,
                                   va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    const struct key_value *v = key ? instance_value(ctx->cfg, key) : NULL;
    int line = v ? v->line : 0;
    const char *sep = key ? ": " : "";
    if (ctx->check_diag) {
        (error ? diag_add : diag_warn)(ctx->check_diag, ctx->cfg->path, line, "%s%s%s",
                                       key ? key : "", sep, text);
        return;
    }
    enum log_level level = error ? LOG_LEVEL_ERROR : LOG_LEVEL_WARNING;
    if (line > 0)
        log_msg(level, ctx->cfg->name, "%s:%d: %s%s%s", ctx->cfg->path, line, key, sep, text);
    else
        log_msg(level, ctx->cfg->name, "%s: %s%s%s", ctx->cfg->path, key ? key : "", sep, text);
}

void ioc_config_error(ioc_ctx *ctx, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    instance_config_report(ctx, true, key, fmt, ap);
    va_end(ap);
}

void ioc_config_warning(ioc_ctx *ctx, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    instance_config_report(ctx, false, key, fmt, ap);
    va_end(ap);
}

/* ---- host API: areas ---- */

const char *ioc_province(ioc_ctx *ctx) { return ctx->env.province; }

const char *ioc_area_resolve(ioc_ctx *ctx, const char *code, const char **reason)
{
    const char *why = NULL, *result = NULL;
    struct area_resolution r;
    switch (gazetteer_resolve(ctx->env.gazetteer, code, &r)) {
    case GAZ_CURRENT:
    case GAZ_MAPPED:
        if (strcmp(r.area->province, ctx->env.province) != 0)
            why = "belongs to another province";
        else
            result = r.area->code;
        break;
    case GAZ_SPLIT:
        why = "is an old commune code that was split between several communes";
        break;
    case GAZ_UNKNOWN:
        why = "is not a code of the gazetteer";
        break;
    case GAZ_MALFORMED:
        why = "is not a 2-digit province or 5-digit commune code";
        break;
    }
    if (reason)
        *reason = why;
    return result;
}

/* ---- host API: logging, rejections ---- */

static void instance_note_poll_error(ioc_ctx *ctx, const char *text)
{
    if (!ctx->poll_deadline_ms)
        return;
    pthread_mutex_lock(&ctx->status_lock);
    if (!ctx->poll_error[0]) {
        /* Cut on purpose: a status line has room for the gist only. */
        size_t n = strnlen(text, sizeof ctx->poll_error - 1);
        memcpy(ctx->poll_error, text, n);
        ctx->poll_error[n] = '\0';
    }
    pthread_mutex_unlock(&ctx->status_lock);
}

void ioc_log(ioc_ctx *ctx, enum ioc_log_level level, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    enum log_level l = level <= IOC_LOG_ERROR     ? LOG_LEVEL_ERROR
                       : level == IOC_LOG_WARNING ? LOG_LEVEL_WARNING
                       : level == IOC_LOG_INFO    ? LOG_LEVEL_INFO
                                                  : LOG_LEVEL_DEBUG;
    if (l <= LOG_LEVEL_WARNING)
        instance_note_poll_error(ctx, text);
    log_msg(l, ctx->cfg->name, "%s", text);
}

void ioc_reject(ioc_ctx *ctx, const char *where, const char *field, const char *reason)
{
    if (instance_refused_in_check(ctx, "ioc_reject", "reject records in poll"))
        return;
    /* Both counters are atomic, and the throttle decides on the value this
     * call itself produced, so concurrent callers log exactly the first
     * INSTANCE_REJECT_LOG_LIMIT rejections and count every one. */
    atomic_fetch_add(&ctx->counters.records_rejected, 1);
    if (atomic_fetch_add(&ctx->poll_rejects, 1) + 1 > INSTANCE_REJECT_LOG_LIMIT)
        return;
    log_msg(LOG_LEVEL_WARNING, ctx->cfg->name, "%s%sfield '%s' %s; record skipped",
            where ? where : "", where ? ": " : "", field ? field : "?",
            reason ? reason : "is invalid");
}

/* ---- host API: emit ---- */

int ioc_emit(ioc_ctx *ctx, const struct ioc_record *record)
{
    if (instance_refused_in_check(ctx, "ioc_emit", "emit in poll"))
        return IOC_ERROR;
    if (!record) {
        ioc_reject(ctx, NULL, "record", "is NULL");
        return IOC_ERROR;
    }
    return instance_emit(ctx, record, NULL);
}

/* A metric emitted but dropped: no sequence number could be reserved (the
 * state directory became unusable while running) or no memory to encode
 * or queue it. Counted (dropped=), the poll failed with it as the reason,
 * and logged at once, then at most once a minute with how many were
 * dropped meanwhile, the rest at stop (lograte.h): such an error strikes
 * every metric, and one line per metric buried everything else. */
static void instance_metric_dropped(ioc_ctx *ctx, struct lograte *rate, const char *text)
{
    atomic_fetch_add(&ctx->counters.metrics_dropped, 1);
    atomic_store(&ctx->poll_dropped, true);
    instance_note_poll_error(ctx, text);
    uint64_t held_back = 0;
    pthread_mutex_lock(&ctx->status_lock);
    bool log_now = lograte_take(rate, clock_mono_ms(), &held_back);
    pthread_mutex_unlock(&ctx->status_lock);
    if (log_now && held_back)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "%s (%llu more dropped the same way since the "
                "last such line)", text, (unsigned long long)held_back);
    else if (log_now)
        log_msg(LOG_LEVEL_ERROR, ctx->cfg->name, "%s", text);
}


/* A connector's record (completeness NULL: the rollup sees it) or one the
 * rollup made, through the same normalize, seq and pipeline. */
static int instance_emit(ioc_ctx *ctx, const struct ioc_record *record,
                         const struct normalize_completeness *completeness)
{
    struct normalized n;
    struct normalize_error err;
    if (normalize_check(&ctx->env, record, clock_wall_ms(), &n, &err) < 0) {
        char where[160];
        snprintf(where, sizeof where, "metric %.64s area %.16s",
                 record->metric ? record->metric : "?", record->area ? record->area : "?");
        ioc_reject(ctx, where, err.field, err.reason);
        return IOC_ERROR;
    }
    uint64_t seq;
    char errbuf[512];
    if (state_next_seq(ctx->state, &seq, errbuf, sizeof errbuf) < 0) {
        char text[600];
        snprintf(text, sizeof text, "cannot reserve sequence numbers: %s; metric dropped", errbuf);
        instance_metric_dropped(ctx, &ctx->seq_errors, text);
        return IOC_ERROR;
    }
    n.completeness = completeness;
    pthread_mutex_lock(&ctx->encode_lock);
    int rc = normalize_encode_into(&ctx->env, &n, seq, &ctx->encode_buf);
    const struct catalog_metric *cm = n.catalog_metric;
    struct publish_facts facts = {ctx->cfg->source, record->metric, (int)n.status, n.data_ms,
                                  ctx->cfg->interval_ms, cm ? cm->refresh_ms : 0,
                                  cm ? cm->max_age_ms : 0, ctx->batch};
    if (rc == 0)
        /* A broker that takes metrics more slowly than they come may hold
         * this poll up to its deadline (then the outbox drops its oldest).
         * Also while stopping: the sinks still deliver until the end of
         * shutdown_timeout, and what a poll fetched is worth delivering. */
        rc = pipeline_publish(ctx->pipeline, n.series, ctx->encode_buf.buf, ctx->encode_buf.len,
                              seq, &facts, ctx->poll_deadline_ms);
    pthread_mutex_unlock(&ctx->encode_lock);
    if (rc < 0) {
        instance_metric_dropped(ctx, &ctx->queue_errors,
                                "out of memory encoding or queueing a metric; dropped");
        return IOC_ERROR;
    }
    atomic_fetch_add(&ctx->counters.metrics_emitted, 1);
    if (!completeness && rollup_add(ctx->rollup, &n) < 0)
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory adding up commune values; no province "
                "figures from this poll");
    return IOC_OK;
}

/* ---- host API: HTTP ---- */

const char *instance_allow_origins(const struct ioc_ctx *ctx)
{
    const struct key_value *v = ctx && ctx->cfg ? instance_value(ctx->cfg, "allow_origins") : NULL;
    return v && v->text && v->text[0] ? v->text : NULL;
}

/* Remember the largest Retry-After of this poll (http.c keeps it on 429
 * and 503 only) for the scheduler. When backoff_max cuts it short, the
 * request's error says so, and with it the log line and the status. */
static void instance_note_retry_after(struct ioc_ctx *ctx, struct ioc_http_response *response)
{
    int64_t asked_s = response->retry_after_s;
    if (asked_s > ctx->retry_after_s)
        ctx->retry_after_s = asked_s;
    int64_t wait_ms = backoff_retry_after_ms(asked_s, ctx->cfg->backoff_max_ms);
    if (wait_ms / 1000 >= asked_s)
        return; /* not capped */
    size_t used = strlen(response->error);
    char wait[32];
    backoff_format_ms(wait_ms, wait, sizeof wait);
    snprintf(response->error + used, sizeof response->error - used,
             "; the server asked to retry after %lld s, iocd waits %s (backoff_max)",
             (long long)asked_s, wait);
}


enum ioc_http_result ioc_http_request(ioc_ctx *ctx, const char *url,
                                      const struct ioc_http_options *options,
                                      struct ioc_http_response *response)
{
    if (instance_refused_in_check(ctx, "ioc_http_request", "fetch in poll")) {
        if (response) {
            memset(response, 0, sizeof *response);
            response->retry_after_s = -1;
            snprintf(response->error, sizeof response->error,
                     "check may not call ioc_http_request; fetch in poll");
        }
        return IOC_HTTP_ERR_USAGE;
    }
    struct http_limits limits = {ctx->poll_deadline_ms, ctx->cfg->timeout_ms, ctx->cfg->max_body,
                                 &ctx->stopping, instance_allow_origins(ctx)};
    atomic_fetch_add(&ctx->counters.http_requests, 1);
    enum ioc_http_result rc = http_request(ctx->http, &limits, url, options, response);
    if (response->retry_after_s >= 0)
        instance_note_retry_after(ctx, response);
    char shown[512];
    http_url_for_log(url ? url : "(null)", shown, sizeof shown);
    const char *method = options && options->method ? options->method : "GET";
    if (rc == IOC_HTTP_OK) {
        atomic_fetch_add(&ctx->counters.bytes_received, response->body_len);
    } else if (rc == IOC_HTTP_NOT_MODIFIED) {
        atomic_fetch_add(&ctx->counters.http_not_modified, 1);
        log_msg(LOG_LEVEL_DEBUG, ctx->cfg->name, "%s %s: not modified", method, shown);
    } else if (rc != IOC_HTTP_ERR_ABORTED) {
        /* An aborted transfer is the daemon stopping, not the feed failing:
         * neither logged nor counted (it stays in http_requests). */
        atomic_fetch_add(&ctx->counters.http_failures, 1);
        ioc_log(ctx, IOC_LOG_WARNING, "%s %s: %s", method, shown, response->error);
    }
    return rc;
}

void ioc_http_response_free(struct ioc_http_response *response)
{
    if (!response)
        return;
    free(response->body);
    free(response->content_type);
    response->body = response->content_type = NULL;
    response->body_len = 0;
}

char *ioc_url_with_param(const char *base, const char *name, const char *value)
{
    char *n = curl_easy_escape(NULL, name, 0), *v = curl_easy_escape(NULL, value, 0), *out = NULL;
    if (n && v && asprintf(&out, "%s%c%s=%s", base, strchr(base, '?') ? '&' : '?', n, v) < 0)
        out = NULL;
    curl_free(n);
    curl_free(v);
    return out;
}

/* ---- host API: state ---- */

char *ioc_state_get(ioc_ctx *ctx, const char *key)
{
    if (instance_refused_in_check(ctx, "ioc_state_get", "read saved state in init or poll"))
        return NULL;
    return key ? state_get(ctx->state, key) : NULL;
}

int ioc_state_set(ioc_ctx *ctx, const char *key, const char *value)
{
    if (instance_refused_in_check(ctx, "ioc_state_set", "save state in init or poll"))
        return IOC_ERROR;
    if (!state_key_valid(key)) {
        ioc_log(ctx, IOC_LOG_ERROR, "state key '%s' is invalid ([A-Za-z0-9_.-], 1..64 bytes)",
                key ? key : "(null)");
        return IOC_ERROR;
    }
    char err[512];
    if (state_set(ctx->state, key, value, err, sizeof err) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR, "cannot save state '%s': %s", key, err);
        return IOC_ERROR;
    }
    return IOC_OK;
}

bool ioc_stopping(ioc_ctx *ctx)
{
    /* "Stop" is the answer that ends whatever loop asked. */
    if (instance_refused_in_check(ctx, "ioc_stopping", "check has no poll to stop"))
        return true;
    return atomic_load(&ctx->stopping);
}
