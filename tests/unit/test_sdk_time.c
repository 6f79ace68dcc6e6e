/*
 * test_sdk_time - unit tests of ioc_time_parse() (daemon/sdk_time.c), the
 * SDK's door to the daemon's strict time parser: the epoch milliseconds
 * and the offset a time was written in, and the refusals with their reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "ioc/time.h"

static void ok(const char *text, int64_t want_ms, int want_offset)
{
    int64_t ms = -1;
    int offset = -9999;
    const char *why = NULL;
    if (ioc_time_parse(text, &ms, &offset, &why) != 0)
        print_error("%s refused: %s\n", text, why);
    assert_int_equal(ioc_time_parse(text, &ms, &offset, &why), 0);
    assert_int_equal(ms, want_ms);
    assert_int_equal(offset, want_offset);
}

static void bad(const char *text, const char *want_reason)
{
    int64_t ms = 42;
    int offset = 42;
    const char *why = NULL;
    assert_int_equal(ioc_time_parse(text, &ms, &offset, &why), -1);
    assert_string_equal(why, want_reason);
    assert_int_equal(ms, 42); /* untouched */
    assert_int_equal(offset, 42);
}

static void test_accepted(void **state)
{
    (void)state;
    /* 2025-08-01T00:05:00+07:00 = 2025-07-31T17:05:00Z */
    ok("2025-08-01T00:05:00+07:00", 1753981500000LL, 420);
    ok("2025-07-31T17:05:00Z", 1753981500000LL, 0);
    ok("2025-07-31t17:05:00.250z", 1753981500250LL, 0);
    ok("2025-07-31 13:35:00.999999-03:30", 1753981500999LL, -210);
    ok("1970-01-01T00:00:00Z", 0, 0);
    ok("2024-02-29T23:59:59-00:00", 1709251199000LL, 0);
    /* NULL outputs are allowed. */
    assert_int_equal(ioc_time_parse("2025-08-01T00:05:00+07:00", NULL, NULL, NULL), 0);
}

static void test_refused(void **state)
{
    (void)state;
    bad("2025-08-01T00:05:00", "no UTC offset (RFC 3339 needs Z or +hh:mm)");
    bad("20250801000500", "no UTC offset (RFC 3339 needs Z or +hh:mm)");
    bad("2025-13-01T00:00:00Z", "month out of range (01..12)");
    bad("2025-02-29T00:00:00Z", "day out of range for its month");
    bad("2025-08-01T24:00:00Z", "hour out of range (00..23)");
    bad("2025-06-30T23:59:60Z", "second out of range (00..59, leap seconds refused)");
    bad("2025-08-01T00:05:00+0700", "malformed UTC offset (expected Z or +hh:mm)");
    bad("2025-08-01T00:05:00Zx", "trailing characters after the timestamp");
    bad("", "empty timestamp");
    bad("2025-8-1T00:00:00Z", "malformed date (expected YYYY-MM-DD)");
    bad(NULL, "no time given");
    assert_int_equal(ioc_time_parse("1969-12-31T23:59:59Z", NULL, NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
