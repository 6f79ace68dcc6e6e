/*
 * metric - one published metric record, shared by every sink.
 *
 * Normalize produces the record once; each sink's outbox holds a
 * reference until its broker has acknowledged it, so one allocation
 * serves stdout, MQTT and Kafka alike and is freed by whichever lets go
 * last. The series key, the MQTT topic and the JSON text live in the same
 * block as the struct. Reference counting is atomic: thread-safe.
 */
#ifndef IOCD_METRIC_H
#define IOCD_METRIC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* What a message is, for the sinks that treat kinds differently
 * (docs/metric-record.md "Freshness" and "Alerts"). */
enum metric_kind {
    METRIC_RECORD, /* a metric record (or a retired series' clearing message): every sink */
    METRIC_SCREEN, /* state for screens only (a stale-marked record, a source summary):
                      MQTT, retained; Kafka and stdout skip it */
    METRIC_ALERT,  /* an alert: MQTT never retained, Kafka keyed _alert/<series>; stdout skips it */
};

struct metric {
    atomic_int refs;
    uint8_t kind;       /* enum metric_kind; METRIC_RECORD unless set after metric_new */
    uint64_t seq;
    const char *series; /* "dvc/tthc.received/32002/online": the Kafka key */
    size_t series_len;
    const char *topic;  /* "ioc/v1/96/dvc/tthc.received/32002/online" */
    const char *json;   /* the record, one line, no newline */
    size_t json_len;
    size_t size;        /* bytes of the whole block, for memory bounds */
    /* Where the durable outbox holds it (disklog.h: segment, frame
     * offset), for the sink's acknowledgement; segment 0 = not from the
     * log (the memory outbox, a re-publish for a fresh session). */
    uint64_t log_segment, log_offset;
};

/* Is `m` a record read back from the durable outbox, to be acknowledged
 * there once its broker took it? */
static inline int metric_logged(const struct metric *m) { return m->log_segment != 0; }

/* A new metric with one reference; topic = topic_prefix/province/series.
 * NULL when out of memory. */
struct metric *metric_new(const char *topic_prefix, const char *province, const char *series,
                          const char *json, size_t json_len, uint64_t seq);
/* A zero-length message for the topic and series of `m` (its seq kept for
 * log lines): on MQTT, a retained one clears the topic. NULL when out of
 * memory. */
struct metric *metric_clear(const struct metric *m);
/* A message with the topic, series and seq of `m` and the text `json`
 * (e.g. its record with a stale marker). NULL when out of memory. */
struct metric *metric_like(const struct metric *m, const char *json, size_t json_len);
/* A message rebuilt from its stored parts (the durable outbox): `topic`
 * as stored, not built from a prefix; strings need not be NUL-terminated.
 * NULL when out of memory. */
struct metric *metric_from_parts(uint8_t kind, uint64_t seq, const char *series,
                                 size_t series_len, const char *topic, size_t topic_len,
                                 const char *json, size_t json_len);
struct metric *metric_ref(struct metric *m);
void metric_unref(struct metric *m);

#endif
