/*
 * test_rollup - province records made from commune values (daemon/rollup.c):
 * sums per metric + dims + period, ratio of summed parts (not the mean of
 * percentages), completeness k of n with an old commune code counted once
 * under its current code, ratio records without parts left out and
 * counted, a metric the connector totalled itself left alone, mixed units
 * refused, and nothing left over after finish or discard. Records go
 * through the real normalize_check and the real gazetteer
 * (conf/gazetteer/vn-2025-07.tsv: 64 communes in province 96).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gazetteer.h"
#include "normalize.h"
#include "rollup.h"

#define GAZ_FILE "conf/gazetteer/vn-2025-07.tsv"
#define NOW_MS 1753981500000LL /* 2025-08-01T00:05:00+07:00 */

static struct gazetteer *gaz;
static struct normalize_env env;
/* Sorted by name, as catalog_metric's search needs. */
static struct catalog_metric metrics[] = {
    {.name = "t.count", .aggregate = CATALOG_AGG_SUM},
    {.name = "t.level", .aggregate = CATALOG_AGG_NONE},
    {.name = "t.owned", .aggregate = CATALOG_AGG_SUM},
    {.name = "t.share", .aggregate = CATALOG_AGG_RATIO},
};
static struct catalog cat = {.path = "test", .version = "t1", .metrics = metrics,
                             .metric_count = sizeof metrics / sizeof metrics[0]};

/* What the emit callback saw, copied. */
struct seen {
    char metric[64], unit[16], area[8], ts[40], from[12], to[12], dims[128];
    double value, numerator, denominator;
    bool has_parts;
    struct normalize_completeness c;
    char gazetteer[32];
};
static struct seen seen[16];
static size_t nseen;

static int capture(void *arg, const struct ioc_record *r, const struct normalize_completeness *c)
{
    (void)arg;
    struct seen *s = &seen[nseen++];
    memset(s, 0, sizeof *s);
    snprintf(s->metric, sizeof s->metric, "%s", r->metric);
    snprintf(s->unit, sizeof s->unit, "%s", r->unit);
    snprintf(s->area, sizeof s->area, "%s", r->area);
    snprintf(s->ts, sizeof s->ts, "%s", r->ts);
    snprintf(s->from, sizeof s->from, "%s", r->period_from ? r->period_from : "");
    snprintf(s->to, sizeof s->to, "%s", r->period_to ? r->period_to : "");
    for (size_t i = 0; i < IOC_MAX_DIMS && r->dims[i].key; i++) {
        size_t l = strlen(s->dims);
        snprintf(s->dims + l, sizeof s->dims - l, "%s=%s;", r->dims[i].key, r->dims[i].value);
    }
    s->value = r->value, s->has_parts = r->has_ratio_parts;
    s->numerator = r->numerator, s->denominator = r->denominator;
    s->c = *c;
    snprintf(s->gazetteer, sizeof s->gazetteer, "%s", c->gazetteer);
    return 0;
}

/* Normalize r and offer it to the rollup. */
static void add(struct rollup *ru, const struct ioc_record *r)
{
    struct normalized n;
    struct normalize_error err;
    if (normalize_check(&env, r, NOW_MS, &n, &err) != 0)
        fail_msg("record refused: %s %s", err.field, err.reason);
    assert_int_equal(rollup_add(ru, &n), 0);
}

static struct ioc_record count(const char *area, double v, const char *ts)
{
    return (struct ioc_record){.metric = "t.count", .unit = "count", .value = v, .ts = ts,
                               .area = area, .period_from = "2025-07-01",
                               .period_to = "2025-07-31"};
}

static struct ioc_record share(const char *area, double num, double den)
{
    return (struct ioc_record){.metric = "t.share", .unit = "percent", .value = 100 * num / den,
                               .ts = "2025-08-01T00:00:00+07:00", .area = area,
                               .has_ratio_parts = true, .numerator = num, .denominator = den};
}

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (!(gaz = gazetteer_load(GAZ_FILE, err, sizeof err))) {
        print_error("%s (run from the repository root)\n", err);
        return -1;
    }
    env = (struct normalize_env){"t", "96", 420, gaz, NULL};
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    gazetteer_free(gaz);
    return 0;
}

static struct rollup_report finish(struct rollup *ru)
{
    struct rollup_report rep;
    nseen = 0;
    rollup_finish(ru, gaz, "96", capture, NULL, &rep);
    return rep;
}

/* Two communes and an old code merged into the first: the old code's
 * value is summed into its current commune, which counts once. */
static void test_sum_with_old_code(void **state)
{
    (void)state;
    const char *old = gazetteer_old_code_for(gaz, "31825");
    assert_non_null(old);
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record a = count("31825", 10, "2025-08-01T00:00:00+07:00");
    struct ioc_record b = count("31834", 5, "2025-08-01T01:00:00+07:00");
    struct ioc_record c = count(old, 3, "2025-07-31T23:00:00+07:00");
    add(ru, &a);
    add(ru, &b);
    add(ru, &c);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.published, 1);
    assert_int_equal(nseen, 1);
    assert_string_equal(seen[0].metric, "t.count");
    assert_string_equal(seen[0].unit, "count");
    assert_string_equal(seen[0].area, "96");
    assert_true(seen[0].value == 18);
    assert_false(seen[0].has_parts);
    assert_string_equal(seen[0].from, "2025-07-01");
    assert_string_equal(seen[0].to, "2025-07-31");
    /* The latest ts of the group, as normalize published it. */
    assert_string_equal(seen[0].ts, "2025-08-01T01:00:00+07:00");
    assert_int_equal(seen[0].c.reported, 2);
    assert_int_equal(seen[0].c.expected, 64);
    assert_string_equal(seen[0].gazetteer, "vn-2025-07");
    rollup_free(ru);
}

/* 3 of 4 (75 %) and 1 of 10 (10 %): the province is 4 of 14
 * (28.571... %), not the mean 42.5 %. */
static void test_ratio_of_sums(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record a = share("31825", 3, 4), b = share("31834", 1, 10);
    add(ru, &a);
    add(ru, &b);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.published, 1);
    assert_string_equal(seen[0].unit, "percent");
    assert_true(seen[0].has_parts);
    assert_true(seen[0].numerator == 4 && seen[0].denominator == 14);
    assert_true(seen[0].value == 100.0 * 4 / 14);
    assert_string_equal(seen[0].from, ""); /* no period in, none out */
    rollup_free(ru);
}

/* Dims and periods part groups; groups come out in order of appearance. */
static void test_groups_by_dims_and_period(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record r = count("31825", 1, NULL);
    r.dims[0] = (struct ioc_dim){"channel", "online"};
    r.dims[1] = (struct ioc_dim){"agency", "x"};
    add(ru, &r);
    r.dims[0].value = "postal", r.value = 2;
    add(ru, &r);
    r.dims[0].value = "online", r.value = 4, r.area = "31834";
    add(ru, &r);
    r.period_from = "2025-06-01", r.period_to = "2025-06-30", r.value = 8;
    add(ru, &r);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.published, 3);
    /* dims sorted by key, as normalize sorts them */
    assert_string_equal(seen[0].dims, "agency=x;channel=online;");
    assert_true(seen[0].value == 5);
    assert_int_equal(seen[0].c.reported, 2);
    assert_string_equal(seen[1].dims, "agency=x;channel=postal;");
    assert_true(seen[1].value == 2);
    assert_int_equal(seen[1].c.reported, 1);
    assert_string_equal(seen[2].from, "2025-06-01");
    assert_true(seen[2].value == 8);
    rollup_free(ru);
}

/* A ratio record without parts cannot be added up: left out, counted,
 * the first named; the rest of its group still rolls up. */
static void test_ratio_without_parts(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record a = share("31825", 1, 2), b = share("31834", 1, 2);
    b.has_ratio_parts = false;
    add(ru, &a);
    add(ru, &b);
    add(ru, &b);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.no_parts, 2);
    assert_string_equal(rep.no_parts_example, "metric t.share area 31834");
    assert_int_equal(rep.published, 1);
    assert_true(seen[0].value == 50);
    assert_int_equal(seen[0].c.reported, 1);
    rollup_free(ru);
}

/* A province record of a metric from the connector: that metric is its
 * own for the poll (the other metric still rolls up); metrics the
 * catalogue does not add up, or does not know, are ignored. */
static void test_connector_owns_its_totals(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record o = count("31825", 1, NULL), p = count("96", 99, NULL);
    o.metric = p.metric = "t.owned";
    add(ru, &o);
    add(ru, &p);
    struct ioc_record c = count("31825", 7, NULL), l = count("31825", 1, NULL),
                      u = count("31825", 1, NULL);
    l.metric = "t.level", u.metric = "t.unknown";
    add(ru, &c);
    add(ru, &l);
    add(ru, &u);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.owned, 1);
    assert_int_equal(rep.published, 1);
    assert_string_equal(seen[0].metric, "t.count");
    assert_true(seen[0].value == 7);
    rollup_free(ru);
}

/* One metric in two units in the same group makes no total. */
static void test_mixed_units_refused(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record a = count("31825", 1, NULL), b = count("31834", 1, NULL);
    b.unit = "score";
    add(ru, &a);
    add(ru, &b);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.unusable, 1);
    assert_int_equal(rep.published, 0);
    rollup_free(ru);
}

/* finish and discard both forget the poll; the built-in catalogue (no
 * metrics) rolls up nothing. */
static void test_nothing_left_over(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record a = count("31825", 1, NULL);
    add(ru, &a);
    assert_int_equal(finish(ru).published, 1);
    assert_int_equal(finish(ru).published, 0);
    add(ru, &a);
    rollup_discard(ru);
    assert_int_equal(finish(ru).published, 0);
    rollup_free(ru);
    ru = rollup_new(NULL);
    add(ru, &a);
    struct rollup_report rep = finish(ru);
    assert_int_equal(rep.published + rep.owned + rep.unusable, 0);
    rollup_free(ru);
    rollup_free(NULL);
}

/* Group i of test_many_groups: dims k=v<i>, 2 communes, value i + i. */
static int check_many(void *arg, const struct ioc_record *r, const struct normalize_completeness *c)
{
    size_t *i = arg;
    char v[16];
    snprintf(v, sizeof v, "v%zu", *i);
    if (strcmp(r->dims[0].value, v) != 0 || r->value != 2.0 * (double)*i || c->reported != 2)
        return -1;
    (*i)++;
    return 0;
}

/* Many groups (past several rehashes of the table) keep their order,
 * their sums and their communes. */
static void test_many_groups(void **state)
{
    (void)state;
    struct rollup *ru = rollup_new(&cat);
    struct ioc_record r = count("31825", 1, NULL);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 1000; i++) {
            char v[16];
            snprintf(v, sizeof v, "v%d", i);
            r.dims[0] = (struct ioc_dim){"k", v};
            r.value = i;
            r.area = round ? "31834" : "31825";
            add(ru, &r);
        }
    struct rollup_report rep;
    size_t i = 0;
    rollup_finish(ru, gaz, "96", check_many, &i, &rep);
    assert_int_equal(rep.published, 1000);
    assert_int_equal(rep.refused, 0);
    assert_int_equal(i, 1000);
    rollup_free(ru);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_with_old_code),
        cmocka_unit_test(test_ratio_of_sums),
        cmocka_unit_test(test_groups_by_dims_and_period),
        cmocka_unit_test(test_ratio_without_parts),
        cmocka_unit_test(test_connector_owns_its_totals),
        cmocka_unit_test(test_mixed_units_refused),
        cmocka_unit_test(test_nothing_left_over),
        cmocka_unit_test(test_many_groups),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
