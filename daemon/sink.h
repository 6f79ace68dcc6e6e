/*
 * sink - what every output (stdout, MQTT, Kafka) looks like to the
 * pipeline.
 *
 * A sink owns its broker connection. `publish` hands the metric to the
 * sink's outbox (or, for stdout, writes it). It never waits for a broker
 * that is away; while the broker is taking metrics but more slowly than
 * they come, it may wait for room in the outbox until `wait_until_ms`
 * (backpressure: the emitting poll slows down instead of the outbox
 * dropping what it could still deliver). `status` publishes a connector's health where the sink has a place
 * for it (MQTT status topics). `stop` delivers what it can within the
 * deadline and returns how many metrics it could not deliver. Each sink
 * logs its own counters in one line, and accounts for every record it
 * took (`tally`): delivered + dropped + left at shutdown = taken, the
 * figures of the daemon's stop line, per sink, never summed.
 *
 * The sinks iocd has are the rows of one table, sink_kinds[] (sink_table.c):
 * each row names the sink's [sink.NAME] section, its key table, its checks
 * and its constructor. The configuration loader walks the table to check
 * iocd.conf and the pipeline walks it to start what is enabled, so adding
 * a sink is one new file (sink_NAME.c, defining `sink_NAME_kind`) and one
 * row; neither the loader nor the pipeline names a sink.
 */
#ifndef IOCD_SINK_H
#define IOCD_SINK_H

#include "diag.h"
#include "disklog.h"
#include "keytable.h"
#include "metric.h"
#include "outbox.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink;

/* What a sink did with the records it took (outbox_is_record: KPI
 * messages and clearing messages are not counted, by any sink). After
 * `stop`, delivered + dropped + left = taken. */
struct sink_tally {
    uint64_t taken;     /* records handed to the sink (its outbox) */
    uint64_t delivered; /* acknowledged by the broker */
    uint64_t dropped;   /* lost while running: outbox full, requeue overflow, refused */
    uint64_t left;      /* not delivered at shutdown: waiting, in flight, purged */
};

/* What a sink tells the operators (/metrics, /health) and the watchdog. */
struct sink_stats {
    const char *name;       /* "mqtt" */
    bool connected;         /* its broker connection is up (as far as it knows) */
    uint64_t queued;        /* metrics handed to it since start */
    uint64_t delivered;     /* acknowledged by the broker */
    uint64_t dropped;       /* lost: outbox full, refused by the client library, ... */
    uint64_t in_flight;     /* sent, acknowledgement awaited */
    uint64_t outbox_length; /* waiting in its outbox */
    uint64_t outbox_bytes;  /* their size */
    /* How long the sink has had metrics to deliver while waiting on a
     * broker that gives no answer at all (ms; 0 = not waiting): a TCP
     * connection whose CONNECT or PUBLISH goes unanswered. A broker that
     * refuses or is down answers (the sink backs off and retries: that is
     * progress); an idle sink waits on nothing. The watchdog's measure of
     * a wedged sink (watchdog.h). */
    int64_t stalled_ms;
};

struct sink_ops {
    const char *name;
    /* True for a sink that holds the screens' state (MQTT): it takes
     * METRIC_SCREEN messages, among them a stale series' marked record in
     * place of the plain one. Others get the plain record (Kafka keeps
     * every observation as it came). */
    bool screens;
    /* wait_until_ms: monotonic; 0 = never wait. */
    void (*publish)(struct sink *s, struct metric *m, int64_t wait_until_ms);
    /* The same for items[0..n) in order (a poll's metrics, gathered by the
     * pipeline): one hand-over, one wake-up of the sink's thread. Takes
     * its own references. May be NULL (then `publish` is called for each). */
    void (*publish_batch)(struct sink *s, struct metric *const *items, size_t n,
                          int64_t wait_until_ms);
    /* May be NULL. `text`: the status payload (status_json.h). */
    void (*status)(struct sink *s, const char *instance, const char *text);
    /* Deliver what is pending until `deadline_ms` (monotonic); returns the
     * number of metrics not delivered. */
    size_t (*stop)(struct sink *s, int64_t deadline_ms);
    void (*log_counters)(struct sink *s);
    /* Push buffered output out, at the end of every poll. May be NULL. */
    void (*flush)(struct sink *s);
    /* The series of `last` left the series state (not seen for
     * retire_after): clear what the sink keeps of it (MQTT: a zero-length
     * retained message on its topic). May be NULL. */
    void (*retire)(struct sink *s, struct metric *last);
    /* True once after the broker started a fresh session for us (MQTT:
     * a reconnection whose CONNACK said session-present 0; the broker may
     * have lost its retained store): the pipeline then re-publishes every
     * series' last value through `publish`, paced by `pending`. May be
     * NULL. */
    bool (*take_fresh_session)(struct sink *s);
    /* The series state was restored from the last run (series_store): if
     * the broker turns out to have lost its retained store while iocd was
     * stopped, the sink reports a fresh session (take_fresh_session), so
     * that the restored values are re-published. May be NULL. */
    void (*restored)(struct sink *s);
    /* Metrics waiting in the sink's outbox now. May be NULL. */
    size_t (*pending)(struct sink *s);
    /* Its records' accounting (complete after `stop`). NULL for a sink
     * that does not queue (stdout writes at once). */
    void (*tally)(struct sink *s, struct sink_tally *out);
    /* A snapshot of the sink's counters for /metrics, /health and the
     * watchdog (struct sink_stats), taken at monotonic `now_ms`; any
     * thread. May be NULL (then only its name is known). */
    void (*stats)(struct sink *s, struct sink_stats *out, int64_t now_ms);
    void (*free)(struct sink *s);
};

/* The pipeline decides publish-on-change for a sink whose section has
 * `on_change` (and `refresh`), before its outbox; what it skips is counted
 * here and shown in the sink's counters line as `unchanged=`. */
struct sink {
    const struct sink_ops *ops;
    atomic_uint_fast64_t unchanged; /* metrics not handed over: unchanged, refresh not due */
    atomic_uint_fast64_t retired;   /* series whose retained state was cleared */
    atomic_uint_fast64_t resent;    /* last values re-published for a fresh session */
    /* The durable outbox this sink reads (its records come from it
     * through logfeed.h), and its slot there; NULL = the memory outbox. */
    struct disklog *log;
    unsigned log_slot;
};

/* The sink is done with `m` for good: its broker took it (or refused it
 * for good, counted as dropped). A record read from the durable outbox is
 * then acknowledged there, so it is not sent again after a restart. Call
 * it where the sink counts a metric delivered or dropped; never for one
 * that goes back to the outbox. Any thread. */
static inline void sink_settled(struct sink *s, const struct metric *m)
{
    if (s->log && metric_logged(m))
        disklog_ack(s->log, s->log_slot,
                    (struct disklog_pos){m->log_segment, m->log_offset});
}

/* What every sink is created with, besides its own section. */
struct sink_setup {
    const char *province;               /* "96" */
    const struct outbox_limits *limits; /* [outbox] */
    /* The metric catalogue as JSON (docs/catalog.md), for the screens;
     * valid during create only: copy it to keep it. */
    const char *catalog_json;
    /* The durable outbox the sink is fed from, and its slot there; NULL =
     * the memory outbox. A sink that queues sets its `log` and
     * `log_slot` from these and makes its outbox the log's window
     * (sink_use_log). */
    struct disklog *log;
    unsigned log_slot;
};

/* For a sink's create: adopt setup's durable outbox, if any (s->log,
 * s->log_slot; `o` becomes a window that never drops the log's records,
 * outbox_set_durable_window). */
static inline void sink_use_log(struct sink *s, struct outbox *o, const struct sink_setup *setup)
{
    s->log = setup->log;
    s->log_slot = setup->log_slot;
    if (setup->log)
        outbox_set_durable_window(o);
}

/* One kind of sink: a row of sink_kinds[]. */
struct sink_kind {
    const char *section;               /* "sink.mqtt" */
    const struct ioc_config_key *keys; /* its keys; must have a bool "enabled" */
    /* Keys with this prefix ("kafka.") are handed to the library behind the
     * sink; `check` judges them. NULL = none. */
    const char *passthrough;
    /* Checks beyond key types (ranges, files, pairs), each mistake added to
     * `d` at file:line. Called when the section is present. May be NULL. */
    void (*check)(const struct config_section *sec, struct diag *d);
    /* Create and start (never blocks on a broker). NULL with a logged error
     * when the sink cannot be set up. */
    struct sink *(*create)(const struct config_section *sec, const struct sink_setup *setup);
    /* Its records go through the durable outbox when [outbox] dir is set
     * (a sink with a broker to wait for); false: written at once (stdout). */
    bool durable;
};

/* Every kind of sink, NULL-terminated, in the order they are started. */
extern const struct sink_kind *const sink_kinds[];

/* The stop line's per-sink part for sinks[0..n) that keep a tally, after
 * their `stop`: "; mqtt: 120005 delivered, 135995 dropped, 0 left", with
 * " of T taken" where a sink took other than `published` records
 * (on_change skipped unchanged ones, a fresh session re-sent some). */
void sink_tally_text(struct sink *const *sinks, size_t n, uint64_t published, char *buf,
                     size_t len);

/* The sink's own last line at shutdown, from its tally: "every metric
 * delivered (N in all)" only when nothing was ever dropped (`dropped_any`
 * counts KPI messages too) and nothing is left; else the figures. */
void sink_tally_log(const char *name, const struct sink_tally *t, uint64_t dropped_any,
                    uint64_t delivered_all, const char *detail);

/* A broker counts as taking metrics (so publish may wait for room) when it
 * acknowledged one within this long. */
#define SINK_FLOWING_MS 2000

/* How long publish may wait for room: until `wait_until_ms` if the broker
 * acknowledged something at `last_ack_ms` (monotonic, 0 = never) within
 * SINK_FLOWING_MS of `now_ms`, else not at all. */
static inline int64_t sink_wait_until(int64_t wait_until_ms, int64_t last_ack_ms, int64_t now_ms)
{
    return last_ack_ms > 0 && now_ms - last_ack_ms < SINK_FLOWING_MS ? wait_until_ms : 0;
}

#endif
