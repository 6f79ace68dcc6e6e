/*
 * pipeline - where normalized metrics go: every enabled sink.
 *
 * This is the seam between the connectors' side (normalize, emit) and the
 * brokers' side: a metric is built once (struct metric) and handed to each
 * sink, which queues it in its own outbox and delivers it on its own
 * thread. Connector health goes the same way (status topics). The
 * pipeline outlives configuration reloads. Thread-safe.
 *
 * Publish on change is decided here, before any outbox (the cheapest
 * place: a skipped metric costs no queue slot, no wake-up and no
 * message): every metric updates the series state (series.h) once, and a
 * sink whose section says `on_change = true` gets it only when it changed
 * or its `refresh` has passed since that sink last got the series. What a
 * sink is not given is counted in its `unchanged=` counter.
 *
 * The KPI layer rides on the same observation (docs/metric-record.md
 * "Freshness", "Alerts"): the series state keeps each series' freshness
 * and alert state; pipeline_publish and pipeline_tick's sweep hand the
 * sinks the stale marker and the alerts on transitions, and
 * pipeline_poll_done each source's retained summary.
 */
#ifndef IOCD_PIPELINE_H
#define IOCD_PIPELINE_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pipeline;

/* Create every sink enabled in `config`. NULL (logged) when one cannot be
 * set up. Brokers may be down: sinks connect in the background. With
 * `durable` and [outbox] dir set, the sinks that queue are fed from the
 * durable outbox there (outlog.h): what a poll publishes is appended to
 * it and reaches them at pipeline_commit; else (and for --once, --dry-run)
 * each sink's memory outbox. */
struct pipeline *pipeline_new(const struct config *config, bool durable);
/* Only the sink whose section is `section` ("sink.stdout"), whether
 * iocd.conf enables it or not, given every metric (no publish on change):
 * iocd --dry-run prints records without starting any other sink, so no
 * broker is ever connected to. */
struct pipeline *pipeline_new_only(const struct config *config, const char *section);

struct pipeline_batch;

/* What the KPI layer needs of a metric besides its text: known to the
 * caller from normalize (struct normalized) and the instance. */
struct publish_facts {
    const char *source;      /* the instance's source name ("dvc") */
    const char *metric;      /* the metric name ("tthc.online_rate") */
    int status;              /* enum normalize_status */
    int64_t data_ms;         /* how recent its data is (wall ms) */
    int64_t interval_ms;     /* how often its instance polls */
    int64_t refresh_ms;      /* the catalogue's expected refresh; 0 = interval × FRESH_FACTOR */
    int64_t max_age_ms;      /* the catalogue's maximum data age; 0 = none */
    /* Where the metric waits for the rest of its poll (the instance's
     * batch); NULL = handed to the sinks at once. */
    struct pipeline_batch *batch;
};

/* Hand one metric to every sink. A sink whose broker is taking metrics
 * more slowly than they come may make this wait for room in its outbox
 * until `wait_until_ms` (monotonic; 0 = never wait). Returns 0, or -1 when
 * out of memory. */
int pipeline_publish(struct pipeline *p, const char *series, const char *json, size_t json_len,
                     uint64_t seq, const struct publish_facts *facts, int64_t wait_until_ms);

/* The end of a poll of `source`: a success (`ok`) is its summary's
 * last_success; `confirmed` (the feed answered "not modified" and nothing
 * was emitted) counts as seeing every series of the source again. Publishes
 * the source's summary (retained, PREFIX/PROVINCE/_summary/<source>) after
 * every successful poll, and after a failed one if its counts changed. */
void pipeline_poll_done(struct pipeline *p, const char *source, bool ok, bool confirmed);
/* A poll of `source` starts: until its pipeline_poll_done, its series are
 * not judged "not seen" (a poll slowed by backpressure is no stale feed;
 * a poll is bounded by its timeout). */
void pipeline_poll_begin(struct pipeline *p, const char *source);

/* A poll's metrics on their way to the sinks: pipeline_publish adds each
 * to one list per sink, handed over whole (sink publish_batch: one lock and
 * one wake-up of the sink's thread per batch, not per metric) when it
 * reaches PIPELINE_BATCH metrics and at the end of the poll
 * (pipeline_batch_flush). One per connector instance; not thread-safe:
 * its owner serialises publish and flush (instance.c: encode_lock). A
 * full outbox still holds the poll back: the hand-over waits for room
 * until the last publish's `wait_until_ms`, then drops the oldest. */
#define PIPELINE_BATCH 256
/* NULL when out of memory (then metrics go one at a time). */
struct pipeline_batch *pipeline_batch_new(struct pipeline *p);
void pipeline_batch_flush(struct pipeline_batch *b);
/* Flushes what is left, then frees. */
void pipeline_batch_free(struct pipeline_batch *b);

/* True when the durable outbox carries the metrics. */
bool pipeline_durable(const struct pipeline *p);
/* The end of a poll with the durable outbox: what was appended is made
 * durable (per [outbox] fsync) and handed to the sinks; only then may the
 * instance save its connector's state. 0, or -1 when an fsync failed.
 * 0 at once without the durable outbox. Any thread. */
int pipeline_commit(struct pipeline *p);
struct outlog_stats;
/* The durable outbox's figures (outlog.h); false without one. Any thread. */
bool pipeline_outbox_stats(struct pipeline *p, struct outlog_stats *out);

/* A connector's health for status topics: its JSON payload
 * (status_json.h), STATUS_JSON_OFFLINE when it stopped. */
void pipeline_status(struct pipeline *p, const char *instance, const char *text);

/* Push buffered output out (end of a poll). */
void pipeline_flush(struct pipeline *p);

/* Deliver what is pending, all sinks in parallel, until `timeout_ms` has
 * passed; each sink logs what it delivered and what it could not. Returns
 * the number of metrics not delivered, all sinks together. */
size_t pipeline_stop(struct pipeline *p, int64_t timeout_ms);

/* Housekeeping of the series state, from the daemon's main loop: it is
 * saved every [iocd] series_save_interval (pipeline_keep_series); series
 * not seen for [sink.mqtt] retire_after leave it and each sink clears
 * what it keeps of them (a zero-length retained message on MQTT), logged
 * with a count; a sink whose broker started a fresh session gets every
 * series' last value again, paced (a shard at a time while its outbox is
 * short), counted as `resent`; and the freshness sweep: 8 of the series
 * state's 64 shards per call, a series found stale re-published with its
 * marker and alerted. Returns how long until it has something to do (ms),
 * at most 100 (the sweep's step). */
int64_t pipeline_tick(struct pipeline *p, int64_t now_ms);

/* The series state across restarts (series_store.h): read
 * STATE_DIR/series.cache (series@INSTANCE.cache when `instance` is not
 * NULL: iocd --connector INSTANCE) into the series state - call it before any poll
 * - and from then on save it every `save_every_ms` from pipeline_tick (0:
 * only at pipeline_save_series). With `republish` the file is not read:
 * every series is published at its first poll. Logs what it found: no
 * file (info), restored counts (info), a refused file with the reason
 * (warning, and the daemon starts with an empty cache). Not calling it
 * (iocd --once) neither reads nor writes the file. Main thread. */
void pipeline_keep_series(struct pipeline *p, const char *state_dir, const char *instance,
                          int64_t save_every_ms, bool republish);

/* Save the series state now (at shutdown, after pipeline_stop: what a
 * sink could not deliver is saved as never published by it). Logs the
 * count, or why it failed. Nothing without pipeline_keep_series. */
void pipeline_save_series(struct pipeline *p);

void pipeline_log_counters(struct pipeline *p);

struct sink_stats;
/* A snapshot of each enabled sink (sink.h), at most `max`, in the order
 * they were started; returns how many. Any thread. */
size_t pipeline_sink_stats(struct pipeline *p, struct sink_stats *out, size_t max, int64_t now_ms);
/* The series of `source` now in the series state, and how many of them
 * are stale. False (zeros) for a source that published nothing yet. Any
 * thread. */
bool pipeline_source_series(struct pipeline *p, const char *source, uint64_t *series,
                            uint64_t *stale);
uint64_t pipeline_published(const struct pipeline *p);
/* After pipeline_stop: each sink's own figures for the stop line,
 * "; mqtt: D delivered, X dropped, L left; kafka: ..." (sink_tally_text). */
void pipeline_tally_text(const struct pipeline *p, char *buf, size_t len);
void pipeline_free(struct pipeline *p);

#endif
