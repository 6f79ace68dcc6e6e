/*
 * test_series_store - the series state saved across a restart
 * (daemon/series_store.c): a save/load round trip with the monotonic times
 * converted through wall-clock time (exact values), an unchanged value
 * waiting for its refresh after the restart and a changed one published,
 * publish times kept by sink name (a sink added or removed), a clock set
 * back, series older than retire_after dropped, publishes not yet out of
 * the outbox saved as never published, and refused files (foreign,
 * another version, corrupt, truncated, absurd lengths or times behind a
 * valid checksum) with their exact messages, adding nothing to the table. Each
 * test works in its own mkdtemp directory.
 */
#include "metric.h"
#include "series.h"
#include "series_store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The clocks of the first run and of the run after the restart: the
 * daemon was down for one minute, and the new run's monotonic clock
 * started afresh (a reboot). */
#define WALL1 1700000000000LL
#define MONO1 500000LL
#define DOWN 60000LL
#define WALL2 (WALL1 + DOWN)
#define MONO2 9000LL
#define WEEK (7 * 86400000LL) /* retire_after's default */

struct fixture {
    char dir[256], path[300];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/iocd-test-series-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/series.cache", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    unlink(f->path);
    unlink(tmp);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct metric *rec(const char *series, const char *value, const char *ts, uint64_t seq)
{
    char json[512];
    int n = snprintf(json, sizeof json,
                     "{\"schema\":\"ioc.metric/1\",\"source\":\"s\",\"metric\":\"m\",\"value\":%s,"
                     "\"unit\":\"count\",\"ts\":\"%s\",\"series\":\"%s\",\"seq\":%llu}",
                     value, ts, series, (unsigned long long)seq);
    return metric_new("ioc/v1", "96", series, json, (size_t)n, seq);
}

static unsigned observe(struct series *t, struct metric *m, int64_t mono, int64_t wall,
                        const int64_t *refresh, unsigned slots)
{
    struct series_verdict v;
    assert_int_equal(series_observe(t, m, mono, wall, refresh, slots, NULL, &v), 0);
    metric_unref(m);
    return v.due;
}

static struct series_store_ctx ctx_of(const char *const *names, unsigned slots, int64_t mono,
                                      int64_t wall)
{
    return (struct series_store_ctx){"ioc/v1", "96", names, slots, mono, wall, NULL, WEEK};
}

/* Save `t` as run 1 saw it (clocks MONO1, WALL1; `names` its on-change
 * sinks; `drained` NULL or per slot), expecting `count` series written;
 * `t` is freed. */
static void save_run1(const struct fixture *f, struct series *t, const char *const *names,
                      unsigned slots, const int64_t *drained, long count)
{
    struct series_store_ctx save = ctx_of(names, slots, MONO1, WALL1);
    save.drained_mono_ms = drained;
    char err[512] = "";
    assert_int_equal(series_store_save(f->path, t, &save, err, sizeof err), count);
    series_free(t);
}

/* A new table loaded from the file as a run with these clocks, sinks and
 * retire_after sees it (the load must succeed). */
static struct series *load_run(const struct fixture *f, const char *const *names, unsigned slots,
                               int64_t mono, int64_t wall, int64_t retire_after,
                               struct series_store_report *r)
{
    struct series *u = series_new();
    struct series_store_ctx load = ctx_of(names, slots, mono, wall);
    load.retire_after_ms = retire_after;
    char err[512] = "";
    assert_int_equal(series_store_load(f->path, u, &load, r, err, sizeof err), 1);
    return u;
}

/* What series_each_saved hands, by key. */
struct seen {
    size_t n;
    struct {
        char key[64], json[512], topic[96];
        uint64_t seq;
        int64_t seen_mono, seen_wall, pub[SERIES_SLOTS];
    } s[8];
};

static void collect(void *arg, const struct series_saved *s)
{
    struct seen *c = arg;
    if (c->n >= 8)
        return;
    snprintf(c->s[c->n].key, sizeof c->s[c->n].key, "%s", s->last->series);
    snprintf(c->s[c->n].json, sizeof c->s[c->n].json, "%s", s->last->json);
    snprintf(c->s[c->n].topic, sizeof c->s[c->n].topic, "%s", s->last->topic);
    c->s[c->n].seq = s->last->seq;
    c->s[c->n].seen_mono = s->seen_mono_ms;
    c->s[c->n].seen_wall = s->seen_wall_ms;
    memcpy(c->s[c->n].pub, s->published_mono_ms, sizeof c->s[c->n].pub);
    c->n++;
}

static int find(const struct seen *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->s[i].key, key) == 0)
            return (int)i;
    fail_msg("series %s not found", key);
    return -1;
}

#define T0 "2025-08-01T00:05:00+07:00"
#define T1 "2025-08-01T00:06:00+07:00"

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    const char *names[1] = {"mqtt"};
    const int64_t refresh[1] = {3600000}; /* 1 h */
    struct series *t = series_new();
    /* a: published at MONO1-200000, seen since at MONO1-1000; b: published
     * and seen at MONO1-5000. */
    observe(t, rec("a", "5", T0, 11), MONO1 - 200000, 0, refresh, 1);
    observe(t, rec("a", "5", T1, 12), MONO1 - 1000, 0, refresh, 1);
    observe(t, rec("b", "7", T0, 13), MONO1 - 5000, 0, refresh, 1);
    save_run1(f, t, names, 1, NULL, 2);
    struct series_store_report r;
    struct series *u = load_run(f, names, 1, MONO2, WALL2, WEEK, &r);
    assert_int_equal(r.restored, 2);
    assert_int_equal(r.retired, 0);
    assert_int_equal(r.slots_saved, 1);
    assert_int_equal(r.slots_known, 1);
    struct seen c = {0};
    assert_int_equal(series_each_saved(u, collect, &c), 2);
    int a = find(&c, "a"), b = find(&c, "b");
    /* Ages kept across the minute down: a was published 200 s + 60 s ago. */
    assert_int_equal(c.s[a].pub[0], MONO2 - 200000 - DOWN);
    assert_int_equal(c.s[a].seen_mono, MONO2 - 1000 - DOWN);
    assert_int_equal(c.s[a].seen_wall, WALL1 - 1000);
    assert_int_equal(c.s[b].pub[0], MONO2 - 5000 - DOWN);
    assert_int_equal(c.s[a].seq, 12);
    assert_string_equal(c.s[a].topic, "ioc/v1/96/a");
    struct metric *want = rec("a", "5", T1, 12);
    assert_string_equal(c.s[a].json, want->json);
    metric_unref(want);

    /* After the restart: a's unchanged value waits for its hour (200 s +
     * 60 s have passed); b changed and is published at once. */
    assert_int_equal(observe(u, rec("a", "5", T1, 14), MONO2 + 1000, 0, refresh, 1), 0);
    assert_int_equal(observe(u, rec("b", "8", T1, 15), MONO2 + 1000, 0, refresh, 1), 1);
    /* ...and a is due once the hour since its last publish has passed. */
    assert_int_equal(observe(u, rec("a", "5", T1, 16), MONO2 - 200000 - DOWN + 3600000, 0, refresh,
                             1), 1);
    series_free(u);
}

static void test_slots_by_name(void **state)
{
    struct fixture *f = *state;
    const char *before[2] = {"stdout", "mqtt"}, *after[2] = {"mqtt", "kafka"};
    const int64_t refresh[2] = {3600000, 3600000};
    struct series *t = series_new();
    observe(t, rec("a", "5", T0, 1), MONO1 - 1000, 0, refresh, 2);
    save_run1(f, t, before, 2, NULL, 1);
    struct series_store_report r;
    struct series *u = load_run(f, after, 2, MONO2, WALL2, WEEK, &r);
    assert_int_equal(r.slots_saved, 2);
    assert_int_equal(r.slots_known, 1); /* stdout is gone */
    struct seen c = {0};
    series_each_saved(u, collect, &c);
    assert_int_equal(c.s[0].pub[0], MONO2 - 1000 - DOWN); /* mqtt's time, now in slot 0 */
    assert_int_equal(c.s[0].pub[1], 0);                   /* kafka: never */
    /* Unchanged: mqtt waits, the new kafka slot publishes it. */
    assert_int_equal(observe(u, rec("a", "5", T1, 2), MONO2, 0, refresh, 2), 2);
    series_free(u);
}

static void test_clock_set_back_and_retired(void **state)
{
    struct fixture *f = *state;
    const char *names[1] = {"mqtt"};
    const int64_t refresh[1] = {3600000};
    struct series *t = series_new();
    observe(t, rec("old", "1", T0, 1), MONO1 - 400000, 0, refresh, 1);
    observe(t, rec("new", "1", T0, 2), MONO1 - 1000, 0, refresh, 1);
    save_run1(f, t, names, 1, NULL, 2);

    /* The wall clock went back an hour: the saved times lie in the
     * future and count as now (nothing waits longer than refresh). */
    struct series_store_report r;
    struct series *u = load_run(f, names, 1, MONO2, WALL1 - 3600000, WEEK, &r);
    assert_int_equal(r.restored, 2);
    struct seen c = {0};
    series_each_saved(u, collect, &c);
    assert_int_equal(c.s[find(&c, "new")].pub[0], MONO2);
    assert_int_equal(c.s[find(&c, "new")].seen_wall, WALL1 - 3600000);
    series_free(u);

    /* retire_after 5 min: "old" (not seen for 400 s + 60 s) is dropped. */
    u = load_run(f, names, 1, MONO2, WALL2, 300000, &r);
    assert_int_equal(r.restored, 1);
    assert_int_equal(r.retired, 1);
    assert_int_equal(series_count(u), 1);
    series_free(u);
}

static void test_undelivered_saved_as_never(void **state)
{
    struct fixture *f = *state;
    const char *names[1] = {"mqtt"};
    const int64_t refresh[1] = {3600000};
    struct series *t = series_new();
    observe(t, rec("out", "1", T0, 1), MONO1 - 5000, 0, refresh, 1);
    observe(t, rec("queued", "1", T0, 2), MONO1 - 500, 0, refresh, 1);
    const int64_t drained[1] = {MONO1 - 2000}; /* the outbox was last empty then */
    save_run1(f, t, names, 1, drained, 2);
    struct series_store_report r;
    struct series *u = load_run(f, names, 1, MONO2, WALL2, WEEK, &r);
    /* "queued" may never have reached the broker: published again. */
    assert_int_equal(observe(u, rec("queued", "1", T1, 3), MONO2, 0, refresh, 1), 1);
    assert_int_equal(observe(u, rec("out", "1", T1, 4), MONO2, 0, refresh, 1), 0);
    series_free(u);
}

/* ---- refused files ---------------------------------------------------- */

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static void put_le(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Put a valid checksum (FNV-1a 64 of what precedes) at the end of buf. */
static void seal(unsigned char *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len - 8; i++) {
        h ^= buf[i];
        h *= 0x100000001b3u;
    }
    put_le(buf + len - 8, h, 8);
}

/* Load `path` into a fresh table: expect -1, the message, nothing added. */
static void refused(const char *path, const char *message)
{
    const char *names[1] = {"mqtt"};
    struct series *u = series_new();
    struct series_store_ctx load = ctx_of(names, 1, MONO2, WALL2);
    struct series_store_report r;
    char err[512] = "";
    assert_int_equal(series_store_load(path, u, &load, &r, err, sizeof err), -1);
    assert_string_equal(err, message);
    assert_int_equal(series_count(u), 0);
    series_free(u);
}

static void test_refused(void **state)
{
    struct fixture *f = *state;
    const char *names[1] = {"mqtt"};
    const int64_t refresh[1] = {3600000};
    char err[512] = "", msg[700];
    struct series_store_report r;

    struct series *u = series_new();
    struct series_store_ctx load = ctx_of(names, 1, MONO2, WALL2);
    assert_int_equal(series_store_load(f->path, u, &load, &r, err, sizeof err), 0); /* none */
    series_free(u);

    struct series *t = series_new();
    observe(t, rec("a", "5", T0, 1), MONO1 - 1000, 0, refresh, 1);
    observe(t, rec("b", "6", T0, 2), MONO1 - 1000, 0, refresh, 1);
    save_run1(f, t, names, 1, NULL, 2);
    unsigned char good[4096], buf[4096];
    size_t len = read_file(f->path, good, sizeof good);
    assert_true(len > 100 && len < sizeof good);

    write_file(f->path, "{\"seq\":1}\n", 10);
    snprintf(msg, sizeof msg, "%s: not an iocd series state file (no IOCDSERS magic)", f->path);
    refused(f->path, msg);

    memcpy(buf, good, len);
    put_le(buf + 8, 2, 4);
    write_file(f->path, buf, len);
    snprintf(msg, sizeof msg, "%s: version 2, this iocd reads version 1", f->path);
    refused(f->path, msg);

    memcpy(buf, good, len);
    buf[len / 2] ^= 0x20; /* one bit of a record */
    write_file(f->path, buf, len);
    snprintf(msg, sizeof msg, "%s: checksum mismatch (corrupt or truncated)", f->path);
    refused(f->path, msg);

    write_file(f->path, good, len - 10); /* a write cut short */
    refused(f->path, msg);

    write_file(f->path, good, 20);
    snprintf(msg, sizeof msg, "%s: truncated (20 bytes, shorter than a header)", f->path);
    refused(f->path, msg);

    /* A valid checksum over absurd lengths (a foreign or crafted file). */
    size_t first = 24 + 2 + 4; /* header, the sink "mqtt" */
    memcpy(buf, good, len);
    put_le(buf + first, 0xffffffffu, 4);
    seal(buf, len);
    write_file(f->path, buf, len);
    snprintf(msg, sizeof msg,
             "%s: series 1: a length over the limit (key 4294967295, record 0 bytes)", f->path);
    refused(f->path, msg);

    /* A seen time out of any range (it would overflow the arithmetic on
     * ages), checksum valid. The series saved first is the one of the
     * first shard; both keys are one byte, both records the same length. */
    struct metric *m = rec("a", "5", T0, 1);
    size_t seen_at = first + 4 + 1 + 4 + m->json_len + 8;
    metric_unref(m);
    memcpy(buf, good, len);
    put_le(buf + seen_at, (uint64_t)INT64_MIN, 8);
    seal(buf, len);
    write_file(f->path, buf, len);
    snprintf(msg, sizeof msg, "%s: series 1: a time out of range", f->path);
    refused(f->path, msg);

    /* The second series cut short, checksum valid: the first is not kept
     * either (all or nothing). */
    memcpy(buf, good, len);
    size_t cut = len - 8 - 3;
    memmove(buf + cut, buf + len - 8, 8);
    seal(buf, cut + 8);
    write_file(f->path, buf, cut + 8);
    snprintf(msg, sizeof msg, "%s: series 2 is cut short", f->path);
    refused(f->path, msg);

    memcpy(buf, good, len);
    put_le(buf + 12, 65, 4); /* 65 sinks */
    seal(buf, len);
    write_file(f->path, buf, len);
    snprintf(msg, sizeof msg, "%s: 65 sinks (at most 64)", f->path);
    refused(f->path, msg);

    /* One sink named twice (found by fuzz_series_store): not our file. */
    memcpy(buf, good, first);
    put_le(buf + 12, 2, 4); /* 2 sinks */
    memcpy(buf + first, good + 24, 2 + 4); /* "mqtt" again */
    memcpy(buf + first + 6, good + first, len - first);
    seal(buf, len + 6);
    write_file(f->path, buf, len + 6);
    snprintf(msg, sizeof msg, "%s: sink 2: 'mqtt' named twice", f->path);
    refused(f->path, msg);

    /* And the good file still loads. */
    write_file(f->path, good, len);
    u = load_run(f, names, 1, MONO2, WALL2, WEEK, &r);
    assert_int_equal(r.restored, 2);
    series_free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slots_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_set_back_and_retired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undelivered_saved_as_never, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
