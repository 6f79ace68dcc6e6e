/*
 * test_backoff - unit tests of daemon/backoff.c, the delay before a
 * connector's next poll.
 *
 * Covers the formula documented in backoff.h, with expected values worked
 * out by hand: after a success the interval; after the k-th failure in a
 * row base * 2^(k-1), base = max(1 s, interval / 4), capped at backoff_max
 * (interval 60 s: 15, 30, 60, 120 s, ...; interval 2 s: base 1 s); jitter
 * stays within [d - J, d + J] for many random inputs and reaches both ends
 * (random % (2J + 1) picks the offset); never below 100 ms; huge failure
 * counts neither overflow nor exceed the cap. A Retry-After earns its
 * seconds in ms, capped at backoff_max, without overflow up to INT64_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backoff.h"

#define SEC 1000LL
#define MIN (60 * SEC)

/* A small deterministic generator (splitmix64) for "many random inputs". */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_success_is_interval(void **state)
{
    (void)state;
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, 0, 0, 0), 60 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, 0, 0, 123456789), 60 * SEC);
    assert_int_equal(backoff_delay_ms(5 * MIN, 30 * MIN, 0, 0, 0), 5 * MIN);
    /* The cap applies to failures only: a long interval is kept. */
    assert_int_equal(backoff_delay_ms(60 * MIN, 10 * MIN, 0, 0, 0), 60 * MIN);
    assert_int_equal(backoff_delay_ms(1500, 10 * MIN, 0, 0, 0), 1500);
}

static void test_failures_interval_60s(void **state)
{
    (void)state;
    /* base = 60 s / 4 = 15 s; doubled per further failure; cap 10 min. */
    const int64_t expect[] = {15 * SEC, 30 * SEC, 60 * SEC, 120 * SEC, 240 * SEC, 480 * SEC,
                              600 * SEC, 600 * SEC, 600 * SEC};
    for (unsigned k = 1; k <= 9; k++)
        assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, 0, k, 0), expect[k - 1]);
    /* The first retry comes sooner than the interval. */
    assert_true(backoff_delay_ms(60 * SEC, 10 * MIN, 0, 1, 0) < 60 * SEC);
}

static void test_failures_cap_between_steps(void **state)
{
    (void)state;
    /* Cap 100 s: 15, 30, 60, then 100 (not 120), and 100 from then on. */
    assert_int_equal(backoff_delay_ms(60 * SEC, 100 * SEC, 0, 3, 0), 60 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 100 * SEC, 0, 4, 0), 100 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 100 * SEC, 0, 5, 0), 100 * SEC);
    /* A cap below the base wins as well. */
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * SEC, 0, 1, 0), 10 * SEC);
}

static void test_small_interval_base_one_second(void **state)
{
    (void)state;
    /* interval 2 s: interval / 4 = 500 ms < 1 s, so base = 1 s. */
    assert_int_equal(backoff_delay_ms(2 * SEC, 60 * SEC, 0, 1, 0), 1 * SEC);
    assert_int_equal(backoff_delay_ms(2 * SEC, 60 * SEC, 0, 2, 0), 2 * SEC);
    assert_int_equal(backoff_delay_ms(2 * SEC, 60 * SEC, 0, 3, 0), 4 * SEC);
    assert_int_equal(backoff_delay_ms(2 * SEC, 60 * SEC, 0, 6, 0), 32 * SEC);
    assert_int_equal(backoff_delay_ms(2 * SEC, 60 * SEC, 0, 7, 0), 60 * SEC);
    /* interval 4 s: exactly 1 s either way. */
    assert_int_equal(backoff_delay_ms(4 * SEC, 60 * SEC, 0, 1, 0), 1 * SEC);
    /* interval 8 s: 2 s. */
    assert_int_equal(backoff_delay_ms(8 * SEC, 60 * SEC, 0, 1, 0), 2 * SEC);
    /* interval 200 ms: still 1 s after a failure. */
    assert_int_equal(backoff_delay_ms(200, 60 * SEC, 0, 1, 0), 1 * SEC);
}

static void test_jitter_bounds(void **state)
{
    (void)state;
    const int64_t jitter = 5 * SEC;
    uint64_t seed = 42;
    for (unsigned failures = 0; failures <= 6; failures++) {
        int64_t d = backoff_delay_ms(60 * SEC, 10 * MIN, 0, failures, 0);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (int i = 0; i < 20000; i++) {
            int64_t got = backoff_delay_ms(60 * SEC, 10 * MIN, jitter, failures, splitmix64(&seed));
            assert_in_range(got, d - jitter, d + jitter);
            lo = got < lo ? got : lo;
            hi = got > hi ? got : hi;
        }
        /* 20,000 draws over 10,001 values: the spread covers most of it. */
        assert_true(hi - lo > jitter);
    }
}

static void test_jitter_extremes(void **state)
{
    (void)state;
    const int64_t J = 5 * SEC;
    const uint64_t span = 2 * (uint64_t)J + 1;
    /* random % (2J+1) == 0 -> d - J; == 2J -> d + J; == J -> d. */
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, 0), 55 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, 2 * (uint64_t)J), 65 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, (uint64_t)J), 60 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, span), 55 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, 7 * span + 2 * (uint64_t)J),
                     65 * SEC);
    /* After failures too, and around the cap. */
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 2, 0), 25 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 2, 2 * (uint64_t)J), 35 * SEC);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 30, 2 * (uint64_t)J), 605 * SEC);
    /* The largest 64-bit number: UINT64_MAX % 10001 = 6498 (computed with
     * Python), an offset of 6498 - 5000 = +1498 ms. */
    assert_int_equal(UINT64_MAX % span, 6498);
    assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, J, 0, UINT64_MAX), 60 * SEC + 1498);
    /* Jitter 1 ms: three values. */
    assert_int_equal(backoff_delay_ms(1000, 10 * MIN, 1, 0, 0), 999);
    assert_int_equal(backoff_delay_ms(1000, 10 * MIN, 1, 0, 1), 1000);
    assert_int_equal(backoff_delay_ms(1000, 10 * MIN, 1, 0, 2), 1001);
}

static void test_floor_100ms(void **state)
{
    (void)state;
    assert_int_equal(backoff_delay_ms(50, 10 * MIN, 0, 0, 0), 100);
    assert_int_equal(backoff_delay_ms(0, 10 * MIN, 0, 0, 0), 100);
    assert_int_equal(backoff_delay_ms(100, 10 * MIN, 0, 0, 0), 100);
    assert_int_equal(backoff_delay_ms(101, 10 * MIN, 0, 0, 0), 101);
    /* Jitter larger than the delay: pulled up to 100 ms, never negative. */
    assert_int_equal(backoff_delay_ms(1 * SEC, 10 * MIN, 5 * SEC, 0, 0), 100);
    assert_int_equal(backoff_delay_ms(1 * SEC, 10 * MIN, 5 * SEC, 1, 0), 100);
    uint64_t seed = 7;
    /* interval 300 ms, jitter 2 s: without jitter 300 ms, 1 s, 2 s, 4 s for
     * 0..3 failures; with it within [max(100, d - 2 s), d + 2 s]. */
    const int64_t plain[] = {300, 1 * SEC, 2 * SEC, 4 * SEC};
    for (int i = 0; i < 10000; i++) {
        unsigned failures = (unsigned)(i % 4);
        int64_t got = backoff_delay_ms(300, 10 * MIN, 2 * SEC, failures, splitmix64(&seed));
        int64_t lo = plain[failures] - 2 * SEC;
        assert_in_range(got, lo < 100 ? 100 : lo, plain[failures] + 2 * SEC);
    }
    /* A cap below 100 ms is floored too. */
    assert_int_equal(backoff_delay_ms(60 * SEC, 10, 0, 3, 0), 100);
}

static void test_huge_failure_counts(void **state)
{
    (void)state;
    const unsigned counts[] = {31, 32, 33, 63, 64, 65, 1000, 100000, UINT32_MAX / 2, UINT32_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        assert_int_equal(backoff_delay_ms(60 * SEC, 10 * MIN, 0, counts[i], 0), 10 * MIN);
        assert_int_equal(backoff_delay_ms(2 * SEC, 60 * MIN, 0, counts[i], 0), 60 * MIN);
        assert_int_equal(backoff_delay_ms(60 * SEC, 24 * 60 * MIN, 0, counts[i], 0),
                         24 * 60 * MIN);
        int64_t j = backoff_delay_ms(60 * SEC, 10 * MIN, 30 * SEC, counts[i], UINT64_MAX);
        assert_in_range(j, 10 * MIN - 30 * SEC, 10 * MIN + 30 * SEC);
    }
    /* A cap of a year (far beyond any configuration) still ends there. */
    const int64_t year = 365LL * 24 * 60 * MIN;
    assert_int_equal(backoff_delay_ms(60 * SEC, year, 0, UINT32_MAX, 0), year);
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(backoff_retry_after_ms(-1, 10 * MIN), -1);
    assert_int_equal(backoff_retry_after_ms(0, 10 * MIN), 0);
    assert_int_equal(backoff_retry_after_ms(2, 10 * MIN), 2 * SEC);
    assert_int_equal(backoff_retry_after_ms(600, 10 * MIN), 10 * MIN);
    /* Capped at backoff_max, whatever the server asks. */
    assert_int_equal(backoff_retry_after_ms(601, 10 * MIN), 10 * MIN);
    assert_int_equal(backoff_retry_after_ms(3, 2500), 2500);
    assert_int_equal(backoff_retry_after_ms(2, 2500), 2 * SEC);
    /* No overflow (UBSan would abort on asked * 1000): the ones a feed
     * sent in the audit. */
    assert_int_equal(backoff_retry_after_ms(99999999999LL, 10 * MIN), 10 * MIN);
    assert_int_equal(backoff_retry_after_ms(INT64_MAX, 10 * MIN), 10 * MIN);
    assert_int_equal(backoff_retry_after_ms(INT64_MAX / 1000 + 1, INT64_MAX), INT64_MAX);
    assert_int_equal(backoff_retry_after_ms(INT64_MAX / 1000, INT64_MAX),
                     INT64_MAX / 1000 * 1000);
    assert_int_equal(backoff_retry_after_ms(5, 0), 0);

    char buf[32];
    assert_string_equal(backoff_format_ms(2 * SEC, buf, sizeof buf), "2 s");
    assert_string_equal(backoff_format_ms(1500, buf, sizeof buf), "1500 ms");
    assert_string_equal(backoff_format_ms(10 * MIN, buf, sizeof buf), "600 s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_is_interval),
        cmocka_unit_test(test_failures_interval_60s),
        cmocka_unit_test(test_failures_cap_between_steps),
        cmocka_unit_test(test_small_interval_base_one_second),
        cmocka_unit_test(test_jitter_bounds),
        cmocka_unit_test(test_jitter_extremes),
        cmocka_unit_test(test_floor_100ms),
        cmocka_unit_test(test_huge_failure_counts),
        cmocka_unit_test(test_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
