/*
 * scheduler - one thread per connector instance, polling on its timer.
 *
 * Each thread runs init, then polls at the instance's interval (with
 * jitter), backs off after failures (backoff.h) and honours Retry-After,
 * until asked to stop. A thread sleeps on its own condition variable, so an
 * idle daemon wakes only when a poll is due; stopping wakes it at once and
 * aborts HTTP transfers in progress. Stopping waits a bounded time: a
 * plugin stuck in its own code is abandoned (logged, never unloaded)
 * rather than holding up shutdown or a reload.
 */
#ifndef IOCD_SCHEDULER_H
#define IOCD_SCHEDULER_H

#include "config.h"
#include "pipeline.h"

#include <stdbool.h>
#include <stddef.h>

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

#endif
