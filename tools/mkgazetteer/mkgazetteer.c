/*
 * mkgazetteer - builds the gazetteer data file (conf/gazetteer/VERSION.tsv) from
 * the official lists:
 *
 *   mkgazetteer DIVISIONS.json CONVERSION.csv VERSION > out.tsv
 *
 * DIVISIONS.json is the national list (an array of provinces, each with
 * "code", "name", "codename" and "wards": [{"code", "name",
 * "short_codename"}], codes as JSON integers). CONVERSION.csv is a
 * province's old->new commune code list with the columns new_commune_code,
 * old_commune_code and note ("Nhập toàn bộ" merged wholly, "Nhập một
 * phần" merged in part, "Giữ nguyên" unchanged).
 *
 * Design idea: the output is a pure function of the inputs - no dates, no
 * paths, input order kept - so regenerating it from the same lists gives a
 * byte-identical file and a test can prove the committed file is
 * up to date. Everything is validated before the first byte is written;
 * any doubt about the input stops the tool with FILE:LINE or the JSON
 * path of the offending entry, because a wrong gazetteer silently files
 * metrics under the wrong commune.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MKGAZ_MAX_COMMUNE 100000

/* One mapping row of the CSV, in file order. */
struct mkgaz_row {
    int old_code, new_code;
    const char *kind; /* "whole" or "part" */
};

struct mkgaz {
    const char *json_path, *csv_path, *version;
    json_t *root;
    unsigned char *is_commune; /* MKGAZ_MAX_COMMUNE flags: current codes */
    struct mkgaz_row *rows;
    size_t nrows, caprows;
};

static const char *mkgaz_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A name goes into a TAB-separated line and must load: no TAB, newline or
 * other control character and no surrounding spaces. */
static int mkgaz_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 0;
    return 1;
}

/* "ca_mau" -> "ca-mau" into buf; 0 if the codename is not a clean
 * lowercase ASCII identifier (the loader would refuse the slug). */
static int mkgaz_slug(const char *codename, char *buf, size_t len)
{
    size_t n = strlen(codename);
    if (n == 0 || n >= len || codename[0] == '_' || codename[n - 1] == '_')
        return 0;
    for (size_t i = 0; i <= n; i++) {
        char c = codename[i];
        if (c == '_')
            c = '-';
        else if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
        buf[i] = c;
    }
    return 1;
}

/* Field `key` of entry `obj` as a string / an integer in [1, max]. */
static const char *mkgaz_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long mkgaz_int(json_t *obj, const char *key, long max)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return -1;
    json_int_t i = json_integer_value(v);
    return i >= 1 && i <= max ? (long)i : -1;
}

/* ---- the national list ---- */

static int mkgaz_check_ward(struct mkgaz *m, json_t *w, size_t pi, size_t wi)
{
    long code = mkgaz_int(w, "code", MKGAZ_MAX_COMMUNE - 1);
    const char *name = mkgaz_str(w, "name"), *sc = mkgaz_str(w, "short_codename");
    char slug[128];
    if (code < 0 || !name || !sc) {
        fprintf(stderr, "mkgazetteer: %s: [%zu].wards[%zu]: needs integer \"code\" (1..99999), "
                        "string \"name\" and \"short_codename\"\n",
                m->json_path, pi, wi);
        return -1;
    }
    if (!mkgaz_name_ok(name) || !mkgaz_slug(sc, slug, sizeof slug)) {
        fprintf(stderr, "mkgazetteer: %s: ward %05ld: unusable name or short_codename\n",
                m->json_path, code);
        return -1;
    }
    if (m->is_commune[code]) {
        fprintf(stderr, "mkgazetteer: %s: ward %05ld listed twice\n", m->json_path, code);
        return -1;
    }
    m->is_commune[code] = 1;
    return 0;
}

static int mkgaz_check_province(struct mkgaz *m, json_t *p, size_t pi, unsigned char *seen)
{
    long code = mkgaz_int(p, "code", 99);
    const char *name = mkgaz_str(p, "name"), *cn = mkgaz_str(p, "codename");
    json_t *wards = json_object_get(p, "wards");
    char slug[128];
    if (code < 0 || !name || !cn || !json_is_array(wards)) {
        fprintf(stderr, "mkgazetteer: %s: [%zu]: needs integer \"code\" (1..99), string "
                        "\"name\" and \"codename\", array \"wards\"\n",
                m->json_path, pi);
        return -1;
    }
    if (!mkgaz_name_ok(name) || !mkgaz_slug(cn, slug, sizeof slug) || seen[code]) {
        fprintf(stderr, "mkgazetteer: %s: province %02ld: unusable name or codename, or "
                        "listed twice\n",
                m->json_path, code);
        return -1;
    }
    seen[code] = 1;
    size_t wi;
    json_t *w;
    json_array_foreach(wards, wi, w) {
        if (mkgaz_check_ward(m, w, pi, wi))
            return -1;
    }
    return 0;
}

static int mkgaz_load_json(struct mkgaz *m)
{
    json_error_t e;
    m->root = json_load_file(m->json_path, 0, &e);
    if (!m->root) {
        if (e.line > 0) /* jansson says -1 when it could not read at all */
            fprintf(stderr, "mkgazetteer: %s:%d: %s\n", m->json_path, e.line, e.text);
        else
            fprintf(stderr, "mkgazetteer: %s\n", e.text);
        return -1;
    }
    if (!json_is_array(m->root) || json_array_size(m->root) == 0) {
        fprintf(stderr, "mkgazetteer: %s: expected a non-empty array of provinces\n",
                m->json_path);
        return -1;
    }
    unsigned char seen[100] = {0};
    size_t pi;
    json_t *p;
    json_array_foreach(m->root, pi, p) {
        if (mkgaz_check_province(m, p, pi, seen))
            return -1;
    }
    return 0;
}

/* ---- the conversion list ---- */

/* Split one CSV line in place. Quoted fields ("a, b", "say ""x""") are
 * handled although the official list has none; a quote left open at the
 * end of the line is an error since records never span lines here. */
static int mkgaz_csv_split(char *s, char **f, size_t max, size_t *n)
{
    *n = 0;
    for (;;) {
        if (*n == max)
            return -1;
        char *out = s;
        f[(*n)++] = out;
        if (*s == '"') {
            for (s++;; s++) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"')
                    *out++ = *s++;
                else if (*s == '"')
                    break;
                else
                    *out++ = *s;
            }
            s++;
            if (*s != ',' && *s != '\0')
                return -1;
        } else {
            while (*s && *s != ',')
                *out++ = *s++;
        }
        char sep = *s;
        *out = '\0';
        if (sep == '\0')
            return 0;
        s++;
    }
}

/* Trim ASCII spaces around a field in place. */
static char *mkgaz_trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

/* A commune code of 1..5 digits ("1234" is "01234"), or -1. */
static int mkgaz_code(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
        return -1;
    return atoi(s);
}

static const char *mkgaz_kind(const char *note)
{
    /* "Giữ nguyên" (unchanged) is a merge of the commune into itself. */
    if (strcmp(note, "Nhập toàn bộ") == 0 || strcmp(note, "Giữ nguyên") == 0)
        return "whole";
    if (strcmp(note, "Nhập một phần") == 0)
        return "part";
    return NULL;
}

/* Column indexes of the header line. */
struct mkgaz_cols {
    int new_code, old_code, note;
    size_t count;
};

static int mkgaz_csv_header(struct mkgaz *m, char *line, struct mkgaz_cols *c)
{
    char *f[32];
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0) /* a BOM from spreadsheet exports */
        line += 3;
    *c = (struct mkgaz_cols){-1, -1, -1, 0};
    if (mkgaz_csv_split(line, f, 32, &c->count) == 0) {
        for (size_t i = 0; i < c->count; i++) {
            const char *h = mkgaz_trim(f[i]);
            if (strcmp(h, "new_commune_code") == 0)
                c->new_code = (int)i;
            else if (strcmp(h, "old_commune_code") == 0)
                c->old_code = (int)i;
            else if (strcmp(h, "note") == 0)
                c->note = (int)i;
        }
    }
    if (c->new_code < 0 || c->old_code < 0 || c->note < 0) {
        fprintf(stderr, "mkgazetteer: %s:1: header needs columns new_commune_code, "
                        "old_commune_code and note\n",
                m->csv_path);
        return -1;
    }
    return 0;
}

static int mkgaz_csv_row(struct mkgaz *m, unsigned line, char *text,
                         const struct mkgaz_cols *c)
{
    char *f[32];
    size_t n;
    if (mkgaz_csv_split(text, f, 32, &n) || n != c->count) {
        fprintf(stderr, "mkgazetteer: %s:%u: expected %zu fields (or a quote is not closed)\n",
                m->csv_path, line, c->count);
        return -1;
    }
    const char *note = mkgaz_trim(f[c->note]);
    int old_code = mkgaz_code(mkgaz_trim(f[c->old_code]));
    int new_code = mkgaz_code(mkgaz_trim(f[c->new_code]));
    const char *kind = mkgaz_kind(note);
    if (old_code < 0 || new_code < 0 || !kind) {
        fprintf(stderr, "mkgazetteer: %s:%u: bad commune code or unknown note '%s'\n",
                m->csv_path, line, note);
        return -1;
    }
    if (!m->is_commune[new_code]) {
        fprintf(stderr, "mkgazetteer: %s:%u: new code %05d is not in %s\n", m->csv_path, line,
                new_code, m->json_path);
        return -1;
    }
    if (m->nrows == m->caprows) {
        size_t cap = m->caprows ? m->caprows * 2 : 256;
        void *p = realloc(m->rows, cap * sizeof *m->rows);
        if (!p) {
            fprintf(stderr, "mkgazetteer: out of memory\n");
            return -1;
        }
        m->rows = p;
        m->caprows = cap;
    }
    m->rows[m->nrows++] = (struct mkgaz_row){old_code, new_code, kind};
    return 0;
}

static int mkgaz_load_csv(struct mkgaz *m)
{
    FILE *f = fopen(m->csv_path, "r");
    if (!f) {
        fprintf(stderr, "mkgazetteer: %s: %s\n", m->csv_path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned line = 0;
    struct mkgaz_cols cols;
    int rc = 0;
    while (rc == 0 && (len = getline(&text, &cap, f)) >= 0) {
        line++;
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
        if (line == 1)
            rc = mkgaz_csv_header(m, text, &cols);
        else if (len > 0)
            rc = mkgaz_csv_row(m, line, text, &cols);
    }
    if (rc == 0 && line == 0) {
        fprintf(stderr, "mkgazetteer: %s: empty file\n", m->csv_path);
        rc = -1;
    }
    free(text);
    fclose(f);
    return rc;
}

/* ---- output ---- */

static void mkgaz_write_header(const struct mkgaz *m)
{
    printf("#iocd-gazetteer 1 %s\n", m->version);
    printf("# Generated by tools/mkgazetteer from %s and %s;\n", mkgaz_basename(m->json_path),
           mkgaz_basename(m->csv_path));
    printf("# regenerate rather than edit: make build/tools/mkgazetteer &&\n"
           "#   build/tools/mkgazetteer DIVISIONS.json CONVERSION.csv VERSION > FILE\n"
           "#\n"
           "# Format 1 (UTF-8): line 1 is '#iocd-gazetteer 1 <version>'; lines starting\n"
           "# with '#' are comments; blank lines are ignored; fields are TAB-separated:\n"
           "#   P<TAB>code<TAB>name<TAB>slug                a province (2-digit code)\n"
           "#   C<TAB>code<TAB>province<TAB>name<TAB>slug   a current commune/ward (5 digits)\n"
           "#   M<TAB>old_code<TAB>new_code<TAB>whole|part  a row of the conversion list:\n"
           "#     an old commune merged wholly into new_code ('Nhập toàn bộ', 'Giữ nguyên')\n"
           "#     or in part ('Nhập một phần'); an old code with part rows was split.\n");
}

static void mkgaz_write_units(const struct mkgaz *m)
{
    size_t pi, wi;
    json_t *p, *w;
    char slug[128];
    json_array_foreach(m->root, pi, p) {
        long pc = mkgaz_int(p, "code", 99);
        mkgaz_slug(mkgaz_str(p, "codename"), slug, sizeof slug);
        printf("\nP\t%02ld\t%s\t%s\n", pc, mkgaz_str(p, "name"), slug);
        json_array_foreach(json_object_get(p, "wards"), wi, w) {
            mkgaz_slug(mkgaz_str(w, "short_codename"), slug, sizeof slug);
            printf("C\t%05ld\t%02ld\t%s\t%s\n", mkgaz_int(w, "code", MKGAZ_MAX_COMMUNE - 1), pc,
                   mkgaz_str(w, "name"), slug);
        }
    }
}

static void mkgaz_write_mappings(const struct mkgaz *m)
{
    printf("\n# Old commune codes (before 1 July 2025) from %s\n", mkgaz_basename(m->csv_path));
    for (size_t i = 0; i < m->nrows; i++)
        printf("M\t%05d\t%05d\t%s\n", m->rows[i].old_code, m->rows[i].new_code,
               m->rows[i].kind);
}

static int mkgaz_version_ok(const char *v)
{
    size_t n = strlen(v);
    return n > 0 && n <= 64 &&
           strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkgazetteer DIVISIONS.json CONVERSION.csv VERSION > out.tsv\n");
        return 2;
    }
    struct mkgaz m = {.json_path = argv[1], .csv_path = argv[2], .version = argv[3]};
    int rc = 1;
    if (!mkgaz_version_ok(m.version)) {
        fprintf(stderr, "mkgazetteer: version must be 1..64 of [A-Za-z0-9._-]\n");
        return 2;
    }
    m.is_commune = calloc(MKGAZ_MAX_COMMUNE, 1);
    if (!m.is_commune)
        fprintf(stderr, "mkgazetteer: out of memory\n");
    if (m.is_commune && mkgaz_load_json(&m) == 0 && mkgaz_load_csv(&m) == 0) {
        mkgaz_write_header(&m);
        mkgaz_write_units(&m);
        mkgaz_write_mappings(&m);
        if (fflush(stdout) == 0 && !ferror(stdout))
            rc = 0;
        else
            fprintf(stderr, "mkgazetteer: write error: %s\n", strerror(errno));
    }
    json_decref(m.root);
    free(m.rows);
    free(m.is_commune);
    return rc;
}
