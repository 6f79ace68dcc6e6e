/* hjmap - see hjmap.h. */
#include "hjmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hjmap_keys[] = {
    "records", "area", "area_const", "area_missing", "time", "time_format", "time_zone",
    "period_from", "period_to", "period_format", "number_strings", "pagination", "page_param",
    "page_size_param", "page_size", "page_first", "page_total", "page_total_kind", "next_link",
    "cursor_param", "cursor", "has_more", "max_pages", NULL,
};

/* The units the SDK names (include/ioc/record.h), so that a typo is
 * caught by --check-config; the daemon checks a record's unit again,
 * against the deployment's catalogue (docs/catalog.md). A unit that a
 * catalogue adds beyond these needs an entry here too; unit_map's units
 * are checked against the same list. */
static const char *const hjmap_units[] = {
    IOC_UNIT_COUNT, IOC_UNIT_PERCENT, IOC_UNIT_PERMILLE, IOC_UNIT_RATIO, IOC_UNIT_SCORE,
    IOC_UNIT_SECONDS, IOC_UNIT_DAYS, IOC_UNIT_BYTES, IOC_UNIT_VND, IOC_UNIT_CM, IOC_UNIT_MM,
    IOC_UNIT_CELSIUS, IOC_UNIT_UG_M3, IOC_UNIT_M3_S, IOC_UNIT_HA, IOC_UNIT_KM, NULL};

static const char *const hjmap_metric_attrs[] = {
    "name", "value", "numerator", "denominator", "scale", "unit", "sum", "where",
    "if", "numerator_if", "denominator_if", "dims", "optional", "decimals", "target",
    "name_from", "name_map", "unit_from", "unit_map", "target_from", NULL,
};

/* The attributes that may also be written with a label of their own
 * (metric.<id>.name_map.<label>), so that a long list takes one line per
 * code: every such key adds to the same list. */
static const char *const hjmap_metric_lists[] = {".dim.", ".name_map.", ".unit_map.", NULL};

struct hjmap_parser {
    const struct hjmap_source *src;
    struct hj_mapping *m;
    int errors;
};

__attribute__((format(printf, 3, 4))) static void hjmap_error(struct hjmap_parser *p,
                                                               const char *key, const char *fmt,
                                                               ...)
{
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    p->src->error(p->src->user, key, text);
    p->errors++;
}

static const char *hjmap_get(struct hjmap_parser *p, const char *key)
{
    const char *v = p->src->get(p->src->user, key);
    return v && *v ? v : NULL;
}

static char *hjmap_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Compile the path of `key`; NULL (reported) when it does not parse. */
static struct jpath *hjmap_path(struct hjmap_parser *p, const char *key, const char *text,
                                bool allow_each)
{
    char err[256];
    struct jpath *path = jpath_parse(text, err, sizeof err);
    if (!path) {
        hjmap_error(p, key, "path `%s`: %s", text, err);
        return NULL;
    }
    if (!allow_each && jpath_has_each(path)) {
        hjmap_error(p, key, "path `%s` has `[]`, which names many values; here one value is "
                    "needed (use [0] for the first element)", text);
        jpath_free(path);
        return NULL;
    }
    return path;
}

static struct jpath *hjmap_optional_path(struct hjmap_parser *p, const char *key)
{
    const char *text = hjmap_get(p, key);
    return text ? hjmap_path(p, key, text, false) : NULL;
}

/* A decimal constant in full ("1", "-2.5", "100"); anything else is not. */
static bool hjmap_constant(const char *s, double *out)
{
    char why[8];
    if (!((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '+'))
            return false;
    return hjnum_text(s, HJNUM_POINT_DECIMAL, out, why, sizeof why) == 0 && !strchr(s, ',');
}

static long long hjmap_int(struct hjmap_parser *p, const char *key, long long def, long long min,
                           long long max)
{
    const char *t = hjmap_get(p, key);
    if (!t)
        return def;
    char *end;
    long long v = strtoll(t, &end, 10);
    if (*end || end == t || v < min || v > max) {
        hjmap_error(p, key, "`%s` is not a whole number from %lld to %lld", t, min, max);
        return def;
    }
    return v;
}

static int hjmap_choice(struct hjmap_parser *p, const char *key, const char *const *names,
                        int def)
{
    const char *t = hjmap_get(p, key);
    if (!t)
        return def;
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        if (strcmp(t, names[i]) == 0)
            return i;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 names[i]);
    }
    hjmap_error(p, key, "`%s` is not one of: %s", t, list);
    return def;
}

int hjmap_expr_parse(const char *text, struct hj_expr *e, char *why, size_t whylen)
{
    memset(e, 0, sizeof *e);
    char *copy = strdup(text), *rest = copy, *term;
    if (!copy) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    int rc = 0;
    /* A '+' inside a quoted key is part of the key, so split by hand. */
    while (rc == 0 && rest) {
        bool quoted = false;
        char *c = rest;
        for (; *c; c++) {
            if (quoted && *c == '\\' && c[1])
                c++; /* an escaped character, '"' or '\\' */
            else if (*c == '"')
                quoted = !quoted;
            else if (*c == '+' && !quoted)
                break;
        }
        term = rest;
        rest = *c ? c + 1 : NULL;
        *c = '\0';
        term = hj_trim(term);
        if (!*term) {
            snprintf(why, whylen, "`%s` has an empty term (terms are joined by single '+')",
                     text);
            rc = -1;
        } else if (e->count == HJ_EXPR_TERMS) {
            snprintf(why, whylen, "`%s` has more than %d terms", text, HJ_EXPR_TERMS);
            rc = -1;
        } else if (hjmap_constant(term, &e->terms[e->count].constant)) {
            e->count++;
        } else {
            char err[256];
            struct jpath *path = jpath_parse(term, err, sizeof err);
            if (!path) {
                snprintf(why, whylen, "term `%s`: %s", term, err);
                rc = -1;
            } else if (jpath_has_each(path)) {
                snprintf(why, whylen, "term `%s` has `[]`, which names many values", term);
                jpath_free(path);
                rc = -1;
            } else {
                e->terms[e->count++].path = path;
            }
        }
    }
    free(copy);
    if (rc < 0)
        hjmap_expr_free(e);
    return rc;
}

void hjmap_expr_free(struct hj_expr *e)
{
    for (size_t i = 0; i < e->count; i++)
        jpath_free(e->terms[i].path);
    memset(e, 0, sizeof *e);
}

/* ---- record-level settings ---- */

static void hjmap_records_and_area(struct hjmap_parser *p)
{
    struct hj_mapping *m = p->m;
    const char *t = hjmap_get(p, "records");
    m->records = hjmap_path(p, "records", t ? t : ".", true);
    const char *area = hjmap_get(p, "area"), *area_const = hjmap_get(p, "area_const");
    if (area && area_const)
        hjmap_error(p, "area_const", "give either `area` (a field) or `area_const` (a fixed "
                    "code), not both");
    else if (!area && !area_const)
        hjmap_error(p, NULL, "no area: set `area` to the field holding each record's commune "
                    "or province code, or `area_const` to a fixed code");
    if (area)
        m->area = hjmap_path(p, "area", area, false);
    if (area_const) {
        size_t n = strlen(area_const);
        if ((n != 2 && n != 5) || strspn(area_const, "0123456789") != n)
            hjmap_error(p, "area_const", "`%s` is not a 2-digit province or 5-digit commune "
                        "code", area_const);
        m->area_const = hjmap_strdup(area_const);
    }
    static const char *const missing[] = {"skip", "province", NULL};
    m->area_missing_province = hjmap_choice(p, "area_missing", missing, 0) == 1;
    if (m->area_missing_province && !area)
        hjmap_error(p, "area_missing", "only means something with `area`");
}

static void hjmap_times(struct hjmap_parser *p)
{
    struct hj_mapping *m = p->m;
    const char *t;
    m->time = hjmap_optional_path(p, "time");
    m->time_format = HJTIME_RFC3339;
    if ((t = hjmap_get(p, "time_format")) && hjtime_format_parse(t, &m->time_format) < 0)
        hjmap_error(p, "time_format", "`%s` is not one of: rfc3339, epoch_s, epoch_ms, "
                    "yyyyMMddHHmmss, date", t);
    m->zone_minutes = 7 * 60;
    if ((t = hjmap_get(p, "time_zone")) && hjtime_zone_parse(t, &m->zone_minutes) < 0)
        hjmap_error(p, "time_zone", "`%s` is not a UTC offset like +07:00 (or Z)", t);
    m->period_from = hjmap_optional_path(p, "period_from");
    m->period_to = hjmap_optional_path(p, "period_to");
    if (!m->period_from != !m->period_to)
        hjmap_error(p, m->period_from ? "period_from" : "period_to",
                    "give both `period_from` and `period_to`, or neither");
    m->period_format = m->time_format;
    if ((t = hjmap_get(p, "period_format")) && hjtime_format_parse(t, &m->period_format) < 0)
        hjmap_error(p, "period_format", "`%s` is not one of: rfc3339, epoch_s, epoch_ms, "
                    "yyyyMMddHHmmss, date", t);
    m->number_strings = HJNUM_REJECT;
    if ((t = hjmap_get(p, "number_strings")) && hjnum_mode_parse(t, &m->number_strings) < 0)
        hjmap_error(p, "number_strings", "`%s` is not one of: reject, point_decimal "
                    "(\"1,234.5\"), comma_decimal (\"1.234,5\")", t);
}

static bool hjmap_dim_key_ok(const char *k)
{
    size_t n = strlen(k);
    return n > 0 && n <= 32 && strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static void hjmap_record_dims(struct hjmap_parser *p)
{
    struct hj_mapping *m = p->m;
    const char *key;
    for (size_t i = 0; (key = p->src->family(p->src->user, "dim.*", i)); i++) {
        const char *rest = key + 4, *value = p->src->get(p->src->user, key);
        char name[64];
        size_t n = strcspn(rest, ".");
        bool constant = strcmp(rest + n, ".const") == 0;
        if (rest[n] && !constant) {
            hjmap_error(p, key, "write `dim.<key> = path` or `dim.<key>.const = text`");
            continue;
        }
        snprintf(name, sizeof name, "%.*s", (int)n, rest);
        if (!hjmap_dim_key_ok(name)) {
            hjmap_error(p, key, "dimension key `%s` must be [a-z0-9_], at most 32 bytes", name);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < m->dim_count; j++)
            dup |= strcmp(m->dims[j].key, name) == 0;
        if (dup) {
            hjmap_error(p, key, "dimension `%s` is given twice", name);
            continue;
        }
        if (m->dim_count == HJ_MAX_RECORD_DIMS) {
            hjmap_error(p, key, "more than %d dimensions", HJ_MAX_RECORD_DIMS);
            continue;
        }
        struct hj_record_dim *d = &m->dims[m->dim_count];
        if (!value || !*value) {
            hjmap_error(p, key, "is empty");
            continue;
        }
        if (constant) {
            d->constant = hjmap_strdup(value);
        } else if (!(d->path = hjmap_path(p, key, value, false))) {
            continue;
        }
        d->key = hjmap_strdup(name);
        m->dim_count++;
    }
}

/* ---- metrics ---- */

static struct hj_metric *hjmap_metric_for(struct hjmap_parser *p, const char *id, const char *key)
{
    struct hj_mapping *m = p->m;
    for (size_t i = 0; i < m->metric_count; i++)
        if (strcmp(m->metrics[i].id, id) == 0)
            return &m->metrics[i];
    if (m->metric_count == HJ_MAX_METRICS) {
        hjmap_error(p, key, "more than %d metrics in one instance; split the feed into two "
                    "instances", HJ_MAX_METRICS);
        return NULL;
    }
    struct hj_metric *grown = realloc(m->metrics, (m->metric_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    m->metrics = grown;
    struct hj_metric *mt = &m->metrics[m->metric_count++];
    memset(mt, 0, sizeof *mt);
    mt->id = hjmap_strdup(id);
    mt->config_key = hjmap_strdup(key);
    mt->decimals = -1;
    mt->scale = -1;
    mt->keep_count = (size_t)-1; /* all record dims, set once dims are known */
    return mt;
}

static bool hjmap_metric_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    bool start = true;
    for (; *s; s++) {
        if (start && !(*s >= 'a' && *s <= 'z'))
            return false;
        start = *s == '.';
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
            return false;
    }
    return !start;
}

static void hjmap_where(struct hjmap_parser *p, const char *key, const char *text,
                        struct hj_where *w)
{
    if (w->op != HJ_WHERE_ALL) {
        hjmap_error(p, key, "given twice");
        return;
    }
    static const struct {
        const char *token;
        enum hj_where_op op;
    } ops[] = {{" not in ", HJ_WHERE_NOT_IN}, {" in ", HJ_WHERE_IN}, {"==", HJ_WHERE_EQ},
               {"!=", HJ_WHERE_NE}};
    /* The operator is the first one in the text, so a value may hold
     * " in " or "==" itself ("tenXa == Ấp in Bắc" compares with "Ấp in Bắc"). */
    const char *at = NULL;
    size_t i = 0;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        const char *found = strstr(text, ops[k].token);
        if (found && (!at || found < at))
            at = found, i = k;
    }
    if (at) {
        char *left = strndup(text, (size_t)(at - text)), *right = strdup(at + strlen(ops[i].token));
        char *l = left ? hj_trim(left) : NULL, *r = right ? hj_trim(right) : NULL;
        if (l && r && *l && *r) {
            w->op = ops[i].op;
            w->path = hjmap_path(p, key, l, false);
            char *save = NULL;
            for (char *v = strtok_r(r, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
                if (w->value_count == HJ_WHERE_VALUES) {
                    hjmap_error(p, key, "more than %d values", HJ_WHERE_VALUES);
                    break;
                }
                w->values[w->value_count++] = strdup(hj_trim(v));
            }
            if ((w->op == HJ_WHERE_EQ || w->op == HJ_WHERE_NE) && w->value_count != 1)
                hjmap_error(p, key, "`%s`: == and != take one value; use `in a, b` for a list",
                            text);
        } else {
            hjmap_error(p, key, "`%s`: write `field == value`, `field != value`, "
                        "`field in a, b` or `field not in a, b`", text);
        }
        free(left);
        free(right);
        return;
    }
    hjmap_error(p, key, "`%s`: write `field == value`, `field != value`, `field in a, b` or "
                "`field not in a, b`", text);
}

static void hjmap_keep_dims(struct hjmap_parser *p, const char *key, const char *text,
                            struct hj_metric *mt)
{
    mt->keep_count = 0;
    if (strcmp(text, "none") == 0)
        return;
    char *copy = strdup(text), *save = NULL;
    for (char *d = copy ? strtok_r(copy, ",", &save) : NULL; d; d = strtok_r(NULL, ",", &save)) {
        d = hj_trim(d);
        size_t found = p->m->dim_count;
        for (size_t j = 0; j < p->m->dim_count; j++)
            if (strcmp(p->m->dims[j].key, d) == 0)
                found = j;
        if (found == p->m->dim_count) {
            char known[256] = "";
            for (size_t j = 0; j < p->m->dim_count; j++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         j ? ", " : "", p->m->dims[j].key);
            hjmap_error(p, key, "`%s` is not a dimension set with dim.%s (dimensions: %s)", d, d,
                        *known ? known : "none");
        } else if (mt->keep_count < HJ_MAX_RECORD_DIMS) {
            mt->keep[mt->keep_count++] = found;
        }
    }
    free(copy);
}

static bool hjmap_unit_ok(const char *unit)
{
    for (int i = 0; hjmap_units[i]; i++)
        if (strcmp(unit, hjmap_units[i]) == 0)
            return true;
    return false;
}

/* `target` (`>= 95`) or `target_from` (`<= muc_bao_dong`, a field of the
 * record): the operator, then a number or a path. */
static void hjmap_target(struct hjmap_parser *p, const char *key, const char *text,
                         struct hj_metric *mt, bool from_field)
{
    char *copy = strdup(text), *t = copy ? hj_trim(copy) : NULL, why[128];
    if (mt->target_op != IOC_TARGET_NONE) {
        hjmap_error(p, key, "metric `%s` has both `target` and `target_from`: keep one", mt->id);
    } else if (t && (strncmp(t, ">=", 2) == 0 || strncmp(t, "<=", 2) == 0)) {
        mt->target_op = t[0] == '>' ? IOC_TARGET_GE : IOC_TARGET_LE;
        char *operand = hj_trim(t + 2);
        if (from_field)
            mt->target_from = hjmap_path(p, key, operand, false);
        else if (hjnum_text(operand, HJNUM_POINT_DECIMAL, &mt->target, why, sizeof why) < 0)
            hjmap_error(p, key, "`%s`: the number %s", text, why);
    } else {
        hjmap_error(p, key, from_field ? "`%s`: write `>= field` or `<= field` (e.g. `<= "
                    "muc_bao_dong`: ok while the value stays at or below the record's own "
                    "alarm level)" : "`%s`: write `>= 95` or `<= 5`", text);
    }
    free(copy);
}

/* name_map or unit_map: more `CODE = value` pairs into the metric's list. */
static void hjmap_codes(struct hjmap_parser *p, const char *key, const char *text,
                        struct hj_metric *mt, bool names)
{
    char why[384];
    int rc = hjcode_add(names ? &mt->names : &mt->units, text,
                        names ? hjmap_metric_name_ok : hjmap_unit_ok,
                        names ? "metric name" : "unit", why, sizeof why);
    *(names ? &mt->names_given : &mt->units_given) = true;
    if (rc < 0)
        hjmap_error(p, key, "%s%s", why, rc != HJCODE_BAD_VALUE ? "" : names ? " (metric "
                    "names are lowercase [a-z][a-z0-9_]* parts joined by dots, at most 64 "
                    "bytes)" : " (units: count, percent, permille, ratio, score, seconds, days, "
                    "bytes, vnd, cm, mm, celsius, ug_m3, m3_s, ha or km)");
}

/* A path read from the record (name_from, unit_from); given twice is a
 * mistake, since the second would silently win. */
static void hjmap_from(struct hjmap_parser *p, const char *key, const char *text,
                       struct jpath **path)
{
    if (*path)
        hjmap_error(p, key, "given twice");
    else
        *path = hjmap_path(p, key, text, false);
}

static void hjmap_expr(struct hjmap_parser *p, const char *key, const char *text,
                       struct hj_expr *e)
{
    char why[384];
    if (e->count) {
        hjmap_error(p, key, "given twice");
        return;
    }
    if (hjmap_expr_parse(text, e, why, sizeof why) < 0)
        hjmap_error(p, key, "%s", why);
}

/* One metric.<id>.<attribute> key. */
static void hjmap_metric_key(struct hjmap_parser *p, const char *key)
{
    const char *rest = key + 7, *value = p->src->get(p->src->user, key);
    /* The id ends at a labelled list (metric.<id>.dim.<key>,
     * metric.<id>.name_map.<label>) or at the last dot. */
    const char *labelled = NULL;
    for (int i = 0; hjmap_metric_lists[i] && !labelled; i++)
        labelled = strstr(rest, hjmap_metric_lists[i]);
    const char *id_end = labelled ? labelled : strrchr(rest, '.');
    if (!id_end) {
        hjmap_error(p, key, "write metric.<id>.<attribute>, e.g. metric.%s.value", rest);
        return;
    }
    /* Ids are compared whole: a cut one would merge two metrics. */
    if (id_end - rest > HJ_MAX_ID) {
        hjmap_error(p, key, "the metric id is longer than %d bytes", HJ_MAX_ID);
        return;
    }
    char id[HJ_MAX_ID + 1];
    snprintf(id, sizeof id, "%.*s", (int)(id_end - rest), rest);
    char attr[72] = "";
    if (labelled)
        snprintf(attr, sizeof attr, "%.*s", (int)strcspn(labelled + 1, "."), labelled + 1);
    else
        snprintf(attr, sizeof attr, "%.64s", id_end + 1);
    const char *label = labelled ? labelled + strlen(attr) + 2 : NULL;
    bool known = labelled != NULL;
    for (int i = 0; !known && hjmap_metric_attrs[i]; i++)
        known = strcmp(attr, hjmap_metric_attrs[i]) == 0;
    if (!known) {
        char list[256] = "";
        for (int i = 0; hjmap_metric_attrs[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     hjmap_metric_attrs[i]);
        hjmap_error(p, key, "unknown attribute `%.64s` (attributes: %s, dim.<key>)", attr, list);
        return;
    }
    if (!value || !*value) {
        hjmap_error(p, key, "is empty");
        return;
    }
    struct hj_metric *mt = hjmap_metric_for(p, id, key);
    if (!mt)
        return;
    if (label && strcmp(attr, "dim") != 0 && !*label) {
        hjmap_error(p, key, "write metric.%s.%s.<label> (or metric.%s.%s)", id, attr, id, attr);
    } else if (strcmp(attr, "dim") == 0) {
        const char *k = label;
        if (!hjmap_dim_key_ok(k))
            hjmap_error(p, key, "dimension key `%s` must be [a-z0-9_], at most 32 bytes", k);
        else if (mt->const_dim_count == IOC_MAX_DIMS)
            hjmap_error(p, key, "more than %d dimensions", IOC_MAX_DIMS);
        else
            mt->const_dims[mt->const_dim_count++] = (struct ioc_dim){strdup(k), strdup(value)};
    } else if (strcmp(attr, "name") == 0) {
        if (!hjmap_metric_name_ok(value))
            hjmap_error(p, key, "`%s` is not a metric name (lowercase [a-z][a-z0-9_]* parts "
                        "joined by dots, at most 64 bytes)", value);
        free(mt->name);
        mt->name = strdup(value);
    } else if (strcmp(attr, "value") == 0) {
        mt->value_given = true;
        hjmap_expr(p, key, value, &mt->value);
    } else if (strcmp(attr, "numerator") == 0) {
        mt->numerator_given = true;
        hjmap_expr(p, key, value, &mt->numerator);
    } else if (strcmp(attr, "denominator") == 0) {
        mt->denominator_given = true;
        hjmap_expr(p, key, value, &mt->denominator);
    } else if (strcmp(attr, "scale") == 0) {
        char why[128];
        if (hjnum_text(value, HJNUM_POINT_DECIMAL, &mt->scale, why, sizeof why) < 0 ||
            mt->scale <= 0)
            hjmap_error(p, key, "`%s` is not a positive number", value);
    } else if (strcmp(attr, "unit") == 0) {
        if (!hjmap_unit_ok(value))
            hjmap_error(p, key, "`%s` is not a unit: count, percent, permille, ratio, score, "
                        "seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, m3_s, ha or km",
                        value);
        free(mt->unit);
        mt->unit = strdup(value);
    } else if (strcmp(attr, "sum") == 0) {
        static const char *const sums[] = {"none", "area", "province", NULL};
        mt->sum = (enum hj_sum)hjmap_choice(p, key, sums, 0);
    } else if (strcmp(attr, "where") == 0) {
        hjmap_where(p, key, value, &mt->where);
    } else if (strcmp(attr, "if") == 0) {
        hjmap_where(p, key, value, &mt->value_if);
    } else if (strcmp(attr, "numerator_if") == 0) {
        hjmap_where(p, key, value, &mt->numerator_if);
    } else if (strcmp(attr, "denominator_if") == 0) {
        hjmap_where(p, key, value, &mt->denominator_if);
    } else if (strcmp(attr, "dims") == 0) {
        hjmap_keep_dims(p, key, value, mt);
    } else if (strcmp(attr, "optional") == 0) {
        static const char *const bools[] = {"false", "true", NULL};
        mt->optional = hjmap_choice(p, key, bools, 0) == 1;
    } else if (strcmp(attr, "decimals") == 0) {
        mt->decimals = (int)hjmap_int(p, key, -1, 0, 6);
    } else if (strcmp(attr, "target") == 0) {
        hjmap_target(p, key, value, mt, false);
    } else if (strcmp(attr, "target_from") == 0) {
        hjmap_target(p, key, value, mt, true);
    } else if (strcmp(attr, "name_from") == 0) {
        hjmap_from(p, key, value, &mt->name_from);
    } else if (strcmp(attr, "unit_from") == 0) {
        hjmap_from(p, key, value, &mt->unit_from);
    } else if (strcmp(attr, "name_map") == 0) {
        hjmap_codes(p, key, value, mt, true);
    } else if (strcmp(attr, "unit_map") == 0) {
        hjmap_codes(p, key, value, mt, false);
    }
}

/* name_from/name_map and unit_from/unit_map come in pairs and replace
 * name and unit. */
static void hjmap_metric_from_fields(struct hjmap_parser *p, struct hj_metric *mt)
{
    const char *key = mt->config_key;
    static const char *const what[] = {"name", "unit"};
    struct jpath *from[] = {mt->name_from, mt->unit_from};
    const bool given[] = {mt->names_given, mt->units_given}; /* parsed or not */
    const char *fixed[] = {mt->name, mt->unit};
    for (int i = 0; i < 2; i++) {
        if (from[i] && fixed[i])
            hjmap_error(p, key, "metric `%s` has both `%s` and `%s_from`: keep one", mt->id,
                        what[i], what[i]);
        else if (from[i] && !given[i])
            hjmap_error(p, key, "metric `%s`: `%s_from` needs `%s_map`, the allow-list of what "
                        "the field may hold (e.g. metric.%s.%s_map = %s)", mt->id, what[i],
                        what[i], mt->id, what[i], i == 0 ? "CT01 = dvc.online_ratio, CT02 = "
                        "dvc.on_time_ratio" : "% = percent, ‰ = permille");
        else if (!from[i] && given[i])
            hjmap_error(p, key, "metric `%s`: `%s_map` means something only with `%s_from`, the "
                        "field it looks up", mt->id, what[i], what[i]);
    }
}

/* What a metric needs as a whole, once all its keys are read. */
static void hjmap_metric_complete(struct hjmap_parser *p, struct hj_metric *mt)
{
    const char *key = mt->config_key;
    char k[192];
    hjmap_metric_from_fields(p, mt);
    if (!mt->name && !mt->name_from) {
        mt->name = strdup(mt->id);
        if (!hjmap_metric_name_ok(mt->id))
            hjmap_error(p, key, "metric `%s` has no `name`, and `%s` is not a metric name "
                        "itself: add metric.%s.name", mt->id, mt->id, mt->id);
    }
    /* What was given counts, parsed or not: a wrong value was reported
     * already and must not also read as a missing one. */
    bool has_num = mt->numerator_given, has_den = mt->denominator_given;
    if (mt->value_given && (has_num || has_den))
        hjmap_error(p, key, "metric `%s` has both `value` and a ratio (`numerator`, "
                    "`denominator`): keep one", mt->id);
    else if (has_num != has_den)
        hjmap_error(p, key, "metric `%s` has a %s but no %s", mt->id,
                    has_num ? "numerator" : "denominator", has_num ? "denominator" : "numerator");
    else if (!mt->value_given && !has_num)
        hjmap_error(p, key, "metric `%s` has no value: set metric.%s.value (a field, or "
                    "fields joined by +), or metric.%s.numerator and .denominator", mt->id,
                    mt->id, mt->id);
    mt->is_ratio = has_num && has_den;
    if (mt->value_if.op != HJ_WHERE_ALL && mt->is_ratio)
        hjmap_error(p, key, "metric `%s` is a ratio: put conditions on its parts with "
                    "`numerator_if` and `denominator_if`, not `if`", mt->id);
    if ((mt->numerator_if.op != HJ_WHERE_ALL || mt->denominator_if.op != HJ_WHERE_ALL) &&
        !mt->is_ratio && mt->value_given)
        hjmap_error(p, key, "metric `%s` is not a ratio: its condition is `if`", mt->id);
    if (!mt->unit && !mt->unit_from) {
        snprintf(k, sizeof k, "metric.%s.unit", mt->id);
        hjmap_error(p, key, "metric `%s` has no unit: set %s (count, percent, ratio, ...)",
                    mt->id, k);
    }
    if (mt->scale > 0 && !mt->is_ratio)
        hjmap_error(p, key, "metric `%s`: `scale` applies to ratios only", mt->id);
    /* A record's own target is kept beside its value, which a ratio's two
     * parts and a sum's many records do not leave room for. */
    if (mt->target_from && (mt->is_ratio || mt->sum != HJ_SUM_NONE))
        hjmap_error(p, key, "metric `%s`: `target_from` works with a `value` of one record: "
                    "not with a ratio or a `sum`", mt->id);
    if (mt->scale < 0)
        mt->scale = mt->unit && strcmp(mt->unit, "percent") == 0 && mt->is_ratio ? 100 : 1;
    if (mt->keep_count == (size_t)-1) {
        mt->keep_count = p->m->dim_count;
        for (size_t i = 0; i < p->m->dim_count; i++)
            mt->keep[i] = i;
    }
    if (mt->keep_count + mt->const_dim_count > IOC_MAX_DIMS)
        hjmap_error(p, key, "metric `%s` would have %zu dimensions; at most %d", mt->id,
                    mt->keep_count + mt->const_dim_count, IOC_MAX_DIMS);
    for (size_t i = 0; i < mt->const_dim_count; i++)
        for (size_t j = 0; j < mt->keep_count; j++)
            if (strcmp(mt->const_dims[i].key, p->m->dims[mt->keep[j]].key) == 0)
                hjmap_error(p, key, "metric `%s`: dimension `%s` is both a record dimension and "
                            "the metric's own; drop one (or list the kept ones in .dims)",
                            mt->id, mt->const_dims[i].key);
    if (mt->sum != HJ_SUM_NONE)
        p->m->any_sum = true;
}

static void hjmap_metrics(struct hjmap_parser *p)
{
    const char *key;
    for (size_t i = 0; (key = p->src->family(p->src->user, "metric.*", i)); i++)
        hjmap_metric_key(p, key);
    if (p->m->metric_count == 0)
        hjmap_error(p, NULL, "no metrics: add at least metric.<id>.value and metric.<id>.unit "
                    "(see docs/http_json.md)");
    for (size_t i = 0; i < p->m->metric_count; i++)
        hjmap_metric_complete(p, &p->m->metrics[i]);
    /* Two metrics publishing the same series would overwrite each other. */
    for (size_t i = 0; i < p->m->metric_count; i++)
        for (size_t j = 0; j < i; j++) {
            const struct hj_metric *a = &p->m->metrics[j], *b = &p->m->metrics[i];
            /* Per-record and per-area metrics both publish per area;
             * province sums publish on the province. */
            bool a_province = a->sum == HJ_SUM_PROVINCE, b_province = b->sum == HJ_SUM_PROVINCE;
            if (!a->name || !b->name || strcmp(a->name, b->name) != 0 ||
                a->const_dim_count != b->const_dim_count || a->keep_count != b->keep_count ||
                a_province != b_province || a->where.op != HJ_WHERE_ALL ||
                b->where.op != HJ_WHERE_ALL)
                continue;
            bool same = true;
            for (size_t d = 0; d < a->keep_count; d++)
                same &= a->keep[d] == b->keep[d];
            for (size_t d = 0; d < a->const_dim_count; d++)
                same &= strcmp(a->const_dims[d].key, b->const_dims[d].key) == 0 &&
                        strcmp(a->const_dims[d].value, b->const_dims[d].value) == 0;
            if (same)
                hjmap_error(p, b->config_key, "metrics `%s` and `%s` publish the same series "
                            "(`%s` with the same dimensions); give one a metric.%s.dim.<key>",
                            a->id, b->id, a->name, b->id);
        }
}

/* ---- pagination ---- */

static void hjmap_paging(struct hjmap_parser *p)
{
    struct hj_paging *g = &p->m->paging;
    static const char *const styles[] = {"none", "page", "next_link", "cursor", NULL};
    g->style = (enum hj_pagination)hjmap_choice(p, "pagination", styles, 0);
    g->max_pages = hjmap_int(p, "max_pages", 1000, 1, 1000000);
    g->page_first = hjmap_int(p, "page_first", 1, 0, 1000000);
    g->page_size = hjmap_int(p, "page_size", 0, 0, 100000000);
    g->page_param = hjmap_strdup(hjmap_get(p, "page_param"));
    g->size_param = hjmap_strdup(hjmap_get(p, "page_size_param"));
    g->cursor_param = hjmap_strdup(hjmap_get(p, "cursor_param"));
    static const char *const kinds[] = {"records", "pages", NULL};
    g->total_is_pages = hjmap_choice(p, "page_total_kind", kinds, 0) == 1;
    const char *only_page[] = {"page_param", "page_size_param", "page_size", "page_first",
                               "page_total", "page_total_kind", NULL};
    const char *only_next[] = {"next_link", NULL};
    const char *only_cursor[] = {"cursor_param", "cursor", "has_more", NULL};
    const char *const *lists[] = {only_page, only_next, only_cursor};
    const char *names[] = {"page", "next_link", "cursor"};
    for (int l = 0; l < 3; l++)
        for (int i = 0; lists[l][i]; i++)
            if (hjmap_get(p, lists[l][i]) && (int)g->style != l + 1)
                hjmap_error(p, lists[l][i], "belongs to `pagination = %s`, but pagination is "
                            "`%s`", names[l], styles[g->style]);
    switch (g->style) {
    case HJ_PAGES_NONE:
        break;
    case HJ_PAGES_NUMBER:
        if (!g->page_param)
            hjmap_error(p, "pagination", "`page` needs `page_param`, the query parameter of the "
                        "page number");
        if (!g->size_param != !g->page_size)
            hjmap_error(p, g->size_param ? "page_size_param" : "page_size",
                        "give both `page_size_param` and `page_size`, or neither");
        g->total = hjmap_optional_path(p, "page_total");
        break;
    case HJ_PAGES_NEXT_LINK:
        if (!(g->next_link = hjmap_optional_path(p, "next_link")) && !hjmap_get(p, "next_link"))
            hjmap_error(p, "pagination", "`next_link` needs `next_link`, the path of the next "
                        "page's URL in each page");
        break;
    case HJ_PAGES_CURSOR:
        if (!g->cursor_param)
            hjmap_error(p, "pagination", "`cursor` needs `cursor_param`, the query parameter "
                        "that carries the cursor");
        if (!(g->cursor = hjmap_optional_path(p, "cursor")) && !hjmap_get(p, "cursor"))
            hjmap_error(p, "pagination", "`cursor` needs `cursor`, the path of the next cursor "
                        "in each page");
        g->has_more = hjmap_optional_path(p, "has_more");
        break;
    }
    if (p->m->records && jpath_from_root(p->m->records))
        hjmap_error(p, "records", "`$` is the page itself already; drop it");
}

struct hj_mapping *hjmap_parse(const struct hjmap_source *src)
{
    struct hjmap_parser p = {src, calloc(1, sizeof(struct hj_mapping)), 0};
    if (!p.m) {
        src->error(src->user, NULL, "out of memory");
        return NULL;
    }
    hjmap_records_and_area(&p);
    hjmap_times(&p);
    hjmap_record_dims(&p);
    hjmap_metrics(&p);
    hjmap_paging(&p);
    if (p.errors) {
        hjmap_free(p.m);
        return NULL;
    }
    return p.m;
}

static void hjmap_where_free(struct hj_where *w)
{
    jpath_free(w->path);
    for (size_t i = 0; i < w->value_count; i++)
        free(w->values[i]);
}

void hjmap_free(struct hj_mapping *m)
{
    if (!m)
        return;
    jpath_free(m->records);
    jpath_free(m->area);
    free(m->area_const);
    jpath_free(m->time);
    jpath_free(m->period_from);
    jpath_free(m->period_to);
    for (size_t i = 0; i < m->dim_count; i++) {
        free(m->dims[i].key);
        jpath_free(m->dims[i].path);
        free(m->dims[i].constant);
    }
    for (size_t i = 0; i < m->metric_count; i++) {
        struct hj_metric *mt = &m->metrics[i];
        free(mt->id);
        free(mt->config_key);
        free(mt->name);
        free(mt->unit);
        hjmap_expr_free(&mt->value);
        hjmap_expr_free(&mt->numerator);
        hjmap_expr_free(&mt->denominator);
        hjmap_where_free(&mt->where);
        hjmap_where_free(&mt->value_if);
        hjmap_where_free(&mt->numerator_if);
        hjmap_where_free(&mt->denominator_if);
        jpath_free(mt->name_from);
        jpath_free(mt->unit_from);
        jpath_free(mt->target_from);
        hjcode_free(&mt->names);
        hjcode_free(&mt->units);
        for (size_t d = 0; d < mt->const_dim_count; d++) {
            free((char *)mt->const_dims[d].key);
            free((char *)mt->const_dims[d].value);
        }
    }
    free(m->metrics);
    struct hj_paging *g = &m->paging;
    free(g->page_param);
    free(g->size_param);
    jpath_free(g->total);
    jpath_free(g->next_link);
    free(g->cursor_param);
    jpath_free(g->cursor);
    jpath_free(g->has_more);
    free(m);
}
