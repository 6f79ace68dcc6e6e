/* daemon - see daemon.h. */
#include "daemon.h"

#include "clock.h"
#include "config.h"
#include "confdiff.h"
#include "http.h"
#include "httpd.h"
#include "instance.h"
#include "notify.h"
#include "opsview.h"
#include "outlog.h"
#include "pipeline.h"
#include "scheduler.h"
#include "state.h"
#include "status_json.h"
#include "watchdog.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the status hook may look at; swapped under `lock` on reload. */
struct daemon_state {
    pthread_mutex_t lock;
    struct scheduler *current;
    struct opsview *view; /* /metrics and /health read the same scheduler */
    struct pipeline *pipeline;
};

/* The durable outbox's part of the service status (systemctl status):
 * what waits, what was dropped, whether writing fails. Empty when there
 * is nothing to say. */
static void daemon_outbox_status(struct pipeline *p, char *buf, size_t len)
{
    struct outlog_stats st;
    buf[0] = '\0';
    if (!p || !pipeline_outbox_stats(p, &st))
        return;
    uint64_t waiting = 0;
    for (size_t i = 0; i < st.sinks; i++)
        if (st.backlog_bytes[i] > waiting)
            waiting = st.backlog_bytes[i];
    if (!waiting && !st.c.dropped_full && !st.c.failing)
        return;
    snprintf(buf, len, "; outbox: %llu bytes waiting%s%s, %llu records dropped (max_disk or disk "
             "full)", (unsigned long long)waiting, st.c.failing ? ", writing fails: " : "",
             st.c.failing ? strerror(st.c.last_error) : "",
             (unsigned long long)st.c.dropped_full);
}

static void daemon_status_hook(void *arg)
{
    struct daemon_state *ds = arg;
    char status[2048];
    pthread_mutex_lock(&ds->lock);
    if (ds->current) {
        scheduler_status(ds->current, status, sizeof status);
        size_t used = strlen(status);
        daemon_outbox_status(ds->pipeline, status + used, sizeof status - used);
        notify_status(status);
    }
    pthread_mutex_unlock(&ds->lock);
}

static void daemon_set_current(struct daemon_state *ds, struct scheduler *s)
{
    pthread_mutex_lock(&ds->lock);
    ds->current = s;
    pthread_mutex_unlock(&ds->lock);
    opsview_set_scheduler(ds->view, s);
}

static int daemon_load(const struct daemon_options *opts, struct config *config)
{
    struct diag d = {0};
    int rc = config_load(opts->config_path, opts->only_instance, config, &d);
    if (instance_check_all(config, &d) < 0)
        rc = -1;
    diag_log(&d);
    if (rc < 0)
        log_error("%s: %zu configuration error%s", opts->config_path, d.count,
                  d.count == 1 ? "" : "s");
    diag_free(&d);
    if (rc == 0 && opts->only_instance) {
        const struct instance_config *ic = config_instance(config, opts->only_instance);
        if (ic && !ic->enabled) {
            log_error("instance '%s' is disabled (enabled = false in %s); not running it",
                      ic->name, ic->path);
            rc = -1;
        }
    }
    if (rc == 0)
        log_set_level(opts->log_level_set ? opts->log_level : config->log_level);
    return rc;
}

/* --once and --dry-run: every enabled instance polls once. */
static int daemon_once(struct config *config, struct pipeline *pipeline, bool dry_run)
{
    struct scheduler *s = scheduler_start(config, pipeline, true, NULL, NULL);
    if (!s) {
        log_error("the connectors could not be started; stopping");
        pipeline_stop(pipeline, 0);
        return 1;
    }
    size_t failed = scheduler_join_once(s);
    scheduler_log_counters(s);
    size_t count = scheduler_instance_count(s);
    scheduler_free(s);
    size_t undelivered = pipeline_stop(pipeline, config->shutdown_timeout_ms);
    if (dry_run) {
        log_info("dry run: %zu of %zu connector%s succeeded, %llu records printed; nothing "
                 "published to a broker, nothing saved in %s", count - failed, count,
                 count == 1 ? "" : "s", (unsigned long long)pipeline_published(pipeline),
                 config->state_dir);
    } else {
        char per_sink[512];
        pipeline_tally_text(pipeline, per_sink, sizeof per_sink);
        log_info("once: %zu of %zu connector%s succeeded, %llu metrics published%s",
                 count - failed, count, count == 1 ? "" : "s",
                 (unsigned long long)pipeline_published(pipeline), per_sink);
    }
    return failed || undelivered ? 1 : 0;
}

/* The configurations in use: the current one, and older ones that
 * instances kept running across a reload still read (scheduler_uses). */
struct daemon_configs {
    struct config *current;
    uint64_t digest; /* confdiff_digest of current, taken when it was loaded */
    struct config **older;
    size_t older_count;
};

static void daemon_config_free(struct config *c)
{
    if (c)
        config_free(c);
    free(c);
}

/* Free the older configurations no instance of `s` runs with any more. */
static void daemon_configs_release(struct daemon_configs *cfgs, const struct scheduler *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < cfgs->older_count; i++) {
        if (s && scheduler_uses(s, cfgs->older[i]))
            cfgs->older[kept++] = cfgs->older[i];
        else
            daemon_config_free(cfgs->older[i]);
    }
    cfgs->older_count = kept;
}

static void daemon_configs_free(struct daemon_configs *cfgs)
{
    daemon_configs_release(cfgs, NULL);
    free(cfgs->older);
    daemon_config_free(cfgs->current);
    memset(cfgs, 0, sizeof *cfgs);
}

/* scheduler_same for a reload: an instance keeps running when what every
 * instance shares is unchanged (*arg) and so is its own configuration. */
static bool daemon_instance_same(const struct instance_config *was,
                                 const struct instance_config *now, void *arg)
{
    const bool *shared_same = arg;
    return *shared_same && confdiff_instance_same(was, now);
}

/* SIGHUP: a valid new configuration replaces the old; an invalid one is
 * reported and the old one keeps running. Only the instances whose
 * configuration changed are restarted (their counters carried over); the
 * others keep running untouched, with no extra poll. Sinks are set up at
 * start-up only: said when their settings changed, and only then. Out of
 * memory before anything was stopped, the running configuration stays. */
static void daemon_reload(const struct daemon_options *opts, struct daemon_state *ds,
                         struct daemon_configs *cfgs, struct scheduler **sched,
                         struct pipeline *pipeline)
{
    notify_reloading();
    log_info("reloading configuration from %s", opts->config_path);
    struct config *next = calloc(1, sizeof *next);
    if (!next || daemon_load(opts, next) < 0) {
        log_error("reload refused: the running configuration stays in effect");
        daemon_config_free(next);
        notify_ready();
        return;
    }
    struct config *was = cfgs->current;
    uint64_t digest = confdiff_digest(next);
    bool shared_same = confdiff_shared_same(was, cfgs->digest, next, digest);
    if (!shared_same)
        log_info("settings every connector reads changed (province, timezone, state_dir, "
                 "plugin_path, gazetteer or catalogue): every connector restarts");
    if (!confdiff_sinks_same(was, next))
        log_warn("sink settings changed in %s: they are read at start-up only; restart iocd "
                 "to apply them", opts->config_path);
    struct config **older = realloc(cfgs->older, (cfgs->older_count + 1) * sizeof *older);
    if (!older) {
        log_error("reload: out of memory; the running configuration stays in effect");
        daemon_config_free(next);
        notify_ready();
        return;
    }
    cfgs->older = older;
    daemon_set_current(ds, NULL);
    size_t abandoned = 0;
    struct scheduler *s = scheduler_reload(*sched, next, pipeline, daemon_instance_same,
                                           &shared_same, was->shutdown_timeout_ms, &abandoned);
    if (!s) {
        log_error("reload: out of memory; the running configuration stays in effect");
        daemon_config_free(next);
        daemon_set_current(ds, *sched);
        notify_ready();
        return;
    }
    *sched = s;
    if (abandoned)
        log_warn("%zu stuck connector thread%s keep the old configuration in memory", abandoned,
                 abandoned == 1 ? "" : "s");
    for (size_t i = 0; i < was->instance_count; i++) {
        const struct instance_config *now = config_instance(next, was->instances[i].name);
        if (!now || !now->enabled)
            pipeline_status(pipeline, was->instances[i].name, STATUS_JSON_OFFLINE);
    }
    cfgs->older[cfgs->older_count++] = was;
    cfgs->current = next;
    cfgs->digest = digest;
    if (abandoned)
        cfgs->older_count = 0; /* stuck threads still read them: never freed */
    else
        daemon_configs_release(cfgs, s);
    daemon_set_current(ds, s);
    log_info("configuration reloaded: %zu connector instance%s", next->instance_count,
             next->instance_count == 1 ? "" : "s");
    notify_ready();
    daemon_status_hook(ds);
}

/* How long the main loop may sleep: until the next watchdog ping,
 * counters line or pipeline tick (retiring idle series) due in `tick` ms. */
static int64_t daemon_wait_ms(int64_t now, int64_t next_watchdog, int64_t next_stats, int64_t tick)
{
    int64_t wait = tick < 3600 * 1000 ? tick : 3600 * 1000;
    if (next_watchdog && next_watchdog - now < wait)
        wait = next_watchdog - now;
    if (next_stats && next_stats - now < wait)
        wait = next_stats - now;
    return wait < 0 ? 0 : wait;
}

static void daemon_loop(const struct daemon_options *opts, struct daemon_state *ds,
                        struct daemon_configs *cfgs, struct scheduler **sched,
                        struct pipeline *pipeline, const sigset_t *signals)
{
    const struct config *config = cfgs->current;
    int64_t watchdog = notify_watchdog_interval_ms();
    struct watchdog wd = {watchdog * 2, false}; /* the ping is due at half WatchdogSec */
    int64_t now = clock_mono_ms();
    int64_t next_watchdog = watchdog ? now + watchdog : 0;
    int64_t next_stats = config->stats_interval_ms ? now + config->stats_interval_ms : 0;
    for (;;) {
        int64_t wait = daemon_wait_ms(now, next_watchdog, next_stats, pipeline_tick(pipeline, now));
        struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
        int sig = sigtimedwait(signals, NULL, &ts);
        now = clock_mono_ms();
        if (sig == SIGTERM || sig == SIGINT) {
            log_info("%s received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return;
        }
        if (sig == SIGHUP) {
            daemon_reload(opts, ds, cfgs, sched, pipeline);
            config = cfgs->current;
            next_stats = config->stats_interval_ms ? now + config->stats_interval_ms : 0;
        }
        if (sig == SIGUSR1) {
            scheduler_log_counters(*sched);
            pipeline_log_counters(pipeline);
        }
        if (next_watchdog && now >= next_watchdog) {
            watchdog_due(&wd, pipeline, now);
            next_watchdog = now + watchdog;
        }
        if (next_stats && now >= next_stats) {
            scheduler_log_counters(*sched);
            pipeline_log_counters(pipeline);
            next_stats = now + config->stats_interval_ms;
        }
    }
}

/* The start line counts only the instances that run, and names those
 * that could not start (issue 17: it said "running 1" of one that never
 * started). */
static void daemon_log_started(const struct config *config, const struct scheduler *sched)
{
    char failures[600];
    size_t failed = scheduler_start_failures(sched, failures, sizeof failures);
    size_t running = scheduler_instance_count(sched) - failed;
    if (failed)
        log_error("iocd %s running %zu connector instance%s (%zu failed to start: %s); "
                  "province %s, gazetteer %s", IOCD_VERSION, running, running == 1 ? "" : "s",
                  failed, failures, config->province, gazetteer_version(config->gazetteer));
    else
        log_info("iocd %s running %zu connector instance%s (province %s, gazetteer %s)",
                 IOCD_VERSION, running, running == 1 ? "" : "s", config->province,
                 gazetteer_version(config->gazetteer));
}

int daemon_run(const struct daemon_options *opts)
{
    /* On the heap: a reload keeps it while instances still run with it. */
    struct daemon_configs cfgs = {calloc(1, sizeof *cfgs.current), 0, NULL, 0};
    struct config *config = cfgs.current;
    if (!config || daemon_load(opts, config) < 0) {
        daemon_configs_free(&cfgs);
        return 1;
    }
    cfgs.digest = confdiff_digest(config);
    if (http_global_init() < 0) {
        log_error("cannot initialise libcurl");
        daemon_configs_free(&cfgs);
        return 1;
    }
    /* Signals are taken by the main thread only: block them before any
     * thread exists so every thread inherits the mask. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* A dry run prints what a poll would publish and changes nothing:
     * stdout is its only sink (no broker is connected to), and nothing
     * is written in state_dir (cursors, sequence reservations; the series
     * state is neither read nor written, as with --once). */
    if (opts->dry_run)
        state_read_only();
    /* iocd@NAME processes share iocd.conf: each has its own log beside
     * the others' (DIR@NAME, as series@NAME.cache), one writer per log. */
    if (opts->only_instance && config->outbox_dir) {
        char *own = NULL;
        if (asprintf(&own, "%s@%s", config->outbox_dir, opts->only_instance) < 0) {
            log_error("out of memory");
            daemon_configs_free(&cfgs);
            return 1;
        }
        free(config->outbox_dir);
        config->outbox_dir = own;
    }
    struct pipeline *pipeline = opts->dry_run ? pipeline_new_only(config, "sink.stdout")
                                              : pipeline_new(config, !opts->once);
    if (!pipeline) {
        daemon_configs_free(&cfgs);
        return 1;
    }
    int status = 0;
    if (opts->once || opts->dry_run) {
        status = daemon_once(config, pipeline, opts->dry_run);
    } else {
        /* Before any poll, so the first observations are judged against
         * the values published before the restart. (--once neither reads
         * nor writes it: a one-off run must not leave a later daemon
         * believing series were published that it then never saw.) */
        pipeline_keep_series(pipeline, config->state_dir, opts->only_instance,
                             config->series_save_interval_ms, opts->republish);
        struct daemon_state ds = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, pipeline};
        struct httpd *httpd = NULL;
        const char *listen = config_http_listen(config, opts->only_instance);
        /* /health calls a sink stalled when the watchdog would: beyond
         * WatchdogSec, or a minute without one. */
        int64_t stall_limit = notify_watchdog_interval_ms() ? notify_watchdog_interval_ms() * 2
                                                            : 60000;
        if (listen && (!(ds.view = opsview_new(pipeline, stall_limit)) ||
                       !(httpd = httpd_start(listen, ds.view)))) {
            log_error("the HTTP endpoint (http_listen = %s) could not be started; stopping",
                      listen);
            opsview_free(ds.view);
            pipeline_stop(pipeline, 0);
            pipeline_free(pipeline);
            daemon_configs_free(&cfgs);
            return 1;
        }
        struct scheduler *sched = scheduler_start(config, pipeline, false, daemon_status_hook, &ds);
        if (!sched) {
            log_error("the connectors could not be started; stopping");
            httpd_stop(httpd);
            opsview_free(ds.view);
            pipeline_stop(pipeline, config->shutdown_timeout_ms);
            pipeline_free(pipeline);
            daemon_configs_free(&cfgs);
            return 1;
        }
        daemon_set_current(&ds, sched);
        daemon_log_started(config, sched);
        char note[512];
        if (config_empty_note(config, note, sizeof note))
            log_warn("%s", note);
        notify_ready();
        daemon_status_hook(&ds);
        daemon_loop(opts, &ds, &cfgs, &sched, pipeline, &signals);
        config = cfgs.current;
        notify_stopping();
        httpd_stop(httpd); /* before what its pages read goes away */
        daemon_set_current(&ds, NULL);
        opsview_free(ds.view);
        ds.view = NULL;
        int64_t started = clock_mono_ms();
        size_t abandoned = scheduler_stop(sched, config->shutdown_timeout_ms);
        scheduler_log_counters(sched);
        scheduler_free(sched);
        /* What is left of the shutdown time goes to delivering the backlog. */
        int64_t left = config->shutdown_timeout_ms - (clock_mono_ms() - started);
        pipeline_stop(pipeline, left > 1000 ? left : 1000);
        pipeline_save_series(pipeline);
        /* Per sink, never summed: one sink's loss is not another's. */
        char per_sink[512];
        pipeline_tally_text(pipeline, per_sink, sizeof per_sink);
        log_info("stopped: %llu metrics published%s%s",
                 (unsigned long long)pipeline_published(pipeline), per_sink,
                 abandoned ? " (some connector threads were abandoned)" : "");
        if (abandoned) {
            /* Their plugins are still mapped and running: leave without
             * unloading anything under them. */
            fflush(stdout);
            _exit(0);
        }
    }
    pipeline_free(pipeline);
    daemon_configs_free(&cfgs);
    http_global_cleanup();
    return status;
}
