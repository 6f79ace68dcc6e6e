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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sinks that publish on change, at most (stdout, MQTT and Kafka exist). */
#define SERIES_SLOTS 4

struct series;

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
    /* Room for the KPI layer (issue 12), kept here, not in a second cache:
     * data age from the record's own ts/period, the stale marker and the
     * alert state (none/breach/stale) with the time it was entered. */
    int64_t data_ts_ms;
    uint8_t stale;
    uint8_t alert;
};

/* An empty table; NULL when out of memory. */
struct series *series_new(void);
void series_free(struct series *t);

/* What series_observe decided for one metric. */
struct series_verdict {
    bool changed;   /* first seen, or its content differs from the last one */
    unsigned due;   /* bit i: on-change slot i publishes it (changed, or
                       refresh_ms[i] has passed since slot i last did) */
};

/* Record `m` as its series' last value (takes a reference, drops the
 * previous one) and decide for each of `slots` on-change sinks whether it
 * is published; a slot that publishes has its time set to `mono_ms`.
 * Returns -1 (nothing recorded, every slot due) when out of memory. */
int series_observe(struct series *t, struct metric *m, int64_t mono_ms, int64_t wall_ms,
                   const int64_t *refresh_ms, unsigned slots, struct series_verdict *v);

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
