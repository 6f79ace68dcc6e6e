/*
 * test_http - unit tests of daemon/http.c's pure parts: the Retry-After
 * parser (delay-seconds saturating instead of overflowing, HTTP-dates
 * relative to a given now, everything else refused) and the URL shown in
 * logs. Requests themselves are tested against real servers in
 * tests/integration/test_http*.sh and test_origins.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http.h"

static void test_retry_after_seconds(void **state)
{
    (void)state;
    assert_int_equal(http_retry_after_parse("2", 0), 2);
    assert_int_equal(http_retry_after_parse(" 120 \r\n", 0), 120);
    assert_int_equal(http_retry_after_parse("0", 0), 0);
    assert_int_equal(http_retry_after_parse("99999999999", 0), 99999999999LL);
    /* Saturated, not wrapped: the values UBSan aborted on. */
    assert_int_equal(http_retry_after_parse("9223372036854775807", 0), INT64_MAX);
    assert_int_equal(http_retry_after_parse("99999999999999999999999", 0), INT64_MAX);
    /* Not a delay. */
    assert_int_equal(http_retry_after_parse("-5", 0), -1);
    assert_int_equal(http_retry_after_parse("+5", 0), -1);
    assert_int_equal(http_retry_after_parse("5s", 0), -1);
    assert_int_equal(http_retry_after_parse("", 0), -1);
    assert_int_equal(http_retry_after_parse("soon", 0), -1);
}

static void test_retry_after_date(void **state)
{
    (void)state;
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480. */
    assert_int_equal(http_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 90), 90);
    assert_int_equal(http_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 90), 0);
}

static void test_url_for_log(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(http_url_for_log("http://a.test/x?key=K#f", buf, sizeof buf),
                        "http://a.test/x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after_seconds),
        cmocka_unit_test(test_retry_after_date),
        cmocka_unit_test(test_url_for_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
