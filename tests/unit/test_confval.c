/*
 * test_confval - unit tests of daemon/confval.c: parsing of single
 * configuration values and the "did you mean" helper.
 *
 * Covers every accepted form and a refusal (with its reason phrase) for
 * each parser: booleans, integers (range), durations ("250ms" .. "1d",
 * bare seconds, fractions, at most a year), sizes (1024-based k/M/G with
 * optional i/B), URLs (http/https with a host, no blanks); confval_check
 * per type; confval_type_name; confval_closest on real misspellings of
 * the daemon's and the example plugin's keys, prefixes and far words; and
 * confval_distance including its cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "confval.h"

/* The keys a connector instance of the example plugin knows: the daemon's
 * reserved keys, then the plugin's table (see plugin.c, example.c). */
static const char *const instance_keys[] = {
    "plugin",      "enabled",  "interval", "timeout", "jitter", "backoff_max",
    "fail_after",  "max_body", "source",   "url",     "token",  "on_time_target",
};
#define N_INSTANCE_KEYS (sizeof instance_keys / sizeof instance_keys[0])

/* ---- helpers: parse that must succeed / fail ---- */

static int64_t duration_ok(const char *text)
{
    int64_t ms = -1;
    const char *reason = NULL;
    int rc = confval_duration_ms(text, &ms, &reason);
    if (rc != 0)
        print_error("duration '%s' refused: %s\n", text, reason ? reason : "(null)");
    assert_int_equal(rc, 0);
    return ms;
}

static const char *duration_bad(const char *text)
{
    int64_t ms = 777;
    const char *reason = NULL;
    if (confval_duration_ms(text, &ms, &reason) == 0)
        print_error("duration '%s' accepted as %lld ms\n", text, (long long)ms);
    assert_int_equal(confval_duration_ms(text, &ms, &reason), -1);
    assert_non_null(reason);
    assert_int_equal(ms, 777); /* untouched */
    return reason;
}

static uint64_t size_ok(const char *text)
{
    uint64_t bytes = 1;
    const char *reason = NULL;
    int rc = confval_size(text, &bytes, &reason);
    if (rc != 0)
        print_error("size '%s' refused: %s\n", text, reason ? reason : "(null)");
    assert_int_equal(rc, 0);
    return bytes;
}

static const char *size_bad(const char *text)
{
    uint64_t bytes = 777;
    const char *reason = NULL;
    if (confval_size(text, &bytes, &reason) == 0)
        print_error("size '%s' accepted as %llu bytes\n", text, (unsigned long long)bytes);
    assert_int_equal(confval_size(text, &bytes, &reason), -1);
    assert_non_null(reason);
    assert_int_equal(bytes, 777);
    return reason;
}

static const char *url_bad(const char *text)
{
    const char *reason = NULL;
    if (confval_url(text, &reason) == 0)
        print_error("url '%s' accepted\n", text);
    assert_int_equal(confval_url(text, &reason), -1);
    assert_non_null(reason);
    return reason;
}

static void url_ok(const char *text)
{
    const char *reason = NULL;
    int rc = confval_url(text, &reason);
    if (rc != 0)
        print_error("url '%s' refused: %s\n", text, reason ? reason : "(null)");
    assert_int_equal(rc, 0);
}

/* ---- booleans and integers ---- */

static void test_bool_forms(void **state)
{
    (void)state;
    static const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes", "On"};
    static const char *no[] = {"false", "no", "off", "0", "FALSE", "No", "OFF"};
    const char *reason = NULL;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool b = false;
        assert_int_equal(confval_bool(yes[i], &b, &reason), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool b = true;
        assert_int_equal(confval_bool(no[i], &b, &reason), 0);
        assert_false(b);
    }
    static const char *bad[] = {"maybe", "", "2", "y", "n", "truee", " true", "enabled"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool b = true;
        reason = NULL;
        assert_int_equal(confval_bool(bad[i], &b, &reason), -1);
        assert_string_equal(reason, "not a boolean (use true/false, yes/no, on/off or 1/0)");
        assert_true(b); /* untouched */
    }
}

static void test_int(void **state)
{
    (void)state;
    int64_t v = 0;
    const char *reason = NULL;
    assert_int_equal(confval_int("200", &v, &reason), 0);
    assert_int_equal(v, 200);
    assert_int_equal(confval_int("-5", &v, &reason), 0);
    assert_int_equal(v, -5);
    assert_int_equal(confval_int("0", &v, &reason), 0);
    assert_int_equal(v, 0);
    assert_int_equal(confval_int("9223372036854775807", &v, &reason), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(confval_int("-9223372036854775808", &v, &reason), 0);
    assert_true(v == INT64_MIN);

    v = 42;
    assert_int_equal(confval_int("9223372036854775808", &v, &reason), -1);
    assert_string_equal(reason, "integer out of range");
    assert_int_equal(confval_int("-9223372036854775809", &v, &reason), -1);
    assert_string_equal(reason, "integer out of range");
    assert_int_equal(confval_int("99999999999999999999999", &v, &reason), -1);
    assert_string_equal(reason, "integer out of range");
    assert_int_equal(v, 42);

    static const char *bad[] = {"", "many", "12x", "1.5", " 7", "7 ", "0x10", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reason = NULL;
        assert_int_equal(confval_int(bad[i], &v, &reason), -1);
        assert_string_equal(reason, "not an integer");
    }
    assert_int_equal(v, 42);
}

/* ---- durations ---- */

static void test_duration_units(void **state)
{
    (void)state;
    assert_int_equal(duration_ok("250ms"), 250);
    assert_int_equal(duration_ok("30s"), 30000);
    assert_int_equal(duration_ok("5m"), 300000);
    assert_int_equal(duration_ok("5min"), 300000);
    assert_int_equal(duration_ok("2h"), 7200000);
    assert_int_equal(duration_ok("1d"), 86400000);
    assert_int_equal(duration_ok("0"), 0);
    assert_int_equal(duration_ok("0ms"), 0);
    /* A bare number is seconds. */
    assert_int_equal(duration_ok("45"), 45000);
    /* Fractions, rounded to the millisecond. */
    assert_int_equal(duration_ok("1.5s"), 1500);
    assert_int_equal(duration_ok("0.25"), 250);
    assert_int_equal(duration_ok("1.5h"), 5400000);
    assert_int_equal(duration_ok("0.0005s"), 1); /* 0.5 ms rounds up */
    /* A blank between number and unit is tolerated. */
    assert_int_equal(duration_ok("10 s"), 10000);
    /* The longest accepted: exactly a year. */
    assert_int_equal(duration_ok("365d"), 31536000000LL);
    assert_int_equal(duration_ok("8760h"), 31536000000LL);
}

static void test_duration_refused(void **state)
{
    (void)state;
    static const char *not_durations[] = {
        "", "10 parsecs", "-5s", "5x", "s", "soon", "ms", ".5s", " 5s", "5s ", "5S", "5sec",
        "+5s", "1,5s", "inf", "nan",
    };
    for (size_t i = 0; i < sizeof not_durations / sizeof not_durations[0]; i++)
        assert_string_equal(duration_bad(not_durations[i]),
                            "not a duration (examples: 250ms, 30s, 5m, 2h; a bare number is "
                            "seconds)");
    assert_string_equal(duration_bad("366d"), "duration longer than a year");
    assert_string_equal(duration_bad("8761h"), "duration longer than a year");
    assert_string_equal(duration_bad("100000000"), "duration longer than a year");
}

/* The documented grammar is "<digits>[.<digits>]<unit>" (confval.c):
 * strtod's other forms - hexadecimal, exponents - are not part of it, and
 * "0x10" silently meaning 16 seconds (or "1e3" 1000 s) is a surprise, not
 * a feature. */
static void test_duration_decimal_only(void **state)
{
    (void)state;
    const char *why = "not a duration (examples: 250ms, 30s, 5m, 2h; a bare number is seconds)";
    assert_string_equal(duration_bad("0x10"), why);
    assert_string_equal(duration_bad("0x10s"), why);
    assert_string_equal(duration_bad("1e3"), why);
    assert_string_equal(duration_bad("1e3ms"), why);
}

/* ---- sizes ---- */

static void test_size_units(void **state)
{
    (void)state;
    assert_int_equal(size_ok("512"), 512);
    assert_int_equal(size_ok("0"), 0);
    assert_int_equal(size_ok("512b"), 512);
    assert_int_equal(size_ok("512B"), 512);
    assert_int_equal(size_ok("64k"), 65536);
    assert_int_equal(size_ok("64K"), 65536);
    assert_int_equal(size_ok("64kb"), 65536);
    assert_int_equal(size_ok("64KiB"), 65536);
    assert_int_equal(size_ok("10MiB"), 10485760);
    assert_int_equal(size_ok("10M"), 10485760);
    assert_int_equal(size_ok("10MB"), 10485760);
    assert_int_equal(size_ok("16MiB"), 16777216); /* the max_body default */
    assert_int_equal(size_ok("1G"), 1073741824);
    assert_int_equal(size_ok("1GiB"), 1073741824);
    assert_int_equal(size_ok("1.5M"), 1572864);
    assert_int_equal(size_ok("0.5k"), 512);
    assert_int_equal(size_ok("10 MiB"), 10485760);
    assert_true(size_ok("1024G") == 1099511627776ULL); /* 1 TiB: the largest */
}

static void test_size_refused(void **state)
{
    (void)state;
    static const char *not_sizes[] = {"12 apples", "", "huge", "-1", "1T", "1TiB", "k",
                                      "10 MiBs", "1Mi B", " 1k", "1k "};
    for (size_t i = 0; i < sizeof not_sizes / sizeof not_sizes[0]; i++)
        assert_string_equal(size_bad(not_sizes[i]), "not a size (examples: 4096, 64k, 10MiB, 1G)");
    assert_string_equal(size_bad("1025G"), "size larger than 1 TiB");
}

static void test_size_decimal_only(void **state)
{
    (void)state;
    const char *why = "not a size (examples: 4096, 64k, 10MiB, 1G)";
    assert_string_equal(size_bad("0x400"), why);
    assert_string_equal(size_bad("1e3k"), why);
    assert_string_equal(size_bad("2E3"), why);
}

/* ---- URLs ---- */

static void test_url(void **state)
{
    (void)state;
    url_ok("http://127.0.0.1:18080/example");
    url_ok("https://dvc.camau.gov.vn/api/v1/stats?from=2025-07-01;to=2025-07-31");
    url_ok("HTTPS://EXAMPLE.VN");
    url_ok("http://h");
    url_ok("http://[::1]:8080/x");

    assert_string_equal(url_bad("ftp://x"), "not an http:// or https:// URL");
    assert_string_equal(url_bad("ftp://files.example.vn/a.json"), "not an http:// or https:// URL");
    assert_string_equal(url_bad("example.vn/api"), "not an http:// or https:// URL");
    assert_string_equal(url_bad("http:/x"), "not an http:// or https:// URL");
    assert_string_equal(url_bad(""), "not an http:// or https:// URL");
    assert_string_equal(url_bad("file:///etc/passwd"), "not an http:// or https:// URL");

    assert_string_equal(url_bad("http://"), "URL has no host");
    assert_string_equal(url_bad("https://"), "URL has no host");
    assert_string_equal(url_bad("http:///path"), "URL has no host");
    assert_string_equal(url_bad("http://:8080/"), "URL has no host");
}

/* A query, fragment or userinfo right after "//" means the host is empty
 * too; curl would refuse such a URL only at the first poll. */
static void test_url_empty_host_before_query(void **state)
{
    (void)state;
    assert_string_equal(url_bad("http://?page=1"), "URL has no host");
    assert_string_equal(url_bad("https://#top"), "URL has no host");
    assert_string_equal(url_bad("https://user@/feed"), "URL has no host");

    const char *blank = "URL contains a space or control character (percent-encode it)";
    assert_string_equal(url_bad("http://example.vn/a b"), blank);
    assert_string_equal(url_bad("http://example.vn/\tx"), blank);
    assert_string_equal(url_bad("http://example.vn/x\x7f"), blank);
    assert_string_equal(url_bad("http://example.vn/x\n"), blank);
}

/* ---- confval_check and type names ---- */

static void test_check_per_type(void **state)
{
    (void)state;
    const char *reason;
    /* Strings and secrets: anything, even empty. */
    assert_int_equal(confval_check(IOC_CFG_STRING, "any text; at all", &reason), 0);
    assert_int_equal(confval_check(IOC_CFG_STRING, "", &reason), 0);
    assert_int_equal(confval_check(IOC_CFG_SECRET, "eyJhbGciOiJIUzI1NiJ9.e30.x", &reason), 0);
    assert_int_equal(confval_check(IOC_CFG_SECRET, "", &reason), 0);

    assert_int_equal(confval_check(IOC_CFG_INT, "95", &reason), 0);
    reason = NULL;
    assert_int_equal(confval_check(IOC_CFG_INT, "many", &reason), -1);
    assert_string_equal(reason, "not an integer");

    assert_int_equal(confval_check(IOC_CFG_BOOL, "yes", &reason), 0);
    reason = NULL;
    assert_int_equal(confval_check(IOC_CFG_BOOL, "maybe", &reason), -1);
    assert_string_equal(reason, "not a boolean (use true/false, yes/no, on/off or 1/0)");

    assert_int_equal(confval_check(IOC_CFG_DURATION, "10s", &reason), 0);
    reason = NULL;
    assert_int_equal(confval_check(IOC_CFG_DURATION, "soon", &reason), -1);
    assert_string_equal(reason,
                        "not a duration (examples: 250ms, 30s, 5m, 2h; a bare number is seconds)");

    assert_int_equal(confval_check(IOC_CFG_SIZE, "16MiB", &reason), 0);
    reason = NULL;
    assert_int_equal(confval_check(IOC_CFG_SIZE, "huge", &reason), -1);
    assert_string_equal(reason, "not a size (examples: 4096, 64k, 10MiB, 1G)");

    assert_int_equal(confval_check(IOC_CFG_URL, "https://x.vn/", &reason), 0);
    reason = NULL;
    assert_int_equal(confval_check(IOC_CFG_URL, "ftp://x", &reason), -1);
    assert_string_equal(reason, "not an http:// or https:// URL");

    reason = NULL;
    assert_int_equal(confval_check((enum ioc_config_type)99, "x", &reason), -1);
    assert_string_equal(reason, "unknown type");
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(confval_type_name(IOC_CFG_STRING), "string");
    assert_string_equal(confval_type_name(IOC_CFG_INT), "int");
    assert_string_equal(confval_type_name(IOC_CFG_BOOL), "bool");
    assert_string_equal(confval_type_name(IOC_CFG_DURATION), "duration");
    assert_string_equal(confval_type_name(IOC_CFG_SIZE), "size");
    assert_string_equal(confval_type_name(IOC_CFG_URL), "url");
    assert_string_equal(confval_type_name(IOC_CFG_SECRET), "secret");
    assert_string_equal(confval_type_name((enum ioc_config_type)99), "?");
}

/* ---- did you mean ---- */

static const char *closest(const char *word)
{
    return confval_closest(word, instance_keys, N_INSTANCE_KEYS);
}

static void test_closest_typos(void **state)
{
    (void)state;
    assert_string_equal(closest("intervall"), "interval");
    assert_string_equal(closest("timout"), "timeout");
    assert_string_equal(closest("urll"), "url");
    assert_string_equal(closest("tokn"), "token");
    assert_string_equal(closest("interva"), "interval");
    assert_string_equal(closest("enable"), "enabled");
    assert_string_equal(closest("jiter"), "jitter");
    assert_string_equal(closest("max_bdoy"), "max_body");
    assert_string_equal(closest("on_time_targte"), "on_time_target");
    assert_string_equal(closest("plugn"), "plugin");
    assert_string_equal(closest("sorce"), "source");
    /* An exact key is its own closest. */
    assert_string_equal(closest("url"), "url");
}

static void test_closest_prefix(void **state)
{
    (void)state;
    /* "time" is 3 edits from "timeout", more than the cap of 2, but a
     * prefix of 3+ letters is a plausible truncation. */
    assert_true(confval_distance("time", "timeout", 10) == 3);
    assert_string_equal(closest("time"), "timeout");
    assert_string_equal(closest("backoff"), "backoff_max");
    assert_string_equal(closest("on_time"), "on_time_target");
    /* Two letters are not enough for the prefix rule. */
    static const char *const one[] = {"timeout"};
    assert_null(confval_closest("ti", one, 1));
}

static void test_closest_far_words(void **state)
{
    (void)state;
    assert_null(closest("zzzzzzzz"));
    assert_null(closest("province"));
    assert_null(closest("password"));
    assert_null(closest("xyz"));
    assert_null(confval_closest("anything", NULL, 0));
    /* Over the length limit of the distance: never suggested. */
    char longword[80];
    memset(longword, 'a', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_null(closest(longword));
}

static void test_closest_picks_the_nearest(void **state)
{
    (void)state;
    static const char *const sections[] = {"iocd", "sink.stdout"};
    assert_string_equal(confval_closest("sink.stdut", sections, 2), "sink.stdout");
    assert_string_equal(confval_closest("iod", sections, 2), "iocd");
    assert_null(confval_closest("sink.kafka", sections, 2));
    /* Nearest wins over first; on a tie the first candidate wins. */
    static const char *const c[] = {"abcdef", "abcdex", "abcxyz"};
    assert_string_equal(confval_closest("abcdex", c, 3), "abcdex");
    assert_string_equal(confval_closest("abcdez", c, 3), "abcdef");
    static const char *const plugins[] = {"example", "ioffice", "telecom"};
    assert_string_equal(confval_closest("exampel", plugins, 3), "example");
    assert_string_equal(confval_closest("iofice", plugins, 3), "ioffice");
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(confval_distance("kitten", "sitting", 10), 3);
    assert_int_equal(confval_distance("sitting", "kitten", 10), 3);
    assert_int_equal(confval_distance("", "", 0), 0);
    assert_int_equal(confval_distance("abc", "abc", 0), 0);
    assert_int_equal(confval_distance("", "abc", 10), 3);
    assert_int_equal(confval_distance("abc", "", 10), 3);
    assert_int_equal(confval_distance("flaw", "lawn", 10), 2);
    assert_int_equal(confval_distance("intervall", "interval", 10), 1);
    assert_int_equal(confval_distance("timout", "timeout", 10), 1);
    assert_int_equal(confval_distance("ab", "ba", 10), 2);

    /* Capped: the result is at most cap + 1, and exact up to the cap. */
    assert_int_equal(confval_distance("kitten", "sitting", 3), 3);
    assert_int_equal(confval_distance("kitten", "sitting", 2), 3);
    assert_int_equal(confval_distance("kitten", "sitting", 1), 2);
    assert_int_equal(confval_distance("kitten", "sitting", 0), 1);
    assert_int_equal(confval_distance("abc", "", 1), 2);
    assert_int_equal(confval_distance("", "abcdef", 2), 3);
    assert_int_equal(confval_distance("aaaaaaaaaa", "bbbbbbbbbb", 4), 5);

    /* Words over 64 bytes are not compared: cap + 1. */
    char a[70], b[70];
    memset(a, 'x', 65);
    a[65] = '\0';
    memcpy(b, a, sizeof a);
    assert_int_equal(confval_distance(a, b, 5), 6);
    a[64] = '\0';
    b[64] = '\0';
    assert_int_equal(confval_distance(a, b, 5), 0); /* 64 is still compared */
}

/* Bounds are parsed with the key's own type and compared in its units. */
static void test_check_key_bounds(void **state)
{
    (void)state;
    char why[256];
    const struct ioc_config_key pages = {"max_pages", IOC_CFG_INT, "50", false, "h", "1", "10000"};
    assert_int_equal(confval_check_key(&pages, "1", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&pages, "10000", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&pages, "0", why, sizeof why), -1);
    assert_string_equal(why, "must be between 1 and 10000");
    assert_int_equal(confval_check_key(&pages, "10001", why, sizeof why), -1);
    assert_string_equal(why, "must be between 1 and 10000");
    /* The type comes first: a non-number is not "out of range". */
    assert_int_equal(confval_check_key(&pages, "many", why, sizeof why), -1);
    assert_string_equal(why, "not an integer");

    const struct ioc_config_key wait = {"wait", IOC_CFG_DURATION, NULL, false, "h", "1s", NULL};
    assert_int_equal(confval_check_key(&wait, "1000ms", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&wait, "2m", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&wait, "999ms", why, sizeof why), -1);
    assert_string_equal(why, "must be at least 1s");
    assert_int_equal(confval_check_key(&wait, "0", why, sizeof why), -1);

    const struct ioc_config_key body = {"body", IOC_CFG_SIZE, NULL, false, "h", NULL, "64k"};
    assert_int_equal(confval_check_key(&body, "65536", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&body, "65537", why, sizeof why), -1);
    assert_string_equal(why, "must be at most 64k");
    assert_int_equal(confval_check_key(&body, "1MiB", why, sizeof why), -1);

    const struct ioc_config_key neg = {"offset", IOC_CFG_INT, NULL, false, "h", "-5", "5"};
    assert_int_equal(confval_check_key(&neg, "-5", why, sizeof why), 0);
    assert_int_equal(confval_check_key(&neg, "-6", why, sizeof why), -1);
    assert_string_equal(why, "must be between -5 and 5");

    /* Unbounded keys: only the type is checked. */
    const struct ioc_config_key free_int = {"n", IOC_CFG_INT, NULL, false, "h", NULL, NULL};
    assert_int_equal(confval_check_key(&free_int, "-9000000000", why, sizeof why), 0);
    const struct ioc_config_key url = {"url", IOC_CFG_URL, NULL, true, "h", NULL, NULL};
    assert_int_equal(confval_check_key(&url, "ftp://x", why, sizeof why), -1);
    assert_string_equal(why, "not an http:// or https:// URL");
}

/* What plugin load refuses in a table (a bug of the plugin). */
static void test_check_bounds_of_table(void **state)
{
    (void)state;
    char why[256];
    const struct ioc_config_key ok = {"k", IOC_CFG_DURATION, "30s", false, "h", "1s", "5m"};
    assert_int_equal(confval_check_bounds(&ok, why, sizeof why), 0);
    const struct ioc_config_key none = {"k", IOC_CFG_STRING, "x", false, "h", NULL, NULL};
    assert_int_equal(confval_check_bounds(&none, why, sizeof why), 0);

    const struct ioc_config_key on_string = {"k", IOC_CFG_STRING, NULL, false, "h", "1", NULL};
    assert_int_equal(confval_check_bounds(&on_string, why, sizeof why), -1);
    assert_string_equal(why, "min/max are for int, duration and size keys, not string");
    const struct ioc_config_key on_bool = {"k", IOC_CFG_BOOL, NULL, false, "h", NULL, "1"};
    assert_int_equal(confval_check_bounds(&on_bool, why, sizeof why), -1);
    assert_string_equal(why, "min/max are for int, duration and size keys, not bool");

    const struct ioc_config_key bad_min = {"k", IOC_CFG_INT, NULL, false, "h", "one", NULL};
    assert_int_equal(confval_check_bounds(&bad_min, why, sizeof why), -1);
    assert_string_equal(why, "min 'one': not an integer");
    const struct ioc_config_key bad_max = {"k", IOC_CFG_SIZE, NULL, false, "h", NULL, "lots"};
    assert_int_equal(confval_check_bounds(&bad_max, why, sizeof why), -1);
    assert_string_equal(why, "max 'lots': not a size (examples: 4096, 64k, 10MiB, 1G)");
    const struct ioc_config_key crossed = {"k", IOC_CFG_DURATION, NULL, false, "h", "2m", "60s"};
    assert_int_equal(confval_check_bounds(&crossed, why, sizeof why), -1);
    assert_string_equal(why, "min '2m' is above max '60s'");
    const struct ioc_config_key def_out = {"k", IOC_CFG_INT, "0", false, "h", "1", "100"};
    assert_int_equal(confval_check_bounds(&def_out, why, sizeof why), -1);
    assert_string_equal(why, "default '0' must be between 1 and 100");
    /* Equal bounds are one allowed value, not a contradiction. */
    const struct ioc_config_key fixed = {"k", IOC_CFG_SIZE, "1k", false, "h", "1024", "1k"};
    assert_int_equal(confval_check_bounds(&fixed, why, sizeof why), 0);
}

static void test_bounds_text(void **state)
{
    (void)state;
    char buf[64];
    const struct ioc_config_key both = {"k", IOC_CFG_INT, NULL, false, "h", "1", "10000"};
    assert_string_equal(confval_bounds_text(&both, buf, sizeof buf), "min 1, max 10000");
    const struct ioc_config_key lo = {"k", IOC_CFG_DURATION, NULL, false, "h", "1s", NULL};
    assert_string_equal(confval_bounds_text(&lo, buf, sizeof buf), "min 1s");
    const struct ioc_config_key hi = {"k", IOC_CFG_SIZE, NULL, false, "h", NULL, "64k"};
    assert_string_equal(confval_bounds_text(&hi, buf, sizeof buf), "max 64k");
    const struct ioc_config_key none = {"k", IOC_CFG_INT, NULL, false, "h", NULL, NULL};
    assert_string_equal(confval_bounds_text(&none, buf, sizeof buf), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_forms),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_refused),
        cmocka_unit_test(test_duration_decimal_only),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_size_refused),
        cmocka_unit_test(test_size_decimal_only),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_url_empty_host_before_query),
        cmocka_unit_test(test_check_per_type),
        cmocka_unit_test(test_check_key_bounds),
        cmocka_unit_test(test_check_bounds_of_table),
        cmocka_unit_test(test_bounds_text),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_closest_typos),
        cmocka_unit_test(test_closest_prefix),
        cmocka_unit_test(test_closest_far_words),
        cmocka_unit_test(test_closest_picks_the_nearest),
        cmocka_unit_test(test_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
