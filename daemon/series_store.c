/* series_store - see series_store.h.
 *
 * Writing streams through stdio while a running checksum follows the
 * bytes (the file is never held whole in memory: 100,000 series are tens
 * of MB). Reading takes the file whole (once, at start), checks magic,
 * version and checksum, then walks the entries twice: once to check every
 * length, once to restore, so a refused file adds nothing. */
#include "series_store.h"

#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SS_MAGIC "IOCDSERS"
#define SS_MAGIC_LEN 8
#define SS_VERSION 1u
#define SS_HEADER (SS_MAGIC_LEN + 4 + 4 + 8)
#define SS_SUM 8
/* A file larger than this is not ours (10^6 series of 1 KiB). */
#define SS_MAX_FILE (1024L * 1024 * 1024)

#define SS_FNV_START 0xcbf29ce484222325u

static uint64_t ss_fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* ---- writing -------------------------------------------------------- */

struct ss_writer {
    FILE *f;
    uint64_t sum;
    bool ok;
    const struct series_store_ctx *ctx;
    long count;
};

static void ss_put(struct ss_writer *w, const void *p, size_t n)
{
    w->sum = ss_fnv(w->sum, p, n);
    if (w->ok && n && fwrite(p, 1, n, w->f) != n)
        w->ok = false;
}

static void ss_put_le(struct ss_writer *w, uint64_t v, size_t bytes)
{
    unsigned char b[8];
    for (size_t i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    ss_put(w, b, bytes);
}

/* A monotonic time of this run as wall-clock time (0 stays "never"). */
static int64_t ss_to_wall(const struct series_store_ctx *ctx, int64_t mono)
{
    int64_t wall = ctx->now_wall_ms - (ctx->now_mono_ms - mono);
    return wall > 0 ? wall : 1;
}

static void ss_put_series(void *arg, const struct series_saved *s)
{
    struct ss_writer *w = arg;
    const struct series_store_ctx *ctx = w->ctx;
    const struct metric *m = s->last;
    ss_put_le(w, m->series_len, 4);
    ss_put(w, m->series, m->series_len);
    ss_put_le(w, m->json_len, 4);
    ss_put(w, m->json, m->json_len);
    ss_put_le(w, m->seq, 8);
    ss_put_le(w, (uint64_t)ss_to_wall(ctx, s->seen_mono_ms), 8);
    for (unsigned i = 0; i < ctx->slots; i++) {
        int64_t at = s->published_mono_ms[i];
        /* Handed to a sink that may not have delivered it yet: saved as
         * never published, so a crash costs a re-publish, not a value. */
        bool unsure = ctx->drained_mono_ms && at > ctx->drained_mono_ms[i];
        ss_put_le(w, at == 0 || unsure ? 0 : (uint64_t)ss_to_wall(ctx, at), 8);
    }
    w->count++;
}

/* Make a rename in `path`'s directory durable. */
static void ss_sync_dir(const char *path)
{
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *(slash == dir ? slash + 1 : slash) = '\0';
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    free(dir);
}

long series_store_save(const char *path, struct series *t, const struct series_store_ctx *ctx,
                       char *err, size_t errlen)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    struct ss_writer w = {NULL, SS_FNV_START, true, ctx, 0};
    int fd = state_create_temp(tmp);
    if (fd < 0 || !(w.f = fdopen(fd, "w"))) {
        snprintf(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(tmp);
        return -1;
    }
    ss_put(&w, SS_MAGIC, SS_MAGIC_LEN);
    ss_put_le(&w, SS_VERSION, 4);
    ss_put_le(&w, ctx->slots, 4);
    ss_put_le(&w, (uint64_t)ctx->now_wall_ms, 8);
    for (unsigned i = 0; i < ctx->slots; i++) {
        size_t n = strlen(ctx->slot_names[i]);
        ss_put_le(&w, n, 2);
        ss_put(&w, ctx->slot_names[i], n);
    }
    /* Series come and go during the walk: the file holds no count, the
     * series run up to the checksum. */
    bool walked = series_each_saved(t, ss_put_series, &w) != (size_t)-1;
    uint64_t sum = w.sum;
    ss_put_le(&w, sum, SS_SUM);
    int saved = 0;
    bool ok = w.ok && walked && fflush(w.f) == 0 && fsync(fileno(w.f)) == 0;
    saved = errno;
    if (fclose(w.f) != 0 && ok) {
        saved = errno;
        ok = false;
    }
    if (ok && rename(tmp, path) < 0) {
        saved = errno;
        ok = false;
    }
    if (ok) {
        ss_sync_dir(path);
    } else {
        snprintf(err, errlen, "%s: cannot write it: %s", path,
                 walked ? strerror(saved) : "out of memory");
        unlink(tmp);
    }
    free(tmp);
    return ok ? w.count : -1;
}

/* ---- reading -------------------------------------------------------- */

struct ss_reader {
    const unsigned char *p, *end;
};

static bool ss_get(struct ss_reader *r, uint64_t *v, size_t bytes)
{
    if ((size_t)(r->end - r->p) < bytes)
        return false;
    *v = 0;
    for (size_t i = 0; i < bytes; i++)
        *v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    return true;
}

/* `n` bytes of text at the reader, or NULL when fewer remain. */
static const char *ss_take(struct ss_reader *r, uint64_t n)
{
    if ((uint64_t)(r->end - r->p) < n)
        return NULL;
    const char *at = (const char *)r->p;
    r->p += n;
    return at;
}

/* A saved wall-clock time back on this run's monotonic clock. A time
 * after now (the clock was set back) counts as now. 0 stays "never"; a
 * real time that lands on 0 moves 1 ms back. */
static int64_t ss_to_mono(const struct series_store_ctx *ctx, int64_t wall)
{
    if (wall == 0)
        return 0;
    int64_t age = ctx->now_wall_ms - wall;
    int64_t mono = ctx->now_mono_ms - (age > 0 ? age : 0);
    return mono == 0 ? -1 : mono;
}

/* Saved wall-clock times lie between 1970 and the year 10000 (0 means
 * "never" where `never` is allowed): the arithmetic on them cannot
 * overflow, whatever the file says. */
#define SS_TIME_END 253402300800000LL
static bool ss_time_ok(uint64_t t, bool never)
{
    return (t == 0 && never) || (t > 0 && t < (uint64_t)SS_TIME_END);
}

struct ss_load {
    const char *name;
    char *err;
    size_t errlen;
    const struct series_store_ctx *ctx;
    int slot_of[SERIES_STORE_MAX_SLOTS]; /* saved slot -> slot now, or -1 */
    unsigned saved_slots;
};

/* Walk the entries up to the reader's end; with `t` NULL only check them. */
static int ss_entries(struct ss_load *l, struct ss_reader *r, struct series *t,
                      struct series_store_report *rep)
{
    const struct series_store_ctx *ctx = l->ctx;
    for (uint64_t i = 0; r->p < r->end; i++) {
        uint64_t klen = 0, jlen = 0, seq = 0, seen = 0, pub[SERIES_STORE_MAX_SLOTS];
        const char *key = NULL, *json = NULL;
        bool whole = ss_get(r, &klen, 4) && klen <= SERIES_STORE_MAX_KEY &&
                     (key = ss_take(r, klen)) && ss_get(r, &jlen, 4) &&
                     jlen <= SERIES_STORE_MAX_JSON && (json = ss_take(r, jlen)) &&
                     ss_get(r, &seq, 8) && ss_get(r, &seen, 8);
        for (unsigned j = 0; whole && j < l->saved_slots; j++)
            whole = ss_get(r, &pub[j], 8);
        if (!whole) {
            if (klen > SERIES_STORE_MAX_KEY || (key && jlen > SERIES_STORE_MAX_JSON))
                snprintf(l->err, l->errlen, "%s: series %llu: a length over the limit (key %llu, "
                         "record %llu bytes)", l->name, (unsigned long long)i + 1,
                         (unsigned long long)klen, key ? (unsigned long long)jlen : 0ULL);
            else
                snprintf(l->err, l->errlen, "%s: series %llu is cut short", l->name,
                         (unsigned long long)i + 1);
            return -1;
        }
        if (klen == 0 || memchr(key, '\0', klen) || jlen == 0 || json[0] != '{') {
            snprintf(l->err, l->errlen, "%s: series %llu: an empty or malformed key or record",
                     l->name, (unsigned long long)i + 1);
            return -1;
        }
        bool in_range = ss_time_ok(seen, false);
        for (unsigned j = 0; j < l->saved_slots; j++)
            in_range = in_range && ss_time_ok(pub[j], true);
        if (!in_range) {
            snprintf(l->err, l->errlen, "%s: series %llu: a time out of range", l->name,
                     (unsigned long long)i + 1);
            return -1;
        }
        if (!t)
            continue;
        int64_t age = ctx->now_wall_ms - (int64_t)seen;
        if (ctx->retire_after_ms > 0 && age >= ctx->retire_after_ms) {
            rep->retired++;
            continue;
        }
        char *k = strndup(key, klen);
        struct series_saved s = {0};
        s.last = k ? metric_new(ctx->topic_prefix, ctx->province, k, json, jlen, seq) : NULL;
        free(k);
        if (!s.last) {
            snprintf(l->err, l->errlen, "%s: out of memory at series %llu", l->name,
                     (unsigned long long)i + 1);
            return -1;
        }
        s.seen_mono_ms = ss_to_mono(ctx, (int64_t)seen);
        s.seen_wall_ms = age > 0 ? (int64_t)seen : ctx->now_wall_ms;
        for (unsigned j = 0; j < l->saved_slots; j++)
            if (l->slot_of[j] >= 0)
                s.published_mono_ms[l->slot_of[j]] = ss_to_mono(ctx, (int64_t)pub[j]);
        int rc = series_restore(t, &s);
        metric_unref(s.last);
        if (rc < 0) {
            snprintf(l->err, l->errlen, "%s: out of memory at series %llu", l->name,
                     (unsigned long long)i + 1);
            return -1;
        }
        if (rc == 1)
            rep->restored++;
        else
            rep->duplicates++;
    }
    return 0;
}

int series_store_parse(const char *name, const unsigned char *buf, size_t len, struct series *t,
                       const struct series_store_ctx *ctx, struct series_store_report *rep,
                       char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    struct ss_load l = {name, err, errlen, ctx, {0}, 0};
    if (len < SS_MAGIC_LEN || memcmp(buf, SS_MAGIC, SS_MAGIC_LEN) != 0) {
        snprintf(err, errlen, "%s: not an iocd series state file (no %s magic)", name, SS_MAGIC);
        return -1;
    }
    struct ss_reader r = {buf + SS_MAGIC_LEN, buf + len};
    uint64_t version = 0, slots = 0, saved_wall = 0; /* when it was written: not needed */
    if (!ss_get(&r, &version, 4) || version != SS_VERSION) {
        snprintf(err, errlen, "%s: version %llu, this iocd reads version %u", name,
                 (unsigned long long)version, SS_VERSION);
        return -1;
    }
    if (len < SS_HEADER + SS_SUM) {
        snprintf(err, errlen, "%s: truncated (%zu bytes, shorter than a header)", name, len);
        return -1;
    }
    uint64_t sum = 0;
    struct ss_reader tail = {buf + len - SS_SUM, buf + len};
    ss_get(&tail, &sum, SS_SUM);
    if (ss_fnv(SS_FNV_START, buf, len - SS_SUM) != sum) {
        snprintf(err, errlen, "%s: checksum mismatch (corrupt or truncated)", name);
        return -1;
    }
    r.end = buf + len - SS_SUM;
    ss_get(&r, &slots, 4);
    ss_get(&r, &saved_wall, 8);
    if (slots > SERIES_STORE_MAX_SLOTS) {
        snprintf(err, errlen, "%s: %llu sinks (at most %d)", name, (unsigned long long)slots,
                 SERIES_STORE_MAX_SLOTS);
        return -1;
    }
    l.saved_slots = (unsigned)slots;
    rep->slots_saved = l.saved_slots;
    for (unsigned i = 0; i < l.saved_slots; i++) {
        uint64_t n = 0;
        const char *sink = NULL;
        if (!ss_get(&r, &n, 2) || n == 0 || n > SERIES_STORE_MAX_NAME || !(sink = ss_take(&r, n))) {
            snprintf(err, errlen, "%s: sink %u: a name of %llu bytes, or truncated", name, i + 1,
                     (unsigned long long)n);
            return -1;
        }
        l.slot_of[i] = -1;
        for (unsigned j = 0; j < ctx->slots && j < SERIES_SLOTS; j++)
            if (strlen(ctx->slot_names[j]) == n && memcmp(ctx->slot_names[j], sink, n) == 0)
                l.slot_of[i] = (int)j;
        /* iocd writes each sink once: a name twice is not our file (and
         * would give one sink two publish times). */
        for (unsigned k = 0; k < i && l.slot_of[i] >= 0; k++)
            if (l.slot_of[k] == l.slot_of[i]) {
                snprintf(err, errlen, "%s: sink %u: '%.*s' named twice", name, i + 1, (int)n,
                         sink);
                return -1;
            }
        rep->slots_known += l.slot_of[i] >= 0;
    }
    const unsigned char *entries = r.p;
    if (ss_entries(&l, &r, NULL, rep) < 0)
        return -1;
    r.p = entries;
    return ss_entries(&l, &r, t, rep) < 0 ? -1 : 1;
}

int series_store_load(const char *path, struct series *t, const struct series_store_ctx *ctx,
                      struct series_store_report *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: cannot read it: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > SS_MAX_FILE) {
        snprintf(err, errlen, "%s: not a regular file of at most 1 GiB", path);
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(len ? len : 1);
    while (buf && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int saved = errno;
    close(fd);
    int rc;
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, len);
        rc = -1;
    } else if (got < len) {
        snprintf(err, errlen, "%s: cannot read it: %s", path, strerror(saved));
        rc = -1;
    } else {
        rc = series_store_parse(path, buf, len, t, ctx, r, err, errlen);
    }
    free(buf);
    return rc;
}
