/*
 * scheduler - one thread per connector instance, polling on its timer.
 *
 * Each thread runs init, then polls at the instance's interval (with
 * jitter), backs off after failures (backoff.h) and honours Retry-After,
 * until asked to stop. A thread sleeps on its own condition variable, so an
 * idle daemon wakes only when a poll is due; stopping wakes it at once and
 * aborts HTTP transfers in progress (the poll so cut short ends the thread
 * as no failure: INSTANCE_POLL_INTERRUPTED). Stopping waits a bounded time: a
 * plugin stuck in its own code is abandoned (logged, never unloaded)
 * rather than holding up shutdown or a reload.
 */
#ifndef IOCD_SCHEDULER_H
#define IOCD_SCHEDULER_H

#include "config.h"
#include "pipeline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scheduler;

/* Called from instance threads after each poll (e.g. to refresh the
 * systemd STATUS line). Must be thread-safe. */
typedef void (*scheduler_hook)(void *arg);

/* Start every enabled instance of `config` (which must outlive the
 * scheduler). With `once`, each instance polls once and its thread ends.
 * An instance that cannot be set up or whose thread cannot start is logged
 * and counted as failed; the others run. Returns NULL (logged) only when
 * the scheduler itself cannot be allocated. */
struct scheduler *scheduler_start(const struct config *config, struct pipeline *pipeline,
                                  bool once, scheduler_hook hook, void *hook_arg);

/* --once: wait for every thread to end. Returns the number of instances
 * whose init or poll failed. */
size_t scheduler_join_once(struct scheduler *s);

/* Ask every instance to stop and wait up to `timeout_ms` for them all.
 * Returns the number of threads abandoned (still running). */
size_t scheduler_stop(struct scheduler *s, int64_t timeout_ms);

/* Free what stop/join finished. With abandoned threads the memory (and the
 * plugin) is deliberately leaked: a running thread still uses it. */
void scheduler_free(struct scheduler *s);

/* Whether a running instance may keep running under a new configuration:
 * true when nothing it reads changed (daemon.c asks confdiff). */
typedef bool (*scheduler_same)(const struct instance_config *was,
                               const struct instance_config *now, void *arg);

/* SIGHUP: the scheduler of `next` (which must outlive it), made from
 * `old`, which it consumes. A running instance that `same` judges
 * unchanged is handed over as it is: its thread keeps running on its
 * timer, with no new poll, its counters untouched, its configuration the
 * old one (so that configuration must stay allocated while
 * scheduler_uses says so). The others are stopped (waiting up to
 * `timeout_ms`; *abandoned counts the threads that did not end) and
 * started anew from `next`, carrying their counters and last success
 * over (instance_totals). New instances start; removed or disabled ones
 * stop. Each instance logs which it was. NULL when out of memory (then
 * `old` is untouched and still running). With *abandoned > 0, `old`'s
 * stopped slots are deliberately leaked, as in scheduler_free. */
struct scheduler *scheduler_reload(struct scheduler *old, const struct config *next,
                                   struct pipeline *pipeline, scheduler_same same, void *same_arg,
                                   int64_t timeout_ms, size_t *abandoned);

/* True when an instance of `s` still runs with the configuration `config`
 * (kept by scheduler_reload): it must not be freed yet. */
bool scheduler_uses(const struct scheduler *s, const struct config *config);

/* "2 connectors: example ok, telecom degraded: HTTP status 500" */
void scheduler_status(struct scheduler *s, char *buf, size_t len);
struct instance_snapshot;
/* A snapshot (health.h) of each instance, at most `max`, in name order;
 * returns how many. An instance that could not be set up or whose init
 * failed shows as failed with why. Thread-safe while the scheduler lives. */
size_t scheduler_snapshot(struct scheduler *s, struct instance_snapshot *out, size_t max);
/* Log every instance's counters. */
void scheduler_log_counters(struct scheduler *s);
size_t scheduler_instance_count(const struct scheduler *s);
/* How many instances could not be set up by scheduler_start (state not
 * opened, thread not started), with "NAME: reason; NAME: reason" in `buf`
 * (cut to `len`). A plugin whose init fails later, in its thread, is not
 * counted here: it is logged and published as failed when it happens. */
size_t scheduler_start_failures(const struct scheduler *s, char *buf, size_t len);

#endif
