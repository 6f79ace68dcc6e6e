/* scheduler - see scheduler.h. */
#include "scheduler.h"

#include "backoff.h"
#include "clock.h"
#include "instance.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
    struct scheduler *owner;
    struct ioc_ctx *ctx;
    const struct instance_config *cfg;
    pthread_t thread;
    bool thread_started;
    atomic_bool thread_done;
    bool joined;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop; /* guarded by lock */
    bool failed; /* init or (once) poll failed */
    uint64_t random;
};

struct scheduler {
    struct slot *slots;
    size_t count;
    bool once;
    size_t abandoned;
    scheduler_hook hook;
    void *hook_arg;
};

static uint64_t scheduler_random(struct slot *s)
{
    /* xorshift64*: plenty for spreading timers. */
    s->random ^= s->random >> 12;
    s->random ^= s->random << 25;
    s->random ^= s->random >> 27;
    return s->random * 2685821657736338717ULL;
}

/* Sleep until monotonic `due_ms` or a stop request. Returns true if asked
 * to stop. */
static bool scheduler_sleep_until(struct slot *s, int64_t due_ms)
{
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        if (clock_mono_ms() >= due_ms)
            break;
        struct timespec until = clock_timespec(due_ms);
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static void *scheduler_thread(void *arg)
{
    struct slot *s = arg;
    struct scheduler *sched = s->owner;
    const struct instance_config *cfg = s->cfg;
    if (instance_init(s->ctx) < 0) {
        s->failed = true;
        atomic_store(&s->thread_done, true);
        if (sched->hook)
            sched->hook(sched->hook_arg);
        return NULL;
    }
    log_msg(LOG_LEVEL_INFO, cfg->name, "started: plugin %s %s, every %lld ms, timeout %lld ms",
            cfg->plugin->desc->name, cfg->plugin->desc->version, (long long)cfg->interval_ms,
            (long long)cfg->timeout_ms);
    /* First poll at once, or spread over the jitter. */
    int64_t due = clock_mono_ms() + (cfg->jitter_ms ? (int64_t)(scheduler_random(s) %
                                                              (uint64_t)cfg->jitter_ms) : 0);
    unsigned failures = 0;
    while (!scheduler_sleep_until(s, sched->once ? 0 : due)) {
        int64_t start = clock_mono_ms(), asked_s = -1;
        int rc = instance_poll(s->ctx, &asked_s);
        failures = rc == 0 ? 0 : failures + 1;
        if (sched->hook)
            sched->hook(sched->hook_arg);
        if (sched->once) {
            s->failed = rc != 0;
            break;
        }
        due = start + backoff_delay_ms(cfg->interval_ms, cfg->backoff_max_ms, cfg->jitter_ms,
                                       failures, scheduler_random(s));
        int64_t end = clock_mono_ms();
        int64_t retry_after = backoff_retry_after_ms(asked_s, cfg->backoff_max_ms);
        if (retry_after >= 0) {
            /* Said whenever the server asked, even when the backoff already
             * waits as long: the operator sees the request was honoured. */
            if (end + retry_after > due)
                due = end + retry_after;
            if (retry_after / 1000 < asked_s) {
                char wait[32];
                log_msg(LOG_LEVEL_INFO, cfg->name, "server asked to retry after %lld s; waiting %s "
                        "(backoff_max)", (long long)asked_s,
                        backoff_format_ms(retry_after, wait, sizeof wait));
            } else {
                log_msg(LOG_LEVEL_INFO, cfg->name, "server asked to retry after %lld s; waiting",
                        (long long)asked_s);
            }
        }
        if (failures > 0)
            log_msg(LOG_LEVEL_INFO, cfg->name, "next attempt in %lld ms (failure %u in a row)",
                    (long long)(due - end > 0 ? due - end : 0), failures);
    }
    atomic_store(&s->thread_done, true);
    return NULL;
}

struct scheduler *scheduler_start(const struct config *config, struct pipeline *pipeline,
                                  bool once, scheduler_hook hook, void *hook_arg)
{
    struct scheduler *sched = calloc(1, sizeof *sched);
    if (!sched || !(sched->slots = calloc(config->instance_count + 1, sizeof *sched->slots))) {
        free(sched);
        log_error("cannot start the connectors: out of memory");
        return NULL;
    }
    sched->once = once;
    sched->hook = hook;
    sched->hook_arg = hook_arg;
    for (size_t i = 0; i < config->instance_count; i++) {
        const struct instance_config *cfg = &config->instances[i];
        if (!cfg->enabled) {
            log_msg(LOG_LEVEL_INFO, cfg->name, "disabled in %s", cfg->path);
            continue;
        }
        struct slot *s = &sched->slots[sched->count];
        s->owner = sched;
        s->cfg = cfg;
        s->random = ((uint64_t)time(NULL) << 16) ^ (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL;
        if (!(s->ctx = instance_new(config, cfg, pipeline))) {
            s->failed = true;
            sched->count++;
            continue;
        }
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&s->wake, &attr);
        pthread_condattr_destroy(&attr);
        sched->count++;
        int err = pthread_create(&s->thread, NULL, scheduler_thread, s);
        if (err) {
            log_msg(LOG_LEVEL_ERROR, cfg->name, "cannot start thread: %s", strerror(err));
            s->failed = true;
            continue;
        }
        s->thread_started = true;
    }
    return sched;
}

size_t scheduler_join_once(struct scheduler *s)
{
    size_t failed = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = &s->slots[i];
        if (slot->thread_started && !slot->joined) {
            pthread_join(slot->thread, NULL);
            slot->joined = true;
        }
        failed += slot->failed;
    }
    return failed;
}

size_t scheduler_stop(struct scheduler *s, int64_t timeout_ms)
{
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = &s->slots[i];
        if (!slot->thread_started)
            continue;
        instance_request_stop(slot->ctx);
        pthread_mutex_lock(&slot->lock);
        slot->stop = true;
        pthread_cond_signal(&slot->wake);
        pthread_mutex_unlock(&slot->lock);
    }
    /* pthread_timedjoin_np waits on CLOCK_REALTIME. */
    struct timespec deadline = clock_after_ms(CLOCK_REALTIME, timeout_ms);
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = &s->slots[i];
        if (!slot->thread_started || slot->joined)
            continue;
        if (pthread_timedjoin_np(slot->thread, NULL, &deadline) == 0) {
            slot->joined = true;
        } else {
            log_msg(LOG_LEVEL_ERROR, slot->cfg->name,
                    "poll still running after %lld ms; abandoning it", (long long)timeout_ms);
            s->abandoned++;
        }
    }
    return s->abandoned;
}

void scheduler_free(struct scheduler *s)
{
    if (!s)
        return;
    if (s->abandoned)
        return; /* see scheduler.h: a live thread still uses all of it */
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = &s->slots[i];
        if (slot->ctx)
            instance_free(slot->ctx);
        if (slot->ctx) {
            pthread_mutex_destroy(&slot->lock);
            pthread_cond_destroy(&slot->wake);
        }
    }
    free(s->slots);
    free(s);
}

void scheduler_status(struct scheduler *s, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%zu connector%s", s->count, s->count == 1 ? "" : "s");
    for (size_t i = 0; i < s->count && n >= 0 && (size_t)n < len; i++) {
        char health[300] = "failed to start";
        if (s->slots[i].ctx && !(s->slots[i].failed && atomic_load(&s->slots[i].thread_done) &&
                                 !s->once))
            instance_health_text(s->slots[i].ctx, health, sizeof health);
        n += snprintf(buf + n, len - (size_t)n, "%s %s %s", i ? "," : ":", s->slots[i].cfg->name,
                      health);
    }
}

size_t scheduler_snapshot(struct scheduler *s, struct instance_snapshot *out, size_t max)
{
    size_t n = 0;
    for (; n < s->count && n < max; n++) {
        struct slot *slot = &s->slots[n];
        bool never_ran = !slot->ctx || (atomic_load(&slot->thread_done) && slot->failed &&
                                        !s->once);
        if (slot->ctx)
            instance_snapshot(slot->ctx, &out[n]);
        else
            out[n] = (struct instance_snapshot){.name = slot->cfg->name, .source = slot->cfg->source};
        if (never_ran) {
            out[n].health = HEALTH_FAILED;
            snprintf(out[n].last_error, sizeof out[n].last_error, "%s",
                     slot->ctx ? "the plugin failed to initialise" : "could not be set up");
        }
    }
    return n;
}

void scheduler_log_counters(struct scheduler *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->slots[i].ctx)
            instance_log_counters(s->slots[i].ctx);
}

size_t scheduler_instance_count(const struct scheduler *s) { return s->count; }
