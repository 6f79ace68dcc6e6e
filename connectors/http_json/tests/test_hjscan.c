/*
 * test_hjscan - unit tests of connectors/http_json/hjscan.c: the estimate
 * of a page's parsed size is never below what jansson really takes (counted
 * through json_set_alloc_funcs around json_loadb, on the shapes that cost the most per
 * byte), strings are skipped (braces inside them cost nothing), and the
 * scan stops once past its limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../hjscan.h"

/* `[item,item,...]` with n items, malloc'd. */
static char *repeated(const char *item, size_t n, size_t *len)
{
    size_t il = strlen(item);
    char *s = malloc(n * (il + 1) + 2), *p = s;
    assert_non_null(s);
    *p++ = '[';
    for (size_t i = 0; i < n; i++, *p++ = ',') {
        memcpy(p, item, il);
        p += il;
    }
    p[-1] = ']';
    *p = '\0';
    *len = (size_t)(p - s);
    return s;
}

/* jansson's allocations in this test go through these (set in main,
 * before any JSON value exists), which count the bytes held as glibc
 * would: the request plus an 8-byte header, rounded up to 16, at least 32.
 * Counting here rather than asking malloc keeps the test the same under
 * ASan, whose allocator reports nothing to mallinfo. */
static size_t held;
static size_t chunk(size_t n) { return n + 8 < 32 ? 32 : (n + 8 + 15) & ~(size_t)15; }
static void *counting_malloc(size_t n)
{
    size_t *p = malloc(sizeof(size_t) * 2 + n);
    if (!p)
        return NULL;
    *p = n;
    held += chunk(n);
    return p + 2;
}
static void counting_free(void *ptr)
{
    if (!ptr)
        return;
    size_t *p = (size_t *)ptr - 2;
    held -= chunk(*p);
    free(p);
}

/* Bytes jansson holds for the parsed body. */
static size_t parsed_bytes(const char *body, size_t len)
{
    size_t before = held;
    json_error_t e;
    json_t *doc = json_loadb(body, len, JSON_ALLOW_NUL, &e);
    assert_non_null(doc);
    size_t used = held - before;
    json_decref(doc);
    return used;
}

static void test_estimate_is_a_bound(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        "{}", "[]", "1", "\"abc\"", "{\"area\":\"31825\",\"n\":1}",
        "{\"a\":1,\"b\":2.5,\"c\":\"x\",\"d\":[1,2],\"e\":{\"f\":true}}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        size_t len;
        char *body = repeated(shapes[i], 20000, &len);
        size_t real = parsed_bytes(body, len), est = hjscan_parsed_size(body, len, (size_t)-1);
        print_message("%-50s real %8zu estimate %8zu (%.2f)\n", shapes[i], real, est,
                      (double)est / (double)real);
        assert_true(est >= real);
        assert_true(est <= 3 * real); /* a bound, but not a wild one */
        free(body);
    }
    /* true, false and null are shared singletons: only their slot costs,
     * and the estimate errs high, as it may. */
    size_t len;
    char *body = repeated("null", 20000, &len);
    assert_true(hjscan_parsed_size(body, len, (size_t)-1) >= parsed_bytes(body, len));
    free(body);
}

static void test_strings_skipped(void **state)
{
    (void)state;
    /* Braces, brackets, commas and escaped quotes inside strings are text. */
    const char *a = "[\"{[,]}\\\"{}\"]", *b = "[\"abcdefghi\"]";
    assert_int_equal(strlen(a), strlen(b));
    assert_int_equal(hjscan_parsed_size(a, strlen(a), (size_t)-1),
                     hjscan_parsed_size(b, strlen(b), (size_t)-1));
    /* An unterminated string ends the scan without reading past the end. */
    const char *c = "[\"abc\\";
    assert_true(hjscan_parsed_size(c, strlen(c), (size_t)-1) > 0);
}

static void test_stops_past_limit(void **state)
{
    (void)state;
    size_t len;
    char *body = repeated("{}", 100000, &len);
    size_t full = hjscan_parsed_size(body, len, (size_t)-1);
    size_t cut = hjscan_parsed_size(body, len, 1000);
    assert_true(cut > 1000);
    assert_true(cut < 2000); /* stopped right after passing the limit */
    assert_true(full > 100000 * 200);
    free(body);
}

int main(void)
{
    json_set_alloc_funcs(counting_malloc, counting_free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_is_a_bound),
        cmocka_unit_test(test_strings_skipped),
        cmocka_unit_test(test_stops_past_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
