/*
 * test_state - unit tests of daemon/state.c, an instance's persisted
 * key/value map and its sequence numbers.
 *
 * Every test works in its own mkdtemp directory (removed afterwards).
 * Covers: state_open creating a nested directory; set/get/overwrite/delete;
 * values surviving close + reopen; the file being a valid JSON object
 * (checked with jansson) and no temporary file left behind; a corrupt file
 * (bad JSON, a non-object) making state_open fail with a message naming
 * the file and leaving the file untouched; state_key_valid (reserved
 * "_iocd." prefix, 64/65 bytes, charset); invalid UTF-8 and over-64-KiB
 * values refused without changing anything; state_next_seq counting
 * 1, 2, 3, ... and, after close + reopen, continuing above every number
 * handed out before (a gap is allowed, reuse is not); unique numbers
 * across threads; a failed write leaving the old value in memory and on
 * disk (provoked both by a read-only directory, skipped as root, and by a
 * directory squatting on the temporary file name, which works as root too);
 * a symlink planted at the temporary name not followed; a state directory
 * writable by group or others refused; state_read_only (--dry-run): saved
 * values and numbering read, changes in memory only, the file unchanged
 * byte for byte, no directory made; a FIFO at the state file's name
 * refused by its type, never opened; state_dir_usable on a directory
 * not made yet, a regular file, a path under a regular file and (not as
 * root: skipped with its reason) a directory without write permission;
 * state_hold/state_release (sets held back until the poll's metrics are
 * committed, forgotten when they could not be).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

struct fixture {
    char base[256]; /* the mkdtemp directory */
    char dir[320];  /* the state directory inside it */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->base, sizeof f->base, "%s/iocd-test-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->base)) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "%s/state", f->base);
    *state = f;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    chmod(path, 0700); /* a test may have left a directory read-only */
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    /* Directories first made writable again, then everything removed. */
    nftw(f->base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static struct state *open_ok(const char *dir, const char *name)
{
    char err[512] = "";
    struct state *s = state_open(dir, name, err, sizeof err);
    if (!s)
        fail_msg("state_open(%s, %s): %s", dir, name, err);
    return s;
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return strdup(buf);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void assert_get(struct state *s, const char *key, const char *expect)
{
    char *v = state_get(s, key);
    if (!expect) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    assert_string_equal(v, expect);
    free(v);
}

static void set_ok(struct state *s, const char *key, const char *value)
{
    char err[512] = "";
    if (state_set(s, key, value, err, sizeof err) != 0)
        fail_msg("state_set(%s): %s", key, err);
}

static void test_open_creates_nested_dir(void **state)
{
    struct fixture *f = *state;
    char nested[400];
    snprintf(nested, sizeof nested, "%s/a/b/c", f->dir);
    struct state *s = open_ok(nested, "ioffice");
    struct stat st;
    assert_int_equal(stat(nested, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    /* Nothing set yet: every key is absent. */
    assert_get(s, "cursor", NULL);
    state_close(s);
    /* Opening again in the existing directory works too. */
    s = open_ok(nested, "ioffice");
    state_close(s);
    state_close(NULL); /* a no-op */
}

static void test_open_dir_under_file_fails(void **state)
{
    struct fixture *f = *state;
    char file[400], below[420], err[512] = "";
    snprintf(file, sizeof file, "%s/plainfile", f->base);
    write_file(file, "x");
    snprintf(below, sizeof below, "%s/sub", file);
    assert_null(state_open(below, "x", err, sizeof err));
    assert_non_null(strstr(err, below));
}

static void test_set_get_delete(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "eyJpZCI6ODg4fQ==");
    assert_get(s, "cursor", "eyJpZCI6ODg4fQ==");
    set_ok(s, "cursor", "page-2");
    assert_get(s, "cursor", "page-2");
    set_ok(s, "watermark", "2025-08-01T00:05:00+07:00");
    set_ok(s, "name", "Phường An Xuyên");
    set_ok(s, "empty", "");
    assert_get(s, "empty", "");
    assert_get(s, "name", "Phường An Xuyên");
    /* Delete, and delete of an absent key. */
    set_ok(s, "cursor", NULL);
    assert_get(s, "cursor", NULL);
    set_ok(s, "never-set", NULL);
    assert_get(s, "watermark", "2025-08-01T00:05:00+07:00");
    /* state_get hands out copies: changing one does not change the map. */
    char *copy = state_get(s, "watermark");
    copy[0] = 'X';
    free(copy);
    assert_get(s, "watermark", "2025-08-01T00:05:00+07:00");
    state_close(s);
}

static void test_values_survive_reopen(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "telecom");
    set_ok(s, "cursor", "abc");
    set_ok(s, "gone", "soon");
    set_ok(s, "gone", NULL);
    set_ok(s, "quote", "a \"quoted\" \\ value\n");
    state_close(s);

    s = open_ok(f->dir, "telecom");
    assert_get(s, "cursor", "abc");
    assert_get(s, "gone", NULL);
    assert_get(s, "quote", "a \"quoted\" \\ value\n");
    set_ok(s, "cursor", "def");
    state_close(s);

    s = open_ok(f->dir, "telecom");
    assert_get(s, "cursor", "def");
    state_close(s);

    /* Another name in the same directory is another map. */
    s = open_ok(f->dir, "other");
    assert_get(s, "cursor", NULL);
    state_close(s);
}

static void test_file_is_json(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "ioffice");
    set_ok(s, "cursor", "abc");
    set_ok(s, "name", "Đất Mũi");
    state_close(s);

    char path[400], tmp[420];
    snprintf(path, sizeof path, "%s/ioffice.state", f->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (!j)
        fail_msg("%s: %s", path, jerr.text);
    assert_true(json_is_object(j));
    assert_string_equal(json_string_value(json_object_get(j, "cursor")), "abc");
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Đất Mũi");
    json_decref(j);
    /* The temporary file of the atomic write is gone. */
    assert_int_equal(access(tmp, F_OK), -1);
}

static void test_corrupt_file_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {
        "{\"cursor\": \"abc\"", /* truncated */
        "not json at all\n",
        "[\"an\", \"array\"]\n", /* JSON, but not an object */
        "",                      /* empty */
    };
    assert_int_equal(mkdir(f->dir, 0700), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/ioffice.state", f->dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i]);
        char err[512] = "";
        assert_null(state_open(f->dir, "ioffice", err, sizeof err));
        if (!strstr(err, path))
            fail_msg("case %zu: error does not name %s: %s", i, path, err);
        assert_non_null(strstr(err, "corrupt"));
        /* Not silently emptied or rewritten. */
        char *after = read_file(path);
        assert_non_null(after);
        assert_string_equal(after, bad[i]);
        free(after);
    }
}

static void test_key_valid(void **state)
{
    (void)state;
    char k64[65], k65[66];
    memset(k64, 'k', 64), k64[64] = '\0';
    memset(k65, 'k', 65), k65[65] = '\0';
    assert_true(state_key_valid("cursor"));
    assert_true(state_key_valid("cursor.page-1"));
    assert_true(state_key_valid("Last_Modified.v2"));
    assert_true(state_key_valid("a"));
    assert_true(state_key_valid(k64));
    assert_false(state_key_valid(k65));
    assert_false(state_key_valid("_iocd.x"));
    assert_false(state_key_valid("_iocd.seq"));
    assert_false(state_key_valid(""));
    assert_false(state_key_valid(NULL));
    assert_false(state_key_valid("a b"));
    assert_false(state_key_valid("a/b"));
    assert_false(state_key_valid("a:b"));
    assert_false(state_key_valid("tên"));
    assert_false(state_key_valid("cursor\n"));
}

static void test_bad_values_refused(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "good");
    char path[400];
    snprintf(path, sizeof path, "%s/dvc.state", f->dir);
    char *before = read_file(path);

    static const char *const invalid[] = {"a\xFF" "b", "\xC3", "\xC3\x28", "\xED\xA0\x80",
                                          "\xC0\xAF"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char err[512] = "";
        assert_int_equal(state_set(s, "cursor", invalid[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "UTF-8"));
        assert_get(s, "cursor", "good");
    }
    /* Over 64 KiB refused, exactly 64 KiB accepted. */
    char *big = malloc(64 * 1024 + 2);
    memset(big, 'v', 64 * 1024 + 1);
    big[64 * 1024 + 1] = '\0';
    char err[512] = "";
    assert_int_equal(state_set(s, "cursor", big, err, sizeof err), -1);
    assert_non_null(strstr(err, "64 KiB"));
    assert_get(s, "cursor", "good");
    char *after = read_file(path);
    assert_string_equal(after, before);
    free(after);
    big[64 * 1024] = '\0';
    set_ok(s, "cursor", big);
    assert_get(s, "cursor", big);
    free(big);
    free(before);
    state_close(s);
}

static void test_seq_counts_from_one(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    char err[512] = "";
    for (uint64_t want = 1; want <= 1000; want++) {
        uint64_t seq = 0;
        assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
        assert_int_equal(seq, want);
    }
    state_close(s);
}

static void test_seq_never_reused_after_reopen(void **state)
{
    struct fixture *f = *state;
    char err[512] = "";
    uint64_t highest = 0;
    /* Several restarts, using a varying number of sequence numbers. */
    const int used[] = {3, 1, 0, 250, 1, 2};
    for (size_t round = 0; round < sizeof used / sizeof used[0]; round++) {
        struct state *s = open_ok(f->dir, "dvc");
        if (round == 1)
            set_ok(s, "cursor", "abc"); /* other keys do not disturb seq */
        uint64_t prev = 0;
        for (int i = 0; i < used[round]; i++) {
            uint64_t seq = 0;
            assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
            if (i == 0)
                assert_true(seq > highest); /* above everything before */
            else
                assert_int_equal(seq, prev + 1); /* consecutive within a run */
            prev = seq;
            highest = seq > highest ? seq : highest;
        }
        state_close(s);
    }
    struct state *s = open_ok(f->dir, "dvc");
    assert_get(s, "cursor", "abc");
    uint64_t seq = 0;
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_true(seq > highest);
    state_close(s);
}

/*
 * A corrupt reserved block end "_iocd.seq" (a JSON number from a
 * hand-edited file such as {"_iocd.seq": 500}, or a non-numeric string)
 * must never make numbering restart at 1 and reuse numbers consumers have
 * already seen (state.h: "a number is never reused"; "a corrupt file is an
 * error, not silently emptied"): state_open fails naming the file, or
 * numbering resumes at the block end or above (it is exclusive).
 */
static void test_seq_corrupt_reservation(void **state)
{
    struct fixture *f = *state;
    static const char *const files[] = {
        "{\"_iocd.seq\": 500}\n",
        "{\"_iocd.seq\": \"500x\"}\n",
        "{\"_iocd.seq\": \"garbage\"}\n",
    };
    assert_int_equal(mkdir(f->dir, 0700), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/dvc.state", f->dir);
    int reused = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        write_file(path, files[i]);
        char err[512] = "";
        struct state *s = state_open(f->dir, "dvc", err, sizeof err);
        if (!s) {
            if (!strstr(err, path))
                fail_msg("case %zu: error does not name %s: %s", i, path, err);
            continue;
        }
        uint64_t seq = 0;
        assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
        /* The block end is exclusive: numbers below 500 may be out. */
        if (seq < 500) {
            print_error("case %zu: accepted, next seq %llu (< 500: may reuse): %s", i,
                        (unsigned long long)seq, files[i]);
            reused++;
        }
        state_close(s);
    }
    assert_int_equal(reused, 0);
}

struct seq_thread {
    struct state *s;
    uint64_t got[5000];
    int rc;
};

static void *seq_worker(void *arg)
{
    struct seq_thread *t = arg;
    char err[256];
    for (size_t i = 0; i < sizeof t->got / sizeof t->got[0]; i++)
        t->rc |= state_next_seq(t->s, &t->got[i], err, sizeof err);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void test_seq_threads_unique(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    enum { THREADS = 4 };
    static struct seq_thread t[THREADS];
    pthread_t id[THREADS];
    for (int i = 0; i < THREADS; i++) {
        t[i].s = s;
        t[i].rc = 0;
        assert_int_equal(pthread_create(&id[i], NULL, seq_worker, &t[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(id[i], NULL), 0);
    static uint64_t all[THREADS * 5000];
    size_t n = 0;
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(t[i].rc, 0);
        for (size_t k = 1; k < 5000; k++)
            assert_true(t[i].got[k] > t[i].got[k - 1]); /* monotonic per thread */
        memcpy(all + n, t[i].got, sizeof t[i].got);
        n += 5000;
    }
    qsort(all, n, sizeof all[0], cmp_u64);
    /* Exactly 1..20000, each once. */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i], i + 1);
    state_close(s);
}

static void test_unwritable_dir_keeps_old_value(void **state)
{
    struct fixture *f = *state;
    /* Root ignores directory permissions, so chmod cannot make the write
     * fail there: skip. test_write_failure_keeps_old_value provokes the
     * same failure in a way that works as root too. */
    if (geteuid() == 0)
        skip();
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "old");
    assert_int_equal(chmod(f->dir, 0500), 0);
    char err[512] = "";
    assert_int_equal(state_set(s, "cursor", "new", err, sizeof err), -1);
    assert_non_null(strstr(err, f->dir));
    assert_get(s, "cursor", "old");
    /* A sequence reservation that cannot be persisted hands out nothing. */
    uint64_t seq = 0;
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), -1);
    assert_int_equal(chmod(f->dir, 0700), 0);
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);
    state_close(s);
    s = open_ok(f->dir, "dvc");
    assert_get(s, "cursor", "old");
    state_close(s);
}

static void test_write_failure_keeps_old_value(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "old");
    /* A directory where the temporary file must go: open() fails with
     * EISDIR even for root. */
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s/dvc.state.tmp", f->dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    char err[512] = "";
    assert_int_equal(state_set(s, "cursor", "new", err, sizeof err), -1);
    assert_non_null(strstr(err, "dvc.state"));
    assert_get(s, "cursor", "old");
    assert_int_equal(state_set(s, "other", "x", err, sizeof err), -1);
    assert_get(s, "other", NULL);
    uint64_t seq = 0;
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), -1);
    assert_int_equal(rmdir(tmp), 0);
    /* Writable again: works, and the failed reservation consumed nothing. */
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);
    set_ok(s, "cursor", "new");
    state_close(s);
    s = open_ok(f->dir, "dvc");
    assert_get(s, "cursor", "new");
    assert_get(s, "other", NULL);
    state_close(s);
}

/* A link planted at the temporary name (the attack of a shared state
 * directory) is neither followed nor written through: the file it points
 * at keeps its content, a dangling link's target is not created, and the
 * state is still saved as a regular file. */
static void test_symlink_at_temp_name_not_followed(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "old");
    char victim[400], tmp[400], dangling[400], saved[400];
    snprintf(victim, sizeof victim, "%s/victim", f->base);
    snprintf(dangling, sizeof dangling, "%s/created-through-link", f->base);
    snprintf(tmp, sizeof tmp, "%s/dvc.state.tmp", f->dir);
    snprintf(saved, sizeof saved, "%s/dvc.state", f->dir);
    write_file(victim, "precious\n");
    assert_int_equal(symlink(victim, tmp), 0);
    set_ok(s, "cursor", "new");
    char *text = read_file(victim);
    assert_string_equal(text, "precious\n");
    free(text);
    struct stat st;
    assert_int_equal(lstat(saved, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(lstat(tmp, &st), -1); /* nothing left at the temp name */

    assert_int_equal(symlink(dangling, tmp), 0);
    set_ok(s, "cursor", "newer");
    assert_int_equal(access(dangling, F_OK), -1);
    state_close(s);
    s = open_ok(f->dir, "dvc");
    assert_get(s, "cursor", "newer");
    state_close(s);
}

/* A state directory others (or the group) may write in is refused with a
 * message naming it; the sticky bit does not make it acceptable. */
static void test_shared_state_dir_refused(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mkdir(f->dir, 0700), 0);
    static const struct { mode_t mode; const char *why; } shared[] = {
        {0777, "is writable by every user (mode 0777; chmod go-w it)"},
        {01777, "is writable by every user (mode 1777; chmod go-w it)"},
        {0770, "is writable by its group (mode 0770; chmod go-w it)"},
    };
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        assert_int_equal(chmod(f->dir, shared[i].mode), 0);
        char err[512] = "", want[600];
        assert_null(state_open(f->dir, "dvc", err, sizeof err));
        snprintf(want, sizeof want, "state directory %s %s: refusing to keep state there", f->dir,
                 shared[i].why);
        assert_string_equal(err, want);
    }
    assert_int_equal(chmod(f->dir, 0755), 0);
    state_close(open_ok(f->dir, "dvc"));
}

/* state_dir_usable: what --check-config says of a state_dir (issue 17). */
static void test_dir_usable(void **state)
{
    struct fixture *f = *state;
    char why[400] = "", file[400], below[420], want[600];
    /* Not there yet, under a writable directory: usable (made later). */
    assert_int_equal(state_dir_usable(f->dir, why, sizeof why), 0);
    snprintf(below, sizeof below, "%s/a/b/c", f->dir);
    assert_int_equal(state_dir_usable(below, why, sizeof why), 0);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    assert_int_equal(state_dir_usable(f->dir, why, sizeof why), 0);
    /* A regular file. */
    snprintf(file, sizeof file, "%s/plainfile", f->base);
    write_file(file, "x");
    assert_int_equal(state_dir_usable(file, why, sizeof why), -1);
    assert_string_equal(why, "is a regular file, not a directory");
    /* Under a regular file: cannot be created. */
    snprintf(below, sizeof below, "%s/sub/state", file);
    assert_int_equal(state_dir_usable(below, why, sizeof why), -1);
    snprintf(want, sizeof want, "cannot be created: %s is a regular file, not a directory", file);
    assert_string_equal(why, want);
    /* A relative name: judged by the working directory. */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->base), 0);
    assert_int_equal(state_dir_usable("no-such-state-dir", why, sizeof why), 0);
    assert_int_equal(state_dir_usable("plainfile/sub", why, sizeof why), -1);
    assert_string_equal(why, "cannot be created: plainfile is a regular file, not a directory");
    assert_int_equal(chdir(cwd), 0);
}

/* A FIFO planted at NAME.state is refused by its type, never opened
 * (alarm: the old code blocked in open for ever). */
static void test_fifo_state_file_refused(void **state)
{
    struct fixture *f = *state;
    char path[400], err[512] = "", want[600];
    assert_int_equal(mkdir(f->dir, 0700), 0);
    snprintf(path, sizeof path, "%s/dvc.state", f->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(10);
    assert_null(state_open(f->dir, "dvc", err, sizeof err));
    alarm(0);
    snprintf(want, sizeof want, "cannot read state file %s: is a FIFO, not a regular file", path);
    assert_string_equal(err, want);
}

/* Not writable: root may write anywhere, so chmod cannot show it there. */
static void test_dir_not_writable(void **state)
{
    struct fixture *f = *state;
    if (geteuid() == 0) {
        print_message("skipped as root: root may write in a mode 0500 directory\n");
        skip();
    }
    char why[400] = "", below[420], want[600];
    assert_int_equal(mkdir(f->dir, 0500), 0);
    assert_int_equal(state_dir_usable(f->dir, why, sizeof why), -1);
    assert_string_equal(why, "is not writable: Permission denied");
    snprintf(below, sizeof below, "%s/sub", f->dir);
    assert_int_equal(state_dir_usable(below, why, sizeof why), -1);
    snprintf(want, sizeof want, "cannot be created: %s is not writable: Permission denied",
             f->dir);
    assert_string_equal(why, want);
}

/* state_read_only (iocd --dry-run): the saved map and sequence are read,
 * sets and reservations change memory only, the file stays byte for byte
 * and no directory is made. Process-wide and for good: the last test. */
static void test_read_only_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "pakn");
    set_ok(s, "cursor", "160");
    uint64_t seq;
    char err[512];
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);
    state_close(s);
    char path[400];
    snprintf(path, sizeof path, "%s/pakn.state", f->dir);
    char *before = read_file(path);
    assert_non_null(before);

    state_read_only();
    s = open_ok(f->dir, "pakn");
    assert_get(s, "cursor", "160");
    set_ok(s, "cursor", "185");
    assert_get(s, "cursor", "185");
    /* Above the saved reservation, as a real run would number. */
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_true(seq > 1);
    state_close(s);
    char *after = read_file(path);
    assert_string_equal(after, before);
    free(before);
    free(after);
    snprintf(path, sizeof path, "%s/pakn.state.tmp", f->dir);
    assert_int_equal(access(path, F_OK), -1);

    char missing[400];
    snprintf(missing, sizeof missing, "%s/none/state", f->base);
    s = open_ok(missing, "ex");
    set_ok(s, "k", "v");
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    assert_int_equal(seq, 1);
    state_close(s);
    snprintf(path, sizeof path, "%s/none", f->base);
    assert_int_equal(access(path, F_OK), -1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* The durable outbox's hold (issue 15 item 2): sets during a poll are
 * read back at once but reach the file only at state_release(keep);
 * release(!keep) forgets them; a sequence reservation made meanwhile is
 * on disk at once and kept either way. */
static void test_hold_release(void **state)
{
    struct fixture *f = *state;
    struct state *s = open_ok(f->dir, "dvc");
    set_ok(s, "cursor", "page-1");
    assert_int_equal(state_hold(s), 0);
    set_ok(s, "cursor", "page-2");
    assert_get(s, "cursor", "page-2"); /* the connector reads its own write */
    uint64_t seq = 0;
    char err[256];
    assert_int_equal(state_next_seq(s, &seq, err, sizeof err), 0);
    /* On disk: the old cursor, the new reservation. */
    struct state *other = open_ok(f->dir, "dvc");
    assert_get(other, "cursor", "page-1");
    uint64_t seq2 = 0;
    assert_int_equal(state_next_seq(other, &seq2, err, sizeof err), 0);
    assert_true(seq2 > seq);
    state_close(other);
    assert_int_equal(state_release(s, true, err, sizeof err), 0);
    other = open_ok(f->dir, "dvc");
    assert_get(other, "cursor", "page-2");
    state_close(other);
    /* Not kept: forgotten, in memory and on disk. */
    assert_int_equal(state_hold(s), 0);
    set_ok(s, "cursor", "page-3");
    set_ok(s, "extra", "x");
    assert_int_equal(state_release(s, false, err, sizeof err), 0);
    assert_get(s, "cursor", "page-2");
    assert_get(s, "extra", NULL);
    other = open_ok(f->dir, "dvc");
    assert_get(other, "cursor", "page-2");
    assert_get(other, "extra", NULL);
    state_close(other);
    /* No hold: release does nothing. */
    assert_int_equal(state_release(s, true, err, sizeof err), 0);
    state_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_creates_nested_dir),
        T(test_open_dir_under_file_fails),
        T(test_set_get_delete),
        T(test_values_survive_reopen),
        T(test_file_is_json),
        T(test_corrupt_file_refused),
        T(test_key_valid),
        T(test_bad_values_refused),
        T(test_seq_counts_from_one),
        T(test_seq_never_reused_after_reopen),
        T(test_seq_corrupt_reservation),
        T(test_seq_threads_unique),
        T(test_unwritable_dir_keeps_old_value),
        T(test_write_failure_keeps_old_value),
        T(test_symlink_at_temp_name_not_followed),
        T(test_shared_state_dir_refused),
        T(test_dir_usable),
        T(test_fifo_state_file_refused),
        T(test_dir_not_writable),
        T(test_hold_release),
        T(test_read_only_writes_nothing), /* last: state_read_only is for good */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
