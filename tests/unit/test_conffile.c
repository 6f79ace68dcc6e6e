/*
 * test_conffile - unit tests of daemon/conffile.c, the one door through
 * which configuration files are read: only regular files, never more than
 * the limit.
 *
 * Each test works in its own mkdtemp directory. Covers: a regular file
 * read whole with its length and a NUL after it; a file of exactly the
 * limit read, one byte more refused with the limit in the reason; a FIFO
 * refused by its type without being opened (the test would hang in
 * open(2) otherwise: it runs under alarm(10) so a regression fails instead
 * of hanging); a directory ("is a directory"); a character device
 * (/dev/null, /dev/urandom: refused at once, nothing read); a socket; a
 * missing file ("cannot open: No such file or directory"); conffile_kind's
 * names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conffile.h"

struct fixture {
    char dir[256];
    char path[320];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s/iocd-test-conffile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/x.conf", f->dir);
    *state = f;
    alarm(10); /* a FIFO opened by mistake would block for ever */
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    alarm(0);
    unlink(f->path);
    rmdir(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_bytes(const char *path, size_t n)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < n; i++)
        fputc(i % 64 == 63 ? '\n' : 'a', fp);
    assert_int_equal(fclose(fp), 0);
}

/* conffile_read refuses `path`, with exactly `want` as the reason. */
static void assert_refused(const char *path, size_t max, const char *want)
{
    char why[160] = "";
    size_t len = 0;
    assert_null(conffile_read(path, max, &len, why, sizeof why));
    assert_string_equal(why, want);
}

static void test_regular_file_read_whole(void **state)
{
    struct fixture *f = *state;
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("[iocd]\nprovince = 96\n", fp);
    fclose(fp);
    char why[160] = "";
    size_t len = 99;
    char *text = conffile_read(f->path, 1024, &len, why, sizeof why);
    assert_non_null(text);
    assert_int_equal(len, 21);
    assert_string_equal(text, "[iocd]\nprovince = 96\n");
    free(text);
}

static void test_limit_exact_and_one_over(void **state)
{
    struct fixture *f = *state;
    char why[160] = "";
    size_t len = 0;
    write_bytes(f->path, 10000);
    char *text = conffile_read(f->path, 10000, &len, why, sizeof why);
    assert_non_null(text);
    assert_int_equal(len, 10000);
    free(text);
    write_bytes(f->path, 10001);
    assert_refused(f->path, 10000, "is over the limit of 10000 bytes for this file");
}

static void test_fifo_refused_unopened(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mkfifo(f->path, 0600), 0);
    assert_refused(f->path, 1024, "is a FIFO, not a regular file");
    char why[160] = "";
    assert_int_equal(conffile_open(f->path, why, sizeof why), -1);
    assert_string_equal(why, "is a FIFO, not a regular file");
}

static void test_directory(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_refused(f->path, 1024, "is a directory");
}

static void test_devices_refused_at_once(void **state)
{
    (void)state;
    assert_refused("/dev/urandom", CONFFILE_MAX_INI, "is a character device, not a regular file");
    assert_refused("/dev/null", CONFFILE_MAX_INI, "is a character device, not a regular file");
}

static void test_socket(void **state)
{
    struct fixture *f = *state;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    assert_true(strlen(f->path) < sizeof addr.sun_path);
    memcpy(addr.sun_path, f->path, strlen(f->path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_refused(f->path, 1024, "is a socket, not a regular file");
    close(fd);
}

static void test_missing(void **state)
{
    struct fixture *f = *state;
    assert_refused(f->path, 1024, "cannot open: No such file or directory");
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(conffile_kind(S_IFREG | 0644), "a regular file");
    assert_string_equal(conffile_kind(S_IFDIR | 0755), "a directory");
    assert_string_equal(conffile_kind(S_IFIFO | 0600), "a FIFO");
    assert_string_equal(conffile_kind(S_IFCHR | 0666), "a character device");
    assert_string_equal(conffile_kind(S_IFBLK | 0660), "a block device");
    assert_string_equal(conffile_kind(S_IFSOCK | 0777), "a socket");
    assert_string_equal(conffile_kind(S_IFLNK | 0777), "a symbolic link");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_regular_file_read_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_exact_and_one_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_refused_unopened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_devices_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test(test_kind_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
