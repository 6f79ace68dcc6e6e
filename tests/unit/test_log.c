/*
 * test_log - unit tests of daemon/log.c's line assembly: stderr is pointed
 * at a temporary file for each call and the bytes written are read back.
 *
 * Covers: JOURNAL_STREAM counts only when it names stderr's own device and
 * inode (systemd's documented test); off the journal a line starts with
 * its local time (ISO 8601, milliseconds, offset) and has no "<N>";
 * with JOURNAL_STREAM naming stderr, one call writes exactly one line that
 * starts with "<N>" even when the text holds "\n<2>forged" and ESC (shown
 * as \xNN); a Vietnamese instance name and text pass unchanged; an
 * over-long line made of 3-byte characters or of control bytes is at most
 * 4096 bytes, ends in " [...]\n" and never splits a character or an escape,
 * whatever its offset against the cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "utf8.h"

/* Log `text` ("%s") with stderr pointed at a temporary file only for the call
 * (cmocka's own failure messages still reach the terminal); returns what
 * was written, NUL-terminated (static), and its length in *len. */
static const char *log_captured(enum log_level level, const char *who, const char *text,
                                size_t *len)
{
    static char buf[16384];
    FILE *f = tmpfile();
    assert_non_null(f);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0 && dup2(fileno(f), STDERR_FILENO) >= 0);
    log_msg(level, who, "%s", text);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fileno(f), buf, sizeof buf - 1, 0);
    fclose(f);
    assert_true(n >= 0);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static size_t count_newlines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_forged_line_stays_one_entry(void **state)
{
    (void)state;
    size_t len;
    const char *out = log_captured(LOG_LEVEL_WARNING, "Cà Mau",
                                   "time '2026\n<2>forged\x1b[2J' is invalid", &len);
    assert_string_equal(out,
                        "<4>warning: Cà Mau: time '2026\\x0A<2>forged\\x1B[2J' is invalid\n");
}

/* A long text whose characters straddle the 4096-byte cut at every offset. */
static void test_long_line_cut_whole(void **state)
{
    (void)state;
    static const char *units[] = {"ườ", "\n", "\x1b", "\xff", "a"};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        for (size_t shift = 0; shift < 4; shift++) {
            char text[6000];
            size_t o = 0;
            for (; o < shift; o++)
                text[o] = 'x';
            while (o + strlen(units[u]) < sizeof text - 1) {
                memcpy(text + o, units[u], strlen(units[u]));
                o += strlen(units[u]);
            }
            text[o] = '\0';
            size_t len;
            const char *out = log_captured(LOG_LEVEL_ERROR, "iocd", text, &len);
            assert_true(len <= 4096);
            assert_true(len > 4000);
            assert_int_equal(count_newlines(out), 1);
            assert_memory_equal(out, "<3>error: iocd: ", 16);
            assert_string_equal(out + len - 7, " [...]\n");
            assert_true(utf8_valid(out));
            const char *bs = strrchr(out, '\\');
            if (bs)
                assert_true(bs + 4 <= out + len - 7); /* the last escape is whole */
        }
}

/* JOURNAL_STREAM set to "DEVICE:INODE" of the file stderr points at, as
 * systemd does for the journal's stream. */
static void set_journal_stream_of(FILE *f)
{
    struct stat st;
    char text[64];
    assert_int_equal(fstat(fileno(f), &st), 0);
    snprintf(text, sizeof text, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", text, 1);
}

/* systemd's detection: the variable must name stderr's own device and
 * inode; inherited by a process whose stderr went elsewhere, it does not. */
static void test_journal_detection(void **state)
{
    (void)state;
    FILE *a = tmpfile(), *b = tmpfile();
    assert_non_null(a);
    assert_non_null(b);
    set_journal_stream_of(a);
    assert_true(log_stream_is_journal(getenv("JOURNAL_STREAM"), fileno(a)));
    assert_false(log_stream_is_journal(getenv("JOURNAL_STREAM"), fileno(b)));
    assert_false(log_stream_is_journal("8:12345", fileno(a)));
    assert_false(log_stream_is_journal("", fileno(a)));
    assert_false(log_stream_is_journal(NULL, fileno(a)));
    char bad[80];
    snprintf(bad, sizeof bad, "%sx", getenv("JOURNAL_STREAM"));
    assert_false(log_stream_is_journal(bad, fileno(a)));
    fclose(a);
    fclose(b);
}

/* Off the journal (JOURNAL_STREAM unset, or naming another stream): the
 * line starts with the local time, ISO 8601 with milliseconds and the
 * offset, then "LEVEL: WHO: text"; no "<N>". TZ fixes the offset. */
static void test_timestamp_off_journal(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Ho_Chi_Minh", 1);
    tzset();
    for (int variant = 0; variant < 2; variant++) {
        if (variant == 0)
            unsetenv("JOURNAL_STREAM");
        else
            setenv("JOURNAL_STREAM", "8:12345", 1);
        log_init(LOG_LEVEL_DEBUG);
        size_t len;
        const char *out = log_captured(LOG_LEVEL_WARNING, "dvc", "status ok", &len);
        /* 2026-12-02T14:05:09.123+07:00 warning: dvc: status ok\n */
        assert_int_equal(len, 29 + 1 + strlen("warning: dvc: status ok\n"));
        for (int i = 0; i < 29; i++) {
            const char want = "dddd-dd-ddTdd:dd:dd.ddd+07:00"[i];
            if (want == 'd')
                assert_true(out[i] >= '0' && out[i] <= '9');
            else
                assert_int_equal(out[i], want);
        }
        assert_string_equal(out + 29, " warning: dvc: status ok\n");
    }
    /* And back to the journal for the tests below. */
    FILE *f = tmpfile();
    assert_non_null(f);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0 && dup2(fileno(f), STDERR_FILENO) >= 0);
    set_journal_stream_of(f);
    log_init(LOG_LEVEL_DEBUG);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(f);
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_detection),
        cmocka_unit_test(test_timestamp_off_journal),
        cmocka_unit_test(test_forged_line_stays_one_entry),
        cmocka_unit_test(test_long_line_cut_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
