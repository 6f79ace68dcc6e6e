/*
 * test_jsonw - unit tests of daemon/jsonw.c, the hand-rolled JSON writer of
 * the metric record.
 *
 * Covers: empty and flat objects, nested objects and the commas between
 * members, string escaping (quotes, backslashes, \n \t \r, other control
 * characters as \u00XX, in values and in keys), UTF-8 passed through
 * byte for byte, numbers (0, -0 printed "0", integers without ".0" up to
 * 2^53, 97.5, -3.25, 0.1 and 0.1 + 0.2 reading back exactly, 1e300,
 * 2^53, random doubles round-tripping through strtod), jsonw_uint up to
 * UINT64_MAX, jsonw_take's length and reset. Every written text is also
 * parsed back with jansson, an independent parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonw.h"

/* Take the text, check the reported length, and return it (caller frees). */
static char *take(struct jsonw *w)
{
    size_t len = 12345;
    char *text = jsonw_take(w, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    /* The writer is reset and reusable. */
    assert_null(w->buf);
    assert_int_equal(w->len, 0);
    assert_false(w->oom);
    return text;
}

/* Parse with jansson; fails the test with jansson's message otherwise. */
static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (!j)
        fail_msg("jansson cannot parse %s: %s (col %d)", text, err.text, err.column);
    return j;
}

/* {"v":<number>} as text. */
static char *number_doc(double v)
{
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "v");
    jsonw_number(&w, v);
    jsonw_object_end(&w);
    return take(&w);
}

/* The text jsonw_number writes for v (between "{\"v\":" and "}"). */
static void assert_number_text(double v, const char *expect)
{
    char *doc = number_doc(v);
    char want[64];
    snprintf(want, sizeof want, "{\"v\":%s}", expect);
    assert_string_equal(doc, want);
    json_t *j = parse(doc);
    assert_true(json_is_number(json_object_get(j, "v")));
    assert_true(json_number_value(json_object_get(j, "v")) == v);
    json_decref(j);
    free(doc);
}

static void test_empty_object(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    char *text = take(&w);
    assert_string_equal(text, "{}");
    free(text);
}

static void test_flat_object(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "schema");
    jsonw_string(&w, "ioc.metric/1");
    jsonw_key(&w, "value");
    jsonw_number(&w, 1199);
    jsonw_key(&w, "seq");
    jsonw_uint(&w, 1842);
    jsonw_key(&w, "empty");
    jsonw_string(&w, "");
    jsonw_object_end(&w);
    char *text = take(&w);
    assert_string_equal(text, "{\"schema\":\"ioc.metric/1\",\"value\":1199,\"seq\":1842,\"empty\":\"\"}");
    json_t *j = parse(text);
    assert_int_equal(json_object_size(j), 4);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "ioc.metric/1");
    assert_true(json_is_integer(json_object_get(j, "value")));
    assert_int_equal(json_integer_value(json_object_get(j, "value")), 1199);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1842);
    assert_string_equal(json_string_value(json_object_get(j, "empty")), "");
    json_decref(j);
    free(text);
}

static void test_nested_objects(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "a");
    jsonw_object_begin(&w);
    jsonw_key(&w, "b");
    jsonw_object_begin(&w);
    jsonw_key(&w, "c");
    jsonw_string(&w, "d");
    jsonw_object_end(&w);
    jsonw_key(&w, "e");
    jsonw_number(&w, 1);
    jsonw_object_end(&w);
    jsonw_key(&w, "empty");
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    jsonw_key(&w, "f");
    jsonw_object_begin(&w);
    jsonw_key(&w, "g");
    jsonw_string(&w, "h");
    jsonw_key(&w, "i");
    jsonw_string(&w, "j");
    jsonw_object_end(&w);
    jsonw_key(&w, "k");
    jsonw_uint(&w, 2);
    jsonw_object_end(&w);
    char *text = take(&w);
    assert_string_equal(text, "{\"a\":{\"b\":{\"c\":\"d\"},\"e\":1},\"empty\":{},"
                              "\"f\":{\"g\":\"h\",\"i\":\"j\"},\"k\":2}");
    json_t *j = parse(text);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(j, "a"), "b"), "c")),
        "d");
    assert_int_equal(json_object_size(json_object_get(j, "empty")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "k")), 2);
    json_decref(j);
    free(text);

    /* The writer is reusable after take. */
    jsonw_object_begin(&w);
    jsonw_key(&w, "x");
    jsonw_string(&w, "y");
    jsonw_object_end(&w);
    text = take(&w);
    assert_string_equal(text, "{\"x\":\"y\"}");
    free(text);
}

/* {"k":"<s>"} must read back as s. */
static char *string_doc(const char *key, const char *s)
{
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, key);
    jsonw_string(&w, s);
    jsonw_object_end(&w);
    return take(&w);
}

static void test_escaping(void **state)
{
    (void)state;
    const char *nasty = "say \"hi\"\\ back\nline2\ttab\rcr\x01\x1f\x08\x0c end";
    char *text = string_doc("k", nasty);
    assert_string_equal(text, "{\"k\":\"say \\\"hi\\\"\\\\ back\\nline2\\ttab\\rcr"
                              "\\u0001\\u001f\\u0008\\u000c end\"}");
    json_t *j = parse(text);
    assert_string_equal(json_string_value(json_object_get(j, "k")), nasty);
    json_decref(j);
    free(text);
    /* No raw control character is left in the text. */
    text = string_doc("k", "\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x1e");
    for (const char *p = text; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_string_equal(text, "{\"k\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                              "\\u000b\\u000e\\u000f\\u0010\\u001e\"}");
    free(text);
    /* Keys are escaped the same way. */
    text = string_doc("a\"b\\c\n\x01", "v");
    assert_string_equal(text, "{\"a\\\"b\\\\c\\n\\u0001\":\"v\"}");
    j = parse(text);
    assert_string_equal(json_string_value(json_object_get(j, "a\"b\\c\n\x01")), "v");
    json_decref(j);
    free(text);
    /* DEL and '/' need no escape. */
    text = string_doc("k", "a/b\x7f");
    assert_string_equal(text, "{\"k\":\"a/b\x7f\"}");
    free(text);
}

static void test_escape_only(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_escape(&w, "plain");
    jsonw_escape(&w, "\"q\"");
    jsonw_escape(&w, "");
    jsonw_escape(&w, "\\\x02");
    char *text = take(&w);
    assert_string_equal(text, "plain\\\"q\\\"\\\\\\u0002");
    free(text);
}

static void test_utf8_passthrough(void **state)
{
    (void)state;
    const char *name = "Phường An Xuyên, Đất Mũi, Cà Mau ✓ \xF0\x9F\x87\xBB\xF0\x9F\x87\xB3";
    char *text = string_doc("tên", name);
    char want[256];
    snprintf(want, sizeof want, "{\"tên\":\"%s\"}", name);
    assert_string_equal(text, want); /* no \u escapes for non-ASCII */
    json_t *j = parse(text);
    assert_string_equal(json_string_value(json_object_get(j, "tên")), name);
    json_decref(j);
    free(text);
}

static void test_numbers_exact_text(void **state)
{
    (void)state;
    assert_number_text(0, "0");
    assert_number_text(-0.0, "0");
    assert_number_text(1199, "1199");
    assert_number_text(1, "1");
    assert_number_text(-5, "-5");
    assert_number_text(97.5, "97.5");
    assert_number_text(-3.25, "-3.25");
    assert_number_text(0.1, "0.1");
    assert_number_text(0.1 + 0.2, "0.30000000000000004");
    assert_number_text(1.0 / 3, "0.3333333333333333");
    assert_number_text(99.2, "99.2");
    assert_number_text(1e300, "1e+300");
    assert_number_text(-1e300, "-1e+300");
    assert_number_text(9007199254740991.0, "9007199254740991");   /* 2^53 - 1 */
    assert_number_text(-9007199254740991.0, "-9007199254740991");
    assert_number_text(9007199254740992.0, "9007199254740992");   /* 2^53 */
    assert_number_text(1e-7, "1e-07");
    assert_number_text(797573, "797573");
    /* Up to 4 decimals: the fast path, checked by reading back. */
    assert_number_text(0.0625, "0.0625");
    assert_number_text(-0.25, "-0.25");
    assert_number_text(0.3, "0.3");
    assert_number_text(100.05, "100.05");
    assert_number_text(12345.6789, "12345.6789");
    assert_number_text(0.00001, "1e-05");
    assert_number_text(4503599627370495.5, "4503599627370495.5");
    /* -0 also as a nested value and not "-0" anywhere. */
    char *doc = number_doc(-0.0);
    assert_null(strstr(doc, "-"));
    free(doc);
}

static void test_numbers_read_back(void **state)
{
    (void)state;
    /* 0.1 reads back to exactly the same double. */
    char *doc = number_doc(0.1);
    const char *num = strchr(doc, ':') + 1;
    assert_true(strtod(num, NULL) == 0.1);
    free(doc);
    /* Many doubles of all magnitudes round-trip exactly through strtod and
     * jansson, and integral ones below 2^53 carry no '.' or 'e'. */
    uint64_t x = 0x2545F4914F6CDD1DULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        if (i % 3 == 0) {
            memcpy(&v, &x, sizeof v);
            if (v != v || v - v != 0) /* NaN or inf: not a finite number */
                continue;
        } else if (i % 3 == 1) {
            v = (double)(int64_t)(x % 20000000000ULL) / 100.0 - 1e8;
        } else {
            v = (double)(int64_t)(x >> 11) * ((x & 1) ? 1 : -1);
        }
        doc = number_doc(v);
        num = strchr(doc, ':') + 1;
        char *end;
        assert_true(strtod(num, &end) == v);
        assert_string_equal(end, "}");
        if (v < 9007199254740992.0 && v > -9007199254740992.0 && v == (double)(int64_t)v)
            assert_null(strpbrk(num, ".eE"));
        json_t *j = parse(doc);
        assert_true(json_number_value(json_object_get(j, "v")) == v);
        json_decref(j);
        free(doc);
    }
}

static void test_uint(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "zero");
    jsonw_uint(&w, 0);
    jsonw_key(&w, "seq");
    jsonw_uint(&w, 100001);
    jsonw_key(&w, "max");
    jsonw_uint(&w, UINT64_MAX);
    jsonw_object_end(&w);
    char *text = take(&w);
    assert_string_equal(text, "{\"zero\":0,\"seq\":100001,\"max\":18446744073709551615}");
    assert_true(strtoull(strstr(text, "\"max\":") + 6, NULL, 10) == UINT64_MAX);
    free(text);
}

static void test_long_text_grows(void **state)
{
    (void)state;
    /* Far beyond the first 256-byte allocation. */
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        jsonw_key(&w, key);
        jsonw_string(&w, "Phường An Xuyên \"x\"");
    }
    jsonw_object_end(&w);
    char *text = take(&w);
    json_t *j = parse(text);
    assert_int_equal(json_object_size(j), 1000);
    assert_string_equal(json_string_value(json_object_get(j, "k999")), "Phường An Xuyên \"x\"");
    json_decref(j);
    free(text);
    /* jsonw_free of a half-written document releases it. */
    jsonw_object_begin(&w);
    jsonw_key(&w, "a");
    jsonw_free(&w);
    assert_null(w.buf);
    assert_int_equal(w.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_object),
        cmocka_unit_test(test_flat_object),
        cmocka_unit_test(test_nested_objects),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_escape_only),
        cmocka_unit_test(test_utf8_passthrough),
        cmocka_unit_test(test_numbers_exact_text),
        cmocka_unit_test(test_numbers_read_back),
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_long_text_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
