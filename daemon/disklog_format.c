/* disklog_format - see disklog_format.h.
 *
 * The reader keeps one window of the file (a frame never spans more than
 * one refill: the buffer holds the largest frame plus a read-ahead), so
 * scanning a segment costs one pread per 64 KiB, not one per record. */
#include "disklog_format.h"

#include "crc32c.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DLF_SYNC 0xEC061DF5u
#define DLF_READ_AHEAD (64u * 1024)

void dlf_put_le(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t dlf_get_le(const unsigned char *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void dlf_header_encode(unsigned char out[DLF_HEADER], uint64_t segment, int64_t created_wall_ms)
{
    memcpy(out, DLF_MAGIC, DLF_MAGIC_LEN); /* with its NUL */
    dlf_put_le(out + 8, DLF_VERSION, 4);
    dlf_put_le(out + 12, DLF_HEADER, 4);
    dlf_put_le(out + 16, segment, 8);
    dlf_put_le(out + 24, (uint64_t)created_wall_ms, 8);
}

enum dlf_header_check dlf_header_decode(const unsigned char *p, size_t n, struct dlf_header *h)
{
    if (n < DLF_HEADER) {
        /* A crash between creating the file and writing its header leaves
         * a prefix of the magic (or nothing): torn, not foreign. */
        size_t m = n < DLF_MAGIC_LEN ? n : DLF_MAGIC_LEN;
        return memcmp(p, DLF_MAGIC, m) == 0 ? DLF_HEADER_TORN : DLF_HEADER_FOREIGN;
    }
    if (memcmp(p, DLF_MAGIC, DLF_MAGIC_LEN) != 0)
        return DLF_HEADER_FOREIGN;
    h->version = (uint32_t)dlf_get_le(p + 8, 4);
    h->segment = dlf_get_le(p + 16, 8);
    h->created_wall_ms = (int64_t)dlf_get_le(p + 24, 8);
    if (h->version != DLF_VERSION || dlf_get_le(p + 12, 4) != DLF_HEADER)
        return DLF_HEADER_VERSION;
    return DLF_HEADER_OK;
}

size_t dlf_frame_size(const struct disklog_record *r)
{
    if (r->source_len > UINT16_MAX)
        return 0;
    uint64_t payload = (uint64_t)DLF_PAYLOAD_FIXED + r->source_len + r->series_len +
                       r->topic_len + r->json_len;
    return payload > DISKLOG_MAX_RECORD ? 0 : (size_t)(DLF_FRAME_HEAD + payload);
}

static unsigned char *put_bytes(unsigned char *p, const char *s, size_t n)
{
    if (n)
        memcpy(p, s, n);
    return p + n;
}

void dlf_frame_encode(const struct disklog_record *r, unsigned char *out)
{
    size_t len = dlf_frame_size(r) - DLF_FRAME_HEAD;
    unsigned char *p = out + DLF_FRAME_HEAD;
    p[0] = r->kind;
    p[1] = 0;
    dlf_put_le(p + 2, r->source_len, 2);
    dlf_put_le(p + 4, r->sinks, 4);
    dlf_put_le(p + 8, r->seq, 8);
    dlf_put_le(p + 16, r->series_len, 4);
    dlf_put_le(p + 20, r->topic_len, 4);
    dlf_put_le(p + 24, r->json_len, 4);
    unsigned char *q = p + DLF_PAYLOAD_FIXED;
    q = put_bytes(q, r->source, r->source_len);
    q = put_bytes(q, r->series, r->series_len);
    q = put_bytes(q, r->topic, r->topic_len);
    put_bytes(q, r->json, r->json_len);
    dlf_put_le(out, DLF_SYNC, 4);
    dlf_put_le(out + 4, len, 4);
    dlf_put_le(out + 8, crc32c(crc32c(0, out + 4, 4), p, len), 4);
}

int dlf_payload_decode(const unsigned char *p, size_t n, struct disklog_record *r)
{
    if (n < DLF_PAYLOAD_FIXED || p[1] != 0)
        return -1;
    r->kind = p[0];
    r->source_len = (size_t)dlf_get_le(p + 2, 2);
    r->sinks = (uint32_t)dlf_get_le(p + 4, 4);
    r->seq = dlf_get_le(p + 8, 8);
    r->series_len = (size_t)dlf_get_le(p + 16, 4);
    r->topic_len = (size_t)dlf_get_le(p + 20, 4);
    r->json_len = (size_t)dlf_get_le(p + 24, 4);
    /* Each length is below 2^32 and n below 2^19: the sum cannot wrap. */
    uint64_t sum = (uint64_t)DLF_PAYLOAD_FIXED + r->source_len + r->series_len + r->topic_len +
                   r->json_len;
    if (sum != n)
        return -1;
    const char *q = (const char *)p + DLF_PAYLOAD_FIXED;
    r->source = q;
    r->series = q += r->source_len;
    r->topic = q += r->series_len;
    r->json = q + r->topic_len;
    return 0;
}

int dlf_reader_init(struct dlf_reader *r)
{
    /* Enough for the usual records; dlf_get grows it for a bigger frame. */
    *r = (struct dlf_reader){.fd = -1, .cap = DLF_FRAME_HEAD + DLF_READ_AHEAD};
    r->buf = malloc(r->cap);
    return r->buf ? 0 : -1;
}

void dlf_reader_free(struct dlf_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

void dlf_reader_use(struct dlf_reader *r, int fd)
{
    r->fd = fd;
    r->base = 0;
    r->len = 0;
    r->error = 0;
}

/* Bytes [off, off + n) of the file (n at most one largest frame), or NULL
 * when the file is shorter (r->error 0) or a read failed or memory ran
 * out (r->error set). May move the buffer: earlier pointers die. */
static const unsigned char *dlf_get(struct dlf_reader *r, uint64_t off, size_t n)
{
    if (off >= r->base && off + n <= r->base + r->len)
        return r->buf + (off - r->base);
    r->base = off;
    r->len = 0;
    if (n > r->cap) {
        unsigned char *more = realloc(r->buf, n + DLF_READ_AHEAD);
        if (!more) {
            r->error = ENOMEM;
            return NULL;
        }
        r->buf = more;
        r->cap = n + DLF_READ_AHEAD;
    }
    while (r->len < r->cap) {
        ssize_t got = pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)(off + r->len));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            r->error = errno;
            return NULL;
        }
        if (got == 0)
            break;
        r->len += (size_t)got;
    }
    return n <= r->len ? r->buf : NULL;
}

enum dlf_frame_check dlf_frame_at(struct dlf_reader *r, uint64_t off, uint64_t end,
                                  struct disklog_record *rec, uint64_t *next, const char **why)
{
    if (off >= end)
        return DLF_FRAME_END;
    if (end - off < DLF_FRAME_HEAD) {
        *why = "short frame";
        return DLF_FRAME_BAD;
    }
    const unsigned char *h = dlf_get(r, off, DLF_FRAME_HEAD);
    if (!h) {
        *why = "short frame";
        return r->error ? DLF_FRAME_IO : DLF_FRAME_BAD;
    }
    unsigned char lenbytes[4];
    memcpy(lenbytes, h + 4, 4);
    uint64_t len = dlf_get_le(lenbytes, 4);
    uint32_t crc = (uint32_t)dlf_get_le(h + 8, 4);
    if (dlf_get_le(h, 4) != DLF_SYNC) {
        *why = "bad sync word";
        return DLF_FRAME_BAD;
    }
    if (len < DLF_PAYLOAD_FIXED || len > DISKLOG_MAX_RECORD || len > end - off - DLF_FRAME_HEAD) {
        *why = "bad length";
        return DLF_FRAME_BAD;
    }
    const unsigned char *p = dlf_get(r, off + DLF_FRAME_HEAD, (size_t)len);
    if (!p) {
        *why = "short frame";
        return r->error ? DLF_FRAME_IO : DLF_FRAME_BAD;
    }
    if (crc32c(crc32c(0, lenbytes, 4), p, (size_t)len) != crc) {
        *why = "bad CRC";
        return DLF_FRAME_BAD;
    }
    if (dlf_payload_decode(p, (size_t)len, rec) != 0) {
        *why = "bad payload lengths";
        return DLF_FRAME_BAD;
    }
    *next = off + DLF_FRAME_HEAD + len;
    return DLF_FRAME_OK;
}

uint64_t dlf_resync(struct dlf_reader *r, uint64_t off, uint64_t end)
{
    static const unsigned char sync[4] = {0xF5, 0x1D, 0x06, 0xEC};
    uint64_t at = off + 1;
    while (at + DLF_FRAME_HEAD <= end) {
        size_t n = end - at < DLF_READ_AHEAD ? (size_t)(end - at) : DLF_READ_AHEAD;
        const unsigned char *p = dlf_get(r, at, n);
        if (!p)
            return end;
        const unsigned char *hit = memmem(p, n, sync, sizeof sync);
        if (!hit) {
            at += n - (sizeof sync - 1); /* a sync word may straddle the window */
            continue;
        }
        uint64_t cand = at + (uint64_t)(hit - p), next;
        struct disklog_record rec;
        const char *why;
        enum dlf_frame_check c = dlf_frame_at(r, cand, end, &rec, &next, &why);
        if (c == DLF_FRAME_OK)
            return cand;
        if (c == DLF_FRAME_IO)
            return end;
        at = cand + 1;
    }
    return end;
}
