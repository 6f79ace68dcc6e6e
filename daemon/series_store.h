/*
 * series_store - the series state (series.h) saved in a file, so that a
 * restart does not re-publish every series (issue 13 item 4).
 *
 * The one design idea: the file holds what publish-on-change decides
 * with, in wall-clock time - for each series its last record (series key,
 * JSON text, seq), when it was last seen and, per on-change sink *by
 * name*, when that sink last published it - and loading converts those
 * times back to the monotonic clock, so an unchanged value waits for its
 * `refresh` as if the daemon had never stopped, and a changed one is
 * published at once. A sink added since is "never published" (it gets
 * every series at once); a sink removed since is ignored.
 *
 * The file (STATE_DIR/series.cache) is all or nothing: written to a
 * temporary file, fsync'ed and renamed; read whole, and refused whole
 * (the caller starts with an empty cache) when its magic, version,
 * lengths or checksum are wrong. Format, all integers little-endian:
 *
 *   "IOCDSERS" u32 version(1) u32 slots i64 saved_wall_ms
 *   slots x { u16 name_len, name }
 *   then, up to the checksum, one per series:
 *           { u32 key_len, key, u32 json_len, json, u64 seq,
 *             i64 seen_wall_ms, slots x i64 published_wall_ms (0 = never) }
 *   u64 FNV-1a 64 of every byte before it
 *
 * Neither function logs: they return what happened (counts, or a reason
 * naming the file) for the caller to log. Not thread-safe by itself: one
 * caller at a time (the daemon's main thread); the series table it reads
 * or fills is.
 */
#ifndef IOCD_SERIES_STORE_H
#define IOCD_SERIES_STORE_H

#include "series.h"

#include <stddef.h>
#include <stdint.h>

/* The file's name in the state directory: series.cache for a daemon
 * running every instance, series@NAME.cache for `iocd --connector NAME`
 * (the instances of iocd@.service share one state directory and each
 * keeps its own series). Not NAME.state: no instance's state file can be
 * named like it. */
#define SERIES_STORE_FILE "series.cache"
#define SERIES_STORE_FILE_OF "series@%s.cache"

/* Limits of a sane file; more is refused as corrupt. */
#define SERIES_STORE_MAX_NAME 64          /* a sink's name */
#define SERIES_STORE_MAX_KEY (16 * 1024)  /* a series key */
#define SERIES_STORE_MAX_JSON (1024 * 1024) /* a record */
#define SERIES_STORE_MAX_SLOTS 64

/* What the file is written from and read into. */
struct series_store_ctx {
    const char *topic_prefix, *province; /* to rebuild each struct metric */
    const char *const *slot_names;       /* the on-change sinks, by slot */
    unsigned slots;
    int64_t now_mono_ms, now_wall_ms;    /* the two clocks, read once */
    /* Save: per slot, until when (monotonic) what the sink was handed is
     * known to have left its outbox; a later publish time is saved as
     * "never" so the series is published again after a crash rather than
     * lost. NULL = everything has. */
    const int64_t *drained_mono_ms;
    /* Load: series not seen for this long are not restored (retired). */
    int64_t retire_after_ms;
};

/* What a load did. */
struct series_store_report {
    size_t restored;      /* series put back */
    size_t retired;       /* older than retire_after: dropped */
    size_t duplicates;    /* already in the table (left alone) */
    unsigned slots_known; /* saved sinks that exist now */
    unsigned slots_saved; /* saved sinks */
};

/* Write every series of `t` to `path` atomically (temp file in the same
 * directory, fsync, rename, fsync of the directory). Returns the number
 * of series written, or -1 with `err` naming the file and the reason (the
 * old file, if any, is left as it was). */
long series_store_save(const char *path, struct series *t, const struct series_store_ctx *ctx,
                       char *err, size_t errlen);

/* Read `path` into `t` (empty or not: a series already there is left
 * alone). Returns 1 when loaded, 0 when there is no file, -1 when it was
 * refused or unreadable, with `err` naming the file and the reason; then
 * nothing was added to `t`. */
int series_store_load(const char *path, struct series *t, const struct series_store_ctx *ctx,
                      struct series_store_report *r, char *err, size_t errlen);

/* The same from a file's bytes already in memory (`name` names it in
 * `err`): the fuzz target's entry. */
int series_store_parse(const char *name, const unsigned char *buf, size_t len, struct series *t,
                       const struct series_store_ctx *ctx, struct series_store_report *r,
                       char *err, size_t errlen);

#endif
