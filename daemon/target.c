/* target - see target.h. */
#include "target.h"

#include <stdbool.h>
#include <string.h>

int target_year(const char *period_to, int64_t ts_ms, int tz_offset_min)
{
    if (period_to)
        return (period_to[0] - '0') * 1000 + (period_to[1] - '0') * 100 +
               (period_to[2] - '0') * 10 + (period_to[3] - '0');
    /* Days since 1970-01-01 in the deployment's offset, then the civil
     * year (Howard Hinnant's days_from_civil, inverted). */
    int64_t ms = ts_ms + (int64_t)tz_offset_min * 60000;
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    return (int)(yoe + era * 400 + (month <= 2));
}

/* The record's value of dim `key` (length keylen), or NULL. */
static const char *target_dim_value(const struct ioc_dim *dims, const char *key, size_t keylen)
{
    for (size_t i = 0; i < IOC_MAX_DIMS && dims[i].key; i++)
        if (strlen(dims[i].key) == keylen && !memcmp(dims[i].key, key, keylen))
            return dims[i].value;
    return NULL;
}

/* How specific `t` is for this record: -1 when one of its dims does not
 * match, else the number of its dims ("k=v,k=v", checked at load). */
static int target_dims_match(const char *spec, const struct ioc_dim *dims)
{
    int matched = 0;
    for (const char *p = spec; p && *p;) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *v = target_dim_value(dims, p, (size_t)(eq - p));
        size_t vlen = (size_t)(end - eq - 1);
        if (!v || strlen(v) != vlen || memcmp(v, eq + 1, vlen))
            return -1;
        matched++;
        p = *end ? end + 1 : end;
    }
    return matched;
}

const struct catalog_target *target_select(const struct catalog_metric *m, const char *level,
                                           const struct ioc_dim *dims, int year)
{
    if (!m)
        return NULL;
    const struct catalog_target *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < m->target_count; i++) {
        const struct catalog_target *t = &m->targets[i];
        if (year < t->year_from || year > t->year_to)
            continue;
        if (t->level && strcmp(t->level, level))
            continue;
        int score = target_dims_match(t->dims, dims);
        if (score < 0)
            continue;
        score += t->level ? 1 : 0;
        if (score > best_score)
            best = t, best_score = score;
    }
    return best;
}

enum target_status target_evaluate(const struct catalog_target *t, double v)
{
    if (!t)
        return TARGET_NONE;
    bool met = t->op == CATALOG_GOAL_GE ? v >= t->lo
             : t->op == CATALOG_GOAL_LE ? v <= t->hi
             : v >= t->lo && v <= t->hi;
    if (met)
        return TARGET_OK;
    if (t->has_warn && v >= t->warn_lo && v <= t->warn_hi)
        return TARGET_WARN;
    return TARGET_BREACH;
}

const char *target_status_name(enum target_status s)
{
    switch (s) {
    case TARGET_OK: return "ok";
    case TARGET_WARN: return "warn";
    case TARGET_BREACH: return "breach";
    case TARGET_NONE: break;
    }
    return "none";
}
