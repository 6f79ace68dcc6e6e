/*
 * test_diag - unit tests of daemon/diag.c, the list of configuration
 * errors and warnings.
 *
 * Covers: "FILE:LINE: message" and "FILE: message" (line 0); warnings
 * tagged "warning: " in their own list; control bytes and bytes that are
 * not UTF-8, in a value or a file name, stored as \xNN (issue 17: raw
 * binary reached the terminal through --check-config), valid UTF-8 and a
 * backslash unchanged; diag_contains/diag_warned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diag.h"

static void test_lines_and_warnings(void **state)
{
    (void)state;
    struct diag d = {0};
    diag_add(&d, "iocd.conf", 3, "'%s' = '%s': bad", "province", "9");
    diag_add(&d, "iocd.conf", 0, "cannot open: %s", "No such file or directory");
    diag_warn(&d, "a.conf", 7, "secret file %s: mode 0644", "t.txt");
    assert_int_equal(d.count, 2);
    assert_string_equal(d.lines[0], "iocd.conf:3: 'province' = '9': bad");
    assert_string_equal(d.lines[1], "iocd.conf: cannot open: No such file or directory");
    assert_int_equal(d.warning_count, 1);
    assert_string_equal(d.warnings[0], "a.conf:7: warning: secret file t.txt: mode 0644");
    assert_true(diag_contains(&d, "'9': bad"));
    assert_true(diag_warned(&d, "mode 0644"));
    assert_false(diag_contains(&d, "mode 0644"));
    diag_free(&d);
}

static void test_control_bytes_escaped(void **state)
{
    (void)state;
    struct diag d = {0};
    diag_add(&d, "io\ncd.conf", 2, "'province' = '%s': not a 2-digit province code",
             "9\x01\x1b[31m\xff C\xc3\xa0 Mau \\x41");
    assert_string_equal(d.lines[0], "io\\x0Acd.conf:2: 'province' = '9\\x01\\x1B[31m\\xFF "
                                    "C\xc3\xa0 Mau \\x41': not a 2-digit province code");
    diag_warn(&d, "a.conf", 1, "%s", "tab\there");
    assert_string_equal(d.warnings[0], "a.conf:1: warning: tab\\x09here");
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_warnings),
        cmocka_unit_test(test_control_bytes_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
