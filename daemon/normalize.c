/* normalize - see normalize.h. */
#include "normalize.h"

#include "catalog.h"
#include "jsonw.h"
#include "slug.h"
#include "target.h"
#include "timeparse.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NORMALIZE_MAX_FUTURE_MS (24LL * 3600 * 1000)

static int normalize_fail(struct normalize_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int normalize_fail(struct normalize_error *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof err->reason, fmt, ap);
    va_end(ap);
    err->field = field;
    return -1;
}

/* [a-z][a-z0-9_]* segments joined by '.', at most 64 bytes. */
static int normalize_metric_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 64)
        return 0;
    int at_segment_start = 1;
    for (const char *p = name; *p; p++) {
        if (at_segment_start) {
            if (!(*p >= 'a' && *p <= 'z'))
                return 0;
            at_segment_start = 0;
        } else if (*p == '.') {
            at_segment_start = 1;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return 0;
        }
    }
    return !at_segment_start;
}

static int normalize_value(const struct normalize_env *env, const struct ioc_record *r,
                           struct normalize_error *err)
{
    const struct catalog *units = env->catalog ? env->catalog : catalog_builtin();
    if (!isfinite(r->value))
        return normalize_fail(err, "value", "is not a finite number");
    if (!r->unit)
        return normalize_fail(err, "unit", "is missing");
    if (!catalog_unit(units, r->unit)) {
        /* Name the units that would do, as many as the reason holds. */
        char known[160] = "";
        size_t used = 0;
        for (size_t i = 0; i < units->unit_count && used < sizeof known; i++) {
            int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                             units->units[i].name);
            if (n < 0 || (size_t)n >= sizeof known - used) {
                snprintf(known + used, sizeof known - used, "%s", i ? ", ..." : "");
                break;
            }
            used += (size_t)n;
        }
        return normalize_fail(err, "unit", "'%.32s' is not a known unit (the catalogue's units: "
                              "%s)", r->unit, known);
    }
    double v = r->value;
    if (!strcmp(r->unit, "count") && (v < 0 || v != floor(v)))
        return normalize_fail(err, "value", "%g is not a count (a non-negative integer)", v);
    if (!strcmp(r->unit, "count") && v > NORMALIZE_MAX_COUNT)
        /* Beyond 2^53 a double no longer holds every integer: 2^53 + 1
         * reads as 2^53, so such a "count" is not exact (1e300, 2^63 from
         * a feed's overflowed counter). Shown whole below 1e21. */
        return normalize_fail(err, "value", v < 1e21 ? "count %.0f is above 2^53, not an exact "
                              "count" : "count %g is above 2^53, not an exact count", v);
    if (!strcmp(r->unit, "percent") && (v < 0 || v > 100))
        return normalize_fail(err, "value", "%g is outside 0..100 for a percent", v);
    if (!strcmp(r->unit, "ratio") && (v < 0 || v > 1))
        return normalize_fail(err, "value", "%g is outside 0..1 for a ratio", v);
    if (r->has_ratio_parts) {
        if (!isfinite(r->numerator) || !isfinite(r->denominator))
            return normalize_fail(err, "ratio", "numerator or denominator is not finite");
        if (r->denominator <= 0 || r->numerator < 0)
            return normalize_fail(err, "ratio", "needs numerator >= 0 and denominator > 0 "
                                  "(got %g/%g)", r->numerator, r->denominator);
    }
    if (r->target_op != IOC_TARGET_NONE) {
        if (r->target_op != IOC_TARGET_GE && r->target_op != IOC_TARGET_LE)
            return normalize_fail(err, "target", "unknown comparison %d", (int)r->target_op);
        if (!isfinite(r->target))
            return normalize_fail(err, "target", "is not a finite number");
    }
    return 0;
}

/* The last timestamp a thread parsed and printed. Records of one poll
 * mostly share their time (one per page, or one per operator), and each
 * connector emits from its own thread, so one entry per thread spares
 * most parses and formats without any lock. */
struct normalize_ts_cache {
    char text[48];   /* the record's ts as given ("" = none cached) */
    int offset_min;
    int64_t ms;
    char printed[40];
};
static _Thread_local struct normalize_ts_cache normalize_last_ts;

static int normalize_time(const struct normalize_env *env, const struct ioc_record *r,
                          int64_t now_ms, struct normalized *out, struct normalize_error *err)
{
    int64_t ms = now_ms;
    const char *reason;
    struct normalize_ts_cache *c = &normalize_last_ts;
    bool cached = r->ts && c->text[0] && c->offset_min == env->tz_offset_min &&
                  strcmp(c->text, r->ts) == 0;
    if (cached)
        ms = c->ms;
    else if (r->ts && timeparse_parse(r->ts, env->tz_offset_min, &ms, &reason) < 0)
        return normalize_fail(err, "ts", "'%.40s': %s", r->ts, reason);
    if (ms - now_ms > NORMALIZE_MAX_FUTURE_MS)
        return normalize_fail(err, "ts", "'%.40s' is %lld hours in the future (clock or zone "
                              "wrong?)", r->ts, (long long)((ms - now_ms) / 3600000));
    if (cached) {
        memcpy(out->ts, c->printed, sizeof out->ts);
    } else {
        timeparse_format(ms, env->tz_offset_min, out->ts, sizeof out->ts);
        if (r->ts && strlen(r->ts) < sizeof c->text) {
            strcpy(c->text, r->ts);
            c->offset_min = env->tz_offset_min;
            c->ms = ms;
            memcpy(c->printed, out->ts, sizeof c->printed);
        }
    }

    out->ts_ms = ms;
    out->data_ms = ms;
    if (!r->period_from != !r->period_to)
        return normalize_fail(err, "period", "needs both from and to");
    if (r->period_from) {
        int64_t from, to;
        if (timeparse_date(r->period_from, &from, &reason) < 0)
            return normalize_fail(err, "period", "from '%.20s': %s", r->period_from, reason);
        if (timeparse_date(r->period_to, &to, &reason) < 0)
            return normalize_fail(err, "period", "to '%.20s': %s", r->period_to, reason);
        if (from > to)
            return normalize_fail(err, "period", "from %s is after to %s", r->period_from,
                                  r->period_to);
        /* The period's data is as recent as its last day's end. */
        int64_t period_end_ms = (to + 1) * 86400000LL - (int64_t)env->tz_offset_min * 60000;
        if (period_end_ms < out->data_ms)
            out->data_ms = period_end_ms;
    }
    return 0;
}

static int normalize_area(const struct normalize_env *env, const struct ioc_record *r,
                          struct normalized *out, struct normalize_error *err)
{
    if (!r->area)
        return normalize_fail(err, "area", "is missing");
    struct area_resolution res;
    switch (gazetteer_resolve(env->gazetteer, r->area, &res)) {
    case GAZ_CURRENT:
    case GAZ_MAPPED:
        break;
    case GAZ_SPLIT:
        return normalize_fail(err, "area", "old commune code %s was split into %s; the feed "
                              "must send the current code", r->area, res.split_into);
    case GAZ_UNKNOWN:
        return normalize_fail(err, "area", "code %s is not in gazetteer %s", r->area,
                              gazetteer_version(env->gazetteer));
    case GAZ_MALFORMED:
        return normalize_fail(err, "area", "'%.16s' is not a 2-digit province or 5-digit "
                              "commune code", r->area);
    }
    if (strcmp(res.area->province, env->province) != 0)
        return normalize_fail(err, "area", "%s belongs to province %s, this deployment serves %s",
                              res.area->code, res.area->province, env->province);
    out->area = res.area;
    out->mapped_from = res.result == GAZ_MAPPED ? res.old_code : NULL;
    return 0;
}

static int normalize_dim_key(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > 32)
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

static int normalize_dims(const struct ioc_record *r, struct normalized *out,
                          struct normalize_error *err)
{
    out->dim_count = 0;
    for (size_t i = 0; i < IOC_MAX_DIMS && r->dims[i].key; i++) {
        const struct ioc_dim *d = &r->dims[i];
        snprintf(err->dim_field, sizeof err->dim_field, "dims.%.32s", d->key);
        if (!normalize_dim_key(d->key))
            return normalize_fail(err, err->dim_field, "key must be [a-z0-9_], 1..32 bytes");
        if (!d->value)
            return normalize_fail(err, err->dim_field, "has no value");
        if (strlen(d->value) > 128 || !utf8_valid(d->value))
            return normalize_fail(err, err->dim_field, "value is over 128 bytes or not UTF-8");
        /* Insertion sort by key: at most IOC_MAX_DIMS entries. */
        size_t at = out->dim_count;
        while (at > 0 && strcmp(out->dims[at - 1].key, d->key) > 0) {
            out->dims[at] = out->dims[at - 1];
            at--;
        }
        if (at > 0 && strcmp(out->dims[at - 1].key, d->key) == 0)
            return normalize_fail(err, err->dim_field, "is given twice");
        struct normalized_dim *nd = &out->dims[at];
        nd->key = d->key;
        nd->value = d->value;
        out->dim_count++;
        if (slug_make(d->value, nd->slug, sizeof nd->slug) <= 0)
            return normalize_fail(err, err->dim_field, "value '%.40s' has no letters or digits",
                                  d->value);
    }
    return 0;
}

/* Append "/part" (no '/' for the first part) at *at; false when it does
 * not fit. Plain copies: this runs for every metric. */
static bool normalize_series_part(struct normalized *out, size_t *at, const char *part)
{
    size_t n = strlen(part), sep = *at ? 1 : 0;
    if (*at + sep + n >= sizeof out->series)
        return false;
    if (sep)
        out->series[(*at)++] = '/';
    memcpy(out->series + *at, part, n + 1);
    *at += n;
    return true;
}

static int normalize_series(const struct normalize_env *env, struct normalized *out,
                            struct normalize_error *err)
{
    size_t at = 0;
    bool fits = normalize_series_part(out, &at, env->source) &&
                normalize_series_part(out, &at, out->record->metric) &&
                normalize_series_part(out, &at, out->area->code);
    for (size_t i = 0; fits && i < out->dim_count; i++)
        fits = normalize_series_part(out, &at, out->dims[i].slug);
    if (!fits)
        return normalize_fail(err, "dims", "series key longer than %zu bytes",
                              sizeof out->series - 1);
    return 0;
}

/* The record's status. Its own target (a station's alarm level, read by
 * the connector) overrides the catalogue's (out->catalog_metric). */
static void normalize_target(const struct normalize_env *env, const struct ioc_record *r,
                             struct normalized *out)
{
    if (r->target_op != IOC_TARGET_NONE) {
        struct catalog_target own = {
            .op = r->target_op == IOC_TARGET_GE ? CATALOG_GOAL_GE : CATALOG_GOAL_LE,
            .lo = r->target, .hi = r->target};
        out->status = (enum normalize_status)target_evaluate(&own, r->value);
        return;
    }
    const struct catalog_metric *m = out->catalog_metric;
    if (!m || m->target_count == 0)
        return;
    int year = target_year(r->period_to, out->ts_ms, env->tz_offset_min);
    out->target = target_select(m, out->area->level == AREA_PROVINCE ? "province" : "commune",
                                r->dims, year);
    out->status = (enum normalize_status)target_evaluate(out->target, r->value);
}

int normalize_check(const struct normalize_env *env, const struct ioc_record *r, int64_t now_ms,
                    struct normalized *out, struct normalize_error *err)
{
    memset(out, 0, sizeof *out);
    err->field = NULL;
    err->reason[0] = '\0';
    out->record = r;
    if (!r->metric)
        return normalize_fail(err, "metric", "is missing");
    if (!normalize_metric_name(r->metric))
        return normalize_fail(err, "metric", "'%.64s' is not a lowercase dotted name "
                              "([a-z][a-z0-9_]* segments, at most 64 bytes)", r->metric);
    if (normalize_value(env, r, err) < 0 || normalize_time(env, r, now_ms, out, err) < 0 ||
        normalize_area(env, r, out, err) < 0 || normalize_dims(r, out, err) < 0)
        return -1;
    /* One binary search per record, none with the built-in catalogue. */
    if (env->catalog && env->catalog->metric_count)
        out->catalog_metric = catalog_metric(env->catalog, r->metric);
    normalize_target(env, r, out);
    return normalize_series(env, out, err);
}

_Static_assert((int)NORMALIZE_STATUS_NONE == (int)TARGET_NONE &&
                   (int)NORMALIZE_STATUS_OK == (int)TARGET_OK &&
                   (int)NORMALIZE_STATUS_WARN == (int)TARGET_WARN &&
                   (int)NORMALIZE_STATUS_BREACH == (int)TARGET_BREACH,
               "normalize's status is target's");

const char *normalize_status_name(enum normalize_status s)
{
    return target_status_name((enum target_status)s);
}

/* The catalogue's target as a screen needs it (docs/metric-record.md):
 * which one (id, basis, years), the goal and the warning band's far edge. */
static void normalize_encode_target(struct jsonw *w, const struct normalized *n)
{
    const struct catalog_target *t = n->target;
    jsonw_key(w, "target");
    jsonw_object_begin(w);
    jsonw_key(w, "id"), jsonw_string(w, t->id);
    if (t->op == CATALOG_GOAL_RANGE) {
        jsonw_key(w, "op"), jsonw_string(w, "range");
        jsonw_key(w, "min"), jsonw_number(w, t->lo);
        jsonw_key(w, "max"), jsonw_number(w, t->hi);
        if (t->has_warn)
            catalog_json_band(w, "warn", t->warn_lo, t->warn_hi);
    } else {
        bool ge = t->op == CATALOG_GOAL_GE;
        jsonw_key(w, "value"), jsonw_number(w, ge ? t->lo : t->hi);
        jsonw_key(w, "op"), jsonw_string(w, ge ? ">=" : "<=");
        if (t->has_warn)
            jsonw_key(w, "warn"), jsonw_number(w, ge ? t->warn_lo : t->warn_hi);
    }
    jsonw_key(w, "period"), jsonw_object_begin(w);
    jsonw_key(w, "from"), jsonw_uint(w, (uint64_t)t->year_from);
    jsonw_key(w, "to"), jsonw_uint(w, (uint64_t)t->year_to);
    jsonw_object_end(w);
    jsonw_key(w, "basis"), jsonw_string(w, t->basis ? t->basis : "");
    jsonw_key(w, "status"), jsonw_string(w, normalize_status_name(n->status));
    jsonw_object_end(w);
}

char *normalize_encode(const struct normalize_env *env, const struct normalized *n, uint64_t seq,
                       size_t *len)
{
    struct jsonw w;
    jsonw_init(&w);
    normalize_encode_into(env, n, seq, &w);
    return jsonw_take(&w, len);
}

/* The rollup's block: {"reported":k,"expected":n,"gazetteer":"vn-2025-07"}. */
static void normalize_encode_completeness(struct jsonw *w, const struct normalize_completeness *c)
{
    jsonw_key(w, "completeness");
    jsonw_object_begin(w);
    jsonw_key(w, "reported"), jsonw_uint(w, c->reported);
    jsonw_key(w, "expected"), jsonw_uint(w, c->expected);
    jsonw_key(w, "gazetteer"), jsonw_string(w, c->gazetteer ? c->gazetteer : "");
    jsonw_object_end(w);
}

int normalize_encode_into(const struct normalize_env *env, const struct normalized *n,
                          uint64_t seq, struct jsonw *out)
{
    const struct ioc_record *r = n->record;
    struct jsonw *w = out;
    jsonw_reset(w);
    jsonw_object_begin(w);
    jsonw_key(w, "schema"), jsonw_string(w, "ioc.metric/1");
    jsonw_key(w, "source"), jsonw_string(w, env->source);
    jsonw_key(w, "metric"), jsonw_string(w, r->metric);
    jsonw_key(w, "value"), jsonw_number(w, r->value);
    jsonw_key(w, "unit"), jsonw_string(w, r->unit);
    jsonw_key(w, "ts"), jsonw_string(w, n->ts);
    if (r->period_from) {
        jsonw_key(w, "period");
        jsonw_object_begin(w);
        jsonw_key(w, "from"), jsonw_string(w, r->period_from);
        jsonw_key(w, "to"), jsonw_string(w, r->period_to);
        jsonw_object_end(w);
    }
    jsonw_key(w, "area");
    jsonw_object_begin(w);
    jsonw_key(w, "level"), jsonw_string(w, n->area->level == AREA_PROVINCE ? "province" : "commune");
    jsonw_key(w, "code"), jsonw_string(w, n->area->code);
    jsonw_key(w, "province"), jsonw_string(w, n->area->province);
    jsonw_key(w, "name"), jsonw_string(w, n->area->name);
    if (n->mapped_from)
        jsonw_key(w, "mapped_from"), jsonw_string(w, n->mapped_from);
    jsonw_object_end(w);
    if (n->dim_count) {
        jsonw_key(w, "dims");
        jsonw_object_begin(w);
        for (size_t i = 0; i < n->dim_count; i++)
            jsonw_key(w, n->dims[i].key), jsonw_string(w, n->dims[i].value);
        jsonw_object_end(w);
    }
    if (n->completeness)
        normalize_encode_completeness(w, n->completeness);
    if (r->has_ratio_parts) {
        jsonw_key(w, "ratio");
        jsonw_object_begin(w);
        jsonw_key(w, "numerator"), jsonw_number(w, r->numerator);
        jsonw_key(w, "denominator"), jsonw_number(w, r->denominator);
        jsonw_object_end(w);
    }
    if (r->target_op != IOC_TARGET_NONE) {
        jsonw_key(w, "target");
        jsonw_object_begin(w);
        jsonw_key(w, "value"), jsonw_number(w, r->target);
        jsonw_key(w, "op"), jsonw_string(w, r->target_op == IOC_TARGET_GE ? ">=" : "<=");
        jsonw_key(w, "status"), jsonw_string(w, normalize_status_name(n->status));
        jsonw_object_end(w);
    } else if (n->target) {
        normalize_encode_target(w, n);
    }
    jsonw_key(w, "status"), jsonw_string(w, normalize_status_name(n->status));
    jsonw_key(w, "series"), jsonw_string(w, n->series);
    jsonw_key(w, "seq"), jsonw_uint(w, seq);
    jsonw_object_end(w);
    return w->oom ? -1 : 0;
}
