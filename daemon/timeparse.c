/*
 * timeparse - the timestamp formats feeds send, and the one we publish.
 *
 * Design idea: no libc time functions at all. mktime/timegm/strptime depend
 * on TZ, the locale or the platform and happily "normalise" Feb 30 into
 * Mar 2; feeds are refused, not guessed. So we check every field by hand
 * and convert with the proleptic-Gregorian day arithmetic of Howard
 * Hinnant's days_from_civil / civil_from_days, which is exact, pure and
 * thread-safe.
 */
#include "timeparse.h"

#include <stdio.h>
#include <string.h>

#define TIMEPARSE_MS_PER_MIN 60000LL
#define TIMEPARSE_MS_PER_DAY 86400000LL
/* An offset of 24 hours or more is no offset any zone has ever used. */
#define TIMEPARSE_MAX_OFFSET_MIN (24 * 60 - 1)

/* Fields of a timestamp as written, before any conversion. */
struct timeparse_fields {
    int year, month, day, hour, minute, second, ms;
};

static int timeparse_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int timeparse_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && timeparse_is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a valid civil date (Hinnant). */
static int64_t timeparse_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil date of a day count since 1970-01-01 (Hinnant). */
static void timeparse_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Read exactly `n` ASCII digits at *p; advances *p. isdigit() is avoided
 * because it is locale-dependent and takes int, not char. */
static int timeparse_digits(const char **p, int n, int *out)
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

/* Expect one literal character; advances *p on a match. */
static int timeparse_expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

static int timeparse_check_date(const struct timeparse_fields *f, const char **reason)
{
    if (f->year < 1970 || f->year > 9999) {
        *reason = "year out of range (1970..9999)";
        return -1;
    }
    if (f->month < 1 || f->month > 12) {
        *reason = "month out of range (01..12)";
        return -1;
    }
    if (f->day < 1 || f->day > timeparse_days_in_month(f->year, f->month)) {
        *reason = "day out of range for its month";
        return -1;
    }
    return 0;
}

static int timeparse_check_time(const struct timeparse_fields *f, const char **reason)
{
    if (f->hour > 23) {
        *reason = "hour out of range (00..23)";
        return -1;
    }
    if (f->minute > 59) {
        *reason = "minute out of range (00..59)";
        return -1;
    }
    if (f->second > 59) {
        /* A leap second cannot be represented in epoch milliseconds. */
        *reason = "second out of range (00..59, leap seconds refused)";
        return -1;
    }
    return 0;
}

static int64_t timeparse_to_ms(const struct timeparse_fields *f, int offset_min)
{
    int64_t days = timeparse_days_from_civil(f->year, f->month, f->day);
    int64_t ms = days * TIMEPARSE_MS_PER_DAY +
                 ((int64_t)f->hour * 3600 + f->minute * 60 + f->second) * 1000 + f->ms;
    return ms - (int64_t)offset_min * TIMEPARSE_MS_PER_MIN;
}

/* "YYYY-MM-DD" at *p, fields only. */
static int timeparse_read_date(const char **p, struct timeparse_fields *f)
{
    if (timeparse_digits(p, 4, &f->year) || timeparse_expect(p, '-') ||
        timeparse_digits(p, 2, &f->month) || timeparse_expect(p, '-') ||
        timeparse_digits(p, 2, &f->day))
        return -1;
    return 0;
}

/* "+hh:mm" / "-hh:mm" / "Z" / "z" at *p. */
static int timeparse_read_offset(const char **p, int *offset_min, const char **reason)
{
    char sign = **p;
    if (sign == 'Z' || sign == 'z') {
        (*p)++;
        *offset_min = 0;
        return 0;
    }
    if (sign == '\0') {
        *reason = "no UTC offset (RFC 3339 needs Z or +hh:mm)";
        return -1;
    }
    int hh, mm;
    (*p)++;
    if ((sign != '+' && sign != '-') || timeparse_digits(p, 2, &hh) ||
        timeparse_expect(p, ':') || timeparse_digits(p, 2, &mm)) {
        *reason = "malformed UTC offset (expected Z or +hh:mm)";
        return -1;
    }
    if (hh > 23 || mm > 59) {
        *reason = "UTC offset out of range";
        return -1;
    }
    *offset_min = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
    return 0;
}

/* Optional ".fff..." fraction; keeps milliseconds, truncates the rest so a
 * time never moves into the next second. Nanoseconds are the most any
 * feed has a reason to send; more digits are refused as garbage. */
static int timeparse_read_fraction(const char **p, int *ms, const char **reason)
{
    *ms = 0;
    if (**p != '.')
        return 0;
    (*p)++;
    int n = 0;
    while ((*p)[n] >= '0' && (*p)[n] <= '9') {
        if (n < 3)
            *ms = *ms * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n == 0 || n > 9) {
        *reason = "malformed fraction of a second (1..9 digits)";
        return -1;
    }
    for (int i = n; i < 3; i++)
        *ms *= 10;
    *p += n;
    return 0;
}

static int timeparse_rfc3339(const char *s, int64_t *epoch_ms, int *offset_min,
                             const char **reason)
{
    struct timeparse_fields f;
    const char *p = s;
    int offset;

    if (timeparse_read_date(&p, &f)) {
        *reason = "malformed date (expected YYYY-MM-DD)";
        return -1;
    }
    /* RFC 3339 section 5.6 allows a space instead of 'T'; SQL exports use it. */
    if (*p != 'T' && *p != 't' && *p != ' ') {
        *reason = "malformed timestamp (expected 'T' after the date)";
        return -1;
    }
    p++;
    if (timeparse_digits(&p, 2, &f.hour) || timeparse_expect(&p, ':') ||
        timeparse_digits(&p, 2, &f.minute) || timeparse_expect(&p, ':') ||
        timeparse_digits(&p, 2, &f.second)) {
        *reason = "malformed time of day (expected hh:mm:ss)";
        return -1;
    }
    if (timeparse_read_fraction(&p, &f.ms, reason) ||
        timeparse_read_offset(&p, &offset, reason))
        return -1;
    if (*p != '\0') {
        *reason = "trailing characters after the timestamp";
        return -1;
    }
    if (timeparse_check_date(&f, reason) || timeparse_check_time(&f, reason))
        return -1;
    *epoch_ms = timeparse_to_ms(&f, offset);
    if (offset_min)
        *offset_min = offset;
    return 0;
}

/* "yyyyMMddHHmmss", exactly 14 digits, in a caller-given offset. */
static int timeparse_compact(const char *s, int offset_min, int64_t *epoch_ms,
                             const char **reason)
{
    struct timeparse_fields f = {0};
    const char *p = s;

    size_t len = strlen(s);
    if (strspn(s, "0123456789") != len) {
        *reason = "neither RFC 3339 nor yyyyMMddHHmmss";
        return -1;
    }
    if (len != 14) {
        *reason = "compact timestamp needs exactly 14 digits (yyyyMMddHHmmss)";
        return -1;
    }
    timeparse_digits(&p, 4, &f.year);
    timeparse_digits(&p, 2, &f.month);
    timeparse_digits(&p, 2, &f.day);
    timeparse_digits(&p, 2, &f.hour);
    timeparse_digits(&p, 2, &f.minute);
    timeparse_digits(&p, 2, &f.second);
    if (offset_min < -TIMEPARSE_MAX_OFFSET_MIN || offset_min > TIMEPARSE_MAX_OFFSET_MIN) {
        *reason = "offset for compact timestamps out of range";
        return -1;
    }
    if (timeparse_check_date(&f, reason) || timeparse_check_time(&f, reason))
        return -1;
    *epoch_ms = timeparse_to_ms(&f, offset_min);
    return 0;
}

int timeparse_parse(const char *text, int compact_offset_min, int64_t *epoch_ms,
                    const char **reason)
{
    const char *dummy;
    if (!reason)
        reason = &dummy;
    if (!text || !*text) {
        *reason = "empty timestamp";
        return -1;
    }
    /* The two forms differ at the 5th character: '-' versus a digit. */
    if (strlen(text) >= 5 && text[4] == '-')
        return timeparse_rfc3339(text, epoch_ms, NULL, reason);
    return timeparse_compact(text, compact_offset_min, epoch_ms, reason);
}

int timeparse_rfc3339_zoned(const char *text, int64_t *epoch_ms, int *offset_min,
                            const char **reason)
{
    const char *dummy;
    if (!reason)
        reason = &dummy;
    if (!text || !*text) {
        *reason = "empty timestamp";
        return -1;
    }
    int64_t ms;
    if (timeparse_rfc3339(text, &ms, offset_min, reason) < 0)
        return -1;
    if (epoch_ms)
        *epoch_ms = ms;
    return 0;
}

/* Floor division: C truncates toward zero, which would put instants before
 * 1970 on the wrong day. */
static int64_t timeparse_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int timeparse_format(int64_t epoch_ms, int offset_min, char *buf, size_t len)
{
    if (offset_min < -TIMEPARSE_MAX_OFFSET_MIN || offset_min > TIMEPARSE_MAX_OFFSET_MIN)
        return -1;
    /* Bound the input so the arithmetic below cannot overflow; the year
     * check then limits output to what RFC 3339 can express. */
    if (epoch_ms < -100000LL * 366 * TIMEPARSE_MS_PER_DAY ||
        epoch_ms > 100000LL * 366 * TIMEPARSE_MS_PER_DAY)
        return -1;
    int64_t local = epoch_ms + (int64_t)offset_min * TIMEPARSE_MS_PER_MIN;
    int64_t days = timeparse_floordiv(local, TIMEPARSE_MS_PER_DAY);
    int64_t in_day = local - days * TIMEPARSE_MS_PER_DAY;
    int y, m, d;
    timeparse_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return -1;

    int secs = (int)(in_day / 1000), ms = (int)(in_day % 1000);
    char tmp[48];
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d,
                     secs / 3600, secs / 60 % 60, secs % 60);
    if (ms)
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%03d", ms);
    if (offset_min == 0) {
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, "Z");
    } else {
        int a = offset_min < 0 ? -offset_min : offset_min;
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, "%c%02d:%02d",
                      offset_min < 0 ? '-' : '+', a / 60, a % 60);
    }
    if (!buf || (size_t)n >= len)
        return -1;
    memcpy(buf, tmp, (size_t)n + 1);
    return n;
}

int timeparse_date(const char *text, int64_t *days, const char **reason)
{
    struct timeparse_fields f = {0};
    const char *p = text;
    const char *dummy;
    if (!reason)
        reason = &dummy;
    if (!text || !*text) {
        *reason = "empty date";
        return -1;
    }
    if (timeparse_read_date(&p, &f) || *p != '\0') {
        *reason = "malformed date (expected YYYY-MM-DD)";
        return -1;
    }
    if (timeparse_check_date(&f, reason))
        return -1;
    *days = timeparse_days_from_civil(f.year, f.month, f.day);
    return 0;
}

int timeparse_offset(const char *text, int *offset_min, const char **reason)
{
    const char *ignored, *p = text;
    int v;
    if (!reason)
        reason = &ignored;
    if (!text) {
        *reason = "no offset given";
        return -1;
    }
    if (timeparse_read_offset(&p, &v, reason))
        return -1;
    if (*p != '\0') {
        *reason = "text after the offset";
        return -1;
    }
    *offset_min = v;
    return 0;
}
