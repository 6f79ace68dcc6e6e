/*
 * test_ini - unit tests of daemon/ini.c, the strict INI reader.
 *
 * Covers what ini.h promises: sections and keys with their line numbers,
 * entries before any header in section "", whole-line ';'/'#' comments, a
 * ';' inside a value kept (URLs), blanks trimmed, empty values, CRLF, a
 * UTF-8 BOM, long values kept intact (a 300-byte JWT and a 20,000-byte
 * value: Debian's libinih cuts at 200, which is why this module exists),
 * lines over 64 KiB refused with FILE:LINE, and every syntax error
 * (duplicate key or section, malformed header, uppercase key, no '=', NUL
 * byte, missing file) reported as FILE:LINE - all of them, not the first -
 * and never quoting the line's text (a pasted token, issue 11).
 *
 * Each test writes its input into a fresh mkdtemp() directory; error lines
 * are compared whole ("PATH:LINE: message"), not just searched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "ini.h"

/* ---- helpers ---- */

struct fixture {
    char dir[64];
    char path[128];
    struct ini_file ini;
    struct diag d;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_ini.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/t.conf", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ini_free(&f->ini);
    diag_free(&f->d);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Write `len` bytes of `text` (which may contain NULs) and load them. */
static int load_bytes(struct fixture *f, const char *text, size_t len)
{
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return ini_load(f->path, &f->ini, &f->d);
}

static int load(struct fixture *f, const char *text)
{
    return load_bytes(f, text, strlen(text));
}

/* Assert that error number `i` is exactly "PATH:LINE: message". */
static void assert_diag(const struct fixture *f, size_t i, int line, const char *message)
{
    char want[1024];
    if (line > 0)
        snprintf(want, sizeof want, "%s:%d: %s", f->path, line, message);
    else
        snprintf(want, sizeof want, "%s: %s", f->path, message);
    assert_true(i < f->d.count);
    assert_string_equal(f->d.lines[i], want);
}

/* Assert that entry `i` is section/key/value at `line`. */
static void assert_entry(const struct ini_file *ini, size_t i, const char *section,
                         const char *key, const char *value, int line)
{
    assert_true(i < ini->count);
    assert_string_equal(ini->entries[i].section, section);
    assert_string_equal(ini->entries[i].key, key);
    assert_string_equal(ini->entries[i].value, value);
    assert_int_equal(ini->entries[i].line, line);
}

/* A deterministic base64url-looking text of `len` bytes, like a JWT. */
static char *jwt_like(size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *s = malloc(len + 1);
    assert_non_null(s);
    for (size_t i = 0; i < len; i++)
        s[i] = (i % 97 == 96) ? '.' : alphabet[(i * 7 + i / 64) % 64];
    s[len] = '\0';
    return s;
}

/* "KEY = VALUE\n" lines around a long value: returns a malloc'd text. */
static char *with_value(const char *before, const char *key, const char *value, const char *after)
{
    char *text = NULL;
    assert_true(asprintf(&text, "%s%s = %s\n%s", before, key, value, after) > 0);
    return text;
}

/* ---- well-formed input ---- */

static void test_sections_and_keys_with_lines(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "; iocd.conf\n"
                             "[iocd]\n"
                             "province = 96\n"
                             "timezone = +07:00\n"
                             "\n"
                             "[sink.stdout]\n"
                             "enabled = true\n"
                             "[a-b_9]\n"
                             "max_body_2 = 1\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_string_equal(f->ini.path, f->path);

    assert_int_equal(f->ini.section_count, 3);
    assert_string_equal(f->ini.sections[0], "iocd");
    assert_int_equal(f->ini.section_lines[0], 2);
    assert_string_equal(f->ini.sections[1], "sink.stdout");
    assert_int_equal(f->ini.section_lines[1], 6);
    assert_string_equal(f->ini.sections[2], "a-b_9");
    assert_int_equal(f->ini.section_lines[2], 8);

    assert_int_equal(f->ini.count, 4);
    assert_entry(&f->ini, 0, "iocd", "province", "96", 3);
    assert_entry(&f->ini, 1, "iocd", "timezone", "+07:00", 4);
    assert_entry(&f->ini, 2, "sink.stdout", "enabled", "true", 7);
    assert_entry(&f->ini, 3, "a-b_9", "max_body_2", "1", 9);

    const struct ini_entry *e = ini_find(&f->ini, "sink.stdout", "enabled");
    assert_non_null(e);
    assert_int_equal(e->line, 7);
    assert_ptr_equal(ini_find(&f->ini, "iocd", "province"), &f->ini.entries[0]);
    assert_null(ini_find(&f->ini, "iocd", "enabled"));  /* right key, wrong section */
    assert_null(ini_find(&f->ini, "", "province"));     /* nothing before [iocd] */
    assert_null(ini_find(&f->ini, "nosuch", "province"));
}

static void test_entries_before_any_section(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "plugin = example\n"
                             "url = http://127.0.0.1:18080/example\n"
                             "[later]\n"
                             "url = http://other/\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    /* "" is not listed as a section: only real headers are. */
    assert_int_equal(f->ini.section_count, 1);
    assert_string_equal(f->ini.sections[0], "later");
    assert_int_equal(f->ini.section_lines[0], 3);
    assert_int_equal(f->ini.count, 3);
    assert_entry(&f->ini, 0, "", "plugin", "example", 1);
    assert_entry(&f->ini, 1, "", "url", "http://127.0.0.1:18080/example", 2);
    assert_entry(&f->ini, 2, "later", "url", "http://other/", 4);
    assert_string_equal(ini_find(&f->ini, "", "url")->value, "http://127.0.0.1:18080/example");
    assert_string_equal(ini_find(&f->ini, "later", "url")->value, "http://other/");
}

static void test_comments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "; semicolon comment\n"
                             "# hash comment\n"
                             "   ; indented semicolon comment\n"
                             "\t# indented hash comment\n"
                             ";key = not an entry\n"
                             "#[not_a_section]\n"
                             "a = x # y\n"
                             "b = 1\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.section_count, 0);
    assert_int_equal(f->ini.count, 2);
    /* Comments are whole lines only: a '#' after a value is the value's. */
    assert_entry(&f->ini, 0, "", "a", "x # y", 7);
    assert_entry(&f->ini, 1, "", "b", "1", 8);
}

static void test_semicolon_and_equals_inside_value_kept(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "url = https://dvc.example.vn/api;jsessionid=AB12?a=1;b=2\n"
                             "query = a=b=c\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_entry(&f->ini, 0, "", "url", "https://dvc.example.vn/api;jsessionid=AB12?a=1;b=2", 1);
    /* The key ends at the first '='; the others belong to the value. */
    assert_entry(&f->ini, 1, "", "query", "a=b=c", 2);
}

static void test_blanks_trimmed(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "  [  iocd  ]  \n"
                             "   province\t=\t 96 \t\n"
                             "name =  two  inner  blanks   \n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.section_count, 1);
    assert_string_equal(f->ini.sections[0], "iocd");
    assert_entry(&f->ini, 0, "iocd", "province", "96", 2);
    assert_entry(&f->ini, 1, "iocd", "name", "two  inner  blanks", 3);
}

static void test_empty_value_allowed(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "token =\n"
                             "source =    \t\n"
                             "after = x\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.count, 3);
    assert_entry(&f->ini, 0, "", "token", "", 1);
    assert_entry(&f->ini, 1, "", "source", "", 2);
    assert_entry(&f->ini, 2, "", "after", "x", 3);
}

static void test_crlf_line_endings(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "; written on Windows\r\n"
                             "[iocd]\r\n"
                             "province = 96\r\n"
                             "\r\n"
                             "empty =\r\n"
                             "last = no newline at end"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.section_count, 1);
    assert_string_equal(f->ini.sections[0], "iocd");
    assert_int_equal(f->ini.section_lines[0], 2);
    assert_int_equal(f->ini.count, 3);
    assert_entry(&f->ini, 0, "iocd", "province", "96", 3);
    assert_entry(&f->ini, 1, "iocd", "empty", "", 5);
    assert_entry(&f->ini, 2, "iocd", "last", "no newline at end", 6);
}

static void test_utf8_bom(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "\xEF\xBB\xBF[iocd]\n"
                             "province = 96\n"
                             "name = C\xC3\xA0 Mau\n"),
                     0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.section_count, 1);
    assert_string_equal(f->ini.sections[0], "iocd");
    assert_int_equal(f->ini.section_lines[0], 1);
    assert_entry(&f->ini, 0, "iocd", "province", "96", 2);
    assert_entry(&f->ini, 1, "iocd", "name", "C\xC3\xA0 Mau", 3); /* UTF-8 kept */
}

static void test_utf8_bom_before_a_key(void **state)
{
    struct fixture *f = *state;
    /* A connector file has no header: the BOM sits before its first key. */
    assert_int_equal(load(f, "\xEF\xBB\xBFplugin = example\r\n"), 0);
    assert_int_equal(f->d.count, 0);
    assert_entry(&f->ini, 0, "", "plugin", "example", 1);
}

/* ---- long lines: kept whole up to 64 KiB, refused beyond ---- */

static void test_value_of_300_bytes_kept(void **state)
{
    struct fixture *f = *state;
    char *jwt = jwt_like(300);
    char *text = with_value("url = http://x/\n", "token", jwt, "after = 1\n");
    assert_int_equal(load(f, text), 0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.count, 3);
    const struct ini_entry *e = ini_find(&f->ini, "", "token");
    assert_non_null(e);
    assert_int_equal(strlen(e->value), 300);
    assert_string_equal(e->value, jwt);
    assert_int_equal(e->line, 2);
    /* libinih would report the rest of the line as a new line here. */
    assert_entry(&f->ini, 2, "", "after", "1", 3);
    free(text);
    free(jwt);
}

static void test_value_of_20000_bytes_kept(void **state)
{
    struct fixture *f = *state;
    char *big = jwt_like(20000);
    char *text = with_value("[s]\n", "big", big, "after = 1\n");
    assert_int_equal(load(f, text), 0);
    assert_int_equal(f->d.count, 0);
    const struct ini_entry *e = ini_find(&f->ini, "s", "big");
    assert_non_null(e);
    assert_int_equal(strlen(e->value), 20000);
    assert_memory_equal(e->value, big, 20000);
    assert_int_equal(e->line, 2);
    assert_int_equal(ini_find(&f->ini, "s", "after")->line, 3);
    free(text);
    free(big);
}

static void test_line_just_under_64k_kept(void **state)
{
    struct fixture *f = *state;
    /* "v = " + 65531 bytes = 65535 bytes, plus its newline: 64 KiB. */
    char *big = jwt_like(65531);
    char *text = with_value("", "v", big, "");
    assert_int_equal(load(f, text), 0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(strlen(ini_find(&f->ini, "", "v")->value), 65531);
    free(text);
    free(big);
}

static void test_line_over_64k_refused(void **state)
{
    struct fixture *f = *state;
    char *big = jwt_like(70000);
    char *text = with_value("[s]\nbefore = 1\n", "token", big, "after = 2\n");
    assert_int_equal(load(f, text), -1);
    assert_int_equal(f->d.count, 1);
    /* "token = " (8) + 70000 + "\n" */
    assert_diag(f, 0, 3,
                "line is 70009 bytes long, the limit is 65536 (put long secrets in a file and "
                "use KEY_file = PATH)");
    /* Never a truncated value: the key is absent, the neighbours are kept
     * with their own line numbers. */
    assert_null(ini_find(&f->ini, "s", "token"));
    assert_int_equal(f->ini.count, 2);
    assert_entry(&f->ini, 0, "s", "before", "1", 2);
    assert_entry(&f->ini, 1, "s", "after", "2", 4);
    free(text);
    free(big);
}

/* ---- errors ---- */

static void test_duplicate_key(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[s]\n"
                             "a = 1\n"
                             "b = 2\n"
                             "a = 3\n"),
                     -1);
    assert_int_equal(f->d.count, 1);
    /* Names both lines: the repeat (prefix) and the first one. */
    assert_diag(f, 0, 4, "key 'a' already set at line 2");
    /* Never a silent override: the first value stays. */
    assert_string_equal(ini_find(&f->ini, "s", "a")->value, "1");
    assert_int_equal(f->ini.count, 2);
}

static void test_same_key_in_two_sections_is_fine(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "a = 0\n[x]\na = 1\n[y]\na = 2\n"), 0);
    assert_int_equal(f->d.count, 0);
    assert_string_equal(ini_find(&f->ini, "", "a")->value, "0");
    assert_string_equal(ini_find(&f->ini, "x", "a")->value, "1");
    assert_string_equal(ini_find(&f->ini, "y", "a")->value, "2");
}

static void test_duplicate_section(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[s]\n"
                             "a = 1\n"
                             "[t]\n"
                             "b = 2\n"
                             "[s]\n"
                             "c = 3\n"),
                     -1);
    assert_int_equal(f->d.count, 1);
    assert_diag(f, 0, 5, "section [s] already defined at line 1");
    assert_int_equal(f->ini.section_count, 2);
    assert_string_equal(f->ini.sections[0], "s");
    assert_string_equal(f->ini.sections[1], "t");
}

static void test_malformed_section_header(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[iocd\n"
                             "[iocd] trailing\n"
                             "[]\n"
                             "[Iocd]\n"
                             "[a b]\n"),
                     -1);
    assert_int_equal(f->d.count, 5);
    assert_diag(f, 0, 1, "malformed section header: no closing ']' (expected [name])");
    assert_diag(f, 1, 2, "malformed section header: text after ']' (expected [name])");
    assert_diag(f, 2, 3, "section name is empty: use lowercase letters, digits, '_', '.' or '-'");
    assert_diag(f, 3, 4,
                "section name has an upper-case letter at column 2: use lowercase letters, "
                "digits, '_', '.' or '-'");
    assert_diag(f, 4, 5,
                "section name has a space at column 3: use lowercase letters, digits, '_', '.' "
                "or '-'");
    assert_int_equal(f->ini.section_count, 0);
}

static void test_uppercase_key(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[iocd]\nProvince = 96\nlog-level = info\n"), -1);
    assert_int_equal(f->d.count, 2);
    assert_diag(f, 0, 2,
                "key name has an upper-case letter at column 1: use lowercase letters, digits, "
                "'_' or '.'");
    assert_diag(f, 1, 3, "key name has '-' at column 4: use lowercase letters, digits, '_' or '.'");
    assert_int_equal(f->ini.count, 0);
    assert_null(ini_find(&f->ini, "iocd", "province"));
}

static void test_line_without_equals(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[iocd]\nprovince 96\n= 96\n"), -1);
    assert_int_equal(f->d.count, 2);
    assert_diag(f, 0, 2, "expected 'key = value' or '[section]': the line has no '='");
    assert_diag(f, 1, 3, "key name is empty: use lowercase letters, digits, '_' or '.'");
    assert_int_equal(f->ini.count, 0);
}

/* A secret pasted where it does not belong (issue 11): errors name the
 * line and what is wrong, never the line's text. Base64 '=' padding makes
 * a token parse as "key = value"; a bare token has no '='; a token in a
 * header is a bad section name. */
static void test_errors_never_echo_the_line(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, "[s]\n"
                             "token = abc\n"
                             "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.U2lnbmF0dXJl==\n"
                             "sk_live_Secret0123456789abcdef\n"
                             "[Bearer sk_live_Secret0123456789abcdef]\n"
                             "[sk_live_Secret0123456789abcdef\n"
                             "[x] sk_live_Secret0123456789abcdef\n"),
                     -1);
    assert_int_equal(f->d.count, 5);
    assert_diag(f, 0, 3,
                "key name has an upper-case letter at column 3: use lowercase letters, digits, "
                "'_' or '.'");
    assert_diag(f, 1, 4, "expected 'key = value' or '[section]': the line has no '='");
    assert_diag(f, 2, 5,
                "section name has an upper-case letter at column 2: use lowercase letters, "
                "digits, '_', '.' or '-'");
    assert_diag(f, 3, 6, "malformed section header: no closing ']' (expected [name])");
    assert_diag(f, 4, 7, "malformed section header: text after ']' (expected [name])");
    for (size_t i = 0; i < f->d.count; i++) {
        assert_null(strstr(f->d.lines[i], "Secret"));
        assert_null(strstr(f->d.lines[i], "eyJ"));
        assert_null(strstr(f->d.lines[i], "c2Vj"));
    }
}

static void test_nul_byte(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "a = 1\nb = x\0y\nc = 3\n";
    assert_int_equal(load_bytes(f, text, sizeof text - 1), -1);
    assert_int_equal(f->d.count, 1);
    assert_diag(f, 0, 2, "line contains a NUL byte");
    assert_int_equal(f->ini.count, 2);
    assert_entry(&f->ini, 0, "", "a", "1", 1);
    assert_entry(&f->ini, 1, "", "c", "3", 3);
    assert_null(ini_find(&f->ini, "", "b"));
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/no-such.conf", f->dir);
    assert_int_equal(ini_load(path, &f->ini, &f->d), INI_UNREADABLE);
    assert_int_equal(f->d.count, 1);
    char want[256];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(f->d.lines[0], want);
    assert_int_equal(f->ini.count, 0);
    assert_int_equal(f->ini.section_count, 0);
}

static void test_every_error_reported(void **state)
{
    struct fixture *f = *state;
    char *big = jwt_like(66000);
    char *tail = NULL;
    assert_true(asprintf(&tail, "huge = %s\n"  /* 10: too long */
                                "good2 = 2\n"  /* 11 */
                                "[t]\n",       /* 12: duplicate section */
                         big) > 0);
    static const char head[] = "[s]\n"       /*  1 */
                               "good = 1\n"  /*  2 */
                               "Bad = 1\n"   /*  3: uppercase key */
                               "no equals\n" /*  4: no '=' */
                               "good = 2\n"  /*  5: duplicate key */
                               "[broken\n"   /*  6: malformed header */
                               "; fine\n"    /*  7 */
                               "[t]\n"       /*  8 */
                               "x = \0\n";   /*  9: NUL byte */
    size_t head_len = sizeof head - 1;
    assert_int_equal(head_len, 65);
    size_t tail_len = strlen(tail);
    char *text = malloc(head_len + tail_len);
    assert_non_null(text);
    memcpy(text, head, head_len);
    memcpy(text + head_len, tail, tail_len);
    assert_int_equal(load_bytes(f, text, head_len + tail_len), -1);

    assert_int_equal(f->d.count, 7);
    assert_diag(f, 0, 3,
                "key name has an upper-case letter at column 1: use lowercase letters, digits, "
                "'_' or '.'");
    assert_diag(f, 1, 4, "expected 'key = value' or '[section]': the line has no '='");
    assert_diag(f, 2, 5, "key 'good' already set at line 2");
    assert_diag(f, 3, 6, "malformed section header: no closing ']' (expected [name])");
    assert_diag(f, 4, 9, "line contains a NUL byte");
    assert_diag(f, 5, 10,
                "line is 66008 bytes long, the limit is 65536 (put long secrets in a file and "
                "use KEY_file = PATH)");
    assert_diag(f, 6, 12, "section [t] already defined at line 8");
    /* What did parse is still there for later checks. */
    assert_string_equal(ini_find(&f->ini, "s", "good")->value, "1");
    assert_int_equal(ini_find(&f->ini, "t", "good2")->line, 11);
    free(text);
    free(tail);
    free(big);
}

static void test_free_twice_and_find_on_empty(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f, ""), 0);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->ini.count, 0);
    assert_null(ini_find(&f->ini, "", "plugin"));
    ini_free(&f->ini);
    ini_free(&f->ini); /* ini_free leaves a zeroed struct behind */
    assert_null(f->ini.entries);
    assert_null(f->ini.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sections_and_keys_with_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_before_any_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semicolon_and_equals_inside_value_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blanks_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_value_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_line_endings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_bom_before_a_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_of_300_bytes_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_of_20000_bytes_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_just_under_64k_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_over_64k_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_key_in_two_sections_is_fine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_section_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uppercase_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_without_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_never_echo_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_error_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_twice_and_find_on_empty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
