/*
 * test_series - the per-series state (daemon/series.c): what is a change
 * (ts and seq alone are not; value, unit, target status, period, dims,
 * area are), refresh per on-change slot, retiring idle series, the
 * snapshot of last values and the shard-by-shard walk, freshness (not seen,
 * old data, a 304's confirmation, the sweep) and the alert states with the
 * owner's counts, and a concurrency smoke of four threads on
 * shared and private keys (run under ASan: every reference released).
 */
#include "metric.h"
#include "series.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* A record in normalize's field order (schema ... ts ... series, seq). */
static struct metric *rec(const char *series, const char *value, const char *ts,
                          const char *extra, uint64_t seq)
{
    char json[512];
    int n = snprintf(json, sizeof json,
                     "{\"schema\":\"ioc.metric/1\",\"source\":\"s\",\"metric\":\"m\",\"value\":%s,"
                     "\"unit\":\"count\",\"ts\":\"%s\",\"area\":{\"level\":\"commune\","
                     "\"code\":\"32002\",\"province\":\"96\",\"name\":\"X\"}%s,"
                     "\"series\":\"%s\",\"seq\":%llu}",
                     value, ts, extra, series, (unsigned long long)seq);
    return metric_new("ioc/v1", "96", series, json, (size_t)n, seq);
}

static bool changed(struct metric *a, struct metric *b)
{
    bool c = series_record_changed(a->json, a->json_len, b->json, b->json_len);
    metric_unref(a);
    metric_unref(b);
    return c;
}

#define T0 "2025-08-01T00:05:00+07:00"
#define T1 "2025-08-01T00:06:00+07:00"

static void test_what_is_a_change(void **state)
{
    (void)state;
    assert_false(changed(rec("k", "5", T0, "", 1), rec("k", "5", T0, "", 1)));
    assert_false(changed(rec("k", "5", T0, "", 1), rec("k", "5", T1, "", 2)));   /* ts, seq */
    assert_false(changed(rec("k", "5", T0, "", 9), rec("k", "5", T0, "", 10)));  /* seq only */
    assert_true(changed(rec("k", "5", T0, "", 1), rec("k", "6", T1, "", 2)));    /* value */
    assert_true(changed(rec("k", "5", T0, "", 1), rec("k", "5.5", T0, "", 2)));
    assert_true(changed(rec("k", "5", T0, ",\"target\":{\"value\":80,\"op\":\">=\",\"status\":\"ok\"}", 1),
                        rec("k", "5", T0, ",\"target\":{\"value\":80,\"op\":\">=\",\"status\":\"miss\"}", 2)));
    assert_true(changed(rec("k", "5", T0, "", 1),
                        rec("k", "5", T0, ",\"period\":{\"from\":\"2025-07-01\",\"to\":\"2025-07-31\"}", 2)));
    /* A dims key named "ts" or "seq" is content, not the record's own. */
    assert_true(changed(rec("k", "5", T0, ",\"dims\":{\"seq\":\"a\",\"ts\":\"a\"}", 1),
                        rec("k", "5", T1, ",\"dims\":{\"seq\":\"a\",\"ts\":\"b\"}", 2)));
    assert_false(changed(rec("k", "5", T0, ",\"dims\":{\"seq\":\"a\",\"ts\":\"a\"}", 1),
                         rec("k", "5", T1, ",\"dims\":{\"seq\":\"a\",\"ts\":\"a\"}", 2)));
    /* The unit sits before ts: also compared. */
    struct metric *a = rec("k", "5", T0, "", 1);
    char other[512];
    snprintf(other, sizeof other, "%s", a->json);
    memcpy(strstr(other, "count"), "bytes", 5);
    assert_true(series_record_changed(a->json, a->json_len, other, strlen(other)));
    metric_unref(a);
}

static struct series_verdict observe(struct series *t, struct metric *m, int64_t now,
                                     const int64_t *refresh, unsigned slots)
{
    struct series_verdict v;
    assert_int_equal(series_observe(t, m, now, 1700000000000 + now, refresh, slots, NULL, &v), 0);
    metric_unref(m);
    return v;
}

static void test_refresh_per_slot(void **state)
{
    (void)state;
    struct series *t = series_new();
    const int64_t refresh[2] = {3000, 1000}; /* slot 0: 3 s, slot 1: 1 s */
    struct series_verdict v = observe(t, rec("a", "1", T0, "", 1), 1000, refresh, 2);
    assert_true(v.changed);
    assert_int_equal(v.due, 3);               /* first seen: everywhere */
    v = observe(t, rec("a", "1", T1, "", 2), 1500, refresh, 2);
    assert_false(v.changed);
    assert_int_equal(v.due, 0);               /* unchanged, nothing due */
    v = observe(t, rec("a", "1", T1, "", 3), 2000, refresh, 2);
    assert_int_equal(v.due, 2);               /* slot 1's second has passed */
    v = observe(t, rec("a", "1", T1, "", 4), 2999, refresh, 2);
    assert_int_equal(v.due, 0);
    v = observe(t, rec("a", "1", T1, "", 5), 4000, refresh, 2);
    assert_int_equal(v.due, 3);               /* slot 0's 3 s since 1000 */
    v = observe(t, rec("a", "2", T1, "", 6), 4001, refresh, 2);
    assert_true(v.changed);
    assert_int_equal(v.due, 3);               /* a change goes everywhere at once */
    v = observe(t, rec("b", "2", T1, "", 7), 4002, refresh, 2);
    assert_true(v.changed);                   /* another key is another series */
    assert_int_equal(series_count(t), 2);
    series_free(t);
}

/* Freshness and alert state (issue 12): wall = 1.7e12 + mono here. */
#define WALL(mono) (1700000000000 + (mono))

static struct series_verdict observe_kpi(struct series *t, struct metric *m, int64_t now,
                                         const struct series_kpi *kpi)
{
    struct series_verdict v;
    const int64_t refresh[1] = {3600000}; /* MQTT-like slot: 1 h */
    assert_int_equal(series_observe(t, m, now, WALL(now), refresh, 1, kpi, &v), 0);
    metric_unref(m);
    return v;
}

static size_t turned_count;
static struct series_turn turned_last;
static void turned(void *arg, const struct series_turn *turn)
{
    (void)arg;
    turned_count++;
    turned_last = *turn;
}

/* Sweep every shard at `now`; returns how many turned stale. */
static size_t sweep_all(struct series *t, int64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < SERIES_SHARDS; i++)
        n += series_sweep(t, i, now, WALL(now), turned, NULL);
    return n;
}

static void test_stale_not_seen(void **state)
{
    (void)state;
    struct series *t = series_new();
    struct series_owner owner = {0};
    struct series_kpi kpi = {&owner, WALL(1000), 3000, 0, false};
    struct series_verdict v = observe_kpi(t, rec("a", "1", T0, "", 1), 1000, &kpi);
    assert_int_equal(v.alert_before, 0);
    assert_int_equal(v.alert_after, 0);
    assert_int_equal(atomic_load(&owner.series), 1);
    turned_count = 0;
    assert_int_equal(sweep_all(t, 3999), 0);     /* 2999 ms unseen: not yet */
    assert_int_equal(sweep_all(t, 4000), 1);     /* the expected refresh has passed */
    assert_false(turned_last.old_data);
    assert_int_equal(turned_last.alert_before, 0);
    assert_int_equal(turned_last.alert_after, SERIES_ALERT_STALE);
    assert_int_equal(turned_last.since_wall_ms, WALL(4000));
    assert_int_equal(atomic_load(&owner.stale), 1);
    assert_int_equal(sweep_all(t, 9000), 0);     /* once: it is stale already */
    assert_int_equal(turned_count, 1);
    /* Seen again with recent data: fresh, a change for every slot (the
     * screens hold the marked record), the left state's since kept. */
    kpi.data_ms = WALL(9500);
    v = observe_kpi(t, rec("a", "1", T0, "", 2), 9500, &kpi);
    assert_true(v.changed);
    assert_int_equal(v.due, 1);
    assert_int_equal(v.alert_before, SERIES_ALERT_STALE);
    assert_int_equal(v.alert_after, 0);
    assert_int_equal(v.since_wall_ms[1], WALL(4000));
    assert_int_equal(atomic_load(&owner.stale), 0);
    /* A poll that confirmed the source unchanged (HTTP 304) counts as
     * seeing it: not stale 3 s after the observation. */
    atomic_store(&owner.confirmed_mono_ms, 12000);
    assert_int_equal(sweep_all(t, 13000), 0);
    assert_int_equal(sweep_all(t, 15000), 1);
    series_free(t);
}

static void test_stale_old_data_and_breach(void **state)
{
    (void)state;
    struct series *t = series_new();
    struct series_owner owner = {0};
    /* Data 10 s old, max_age 5 s: stale on observe. */
    struct series_kpi kpi = {&owner, WALL(1000) - 10000, 0, 5000, true};
    struct series_verdict v = observe_kpi(t, rec("a", "50", T0, "", 1), 1000, &kpi);
    assert_int_equal(v.alert_after, SERIES_ALERT_STALE | SERIES_ALERT_BREACH);
    assert_int_equal(v.due, 1);
    assert_int_equal(v.since_wall_ms[0], WALL(1000));
    assert_int_equal(atomic_load(&owner.stale), 1);
    assert_int_equal(atomic_load(&owner.breach), 1);
    /* Still breach, still old, the same record: no transition, not due. */
    v = observe_kpi(t, rec("a", "50", T0, "", 2), 2000, &kpi);
    assert_int_equal(v.alert_before, v.alert_after);
    assert_int_equal(v.due, 0);
    assert_int_equal(v.since_wall_ms[0], WALL(1000)); /* entered then */
    /* Recent data, on target: both left. */
    kpi.data_ms = WALL(3000);
    kpi.breach = false;
    v = observe_kpi(t, rec("a", "95", T0, "", 3), 3000, &kpi);
    assert_int_equal(v.due, 1);
    assert_int_equal(v.alert_before, SERIES_ALERT_STALE | SERIES_ALERT_BREACH);
    assert_int_equal(v.alert_after, 0);
    assert_int_equal(atomic_load(&owner.stale), 0);
    assert_int_equal(atomic_load(&owner.breach), 0);
    /* The same record observed again once its data is too old: stale on
     * observe, and due although unchanged (the screens need the marker). */
    struct series *t2 = series_new();
    struct series_kpi k2 = {&owner, WALL(3000), 0, 5000, false};
    v = observe_kpi(t2, rec("b", "1", T0, "", 4), 3000, &k2);
    assert_int_equal(v.alert_after, 0);
    v = observe_kpi(t2, rec("b", "1", T0, "", 5), 4000, &k2);
    assert_int_equal(v.due, 0);
    v = observe_kpi(t2, rec("b", "1", T0, "", 6), 8001, &k2);
    assert_false(v.alert_before & SERIES_ALERT_STALE);
    assert_int_equal(v.alert_after, SERIES_ALERT_STALE);
    assert_int_equal(v.due, 1);
    series_retire(t2, 100000, 1000, NULL, NULL);
    series_free(t2);
    /* The data ages without a new observation: the sweep finds it. */
    turned_count = 0;
    assert_int_equal(sweep_all(t, 8000), 0);  /* exactly 5 s old: not older */
    assert_int_equal(sweep_all(t, 8001), 1);
    assert_true(turned_last.old_data);
    assert_int_equal(turned_last.data_ms, WALL(3000));
    /* Retired: the owner's counts follow. */
    assert_int_equal(series_retire(t, 100000, 1000, NULL, NULL), 1);
    assert_int_equal(atomic_load(&owner.series), 0);
    assert_int_equal(atomic_load(&owner.stale), 0);
    series_free(t);
}

static size_t gone_count;
static char gone_last[64];
static void gone(void *arg, struct metric *m)
{
    (void)arg;
    gone_count++;
    snprintf(gone_last, sizeof gone_last, "%s", m->topic);
}

static void test_retire(void **state)
{
    (void)state;
    struct series *t = series_new();
    const int64_t refresh[1] = {1000};
    observe(t, rec("old", "1", T0, "", 1), 1000, refresh, 1);
    observe(t, rec("new", "1", T0, "", 2), 1000, refresh, 1);
    observe(t, rec("new", "1", T1, "", 3), 5000, refresh, 1);
    gone_count = 0;
    assert_int_equal(series_retire(t, 5999, 5000, gone, NULL), 0); /* not yet */
    assert_int_equal(series_retire(t, 6000, 5000, gone, NULL), 1);
    assert_int_equal(gone_count, 1);
    assert_string_equal(gone_last, "ioc/v1/96/old");
    assert_int_equal(series_count(t), 1);
    /* Seen again after retiring, it is a new series: a change. */
    struct series_verdict v = observe(t, rec("old", "1", T1, "", 4), 6001, refresh, 1);
    assert_true(v.changed);
    assert_int_equal(v.due, 1);
    assert_int_equal(series_retire(t, 100000, 5000, NULL, NULL), 2);
    assert_int_equal(series_count(t), 0);
    series_free(t);
}

static void count_one(void *arg, struct metric *m)
{
    (void)m;
    (*(size_t *)arg)++;
}

static void test_growth_and_foreach(void **state)
{
    (void)state;
    struct series *t = series_new();
    const int64_t refresh[1] = {1000};
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "s/m/%05d", i);
        observe(t, rec(key, "1", T0, "", (uint64_t)i + 1), 1, refresh, 1);
    }
    /* Every key found again after the shards grew: none is new. */
    size_t unchanged = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "s/m/%05d", i);
        unchanged += !observe(t, rec(key, "1", T1, "", (uint64_t)i + 20001), 2, refresh, 1).changed;
    }
    assert_int_equal(unchanged, 20000);
    assert_int_equal(series_count(t), 20000);
    size_t seen = 0;
    assert_int_equal(series_foreach(t, count_one, &seen), 20000);
    assert_int_equal(seen, 20000);
    /* Shard by shard (the paced re-publish) visits each series once. */
    size_t by_shard = 0, visited = 0;
    for (size_t sh = 0; sh < SERIES_SHARDS; sh++)
        by_shard += series_each_in_shard(t, sh, count_one, &visited);
    assert_int_equal(by_shard, 20000);
    assert_int_equal(visited, 20000);
    series_free(t); /* ASan: every held metric released */
}

struct worker {
    struct series *t;
    int id;
    size_t changes;
};

/* Each thread writes 200 keys of its own (value = round) and 50 shared
 * keys, 20 rounds. */
static void *work(void *arg)
{
    struct worker *w = arg;
    const int64_t refresh[1] = {1000000};
    char key[32], value[16];
    for (int round = 0; round < 20; round++)
        for (int i = 0; i < 250; i++) {
            if (i < 200)
                snprintf(key, sizeof key, "t%d/m/%03d", w->id, i);
            else
                snprintf(key, sizeof key, "shared/m/%03d", i);
            snprintf(value, sizeof value, "%d", i < 200 ? round : 7);
            struct series_verdict v;
            struct metric *m = rec(key, value, T0, "", (uint64_t)round);
            series_observe(w->t, m, round + 1, 0, refresh, 1, NULL, &v);
            metric_unref(m);
            if (i < 200 && v.changed)
                w->changes++;
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct series *t = series_new();
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){t, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].changes, 200 * 20); /* its own keys change every round */
    }
    assert_int_equal(series_count(t), 4 * 200 + 50);
    series_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_is_a_change),
        cmocka_unit_test(test_refresh_per_slot),
        cmocka_unit_test(test_retire),
        cmocka_unit_test(test_stale_not_seen),
        cmocka_unit_test(test_stale_old_data_and_breach),
        cmocka_unit_test(test_growth_and_foreach),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
