/*
 * test_outbox - the bounded per-sink queue (daemon/outbox.c) and the
 * shared metric (daemon/metric.c): FIFO order, drop-oldest when full with
 * counters, requeue at the front in the original order, requeue into a
 * full outbox, round robin across sources (exact interleaved orders),
 * drops from the largest source, batches, the bound in bytes, waiting for room (backpressure), bounded waits, wake-up, loss episodes told
 * once per drop and counted by cause, records counted apart, and reference
 * counts (every metric
 * is released exactly once: ASan and valgrind see no leak).
 */
#include "metric.h"
#include "outbox.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "droplog_lines.h"

static struct metric *make(uint64_t seq)
{
    char json[64];
    int n = snprintf(json, sizeof json, "{\"seq\":%llu}", (unsigned long long)seq);
    return metric_new("ioc/v1", "96", "src/m/32002", json, (size_t)n, seq);
}

/* A metric of source `src` ("a/m/32002"). */
static struct metric *make_from(const char *src, uint64_t seq)
{
    char json[64], series[64];
    int n = snprintf(json, sizeof json, "{\"seq\":%llu}", (unsigned long long)seq);
    snprintf(series, sizeof series, "%s/m/32002", src);
    return metric_new("ioc/v1", "96", series, json, (size_t)n, seq);
}

/* Push seqs first..last of source `src` as one batch (one poll). */
static void push_batch_from(struct outbox *o, const char *src, uint64_t first, uint64_t last,
                            int64_t deadline_ms)
{
    struct metric *items[64] = {NULL};
    size_t n = 0;
    for (uint64_t s = first; s <= last && n < 64; s++)
        items[n++] = make_from(src, s);
    outbox_push_batch(o, items, n, deadline_ms);
    for (size_t i = 0; i < n; i++)
        metric_unref(items[i]);
}

static void test_metric_fields(void **state)
{
    (void)state;
    struct metric *m = make(7);
    assert_string_equal(m->series, "src/m/32002");
    assert_int_equal(m->series_len, 11);
    assert_string_equal(m->topic, "ioc/v1/96/src/m/32002");
    assert_string_equal(m->json, "{\"seq\":7}");
    assert_int_equal(m->json_len, 9);
    assert_int_equal(m->seq, 7);
    metric_ref(m);
    metric_unref(m);
    metric_unref(m); /* the last reference frees it */
}

/* An outbox bounded by `capacity` metrics only. */
static struct outbox *box(size_t capacity)
{
    struct outbox_limits limits = {capacity, 0};
    return outbox_new("test", &limits);
}

/* Push seqs first..last, dropping the caller's references. */
static void push_range(struct outbox *o, uint64_t first, uint64_t last)
{
    for (uint64_t s = first; s <= last; s++) {
        struct metric *m = make(s);
        outbox_push(o, m);
        metric_unref(m);
    }
}

/* Pop everything and check the seqs are exactly `want`. */
static void expect_seqs(struct outbox *o, const uint64_t *want, size_t n)
{
    struct metric *got[32];
    size_t k = outbox_pop(o, got, 32, 0);
    assert_int_equal(k, n);
    for (size_t i = 0; i < k; i++) {
        assert_int_equal(got[i]->seq, want[i]);
        metric_unref(got[i]);
    }
}

static void test_fifo(void **state)
{
    (void)state;
    struct outbox *o = box(10);
    push_range(o, 1, 5);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.queued, 5);
    assert_int_equal(c.length, 5);
    expect_seqs(o, (uint64_t[]){1, 2, 3, 4, 5}, 5);
    assert_int_equal(outbox_free(o), 0);
}

static void test_full_drops_oldest(void **state)
{
    (void)state;
    struct outbox *o = box(3);
    push_range(o, 1, 5); /* 1 and 2 are dropped */
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.queued, 5);
    assert_int_equal(c.dropped_full, 2);
    assert_int_equal(c.length, 3);
    expect_seqs(o, (uint64_t[]){3, 4, 5}, 3);
    outbox_free(o);
}

/* A KPI message (summary, marker, alert) finding the outbox full is
 * dropped itself, counted apart: it never pushes a record out. With room,
 * it is queued like a record. */
static void test_full_drops_kpi_not_records(void **state)
{
    (void)state;
    struct outbox *o = box(3);
    push_range(o, 1, 3);
    struct metric *summary = make_from("_summary", 100);
    summary->kind = METRIC_SCREEN;
    struct metric *alert = make_from("_alert", 101);
    alert->kind = METRIC_ALERT;
    outbox_push(o, summary);
    outbox_push(o, alert);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.dropped_kpi, 2);
    assert_int_equal(c.dropped_full, 0);
    assert_int_equal(c.queued, 3);
    expect_seqs(o, (uint64_t[]){1, 2, 3}, 3);
    outbox_push(o, summary);
    expect_seqs(o, (uint64_t[]){100}, 1);
    metric_unref(summary);
    metric_unref(alert);
    outbox_free(o);
}

static void test_requeue_keeps_order(void **state)
{
    (void)state;
    struct outbox *o = box(10);
    push_range(o, 1, 6);
    struct metric *batch[4];
    assert_int_equal(outbox_pop(o, batch, 4, 0), 4); /* 1..4 taken */
    outbox_requeue(o, batch + 1, 3);                  /* 2..4 not sent */
    metric_unref(batch[0]);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.requeued, 3);
    expect_seqs(o, (uint64_t[]){2, 3, 4, 5, 6}, 5);
    outbox_free(o);
}

static void test_requeue_into_full_drops_requeued(void **state)
{
    (void)state;
    struct outbox *o = box(3);
    push_range(o, 1, 3);
    struct metric *batch[2];
    assert_int_equal(outbox_pop(o, batch, 2, 0), 2); /* 1, 2 */
    push_range(o, 4, 5);                             /* full again: 3, 4, 5 */
    outbox_requeue(o, batch, 2);                     /* 1, 2 are the oldest: dropped */
    struct outbox_counters c;
    outbox_counters(o, &c);
    /* Each drop once, in its own cause's counter (issue 17). */
    assert_int_equal(c.dropped_full, 0); /* 4, 5 found room */
    assert_int_equal(c.dropped_requeue, 2);
    assert_int_equal(c.requeued, 0);
    expect_seqs(o, (uint64_t[]){3, 4, 5}, 3);
    outbox_free(o);
}

static void test_wrap_around(void **state)
{
    (void)state;
    struct outbox *o = box(4);
    for (uint64_t round = 0; round < 10; round++) {
        push_range(o, round * 3 + 1, round * 3 + 3);
        expect_seqs(o, (uint64_t[]){round * 3 + 1, round * 3 + 2, round * 3 + 3}, 3);
    }
    outbox_free(o);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_pop_waits_then_returns_empty(void **state)
{
    (void)state;
    struct outbox *o = box(4);
    struct metric *batch[1];
    double start = now_s();
    assert_int_equal(outbox_pop(o, batch, 1, 50), 0);
    /* It waited (not a timing assertion on speed: only that it blocked). */
    assert_true(now_s() - start >= 0.04);
    outbox_free(o);
}

static void test_wake_interrupts_wait(void **state)
{
    (void)state;
    struct outbox *o = box(4);
    outbox_wake(o); /* a wake before the wait is not lost */
    struct metric *batch[1];
    double start = now_s();
    assert_int_equal(outbox_pop(o, batch, 1, 60000), 0);
    assert_true(now_s() - start < 30); /* returned long before its 60 s bound */
    outbox_free(o);
}

static void test_free_releases_queued(void **state)
{
    (void)state;
    struct outbox *o = box(8);
    push_range(o, 1, 5);
    assert_int_equal(outbox_free(o), 5); /* and no leak under ASan/valgrind */
}

static void test_shared_between_outboxes(void **state)
{
    (void)state;
    struct outbox *a = box(4), *b = box(4);
    struct metric *m = make(42);
    outbox_push(a, m);
    outbox_push(b, m);
    metric_unref(m); /* both outboxes still hold it */
    struct metric *got;
    assert_int_equal(outbox_pop(a, &got, 1, 0), 1);
    assert_int_equal(got->seq, 42);
    metric_unref(got);
    assert_int_equal(outbox_pop(b, &got, 1, 0), 1);
    assert_string_equal(got->json, "{\"seq\":42}");
    metric_unref(got);
    outbox_free(a);
    outbox_free(b);
}

/* The bound in bytes: room for exactly three of these metrics. The
 * oldest go first, the bytes are counted back on pop, and a requeue that
 * would exceed the bound drops the requeued (oldest) ones. */
static void test_max_bytes(void **state)
{
    (void)state;
    struct metric *probe = make(1);
    size_t size = probe->size;
    assert_int_equal(size, sizeof(struct metric) + 12 + 22 + 9 + 1);
    metric_unref(probe);
    struct outbox_limits limits = {100, 3 * size + size / 2};
    struct outbox *o = outbox_new("test", &limits);
    push_range(o, 1, 5);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.length, 3);
    assert_int_equal(c.bytes, 3 * size);
    assert_int_equal(c.dropped_full, 2);
    struct metric *got[2];
    assert_int_equal(outbox_pop(o, got, 2, 0), 2);
    assert_int_equal(got[0]->seq, 3);
    assert_int_equal(got[1]->seq, 4);
    outbox_counters(o, &c);
    assert_int_equal(c.bytes, size);
    push_range(o, 6, 6);
    outbox_requeue(o, got, 2); /* room for one: seq 3 is dropped */
    outbox_counters(o, &c);
    assert_int_equal(c.length, 3);
    assert_int_equal(c.dropped_full, 2);
    assert_int_equal(c.dropped_requeue, 1);
    expect_seqs(o, (uint64_t[]){4, 5, 6}, 3);
    assert_int_equal(outbox_free(o), 0);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A slow consumer: after 100 ms it takes one metric out. */
static void *pop_one_later(void *arg)
{
    struct outbox *o = arg;
    struct timespec pause = {0, 100 * 1000000};
    nanosleep(&pause, NULL);
    struct metric *m;
    if (outbox_pop(o, &m, 1, 0) == 1)
        metric_unref(m);
    return NULL;
}

/* With a consumer that takes one metric out after 100 ms, `push` (which
 * fills the 2-slot outbox `o` with seqs up to 3) waits for it instead of
 * dropping: seqs 2 and 3 are left. */
static void expect_wait_for_consumer(struct outbox *o, void (*push)(struct outbox *, int64_t))
{
    pthread_t consumer;
    assert_int_equal(pthread_create(&consumer, NULL, pop_one_later, o), 0);
    int64_t start = now_ms();
    push(o, start + 5000);
    int64_t waited = now_ms() - start;
    pthread_join(consumer, NULL);
    assert_true(waited >= 90 && waited < 5000);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.dropped_full, 0);
    expect_seqs(o, (uint64_t[]){2, 3}, 2);
}

static void push_wait_seq3(struct outbox *o, int64_t deadline_ms)
{
    struct metric *m = make(3);
    outbox_push_wait(o, m, deadline_ms);
    metric_unref(m);
}

/* Backpressure: a full outbox makes outbox_push_wait wait for the
 * consumer instead of dropping; with no time left it drops as before. */
static void test_push_wait(void **state)
{
    (void)state;
    struct outbox *o = box(2);
    push_range(o, 1, 2);
    expect_wait_for_consumer(o, push_wait_seq3);

    struct outbox_counters c;
    struct metric *m;
    push_range(o, 4, 5);
    m = make(6);
    outbox_push_wait(o, m, now_ms() - 1); /* no time left: drop the oldest */
    metric_unref(m);
    outbox_counters(o, &c);
    assert_int_equal(c.dropped_full, 1);
    expect_seqs(o, (uint64_t[]){5, 6}, 2);
    assert_int_equal(outbox_free(o), 0);
}

/* Fairness: source a's poll (seqs 1..5) and source b's (101..103) each
 * pushed in one burst; the consumer takes them one per source in turn, so
 * b's first metric waits behind one of a's, not five. */
static void test_round_robin_across_sources(void **state)
{
    (void)state;
    struct outbox *o = box(20);
    push_batch_from(o, "a", 1, 5, 0);
    push_batch_from(o, "b", 101, 103, 0);
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.queued, 8);
    assert_int_equal(c.length, 8);
    expect_seqs(o, (uint64_t[]){1, 101, 2, 102, 3, 103, 4, 5}, 8);
    assert_int_equal(outbox_free(o), 0);
}

/* The turn carries over from one pop to the next (a sender pops a few at
 * a time), and a requeue goes back to the front of its own source. */
static void test_round_robin_turn_and_requeue(void **state)
{
    (void)state;
    struct outbox *o = box(20);
    push_batch_from(o, "a", 1, 4, 0);
    push_batch_from(o, "b", 101, 102, 0);
    push_batch_from(o, "c", 201, 201, 0);
    struct metric *got[3];
    assert_int_equal(outbox_pop(o, got, 3, 0), 3); /* 1, 101, 201 */
    assert_int_equal(got[0]->seq, 1);
    assert_int_equal(got[1]->seq, 101);
    assert_int_equal(got[2]->seq, 201);
    outbox_requeue(o, got + 1, 2); /* 101 and 201 unacknowledged */
    metric_unref(got[0]);
    expect_seqs(o, (uint64_t[]){2, 101, 201, 3, 102, 4}, 6);
    assert_int_equal(outbox_free(o), 0);
}

/* Full: the source with the most waiting loses its oldest, a quiet source
 * keeps its values. */
static void test_full_drops_from_largest_source(void **state)
{
    (void)state;
    struct outbox *o = box(5);
    push_batch_from(o, "quiet", 101, 102, 0);
    push_batch_from(o, "flood", 1, 6, 0); /* 1, 2, 3 dropped */
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.queued, 8);
    assert_int_equal(c.dropped_full, 3);
    assert_int_equal(c.length, 5);
    expect_seqs(o, (uint64_t[]){101, 4, 102, 5, 6}, 5);
    assert_int_equal(outbox_free(o), 0);
}

static void push_batch_seq1_to_3(struct outbox *o, int64_t deadline_ms)
{
    push_batch_from(o, "a", 1, 3, deadline_ms);
}

/* A batch into an outbox that fills up waits for the consumer (woken for
 * what the batch appended so far), as outbox_push_wait does. */
static void test_push_batch_waits_for_room(void **state)
{
    (void)state;
    struct outbox *o = box(2);
    expect_wait_for_consumer(o, push_batch_seq1_to_3);
    assert_int_equal(outbox_free(o), 0);
}

/* A source's ring grows past its first 64 slots, keeping order across the
 * wrap. */
static void test_source_ring_grows(void **state)
{
    (void)state;
    struct outbox *o = box(1000);
    push_batch_from(o, "a", 1, 40, 0);
    struct metric *got[32];
    size_t k = outbox_pop(o, got, 30, 0); /* head moves to slot 30 */
    assert_int_equal(k, 30);
    for (size_t i = 0; i < k; i++)
        metric_unref(got[i]);
    push_batch_from(o, "a", 41, 100, 0); /* 70 waiting: wraps, then grows */
    uint64_t want = 31;
    while ((k = outbox_pop(o, got, 32, 0)) > 0)
        for (size_t i = 0; i < k; i++) {
            assert_int_equal(got[i]->seq, want++);
            metric_unref(got[i]);
        }
    assert_int_equal(want, 101);
    assert_int_equal(outbox_free(o), 0);
}

/* Issue 17: every drop counted once and told: the first drop of an
 * episode at once with its cause, the episode's end when a pop empties
 * the outbox; a requeue overflow is its own cause and counter. Records
 * are counted apart from KPI messages: in = dropped + held + popped. */
static void test_drops_told_as_episodes(void **state)
{
    (void)state;
    struct lines l = {.n = 0};
    struct outbox *o = box(3);
    outbox_set_drop_writer(o, collect, &l);
    push_range(o, 1, 5); /* 1, 2 dropped */
    struct metric *summary = make_from("_summary", 0);
    summary->kind = METRIC_SCREEN;
    outbox_push(o, summary); /* full: dropped_kpi, not a record, in the episode */
    metric_unref(summary);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0], "test: dropped 1 metric: outbox full (3 metrics): the broker is "
                        "unreachable or not keeping up; the oldest dropped (a loss episode "
                        "began; a line a minute follows while it lasts)");
    struct outbox_counters c;
    outbox_counters(o, &c);
    assert_int_equal(c.records_in, 5);
    assert_int_equal(c.records_dropped, 2);
    assert_int_equal(c.records_held, 3);
    assert_int_equal(c.dropped_kpi, 1);
    struct metric *got[3];
    assert_int_equal(outbox_pop(o, got, 2, 0), 2); /* 3, 4: not empty yet */
    assert_int_equal(l.n, 1);
    assert_int_equal(outbox_pop(o, got + 2, 1, 0), 1); /* 5: the backlog is handed over */
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[1], "test: episode over: 3 dropped in 0.0 s (2 since the last "
                        "line: 1 outbox full (3 metrics): the broker is unreachable or not "
                        "keeping up; the oldest dropped; 1 KPI messages (summaries, stale marks, "
                        "alerts) that found the outbox full: not queued)");
    push_range(o, 6, 8);
    outbox_requeue(o, got, 3); /* full: 3, 4, 5 dropped, a new episode */
    assert_int_equal(l.n, 3);
    assert_string_equal(l.text[2], "test: dropped 1 metric: requeue overflow: unacknowledged "
                        "metrics put back into a full outbox; the oldest dropped (a loss episode "
                        "began; a line a minute follows while it lasts)");
    outbox_end_episode(o); /* shutdown */
    assert_int_equal(l.n, 4);
    assert_string_equal(l.text[3], "test: episode over: 3 dropped in 0.0 s (2 since the last "
                        "line: 2 requeue overflow: unacknowledged metrics put back into a full "
                        "outbox; the oldest dropped)");
    outbox_end_episode(o); /* none open: no line */
    assert_int_equal(l.n, 4);
    outbox_counters(o, &c);
    assert_int_equal(c.dropped_full, 2);
    assert_int_equal(c.dropped_requeue, 3);
    assert_int_equal(c.records_in, 8);
    assert_int_equal(c.records_dropped, 5);
    assert_int_equal(c.records_held, 3);
    assert_int_equal(outbox_free(o), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_fields),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_max_bytes),
        cmocka_unit_test(test_push_wait),
        cmocka_unit_test(test_full_drops_oldest),
        cmocka_unit_test(test_requeue_keeps_order),
        cmocka_unit_test(test_requeue_into_full_drops_requeued),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_pop_waits_then_returns_empty),
        cmocka_unit_test(test_wake_interrupts_wait),
        cmocka_unit_test(test_free_releases_queued),
        cmocka_unit_test(test_shared_between_outboxes),
        cmocka_unit_test(test_round_robin_across_sources),
        cmocka_unit_test(test_round_robin_turn_and_requeue),
        cmocka_unit_test(test_full_drops_from_largest_source),
        cmocka_unit_test(test_full_drops_kpi_not_records),
        cmocka_unit_test(test_push_batch_waits_for_room),
        cmocka_unit_test(test_source_ring_grows),
        cmocka_unit_test(test_drops_told_as_episodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
