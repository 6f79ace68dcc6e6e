/*
 * hjtime - a feed's timestamp field as RFC 3339 text (see hjtime.h).
 *
 * The design idea: every format is first read into the same civil fields
 * (year..millisecond plus the offset they are written in), checked field
 * by field, and only then printed, so "2025-02-29" is refused with the
 * field that is wrong instead of being normalised into March. RFC 3339 is
 * read by the daemon's own parser (ioc_time_parse), so a time this module
 * passes is one ioc_emit accepts; epoch values go the other way with
 * Howard Hinnant's civil_from_days: integers only, no libc time functions,
 * no TZ, no locale, no static state.
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
#define HJTIME_MS_PER_DAY 86400000LL
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

/* A time as written: civil fields in `offset` minutes east of UTC. */
struct hjtime_fields {
    int year, month, day, hour, minute, second, ms;
    int offset;
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

/* Exactly n ASCII digits at *p (isdigit is locale-dependent); advances. */
static int hjtime_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int hjtime_expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* "+hh:mm", "-hh:mm" or, when `compact` is set, "+hhmm" at *p. Returns 0,
 * -1 for a malformed offset, -2 for one beyond 18 hours or minutes > 59. */
static int hjtime_read_offset(const char **p, bool compact, int *minutes)
{
    char sign = **p;
    int hh, mm;
    const char *q = *p + 1;
    if ((sign != '+' && sign != '-') || hjtime_digits(&q, 2, &hh))
        return -1;
    if (!(compact && *q >= '0' && *q <= '9') && hjtime_expect(&q, ':'))
        return -1;
    if (hjtime_digits(&q, 2, &mm))
        return -1;
    *p = q;
    if (mm > 59 || hh * 60 + mm > HJTIME_MAX_ZONE)
        return -2;
    *minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
    return 0;
}

int hjtime_zone_parse(const char *text, int *minutes_east)
{
    if (!text)
        return -1;
    if (strcmp(text, "Z") == 0 || strcmp(text, "UTC") == 0) {
        *minutes_east = 0;
        return 0;
    }
    const char *p = text;
    int m;
    if (hjtime_read_offset(&p, true, &m) < 0 || *p)
        return -1;
    *minutes_east = m;
    return 0;
}

/* ---- civil arithmetic ------------------------------------------------- */

static bool hjtime_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int hjtime_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && hjtime_is_leap(y) ? 29 : days[m - 1];
}

/* The civil date of day z since 1970-01-01, z >= 0 (Hinnant). */
static void hjtime_civil_from_days(int64_t z, struct hjtime_fields *f)
{
    z += 719468;
    const int64_t era = z / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    f->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    f->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    f->year = (int)(yoe + era * 400 + (f->month <= 2));
}

/* Check the fields as written; the first wrong one becomes the cause. */
static int hjtime_check(const struct hjtime_fields *f, bool clock, char *cause, size_t len)
{
    if (f->year < 1970)
        snprintf(cause, len, "year %04d is before 1970", f->year);
    else if (f->month < 1 || f->month > 12)
        snprintf(cause, len, "month %02d is not 01..12", f->month);
    else if (f->day < 1 || f->day > hjtime_days_in_month(f->year, f->month))
        snprintf(cause, len, "%04d-%02d has no day %02d", f->year, f->month, f->day);
    else if (clock && f->hour > 23)
        snprintf(cause, len, "hour %02d is not 00..23", f->hour);
    else if (clock && f->minute > 59)
        snprintf(cause, len, "minute %02d is not 00..59", f->minute);
    else if (clock && f->second > 59)
        snprintf(cause, len, "second %02d is not 00..59", f->second);
    else
        return 0;
    return -1;
}

/* ---- the formats ------------------------------------------------------ */

static int hjtime_read_date(const char **p, struct hjtime_fields *f)
{
    return hjtime_digits(p, 4, &f->year) || hjtime_expect(p, '-') ||
                   hjtime_digits(p, 2, &f->month) || hjtime_expect(p, '-') ||
                   hjtime_digits(p, 2, &f->day)
               ? -1
               : 0;
}

static int hjtime_compact(const char *s, struct hjtime_fields *f, char *cause, size_t len)
{
    const char *p = s;
    if (strlen(s) != 14 || hjtime_digits(&p, 4, &f->year) || hjtime_digits(&p, 2, &f->month) ||
        hjtime_digits(&p, 2, &f->day) || hjtime_digits(&p, 2, &f->hour) ||
        hjtime_digits(&p, 2, &f->minute) || hjtime_digits(&p, 2, &f->second)) {
        snprintf(cause, len, "expected 14 digits");
        return -1;
    }
    return hjtime_check(f, true, cause, len);
}

static int hjtime_date(const char *s, struct hjtime_fields *f, char *cause, size_t len)
{
    const char *p = s;
    if (hjtime_read_date(&p, f) || *p) {
        snprintf(cause, len, "expected yyyy-MM-dd");
        return -1;
    }
    return hjtime_check(f, false, cause, len);
}

/* The civil fields of `local` (milliseconds since 1970-01-01 on the local
 * clock, >= 0). */
static void hjtime_fields_of(int64_t local, struct hjtime_fields *f)
{
    int64_t in_day = local % HJTIME_MS_PER_DAY;
    hjtime_civil_from_days(local / HJTIME_MS_PER_DAY, f);
    f->hour = (int)(in_day / 3600000);
    f->minute = (int)(in_day / 60000 % 60);
    f->second = (int)(in_day / 1000 % 60);
    f->ms = (int)(in_day % 1000);
}

/* Epoch milliseconds as a time in the zone. */
static int hjtime_from_ms(int64_t ms, struct hjtime_fields *f, char *cause, size_t len)
{
    int64_t local = ms + (int64_t)f->offset * 60000;
    if (ms < 0 || ms > HJTIME_MAX_MS || local < 0) {
        snprintf(cause, len, "outside the years 1970..9999");
        return -1;
    }
    hjtime_fields_of(local, f);
    if (f->year > 9999) {
        snprintf(cause, len, "outside the years 1970..9999");
        return -1;
    }
    return 0;
}

/* RFC 3339 as the daemon reads it (ioc_time_parse: the same parser that
 * judges ioc_record.ts), within the 18 hours of offset this module allows;
 * the fields are those written, in the time's own offset. */
static int hjtime_rfc3339(const char *s, struct hjtime_fields *f, char *cause, size_t len)
{
    int64_t ms;
    int offset;
    const char *reason;
    if (ioc_time_parse(s, &ms, &offset, &reason) < 0) {
        snprintf(cause, len, "%s", reason);
        return -1;
    }
    if (offset < -HJTIME_MAX_ZONE || offset > HJTIME_MAX_ZONE) {
        snprintf(cause, len, "offset %s is out of range", s + strlen(s) - 6);
        return -1;
    }
    f->offset = offset;
    hjtime_fields_of(ms + (int64_t)offset * 60000, f);
    return 0;
}

/* An epoch value: a JSON number (fractions rounded to the nearest
 * millisecond) or a string of digits. `per_unit` is 1000 for seconds. */
static int hjtime_epoch(const json_t *v, int64_t per_unit, struct hjtime_fields *f, char *cause,
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
            return hjtime_from_ms(-1, f, cause, len);
        return hjtime_from_ms((int64_t)(d * (double)per_unit + 0.5), f, cause, len);
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
    return hjtime_from_ms(units > max ? -1 : units * per_unit, f, cause, len);
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

/* Read `value` into fields. *pass is set to the text to publish as is
 * (rfc3339) or NULL. Returns 0, or -1 with why. */
static int hjtime_read(const json_t *value, enum hjtime_format format, int zone,
                       struct hjtime_fields *f, const char **pass, char *why, size_t whylen)
{
    char cause[96] = "";
    const char *s = json_string_value(value);
    *f = (struct hjtime_fields){.offset = zone};
    *pass = NULL;
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
        if (s && (rc = hjtime_rfc3339(s, f, cause, sizeof cause)) == 0)
            *pass = s;
        else if (json_is_number(value))
            snprintf(cause, sizeof cause, "expected a string");
        break;
    case HJTIME_DATE:
        if (s)
            rc = hjtime_date(s, f, cause, sizeof cause);
        else if (json_is_number(value))
            snprintf(cause, sizeof cause, "expected a string");
        break;
    case HJTIME_COMPACT:
        if (json_is_integer(value)) {
            char digits[32];
            snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
            rc = hjtime_compact(digits, f, cause, sizeof cause);
        } else if (s) {
            rc = hjtime_compact(s, f, cause, sizeof cause);
        } else if (json_is_real(value)) {
            snprintf(cause, sizeof cause, "expected a string or a whole number");
        }
        break;
    case HJTIME_EPOCH_S:
    case HJTIME_EPOCH_MS:
        if (s || json_is_number(value))
            rc = hjtime_epoch(value, format == HJTIME_EPOCH_S ? 1000 : 1, f, cause, sizeof cause);
        break;
    }
    return rc == 0 ? 0 : hjtime_fail(value, format, cause, why, whylen);
}

/* Copy printed text to out, or fail when it does not fit. */
static int hjtime_put(const char *text, int n, char *out, size_t outlen, char *why, size_t whylen)
{
    if (!out || n < 0 || (size_t)n >= outlen) {
        snprintf(why, whylen, "cannot be printed: %d bytes do not fit a %zu-byte buffer", n + 1,
                 outlen);
        return -1;
    }
    memcpy(out, text, (size_t)n + 1);
    return 0;
}

int hjtime_value(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                 size_t outlen, char *why, size_t whylen)
{
    struct hjtime_fields f;
    const char *pass;
    if (hjtime_read(value, format, zone_minutes, &f, &pass, why, whylen) < 0)
        return -1;
    if (pass)
        return hjtime_put(pass, (int)strlen(pass), out, outlen, why, whylen);
    char text[48];
    int n = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", f.year, f.month, f.day,
                     f.hour, f.minute, f.second);
    if (f.ms)
        n += snprintf(text + n, sizeof text - (size_t)n, ".%03d", f.ms);
    int a = f.offset < 0 ? -f.offset : f.offset;
    if (f.offset == 0)
        n += snprintf(text + n, sizeof text - (size_t)n, "Z");
    else
        n += snprintf(text + n, sizeof text - (size_t)n, "%c%02d:%02d", f.offset < 0 ? '-' : '+',
                      a / 60, a % 60);
    return hjtime_put(text, n, out, outlen, why, whylen);
}

int hjtime_date_of(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                   size_t outlen, char *why, size_t whylen)
{
    struct hjtime_fields f;
    const char *pass;
    if (hjtime_read(value, format, zone_minutes, &f, &pass, why, whylen) < 0)
        return -1;
    char text[16];
    int n = snprintf(text, sizeof text, "%04d-%02d-%02d", f.year, f.month, f.day);
    return hjtime_put(text, n, out, outlen, why, whylen);
}
