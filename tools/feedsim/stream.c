/*
 * stream - MHD content readers for the slow, stall, truncated and huge
 * faults. Each reply is one struct stream freed by MHD when it is done.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* POLLRDHUP */
#endif
#include "stream.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_TICK_MS 50
#define STREAM_SLOW_CHUNKS 20
#define STREAM_BLOCK 4096
#define STREAM_HUGE_BLOCK (64 * 1024)

static atomic_bool stream_stopping;

/* For "huge": what surrounds the padding. */
static const char stream_pad_head[] = "{\"_padding\":\"";

struct stream {
    char *body;
    size_t len;
    size_t chunk;      /* slow: bytes per chunk */
    unsigned delay_ms; /* slow: pause before each chunk */
    uint64_t pad;      /* huge: padding bytes */
    const char *join;  /* huge: between padding and the body's members */
    int fd;
};

void stream_shutdown(void)
{
    atomic_store(&stream_stopping, true);
}

static int64_t stream_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep `ms`; false as soon as the client hung up or feedsim is stopping. */
static bool stream_wait(int fd, unsigned ms)
{
    int64_t end = stream_now_ms() + ms;
    for (;;) {
        if (atomic_load(&stream_stopping))
            return false;
        int64_t left = end - stream_now_ms();
        if (left <= 0)
            return true;
        int tick = left < STREAM_TICK_MS ? (int)left : STREAM_TICK_MS;
        struct pollfd p = {.fd = fd, .events = POLLRDHUP};
        if (fd < 0) {
            struct timespec ts = {0, (long)tick * 1000000L};
            nanosleep(&ts, NULL);
        } else if (poll(&p, 1, tick) > 0 &&
                   (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) {
            return false;
        }
    }
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    free(s->body);
    free(s);
}

static struct stream *stream_new(char *body, size_t len, int fd)
{
    struct stream *s = body ? calloc(1, sizeof *s) : NULL;
    if (!s) {
        free(body);
        return NULL;
    }
    s->body = body;
    s->len = len;
    s->fd = fd;
    return s;
}

/* Create the response or free `s` when MHD cannot. */
static struct MHD_Response *stream_response(struct stream *s, uint64_t size, size_t block,
                                            MHD_ContentReaderCallback read)
{
    if (!s)
        return NULL;
    struct MHD_Response *r = MHD_create_response_from_callback(size, block, read, s, stream_free);
    if (!r)
        stream_free(s);
    return r;
}

static ssize_t stream_slow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    if (pos >= s->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t into_chunk = (size_t)pos % s->chunk;
    if (into_chunk == 0 && !stream_wait(s->fd, s->delay_ms))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = s->chunk - into_chunk;
    if (n > s->len - pos)
        n = s->len - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, s->body + pos, n);
    return (ssize_t)n;
}

struct MHD_Response *stream_slow(char *body, size_t len, unsigned total_ms, int fd)
{
    struct stream *s = stream_new(body, len, fd);
    if (s) {
        s->chunk = (len + STREAM_SLOW_CHUNKS - 1) / STREAM_SLOW_CHUNKS;
        if (s->chunk == 0)
            s->chunk = 1;
        size_t chunks = (len + s->chunk - 1) / s->chunk;
        s->delay_ms = chunks ? total_ms / (unsigned)chunks : 0;
    }
    return stream_response(s, len, STREAM_BLOCK, stream_slow_read);
}

static ssize_t stream_stall_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    (void)pos, (void)buf, (void)max;
    while (stream_wait(s->fd, 1000))
        ;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

struct MHD_Response *stream_stall(char *body, size_t len, int fd)
{
    return stream_response(stream_new(body, len, fd), len, STREAM_BLOCK, stream_stall_read);
}

static ssize_t stream_truncated_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    size_t half = s->len / 2;
    if (pos >= half)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = half - (size_t)pos < max ? half - (size_t)pos : max;
    memcpy(buf, s->body + pos, n);
    return (ssize_t)n;
}

struct MHD_Response *stream_truncated(char *body, size_t len)
{
    return stream_response(stream_new(body, len, -1), len, STREAM_BLOCK, stream_truncated_read);
}

/* Copy the part of `seg` (at offset `seg_at` of the stream, `seg_len`
 * bytes, or `fill` bytes when seg is NULL) that overlaps [pos, pos+max). */
static size_t stream_segment(const char *seg, char fill, uint64_t seg_at, uint64_t seg_len,
                             uint64_t pos, char *buf, size_t max)
{
    if (pos >= seg_at + seg_len || pos + max <= seg_at)
        return 0;
    uint64_t from = pos > seg_at ? pos : seg_at;
    uint64_t to = pos + max < seg_at + seg_len ? pos + max : seg_at + seg_len;
    if (seg)
        memcpy(buf + (from - pos), seg + (from - seg_at), (size_t)(to - from));
    else
        memset(buf + (from - pos), fill, (size_t)(to - from));
    return (size_t)(to - from);
}

/* The stream is: head, padding, join, body without its '{'. */
static ssize_t stream_huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    uint64_t head = sizeof stream_pad_head - 1, join = strlen(s->join);
    uint64_t total = head + s->pad + join + s->len - 1;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = 0;
    n += stream_segment(stream_pad_head, 0, 0, head, pos, buf, max);
    n += stream_segment(NULL, 'x', head, s->pad, pos, buf, max);
    n += stream_segment(s->join, 0, head + s->pad, join, pos, buf, max);
    n += stream_segment(s->body + 1, 0, head + s->pad + join, s->len - 1, pos, buf, max);
    return (ssize_t)n;
}

struct MHD_Response *stream_huge(char *body, size_t len, uint64_t size)
{
    if (body && (len < 2 || body[0] != '{')) { /* feeds send objects; anything else is a bug */
        free(body);
        return NULL;
    }
    struct stream *s = stream_new(body, len, -1);
    if (!s)
        return NULL;
    s->join = body[1] == '}' ? "\"" : "\",";
    uint64_t natural = sizeof stream_pad_head - 1 + strlen(s->join) + len - 1;
    s->pad = size > natural ? size - natural : 0;
    return stream_response(s, natural + s->pad, STREAM_HUGE_BLOCK, stream_huge_read);
}
