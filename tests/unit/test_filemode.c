/*
 * test_filemode - unit tests of daemon/filemode.c, the mode rules for
 * secrets (not readable or writable by group or others) and for code and
 * state (not writable by group or others, owned by root or us).
 *
 * Every mode is set explicitly with chmod in a fresh mkdtemp directory,
 * so the result does not depend on the umask of the checkout (CI clones
 * with 022 and runs as root, as these tests may).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filemode.h"

struct fixture {
    char dir[64];
    char file[96];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_filemode.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->file, sizeof f->file, "%s/secret", f->dir);
    FILE *fp = fopen(f->file, "w");
    if (!fp || fputs("s3cret\n", fp) < 0 || fclose(fp) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->file);
    chmod(f->dir, 0700);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_secret_modes(void **state)
{
    struct fixture *f = *state;
    static const struct { mode_t mode; int exposed; const char *why; } cases[] = {
        {0600, 0, ""},
        {0400, 0, ""},
        {0700, 0, ""},
        {0611, 0, ""}, /* execute bits let nobody read it */
        {0640, 1, "mode 0640 lets its group read it"},
        {0620, 1, "mode 0620 lets its group read it"},
        {0604, 1, "mode 0604 lets every user read it"},
        {0602, 1, "mode 0602 lets every user read it"},
        {0644, 1, "mode 0644 lets every user read it"},
        {0666, 1, "mode 0666 lets every user read it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(f->file, cases[i].mode), 0);
        char why[128] = "";
        assert_int_equal(filemode_secret_exposed(f->file, why, sizeof why), cases[i].exposed);
        assert_string_equal(why, cases[i].why);
    }
    /* What cannot be stat'ed is the caller's to report. */
    char missing[128], why[128] = "";
    snprintf(missing, sizeof missing, "%s/missing", f->dir);
    assert_int_equal(filemode_secret_exposed(missing, why, sizeof why), 0);
}

static void test_trusted_modes(void **state)
{
    struct fixture *f = *state;
    static const struct { mode_t mode; int rc; const char *why; } cases[] = {
        {0755, 0, ""},
        {0700, 0, ""},
        {0555, 0, ""},
        {0775, -1, "is writable by its group (mode 0775; chmod go-w it)"},
        {0757, -1, "is writable by every user (mode 0757; chmod go-w it)"},
        {0777, -1, "is writable by every user (mode 0777; chmod go-w it)"},
        {01777, -1, "is writable by every user (mode 1777; chmod go-w it)"},
        {01770, -1, "is writable by its group (mode 1770; chmod go-w it)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(f->dir, cases[i].mode), 0);
        char why[160] = "";
        assert_int_equal(filemode_trusted(f->dir, why, sizeof why), cases[i].rc);
        assert_string_equal(why, cases[i].why);
    }
    assert_int_equal(chmod(f->dir, 0700), 0);
    char missing[128], why[160] = "";
    snprintf(missing, sizeof missing, "%s/missing", f->dir);
    assert_int_equal(filemode_trusted(missing, why, sizeof why), -1);
    assert_string_equal(why, "cannot stat it: No such file or directory");
}

/* Another owner than root or us: only root can make such a file. */
static void test_trusted_owner(void **state)
{
    struct fixture *f = *state;
    if (geteuid() != 0)
        skip();
    assert_int_equal(chmod(f->file, 0644), 0);
    assert_int_equal(chown(f->file, 4242, 4242), 0);
    char why[160] = "";
    assert_int_equal(filemode_trusted(f->file, why, sizeof why), -1);
    assert_string_equal(why, "is owned by uid 4242, not root or uid 0");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_secret_modes),
        T(test_trusted_modes),
        T(test_trusted_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
