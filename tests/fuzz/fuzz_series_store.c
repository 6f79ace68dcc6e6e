/*
 * fuzz_series_store - libFuzzer target of the series state file's reader
 * (daemon/series_store.c): the file is the daemon's own, but a disk, a
 * crash, an operator or another program may have left anything in it, and
 * it is read before the first poll of every start.
 *
 * Input: the file's bytes, read as series_store_load reads them. Most
 * random inputs fail the magic or the checksum; the seeds (valid files,
 * tests/fuzz/corpus/series_store) and the dictionary's magic let the
 * fuzzer reach the entry walk. To get past the checksum on purpose, an
 * input whose first byte is '!' is sealed first: its first 8 bytes become
 * the magic and its last 8 bytes the right checksum, so mutated lengths and names behind
 * a valid checksum are explored too.
 *
 * The design idea: a reader is all or nothing. Whatever the bytes, it
 * returns 1 (loaded) or -1 (refused) - never 0, which means "no file" -;
 * a refusal names the file and adds nothing to the table; a load restores
 * only well-formed series (key = the metric's series, topic built from
 * prefix, province and key, times not after now) and accounts for each.
 * Broken promises abort.
 */
#include "../../daemon/series_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_series_store: invariant broken at %s:%d: %s\n", __FILE__,     \
                    __LINE__, #cond);                                                             \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define NOW_MONO 5000LL
#define NOW_WALL 1700000000000LL

static void fuzz_seal(unsigned char *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len - 8; i++) {
        h ^= buf[i];
        h *= 0x100000001b3u;
    }
    for (size_t i = 0; i < 8; i++)
        buf[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void fuzz_each(void *arg, const struct series_saved *s)
{
    size_t *n = arg;
    const struct metric *m = s->last;
    FUZZ_CHECK(m->series_len > 0 && strlen(m->series) == m->series_len);
    FUZZ_CHECK(strncmp(m->topic, "ioc/v1/96/", 10) == 0 && strcmp(m->topic + 10, m->series) == 0);
    FUZZ_CHECK(m->json_len > 0 && m->json[0] == '{');
    FUZZ_CHECK(s->seen_mono_ms <= NOW_MONO && s->seen_wall_ms <= NOW_WALL);
    for (size_t i = 0; i < SERIES_SLOTS; i++)
        FUZZ_CHECK(s->published_mono_ms[i] <= NOW_MONO);
    (*n)++;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (size >= 16 && buf[0] == '!') {
        memcpy(buf, "IOCDSERS", 8); /* the first 8 bytes stand for the magic */
        fuzz_seal(buf, size);
    }
    static const char *const names[2] = {"mqtt", "stdout"};
    struct series_store_ctx ctx = {"ioc/v1", "96", names, 2, NOW_MONO, NOW_WALL, NULL, 86400000};
    struct series_store_report r;
    struct series *t = series_new();
    char err[512] = "";
    int rc = series_store_parse("fuzz.cache", buf, size, t, &ctx, &r, err, sizeof err);
    FUZZ_CHECK(rc == 1 || rc == -1);
    if (rc < 0) {
        FUZZ_CHECK(strncmp(err, "fuzz.cache: ", 12) == 0 && strlen(err) > 12);
        FUZZ_CHECK(series_count(t) == 0);
    } else {
        size_t n = 0;
        FUZZ_CHECK(series_each_saved(t, fuzz_each, &n) == r.restored);
        FUZZ_CHECK(n == r.restored && series_count(t) == r.restored);
        FUZZ_CHECK(r.slots_known <= r.slots_saved && r.slots_known <= 2);
    }
    series_free(t);
    free(buf);
    return 0;
}
