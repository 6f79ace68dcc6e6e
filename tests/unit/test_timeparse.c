/*
 * test_timeparse - unit tests of daemon/timeparse.c.
 *
 * Expected epoch values were computed independently of this code with GNU
 * date, e.g. `date -u -d 2025-08-01T00:05:00+07:00 +%s` = 1753981500, so
 * an error in the day arithmetic cannot cancel itself out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timeparse.h"

#define VN 420 /* +07:00 in minutes */

/* Parse that must succeed; returns the epoch in ms. */
static int64_t parse_ok(const char *text)
{
    int64_t ms = -1;
    const char *reason = NULL;
    int rc = timeparse_parse(text, VN, &ms, &reason);
    if (rc != 0)
        print_error("unexpected refusal of '%s': %s\n", text, reason ? reason : "(null)");
    assert_int_equal(rc, 0);
    return ms;
}

/* Parse that must fail with a reason; returns the reason. */
static const char *parse_bad(const char *text)
{
    int64_t ms = 12345;
    const char *reason = NULL;
    assert_int_equal(timeparse_parse(text, VN, &ms, &reason), -1);
    assert_non_null(reason);
    assert_true(strlen(reason) > 0);
    assert_int_equal(ms, 12345); /* untouched on failure */
    return reason;
}

static void test_rfc3339_with_offset(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2025-08-01T00:05:00+07:00"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-08-01t00:05:00+07:00"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-08-01 00:05:00+07:00"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-07-31T17:05:00Z"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-07-31T17:05:00z"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-07-31T17:05:00+00:00"), 1753981500000LL);
    assert_int_equal(parse_ok("2025-07-31T17:05:00-00:00"), 1753981500000LL);
    /* date -u -d 2025-08-01T00:05:00-03:30 +%s */
    assert_int_equal(parse_ok("2025-08-01T00:05:00-03:30"), 1754019300000LL);
    assert_int_equal(parse_ok("2025-12-31T23:59:59+14:00"), 1767175199000LL);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    /* Year 1970 in +07:00 is still before the epoch in UTC. */
    assert_int_equal(parse_ok("1970-01-01T00:00:00+07:00"), -25200000LL);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799000LL);
}

static void test_rfc3339_fraction(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2025-08-01T00:05:00.250+07:00"), 1753981500250LL);
    assert_int_equal(parse_ok("2025-08-01T00:05:00.25+07:00"), 1753981500250LL);
    assert_int_equal(parse_ok("2025-08-01T00:05:00.2+07:00"), 1753981500200LL);
    assert_int_equal(parse_ok("2025-08-01T00:05:00.007Z"), 1753981500000LL + 7 * 3600000LL + 7);
    /* Beyond milliseconds is truncated, never rounded into the next second. */
    assert_int_equal(parse_ok("2025-08-01T00:05:00.999999999+07:00"), 1753981500999LL);
    parse_bad("2025-08-01T00:05:00.+07:00");
    parse_bad("2025-08-01T00:05:00.1234567890+07:00");
}

static void test_compact_local(void **state)
{
    (void)state;
    int64_t ms;
    const char *reason;
    /* date -u -d 2025-07-15T08:30:00+07:00 +%s */
    assert_int_equal(parse_ok("20250715083000"), 1752543000000LL);
    /* The same digits read in UTC are 7 hours later. */
    assert_int_equal(timeparse_parse("20250715083000", 0, &ms, &reason), 0);
    assert_int_equal(ms, 1752543000000LL + 7 * 3600000LL);
    assert_int_equal(parse_ok("20240229120000"), 1709208000000LL - 7 * 3600000LL);
    parse_bad("2025071508300");   /* 13 digits */
    parse_bad("202507150830000"); /* 15 digits */
    parse_bad("2025071508300x");
    parse_bad("20251315083000"); /* month 13 */
    parse_bad("20250229083000"); /* 2025 is not a leap year */
    parse_bad("20250715240000"); /* hour 24 */
    parse_bad("20250715083060"); /* leap second */
    assert_int_equal(timeparse_parse("20250715083000", 24 * 60, &ms, &reason), -1);
}

static void test_rejects_missing_offset(void **state)
{
    (void)state;
    const char *r = parse_bad("2025-08-01T00:05:00");
    assert_non_null(strstr(r, "offset"));
    parse_bad("2025-08-01T00:05:00.250");
    parse_bad("2025-08-01");
    parse_bad("2025-08-01T00:05:00+0700"); /* not RFC 3339: no colon */
    parse_bad("2025-08-01T00:05:00+07");
    parse_bad("2025-08-01T00:05:00+24:00");
    parse_bad("2025-08-01T00:05:00+07:60");
    parse_bad("2025-08-01T00:05+07:00"); /* seconds are required */
}

static void test_rejects_out_of_range(void **state)
{
    (void)state;
    assert_non_null(strstr(parse_bad("2025-13-01T00:00:00Z"), "month"));
    parse_bad("2025-00-01T00:00:00Z");
    assert_non_null(strstr(parse_bad("2025-02-29T00:00:00Z"), "day"));
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), 19782LL * 86400000);
    assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400000LL); /* 400-year rule */
    parse_bad("1900-02-29T00:00:00Z");                                   /* and 1900 too old */
    parse_bad("2100-02-29T00:00:00Z");                                   /* 100-year rule */
    parse_bad("2025-04-31T00:00:00Z");
    parse_bad("2025-02-30T00:00:00Z");
    parse_bad("2025-08-00T00:00:00Z");
    assert_non_null(strstr(parse_bad("2025-08-01T24:00:00Z"), "hour"));
    parse_bad("2025-08-01T23:60:00Z");
    assert_non_null(strstr(parse_bad("2025-12-31T23:59:60Z"), "second"));
    parse_bad("1969-12-31T23:59:59Z");
    parse_bad("0000-01-01T00:00:00Z");
}

static void test_rejects_garbage(void **state)
{
    (void)state;
    int64_t ms = 7;
    const char *reason = NULL;
    assert_non_null(strstr(parse_bad("2025-08-01T00:05:00+07:00x"), "trailing"));
    parse_bad("2025-08-01T00:05:00Z ");
    parse_bad(" 2025-08-01T00:05:00Z");
    parse_bad("2025-08-01T00:05:00ZZ");
    parse_bad("");
    parse_bad("now");
    parse_bad("2025-8-1T00:05:00Z");
    parse_bad("2025/08/01T00:05:00Z");
    parse_bad("2025-08-01X00:05:00Z");
    parse_bad("+2025-08-01T00:05:00Z");
    assert_int_equal(timeparse_parse(NULL, VN, &ms, &reason), -1);
    assert_non_null(reason);
    /* A NULL reason pointer is allowed. */
    assert_int_equal(timeparse_parse("2025-13-01T00:00:00Z", VN, &ms, NULL), -1);
    assert_int_equal(ms, 7);
}

static void fmt_is(int64_t ms, int offset, const char *want)
{
    char buf[32];
    int n = timeparse_format(ms, offset, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_format(void **state)
{
    (void)state;
    fmt_is(1753981500000LL, VN, "2025-08-01T00:05:00+07:00");
    fmt_is(1753981500000LL, 0, "2025-07-31T17:05:00Z");
    fmt_is(1753981500250LL, VN, "2025-08-01T00:05:00.250+07:00");
    fmt_is(1753981500007LL, 0, "2025-07-31T17:05:00.007Z");
    fmt_is(1754019300000LL, -210, "2025-08-01T00:05:00-03:30");
    fmt_is(1754019300000LL, -60, "2025-08-01T02:35:00-01:00");
    fmt_is(0, 0, "1970-01-01T00:00:00Z");
    fmt_is(-25200000LL, VN, "1970-01-01T00:00:00+07:00");
    /* Before the epoch the day must be floored, not truncated. */
    fmt_is(-1, 0, "1969-12-31T23:59:59.999Z");
    fmt_is(19782LL * 86400000, 0, "2024-02-29T00:00:00Z");
    fmt_is(253402300799999LL, 0, "9999-12-31T23:59:59.999Z");
    fmt_is(253402300799999LL - 23 * 3600000LL - 59 * 60000LL, 23 * 60 + 59,
           "9999-12-31T23:59:59.999+23:59");
}

static void test_format_limits(void **state)
{
    (void)state;
    char buf[64];
    /* "2025-08-01T00:05:00+07:00" is 25 characters: 26 bytes needed. */
    assert_int_equal(timeparse_format(1753981500000LL, VN, buf, 25), -1);
    assert_int_equal(timeparse_format(1753981500000LL, VN, buf, 26), 25);
    assert_int_equal(timeparse_format(1753981500000LL, 24 * 60, buf, sizeof buf), -1);
    assert_int_equal(timeparse_format(1753981500000LL, -24 * 60, buf, sizeof buf), -1);
    assert_int_equal(timeparse_format(253402300800000LL, 0, buf, sizeof buf), -1); /* 10000 */
    assert_int_equal(timeparse_format(INT64_MAX, 0, buf, sizeof buf), -1);
    assert_int_equal(timeparse_format(INT64_MIN, 0, buf, sizeof buf), -1);
}

/* Whatever we publish must parse back to the same instant. */
static void test_round_trip(void **state)
{
    (void)state;
    static const int offsets[] = {0, VN, -210, 345, -720, 840};
    /* 1970-01-02 rather than the epoch itself: west of UTC the epoch is
     * in 1969, which the parser refuses by contract. */
    static const int64_t instants[] = {86400000LL,     1753981500000LL, 1753981500250LL,
                                       951782400001LL, 1709208000999LL, 253402300799000LL};
    char buf[32];
    for (size_t o = 0; o < sizeof offsets / sizeof *offsets; o++) {
        for (size_t i = 0; i < sizeof instants / sizeof *instants; i++) {
            int64_t back = -1;
            const char *reason = NULL;
            if (timeparse_format(instants[i], offsets[o], buf, sizeof buf) < 0)
                continue; /* local year 10000 for the last instant east of UTC */
            assert_int_equal(timeparse_parse(buf, VN, &back, &reason), 0);
            assert_int_equal(back, instants[i]);
        }
    }
    /* And text in canonical form comes back byte for byte. */
    int64_t ms;
    const char *reason;
    assert_int_equal(timeparse_parse("2025-08-01T00:05:00.250-03:30", VN, &ms, &reason), 0);
    assert_int_equal(timeparse_format(ms, -210, buf, sizeof buf), 29);
    assert_string_equal(buf, "2025-08-01T00:05:00.250-03:30");
}

static void test_date(void **state)
{
    (void)state;
    int64_t days = -1;
    const char *reason = NULL;
    assert_int_equal(timeparse_date("1970-01-01", &days, &reason), 0);
    assert_int_equal(days, 0);
    /* date -u -d 2025-07-31 +%s / 86400 */
    assert_int_equal(timeparse_date("2025-07-31", &days, &reason), 0);
    assert_int_equal(days, 20300);
    assert_int_equal(timeparse_date("2024-02-29", &days, &reason), 0);
    assert_int_equal(days, 19782);
    assert_int_equal(timeparse_date("2000-03-01", &days, &reason), 0);
    assert_int_equal(days, 11017);

    days = 99;
    assert_int_equal(timeparse_date("2025-02-29", &days, &reason), -1);
    assert_non_null(reason);
    assert_int_equal(timeparse_date("2025-13-01", &days, &reason), -1);
    assert_int_equal(timeparse_date("2025-07-31T00:00:00Z", &days, &reason), -1);
    assert_int_equal(timeparse_date("2025-7-31", &days, &reason), -1);
    assert_int_equal(timeparse_date("", &days, &reason), -1);
    assert_int_equal(timeparse_date(NULL, &days, &reason), -1);
    assert_int_equal(days, 99);
}

static void test_offset(void **state)
{
    (void)state;
    int off = -1;
    assert_int_equal(timeparse_offset("+07:00", &off, NULL), 0);
    assert_int_equal(off, 420);
    assert_int_equal(timeparse_offset("-03:30", &off, NULL), 0);
    assert_int_equal(off, -210);
    assert_int_equal(timeparse_offset("+05:45", &off, NULL), 0);
    assert_int_equal(off, 345);
    assert_int_equal(timeparse_offset("Z", &off, NULL), 0);
    assert_int_equal(off, 0);
    assert_int_equal(timeparse_offset("+00:00", &off, NULL), 0);
    assert_int_equal(off, 0);

    off = 77;
    assert_int_equal(timeparse_offset("", &off, NULL), -1);
    assert_int_equal(timeparse_offset(NULL, &off, NULL), -1);
    assert_int_equal(timeparse_offset("07:00", &off, NULL), -1);
    assert_int_equal(timeparse_offset("+7:00", &off, NULL), -1);
    assert_int_equal(timeparse_offset("+0700", &off, NULL), -1);
    assert_int_equal(timeparse_offset("+24:00", &off, NULL), -1);
    assert_int_equal(timeparse_offset("+07:60", &off, NULL), -1);
    assert_int_equal(timeparse_offset("+07:00 ", &off, NULL), -1);
    assert_int_equal(timeparse_offset("UTC", &off, NULL), -1);
    assert_int_equal(off, 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_with_offset),
        cmocka_unit_test(test_rfc3339_fraction),
        cmocka_unit_test(test_compact_local),
        cmocka_unit_test(test_rejects_missing_offset),
        cmocka_unit_test(test_rejects_out_of_range),
        cmocka_unit_test(test_rejects_garbage),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_limits),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
