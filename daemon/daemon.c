/* daemon - see daemon.h. */
#include "daemon.h"

#include "clock.h"
#include "config.h"
#include "http.h"
#include "httpd.h"
#include "instance.h"
#include "notify.h"
#include "opsview.h"
#include "pipeline.h"
#include "scheduler.h"
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
};

static void daemon_status_hook(void *arg)
{
    struct daemon_state *ds = arg;
    char status[2048];
    pthread_mutex_lock(&ds->lock);
    if (ds->current) {
        scheduler_status(ds->current, status, sizeof status);
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

static int daemon_once(struct config *config, struct pipeline *pipeline)
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
    log_info("once: %zu of %zu connector%s succeeded, %llu metrics published, %zu not delivered",
             count - failed, count, count == 1 ? "" : "s",
             (unsigned long long)pipeline_published(pipeline), undelivered);
    return failed || undelivered ? 1 : 0;
}

/* SIGHUP: a valid new configuration replaces the old; an invalid one is
 * reported and the old one keeps running. Returns -1 when the new
 * connectors could not be started at all (out of memory): the daemon then
 * stops, so that systemd restarts it whole. */
static int daemon_reload(const struct daemon_options *opts, struct daemon_state *ds,
                          struct config *config, struct scheduler **sched,
                          struct pipeline *pipeline)
{
    notify_reloading();
    log_info("reloading configuration from %s", opts->config_path);
    struct config next;
    if (daemon_load(opts, &next) < 0) {
        log_error("reload refused: the running configuration stays in effect");
        config_free(&next);
        notify_ready();
        return 0;
    }
    log_info("sink settings are read at start-up only; restart iocd to change them");
    daemon_set_current(ds, NULL);
    size_t abandoned = scheduler_stop(*sched, config->shutdown_timeout_ms);
    scheduler_free(*sched);
    if (abandoned)
        log_warn("%zu stuck connector thread%s keep the old configuration in memory", abandoned,
                 abandoned == 1 ? "" : "s");
    for (size_t i = 0; i < config->instance_count; i++) {
        const struct instance_config *now = config_instance(&next, config->instances[i].name);
        if (!now || !now->enabled)
            pipeline_status(pipeline, config->instances[i].name, STATUS_JSON_OFFLINE);
    }
    if (!abandoned)
        config_free(config);
    *config = next;
    *sched = scheduler_start(config, pipeline, false, daemon_status_hook, ds);
    if (!*sched) {
        /* The old scheduler is gone already: with none running, stopping
         * (and being restarted by systemd) beats idling while "ready". */
        log_error("reload: the connectors could not be started; stopping");
        return -1;
    }
    daemon_set_current(ds, *sched);
    log_info("configuration reloaded: %zu connector instance%s", config->instance_count,
             config->instance_count == 1 ? "" : "s");
    notify_ready();
    daemon_status_hook(ds);
    return 0;
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
                        struct config *config, struct scheduler **sched,
                        struct pipeline *pipeline, const sigset_t *signals)
{
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
            if (daemon_reload(opts, ds, config, sched, pipeline) < 0)
                return;
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

int daemon_run(const struct daemon_options *opts)
{
    struct config config;
    if (daemon_load(opts, &config) < 0) {
        config_free(&config);
        return 1;
    }
    if (http_global_init() < 0) {
        log_error("cannot initialise libcurl");
        config_free(&config);
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

    struct pipeline *pipeline = pipeline_new(&config);
    if (!pipeline) {
        config_free(&config);
        return 1;
    }
    int status = 0;
    if (opts->once) {
        status = daemon_once(&config, pipeline);
    } else {
        /* Before any poll, so the first observations are judged against
         * the values published before the restart. (--once neither reads
         * nor writes it: a one-off run must not leave a later daemon
         * believing series were published that it then never saw.) */
        pipeline_keep_series(pipeline, config.state_dir, opts->only_instance,
                             config.series_save_interval_ms, opts->republish);
        struct daemon_state ds = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};
        struct httpd *httpd = NULL;
        const char *listen = config_http_listen(&config, opts->only_instance);
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
            config_free(&config);
            return 1;
        }
        struct scheduler *sched = scheduler_start(&config, pipeline, false, daemon_status_hook, &ds);
        if (!sched) {
            log_error("the connectors could not be started; stopping");
            httpd_stop(httpd);
            opsview_free(ds.view);
            pipeline_stop(pipeline, config.shutdown_timeout_ms);
            pipeline_free(pipeline);
            config_free(&config);
            return 1;
        }
        daemon_set_current(&ds, sched);
        log_info("iocd %s running %zu connector instance%s (province %s, gazetteer %s)",
                 IOCD_VERSION, config.instance_count, config.instance_count == 1 ? "" : "s",
                 config.province, gazetteer_version(config.gazetteer));
        notify_ready();
        daemon_status_hook(&ds);
        daemon_loop(opts, &ds, &config, &sched, pipeline, &signals);
        notify_stopping();
        httpd_stop(httpd); /* before what its pages read goes away */
        daemon_set_current(&ds, NULL);
        opsview_free(ds.view);
        ds.view = NULL;
        int64_t started = clock_mono_ms();
        size_t abandoned = 0;
        if (sched) { /* NULL after a reload that could not start */
            abandoned = scheduler_stop(sched, config.shutdown_timeout_ms);
            scheduler_log_counters(sched);
            scheduler_free(sched);
        } else {
            status = 1;
        }
        /* What is left of the shutdown time goes to delivering the backlog. */
        int64_t left = config.shutdown_timeout_ms - (clock_mono_ms() - started);
        size_t undelivered = pipeline_stop(pipeline, left > 1000 ? left : 1000);
        pipeline_save_series(pipeline);
        log_info("stopped: %llu metrics published, %zu not delivered%s",
                 (unsigned long long)pipeline_published(pipeline), undelivered,
                 abandoned ? " (some connector threads were abandoned)" : "");
        if (abandoned) {
            /* Their plugins are still mapped and running: leave without
             * unloading anything under them. */
            fflush(stdout);
            _exit(0);
        }
    }
    pipeline_free(pipeline);
    config_free(&config);
    http_global_cleanup();
    return status;
}
