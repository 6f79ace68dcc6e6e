/*
 * pakn_item - read one report of a /pakn page, strictly.
 *
 * A report is either counted whole or not at all: a field of the wrong
 * type, a missing or null required field, an unknown status or an
 * unreadable time, a deadline before ngayGui or more than a year after it
 * skips the report with ioc_reject() naming the page, the report key and
 * the field, and the rest of the page still counts. Unknown
 * fields are ignored; tieuDe is not needed; danhGia may be absent or null
 * (not rated); ngayXuLy is required only for a resolved report.
 */
#include "pakn.h"

#include <stdio.h>
#include <string.h>

#define PAKN_MAX_DEADLINE_S (366 * 86400)

/* ---- RFC 3339 ---- */

static int pakn_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t pakn_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int pakn_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int pakn_time_parse(const char *t, int64_t *epoch_s)
{
    int y, mo, d, h, mi, s, oh = 0, om = 0;
    if (strlen(t) < 20 || pakn_digits(t, 4, &y) || t[4] != '-' || pakn_digits(t + 5, 2, &mo) ||
        t[7] != '-' || pakn_digits(t + 8, 2, &d) || !strchr("Tt ", t[10]) ||
        pakn_digits(t + 11, 2, &h) || t[13] != ':' || pakn_digits(t + 14, 2, &mi) || t[16] != ':' ||
        pakn_digits(t + 17, 2, &s))
        return -1;
    const char *p = t + 19;
    if (*p == '.') {
        const char *f = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return -1;
    }
    int sign = 0;
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
        sign = 1;
    else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && !pakn_digits(p + 1, 2, &oh) &&
             p[3] == ':' && !pakn_digits(p + 4, 2, &om) && oh < 24 && om < 60)
        sign = p[0] == '+' ? 1 : -1;
    if (!sign || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > pakn_month_days(y, mo) || h > 23 ||
        mi > 59 || s > 59)
        return -1;
    *epoch_s = pakn_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
               sign * (oh * 3600 + om * 60);
    return 0;
}

/* ---- one report ---- */

struct pakn_where {
    ioc_ctx *ctx;
    char text[96];
};

static int pakn_bad(struct pakn_where *w, const char *field, const char *reason)
{
    ioc_reject(w->ctx, w->text, field, reason);
    return -1;
}

/* A required string field. */
static int pakn_string(struct pakn_where *w, json_t *item, const char *field, const char **out)
{
    json_t *v = json_object_get(item, field);
    if (!v)
        return pakn_bad(w, field, "is missing");
    if (json_is_null(v))
        return pakn_bad(w, field, "is null");
    if (!json_is_string(v))
        return pakn_bad(w, field, "is not a string");
    *out = json_string_value(v);
    return 0;
}

static int pakn_time_field(struct pakn_where *w, json_t *item, const char *field, const char **text,
                           int64_t *epoch_s)
{
    if (pakn_string(w, item, field, text) < 0)
        return -1;
    if (strlen(*text) >= PAKN_TIME_LEN || pakn_time_parse(*text, epoch_s) < 0)
        return pakn_bad(w, field, "is not an RFC 3339 time with an offset");
    return 0;
}

/* Only keys made of [A-Za-z0-9._-] go into log lines. */
static bool pakn_key_printable(const char *key)
{
    size_t n = strlen(key);
    return n > 0 && n <= 40 &&
           strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789._-") == n;
}

static bool pakn_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

int pakn_item_read(ioc_ctx *ctx, unsigned page, size_t index, json_t *item, struct pakn_item *out)
{
    struct pakn_where w = {.ctx = ctx};
    const char *key = json_string_value(json_object_get(item, "maPhanAnh"));
    if (key && pakn_key_printable(key))
        snprintf(w.text, sizeof w.text, "page %u item %s", page, key);
    else
        snprintf(w.text, sizeof w.text, "page %u item #%zu", page, index + 1);
    if (!json_is_object(item))
        return pakn_bad(&w, "item", "is not an object");

    *out = (struct pakn_item){0};
    const char *status, *due_text, *done_text;
    if (pakn_string(&w, item, "maPhanAnh", &out->key) < 0 ||
        pakn_string(&w, item, "maXa", &out->xa) < 0 ||
        pakn_string(&w, item, "linhVuc", &out->topic) < 0 ||
        pakn_time_field(&w, item, "ngayGui", &out->sent_text, &out->sent) < 0 ||
        pakn_time_field(&w, item, "hanXuLy", &due_text, &out->due) < 0 ||
        pakn_string(&w, item, "trangThai", &status) < 0)
        return -1;
    if (!pakn_text_ok(out->key, 64))
        return pakn_bad(&w, "maPhanAnh", "is empty, too long or has control characters");
    if (strlen(out->xa) != 5 || strspn(out->xa, "0123456789") != 5)
        return pakn_bad(&w, "maXa", "is not a 5-digit commune code");
    if (!pakn_text_ok(out->topic, 64))
        return pakn_bad(&w, "linhVuc", "is empty, over 64 bytes or has control characters");

    /* Deadlines are days or weeks away; this bounds the open-report list. */
    if (out->due < out->sent || out->due - out->sent > PAKN_MAX_DEADLINE_S)
        return pakn_bad(&w, "hanXuLy", "is before ngayGui or more than 366 days after it");

    if (strcmp(status, "moi") == 0)
        out->status = PAKN_NEW;
    else if (strcmp(status, "dang-xu-ly") == 0)
        out->status = PAKN_IN_PROGRESS;
    else if (strcmp(status, "da-xu-ly") == 0)
        out->status = PAKN_RESOLVED;
    else
        return pakn_bad(&w, "trangThai", "is not moi, dang-xu-ly or da-xu-ly");
    if (out->status == PAKN_RESOLVED &&
        pakn_time_field(&w, item, "ngayXuLy", &done_text, &out->done) < 0)
        return -1;

    json_t *rating = json_object_get(item, "danhGia");
    if (!rating || json_is_null(rating))
        out->rating = PAKN_UNRATED;
    else if (!json_is_string(rating))
        return pakn_bad(&w, "danhGia", "is not a string");
    else if (strcmp(json_string_value(rating), "hai-long") == 0)
        out->rating = PAKN_SATISFIED;
    else if (strcmp(json_string_value(rating), "khong-hai-long") == 0)
        out->rating = PAKN_DISSATISFIED;
    else
        return pakn_bad(&w, "danhGia", "is not hai-long, khong-hai-long or null");
    return 0;
}
