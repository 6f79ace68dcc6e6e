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

/* RFC 3339 with an offset, read by the daemon's parser, in whole seconds
 * (floored: the fraction never moves a time into the next second). */
int pakn_time_parse(const char *t, int64_t *epoch_s)
{
    int64_t ms;
    if (ioc_time_parse(t, &ms, NULL, NULL) < 0)
        return -1;
    *epoch_s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
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
