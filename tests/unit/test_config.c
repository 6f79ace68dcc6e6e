/*
 * test_config - unit tests of daemon/config.c: loading iocd.conf plus
 * connectors.d/NAME.conf with the real example plugin.
 *
 * Covers: a valid tree (every parsed value, defaults with line 0, sorted
 * instances, files that are not NAME.conf ignored); every kind of mistake
 * reported as FILE:LINE with the key and, for a misspelling, the closest
 * known key (reserved and plugin keys, plugin names, sections); wrong
 * types; missing required keys and plugin; sections in connector files;
 * keys outside a section; province, timezone and log_level checks; the
 * interval/jitter/timeout/fail_after/max_body limits; two instances with
 * one source; many errors in many files reported in one load;
 * only_instance; secrets read from KEY_file (and %d/ for systemd
 * credentials); and the repository's own conf/iocd.conf.
 *
 * Run from the repository root; $BUILD (default "build") names the build
 * tree where $BUILD/connectors/example.so exists. Each test writes its own
 * tree into a fresh mkdtemp() directory:
 *
 *   TMP/iocd.conf           [iocd] plugin_path, gazetteer, state_dir + body
 *   TMP/connectors.d/NAME.conf
 *
 * and compares diag lines whole ("TMP/FILE:LINE: message") and counts
 * them, so an extra or a missing error fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <limits.h>
#include <unistd.h>

#include <dlfcn.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"
#include "instance.h"

#define GAZ_REL "conf/gazetteer/vn-2025-07.tsv"

/* Absolute paths computed once in group_setup. */
static char plugin_dir[PATH_MAX];
static char gazetteer_file[PATH_MAX];

struct fixture {
    char dir[64];
    char main_path[128];
    struct config cfg;
    struct diag d;
};

/* ---- helpers ---- */

static int group_setup(void **state)
{
    (void)state;
    const char *build = getenv("BUILD");
    char rel[PATH_MAX], so[PATH_MAX + 16];
    snprintf(rel, sizeof rel, "%s/connectors", build && *build ? build : "build");
    if (!realpath(rel, plugin_dir)) {
        print_error("%s not found: run from the repository root after make (BUILD=%s)\n", rel,
                    build ? build : "build");
        return -1;
    }
    snprintf(so, sizeof so, "%s/example.so", plugin_dir);
    if (access(so, R_OK) != 0) {
        print_error("%s not found: make %s first\n", so, so);
        return -1;
    }
    /* Plugins resolve the host API (ioc_*) from the program that loads
     * them: build/iocd exports it with --dynamic-list; a test binary
     * linked without it cannot load any plugin (dlopen: undefined
     * symbol). Say so once instead of letting 20 tests fail obscurely. */
    if (!dlsym(RTLD_DEFAULT, "ioc_http_request"))
        print_error("NOTE: this binary does not export the ioc_* host API, so dlopen() of "
                    "example.so fails ('undefined symbol'): link it with "
                    "-Wl,--dynamic-list=daemon/exports.list as build/iocd is\n");
    if (!realpath(GAZ_REL, gazetteer_file)) {
        print_error("%s not found: run from the repository root\n", GAZ_REL);
        return -1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_config.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->main_path, sizeof f->main_path, "%s/iocd.conf", f->dir);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/connectors.d", f->dir);
    if (mkdir(sub, 0755) != 0) {
        rm_tree(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    config_free(&f->cfg);
    diag_free(&f->d);
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* Write TMP/REL with printf-style content. */
static void write_file(const struct fixture *f, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void write_file(const struct fixture *f, const char *rel, const char *fmt, ...)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    FILE *fp = fopen(path, "w");
    if (!fp)
        print_error("cannot write %s\n", path);
    assert_non_null(fp);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    assert_int_equal(fclose(fp), 0);
}

/* TMP/iocd.conf: four fixed lines, then `body` from line 5 on. */
static void write_main(const struct fixture *f, const char *body)
{
    write_file(f, "iocd.conf",
               "[iocd]\n"
               "plugin_path = %s\n"
               "gazetteer = %s\n"
               "state_dir = %s/state\n"
               "%s",
               plugin_dir, gazetteer_file, f->dir, body);
}

static void write_conn(const struct fixture *f, const char *name, const char *body)
{
    char rel[128];
    snprintf(rel, sizeof rel, "connectors.d/%s.conf", name);
    write_file(f, rel, "%s", body);
}

static void dump_diag(const struct fixture *f)
{
    for (size_t i = 0; i < f->d.count; i++)
        print_error("  diag[%zu] %s\n", i, f->d.lines[i]);
}

/* Load (again): frees what an earlier load of the test left. */
static int load(struct fixture *f, const char *only)
{
    config_free(&f->cfg);
    diag_free(&f->d);
    int rc = config_load(f->main_path, only, &f->cfg, &f->d);
    return instance_check_all(&f->cfg, &f->d) < 0 ? -1 : rc;
}

static void load_ok(struct fixture *f, const char *only)
{
    int rc = load(f, only);
    if (rc != 0 || f->d.count != 0)
        dump_diag(f);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(rc, 0);
}

/* Load that must fail with exactly `count` errors. */
static void load_errors(struct fixture *f, const char *only, size_t count)
{
    int rc = load(f, only);
    if (f->d.count != count) {
        print_error("expected %zu errors, got %zu:\n", count, f->d.count);
        dump_diag(f);
    }
    assert_int_equal(f->d.count, count);
    assert_int_equal(rc, -1);
}

/* Whether one of `lines` is exactly f->dir + "/" + the formatted text;
 * `want` gets that text, for the failure message. */
static bool has_exact(const struct fixture *f, char *const *lines, size_t count, char *want,
                      size_t size, const char *fmt, va_list ap)
{
    char rel[2048];
    vsnprintf(rel, sizeof rel, fmt, ap);
    snprintf(want, size, "%s/%s", f->dir, rel);
    for (size_t i = 0; i < count; i++)
        if (strcmp(lines[i], want) == 0)
            return true;
    return false;
}

/* Some diag line is exactly "TMP/" + rel_line. */
static void expect_line(const struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_line(const struct fixture *f, const char *fmt, ...)
{
    char want[2200];
    va_list ap;
    va_start(ap, fmt);
    bool found = has_exact(f, f->d.lines, f->d.count, want, sizeof want, fmt, ap);
    va_end(ap);
    if (found)
        return;
    print_error("no diag line is:\n  %s\n", want);
    dump_diag(f);
    fail();
}

/* Some diag line starts with "TMP/" + prefix and contains `part`. */
static void expect_prefix_and(const struct fixture *f, const char *prefix, const char *part)
{
    char want[512];
    snprintf(want, sizeof want, "%s/%s", f->dir, prefix);
    for (size_t i = 0; i < f->d.count; i++)
        if (strncmp(f->d.lines[i], want, strlen(want)) == 0 && strstr(f->d.lines[i], part))
            return;
    print_error("no diag line starts with '%s' and contains '%s'\n", want, part);
    dump_diag(f);
    fail();
}

/* How many diag lines contain `needle`. */
static size_t diag_count_of(const struct fixture *f, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < f->d.count; i++)
        if (strstr(f->d.lines[i], needle))
            n++;
    return n;
}

static const char *value_text(const struct instance_config *ic, const char *key)
{
    const struct key_value *v = instance_value(ic, key);
    assert_non_null(v);
    return v->text;
}

static int value_line(const struct instance_config *ic, const char *key)
{
    const struct key_value *v = instance_value(ic, key);
    assert_non_null(v);
    return v->line;
}

#define MINIMAL "plugin = example\nurl = http://127.0.0.1:18080/example\n"

/* ---- a valid tree ---- */

static void test_valid_tree(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n"         /* 5 */
                  "timezone = -03:30\n"     /* 6 */
                  "log_level = debug\n"     /* 7 */
                  "shutdown_timeout = 3s\n" /* 8 */
                  "stats_interval = 0\n"    /* 9 */
                  "\n"
                  "[sink.stdout]\n"
                  "enabled = yes\n");
    write_conn(f, "dvc", "; the public-service portal\n"           /* 1 */
                         "plugin = example\n"                      /* 2 */
                         "enabled = false\n"                       /* 3 */
                         "interval = 2m\n"                         /* 4 */
                         "timeout = 1500ms\n"                      /* 5 */
                         "jitter = 10s\n"                          /* 6 */
                         "backoff_max = 1h\n"                      /* 7 */
                         "fail_after = 5\n"                        /* 8 */
                         "max_body = 64k\n"                        /* 9 */
                         "source = dvc-portal\n"                   /* 10 */
                         "url = https://dvc.example.vn/api;v=2\n"  /* 11 */
                         "token = eyJhbGciOiJIUzI1NiJ9.e30.sig\n"  /* 12 */
                         "on_time_target = 80\n");                 /* 13 */
    write_conn(f, "a-min_1", MINIMAL);
    /* Not instances: hidden, other extensions, a folder-less README. */
    write_file(f, "connectors.d/README", "not = a connector\n");
    write_file(f, "connectors.d/.hidden.conf", "garbage\n");
    write_file(f, "connectors.d/old.conf.bak", "garbage\n");
    load_ok(f, NULL);

    const struct config *c = &f->cfg;
    char want[PATH_MAX];
    assert_string_equal(c->path, f->main_path);
    assert_string_equal(c->dir, f->dir);
    assert_string_equal(c->province, "96");
    assert_int_equal(c->tz_offset_min, -210);
    assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(c->shutdown_timeout_ms, 3000);
    assert_int_equal(c->stats_interval_ms, 0);
    assert_true(config_sink_enabled(config_sink(c, "sink.stdout")));
    snprintf(want, sizeof want, "%s/connectors.d", f->dir);
    assert_string_equal(c->connectors_dir, want);
    snprintf(want, sizeof want, "%s/state", f->dir);
    assert_string_equal(c->state_dir, want);
    assert_string_equal(c->plugin_path, plugin_dir);
    assert_string_equal(c->gazetteer_path, gazetteer_file);
    assert_non_null(c->gazetteer);

    /* Sorted by name: "a-min_1" < "dvc". */
    assert_int_equal(c->instance_count, 2);
    assert_string_equal(c->instances[0].name, "a-min_1");
    assert_string_equal(c->instances[1].name, "dvc");

    const struct instance_config *ic = config_instance(c, "dvc");
    assert_ptr_equal(ic, &c->instances[1]);
    snprintf(want, sizeof want, "%s/connectors.d/dvc.conf", f->dir);
    assert_string_equal(ic->path, want);
    assert_non_null(ic->plugin);
    assert_string_equal(ic->plugin->name, "example");
    assert_string_equal(ic->plugin->desc->name, "example");
    assert_false(ic->enabled);
    assert_int_equal(ic->interval_ms, 120000);
    assert_int_equal(ic->timeout_ms, 1500);
    assert_int_equal(ic->jitter_ms, 10000);
    assert_int_equal(ic->backoff_max_ms, 3600000);
    assert_int_equal(ic->fail_after, 5);
    assert_int_equal(ic->max_body, 65536);
    assert_string_equal(ic->source, "dvc-portal");
    /* 11 reserved keys first (http_listen the last), then the plugin's 3. */
    assert_int_equal(ic->value_count, 14);
    assert_string_equal(ic->values[0].key->name, "plugin");
    assert_string_equal(ic->values[8].key->name, "source");
    assert_string_equal(ic->values[9].key->name, "allow_origins");
    assert_string_equal(ic->values[10].key->name, "http_listen");
    assert_string_equal(ic->values[11].key->name, "url");
    assert_string_equal(ic->values[13].key->name, "on_time_target");
    assert_string_equal(value_text(ic, "plugin"), "example");
    assert_int_equal(value_line(ic, "plugin"), 2);
    assert_string_equal(value_text(ic, "interval"), "2m");
    assert_int_equal(value_line(ic, "interval"), 4);
    assert_string_equal(value_text(ic, "url"), "https://dvc.example.vn/api;v=2");
    assert_int_equal(value_line(ic, "url"), 11);
    assert_int_equal(instance_value(ic, "url")->key->type, IOC_CFG_URL);
    assert_string_equal(value_text(ic, "token"), "eyJhbGciOiJIUzI1NiJ9.e30.sig");
    assert_int_equal(value_line(ic, "token"), 12);
    assert_string_equal(value_text(ic, "on_time_target"), "80");
    assert_int_equal(value_line(ic, "on_time_target"), 13);
    assert_null(instance_value(ic, "nosuch"));

    /* The minimal instance: every default, with line 0. */
    ic = config_instance(c, "a-min_1");
    assert_non_null(ic);
    assert_true(ic->enabled);
    assert_int_equal(ic->interval_ms, 60000);
    assert_int_equal(ic->timeout_ms, 30000);
    assert_int_equal(ic->jitter_ms, 0);
    assert_int_equal(ic->backoff_max_ms, 600000);
    assert_int_equal(ic->fail_after, 3);
    assert_int_equal(ic->max_body, 16777216);
    assert_string_equal(ic->source, "a-min_1"); /* defaults to the instance name */
    assert_string_equal(value_text(ic, "url"), "http://127.0.0.1:18080/example");
    assert_int_equal(value_line(ic, "url"), 2);
    assert_string_equal(value_text(ic, "on_time_target"), "95");
    assert_int_equal(value_line(ic, "on_time_target"), 0);
    assert_string_equal(value_text(ic, "interval"), "60s");
    assert_int_equal(value_line(ic, "interval"), 0);
    assert_string_equal(value_text(ic, "max_body"), "16MiB");
    assert_null(value_text(ic, "token")); /* unset, no default */
    assert_int_equal(value_line(ic, "token"), 0);
    assert_null(value_text(ic, "source"));
    assert_null(config_instance(c, "README"));
    assert_null(config_instance(c, "old"));
    assert_null(config_instance(c, "nosuch"));
}

static void test_main_defaults(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    load_ok(f, NULL);
    const struct config *c = &f->cfg;
    assert_int_equal(c->tz_offset_min, 420);
    assert_int_equal(c->log_level, LOG_LEVEL_INFO);
    assert_int_equal(c->shutdown_timeout_ms, 10000);
    assert_int_equal(c->stats_interval_ms, 300000);
    assert_false(config_sink_enabled(config_sink(c, "sink.stdout")));
    assert_int_equal(c->instance_count, 0); /* an empty connectors.d is fine */
}

static void test_relative_paths_from_config_dir(void **state)
{
    struct fixture *f = *state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/gaz", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/gaz/g.tsv", f->dir);
    assert_int_equal(symlink(gazetteer_file, path), 0);
    snprintf(path, sizeof path, "%s/plugins", f->dir);
    assert_int_equal(symlink(plugin_dir, path), 0);
    snprintf(path, sizeof path, "%s/conns", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    write_file(f, "iocd.conf", "[iocd]\nprovince = 96\nplugin_path = plugins\n"
                               "gazetteer = gaz/g.tsv\nconnectors_dir = conns\n"
                               "state_dir = st\n");
    write_file(f, "conns/x.conf", MINIMAL);
    load_ok(f, NULL);
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s/plugins", f->dir);
    assert_string_equal(f->cfg.plugin_path, want);
    snprintf(want, sizeof want, "%s/gaz/g.tsv", f->dir);
    assert_string_equal(f->cfg.gazetteer_path, want);
    snprintf(want, sizeof want, "%s/conns", f->dir);
    assert_string_equal(f->cfg.connectors_dir, want);
    snprintf(want, sizeof want, "%s/st", f->dir);
    assert_string_equal(f->cfg.state_dir, want);
    assert_int_equal(f->cfg.instance_count, 1);
    assert_string_equal(f->cfg.instances[0].name, "x");
}

/* ---- misspellings ---- */

static void test_misspelt_reserved_key(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\n"
                        "url = http://h/\n"
                        "intervall = 10s\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:3: unknown key 'intervall' (did you mean 'interval'?)");
    assert_true(diag_contains(&f->d, "connectors.d/ex.conf:3:"));
    assert_true(diag_contains(&f->d, "unknown key 'intervall'"));
    assert_true(diag_contains(&f->d, "did you mean 'interval'?"));
}

static void test_misspelt_plugin_key(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\n"
                        "urll = http://h/\n"
                        "tokn = abc\n"
                        "timout = 5s\n"
                        "frobnicate = 1\n");
    /* The misspelt url also leaves the required url missing. */
    load_errors(f, NULL, 5);
    expect_line(f, "connectors.d/ex.conf:2: unknown key 'urll' (did you mean 'url'?)");
    expect_line(f, "connectors.d/ex.conf:3: unknown key 'tokn' (did you mean 'token'?)");
    expect_line(f, "connectors.d/ex.conf:4: unknown key 'timout' (did you mean 'timeout'?)");
    expect_line(f, "connectors.d/ex.conf:5: unknown key 'frobnicate' (known keys: see iocd "
                   "--describe)");
    expect_line(f, "connectors.d/ex.conf: required key 'url' is missing (the JSON document to "
                   "fetch)");
}

static void test_misspelt_main_key(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n"
                  "log_levl = debug\n"
                  "[sink.stdout]\n"
                  "enabeld = true\n");
    load_errors(f, NULL, 2);
    expect_line(f, "iocd.conf:6: unknown key 'log_levl' (did you mean 'log_level'?)");
    expect_line(f, "iocd.conf:8: unknown key 'enabeld' (did you mean 'enabled'?)");
}

/* ---- wrong types ---- */

static void test_wrong_types(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n"
                  "shutdown_timeout = later\n" /* 6 */
                  "[sink.stdout]\n"
                  "enabled = sometimes\n");    /* 8 */
    write_conn(f, "ex", "plugin = example\n"            /* 1 */
                        "url = http://h/\n"             /* 2 */
                        "interval = soon\n"             /* 3 */
                        "on_time_target = many\n"       /* 4 */
                        "enabled = maybe\n"             /* 5 */
                        "max_body = huge\n"             /* 6 */
                        "fail_after = 2.5\n"            /* 7 */
                        "backoff_max = 10 parsecs\n");  /* 8 */
    load_errors(f, NULL, 8);
    expect_line(f, "iocd.conf:6: 'shutdown_timeout' = 'later': not a duration (examples: 250ms, "
                   "30s, 5m, 2h; a bare number is seconds)");
    expect_line(f, "iocd.conf:8: 'enabled' = 'sometimes': not a boolean (use true/false, yes/no, "
                   "on/off or 1/0)");
    expect_line(f, "connectors.d/ex.conf:3: 'interval' = 'soon': not a duration (examples: 250ms, "
                   "30s, 5m, 2h; a bare number is seconds)");
    expect_line(f, "connectors.d/ex.conf:4: 'on_time_target' = 'many': not an integer");
    expect_line(f, "connectors.d/ex.conf:5: 'enabled' = 'maybe': not a boolean (use true/false, "
                   "yes/no, on/off or 1/0)");
    expect_line(f, "connectors.d/ex.conf:6: 'max_body' = 'huge': not a size (examples: 4096, 64k, "
                   "10MiB, 1G)");
    expect_line(f, "connectors.d/ex.conf:7: 'fail_after' = '2.5': not an integer");
    expect_line(f, "connectors.d/ex.conf:8: 'backoff_max' = '10 parsecs': not a duration "
                   "(examples: 250ms, 30s, 5m, 2h; a bare number is seconds)");
}

static void test_wrong_url(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\n"
                        "url = ftp://x\n");
    /* One mistake, one error: the url is there, it is just not valid. */
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:2: 'url' = 'ftp://x': not an http:// or https:// URL");
    assert_false(diag_contains(&f->d, "'url' is missing"));
}

/* ---- missing keys, plugins ---- */

static void test_missing_required_url(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\ninterval = 10s\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf: required key 'url' is missing (the JSON document to "
                   "fetch)");
}

static void test_missing_plugin(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "interval = 10s\n"
                        "url = http://h/\n");
    /* One error that names the file. Without a plugin the plugin's own
     * keys (url) cannot be judged, so they are not "unknown". */
    int rc = load(f, NULL);
    assert_int_equal(rc, -1);
    expect_line(f, "connectors.d/ex.conf: required key 'plugin' is missing (see iocd "
                   "--list-connectors)");
    if (f->d.count != 1)
        dump_diag(f);
    assert_int_equal(diag_count_of(f, "'plugin' is missing"), 1);
    assert_int_equal(diag_count_of(f, "unknown key"), 0);
    assert_int_equal(f->d.count, 1);
}

static void test_unknown_plugin(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "url = http://h/\n"
                        "plugin = exampel\n");
    write_conn(f, "ey", "plugin = Example\n"
                        "url = http://h/\n");
    write_conn(f, "ez", "plugin = kafka\n");
    load_errors(f, NULL, 3);
    expect_line(f, "connectors.d/ex.conf:2: plugin 'exampel' not found: no %s/exampel.so (did you "
                   "mean 'example'?)",
                plugin_dir);
    expect_line(f, "connectors.d/ey.conf:1: plugin name 'Example' is not valid ([a-z0-9_-])");
    expect_line(f, "connectors.d/ez.conf:1: plugin 'kafka' not found: no %s/kafka.so", plugin_dir);
    assert_true(diag_contains(&f->d, "did you mean 'example'?"));
}

static void test_section_in_connector_file(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL
                        "[extra]\n"
                        "interval = 10s\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:3: connector files have no [sections]: put every key at "
                   "the top level");
}

static void test_bad_instance_file_name(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "Bad Name", MINIMAL);
    write_conn(f, "good", MINIMAL);
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/Bad Name.conf: instance name 'Bad Name' must be [a-z0-9_-], at "
                   "most 64 bytes, starting with a letter or digit");
    assert_int_equal(f->cfg.instance_count, 1);
    assert_string_equal(f->cfg.instances[0].name, "good");
}

static void test_connector_ini_syntax_error(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL
                        "Interval = 10s\n"
                        "timeout = 5s\n"
                        "timeout = 6s\n");
    load_errors(f, NULL, 2);
    expect_line(f, "connectors.d/ex.conf:3: key name has an upper-case letter at column 1: use "
                   "lowercase letters, digits, '_' or '.'");
    expect_line(f, "connectors.d/ex.conf:5: key 'timeout' already set at line 4");
    assert_int_equal(f->cfg.instances[0].timeout_ms, 5000);
}

/* ---- iocd.conf ---- */

static void test_unknown_section(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n"
                  "[sink.stdut]\n" /* 6 */
                  "enabled = true\n"
                  "[kafka]\n");    /* 8 */
    load_errors(f, NULL, 2);
    expect_line(f, "iocd.conf:6: unknown section [sink.stdut] (did you mean [sink.stdout]?)");
    expect_line(f, "iocd.conf:8: unknown section [kafka]");
}

static void test_key_outside_section(void **state)
{
    struct fixture *f = *state;
    write_file(f, "iocd.conf",
               "log_level = debug\n"
               "[iocd]\n"
               "province = 96\n"
               "plugin_path = %s\n"
               "gazetteer = %s\n",
               plugin_dir, gazetteer_file);
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:1: key 'log_level' outside any section (start the file with [iocd])");
}

static void test_missing_province(void **state)
{
    struct fixture *f = *state;
    write_main(f, "timezone = +07:00\n");
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:1: required key 'province' is missing (2-digit code of the province "
                   "served, e.g. 96)");
    assert_null(f->cfg.province);
}

static void test_missing_main_file(void **state)
{
    struct fixture *f = *state;
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf: cannot open: No such file or directory");
    assert_int_equal(f->cfg.instance_count, 0);
}

static void test_province_not_two_digits(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 9\n");
    int rc = load(f, NULL);
    assert_int_equal(rc, -1);
    expect_prefix_and(f, "iocd.conf:", "'province' = '9': not a 2-digit province code");
    write_main(f, "province = 96a\n");
    assert_int_equal(load(f, NULL), -1);
    expect_prefix_and(f, "iocd.conf:", "'province' = '96a': not a 2-digit province code");
}

static void test_province_not_in_gazetteer(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 99\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:", "province '99' is not a province of gazetteer vn-2025-07");
    /* 95 (Bac Lieu) was merged into Ca Mau in July 2025: not current. */
    write_main(f, "province = 95\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:", "province '95' is not a province of gazetteer vn-2025-07");
    write_main(f, "province = 01\n");
    load_ok(f, NULL);
    assert_string_equal(f->cfg.province, "01");
}

static void test_timezone(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\ntimezone = +7\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:", "'timezone' = '+7': not an offset like +07:00");
    write_main(f, "province = 96\ntimezone = Asia/Ho_Chi_Minh\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:",
                      "'timezone' = 'Asia/Ho_Chi_Minh': not an offset like +07:00");
    write_main(f, "province = 96\ntimezone = Z\n");
    load_ok(f, NULL);
    assert_int_equal(f->cfg.tz_offset_min, 0);
}

static void test_log_level(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\nlog_level = loud\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:", "'log_level' = 'loud': use error, warning, info or debug");
    write_main(f, "province = 96\nlog_level = warning\n");
    load_ok(f, NULL);
    assert_int_equal(f->cfg.log_level, LOG_LEVEL_WARNING);
}

/* A wrong value of [iocd] is reported on its own line, like every other
 * configuration error, not on the line of the [iocd] header. */
static void test_main_value_errors_name_their_line(void **state)
{
    struct fixture *f = *state;
    write_main(f, "\n"
                  "province = 97\n"     /* 6: 2 digits, not in the gazetteer */
                  "timezone = +7\n"     /* 7 */
                  "log_level = loud\n"); /* 8 */
    assert_int_equal(load(f, NULL), -1);
    expect_line(f, "iocd.conf:7: 'timezone' = '+7': not an offset like +07:00");
    expect_line(f, "iocd.conf:8: 'log_level' = 'loud': use error, warning, info or debug");
    expect_prefix_and(f, "iocd.conf:6: ", "province '97' is not a province of gazetteer");
    write_main(f, "\n"
                  "province = 9\n"); /* 6 */
    assert_int_equal(load(f, NULL), -1);
    expect_line(f, "iocd.conf:6: 'province' = '9': not a 2-digit province code");
}

/* One mistake, one error: a malformed province code is not also reported
 * as "not a province of the gazetteer". */
static void test_malformed_province_reported_once(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 9\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "iocd.conf:", "'province' = '9': not a 2-digit province code");
}

/* ---- limits of the reserved keys ---- */

static void test_interval_below_1s(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL "interval = 500ms\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:3: 'interval' = '500ms': must be at least 1s");
    write_conn(f, "ex", MINIMAL "interval = 1s\n");
    load_ok(f, NULL);
    assert_int_equal(f->cfg.instances[0].interval_ms, 1000);
}

static void test_jitter_over_half_interval(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL "interval = 10s\njitter = 6s\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:4: 'jitter' must be at most half the interval");
    /* Against the default interval of 60s. */
    write_conn(f, "ex", MINIMAL "jitter = 31s\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:3: 'jitter' must be at most half the interval");
    /* Exactly half is allowed. */
    write_conn(f, "ex", MINIMAL "interval = 10s\njitter = 5s\n");
    load_ok(f, NULL);
    assert_int_equal(f->cfg.instances[0].jitter_ms, 5000);
}

static void test_other_limits(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL
                        "timeout = 50ms\n"  /* 3 */
                        "fail_after = 0\n"  /* 4 */
                        "max_body = 512\n"); /* 5 */
    load_errors(f, NULL, 3);
    expect_line(f, "connectors.d/ex.conf:3: 'timeout' = '50ms': must be at least 100ms");
    expect_line(f, "connectors.d/ex.conf:4: 'fail_after' = '0': must be at least 1");
    expect_line(f, "connectors.d/ex.conf:5: 'max_body' = '512': must be at least 1k");
    write_conn(f, "ex", MINIMAL "timeout = 100ms\nfail_after = 1\nmax_body = 1k\n");
    load_ok(f, NULL);
    assert_int_equal(f->cfg.instances[0].timeout_ms, 100);
    assert_int_equal(f->cfg.instances[0].fail_after, 1);
    assert_int_equal(f->cfg.instances[0].max_body, 1024);
}

static void test_same_source_twice(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "a", MINIMAL "source = dvc\n");
    write_conn(f, "b", MINIMAL "source = dvc\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/b.conf:3: source 'dvc' is already used by %s/connectors.d/a.conf",
                f->dir);
    /* An explicit source equal to another instance's name clashes too. */
    write_conn(f, "a", MINIMAL "source = b\n");
    write_conn(f, "b", MINIMAL);
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/b.conf: source 'b' is already used by %s/connectors.d/a.conf",
                f->dir);
    /* Distinct sources are fine. */
    write_conn(f, "a", MINIMAL "source = dvc\n");
    write_conn(f, "b", MINIMAL "source = telecom\n");
    load_ok(f, NULL);
    assert_string_equal(config_instance(&f->cfg, "a")->source, "dvc");
    assert_string_equal(config_instance(&f->cfg, "b")->source, "telecom");
}

/* ---- everything reported at once ---- */

static void test_all_errors_in_all_files(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n"
                  "timezone = +7\n"  /* 6 */
                  "log_level = loud\n"
                  "[sink.stdut]\n"); /* 8 */
    write_conn(f, "a", MINIMAL
                       "intervall = 10s\n"  /* 3 */
                       "enabled = maybe\n"); /* 4 */
    write_conn(f, "b", "plugin = exampel\n");
    write_conn(f, "c", MINIMAL
                       "interval = 10s\n"   /* 3 */
                       "jitter = 6s\n"      /* 4 */
                       "[x]\n");            /* 5 */
    write_conn(f, "d", MINIMAL);            /* fine */
    load_errors(f, NULL, 8);
    expect_prefix_and(f, "iocd.conf:", "'timezone' = '+7'");
    expect_prefix_and(f, "iocd.conf:", "'log_level' = 'loud'");
    expect_line(f, "iocd.conf:8: unknown section [sink.stdut] (did you mean [sink.stdout]?)");
    expect_line(f, "connectors.d/a.conf:3: unknown key 'intervall' (did you mean 'interval'?)");
    expect_prefix_and(f, "connectors.d/a.conf:4: ", "'enabled' = 'maybe'");
    expect_prefix_and(f, "connectors.d/b.conf:1: ", "did you mean 'example'?");
    expect_line(f, "connectors.d/c.conf:4: 'jitter' must be at most half the interval");
    expect_prefix_and(f, "connectors.d/c.conf:5: ", "connector files have no [sections]");
    assert_int_equal(f->cfg.instance_count, 4);
}

/* ---- only_instance ---- */

static void test_only_instance(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "a", MINIMAL);
    write_conn(f, "b", MINIMAL "intervall = 10s\n");
    /* The broken b.conf is not read when only a is asked for. */
    load_ok(f, "a");
    assert_int_equal(f->cfg.instance_count, 1);
    assert_string_equal(f->cfg.instances[0].name, "a");
    assert_null(config_instance(&f->cfg, "b"));

    load_errors(f, "b", 1);
    expect_line(f, "connectors.d/b.conf:3: unknown key 'intervall' (did you mean 'interval'?)");

    load_errors(f, "nope", 1);
    expect_line(f, "connectors.d/nope.conf: no such connector instance 'nope': No such file or "
                   "directory");
    assert_int_equal(f->cfg.instance_count, 0);

    load_errors(f, "../iocd", 1);
    expect_line(f, "connectors.d/../iocd.conf: instance name '../iocd' must be [a-z0-9_-], at "
                   "most 64 bytes, starting with a letter or digit");
    assert_int_equal(f->cfg.instance_count, 0);
}

/* ---- secrets from files ---- */

static void test_secret_from_file(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_file(f, "token.txt", "eyJhbGciOiJIUzI1NiJ9.e30.sig\n");
    write_file(f, "connectors.d/abs.conf", "plugin = example\nurl = http://h/\ntoken_file = %s/token.txt\n",
               f->dir);
    /* A relative path is relative to iocd.conf's folder. CRLF is cut. */
    write_file(f, "crlf.txt", "abc; def\r\n\n");
    write_conn(f, "rel", "plugin = example\n"
                         "url = http://h/\n"
                         "source = rel-src\n"
                         "token_file = crlf.txt\n");
    /* A 600-byte token without a newline stays whole. */
    char big[601];
    for (size_t i = 0; i < 600; i++)
        big[i] = (char)('a' + i % 26);
    big[600] = '\0';
    write_file(f, "big.txt", "%s", big);
    write_conn(f, "big", "plugin = example\nurl = http://h/\ntoken_file = big.txt\n");
    load_ok(f, NULL);

    const struct instance_config *ic = config_instance(&f->cfg, "abs");
    assert_non_null(ic);
    assert_string_equal(value_text(ic, "token"), "eyJhbGciOiJIUzI1NiJ9.e30.sig");
    assert_int_equal(value_line(ic, "token"), 3);
    ic = config_instance(&f->cfg, "rel");
    assert_string_equal(value_text(ic, "token"), "abc; def");
    assert_int_equal(value_line(ic, "token"), 4);
    ic = config_instance(&f->cfg, "big");
    assert_int_equal(strlen(value_text(ic, "token")), 600);
    assert_string_equal(value_text(ic, "token"), big);
}

static void test_secret_from_credentials_directory(void **state)
{
    struct fixture *f = *state;
    char creds[PATH_MAX];
    snprintf(creds, sizeof creds, "%s/creds", f->dir);
    assert_int_equal(mkdir(creds, 0700), 0);
    write_file(f, "creds/example-token", "from-systemd\n");
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\nurl = http://h/\ntoken_file = %d/example-token\n");
    const char *old = getenv("CREDENTIALS_DIRECTORY");
    char *saved = old ? strdup(old) : NULL;
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    int rc = load(f, NULL);
    if (saved) {
        setenv("CREDENTIALS_DIRECTORY", saved, 1);
        free(saved);
    } else {
        unsetenv("CREDENTIALS_DIRECTORY");
    }
    if (rc != 0)
        dump_diag(f);
    assert_int_equal(rc, 0);
    assert_string_equal(value_text(config_instance(&f->cfg, "ex"), "token"), "from-systemd");
}

static void test_secret_file_errors(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_file(f, "token.txt", "t\n");
    write_conn(f, "a", "plugin = example\nurl = http://h/\ntoken_file = missing.txt\n");
    write_conn(f, "b", "plugin = example\nurl = http://h/\ntoken = x\ntoken_file = token.txt\n");
    /* url is not a secret: it cannot come from a file. */
    write_conn(f, "c", "plugin = example\nurl = http://h/\nurl_file = token.txt\n");
    write_conn(f, "d", "plugin = example\nurl = http://h/\npassword_file = token.txt\n");
    load_errors(f, NULL, 4);
    expect_line(f, "connectors.d/a.conf:3: cannot read secret file %s/missing.txt: No such file or "
                   "directory",
                f->dir);
    expect_line(f, "connectors.d/b.conf:4: 'token' already given at line 3");
    expect_line(f, "connectors.d/c.conf:3: 'url' is not a secret: only secret keys can be read "
                   "from a file");
    expect_line(f, "connectors.d/d.conf:3: unknown key 'password_file' (known keys: see iocd "
                   "--describe)");
    /* The secret's value never appears in a message. */
    assert_false(diag_contains(&f->d, "= 'x'"));
}

/* ---- secrets: files, modes, warnings (issue 11, items 5 and 6) ---- */

/* Some warning is exactly "TMP/" + rel_line. */
static void expect_warning(const struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_warning(const struct fixture *f, const char *fmt, ...)
{
    char want[2200];
    va_list ap;
    va_start(ap, fmt);
    bool found = has_exact(f, f->d.warnings, f->d.warning_count, want, sizeof want, fmt, ap);
    va_end(ap);
    if (found)
        return;
    print_error("no warning is:\n  %s\nwarnings:\n", want);
    for (size_t i = 0; i < f->d.warning_count; i++)
        print_error("  %s\n", f->d.warnings[i]);
    fail();
}

static void chmod_rel(const struct fixture *f, const char *rel, mode_t mode)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    assert_int_equal(chmod(path, mode), 0);
}

/* Every warning and error line, searched for a secret's value. */
static void assert_nowhere(const struct fixture *f, const char *secret)
{
    for (size_t i = 0; i < f->d.count; i++)
        assert_null(strstr(f->d.lines[i], secret));
    for (size_t i = 0; i < f->d.warning_count; i++)
        assert_null(strstr(f->d.warnings[i], secret));
}

static void test_inline_secret_in_readable_file_warns(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", MINIMAL "token = Inline-Tok-4711\n");
    chmod_rel(f, "connectors.d/ex.conf", 0644);
    load_ok(f, NULL);
    expect_warning(f, "connectors.d/ex.conf:3: warning: 'token' is a secret written inline in a "
                      "file whose mode 0644 lets every user read it: move it to 'token_file = "
                      "PATH' (mode 600) or make this file mode 600");
    assert_int_equal(f->d.warning_count, 1);
    chmod_rel(f, "connectors.d/ex.conf", 0640);
    load_ok(f, NULL);
    expect_warning(f, "connectors.d/ex.conf:3: warning: 'token' is a secret written inline in a "
                      "file whose mode 0640 lets its group read it: move it to 'token_file = "
                      "PATH' (mode 600) or make this file mode 600");
    chmod_rel(f, "connectors.d/ex.conf", 0600);
    load_ok(f, NULL);
    assert_int_equal(f->d.warning_count, 0);
    assert_nowhere(f, "Inline-Tok-4711");
}

static void test_secret_file_mode_warns(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_file(f, "tok.txt", "File-Tok-0815\n");
    write_conn(f, "ex", MINIMAL "token_file = tok.txt\n");
    chmod_rel(f, "connectors.d/ex.conf", 0644); /* no inline secret: no warning for it */
    static const mode_t exposed[] = {0604, 0640, 0620, 0602, 0666};
    for (size_t i = 0; i < sizeof exposed / sizeof exposed[0]; i++) {
        chmod_rel(f, "tok.txt", exposed[i]);
        load_ok(f, NULL);
        assert_int_equal(f->d.warning_count, 1);
        char want[64];
        snprintf(want, sizeof want, "mode %04o lets", (unsigned)exposed[i]);
        assert_true(diag_warned(&f->d, want));
        assert_true(diag_warned(&f->d, "connectors.d/ex.conf:3: warning: secret file "));
    }
    /* Execute bits alone expose nothing; 0600 and 0400 are the usual. */
    static const mode_t private[] = {0600, 0400, 0611};
    for (size_t i = 0; i < sizeof private / sizeof private[0]; i++) {
        chmod_rel(f, "tok.txt", private[i]);
        load_ok(f, NULL);
        assert_int_equal(f->d.warning_count, 0);
    }
    assert_string_equal(value_text(config_instance(&f->cfg, "ex"), "token"), "File-Tok-0815");
    assert_nowhere(f, "File-Tok-0815");
}

static void test_url_credentials_refused(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_conn(f, "ex", "plugin = example\nurl = https://feeduser:Url-Pass-9931@h.example/feed\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:2: 'url' = 'https://***@h.example/feed': credentials in "
                   "a URL (user:pass@) are refused: they would be shown wherever the URL is; "
                   "give them as secret keys instead (e.g. auth = basic, username, "
                   "password_file)");
    assert_nowhere(f, "Url-Pass-9931");
    assert_nowhere(f, "feeduser");
    /* A user name alone is refused the same way. */
    write_conn(f, "ex", "plugin = example\nurl = http://feeduser@h.example/feed\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "connectors.d/ex.conf:2: 'url' = 'http://***@h.example/feed'",
                      "credentials in a URL");
}

static void test_kafka_secret_properties(void **state)
{
    struct fixture *f = *state;
    write_file(f, "sasl.txt", "Kafka-Sasl-7741\n");
    chmod_rel(f, "sasl.txt", 0600);
    write_main(f, "province = 96\n"
                  "[sink.kafka]\n"                                        /* 6 */
                  "kafka.security.protocol = sasl_ssl\n"                  /* 7 */
                  "kafka.sasl.mechanism = PLAIN\n"                        /* 8 */
                  "kafka.sasl.username = iocd\n"                          /* 9 */
                  "kafka.sasl.password_file = sasl.txt\n"                 /* 10 */
                  "kafka.ssl.key.password = Kafka-Inline-1234\n"          /* 11 */
                  "kafka.enable.ssl.certificate.verification = false\n"   /* 12 */
                  "kafka.ssl.endpoint.identification.algorithm = none\n"); /* 13 */
    chmod_rel(f, "iocd.conf", 0640);
    load_ok(f, NULL);
    const struct config_section *k = config_sink(&f->cfg, "sink.kafka");
    assert_non_null(k);
    size_t found = 0;
    for (size_t i = 0; i < k->extra_count; i++)
        if (strcmp(k->extra_keys[i], "sasl.password") == 0) {
            assert_string_equal(k->extra[i].text, "Kafka-Sasl-7741");
            assert_true(k->extra[i].from_file);
            assert_int_equal(k->extra[i].line, 10);
            found++;
        }
    assert_int_equal(found, 1);
    expect_warning(f, "iocd.conf:11: warning: 'kafka.ssl.key.password' is a secret written inline "
                      "in a file whose mode 0640 lets its group read it: move it to "
                      "'kafka.ssl.key.password_file = PATH' (mode 600) or make this file mode 600");
    expect_warning(f, "iocd.conf:12: warning: 'kafka.enable.ssl.certificate.verification' = "
                      "'false': the broker's certificate is not verified: anyone on the path can "
                      "pose as it");
    expect_warning(f, "iocd.conf:13: warning: 'kafka.ssl.endpoint.identification.algorithm' = "
                      "'none': the broker's host name is not checked against its certificate");
    assert_int_equal(f->d.warning_count, 3);
    assert_nowhere(f, "Kafka-Sasl-7741");
    assert_nowhere(f, "Kafka-Inline-1234");

    /* PLAIN over plaintext; a property given twice (inline and _file). */
    write_main(f, "province = 96\n"
                  "[sink.kafka]\n"
                  "kafka.sasl.mechanism = PLAIN\n"
                  "kafka.security.protocol = sasl_plaintext\n"
                  "kafka.sasl.password_file = sasl.txt\n"
                  "kafka.sasl.password = Kafka-Inline-1234\n");
    chmod_rel(f, "iocd.conf", 0600);
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:10: 'kafka.sasl.password' already given at line 9");
    expect_warning(f, "iocd.conf:8: warning: 'kafka.security.protocol' = 'sasl_plaintext': SASL "
                      "PLAIN over plaintext sends the password in the clear");
    assert_nowhere(f, "Kafka-Sasl-7741");
    assert_nowhere(f, "Kafka-Inline-1234");
}

static void test_mqtt_credentials_without_tls_warn(void **state)
{
    struct fixture *f = *state;
    write_file(f, "mqtt.txt", "Mqtt-Pass-5150\n");
    chmod_rel(f, "mqtt.txt", 0600);
    write_main(f, "province = 96\n[sink.mqtt]\nusername = iocd\npassword_file = mqtt.txt\n");
    load_ok(f, NULL);
    expect_warning(f, "iocd.conf:8: warning: 'password' without tls = true: the broker's "
                      "credentials cross the network in the clear");
    assert_int_equal(f->d.warning_count, 1);
    assert_string_equal(section_text(config_sink(&f->cfg, "sink.mqtt"), "password"),
                        "Mqtt-Pass-5150");
    /* A user name alone is sent in the clear too. */
    write_main(f, "province = 96\n[sink.mqtt]\nusername = iocd\n");
    load_ok(f, NULL);
    expect_warning(f, "iocd.conf:7: warning: 'username' without tls = true: the broker's "
                      "credentials cross the network in the clear");
    assert_nowhere(f, "Mqtt-Pass-5150");
}

#define HJ_BASE "plugin = http_json\nurl = http://127.0.0.1:9/feed\nrecords = items[]\n" \
                "area = maXa\nmetric.n.name = test.count\nmetric.n.value = n\n"        \
                "metric.n.unit = count\n"

static void test_family_member_from_file(void **state)
{
    struct fixture *f = *state;
    write_main(f, "province = 96\n");
    write_file(f, "hdr.txt", "X-Api-Key: Hdr-File-2718\n");
    write_file(f, "qry.txt", "api_key=Qry-File-3141\n");
    chmod_rel(f, "hdr.txt", 0600);
    chmod_rel(f, "qry.txt", 0400);
    write_conn(f, "hj", HJ_BASE
               "header.api_file = hdr.txt\n"               /* 8 */
               "query.key_file = qry.txt\n"                /* 9 */
               "header.accept = Accept: application/json\n" /* 10: no secret */
               "header.token = X-Token: Hdr-Inline-1618\n"  /* 11 */
               "query.unit = maDonVi=000.00.01\n");         /* 12: no secret */
    chmod_rel(f, "connectors.d/hj.conf", 0644);
    load_ok(f, NULL);
    const struct instance_config *ic = config_instance(&f->cfg, "hj");
    assert_non_null(ic);
    assert_string_equal(value_text(ic, "header.api"), "X-Api-Key: Hdr-File-2718");
    assert_int_equal(value_line(ic, "header.api"), 8);
    assert_string_equal(value_text(ic, "query.key"), "api_key=Qry-File-3141");
    assert_null(instance_value(ic, "header.api_file"));
    expect_warning(f, "connectors.d/hj.conf:11: warning: 'header.token' is a secret written inline "
                      "in a file whose mode 0644 lets every user read it: move it to "
                      "'header.token_file = PATH' (mode 600) or make this file mode 600");
    assert_int_equal(f->d.warning_count, 1);
    assert_nowhere(f, "Hdr-File-2718");
    assert_nowhere(f, "Qry-File-3141");
    assert_nowhere(f, "Hdr-Inline-1618");

    /* The same member inline and from a file; a file whose content is not
     * of the family's form is judged like an inline value. */
    write_file(f, "bad.txt", "no colon here\n");
    chmod_rel(f, "bad.txt", 0600);
    write_conn(f, "hj", HJ_BASE "header.api_file = hdr.txt\nheader.api = X-Api-Key: x\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/hj.conf:9: 'header.api' already given at line 8");
    write_conn(f, "hj", HJ_BASE "header.bad_file = bad.txt\n");
    load_errors(f, NULL, 1);
    expect_prefix_and(f, "connectors.d/hj.conf:8: ", "write `Name: value`");
    assert_nowhere(f, "Hdr-File-2718");
}

static void copy_file(const char *from, const char *to);

/* A copy of the build's example.so in a new folder TMP/`sub`: sets `dir`
 * (PATH_MAX) to the folder and `so` (PATH_MAX + 16) to the copy. */
static void copy_example(const struct fixture *f, const char *sub, char *dir, char *so)
{
    char from[PATH_MAX + 16];
    snprintf(dir, PATH_MAX, "%s/%s", f->dir, sub);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(from, sizeof from, "%s/example.so", plugin_dir);
    snprintf(so, PATH_MAX + 16, "%s/example.so", dir);
    copy_file(from, so);
}

/* TMP/iocd.conf with the plugin lines `fmt` formats from line 3 on:
 * "[iocd]", "province = 96", those lines, the gazetteer, state_dir. */
static void write_plugin_lines(const struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void write_plugin_lines(const struct fixture *f, const char *fmt, ...)
{
    char lines[PATH_MAX * 3];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lines, sizeof lines, fmt, ap);
    va_end(ap);
    write_file(f, "iocd.conf", "[iocd]\nprovince = 96\n%s\ngazetteer = %s\nstate_dir = %s/state\n",
               lines, gazetteer_file, f->dir);
}

/* TMP/site holding a copy of example.so, written before the build's
 * plugins in plugin_path (given relative: resolved from iocd.conf's
 * folder). The site's example wins; the other plugins still come from
 * the build's folder. */
static void test_plugin_path_site_first(void **state)
{
    struct fixture *f = *state;
    char site[PATH_MAX], to[PATH_MAX + 16];
    copy_example(f, "site", site, to);
    write_plugin_lines(f, "plugin_path = site:%s", plugin_dir);
    write_conn(f, "ex", MINIMAL);
    write_conn(f, "pg", "plugin = example_paged\nurl = http://127.0.0.1:18080/paged\n");
    load_ok(f, NULL);
    assert_int_equal(f->d.warning_count, 0);
    char want[PATH_MAX * 2];
    snprintf(want, sizeof want, "%s:%s", site, plugin_dir);
    assert_string_equal(f->cfg.plugin_path, want);
    assert_string_equal(config_instance(&f->cfg, "ex")->plugin->path, to);
    snprintf(want, sizeof want, "%s/example_paged.so", plugin_dir);
    assert_string_equal(config_instance(&f->cfg, "pg")->plugin->path, want);
}

/* plugin_dir still works, with a warning naming its line; both keys at
 * once, two directories in plugin_dir and an empty element are errors. */
static void test_plugin_dir_deprecated(void **state)
{
    struct fixture *f = *state;
    write_plugin_lines(f, "plugin_dir = %s", plugin_dir);
    write_conn(f, "ex", MINIMAL);
    load_ok(f, NULL);
    assert_int_equal(f->d.warning_count, 1);
    char want[PATH_MAX * 2];
    snprintf(want, sizeof want, "%s/iocd.conf:3: warning: 'plugin_dir' is deprecated: write "
             "plugin_path = %s (several directories may follow, separated by ':')", f->dir,
             plugin_dir);
    assert_string_equal(f->d.warnings[0], want);
    assert_string_equal(f->cfg.plugin_path, plugin_dir);

    write_plugin_lines(f, "plugin_path = %s\nplugin_dir = %s", plugin_dir, plugin_dir);
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:4: 'plugin_dir' and 'plugin_path' both set: keep plugin_path only");

    write_plugin_lines(f, "plugin_dir = %s:/x", plugin_dir);
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:3: 'plugin_dir' = '%s:/x': one directory only; several go in "
                   "plugin_path", plugin_dir);

    write_plugin_lines(f, "plugin_path = %s::/x", plugin_dir);
    load_errors(f, NULL, 1);
    expect_line(f, "iocd.conf:3: 'plugin_path' = '%s::/x': an empty directory (two ':' in a "
                   "row, or one at an end)", plugin_dir);
}

/* A directory of plugin_path that does not exist is a warning (a plugin
 * put there would not load); a plugin in none of them names every file
 * tried. */
static void test_plugin_path_missing(void **state)
{
    struct fixture *f = *state;
    write_plugin_lines(f, "plugin_path = /nonexistent/iocd:%s", plugin_dir);
    write_conn(f, "ex", MINIMAL);
    load_ok(f, NULL);
    assert_int_equal(f->d.warning_count, 1);
    assert_true(diag_warned(&f->d, "iocd.conf:3: warning: 'plugin_path': no directory "
                                   "/nonexistent/iocd"));
    write_conn(f, "ex", "plugin = nosuch\n");
    load_errors(f, NULL, 1);
    expect_line(f, "connectors.d/ex.conf:1: plugin 'nosuch' not found: no "
                   "/nonexistent/iocd/nosuch.so, %s/nosuch.so", plugin_dir);
}

static void test_plugin_writable_by_others_refused(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX], to[PATH_MAX + 16];
    copy_example(f, "plugins", dir, to);
    assert_int_equal(chmod(to, 0755), 0);
    write_file(f, "iocd.conf", "[iocd]\nplugin_path = %s\ngazetteer = %s\nstate_dir = %s/state\n"
               "province = 96\n", dir, gazetteer_file, f->dir);
    write_conn(f, "ex", MINIMAL);
    load_ok(f, NULL); /* 0755 directory, 0755 file: loaded */

    assert_int_equal(chmod(dir, 0777), 0);
    load_errors(f, NULL, 1);
    expect_line(f, "plugins/example.so: refusing to load plugin: its directory %s is writable by "
                   "every user (mode 0777; chmod go-w it)", dir);
    assert_int_equal(chmod(dir, 01777), 0); /* sticky: still refused */
    load_errors(f, NULL, 1);
    assert_int_equal(diag_count_of(f, "(mode 1777; chmod go-w it)"), 1);
    assert_int_equal(chmod(dir, 0775), 0);
    load_errors(f, NULL, 1);
    assert_int_equal(diag_count_of(f, "its directory"), 1);
    assert_int_equal(diag_count_of(f, "is writable by its group (mode 0775"), 1);

    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(chmod(to, 0775), 0);
    load_errors(f, NULL, 1);
    expect_line(f, "plugins/example.so: refusing to load plugin: the file is writable by its group "
                   "(mode 0775; chmod go-w it)");
    assert_int_equal(chmod(to, 0757), 0);
    load_errors(f, NULL, 1);
    assert_int_equal(diag_count_of(f, "the file is writable by every user (mode 0757"), 1);

    /* Owned by another user (not root, not us): refused like sshd would. */
    assert_int_equal(chmod(to, 0755), 0);
    if (geteuid() == 0) {
        assert_int_equal(chown(to, 4242, 4242), 0);
        load_errors(f, NULL, 1);
        assert_int_equal(diag_count_of(f, "the file is owned by uid 4242, not root or uid 0"), 1);
    }
}

static void test_state_dir_writable_by_others_refused(void **state)
{
    struct fixture *f = *state;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/state", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_main(f, "province = 96\n");
    load_ok(f, NULL);
    static const mode_t shared[] = {0777, 01777, 0770, 0703};
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        assert_int_equal(chmod(dir, shared[i]), 0);
        load_errors(f, NULL, 1);
        char want[64];
        snprintf(want, sizeof want, "(mode %04o; chmod go-w it)", (unsigned)shared[i]);
        assert_int_equal(diag_count_of(f, want), 1);
        expect_prefix_and(f, "iocd.conf:4: 'state_dir' = '", "others could replace the state");
    }
    assert_int_equal(chmod(dir, 0755), 0);
    load_ok(f, NULL);
}

/* ---- the repository's own configuration ---- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        print_error("cannot copy %s to %s\n", from, to);
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void test_repo_conf_loads(void **state)
{
    struct fixture *f = *state;
    char *def = config_default_plugin_path();
    assert_non_null(def);
    char def_real[PATH_MAX];
    int direct = realpath(def, def_real) && strcmp(def_real, plugin_dir) == 0;
    free(def);
    const char *path = "conf/iocd.conf";
    if (!direct) {
        /* The plugin_path default does not find $BUILD/connectors from the
         * test binary's folder: load a copy of conf/ that names it. */
        FILE *in = fopen("conf/iocd.conf", "r");
        assert_non_null(in);
        FILE *out = fopen(f->main_path, "w");
        assert_non_null(out);
        char line[4096];
        while (fgets(line, sizeof line, in)) {
            fputs(line, out);
            if (strcmp(line, "[iocd]\n") == 0)
                fprintf(out, "plugin_path = %s\n", plugin_dir);
        }
        fclose(in);
        assert_int_equal(fclose(out), 0);
        char to[PATH_MAX];
        snprintf(to, sizeof to, "%s/gazetteer", f->dir);
        assert_int_equal(mkdir(to, 0755), 0);
        snprintf(to, sizeof to, "%s/gazetteer/vn-2025-07.tsv", f->dir);
        copy_file(GAZ_REL, to);
        snprintf(to, sizeof to, "%s/connectors.d/example.conf", f->dir);
        copy_file("conf/connectors.d/example.conf", to);
        snprintf(to, sizeof to, "%s/catalog.conf", f->dir);
        copy_file("conf/catalog.conf", to);
        path = f->main_path;
    }
    int rc = config_load(path, NULL, &f->cfg, &f->d);
    if (instance_check_all(&f->cfg, &f->d) < 0)
        rc = -1;
    if (rc != 0)
        dump_diag(f);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(rc, 0);
    const struct config *c = &f->cfg;
    assert_string_equal(c->province, "96");
    assert_int_equal(c->tz_offset_min, 420);
    /* It names the shipped catalogue, which is loaded, not the built-in. */
    assert_non_null(c->catalog);
    assert_ptr_equal(config_catalog(c), c->catalog);
    assert_non_null(catalog_metric(c->catalog, "ioffice.files.online_share"));
    assert_int_equal(c->log_level, LOG_LEVEL_INFO);
    assert_true(config_sink_enabled(config_sink(c, "sink.stdout")));
    assert_non_null(c->gazetteer);
    const struct instance_config *ic = config_instance(c, "example");
    assert_non_null(ic);
    assert_true(ic->enabled);
    assert_int_equal(ic->interval_ms, 10000);
    assert_int_equal(ic->timeout_ms, 5000);
    assert_string_equal(ic->source, "example");
    assert_string_equal(value_text(ic, "url"), "http://127.0.0.1:18080/example");
    assert_int_equal(value_line(ic, "url"), 7);
    assert_string_equal(value_text(ic, "on_time_target"), "95");
    assert_int_equal(value_line(ic, "on_time_target"), 8);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_valid_tree),
        T(test_main_defaults),
        T(test_relative_paths_from_config_dir),
        T(test_misspelt_reserved_key),
        T(test_misspelt_plugin_key),
        T(test_misspelt_main_key),
        T(test_wrong_types),
        T(test_wrong_url),
        T(test_missing_required_url),
        T(test_missing_plugin),
        T(test_unknown_plugin),
        T(test_section_in_connector_file),
        T(test_bad_instance_file_name),
        T(test_connector_ini_syntax_error),
        T(test_unknown_section),
        T(test_key_outside_section),
        T(test_missing_province),
        T(test_missing_main_file),
        T(test_province_not_two_digits),
        T(test_province_not_in_gazetteer),
        T(test_timezone),
        T(test_log_level),
        T(test_main_value_errors_name_their_line),
        T(test_malformed_province_reported_once),
        T(test_interval_below_1s),
        T(test_jitter_over_half_interval),
        T(test_other_limits),
        T(test_same_source_twice),
        T(test_all_errors_in_all_files),
        T(test_only_instance),
        T(test_secret_from_file),
        T(test_secret_from_credentials_directory),
        T(test_secret_file_errors),
        T(test_inline_secret_in_readable_file_warns),
        T(test_secret_file_mode_warns),
        T(test_url_credentials_refused),
        T(test_kafka_secret_properties),
        T(test_mqtt_credentials_without_tls_warn),
        T(test_family_member_from_file),
        T(test_plugin_writable_by_others_refused),
        T(test_plugin_path_site_first),
        T(test_plugin_dir_deprecated),
        T(test_plugin_path_missing),
        T(test_state_dir_writable_by_others_refused),
        T(test_repo_conf_loads),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
