/*
 * disklog_format - the bytes of the durable outbox's segment files
 * (disklog.h): the segment header, one record's frame and payload, and a
 * buffered reader that finds valid frames, resyncing past corrupt ones.
 *
 * The one design idea: every frame starts with a sync word whose first
 * byte (0xF5) never occurs in UTF-8 text, and its CRC-32C covers its length
 * as well as its payload, so after damage a reader finds the next record by
 * looking for the sync word and accepting only a frame whose length fits
 * and whose CRC checks. Integers are little-endian.
 *
 *   header (32 bytes): "IOCDLOG\0" u32 version(1) u32 header_bytes(32)
 *                      u64 segment u64 created_wall_ms
 *   frame:   u32 sync 0xEC061DF5 ("\xF5\x1D\x06\xEC"), u32 length,
 *            u32 crc32c(length as 4 bytes, payload), payload
 *   payload: u8 kind, u8 0, u16 source_len, u32 sinks, u64 seq,
 *            u32 series_len, u32 topic_len, u32 json_len,
 *            source, series, topic, json
 */
#ifndef IOCD_DISKLOG_FORMAT_H
#define IOCD_DISKLOG_FORMAT_H

#include "disklog_record.h"

#include <stddef.h>
#include <stdint.h>

#define DLF_MAGIC "IOCDLOG" /* and its NUL: 8 bytes */
#define DLF_MAGIC_LEN 8
#define DLF_VERSION 1u
#define DLF_HEADER 32u
#define DLF_FRAME_HEAD 12u
#define DLF_PAYLOAD_FIXED 28u
#define DLF_MAX_FRAME (DLF_FRAME_HEAD + DLF_MAX_RECORD_PAYLOAD)
#define DLF_MAX_RECORD_PAYLOAD DISKLOG_MAX_RECORD

/* What a header says. */
struct dlf_header {
    uint32_t version;
    uint64_t segment;
    int64_t created_wall_ms;
};

enum dlf_header_check {
    DLF_HEADER_OK,
    DLF_HEADER_TORN,    /* shorter than a header, and a prefix of one (a crash at creation) */
    DLF_HEADER_FOREIGN, /* not ours: wrong magic */
    DLF_HEADER_VERSION, /* ours, another format version */
};

/* Little-endian integers of `bytes` bytes (at most 8). */
void dlf_put_le(unsigned char *p, uint64_t v, size_t bytes);
uint64_t dlf_get_le(const unsigned char *p, size_t bytes);

void dlf_header_encode(unsigned char out[DLF_HEADER], uint64_t segment, int64_t created_wall_ms);
/* Judge the first n bytes of a file (n may be less than a header). */
enum dlf_header_check dlf_header_decode(const unsigned char *p, size_t n, struct dlf_header *h);

/* Bytes of r's frame; 0 when its payload would exceed DISKLOG_MAX_RECORD. */
size_t dlf_frame_size(const struct disklog_record *r);
/* Write r's frame (dlf_frame_size bytes) to out. */
void dlf_frame_encode(const struct disklog_record *r, unsigned char *out);
/* Fill r (pointers into p) from a payload; -1 when its lengths do not add up. */
int dlf_payload_decode(const unsigned char *p, size_t n, struct disklog_record *r);

/* Reads a file through one buffer, by offset: 64 KiB of read-ahead,
 * grown to hold a bigger frame when one comes (at most one largest frame
 * and the read-ahead). */
struct dlf_reader {
    int fd;
    unsigned char *buf;
    size_t cap;
    uint64_t base; /* file offset of buf[0] */
    size_t len;    /* bytes of buf holding the file */
    int error;     /* errno of a failed read, 0 */
};

int dlf_reader_init(struct dlf_reader *r);
void dlf_reader_free(struct dlf_reader *r);
/* Read `fd` from now on (forgets what the buffer held). */
void dlf_reader_use(struct dlf_reader *r, int fd);

enum dlf_frame_check {
    DLF_FRAME_OK,
    DLF_FRAME_END, /* off is at `end` */
    DLF_FRAME_BAD, /* `why` says what */
    DLF_FRAME_IO,  /* a read failed: r->error */
};

/* The frame at `off` of a file whose valid data ends at `end`: on OK,
 * *rec is its decoded payload (pointers into the reader's buffer, valid
 * until its next call) and *next the offset after it. */
enum dlf_frame_check dlf_frame_at(struct dlf_reader *r, uint64_t off, uint64_t end,
                                  struct disklog_record *rec, uint64_t *next, const char **why);
/* The first offset after `off` where a valid frame starts, or `end` when
 * none does before it (or a read failed). */
uint64_t dlf_resync(struct dlf_reader *r, uint64_t off, uint64_t end);

#endif
