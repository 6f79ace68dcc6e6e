/*
 * disklog_record - what one record of the durable outbox (disklog.h)
 * holds, and where it is: shared by the log and its file format
 * (disklog_format.h), which must not include each other.
 */
#ifndef IOCD_DISKLOG_RECORD_H
#define IOCD_DISKLOG_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* The largest payload of one record (a metric's JSON is a few hundred
 * bytes): a bigger one is refused by append, and a frame claiming more
 * is corrupt. */
#define DISKLOG_MAX_RECORD (256u * 1024)

/* Where a record is: its segment and the offset of its frame. Ordered by
 * segment, then offset. */
struct disklog_pos {
    uint64_t segment;
    uint64_t offset;
};

/* One record: what a sink needs to rebuild a metric (metric.h). Appended
 * by the caller (pointers to its own memory, pos ignored); returned by
 * disklog_read with pointers into the sink's read window. */
struct disklog_record {
    struct disklog_pos pos;
    uint8_t kind;   /* enum metric_kind */
    uint32_t sinks; /* bit i: sink i of the names given to disklog_open takes it
                       (publish-on-change skips some records for MQTT, not Kafka) */
    uint64_t seq;
    const char *source; /* "dvc" */
    size_t source_len;
    const char *series; /* the Kafka key */
    size_t series_len;
    const char *topic;  /* the MQTT topic */
    size_t topic_len;
    const char *json;   /* the message, may be empty (a retained clear) */
    size_t json_len;
};

#endif
