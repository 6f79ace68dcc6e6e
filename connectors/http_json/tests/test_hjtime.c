/*
 * test_hjtime - unit tests of connectors/http_json/hjtime.c: every format
 * to exact RFC 3339 text and to its calendar date, zones, calendar rules
 * and the bounds of epoch values.
 *
 * Expected instants were computed independently of this code with GNU
 * date, e.g. `date -u -d 2025-08-01T00:05:00+07:00 +%s` = 1753981500 and
 * `TZ=UTC+3:30 date -d @1753981500` = 2025-07-31 13:35:00 -0330, so an
 * error in the day arithmetic cannot cancel itself out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../hjtime.h"

#define VN 420 /* +07:00 */

/* Convert `v` (consumed) and compare the text exactly. */
static void time_ok(json_t *v, enum hjtime_format f, int zone, const char *want)
{
    char out[40] = "", why[256] = "";
    int rc = hjtime_value(v, f, zone, out, sizeof out, why, sizeof why);
    if (rc != 0)
        print_error("unexpected refusal of %s: %s\n", want, why);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
    json_decref(v);
}

/* Conversion must fail with exactly `want`, for the time and the date. */
static void time_bad(json_t *v, enum hjtime_format f, int zone, const char *want)
{
    char out[40] = "untouched", why[256] = "";
    assert_int_equal(hjtime_value(v, f, zone, out, sizeof out, why, sizeof why), -1);
    assert_string_equal(why, want);
    assert_string_equal(out, "untouched");
    why[0] = '\0';
    assert_int_equal(hjtime_date_of(v, f, zone, out, sizeof out, why, sizeof why), -1);
    assert_string_equal(why, want);
    assert_string_equal(out, "untouched");
    json_decref(v);
}

static void date_ok(json_t *v, enum hjtime_format f, int zone, const char *want)
{
    char out[11] = "", why[256] = "";
    int rc = hjtime_date_of(v, f, zone, out, sizeof out, why, sizeof why);
    if (rc != 0)
        print_error("unexpected refusal of %s: %s\n", want, why);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
    json_decref(v);
}

static json_t *S(const char *text)
{
    return json_string(text);
}

static json_t *I(json_int_t i)
{
    return json_integer(i);
}

static json_t *R(double d)
{
    return json_real(d);
}

static void test_format_parse(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum hjtime_format format;
    } names[] = {
        {"rfc3339", HJTIME_RFC3339},   {"epoch_s", HJTIME_EPOCH_S},
        {"epoch_ms", HJTIME_EPOCH_MS}, {"yyyyMMddHHmmss", HJTIME_COMPACT},
        {"date", HJTIME_DATE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum hjtime_format f = (enum hjtime_format)99;
        assert_int_equal(hjtime_format_parse(names[i].name, &f), 0);
        assert_int_equal(f, names[i].format);
    }
    enum hjtime_format f = HJTIME_DATE;
    assert_int_equal(hjtime_format_parse("RFC3339", &f), -1);
    assert_int_equal(hjtime_format_parse("yyyymmddhhmmss", &f), -1);
    assert_int_equal(hjtime_format_parse("epoch", &f), -1);
    assert_int_equal(hjtime_format_parse("", &f), -1);
    assert_int_equal(hjtime_format_parse(NULL, &f), -1);
    assert_int_equal(f, HJTIME_DATE);
}

static void test_zone_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int minutes;
    } good[] = {
        {"+07:00", 420}, {"-03:30", -210}, {"+0700", 420},  {"-0330", -210},
        {"+05:45", 345}, {"Z", 0},         {"UTC", 0},      {"+00:00", 0},
        {"-00:00", 0},   {"+18:00", 1080}, {"-1800", -1080},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int m = 12345;
        assert_int_equal(hjtime_zone_parse(good[i].text, &m), 0);
        assert_int_equal(m, good[i].minutes);
    }
    static const char *const bad[] = {
        "+18:01", "+19:00", "-24:00", "+07:60", "07:00",  "+7:00", "+07",  "+07:0", "+070",
        "+07:00 ", " +07:00", "utc",  "z",      "GMT+7", "",       "+07:00:00", "+07-00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int m = 12345;
        if (hjtime_zone_parse(bad[i], &m) != -1)
            print_error("accepted zone '%s'\n", bad[i]);
        assert_int_equal(m, 12345);
    }
    int m = 1;
    assert_int_equal(hjtime_zone_parse(NULL, &m), -1);
}

static void test_rfc3339(void **state)
{
    (void)state;
    /* Passed through unchanged, whatever the zone. */
    time_ok(S("2025-08-01T00:05:00+07:00"), HJTIME_RFC3339, 0, "2025-08-01T00:05:00+07:00");
    time_ok(S("2025-08-01T00:05:00.250Z"), HJTIME_RFC3339, VN, "2025-08-01T00:05:00.250Z");
    time_ok(S("2025-08-01 00:05:00-03:30"), HJTIME_RFC3339, VN, "2025-08-01 00:05:00-03:30");
    time_ok(S("2025-08-01t00:05:00z"), HJTIME_RFC3339, VN, "2025-08-01t00:05:00z");
    time_ok(S("2024-02-29T23:59:59.123456789+18:00"), HJTIME_RFC3339, VN,
            "2024-02-29T23:59:59.123456789+18:00");
    time_ok(S("1970-01-01T00:00:00+07:00"), HJTIME_RFC3339, VN, "1970-01-01T00:00:00+07:00");
    time_ok(S("9999-12-31T23:59:59.999999999-18:00"), HJTIME_RFC3339, VN,
            "9999-12-31T23:59:59.999999999-18:00"); /* the longest: 35 bytes */
    time_ok(S("2000-02-29T00:00:00Z"), HJTIME_RFC3339, VN, "2000-02-29T00:00:00Z");

    time_bad(S("2025-08-01T00:05:00"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00\", not an RFC 3339 time "
             "(no UTC offset (RFC 3339 needs Z or +hh:mm))");
    time_bad(S("2025-08-01T00:05:00.250"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00.250\", not an RFC 3339 time "
             "(no UTC offset (RFC 3339 needs Z or +hh:mm))");
    time_bad(S("2025-08-01T00:05:00+0700"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00+0700\", not an RFC 3339 time "
             "(malformed UTC offset (expected Z or +hh:mm))");
    time_bad(S("2025-08-01T00:05:00+07"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00+07\", not an RFC 3339 time "
             "(malformed UTC offset (expected Z or +hh:mm))");
    time_bad(S("2025-08-01T00:05:00+19:00"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00+19:00\", not an RFC 3339 time "
             "(offset +19:00 is out of range)");
    time_bad(S("2025-08-01T00:05:00-07:60"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00-07:60\", not an RFC 3339 time "
             "(UTC offset out of range)");
    time_bad(S("2025-08-01T00:05:00Zx"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00Zx\", not an RFC 3339 time "
             "(trailing characters after the timestamp)");
    time_bad(S("2025-08-01T00:05:00.+07:00"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00.+07:00\", not an RFC 3339 time "
             "(malformed fraction of a second (1..9 digits))");
    time_bad(S("2025-08-01T00:05:00.1234567890Z"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00.1234567890Z\", not an RFC 3339 time "
             "(malformed fraction of a second (1..9 digits))");
    time_bad(S("2025-08-01T00:05+07:00"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05+07:00\", not an RFC 3339 time "
             "(malformed time of day (expected hh:mm:ss))");
    time_bad(S("2025-08-01"), HJTIME_RFC3339, VN,
             "is \"2025-08-01\", not an RFC 3339 time (malformed timestamp (expected 'T' after "
             "the date))");
    time_bad(S("2025-8-1T00:05:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-8-1T00:05:00Z\", not an RFC 3339 time (malformed date (expected "
             "YYYY-MM-DD))");
    time_bad(S(""), HJTIME_RFC3339, VN,
             "is \"\", not an RFC 3339 time (empty timestamp)");
}

static void test_rfc3339_fields(void **state)
{
    (void)state;
    time_bad(S("2025-13-01T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-13-01T00:00:00Z\", not an RFC 3339 time (month out of range (01..12))");
    time_bad(S("2025-00-01T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-00-01T00:00:00Z\", not an RFC 3339 time (month out of range (01..12))");
    time_bad(S("2025-02-29T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-02-29T00:00:00Z\", not an RFC 3339 time (day out of range for its month)");
    time_bad(S("2100-02-29T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2100-02-29T00:00:00Z\", not an RFC 3339 time (day out of range for its month)");
    time_bad(S("2025-04-31T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-04-31T00:00:00Z\", not an RFC 3339 time (day out of range for its month)");
    time_bad(S("2025-08-00T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-08-00T00:00:00Z\", not an RFC 3339 time (day out of range for its month)");
    time_bad(S("2025-08-01T24:00:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T24:00:00Z\", not an RFC 3339 time (hour out of range (00..23))");
    time_bad(S("2025-08-01T23:60:00Z"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T23:60:00Z\", not an RFC 3339 time (minute out of range (00..59))");
    time_bad(S("2016-12-31T23:59:60Z"), HJTIME_RFC3339, VN,
             "is \"2016-12-31T23:59:60Z\", not an RFC 3339 time "
             "(second out of range (00..59, leap seconds refused))");
    time_bad(S("1969-12-31T23:59:59Z"), HJTIME_RFC3339, VN,
             "is \"1969-12-31T23:59:59Z\", not an RFC 3339 time (year out of range (1970..9999))");
    time_bad(S("0000-01-01T00:00:00Z"), HJTIME_RFC3339, VN,
             "is \"0000-01-01T00:00:00Z\", not an RFC 3339 time (year out of range (1970..9999))");
}

static void test_wrong_json_types(void **state)
{
    (void)state;
    time_bad(I(1753981500), HJTIME_RFC3339, VN,
             "is 1753981500, not an RFC 3339 time (expected a string)");
    time_bad(R(1.5), HJTIME_DATE, VN, "is 1.5, not a date in yyyy-MM-dd format (expected a string)");
    time_bad(json_null(), HJTIME_RFC3339, VN, "is null, not an RFC 3339 time");
    time_bad(json_true(), HJTIME_EPOCH_S, VN, "is true, not epoch seconds");
    time_bad(json_false(), HJTIME_COMPACT, VN, "is false, not a time in yyyyMMddHHmmss format");
    time_bad(json_object(), HJTIME_EPOCH_MS, VN, "is an object, not epoch milliseconds");
    time_bad(json_array(), HJTIME_DATE, VN, "is an array, not a date in yyyy-MM-dd format");
    time_bad(json_stringn("2025-07-31\0x", 12), HJTIME_DATE, VN,
             "is \"2025-07-31\", not a date in yyyy-MM-dd format (it holds a NUL byte)");

    char out[40], why[128];
    assert_int_equal(hjtime_value(NULL, HJTIME_RFC3339, VN, out, sizeof out, why, sizeof why), -1);
    assert_string_equal(why, "is missing");
    assert_int_equal(hjtime_date_of(NULL, HJTIME_DATE, VN, out, sizeof out, why, sizeof why), -1);
    assert_string_equal(why, "is missing");

    /* Text in a message is cut after 40 bytes, control bytes shown as '?',
     * quotes escaped, and a UTF-8 character is never cut in half. */
    time_bad(S("2025-08-01T00:05:00+07:00 and then a long tail of text"), HJTIME_RFC3339, VN,
             "is \"2025-08-01T00:05:00+07:00 and then a lon...\", not an RFC 3339 time "
             "(trailing characters after the timestamp)");
    time_bad(S("\"now\"\n"), HJTIME_DATE, VN,
             "is \"\\\"now\\\"?\", not a date in yyyy-MM-dd format (expected yyyy-MM-dd)");
    time_bad(S("ngày 31 tháng 7 năm 2025 lúc 00 giờ 05"),
             HJTIME_DATE, VN,
             "is \"ngày 31 tháng 7 năm 2025 lúc 00 giờ...\", "
             "not a date in yyyy-MM-dd format (expected yyyy-MM-dd)");
    time_bad(json_string_nocheck("2025\xff"), HJTIME_DATE, VN,
             "is \"2025?\", not a date in yyyy-MM-dd format (expected yyyy-MM-dd)");
}

static void test_epoch_seconds(void **state)
{
    (void)state;
    time_ok(I(1753981500), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00+07:00");
    time_ok(I(1753981500), HJTIME_EPOCH_S, 0, "2025-07-31T17:05:00Z");
    time_ok(I(1753981500), HJTIME_EPOCH_S, -210, "2025-07-31T13:35:00-03:30");
    time_ok(S("1753981500"), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00+07:00");
    time_ok(R(1753981500.25), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00.250+07:00");
    time_ok(R(1753981500.5), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00.500+07:00");
    time_ok(R(1753981500.0), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00+07:00");
    /* Fractions are rounded to the nearest millisecond: .123 is not exact
     * in binary and must not come out as .122. */
    time_ok(R(1753981500.123), HJTIME_EPOCH_S, VN, "2025-08-01T00:05:00.123+07:00");
    time_ok(I(1709164800), HJTIME_EPOCH_S, 0, "2024-02-29T00:00:00Z");
    time_ok(I(951782400), HJTIME_EPOCH_S, 0, "2000-02-29T00:00:00Z");
    time_ok(I(4107542399), HJTIME_EPOCH_S, 0, "2100-02-28T23:59:59Z");
    time_ok(I(4107542400), HJTIME_EPOCH_S, 0, "2100-03-01T00:00:00Z");
    time_ok(I(1753920000), HJTIME_EPOCH_S, 0, "2025-07-31T00:00:00Z");
}

static void test_epoch_bounds(void **state)
{
    (void)state;
    time_ok(I(0), HJTIME_EPOCH_S, 0, "1970-01-01T00:00:00Z");
    time_ok(I(0), HJTIME_EPOCH_S, VN, "1970-01-01T07:00:00+07:00");
    time_ok(S("0"), HJTIME_EPOCH_S, 0, "1970-01-01T00:00:00Z");
    time_ok(I(253402300799), HJTIME_EPOCH_S, 0, "9999-12-31T23:59:59Z");
    time_ok(I(253402275599), HJTIME_EPOCH_S, VN, "9999-12-31T23:59:59+07:00");
    time_ok(I(253402300799), HJTIME_EPOCH_S, -600, "9999-12-31T13:59:59-10:00");
    time_ok(I(10800), HJTIME_EPOCH_S, -180, "1970-01-01T00:00:00-03:00");

    /* West of UTC the epoch itself is still in 1969 there. */
    time_bad(I(0), HJTIME_EPOCH_S, -180,
             "is 0, not epoch seconds (outside the years 1970..9999)");
    time_bad(I(-1), HJTIME_EPOCH_S, 0, "is -1, not epoch seconds (outside the years 1970..9999)");
    time_bad(R(-0.5), HJTIME_EPOCH_S, 0,
             "is -0.5, not epoch seconds (outside the years 1970..9999)");
    time_bad(I(253402300800), HJTIME_EPOCH_S, 0,
             "is 253402300800, not epoch seconds (outside the years 1970..9999)");
    time_bad(I(253402275600), HJTIME_EPOCH_S, VN,
             "is 253402275600, not epoch seconds (outside the years 1970..9999)");
    time_bad(I(INT64_MAX), HJTIME_EPOCH_S, 0,
             "is 9223372036854775807, not epoch seconds (outside the years 1970..9999)");
    time_bad(I(INT64_MIN), HJTIME_EPOCH_MS, 0,
             "is -9223372036854775808, not epoch milliseconds (outside the years 1970..9999)");
    time_bad(R(1e20), HJTIME_EPOCH_S, 0,
             "is 1e20, not epoch seconds (outside the years 1970..9999)");
    time_bad(S("99999999999999999999999999"), HJTIME_EPOCH_S, 0,
             "is \"99999999999999999999999999\", not epoch seconds "
             "(outside the years 1970..9999)");
    time_bad(S("253402300800"), HJTIME_EPOCH_S, 0,
             "is \"253402300800\", not epoch seconds (outside the years 1970..9999)");

    /* Strings are digits only: no sign, fraction, space or exponent. */
    time_bad(S("-1"), HJTIME_EPOCH_S, 0, "is \"-1\", not epoch seconds (expected digits only)");
    time_bad(S("1753981500.5"), HJTIME_EPOCH_S, 0,
             "is \"1753981500.5\", not epoch seconds (expected digits only)");
    time_bad(S(" 1753981500"), HJTIME_EPOCH_S, 0,
             "is \" 1753981500\", not epoch seconds (expected digits only)");
    time_bad(S("1.7e9"), HJTIME_EPOCH_MS, 0,
             "is \"1.7e9\", not epoch milliseconds (expected digits only)");
    time_bad(S(""), HJTIME_EPOCH_MS, 0, "is \"\", not epoch milliseconds (expected digits only)");
}

static void test_epoch_milliseconds(void **state)
{
    (void)state;
    time_ok(I(1753981500250), HJTIME_EPOCH_MS, VN, "2025-08-01T00:05:00.250+07:00");
    time_ok(I(1753981500000), HJTIME_EPOCH_MS, VN, "2025-08-01T00:05:00+07:00");
    time_ok(I(1753981500007), HJTIME_EPOCH_MS, 0, "2025-07-31T17:05:00.007Z");
    time_ok(S("1753981500250"), HJTIME_EPOCH_MS, VN, "2025-08-01T00:05:00.250+07:00");
    time_ok(R(1753981500250.6), HJTIME_EPOCH_MS, VN, "2025-08-01T00:05:00.251+07:00");
    time_ok(I(1), HJTIME_EPOCH_MS, 0, "1970-01-01T00:00:00.001Z");
    time_ok(I(253402300799999), HJTIME_EPOCH_MS, 0, "9999-12-31T23:59:59.999Z");
    time_bad(I(253402300800000), HJTIME_EPOCH_MS, 0,
             "is 253402300800000, not epoch milliseconds (outside the years 1970..9999)");
    time_bad(I(-1), HJTIME_EPOCH_MS, VN,
             "is -1, not epoch milliseconds (outside the years 1970..9999)");
}

static void test_compact(void **state)
{
    (void)state;
    time_ok(S("20250801000500"), HJTIME_COMPACT, VN, "2025-08-01T00:05:00+07:00");
    time_ok(S("20250801000500"), HJTIME_COMPACT, 0, "2025-08-01T00:05:00Z");
    time_ok(S("20250801000500"), HJTIME_COMPACT, -210, "2025-08-01T00:05:00-03:30");
    time_ok(I(20250801000500), HJTIME_COMPACT, VN, "2025-08-01T00:05:00+07:00");
    time_ok(S("20240229235959"), HJTIME_COMPACT, VN, "2024-02-29T23:59:59+07:00");
    time_ok(S("20000229000000"), HJTIME_COMPACT, VN, "2000-02-29T00:00:00+07:00");
    time_ok(S("19700101000000"), HJTIME_COMPACT, VN, "1970-01-01T00:00:00+07:00");
    time_ok(S("99991231235959"), HJTIME_COMPACT, VN, "9999-12-31T23:59:59+07:00");

    time_bad(S("20250229120000"), HJTIME_COMPACT, VN,
             "is \"20250229120000\", not a time in yyyyMMddHHmmss format "
             "(day out of range for its month)");
    time_bad(S("21000229000000"), HJTIME_COMPACT, VN,
             "is \"21000229000000\", not a time in yyyyMMddHHmmss format "
             "(day out of range for its month)");
    time_bad(S("20251301000500"), HJTIME_COMPACT, VN,
             "is \"20251301000500\", not a time in yyyyMMddHHmmss format "
             "(month out of range (01..12))");
    time_bad(S("20250801240000"), HJTIME_COMPACT, VN,
             "is \"20250801240000\", not a time in yyyyMMddHHmmss format "
             "(hour out of range (00..23))");
    time_bad(S("20250801006000"), HJTIME_COMPACT, VN,
             "is \"20250801006000\", not a time in yyyyMMddHHmmss format "
             "(minute out of range (00..59))");
    time_bad(S("20250801000560"), HJTIME_COMPACT, VN,
             "is \"20250801000560\", not a time in yyyyMMddHHmmss format "
             "(second out of range (00..59, leap seconds refused))");
    time_bad(S("19691231235959"), HJTIME_COMPACT, VN,
             "is \"19691231235959\", not a time in yyyyMMddHHmmss format "
             "(year out of range (1970..9999))");
    time_bad(S("2025080100050"), HJTIME_COMPACT, VN,
             "is \"2025080100050\", not a time in yyyyMMddHHmmss format (expected 14 digits)");
    time_bad(S("202508010005000"), HJTIME_COMPACT, VN,
             "is \"202508010005000\", not a time in yyyyMMddHHmmss format "
             "(expected 14 digits)");
    time_bad(S("2025080100050x"), HJTIME_COMPACT, VN,
             "is \"2025080100050x\", not a time in yyyyMMddHHmmss format (expected 14 digits)");
    time_bad(S("2025-08-01T00:05:00+07:00"), HJTIME_COMPACT, VN,
             "is \"2025-08-01T00:05:00+07:00\", not a time in yyyyMMddHHmmss format "
             "(expected 14 digits)");
    time_bad(I(2025080100050), HJTIME_COMPACT, VN,
             "is 2025080100050, not a time in yyyyMMddHHmmss format (expected 14 digits)");
    time_bad(I(-20250801000500), HJTIME_COMPACT, VN,
             "is -20250801000500, not a time in yyyyMMddHHmmss format (expected 14 digits)");
    time_bad(R(20250801000500.0), HJTIME_COMPACT, VN,
             "is 20250801000500.0, not a time in yyyyMMddHHmmss format "
             "(expected a string or a whole number)");
}

static void test_date(void **state)
{
    (void)state;
    time_ok(S("2025-07-31"), HJTIME_DATE, VN, "2025-07-31T00:00:00+07:00");
    time_ok(S("2025-07-31"), HJTIME_DATE, 0, "2025-07-31T00:00:00Z");
    time_ok(S("2025-07-31"), HJTIME_DATE, -210, "2025-07-31T00:00:00-03:30");
    time_ok(S("2024-02-29"), HJTIME_DATE, VN, "2024-02-29T00:00:00+07:00");
    time_ok(S("1970-01-01"), HJTIME_DATE, VN, "1970-01-01T00:00:00+07:00");
    time_ok(S("9999-12-31"), HJTIME_DATE, VN, "9999-12-31T00:00:00+07:00");

    time_bad(S("2025-02-29"), HJTIME_DATE, VN,
             "is \"2025-02-29\", not a date in yyyy-MM-dd format (day out of range for its month)");
    time_bad(S("2025-13-01"), HJTIME_DATE, VN,
             "is \"2025-13-01\", not a date in yyyy-MM-dd format (month out of range (01..12))");
    time_bad(S("1969-12-31"), HJTIME_DATE, VN,
             "is \"1969-12-31\", not a date in yyyy-MM-dd format (year out of range (1970..9999))");
    time_bad(S("2025-7-31"), HJTIME_DATE, VN,
             "is \"2025-7-31\", not a date in yyyy-MM-dd format (expected yyyy-MM-dd)");
    time_bad(S("2025-07-31T00:00:00Z"), HJTIME_DATE, VN,
             "is \"2025-07-31T00:00:00Z\", not a date in yyyy-MM-dd format "
             "(expected yyyy-MM-dd)");
    time_bad(S("31/07/2025"), HJTIME_DATE, VN,
             "is \"31/07/2025\", not a date in yyyy-MM-dd format (expected yyyy-MM-dd)");
    time_bad(I(20250731), HJTIME_DATE, VN,
             "is 20250731, not a date in yyyy-MM-dd format (expected a string)");
}

static void test_date_of(void **state)
{
    (void)state;
    /* rfc3339: the date in the value's own offset, whatever the zone. */
    date_ok(S("2025-08-01T00:05:00+07:00"), HJTIME_RFC3339, 0, "2025-08-01");
    date_ok(S("2025-07-31T23:30:00-03:00"), HJTIME_RFC3339, VN, "2025-07-31");
    date_ok(S("2024-02-29T12:00:00.5Z"), HJTIME_RFC3339, VN, "2024-02-29");
    /* Epoch values: the date in the zone. */
    date_ok(I(1753981500), HJTIME_EPOCH_S, VN, "2025-08-01");
    date_ok(I(1753981500), HJTIME_EPOCH_S, 0, "2025-07-31");
    date_ok(S("1753981500"), HJTIME_EPOCH_S, -210, "2025-07-31");
    date_ok(I(1753981500250), HJTIME_EPOCH_MS, VN, "2025-08-01");
    date_ok(R(1753981500250.0), HJTIME_EPOCH_MS, 0, "2025-07-31");
    date_ok(I(1709164800), HJTIME_EPOCH_S, 0, "2024-02-29");
    /* Local formats: their own digits. */
    date_ok(S("20250801000500"), HJTIME_COMPACT, VN, "2025-08-01");
    date_ok(I(20250801000500), HJTIME_COMPACT, -600, "2025-08-01");
    date_ok(S("2025-07-31"), HJTIME_DATE, VN, "2025-07-31");
    date_ok(S("2024-02-29"), HJTIME_DATE, 0, "2024-02-29");

    time_bad(S("2025-02-29"), HJTIME_DATE, VN,
             "is \"2025-02-29\", not a date in yyyy-MM-dd format (day out of range for its month)");
    time_bad(S("20250230000000"), HJTIME_COMPACT, VN,
             "is \"20250230000000\", not a time in yyyyMMddHHmmss format "
             "(day out of range for its month)");
}

static void test_buffers_and_zone(void **state)
{
    (void)state;
    json_t *v = json_integer(1753981500250);
    char out[40], why[128];
    /* "2025-08-01T00:05:00.250+07:00" is 29 bytes: 30 are needed. */
    assert_int_equal(hjtime_value(v, HJTIME_EPOCH_MS, VN, out, 30, why, sizeof why), 0);
    assert_string_equal(out, "2025-08-01T00:05:00.250+07:00");
    assert_int_equal(hjtime_value(v, HJTIME_EPOCH_MS, VN, out, 29, why, sizeof why), -1);
    assert_string_equal(why, "cannot be printed: 30 bytes do not fit a 29-byte buffer");
    assert_int_equal(hjtime_date_of(v, HJTIME_EPOCH_MS, VN, out, 11, why, sizeof why), 0);
    assert_string_equal(out, "2025-08-01");
    assert_int_equal(hjtime_date_of(v, HJTIME_EPOCH_MS, VN, out, 10, why, sizeof why), -1);
    assert_string_equal(why, "cannot be printed: 11 bytes do not fit a 10-byte buffer");

    /* A zone hjtime_zone_parse would refuse is refused here too. */
    assert_int_equal(hjtime_value(v, HJTIME_EPOCH_MS, 1081, out, sizeof out, why, sizeof why),
                     -1);
    assert_string_equal(why, "cannot be read in a zone 1081 minutes from UTC (at most 18 hours)");
    assert_int_equal(hjtime_value(v, HJTIME_EPOCH_MS, 1080, out, sizeof out, why, sizeof why), 0);
    assert_string_equal(out, "2025-08-01T11:05:00.250+18:00");
    assert_int_equal(hjtime_value(v, HJTIME_EPOCH_MS, -1080, out, sizeof out, why, sizeof why),
                     0);
    assert_string_equal(out, "2025-07-30T23:05:00.250-18:00");
    assert_int_equal(hjtime_value(v, (enum hjtime_format)99, VN, out, sizeof out, why, sizeof why),
                     -1);
    assert_string_equal(why, "cannot be read: unknown time format 99");

    /* A short why buffer is cut, never overrun. */
    char small[8];
    assert_int_equal(hjtime_value(json_null(), HJTIME_DATE, VN, out, sizeof out, small,
                                  sizeof small),
                     -1);
    assert_string_equal(small, "is null");
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_zone_parse),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_rfc3339_fields),
        cmocka_unit_test(test_wrong_json_types),
        cmocka_unit_test(test_epoch_seconds),
        cmocka_unit_test(test_epoch_bounds),
        cmocka_unit_test(test_epoch_milliseconds),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_date_of),
        cmocka_unit_test(test_buffers_and_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
