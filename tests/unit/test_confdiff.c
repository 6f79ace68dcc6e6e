/*
 * test_confdiff - unit tests of daemon/confdiff.c: what a SIGHUP reload
 * judges changed, on configurations loaded by config_load from files
 * (the real example plugin), the way the daemon loads them.
 *
 * Covers: the same files load as the same instance, shared settings and
 * sinks; a comment, a reordering of keys and a default written out change
 * nothing; a value and a secret file's content (token_file) change the
 * instance only; the timezone and the catalogue file's content change
 * what every instance shares (the latter through confdiff_digest, taken
 * at load); a [sink.*] or [outbox] value changes the sinks only.
 *
 * Run from the repository root after make ($BUILD, default "build", holds
 * connectors/example.so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "confdiff.h"
#include "config.h"
#include "diag.h"

static char plugin_dir[PATH_MAX];
static char gazetteer_file[PATH_MAX];
static char dir[64];

static int group_setup(void **state)
{
    (void)state;
    const char *build = getenv("BUILD");
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s/connectors", build && *build ? build : "build");
    if (!realpath(rel, plugin_dir) || !realpath("conf/gazetteer/vn-2025-07.tsv", gazetteer_file)) {
        print_error("run from the repository root after make (BUILD=%s)\n", build ? build : "build");
        return -1;
    }
    strcpy(dir, "/tmp/test_confdiff.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/connectors.d", dir);
    return mkdir(sub, 0700);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void write_file(const char *rel, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

/* iocd.conf with `extra` lines in [iocd] and `tail` after it. */
static void write_main(const char *extra, const char *tail)
{
    char text[4 * PATH_MAX + 512];
    snprintf(text, sizeof text,
             "[iocd]\nprovince = 96\nplugin_path = %s\nstate_dir = %s/state\ngazetteer = %s\n"
             "catalog = %s/catalog.conf\n%s\n[sink.stdout]\nenabled = true\n%s",
             plugin_dir, dir, gazetteer_file, dir, extra, tail);
    write_file("iocd.conf", text);
}

struct loaded {
    struct config c;
    uint64_t digest;
};

static void load(struct loaded *l)
{
    struct diag d = {0};
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/iocd.conf", dir);
    int rc = config_load(path, NULL, &l->c, &d);
    for (size_t i = 0; i < d.count; i++)
        print_error("%s\n", d.lines[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(l->c.instance_count, 1);
    l->digest = confdiff_digest(&l->c);
    diag_free(&d);
}

static const char *const catalog_text =
    "[catalog]\nversion = t1\n\n[unit.count]\nsymbol =\nlabel_vi = số\nlabel_en = count\n"
    "decimals = 0\n\n[unit.percent]\nsymbol = %\nlabel_vi = phần trăm\nlabel_en = percent\n"
    "decimals = 1\n";

static const char *const instance_text =
    "plugin = example\nurl = http://127.0.0.1:9/example\ninterval = 5m\ntoken_file = token\n";

/* The baseline files, then `edit` applied, both loaded; *first and *second
 * for the caller's checks. */
static void load_pair(struct loaded *first, struct loaded *second, void (*edit)(void))
{
    write_file("catalog.conf", catalog_text);
    write_file("token", "abc\n");
    write_file("connectors.d/ex.conf", instance_text);
    write_main("", "");
    load(first);
    edit();
    load(second);
}

static void free_pair(struct loaded *a, struct loaded *b)
{
    config_free(&a->c);
    config_free(&b->c);
}

/* Each scenario: an edit and which of instance / shared / sinks stay. */
struct scenario {
    const char *name;
    void (*edit)(void);
    bool instance_same, shared_same, sinks_same;
};

static void edit_nothing(void) {}
static void edit_comment_and_order(void)
{
    write_file("connectors.d/ex.conf", "; the same, reordered\ntoken_file = token\n"
               "interval = 5m\nplugin = example\n\nurl = http://127.0.0.1:9/example\n");
}
static void edit_value(void)
{
    write_file("connectors.d/ex.conf", "plugin = example\nurl = http://127.0.0.1:9/example\n"
               "interval = 6m\ntoken_file = token\n");
}
static void edit_secret(void) { write_file("token", "abd\n"); }
static void edit_default_given(void)
{
    /* on_time_target = 95 is the default: given or not, the same value. */
    write_file("connectors.d/ex.conf", "plugin = example\nurl = http://127.0.0.1:9/example\n"
               "interval = 5m\ntoken_file = token\non_time_target = 95\n");
}
static void edit_timezone(void) { write_main("timezone = +08:00\n", ""); }
static void edit_catalogue(void)
{
    char text[1024];
    snprintf(text, sizeof text, "%s", catalog_text);
    memcpy(strstr(text, "t1"), "t2", 2);
    write_file("catalog.conf", text);
}
static void edit_sink(void) { write_main("", "\n[sink.mqtt]\nenabled = false\nport = 1884\n"); }
static void edit_outbox(void) { write_main("", "\n[outbox]\ncapacity = 5000\n"); }

static const struct scenario scenarios[] = {
    {"nothing", edit_nothing, true, true, true},
    {"a comment and the order of keys", edit_comment_and_order, true, true, true},
    {"a default written out", edit_default_given, true, true, true},
    {"a value", edit_value, false, true, true},
    {"a secret file's content", edit_secret, false, true, true},
    {"the timezone", edit_timezone, true, false, true},
    {"the catalogue's content", edit_catalogue, true, false, true},
    {"a sink section", edit_sink, true, true, false},
    {"[outbox]", edit_outbox, true, true, false},
};

static void test_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const struct scenario *s = &scenarios[i];
        struct loaded a, b;
        load_pair(&a, &b, s->edit);
        bool instance = confdiff_instance_same(&a.c.instances[0], &b.c.instances[0]);
        bool shared = confdiff_shared_same(&a.c, a.digest, &b.c, b.digest);
        bool sinks = confdiff_sinks_same(&a.c, &b.c);
        if (instance != s->instance_same || shared != s->shared_same || sinks != s->sinks_same)
            print_error("edit '%s': instance same %d (want %d), shared %d (%d), sinks %d (%d)\n",
                        s->name, instance, s->instance_same, shared, s->shared_same, sinks,
                        s->sinks_same);
        assert_int_equal(instance, s->instance_same);
        assert_int_equal(shared, s->shared_same);
        assert_int_equal(sinks, s->sinks_same);
        free_pair(&a, &b);
    }
}

/* The digest is taken at load: a file changed after it differs. */
static void test_digest_of_files(void **state)
{
    (void)state;
    struct loaded a, b;
    load_pair(&a, &b, edit_nothing);
    assert_true(a.digest == b.digest);
    edit_catalogue();
    assert_true(confdiff_digest(&a.c) != a.digest);
    free_pair(&a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_digest_of_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
