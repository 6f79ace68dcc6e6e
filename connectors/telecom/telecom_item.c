/*
 * telecom_item - read and check one item of the report (one operator's
 * figures for one commune) before anything of it is used.
 *
 * The first problem found rejects the whole item: ioc_reject names the
 * page, the item ("page 2 item 32152/Viettel", or its position when the
 * commune or operator itself is unreadable) and the field. Counts must be
 * non-negative whole numbers, percentages 0..100, the commune, operator and
 * technology names non-empty strings of at most 128 bytes (a dimension
 * value's limit). Strings in the item are pointed at, not copied.
 */
#include "telecom.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TELECOM_MAX_DIM_BYTES 128
#define TELECOM_MAX_EXACT 9007199254740992.0 /* 2^53: counts above lose precision */

/* A number field: `count` wants a non-negative whole number, otherwise a
 * percent 0..100. Rejects and returns -1 when it is anything else. */
static int telecom_number(ioc_ctx *ctx, const char *where, json_t *v, const char *field,
                          bool count, double *out)
{
    const char *why = NULL;
    double d = json_number_value(v);
    if (!v)
        why = "is missing";
    else if (json_is_null(v))
        why = "is null";
    else if (json_is_string(v))
        why = "is a string, expected a number";
    else if (!json_is_number(v))
        why = "is not a number";
    else if (count && d < 0)
        why = "is negative";
    else if (count && (d >= TELECOM_MAX_EXACT || d != (double)(int64_t)d))
        why = "is not a whole number below 2^53";
    else if (!count && !(d >= 0 && d <= 100))
        why = "is outside 0..100";
    if (why) {
        ioc_reject(ctx, where, field, why);
        return -1;
    }
    *out = d;
    return 0;
}

/* A dimension value: a non-empty string of at most 128 bytes without
 * control characters. */
static const char *telecom_text(ioc_ctx *ctx, const char *where, json_t *item, const char *field)
{
    json_t *v = json_object_get(item, field);
    const char *s = json_string_value(v), *why = NULL;
    if (!v)
        why = "is missing";
    else if (!s)
        why = json_is_null(v) ? "is null" : "is not a string";
    else if (!*s)
        why = "is empty";
    else if (strlen(s) > TELECOM_MAX_DIM_BYTES)
        why = "is longer than 128 bytes";
    for (const char *c = s; !why && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            why = "contains a control character";
    if (why)
        ioc_reject(ctx, where, field, why);
    return why ? NULL : s;
}

static int telecom_bts(ioc_ctx *ctx, const char *where, json_t *item, struct telecom_item *it)
{
    json_t *obj = json_object_get(item, "btsTheoCongNghe");
    if (!json_is_object(obj)) {
        ioc_reject(ctx, where, "btsTheoCongNghe",
                   !obj ? "is missing" : json_is_null(obj) ? "is null" : "is not an object");
        return -1;
    }
    const char *tech;
    json_t *v;
    char field[48];
    json_object_foreach (obj, tech, v) {
        /* Cut to fit; the daemon escapes control bytes in every log line. */
        snprintf(field, sizeof field, "%s", tech);
        char name[sizeof field + 16];
        snprintf(name, sizeof name, "btsTheoCongNghe.%s", field);
        if (it->ntech == TELECOM_MAX_TECHS || !*tech || strlen(tech) > TELECOM_MAX_DIM_BYTES) {
            ioc_reject(ctx, where, name,
                       *tech && strlen(tech) <= TELECOM_MAX_DIM_BYTES
                           ? "is one technology too many (at most 8)"
                           : "has an empty or over-long technology name");
            return -1;
        }
        if (telecom_number(ctx, where, v, name, true, &it->bts[it->ntech]) < 0)
            return -1;
        it->tech[it->ntech++] = tech;
    }
    return 0;
}

int telecom_item_read(ioc_ctx *ctx, json_t *item, size_t page, size_t index,
                      struct telecom_item *it)
{
    char where[128], code[24], op[40];
    snprintf(where, sizeof where, "page %zu item %zu", page, index + 1);
    if (!json_is_object(item)) {
        ioc_reject(ctx, where, "items", "has an entry that is not an object");
        return -1;
    }
    if (!(it->code = telecom_text(ctx, where, item, "maXa")) ||
        !(it->oper = telecom_text(ctx, where, item, "nhaMang")))
        return -1;
    /* Cut to fit; the daemon escapes control bytes in every log line. */
    snprintf(code, sizeof code, "%s", it->code);
    snprintf(op, sizeof op, "%s", it->oper);
    snprintf(where, sizeof where, "page %zu item %s/%s", page, code, op);
    json_t *ts = json_object_get(item, "updatedAt");
    if (!(it->ts = json_string_value(ts))) {
        ioc_reject(ctx, where, "updatedAt",
                   !ts ? "is missing" : json_is_null(ts) ? "is null" : "is not a string");
        return -1;
    }
    if (telecom_bts(ctx, where, item, it) < 0)
        return -1;
    const struct {
        const char *field;
        bool count; /* else a percent */
        double *out;
    } numbers[] = {
        {"phuSong4GTyLe", false, &it->cov4g},
        {"phuSong5GTyLe", false, &it->cov5g},
        {"thueBaoDiDong", true, &it->mobile},
        {"thueBaoBangRongCoDinh", true, &it->fixed},
        {"hoFTTHTyLe", false, &it->ftth},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (telecom_number(ctx, where, json_object_get(item, numbers[i].field), numbers[i].field,
                           numbers[i].count, numbers[i].out) < 0)
            return -1;
    return 0;
}
