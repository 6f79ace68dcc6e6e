/*
 * dvc_page - one page of the portal's statistics into struct dvc_unit.
 *
 * Two kinds of trouble, two answers. An unusable page (not JSON, no
 * duLieu array, a tongSo or ngayCapNhat that differs from page 1's, i.e.
 * the data moved during the walk) fails the whole poll. A bad record (a
 * count that is a string, missing or null; an unknown catalog; a commune
 * without a 5-digit maXa; channels that add up to more than tongTiepNhan;
 * another period than the rest) is reported with ioc_reject() naming the
 * page, the record's maDinhDanh and the field, and the rest still counts.
 */
#include "dvc.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const dvc_field_keys[DVC_FIELDS] = {
    [DVC_RECEIVED] = "tongTiepNhan",
    [DVC_ONLINE] = "tiepNhanQuaMang",
    [DVC_IN_PERSON] = "tiepNhanTrucTiep",
    [DVC_POSTAL] = "tiepNhanBCCI",
    [DVC_EARLY] = "daXuLyTruocHan",
    [DVC_ON_TIME] = "daXuLyDungHan",
    [DVC_LATE] = "daXuLyQuaHan",
    [DVC_WITHIN] = "dangXuLyTrongHan",
    [DVC_OVERDUE] = "dangXuLyQuaHan",
    [DVC_VERY_SATISFIED] = "danhGiaRatHaiLong",
    [DVC_SATISFIED] = "danhGiaHaiLong",
    [DVC_UNSATISFIED] = "danhGiaKhongHaiLong",
};

#define DVC_MAX_COUNT 9007199254740992.0 /* 2^53: exact in a double */

static bool dvc_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[n] == '\0';
}

/* A count: a JSON number that is a whole number >= 0. Returns the reason
 * it is not, or NULL. */
static const char *dvc_count(json_t *v, uint64_t *out)
{
    if (!v)
        return "is missing";
    if (json_is_null(v))
        return "is null";
    if (json_is_string(v))
        return "is a string, not a number";
    if (!json_is_number(v))
        return "is not a number";
    double d = json_number_value(v);
    if (!(d >= 0) || d != floor(d) || d >= DVC_MAX_COUNT)
        return "is not a whole number >= 0";
    *out = (uint64_t)d;
    return NULL;
}

/* tuNgay/denNgay, "yyyyMMdd" or "yyyyMMddHHmmss", to "yyyy-MM-dd". */
static const char *dvc_date(json_t *v, char out[11])
{
    const char *s = json_string_value(v);
    if (!v)
        return "is missing";
    if (!s)
        return json_is_null(v) ? "is null" : "is not a string";
    size_t n = strlen(s);
    if ((n != 8 && n != 14) || !dvc_digits(s, n))
        return "is not a date yyyyMMdd or yyyyMMddHHmmss";
    int month = (s[4] - '0') * 10 + (s[5] - '0'), day = (s[6] - '0') * 10 + (s[7] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return "is not a calendar date";
    snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
    return NULL;
}

/* Read one record into *u; on a bad field report it and return -1. */
static int dvc_record(ioc_ctx *ctx, struct dvc_walk *w, long page, size_t index, json_t *rec,
                      struct dvc_unit *u)
{
    char where[160];
    const char *id = json_string_value(json_object_get(rec, "maDinhDanh"));
    if (id)
        snprintf(where, sizeof where, "page %ld record %.100s", page, id);
    else
        snprintf(where, sizeof where, "page %ld record #%zu", page, index + 1);
    if (!json_is_object(rec)) {
        ioc_reject(ctx, where, NULL, "is not a JSON object");
        return -1;
    }
    if (!id || !*id) {
        ioc_reject(ctx, where, "maDinhDanh", "is missing, empty or not a string");
        return -1;
    }
    const char *catalog = json_string_value(json_object_get(rec, "catalog"));
    if (!catalog || (strcmp(catalog, "department") && strcmp(catalog, "commune"))) {
        ioc_reject(ctx, where, "catalog", "is not \"department\" or \"commune\"");
        return -1;
    }
    u->commune = strcmp(catalog, "commune") == 0;
    if (u->commune) {
        json_t *x = json_object_get(rec, "maXa");
        const char *code = json_string_value(x);
        if (!code || !dvc_digits(code, 5)) {
            ioc_reject(ctx, where, "maXa",
                       !x ? "is missing (a commune unit needs its commune code)"
                          : "is not a 5-digit commune code");
            return -1;
        }
        memcpy(u->area, code, 6);
    } else {
        memcpy(u->area, "96", 3);
    }
    for (int f = 0; f < DVC_FIELDS; f++) {
        const char *why = dvc_count(json_object_get(rec, dvc_field_keys[f]), &u->v[f]);
        if (why) {
            ioc_reject(ctx, where, dvc_field_keys[f], why);
            return -1;
        }
    }
    uint64_t channels = u->v[DVC_ONLINE] + u->v[DVC_IN_PERSON] + u->v[DVC_POSTAL];
    if (channels > u->v[DVC_RECEIVED]) {
        char why[160];
        snprintf(why, sizeof why,
                 "(%llu) is less than tiepNhanQuaMang + tiepNhanTrucTiep + tiepNhanBCCI (%llu)",
                 (unsigned long long)u->v[DVC_RECEIVED], (unsigned long long)channels);
        ioc_reject(ctx, where, "tongTiepNhan", why);
        return -1;
    }
    char from[11], to[11];
    const char *why = dvc_date(json_object_get(rec, "tuNgay"), from);
    if (why) {
        ioc_reject(ctx, where, "tuNgay", why);
        return -1;
    }
    if ((why = dvc_date(json_object_get(rec, "denNgay"), to))) {
        ioc_reject(ctx, where, "denNgay", why);
        return -1;
    }
    if (!w->from[0]) {
        memcpy(w->from, from, sizeof from), memcpy(w->to, to, sizeof to);
    } else if (strcmp(w->from, from) || strcmp(w->to, to)) {
        char text[96];
        snprintf(text, sizeof text, "%s..%s differs from the period of the other records, %s..%s",
                 from, to, w->from, w->to);
        ioc_reject(ctx, where, "tuNgay", text);
        return -1;
    }
    if (!(u->id = strdup(id))) {
        ioc_log(ctx, IOC_LOG_ERROR, "%s: out of memory; record skipped", where);
        return -1;
    }
    u->page = page;
    return 0;
}

static int dvc_push(struct dvc_walk *w, const struct dvc_unit *u)
{
    if (w->count == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        struct dvc_unit *grown = realloc(w->units, cap * sizeof *grown);
        if (!grown)
            return -1;
        w->units = grown, w->cap = cap;
    }
    w->units[w->count++] = *u;
    return 0;
}

/* The envelope: trang, tongSo and ngayCapNhat, checked against page 1. */
static int dvc_envelope(ioc_ctx *ctx, struct dvc_walk *w, long page, json_t *doc)
{
    json_t *trang = json_object_get(doc, "trang"), *tong = json_object_get(doc, "tongSo");
    const char *ts = json_string_value(json_object_get(doc, "ngayCapNhat"));
    if (trang && (!json_is_integer(trang) || json_integer_value(trang) != page)) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: field 'trang' names another page; poll failed, nothing published",
                page);
        return -1;
    }
    if (!json_is_integer(tong) || json_integer_value(tong) < 0) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: field 'tongSo' is missing or not a whole number >= 0; poll failed, "
                "nothing published",
                page);
        return -1;
    }
    if (!ts || !dvc_digits(ts, 14)) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: field 'ngayCapNhat' is missing or not yyyyMMddHHmmss; poll failed, "
                "nothing published",
                page);
        return -1;
    }
    if (page == 1) {
        w->total = json_integer_value(tong);
        memcpy(w->ts, ts, 15);
        return 0;
    }
    if (strcmp(ts, w->ts) != 0 || json_integer_value(tong) != w->total) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: ngayCapNhat %s / tongSo %lld differ from page 1's %s / %lld: the "
                "data changed during the walk; poll failed, nothing published",
                page, ts, (long long)json_integer_value(tong), w->ts, (long long)w->total);
        return -1;
    }
    return 0;
}

int dvc_page_parse(ioc_ctx *ctx, struct dvc_walk *w, long page, const char *body, size_t len,
                   size_t *records)
{
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    *records = 0;
    if (!doc) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: invalid JSON at line %d column %d: %s; poll failed, nothing published",
                page, err.line, err.column, err.text);
        return -1;
    }
    json_t *list = json_object_get(doc, "duLieu");
    if (!json_is_array(list)) {
        ioc_log(ctx, IOC_LOG_ERROR,
                "page %ld: field 'duLieu' is missing or not an array; poll failed, nothing "
                "published",
                page);
        json_decref(doc);
        return -1;
    }
    if (dvc_envelope(ctx, w, page, doc) < 0) {
        json_decref(doc);
        return -1;
    }
    size_t i;
    json_t *rec;
    json_array_foreach (list, i, rec) {
        struct dvc_unit u = {0};
        if (dvc_record(ctx, w, page, i, rec, &u) < 0)
            continue;
        if (dvc_push(w, &u) < 0) {
            free(u.id);
            ioc_log(ctx, IOC_LOG_ERROR, "page %ld: out of memory; poll failed", page);
            json_decref(doc);
            return -1;
        }
    }
    *records = json_array_size(list);
    w->seen += *records;
    json_decref(doc);
    return 0;
}

void dvc_walk_free(struct dvc_walk *w)
{
    for (size_t i = 0; i < w->count; i++)
        free(w->units[i].id);
    free(w->units);
    *w = (struct dvc_walk){0};
}
