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
    case FAULT_OLD_CODES:
        return shape->code && gaz ? datafault_old_codes(records, shape->code, gaz) : 0;
    default:
        return 0;
    }
}
