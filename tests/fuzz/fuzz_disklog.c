/*
 * fuzz_disklog - libFuzzer target of the durable outbox's recovery
 * (daemon/disklog.c, disklog_format.c): a crash, a disk or another program
 * may have left anything in the outbox directory, and it is read at every
 * start before the first metric is delivered.
 *
 * Input: byte 0 holds flags, then (with FLAG_POSITIONS) a 2-byte length L
 * and L bytes written as the positions file; the rest is written as
 * segment 1. FLAG_SEAL rewrites the CRC of every frame the segment seems
 * to hold (a sync word, a length that fits), so mutated payloads behind a
 * valid CRC are explored, as a bit flip the CRC misses would be;
 * FLAG_LATER adds a valid empty segment 2, so segment 1 is not the last
 * (a corrupt tail is then skipped, not truncated).
 *
 * The design idea: recovery either refuses with a message or opens; an
 * opened log hands each sink only well-formed records meant for it, in
 * log order, and is itself clean: acknowledged everything, closed and
 * opened again, it opens and has nothing left for either sink. Broken
 * promises abort.
 */
#include "../../daemon/disklog.h"
#include "../../daemon/disklog_format.h"
#include "../../daemon/crc32c.h"
#include "../../daemon/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_disklog: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                                       \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define FLAG_POSITIONS 1
#define FLAG_SEAL 2
#define FLAG_LATER 4

static char fuzz_dir[64];
static volatile unsigned fuzz_touched; /* keeps the byte walk below from being optimised out */
static const char *const sinks[2] = {"mqtt", "kafka"};

static void clear_dir(void);

static void remove_dir(void)
{
    clear_dir();
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* In memory where there is a tmpfs: each input is a few file
     * creations, renames and unlinks, ten times slower on a disk. */
    strcpy(fuzz_dir, "/dev/shm/fuzz_disklog.XXXXXX");
    if (!mkdtemp(fuzz_dir)) {
        strcpy(fuzz_dir, "/tmp/fuzz_disklog.XXXXXX");
        if (!mkdtemp(fuzz_dir))
            abort();
    }
    atexit(remove_dir);
    log_init(LOG_LEVEL_ERROR); /* the warnings of every input would drown the fuzzer's output */
    return 0;
}

static void put_file(const char *name, const unsigned char *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, p, n) == (ssize_t)n);
    close(fd);
}

static void clear_dir(void)
{
    DIR *d = opendir(fuzz_dir);
    struct dirent *e;
    char path[384];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
}

/* Give every frame-looking run of the segment a correct CRC. */
static void seal(unsigned char *seg, size_t n)
{
    size_t off = DLF_HEADER;
    while (off + DLF_FRAME_HEAD <= n) {
        uint64_t len = dlf_get_le(seg + off + 4, 4);
        if (dlf_get_le(seg + off, 4) == 0xEC061DF5u && len <= n - off - DLF_FRAME_HEAD) {
            uint32_t crc = crc32c(crc32c(0, seg + off + 4, 4), seg + off + DLF_FRAME_HEAD, len);
            dlf_put_le(seg + off + 8, crc, 4);
            off += DLF_FRAME_HEAD + len;
        } else {
            off++;
        }
    }
}

/* Read all of `sink`'s records, check them, ack them; returns the count. */
static size_t drain(struct disklog *log, unsigned sink)
{
    struct disklog_record r[7];
    struct disklog_pos last = {0, 0};
    size_t n = 0, got;
    while ((got = disklog_read(log, sink, r, 7)) > 0) {
        for (size_t i = 0; i < got; i++) {
            FUZZ_CHECK(r[i].sinks & (1u << sink));
            FUZZ_CHECK(DLF_PAYLOAD_FIXED + r[i].source_len + r[i].series_len + r[i].topic_len +
                           r[i].json_len <= DISKLOG_MAX_RECORD);
            FUZZ_CHECK(r[i].pos.segment > last.segment ||
                       (r[i].pos.segment == last.segment && r[i].pos.offset > last.offset));
            FUZZ_CHECK(r[i].pos.offset >= DLF_HEADER);
            /* Touch every byte: ASan checks they are ours to read. */
            for (size_t k = 0; k < r[i].json_len; k++)
                fuzz_touched += (unsigned char)r[i].json[k];
            for (size_t k = 0; k < r[i].topic_len; k++)
                fuzz_touched += (unsigned char)r[i].topic[k];
            last = r[i].pos;
        }
        /* Acknowledge out of order: last first. */
        for (size_t i = got; i-- > 0;)
            disklog_ack(log, sink, r[i].pos);
        n += got;
        FUZZ_CHECK(n < 1000000);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    data++, size--;
    clear_dir();
    if (flags & FLAG_POSITIONS) {
        if (size < 2)
            return 0;
        size_t len = (size_t)dlf_get_le(data, 2);
        if (len > size - 2)
            len = size - 2;
        put_file("positions", data + 2, len);
        data += 2 + len;
        size -= 2 + len;
    }
    unsigned char *seg = malloc(size ? size : 1);
    if (!seg)
        return 0;
    memcpy(seg, data, size);
    if (flags & FLAG_SEAL)
        seal(seg, size);
    put_file("00000000000000000001.seg", seg, size);
    free(seg);
    if (flags & FLAG_LATER) {
        unsigned char head[DLF_HEADER];
        dlf_header_encode(head, 2, 1700000000000LL);
        put_file("00000000000000000002.seg", head, sizeof head);
    }

    struct disklog_limits lim = {.fsync = DISKLOG_FSYNC_NEVER, .segment_bytes = 4096};
    char err[512] = "";
    struct disklog *log = disklog_open(fuzz_dir, &lim, sinks, 2, err, sizeof err);
    if (!log) {
        FUZZ_CHECK(strncmp(err, fuzz_dir, strlen(fuzz_dir)) == 0);
        return 0;
    }
    drain(log, 0);
    drain(log, 1);
    /* New records after recovery are read back after whatever was there. */
    struct disklog_record r = {.kind = 0, .sinks = 3, .seq = 7, .source = "dvc", .source_len = 3,
                               .series = "dvc/m/1", .series_len = 7,
                               .topic = "ioc/v1/96/dvc/m/1", .topic_len = 17,
                               .json = "{}", .json_len = 2};
    FUZZ_CHECK(disklog_append_batch(log, &r, 1) == 1);
    FUZZ_CHECK(disklog_commit(log) == 0);
    FUZZ_CHECK(drain(log, 0) == 1);
    FUZZ_CHECK(drain(log, 1) == 1);
    disklog_close(log);

    log = disklog_open(fuzz_dir, &lim, sinks, 2, err, sizeof err);
    FUZZ_CHECK(log != NULL);
    FUZZ_CHECK(drain(log, 0) == 0);
    FUZZ_CHECK(drain(log, 1) == 0);
    disklog_close(log);
    return 0;
}
