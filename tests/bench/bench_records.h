/*
 * bench_records.h - what raw_publish and wire_floor share: the captured
 * records they publish, their clocks and their option reader.
 *
 * Design idea: both programs must send exactly the same messages (topic
 * PREFIX/PROVINCE/<series>, payload the record's line as iocd's stdout
 * sink printed it, Kafka key <series>, as in daemon/metric.c), so the one
 * reader of the capture file lives here. Header-only: every
 * program in tests/bench builds from one .c file (Makefile's BENCH_BIN).
 */
#ifndef IOCD_BENCH_RECORDS_H
#define IOCD_BENCH_RECORDS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

struct bench_record {
    char *topic, *key, *payload;
    size_t key_len, payload_len;
};

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU of the whole process (every thread, libraries' included), seconds. */
static inline double bench_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static inline void bench_records_oom(const char *prog)
{
    fprintf(stderr, "%s: out of memory\n", prog);
    exit(1);
}

/* Read FILE: one record per non-empty line (lines without a "series" are
 * skipped with a message naming PROG, the file and the line). Returns the
 * count, 0 when the file cannot be read or holds no record; the caller
 * frees with bench_records_free. */
static inline size_t bench_records_load(const char *prog, const char *path, const char *prefix,
                                        const char *province, struct bench_record **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return 0;
    }
    size_t n = 0, cap = 0, lineno = 0;
    struct bench_record *recs = NULL;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    while ((len = getline(&line, &linecap, f)) > 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        json_error_t err;
        json_t *rec = json_loadb(line, (size_t)len, 0, &err);
        const char *series = json_string_value(json_object_get(rec, "series"));
        if (!series) {
            fprintf(stderr, "%s: %s: line %zu is not a record with a series\n", prog, path,
                    lineno);
            json_decref(rec);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct bench_record *more = realloc(recs, cap * sizeof *recs);
            if (!more)
                bench_records_oom(prog);
            recs = more;
        }
        struct bench_record *m = &recs[n++];
        m->key = strdup(series);
        m->key_len = strlen(series);
        m->payload = strdup(line);
        m->payload_len = (size_t)len;
        if (!m->key || !m->payload || asprintf(&m->topic, "%s/%s/%s", prefix, province, series) < 0)
            bench_records_oom(prog);
        json_decref(rec);
    }
    free(line);
    fclose(f);
    if (n == 0)
        fprintf(stderr, "%s: no records in %s\n", prog, path);
    *out = recs;
    return n;
}

/* One command-line option "--NAME VALUE": exactly one of text / number is
 * set, and receives the value. */
struct bench_opt {
    const char *name; /* without the leading "--" */
    const char **text;
    long *number;
};

/* Parse argv as pairs "--NAME VALUE" against opts; calls usage() (which
 * must not return) on an unknown option or a missing value. */
static inline void bench_parse_opts(int argc, char **argv, const struct bench_opt *opts,
                                    size_t nopts, void (*usage)(void))
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k = 0;
        while (k < nopts && !(a[0] == '-' && a[1] == '-' && !strcmp(a + 2, opts[k].name)))
            k++;
        if (!v || k == nopts)
            usage();
        if (opts[k].text)
            *opts[k].text = v;
        else
            *opts[k].number = atol(v);
    }
}

static inline void bench_records_free(struct bench_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(recs[i].topic);
        free(recs[i].key);
        free(recs[i].payload);
    }
    free(recs);
}

#endif
