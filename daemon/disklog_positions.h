/*
 * disklog_positions - the durable outbox's positions file (DIR/positions):
 * each sink's acknowledged position in the log (disklog.h), by sink name.
 *
 * The one design idea: all or nothing, like series_store. The file is
 * written to positions.tmp, fsync'ed and renamed over the old one, so a
 * crash leaves the old or the new; a damaged file of ours is reported so
 * the caller replays from the oldest record (duplicates, never a loss);
 * a file that is not ours is refused. Format, little-endian:
 *
 *   "IOCDPOS\0" u32 version(1) u32 count,
 *   count x { u16 name_len, name, u64 segment, u64 offset },
 *   u32 crc32c of every byte before it
 */
#ifndef IOCD_DISKLOG_POSITIONS_H
#define IOCD_DISKLOG_POSITIONS_H

#include "disklog_record.h"

#include <stdbool.h>
#include <stddef.h>

/* Write names[k] -> pos[k] for k < n (names of at most 255 bytes, n at
 * most 16) to DIR/positions; the file is fsync'ed when `sync` (the
 * caller fsyncs the directory). 0, or -1 with errno set; either way
 * `path_buf` (`buflen` bytes) names the temporary file, for messages. */
int dlp_save(const char *dir, const char *const *names, const struct disklog_pos *pos, size_t n,
             bool sync, char *path_buf, size_t buflen);

enum dlp_load_result {
    DLP_LOADED,   /* pos[k] set for every name found in the file (others untouched) */
    DLP_NONE,     /* no file */
    DLP_DAMAGED,  /* ours but unreadable or damaged: *why says how; nothing set */
    DLP_FOREIGN,  /* not ours (magic, version): err filled, naming the file */
};

/* Read DIR/positions: pos[k] gets the position of names[k] (k < n) when
 * the file has it; a file refused or damaged sets nothing. */
enum dlp_load_result dlp_load(const char *dir, const char *const *names, struct disklog_pos *pos,
                              size_t n, const char **why, char *err, size_t errlen);

#endif
