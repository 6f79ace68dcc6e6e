/* scheduler - see scheduler.h. */
#include "scheduler.h"

#include "backoff.h"
#include "clock.h"
#include "instance.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One instance's thread and what it needs. Allocated on its own, so that a
 * reload can hand a running slot from one scheduler to the next (the
 * thread holds a pointer to it); the thread reads nothing of the
 * scheduler, only its slot. */
struct slot {
    struct ioc_ctx *ctx;
    const struct instance_config *cfg;
    const struct config *config; /* the configuration cfg belongs to */
    bool once;
    scheduler_hook hook;
    void *hook_arg;
    pthread_t thread;
    bool thread_started;
    atomic_bool thread_done;
    bool joined;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop; /* guarded by lock */
    bool failed; /* init or (once) poll failed */
    char start_error[300]; /* why it could not be set up; "" if it was */
    uint64_t random;
};

struct scheduler {
    struct slot **slots;
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
    const struct instance_config *cfg = s->cfg;
    if (instance_init(s->ctx) < 0) {
        s->failed = true;
        atomic_store(&s->thread_done, true);
        if (s->hook)
            s->hook(s->hook_arg);
        return NULL;
    }
    log_msg(LOG_LEVEL_INFO, cfg->name, "started: plugin %s %s, every %lld ms, timeout %lld ms",
            cfg->plugin->desc->name, cfg->plugin->desc->version, (long long)cfg->interval_ms,
            (long long)cfg->timeout_ms);
    /* First poll at once, or spread over the jitter. */
    int64_t due = clock_mono_ms() + (cfg->jitter_ms ? (int64_t)(scheduler_random(s) %
                                                              (uint64_t)cfg->jitter_ms) : 0);
    unsigned failures = 0;
    while (!scheduler_sleep_until(s, s->once ? 0 : due)) {
        int64_t start = clock_mono_ms(), asked_s = -1;
        enum instance_poll_result rc = instance_poll(s->ctx, &asked_s);
        if (s->hook)
            s->hook(s->hook_arg);
        if (s->once) {
            s->failed = rc != INSTANCE_POLL_OK; /* --once did not read the feed */
            break;
        }
        if (rc == INSTANCE_POLL_INTERRUPTED)
            break; /* stopping: no next attempt to announce */
        failures = rc == INSTANCE_POLL_OK ? 0 : failures + 1;
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

static struct scheduler *scheduler_new(size_t capacity, bool once, scheduler_hook hook,
                                       void *hook_arg)
{
    struct scheduler *sched = calloc(1, sizeof *sched);
    if (!sched || !(sched->slots = calloc(capacity + 1, sizeof *sched->slots))) {
        free(sched);
        log_error("cannot start the connectors: out of memory");
        return NULL;
    }
    sched->once = once;
    sched->hook = hook;
    sched->hook_arg = hook_arg;
    return sched;
}

/* Start instance `cfg` of `config` in a new slot of `sched`; `carried`
 * (may be NULL) is added to its counters before its thread starts. A
 * slot that cannot be set up stays, marked failed (the status says so). */
static void scheduler_slot_start(struct scheduler *sched, const struct config *config,
                                 const struct instance_config *cfg, size_t index,
                                 struct pipeline *pipeline, const struct instance_totals *carried)
{
    struct slot *s = calloc(1, sizeof *s);
    if (!s) {
        log_msg(LOG_LEVEL_ERROR, cfg->name, "cannot start: out of memory");
        return;
    }
    sched->slots[sched->count++] = s;
    s->cfg = cfg;
    s->config = config;
    s->once = sched->once;
    s->hook = sched->hook;
    s->hook_arg = sched->hook_arg;
    s->random = ((uint64_t)time(NULL) << 16) ^ (uint64_t)(index + 1) * 0x9E3779B97F4A7C15ULL;
    if (!(s->ctx = instance_new(config, cfg, pipeline, s->start_error, sizeof s->start_error))) {
        s->failed = true;
        return;
    }
    if (carried)
        instance_totals_add(s->ctx, carried);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    int err = pthread_create(&s->thread, NULL, scheduler_thread, s);
    if (err) {
        snprintf(s->start_error, sizeof s->start_error, "cannot start thread: %s", strerror(err));
        log_msg(LOG_LEVEL_ERROR, cfg->name, "failed to start: %s", s->start_error);
        s->failed = true;
        return;
    }
    s->thread_started = true;
}

struct scheduler *scheduler_start(const struct config *config, struct pipeline *pipeline,
                                  bool once, scheduler_hook hook, void *hook_arg)
{
    struct scheduler *sched = scheduler_new(config->instance_count, once, hook, hook_arg);
    if (!sched)
        return NULL;
    for (size_t i = 0; i < config->instance_count; i++) {
        const struct instance_config *cfg = &config->instances[i];
        if (!cfg->enabled) {
            log_msg(LOG_LEVEL_INFO, cfg->name, "disabled in %s", cfg->path);
            continue;
        }
        scheduler_slot_start(sched, config, cfg, i, pipeline, NULL);
    }
    return sched;
}

size_t scheduler_join_once(struct scheduler *s)
{
    size_t failed = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = s->slots[i];
        if (slot->thread_started && !slot->joined) {
            pthread_join(slot->thread, NULL);
            slot->joined = true;
        }
        failed += slot->failed;
    }
    return failed;
}

/* Ask the slots of `s` for which `which[i]` is true (all when NULL) to
 * stop and wait up to `timeout_ms` for them. Returns how many were
 * abandoned (still running). */
static size_t scheduler_stop_some(struct scheduler *s, const bool *which, int64_t timeout_ms)
{
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = s->slots[i];
        if (!slot->thread_started || (which && !which[i]))
            continue;
        instance_request_stop(slot->ctx);
        pthread_mutex_lock(&slot->lock);
        slot->stop = true;
        pthread_cond_signal(&slot->wake);
        pthread_mutex_unlock(&slot->lock);
    }
    /* pthread_timedjoin_np waits on CLOCK_REALTIME. */
    struct timespec deadline = clock_after_ms(CLOCK_REALTIME, timeout_ms);
    size_t abandoned = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct slot *slot = s->slots[i];
        if (!slot->thread_started || slot->joined || (which && !which[i]))
            continue;
        if (pthread_timedjoin_np(slot->thread, NULL, &deadline) == 0) {
            slot->joined = true;
        } else {
            log_msg(LOG_LEVEL_ERROR, slot->cfg->name,
                    "poll still running after %lld ms; abandoning it", (long long)timeout_ms);
            abandoned++;
        }
    }
    s->abandoned += abandoned;
    return abandoned;
}

size_t scheduler_stop(struct scheduler *s, int64_t timeout_ms)
{
    scheduler_stop_some(s, NULL, timeout_ms);
    return s->abandoned;
}

static void scheduler_slot_free(struct slot *slot)
{
    if (slot->ctx) {
        instance_free(slot->ctx);
        pthread_mutex_destroy(&slot->lock);
        pthread_cond_destroy(&slot->wake);
    }
    free(slot);
}

void scheduler_free(struct scheduler *s)
{
    if (!s)
        return;
    if (s->abandoned)
        return; /* see scheduler.h: a live thread still uses all of it */
    for (size_t i = 0; i < s->count; i++)
        scheduler_slot_free(s->slots[i]);
    free(s->slots);
    free(s);
}

/* The index of `name` among names[0..count), or SIZE_MAX. */
static size_t scheduler_find(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return SIZE_MAX;
}

struct scheduler *scheduler_reload(struct scheduler *old, const struct config *next,
                                   struct pipeline *pipeline, scheduler_same same, void *same_arg,
                                   int64_t timeout_ms, size_t *abandoned)
{
    *abandoned = 0;
    struct scheduler *sched = scheduler_new(next->instance_count, false, old->hook, old->hook_arg);
    bool *keep = calloc(old->count + 1, sizeof *keep);
    bool *stopping = calloc(old->count + 1, sizeof *stopping);
    struct instance_totals *carried = calloc(old->count + 1, sizeof *carried);
    /* The old instances' names (their configuration outlives this call). */
    const char **names = calloc(old->count + 1, sizeof *names);
    if (!sched || !keep || !stopping || !carried || !names) {
        free(keep);
        free(stopping);
        free(carried);
        free(names);
        scheduler_free(sched);
        return NULL;
    }
    /* Kept: running (not a failed or ended thread), still enabled, and
     * `same` says nothing it reads changed. The others stop first, before
     * their successors open the same state file. */
    for (size_t i = 0; i < old->count; i++) {
        struct slot *slot = old->slots[i];
        names[i] = slot->cfg->name;
        const struct instance_config *now = config_instance(next, slot->cfg->name);
        keep[i] = now && now->enabled && slot->ctx && slot->thread_started &&
                  !atomic_load(&slot->thread_done) && same(slot->cfg, now, same_arg);
        if (!now)
            log_msg(LOG_LEVEL_INFO, slot->cfg->name, "no longer configured: stopping");
    }
    for (size_t i = 0; i < old->count; i++)
        stopping[i] = !keep[i];
    *abandoned = scheduler_stop_some(old, stopping, timeout_ms);
    free(stopping);
    for (size_t i = 0; i < old->count; i++)
        if (!keep[i] && old->slots[i]->ctx)
            instance_totals_get(old->slots[i]->ctx, &carried[i]);
    if (!*abandoned)
        for (size_t i = 0; i < old->count; i++)
            if (!keep[i]) {
                scheduler_slot_free(old->slots[i]);
                old->slots[i] = NULL;
            }
    for (size_t i = 0; i < next->instance_count; i++) {
        const struct instance_config *cfg = &next->instances[i];
        size_t was = scheduler_find(names, old->count, cfg->name);
        if (!cfg->enabled) {
            log_msg(LOG_LEVEL_INFO, cfg->name, "disabled in %s", cfg->path);
            continue;
        }
        if (was != SIZE_MAX && keep[was]) {
            log_msg(LOG_LEVEL_INFO, cfg->name, "configuration unchanged: keeps running, "
                    "no new poll");
            sched->slots[sched->count++] = old->slots[was];
            old->slots[was] = NULL;
            continue;
        }
        log_msg(LOG_LEVEL_INFO, cfg->name, was != SIZE_MAX ? "configuration changed: restarting"
                                                           : "new instance: starting");
        scheduler_slot_start(sched, next, cfg, i, pipeline, was != SIZE_MAX ? &carried[was] : NULL);
    }
    free(keep);
    free(carried);
    free(names);
    /* The old shell: its slots were freed or moved; with abandoned threads
     * the stopped slots (and their configuration) stay allocated. */
    if (!*abandoned) {
        free(old->slots);
        free(old);
    }
    return sched;
}

bool scheduler_uses(const struct scheduler *s, const struct config *config)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->slots[i]->config == config)
            return true;
    return false;
}

void scheduler_status(struct scheduler *s, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%zu connector%s", s->count, s->count == 1 ? "" : "s");
    for (size_t i = 0; i < s->count && n >= 0 && (size_t)n < len; i++) {
        const struct slot *slot = s->slots[i];
        char health[300];
        snprintf(health, sizeof health, "failed to start%s%.200s",
                 slot->start_error[0] ? ": " : "", slot->start_error);
        if (slot->ctx && !(slot->failed && atomic_load(&slot->thread_done) && !s->once))
            instance_health_text(slot->ctx, health, sizeof health);
        n += snprintf(buf + n, len - (size_t)n, "%s %s %s", i ? "," : ":", slot->cfg->name,
                      health);
    }
}

size_t scheduler_snapshot(struct scheduler *s, struct instance_snapshot *out, size_t max)
{
    size_t n = 0;
    for (; n < s->count && n < max; n++) {
        struct slot *slot = s->slots[n];
        bool never_ran = !slot->ctx || (atomic_load(&slot->thread_done) && slot->failed &&
                                        !s->once);
        if (slot->ctx)
            instance_snapshot(slot->ctx, &out[n]);
        else
            out[n] = (struct instance_snapshot){.name = slot->cfg->name, .source = slot->cfg->source};
        if (never_ran) {
            out[n].health = HEALTH_FAILED;
            snprintf(out[n].last_error, sizeof out[n].last_error, "%.255s",
                     slot->start_error[0] ? slot->start_error
                     : slot->ctx ? "the plugin failed to initialise" : "could not be set up");
        }
    }
    return n;
}

void scheduler_log_counters(struct scheduler *s)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->slots[i]->ctx)
            instance_log_counters(s->slots[i]->ctx);
}

size_t scheduler_instance_count(const struct scheduler *s) { return s->count; }

size_t scheduler_start_failures(const struct scheduler *s, char *buf, size_t len)
{
    size_t failed = 0, n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->count; i++) {
        const struct slot *slot = s->slots[i];
        if (!slot->start_error[0])
            continue;
        failed++;
        if (n < len) {
            int w = snprintf(buf + n, len - n, "%s%s: %s", n ? "; " : "", slot->cfg->name,
                             slot->start_error);
            n += w > 0 ? (size_t)w : 0;
        }
    }
    return failed;
}
