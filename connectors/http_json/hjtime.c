/*
 * hjtime - a feed's timestamp field as RFC 3339 text (see hjtime.h).
 *
 * The design idea: no calendar here. Compact times and dates are rewritten
 * as RFC 3339 text in the configured zone and, like RFC 3339 values, read
 * by the daemon's parser (ioc_time_parse), which checks every field and
 * names the wrong one; epoch values and compact times are printed by the
 * daemon's formatter (ioc_time_format). RFC 3339 values are published as
 * the feed wrote them.
 *
 * The limits follow what ioc_emit accepts for ioc_record.ts: years
 * 1970..9999 as written, no leap second (":60" cannot be an epoch
 * millisecond), fractions of 1..9 digits.
 */
#include "hjtime.h"
#include "hjquote.h"

#include <ioc/time.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HJTIME_MAX_ZONE (18 * 60) /* minutes; no zone has ever been further */
/* Refused before any arithmetic: beyond 9999-12-31 in every zone. */
#define HJTIME_MAX_MS (253402300800000LL + HJTIME_MAX_ZONE * 60000LL)

static const char *const hjtime_names[] = {
    [HJTIME_RFC3339] = "rfc3339", [HJTIME_EPOCH_S] = "epoch_s",
    [HJTIME_EPOCH_MS] = "epoch_ms", [HJTIME_COMPACT] = "yyyyMMddHHmmss",
    [HJTIME_DATE] = "date",
};

/* What a value of each format is, for "is ..., not <what>". */
static const char *const hjtime_what[] = {
    [HJTIME_RFC3339] = "an RFC 3339 time",
    [HJTIME_EPOCH_S] = "epoch seconds",
    [HJTIME_EPOCH_MS] = "epoch milliseconds",
    [HJTIME_COMPACT] = "a time in yyyyMMddHHmmss format",
    [HJTIME_DATE] = "a date in yyyy-MM-dd format",
};

/* A time read: the instant, the offset to print it in, and for rfc3339
 * the text itself (published as the feed wrote it). */
struct hjtime_read {
    int64_t ms;
    int offset;
    const char *pass;
};

int hjtime_format_parse(const char *name, enum hjtime_format *format)
{
    for (size_t i = 0; name && i < sizeof hjtime_names / sizeof hjtime_names[0]; i++)
        if (strcmp(name, hjtime_names[i]) == 0) {
            *format = (enum hjtime_format)i;
            return 0;
        }
    return -1;
}

/* Two ASCII digits at p as a number, or -1 (isdigit is locale-dependent). */
static int hjtime_two(const char *p)
{
    bool ok = p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9';
    return ok ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

int hjtime_zone_parse(const char *text, int *minutes_east)
{
    if (!text)
        return -1;
    if (strcmp(text, "Z") == 0 || strcmp(text, "UTC") == 0) {
        *minutes_east = 0;
        return 0;
    }
    /* "+hh:mm" or "+hhmm" */
    size_t n = strlen(text);
    if (n != 5 && n != 6)
        return -1;
    int hh = hjtime_two(text + 1);
    int mm = n == 5 ? hjtime_two(text + 3) : text[3] == ':' ? hjtime_two(text + 4) : -1;
    if ((text[0] != '+' && text[0] != '-') || hh < 0 || mm < 0 || mm > 59 ||
        hh * 60 + mm > HJTIME_MAX_ZONE)
        return -1;
    *minutes_east = (text[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    return 0;
}

/* ---- the formats ------------------------------------------------------ */

/* Civil date and time text (no offset) in the zone, read by the daemon's
 * parser (ioc_time_parse): the same checks as every published time. */
static int hjtime_local(const char *civil, struct hjtime_read *t, char *cause, size_t len)
{
    char text[48];
    const char *reason;
    int a = t->offset < 0 ? -t->offset : t->offset;
    if (t->offset == 0)
        snprintf(text, sizeof text, "%sZ", civil);
    else
        snprintf(text, sizeof text, "%s%c%02d:%02d", civil, t->offset < 0 ? '-' : '+', a / 60,
                 a % 60);
    if (ioc_time_parse(text, &t->ms, NULL, &reason) < 0) {
        snprintf(cause, len, "%s", reason);
        return -1;
    }
    return 0;
}

/* RFC 3339 as the daemon reads it (ioc_time_parse: the same parser that
 * judges ioc_record.ts), within the 18 hours of offset this module allows;
 * published as written. */
static int hjtime_rfc3339(const char *s, struct hjtime_read *t, char *cause, size_t len)
{
    const char *reason;
    int offset;
    if (ioc_time_parse(s, &t->ms, &offset, &reason) < 0) {
        snprintf(cause, len, "%s", reason);
        return -1;
    }
    if (offset < -HJTIME_MAX_ZONE || offset > HJTIME_MAX_ZONE) {
        snprintf(cause, len, "offset %s is out of range", s + strlen(s) - 6);
        return -1;
    }
    t->offset = offset;
    t->pass = s;
    return 0;
}

static int hjtime_compact(const char *s, struct hjtime_read *t, char *cause, size_t len)
{
    char civil[24];
    if (strlen(s) != 14 || strspn(s, "0123456789") != 14) {
        snprintf(cause, len, "expected 14 digits");
        return -1;
    }
    snprintf(civil, sizeof civil, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", s, s + 4, s + 6, s + 8, s + 10,
             s + 12);
    return hjtime_local(civil, t, cause, len);
}

static int hjtime_date(const char *s, struct hjtime_read *t, char *cause, size_t len)
{
    char civil[24];
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789") != 4 ||
        hjtime_two(s + 5) < 0 || hjtime_two(s + 8) < 0) {
        snprintf(cause, len, "expected yyyy-MM-dd");
        return -1;
    }
    snprintf(civil, sizeof civil, "%sT00:00:00", s);
    return hjtime_local(civil, t, cause, len);
}

/* Epoch milliseconds, to be printed in the zone. */
static int hjtime_from_ms(int64_t ms, struct hjtime_read *t, char *cause, size_t len)
{
    if (ms < 0 || ms > HJTIME_MAX_MS) {
        snprintf(cause, len, "outside the years 1970..9999");
        return -1;
    }
    t->ms = ms;
    return 0;
}

/* An epoch value: a JSON number (fractions rounded to the nearest
 * millisecond) or a string of digits. `per_unit` is 1000 for seconds. */
static int hjtime_epoch(const json_t *v, int64_t per_unit, struct hjtime_read *t, char *cause,
                        size_t len)
{
    const int64_t max = HJTIME_MAX_MS / per_unit;
    int64_t units = -1;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        units = i > max ? max + 1 : i < 0 ? -1 : (int64_t)i;
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= 0 && d <= (double)max)) /* also NaN */
            return hjtime_from_ms(-1, t, cause, len);
        return hjtime_from_ms((int64_t)(d * (double)per_unit + 0.5), t, cause, len);
    } else {
        const char *s = json_string_value(v);
        size_t n = strspn(s, "0123456789");
        if (n == 0 || s[n] || n != json_string_length(v)) {
            snprintf(cause, len, "expected digits only");
            return -1;
        }
        units = 0;
        for (size_t i = 0; i < n && units <= max; i++)
            units = units * 10 + (s[i] - '0');
    }
    return hjtime_from_ms(units > max ? -1 : units * per_unit, t, cause, len);
}

/* ---- messages ---------------------------------------------------------- */

/* "is <value>, not <what> (<cause>)" in why. */
static int hjtime_fail(const json_t *v, enum hjtime_format format, const char *cause, char *why,
                       size_t whylen)
{
    char shown[HJ_QUOTE_MAX + 16];
    char *dumped = NULL;
    switch (json_typeof(v)) {
    case JSON_STRING: hj_quote(shown, sizeof shown, json_string_value(v)); break;
    case JSON_INTEGER:
        snprintf(shown, sizeof shown, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        /* jansson prints reals without the locale's decimal comma. */
        dumped = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        snprintf(shown, sizeof shown, "%s", dumped ? dumped : "a number");
        free(dumped);
        break;
    case JSON_TRUE: snprintf(shown, sizeof shown, "true"); break;
    case JSON_FALSE: snprintf(shown, sizeof shown, "false"); break;
    case JSON_NULL: snprintf(shown, sizeof shown, "null"); break;
    case JSON_OBJECT: snprintf(shown, sizeof shown, "an object"); break;
    case JSON_ARRAY: snprintf(shown, sizeof shown, "an array"); break;
    }
    snprintf(why, whylen, "is %s, not %s%s%s%s", shown, hjtime_what[format], *cause ? " (" : "",
             cause, *cause ? ")" : "");
    return -1;
}

/* Read `value` into *t. Returns 0, or -1 with why. */
static int hjtime_read(const json_t *value, enum hjtime_format format, int zone,
                       struct hjtime_read *t, char *why, size_t whylen)
{
    char cause[96] = "";
    const char *s = json_string_value(value);
    *t = (struct hjtime_read){.offset = zone};
    if ((unsigned)format >= sizeof hjtime_what / sizeof hjtime_what[0]) {
        snprintf(why, whylen, "cannot be read: unknown time format %d", (int)format);
        return -1;
    }
    if (!value) {
        snprintf(why, whylen, "is missing");
        return -1;
    }
    if (zone < -HJTIME_MAX_ZONE || zone > HJTIME_MAX_ZONE) {
        snprintf(why, whylen, "cannot be read in a zone %d minutes from UTC (at most 18 hours)",
                 zone);
        return -1;
    }
    if (s && strlen(s) != json_string_length(value)) {
        snprintf(cause, sizeof cause, "it holds a NUL byte");
        return hjtime_fail(value, format, cause, why, whylen);
    }
    int rc = -1;
    switch (format) {
    case HJTIME_RFC3339:
        if (s)
            rc = hjtime_rfc3339(s, t, cause, sizeof cause);
        else if (json_is_number(value))
            snprintf(cause, sizeof cause, "expected a string");
        break;
    case HJTIME_DATE:
        if (s)
            rc = hjtime_date(s, t, cause, sizeof cause);
        else if (json_is_number(value))
            snprintf(cause, sizeof cause, "expected a string");
        break;
    case HJTIME_COMPACT:
        if (json_is_integer(value)) {
            char digits[32];
            snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
            rc = hjtime_compact(digits, t, cause, sizeof cause);
        } else if (s) {
            rc = hjtime_compact(s, t, cause, sizeof cause);
        } else if (json_is_real(value)) {
            snprintf(cause, sizeof cause, "expected a string or a whole number");
        }
        break;
    case HJTIME_EPOCH_S:
    case HJTIME_EPOCH_MS:
        if (s || json_is_number(value))
            rc = hjtime_epoch(value, format == HJTIME_EPOCH_S ? 1000 : 1, t, cause, sizeof cause);
        break;
    }
    return rc == 0 ? 0 : hjtime_fail(value, format, cause, why, whylen);
}

/* The text to publish: as written (rfc3339, returned as is, whatever its
 * length), or the instant in the zone as the daemon prints it, into buf.
 * Years 1970..9999 as printed (so epoch 0 is refused in a zone west of
 * UTC). Returns the text, or NULL with why. */
static const char *hjtime_text(const json_t *value, enum hjtime_format format,
                               const struct hjtime_read *t, char buf[48], char *why, size_t whylen)
{
    if (t->pass)
        return t->pass;
    if (ioc_time_format(t->ms, t->offset, buf, 48) < 0 || strncmp(buf, "1970", 4) < 0) {
        hjtime_fail(value, format, "outside the years 1970..9999", why, whylen);
        return NULL;
    }
    return buf;
}

/* Copy printed text to out, or fail when it does not fit. */
static int hjtime_put(const char *text, int n, char *out, size_t outlen, char *why, size_t whylen)
{
    if (!out || n < 0 || (size_t)n >= outlen) {
        snprintf(why, whylen, "cannot be printed: %d bytes do not fit a %zu-byte buffer", n + 1,
                 outlen);
        return -1;
    }
    memcpy(out, text, (size_t)n);
    out[n] = '\0';
    return 0;
}

/* Read `value` and return its text (see hjtime_text), or NULL with why. */
static const char *hjtime_print(const json_t *value, enum hjtime_format format, int zone,
                                char buf[48], char *why, size_t whylen)
{
    struct hjtime_read t;
    if (hjtime_read(value, format, zone, &t, why, whylen) < 0)
        return NULL;
    return hjtime_text(value, format, &t, buf, why, whylen);
}

int hjtime_value(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                 size_t outlen, char *why, size_t whylen)
{
    char buf[48];
    const char *text = hjtime_print(value, format, zone_minutes, buf, why, whylen);
    return text ? hjtime_put(text, (int)strlen(text), out, outlen, why, whylen) : -1;
}

int hjtime_date_of(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                   size_t outlen, char *why, size_t whylen)
{
    char buf[48];
    const char *text = hjtime_print(value, format, zone_minutes, buf, why, whylen);
    /* Both forms start with "yyyy-MM-dd". */
    return text ? hjtime_put(text, 10, out, outlen, why, whylen) : -1;
}
