/*
 * gazetteer - the administrative units a metric may be attached to.
 *
 * Design idea: the whole file is read into one buffer that is cut into
 * strings in place, so every name, code and slug handed out points into
 * that buffer and the loaded structure is a handful of allocations that
 * never change again. Lookups (one per metric) are binary searches over
 * arrays of numeric keys sorted at load time: ~12 integer compares for
 * ~3,500 codes, no hashing, no locks.
 *
 * File format, version 1 (UTF-8, one record per line, LF or CRLF):
 *
 *   line 1:  #iocd-gazetteer 1 <version>          e.g. "vn-2025-07"
 *   #...     further lines starting with '#' are comments
 *            blank lines are ignored
 *   P<TAB>code<TAB>name<TAB>slug                  a province
 *   C<TAB>code<TAB>province<TAB>name<TAB>slug     a current commune/ward
 *   M<TAB>old_code<TAB>new_code<TAB>whole|part    a row of the conversion
 *                                                 list of old commune codes
 *
 * Province codes are 2 ASCII digits, commune codes 5. A name is non-empty
 * UTF-8 without control characters or surrounding spaces; a slug is
 * lowercase ASCII letters, digits and inner hyphens. Records may come in
 * any order: a commune's province and a mapping's target are checked once
 * the whole file is read. An old code with one "whole" row maps to its
 * target; an old code with "part" rows is split (all its rows listed); an
 * old code cannot be both. Every error is reported as "FILE:LINE: reason".
 */
#include "gazetteer.h"

#include "conffile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A real gazetteer is under 1 MB; refuse anything absurd rather than try. */
#define GAZETTEER_MAX_FILE (64L * 1024 * 1024)
#define GAZETTEER_MAGIC "#iocd-gazetteer "
#define GAZETTEER_FORMAT "1"
#define GAZETTEER_MAX_FIELDS 5

/* A province or commune with what the lookups need beside its area. */
struct gazetteer_unit {
    struct area area;
    int key;               /* the code as a number, the search key */
    unsigned line;         /* where it was defined, for error messages */
    const char *old_whole; /* commune: answer of gazetteer_old_code_for */
    size_t first, count;   /* province: its communes in g->members */
};

/* An old commune code that is not (or not only) a current one. */
struct gazetteer_old {
    int key;
    const char *code;
    enum gazetteer_result result; /* GAZ_MAPPED or GAZ_SPLIT */
    const struct area *target;    /* GAZ_MAPPED */
    char *split_into;             /* GAZ_SPLIT: "32025, 32041" */
};

/* An "M" line as read, before grouping by old code. */
struct gazetteer_row {
    int old_key, new_key;
    const char *old_code;
    int whole;
    unsigned line;
    size_t seq; /* file order, to keep sorting stable */
    const struct gazetteer_unit *target;
};

struct gazetteer {
    char *buf; /* the file; every string points into it */
    const char *version;
    struct gazetteer_unit *prov, *comm; /* file order */
    size_t nprov, ncomm;
    struct gazetteer_unit **prov_idx, **comm_idx; /* sorted by key */
    const struct area **members; /* communes grouped by province */
    struct gazetteer_old *olds;  /* sorted by key */
    size_t nold;
};

/* State that only exists while loading. */
struct gazetteer_loader {
    struct gazetteer *g;
    const char *path;
    char *err;
    size_t errlen;
    size_t capprov, capcomm;
    struct gazetteer_row *rows;
    size_t nrows, caprows;
};

__attribute__((format(printf, 3, 4))) static int
gazetteer_fail(struct gazetteer_loader *ld, unsigned line, const char *fmt, ...)
{
    if (!ld->err || ld->errlen == 0)
        return -1;
    int n = line ? snprintf(ld->err, ld->errlen, "%s:%u: ", ld->path, line)
                 : snprintf(ld->err, ld->errlen, "%s: ", ld->path);
    if (n >= 0 && (size_t)n < ld->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- validation of single fields ---- */

/* The numeric value of exactly `len` ASCII digits, or -1. */
static int gazetteer_key(const char *s, size_t len)
{
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return s[len] == '\0' ? v : -1;
}

/* Slugs end up in MQTT topics (Homie convention): [a-z0-9] with inner
 * hyphens only, so a topic level can never be empty or start with '-'. */
static int gazetteer_slug_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

/* Length of the UTF-8 sequence starting at s, or 0 if it is invalid
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t gazetteer_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        n = 2, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        n = 3, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        n = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Names are published in JSON and shown on screens. */
static const char *gazetteer_name_problem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return "empty name";
    if (s[0] == ' ' || s[n - 1] == ' ')
        return "name has leading or trailing spaces";
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return "control character in name";
        size_t len = gazetteer_utf8_len((const unsigned char *)s + i);
        if (len == 0)
            return "name is not valid UTF-8";
        i += len;
    }
    return NULL;
}

static int gazetteer_check_name_slug(struct gazetteer_loader *ld, unsigned line,
                                     const char *name, const char *slug)
{
    const char *why = gazetteer_name_problem(name);
    if (why)
        return gazetteer_fail(ld, line, "%s", why);
    if (!gazetteer_slug_ok(slug))
        return gazetteer_fail(ld, line,
                              "slug '%s' is not lowercase ASCII letters, digits "
                              "and inner hyphens",
                              slug);
    return 0;
}

/* ---- growing arrays while loading ---- */

static void *gazetteer_grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(arr, ncap * size);
    if (p)
        *cap = ncap;
    return p;
}

static struct gazetteer_unit *gazetteer_new_unit(struct gazetteer_loader *ld, int commune,
                                                 unsigned line)
{
    struct gazetteer *g = ld->g;
    struct gazetteer_unit **arr = commune ? &g->comm : &g->prov;
    size_t *n = commune ? &g->ncomm : &g->nprov;
    size_t *cap = commune ? &ld->capcomm : &ld->capprov;
    void *p = gazetteer_grow(*arr, cap, *n, sizeof **arr);
    if (!p) {
        gazetteer_fail(ld, line, "out of memory");
        return NULL;
    }
    *arr = p;
    struct gazetteer_unit *u = &(*arr)[(*n)++];
    memset(u, 0, sizeof *u);
    u->line = line;
    return u;
}

/* ---- records ---- */

static int gazetteer_add_province(struct gazetteer_loader *ld, unsigned line, char **f)
{
    int key = gazetteer_key(f[1], 2);
    if (key < 0)
        return gazetteer_fail(ld, line, "province code '%s' is not 2 digits", f[1]);
    if (gazetteer_check_name_slug(ld, line, f[2], f[3]))
        return -1;
    struct gazetteer_unit *u = gazetteer_new_unit(ld, 0, line);
    if (!u)
        return -1;
    u->key = key;
    u->area = (struct area){AREA_PROVINCE, f[1], f[1], f[2], f[3]};
    return 0;
}

static int gazetteer_add_commune(struct gazetteer_loader *ld, unsigned line, char **f)
{
    int key = gazetteer_key(f[1], 5);
    if (key < 0)
        return gazetteer_fail(ld, line, "commune code '%s' is not 5 digits", f[1]);
    if (gazetteer_key(f[2], 2) < 0)
        return gazetteer_fail(ld, line, "province code '%s' is not 2 digits", f[2]);
    if (gazetteer_check_name_slug(ld, line, f[3], f[4]))
        return -1;
    struct gazetteer_unit *u = gazetteer_new_unit(ld, 1, line);
    if (!u)
        return -1;
    u->key = key;
    /* area.province is re-pointed at the province's own code once known. */
    u->area = (struct area){AREA_COMMUNE, f[1], f[2], f[3], f[4]};
    return 0;
}

static int gazetteer_add_mapping(struct gazetteer_loader *ld, unsigned line, char **f)
{
    int old_key = gazetteer_key(f[1], 5), new_key = gazetteer_key(f[2], 5);
    if (old_key < 0)
        return gazetteer_fail(ld, line, "old commune code '%s' is not 5 digits", f[1]);
    if (new_key < 0)
        return gazetteer_fail(ld, line, "new commune code '%s' is not 5 digits", f[2]);
    int whole = strcmp(f[3], "whole") == 0;
    if (!whole && strcmp(f[3], "part") != 0)
        return gazetteer_fail(ld, line, "mapping kind '%s' is neither 'whole' nor 'part'",
                              f[3]);
    void *p = gazetteer_grow(ld->rows, &ld->caprows, ld->nrows, sizeof *ld->rows);
    if (!p)
        return gazetteer_fail(ld, line, "out of memory");
    ld->rows = p;
    ld->rows[ld->nrows] = (struct gazetteer_row){old_key, new_key, f[1], whole, line,
                                                 ld->nrows, NULL};
    ld->nrows++;
    return 0;
}

/* Cut a line into TAB-separated fields in place; returns the count, or
 * GAZETTEER_MAX_FIELDS + 1 when there are too many. */
static size_t gazetteer_split(char *line, char **f)
{
    size_t n = 0;
    for (char *p = line;;) {
        if (n == GAZETTEER_MAX_FIELDS)
            return n + 1;
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            return n;
        *tab = '\0';
        p = tab + 1;
    }
}

static int gazetteer_record(struct gazetteer_loader *ld, unsigned line, char *text)
{
    char *f[GAZETTEER_MAX_FIELDS];
    size_t n = gazetteer_split(text, f);
    size_t want;
    int (*add)(struct gazetteer_loader *, unsigned, char **);

    if (strcmp(f[0], "P") == 0)
        want = 4, add = gazetteer_add_province;
    else if (strcmp(f[0], "C") == 0)
        want = 5, add = gazetteer_add_commune;
    else if (strcmp(f[0], "M") == 0)
        want = 4, add = gazetteer_add_mapping;
    else
        return gazetteer_fail(ld, line,
                              "unknown record type '%.20s' (expected P, C or M "
                              "followed by a TAB)",
                              f[0]);
    if (n != want)
        return gazetteer_fail(ld, line, "%s record needs %zu TAB-separated fields, found %s%zu",
                              f[0], want, n > GAZETTEER_MAX_FIELDS ? "more than " : "",
                              n > GAZETTEER_MAX_FIELDS ? (size_t)GAZETTEER_MAX_FIELDS : n);
    return add(ld, line, f);
}

static int gazetteer_header(struct gazetteer_loader *ld, char *text)
{
    size_t ml = strlen(GAZETTEER_MAGIC);
    if (strncmp(text, GAZETTEER_MAGIC, ml) != 0)
        return gazetteer_fail(ld, 1, "not a gazetteer file (first line must be '"
                                     GAZETTEER_MAGIC GAZETTEER_FORMAT " VERSION')");
    char *fmt = text + ml, *sp = strchr(fmt, ' ');
    if (!sp)
        return gazetteer_fail(ld, 1, "header has no data version");
    *sp = '\0';
    if (strcmp(fmt, GAZETTEER_FORMAT) != 0)
        return gazetteer_fail(ld, 1, "unsupported gazetteer format '%.20s' (this iocd reads "
                                     GAZETTEER_FORMAT ")", fmt);
    char *ver = sp + 1;
    size_t vl = strlen(ver);
    if (vl == 0 || vl > 64 || strspn(ver, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789._-") != vl)
        return gazetteer_fail(ld, 1, "data version must be 1..64 of [A-Za-z0-9._-]");
    ld->g->version = ver;
    return 0;
}

/* Cut the buffer into lines and hand each one on. */
static int gazetteer_parse(struct gazetteer_loader *ld, char *buf)
{
    unsigned line = 0;
    for (char *p = buf; *p;) {
        char *nl = strchr(p, '\n'), *next = nl ? nl + 1 : p + strlen(p);
        if (nl)
            *nl = '\0';
        line++;
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r')
            p[--len] = '\0';
        if (line == 1) {
            if (gazetteer_header(ld, p))
                return -1;
        } else if (p[0] != '#' && strspn(p, " \t") != len) {
            if (gazetteer_record(ld, line, p))
                return -1;
        }
        p = next;
    }
    if (line == 0)
        return gazetteer_fail(ld, 1, "empty file (first line must be '" GAZETTEER_MAGIC
                                     GAZETTEER_FORMAT " VERSION')");
    if (ld->g->nprov == 0)
        return gazetteer_fail(ld, line, "end of file: no province defined");
    return 0;
}

/* ---- indexes ---- */

static int gazetteer_unit_cmp(const void *a, const void *b)
{
    const struct gazetteer_unit *x = *(struct gazetteer_unit *const *)a;
    const struct gazetteer_unit *y = *(struct gazetteer_unit *const *)b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static struct gazetteer_unit *gazetteer_find_unit(struct gazetteer_unit *const *idx, size_t n,
                                                  int key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx[mid]->key < key)
            lo = mid + 1;
        else if (idx[mid]->key > key)
            hi = mid;
        else
            return idx[mid];
    }
    return NULL;
}

/* Sorted pointer index over units; duplicate codes are an error. */
static int gazetteer_index(struct gazetteer_loader *ld, struct gazetteer_unit *units, size_t n,
                           struct gazetteer_unit ***out, const char *what)
{
    struct gazetteer_unit **idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return gazetteer_fail(ld, 0, "out of memory");
    *out = idx;
    for (size_t i = 0; i < n; i++)
        idx[i] = &units[i];
    qsort(idx, n, sizeof *idx, gazetteer_unit_cmp);
    for (size_t i = 1; i < n; i++)
        if (idx[i]->key == idx[i - 1]->key)
            return gazetteer_fail(ld, idx[i]->line, "duplicate %s code %s (first on line %u)",
                                  what, idx[i]->area.code, idx[i - 1]->line);
    return 0;
}

/* Attach every commune to its province and group them for communes_of. */
static int gazetteer_link_communes(struct gazetteer_loader *ld)
{
    struct gazetteer *g = ld->g;
    for (size_t i = 0; i < g->ncomm; i++) {
        struct gazetteer_unit *c = &g->comm[i];
        struct gazetteer_unit *p =
            gazetteer_find_unit(g->prov_idx, g->nprov, gazetteer_key(c->area.province, 2));
        if (!p)
            return gazetteer_fail(ld, c->line, "commune %s: province %s is not defined",
                                  c->area.code, c->area.province);
        c->area.province = p->area.code;
        p->count++;
    }
    size_t off = 0;
    for (size_t i = 0; i < g->nprov; i++) {
        g->prov[i].first = off;
        off += g->prov[i].count;
        g->prov[i].count = 0;
    }
    g->members = malloc((g->ncomm ? g->ncomm : 1) * sizeof *g->members);
    if (!g->members)
        return gazetteer_fail(ld, 0, "out of memory");
    for (size_t i = 0; i < g->ncomm; i++) {
        struct gazetteer_unit *c = &g->comm[i];
        struct gazetteer_unit *p =
            gazetteer_find_unit(g->prov_idx, g->nprov, gazetteer_key(c->area.province, 2));
        g->members[p->first + p->count++] = &c->area;
    }
    return 0;
}

/* Every mapping must land on a current commune. Also records, per commune,
 * the first old code (in file order) merged wholly into it that is not a
 * current code itself: such a code is unambiguous in a feed. */
static int gazetteer_link_rows(struct gazetteer_loader *ld)
{
    struct gazetteer *g = ld->g;
    for (size_t i = 0; i < ld->nrows; i++) {
        struct gazetteer_row *r = &ld->rows[i];
        struct gazetteer_unit *t = gazetteer_find_unit(g->comm_idx, g->ncomm, r->new_key);
        if (!t)
            return gazetteer_fail(ld, r->line, "mapping target %05d is not a current commune",
                                  r->new_key);
        r->target = t;
        if (r->whole && !t->old_whole &&
            !gazetteer_find_unit(g->comm_idx, g->ncomm, r->old_key))
            t->old_whole = r->old_code;
    }
    return 0;
}

static int gazetteer_row_cmp(const void *a, const void *b)
{
    const struct gazetteer_row *x = a, *y = b;
    if (x->old_key != y->old_key)
        return x->old_key < y->old_key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "32025, 32041" for the rows [r, r+n). */
static char *gazetteer_join(const struct gazetteer_row *r, size_t n)
{
    char *s = malloc(n * 7);
    if (!s)
        return NULL;
    char *p = s;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, r[i].target->area.code, 5);
        p += 5;
    }
    *p = '\0';
    return s;
}

/* One old code's rows [r, r+n), already linked to their targets. */
static int gazetteer_add_old(struct gazetteer_loader *ld, const struct gazetteer_row *r,
                             size_t n)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (r[j].new_key == r[i].new_key)
                return gazetteer_fail(ld, r[i].line, "duplicate mapping %s -> %05d (first on "
                                                     "line %u)",
                                      r[i].old_code, r[i].new_key, r[j].line);
        /* A wholly merged commune went to one place only; two rows for it
         * mean the list is wrong, and guessing which one is right is not
         * our job. */
        if (r[i].whole || r[0].whole)
            return gazetteer_fail(ld, r[i].line,
                                  "old code %s maps to %05d on line %u and to %05d here; "
                                  "a 'whole' mapping must be its only one",
                                  r[i].old_code, r[0].new_key, r[0].line, r[i].new_key);
    }
    struct gazetteer_old *o = &ld->g->olds[ld->g->nold++];
    o->key = r[0].old_key;
    o->code = r[0].old_code;
    if (n == 1 && r[0].whole) {
        o->result = GAZ_MAPPED;
        o->target = &r[0].target->area;
        return 0;
    }
    /* A lone "part" row is still a split: the rest of that commune went
     * somewhere the list does not say, so we cannot attribute it. */
    o->result = GAZ_SPLIT;
    o->split_into = gazetteer_join(r, n);
    return o->split_into ? 0 : gazetteer_fail(ld, 0, "out of memory");
}

static int gazetteer_build_olds(struct gazetteer_loader *ld)
{
    if (gazetteer_link_rows(ld))
        return -1;
    qsort(ld->rows, ld->nrows, sizeof *ld->rows, gazetteer_row_cmp);
    ld->g->olds = calloc(ld->nrows ? ld->nrows : 1, sizeof *ld->g->olds);
    if (!ld->g->olds)
        return gazetteer_fail(ld, 0, "out of memory");
    for (size_t i = 0, j; i < ld->nrows; i = j) {
        for (j = i + 1; j < ld->nrows && ld->rows[j].old_key == ld->rows[i].old_key; j++)
            ;
        if (gazetteer_add_old(ld, &ld->rows[i], j - i))
            return -1;
    }
    return 0;
}

/* ---- reading the file ---- */

static char *gazetteer_read(struct gazetteer_loader *ld)
{
    /* A regular file only (conffile.h): a FIFO would block for ever. */
    char why[160];
    int fd = conffile_open(ld->path, why, sizeof why);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0) {
            snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
            close(fd);
        }
        gazetteer_fail(ld, 0, "%s", why);
        return NULL;
    }
    size_t len = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 65536;
            char *p = cap > (size_t)GAZETTEER_MAX_FILE + 65536 ? NULL : realloc(buf, cap + 1);
            if (!p) {
                gazetteer_fail(ld, 0, "file too large or out of memory");
                goto fail;
            }
            buf = p;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        gazetteer_fail(ld, 0, "read error: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    buf[len] = '\0';
    /* A NUL would silently cut a line short: name its line instead. */
    char *nul = memchr(buf, '\0', len);
    if (nul) {
        unsigned line = 1;
        for (char *p = buf; p < nul; p++)
            line += *p == '\n';
        gazetteer_fail(ld, line, "NUL byte in file");
        free(buf);
        return NULL;
    }
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* ---- public API ---- */

struct gazetteer *gazetteer_load(const char *path, char *err, size_t errlen)
{
    struct gazetteer_loader ld = {.path = path ? path : "(null)", .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    ld.g = calloc(1, sizeof *ld.g);
    if (!ld.g) {
        gazetteer_fail(&ld, 0, "out of memory");
        return NULL;
    }
    int rc = -1;
    if (path && (ld.g->buf = gazetteer_read(&ld)) && !gazetteer_parse(&ld, ld.g->buf) &&
        !gazetteer_index(&ld, ld.g->prov, ld.g->nprov, &ld.g->prov_idx, "province") &&
        !gazetteer_index(&ld, ld.g->comm, ld.g->ncomm, &ld.g->comm_idx, "commune") &&
        !gazetteer_link_communes(&ld) && !gazetteer_build_olds(&ld))
        rc = 0;
    else if (!path)
        gazetteer_fail(&ld, 0, "no gazetteer file given");
    free(ld.rows);
    if (rc) {
        gazetteer_free(ld.g);
        return NULL;
    }
    return ld.g;
}

void gazetteer_free(struct gazetteer *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nold; i++)
        free(g->olds[i].split_into);
    free(g->olds);
    free(g->members);
    free(g->prov_idx);
    free(g->comm_idx);
    free(g->prov);
    free(g->comm);
    free(g->buf);
    free(g);
}

const char *gazetteer_version(const struct gazetteer *g)
{
    return g ? g->version : NULL;
}

static const struct gazetteer_old *gazetteer_find_old(const struct gazetteer *g, int key)
{
    size_t lo = 0, hi = g->nold;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->olds[mid].key < key)
            lo = mid + 1;
        else if (g->olds[mid].key > key)
            hi = mid;
        else
            return &g->olds[mid];
    }
    return NULL;
}

/* The 2- or 5-digit code's key, or -1 when malformed. Stops reading after
 * 6 characters so an unterminated run of digits costs nothing. */
static int gazetteer_code(const char *code, size_t *len)
{
    if (!code)
        return -1;
    size_t n = 0;
    while (n < 6 && code[n])
        n++;
    *len = n;
    return n == 2 || n == 5 ? gazetteer_key(code, n) : -1;
}

enum gazetteer_result gazetteer_resolve(const struct gazetteer *g, const char *code,
                                        struct area_resolution *out)
{
    struct area_resolution dummy;
    if (!out)
        out = &dummy;
    *out = (struct area_resolution){GAZ_UNKNOWN, NULL, NULL, NULL};
    size_t len = 0;
    int key = gazetteer_code(code, &len);
    if (key < 0)
        return out->result = GAZ_MALFORMED;
    if (!g)
        return out->result;
    const struct gazetteer_unit *u =
        len == 2 ? gazetteer_find_unit(g->prov_idx, g->nprov, key)
                 : gazetteer_find_unit(g->comm_idx, g->ncomm, key);
    if (u) {
        out->area = &u->area;
        return out->result = GAZ_CURRENT;
    }
    const struct gazetteer_old *o = len == 5 ? gazetteer_find_old(g, key) : NULL;
    if (o) {
        out->old_code = o->code;
        out->area = o->target;
        out->split_into = o->split_into;
        out->result = o->result;
    }
    return out->result;
}

/* The unit for an exact 2- or 5-digit code, or NULL. */
static const struct gazetteer_unit *gazetteer_unit_of(const struct gazetteer *g,
                                                      const char *code, size_t want)
{
    size_t len = 0;
    int key = gazetteer_code(code, &len);
    if (!g || key < 0 || len != want)
        return NULL;
    return want == 2 ? gazetteer_find_unit(g->prov_idx, g->nprov, key)
                     : gazetteer_find_unit(g->comm_idx, g->ncomm, key);
}

size_t gazetteer_communes_of(const struct gazetteer *g, const char *province,
                             const struct area *const **list)
{
    const struct gazetteer_unit *p = gazetteer_unit_of(g, province, 2);
    if (!p) {
        if (list)
            *list = NULL;
        return 0;
    }
    if (list)
        *list = p->count ? &g->members[p->first] : NULL;
    return p->count;
}

const char *gazetteer_old_code_for(const struct gazetteer *g, const char *code)
{
    const struct gazetteer_unit *c = gazetteer_unit_of(g, code, 5);
    return c ? c->old_whole : NULL;
}

size_t gazetteer_province_count(const struct gazetteer *g)
{
    return g ? g->nprov : 0;
}

size_t gazetteer_commune_count(const struct gazetteer *g)
{
    return g ? g->ncomm : 0;
}
