/*
 * series - the per-series state: one entry per series key, the last value
 * seen and when, and when each on-change sink last published it.
 *
 * The one design idea: the entry keeps a reference to the last struct
 * metric itself (the record's text, its series key and its MQTT topic), so
 * "the last value" is exactly what was published (value, unit, target and
 * status, period, area, dims, ratio), a change is decided by comparing two
 * records' text, and re-publishing a series' last value (a broker that lost
 * its retained store, a retired series' topic) needs nothing rebuilt. This
 * is the one copy: publish-on-change (issue 13), freshness and alerts
 * (issue 12) read and update the same entry; nothing keeps a second cache.
 *
 * What is a change (docs/metric-record.md "Publish on change"): any
 * difference in the record other than its `ts` and its `seq`. A new `ts`
 * alone is not a change, nor a new `seq`; a different value, unit, target
 * (value, op, status), period, area (name, mapped_from), dims or ratio is.
 * A series seen for the first time is a change.
 *
 * Threads: series_observe is called by the connector threads (through
 * pipeline_publish, one call per metric); series_retire by the daemon's
 * main loop; series_foreach by whoever re-publishes. The table is cut into
 * SERIES_SHARDS shards by the key's hash, each with its own mutex held only
 * for a lookup and a few stores (never across a call into a broker
 * client; only series_each_in_shard pushes into outboxes under it, whose
 * lock is a leaf), so connectors rarely meet on a lock and the one lock
 * order (shard, then outbox) cannot be reversed. Thread-safe.
 */
#ifndef IOCD_SERIES_H
#define IOCD_SERIES_H

#include "metric.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sinks that publish on change, at most (stdout, MQTT and Kafka exist). */
#define SERIES_SLOTS 4

struct series;

/* The alert states of a series (series_entry.alert, bits): entering or
 * leaving one is an alert (docs/metric-record.md "Alerts"). */
#define SERIES_ALERT_BREACH 1u
#define SERIES_ALERT_STALE 2u
#define SERIES_ALERT_STATES 2

/* Counts of one source's series, kept by the table as its entries change
 * (for the source's summary). `changes` goes up with any of them. */
struct series_owner {
    atomic_long series, stale, breach;
    atomic_uint changes;
    /* A poll of the source that confirmed its data unchanged (HTTP 304)
     * counts as seeing every series of it (monotonic ms; 0 = never). */
    atomic_int_fast64_t confirmed_mono_ms;
    /* Polls of the source under way: while one is, its series are not
     * judged "not seen" (the data is being fetched; a slow poll under
     * backpressure is not a stale feed). At most a poll's timeout. */
    atomic_int polling;
};

/* What the KPI layer knows of one observation, besides its record. */
struct series_kpi {
    struct series_owner *owner; /* its source's counts; NULL = none kept */
    int64_t data_ms;            /* how recent its data is (wall ms) */
    int64_t refresh_ms;         /* not seen for this long = stale; 0 = never */
    int64_t max_age_ms;         /* data older than this = stale; 0 = no limit */
    bool breach;                /* the record's status is breach */
};

/* Per-series state. Owned by the table; seen under its shard's lock only
 * (series_foreach hands a copy of what a caller may use). */
struct series_entry {
    struct series_entry *next; /* hash chain */
    uint64_t hash;
    struct metric *last;       /* the last observation (a reference) */
    int64_t seen_mono_ms;      /* when last seen: monotonic, for ages */
    int64_t seen_wall_ms;      /* and wall-clock, for people */
    int64_t changed_mono_ms;   /* when its content last changed */
    int64_t published_mono_ms[SERIES_SLOTS]; /* per on-change sink; 0 = never */
    /* The KPI layer (issue 12), kept here, not in a second cache: data
     * age from the record's own ts/period, the stale marker and the alert
     * state (SERIES_ALERT_* bits) with the wall time each was entered. */
    int64_t data_ts_ms;
    uint8_t stale;
    uint8_t alert;
    int64_t refresh_ms, max_age_ms;              /* from the last observation's facts */
    int64_t since_wall_ms[SERIES_ALERT_STATES];  /* breach, stale: when entered */
    struct series_owner *owner;
};

/* An empty table; NULL when out of memory. */
struct series *series_new(void);
void series_free(struct series *t);

/* What series_observe decided for one metric. */
struct series_verdict {
    bool changed;   /* first seen, or its content differs from the last one */
    unsigned due;   /* bit i: on-change slot i publishes it (changed, or
                       refresh_ms[i] has passed since slot i last did, or it
                       turned stale by old data or fresh again) */
    /* With KPI facts: the alert states before and after this observation
     * and when each state was entered (wall ms; for one just left, when it
     * had been entered). */
    uint8_t alert_before, alert_after;
    int64_t since_wall_ms[SERIES_ALERT_STATES];
};

/* Record `m` as its series' last value (takes a reference, drops the
 * previous one) and decide for each of `slots` on-change sinks whether it
 * is published; a slot that publishes has its time set to `mono_ms`.
 * With `kpi` (may be NULL), also keep its freshness and alert state: its
 * data older than kpi->max_age_ms makes it stale at once; recent data
 * makes a stale series fresh again; either turn is a change, which every
 * slot publishes.
 * Returns -1 (nothing recorded, every slot due) when out of memory. */
int series_observe(struct series *t, struct metric *m, int64_t mono_ms, int64_t wall_ms,
                   const int64_t *refresh_ms, unsigned slots, const struct series_kpi *kpi,
                   struct series_verdict *v);

/* A series the sweep found stale: its last metric (the callback must not
 * keep it without metric_ref), why, and its alert states. */
struct series_turn {
    struct metric *last;
    struct series_owner *owner;
    bool old_data;          /* its data is too old (else: not seen) */
    int64_t data_ms;        /* how recent its data is (wall ms) */
    int64_t since_wall_ms;  /* when it turned stale */
    uint8_t alert_before, alert_after;
};

/* Turn stale every series of shard `shard` not seen (nor confirmed by its
 * owner) for its refresh_ms, or whose data is older than its max_age_ms,
 * calling `turned` for each under the shard's lock, with the rules of
 * series_each_in_shard (quick, no call into series, push without
 * waiting): so the marker it hands on is ordered before any newer
 * observation of the series. Bounded work: one shard. Returns how many
 * turned stale. */
size_t series_sweep(struct series *t, size_t shard, int64_t mono_ms, int64_t wall_ms,
                    void (*turned)(void *arg, const struct series_turn *turn), void *arg);

/* True when the records `a` and `b` differ in anything but `ts` and `seq`
 * (the rule above). Both are records written by normalize. */
bool series_record_changed(const char *a, size_t alen, const char *b, size_t blen);

/* Remove every series not seen since `mono_ms - idle_ms`; `gone` (may be
 * NULL) is called for each with its last metric, outside any lock, before
 * the entry is freed. Returns how many were removed. */
size_t series_retire(struct series *t, int64_t mono_ms, int64_t idle_ms,
                     void (*gone)(void *arg, struct metric *last), void *arg);

/* Call `fn` with a reference-holding snapshot of every series' last metric
 * (outside the locks; `fn` must not keep it without metric_ref). */
size_t series_foreach(struct series *t, void (*fn)(void *arg, struct metric *last), void *arg);

/* Shards of the table: series_each_in_shard visits one, so a caller can
 * spread a walk of every series over time (pacing). */
#define SERIES_SHARDS 64

/* Call `fn` with the last metric of every series of shard `shard`, under
 * that shard's lock: `fn` must be quick and must not call into series nor
 * anything that may wait (pushing into an outbox without waiting is fine:
 * the outbox's lock never leads back here). Under the lock, what `fn`
 * hands on is the series' newest value: a connector's newer observation is
 * recorded (under the same lock) either before, and is then what `fn`
 * gets, or after, and is then handed on after it. Returns the count. */
size_t series_each_in_shard(struct series *t, size_t shard,
                            void (*fn)(void *arg, struct metric *last), void *arg);

size_t series_count(struct series *t);

/* Saving and restoring the table across a restart (series_store.h). */

/* One series' state as saved: its last metric and when it was seen and
 * published (monotonic; published 0 = never). */
struct series_saved {
    struct metric *last;
    int64_t seen_mono_ms;
    int64_t seen_wall_ms;
    int64_t published_mono_ms[SERIES_SLOTS];
};

/* Call `fn` with a copy of every series' saved state, outside the locks
 * (a shard's entries are copied under its lock, with a reference to each
 * last metric, then handed over one by one); `fn` must not keep `last`
 * without metric_ref. Returns the count, or (size_t)-1 when out of memory
 * (some series were then not visited). */
size_t series_each_saved(struct series *t, void (*fn)(void *arg, const struct series_saved *s),
                         void *arg);

/* Put a saved series back (takes a reference to s->last): its published
 * times make an unchanged value wait for its refresh as if the daemon had
 * never stopped. Returns 1 when restored, 0 when the series is already
 * there (left as it is), -1 when out of memory. */
int series_restore(struct series *t, const struct series_saved *s);

#endif
