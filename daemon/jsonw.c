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

/* Decimal digits of v, written backwards from end; returns the start.
 * (snprintf costs more than the rest of a metric's encoding: every metric
 * has a seq and a value, so this is the hot path.) */
static char *jsonw_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
    char num[24];
    char *start = jsonw_digits(num + sizeof num, v);
    jsonw_value_start(w);
    jsonw_raw(w, start, (size_t)(num + sizeof num - start));
}

void jsonw_null(struct jsonw *w)
{
    jsonw_value_start(w);
    jsonw_raw(w, "null", 4);
}

/* v with at most 4 decimals and below 2^53 once scaled, as exact text
 * ("35.5", "-0.25"), if that text reads back as v; 0 otherwise. Most feed
 * values (percentages, scores) take this path instead of %.15g + strtod. */
static int jsonw_short_decimal(double v, char *out, size_t len)
{
    double scaled = v < 0 ? -v : v, scale = 1;
    for (int decimals = 1; decimals <= 4; decimals++) {
        scaled *= 10, scale *= 10;
        if (scaled >= 9007199254740992.0)
            return 0;
        if (scaled != floor(scaled))
            continue;
        char tmp[32], *end = tmp + sizeof tmp;
        uint64_t u = (uint64_t)scaled;
        char *p = jsonw_digits(end, u % (uint64_t)scale);
        /* No trailing zero: with one, fewer decimals would have done. */
        while (end - p < decimals)
            *--p = '0';
        *--p = '.';
        p = jsonw_digits(p, u / (uint64_t)scale);
        if (v < 0)
            *--p = '-';
        size_t n = (size_t)(end - p);
        if (n >= len)
            return 0;
        memcpy(out, p, n);
        out[n] = '\0';
        return strtod(out, NULL) == v ? (int)n : 0;
    }
    return 0;
}

void jsonw_number(struct jsonw *w, double v)
{
    char num[32];
    int n;
    if (!isfinite(v)) {
        n = snprintf(num, sizeof num, "null"); /* never reached: normalize refuses */
    } else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        /* Integers exactly, no ".0", and 0 not "-0". */
        char *start = jsonw_digits(num + sizeof num, (uint64_t)fabs(v));
        if (v < 0)
            *--start = '-';
        jsonw_value_start(w);
        jsonw_raw(w, start, (size_t)(num + sizeof num - start));
        return;
    } else if ((n = jsonw_short_decimal(v, num, sizeof num)) > 0) {
        /* e.g. 35.5 */
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
