/*
 * test_target - the choice and evaluation of a metric's catalogue target
 * (daemon/target.c) and what normalize publishes from it.
 *
 * A small catalogue is read through catconf (so the warning bands are the
 * ones catconf derives from `warn`), then: every op with its edges exactly
 * on the boundary (the goal's edge is ok, the band's far edge is warn), a
 * goal without a band, the most specific target winning (level, dims, both),
 * ties going to the first in the file, 2025 against 2030 picked by period
 * and by ts (across the new year in +07:00), no target = none; and the
 * target object and top-level status of the published record, with a
 * record's own target taking precedence over the catalogue's. Run from the
 * repository root (normalize reads the real gazetteer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog.h"
#include "catconf.h"
#include "diag.h"
#include "gazetteer.h"
#include "normalize.h"
#include "target.h"

static char dir[] = "/tmp/test_target.XXXXXX";
static char file[PATH_MAX];
static struct catalog *cat;
static struct gazetteer *gaz;

#define METRIC(name) "[metric." name "]\nlabel_vi = v\nlabel_en = e\ndescription = d\n" \
                     "unit = percent\naggregate = none\n"
#define TARGET(id, goal, extra, period, basis) \
    "target." id ".goal = " goal "\n" extra "target." id ".period = " period "\n" \
    "target." id ".basis = " basis "\n"

static const char catalogue[] =
    "[catalog]\nversion = t1\n"
    "[unit.percent]\nsymbol = %\nlabel_vi = phần trăm\nlabel_en = percent\ndecimals = 1\n"
    METRIC("a.share")
    TARGET("generic", ">= 90", "target.generic.warn = 80\n", "2025", "plan A")
    TARGET("commune", ">= 60", "target.commune.warn = 50\ntarget.commune.level = commune\n",
           "2025", "plan B")
    TARGET("y2030", ">= 99", "target.y2030.warn = 95\n", "2026..2030", "plan C")
    TARGET("g5", ">= 98", "target.g5.dims = technology=5G\n", "2026..2030", "plan D")
    TARGET("g5_xa", ">= 97", "target.g5_xa.dims = technology=5G\ntarget.g5_xa.level = commune\n",
           "2026..2030", "plan E")
    TARGET("g5_vt", ">= 96", "target.g5_vt.dims = operator=viettel,technology=5G\n",
           "2026..2030", "plan F")
    TARGET("g5_vt_too", ">= 1", "target.g5_vt_too.dims = technology=5G,operator=viettel\n",
           "2026..2030", "plan G: same specificity, written later")
    METRIC("b.late")
    TARGET("low", "<= 5", "target.low.warn = 8\n", "2025..2030", "plan H")
    METRIC("c.ipv6")
    TARGET("band", "40..60", "target.band.warn = 30..70\n", "2025..2030", "plan I")
    TARGET("bare", ">= 99", "target.bare.level = province\n", "2031", "plan J: no band")
    METRIC("d.free");

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/catalog.conf", dir);
    FILE *f = fopen(file, "w");
    if (!f)
        return -1;
    fputs(catalogue, f);
    fclose(f);
    struct diag d = {0};
    cat = catconf_load(file, &d);
    for (size_t i = 0; i < d.count; i++)
        print_error("%s\n", d.lines[i]);
    int bad = !cat || d.count;
    diag_free(&d);
    char err[256];
    gaz = gazetteer_load("conf/gazetteer/vn-2025-07.tsv", err, sizeof err);
    if (!gaz)
        print_error("%s (run from the repository root)\n", err);
    return bad || !gaz ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    catalog_free(cat);
    gazetteer_free(gaz);
    unlink(file);
    rmdir(dir);
    return 0;
}

static const struct catalog_target *pick(const char *metric, const char *level, int year,
                                         const char *k1, const char *v1, const char *k2,
                                         const char *v2)
{
    struct ioc_dim dims[IOC_MAX_DIMS] = {{k1, v1}, {k2, v2}};
    if (!k1)
        dims[0] = dims[1], dims[1] = (struct ioc_dim){0};
    return target_select(catalog_metric(cat, metric), level, dims, year);
}

static const char *status(const char *metric, const char *level, int year, double v)
{
    return target_status_name(target_evaluate(pick(metric, level, year, NULL, NULL, NULL, NULL),
                                              v));
}

static void test_ge_edges(void **state)
{
    (void)state;
    /* >= 90, warn from 80 (province, 2025: "generic"). */
    assert_string_equal(status("a.share", "province", 2025, 100), "ok");
    assert_string_equal(status("a.share", "province", 2025, 90), "ok");
    assert_string_equal(status("a.share", "province", 2025, 89.99), "warn");
    assert_string_equal(status("a.share", "province", 2025, 80), "warn");
    assert_string_equal(status("a.share", "province", 2025, 79.99), "breach");
    assert_string_equal(status("a.share", "province", 2025, 0), "breach");
}

static void test_le_edges(void **state)
{
    (void)state;
    /* <= 5, warn up to 8. */
    assert_string_equal(status("b.late", "commune", 2027, 0), "ok");
    assert_string_equal(status("b.late", "commune", 2027, 5), "ok");
    assert_string_equal(status("b.late", "commune", 2027, 5.01), "warn");
    assert_string_equal(status("b.late", "commune", 2027, 8), "warn");
    assert_string_equal(status("b.late", "commune", 2027, 8.01), "breach");
}

static void test_range_edges(void **state)
{
    (void)state;
    /* 40..60, warn 30..70: a band on each side. */
    assert_string_equal(status("c.ipv6", "commune", 2025, 40), "ok");
    assert_string_equal(status("c.ipv6", "commune", 2025, 50), "ok");
    assert_string_equal(status("c.ipv6", "commune", 2025, 60), "ok");
    assert_string_equal(status("c.ipv6", "commune", 2025, 39.9), "warn");
    assert_string_equal(status("c.ipv6", "commune", 2025, 30), "warn");
    assert_string_equal(status("c.ipv6", "commune", 2025, 29.9), "breach");
    assert_string_equal(status("c.ipv6", "commune", 2025, 60.1), "warn");
    assert_string_equal(status("c.ipv6", "commune", 2025, 70), "warn");
    assert_string_equal(status("c.ipv6", "commune", 2025, 70.1), "breach");
}

static void test_no_band(void **state)
{
    (void)state;
    /* ">= 99" without warn: just under the goal is already a breach. */
    assert_string_equal(status("c.ipv6", "province", 2031, 99), "ok");
    assert_string_equal(status("c.ipv6", "province", 2031, 98.99), "breach");
}

static void test_most_specific_wins(void **state)
{
    (void)state;
    /* 2025: the level target beats the generic one at commune level only. */
    assert_string_equal(pick("a.share", "commune", 2025, NULL, NULL, NULL, NULL)->id, "commune");
    assert_string_equal(pick("a.share", "province", 2025, NULL, NULL, NULL, NULL)->id, "generic");
    /* Dims that no target names do not stop the generic one. */
    assert_string_equal(pick("a.share", "commune", 2025, "operator", "viettel", NULL, NULL)->id,
                        "commune");
    /* 2026..2030: dims beat generic, dims + level beat dims, two dims beat
     * one, whatever the order of dims in the record or the target. */
    assert_string_equal(pick("a.share", "province", 2028, NULL, NULL, NULL, NULL)->id, "y2030");
    assert_string_equal(pick("a.share", "province", 2028, "technology", "4G", NULL, NULL)->id,
                        "y2030");
    assert_string_equal(pick("a.share", "province", 2028, "technology", "5G", NULL, NULL)->id,
                        "g5");
    assert_string_equal(pick("a.share", "commune", 2028, "technology", "5G", NULL, NULL)->id,
                        "g5_xa");
    assert_string_equal(pick("a.share", "province", 2028, "technology", "5G", "operator",
                             "viettel")->id, "g5_vt");
    /* A tie (g5_xa: level + 1 dim = g5_vt: 2 dims = g5_vt_too) goes to the
     * first written. */
    assert_string_equal(pick("a.share", "commune", 2028, "operator", "viettel", "technology",
                             "5G")->id, "g5_xa");
    /* Values compare exactly: "5g" is not "5G". */
    assert_string_equal(pick("a.share", "province", 2028, "technology", "5g", NULL, NULL)->id,
                        "y2030");
}

static void test_year(void **state)
{
    (void)state;
    /* By period: the year its last day is in. */
    assert_int_equal(target_year("2025-12-31", 0, 420), 2025);
    assert_int_equal(target_year("2030-01-01", 0, 420), 2030);
    /* By ts, in the deployment's offset: 2025-12-31T16:59:59Z is still
     * 2025 in +07:00, one second later it is 2026-01-01T00:00:00+07:00. */
    assert_int_equal(target_year(NULL, 1767200399000LL, 420), 2025);
    assert_int_equal(target_year(NULL, 1767200400000LL, 420), 2026);
    assert_int_equal(target_year(NULL, 1767200400000LL, 0), 2025);
    assert_int_equal(target_year(NULL, 1709164800000LL, 0), 2024); /* 2024-02-29 */
    assert_int_equal(target_year(NULL, 0, 0), 1970);
    assert_int_equal(target_year(NULL, -1, 0), 1969);
    /* 2025 and 2030 targets of one metric: the year picks one; outside
     * every period no target applies. */
    assert_string_equal(pick("a.share", "province", 2025, NULL, NULL, NULL, NULL)->id, "generic");
    assert_string_equal(pick("a.share", "province", 2026, NULL, NULL, NULL, NULL)->id, "y2030");
    assert_string_equal(pick("a.share", "province", 2030, NULL, NULL, NULL, NULL)->id, "y2030");
    assert_null(pick("a.share", "province", 2024, NULL, NULL, NULL, NULL));
    assert_null(pick("a.share", "province", 2031, NULL, NULL, NULL, NULL));
}

static void test_none(void **state)
{
    (void)state;
    assert_null(pick("d.free", "province", 2025, NULL, NULL, NULL, NULL));
    assert_null(target_select(NULL, "province", (struct ioc_dim[IOC_MAX_DIMS]){{0}}, 2025));
    assert_int_equal(target_evaluate(NULL, 50), TARGET_NONE);
    assert_string_equal(status("d.free", "province", 2025, 50), "none");
    /* A level target for another level does not apply. */
    assert_null(pick("c.ipv6", "commune", 2031, NULL, NULL, NULL, NULL));
}

/* The published record of `r` (area 32002, a commune of 96), or NULL. */
static char *publish(const struct ioc_record *r)
{
    struct normalize_env env = {"t", "96", 420, gaz, cat};
    struct normalized n;
    struct normalize_error err;
    if (normalize_check(&env, r, 1767225600000LL, &n, &err) < 0) {
        print_error("%s: %s\n", err.field, err.reason);
        return NULL;
    }
    size_t len;
    return normalize_encode(&env, &n, 1, &len);
}

/* The part of `json` from `"target"` (or `"status"`) to `"series"`. */
static void assert_target_json(const char *json, const char *expected)
{
    assert_non_null(json);
    const char *from = strstr(json, "\"target\"");
    if (!from)
        from = strstr(json, "\"status\"");
    const char *to = strstr(json, ",\"series\"");
    assert_non_null(from);
    assert_non_null(to);
    char got[1024];
    snprintf(got, sizeof got, "%.*s", (int)(to - from), from);
    assert_string_equal(got, expected);
}

static void test_published_record(void **state)
{
    (void)state;
    struct ioc_record r = {.metric = "a.share", .value = 55, .unit = "percent",
                           .ts = "2025-08-01T00:00:00+07:00", .period_from = "2025-07-01",
                           .period_to = "2025-07-31", .area = "32002"};
    char *j = publish(&r);
    assert_target_json(j, "\"target\":{\"id\":\"commune\",\"value\":60,\"op\":\">=\","
                          "\"warn\":50,\"period\":{\"from\":2025,\"to\":2025},"
                          "\"basis\":\"plan B\",\"status\":\"warn\"},\"status\":\"warn\"");
    free(j);
    /* The same figure with a period in 2026 is judged against 2030's 99. */
    r.period_from = "2026-01-01", r.period_to = "2026-01-31";
    r.ts = "2026-01-01T00:00:00+07:00";
    j = publish(&r);
    assert_target_json(j, "\"target\":{\"id\":\"y2030\",\"value\":99,\"op\":\">=\","
                          "\"warn\":95,\"period\":{\"from\":2026,\"to\":2030},"
                          "\"basis\":\"plan C\",\"status\":\"breach\"},\"status\":\"breach\"");
    free(j);
    /* Without a period, ts decides: 2025-12-31T23:59:59+07:00 is 2025. */
    r.period_from = r.period_to = NULL;
    r.ts = "2025-12-31T23:59:59+07:00";
    r.value = 60;
    j = publish(&r);
    assert_target_json(j, "\"target\":{\"id\":\"commune\",\"value\":60,\"op\":\">=\","
                          "\"warn\":50,\"period\":{\"from\":2025,\"to\":2025},"
                          "\"basis\":\"plan B\",\"status\":\"ok\"},\"status\":\"ok\"");
    free(j);
    /* A range. */
    r.metric = "c.ipv6", r.value = 65;
    j = publish(&r);
    assert_target_json(j, "\"target\":{\"id\":\"band\",\"op\":\"range\",\"min\":40,\"max\":60,"
                          "\"warn\":{\"min\":30,\"max\":70},\"period\":{\"from\":2025,"
                          "\"to\":2030},\"basis\":\"plan I\",\"status\":\"warn\"},"
                          "\"status\":\"warn\"");
    free(j);
    /* The record's own target overrides the catalogue's (no band: 64.9
     * against >= 65 is a breach although the catalogue's would be warn). */
    r.target_op = IOC_TARGET_GE, r.target = 65, r.value = 64.9;
    j = publish(&r);
    assert_target_json(j, "\"target\":{\"value\":65,\"op\":\">=\",\"status\":\"breach\"},"
                          "\"status\":\"breach\"");
    free(j);
    r.target_op = IOC_TARGET_LE, r.target = 65;
    j = publish(&r);
    assert_target_json(j, "\"target\":{\"value\":65,\"op\":\"<=\",\"status\":\"ok\"},"
                          "\"status\":\"ok\"");
    free(j);
    /* No target: no target object, status "none". */
    r.target_op = IOC_TARGET_NONE, r.metric = "d.free";
    j = publish(&r);
    assert_target_json(j, "\"status\":\"none\"");
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ge_edges),
        cmocka_unit_test(test_le_edges),
        cmocka_unit_test(test_range_edges),
        cmocka_unit_test(test_no_band),
        cmocka_unit_test(test_most_specific_wins),
        cmocka_unit_test(test_year),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_published_record),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
