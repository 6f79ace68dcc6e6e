/*
 * test_hjnum - unit tests of connectors/http_json/hjnum.c: both notations
 * of numeric strings, their grouping rules and limits, and JSON values of
 * every type. Values are compared exactly (==): each expected literal is
 * the double the compiler makes of the same decimal text, which a correct
 * parser must reproduce bit for bit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../hjnum.h"

#define POINT HJNUM_POINT_DECIMAL
#define COMMA HJNUM_COMMA_DECIMAL

static void num_ok(const char *text, enum hjnum_strings mode, double want)
{
    double got = -12345;
    char why[256] = "";
    int rc = hjnum_text(text, mode, &got, why, sizeof why);
    if (rc != 0)
        print_error("unexpected refusal of '%s': %s\n", text, why);
    assert_int_equal(rc, 0);
    if (got != want)
        print_error("'%s': got %.17g, want %.17g\n", text, got, want);
    assert_true(got == want);
}

static void num_bad(const char *text, enum hjnum_strings mode, const char *want)
{
    double got = -12345;
    char why[256] = "";
    assert_int_equal(hjnum_text(text, mode, &got, why, sizeof why), -1);
    assert_string_equal(why, want);
    assert_true(got == -12345); /* untouched */
}

static void value_ok(json_t *v, enum hjnum_strings mode, double want)
{
    double got = -12345;
    char why[256] = "";
    int rc = hjnum_value(v, mode, &got, why, sizeof why);
    if (rc != 0)
        print_error("unexpected refusal: %s\n", why);
    assert_int_equal(rc, 0);
    if (got != want)
        print_error("got %.17g, want %.17g\n", got, want);
    assert_true(got == want);
    json_decref(v);
}

static void value_bad(json_t *v, enum hjnum_strings mode, const char *want)
{
    double got = -12345;
    char why[256] = "";
    assert_int_equal(hjnum_value(v, mode, &got, why, sizeof why), -1);
    assert_string_equal(why, want);
    assert_true(got == -12345);
    json_decref(v);
}

static void test_mode_parse(void **state)
{
    (void)state;
    enum hjnum_strings m = HJNUM_COMMA_DECIMAL;
    assert_int_equal(hjnum_mode_parse("reject", &m), 0);
    assert_int_equal(m, HJNUM_REJECT);
    assert_int_equal(hjnum_mode_parse("point_decimal", &m), 0);
    assert_int_equal(m, HJNUM_POINT_DECIMAL);
    assert_int_equal(hjnum_mode_parse("comma_decimal", &m), 0);
    assert_int_equal(m, HJNUM_COMMA_DECIMAL);
    assert_int_equal(hjnum_mode_parse("Reject", &m), -1);
    assert_int_equal(hjnum_mode_parse("point", &m), -1);
    assert_int_equal(hjnum_mode_parse("comma_decimal ", &m), -1);
    assert_int_equal(hjnum_mode_parse("", &m), -1);
    assert_int_equal(hjnum_mode_parse(NULL, &m), -1);
    assert_int_equal(m, HJNUM_COMMA_DECIMAL);
}

static void test_point_decimal(void **state)
{
    (void)state;
    num_ok("1234", POINT, 1234);
    num_ok("1234.5", POINT, 1234.5);
    num_ok("1,234", POINT, 1234);
    num_ok("1,234,567.25", POINT, 1234567.25);
    num_ok("1,234,567,890", POINT, 1234567890);
    num_ok("12,345", POINT, 12345);
    num_ok("123,456", POINT, 123456);
    num_ok("1.234", POINT, 1.234);
    num_ok("12.5", POINT, 12.5);
    num_ok("0.1", POINT, 0.1);
    num_ok("0.000001", POINT, 0.000001);
    num_ok("99.99", POINT, 99.99);
    num_ok("0", POINT, 0);
    num_ok("007", POINT, 7);
    num_ok("1,234.50", POINT, 1234.5);
}

static void test_comma_decimal(void **state)
{
    (void)state;
    num_ok("1234", COMMA, 1234);
    num_ok("1234,5", COMMA, 1234.5);
    num_ok("1.234", COMMA, 1234);
    num_ok("1.234.567,25", COMMA, 1234567.25);
    num_ok("1.234.567.890", COMMA, 1234567890);
    num_ok("1,234", COMMA, 1.234);
    num_ok("-3,5", COMMA, -3.5);
    num_ok("0,1", COMMA, 0.1);
    num_ok("98,76", COMMA, 98.76);
    num_ok(" 1.000 ", COMMA, 1000);
}

static void test_signs_and_spaces(void **state)
{
    (void)state;
    num_ok("-3.5", POINT, -3.5);
    num_ok("+3.5", POINT, 3.5);
    num_ok("-1,234", POINT, -1234);
    num_ok("  42  ", POINT, 42);
    num_ok("\t7\t", POINT, 7);
    num_ok(" -8 ", COMMA, -8);
    double z = 1;
    char why[128];
    assert_int_equal(hjnum_text("-0", POINT, &z, why, sizeof why), 0);
    assert_true(z == 0 && !signbit(z)); /* never -0 */
    assert_int_equal(hjnum_text("-0,000", COMMA, &z, why, sizeof why), 0);
    assert_true(z == 0 && !signbit(z));

    num_bad("- 5", POINT, "is a string (\"- 5\"), not a number in point_decimal notation "
                          "(unexpected space at byte 2)");
    num_bad("--5", POINT, "is a string (\"--5\"), not a number in point_decimal notation "
                          "(unexpected \"-\" at byte 2)");
    num_bad("+-5", POINT, "is a string (\"+-5\"), not a number in point_decimal notation "
                          "(unexpected \"-\" at byte 2)");
    num_bad("5-", POINT, "is a string (\"5-\"), not a number in point_decimal notation "
                         "(unexpected \"-\" at byte 2)");
    num_bad("1 234", POINT, "is a string (\"1 234\"), not a number in point_decimal notation "
                            "(unexpected space at byte 2)");
    num_bad("-", POINT, "is a string (\"-\"), not a number in point_decimal notation "
                        "(no digits)");
    num_bad("", POINT, "is a string (\"\"), not a number in point_decimal notation (no digits)");
    num_bad("   ", COMMA, "is a string (\"   \"), not a number in comma_decimal notation "
                          "(no digits)");
}

static void test_grouping_errors(void **state)
{
    (void)state;
    num_bad("1,23", POINT, "is a string (\"1,23\"), not a number in point_decimal notation "
                           "(\",\" must split digits into groups of 3)");
    num_bad("12,3456", POINT, "is a string (\"12,3456\"), not a number in point_decimal "
                              "notation (\",\" must split digits into groups of 3)");
    num_bad("1234,567", POINT, "is a string (\"1234,567\"), not a number in point_decimal "
                               "notation (\",\" must split digits into groups of 3)");
    num_bad("1,234,56", POINT, "is a string (\"1,234,56\"), not a number in point_decimal "
                               "notation (\",\" must split digits into groups of 3)");
    num_bad("1,,234", POINT, "is a string (\"1,,234\"), not a number in point_decimal "
                             "notation (\",\" must split digits into groups of 3)");
    num_bad("1,", POINT, "is a string (\"1,\"), not a number in point_decimal notation "
                         "(\",\" must split digits into groups of 3)");
    num_bad(",123", POINT, "is a string (\",123\"), not a number in point_decimal notation "
                           "(unexpected \",\" at byte 1)");
    num_bad("0,500", POINT, "is a string (\"0,500\"), not a number in point_decimal notation "
                            "(a grouped number cannot start with 0)");
    num_bad("1.23", COMMA, "is a string (\"1.23\"), not a number in comma_decimal notation "
                           "(\".\" must split digits into groups of 3)");
    num_bad("0.500", COMMA, "is a string (\"0.500\"), not a number in comma_decimal notation "
                            "(a grouped number cannot start with 0)");
    num_bad("1.234.5678", COMMA, "is a string (\"1.234.5678\"), not a number in comma_decimal "
                                 "notation (\".\" must split digits into groups of 3)");
    /* The other notation's text is refused, never reinterpreted. */
    num_bad("1.234,5", POINT, "is a string (\"1.234,5\"), not a number in point_decimal "
                              "notation (unexpected \",\" at byte 6)");
    num_bad("1,234.5", COMMA, "is a string (\"1,234.5\"), not a number in comma_decimal "
                              "notation (unexpected \".\" at byte 6)");
    num_bad("1.2.3", POINT, "is a string (\"1.2.3\"), not a number in point_decimal notation "
                            "(unexpected \".\" at byte 4)");
    num_bad("1,5,6", COMMA, "is a string (\"1,5,6\"), not a number in comma_decimal notation "
                            "(unexpected \",\" at byte 4)");
    /* Grouping is not allowed after the decimal mark. */
    num_bad("1.234,567", POINT, "is a string (\"1.234,567\"), not a number in point_decimal "
                                "notation (unexpected \",\" at byte 6)");
}

static void test_fraction_errors(void **state)
{
    (void)state;
    num_bad("1.", POINT, "is a string (\"1.\"), not a number in point_decimal notation "
                         "(no digits after \".\")");
    num_bad("1,", COMMA, "is a string (\"1,\"), not a number in comma_decimal notation "
                         "(no digits after \",\")");
    num_bad(".5", POINT, "is a string (\".5\"), not a number in point_decimal notation "
                         "(no digits before \".\")");
    num_bad("-,5", COMMA, "is a string (\"-,5\"), not a number in comma_decimal notation "
                          "(no digits before \",\")");
}

static void test_not_numbers(void **state)
{
    (void)state;
    num_bad("1e5", POINT, "is a string (\"1e5\"), not a number in point_decimal notation "
                          "(unexpected \"e\" at byte 2)");
    num_bad("NaN", POINT, "is a string (\"NaN\"), not a number in point_decimal notation "
                          "(unexpected \"N\" at byte 1)");
    num_bad("-Infinity", COMMA, "is a string (\"-Infinity\"), not a number in comma_decimal "
                                "notation (unexpected \"I\" at byte 2)");
    num_bad("0x10", POINT, "is a string (\"0x10\"), not a number in point_decimal notation "
                           "(unexpected \"x\" at byte 2)");
    num_bad("$5", POINT, "is a string (\"$5\"), not a number in point_decimal notation "
                         "(unexpected \"$\" at byte 1)");
    num_bad("1.000\xe2\x82\xab", COMMA, "is a string (\"1.000\xe2\x82\xab\"), not a number in "
                                        "comma_decimal notation (unexpected \"\xe2\x82\xab\" "
                                        "at byte 6)");
    num_bad("5\x01", POINT, "is a string (\"5?\"), not a number in point_decimal notation "
                            "(unexpected byte 0x01 at byte 2)");
    num_bad("5\xff", POINT, "is a string (\"5?\"), not a number in point_decimal notation "
                            "(unexpected byte 0xFF at byte 2)");
    num_bad("\"5\"", POINT, "is a string (\"\\\"5\\\"\"), not a number in point_decimal "
                            "notation (unexpected '\"' at byte 1)");
    /* Long text is cut after 40 bytes in the message. */
    num_bad("1234567890123456789012345678901234567890x1234567890", POINT,
            "is a string (\"1234567890123456789012345678901234567890...\"), not a number in "
            "point_decimal notation (more than 18 digits)");
    num_bad("12345678901234567890123456789012345678x", POINT,
            "is a string (\"12345678901234567890123456789012345678x\"), not a number in "
            "point_decimal notation (more than 18 digits)");
}

static void test_big_and_small(void **state)
{
    (void)state;
    num_ok("1.234.567.890", COMMA, 1234567890);
    num_ok("999,999,999,999,999,999", POINT, 999999999999999999.0);
    num_ok("123456789012345678", POINT, 123456789012345678.0);
    num_ok("9007199254740993", POINT, 9007199254740993.0); /* 2^53 + 1 rounds like C does */
    num_ok("0000000000000000000000001", POINT, 1);          /* leading zeros are free */
    num_ok("0.000000000000000001", POINT, 1e-18);
    num_ok("123456789.123456789", POINT, 123456789.123456789);
    num_bad("1,000,000,000,000,000,000", POINT,
            "is a string (\"1,000,000,000,000,000,000\"), not a number in point_decimal "
            "notation (more than 18 digits)");
    num_bad("0.0000000000000000001", POINT,
            "is a string (\"0.0000000000000000001\"), not a number in point_decimal "
            "notation (more than 18 digits)");
}

static void test_reject_mode(void **state)
{
    (void)state;
    num_bad("12", HJNUM_REJECT,
            "is a string (\"12\"), expected a number; set number_strings to parse it");
    value_bad(json_string("1.234"), HJNUM_REJECT,
              "is a string (\"1.234\"), expected a number; set number_strings to parse it");
    value_ok(json_integer(42), HJNUM_REJECT, 42);
    value_ok(json_real(2.5), HJNUM_REJECT, 2.5);
}

static void test_json_values(void **state)
{
    (void)state;
    /* JSON numbers are numbers in every mode. */
    value_ok(json_integer(-7), POINT, -7);
    value_ok(json_integer(1234567890123LL), COMMA, 1234567890123.0);
    value_ok(json_real(0.1), COMMA, 0.1);
    json_t *a = json_loads("[1e3, -0.5, 9007199254740993]", 0, NULL);
    assert_non_null(a);
    value_ok(json_incref(json_array_get(a, 0)), POINT, 1000);
    value_ok(json_incref(json_array_get(a, 1)), POINT, -0.5);
    value_ok(json_incref(json_array_get(a, 2)), POINT, 9007199254740992.0);
    json_decref(a);

    value_ok(json_string("1.234"), POINT, 1.234);
    value_ok(json_string("1.234"), COMMA, 1234);
    value_ok(json_string(" 1,234 "), POINT, 1234);
    value_bad(json_string("1,23"), POINT, "is a string (\"1,23\"), not a number in "
                                          "point_decimal notation (\",\" must split digits "
                                          "into groups of 3)");
    value_bad(json_stringn("1\0x", 3), POINT, "is a string with a NUL byte, not a number");
    value_bad(json_true(), POINT, "is true, not a number");
    value_bad(json_false(), COMMA, "is false, not a number");
    value_bad(json_null(), POINT, "is null, not a number");
    value_bad(json_object(), POINT, "is an object, not a number");
    value_bad(json_array(), POINT, "is an array, not a number");
    value_bad(NULL, POINT, "is missing");
    num_bad(NULL, POINT, "is missing");

    /* A short why buffer is cut, never overrun. */
    char small[6];
    double d = 0;
    assert_int_equal(hjnum_value(json_null(), POINT, &d, small, sizeof small), -1);
    assert_string_equal(small, "is nu");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_parse),
        cmocka_unit_test(test_point_decimal),
        cmocka_unit_test(test_comma_decimal),
        cmocka_unit_test(test_signs_and_spaces),
        cmocka_unit_test(test_grouping_errors),
        cmocka_unit_test(test_fraction_errors),
        cmocka_unit_test(test_not_numbers),
        cmocka_unit_test(test_big_and_small),
        cmocka_unit_test(test_reject_mode),
        cmocka_unit_test(test_json_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
