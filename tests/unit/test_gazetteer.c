/*
 * test_gazetteer - unit tests of daemon/gazetteer.c, tools/mkgazetteer and
 * the committed data file conf/gazetteer/vn-2025-07.tsv.
 *
 * Run from the repository root. Expected values come from the official
 * lists kept with the shared design data beside the repository
 * (../shared/data): the national JSON for names and slugs, the Cà Mau
 * conversion CSV for old codes. When those lists are reachable there, the
 * committed file is also regenerated and compared byte for byte, so it
 * cannot drift from its sources unnoticed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gazetteer.h"

#define GAZ_FILE "conf/gazetteer/vn-2025-07.tsv"
#define SHARED_JSON "../shared/data/vn-divisions-2025-07.json"
#define SHARED_CSV "../shared/data/camau-commune-conversion-2025-07.csv"

/* ---- helpers ---- */

static int setup_real(void **state)
{
    char err[256];
    struct gazetteer *g = gazetteer_load(GAZ_FILE, err, sizeof err);
    if (!g) {
        print_error("%s\n", err);
        return -1;
    }
    *state = g;
    return 0;
}

static int teardown_real(void **state)
{
    gazetteer_free(*state);
    return 0;
}

/* A temporary file holding `len` bytes of `data`; the caller unlinks it. */
static void write_temp(char *path, size_t pathlen, const char *data, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, pathlen, "%s/iocd-test-gaz-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* build/ or build/asan/ as tests/run.sh says; build/ when run by hand. */
static void tool_path(char *buf, size_t len)
{
    const char *b = getenv("BUILD");
    snprintf(buf, len, "%s/tools/mkgazetteer", b && *b ? b : "build");
}

/* Run mkgazetteer with stdout to `out` and stderr to `errf`; returns its
 * exit status. */
static int run_tool(const char *json, const char *csv, const char *version, const char *out,
                    const char *errf)
{
    char tool[256];
    tool_path(tool, sizeof tool);
    if (access(tool, X_OK) != 0) {
        print_error("%s is missing: build it with make first\n", tool);
        fail();
    }
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(out, "w", stdout) || !freopen(errf, "w", stderr))
            _exit(127);
        execl(tool, tool, json, csv, version, (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static const struct area *expect_current(const struct gazetteer *g, const char *code)
{
    struct area_resolution r;
    assert_int_equal(gazetteer_resolve(g, code, &r), GAZ_CURRENT);
    assert_int_equal(r.result, GAZ_CURRENT);
    assert_non_null(r.area);
    assert_string_equal(r.area->code, code);
    assert_null(r.old_code);
    assert_null(r.split_into);
    return r.area;
}

static void expect_mapped(const struct gazetteer *g, const char *old, const char *cur)
{
    struct area_resolution r;
    assert_int_equal(gazetteer_resolve(g, old, &r), GAZ_MAPPED);
    assert_non_null(r.area);
    assert_string_equal(r.area->code, cur);
    assert_string_equal(r.old_code, old);
    assert_null(r.split_into);
}

static void expect_split(const struct gazetteer *g, const char *old, const char *into)
{
    struct area_resolution r;
    assert_int_equal(gazetteer_resolve(g, old, &r), GAZ_SPLIT);
    assert_null(r.area);
    assert_string_equal(r.old_code, old);
    assert_string_equal(r.split_into, into);
}

static void expect_result(const struct gazetteer *g, const char *code,
                          enum gazetteer_result want)
{
    struct area_resolution r = {GAZ_CURRENT, (const struct area *)&r, "x", "x"};
    assert_int_equal(gazetteer_resolve(g, code, &r), want);
    assert_int_equal(r.result, want);
    assert_null(r.area);
    assert_null(r.old_code);
    assert_null(r.split_into);
}

/* ---- the committed data file ---- */

static void test_counts(void **state)
{
    const struct gazetteer *g = *state;
    assert_string_equal(gazetteer_version(g), "vn-2025-07");
    assert_int_equal(gazetteer_province_count(g), 34);
    assert_int_equal(gazetteer_commune_count(g), 3321);
}

static void test_provinces(void **state)
{
    const struct gazetteer *g = *state;
    const struct area *a = expect_current(g, "96");
    assert_int_equal(a->level, AREA_PROVINCE);
    assert_string_equal(a->province, "96");
    assert_string_equal(a->name, "Tỉnh Cà Mau");
    assert_string_equal(a->slug, "ca-mau");
    a = expect_current(g, "01");
    assert_string_equal(a->name, "Thành phố Hà Nội");
    assert_string_equal(a->slug, "ha-noi");
    a = expect_current(g, "79");
    assert_string_equal(a->slug, "ho-chi-minh");
}

static void test_current_commune(void **state)
{
    const struct gazetteer *g = *state;
    const struct area *a = expect_current(g, "32002");
    assert_int_equal(a->level, AREA_COMMUNE);
    assert_string_equal(a->province, "96");
    assert_string_equal(a->name, "Phường An Xuyên");
    assert_string_equal(a->slug, "an-xuyen");
    /* Codes below 10000 are zero-padded, as in the national list. */
    a = expect_current(g, "00004");
    assert_string_equal(a->province, "01");
    assert_string_equal(a->name, "Phường Ba Đình");
    assert_string_equal(a->slug, "ba-dinh");
    /* A slug with a leading digit ("2_bao_loc" in the JSON). */
    a = expect_current(g, "24820");
    assert_string_equal(a->slug, "2-bao-loc");
    assert_string_equal(a->province, "68");
    /* The last commune of the list. */
    a = expect_current(g, "32248");
    assert_string_equal(a->province, "96");
}

static void test_communes_of(void **state)
{
    const struct gazetteer *g = *state;
    const struct area *const *list = NULL;
    assert_int_equal(gazetteer_communes_of(g, "96", &list), 64);
    assert_non_null(list);
    /* File order, i.e. the order of the national list. */
    assert_string_equal(list[0]->code, "31825");
    assert_string_equal(list[0]->name, "Phường Bạc Liêu");
    assert_string_equal(list[63]->code, "32248");
    for (size_t i = 0; i < 64; i++) {
        assert_string_equal(list[i]->province, "96");
        assert_int_equal(list[i]->level, AREA_COMMUNE);
    }
    assert_int_equal(gazetteer_communes_of(g, "01", &list), 126);
    assert_int_equal(gazetteer_communes_of(g, "79", &list), 168);

    list = (const struct area *const *)&list;
    assert_int_equal(gazetteer_communes_of(g, "95", &list), 0); /* Bạc Liêu is gone */
    assert_null(list);
    assert_int_equal(gazetteer_communes_of(g, "9", &list), 0);
    assert_int_equal(gazetteer_communes_of(g, "32002", &list), 0);
    assert_int_equal(gazetteer_communes_of(g, NULL, &list), 0);
    assert_null(list);
}

/* Every commune resolves to itself and belongs to exactly one province. */
static void test_all_consistent(void **state)
{
    const struct gazetteer *g = *state;
    static const char *provinces[] = {"01", "04", "08", "11", "12", "14", "15", "19", "20",
                                      "22", "24", "25", "31", "33", "37", "38", "40", "42",
                                      "44", "46", "48", "51", "52", "56", "66", "68", "75",
                                      "79", "80", "82", "86", "91", "92", "96"};
    size_t total = 0;
    for (size_t p = 0; p < sizeof provinces / sizeof *provinces; p++) {
        const struct area *const *list;
        size_t n = gazetteer_communes_of(g, provinces[p], &list);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            struct area_resolution r;
            assert_int_equal(gazetteer_resolve(g, list[i]->code, &r), GAZ_CURRENT);
            assert_ptr_equal(r.area, list[i]);
            assert_string_equal(list[i]->province, provinces[p]);
            assert_true(strlen(list[i]->slug) > 0);
        }
        total += n;
    }
    assert_int_equal(total, 3321);
}

static void test_mapped(void **state)
{
    const struct gazetteer *g = *state;
    /* CSV: Phường 2 (31813) -> Phường Bạc Liêu (31825), "Nhập toàn bộ". */
    expect_mapped(g, "31813", "31825");
    expect_mapped(g, "31816", "31825");
    expect_mapped(g, "31999", "32002");
    /* "Xã  Vĩnh Lộc A" (double space in the CSV) -> Xã Vĩnh Lộc. */
    expect_mapped(g, "31861", "31858");
    struct area_resolution r;
    gazetteer_resolve(g, "31813", &r);
    assert_string_equal(r.area->name, "Phường Bạc Liêu");
    assert_string_equal(r.area->slug, "bac-lieu");
}

static void test_split(void **state)
{
    const struct gazetteer *g = *state;
    /* CSV: "Phường  6" (32017) and Phường 5, 7, 8 went partly to Tân Thành
     * (32025) and partly to Hòa Thành (32041). */
    expect_split(g, "32017", "32025, 32041");
    expect_split(g, "32020", "32025, 32041");
    expect_split(g, "32029", "32025, 32041");
    expect_split(g, "32035", "32025, 32041");
    expect_split(g, "32122", "32014, 32095, 32134");
    expect_split(g, "32053", "32044, 32059, 32062");
    expect_split(g, "32141", "32137, 32140, 32214");
    expect_split(g, "32245", "32244, 32248");
}

/* A current code wins over an old code with the same digits. */
static void test_current_wins(void **state)
{
    const struct gazetteer *g = *state;
    /* 31825 was Phường 1 and merged wholly into the new 31825. */
    assert_string_equal(expect_current(g, "31825")->name, "Phường Bạc Liêu");
    /* 32155 was split (into 32152 and 32155) but is a current code. */
    expect_current(g, "32155");
    expect_current(g, "32191");
    /* "Giữ nguyên" (unchanged). */
    expect_current(g, "32092");
}

static void test_malformed_unknown(void **state)
{
    const struct gazetteer *g = *state;
    static const char *malformed[] = {"9",      "abc12", "123456", "",       "3200a", " 32002",
                                      "32002 ", "9a",    "+96",    "3200",   "0x1F",  "-9",
                                      "1234",   "969",   "32002\n", "320021"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
        expect_result(g, malformed[i], GAZ_MALFORMED);
    expect_result(g, NULL, GAZ_MALFORMED);

    expect_result(g, "99999", GAZ_UNKNOWN);
    expect_result(g, "00000", GAZ_UNKNOWN);
    expect_result(g, "31814", GAZ_UNKNOWN);
    expect_result(g, "95", GAZ_UNKNOWN); /* old Bạc Liêu province */
    expect_result(g, "00", GAZ_UNKNOWN);
    expect_result(g, "99", GAZ_UNKNOWN);
    /* A NULL out pointer is tolerated. */
    assert_int_equal(gazetteer_resolve(g, "32002", NULL), GAZ_CURRENT);
}

static void test_old_code_for(void **state)
{
    const struct gazetteer *g = *state;
    /* The first wholly-merged old code of the CSV that is not current. */
    assert_string_equal(gazetteer_old_code_for(g, "31825"), "31813");
    assert_string_equal(gazetteer_old_code_for(g, "32002"), "31999");
    assert_string_equal(gazetteer_old_code_for(g, "31858"), "31861");
    /* Only split parts or itself: nothing unambiguous to offer. */
    assert_null(gazetteer_old_code_for(g, "32092"));
    assert_null(gazetteer_old_code_for(g, "32044"));
    assert_null(gazetteer_old_code_for(g, "32248"));
    /* No conversion list outside Cà Mau; bad input. */
    assert_null(gazetteer_old_code_for(g, "00004"));
    assert_null(gazetteer_old_code_for(g, "31813"));
    assert_null(gazetteer_old_code_for(g, "96"));
    assert_null(gazetteer_old_code_for(g, NULL));

    /* Whatever it offers maps back: 56 of the 64 communes have one. */
    const struct area *const *list;
    size_t n = gazetteer_communes_of(g, "96", &list), with = 0;
    for (size_t i = 0; i < n; i++) {
        const char *old = gazetteer_old_code_for(g, list[i]->code);
        if (old) {
            expect_mapped(g, old, list[i]->code);
            with++;
        }
    }
    assert_int_equal(with, 56);
}

/* ---- hand-written files ---- */

static struct gazetteer *load_text(const char *text, char *err, size_t errlen, char *path,
                                   size_t pathlen)
{
    write_temp(path, pathlen, text, strlen(text));
    struct gazetteer *g = gazetteer_load(path, err, errlen);
    unlink(path);
    return g;
}

/* Records in any order, comments, blank lines, CRLF. */
static void test_small_file(void **state)
{
    (void)state;
    char err[256] = "", path[256];
    struct gazetteer *g =
        load_text("#iocd-gazetteer 1 test-1.0\r\n"
                  "# a comment\r\n"
                  "\r\n"
                  "M\t00002\t00010\twhole\r\n"
                  "M\t00003\t00010\tpart\r\n"
                  "C\t00010\t07\tXã Một\tmot\r\n"
                  "  \t \r\n"
                  "P\t07\tTỉnh Bảy\tbay\r\n"
                  "C\t00011\t07\tXã Hai\thai\r\n"
                  "M\t00004\t00011\tpart\r\n"
                  "M\t00004\t00010\tpart\r\n"
                  "M\t00010\t00011\twhole",
                  err, sizeof err, path, sizeof path);
    if (!g)
        print_error("%s\n", err);
    assert_non_null(g);
    assert_string_equal(gazetteer_version(g), "test-1.0");
    assert_int_equal(gazetteer_province_count(g), 1);
    assert_int_equal(gazetteer_commune_count(g), 2);
    const struct area *a = expect_current(g, "00010");
    assert_string_equal(a->name, "Xã Một");
    assert_string_equal(a->province, "07");
    expect_mapped(g, "00002", "00010");
    /* A lone "part" row is still a split: the rest went somewhere else. */
    expect_split(g, "00003", "00010");
    /* Split targets listed in file order. */
    expect_split(g, "00004", "00011, 00010");
    expect_current(g, "00010");
    assert_string_equal(gazetteer_old_code_for(g, "00010"), "00002");
    assert_null(gazetteer_old_code_for(g, "00011"));
    const struct area *const *list;
    assert_int_equal(gazetteer_communes_of(g, "07", &list), 2);
    assert_string_equal(list[0]->code, "00010");
    assert_string_equal(list[1]->code, "00011");
    gazetteer_free(g);
}

struct broken {
    const char *text;
    unsigned line;      /* expected line number, 0 for none */
    const char *reason; /* a substring of the reason */
};

#define HDR "#iocd-gazetteer 1 t\n"
#define PROV "P\t96\tTỉnh Cà Mau\tca-mau\n"
#define COMM "C\t32002\t96\tPhường An Xuyên\tan-xuyen\n"

static const struct broken broken_files[] = {
    {"", 1, "empty file"},
    {"P\t96\tx\tx\n", 1, "not a gazetteer file"},
    {"#iocd-gazetteer 2 t\n" PROV, 1, "unsupported gazetteer format"},
    {"#iocd-gazetteer 1\n" PROV, 1, "no data version"},
    {"#iocd-gazetteer 1 \n" PROV, 1, "data version"},
    {"#iocd-gazetteer 1 a b\n" PROV, 1, "data version"},
    {HDR, 1, "no province"},
    {HDR "# only comments\n\n", 3, "no province"},
    {HDR "P\t96\tTỉnh Cà Mau\n", 2, "needs 4 TAB-separated fields, found 3"},
    {HDR "P\t96\tTỉnh Cà Mau\tca-mau\t\n", 2, "needs 4"},
    {HDR PROV "C\t32002\t96\ta\tb\tc\td\n", 3, "more than 5"},
    {HDR "P 96 Tỉnh Cà Mau ca-mau\n", 2, "unknown record type"},
    {HDR PROV "X\t1\n", 3, "unknown record type 'X'"},
    {HDR "P\t9\tTỉnh\tx\n", 2, "province code '9' is not 2 digits"},
    {HDR "P\t096\tTỉnh\tx\n", 2, "not 2 digits"},
    {HDR PROV "C\t3200\t96\tXã\tx\n", 3, "commune code '3200' is not 5 digits"},
    {HDR PROV "C\t3200a\t96\tXã\tx\n", 3, "not 5 digits"},
    {HDR PROV "C\t32002\t9\tXã\tx\n", 3, "province code '9'"},
    {HDR PROV "C\t32002\t96\t\tx\n", 3, "empty name"},
    {HDR PROV "C\t32002\t96\t Xã\tx\n", 3, "leading or trailing spaces"},
    {HDR PROV "C\t32002\t96\tX\xe1\xbb\tx\n", 3, "not valid UTF-8"},
    {HDR PROV "C\t32002\t96\tX\xc0\xaf\tx\n", 3, "not valid UTF-8"}, /* overlong '/' */
    {HDR PROV "C\t32002\t96\tX\x01y\tx\n", 3, "control character"},
    {HDR PROV "C\t32002\t96\tXã\tAn-Xuyen\n", 3, "slug 'An-Xuyen'"},
    {HDR PROV "C\t32002\t96\tXã\tan xuyen\n", 3, "slug"},
    {HDR PROV "C\t32002\t96\tXã\t-an\n", 3, "slug"},
    {HDR PROV "C\t32002\t96\tXã\t\n", 3, "slug"},
    {HDR PROV COMM "C\t32005\t95\tXã\tx\n", 4, "province 95 is not defined"},
    {HDR PROV "P\t96\tTỉnh\tx\n", 3, "duplicate province code 96 (first on line 2)"},
    {HDR PROV COMM "\n" COMM, 5, "duplicate commune code 32002 (first on line 3)"},
    {HDR PROV COMM "M\t31999\t32003\twhole\n", 4, "mapping target 32003 is not a current"},
    {HDR PROV COMM "M\t3199\t32002\twhole\n", 4, "old commune code '3199'"},
    {HDR PROV COMM "M\t31999\t3200\twhole\n", 4, "new commune code '3200'"},
    {HDR PROV COMM "M\t31999\t32002\tmost\n", 4, "neither 'whole' nor 'part'"},
    {HDR PROV COMM "M\t31999\t32002\twhole\n", 0, NULL}, /* sanity: this one loads */
    {HDR PROV COMM "M\t31999\t32002\twhole\nM\t31999\t32002\twhole\n", 5,
     "duplicate mapping 31999 -> 32002 (first on line 4)"},
    {HDR PROV COMM "C\t32003\t96\tXã\tx\nM\t31999\t32002\tpart\nM\t31999\t32003\twhole\n", 6,
     "a 'whole' mapping must be its only one"},
    {HDR PROV COMM "C\t32003\t96\tXã\tx\nM\t31999\t32002\twhole\nM\t31999\t32003\tpart\n", 6,
     "maps to 32002 on line 5"},
};

static void test_broken_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof broken_files / sizeof *broken_files; i++) {
        const struct broken *b = &broken_files[i];
        char err[512] = "junk", path[256], want[400];
        struct gazetteer *g = load_text(b->text, err, sizeof err, path, sizeof path);
        if (!b->reason) {
            if (!g)
                print_error("case %zu: %s\n", i, err);
            assert_non_null(g);
            gazetteer_free(g);
            continue;
        }
        if (g)
            print_error("case %zu loaded but should fail with '%s'\n", i, b->reason);
        assert_null(g);
        snprintf(want, sizeof want, "%s:%u: ", path, b->line);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, b->reason))
            print_error("case %zu: got '%s', want '%s%s'\n", i, err, want, b->reason);
        assert_true(strncmp(err, want, strlen(want)) == 0);
        assert_non_null(strstr(err + strlen(want), b->reason));
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[256], path[256];
    /* A NUL byte would silently cut a line; it is named with its line. */
    static const char nul[] = HDR PROV "C\t32002\t96\tX\0y\tx\n";
    write_temp(path, sizeof path, nul, sizeof nul - 1);
    struct gazetteer *g = gazetteer_load(path, err, sizeof err);
    unlink(path);
    assert_null(g);
    char want[300];
    snprintf(want, sizeof want, "%s:3: NUL byte in file", path);
    assert_string_equal(err, want);

    assert_null(gazetteer_load("/nonexistent/iocd/gaz.tsv", err, sizeof err));
    assert_string_equal(err, "/nonexistent/iocd/gaz.tsv: cannot open: No such file or directory");
    assert_null(gazetteer_load(NULL, err, sizeof err));
    assert_non_null(strstr(err, "no gazetteer file"));

    /* A short or absent error buffer is never overrun. */
    char tiny[8] = "XXXXXXX";
    assert_null(gazetteer_load("/nonexistent/iocd/gaz.tsv", tiny, 5));
    assert_int_equal(strlen(tiny), 4);
    assert_int_equal(tiny[5], 'X');
    assert_null(gazetteer_load("/nonexistent/iocd/gaz.tsv", NULL, 0));
    gazetteer_free(NULL);
}

/* ---- tools/mkgazetteer ---- */

/* The tool's formatting rules on a tiny input: zero padding, slugs, a BOM,
 * CRLF, a quoted CSV field with a comma, columns found by name, notes. */
static void test_mkgazetteer_small(void **state)
{
    (void)state;
    static const char json[] =
        "[{\"name\":\"Tỉnh Bảy\",\"code\":7,\"codename\":\"tinh_bay\",\"wards\":["
        "{\"name\":\"Xã Một\",\"code\":10,\"short_codename\":\"mot\"},"
        "{\"name\":\"Phường 2 Hai\",\"code\":12345,\"short_codename\":\"2_hai\"}]}]";
    static const char csv[] =
        "\xEF\xBB\xBFnote,old_commune_code,new_commune_code,old_commune_name\r\n"
        "Nhập toàn bộ,2,10,\"Xã  Cũ, \"\"A\"\"\"\r\n"
        "Nhập một phần,3,10,x\r\n"
        "Nhập một phần,3,12345,x\r\n"
        "Giữ nguyên,12345,12345,x\r\n";
    char jp[256], cp[256], op[256], ep[256];
    write_temp(jp, sizeof jp, json, sizeof json - 1);
    write_temp(cp, sizeof cp, csv, sizeof csv - 1);
    write_temp(op, sizeof op, "", 0);
    write_temp(ep, sizeof ep, "", 0);
    assert_int_equal(run_tool(jp, cp, "t-1", op, ep), 0);

    size_t len;
    char *out = read_all(op, &len);
    assert_non_null(out);
    out = realloc(out, len + 1);
    out[len] = '\0';
    assert_true(strncmp(out, "#iocd-gazetteer 1 t-1\n", 22) == 0);
    assert_non_null(strstr(out, "\nP\t07\tTỉnh Bảy\ttinh-bay\n"
                                "C\t00010\t07\tXã Một\tmot\n"
                                "C\t12345\t07\tPhường 2 Hai\t2-hai\n"));
    assert_non_null(strstr(out, "\nM\t00002\t00010\twhole\n"
                                "M\t00003\t00010\tpart\n"
                                "M\t00003\t12345\tpart\n"
                                "M\t12345\t12345\twhole\n"));
    /* No temp-file path may leak into the output, only base names. */
    assert_null(strstr(out, jp));
    free(out);

    /* And what it writes, the loader reads. */
    char err[256];
    struct gazetteer *g = gazetteer_load(op, err, sizeof err);
    if (!g)
        print_error("%s\n", err);
    assert_non_null(g);
    expect_split(g, "00003", "00010, 12345");
    expect_mapped(g, "00002", "00010");
    gazetteer_free(g);

    /* An unknown note stops the tool with the CSV line. */
    static const char bad[] = "new_commune_code,old_commune_code,note\n10,2,Nhập toàn bộ\n"
                              "10,3,Sáp nhập\n";
    unlink(cp);
    write_temp(cp, sizeof cp, bad, sizeof bad - 1);
    assert_int_equal(run_tool(jp, cp, "t-1", op, ep), 1);
    char *msg = read_all(ep, &len);
    assert_non_null(msg);
    msg = realloc(msg, len + 1);
    msg[len] = '\0';
    char want[300];
    snprintf(want, sizeof want, "%s:3: ", cp);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "Sáp nhập"));
    free(msg);

    unlink(jp);
    unlink(cp);
    unlink(op);
    unlink(ep);
}

/* The committed file is exactly what the tool makes of the official lists. */
static void test_committed_file_is_generated(void **state)
{
    (void)state;
    if (access(SHARED_JSON, R_OK) != 0 || access(SHARED_CSV, R_OK) != 0) {
        print_message("SKIP: %s not found; cannot check that " GAZ_FILE
                      " is up to date\n",
                      SHARED_JSON);
        skip();
    }
    char op[256], ep[256];
    write_temp(op, sizeof op, "", 0);
    write_temp(ep, sizeof ep, "", 0);
    int rc = run_tool(SHARED_JSON, SHARED_CSV, "vn-2025-07", op, ep);
    size_t glen = 0, clen = 0;
    char *gen = read_all(op, &glen), *com = read_all(GAZ_FILE, &clen);
    unlink(op);
    unlink(ep);
    assert_int_equal(rc, 0);
    assert_non_null(gen);
    assert_non_null(com);
    if (glen != clen || memcmp(gen, com, glen) != 0) {
        size_t i = 0, line = 1;
        for (; i < glen && i < clen && gen[i] == com[i]; i++)
            line += gen[i] == '\n';
        print_error(GAZ_FILE " differs from the generated file from line %zu on: "
                             "regenerate it with build/tools/mkgazetteer\n",
                    line);
    }
    assert_int_equal(glen, clen);
    assert_memory_equal(gen, com, glen);
    free(gen);
    free(com);
}

int main(void)
{
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_counts),         cmocka_unit_test(test_provinces),
        cmocka_unit_test(test_current_commune), cmocka_unit_test(test_communes_of),
        cmocka_unit_test(test_all_consistent), cmocka_unit_test(test_mapped),
        cmocka_unit_test(test_split),          cmocka_unit_test(test_current_wins),
        cmocka_unit_test(test_malformed_unknown), cmocka_unit_test(test_old_code_for),
    };
    const struct CMUnitTest other[] = {
        cmocka_unit_test(test_small_file),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_mkgazetteer_small),
        cmocka_unit_test(test_committed_file_is_generated),
    };
    int failed = cmocka_run_group_tests_name("gazetteer_data", real, setup_real, teardown_real);
    failed += cmocka_run_group_tests_name("gazetteer_files", other, NULL, NULL);
    return failed ? 1 : 0;
}
