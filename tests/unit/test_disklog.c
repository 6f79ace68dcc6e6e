/*
 * test_disklog - unit tests of daemon/disklog.c, the durable outbox's
 * log, in temporary directories (and a small tmpfs for a full disk).
 *
 * Covers: append, commit, read and ack for two sinks with different masks
 * (nothing visible before commit; every field comes back); acks out of
 * order (the acknowledged position is the lowest unacknowledged record);
 * close and reopen replaying exactly each sink's unacknowledged records;
 * a torn tail truncated with its exact log line and nothing else lost;
 * flipped bytes in the middle: that record skipped and counted, the rest
 * read; wrong magic, wrong version and a foreign positions file refused
 * with their exact messages; a damaged positions file replaying from the
 * oldest record and a torn segment header removed, each logged; records
 * of 30 and 200 KB read in one go (buffers grown), one over the largest
 * refused; rotation and deletion of the segments every
 * sink passed; max_disk dropping the oldest whole segments, counted
 * exactly; a full disk (tmpfs, root only: skipped otherwise) refusing and
 * counting, then recovering when space returns, and dropping the oldest
 * segment to make room; a commit waking a sink's eventfd; each sink's
 * backlog in bytes; a writer and two readers on threads at once, with
 * segments rotated and deleted under them; segment numbers never going
 * back below a persisted position; an unused slot (a sink not enabled
 * in a run) keeping its bit, holding nothing back, and its sink starting
 * at the oldest record when it comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "disklog.h"

static const char *const two_sinks[] = {"mqtt", "kafka"};
#define MQTT 0u
#define KAFKA 1u
#define BOTH 3u

struct fixture {
    char dir[64];
    char series[64][40], topic[64][64], json[64][600];
};

/* rm -r of a test directory (flat: segment files and positions). */
static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/test_disklog.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    remove_dir(f->dir);
    free(f);
    return 0;
}

/* Record `seq` with sink mask `sinks`; its JSON padded to `pad` bytes. */
static struct disklog_record rec(struct fixture *f, uint64_t seq, uint32_t sinks, size_t pad)
{
    size_t i = seq % 64;
    snprintf(f->series[i], sizeof f->series[i], "dvc/tthc.received/%05" PRIu64, seq);
    snprintf(f->topic[i], sizeof f->topic[i], "ioc/v1/96/dvc/tthc.received/%05" PRIu64, seq);
    int n = snprintf(f->json[i], sizeof f->json[i], "{\"seq\":%" PRIu64 ",\"pad\":\"", seq);
    while ((size_t)n + 2 < pad && (size_t)n + 2 < sizeof f->json[i])
        f->json[i][n++] = 'x';
    strcpy(f->json[i] + n, "\"}");
    return (struct disklog_record){
        .kind = (uint8_t)(seq % 3), .sinks = sinks, .seq = seq,
        .source = "dvc", .source_len = 3,
        .series = f->series[i], .series_len = strlen(f->series[i]),
        .topic = f->topic[i], .topic_len = strlen(f->topic[i]),
        .json = f->json[i], .json_len = strlen(f->json[i]),
    };
}

static struct disklog *open_log(struct fixture *f, const struct disklog_limits *lim)
{
    char err[512] = "";
    struct disklog *log = disklog_open(f->dir, lim, two_sinks, 2, err, sizeof err);
    if (!log)
        fail_msg("disklog_open: %s", err);
    return log;
}

/* Append records first..last (one batch each of `batch`), mask from
 * `mask_of`, then commit. */
static void append_range(struct fixture *f, struct disklog *log, uint64_t first, uint64_t last,
                         uint32_t (*mask_of)(uint64_t), size_t pad)
{
    for (uint64_t s = first; s <= last; s++) {
        struct disklog_record r = rec(f, s, mask_of(s), pad);
        assert_int_equal(disklog_append_batch(log, &r, 1), 1);
    }
    assert_int_equal(disklog_commit(log), 0);
}

static uint32_t mask_both(uint64_t s) { (void)s; return BOTH; }
/* Even records for both sinks, odd ones for Kafka only (MQTT skipped an
 * unchanged value). */
static uint32_t mask_even_both(uint64_t s) { return s % 2 ? 1u << KAFKA : BOTH; }

/* Read everything sink has (in reads of up to `chunk`), seqs into out[],
 * positions into pos[] (may be NULL); returns the count. */
static size_t read_all(struct disklog *log, unsigned sink, size_t chunk, uint64_t *out,
                       struct disklog_pos *pos, size_t max)
{
    struct disklog_record r[64];
    size_t n = 0, got;
    while ((got = disklog_read(log, sink, r, chunk)) > 0)
        for (size_t i = 0; i < got; i++) {
            assert_true(n < max);
            out[n] = r[i].seq;
            if (pos)
                pos[n] = r[i].pos;
            n++;
        }
    return n;
}

/* Acknowledge the records at pos[0..n) for `sink`, in order. */
static void ack_first(struct disklog *log, unsigned sink, const struct disklog_pos *pos, size_t n)
{
    for (size_t i = 0; i < n; i++)
        disklog_ack(log, sink, pos[i]);
}

/* Everything written to stderr (the log) while `fn` runs. */
static char captured[4096];
static void capture_start(int *saved)
{
    fflush(stderr);
    *saved = dup(2);
    int fd = open("/tmp/test_disklog.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static const char *capture_end(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *in = fopen("/tmp/test_disklog.stderr", "r");
    char raw[sizeof captured];
    size_t n = fread(raw, 1, sizeof raw - 1, in);
    raw[n] = '\0';
    fclose(in);
    /* Off the journal every line starts with its time (log.h): drop it, so
     * the lines compare exactly. */
    size_t out = 0;
    for (char *line = raw; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        const char *space = memchr(line, ' ', len);
        if (len > 11 && line[4] == '-' && line[10] == 'T' && space) {
            len -= (size_t)(space + 1 - line);
            line = (char *)space + 1;
        }
        memcpy(captured + out, line, len);
        out += len;
        line += len;
    }
    captured[out] = '\0';
    unlink("/tmp/test_disklog.stderr");
    return captured;
}

static char *seg_file(struct fixture *f, uint64_t num)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%020" PRIu64 ".seg", f->dir, num);
    return path;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_round_trip_two_sinks(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    struct disklog_record in[10], out[16];
    for (uint64_t s = 0; s < 10; s++)
        in[s] = rec(f, s, mask_even_both(s), 100);
    assert_int_equal(disklog_append_batch(log, in, 10), 10);
    /* Not committed: no sink sees it yet. */
    assert_int_equal(disklog_read(log, MQTT, out, 16), 0);
    assert_int_equal(disklog_commit(log), 0);

    size_t n = disklog_read(log, KAFKA, out, 16);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        struct disklog_record e = rec(f, i, mask_even_both(i), 100);
        assert_int_equal(out[i].seq, i);
        assert_int_equal(out[i].kind, e.kind);
        assert_int_equal(out[i].sinks, e.sinks);
        assert_memory_equal(out[i].source, "dvc", 3);
        assert_int_equal(out[i].series_len, e.series_len);
        assert_memory_equal(out[i].series, e.series, e.series_len);
        assert_int_equal(out[i].topic_len, e.topic_len);
        assert_memory_equal(out[i].topic, e.topic, e.topic_len);
        assert_int_equal(out[i].json_len, 100);
        assert_memory_equal(out[i].json, e.json, e.json_len);
        assert_int_equal(out[i].pos.segment, 1);
    }
    n = disklog_read(log, MQTT, out, 16);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].seq, 2 * i);
    assert_int_equal(disklog_read(log, MQTT, out, 16), 0);
    assert_int_equal(disklog_read(log, KAFKA, out, 16), 0);

    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.appended, 10);
    assert_int_equal(c.commits, 1);
    assert_int_equal(c.segments, 1);
    assert_int_equal(c.disk_bytes, file_size(seg_file(f, 1)));
    assert_int_equal(c.dropped_full + c.refused + c.corrupt + c.io_errors, 0);
    disklog_close(log);
}

static void test_out_of_order_acks(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    append_range(f, log, 0, 5, mask_both, 60);
    uint64_t seq[8];
    struct disklog_pos pos[8];
    assert_int_equal(read_all(log, KAFKA, 2, seq, pos, 8), 6);
    /* Nothing acknowledged: the position is the first record. */
    assert_int_equal(disklog_acked(log, KAFKA).offset, pos[0].offset);
    disklog_ack(log, KAFKA, pos[2]);
    disklog_ack(log, KAFKA, pos[1]);
    assert_int_equal(disklog_acked(log, KAFKA).offset, pos[0].offset);
    disklog_ack(log, KAFKA, pos[0]); /* 0, 1, 2 done: 3 is the lowest left */
    assert_int_equal(disklog_acked(log, KAFKA).offset, pos[3].offset);
    disklog_ack(log, KAFKA, pos[0]); /* repeated: ignored */
    disklog_ack(log, KAFKA, (struct disklog_pos){1, 7}); /* unknown: ignored */
    assert_int_equal(disklog_acked(log, KAFKA).offset, pos[3].offset);
    disklog_ack(log, KAFKA, pos[5]);
    disklog_ack(log, KAFKA, pos[4]);
    disklog_ack(log, KAFKA, pos[3]);
    /* All done: the position is where the sink reads next, the end. */
    assert_int_equal(disklog_acked(log, KAFKA).offset, file_size(seg_file(f, 1)));
    /* MQTT has read nothing: its position is the first record. */
    assert_int_equal(disklog_acked(log, MQTT).offset, pos[0].offset);
    disklog_close(log);
}

static void test_reopen_replays_unacknowledged(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    append_range(f, log, 0, 9, mask_even_both, 80);
    uint64_t seq[16];
    struct disklog_pos pos[16];
    assert_int_equal(read_all(log, MQTT, 3, seq, pos, 16), 5);
    ack_first(log, MQTT, pos, 5);
    assert_int_equal(read_all(log, KAFKA, 3, seq, pos, 16), 10);
    ack_first(log, KAFKA, pos, 4);
    disklog_ack(log, KAFKA, pos[6]); /* beyond the lowest unacknowledged: replayed */
    disklog_close(log);

    log = open_log(f, NULL);
    assert_int_equal(read_all(log, MQTT, 4, seq, NULL, 16), 0);
    size_t n = read_all(log, KAFKA, 4, seq, NULL, 16);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seq[i], 4 + i); /* 4..9; 6 again, a duplicate bounded by in-flight */
    /* New records after the reopen go to a new segment, after the old. */
    append_range(f, log, 10, 11, mask_both, 80);
    assert_int_equal(read_all(log, MQTT, 4, seq, pos, 16), 2);
    assert_int_equal(seq[0], 10);
    assert_int_equal(pos[0].segment, 2);
    disklog_close(log);

    /* In-order acks: exactly the unacknowledged records, nothing twice. */
    log = open_log(f, NULL);
    n = read_all(log, KAFKA, 4, seq, pos, 16);
    assert_int_equal(n, 8); /* 4..11 */
    ack_first(log, KAFKA, pos, 5);
    disklog_close(log);
    log = open_log(f, NULL);
    n = read_all(log, KAFKA, 4, seq, NULL, 16);
    assert_int_equal(n, 3);
    assert_int_equal(seq[0], 9);
    assert_int_equal(seq[2], 11);
    assert_int_equal(read_all(log, MQTT, 4, seq, NULL, 16), 2); /* 10, 11 never acked */
    disklog_close(log);
}

/* Records 0..4 of 200 bytes in segment 1, closed; their positions in
 * pos[0..5). Returns the segment's path. */
static const char *five_records(struct fixture *f, struct disklog_pos *pos)
{
    struct disklog *log = open_log(f, NULL);
    append_range(f, log, 0, 4, mask_both, 200);
    uint64_t seq[8];
    assert_int_equal(read_all(log, KAFKA, 8, seq, pos, 8), 5);
    disklog_close(log);
    return seg_file(f, 1);
}

static void test_torn_tail_truncated(void **state)
{
    struct fixture *f = *state;
    uint64_t seq[8];
    struct disklog_pos pos[8];
    const char *path = five_records(f, pos);
    off_t size = file_size(path);
    /* A crash in the middle of the last record's write. */
    assert_int_equal(truncate(path, size - 7), 0);

    int saved;
    capture_start(&saved);
    struct disklog *log = open_log(f, NULL);
    const char *out = capture_end(saved);
    char want[512];
    snprintf(want, sizeof want,
             "warning: outbox: %s: torn tail at offset %" PRIu64 " (bad length): truncated %" PRIu64
             " bytes\n",
             path, pos[4].offset, (uint64_t)(size - 7) - pos[4].offset);
    assert_string_equal(out, want);
    assert_int_equal(file_size(path), (off_t)pos[4].offset);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.truncated, (uint64_t)(size - 7) - pos[4].offset);
    assert_int_equal(c.corrupt, 0);
    size_t n = read_all(log, KAFKA, 8, seq, NULL, 8);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seq[i], i);
    assert_int_equal(read_all(log, MQTT, 8, seq, NULL, 8), 4);
    disklog_close(log);
}

static void test_corrupt_middle_skipped(void **state)
{
    struct fixture *f = *state;
    uint64_t seq[8];
    struct disklog_pos pos[8];
    const char *path = five_records(f, pos);
    /* Flip bytes inside record 2's JSON. */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\xff\x00", 2, (off_t)pos[2].offset + 150), 2);
    close(fd);

    int saved;
    capture_start(&saved);
    struct disklog *log = open_log(f, NULL);
    const char *out = capture_end(saved);
    char want[512];
    snprintf(want, sizeof want,
             "warning: outbox: %s: corrupt record at offset %" PRIu64
             " (bad CRC): skipped %" PRIu64 " bytes to the next valid record\n",
             path, pos[2].offset, pos[3].offset - pos[2].offset);
    assert_string_equal(out, want);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.corrupt, 1);
    assert_int_equal(c.truncated, 0);
    size_t n = read_all(log, KAFKA, 8, seq, NULL, 8);
    assert_int_equal(n, 4);
    assert_int_equal(seq[0], 0);
    assert_int_equal(seq[1], 1);
    assert_int_equal(seq[2], 3);
    assert_int_equal(seq[3], 4);
    /* Reading over it again counts nothing more: it was counted at open. */
    disklog_counters(log, &c);
    assert_int_equal(c.corrupt, 1);
    disklog_close(log);
}

static void test_notify_and_backlog(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    int efd = eventfd(0, EFD_NONBLOCK);
    assert_true(efd >= 0);
    disklog_set_notify_fd(log, MQTT, efd);
    uint64_t v = 0;
    assert_int_equal(disklog_commit(log), 0); /* nothing new: no wake-up */
    assert_int_equal(read(efd, &v, sizeof v), -1);
    struct disklog_record r = rec(f, 0, 1u << KAFKA, 100);
    assert_int_equal(disklog_append_batch(log, &r, 1), 1);
    assert_int_equal(read(efd, &v, sizeof v), -1); /* appended, not committed */
    assert_int_equal(disklog_commit(log), 0);
    assert_int_equal(read(efd, &v, sizeof v), sizeof v);
    assert_int_equal(v, 1);
    /* Both sinks' backlog is the record's frame; MQTT passes over it. */
    off_t end = file_size(seg_file(f, 1));
    assert_int_equal(disklog_backlog_bytes(log, KAFKA), end - 32);
    assert_int_equal(disklog_backlog_bytes(log, MQTT), end - 32);
    struct disklog_record out[2];
    assert_int_equal(disklog_read(log, MQTT, out, 2), 0);
    assert_int_equal(disklog_backlog_bytes(log, MQTT), 0);
    assert_int_equal(disklog_read(log, KAFKA, out, 2), 1);
    assert_int_equal(disklog_backlog_bytes(log, KAFKA), end - 32); /* in flight */
    disklog_ack(log, KAFKA, out[0].pos);
    assert_int_equal(disklog_backlog_bytes(log, KAFKA), 0);
    disklog_set_notify_fd(log, MQTT, -1);
    close(efd);
    disklog_close(log);
}

/* The threads of test_threads: one writer, one reader per sink. */
#define THREAD_RECORDS 20000
struct thread_run {
    struct disklog *log;
    struct fixture *f;
    atomic_bool written;
    unsigned sink;
    uint64_t got, next_expected;
    bool in_order;
};

static void *writer_thread(void *arg)
{
    struct thread_run *t = arg;
    for (uint64_t s = 0; s < THREAD_RECORDS;) {
        struct disklog_record r[32];
        size_t n = 0;
        /* rec() keeps 64 buffers: a batch of 32 never reuses one. */
        for (; n < 32 && s < THREAD_RECORDS; n++, s++)
            r[n] = rec(t->f, s, mask_even_both(s), 120);
        assert_int_equal(disklog_append_batch(t->log, r, n), n);
        assert_int_equal(disklog_commit(t->log), 0);
    }
    atomic_store(&t->written, true);
    return NULL;
}

static void *reader_thread(void *arg)
{
    struct thread_run *t = arg;
    struct disklog_record r[50];
    for (;;) {
        bool written = atomic_load(&t->written);
        size_t n = disklog_read(t->log, t->sink, r, 50);
        if (n == 0 && written)
            break;
        if (n == 0) {
            usleep(200);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (r[i].seq != t->next_expected)
                t->in_order = false;
            t->next_expected = r[i].seq + (t->sink == MQTT ? 2 : 1);
        }
        /* Acknowledged out of order, as PUBACKs may come. */
        for (size_t i = n; i-- > 0;)
            disklog_ack(t->log, t->sink, r[i].pos);
        t->got += n;
    }
    return NULL;
}

/* A writer and two readers at once, with small segments rotated and
 * deleted under them: each sink gets exactly its records, in order. */
static void test_threads(void **state)
{
    struct fixture *f = *state;
    /* fsync is not what this tests: 625 commits on a slow disk take 15 s. */
    struct disklog_limits lim = {.segment_bytes = 65536, .fsync = DISKLOG_FSYNC_NEVER};
    struct disklog *log = open_log(f, &lim);
    struct thread_run w = {.log = log, .f = f};
    struct thread_run rd[2] = {
        {.log = log, .sink = MQTT, .in_order = true},
        {.log = log, .sink = KAFKA, .in_order = true},
    };
    pthread_t tw, tr[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&tr[i], NULL, reader_thread, &rd[i]), 0);
    assert_int_equal(pthread_create(&tw, NULL, writer_thread, &w), 0);
    pthread_join(tw, NULL);
    for (int i = 0; i < 2; i++) {
        atomic_store(&rd[i].written, true);
        pthread_join(tr[i], NULL);
    }
    assert_int_equal(rd[0].got, THREAD_RECORDS / 2);
    assert_int_equal(rd[1].got, THREAD_RECORDS);
    assert_true(rd[0].in_order);
    assert_true(rd[1].in_order);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.appended, THREAD_RECORDS);
    assert_int_equal(c.segments, 1); /* every older one passed by both and deleted */
    assert_int_equal(c.dropped_full + c.refused + c.io_errors, 0);
    disklog_close(log);
}

/* The segments are gone (an operator emptied the directory but kept the
 * positions file): new records get new numbers after the positions, so
 * no sink passes over them. */
static void test_segment_numbers_never_reused(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    append_range(f, log, 0, 9, mask_both, 300);
    uint64_t seq[16];
    struct disklog_pos pos[16];
    for (unsigned k = 0; k < 2; k++) {
        size_t n = read_all(log, k, 16, seq, pos, 16);
        assert_int_equal(n, 10);
        ack_first(log, k, pos, n);
    }
    disklog_close(log);
    assert_int_equal(unlink(seg_file(f, 1)), 0);

    log = open_log(f, NULL);
    append_range(f, log, 10, 11, mask_both, 300);
    assert_int_equal(access(seg_file(f, 2), F_OK), 0);
    for (unsigned k = 0; k < 2; k++) {
        assert_int_equal(read_all(log, k, 16, seq, NULL, 16), 2);
        assert_int_equal(seq[0], 10);
        assert_int_equal(seq[1], 11);
    }
    disklog_close(log);
}

static void write_file(const char *path, const void *p, size_t n);

/* Records far bigger than the usual few hundred bytes: the reader's
 * buffer and the sink's window grow for them (and what the window held
 * already is still right after it moved); one over DISKLOG_MAX_RECORD is
 * refused and counted. */
static void test_big_records(void **state)
{
    struct fixture *f = *state;
    static const size_t sizes[] = {30000, 30000, 30000, 200000, DISKLOG_MAX_RECORD};
    char *json[5];
    struct disklog_record in[5];
    for (size_t i = 0; i < 5; i++) {
        json[i] = malloc(sizes[i]);
        assert_non_null(json[i]);
        memset(json[i], 'a' + (int)i, sizes[i]);
        in[i] = rec(f, i, BOTH, 10);
        in[i].json = json[i];
        in[i].json_len = sizes[i];
    }
    struct disklog *log = open_log(f, NULL);
    int saved;
    capture_start(&saved);
    assert_int_equal(disklog_append_batch(log, in, 5), 4);
    const char *out_log = capture_end(saved);
    char want[512];
    snprintf(want, sizeof want,
             "warning: outbox: %s: the record of series 'dvc/tthc.received/00004' is over %u "
             "bytes: refused\n",
             f->dir, DISKLOG_MAX_RECORD);
    assert_string_equal(out_log, want);
    assert_int_equal(disklog_commit(log), 0);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.refused, 1);
    assert_int_equal(c.appended, 4);
    struct disklog_record out[8];
    assert_int_equal(disklog_read(log, KAFKA, out, 8), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(out[i].seq, i);
        assert_int_equal(out[i].json_len, sizes[i]);
        assert_memory_equal(out[i].json, json[i], sizes[i]);
        assert_int_equal(out[i].series_len, in[i].series_len);
        assert_memory_equal(out[i].series, in[i].series, in[i].series_len);
    }
    disklog_close(log);
    for (size_t i = 0; i < 5; i++)
        free(json[i]);
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char b;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0x40;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

/* A damaged positions file of ours: every sink replays from the oldest
 * record (duplicates, never a loss). A segment whose header a crash cut
 * short holds no record: removed. */
static void test_damaged_positions_and_torn_header(void **state)
{
    struct fixture *f = *state;
    struct disklog *log = open_log(f, NULL);
    append_range(f, log, 0, 3, mask_both, 100);
    uint64_t seq[8];
    struct disklog_pos pos[8];
    assert_int_equal(read_all(log, KAFKA, 8, seq, pos, 8), 4);
    ack_first(log, KAFKA, pos, 4);
    disklog_close(log);
    char positions[128];
    snprintf(positions, sizeof positions, "%s/positions", f->dir);
    flip_byte(positions, 20); /* inside the first name */
    write_file(seg_file(f, 2), "IOCDL", 5);

    int saved;
    capture_start(&saved);
    log = open_log(f, NULL);
    const char *out = capture_end(saved);
    char want[1024];
    snprintf(want, sizeof want,
             "warning: outbox: %s: torn header (5 bytes): removed\n"
             "warning: outbox: %s: bad CRC: every sink replays from the oldest record\n",
             seg_file(f, 2), positions);
    assert_string_equal(out, want);
    assert_int_equal(access(seg_file(f, 2), F_OK), -1);
    assert_int_equal(read_all(log, KAFKA, 8, seq, NULL, 8), 4); /* again: duplicates */
    assert_int_equal(seq[0], 0);
    assert_int_equal(read_all(log, MQTT, 8, seq, NULL, 8), 4);
    disklog_close(log);
}

static void write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
}

static void expect_refused(struct fixture *f, const char *want)
{
    char err[512] = "";
    struct disklog *log = disklog_open(f->dir, NULL, two_sinks, 2, err, sizeof err);
    assert_null(log);
    assert_string_equal(err, want);
}

static void test_not_ours_refused(void **state)
{
    struct fixture *f = *state;
    char want[512];
    const char *path = seg_file(f, 1);
    static const char text[] = "date,value\n2025-08-01,1199\n2025-08-02,1203\n";
    write_file(path, text, sizeof text - 1);
    snprintf(want, sizeof want,
             "%s: not an iocd outbox segment (bad magic), refusing to open the outbox", path);
    expect_refused(f, want);
    /* Left as it was: refusing never rewrites a file that is not ours. */
    assert_int_equal(file_size(path), sizeof text - 1);

    unsigned char head[32] = "IOCDLOG";
    head[8] = 2;   /* version 2 */
    head[12] = 32; /* header bytes */
    head[16] = 1;  /* segment 1 */
    write_file(path, head, sizeof head);
    snprintf(want, sizeof want,
             "%s: outbox segment format version 2 (this iocd reads version 1), refusing to open "
             "the outbox",
             path);
    expect_refused(f, want);

    unlink(path);
    char pos[128];
    snprintf(pos, sizeof pos, "%s/positions", f->dir);
    write_file(pos, "{\"mqtt\": 12}\n", 13);
    snprintf(want, sizeof want,
             "%s: not an iocd outbox positions file (bad magic), refusing to open the outbox",
             pos);
    expect_refused(f, want);
    assert_int_equal(file_size(pos), 13);
}

static void test_segments_deleted_when_passed(void **state)
{
    struct fixture *f = *state;
    struct disklog_limits lim = {.segment_bytes = 4096};
    struct disklog *log = open_log(f, &lim);
    append_range(f, log, 0, 39, mask_even_both, 500);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_true(c.segments >= 5);
    uint64_t seq[64];
    struct disklog_pos pos[64];
    size_t nk = read_all(log, KAFKA, 5, seq, pos, 64);
    assert_int_equal(nk, 40);
    ack_first(log, KAFKA, pos, nk);
    /* MQTT has acknowledged nothing: every segment stays. */
    disklog_counters(log, &c);
    assert_true(c.segments >= 5);
    assert_int_equal(access(seg_file(f, 1), F_OK), 0);
    size_t nm = read_all(log, MQTT, 5, seq, pos, 64);
    assert_int_equal(nm, 20);
    ack_first(log, MQTT, pos, nm);
    /* Both passed all: only the last (being written) is left. */
    disklog_counters(log, &c);
    assert_int_equal(c.segments, 1);
    assert_int_equal(access(seg_file(f, 1), F_OK), -1);
    assert_int_equal(c.dropped_full, 0);
    disklog_close(log);
}

static void test_max_disk_drops_oldest(void **state)
{
    struct fixture *f = *state;
    struct disklog_limits lim = {.segment_bytes = 4096, .max_disk = 16384};
    struct disklog *log = open_log(f, &lim);
    append_range(f, log, 0, 59, mask_both, 500);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_true(c.disk_bytes <= 16384);
    assert_true(c.segments <= 4);
    assert_true(c.dropped_full > 0);
    assert_int_equal(disklog_take_dropped(log), c.dropped_full);
    assert_int_equal(disklog_take_dropped(log), 0);
    assert_int_equal(access(seg_file(f, 1), F_OK), -1);
    /* Whole segments: what is left is a contiguous run up to the newest,
     * and with what was dropped it is every record appended. */
    uint64_t seq[64];
    size_t n = read_all(log, KAFKA, 7, seq, NULL, 64);
    assert_int_equal(n + c.dropped_full, 60);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seq[i], c.dropped_full + i);
    assert_int_equal(read_all(log, MQTT, 7, seq, NULL, 64), n);
    disklog_close(log);
}

/* A tmpfs of `kib` KiB on the fixture's directory; the test is skipped
 * (cmocka counts it as skipped, not passed) when this process cannot
 * mount one. */
static void mount_small_fs_or_skip(struct fixture *f, unsigned kib)
{
    char opts[32];
    snprintf(opts, sizeof opts, "size=%uk", kib);
    if (mount("tmpfs", f->dir, "tmpfs", 0, opts) != 0) {
        print_message("cannot mount a tmpfs (%s): the full-disk test needs root\n",
                      strerror(errno));
        skip();
    }
}

/* Fill the file system with `path` until a write fails. */
static void fill_up(const char *path)
{
    static char block[4096];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    while (write(fd, block, sizeof block) == (ssize_t)sizeof block)
        ;
    close(fd);
}

static void test_disk_full_refuses_then_recovers(void **state)
{
    struct fixture *f = *state;
    mount_small_fs_or_skip(f, 256);
    struct disklog_limits lim = {.segment_bytes = 32768};
    struct disklog *log = open_log(f, &lim);
    char ballast[128];
    snprintf(ballast, sizeof ballast, "%s/ballast", f->dir);
    fill_up(ballast);

    int saved;
    capture_start(&saved);
    struct disklog_record r = rec(f, 0, BOTH, 300);
    size_t took = disklog_append_batch(log, &r, 1);
    const char *out = capture_end(saved);
    assert_int_equal(took, 0);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.refused, 1);
    assert_true(c.failing);
    assert_int_equal(c.last_error, ENOSPC);
    assert_true(c.io_errors >= 1);
    char want[512];
    snprintf(want, sizeof want,
             "warning: outbox: %s: cannot create a segment: No space left on device; dropping "
             "the oldest segment to make room, or refusing metrics until writing works again\n",
             seg_file(f, 1));
    assert_string_equal(out, want);

    /* Space returns: the next append works, nothing else to do. */
    assert_int_equal(unlink(ballast), 0);
    r = rec(f, 1, BOTH, 300);
    assert_int_equal(disklog_append_batch(log, &r, 1), 1);
    assert_int_equal(disklog_commit(log), 0);
    disklog_counters(log, &c);
    assert_false(c.failing);
    assert_int_equal(c.appended, 1);
    uint64_t seq[4];
    assert_int_equal(read_all(log, KAFKA, 4, seq, NULL, 4), 1);
    assert_int_equal(seq[0], 1);
    disklog_close(log);
    assert_int_equal(umount(f->dir), 0);
}

static void test_disk_full_drops_oldest_to_make_room(void **state)
{
    struct fixture *f = *state;
    mount_small_fs_or_skip(f, 256);
    /* max_disk far above the file system: the disk fills first. */
    struct disklog_limits lim = {.segment_bytes = 32768, .max_disk = 64u << 20};
    struct disklog *log = open_log(f, &lim);
    int saved;
    capture_start(&saved);
    for (uint64_t s = 0; s < 1000; s++) {
        struct disklog_record r = rec(f, s, BOTH, 500);
        assert_int_equal(disklog_append_batch(log, &r, 1), 1);
        if (s % 16 == 15)
            assert_int_equal(disklog_commit(log), 0);
    }
    assert_int_equal(disklog_commit(log), 0);
    capture_end(saved);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.appended, 1000);
    assert_int_equal(c.refused, 0);
    assert_true(c.io_errors > 0);
    assert_int_equal(c.last_error, ENOSPC);
    assert_false(c.failing);
    assert_true(c.dropped_full > 0);
    uint64_t seq[1000];
    size_t n = read_all(log, KAFKA, 64, seq, NULL, 1000);
    assert_int_equal(n + c.dropped_full, 1000);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seq[i], c.dropped_full + i);
    print_message("disk full: %" PRIu64 " I/O errors, %" PRIu64 " dropped, %zu kept\n",
                  c.io_errors, c.dropped_full, n);
    disklog_close(log);
    assert_int_equal(umount(f->dir), 0);
}

/* A sink not enabled in a run keeps its bit (a NULL name): records of an
 * earlier run meant for it are not read by the others, it holds no
 * segment back, and when it comes back its position is read again. */
static void test_unused_slot_keeps_bits(void **state)
{
    struct fixture *f = *state;
    struct disklog_limits lim = {.segment_bytes = 4096};
    struct disklog *log = open_log(f, &lim);
    append_range(f, log, 0, 3, mask_both, 60);
    uint64_t seq[64];
    struct disklog_pos pos[64];
    assert_int_equal(read_all(log, KAFKA, 8, seq, pos, 64), 4);
    for (size_t i = 0; i < 4; i++)
        disklog_ack(log, KAFKA, pos[i]);
    disklog_close(log);

    /* mqtt not enabled: slot 0 unused, kafka keeps bit 1. */
    const char *only_kafka[] = {NULL, "kafka"};
    char err[512] = "";
    log = disklog_open(f->dir, &lim, only_kafka, 2, err, sizeof err);
    if (!log)
        fail_msg("disklog_open: %s", err);
    assert_int_equal(read_all(log, KAFKA, 8, seq, pos, 64), 0); /* acknowledged before */
    assert_int_equal(read_all(log, MQTT, 8, seq, NULL, 64), 0); /* unused: reads nothing */
    /* Many records, several segments: every one kafka passes is deleted,
     * although mqtt (unused) never read them. */
    append_range(f, log, 4, 200, mask_both, 200);
    struct disklog_record r[16];
    size_t got, total = 0;
    while ((got = disklog_read(log, KAFKA, r, 16)) > 0)
        for (size_t i = 0; i < got; i++, total++)
            disklog_ack(log, KAFKA, r[i].pos);
    assert_int_equal(total, 197);
    struct disklog_counters c;
    disklog_counters(log, &c);
    assert_int_equal(c.segments, 1); /* only the one being written */
    assert_int_equal(c.dropped_full, 0);
    assert_int_equal(disklog_backlog_bytes(log, KAFKA), 0);
    disklog_close(log);
    /* mqtt back: it starts at the oldest record still on disk, with the
     * records meant for it, in order. */
    log = open_log(f, &lim);
    uint64_t first = UINT64_MAX, last = 0;
    total = 0;
    while ((got = disklog_read(log, MQTT, r, 16)) > 0)
        for (size_t i = 0; i < got; i++, total++) {
            if (total == 0)
                first = r[i].seq;
            else
                assert_int_equal(r[i].seq, last + 1);
            last = r[i].seq;
        }
    assert_true(total > 0);
    assert_int_equal(last, 200);
    assert_true(first > 4); /* the segments kafka passed are gone */
    assert_int_equal(read_all(log, KAFKA, 8, seq, NULL, 64), 0);
    disklog_close(log);
    /* the log also refuses a list of unused slots only */
    const char *none[] = {NULL, NULL};
    assert_null(disklog_open(f->dir, &lim, none, 2, err, sizeof err));
    assert_non_null(strstr(err, "no sink reads the outbox"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_two_sinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_acks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_replays_unacknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_middle_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_ours_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_positions_and_torn_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_and_backlog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_numbers_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_deleted_when_passed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_disk_drops_oldest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_refuses_then_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_drops_oldest_to_make_room, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unused_slot_keeps_bits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
