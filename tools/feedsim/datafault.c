/*
 * datafault - spoil the first record(s) of a feed body, driven by the
 * feed's shape (which keys hold the records, the count, the ratio and the
 * commune code).
 */
#include "datafault.h"

#include "gazetteer.h"

#include <stdio.h>
#include <string.h>

/* "1.199" for 1199, "12.345.678" for 12345678: how a Vietnamese
 * spreadsheet export writes counts. */
static void datafault_thousands(json_int_t v, char *out, size_t len)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
    size_t o = 0;
    if (v < 0 && o + 1 < len)
        out[o++] = '-';
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = '.';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static int datafault_old_codes(json_t *records, const char *key, const struct gazetteer *gaz)
{
    int changed = 0;
    size_t i;
    json_t *rec;
    json_array_foreach (records, i, rec) {
        const char *code = json_string_value(json_object_get(rec, key));
        const char *old = code ? gazetteer_old_code_for(gaz, code) : NULL;
        if (!old)
            continue;
        json_object_set_new(rec, key, json_string(old));
        if (++changed == 2)
            break;
    }
    return changed;
}

/* The update time becomes DATAFAULT_FORGED after a date that parses up to
 * there, and the first record's code gets it appended. */
static int datafault_forged(json_t *body, json_t *first, const struct feed_shape *shape)
{
    int changed = 0;
    if (shape->updated && json_object_get(body, shape->updated))
        changed += json_object_set_new(body, shape->updated,
                                       json_string("2025-08-01" DATAFAULT_FORGED)) == 0;
    const char *code = shape->code ? json_string_value(json_object_get(first, shape->code)) : NULL;
    if (code) {
        char forged[128];
        snprintf(forged, sizeof forged, "%s%s", code, DATAFAULT_FORGED);
        changed += json_object_set_new(first, shape->code, json_string(forged)) == 0;
    }
    return changed > 0;
}

int datafault_apply(json_t *body, const struct feed_shape *shape, enum fault_mode mode,
                    const struct gazetteer *gaz)
{
    json_t *records = shape->records ? json_object_get(body, shape->records) : NULL;
    json_t *first = json_array_get(records, 0);
    if (!first)
        return 0;
    switch (mode) {
    case FAULT_WRONG_TYPE: {
        json_t *v = shape->count ? json_object_get(first, shape->count) : NULL;
        if (!v)
            return 0;
        char text[32];
        datafault_thousands(json_integer_value(v), text, sizeof text);
        json_object_set_new(first, shape->count, json_string(text));
        return 1;
    }
    case FAULT_MISSING_FIELD:
        return shape->count && json_object_del(first, shape->count) == 0;
    case FAULT_NULLS:
        if (!shape->ratio)
            return 0;
        json_object_set_new(first, shape->ratio, json_null());
        return 1;
    case FAULT_FORGED_TEXT:
        return datafault_forged(body, first, shape);
    case FAULT_OLD_CODES:
        return shape->code && gaz ? datafault_old_codes(records, shape->code, gaz) : 0;
    default:
        return 0;
    }
}
