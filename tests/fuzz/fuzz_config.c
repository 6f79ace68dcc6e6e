/*
 * fuzz_config - libFuzzer target of the configuration reader: ini (the
 * INI syntax), confval (values: durations, sizes, URLs...), keytable and
 * the daemon's schema (config.c, the sinks' section checks), instconf
 * (connectors.d files against the reserved keys and the plugins' tables),
 * all through config_load() on real files, as at start-up or SIGHUP.
 *
 * Input: iocd.conf, then up to four connectors.d files (a.conf .. d.conf),
 * separated by form feed bytes (0x0c). They are written into a private
 * temporary directory (in /dev/shm when there is one) that also holds a small gazetteer
 * (gazetteer/vn-2025-07.tsv, the default path) and a secret file
 * ("secret", for *_file keys). Plugins are the real connectors, built
 * beside this binary ($(BUILD)/fuzz/connectors, the default plugin_path of
 * a build tree) and opened once at start, so a plugin_open per input is a
 * reference count, not a load.
 *
 * What the input may not do: choose directories (lines setting plugin_dir,
 * plugin_path, connectors_dir or gazetteer are turned into comments) or name
 * device and kernel files (inputs containing "/dev/", "/proc/" or "/sys/" are
 * skipped): the target fuzzes the reader, not the machine's files.
 *
 * The design idea: the loader's promise is "all or nothing, and every
 * mistake at FILE:LINE". So besides "no crash, no leak, no UB": it succeeds
 * exactly when it reported nothing, every report names one of the files
 * (the temporary directory's path first), and an accepted configuration is
 * complete (a province, instances sorted by name, each with its plugin).
 */
#include "../../daemon/config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_config: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                                       \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define FUZZ_CONNECTOR_FILES 4

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char conf_path[128];

static const char fuzz_gazetteer[] = "#iocd-gazetteer 1 vn-2025-07\n"
                                     "P\t96\tTỉnh Cà Mau\tca-mau\n"
                                     "P\t01\tThành phố Hà Nội\tha-noi\n"
                                     "C\t31825\t96\tPhường Bạc Liêu\tbac-lieu\n"
                                     "C\t32002\t96\tPhường An Xuyên\tan-xuyen\n"
                                     "M\t31813\t31825\twhole\n";

static void fuzz_write(const char *path, const char *text, size_t len)
{
    /* A new file each time: truncating one that has data makes ext4 flush
     * it to disk at close (auto_da_alloc), 50x slower than the load. */
    unlink(path);
    FILE *f = fopen(path, "w");
    FUZZ_CHECK(f);
    FUZZ_CHECK(fwrite(text, 1, len, f) == len);
    FUZZ_CHECK(fclose(f) == 0);
}

static void fuzz_remove_tree(void)
{
    const char *files[] = {"iocd.conf", "secret", "gazetteer/vn-2025-07.tsv", "connectors.d/a.conf",
                           "connectors.d/b.conf", "connectors.d/c.conf", "connectors.d/d.conf"};
    char path[160];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/gazetteer", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/connectors.d", dir);
    rmdir(path);
    rmdir(dir);
}

/* Open every plugin beside the binary once and keep it open. */
static void fuzz_preload_plugins(void)
{
    char *plugins = config_default_plugin_path();
    DIR *d = plugins ? opendir(plugins) : NULL;
    size_t loaded = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        char path[4096];
        if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", plugins, e->d_name);
        if (dlopen(path, RTLD_NOW | RTLD_LOCAL))
            loaded++;
        else
            fprintf(stderr, "fuzz_config: %s\n", dlerror());
    }
    if (d)
        closedir(d);
    if (!loaded)
        fprintf(stderr, "fuzz_config: no plugin in %s: connector files are only checked "
                        "against the reserved keys (build them: make build/fuzz/fuzz_config)\n",
                plugins ? plugins : "(none)");
    free(plugins);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* tmpfs when there is one: a file per input costs no disk there. */
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/fuzz_config.XXXXXX", base);
    FUZZ_CHECK(mkdtemp(dir));
    atexit(fuzz_remove_tree);
    char path[160];
    snprintf(path, sizeof path, "%s/gazetteer", dir);
    FUZZ_CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/connectors.d", dir);
    FUZZ_CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/gazetteer/vn-2025-07.tsv", dir);
    fuzz_write(path, fuzz_gazetteer, sizeof fuzz_gazetteer - 1);
    snprintf(path, sizeof path, "%s/secret", dir);
    fuzz_write(path, "s3cr3t-token\n", 13);
    snprintf(conf_path, sizeof conf_path, "%s/iocd.conf", dir);
    log_init((enum log_level)(LOG_LEVEL_ERROR - 1)); /* nothing: reports are checked, not printed */
    fuzz_preload_plugins();
    return 0;
}

static bool fuzz_has(const uint8_t *data, size_t size, const char *needle)
{
    return memmem(data, size, needle, strlen(needle)) != NULL;
}

/* Turn lines that would choose a directory into comments. */
static void fuzz_neutralise(char *text, size_t len)
{
    static const char *const keys[] = {"plugin_dir", "plugin_path", "connectors_dir", "gazetteer"};
    for (size_t at = 0; at < len;) {
        size_t start = at;
        while (start < len && (text[start] == ' ' || text[start] == '\t'))
            start++;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t n = strlen(keys[k]);
            if (len - start >= n && memcmp(text + start, keys[k], n) == 0)
                text[start] = '#';
        }
        char *nl = memchr(text + at, '\n', len - at);
        at = nl ? (size_t)(nl - text) + 1 : len;
    }
}

static void fuzz_check_result(int rc, const struct config *c, const struct diag *d, size_t files)
{
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((rc == 0) == (d->count == 0));
    size_t n = strlen(dir);
    for (size_t i = 0; i < d->count; i++) {
        /* Every mistake names the file it is in. */
        if (strncmp(d->lines[i], dir, n) != 0 || d->lines[i][n] != '/')
            fprintf(stderr, "fuzz_config: report without its file: %s\n", d->lines[i]);
        FUZZ_CHECK(strncmp(d->lines[i], dir, n) == 0 && d->lines[i][n] == '/');
    }
    if (rc != 0)
        return;
    FUZZ_CHECK(c->province && strlen(c->province) == 2);
    FUZZ_CHECK(c->gazetteer && c->instance_count <= files);
    for (size_t i = 0; i < c->instance_count; i++) {
        FUZZ_CHECK(c->instances[i].plugin && c->instances[i].name);
        if (i > 0)
            FUZZ_CHECK(strcmp(c->instances[i - 1].name, c->instances[i].name) < 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_has(data, size, "/dev/") || fuzz_has(data, size, "/proc/") ||
        fuzz_has(data, size, "/sys/"))
        return 0;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text);
    memcpy(text, data, size);
    text[size] = '\0';

    /* iocd.conf, then the connector files: each part up to the next form feed. */
    char path[160];
    size_t files = 0, at = 0;
    for (size_t part = 0; part <= FUZZ_CONNECTOR_FILES; part++) {
        if (part == 0)
            snprintf(path, sizeof path, "%s", conf_path);
        else
            snprintf(path, sizeof path, "%s/connectors.d/%c.conf", dir, (char)('a' + part - 1));
        if (at > size) {
            unlink(path);
            continue;
        }
        char *ff = memchr(text + at, '\f', size - at);
        size_t len = ff ? (size_t)(ff - (text + at)) : size - at;
        if (part == 0)
            fuzz_neutralise(text + at, len);
        fuzz_write(path, text + at, len);
        files += part > 0;
        at += len + 1;
    }

    /* An odd first byte loads only instance "a", as a per-instance unit does. */
    struct config c;
    struct diag d = {0};
    memset(&c, 0, sizeof c);
    const char *only = size > 0 && (data[0] & 1) ? "a" : NULL;
    int rc = config_load(conf_path, only, &c, &d);
    fuzz_check_result(rc, &c, &d, only ? 1 : files);
    /* FUZZ_HOST_REPORT=1: what the loader said, to see what seeds reach. */
    if (getenv("FUZZ_HOST_REPORT")) {
        fprintf(stderr, "fuzz_config: %s, %zu instances, %zu reports\n", rc ? "refused" : "loaded",
                c.instance_count, d.count);
        for (size_t i = 0; i < d.count; i++)
            fprintf(stderr, "  %s\n", d.lines[i]);
    }
    config_free(&c);
    diag_free(&d);
    free(text);
    return 0;
}
