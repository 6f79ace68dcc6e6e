/*
 * test_hjwalk - unit tests of connectors/http_json/hjwalk.c with the SDK's
 * walk rules behind it (daemon/pagewalk.c, what ioc_page_walk() runs): the
 * page walks of the four pagination styles, fed page by page as a server
 * would answer them, with the exact URL asked next and the exact reason
 * when a walk cannot be trusted; and the resolution of next links
 * (ioc_page_resolve).
 *
 * The paging settings come from hjmap (key/value pairs), so the tests also
 * show that the keys of docs/http_json.md mean what the walk does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../hjwalk.h"
#include "pagewalk.h"
#include "hj_kv_mapping.h"

#define BASE_URL "http://feed.test/api/items?unit=1"

#define MAPPING_KEYS {"area", "maXa"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"}

/* A walk over BASE_URL with the paging keys of kv. */
struct walk {
    struct hj_mapping *m;
    struct ioc_page_spec spec;
    struct hj_walk_text text;
    struct pagewalk w;
};

static void start(struct walk *t, const struct kv *kv, const char *first_url)
{
    char why[256] = "";
    t->m = kv_mapping(kv);
    hj_walk_spec(&t->m->paging, BASE_URL, &t->spec, &t->text);
    assert_int_equal(pagewalk_start(&t->w, &t->spec, NULL, why, sizeof why), 0);
    assert_string_equal(t->w.url, first_url);
}

static void end(struct walk *t)
{
    pagewalk_end(&t->w);
    assert_null(t->w.url);
    hjmap_free(t->m);
}

/* Hand the walk a page; it must answer rc, and then fetch `want` (rc 1),
 * or fail with the reason `want` (rc -1). */
static void step(struct walk *t, const char *page, long records, int rc, const char *want)
{
    json_error_t e;
    json_t *doc = json_loads(page, JSON_DECODE_ANY, &e);
    if (!doc)
        print_error("bad test page: %s\n", e.text);
    assert_non_null(doc);
    char why[768] = "";
    struct ioc_page p;
    int got = hj_walk_read(&t->m->paging, doc, records, &p, &t->text, why, sizeof why);
    if (got == 0)
        got = pagewalk_next(&t->w, &p, why, sizeof why);
    json_decref(doc);
    if (got != rc)
        print_error("rc %d, want %d; url %s; why: %s\n", got, rc, t->w.url, why);
    assert_int_equal(got, rc);
    if (rc == 1)
        assert_string_equal(t->w.url, want);
    if (rc == -1)
        assert_string_equal(why, want);
}

/* ---- none ---- */

static void test_none(void **state)
{
    (void)state;
    const struct kv kv[] = {MAPPING_KEYS, {NULL, NULL}};
    struct walk t;
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"http://feed.test/2\", \"items\": [1]}", 1, 0, NULL);
    assert_int_equal(t.w.pages, 1);
    assert_int_equal(t.w.records, 1);
    end(&t);
}

/* ---- page numbers ---- */

static void test_page_total_records(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS,
        {"pagination", "page"},
        {"page_param", "page"},
        {"page_size_param", "pageSize"},
        {"page_size", "2"},
        {"page_total", "meta.total"},
        {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL "&page=1&pageSize=2");
    step(&t, "{\"meta\": {\"total\": 5}}", 2, 1, BASE_URL "&page=2&pageSize=2");
    step(&t, "{\"meta\": {\"total\": 5}}", 2, 1, BASE_URL "&page=3&pageSize=2");
    step(&t, "{\"meta\": {\"total\": 5}}", 1, 0, NULL);
    assert_int_equal(t.w.pages, 3);
    assert_int_equal(t.w.records, 5);
    assert_int_equal(t.w.page, 3);
    end(&t);

    /* A total of 0: the first (empty) page is the last. */
    start(&t, kv, BASE_URL "&page=1&pageSize=2");
    step(&t, "{\"meta\": {\"total\": 0}}", 0, 0, NULL);
    end(&t);

    /* A total given as a whole real number counts too. */
    start(&t, kv, BASE_URL "&page=1&pageSize=2");
    step(&t, "{\"meta\": {\"total\": 2.0}}", 2, 0, NULL);
    end(&t);
}

static void test_page_total_pages(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS,
        {"pagination", "page"},
        {"page_param", "trang"},
        {"page_total", "soTrang"},
        {"page_total_kind", "pages"},
        {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL "&trang=1");
    step(&t, "{\"soTrang\": 3}", 50, 1, BASE_URL "&trang=2");
    step(&t, "{\"soTrang\": 3}", 50, 1, BASE_URL "&trang=3");
    step(&t, "{\"soTrang\": 3}", 7, 0, NULL);
    end(&t);

    /* An empty page before the total is reached fails the walk. */
    start(&t, kv, BASE_URL "&trang=1");
    step(&t, "{\"soTrang\": 3}", 50, 1, BASE_URL "&trang=2");
    step(&t, "{\"soTrang\": 3}", 0, -1,
         "page 2 is empty, but `soTrang` says 3 pages and 50 records arrived: the feed is "
         "inconsistent");
    end(&t);
}

static void test_page_empty_stop(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_first", "0"},
        {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL "&page=0");
    step(&t, "{\"items\": [1, 2]}", 2, 1, BASE_URL "&page=1");
    step(&t, "{\"items\": [3]}", 1, 1, BASE_URL "&page=2");
    step(&t, "{\"items\": []}", 0, 0, NULL);
    assert_int_equal(t.w.pages, 3);
    assert_int_equal(t.w.records, 3);
    end(&t);
}

static void test_page_total_errors(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_total", "total"},
        {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL "&page=1");
    step(&t, "{\"total\": 5}", 2, 1, BASE_URL "&page=2");
    step(&t, "{\"total\": 5}", 0, -1,
         "page 2 is empty, but `total` says 5 records and 2 records arrived: the feed is "
         "inconsistent");
    end(&t);

    static const struct {
        const char *page, *why;
    } bad[] = {
        {"{\"items\": []}", "`page_total` path `total`: no key `total`; keys there are: `items`"},
        {"{\"total\": \"5\"}", "`page_total` `total` is a string (\"5\"), expected a number; set "
                               "number_strings to parse it"},
        {"{\"total\": null}", "`page_total` `total` is null, not a number"},
        {"{\"total\": -1}", "`page_total` `total` is not a whole number from 0 to 10^15"},
        {"{\"total\": 2.5}", "`page_total` `total` is not a whole number from 0 to 10^15"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&t, kv, BASE_URL "&page=1");
        step(&t, bad[i].page, 2, -1, bad[i].why);
        end(&t);
    }
}

/* A total too large for a long long is refused like any other bad total
 * (converting it would be undefined behaviour: clang's UBSan aborts). */
static void test_page_total_huge(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_total", "total"},
        {NULL, NULL},
    };
    static const char *const pages[] = {"{\"total\": 1e300}", "{\"total\": 9.3e18}",
                                        "{\"total\": -1e300}"};
    struct walk t;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        start(&t, kv, BASE_URL "&page=1");
        step(&t, pages[i], 2, -1, "`page_total` `total` is not a whole number from 0 to 10^15");
        end(&t);
    }
}

static void test_max_pages(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "page"}, {"page_param", "p"}, {"max_pages", "3"},
        {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL "&p=1");
    step(&t, "{}", 1, 1, BASE_URL "&p=2");
    step(&t, "{}", 1, 1, BASE_URL "&p=3");
    step(&t, "{}", 1, -1,
         "the feed has more than 3 pages (max_pages); nothing of this walk is published");
    end(&t);

    /* Exactly max_pages pages is fine. */
    start(&t, kv, BASE_URL "&p=1");
    step(&t, "{}", 1, 1, BASE_URL "&p=2");
    step(&t, "{}", 1, 1, BASE_URL "&p=3");
    step(&t, "{}", 0, 0, NULL);
    end(&t);

    const struct kv one[] = {
        MAPPING_KEYS, {"pagination", "next_link"}, {"next_link", "next"}, {"max_pages", "1"},
        {NULL, NULL},
    };
    start(&t, one, BASE_URL);
    step(&t, "{\"next\": \"?page=2\"}", 5, -1,
         "the feed has more than 1 page (max_pages); nothing of this walk is published");
    end(&t);
}

/* ---- next link ---- */

static void test_next_link(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "next_link"}, {"next_link", "links.next"}, {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL);
    step(&t, "{\"links\": {\"next\": \"/api/items?unit=1&page=2\"}}", 10, 1,
         "http://feed.test/api/items?unit=1&page=2");
    step(&t, "{\"links\": {\"next\": \"?unit=1&page=3\"}}", 10, 1,
         "http://feed.test/api/items?unit=1&page=3");
    step(&t, "{\"links\": {\"next\": \"more/items?page=4\"}}", 10, 1,
         "http://feed.test/api/more/items?page=4");
    step(&t, "{\"links\": {\"next\": \"http://FEED.test:80/v2/items?page=5\"}}", 10, 1,
         "http://FEED.test:80/v2/items?page=5");
    step(&t, "{\"links\": {\"next\": null}}", 3, 0, NULL);
    assert_int_equal(t.w.pages, 5);
    assert_int_equal(t.w.records, 43);
    end(&t);

    /* Another origin (without allow_origins): refused, named without its
     * path and query. */
    start(&t, kv, BASE_URL);
    step(&t, "{\"links\": {\"next\": \"https://mirror.test:8443/v2/items?key=K\"}}", 10, -1,
         "`next_link` leads to https://mirror.test:8443, another origin than page 1's "
         "(http://feed.test:80): refused without fetching it (allow_origins may name more "
         "origins)");
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"links\": {\"next\": \"//cdn.test/p6\"}}", 10, -1,
         "`next_link` leads to http://cdn.test:80, another origin than page 1's "
         "(http://feed.test:80): refused without fetching it (allow_origins may name more "
         "origins)");
    end(&t);

    /* The last page: an empty link, or none at all. */
    start(&t, kv, BASE_URL);
    step(&t, "{\"links\": {\"next\": \"\"}}", 1, 0, NULL);
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"links\": {}}", 1, 0, NULL);
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"items\": []}", 0, 0, NULL);
    end(&t);
}

static void test_next_link_errors(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "next_link"}, {"next_link", "next"}, {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"?unit=1\"}", 1, -1,
         "`next_link` points back to the page itself (http://feed.test/api/items)");
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"" BASE_URL "\"}", 1, -1,
         "`next_link` points back to the page itself (http://feed.test/api/items)");
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"/api/items?page=2\"}", 1, 1, "http://feed.test/api/items?page=2");
    step(&t, "{\"next\": \"items?page=2\"}", 1, -1,
         "`next_link` points back to the page itself (http://feed.test/api/items)");
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": 2}", 1, -1, "`next_link` `next` is not text");
    end(&t);
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"ftp://feed.test/2\"}", 1, -1,
         "`next_link` \"ftp://feed.test/2\" is not an http(s) URL or a relative one");
    end(&t);
}

/* ---- cursor ---- */

static void test_cursor_has_more(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS,       {"pagination", "cursor"}, {"cursor_param", "cursor"},
        {"cursor", "next"}, {"has_more", "hasMore"},  {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"abc\", \"hasMore\": true}", 2, 1, BASE_URL "&cursor=abc");
    /* Cursors are percent-encoded; the base URL keeps its parameters. */
    step(&t, "{\"next\": \"d e/f\", \"hasMore\": true}", 2, 1, BASE_URL "&cursor=d%20e%2Ff");
    step(&t, "{\"next\": \"ghi\", \"hasMore\": false}", 1, 0, NULL);
    assert_int_equal(t.w.pages, 3);
    assert_int_equal(t.w.records, 5);
    end(&t);

    /* Integer cursors. */
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": 1000, \"hasMore\": true}", 2, 1, BASE_URL "&cursor=1000");
    step(&t, "{\"next\": 2000, \"hasMore\": true}", 2, 1, BASE_URL "&cursor=2000");
    step(&t, "{\"next\": null, \"hasMore\": false}", 0, 0, NULL);
    end(&t);
}

static void test_cursor_errors(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS,       {"pagination", "cursor"}, {"cursor_param", "cursor"},
        {"cursor", "next"}, {"has_more", "hasMore"},  {NULL, NULL},
    };
    struct walk t;
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": \"abc\", \"hasMore\": true}", 2, 1, BASE_URL "&cursor=abc");
    step(&t, "{\"next\": \"abc\", \"hasMore\": true}", 2, -1,
         "cursor `next` did not advance (\"abc\" again)");
    end(&t);

    static const struct {
        const char *page, *why;
    } bad[] = {
        {"{\"hasMore\": true}", "`has_more` is true but there is no cursor at `next`"},
        {"{\"next\": \"\", \"hasMore\": true}",
         "`has_more` is true but there is no cursor at `next`"},
        {"{\"next\": null, \"hasMore\": true}",
         "`has_more` is true but there is no cursor at `next`"},
        {"{\"next\": \"x\"}", "`has_more` `hasMore`: no key `hasMore`; keys there are: `next`"},
        {"{\"next\": \"x\", \"hasMore\": \"yes\"}", "`has_more` `hasMore` is not true or false"},
        {"{\"next\": \"x\", \"hasMore\": 1}", "`has_more` `hasMore` is not true or false"},
        {"{\"next\": 1.5, \"hasMore\": true}", "cursor `next` is neither text nor an integer"},
        {"{\"next\": {}, \"hasMore\": true}", "cursor `next` is neither text nor an integer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        start(&t, kv, BASE_URL);
        step(&t, bad[i].page, 1, -1, bad[i].why);
        end(&t);
    }

    /* An integer cursor that does not advance either. */
    start(&t, kv, BASE_URL);
    step(&t, "{\"next\": 7, \"hasMore\": true}", 1, 1, BASE_URL "&cursor=7");
    step(&t, "{\"next\": 7, \"hasMore\": true}", 1, -1,
         "cursor `next` did not advance (\"7\" again)");
    end(&t);
}

static void test_cursor_without_has_more(void **state)
{
    (void)state;
    const struct kv kv[] = {
        MAPPING_KEYS, {"pagination", "cursor"}, {"cursor_param", "after"},
        {"cursor", "meta.next"}, {NULL, NULL},
    };
    struct walk t;
    static const char *const last[] = {
        "{\"meta\": {\"next\": null}}",
        "{\"meta\": {\"next\": \"\"}}",
        "{\"meta\": {}}",
    };
    for (size_t i = 0; i < sizeof last / sizeof last[0]; i++) {
        start(&t, kv, BASE_URL);
        step(&t, "{\"meta\": {\"next\": \"p2\"}}", 3, 1, BASE_URL "&after=p2");
        step(&t, "{\"meta\": {\"next\": \"p3\"}}", 3, 1, BASE_URL "&after=p3");
        step(&t, last[i], 1, 0, NULL);
        assert_string_equal(t.w.cursor, "p3");
        end(&t);
    }
    start(&t, kv, BASE_URL);
    step(&t, "{\"meta\": {\"next\": \"p2\"}}", 3, 1, BASE_URL "&after=p2");
    step(&t, "{\"meta\": {\"next\": \"p2\"}}", 3, -1,
         "cursor `meta.next` did not advance (\"p2\" again)");
    end(&t);
}

/* ---- link resolution ---- */

static void resolves(const char *page, const char *link, const char *want)
{
    char *got = ioc_page_resolve(page, link);
    if (!want) {
        if (got)
            print_error("'%s' + '%s' gave %s\n", page, link, got);
        assert_null(got);
        return;
    }
    if (!got)
        print_error("'%s' + '%s' refused\n", page, link);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_resolve(void **state)
{
    (void)state;
    const char *page = "https://feed.test:8443/api/v1/items?page=1&size=5";
    resolves(page, "http://other.test/x?y=1", "http://other.test/x?y=1");
    resolves(page, "https://other.test", "https://other.test");
    resolves(page, "//cdn.test/x", "https://cdn.test/x");
    resolves(page, "/x?page=2", "https://feed.test:8443/x?page=2");
    resolves(page, "?page=2", "https://feed.test:8443/api/v1/items?page=2");
    resolves(page, "items?page=2", "https://feed.test:8443/api/v1/items?page=2");
    resolves(page, "more/items", "https://feed.test:8443/api/v1/more/items");
    /* A slash inside the query is not a directory. */
    resolves("http://h.test/a/b?c=/d/e", "f", "http://h.test/a/f");
    resolves("http://h.test/a/b?c=/d/e", "?g=1", "http://h.test/a/b?g=1");
    resolves("http://h.test/a/b#frag", "?g=1", "http://h.test/a/b?g=1");
    /* No path at all. */
    resolves("http://h.test", "x", "http://h.test/x");
    resolves("http://h.test?q=1", "x", "http://h.test/x");
    resolves("http://h.test?q=1", "/x", "http://h.test/x");
    resolves("http://h.test?q=1", "?q=2", "http://h.test?q=2");
    resolves("http://h.test/", "x", "http://h.test/x");
    /* Other schemes, and a page URL without one. */
    resolves(page, "ftp://feed.test/x", NULL);
    resolves(page, "file:///etc/passwd", NULL);
    resolves("feed.test/items", "x", NULL);
    resolves("feed.test/items", "https://feed.test/x", "https://feed.test/x");
}

/* A relative link has no scheme even when its query carries a URL (a
 * return address, a signed redirect): only a link that starts with a
 * scheme is judged by it. */
static void test_resolve_url_in_query(void **state)
{
    (void)state;
    const char *page = "https://feed.test/api/items?page=1";
    resolves(page, "?page=2&back=https://portal.test/x",
             "https://feed.test/api/items?page=2&back=https://portal.test/x");
    resolves(page, "/api/items?page=2&back=http://portal.test",
             "https://feed.test/api/items?page=2&back=http://portal.test");
    resolves(page, "items?next=ftp://x", "https://feed.test/api/items?next=ftp://x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_page_total_records),
        cmocka_unit_test(test_page_total_pages),
        cmocka_unit_test(test_page_empty_stop),
        cmocka_unit_test(test_page_total_errors),
        cmocka_unit_test(test_page_total_huge),
        cmocka_unit_test(test_max_pages),
        cmocka_unit_test(test_next_link),
        cmocka_unit_test(test_next_link_errors),
        cmocka_unit_test(test_cursor_has_more),
        cmocka_unit_test(test_cursor_errors),
        cmocka_unit_test(test_cursor_without_has_more),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_resolve_url_in_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
