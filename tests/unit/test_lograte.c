/*
 * test_lograte - unit tests of daemon/lograte.c, "first at once, then a
 * count per minute", driven with a made-up clock.
 *
 * Covers: the first occurrence logged with nothing held back; the next
 * ones within a minute only counted; the first one a minute (exactly
 * LOGRATE_INTERVAL_MS) after the last line logged with the count held
 * back, and the count starting again from 0; lograte_drain giving the
 * count left for a closing line and resetting it; an hour of one
 * occurrence per millisecond writing 60 lines, not 3.6 million, with
 * every occurrence accounted for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lograte.h"

static void test_first_then_count_per_minute(void **state)
{
    (void)state;
    struct lograte r = LOGRATE_INIT;
    uint64_t held = 99;
    assert_true(lograte_take(&r, 5000, &held));
    assert_int_equal(held, 0);
    for (int64_t t = 5001; t < 5000 + LOGRATE_INTERVAL_MS; t += 1000)
        assert_false(lograte_take(&r, t, &held));
    assert_int_equal(r.held_back, 60); /* 5001, 6001, ..., 64001 */
    assert_true(lograte_take(&r, 5000 + LOGRATE_INTERVAL_MS, &held));
    assert_int_equal(held, 60);
    assert_false(lograte_take(&r, 5000 + LOGRATE_INTERVAL_MS + 1, &held));
    assert_int_equal(lograte_drain(&r), 1);
    assert_int_equal(lograte_drain(&r), 0);
}

static void test_an_hour_of_errors(void **state)
{
    (void)state;
    struct lograte r = LOGRATE_INIT;
    uint64_t held = 0, lines = 0, accounted = 0;
    const int64_t hour = 3600 * 1000;
    for (int64_t t = 0; t < hour; t++)
        if (lograte_take(&r, t, &held)) {
            lines++;
            accounted += 1 + held;
        }
    accounted += lograte_drain(&r);
    assert_int_equal(lines, 60);
    assert_int_equal(accounted, hour);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_then_count_per_minute),
        cmocka_unit_test(test_an_hour_of_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
