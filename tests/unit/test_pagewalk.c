/*
 * test_pagewalk - unit tests of daemon/pagewalk.c, the rules behind
 * ioc_page_walk(): what a connector's callback reports about each page is
 * fed to pagewalk_next() as a server's pages would produce it, and the test
 * checks the exact URL asked next, or the exact reason a walk cannot be
 * trusted. The connectors' integration tests run the same rules with
 * ioc_page_walk() against feedsim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pagewalk.h"

#define BASE "http://feed.test/api?unit=1"

static const char *allow; /* allow_origins of the walks start() begins */

static void start(struct pagewalk *w, const struct ioc_page_spec *s, const char *first)
{
    char why[256] = "";
    if (pagewalk_start(w, s, allow, why, sizeof why) != 0)
        print_error("start: %s\n", why);
    assert_string_equal(w->url, first);
}

/* Hand the walk a page; it must answer rc, then fetch `want` (rc 1) or
 * fail with the reason `want` (rc -1). */
static void step(struct pagewalk *w, struct ioc_page p, int rc, const char *want)
{
    char why[768] = "";
    int got = pagewalk_next(w, &p, why, sizeof why);
    if (got != rc)
        print_error("rc %d, want %d; url %s; why: %s\n", got, rc, w->url, why);
    assert_int_equal(got, rc);
    if (rc == 1)
        assert_string_equal(w->url, want);
    if (rc == -1)
        assert_string_equal(why, want);
}

static void test_number_total(void **state)
{
    (void)state;
    struct ioc_page_spec s = {.style = IOC_PAGE_NUMBER, .url = BASE, .page_param = "trang",
                              .page_first = 1, .size_param = "soBanGhi", .page_size = 2,
                              .max_pages = 10, .total_name = "tongSo"};
    struct pagewalk w;
    start(&w, &s, BASE "&trang=1&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 2, .has_total = true, .total = 5}, 1,
         BASE "&trang=2&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 2, .has_total = true, .total = 5}, 1,
         BASE "&trang=3&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 1, .has_total = true, .total = 5}, 0, NULL);
    assert_int_equal(w.pages, 3);
    assert_int_equal(w.records, 5);
    pagewalk_end(&w);
    assert_null(w.url);

    /* More records than the total: the data moved during the walk. */
    start(&w, &s, BASE "&trang=1&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 2, .has_total = true, .total = 3}, 1,
         BASE "&trang=2&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 2, .has_total = true, .total = 3}, -1,
         "page 2 brings the walk to 4 records, more than tongSo says (3): the feed changed "
         "during the walk");
    pagewalk_end(&w);

    /* An empty page before the total. */
    start(&w, &s, BASE "&trang=1&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 2, .has_total = true, .total = 5}, 1,
         BASE "&trang=2&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 0, .has_total = true, .total = 5}, -1,
         "page 2 is empty, but tongSo says 5 records and 2 records arrived: the feed is "
         "inconsistent");
    pagewalk_end(&w);

    /* A total of zero: the empty first page is the last. */
    start(&w, &s, BASE "&trang=1&soBanGhi=2");
    step(&w, (struct ioc_page){.items = 0, .has_total = true, .total = 0}, 0, NULL);
    pagewalk_end(&w);
}

static void test_number_empty_stop_and_max_pages(void **state)
{
    (void)state;
    struct ioc_page_spec s = {.style = IOC_PAGE_NUMBER, .url = BASE, .page_param = "p",
                              .page_first = 0, .max_pages = 3};
    struct pagewalk w;
    start(&w, &s, BASE "&p=0");
    step(&w, (struct ioc_page){.items = 4}, 1, BASE "&p=1");
    step(&w, (struct ioc_page){.items = 4}, 1, BASE "&p=2");
    step(&w, (struct ioc_page){.items = 0}, 0, NULL);
    pagewalk_end(&w);

    start(&w, &s, BASE "&p=0");
    step(&w, (struct ioc_page){.items = 4}, 1, BASE "&p=1");
    step(&w, (struct ioc_page){.items = 4}, 1, BASE "&p=2");
    step(&w, (struct ioc_page){.items = 4}, -1,
         "the feed has more than 3 pages (max_pages); nothing of this walk is published");
    assert_true(w.max_pages_hit);
    pagewalk_end(&w);
}

static void test_link_loops(void **state)
{
    (void)state;
    struct ioc_page_spec s = {.style = IOC_PAGE_LINK, .url = BASE, .max_pages = 50,
                              .link_name = "'next'"};
    struct pagewalk w;
    start(&w, &s, BASE);
    step(&w, (struct ioc_page){.items = 1, .next_link = "/api?unit=1&p=2"}, 1,
         "http://feed.test/api?unit=1&p=2");
    step(&w, (struct ioc_page){.items = 1, .next_link = "?unit=1&p=3"}, 1,
         "http://feed.test/api?unit=1&p=3");
    /* Back to page 1, two pages ago: not only a link to the page itself. */
    step(&w, (struct ioc_page){.items = 1, .next_link = BASE}, -1,
         "'next' points back to page 1 (http://feed.test/api): the feed loops");
    pagewalk_end(&w);

    start(&w, &s, BASE);
    step(&w, (struct ioc_page){.items = 1, .next_link = "?unit=1&p=2"}, 1,
         "http://feed.test/api?unit=1&p=2");
    step(&w, (struct ioc_page){.items = 1, .next_link = "?unit=1&p=3"}, 1,
         "http://feed.test/api?unit=1&p=3");
    step(&w, (struct ioc_page){.items = 1, .next_link = "?unit=1&p=2"}, -1,
         "'next' points back to page 2 (http://feed.test/api): the feed loops");
    pagewalk_end(&w);

    start(&w, &s, BASE);
    step(&w, (struct ioc_page){.items = 1, .next_link = "?unit=1"}, -1,
         "'next' points back to the page itself (http://feed.test/api)");
    pagewalk_end(&w);

    start(&w, &s, BASE);
    step(&w, (struct ioc_page){.items = 1, .next_link = ""}, 0, NULL);
    pagewalk_end(&w);
}

/* A next link to another origin is refused whether or not the requests
 * carry credentials (a feed could also make the daemon fetch internal
 * URLs), named by its origin only, before it is fetched; allow_origins
 * names more; https to http is refused even when named. */
static void test_link_other_origin(void **state)
{
    (void)state;
    struct ioc_http_options creds = {.bearer_token = "s3cr3t"};
    struct ioc_page_spec s = {.style = IOC_PAGE_LINK, .url = "https://feed.test/a",
                              .max_pages = 50, .http = &creds};
    struct pagewalk w;
    start(&w, &s, "https://feed.test/a");
    step(&w, (struct ioc_page){.items = 1, .next_link = "https://FEED.test:443/b"}, 1,
         "https://FEED.test:443/b");
    step(&w, (struct ioc_page){.items = 1, .next_link = "https://other.test/c?key=K"}, -1,
         "next link leads to https://other.test:443, another origin than page 1's "
         "(https://feed.test:443): refused without fetching it (allow_origins may name more "
         "origins)");
    pagewalk_end(&w);

    static const char *const foreign[] = {"https://feed.test:8443/b", "//evil.test/b",
                                          "https://user@feed.test.evil.test/b"};
    for (int with_creds = 0; with_creds < 2; with_creds++) {
        s.http = with_creds ? &creds : NULL;
        for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
            start(&w, &s, "https://feed.test/a");
            char why[768];
            struct ioc_page p = {.items = 1, .next_link = foreign[i]};
            assert_int_equal(pagewalk_next(&w, &p, why, sizeof why), -1);
            assert_non_null(strstr(why, "another origin than page 1's (https://feed.test:443)"));
            assert_null(strstr(why, "/b")); /* no path (nor query) in the reason */
            pagewalk_end(&w);
        }
    }

    /* https to http: refused, even to the same host and when listed. */
    allow = "http://feed.test https://cdn.test:8443";
    start(&w, &s, "https://feed.test/a");
    step(&w, (struct ioc_page){.items = 1, .next_link = "http://feed.test/b?token=T"}, -1,
         "next link leads from https to plain http (http://feed.test:80): refused without "
         "fetching it, whatever allow_origins says");
    pagewalk_end(&w);

    /* A listed origin is followed, also with credentials; others are not. */
    s.http = &creds;
    start(&w, &s, "https://feed.test/a");
    step(&w, (struct ioc_page){.items = 1, .next_link = "https://CDN.test:8443/p2"}, 1,
         "https://CDN.test:8443/p2");
    step(&w, (struct ioc_page){.items = 1, .next_link = "/p3"}, 1, "https://CDN.test:8443/p3");
    step(&w, (struct ioc_page){.items = 1, .next_link = "https://cdn.test/p4"}, -1,
         "next link leads to https://cdn.test:443, another origin than page 1's "
         "(https://feed.test:443): refused without fetching it (allow_origins may name more "
         "origins)");
    pagewalk_end(&w);
    allow = NULL;

    /* Plain http to the same origin stays allowed. */
    s.url = "http://feed.test:8080/a";
    start(&w, &s, "http://feed.test:8080/a");
    step(&w, (struct ioc_page){.items = 1, .next_link = "http://feed.test:8080/b"}, 1,
         "http://feed.test:8080/b");
    pagewalk_end(&w);
}

static void test_cursor(void **state)
{
    (void)state;
    struct ioc_page_spec s = {.style = IOC_PAGE_CURSOR, .url = BASE, .cursor_param = "cursor",
                              .size_param = "limit", .page_size = 25, .use_has_more = true,
                              .max_pages = 50, .cursor_name = "'cursor'",
                              .has_more_name = "'hasMore'"};
    struct pagewalk w;
    start(&w, &s, BASE "&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c1", .has_more = true}, 1,
         BASE "&cursor=c1&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c 2", .has_more = true}, 1,
         BASE "&cursor=c%202&limit=25");
    step(&w, (struct ioc_page){.items = 3, .cursor = "c3", .has_more = false}, 0, NULL);
    assert_string_equal(w.cursor, "c 2");
    pagewalk_end(&w);

    /* Resumed from a saved cursor; a cursor of two pages ago is a loop. */
    s.start_cursor = "c1";
    start(&w, &s, BASE "&cursor=c1&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c2", .has_more = true}, 1,
         BASE "&cursor=c2&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c2", .has_more = true}, -1,
         "cursor 'cursor' did not advance (\"c2\" again)");
    pagewalk_end(&w);
    start(&w, &s, BASE "&cursor=c1&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c2", .has_more = true}, 1,
         BASE "&cursor=c2&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "c1", .has_more = true}, -1,
         "cursor 'cursor' went back to \"c1\", the cursor of page 1: the feed loops");
    pagewalk_end(&w);

    start(&w, &s, BASE "&cursor=c1&limit=25");
    step(&w, (struct ioc_page){.items = 25, .has_more = true}, -1,
         "'hasMore' is true but there is no cursor at 'cursor'");
    pagewalk_end(&w);

    /* Without a has-more flag, no cursor ends the walk. */
    s.use_has_more = false, s.start_cursor = NULL;
    start(&w, &s, BASE "&limit=25");
    step(&w, (struct ioc_page){.items = 25, .cursor = "x"}, 1, BASE "&cursor=x&limit=25");
    step(&w, (struct ioc_page){.items = 2, .cursor = ""}, 0, NULL);
    pagewalk_end(&w);
}

/* max_pages_partial: a stream read in slices, the rest at the next poll. */
static void test_max_pages_partial(void **state)
{
    (void)state;
    struct ioc_page_spec s = {.style = IOC_PAGE_CURSOR, .url = BASE, .cursor_param = "c",
                              .use_has_more = true, .max_pages = 2, .max_pages_partial = true};
    struct pagewalk w;
    start(&w, &s, BASE);
    step(&w, (struct ioc_page){.items = 5, .cursor = "a", .has_more = true}, 1, BASE "&c=a");
    step(&w, (struct ioc_page){.items = 5, .cursor = "b", .has_more = true}, 0, NULL);
    assert_true(w.more);
    assert_string_equal(w.cursor, "b");
    pagewalk_end(&w);
}

static void test_start_errors(void **state)
{
    (void)state;
    struct pagewalk w;
    char why[256];
    struct ioc_page_spec s = {.style = IOC_PAGE_NUMBER, .url = BASE, .max_pages = 1};
    assert_int_equal(pagewalk_start(&w, &s, NULL, why, sizeof why), -1);
    assert_string_equal(why, "page-number walk without page_param");
    s.page_param = "p", s.max_pages = 0;
    assert_int_equal(pagewalk_start(&w, &s, NULL, why, sizeof why), -1);
    assert_string_equal(why, "max_pages is 0; it must be 1 or more");

}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_total),
        cmocka_unit_test(test_number_empty_stop_and_max_pages),
        cmocka_unit_test(test_link_loops),
        cmocka_unit_test(test_link_other_origin),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_max_pages_partial),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
