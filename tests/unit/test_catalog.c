/*
 * test_catalog - the metric catalogue (daemon/catconf.c, daemon/catalog.c).
 *
 * A valid catalogue is read back field by field and as published JSON;
 * each kind of mistake gives its exact FILE:LINE line; and the shipped
 * conf/catalog.conf covers every metric the shipped connectors and example
 * configurations emit, with the unit they emit it in. Run from the
 * repository root (the shipped files are read from conf/ and connectors/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog.h"
#include "catconf.h"
#include "diag.h"
#include "ini.h"

static char dir[] = "/tmp/test_catalog.XXXXXX";
static char file[PATH_MAX];

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/catalog.conf", dir);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(file);
    rmdir(dir);
    return 0;
}

static void write_file(const char *text)
{
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define HEAD "[catalog]\nversion = t1\n[unit.percent]\nsymbol = %\nlabel_vi = phần trăm\n" \
             "label_en = percent\ndecimals = 1\n[unit.count]\nsymbol =\nlabel_vi = số lượng\n" \
             "label_en = count\n"
/* HEAD is 11 lines: the metric under test starts on line 12. */
#define METRIC "[metric.a.share]\nlabel_vi = Tỷ lệ\nlabel_en = Share\ndescription = d\n" \
               "unit = percent\naggregate = ratio\n"

static void test_valid_read_back(void **state)
{
    (void)state;
    write_file(HEAD METRIC
               "target.p2025.goal = >= 90\n"
               "target.p2025.warn = 80\n"
               "target.p2025.period = 2025\n"
               "target.p2025.basis = plan A\n"
               "target.p2025.dims = level=tinh\n"
               "target.band.goal = 90..100\n"
               "target.band.warn = 85..100\n"
               "target.band.level = commune\n"
               "target.band.period = 2026..2030\n"
               "target.band.basis = plan \"B\"\n"
               "[metric.a.count]\nlabel_vi = Số\nlabel_en = Count\ndescription = c\n"
               "unit = count\naggregate = sum\ndecimals = 2\n"
               "target.low.goal = <= 5\ntarget.low.period = 2025\ntarget.low.basis = z\n");
    struct diag d = {0};
    struct catalog *c = catconf_load(file, &d);
    for (size_t i = 0; i < d.count; i++)
        print_error("%s\n", d.lines[i]);
    assert_non_null(c);
    assert_int_equal(d.count, 0);
    assert_string_equal(c->version, "t1");
    assert_int_equal(c->unit_count, 2);
    assert_int_equal(c->metric_count, 2);

    const struct catalog_metric *m = catalog_metric(c, "a.share");
    assert_non_null(m);
    assert_string_equal(m->label_vi, "Tỷ lệ");
    assert_string_equal(m->unit->name, "percent");
    assert_int_equal(m->decimals, 1); /* the unit's */
    assert_int_equal(m->aggregate, CATALOG_AGG_RATIO);
    assert_int_equal(m->line, 12);
    assert_int_equal(m->target_count, 2);
    const struct catalog_target *t = &m->targets[0];
    assert_string_equal(t->id, "p2025");
    assert_int_equal(t->op, CATALOG_GOAL_GE);
    assert_true(t->lo == 90 && t->has_warn && t->warn_lo == 80 && t->warn_hi == 90);
    assert_int_equal(t->year_from, 2025);
    assert_int_equal(t->year_to, 2025);
    assert_string_equal(t->dims, "level=tinh");
    assert_null(t->level);
    assert_int_equal(t->line, 18);
    t = &m->targets[1];
    assert_int_equal(t->op, CATALOG_GOAL_RANGE);
    assert_true(t->lo == 90 && t->hi == 100 && t->warn_lo == 85 && t->warn_hi == 100);
    assert_string_equal(t->level, "commune");
    assert_int_equal(t->year_from, 2026);
    assert_int_equal(t->year_to, 2030);

    m = catalog_metric(c, "a.count");
    assert_non_null(m);
    assert_int_equal(m->decimals, 2);
    assert_int_equal(m->aggregate, CATALOG_AGG_SUM);
    assert_int_equal(m->targets[0].op, CATALOG_GOAL_LE);
    assert_false(m->targets[0].has_warn);
    assert_null(catalog_metric(c, "a.other"));

    char *json = catalog_json(c, "96");
    assert_non_null(json);
    assert_string_equal(json,
        "{\"schema\":\"ioc.catalog/1\",\"province\":\"96\",\"version\":\"t1\",\"units\":{"
        "\"percent\":{\"symbol\":\"%\",\"label\":{\"vi\":\"phần trăm\",\"en\":\"percent\"},"
        "\"decimals\":1},"
        "\"count\":{\"symbol\":\"\",\"label\":{\"vi\":\"số lượng\",\"en\":\"count\"},"
        "\"decimals\":0}},\"metrics\":{"
        "\"a.count\":{\"label\":{\"vi\":\"Số\",\"en\":\"Count\"},\"description\":\"c\","
        "\"unit\":\"count\",\"decimals\":2,\"aggregate\":\"sum\",\"targets\":{"
        "\"low\":{\"op\":\"<=\",\"max\":5,\"period\":{\"from\":2025,\"to\":2025},"
        "\"basis\":\"z\"}}},"
        "\"a.share\":{\"label\":{\"vi\":\"Tỷ lệ\",\"en\":\"Share\"},\"description\":\"d\","
        "\"unit\":\"percent\",\"decimals\":1,\"aggregate\":\"ratio\",\"targets\":{"
        "\"p2025\":{\"op\":\">=\",\"min\":90,\"warn\":{\"min\":80,\"max\":90},"
        "\"dims\":{\"level\":\"tinh\"},\"period\":{\"from\":2025,\"to\":2025},"
        "\"basis\":\"plan A\"},"
        "\"band\":{\"op\":\"range\",\"min\":90,\"max\":100,\"warn\":{\"min\":85,\"max\":100},"
        "\"level\":\"commune\",\"period\":{\"from\":2026,\"to\":2030},"
        "\"basis\":\"plan \\\"B\\\"\"}}}}}");
    free(json);
    catalog_free(c);
    diag_free(&d);
}

/* Load `text`; expect exactly one error, `expected` after "FILE:". */
static void expect_one_error(const char *text, const char *expected)
{
    write_file(text);
    struct diag d = {0};
    struct catalog *c = catconf_load(file, &d);
    assert_null(c);
    char want[PATH_MAX + 1024];
    snprintf(want, sizeof want, "%s:%s", file, expected);
    for (size_t i = 0; i < d.count; i++)
        print_message("  got: %s\n", d.lines[i]);
    assert_int_equal(d.count, 1);
    assert_string_equal(d.lines[0], want);
    diag_free(&d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_one_error(HEAD METRIC "labl_en = x\n",
                     "18: unknown key 'labl_en' (did you mean 'label_en'?)");
    expect_one_error(HEAD "[metric.a.share]\nlabel_vi = Tỷ lệ\nlabel_en = Share\n"
                     "description = d\nunit = percnt\naggregate = ratio\n",
                     "16: 'unit' = 'percnt': not a unit of this catalogue (add a "
                     "[unit.percnt] section, or use one of its units)");
    expect_one_error(HEAD "[metric.a.share]\nlabel_vi = Tỷ lệ\nlabel_en = Share\n"
                     "description = d\nunit = percent\naggregate = average\n",
                     "17: 'aggregate' = 'average': use sum, ratio (sum of numerators / sum of "
                     "denominators) or none");
    expect_one_error(HEAD METRIC "target.t.goal = => 90\ntarget.t.period = 2025\n"
                     "target.t.basis = b\n",
                     "18: 'target.t.goal' = '=> 90': expected '>= NUMBER', '<= NUMBER' or "
                     "'LOW..HIGH' (LOW <= HIGH)");
    expect_one_error(HEAD METRIC "target.t.goal = >= 90\ntarget.t.warn = 95\n"
                     "target.t.period = 2025\ntarget.t.basis = b\n",
                     "19: 'target.t.warn' = '95': must be below the '>=' goal");
    expect_one_error(HEAD METRIC "target.t.goal = >= 90\ntarget.t.period = 2030..2026\n"
                     "target.t.basis = b\n",
                     "19: 'target.t.period' = '2030..2026': expected a year (2025) or years "
                     "(2026..2030) between 2000 and 2100");
    expect_one_error(HEAD METRIC "target.t.goal = >= 90\ntarget.t.period = 2025\n",
                     "18: target 't' of metric 'a.share' has no 'basis'");
    expect_one_error(HEAD METRIC "target.t.goal = >= 90\ntarget.t.period = 2025\n"
                     "target.t.basis = b\ntarget.t.levl = province\n",
                     "21: 'target.t.levl': unknown field 'levl' (goal, warn, level, dims, "
                     "period or basis)");
    expect_one_error(HEAD METRIC "target.t.goal = >= 90\ntarget.t.period = 2025\n"
                     "target.t.basis = b\ntarget.t.level = district\n",
                     "21: 'target.t.level' = 'district': expected province or commune");
    expect_one_error(HEAD METRIC METRIC,
                     "18: section [metric.a.share] already defined at line 12");
    expect_one_error(HEAD METRIC "[metric.a-b]\nlabel_vi = x\nlabel_en = x\n"
                     "description = d\nunit = count\naggregate = sum\n",
                     "18: [metric.a-b]: not a metric name (lowercase segments [a-z][a-z0-9_]* "
                     "joined by '.', at most 64 bytes)");
    expect_one_error(HEAD METRIC "[metrics.x]\n",
                     "18: unknown section [metrics.x] (use [catalog], [unit.NAME] or "
                     "[metric.NAME])");
    expect_one_error(HEAD "[metric.a.share]\nlabel_vi = Tỷ lệ\nlabel_en = Share\n"
                     "unit = percent\naggregate = ratio\n",
                     "12: required key 'description' is missing (one line: what is counted)");
}

/* The metric names a dedicated connector's sources emit: every string
 * literal "<prefix>.x[.y]" of connectors/<dir>/ *.c that is a metric name
 * (the dedicated connectors name their metrics in literals). */
static size_t collect_literals(const char *cdir, const char *prefix, char names[][80],
                               size_t n, size_t cap)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "connectors/%s", cdir);
    DIR *dp = opendir(path);
    assert_non_null(dp);
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len < 3 || strcmp(de->d_name + len - 2, ".c"))
            continue;
        snprintf(path, sizeof path, "connectors/%s/%s", cdir, de->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            for (char *q = strchr(line, '"'); q; q = strchr(q + 1, '"')) {
                size_t plen = strlen(prefix);
                if (strncmp(q + 1, prefix, plen) || q[1 + plen] != '.')
                    continue;
                char *end = strchr(q + 1, '"');
                size_t nlen = end ? (size_t)(end - q - 1) : 0;
                if (!end || nlen >= 80 || !strncmp(end - 2, ".h", 2))
                    break;
                bool ok = true;
                for (char *p = q + 1; p < end; p++)
                    ok &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                          *p == '.';
                if (ok && n < cap) {
                    memcpy(names[n], q + 1, nlen);
                    names[n++][nlen] = '\0';
                }
                q = end;
            }
        }
        fclose(f);
    }
    closedir(dp);
    return n;
}

static void test_shipped_catalogue_covers_shipped_metrics(void **state)
{
    (void)state;
    struct diag d = {0};
    struct catalog *c = catconf_load("conf/catalog.conf", &d);
    for (size_t i = 0; i < d.count; i++)
        print_error("%s\n", d.lines[i]);
    assert_non_null(c);

    /* The built-in units are all there, with the same symbols. */
    const struct catalog *b = catalog_builtin();
    for (size_t i = 0; i < b->unit_count; i++) {
        const struct catalog_unit *u = catalog_unit(c, b->units[i].name);
        if (!u)
            fail_msg("built-in unit '%s' is not in conf/catalog.conf", b->units[i].name);
        assert_string_equal(u->symbol, b->units[i].symbol);
    }

    static char names[256][80];
    size_t n = 0;
    static const char *const dedicated[][2] = {
        {"dvc", "dvc"}, {"ioffice", "ioffice"}, {"pakn", "pakn"}, {"telecom", "telecom"},
        {"example", "example"}, {"example_paged", "example"}};
    for (size_t i = 0; i < sizeof dedicated / sizeof dedicated[0]; i++) {
        size_t before = n;
        n = collect_literals(dedicated[i][0], dedicated[i][1], names, n, 256);
        if (n == before)
            fail_msg("no metric name found in connectors/%s", dedicated[i][0]);
    }
    size_t from_code = n;
    assert_true(from_code >= 34); /* the collector still finds them */

    /* http_json configurations: metric.LABEL.name and .unit. */
    static const char *const confs[] = {"conf/examples", "conf/connectors.d"};
    size_t checked_units = 0;
    for (size_t k = 0; k < 2; k++) {
        DIR *dp = opendir(confs[k]);
        assert_non_null(dp);
        struct dirent *de;
        while ((de = readdir(dp))) {
            size_t len = strlen(de->d_name);
            if (len < 6 || strcmp(de->d_name + len - 5, ".conf"))
                continue;
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", confs[k], de->d_name);
            struct ini_file ini;
            struct diag id = {0};
            assert_int_equal(ini_load(path, &ini, &id), 0);
            for (size_t i = 0; i < ini.count; i++) {
                const char *key = ini.entries[i].key;
                size_t kl = strlen(key);
                if (strncmp(key, "metric.", 7) || kl < 5 || strcmp(key + kl - 5, ".name"))
                    continue;
                const char *name = ini.entries[i].value;
                const struct catalog_metric *m = catalog_metric(c, name);
                if (!m)
                    fail_msg("%s:%d: metric '%s' is not in conf/catalog.conf", path,
                             ini.entries[i].line, name);
                /* The unit configured beside it is the catalogue's. */
                char ukey[256];
                snprintf(ukey, sizeof ukey, "%.*sunit", (int)(kl - 4), key);
                const struct ini_entry *u = ini_find(&ini, "", ukey);
                if (u && strcmp(u->value, m->unit->name))
                    fail_msg("%s:%d: '%s' in unit '%s', the catalogue says '%s'", path, u->line,
                             name, u->value, m->unit->name);
                checked_units += u != NULL;
                if (n < 256)
                    snprintf(names[n++], 80, "%s", name);
            }
            ini_free(&ini);
            diag_free(&id);
        }
        closedir(dp);
    }
    assert_true(n > from_code);
    assert_true(checked_units > 50);
    for (size_t i = 0; i < n; i++)
        if (!catalog_metric(c, names[i]))
            fail_msg("shipped metric '%s' is not in conf/catalog.conf", names[i]);

    /* The targets of ../shared/DOMAIN.md that match a shipped metric. */
    const struct catalog_metric *m = catalog_metric(c, "ioffice.files.online_share");
    assert_int_equal(m->target_count, 2);
    assert_true(m->targets[0].lo == 90 && m->targets[1].lo == 60);
    m = catalog_metric(c, "dvc.satisfaction_ratio");
    assert_true(m->target_count == 1 && m->targets[0].lo == 99 && m->targets[0].year_to == 2030);
    m = catalog_metric(c, "telecom.coverage");
    assert_true(m->target_count == 1 && m->targets[0].lo == 99);
    assert_string_equal(m->targets[0].dims, "technology=5G");
    m = catalog_metric(c, "telecom.ftth_households");
    assert_true(m->target_count == 1 && m->targets[0].lo == 95);
    catalog_free(c);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_read_back),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shipped_catalogue_covers_shipped_metrics),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
