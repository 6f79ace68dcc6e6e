/*
 * jpath - parse and follow http_json's path language (see jpath.h).
 *
 * The design idea: one malloc per path. The parsed form is a fixed array of
 * at most JPATH_MAX_STEPS steps plus one buffer holding the source text and
 * every unescaped key, so a path is immutable after jpath_parse, shared by
 * threads without locks and freed with one free(). Walking keeps no state
 * but a small struct on the stack (the element chosen at each `[]` step, so
 * an error can name `data[3].cells` rather than just `data[].cells`).
 */
#include "jpath.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JPATH_MAX_STEPS 32
#define JPATH_MAX_INDEX_DIGITS 9 /* indexes up to 999999999 */
#define JPATH_LIST_KEYS 8        /* keys named in a "no key" message */
#define JPATH_SHOW_BYTES 40      /* a document key is cut after this */

enum jpath_kind { JPATH_KEY, JPATH_INDEX, JPATH_EACH };

struct jpath_step {
    enum jpath_kind kind;
    size_t index;    /* JPATH_INDEX */
    const char *key; /* JPATH_KEY: unescaped, in jpath.buf */
};

struct jpath {
    bool root, each;
    size_t nsteps;
    struct jpath_step steps[JPATH_MAX_STEPS];
    char buf[]; /* the source text, then the keys, each NUL-terminated */
};

/* A message under construction: appends never overflow, they truncate. */
struct jpath_msg {
    char *buf;
    size_t len, used;
};

static void jpath_msg_init(struct jpath_msg *m, char *buf, size_t len)
{
    m->buf = buf;
    m->len = len;
    m->used = 0;
    if (buf && len)
        buf[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void jpath_msg_add(struct jpath_msg *m,
                                                                const char *fmt, ...)
{
    if (!m->buf || m->used + 1 >= m->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->buf + m->used, m->len - m->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        m->used = m->used + (size_t)n < m->len ? m->used + (size_t)n : m->len - 1;
}

/* A byte named in a syntax error: itself when printable ASCII. */
static void jpath_msg_byte(struct jpath_msg *m, char c)
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f)
        jpath_msg_add(m, "`%c`", c);
    else if (u == ' ')
        jpath_msg_add(m, "a space");
    else
        jpath_msg_add(m, "byte 0x%02X", u);
}

/* ---- parsing ---------------------------------------------------------- */

static bool jpath_bare_byte(char c)
{
    return c != '\0' && c != '.' && c != '[' && c != ']' && c != '"' && c != ' ';
}

/* Parse failure: the reason with its 1-based column, then NULL. */
__attribute__((format(printf, 4, 5))) static struct jpath *
jpath_fail(struct jpath *jp, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    free(jp);
    return NULL;
}

/* `[0]` or `[]` at text[*pos] == '['. Returns 0, or -1 with err set. */
static int jpath_parse_bracket(struct jpath *jp, const char *text, size_t *pos, char *err,
                               size_t errlen)
{
    struct jpath_step *st = &jp->steps[jp->nsteps];
    size_t p = *pos + 1;
    struct jpath_msg m;
    jpath_msg_init(&m, err, errlen);
    if (text[p] == ']') {
        st->kind = JPATH_EACH;
        jp->each = true;
        *pos = p + 1;
        return 0;
    }
    if (text[p] < '0' || text[p] > '9') {
        jpath_msg_add(&m, "expected an index or `]` after `[` at column %zu, found ", p + 1);
        if (text[p])
            jpath_msg_byte(&m, text[p]);
        else
            jpath_msg_add(&m, "the end");
        return -1;
    }
    size_t start = p, index = 0;
    for (; text[p] >= '0' && text[p] <= '9'; p++) {
        if (p - start == JPATH_MAX_INDEX_DIGITS) {
            jpath_msg_add(&m, "index at column %zu has more than %d digits", start + 1,
                          JPATH_MAX_INDEX_DIGITS);
            return -1;
        }
        index = index * 10 + (size_t)(text[p] - '0');
    }
    if (text[p] != ']') {
        jpath_msg_add(&m, "expected `]` after the index at column %zu, found ", p + 1);
        if (text[p])
            jpath_msg_byte(&m, text[p]);
        else
            jpath_msg_add(&m, "the end");
        return -1;
    }
    st->kind = JPATH_INDEX;
    st->index = index;
    *pos = p + 1;
    return 0;
}

/* A bare or quoted key at text[*pos], unescaped into *keys. */
static int jpath_parse_key(struct jpath *jp, const char *text, size_t *pos, char **keys,
                           char *err, size_t errlen)
{
    struct jpath_step *st = &jp->steps[jp->nsteps];
    size_t p = *pos;
    char *k = *keys;
    struct jpath_msg m;
    jpath_msg_init(&m, err, errlen);
    st->kind = JPATH_KEY;
    st->key = k;
    if (text[p] == '"') {
        for (p++;; p++) {
            if (!text[p]) {
                jpath_msg_add(&m, "unterminated quoted key at column %zu", *pos + 1);
                return -1;
            }
            if (text[p] == '"')
                break;
            if (text[p] == '\\') {
                p++;
                if (!text[p]) {
                    jpath_msg_add(&m, "unterminated quoted key at column %zu", *pos + 1);
                    return -1;
                }
                if (text[p] != '"' && text[p] != '\\') {
                    jpath_msg_add(&m, "unknown escape at column %zu (only \\\" and \\\\)", p);
                    return -1;
                }
            }
            *k++ = text[p];
        }
        p++; /* the closing quote */
    } else {
        while (jpath_bare_byte(text[p]))
            *k++ = text[p++];
        if (p == *pos) {
            if (text[p] == ' ')
                jpath_msg_add(&m, "space at column %zu (quote a key that holds spaces)", p + 1);
            else if (text[p] == ']')
                jpath_msg_add(&m, "unexpected `]` at column %zu", p + 1);
            else
                jpath_msg_add(&m, "empty key at column %zu", p + 1);
            return -1;
        }
    }
    *k++ = '\0';
    *keys = k;
    *pos = p;
    return 0;
}

struct jpath *jpath_parse(const char *text, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!text || !*text)
        return jpath_fail(NULL, err, errlen, "empty path (write `.` for the current value)");
    size_t len = strlen(text);
    /* Keys never take more room than their source plus one NUL each. */
    struct jpath *jp = calloc(1, sizeof *jp + 2 * (len + 1) + JPATH_MAX_STEPS);
    if (!jp)
        return jpath_fail(NULL, err, errlen, "out of memory");
    memcpy(jp->buf, text, len + 1);
    char *keys = jp->buf + len + 1;

    size_t p = 0;
    if (text[0] == '$') {
        jp->root = true;
        p = 1;
        if (text[p] && text[p] != '.' && text[p] != '[')
            return jpath_fail(jp, err, errlen,
                              "`$` must be followed by `.` or `[` at column 2 "
                              "(quote a key that starts with `$`)");
    }
    /* A leading dot names the current value, as in `.` and `$.a`. */
    if (text[p] == '.')
        p++;
    bool first = true, bad = false;
    while (text[p] && !bad) {
        if (jp->nsteps == JPATH_MAX_STEPS)
            return jpath_fail(jp, err, errlen, "more than %d steps (step %d starts at column %zu)",
                              JPATH_MAX_STEPS, JPATH_MAX_STEPS + 1, p + 1);
        if (text[p] == '[') {
            bad = jpath_parse_bracket(jp, text, &p, err, errlen) < 0;
        } else {
            if (!first && text[p] != '.') {
                struct jpath_msg m;
                jpath_msg_init(&m, err, errlen);
                if (text[p] == ' ') {
                    jpath_msg_add(&m, "space at column %zu (quote a key that holds spaces)",
                                  p + 1);
                } else {
                    jpath_msg_add(&m, "expected `.` or `[` at column %zu, found ", p + 1);
                    jpath_msg_byte(&m, text[p]);
                }
                bad = true;
                break;
            }
            if (!first)
                p++;
            bad = jpath_parse_key(jp, text, &p, &keys, err, errlen) < 0;
        }
        jp->nsteps++;
        first = false;
    }
    if (bad) { /* err already says why */
        free(jp);
        return NULL;
    }
    return jp;
}

void jpath_free(struct jpath *path)
{
    free(path);
}

const char *jpath_text(const struct jpath *path)
{
    return path->buf;
}

bool jpath_from_root(const struct jpath *path)
{
    return path->root;
}

bool jpath_has_each(const struct jpath *path)
{
    return path->each;
}

/* ---- messages about the document ------------------------------------- */

/* "an object", "a number"... for "`x` is ..., not ..." messages. */
static const char *jpath_kind_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: break;
    }
    return "null";
}

/* A key as the path language writes it: bare when it can be, otherwise
 * quoted. Keys from the document are cut after JPATH_SHOW_BYTES bytes
 * (at a UTF-8 boundary, marked "...") and control bytes shown as '?', so a
 * hostile document cannot flood or forge log lines. */
static void jpath_msg_key(struct jpath_msg *m, const char *key, bool at_start)
{
    bool bare = *key && !(at_start && *key == '$');
    for (const char *c = key; *c && bare; c++)
        bare = jpath_bare_byte(*c) && (unsigned char)*c >= 0x20 && *c != 0x7f;
    if (!bare)
        jpath_msg_add(m, "\"");
    size_t i = 0;
    for (; key[i]; i++) {
        unsigned char c = (unsigned char)key[i];
        if (i >= JPATH_SHOW_BYTES && (c & 0xC0) != 0x80)
            break;
        if (c < 0x20 || c == 0x7f)
            jpath_msg_add(m, "?");
        else if (c == '"' || c == '\\')
            jpath_msg_add(m, "\\%c", c);
        else
            jpath_msg_add(m, "%c", c);
    }
    if (key[i])
        jpath_msg_add(m, "...");
    if (!bare)
        jpath_msg_add(m, "\"");
}

/* The first `upto` steps as text, with the element chosen at each `[]`
 * step ("$.data[3].cells"). Empty for zero steps of a relative path. */
static void jpath_msg_prefix(struct jpath_msg *m, const struct jpath *jp, size_t upto,
                             const size_t *chosen)
{
    size_t start = m->used;
    if (jp->root)
        jpath_msg_add(m, "$");
    for (size_t i = 0; i < upto; i++) {
        const struct jpath_step *st = &jp->steps[i];
        if (st->kind == JPATH_KEY) {
            if (m->used > start)
                jpath_msg_add(m, ".");
            jpath_msg_key(m, st->key, m->used == start);
        } else {
            jpath_msg_add(m, "[%zu]", st->kind == JPATH_INDEX ? st->index : chosen[i]);
        }
    }
}

/* "`data.tongSo`", or "`.`" / "`$`" for the value the path starts at. */
static void jpath_msg_subject(struct jpath_msg *m, const struct jpath *jp, size_t upto,
                              const size_t *chosen)
{
    jpath_msg_add(m, "`");
    if (upto == 0 && !jp->root)
        jpath_msg_add(m, ".");
    else
        jpath_msg_prefix(m, jp, upto, chosen);
    jpath_msg_add(m, "`");
}

static void jpath_no_key(struct jpath_msg *m, const struct jpath *jp, size_t step,
                         const size_t *chosen, json_t *obj)
{
    jpath_msg_add(m, "no key `");
    jpath_msg_key(m, jp->steps[step].key, step == 0 && !jp->root);
    jpath_msg_add(m, "`");
    if (step > 0 || jp->root) {
        jpath_msg_add(m, " under ");
        jpath_msg_subject(m, jp, step, chosen);
    }
    size_t n = json_object_size(obj), listed = 0;
    const char *sep = "";
    if (n == 0) {
        jpath_msg_add(m, "; the object there is empty");
        return;
    }
    jpath_msg_add(m, "; keys there are: ");
    const char *key;
    json_t *v;
    json_object_foreach (obj, key, v) {
        if (listed == JPATH_LIST_KEYS)
            break;
        jpath_msg_add(m, "%s`", sep);
        sep = ", ";
        size_t before = m->used;
        jpath_msg_prefix(m, jp, step, chosen);
        if (m->used > before)
            jpath_msg_add(m, ".");
        jpath_msg_key(m, key, m->used == before);
        jpath_msg_add(m, "`");
        listed++;
    }
    if (n > listed)
        jpath_msg_add(m, " and %zu more", n - listed);
}

/* ---- walking ----------------------------------------------------------- */

struct jpath_walk {
    const struct jpath *path;
    size_t chosen[JPATH_MAX_STEPS]; /* element taken at each `[]` step */
    jpath_visit_fn visit;
    void *user;
    char *why;
    size_t whylen;
};

/* Apply key or index step `i` to v. Returns the value there, or NULL with
 * the reason in w->why. */
static json_t *jpath_step(struct jpath_walk *w, size_t i, json_t *v)
{
    const struct jpath *jp = w->path;
    const struct jpath_step *st = &jp->steps[i];
    struct jpath_msg m;
    jpath_msg_init(&m, w->why, w->whylen);
    if (st->kind == JPATH_KEY && json_is_object(v)) {
        json_t *next = json_object_get(v, st->key);
        if (!next)
            jpath_no_key(&m, jp, i, w->chosen, v);
        return next;
    }
    if (st->kind == JPATH_INDEX && json_is_array(v)) {
        json_t *next = json_array_get(v, st->index);
        if (!next) {
            size_t n = json_array_size(v);
            jpath_msg_add(&m, "index %zu is past the end of ", st->index);
            jpath_msg_subject(&m, jp, i, w->chosen);
            jpath_msg_add(&m, " (%zu element%s)", n, n == 1 ? "" : "s");
        }
        return next;
    }
    jpath_msg_subject(&m, jp, i, w->chosen);
    jpath_msg_add(&m, " is %s, not %s", jpath_kind_name(v),
                  st->kind == JPATH_KEY ? "an object" : "an array");
    if (st->kind == JPATH_KEY && json_is_array(v))
        jpath_msg_add(&m, " (step into it with `[]` or `[0]`)");
    return NULL;
}

static int jpath_walk_from(struct jpath_walk *w, size_t i, json_t *v)
{
    const struct jpath *jp = w->path;
    for (; i < jp->nsteps; i++) {
        if (jp->steps[i].kind != JPATH_EACH) {
            if (!(v = jpath_step(w, i, v)))
                return -1;
            continue;
        }
        if (!json_is_array(v)) {
            struct jpath_msg m;
            jpath_msg_init(&m, w->why, w->whylen);
            jpath_msg_subject(&m, jp, i, w->chosen);
            jpath_msg_add(&m, " is %s, not an array", jpath_kind_name(v));
            return -1;
        }
        for (size_t k = 0; k < json_array_size(v); k++) {
            w->chosen[i] = k;
            int rc = jpath_walk_from(w, i + 1, json_array_get(v, k));
            if (rc)
                return rc;
        }
        return 0;
    }
    return w->visit(v, w->user);
}

static int jpath_start(struct jpath_walk *w, const json_t *value)
{
    struct jpath_msg m;
    jpath_msg_init(&m, w->why, w->whylen);
    if (!value) {
        jpath_msg_add(&m, "there is no document to follow the path in");
        return -1;
    }
    return 0;
}

json_t *jpath_get(const struct jpath *path, json_t *value, char *why, size_t whylen)
{
    struct jpath_walk w = {.path = path, .why = why, .whylen = whylen};
    if (jpath_start(&w, value) < 0)
        return NULL;
    if (path->each) {
        struct jpath_msg m;
        jpath_msg_init(&m, why, whylen);
        jpath_msg_add(&m, "the path has `[]` steps, so it names a list, not one value");
        return NULL;
    }
    for (size_t i = 0; value && i < path->nsteps; i++)
        value = jpath_step(&w, i, value);
    return value;
}

int jpath_each(const struct jpath *path, json_t *value, jpath_visit_fn visit, void *user,
               char *why, size_t whylen)
{
    struct jpath_walk w = {.path = path, .visit = visit, .user = user, .why = why,
                           .whylen = whylen};
    if (jpath_start(&w, value) < 0)
        return -1;
    return jpath_walk_from(&w, 0, value);
}
