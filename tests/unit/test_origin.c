/*
 * test_origin - unit tests of daemon/origin.c: the origin of a URL (the
 * string every refusal names), the verdict on a link or redirect target
 * against the configured URL's origin and allow_origins, and the check of
 * an allow_origins value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "origin.h"

static void test_origin_of(void **state)
{
    (void)state;
    static const struct {
        const char *url, *origin;
    } o[] = {
        {"http://Feed.Test/x?y", "http://feed.test:80"},
        {"https://feed.test", "https://feed.test:443"},
        {"https://u:p@feed.test:8443", "https://feed.test:8443"},
        /* As curl reads them (origin_of uses its parser): an empty port
         * is the default one, "http:///x" is host x. */
        {"http://feed.test:/a", "http://feed.test:80"},
        {"http:///x", "http://x:80"},
        {"http://[::1]:8080/a", "http://[::1]:8080"},
        {"http://[::1]/a", "http://[::1]:80"},
        {"HTTP://127.0.0.1:08080/steal?token=x", "http://127.0.0.1:8080"},
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
        char *got = origin_of(o[i].url);
        assert_non_null(got);
        assert_string_equal(got, o[i].origin);
        free(got);
    }
    static const char *const bad[] = {"ftp://feed.test/x", "feed.test/x", "//feed.test/x",
                                      "http://a@b@feed.test:81/x", "http://feed.test:0/",
                                      "http://feed.test:65536/", "http://feed.test:8x/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(origin_of(bad[i]));
}

static void test_judge(void **state)
{
    (void)state;
    const char *home = "https://feed.test:443";
    assert_int_equal(origin_judge(home, "https://feed.test:443", NULL, 0), ORIGIN_SAME);
    assert_int_equal(origin_judge(home, "https://other.test:443", NULL, 0), ORIGIN_FOREIGN);
    assert_int_equal(origin_judge(home, "https://feed.test:8443", "", 0), ORIGIN_FOREIGN);
    assert_int_equal(origin_judge(home, "https://cdn.test:8443",
                                  "https://a.test,https://CDN.test:8443/", 0), ORIGIN_LISTED);
    /* The list names origins, not hosts: another port is another origin. */
    assert_int_equal(origin_judge(home, "https://cdn.test:443", "https://cdn.test:8443", 0),
                     ORIGIN_FOREIGN);
    /* Never https to http, not even to the same host or a listed origin. */
    assert_int_equal(origin_judge(home, "http://feed.test:80", "http://feed.test", 0),
                     ORIGIN_DOWNGRADE);
    assert_int_equal(origin_judge(home, "http://feed.test:443", NULL, 0), ORIGIN_DOWNGRADE);
    /* From http: http and https targets are judged by the list. */
    assert_int_equal(origin_judge("http://feed.test:80", "http://feed.test:80", NULL, 0),
                     ORIGIN_SAME);
    assert_int_equal(origin_judge("http://feed.test:80", "https://feed.test:443", NULL, 0),
                     ORIGIN_FOREIGN);
    assert_int_equal(origin_judge("http://feed.test:80", "http://b.test:80", "http://b.test", 0),
                     ORIGIN_LISTED);
    /* http after an https hop is a downgrade even from an http start. */
    assert_int_equal(origin_judge("http://feed.test:80", "http://b.test:80", "http://b.test", 1),
                     ORIGIN_DOWNGRADE);
}

static void test_list_check(void **state)
{
    (void)state;
    char why[300];
    assert_int_equal(origin_list_check("https://a.example https://b.example:8443", why,
                                       sizeof why), 0);
    assert_int_equal(origin_list_check(" http://a.test/,https://[::1]:8443\t", why, sizeof why),
                     0);
    assert_int_equal(origin_list_check("", why, sizeof why), 0);
    static const struct {
        const char *list, *why;
    } bad[] = {
        {"https://a.test/api?key=SECRET", "'https://a.test...': an origin is "
                                          "scheme://host[:port], without a path or query"},
        {"https://user:SECRET@a.test", "'https://...': an origin has no user or password"},
        {"a.test", "'a.test': not an http:// or https:// origin with a host and a valid port"},
        {"https://a.test ftp://b.test", "'ftp://b.test': not an http:// or https:// origin "
                                        "with a host and a valid port"},
        {"https://a.test:99999", "'https://a.test:99999': not an http:// or https:// origin "
                                 "with a host and a valid port"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(origin_list_check(bad[i].list, why, sizeof why), -1);
        assert_string_equal(why, bad[i].why);
        assert_null(strstr(why, "SECRET"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_of),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_list_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
