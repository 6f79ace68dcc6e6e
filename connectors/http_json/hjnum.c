/*
 * hjnum - numbers from JSON values, and from text only in the notation
 * the operator named (see hjnum.h).
 *
 * The design idea: text is read by hand into an integer mantissa and a
 * count of decimals, then divided once by an exact power of ten. No
 * strtod: it follows the locale's decimal mark and also takes hex, "inf"
 * and exponents, all of which a feed's "1.234" must never turn into. The
 * division is exact-operand IEEE arithmetic, so "0.1" becomes the same
 * double the compiler makes of 0.1, and no libm is needed.
 */
#include "hjnum.h"
#include "hjquote.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HJNUM_MAX_DIGITS 18 /* significant digits: the mantissa fits uint64_t */

static const char *const hjnum_names[] = {
    [HJNUM_REJECT] = "reject",
    [HJNUM_POINT_DECIMAL] = "point_decimal",
    [HJNUM_COMMA_DECIMAL] = "comma_decimal",
};

int hjnum_mode_parse(const char *name, enum hjnum_strings *mode)
{
    for (size_t i = 0; name && i < sizeof hjnum_names / sizeof hjnum_names[0]; i++)
        if (strcmp(name, hjnum_names[i]) == 0) {
            *mode = (enum hjnum_strings)i;
            return 0;
        }
    return -1;
}

/* The character at text[at] for "unexpected ...": itself in quotes, or
 * "space", or the byte's value when it is no printable character. */
static void hjnum_char(char *out, size_t outlen, const char *text, size_t at)
{
    unsigned char c = (unsigned char)text[at];
    size_t n = hj_utf8_len(text + at);
    if (c == '"')
        snprintf(out, outlen, "'\"'");
    else if (n == 1 && c > 0x20 && c < 0x7f)
        snprintf(out, outlen, "\"%c\"", c);
    else if (n > 1)
        snprintf(out, outlen, "\"%.*s\"", (int)n, text + at);
    else if (c == ' ' || c == '\t')
        snprintf(out, outlen, "space");
    else
        snprintf(out, outlen, "byte 0x%02X", c);
}

static bool hjnum_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t hjnum_run(const char *s)
{
    size_t n = 0;
    while (hjnum_digit(s[n]))
        n++;
    return n;
}

/* The text being read: the mantissa so far and how it went wrong. */
struct hjnum_reader {
    const char *text;
    uint64_t mant;
    int sig;       /* significant digits in mant */
    int decimals;  /* digits after the decimal mark */
    char cause[64];
};

/* Append `n` digits at s; leading zeros of the integer part do not count
 * towards HJNUM_MAX_DIGITS, every decimal does. */
static int hjnum_take(struct hjnum_reader *r, const char *s, size_t n, bool decimals)
{
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        if (r->sig == 0 && d == 0 && !decimals)
            continue;
        if (r->sig == HJNUM_MAX_DIGITS) {
            snprintf(r->cause, sizeof r->cause, "more than %d digits", HJNUM_MAX_DIGITS);
            return -1;
        }
        r->mant = r->mant * 10 + (uint64_t)d;
        r->sig++;
        r->decimals += decimals;
    }
    return 0;
}

/* "unexpected ..." for the byte at p. Returns -1. */
static int hjnum_unexpected(struct hjnum_reader *r, const char *p)
{
    char what[32];
    size_t at = (size_t)(p - r->text);
    hjnum_char(what, sizeof what, r->text, at);
    snprintf(r->cause, sizeof r->cause, "unexpected %s at byte %zu", what, at + 1);
    return -1;
}

static int hjnum_bad_groups(struct hjnum_reader *r, char group)
{
    snprintf(r->cause, sizeof r->cause, "\"%c\" must split digits into groups of 3", group);
    return -1;
}

/* Read [sign] digits [group digits...] [mark digits] with spaces around.
 * Returns 0, or -1 with r->cause. */
static int hjnum_read(struct hjnum_reader *r, char group, char mark, bool *neg)
{
    const char *p = r->text;
    while (*p == ' ' || *p == '\t')
        p++;
    *neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    size_t run = hjnum_run(p);
    if (run == 0 && *p == mark) {
        snprintf(r->cause, sizeof r->cause, "no digits before \"%c\"", mark);
        return -1;
    }
    if (run == 0 && *p == '\0') {
        snprintf(r->cause, sizeof r->cause, "no digits");
        return -1;
    }
    if (run == 0)
        return hjnum_unexpected(r, p);
    if (p[run] == group && *p == '0') {
        /* "0,500" is far more likely a misread decimal than 500. */
        snprintf(r->cause, sizeof r->cause, "a grouped number cannot start with 0");
        return -1;
    }
    if (p[run] == group && run > 3)
        return hjnum_bad_groups(r, group);
    if (hjnum_take(r, p, run, false) < 0)
        return -1;
    p += run;
    while (*p == group) {
        run = hjnum_run(++p);
        if (run != 3)
            return hjnum_bad_groups(r, group);
        if (hjnum_take(r, p, run, false) < 0)
            return -1;
        p += run;
    }
    if (*p == mark) {
        run = hjnum_run(++p);
        if (run == 0) {
            snprintf(r->cause, sizeof r->cause, "no digits after \"%c\"", mark);
            return -1;
        }
        if (hjnum_take(r, p, run, true) < 0)
            return -1;
        p += run;
    }
    const char *end = p; /* "1 234" is refused at its space, not at "2" */
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? hjnum_unexpected(r, end) : 0;
}

/* Exact powers of ten: every one up to 1e22 is a double without error. */
static const double hjnum_pow10[HJNUM_MAX_DIGITS + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
};

int hjnum_text(const char *text, enum hjnum_strings mode, double *out, char *why, size_t whylen)
{
    char shown[HJ_QUOTE_MAX];
    if (!text) {
        snprintf(why, whylen, "is missing");
        return -1;
    }
    hj_quote(shown, sizeof shown, text);
    if (mode != HJNUM_POINT_DECIMAL && mode != HJNUM_COMMA_DECIMAL) {
        snprintf(why, whylen, "is a string (%s), expected a number; set number_strings to parse it",
                 shown);
        return -1;
    }
    struct hjnum_reader r = {.text = text};
    bool neg;
    bool point = mode == HJNUM_POINT_DECIMAL;
    if (hjnum_read(&r, point ? ',' : '.', point ? '.' : ',', &neg) < 0) {
        snprintf(why, whylen, "is a string (%s), not a number in %s notation (%s)", shown,
                 hjnum_names[mode], r.cause);
        return -1;
    }
    double v = (double)r.mant / hjnum_pow10[r.decimals];
    *out = neg && v != 0 ? -v : v; /* never -0 */
    return 0;
}

int hjnum_value(const json_t *value, enum hjnum_strings mode, double *out, char *why,
                size_t whylen)
{
    double d;
    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_INTEGER:
        *out = (double)json_integer_value(value);
        return 0;
    case JSON_REAL:
        d = json_real_value(value);
        if (d - d != 0) { /* NaN or infinite: jansson never parses them, but be sure */
            snprintf(why, whylen, "is not a finite number");
            return -1;
        }
        *out = d;
        return 0;
    case JSON_STRING:
        if (strlen(json_string_value(value)) != json_string_length(value)) {
            snprintf(why, whylen, "is a string with a NUL byte, not a number");
            return -1;
        }
        return hjnum_text(json_string_value(value), mode, out, why, whylen);
    case JSON_TRUE: snprintf(why, whylen, "is true, not a number"); return -1;
    case JSON_FALSE: snprintf(why, whylen, "is false, not a number"); return -1;
    case JSON_OBJECT: snprintf(why, whylen, "is an object, not a number"); return -1;
    case JSON_ARRAY: snprintf(why, whylen, "is an array, not a number"); return -1;
    case JSON_NULL: break;
    }
    snprintf(why, whylen, "%s", value ? "is null, not a number" : "is missing");
    return -1;
}
