/*
 * cond - ETag, HTTP dates and 304 decisions. Dates are converted through
 * the daemon's timeparse module (an HTTP date is rewritten as RFC 3339),
 * so there is one calendar implementation in the tree, not two.
 */
#include "cond.h"

#include "timeparse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const cond_days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const cond_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void cond_etag(const char *body, size_t len, char out[COND_ETAG_LEN])
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)body[i];
        h *= UINT64_C(0x100000001b3);
    }
    snprintf(out, COND_ETAG_LEN, "\"%016llx\"", (unsigned long long)h);
}

void cond_http_date(int64_t unix_s, char out[COND_DATE_LEN])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, COND_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT", cond_days[tm.tm_wday],
             tm.tm_mday, cond_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
}

int cond_parse_http_date(const char *text, int64_t *unix_s)
{
    char wday[4], mon[4];
    int day, year, hh, mm, ss, end = 0;
    if (sscanf(text, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wday, &day, mon, &year, &hh, &mm, &ss,
               &end) != 7 ||
        end == 0 || text[end] != '\0')
        return -1;
    int month = 0;
    while (month < 12 && strcmp(mon, cond_months[month]) != 0)
        month++;
    if (month == 12)
        return -1;
    char rfc3339[32];
    snprintf(rfc3339, sizeof rfc3339, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month + 1, day, hh,
             mm, ss);
    int64_t ms;
    const char *reason;
    if (timeparse_parse(rfc3339, 0, &ms, &reason) != 0)
        return -1;
    *unix_s = ms / 1000;
    return 0;
}

/* Whether the comma-separated If-None-Match list contains `etag`. */
static bool cond_etag_listed(const char *list, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - start) == etag_len && memcmp(start, etag, etag_len) == 0)
            return true;
    }
    return false;
}

bool cond_not_modified(const char *if_none_match, const char *if_modified_since, const char *etag,
                       int64_t last_modified_s)
{
    if (if_none_match)
        return cond_etag_listed(if_none_match, etag);
    int64_t since;
    if (if_modified_since && cond_parse_http_date(if_modified_since, &since) == 0)
        return last_modified_s <= since;
    return false;
}
