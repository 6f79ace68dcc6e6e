/* jsonw - see jsonw.h. */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w) { memset(w, 0, sizeof *w); }

void jsonw_free(struct jsonw *w)
{
    free(w->buf);
    jsonw_init(w);
}

void jsonw_reset(struct jsonw *w)
{
    w->len = 0;
    w->need_comma = false;
    w->oom = false;
    if (w->buf)
        w->buf[0] = '\0';
}

static void jsonw_reserve(struct jsonw *w, size_t more)
{
    if (w->oom || w->len + more + 1 <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + more + 1)
        cap *= 2;
    char *grown = realloc(w->buf, cap);
    if (!grown) {
        w->oom = true;
        return;
    }
    w->buf = grown;
    w->cap = cap;
}

static void jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
    jsonw_reserve(w, n);
    if (w->oom)
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

char *jsonw_take(struct jsonw *w, size_t *len)
{
    char *out = w->oom ? NULL : w->buf;
    if (len)
        *len = w->len;
    if (w->oom)
        free(w->buf);
    jsonw_init(w);
    return out;
}

static void jsonw_value_start(struct jsonw *w)
{
    if (w->need_comma)
        jsonw_raw(w, ",", 1);
    w->need_comma = true;
}

void jsonw_object_begin(struct jsonw *w)
{
    jsonw_value_start(w);
    jsonw_raw(w, "{", 1);
    w->need_comma = false;
}

void jsonw_object_end(struct jsonw *w)
{
    jsonw_raw(w, "}", 1);
    w->need_comma = true;
}

void jsonw_escape(struct jsonw *w, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jsonw_raw(w, run, (size_t)(s - run));
        char esc[8];
        switch (c) {
        case '"': jsonw_raw(w, "\\\"", 2); break;
        case '\\': jsonw_raw(w, "\\\\", 2); break;
        case '\n': jsonw_raw(w, "\\n", 2); break;
        case '\t': jsonw_raw(w, "\\t", 2); break;
        case '\r': jsonw_raw(w, "\\r", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jsonw_raw(w, esc, 6);
        }
        run = s + 1;
    }
    jsonw_raw(w, run, (size_t)(s - run));
}

void jsonw_key(struct jsonw *w, const char *key)
{
    jsonw_value_start(w);
    jsonw_raw(w, "\"", 1);
    jsonw_escape(w, key);
    jsonw_raw(w, "\":", 2);
    w->need_comma = false;
}

void jsonw_string(struct jsonw *w, const char *s)
{
    jsonw_value_start(w);
    jsonw_raw(w, "\"", 1);
    jsonw_escape(w, s);
    jsonw_raw(w, "\"", 1);
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    jsonw_value_start(w);
    jsonw_raw(w, num, (size_t)n);
}

void jsonw_number(struct jsonw *w, double v)
{
    char num[32];
    int n;
    if (!isfinite(v)) {
        n = snprintf(num, sizeof num, "null"); /* never reached: normalize refuses */
    } else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        n = snprintf(num, sizeof num, "%.0f", v); /* integers exactly, no ".0" */
        if (v == 0)
            n = snprintf(num, sizeof num, "0"); /* not "-0" */
    } else {
        /* Shortest of %.15g..%.17g that reads back to the same double. */
        n = snprintf(num, sizeof num, "%.15g", v);
        if (strtod(num, NULL) != v)
            n = snprintf(num, sizeof num, "%.16g", v);
        if (strtod(num, NULL) != v)
            n = snprintf(num, sizeof num, "%.17g", v);
    }
    jsonw_value_start(w);
    jsonw_raw(w, num, (size_t)n);
}
