/*
 * test_droplog - the lines of a loss episode (daemon/droplog.c), driven by
 * a fake clock: the first drop at once with its cause, one summary a
 * minute with the count since the last line by cause, nothing while no
 * drop happened, the final "episode over" line with the rest, a new
 * episode after it, and the total since start over every episode.
 */
#include "droplog.h"
#include "droplog_lines.h"

#include <string.h>


static const char FULL[] = "outbox full (100 metrics): the broker is unreachable or not keeping "
                           "up; the oldest dropped";
static const char REQUEUE[] = "requeue overflow: the oldest dropped";

/* A 150 s outage at 1,000 drops a second, then recovery. */
static void test_outage_episode(void **state)
{
    (void)state;
    struct lines l = {.n = 0};
    struct droplog d;
    droplog_init(&d, "sink mqtt", 0);
    droplog_set_writer(&d, collect, &l);
    int64_t t = 1000000; /* the fake clock, ms */
    droplog_drop(&d, FULL, 1, t);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0], "sink mqtt: dropped 1 metric: outbox full (100 metrics): the "
                        "broker is unreachable or not keeping up; the oldest dropped (a loss "
                        "episode began; a line a minute follows while it lasts)");
    /* 999 more in the first second, then 1,000 a second. */
    droplog_drop(&d, FULL, 999, t + 999);
    for (int s = 1; s < 60; s++)
        droplog_drop(&d, FULL, 1000, t + s * 1000);
    assert_int_equal(l.n, 1); /* 59.0 s: no summary yet */
    droplog_drop(&d, FULL, 990, t + 60000);
    droplog_drop(&d, REQUEUE, 10, t + 60000);
    assert_int_equal(l.n, 2); /* the first drop at 60 s writes it (the full one) */
    assert_string_equal(l.text[1], "sink mqtt: dropped 60989 more metrics in the last 60 s "
                        "(60989 outbox full (100 metrics): the broker is unreachable or not "
                        "keeping up; the oldest dropped); 60990 in this episode so far");
    droplog_tick(&d, t + 119999);
    assert_int_equal(l.n, 2); /* the requeue's 10 wait for the next line */
    droplog_tick(&d, t + 120000);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.text[2], "sink mqtt: dropped 10 more metrics in the last 60 s (10 "
                        "requeue overflow: the oldest dropped); 61000 in this episode so far");
    droplog_tick(&d, t + 200000);
    assert_int_equal(l.n, 3); /* nothing dropped since: no line */
    droplog_drop(&d, FULL, 5, t + 149000);
    droplog_end(&d, t + 150000);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.text[3], "sink mqtt: episode over: 61005 dropped in 150.0 s (5 since "
                        "the last line: 5 outbox full (100 metrics): the broker is unreachable "
                        "or not keeping up; the oldest dropped)");
    droplog_end(&d, t + 160000);
    assert_int_equal(l.n, 4); /* no episode open */
    /* A later episode starts afresh; the total counts both. */
    droplog_drop(&d, REQUEUE, 3, t + 300000);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.text[4], "sink mqtt: dropped 3 metrics: requeue overflow: the oldest "
                        "dropped (a loss episode began; a line a minute follows while it lasts)");
    droplog_end(&d, t + 302500);
    assert_int_equal(l.n, 6);
    assert_string_equal(l.text[5], "sink mqtt: episode over: 3 dropped in 2.5 s");
    assert_int_equal(droplog_total(&d), 61008);
}

/* Zero metrics is no drop: no episode, no line. */
static void test_nothing_dropped(void **state)
{
    (void)state;
    struct lines l = {.n = 0};
    struct droplog d;
    droplog_init(&d, "sink kafka", 1000);
    droplog_set_writer(&d, collect, &l);
    droplog_drop(&d, FULL, 0, 5);
    droplog_tick(&d, 100000);
    droplog_end(&d, 100000);
    assert_int_equal(l.n, 0);
    assert_int_equal(droplog_total(&d), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outage_episode),
        cmocka_unit_test(test_nothing_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
