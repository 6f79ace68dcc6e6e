/*
 * test_hjmap - unit tests of connectors/http_json/hjmap.c: good mappings
 * parsed into the exact structs hjextract and hjwalk read (paths' text,
 * units, sums, kept and fixed dimensions, filters, scales, paging and the
 * defaults of docs/http_json.md), and every configuration mistake reported
 * with its key and its exact message, several at once when there are
 * several.
 *
 * The configuration is a NULL-terminated array of key/value pairs read
 * through struct hjmap_source, in file order, as the daemon would hand it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../hjmap.h"

/* ---- a key/value source ---- */

struct kv {
    const char *key, *value;
};

#define MAX_ERRORS 64

struct src {
    const struct kv *kv;
    char errors[MAX_ERRORS][512];
    size_t nerr;
};

static const char *src_get(void *user, const char *key)
{
    const struct src *s = user;
    for (const struct kv *kv = s->kv; kv->key; kv++)
        if (strcmp(kv->key, key) == 0)
            return kv->value;
    return NULL;
}

/* The index-th key starting with the family's prefix ("metric.*" ->
 * "metric."), as ioc_config_family hands them: in file order. */
static const char *src_family(void *user, const char *family, size_t index)
{
    const struct src *s = user;
    size_t n = strlen(family) - 1;
    for (const struct kv *kv = s->kv; kv->key; kv++)
        if (strncmp(kv->key, family, n) == 0 && index-- == 0)
            return kv->key;
    return NULL;
}

/* Errors are kept as "key: message" ("-: message" without a key). */
static void src_error(void *user, const char *key, const char *message)
{
    struct src *s = user;
    assert_true(s->nerr < MAX_ERRORS);
    snprintf(s->errors[s->nerr++], sizeof s->errors[0], "%s: %s", key ? key : "-", message);
}

static struct hj_mapping *parse(const struct kv *kv, struct src *s)
{
    memset(s, 0, sizeof *s);
    s->kv = kv;
    struct hjmap_source source = {src_get, src_family, src_error, s};
    return hjmap_parse(&source);
}

static struct hj_mapping *parse_ok(const struct kv *kv)
{
    struct src s;
    struct hj_mapping *m = parse(kv, &s);
    for (size_t i = 0; i < s.nerr; i++)
        print_error("unexpected error: %s\n", s.errors[i]);
    assert_int_equal(s.nerr, 0);
    assert_non_null(m);
    return m;
}

/* The mapping must be refused with exactly these errors, in this order
 * (want is NULL-terminated). */
static void parse_bad(const struct kv *kv, const char *const *want)
{
    struct src s;
    struct hj_mapping *m = parse(kv, &s);
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < s.nerr || i < n; i++) {
        const char *got = i < s.nerr ? s.errors[i] : "(none)", *exp = i < n ? want[i] : "(none)";
        if (strcmp(got, exp) != 0)
            print_error("error %zu:\n  want: %s\n  got:  %s\n", i, exp, got);
    }
    for (size_t i = 0; i < n && i < s.nerr; i++)
        assert_string_equal(s.errors[i], want[i]);
    assert_int_equal(s.nerr, n);
    assert_null(m);
}

/* One mistake added to a mapping that is otherwise good. */
#define BASE_KEYS                                                                                 \
    {"records", "items[]"}, {"area", "maXa"}, {"metric.subs.name", "telecom.subscribers"},        \
        {"metric.subs.value", "thueBao"}, {"metric.subs.unit", "count"}

static void one_bad(const char *key, const char *value, const char *want)
{
    const struct kv kv[] = {BASE_KEYS, {key, value}, {NULL, NULL}};
    const char *const w[] = {want, NULL};
    parse_bad(kv, w);
}

static void assert_path(const struct jpath *p, const char *text)
{
    assert_non_null(p);
    assert_string_equal(jpath_text(p), text);
}

/* ---- good mappings ---- */

/* The example at the top of docs/http_json.md. */
static void test_doc_example(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"pagination", "page"},
        {"page_param", "page"},
        {"page_size_param", "pageSize"},
        {"page_size", "200"},
        {"page_total", "total"},
        {"records", "items[]"},
        {"area", "maXa"},
        {"time", "updatedAt"},
        {"dim.operator", "nhaMang"},
        {"metric.mobile.name", "telecom.subscribers.mobile"},
        {"metric.mobile.value", "thueBaoDiDong"},
        {"metric.mobile.unit", "count"},
        {"metric.mobile_96.name", "telecom.subscribers.mobile"},
        {"metric.mobile_96.value", "thueBaoDiDong"},
        {"metric.mobile_96.unit", "count"},
        {"metric.mobile_96.sum", "province"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_path(m->records, "items[]");
    assert_true(jpath_has_each(m->records));
    assert_path(m->area, "maXa");
    assert_null(m->area_const);
    assert_false(m->area_missing_province);
    assert_path(m->time, "updatedAt");
    assert_int_equal(m->time_format, HJTIME_RFC3339);
    assert_int_equal(m->zone_minutes, 420);
    assert_null(m->period_from);
    assert_null(m->period_to);
    assert_int_equal(m->period_format, HJTIME_RFC3339);
    assert_int_equal(m->number_strings, HJNUM_REJECT);
    assert_int_equal(m->dim_count, 1);
    assert_string_equal(m->dims[0].key, "operator");
    assert_path(m->dims[0].path, "nhaMang");
    assert_null(m->dims[0].constant);

    assert_int_equal(m->metric_count, 2);
    const struct hj_metric *a = &m->metrics[0], *b = &m->metrics[1];
    assert_string_equal(a->id, "mobile");
    assert_string_equal(a->config_key, "metric.mobile.name");
    assert_string_equal(a->name, "telecom.subscribers.mobile");
    assert_string_equal(a->unit, "count");
    assert_false(a->is_ratio);
    assert_int_equal(a->value.count, 1);
    assert_path(a->value.terms[0].path, "thueBaoDiDong");
    assert_int_equal(a->numerator.count, 0);
    assert_int_equal(a->denominator.count, 0);
    assert_true(a->scale == 1);
    assert_int_equal(a->sum, HJ_SUM_NONE);
    assert_int_equal(a->where.op, HJ_WHERE_ALL);
    assert_null(a->where.path);
    assert_int_equal(a->keep_count, 1);
    assert_int_equal(a->keep[0], 0);
    assert_int_equal(a->const_dim_count, 0);
    assert_false(a->optional);
    assert_int_equal(a->decimals, -1);
    assert_int_equal(a->target_op, IOC_TARGET_NONE);

    assert_string_equal(b->id, "mobile_96");
    assert_string_equal(b->name, "telecom.subscribers.mobile");
    assert_int_equal(b->sum, HJ_SUM_PROVINCE);
    assert_true(m->any_sum);

    const struct hj_paging *g = &m->paging;
    assert_int_equal(g->style, HJ_PAGES_NUMBER);
    assert_string_equal(g->page_param, "page");
    assert_string_equal(g->size_param, "pageSize");
    assert_int_equal(g->page_size, 200);
    assert_int_equal(g->page_first, 1);
    assert_path(g->total, "total");
    assert_false(g->total_is_pages);
    assert_null(g->next_link);
    assert_null(g->cursor_param);
    assert_null(g->cursor);
    assert_null(g->has_more);
    assert_int_equal(g->max_pages, 1000);
    hjmap_free(m);
}

/* Only the required keys: every default of the manual. */
static void test_defaults(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area_const", "96"},
        {"metric.population.value", "danSo.tong"},
        {"metric.population.unit", "count"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_path(m->records, ".");
    assert_false(jpath_has_each(m->records));
    assert_null(m->area);
    assert_string_equal(m->area_const, "96");
    assert_false(m->area_missing_province);
    assert_null(m->time);
    assert_int_equal(m->time_format, HJTIME_RFC3339);
    assert_int_equal(m->zone_minutes, 7 * 60);
    assert_int_equal(m->number_strings, HJNUM_REJECT);
    assert_int_equal(m->dim_count, 0);
    assert_int_equal(m->metric_count, 1);
    const struct hj_metric *mt = &m->metrics[0];
    assert_string_equal(mt->id, "population");
    assert_string_equal(mt->name, "population"); /* the id is the default name */
    assert_path(mt->value.terms[0].path, "danSo.tong");
    assert_int_equal(mt->keep_count, 0);
    assert_false(m->any_sum);
    const struct hj_paging *g = &m->paging;
    assert_int_equal(g->style, HJ_PAGES_NONE);
    assert_null(g->page_param);
    assert_null(g->size_param);
    assert_int_equal(g->page_size, 0);
    assert_int_equal(g->page_first, 1);
    assert_null(g->total);
    assert_int_equal(g->max_pages, 1000);
    hjmap_free(m);
}

static void test_records_area_time(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "data[].cells[]"},
        {"area", "\"ma.xa\""},
        {"area_missing", "province"},
        {"time", "$.capNhat"},
        {"time_format", "epoch_ms"},
        {"time_zone", "Z"},
        {"period_from", "ky.tu"},
        {"period_to", "ky.den"},
        {"period_format", "date"},
        {"number_strings", "comma_decimal"},
        {"metric.x.value", "btsTheoCongNghe.4G"},
        {"metric.x.unit", "count"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_path(m->records, "data[].cells[]");
    assert_path(m->area, "\"ma.xa\"");
    assert_true(m->area_missing_province);
    assert_path(m->time, "$.capNhat");
    assert_true(jpath_from_root(m->time));
    assert_int_equal(m->time_format, HJTIME_EPOCH_MS);
    assert_int_equal(m->zone_minutes, 0);
    assert_path(m->period_from, "ky.tu");
    assert_path(m->period_to, "ky.den");
    assert_int_equal(m->period_format, HJTIME_DATE);
    assert_int_equal(m->number_strings, HJNUM_COMMA_DECIMAL);
    /* "4G" after a dot is a key, not a number. */
    assert_int_equal(m->metrics[0].value.count, 1);
    assert_path(m->metrics[0].value.terms[0].path, "btsTheoCongNghe.4G");
    hjmap_free(m);

    /* period_format follows time_format unless given. */
    const struct kv kv2[] = {
        {"area", "maXa"},         {"time", "t"},           {"time_format", "yyyyMMddHHmmss"},
        {"time_zone", "-0330"},   {"period_from", "a"},    {"period_to", "b"},
        {"metric.x.value", "v"},  {"metric.x.unit", "count"}, {NULL, NULL},
    };
    m = parse_ok(kv2);
    assert_int_equal(m->time_format, HJTIME_COMPACT);
    assert_int_equal(m->period_format, HJTIME_COMPACT);
    assert_int_equal(m->zone_minutes, -210);
    assert_int_equal(m->number_strings, HJNUM_REJECT);
    hjmap_free(m);

    const struct kv kv3[] = {
        {"area", "maXa"}, {"time_format", "epoch_s"}, {"number_strings", "point_decimal"},
        {"metric.x.value", "v"}, {"metric.x.unit", "count"}, {NULL, NULL},
    };
    m = parse_ok(kv3);
    assert_int_equal(m->time_format, HJTIME_EPOCH_S);
    assert_int_equal(m->period_format, HJTIME_EPOCH_S);
    assert_int_equal(m->number_strings, HJNUM_POINT_DECIMAL);
    hjmap_free(m);
}

static void test_value_expressions(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"metric.done.value", "daXuLyTruocHan + daXuLyDungHan"},
        {"metric.done.unit", "count"},
        {"metric.count.value", "1"},
        {"metric.count.unit", "count"},
        {"metric.mixed.value", "a.b+2 +  \"c+d\" + -1.5+e[0]"},
        {"metric.mixed.unit", "score"},
        {"metric.quoted.value", "\"1\""},
        {"metric.quoted.unit", "count"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_int_equal(m->metric_count, 4);
    const struct hj_expr *e = &m->metrics[0].value;
    assert_int_equal(e->count, 2);
    assert_path(e->terms[0].path, "daXuLyTruocHan");
    assert_path(e->terms[1].path, "daXuLyDungHan");
    e = &m->metrics[1].value;
    assert_int_equal(e->count, 1);
    assert_null(e->terms[0].path);
    assert_true(e->terms[0].constant == 1);
    e = &m->metrics[2].value;
    assert_int_equal(e->count, 5);
    assert_path(e->terms[0].path, "a.b");
    assert_null(e->terms[1].path);
    assert_true(e->terms[1].constant == 2);
    assert_path(e->terms[2].path, "\"c+d\""); /* a '+' inside quotes is part of the key */
    assert_null(e->terms[3].path);
    assert_true(e->terms[3].constant == -1.5);
    assert_path(e->terms[4].path, "e[0]");
    assert_string_equal(m->metrics[2].unit, "score");
    e = &m->metrics[3].value;
    assert_int_equal(e->count, 1);
    assert_path(e->terms[0].path, "\"1\""); /* a quoted number is a key */
    hjmap_free(m);
}

static void test_expr_parse(void **state)
{
    (void)state;
    struct hj_expr e;
    char why[256];
    assert_int_equal(hjmap_expr_parse("a + 100", &e, why, sizeof why), 0);
    assert_int_equal(e.count, 2);
    assert_true(e.terms[1].constant == 100);
    hjmap_expr_free(&e);
    assert_int_equal(e.count, 0);
    /* Eight terms are allowed, nine are not. */
    assert_int_equal(hjmap_expr_parse("a+b+c+d+e+f+g+h", &e, why, sizeof why), 0);
    assert_int_equal(e.count, 8);
    hjmap_expr_free(&e);
    assert_int_equal(hjmap_expr_parse("a+b+c+d+e+f+g+h+i", &e, why, sizeof why), -1);
    assert_string_equal(why, "`a+b+c+d+e+f+g+h+i` has more than 8 terms");
    assert_int_equal(e.count, 0);
    assert_int_equal(hjmap_expr_parse("a + ", &e, why, sizeof why), -1);
    assert_string_equal(why, "`a + ` has an empty term (terms are joined by single '+')");
    assert_int_equal(hjmap_expr_parse("a ++ b", &e, why, sizeof why), -1);
    assert_string_equal(why, "`a ++ b` has an empty term (terms are joined by single '+')");
    assert_int_equal(hjmap_expr_parse("a - b", &e, why, sizeof why), -1);
    assert_string_equal(why, "term `a - b`: space at column 2 (quote a key that holds spaces)");
    assert_int_equal(hjmap_expr_parse("x + items[].n", &e, why, sizeof why), -1);
    assert_string_equal(why, "term `items[].n` has `[]`, which names many values");
    assert_int_equal(hjmap_expr_parse("\"open", &e, why, sizeof why), -1);
    assert_string_equal(why, "term `\"open`: unterminated quoted key at column 1");
}

/* A quoted key ending in an escaped backslash ("a\\") closes its quote:
 * the '+' after it joins two terms. */
static void test_expr_escaped_backslash(void **state)
{
    (void)state;
    struct hj_expr e;
    char why[256] = "";
    int rc = hjmap_expr_parse("\"a\\\\\" + b", &e, why, sizeof why);
    if (rc < 0)
        print_error("refused: %s\n", why);
    assert_int_equal(rc, 0);
    assert_int_equal(e.count, 2);
    assert_path(e.terms[0].path, "\"a\\\\\"");
    assert_path(e.terms[1].path, "b");
    hjmap_expr_free(&e);
}

static void test_ratios_and_scale(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"metric.on_time.name", "dvc.on_time_ratio"},
        {"metric.on_time.numerator", "daXuLyTruocHan + daXuLyDungHan"},
        {"metric.on_time.denominator", "daXuLyTruocHan + daXuLyDungHan + daXuLyQuaHan"},
        {"metric.on_time.unit", "percent"},
        {"metric.on_time.target", ">= 95"},
        {"metric.share.numerator", "a"},
        {"metric.share.denominator", "b"},
        {"metric.share.unit", "ratio"},
        {"metric.permille.numerator", "a"},
        {"metric.permille.denominator", "b"},
        {"metric.permille.unit", "percent"},
        {"metric.permille.scale", "1000"},
        {"metric.late.value", "quaHan"},
        {"metric.late.unit", "percent"},
        {"metric.late.target", "  <= 5.5 "},
        {"metric.late.decimals", "2"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_int_equal(m->metric_count, 4);
    const struct hj_metric *mt = &m->metrics[0];
    assert_string_equal(mt->name, "dvc.on_time_ratio");
    assert_true(mt->is_ratio);
    assert_int_equal(mt->value.count, 0);
    assert_int_equal(mt->numerator.count, 2);
    assert_int_equal(mt->denominator.count, 3);
    assert_path(mt->denominator.terms[2].path, "daXuLyQuaHan");
    assert_true(mt->scale == 100); /* percent ratios default to 100 */
    assert_int_equal(mt->target_op, IOC_TARGET_GE);
    assert_true(mt->target == 95);
    mt = &m->metrics[1];
    assert_true(mt->is_ratio);
    assert_true(mt->scale == 1); /* other units: 1 */
    assert_int_equal(mt->target_op, IOC_TARGET_NONE);
    mt = &m->metrics[2];
    assert_true(mt->scale == 1000);
    mt = &m->metrics[3];
    assert_false(mt->is_ratio);
    assert_true(mt->scale == 1); /* a plain percent value is not scaled */
    assert_int_equal(mt->target_op, IOC_TARGET_LE);
    assert_true(mt->target == 5.5);
    assert_int_equal(mt->decimals, 2);
    hjmap_free(m);
}

static void test_where(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"metric.a.value", "1"},
        {"metric.a.unit", "count"},
        {"metric.a.where", "trangThai == da-xu-ly"},
        {"metric.b.value", "1"},
        {"metric.b.unit", "count"},
        {"metric.b.where", "  kenh!=online "},
        {"metric.c.value", "1"},
        {"metric.c.unit", "count"},
        {"metric.c.where", "linhVuc in dat-dai, xay dung ,moi-truong"},
        {"metric.d.value", "1"},
        {"metric.d.unit", "count"},
        {"metric.d.where", "$.meta.loai not in 1,2"},
        {"metric.e.value", "1"},
        {"metric.e.unit", "count"},
        {"metric.e.where", "\"ma.loai\" in x"},
        {"metric.f.value", "1"},
        {"metric.f.unit", "count"},
        {"metric.f.sum", "area"},
        {"metric.f.if", "trangThai == da-xu-ly"},
        {"metric.g.numerator", "1"},
        {"metric.g.numerator_if", "danhGia == hai-long"},
        {"metric.g.denominator", "1"},
        {"metric.g.denominator_if", "danhGia in hai-long, khong-hai-long"},
        {"metric.g.unit", "percent"},
        {"metric.g.where", "kenh != zalo"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(m->metrics[i].value_if.op, HJ_WHERE_ALL);
        assert_int_equal(m->metrics[i].numerator_if.op, HJ_WHERE_ALL);
        assert_int_equal(m->metrics[i].denominator_if.op, HJ_WHERE_ALL);
        assert_true(m->metrics[i].value_given);
    }
    const struct hj_metric *f = &m->metrics[5], *g = &m->metrics[6];
    assert_int_equal(f->where.op, HJ_WHERE_ALL);
    assert_int_equal(f->value_if.op, HJ_WHERE_EQ);
    assert_path(f->value_if.path, "trangThai");
    assert_int_equal(f->value_if.value_count, 1);
    assert_string_equal(f->value_if.values[0], "da-xu-ly");
    assert_true(g->is_ratio);
    assert_false(g->value_given);
    assert_true(g->numerator_given);
    assert_true(g->denominator_given);
    assert_int_equal(g->value_if.op, HJ_WHERE_ALL);
    assert_int_equal(g->numerator_if.op, HJ_WHERE_EQ);
    assert_path(g->numerator_if.path, "danhGia");
    assert_string_equal(g->numerator_if.values[0], "hai-long");
    assert_int_equal(g->denominator_if.op, HJ_WHERE_IN);
    assert_int_equal(g->denominator_if.value_count, 2);
    assert_string_equal(g->denominator_if.values[0], "hai-long");
    assert_string_equal(g->denominator_if.values[1], "khong-hai-long");
    assert_int_equal(g->where.op, HJ_WHERE_NE);
    assert_string_equal(g->where.values[0], "zalo");
    const struct hj_where *w = &m->metrics[0].where;
    assert_int_equal(w->op, HJ_WHERE_EQ);
    assert_path(w->path, "trangThai");
    assert_int_equal(w->value_count, 1);
    assert_string_equal(w->values[0], "da-xu-ly");
    w = &m->metrics[1].where;
    assert_int_equal(w->op, HJ_WHERE_NE);
    assert_path(w->path, "kenh");
    assert_int_equal(w->value_count, 1);
    assert_string_equal(w->values[0], "online");
    w = &m->metrics[2].where;
    assert_int_equal(w->op, HJ_WHERE_IN);
    assert_path(w->path, "linhVuc");
    assert_int_equal(w->value_count, 3);
    assert_string_equal(w->values[0], "dat-dai");
    assert_string_equal(w->values[1], "xay dung");
    assert_string_equal(w->values[2], "moi-truong");
    w = &m->metrics[3].where;
    assert_int_equal(w->op, HJ_WHERE_NOT_IN);
    assert_path(w->path, "$.meta.loai");
    assert_int_equal(w->value_count, 2);
    assert_string_equal(w->values[0], "1");
    assert_string_equal(w->values[1], "2");
    w = &m->metrics[4].where;
    assert_int_equal(w->op, HJ_WHERE_IN);
    assert_path(w->path, "\"ma.loai\"");
    assert_int_equal(w->value_count, 1);
    assert_string_equal(w->values[0], "x");
    /* Metrics with a filter are never "the same series" as each other. */
    hjmap_free(m);
}

static void test_dimensions(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"dim.operator", "nhaMang"},
        {"dim.technology", "congNghe"},
        {"dim.kind.const", "mobile"},
        {"metric.all.value", "v"},
        {"metric.all.unit", "count"},
        {"metric.none.value", "v"},
        {"metric.none.unit", "count"},
        {"metric.none.dims", "none"},
        {"metric.some.value", "v"},
        {"metric.some.unit", "count"},
        {"metric.some.dims", " technology ,operator"},
        {"metric.own.value", "v"},
        {"metric.own.unit", "count"},
        {"metric.own.dims", "operator"},
        {"metric.own.dim.channel", "online"},
        {"metric.own.dim.tier", "1"},
        {"metric.own.optional", "true"},
        {"metric.own.sum", "area"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_int_equal(m->dim_count, 3);
    assert_string_equal(m->dims[0].key, "operator");
    assert_path(m->dims[0].path, "nhaMang");
    assert_string_equal(m->dims[1].key, "technology");
    assert_path(m->dims[1].path, "congNghe");
    assert_string_equal(m->dims[2].key, "kind");
    assert_null(m->dims[2].path);
    assert_string_equal(m->dims[2].constant, "mobile");
    const struct hj_metric *mt = &m->metrics[0];
    assert_int_equal(mt->keep_count, 3);
    assert_int_equal(mt->keep[0], 0);
    assert_int_equal(mt->keep[1], 1);
    assert_int_equal(mt->keep[2], 2);
    assert_false(mt->optional);
    assert_int_equal(m->metrics[1].keep_count, 0);
    mt = &m->metrics[2];
    assert_int_equal(mt->keep_count, 2);
    assert_int_equal(mt->keep[0], 1);
    assert_int_equal(mt->keep[1], 0);
    mt = &m->metrics[3];
    assert_string_equal(mt->id, "own");
    assert_int_equal(mt->keep_count, 1);
    assert_int_equal(mt->keep[0], 0);
    assert_int_equal(mt->const_dim_count, 2);
    assert_string_equal(mt->const_dims[0].key, "channel");
    assert_string_equal(mt->const_dims[0].value, "online");
    assert_string_equal(mt->const_dims[1].key, "tier");
    assert_string_equal(mt->const_dims[1].value, "1");
    assert_true(mt->optional);
    assert_int_equal(mt->sum, HJ_SUM_AREA);
    assert_true(m->any_sum);
    hjmap_free(m);
}

/* An id may hold dots; it is also the default name. */
static void test_metric_ids(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"metric.telecom.bts.value", "bts"},
        {"metric.telecom.bts.unit", "count"},
        {"metric.telecom.bts.dim.source", "vnpt"},
        {"metric.dim.x.value", "v"},
        {"metric.dim.x.unit", "count"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_int_equal(m->metric_count, 2);
    assert_string_equal(m->metrics[0].id, "telecom.bts");
    assert_string_equal(m->metrics[0].name, "telecom.bts");
    assert_string_equal(m->metrics[0].config_key, "metric.telecom.bts.value");
    assert_int_equal(m->metrics[0].const_dim_count, 1);
    assert_string_equal(m->metrics[0].const_dims[0].key, "source");
    assert_string_equal(m->metrics[1].id, "dim.x");
    assert_string_equal(m->metrics[1].name, "dim.x");
    hjmap_free(m);
}

/* Same name, but distinct series: a fixed dimension, another sum, a
 * filter, or other kept record dimensions. */
static void test_distinct_series(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"dim.operator", "nhaMang"},
        {"metric.a.name", "x"},      {"metric.a.value", "v"},          {"metric.a.unit", "count"},
        {"metric.b.name", "x"},      {"metric.b.value", "w"},          {"metric.b.unit", "count"},
        {"metric.b.dim.channel", "online"},
        {"metric.c.name", "x"},      {"metric.c.value", "v"},          {"metric.c.unit", "count"},
        {"metric.c.sum", "province"},
        {"metric.d.name", "x"},      {"metric.d.value", "v"},          {"metric.d.unit", "count"},
        {"metric.d.where", "k == 1"},
        {NULL, NULL},
    };
    hjmap_free(parse_ok(kv));
}

/* Two metrics of one name that keep different record dimensions publish
 * different series (the dimension keys differ), so both are accepted. */
static void test_distinct_series_by_kept_dims(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"area", "maXa"},
        {"dim.operator", "nhaMang"},
        {"dim.technology", "congNghe"},
        {"metric.a.name", "telecom.bts"}, {"metric.a.value", "v"}, {"metric.a.unit", "count"},
        {"metric.a.dims", "operator"},
        {"metric.b.name", "telecom.bts"}, {"metric.b.value", "v"}, {"metric.b.unit", "count"},
        {"metric.b.dims", "technology"},
        {NULL, NULL},
    };
    hjmap_free(parse_ok(kv));
}

/* Metric ids are the operator's labels of any length: two ids that
 * differ only after their 127th byte are two metrics, not one metric whose
 * keys are "given twice" (nor a leaked filter). */
/* Ids up to HJ_MAX_ID bytes are kept whole, so two that differ only in
 * their last byte stay two metrics; a longer id is refused rather than
 * cut, which could merge it with another. */
static void test_long_metric_ids(void **state)
{
    (void)state;
    static char keys[8][200];
    char id[2][HJ_MAX_ID + 1];
    for (int i = 0; i < 2; i++) {
        memset(id[i], 'a', HJ_MAX_ID - 1);
        id[i][HJ_MAX_ID - 1] = (char)('1' + i);
        id[i][HJ_MAX_ID] = '\0';
    }
    static const char *const attrs[] = {"name", "value", "unit", "where"};
    for (int i = 0; i < 8; i++)
        snprintf(keys[i], sizeof keys[i], "metric.%s.%s", id[i / 4], attrs[i % 4]);
    const struct kv kv[] = {
        {"area", "maXa"},
        {keys[0], "long.one"}, {keys[1], "v"}, {keys[2], "count"}, {keys[3], "k == 1"},
        {keys[4], "long.two"}, {keys[5], "w"}, {keys[6], "count"}, {keys[7], "k == 2"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(kv);
    assert_int_equal(m->metric_count, 2);
    assert_string_equal(m->metrics[0].id, id[0]);
    assert_string_equal(m->metrics[0].name, "long.one");
    assert_string_equal(m->metrics[0].where.values[0], "1");
    assert_string_equal(m->metrics[1].id, id[1]);
    assert_string_equal(m->metrics[1].name, "long.two");
    assert_string_equal(m->metrics[1].where.values[0], "2");
    hjmap_free(m);

    char longer[HJ_MAX_ID + 2], value_key[200], unit_key[200], want[2][300];
    memset(longer, 'b', HJ_MAX_ID + 1);
    longer[HJ_MAX_ID + 1] = '\0';
    snprintf(value_key, sizeof value_key, "metric.%s.value", longer);
    snprintf(unit_key, sizeof unit_key, "metric.%s.unit", longer);
    snprintf(want[0], sizeof want[0], "%s: the metric id is longer than %d bytes", value_key,
             HJ_MAX_ID);
    snprintf(want[1], sizeof want[1], "%s: the metric id is longer than %d bytes", unit_key,
             HJ_MAX_ID);
    const struct kv bad[] = {BASE_KEYS, {value_key, "v"}, {unit_key, "count"}, {NULL, NULL}};
    const char *const w[] = {want[0], want[1], NULL};
    parse_bad(bad, w);
}

static void test_paging(void **state)
{
    (void)state;
    const struct kv page[] = {
        {"area", "maXa"},  {"metric.x.value", "v"}, {"metric.x.unit", "count"},
        {"pagination", "page"}, {"page_param", "p"}, {"page_first", "0"},
        {"page_total", "meta.pages"}, {"page_total_kind", "pages"}, {"max_pages", "5"},
        {NULL, NULL},
    };
    struct hj_mapping *m = parse_ok(page);
    struct hj_paging *g = &m->paging;
    assert_int_equal(g->style, HJ_PAGES_NUMBER);
    assert_string_equal(g->page_param, "p");
    assert_null(g->size_param);
    assert_int_equal(g->page_size, 0);
    assert_int_equal(g->page_first, 0);
    assert_path(g->total, "meta.pages");
    assert_true(g->total_is_pages);
    assert_int_equal(g->max_pages, 5);
    hjmap_free(m);

    const struct kv empty_stop[] = {
        {"area", "maXa"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"},
        {"pagination", "page"}, {"page_param", "trang"}, {"page_total_kind", "records"},
        {NULL, NULL},
    };
    m = parse_ok(empty_stop);
    assert_null(m->paging.total);
    assert_false(m->paging.total_is_pages);
    assert_int_equal(m->paging.page_first, 1);
    hjmap_free(m);

    const struct kv link[] = {
        {"area", "maXa"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"},
        {"pagination", "next_link"}, {"next_link", "links.next"}, {NULL, NULL},
    };
    m = parse_ok(link);
    assert_int_equal(m->paging.style, HJ_PAGES_NEXT_LINK);
    assert_path(m->paging.next_link, "links.next");
    hjmap_free(m);

    const struct kv cursor[] = {
        {"area", "maXa"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"},
        {"pagination", "cursor"}, {"cursor_param", "after"}, {"cursor", "meta.next"},
        {"has_more", "meta.hasMore"}, {"max_pages", "1000000"}, {NULL, NULL},
    };
    m = parse_ok(cursor);
    g = &m->paging;
    assert_int_equal(g->style, HJ_PAGES_CURSOR);
    assert_string_equal(g->cursor_param, "after");
    assert_path(g->cursor, "meta.next");
    assert_path(g->has_more, "meta.hasMore");
    assert_int_equal(g->max_pages, 1000000);
    hjmap_free(m);

    const struct kv cursor_only[] = {
        {"area", "maXa"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"},
        {"pagination", "cursor"}, {"cursor_param", "c"}, {"cursor", "next"}, {NULL, NULL},
    };
    m = parse_ok(cursor_only);
    assert_path(m->paging.cursor, "next");
    assert_null(m->paging.has_more);
    hjmap_free(m);
}

/* ---- mistakes, one at a time ---- */

static void test_errors_records_and_area(void **state)
{
    (void)state;
    const struct kv no_area[] = {
        {"metric.x.value", "v"}, {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(no_area, (const char *const[]){
                           "-: no area: set `area` to the field holding each record's commune "
                           "or province code, or `area_const` to a fixed code",
                           NULL});
    one_bad("area_const", "96",
            "area_const: give either `area` (a field) or `area_const` (a fixed code), not both");
    const struct kv short_code[] = {
        {"area_const", "9"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(short_code,
              (const char *const[]){
                  "area_const: `9` is not a 2-digit province or 5-digit commune code", NULL});
    const struct kv letters[] = {
        {"area_const", "9a"}, {"metric.x.value", "v"}, {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(letters,
              (const char *const[]){
                  "area_const: `9a` is not a 2-digit province or 5-digit commune code", NULL});
    const struct kv missing_const[] = {
        {"area_const", "32002"}, {"area_missing", "province"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(missing_const,
              (const char *const[]){"area_missing: only means something with `area`", NULL});
    one_bad("area_missing", "drop", "area_missing: `drop` is not one of: skip, province");

    const struct kv bad_records[] = {
        {"records", "data.items["}, {"area", "maXa"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(bad_records,
              (const char *const[]){"records: path `data.items[`: expected an index or `]` after "
                                    "`[` at column 12, found the end",
                                    NULL});
    const struct kv root_records[] = {
        {"records", "$.items[]"}, {"area", "maXa"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(root_records,
              (const char *const[]){"records: `$` is the page itself already; drop it", NULL});
    const struct kv each_area[] = {
        {"records", "items[]"}, {"area", "items[].maXa"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    parse_bad(each_area,
              (const char *const[]){"area: path `items[].maXa` has `[]`, which names many values; "
                                    "here one value is needed (use [0] for the first element)",
                                    NULL});
}

static void test_errors_times(void **state)
{
    (void)state;
    one_bad("time_format", "iso8601",
            "time_format: `iso8601` is not one of: rfc3339, epoch_s, epoch_ms, yyyyMMddHHmmss, "
            "date");
    one_bad("time_zone", "+25:00", "time_zone: `+25:00` is not a UTC offset like +07:00 (or Z)");
    one_bad("time_zone", "Asia/Ho_Chi_Minh",
            "time_zone: `Asia/Ho_Chi_Minh` is not a UTC offset like +07:00 (or Z)");
    one_bad("period_from", "ky.tu",
            "period_from: give both `period_from` and `period_to`, or neither");
    one_bad("period_to", "ky.den",
            "period_to: give both `period_from` and `period_to`, or neither");
    one_bad("period_format", "month",
            "period_format: `month` is not one of: rfc3339, epoch_s, epoch_ms, yyyyMMddHHmmss, "
            "date");
    one_bad("number_strings", "auto",
            "number_strings: `auto` is not one of: reject, point_decimal (\"1,234.5\"), "
            "comma_decimal (\"1.234,5\")");
    one_bad("time", "ngay cap nhat",
            "time: path `ngay cap nhat`: space at column 5 (quote a key that holds spaces)");
}

static void test_errors_dims(void **state)
{
    (void)state;
    one_bad("dim.Operator", "nhaMang",
            "dim.Operator: dimension key `Operator` must be [a-z0-9_], at most 32 bytes");
    one_bad("dim.operator.name", "nhaMang",
            "dim.operator.name: write `dim.<key> = path` or `dim.<key>.const = text`");
    one_bad("dim.operator", "", "dim.operator: is empty");
    one_bad("dim.operator", "items[].nhaMang",
            "dim.operator: path `items[].nhaMang` has `[]`, which names many values; here one "
            "value is needed (use [0] for the first element)");
    const struct kv twice[] = {
        BASE_KEYS, {"dim.kind", "loai"}, {"dim.kind.const", "mobile"}, {NULL, NULL},
    };
    parse_bad(twice, (const char *const[]){"dim.kind.const: dimension `kind` is given twice",
                                           NULL});
    const struct kv nine[] = {
        BASE_KEYS,
        {"dim.a", "a"}, {"dim.b", "b"}, {"dim.c", "c"}, {"dim.d", "d"}, {"dim.e", "e"},
        {"dim.f", "f"}, {"dim.g", "g"}, {"dim.h", "h"}, {"dim.i", "i"}, {NULL, NULL},
    };
    parse_bad(nine, (const char *const[]){"dim.i: more than 8 dimensions", NULL});
    const struct kv unknown_kept[] = {
        BASE_KEYS, {"dim.operator", "nhaMang"}, {"metric.subs.dims", "operator, tech"},
        {NULL, NULL},
    };
    parse_bad(unknown_kept,
              (const char *const[]){"metric.subs.dims: `tech` is not a dimension set with "
                                    "dim.tech (dimensions: operator)",
                                    NULL});
    one_bad("metric.subs.dims", "operator",
            "metric.subs.dims: `operator` is not a dimension set with dim.operator (dimensions: "
            "none)");
    const struct kv clash[] = {
        BASE_KEYS, {"dim.channel", "kenh"}, {"metric.subs.dim.channel", "online"}, {NULL, NULL},
    };
    parse_bad(clash, (const char *const[]){
                         "metric.subs.name: metric `subs`: dimension `channel` is both a record "
                         "dimension and the metric's own; drop one (or list the kept ones in "
                         ".dims)",
                         NULL});
    const struct kv too_many[] = {
        BASE_KEYS,
        {"dim.a", "a"}, {"dim.b", "b"}, {"dim.c", "c"}, {"dim.d", "d"}, {"dim.e", "e"},
        {"dim.f", "f"}, {"dim.g", "g"}, {"metric.subs.dim.x", "1"}, {"metric.subs.dim.y", "2"},
        {NULL, NULL},
    };
    parse_bad(too_many, (const char *const[]){
                            "metric.subs.name: metric `subs` would have 9 dimensions; at most 8",
                            NULL});
    one_bad("metric.subs.dim.Channel", "online",
            "metric.subs.dim.Channel: dimension key `Channel` must be [a-z0-9_], at most 32 "
            "bytes");
}

static void test_errors_metric_attributes(void **state)
{
    (void)state;
    one_bad("metric.subs", "x",
            "metric.subs: write metric.<id>.<attribute>, e.g. metric.subs.value");
    one_bad("metric.subs.valeu", "x",
            "metric.subs.valeu: unknown attribute `valeu` (attributes: name, value, numerator, "
            "denominator, scale, unit, sum, where, if, numerator_if, denominator_if, dims, "
            "optional, decimals, target, name_from, name_map, unit_from, unit_map, target_from, dim.<key>)");
    one_bad("metric.subs.where", "", "metric.subs.where: is empty");
    const struct kv bad_unit[] = {
        {"area", "maXa"}, {"metric.subs.value", "v"}, {"metric.subs.unit", "conut"},
        {NULL, NULL},
    };
    parse_bad(bad_unit, (const char *const[]){
                            "metric.subs.unit: `conut` is not a unit: count, percent, permille, "
                            "ratio, score, seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, "
                            "m3_s, ha or km",
                            NULL});
    const struct kv bad_name[] = {
        {"area", "maXa"}, {"metric.subs.name", "Telecom.Subs"}, {"metric.subs.value", "v"},
        {"metric.subs.unit", "count"}, {NULL, NULL},
    };
    parse_bad(bad_name,
              (const char *const[]){"metric.subs.name: `Telecom.Subs` is not a metric name "
                                    "(lowercase [a-z][a-z0-9_]* parts joined by dots, at most 64 "
                                    "bytes)",
                                    NULL});
    const struct kv bad_id[] = {
        {"area", "maXa"}, {"metric.Subs.value", "v"}, {"metric.Subs.unit", "count"},
        {NULL, NULL},
    };
    parse_bad(bad_id, (const char *const[]){
                          "metric.Subs.value: metric `Subs` has no `name`, and `Subs` is not a "
                          "metric name itself: add metric.Subs.name",
                          NULL});
    one_bad("metric.subs.sum", "total",
            "metric.subs.sum: `total` is not one of: none, area, province");
    one_bad("metric.subs.optional", "yes",
            "metric.subs.optional: `yes` is not one of: false, true");
    one_bad("metric.subs.decimals", "7",
            "metric.subs.decimals: `7` is not a whole number from 0 to 6");
    one_bad("metric.subs.decimals", "two",
            "metric.subs.decimals: `two` is not a whole number from 0 to 6");
    one_bad("metric.subs.target", "> 95", "metric.subs.target: `> 95`: write `>= 95` or `<= 5`");
    one_bad("metric.subs.target", ">= lots",
            "metric.subs.target: `>= lots`: the number is a string (\"lots\"), not a number in "
            "point_decimal notation (unexpected \"l\" at byte 1)");
    one_bad("metric.subs.where", "trangThai = moi",
            "metric.subs.where: `trangThai = moi`: write `field == value`, `field != value`, "
            "`field in a, b` or `field not in a, b`");
    one_bad("metric.subs.where", "trangThai == ",
            "metric.subs.where: `trangThai == `: write `field == value`, `field != value`, "
            "`field in a, b` or `field not in a, b`");
    one_bad("metric.subs.where", "trangThai == moi, cu",
            "metric.subs.where: `trangThai == moi, cu`: == and != take one value; use `in a, b` "
            "for a list");
    one_bad("metric.subs.where", "trang thai != moi",
            "metric.subs.where: path `trang thai`: space at column 6 (quote a key that holds "
            "spaces)");
}

/* A malformed value is one mistake: it is reported once, not once more as
 * "has no value: set metric.subs.value" (it is set). */
static void test_errors_value_reported_once(void **state)
{
    (void)state;
    const struct kv bad_expr[] = {
        {"area", "maXa"}, {"metric.subs.value", "a + "}, {"metric.subs.unit", "count"},
        {NULL, NULL},
    };
    parse_bad(bad_expr, (const char *const[]){
                            "metric.subs.value: `a + ` has an empty term (terms are joined by "
                            "single '+')",
                            NULL});
    const struct kv bad_ratio[] = {
        {"area", "maXa"}, {"metric.r.numerator", "a[]"}, {"metric.r.denominator", "b"},
        {"metric.r.unit", "percent"}, {NULL, NULL},
    };
    parse_bad(bad_ratio, (const char *const[]){
                             "metric.r.numerator: term `a[]` has `[]`, which names many values",
                             NULL});
}

static void test_errors_metric_wholes(void **state)
{
    (void)state;
    const struct kv both[] = {
        BASE_KEYS, {"metric.subs.numerator", "a"}, {"metric.subs.denominator", "b"}, {NULL, NULL},
    };
    parse_bad(both, (const char *const[]){
                        "metric.subs.name: metric `subs` has both `value` and a ratio "
                        "(`numerator`, `denominator`): keep one",
                        NULL});
    const struct kv half[] = {
        {"area", "maXa"}, {"metric.r.numerator", "a"}, {"metric.r.unit", "percent"},
        {"metric.s.denominator", "a"}, {"metric.s.unit", "percent"}, {NULL, NULL},
    };
    parse_bad(half, (const char *const[]){
                        "metric.r.numerator: metric `r` has a numerator but no denominator",
                        "metric.s.denominator: metric `s` has a denominator but no numerator",
                        NULL});
    const struct kv no_value[] = {
        {"area", "maXa"}, {"metric.subs.unit", "count"}, {NULL, NULL},
    };
    parse_bad(no_value,
              (const char *const[]){"metric.subs.unit: metric `subs` has no value: set "
                                    "metric.subs.value (a field, or fields joined by +), or "
                                    "metric.subs.numerator and .denominator",
                                    NULL});
    const struct kv no_unit[] = {
        {"area", "maXa"}, {"metric.subs.value", "v"}, {NULL, NULL},
    };
    parse_bad(no_unit, (const char *const[]){
                           "metric.subs.value: metric `subs` has no unit: set metric.subs.unit "
                           "(count, percent, ratio, ...)",
                           NULL});
    one_bad("metric.subs.scale", "100",
            "metric.subs.name: metric `subs`: `scale` applies to ratios only");
    const struct kv zero_scale[] = {
        {"area", "maXa"}, {"metric.r.numerator", "a"}, {"metric.r.denominator", "b"},
        {"metric.r.unit", "percent"}, {"metric.r.scale", "0"}, {NULL, NULL},
    };
    parse_bad(zero_scale, (const char *const[]){"metric.r.scale: `0` is not a positive number",
                                                NULL});
    const struct kv twice[] = {
        BASE_KEYS,
        {"metric.again.name", "telecom.subscribers"},
        {"metric.again.value", "thueBao"},
        {"metric.again.unit", "count"},
        {NULL, NULL},
    };
    parse_bad(twice, (const char *const[]){
                         "metric.again.name: metrics `subs` and `again` publish the same series "
                         "(`telecom.subscribers` with the same dimensions); give one a "
                         "metric.again.dim.<key>",
                         NULL});
    const struct kv ratio_if[] = {
        {"area", "maXa"}, {"metric.r.numerator", "a"}, {"metric.r.denominator", "b"},
        {"metric.r.unit", "percent"}, {"metric.r.if", "k == 1"}, {NULL, NULL},
    };
    parse_bad(ratio_if, (const char *const[]){
                            "metric.r.numerator: metric `r` is a ratio: put conditions on its "
                            "parts with `numerator_if` and `denominator_if`, not `if`",
                            NULL});
    one_bad("metric.subs.numerator_if", "k == 1",
            "metric.subs.name: metric `subs` is not a ratio: its condition is `if`");
    one_bad("metric.subs.if", "k = 1",
            "metric.subs.if: `k = 1`: write `field == value`, `field != value`, `field in a, b` "
            "or `field not in a, b`");
    const struct kv list_eq[] = {
        {"area", "maXa"}, {"metric.r.numerator", "a"}, {"metric.r.denominator", "b"},
        {"metric.r.unit", "percent"}, {"metric.r.denominator_if", "k == a, b"}, {NULL, NULL},
    };
    parse_bad(list_eq, (const char *const[]){
                           "metric.r.denominator_if: `k == a, b`: == and != take one value; use "
                           "`in a, b` for a list",
                           NULL});
    const struct kv none[] = {{"area", "maXa"}, {NULL, NULL}};
    parse_bad(none, (const char *const[]){"-: no metrics: add at least metric.<id>.value and "
                                          "metric.<id>.unit (see docs/http_json.md)",
                                          NULL});
}

static void test_errors_too_many_metrics(void **state)
{
    (void)state;
    static char keys[65][2][32];
    struct kv kv[2 * 65 + 2];
    size_t n = 0;
    kv[n++] = (struct kv){"area", "maXa"};
    for (int i = 0; i < 65; i++) {
        snprintf(keys[i][0], sizeof keys[i][0], "metric.m%d.value", i);
        snprintf(keys[i][1], sizeof keys[i][1], "metric.m%d.unit", i);
        kv[n++] = (struct kv){keys[i][0], "v"};
        kv[n++] = (struct kv){keys[i][1], "count"};
    }
    kv[n] = (struct kv){NULL, NULL};
    /* Both keys of the 65th metric are refused; the first 64 are fine. */
    parse_bad(kv, (const char *const[]){
                      "metric.m64.value: more than 64 metrics in one instance; split the feed "
                      "into two instances",
                      "metric.m64.unit: more than 64 metrics in one instance; split the feed "
                      "into two instances",
                      NULL});
}

static void test_errors_paging(void **state)
{
    (void)state;
    one_bad("pagination", "pages",
            "pagination: `pages` is not one of: none, page, next_link, cursor");
    one_bad("max_pages", "0", "max_pages: `0` is not a whole number from 1 to 1000000");
    one_bad("cursor", "next", "cursor: belongs to `pagination = cursor`, but pagination is `none`");
    one_bad("page_total", "total",
            "page_total: belongs to `pagination = page`, but pagination is `none`");
    const struct kv no_param[] = {BASE_KEYS, {"pagination", "page"}, {NULL, NULL}};
    parse_bad(no_param, (const char *const[]){
                            "pagination: `page` needs `page_param`, the query parameter of the "
                            "page number",
                            NULL});
    const struct kv half_size[] = {
        BASE_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_size_param", "size"},
        {NULL, NULL},
    };
    parse_bad(half_size, (const char *const[]){
                             "page_size_param: give both `page_size_param` and `page_size`, or "
                             "neither",
                             NULL});
    const struct kv size_only[] = {
        BASE_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_size", "50"},
        {NULL, NULL},
    };
    parse_bad(size_only, (const char *const[]){
                             "page_size: give both `page_size_param` and `page_size`, or neither",
                             NULL});
    const struct kv bad_size[] = {
        BASE_KEYS, {"pagination", "page"}, {"page_param", "page"}, {"page_size_param", "size"},
        {"page_size", "-5"}, {"page_total_kind", "rows"}, {NULL, NULL},
    };
    parse_bad(bad_size, (const char *const[]){
                            "page_size: `-5` is not a whole number from 0 to 100000000",
                            "page_total_kind: `rows` is not one of: records, pages",
                            "page_size_param: give both `page_size_param` and `page_size`, or "
                            "neither",
                            NULL});
    const struct kv no_link[] = {BASE_KEYS, {"pagination", "next_link"}, {NULL, NULL}};
    parse_bad(no_link, (const char *const[]){
                           "pagination: `next_link` needs `next_link`, the path of the next "
                           "page's URL in each page",
                           NULL});
    const struct kv bad_link[] = {
        BASE_KEYS, {"pagination", "next_link"}, {"next_link", "links[].next"}, {NULL, NULL},
    };
    parse_bad(bad_link, (const char *const[]){
                            "next_link: path `links[].next` has `[]`, which names many values; "
                            "here one value is needed (use [0] for the first element)",
                            NULL});
    const struct kv no_cursor[] = {BASE_KEYS, {"pagination", "cursor"}, {NULL, NULL}};
    parse_bad(no_cursor, (const char *const[]){
                             "pagination: `cursor` needs `cursor_param`, the query parameter "
                             "that carries the cursor",
                             "pagination: `cursor` needs `cursor`, the path of the next cursor "
                             "in each page",
                             NULL});
    const struct kv wrong_style[] = {
        BASE_KEYS, {"pagination", "cursor"}, {"cursor_param", "c"}, {"cursor", "next"},
        {"page_param", "page"}, {"next_link", "next"}, {NULL, NULL},
    };
    parse_bad(wrong_style, (const char *const[]){
                               "page_param: belongs to `pagination = page`, but pagination is "
                               "`cursor`",
                               "next_link: belongs to `pagination = next_link`, but pagination "
                               "is `cursor`",
                               NULL});
}

/* ---- mistakes together ---- */

static void test_errors_together(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"area_const", "96"},
        {"time_format", "iso"},
        {"period_to", "den"},
        {"dim.Kenh", "kenh"},
        {"metric.subs.value", "thueBao"},
        {"metric.subs.unit", "conut"},
        {"metric.subs.sum", "all"},
        {"metric.rate.numerator", "a"},
        {"metric.rate.unit", "percent"},
        {"metric.rate.target", "95"},
        {"pagination", "cursor"},
        {"page_param", "page"},
        {NULL, NULL},
    };
    parse_bad(kv, (const char *const[]){
                      "area_const: give either `area` (a field) or `area_const` (a fixed code), "
                      "not both",
                      "time_format: `iso` is not one of: rfc3339, epoch_s, epoch_ms, "
                      "yyyyMMddHHmmss, date",
                      "period_to: give both `period_from` and `period_to`, or neither",
                      "dim.Kenh: dimension key `Kenh` must be [a-z0-9_], at most 32 bytes",
                      "metric.subs.unit: `conut` is not a unit: count, percent, permille, "
                      "ratio, score, seconds, days, bytes, vnd, cm, mm, celsius, ug_m3, m3_s, "
                      "ha or km",
                      "metric.subs.sum: `all` is not one of: none, area, province",
                      "metric.rate.target: `95`: write `>= 95` or `<= 5`",
                      "metric.rate.numerator: metric `rate` has a numerator but no denominator",
                      "page_param: belongs to `pagination = page`, but pagination is `cursor`",
                      "pagination: `cursor` needs `cursor_param`, the query parameter that "
                      "carries the cursor",
                      "pagination: `cursor` needs `cursor`, the path of the next cursor in each "
                      "page",
                      NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_records_area_time),
        cmocka_unit_test(test_value_expressions),
        cmocka_unit_test(test_expr_parse),
        cmocka_unit_test(test_expr_escaped_backslash),
        cmocka_unit_test(test_ratios_and_scale),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_dimensions),
        cmocka_unit_test(test_metric_ids),
        cmocka_unit_test(test_distinct_series),
        cmocka_unit_test(test_distinct_series_by_kept_dims),
        cmocka_unit_test(test_long_metric_ids),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_errors_records_and_area),
        cmocka_unit_test(test_errors_times),
        cmocka_unit_test(test_errors_dims),
        cmocka_unit_test(test_errors_metric_attributes),
        cmocka_unit_test(test_errors_value_reported_once),
        cmocka_unit_test(test_errors_metric_wholes),
        cmocka_unit_test(test_errors_too_many_metrics),
        cmocka_unit_test(test_errors_paging),
        cmocka_unit_test(test_errors_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
