/*
 * test_textsafe - unit tests of daemon/textsafe.c, the escaping every log
 * line, status topic text and STATUS= line goes through.
 *
 * Covers: Vietnamese UTF-8 unchanged; every C0 control byte, DEL and the
 * C1 controls shown as \xNN; a forged journal line ("\n<2>forged") and an
 * ESC colour sequence kept on one line; bytes that are not UTF-8 (a lone
 * continuation byte, a cut sequence, overlong forms, surrogates, 0xFF)
 * escaped byte by byte; a backslash kept; truncation at every buffer size
 * never splitting an escape or a character, and *cut saying so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "textsafe.h"
#include "utf8.h"

static const char *esc(const char *src)
{
    static char out[1024];
    bool cut = true;
    size_t n = text_escape(out, sizeof out, src, &cut);
    assert_false(cut);
    assert_int_equal(n, strlen(out));
    return out;
}

static void test_utf8_unchanged(void **state)
{
    (void)state;
    const char *texts[] = {
        "Phường 1, Cà Mau", "ĐỒNG THÁP: Đất Mũi", "Huyện Năm Căn – 10 ℃ 😀", "plain ascii ~!@#$%^&*()",
        "", "back\\slash \\x0A stays literal",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        assert_string_equal(esc(texts[i]), texts[i]);
}

static void test_each_control_byte(void **state)
{
    (void)state;
    for (int c = 1; c < 0x20; c++) {
        char in[4] = {'a', (char)c, 'b', 0}, want[16];
        snprintf(want, sizeof want, "a\\x%02Xb", c);
        assert_string_equal(esc(in), want);
    }
    assert_string_equal(esc("a\x7f" "b"), "a\\x7Fb");
    /* C1 controls in valid UTF-8: U+0085 (NEL) and U+009B (CSI). */
    assert_string_equal(esc("a\xc2\x85" "b\xc2\x9b" "c"), "a\\xC2\\x85b\\xC2\\x9Bc");
    /* U+00A0 is the first character after C1: shown. */
    assert_string_equal(esc("\xc2\xa0"), "\xc2\xa0");
}

static void test_forged_line_and_escape_sequence(void **state)
{
    (void)state;
    const char *out = esc("2026-13-01\n<2>forged entry\r\n\x1b[31mred\x1b[0m\t.");
    assert_string_equal(out, "2026-13-01\\x0A<2>forged entry\\x0D\\x0A\\x1B[31mred\\x1B[0m\\x09.");
    for (const char *p = out; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    assert_string_equal(esc("a\x80" "b"), "a\\x80b");            /* lone continuation */
    assert_string_equal(esc("C\xc3"), "C\\xC3");                  /* cut at the end */
    assert_string_equal(esc("C\xc3" "a"), "C\\xC3a");             /* cut in the middle */
    assert_string_equal(esc("\xc0\xaf"), "\\xC0\\xAF");            /* overlong '/' */
    assert_string_equal(esc("\xe0\x80\x8a"), "\\xE0\\x80\\x8A");  /* overlong '\n' */
    assert_string_equal(esc("\xed\xa0\x80"), "\\xED\\xA0\\x80");  /* a surrogate */
    assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80"); /* > U+10FFFF */
    assert_string_equal(esc("\xff\xfe"), "\\xFF\\xFE");
    /* Valid text around an invalid byte is kept whole. */
    assert_string_equal(esc("Cà\xffMau"), "Cà\\xFFMau");
}

/* Every prefix length of the output must end on a whole unit: the output
 * is itself a prefix of the full escape, valid UTF-8 without control
 * bytes, and never ends inside "\xNN". */
static void test_truncation_never_splits(void **state)
{
    (void)state;
    const char *src = "Phường\n<2>x\x1b\xff 😀 Cà Mau";
    char full[256];
    bool cut = true;
    size_t full_len = text_escape(full, sizeof full, src, &cut);
    assert_false(cut);
    for (size_t size = 1; size <= full_len + 1; size++) {
        char out[256];
        memset(out, 'Z', sizeof out);
        size_t n = text_escape(out, size, src, &cut);
        assert_true(n < size);
        assert_int_equal(n, strlen(out));
        assert_true(cut == (n < full_len));
        assert_memory_equal(out, full, n);         /* a prefix of the whole */
        assert_true(utf8_valid(out));               /* no split character */
        const char *bs = strrchr(out, '\\');
        if (bs)
            assert_true(strlen(bs) >= 4);           /* no split "\xNN" */
        if (n < full_len) {
            /* Cut at the last whole unit: the next unit would not fit. */
            size_t next = full[n] == '\\' ? 4 : (size_t)(full[n] & 0x80 ? 0 : 1);
            if (!next) {
                uint32_t cp;
                next = (size_t)utf8_decode((const unsigned char *)full + n, &cp);
            }
            assert_true(n + next > size - 1);
        }
    }
    assert_int_equal(text_escape(full, 1, src, &cut), 0);
    assert_true(cut);
    assert_string_equal(full, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_unchanged),
        cmocka_unit_test(test_each_control_byte),
        cmocka_unit_test(test_forged_line_and_escape_sequence),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_truncation_never_splits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
