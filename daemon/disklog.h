/*
 * disklog - the durable outbox (issue 15): one append-only log of encoded
 * metrics in a directory, written once and shared by every sink, each
 * sink reading it from its own acknowledged position.
 *
 * The one design idea: the log is the queue. The pipeline appends a poll's
 * metrics and commits them (one fsync per poll by default); each sink
 * reads forward from its own position and acknowledges what its broker
 * accepted, in any order; what a sink has acknowledged is summed up as one
 * position - its lowest unacknowledged record - persisted in a small
 * positions file. A segment file is deleted when every sink's position has
 * passed it. After a crash each sink replays from its position: delivery
 * is at-least-once, duplicates bounded by what was in flight.
 *
 * On disk (docs/design.md "Durable outbox" has the full layout): segment
 * files NNNNNNNNNNNNNNNNNNNN.seg (20 digits), rotated at `segment_bytes`,
 * each starting with a 32-byte header ("IOCDLOG\0", version, segment
 * number, creation time), then frames: sync word, payload length, CRC-32C
 * of length and payload, payload (kind, sink mask, seq, source, series,
 * topic, json); the sinks' positions in DIR/positions
 * (disklog_positions.h). A torn tail is truncated at open; a corrupt record in the
 * middle is skipped (resync on the next sync word whose frame checks) and
 * counted; a file that is not ours is refused.
 *
 * Bounds: `max_disk` - over it, the oldest whole segments are dropped and
 * the records some sink had not acknowledged are counted (dropped_full).
 * A write that fails (ENOSPC, EIO) drops the oldest segment to make room
 * and retries once, else refuses the rest of the batch (counted); the next
 * append tries again, so the log recovers by itself when space returns.
 * Memory: per sink a read window (`read_window` bytes), never a segment.
 *
 * Thread-safety: every function may be called from any thread, but the
 * writer side (append_batch, commit) from one thread at a time and each
 * sink's reads from one thread at a time; acks may come
 * from another thread (MQTT's callback). File reads of a sink and the
 * writer's fsync run outside the log's lock.
 */
#ifndef IOCD_DISKLOG_H
#define IOCD_DISKLOG_H

#include "disklog_record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disklog;

#define DISKLOG_MAX_SINKS 16

/* When commit makes the log durable. */
enum disklog_fsync {
    DISKLOG_FSYNC_POLL,     /* every commit (every poll): nothing committed is lost */
    DISKLOG_FSYNC_INTERVAL, /* at most every fsync_interval_ms: a power cut loses up to
                               that long of metrics; a crash of iocd alone loses nothing */
    DISKLOG_FSYNC_NEVER,    /* the kernel decides: a power cut or kernel crash loses what
                               it had not written (tens of seconds) */
};

/* Zero fields take the defaults named. */
struct disklog_limits {
    uint64_t segment_bytes;        /* rotate at this size; 8 MiB; at most max_disk / 2 */
    uint64_t max_disk;             /* every segment together; 1 GiB */
    enum disklog_fsync fsync;      /* DISKLOG_FSYNC_POLL */
    int64_t fsync_interval_ms;     /* for DISKLOG_FSYNC_INTERVAL; 1000 */
    int64_t positions_interval_ms; /* acknowledged positions written at most this often
                                      between commits; 100 (not fsync'ed but at close:
                                      a position bounds duplicates, never loss) */
    size_t read_window;            /* bytes one disklog_read returns at most; 1 MiB
                                      (never less than DISKLOG_MAX_RECORD) */
};

struct disklog_counters {
    uint64_t appended;     /* records appended by this run */
    uint64_t commits;
    uint64_t fsyncs;       /* of segments, directory and positions file */
    uint64_t disk_bytes;   /* every segment together, now */
    uint64_t segments;     /* segment files, now */
    uint64_t dropped_full; /* records dropped with their segment (max_disk, or to make room
                              after a failed write) before every sink took them */
    uint64_t refused;      /* records append refused: a failed write, no room to make */
    uint64_t corrupt;      /* corrupt regions skipped in the middle of the log */
    uint64_t truncated;    /* bytes cut from torn tails at open */
    uint64_t io_errors;    /* failed writes, fsyncs, opens */
    int last_error;        /* errno of the last I/O error, 0 = none yet */
    bool failing;          /* the last write failed; false again once one succeeds */
};

/* Open (creating it if needed) the log in `dir` for sinks[0..nsinks)
 * (names such as "mqtt", "kafka"; at most DISKLOG_MAX_SINKS). A NULL name
 * is an unused slot: its bit stays reserved (a sink not enabled in this
 * run keeps its bit number, so the masks of records written by an
 * earlier run keep their meaning) but it reads nothing, holds no segment
 * back and is not in the positions file; at least one name is needed. Recovery:
 * every segment is checked frame by frame (torn tail truncated, corrupt
 * middle skipped, each logged with file and offset), each sink starts at
 * its persisted position (a sink not in the positions file, or all of them
 * when there is none, at the oldest record). NULL with `err` filled when
 * the directory cannot be used or a file in it is not ours (wrong magic
 * or version: the message names it) or another process has the log open
 * (DIR/lock is flock'ed while a log is open). */
struct disklog *disklog_open(const char *dir, const struct disklog_limits *limits,
                             const char *const *sinks, size_t nsinks, char *err, size_t errlen);
/* Write the positions (durably unless fsync = never) and release
 * everything. What was appended but not committed is kept on disk (it was
 * written), delivered at the next open. NULL is fine. */
void disklog_close(struct disklog *log);

/* Append recs[0..n) in order (not yet visible to sinks: see commit).
 * Returns how many were appended: fewer than n when a write failed and no
 * room could be made (the rest are counted as refused), or when a record
 * is over DISKLOG_MAX_RECORD (refused, logged). */
size_t disklog_append_batch(struct disklog *log, const struct disklog_record *recs, size_t n);
/* Make what was appended durable (per the fsync policy), visible to the
 * sinks, and write the positions if they moved. 0, or -1 when an fsync
 * failed (counted as an I/O error; the records stay visible). */
int disklog_commit(struct disklog *log);

/* Up to `max` of the next records for sink `sink` (its index at open), in
 * log order, from its read position; the records whose mask leaves the
 * sink out are passed over. Strings point into the sink's read window:
 * valid until its next read. Each record returned is in flight
 * until acknowledged. Returns 0 when nothing committed is left. */
size_t disklog_read(struct disklog *log, unsigned sink, struct disklog_record *out, size_t max);
/* Sink `sink`'s broker accepted the record at `pos` (any order; an
 * unknown or repeated position is ignored). The sink's acknowledged
 * position becomes its lowest record still in flight (or its read
 * position); segments every sink passed are deleted. */
void disklog_ack(struct disklog *log, unsigned sink, struct disklog_pos pos);
/* Sink `sink`'s acknowledged position (what the positions file gets). */
struct disklog_pos disklog_acked(struct disklog *log, unsigned sink);

/* For a sink that sleeps in poll(2) (sink_mqtt's thread): `fd`, an
 * eventfd (EFD_NONBLOCK), is written to by each commit that makes new
 * records visible, whether they are for that sink or not. -1 = none. */
void disklog_set_notify_fd(struct disklog *log, unsigned sink, int fd);
/* Bytes of the log at or after sink `sink`'s acknowledged position (its
 * backlog, frames and headers included): for status lines. */
uint64_t disklog_backlog_bytes(struct disklog *log, unsigned sink);

void disklog_counters(struct disklog *log, struct disklog_counters *out);
/* Records dropped (dropped_full) since the last call: for a caller that
 * logs drops at most once a minute. */
uint64_t disklog_take_dropped(struct disklog *log);

#endif
