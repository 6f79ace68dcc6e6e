/* disklog - see disklog.h; the bytes on disk are disklog_format.h's.
 *
 * State in memory is small: the list of segments (number, size), and per
 * sink its read position, the positions it has in flight (ascending, each
 * with an acknowledged flag) and its read window. The acknowledged
 * position is derived, never stored: the first record in flight not yet
 * acknowledged, else the read position. Readers see records up to
 * `visible`, which only commit moves, so a sink never sends a poll's
 * metrics before they are durable (with fsync = poll).
 *
 * One lock guards that state. A sink's file reads run unlocked on its own
 * descriptor; a drop that moves its read position under it bumps its
 * generation and the read starts over. The writer appends under the lock
 * (writes to the page cache) and fsyncs unlocked (only the writer thread
 * uses its descriptor). */
#include "disklog.h"

#include "clock.h"
#include "disklog_format.h"
#include "disklog_positions.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DL_WHO "outbox"
#define DL_DEFAULT_SEGMENT (8u * 1024 * 1024)
#define DL_DEFAULT_MAX_DISK (1024ull * 1024 * 1024)
#define DL_DEFAULT_INTERVAL_MS 1000
/* Positions written at most this often between commits: what a crash
 * replays beyond what was in flight is at most this long of acks. */
#define DL_DEFAULT_POSITIONS_MS 100
#define DL_DEFAULT_WINDOW (1024u * 1024)
/* A sink's window starts this small: most reads are a few small records. */
#define DL_WINDOW_START (64u * 1024)
/* Frames gathered before one write(2). */
#define DL_WRITE_CHUNK (256u * 1024)

struct dl_segment {
    uint64_t num;
    uint64_t size; /* bytes of valid data (the file's size, once closed) */
};

struct dl_sink {
    char *name;
    struct disklog_pos read;     /* the next frame to read */
    struct disklog_pos *flight;  /* handed out, ascending: flight[head..len) */
    bool *acked;
    size_t head, len, cap;
    uint64_t gen;                /* bumped when read moves under an unlocked read */
    int fd;                      /* the segment being read (-1: none) */
    uint64_t fd_seg;
    int notify_fd;               /* eventfd written by commit, -1 */
    struct dlf_reader rd;
    unsigned char *window;       /* grown on demand up to the limits' read_window */
    size_t window_cap;
};

struct disklog {
    pthread_mutex_t lock;
    char *dir;
    struct disklog_limits lim;
    struct dl_segment *segs; /* oldest first */
    size_t nsegs, segcap;
    uint64_t recovered_last;  /* the last segment found at open: corruption is counted once */
    uint64_t next_seg;        /* the number of the next segment: never reused, even when
                                 every segment was dropped */
    int wfd;                  /* the segment this run writes: segs[nsegs - 1]; -1 none yet */
    struct disklog_pos visible;
    unsigned char *wbuf;
    size_t wlen, wrecs;
    bool dir_dirty;
    int64_t fsync_at, positions_at;
    bool positions_dirty;
    bool positions_failing; /* the last write of the positions failed (logged once) */
    struct dlf_reader scan;
    size_t nsinks;
    struct dl_sink sinks[DISKLOG_MAX_SINKS];
    struct disklog_counters c;
    uint64_t dropped_untaken;
    bool opened; /* recovery done: close may write the positions */
    int lock_fd; /* DIR/lock, flock'ed: one process per log */
};

/* ---- small helpers ---------------------------------------------------- */

static int pos_cmp(struct disklog_pos a, struct disklog_pos b)
{
    if (a.segment != b.segment)
        return a.segment < b.segment ? -1 : 1;
    return a.offset < b.offset ? -1 : a.offset > b.offset;
}

static char *seg_path(const struct disklog *log, uint64_t num)
{
    char *p = NULL;
    return asprintf(&p, "%s/%020" PRIu64 ".seg", log->dir, num) < 0 ? NULL : p;
}

static void sync_dir(struct disklog *log)
{
    int fd = open(log->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) == 0)
            log->c.fsyncs++;
        close(fd);
    }
}

static void io_error(struct disklog *log, int e)
{
    log->c.io_errors++;
    log->c.last_error = e;
}

/* The sink's acknowledged position: its first record in flight not yet
 * acknowledged, else where it reads next. */
static struct disklog_pos sink_acked(const struct dl_sink *s)
{
    return s->head < s->len ? s->flight[s->head] : s->read;
}

/* Index of the first segment numbered `num` or later; nsegs if none. */
static size_t seg_find(const struct disklog *log, uint64_t num)
{
    size_t lo = 0, hi = log->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->segs[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* How far readers may read segment i: all of it once a later one is
 * committed, up to the last commit in the one being written. */
static uint64_t seg_visible_end(const struct disklog *log, size_t i)
{
    const struct dl_segment *s = &log->segs[i];
    if (s->num < log->visible.segment)
        return s->size;
    return s->num == log->visible.segment ? log->visible.offset : DLF_HEADER;
}

/* A position moved onto an existing segment: the first one at or after
 * it, at least past its header, at most its end. */
static struct disklog_pos pos_clamp(const struct disklog *log, struct disklog_pos p)
{
    size_t i = seg_find(log, p.segment);
    if (i == log->nsegs)
        return log->nsegs ? (struct disklog_pos){log->segs[i - 1].num, log->segs[i - 1].size} : p;
    if (log->segs[i].num > p.segment)
        return (struct disklog_pos){log->segs[i].num, DLF_HEADER};
    if (p.offset < DLF_HEADER)
        p.offset = DLF_HEADER;
    if (p.offset > log->segs[i].size)
        p.offset = log->segs[i].size;
    return p;
}

/* ---- positions file (disklog_positions.c) ------------------------------ */

/* Write every sink's acknowledged position; a failure is logged once per
 * failing spell and counted, and the positions stay in memory (the next
 * commit tries again). Only `durable` saves (at close) are fsync'ed: a
 * position is a bound on duplicates, never on loss (an older one replays
 * more), so a crash of iocd alone, after which the kernel still has the
 * file, is what matters, and the acknowledgements that write it (a sink's
 * thread) must not wait on the disk. */
static void positions_save(struct disklog *log, bool durable)
{
    const char *names[DISKLOG_MAX_SINKS];
    struct disklog_pos pos[DISKLOG_MAX_SINKS];
    size_t n = 0;
    for (size_t k = 0; k < log->nsinks; k++) {
        if (!log->sinks[k].name)
            continue; /* an unused slot */
        names[n] = log->sinks[k].name;
        pos[n++] = sink_acked(&log->sinks[k]);
    }
    bool sync = durable && log->lim.fsync != DISKLOG_FSYNC_NEVER;
    char where[4096];
    if (dlp_save(log->dir, names, pos, n, sync, where, sizeof where) == 0) {
        if (log->positions_failing)
            log_msg(LOG_LEVEL_INFO, DL_WHO, "%s: positions written again", where);
        log->positions_failing = false;
        log->positions_dirty = false;
        log->positions_at = clock_mono_ms();
        if (sync) {
            log->c.fsyncs++;
            sync_dir(log);
        }
        return;
    }
    int e = errno;
    if (!log->positions_failing)
        log_msg(LOG_LEVEL_WARNING, DL_WHO, "%s: cannot write: %s (positions kept in memory)",
                where, strerror(e));
    log->positions_failing = true;
    io_error(log, e);
}

/* Read the positions file into the sinks' read positions; -1 (err filled)
 * only for a file that is not ours. */
static int positions_load(struct disklog *log, char *err, size_t errlen)
{
    const char *names[DISKLOG_MAX_SINKS];
    struct disklog_pos pos[DISKLOG_MAX_SINKS] = {{0, 0}};
    size_t slot[DISKLOG_MAX_SINKS], n = 0;
    for (size_t k = 0; k < log->nsinks; k++)
        if (log->sinks[k].name) {
            slot[n] = k;
            names[n++] = log->sinks[k].name;
        }
    const char *why = "";
    switch (dlp_load(log->dir, names, pos, n, &why, err, errlen)) {
    case DLP_FOREIGN: return -1;
    case DLP_DAMAGED:
        /* A replay from the oldest record: duplicates, never a loss. */
        log_msg(LOG_LEVEL_WARNING, DL_WHO, "%s/positions: %s: every sink replays from the oldest record",
                log->dir, why);
        break;
    case DLP_LOADED:
        for (size_t i = 0; i < n; i++)
            log->sinks[slot[i]].read = pos[i];
        break;
    case DLP_NONE: break;
    }
    return 0;
}

/* ---- segments ----------------------------------------------------------- */

static int segs_push(struct disklog *log, uint64_t num, uint64_t size)
{
    if (log->nsegs == log->segcap) {
        size_t cap = log->segcap ? log->segcap * 2 : 16;
        struct dl_segment *s = realloc(log->segs, cap * sizeof *s);
        if (!s)
            return -1;
        log->segs = s;
        log->segcap = cap;
    }
    log->segs[log->nsegs++] = (struct dl_segment){num, size};
    log->c.disk_bytes += size;
    return 0;
}

/* Records of segment 0 that some sink has not yet taken (at or after its
 * acknowledged position, meant for it). Reads the segment's frames. */
static uint64_t seg_untaken(struct disklog *log, const struct dl_segment *seg)
{
    struct disklog_pos acked[DISKLOG_MAX_SINKS];
    bool any = false;
    /* A record a sink has read is in its window in memory and still
     * goes out (its acknowledgement then finds nothing): only what no
     * reader has taken yet is lost with the segment. */
    for (size_t k = 0; k < log->nsinks; k++) {
        acked[k] = log->sinks[k].read;
        any |= log->sinks[k].name && acked[k].segment <= seg->num;
    }
    char *path = any ? seg_path(log, seg->num) : NULL;
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    free(path);
    if (fd < 0)
        return 0;
    dlf_reader_use(&log->scan, fd);
    uint64_t off = DLF_HEADER, next, lost = 0;
    for (;;) {
        struct disklog_record r;
        const char *why;
        enum dlf_frame_check c = dlf_frame_at(&log->scan, off, seg->size, &r, &next, &why);
        if (c == DLF_FRAME_BAD) {
            off = dlf_resync(&log->scan, off, seg->size);
            continue;
        }
        if (c != DLF_FRAME_OK)
            break;
        struct disklog_pos p = {seg->num, off};
        for (size_t k = 0; k < log->nsinks; k++)
            if (log->sinks[k].name && (r.sinks & (1u << k)) && pos_cmp(p, acked[k]) >= 0) {
                lost++;
                break;
            }
        off = next;
    }
    close(fd);
    return lost;
}

/* May the oldest segment go to make room? Never the one being written,
 * and never one holding records not yet committed: they were never
 * visible to a sink, and the caller is about to count them as durable
 * (its connector's state is saved after the commit). Refusing the new
 * records instead is what is counted and told. */
static bool seg_oldest_droppable(const struct disklog *log)
{
    if (log->nsegs < 2)
        return false;
    const struct dl_segment *old = &log->segs[0];
    return old->num < log->visible.segment ||
           (old->num == log->visible.segment && old->size <= log->visible.offset);
}

/* Delete the oldest segment. `count` says whether
 * what some sink had not taken is counted as dropped (a drop) or known to
 * be nothing (every sink passed it). */
static void seg_remove_oldest(struct disklog *log, bool count)
{
    struct dl_segment seg = log->segs[0];
    if (count) {
        uint64_t lost = seg_untaken(log, &seg);
        log->c.dropped_full += lost;
        log->dropped_untaken += lost;
    }
    struct disklog_pos next = {log->nsegs > 1 ? log->segs[1].num : seg.num + 1, DLF_HEADER};
    for (size_t k = 0; k < log->nsinks; k++) {
        struct dl_sink *s = &log->sinks[k];
        /* In-flight records of the segment are gone: a late ack of one
         * finds nothing, and the acknowledged position moves on. */
        while (s->head < s->len && s->flight[s->head].segment <= seg.num)
            s->head++;
        if (s->read.segment <= seg.num) {
            s->read = next;
            s->gen++;
        }
    }
    char *path = seg_path(log, seg.num);
    if (path && unlink(path) != 0 && errno != ENOENT)
        io_error(log, errno);
    free(path);
    log->c.disk_bytes -= seg.size;
    memmove(log->segs, log->segs + 1, (log->nsegs - 1) * sizeof *log->segs);
    log->nsegs--;
    log->positions_dirty = true;
}

/* Delete the segments every sink has passed. */
static void segs_collect(struct disklog *log)
{
    while (log->nsegs > 1) {
        const struct dl_segment *s = &log->segs[0];
        for (size_t k = 0; k < log->nsinks; k++) {
            struct disklog_pos p = sink_acked(&log->sinks[k]);
            if (!log->sinks[k].name)
                continue; /* an unused slot holds nothing back */
            if (p.segment < s->num || (p.segment == s->num && p.offset < s->size))
                return;
        }
        seg_remove_oldest(log, false);
    }
}

static void enforce_max_disk(struct disklog *log)
{
    while (log->c.disk_bytes > log->lim.max_disk && seg_oldest_droppable(log))
        seg_remove_oldest(log, true);
}

/* ---- recovery ----------------------------------------------------------- */

/* Check segment `num` frame by frame; add it to the list. `last`: the
 * newest file, whose tail may be torn by a crash. -1 with err filled for
 * a file that is not ours or cannot be read. */
static int seg_recover(struct disklog *log, uint64_t num, bool last, char *err, size_t errlen)
{
    char *path = seg_path(log, num);
    if (!path) {
        snprintf(err, errlen, "%s: out of memory", log->dir);
        return -1;
    }
    int rc = -1;
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    unsigned char head[DLF_HEADER];
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file, refusing to open the outbox", path);
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    size_t hn = size < DLF_HEADER ? (size_t)size : DLF_HEADER;
    if (pread(fd, head, hn, 0) != (ssize_t)hn) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    struct dlf_header h;
    switch (dlf_header_decode(head, hn, &h)) {
    case DLF_HEADER_FOREIGN:
        snprintf(err, errlen, "%s: not an iocd outbox segment (bad magic), refusing to open the outbox",
                 path);
        goto out;
    case DLF_HEADER_VERSION:
        snprintf(err, errlen,
                 "%s: outbox segment format version %" PRIu32
                 " (this iocd reads version %u), refusing to open the outbox",
                 path, h.version, DLF_VERSION);
        goto out;
    case DLF_HEADER_TORN:
        /* Created, header not yet written: it holds no record. */
        log_msg(LOG_LEVEL_WARNING, DL_WHO, "%s: torn header (%" PRIu64 " bytes): removed", path,
                size);
        if (unlink(path) != 0)
            io_error(log, errno);
        rc = 0;
        goto out;
    case DLF_HEADER_OK: break;
    }
    if (h.segment != num) {
        snprintf(err, errlen,
                 "%s: its header says segment %" PRIu64 ", refusing to open the outbox", path,
                 h.segment);
        goto out;
    }
    dlf_reader_use(&log->scan, fd);
    uint64_t off = DLF_HEADER, next;
    for (;;) {
        struct disklog_record r;
        const char *why = "";
        enum dlf_frame_check c = dlf_frame_at(&log->scan, off, size, &r, &next, &why);
        if (c == DLF_FRAME_OK) {
            off = next;
            continue;
        }
        if (c == DLF_FRAME_END)
            break;
        if (c == DLF_FRAME_IO) {
            snprintf(err, errlen, "%s: cannot read at offset %" PRIu64 ": %s", path, off,
                     strerror(log->scan.error));
            goto out;
        }
        uint64_t found = dlf_resync(&log->scan, off, size);
        if (found == size && last) {
            log_msg(LOG_LEVEL_WARNING, DL_WHO,
                    "%s: torn tail at offset %" PRIu64 " (%s): truncated %" PRIu64 " bytes", path,
                    off, why, size - off);
            if (ftruncate(fd, (off_t)off) != 0 ||
                (log->lim.fsync != DISKLOG_FSYNC_NEVER && fsync(fd) != 0)) {
                snprintf(err, errlen, "%s: cannot truncate at offset %" PRIu64 ": %s", path, off,
                         strerror(errno));
                goto out;
            }
            log->c.truncated += size - off;
            size = off;
            break;
        }
        log_msg(LOG_LEVEL_WARNING, DL_WHO,
                "%s: corrupt record at offset %" PRIu64 " (%s): skipped %" PRIu64
                " bytes to %s",
                path, off, why, found - off,
                found == size ? "the end of the segment" : "the next valid record");
        log->c.corrupt++;
        off = found;
    }
    if (segs_push(log, num, size) != 0) {
        snprintf(err, errlen, "%s: out of memory", log->dir);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

static int num_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment numbers of the directory's NNNNNNNNNNNNNNNNNNNN.seg files,
 * sorted; other names are not ours to judge and are left alone. */
static int list_segments(struct disklog *log, uint64_t **out, size_t *n, char *err, size_t errlen)
{
    DIR *d = opendir(log->dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the outbox directory: %s", log->dir,
                 strerror(errno));
        return -1;
    }
    uint64_t *nums = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (strlen(name) != 24 || strcmp(name + 20, ".seg") != 0 ||
            strspn(name, "0123456789") != 20)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            uint64_t *more = realloc(nums, cap * sizeof *nums);
            if (!more) {
                free(nums);
                closedir(d);
                snprintf(err, errlen, "%s: out of memory", log->dir);
                return -1;
            }
            nums = more;
        }
        nums[(*n)++] = strtoull(name, NULL, 10);
    }
    closedir(d);
    if (*n)
        qsort(nums, *n, sizeof *nums, num_cmp);
    *out = nums;
    return 0;
}

/* ---- open and close ----------------------------------------------------- */

static void limits_defaults(struct disklog_limits *l)
{
    if (!l->max_disk)
        l->max_disk = DL_DEFAULT_MAX_DISK;
    if (!l->segment_bytes)
        l->segment_bytes = DL_DEFAULT_SEGMENT;
    /* At least two segments fit, so dropping the oldest makes room. */
    if (l->segment_bytes > l->max_disk / 2)
        l->segment_bytes = l->max_disk / 2;
    if (l->segment_bytes < DLF_HEADER + DLF_FRAME_HEAD + DLF_PAYLOAD_FIXED)
        l->segment_bytes = DLF_HEADER + DLF_FRAME_HEAD + DLF_PAYLOAD_FIXED;
    if (l->fsync_interval_ms <= 0)
        l->fsync_interval_ms = DL_DEFAULT_INTERVAL_MS;
    if (l->positions_interval_ms <= 0)
        l->positions_interval_ms = DL_DEFAULT_POSITIONS_MS;
    if (!l->read_window)
        l->read_window = DL_DEFAULT_WINDOW;
    if (l->read_window < DISKLOG_MAX_RECORD)
        l->read_window = DISKLOG_MAX_RECORD;
}

static int sinks_init(struct disklog *log, const char *const *sinks, size_t nsinks, char *err,
                      size_t errlen)
{
    if (nsinks == 0 || nsinks > DISKLOG_MAX_SINKS) {
        snprintf(err, errlen, "%s: %zu sinks (1 to %d)", log->dir, nsinks, DISKLOG_MAX_SINKS);
        return -1;
    }
    size_t active = 0;
    for (size_t k = 0; k < nsinks; k++) {
        struct dl_sink *s = &log->sinks[k];
        *s = (struct dl_sink){.fd = -1, .notify_fd = -1, .window_cap = DL_WINDOW_START};
        log->nsinks = k + 1;
        if (!sinks[k])
            continue; /* an unused slot: its bit is kept for a sink not enabled */
        active++;
        size_t len = strlen(sinks[k]);
        for (size_t j = 0; j < k; j++)
            if (sinks[j] && !strcmp(sinks[j], sinks[k]))
                len = 0;
        if (len == 0 || len > 255) {
            snprintf(err, errlen, "%s: sink name '%s': empty, repeated or over 255 bytes",
                     log->dir, sinks[k]);
            return -1;
        }
        if (!(s->name = strdup(sinks[k])) || dlf_reader_init(&s->rd) != 0 ||
            !(s->window = malloc(s->window_cap))) {
            snprintf(err, errlen, "%s: out of memory", log->dir);
            return -1;
        }
    }
    if (active == 0) {
        snprintf(err, errlen, "%s: no sink reads the outbox", log->dir);
        return -1;
    }
    return 0;
}

/* mkdir -p, each new directory 0700 (the state directory itself may not
 * exist yet when the outbox under it is opened). */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Two processes writing one log would interleave their frames and
 * overwrite each other's positions: the second is refused (an flock is
 * released by the kernel when its holder dies, so a crash leaves none). */
static int lock_dir(struct disklog *log, char *err, size_t errlen)
{
    char *path = NULL;
    if (asprintf(&path, "%s/lock", log->dir) < 0) {
        snprintf(err, errlen, "%s: out of memory", log->dir);
        return -1;
    }
    log->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    int e = errno;
    if (log->lock_fd >= 0 && flock(log->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        e = errno;
        close(log->lock_fd);
        log->lock_fd = -1;
        if (e == EWOULDBLOCK) {
            snprintf(err, errlen, "%s: in use by another iocd process (it holds %s)", log->dir,
                     path);
            free(path);
            return -1;
        }
    }
    if (log->lock_fd < 0) {
        snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

struct disklog *disklog_open(const char *dir, const struct disklog_limits *limits,
                             const char *const *sinks, size_t nsinks, char *err, size_t errlen)
{
    struct disklog *log = calloc(1, sizeof *log);
    if (!log || !(log->dir = strdup(dir))) {
        snprintf(err, errlen, "%s: out of memory", dir);
        free(log);
        return NULL;
    }
    pthread_mutex_init(&log->lock, NULL);
    log->wfd = -1;
    log->lock_fd = -1;
    log->lim = limits ? *limits : (struct disklog_limits){0};
    limits_defaults(&log->lim);
    uint64_t *nums = NULL;
    size_t n = 0;
    if (dlf_reader_init(&log->scan) != 0 || !(log->wbuf = malloc(DL_WRITE_CHUNK + DLF_MAX_FRAME))) {
        snprintf(err, errlen, "%s: out of memory", dir);
        goto fail;
    }
    if (sinks_init(log, sinks, nsinks, err, errlen) != 0)
        goto fail;
    if (make_dirs(dir) != 0) {
        snprintf(err, errlen, "%s: cannot create the outbox directory: %s", dir, strerror(errno));
        goto fail;
    }
    if (lock_dir(log, err, errlen) != 0)
        goto fail;
    if (list_segments(log, &nums, &n, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (seg_recover(log, nums[i], i + 1 == n, err, errlen) != 0)
            goto fail;
    free(nums);
    nums = NULL;
    if (positions_load(log, err, errlen) != 0)
        goto fail;
    /* After every segment: also after a position the positions file
     * names (its segments gone), or that sink would pass over the new ones. */
    log->next_seg = log->nsegs ? log->segs[log->nsegs - 1].num + 1 : 1;
    for (size_t k = 0; k < log->nsinks; k++)
        if (log->sinks[k].read.segment >= log->next_seg)
            log->next_seg = log->sinks[k].read.segment + 1;
    for (size_t k = 0; k < log->nsinks; k++)
        log->sinks[k].read = pos_clamp(log, log->sinks[k].read);
    if (log->nsegs) {
        const struct dl_segment *last = &log->segs[log->nsegs - 1];
        log->visible = (struct disklog_pos){last->num, last->size};
        log->recovered_last = last->num;
    }
    enforce_max_disk(log);
    segs_collect(log);
    log->fsync_at = log->positions_at = clock_mono_ms();
    log->opened = true;
    return log;
fail:
    free(nums);
    disklog_close(log);
    return NULL;
}

static void sink_free(struct dl_sink *s)
{
    free(s->name);
    free(s->flight);
    free(s->acked);
    free(s->window);
    dlf_reader_free(&s->rd);
    if (s->fd >= 0)
        close(s->fd);
}

void disklog_close(struct disklog *log)
{
    if (!log)
        return;
    if (log->opened) { /* never over a file that open refused */
        if (log->wfd >= 0 && log->lim.fsync != DISKLOG_FSYNC_NEVER && fsync(log->wfd) == 0)
            log->c.fsyncs++;
        positions_save(log, true);
    }
    if (log->wfd >= 0)
        close(log->wfd);
    if (log->lock_fd >= 0)
        close(log->lock_fd); /* and its lock */
    for (size_t k = 0; k < log->nsinks; k++)
        sink_free(&log->sinks[k]);
    dlf_reader_free(&log->scan);
    pthread_mutex_destroy(&log->lock);
    free(log->segs);
    free(log->wbuf);
    free(log->dir);
    free(log);
}

/* ---- writing ------------------------------------------------------------ */

/* pwrite all of p at off: 0, or -1 with errno. */
static int write_all(int fd, const unsigned char *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* A failed write: say so once per failing spell, and count it. */
static void write_failed(struct disklog *log, const char *what, uint64_t num, int e)
{
    if (!log->c.failing) {
        char *path = seg_path(log, num);
        log_msg(LOG_LEVEL_WARNING, DL_WHO,
                "%s: cannot %s: %s; dropping the oldest segment to make room, or refusing "
                "metrics until writing works again",
                path ? path : log->dir, what, strerror(e));
        free(path);
    }
    io_error(log, e);
    log->c.failing = true;
}

/* Start segment (last + 1) for this run's writes, the one before closed
 * (and fsync'ed unless fsync = never). 0 or -1 (counted). */
static int seg_create(struct disklog *log)
{
    uint64_t num = log->next_seg;
    if (log->wfd >= 0) {
        if (log->lim.fsync != DISKLOG_FSYNC_NEVER && fsync(log->wfd) == 0)
            log->c.fsyncs++;
        close(log->wfd);
        log->wfd = -1;
    }
    char *path = seg_path(log, num);
    if (!path)
        return -1;
    unsigned char head[DLF_HEADER];
    dlf_header_encode(head, num, clock_wall_ms());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write_all(fd, head, DLF_HEADER, 0) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(path);
        }
        free(path);
        write_failed(log, "create a segment", num, e);
        return -1;
    }
    free(path);
    if (segs_push(log, num, DLF_HEADER) != 0) {
        close(fd);
        return -1;
    }
    log->next_seg = num + 1;
    log->wfd = fd;
    log->dir_dirty = true;
    return 0;
}

/* seg_create, and if it fails, drop the oldest segment to make room and
 * try once more. */
static int seg_start(struct disklog *log)
{
    if (seg_create(log) == 0)
        return 0;
    if (!seg_oldest_droppable(log))
        return -1;
    seg_remove_oldest(log, true);
    return seg_create(log);
}

/* Write the gathered frames to the end of this run's segment. On a
 * failure, cut back what was partly written, drop the oldest segment to
 * make room and try once more. 0, or -1 (the frames are then refused). */
static int flush(struct disklog *log)
{
    if (!log->wlen)
        return 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct dl_segment *seg = &log->segs[log->nsegs - 1];
        if (write_all(log->wfd, log->wbuf, log->wlen, seg->size) == 0) {
            seg->size += log->wlen;
            log->c.disk_bytes += log->wlen;
            log->c.appended += log->wrecs;
            if (log->c.failing)
                log_msg(LOG_LEVEL_INFO, DL_WHO, "%s: writing works again", log->dir);
            log->c.failing = false;
            log->wlen = log->wrecs = 0;
            return 0;
        }
        int e = errno;
        if (ftruncate(log->wfd, (off_t)seg->size) != 0)
            io_error(log, errno);
        write_failed(log, "write", seg->num, e);
        if (!seg_oldest_droppable(log))
            break;
        seg_remove_oldest(log, true);
    }
    log->c.refused += log->wrecs;
    log->wlen = log->wrecs = 0;
    return -1;
}

size_t disklog_append_batch(struct disklog *log, const struct disklog_record *recs, size_t n)
{
    pthread_mutex_lock(&log->lock);
    size_t done = 0, i;
    for (i = 0; i < n; i++) {
        size_t fs = dlf_frame_size(&recs[i]);
        if (fs == 0) {
            log_msg(LOG_LEVEL_WARNING, DL_WHO,
                    "%s: the record of series '%.*s' is over %u bytes: refused", log->dir,
                    (int)(recs[i].series_len > 200 ? 200 : recs[i].series_len), recs[i].series,
                    DISKLOG_MAX_RECORD);
            log->c.refused++;
            continue;
        }
        bool full = log->wfd >= 0 &&
                    log->segs[log->nsegs - 1].size + log->wlen + fs > log->lim.segment_bytes &&
                    log->segs[log->nsegs - 1].size + log->wlen > DLF_HEADER;
        if (log->wfd < 0 || full || log->wlen + fs > DL_WRITE_CHUNK + DLF_MAX_FRAME) {
            size_t gathered = log->wrecs;
            if (flush(log) != 0)
                break;
            done += gathered;
            if ((log->wfd < 0 || full) && seg_start(log) != 0)
                break;
        }
        dlf_frame_encode(&recs[i], log->wbuf + log->wlen);
        log->wlen += fs;
        log->wrecs++;
    }
    size_t gathered = log->wrecs;
    if (i == n && flush(log) == 0)
        done += gathered;
    else
        log->c.refused += n - i; /* the rest of the batch, after a failure */
    enforce_max_disk(log);
    pthread_mutex_unlock(&log->lock);
    return done;
}

int disklog_commit(struct disklog *log)
{
    pthread_mutex_lock(&log->lock);
    int64_t now = clock_mono_ms();
    bool sync = log->wfd >= 0 &&
                (log->lim.fsync == DISKLOG_FSYNC_POLL ||
                 (log->lim.fsync == DISKLOG_FSYNC_INTERVAL &&
                  now - log->fsync_at >= log->lim.fsync_interval_ms));
    bool dir = sync && log->dir_dirty;
    int fd = log->wfd;
    struct disklog_pos end = log->visible;
    if (log->nsegs)
        end = (struct disklog_pos){log->segs[log->nsegs - 1].num, log->segs[log->nsegs - 1].size};
    pthread_mutex_unlock(&log->lock);

    /* Only this thread writes through fd: the fsync needs no lock, and the
     * sinks go on reading and acknowledging meanwhile. */
    int rc = 0, e = 0;
    if (sync && fsync(fd) != 0) {
        rc = -1;
        e = errno;
    }

    pthread_mutex_lock(&log->lock);
    if (sync) {
        log->fsync_at = now;
        if (rc == 0)
            log->c.fsyncs++;
        else
            write_failed(log, "fsync", end.segment, e);
        if (dir) {
            sync_dir(log);
            log->dir_dirty = false;
        }
    }
    if (pos_cmp(end, log->visible) > 0) {
        for (size_t k = 0; k < log->nsinks; k++) {
            uint64_t one = 1;
            if (log->sinks[k].notify_fd >= 0 &&
                write(log->sinks[k].notify_fd, &one, sizeof one) != (ssize_t)sizeof one)
                continue; /* EAGAIN: the counter is full, the sink is woken anyway */
        }
    }
    log->visible = end;
    log->c.commits++;
    /* What the appends could not drop (not yet committed) may go now. */
    enforce_max_disk(log);
    if (log->positions_dirty)
        positions_save(log, false);
    pthread_mutex_unlock(&log->lock);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

static int flight_push(struct dl_sink *s, struct disklog_pos p)
{
    if (s->head == s->len)
        s->head = s->len = 0;
    if (s->len == s->cap && s->head > 0) {
        memmove(s->flight, s->flight + s->head, (s->len - s->head) * sizeof *s->flight);
        memmove(s->acked, s->acked + s->head, (s->len - s->head) * sizeof *s->acked);
        s->len -= s->head;
        s->head = 0;
    }
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct disklog_pos *f = realloc(s->flight, cap * sizeof *f);
        if (f)
            s->flight = f;
        bool *a = f ? realloc(s->acked, cap * sizeof *a) : NULL;
        if (!a)
            return -1;
        s->acked = a;
        s->cap = cap;
    }
    s->flight[s->len] = p;
    s->acked[s->len++] = false;
    return 0;
}

/* Make sure the sink's descriptor reads segment `num`. 0, or -1 (errno). */
static int sink_open_segment(struct disklog *log, struct dl_sink *s, uint64_t num)
{
    if (s->fd >= 0 && s->fd_seg == num)
        return 0;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    char *path = seg_path(log, num);
    if (!path) {
        errno = ENOMEM;
        return -1;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (s->fd < 0)
        return -1;
    s->fd_seg = num;
    dlf_reader_use(&s->rd, s->fd);
    return 0;
}

/* Make the sink's window hold `used` + `len` bytes, at most read_window:
 * -1 when it cannot (the read ends here). The records already in
 * out[0..n), whose payloads start at at[] and end at `used`, are decoded
 * again in the moved window. */
static int sink_window_grow(const struct disklog *log, struct dl_sink *s, size_t used, size_t len,
                            struct disklog_record *out, const size_t *at, size_t n)
{
    size_t need = used + len;
    if (need > log->lim.read_window)
        return -1;
    size_t cap = s->window_cap * 2 > need ? s->window_cap * 2 : need;
    if (cap > log->lim.read_window)
        cap = log->lim.read_window;
    unsigned char *w = realloc(s->window, cap);
    if (!w)
        return -1;
    s->window = w;
    s->window_cap = cap;
    for (size_t i = 0; i < n; i++) {
        struct disklog_pos pos = out[i].pos;
        dlf_payload_decode(w + at[i], (i + 1 < n ? at[i + 1] : used) - at[i], &out[i]);
        out[i].pos = pos;
    }
    return 0;
}

size_t disklog_read(struct disklog *log, unsigned sink, struct disklog_record *out, size_t max)
{
    if (sink >= log->nsinks || !log->sinks[sink].name || max == 0)
        return 0;
    struct dl_sink *s = &log->sinks[sink];
    for (;;) {
        pthread_mutex_lock(&log->lock);
        struct disklog_pos pos = s->read = pos_clamp(log, s->read);
        size_t i = seg_find(log, pos.segment);
        if (i == log->nsegs) {
            pthread_mutex_unlock(&log->lock);
            return 0;
        }
        uint64_t end = seg_visible_end(log, i), gen = s->gen;
        if (pos.offset >= end) {
            /* The end of a segment that is complete: on to the next. */
            bool more = log->segs[i].num < log->visible.segment && i + 1 < log->nsegs;
            if (more)
                s->read = (struct disklog_pos){log->segs[i + 1].num, DLF_HEADER};
            pthread_mutex_unlock(&log->lock);
            if (more)
                continue;
            return 0;
        }
        bool count_corrupt = pos.segment > log->recovered_last;
        pthread_mutex_unlock(&log->lock);

        /* Unlocked: the file of a committed region does not change; a drop
         * of this segment meanwhile shows as a new generation below. */
        size_t got = 0, used = 0, corrupt = 0;
        uint64_t off = pos.offset, next;
        struct disklog_pos taken[256];
        size_t at[256]; /* where each record's payload is in the window */
        if (max > sizeof taken / sizeof taken[0])
            max = sizeof taken / sizeof taken[0];
        int open_errno = sink_open_segment(log, s, pos.segment) == 0 ? 0 : errno;
        /* Forget what the buffer read ahead last time: beyond that read's
         * end it may have caught a write in progress. Within one read,
         * nothing past `end` is looked at. */
        if (!open_errno)
            dlf_reader_use(&s->rd, s->fd);
        while (!open_errno && got < max) {
            struct disklog_record r;
            const char *why;
            enum dlf_frame_check c = dlf_frame_at(&s->rd, off, end, &r, &next, &why);
            if (c == DLF_FRAME_BAD) {
                off = dlf_resync(&s->rd, off, end);
                corrupt++;
                continue;
            }
            if (c != DLF_FRAME_OK)
                break;
            if (r.sinks & (1u << sink)) {
                size_t len = (size_t)(next - off - DLF_FRAME_HEAD);
                if (used + len > s->window_cap &&
                    sink_window_grow(log, s, used, len, out, at, got) != 0)
                    break;
                memcpy(s->window + used, r.source - DLF_PAYLOAD_FIXED, len);
                dlf_payload_decode(s->window + used, len, &out[got]);
                out[got].pos = taken[got] = (struct disklog_pos){pos.segment, off};
                at[got] = used;
                used += len;
                got++;
            }
            off = next;
        }

        pthread_mutex_lock(&log->lock);
        if (s->gen != gen) { /* dropped under us: read again from where the drop put us */
            pthread_mutex_unlock(&log->lock);
            continue;
        }
        if (open_errno || s->rd.error) {
            io_error(log, open_errno ? open_errno : s->rd.error);
            pthread_mutex_unlock(&log->lock);
            return 0;
        }
        if (count_corrupt)
            log->c.corrupt += corrupt;
        size_t kept = 0;
        while (kept < got && flight_push(s, taken[kept]) == 0)
            kept++;
        /* Out of memory for the flight list: hand out only what it holds. */
        s->read = kept < got ? taken[kept] : (struct disklog_pos){pos.segment, off};
        pthread_mutex_unlock(&log->lock);
        if (kept)
            return kept;
        if (got)
            return 0;
    }
}

void disklog_ack(struct disklog *log, unsigned sink, struct disklog_pos pos)
{
    if (sink >= log->nsinks || !log->sinks[sink].name)
        return;
    pthread_mutex_lock(&log->lock);
    struct dl_sink *s = &log->sinks[sink];
    size_t lo = s->head, hi = s->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pos_cmp(s->flight[mid], pos);
        if (c == 0) {
            lo = mid;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->len && pos_cmp(s->flight[lo], pos) == 0 && !s->acked[lo]) {
        s->acked[lo] = true;
        if (lo == s->head) {
            while (s->head < s->len && s->acked[s->head])
                s->head++;
            log->positions_dirty = true;
            segs_collect(log);
            if (clock_mono_ms() - log->positions_at >= log->lim.positions_interval_ms)
                positions_save(log, false);
        }
    }
    pthread_mutex_unlock(&log->lock);
}

struct disklog_pos disklog_acked(struct disklog *log, unsigned sink)
{
    pthread_mutex_lock(&log->lock);
    struct disklog_pos p = {0, 0};
    if (sink < log->nsinks)
        p = pos_clamp(log, sink_acked(&log->sinks[sink]));
    pthread_mutex_unlock(&log->lock);
    return p;
}

void disklog_set_notify_fd(struct disklog *log, unsigned sink, int fd)
{
    pthread_mutex_lock(&log->lock);
    if (sink < log->nsinks)
        log->sinks[sink].notify_fd = fd;
    pthread_mutex_unlock(&log->lock);
}

uint64_t disklog_backlog_bytes(struct disklog *log, unsigned sink)
{
    pthread_mutex_lock(&log->lock);
    uint64_t bytes = 0;
    if (sink < log->nsinks) {
        struct disklog_pos p = pos_clamp(log, sink_acked(&log->sinks[sink]));
        for (size_t i = seg_find(log, p.segment); i < log->nsegs; i++)
            bytes += log->segs[i].size - (log->segs[i].num == p.segment ? p.offset : 0);
    }
    pthread_mutex_unlock(&log->lock);
    return bytes;
}

void disklog_counters(struct disklog *log, struct disklog_counters *out)
{
    pthread_mutex_lock(&log->lock);
    *out = log->c;
    out->segments = log->nsegs;
    pthread_mutex_unlock(&log->lock);
}

uint64_t disklog_take_dropped(struct disklog *log)
{
    pthread_mutex_lock(&log->lock);
    uint64_t n = log->dropped_untaken;
    log->dropped_untaken = 0;
    pthread_mutex_unlock(&log->lock);
    return n;
}
