/*
 * test_jpath - unit tests of connectors/http_json/jpath.c: every syntax
 * form of jpath.h, its syntax errors (exact text and column) and the
 * reasons a walk through a document fails (exact text, with the keys that
 * do exist). Documents are written as JSON text so each case reads like a
 * feed page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../jpath.h"

static json_t *doc(const char *text)
{
    json_error_t e;
    json_t *d = json_loads(text, JSON_DECODE_ANY, &e);
    if (!d)
        print_error("bad test document: %s\n", e.text);
    assert_non_null(d);
    return d;
}

static struct jpath *parse_ok(const char *text)
{
    char err[256] = "untouched";
    struct jpath *p = jpath_parse(text, err, sizeof err);
    if (!p)
        print_error("unexpected refusal of '%s': %s\n", text, err);
    assert_non_null(p);
    assert_string_equal(jpath_text(p), text);
    return p;
}

static void parse_bad(const char *text, const char *want)
{
    char err[256] = "";
    assert_null(jpath_parse(text, err, sizeof err));
    assert_string_equal(err, want);
}

/* The value `path` reaches in `d`; it must exist. */
static json_t *get_ok(const char *path, json_t *d)
{
    struct jpath *p = parse_ok(path);
    char why[512] = "";
    json_t *v = jpath_get(p, d, why, sizeof why);
    if (!v)
        print_error("'%s': %s\n", path, why);
    assert_non_null(v);
    jpath_free(p);
    return v;
}

static void get_int(const char *path, json_t *d, json_int_t want)
{
    json_t *v = get_ok(path, d);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), want);
}

/* jpath_get must fail with exactly `want`. */
static void get_bad(const char *path, json_t *d, const char *want)
{
    struct jpath *p = parse_ok(path);
    char why[512] = "";
    assert_null(jpath_get(p, d, why, sizeof why));
    assert_string_equal(why, want);
    jpath_free(p);
}

/* What a walk saw: integers in visiting order (other values as -1). */
struct seen {
    json_int_t v[32];
    size_t n;
    size_t stop_after; /* return 7 after this many visits; 0 = never */
};

static int collect(json_t *node, void *user)
{
    struct seen *s = user;
    assert_true(s->n < sizeof s->v / sizeof s->v[0]);
    s->v[s->n++] = json_is_integer(node) ? json_integer_value(node) : -1;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static int each(const char *path, json_t *d, struct seen *s, char *why, size_t whylen)
{
    struct jpath *p = parse_ok(path);
    int rc = jpath_each(p, d, collect, s, why, whylen);
    jpath_free(p);
    return rc;
}

/* jpath_each must complete and visit exactly `want` (n values). */
static void each_ok(const char *path, json_t *d, const json_int_t *want, size_t n)
{
    struct seen s = {.n = 0};
    char why[512] = "";
    int rc = each(path, d, &s, why, sizeof why);
    if (rc != 0)
        print_error("'%s': %s\n", path, why);
    assert_int_equal(rc, 0);
    assert_int_equal(s.n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s.v[i], want[i]);
}

/* jpath_each must fail with `want` after `visits` visits. */
static void each_bad(const char *path, json_t *d, size_t visits, const char *want)
{
    struct seen s = {.n = 0};
    char why[512] = "";
    assert_int_equal(each(path, d, &s, why, sizeof why), -1);
    assert_string_equal(why, want);
    assert_int_equal(s.n, visits);
}

static const char FEED[] =
    "{\"maXa\": \"32002\", \"chiTieu\": {\"tyLe\": 12.5},"
    " \"btsTheoCongNghe\": {\"4G\": 10, \"5G\": 2},"
    " \"ma.xa\": {\"a/b\": 1}, \"q\\\"k\": 2, \"b\\\\s\": 3, \"\": 5, \"$id\": 7, \"a b\": 8,"
    " \"items\": [{\"v\": 1}, {\"v\": 2}],"
    " \"one\": [9], \"none\": [], \"n\": null, \"t\": true,"
    " \"data\": [{\"cells\": [1, 2]}, {\"cells\": []}, {\"cells\": [3]}],"
    " \"thoiGianCapNhat\": \"2025-08-01T00:05:00+07:00\"}";

static void test_keys(void **state)
{
    (void)state;
    json_t *d = doc(FEED);
    assert_string_equal(json_string_value(get_ok("maXa", d)), "32002");
    assert_true(json_real_value(get_ok("chiTieu.tyLe", d)) == 12.5);
    get_int("btsTheoCongNghe.4G", d, 10);
    get_int("btsTheoCongNghe.5G", d, 2);
    get_int("\"ma.xa\".\"a/b\"", d, 1);
    get_int("\"ma.xa\".a/b", d, 1); /* '/' needs no quotes */
    get_int("\"q\\\"k\"", d, 2);    /* "q\"k" */
    get_int("\"b\\\\s\"", d, 3);    /* "b\\s" */
    get_int("\"\"", d, 5);          /* the empty key */
    get_int("\"$id\"", d, 7);
    get_int("\"a b\"", d, 8);
    json_decref(d);
}

static void test_indexes_and_root(void **state)
{
    (void)state;
    json_t *d = doc(FEED);
    get_int("items[0].v", d, 1);
    get_int("items[1].v", d, 2);
    get_int("data[2].cells[0]", d, 3);
    get_int("one[0]", d, 9);
    get_int("one[000]", d, 9);
    /* A leading dot is the current value: ".maXa" is "maXa". */
    assert_string_equal(json_string_value(get_ok(".maXa", d)), "32002");
    assert_ptr_equal(get_ok(".", d), d);
    assert_ptr_equal(get_ok("$", d), d);
    assert_ptr_equal(get_ok("$.", d), d);
    get_int("$.items[1].v", d, 2);
    get_int("$.\"ma.xa\".\"a/b\"", d, 1);

    struct jpath *p = parse_ok("$.thoiGianCapNhat");
    assert_true(jpath_from_root(p));
    assert_false(jpath_has_each(p));
    jpath_free(p);
    p = parse_ok("data[].cells[]");
    assert_false(jpath_from_root(p));
    assert_true(jpath_has_each(p));
    jpath_free(p);
    p = parse_ok(".");
    assert_false(jpath_from_root(p));
    assert_false(jpath_has_each(p));
    jpath_free(p);
    p = parse_ok("$");
    assert_true(jpath_from_root(p));
    jpath_free(p);

    /* An array document: indexes straight after the start. */
    json_t *a = doc("[[10, 11], [12]]");
    get_int("[1][0]", a, 12);
    get_int("$[0][1]", a, 11);
    get_int(".[0][0]", a, 10);
    json_decref(a);
    json_decref(d);
}

static void test_each_in_document_order(void **state)
{
    (void)state;
    json_t *d = doc(FEED);
    each_ok("data[].cells[]", d, (json_int_t[]){1, 2, 3}, 3);
    each_ok("items[].v", d, (json_int_t[]){1, 2}, 2);
    each_ok("$.data[0].cells[]", d, (json_int_t[]){1, 2}, 2);
    /* Without `[]` the one value reached is visited once. */
    each_ok("items[1].v", d, (json_int_t[]){2}, 1);
    each_ok("n", d, (json_int_t[]){-1}, 1); /* a null is visited, not skipped */
    /* Empty arrays are no error: nothing is visited. */
    each_ok("none[]", d, NULL, 0);
    each_ok("data[1].cells[]", d, NULL, 0);
    each_ok("none[].x.y[3]", d, NULL, 0); /* steps after an empty `[]` never run */

    json_t *a = doc("[{\"v\": 4}, {\"v\": 5}, {\"v\": 6}]");
    each_ok("[]", a, (json_int_t[]){-1, -1, -1}, 3);
    each_ok("$[].v", a, (json_int_t[]){4, 5, 6}, 3);
    each_ok("[].v", a, (json_int_t[]){4, 5, 6}, 3);
    json_decref(a);
    json_decref(d);
}

static void test_each_stops_on_visit(void **state)
{
    (void)state;
    json_t *d = doc(FEED);
    struct seen s = {.stop_after = 2};
    char why[64] = "untouched";
    assert_int_equal(each("data[].cells[]", d, &s, why, sizeof why), 7);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0], 1);
    assert_int_equal(s.v[1], 2);
    assert_string_equal(why, ""); /* no step failed */

    /* Stopping on the last value still returns the visitor's value. */
    s = (struct seen){.stop_after = 3};
    assert_int_equal(each("data[].cells[]", d, &s, why, sizeof why), 7);
    assert_int_equal(s.n, 3);
    json_decref(d);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    parse_bad("", "empty path (write `.` for the current value)");
    parse_bad(NULL, "empty path (write `.` for the current value)");
    parse_bad("items[", "expected an index or `]` after `[` at column 7, found the end");
    parse_bad("items[x]", "expected an index or `]` after `[` at column 7, found `x`");
    parse_bad("items[-1]", "expected an index or `]` after `[` at column 7, found `-`");
    parse_bad("items[ ]", "expected an index or `]` after `[` at column 7, found a space");
    parse_bad("items[\x01]", "expected an index or `]` after `[` at column 7, found byte 0x01");
    parse_bad("items[1", "expected `]` after the index at column 8, found the end");
    parse_bad("items[1x]", "expected `]` after the index at column 8, found `x`");
    parse_bad("items[1234567890]", "index at column 7 has more than 9 digits");
    parse_bad("items.\"ma.xa", "unterminated quoted key at column 7");
    parse_bad("\"a\\", "unterminated quoted key at column 1");
    parse_bad("\"a\\n\"", "unknown escape at column 3 (only \\\" and \\\\)");
    parse_bad("a..b", "empty key at column 3");
    parse_bad("a.", "empty key at column 3");
    parse_bad("..", "empty key at column 2");
    parse_bad("$..a", "empty key at column 3");
    parse_bad("a.[0]", "empty key at column 3");
    parse_bad("a b", "space at column 2 (quote a key that holds spaces)");
    parse_bad("a. b", "space at column 3 (quote a key that holds spaces)");
    parse_bad(" a", "space at column 1 (quote a key that holds spaces)");
    parse_bad("]", "unexpected `]` at column 1");
    parse_bad("a.]", "unexpected `]` at column 3");
    parse_bad("a]", "expected `.` or `[` at column 2, found `]`");
    parse_bad("a\"b\"", "expected `.` or `[` at column 2, found `\"`");
    parse_bad("\"a\"b", "expected `.` or `[` at column 4, found `b`");
    parse_bad("items[0]x", "expected `.` or `[` at column 9, found `x`");
    parse_bad("$x", "`$` must be followed by `.` or `[` at column 2 "
                    "(quote a key that starts with `$`)");
    parse_bad("$$", "`$` must be followed by `.` or `[` at column 2 "
                    "(quote a key that starts with `$`)");

    /* A NULL or empty err buffer is allowed. */
    assert_null(jpath_parse("a..b", NULL, 0));
    char one[1] = {'x'};
    assert_null(jpath_parse("a..b", one, sizeof one));
    assert_int_equal(one[0], '\0');
}

/* At most 32 steps: "k.k.k..." with 32 keys parses, 33 do not. */
static void test_step_limit(void **state)
{
    (void)state;
    char text[128] = "k";
    for (int i = 1; i < 32; i++)
        strcat(text, ".k");
    struct jpath *p = parse_ok(text);
    jpath_free(p);
    strcat(text, ".k"); /* the 33rd key's dot is at column 64 */
    parse_bad(text, "more than 32 steps (step 33 starts at column 64)");

    char each_text[128] = "";
    for (int i = 0; i < 32; i++)
        strcat(each_text, "[]");
    p = parse_ok(each_text);
    jpath_free(p);
    char longer[132];
    snprintf(longer, sizeof longer, "%s[0]", each_text);
    parse_bad(longer, "more than 32 steps (step 33 starts at column 65)");

    /* A 32-deep document is walked to the bottom. */
    char deep[256] = "";
    for (int i = 0; i < 32; i++)
        strcat(deep, "[");
    strcat(deep, "42");
    for (int i = 0; i < 32; i++)
        strcat(deep, "]");
    json_t *d = doc(deep);
    each_ok(each_text, d, (json_int_t[]){42}, 1);
    json_decref(d);
}

static void test_missing_keys(void **state)
{
    (void)state;
    json_t *d = doc("{\"data\": {\"duLieu\": [], \"tongSo\": 3}, \"e\": {}}");
    each_bad("data.items[]", d, 0,
             "no key `items` under `data`; keys there are: `data.duLieu`, `data.tongSo`");
    each_bad("$.data.items[]", d, 0,
             "no key `items` under `$.data`; keys there are: `$.data.duLieu`, `$.data.tongSo`");
    get_bad("x", d, "no key `x`; keys there are: `data`, `e`");
    get_bad("$.x", d, "no key `x` under `$`; keys there are: `$.data`, `$.e`");
    get_bad("e.x", d, "no key `x` under `e`; the object there is empty");
    get_bad("\"x.y\"", d, "no key `\"x.y\"`; keys there are: `data`, `e`");
    json_decref(d);

    /* At most 8 keys are named. */
    d = doc("{\"o\": {\"k0\":0, \"k1\":1, \"k2\":2, \"k3\":3, \"k4\":4, \"k5\":5, \"k6\":6,"
            " \"k7\":7, \"k8\":8, \"k9\":9}}");
    get_bad("o.k", d,
            "no key `k` under `o`; keys there are: `o.k0`, `o.k1`, `o.k2`, `o.k3`, `o.k4`, "
            "`o.k5`, `o.k6`, `o.k7` and 2 more");
    json_decref(d);

    /* Document keys are written as a path would write them: quoted when
     * they must be, cut after 40 bytes, control bytes as '?'. */
    d = doc("{\"ma.xa\": 1, \"a b\": 2, \"$id\": 3, \"c\\nd\": 4,"
            " \"0123456789012345678901234567890123456789xyz\": 5, \"o\": {\"$id\": 6}}");
    get_bad("zz", d,
            "no key `zz`; keys there are: `\"ma.xa\"`, `\"a b\"`, `\"$id\"`, `\"c?d\"`, "
            "`0123456789012345678901234567890123456789...`, `o`");
    get_bad("o.zz", d, "no key `zz` under `o`; keys there are: `o.$id`");
    get_bad("$.zz", d,
            "no key `zz` under `$`; keys there are: `$.\"ma.xa\"`, `$.\"a b\"`, `$.$id`, "
            "`$.\"c?d\"`, `$.0123456789012345678901234567890123456789...`, `$.o`");
    json_decref(d);

    /* A multi-byte character is never cut in half. */
    d = doc("{\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
            "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\": 1}");
    get_bad("x", d,
            "no key `x`; keys there are: "
            "`\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
            "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...`");
    json_decref(d);

    /* Under `[]` the message names the element that lacks the key; the
     * elements before it were already visited. */
    d = doc("{\"data\": [{\"cells\": 1}, {\"x\": 2, \"y\": 3}]}");
    each_bad("data[].cells", d, 1, "no key `cells` under `data[1]`; keys there are: "
                                   "`data[1].x`, `data[1].y`");
    json_decref(d);
}

static void test_wrong_types(void **state)
{
    (void)state;
    json_t *d = doc(FEED);
    get_bad("maXa.x", d, "`maXa` is a string, not an object");
    get_bad("chiTieu.tyLe.x", d, "`chiTieu.tyLe` is a number, not an object");
    get_bad("n.x", d, "`n` is null, not an object");
    get_bad("t[0]", d, "`t` is a boolean, not an array");
    get_bad("items.v", d, "`items` is an array, not an object (step into it with `[]` or `[0]`)");
    get_bad("chiTieu[0]", d, "`chiTieu` is an object, not an array");
    get_bad("\"ma.xa\".\"a/b\".c", d, "`\"ma.xa\".a/b` is a number, not an object");
    get_bad("[0]", d, "`.` is an object, not an array");
    get_bad("$[0]", d, "`$` is an object, not an array");
    each_bad("chiTieu[]", d, 0, "`chiTieu` is an object, not an array");
    each_bad("[]", d, 0, "`.` is an object, not an array");
    each_bad("$[]", d, 0, "`$` is an object, not an array");
    each_bad("data[].cells.x", d, 0, "`data[0].cells` is an array, not an object "
                                     "(step into it with `[]` or `[0]`)");
    each_bad("data[].cells[1]", d, 1, "index 1 is past the end of `data[1].cells` (0 elements)");
    get_bad("items[5]", d, "index 5 is past the end of `items` (2 elements)");
    get_bad("one[1]", d, "index 1 is past the end of `one` (1 element)");
    get_bad("none[0]", d, "index 0 is past the end of `none` (0 elements)");
    get_bad("data[]", d, "the path has `[]` steps, so it names a list, not one value");

    /* A null at the end is a value: the caller decides what it means. */
    assert_true(json_is_null(get_ok("n", d)));

    /* No document at all. */
    struct jpath *p = parse_ok("a");
    char why[128];
    assert_null(jpath_get(p, NULL, why, sizeof why));
    assert_string_equal(why, "there is no document to follow the path in");
    struct seen s = {.n = 0};
    assert_int_equal(jpath_each(p, NULL, collect, &s, why, sizeof why), -1);
    assert_int_equal(s.n, 0);
    /* A short why buffer is cut, never overrun. */
    char small[8];
    assert_null(jpath_get(p, d, small, sizeof small));
    assert_string_equal(small, "no key ");
    jpath_free(p);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_indexes_and_root),
        cmocka_unit_test(test_each_in_document_order),
        cmocka_unit_test(test_each_stops_on_visit),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_step_limit),
        cmocka_unit_test(test_missing_keys),
        cmocka_unit_test(test_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
