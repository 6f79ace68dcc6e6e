/* state - see state.h. */
#include "state.h"

#include "conffile.h"
#include "filemode.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_SEQ_KEY "_iocd.seq"
#define STATE_SEQ_BLOCK 100000u /* a reservation (one fsync) per 100,000 metrics */
#define STATE_MAX_VALUE (64 * 1024)
#define STATE_MAX_FILE (64 * 1024 * 1024) /* far above keys of 64 KiB each */

struct state {
    pthread_mutex_t lock;
    char *path;
    char *dir;
    json_t *map;
    uint64_t seq_next, seq_end; /* numbers in [next, end) are reserved */
    /* Between state_hold and state_release: the connector's sets, applied
     * to a copy that reads see but the file does not get (the file keeps
     * `map`: what was true when the last poll's metrics were committed). */
    json_t *held;
};

static int state_mkdirs(const char *dir)
{
    char *copy = strdup(dir);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    int rc = mkdir(copy, 0700) < 0 && errno != EEXIST ? -1 : 0;
    free(copy);
    return rc;
}

/* Set once, before any state is opened (iocd --dry-run). */
static bool state_never_write;

void state_read_only(void) { state_never_write = true; }
/* Why an existing `path` cannot hold state files, or NULL if it can. */
static const char *state_dir_refusal(const char *path, const struct stat *st, char *buf,
                                     size_t len)
{
    if (!S_ISDIR(st->st_mode)) {
        snprintf(buf, len, "is %s, not a directory", conffile_kind(st->st_mode));
        return buf;
    }
    if (access(path, W_OK | X_OK) < 0) {
        snprintf(buf, len, "is not writable: %s", strerror(errno));
        return buf;
    }
    return NULL;
}

int state_dir_usable(const char *dir, char *why, size_t len)
{
    struct stat st;
    char reason[160];
    if (stat(dir, &st) == 0) {
        const char *r = state_dir_refusal(dir, &st, reason, sizeof reason);
        if (r)
            snprintf(why, len, "%s", r);
        return r ? -1 : 0;
    }
    if (errno != ENOENT && errno != ENOTDIR) {
        snprintf(why, len, "cannot stat it: %s", strerror(errno));
        return -1;
    }
    /* Not there: state_mkdirs would make it and every missing parent, so
     * what counts is the nearest ancestor that exists. */
    char *up = strdup(dir);
    if (!up) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    int rc = 0;
    for (;;) {
        char *slash = strrchr(up, '/');
        if (!slash) { /* a relative name: its parent is "." */
            snprintf(up, strlen(up) + 1, ".");
        } else if (slash == up) {
            up[1] = '\0'; /* "/" */
        } else {
            *slash = '\0';
        }
        if (stat(up, &st) == 0) {
            const char *r = state_dir_refusal(up, &st, reason, sizeof reason);
            if (r) {
                snprintf(why, len, "cannot be created: %s %s", up, r);
                rc = -1;
            }
            break;
        }
        if ((errno != ENOENT && errno != ENOTDIR) || strcmp(up, "/") == 0 ||
            strcmp(up, ".") == 0) {
            snprintf(why, len, "cannot be created: %s: %s", up, strerror(errno));
            rc = -1;
            break;
        }
    }
    free(up);
    return rc;
}

struct state *state_open(const char *dir, const char *name, char *err, size_t errlen)
{
    struct state *s = calloc(1, sizeof *s);
    if (!s || asprintf(&s->path, "%s/%s.state", dir, name) < 0 || !(s->dir = strdup(dir))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    struct stat dir_st;
    if (state_never_write && stat(dir, &dir_st) < 0 && errno == ENOENT) {
        s->map = json_object(); /* nothing saved yet; nothing will be */
        s->seq_next = s->seq_end = 1;
        pthread_mutex_init(&s->lock, NULL);
        return s;
    }
    if (!state_never_write && state_mkdirs(dir) < 0) {
        snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    /* Whoever may write in the directory may replace the state (sequence
     * numbers, cursors) or plant a name where it is saved; the sticky bit
     * stops neither the planting nor a full disk. */
    char why[160];
    if (filemode_trusted(dir, why, sizeof why) < 0) {
        snprintf(err, errlen, "state directory %s %s: refusing to keep state there", dir, why);
        goto fail;
    }
    /* Through conffile: a FIFO planted at the name would block here for
     * ever, and the file is bounded like any file iocd reads. */
    json_error_t jerr;
    size_t len = 0;
    char *saved = conffile_read(s->path, STATE_MAX_FILE, &len, why, sizeof why);
    if (!saved && stat(s->path, &(struct stat){0}) == 0) {
        snprintf(err, errlen, "cannot read state file %s: %s", s->path, why);
        goto fail;
    }
    s->map = saved ? json_loadb(saved, len, 0, &jerr) : json_object();
    bool corrupt = saved && !s->map;
    free(saved);
    if (corrupt) {
        snprintf(err, errlen, "%s:%d: corrupt state file: %s (move it away to start afresh)",
                 s->path, jerr.line, jerr.text);
        goto fail;
    }
    if (!json_is_object(s->map)) {
        snprintf(err, errlen, "%s: corrupt state file: not a JSON object", s->path);
        goto fail;
    }
    /* A reservation we cannot read must not silently restart numbering at
     * 1: consumers would drop new metrics as duplicates. */
    json_t *seq = json_object_get(s->map, STATE_SEQ_KEY);
    const char *text = json_string_value(seq);
    char *end = NULL;
    unsigned long long reserved = text ? strtoull(text, &end, 10) : 0;
    if (seq && (!text || end == text || *end != '\0' || text[0] == '-')) {
        snprintf(err, errlen, "%s: corrupt state file: '%s' is not a decimal string (move the "
                 "file away only if consumers can accept sequence numbers restarting)",
                 s->path, STATE_SEQ_KEY);
        goto fail;
    }
    s->seq_next = s->seq_end = reserved ? reserved : 1;
    pthread_mutex_init(&s->lock, NULL);
    return s;
fail:
    if (s) {
        json_decref(s->map);
        free(s->path);
        free(s->dir);
        free(s);
    }
    return NULL;
}

void state_close(struct state *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    json_decref(s->map);
    json_decref(s->held);
    free(s->path);
    free(s->dir);
    free(s);
}

/* Never through a link planted at its name (O_NOFOLLOW), never into a
 * file that is already there (O_EXCL): a name left there (our own after a
 * crash, or a planted link) is removed - unlink removes a link itself, not
 * its target - and creation tried once more. */
int state_create_temp(const char *tmp)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(tmp, flags, 0600);
    if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
        fd = open(tmp, flags, 0600);
    return fd;
}

/* Write `map` to the file atomically (read-only: keep it in memory).
 * Called with the lock held. */
static int state_persist(struct state *s, json_t *map, char *err, size_t errlen)
{
    if (state_never_write)
        return 0;
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", s->path) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *text = json_dumps(map, JSON_SORT_KEYS | JSON_INDENT(1));
    int fd = state_create_temp(tmp);
    size_t len = text ? strlen(text) : 0;
    int ok = text && fd >= 0 && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
             fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) < 0)
        ok = 0;
    if (ok && rename(tmp, s->path) < 0) {
        saved = errno;
        ok = 0;
    }
    if (ok) {
        /* Make the rename itself durable. */
        int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    } else {
        snprintf(err, errlen, "cannot write %s: %s", s->path, strerror(saved));
        unlink(tmp);
    }
    free(text);
    free(tmp);
    return ok ? 0 : -1;
}

int state_key_valid(const char *key)
{
    size_t len = key ? strlen(key) : 0;
    if (len == 0 || len > 64 || strncmp(key, "_iocd.", 6) == 0)
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

char *state_get(struct state *s, const char *key)
{
    pthread_mutex_lock(&s->lock);
    const char *v = json_string_value(json_object_get(s->held ? s->held : s->map, key));
    char *copy = v ? strdup(v) : NULL;
    pthread_mutex_unlock(&s->lock);
    return copy;
}

/* Set on a copy, persist the copy, then adopt it: on failure the map in
 * memory still matches the file. Lock held. */
static int state_set_locked(struct state *s, const char *key, const char *value, char *err,
                            size_t errlen)
{
    json_t *next = json_deep_copy(s->map);
    if (!next) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (value)
        json_object_set_new(next, key, json_string(value));
    else
        json_object_del(next, key);
    if (state_persist(s, next, err, errlen) < 0) {
        json_decref(next);
        return -1;
    }
    json_decref(s->map);
    s->map = next;
    return 0;
}

int state_set(struct state *s, const char *key, const char *value, char *err, size_t errlen)
{
    json_t *probe = value ? json_string(value) : NULL; /* NULL if not UTF-8 */
    int bad = value && (strlen(value) > STATE_MAX_VALUE || !probe);
    json_decref(probe);
    if (bad) {
        snprintf(err, errlen, "value of '%s' is over 64 KiB or not valid UTF-8", key);
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    if (s->held) {
        /* Held: the file gets it at state_release, after the metrics. */
        if (value)
            rc = json_object_set_new(s->held, key, json_string(value));
        else
            json_object_del(s->held, key);
        if (rc < 0)
            snprintf(err, errlen, "out of memory");
    } else {
        rc = state_set_locked(s, key, value, err, errlen);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int state_hold(struct state *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->held)
        s->held = json_deep_copy(s->map);
    int rc = s->held ? 0 : -1;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int state_release(struct state *s, bool keep, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    json_t *held = s->held;
    s->held = NULL;
    int rc = 0;
    if (held && keep && !json_equal(held, s->map)) {
        /* The sequence reservation made meanwhile went to `map` (and the
         * file) at once: keep it, whatever the connector did. */
        json_t *seq = json_object_get(s->map, STATE_SEQ_KEY);
        if (seq)
            json_object_set(held, STATE_SEQ_KEY, seq);
        if ((rc = state_persist(s, held, err, errlen)) == 0) {
            json_decref(s->map);
            s->map = held;
            held = NULL;
        }
    }
    json_decref(held);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int state_next_seq(struct state *s, uint64_t *seq, char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    if (s->seq_next >= s->seq_end) {
        char end[32];
        snprintf(end, sizeof end, "%llu", (unsigned long long)(s->seq_next + STATE_SEQ_BLOCK));
        rc = state_set_locked(s, STATE_SEQ_KEY, end, err, errlen);
        if (rc == 0)
            s->seq_end = s->seq_next + STATE_SEQ_BLOCK;
    }
    if (rc == 0)
        *seq = s->seq_next++;
    pthread_mutex_unlock(&s->lock);
    return rc;
}
