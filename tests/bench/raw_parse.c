/*
 * raw_parse - the parsing half of the "raw limit" of `make bench`: the
 * feed bodies a connector receives (fetched once with curl into files),
 * parsed with jansson again and again, and every value a connector would
 * read taken out of them, with the CPU this costs.
 *
 *   raw_parse [--min-cpu SECONDS] [--records KEY] FILE...
 *
 * Each pass loads every FILE with json_loadb (flags 0, as the connectors
 * do), walks the array under KEY (default "items"; the document itself
 * when it is an array) and reads every member of every record: numbers are
 * the extracted values (nested objects, e.g. telecom's btsTheoCongNghe,
 * are walked one level down), strings are read too (area codes, names,
 * dimension values) but not counted. Passes repeat until at least
 * --min-cpu seconds of CPU (default 1) and 3 passes, at most 10,000.
 * Bodies are read into memory before timing starts. Prints one JSON line:
 *
 *   {"bodies":3,"bytes":...,"passes":40,"values_per_pass":6000,
 *    "cpu_s":1.02,"us_per_value":0.85,"us_per_body":1700.1}
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define PARSE_MAX_PASSES 10000

struct parse_body {
    char *text;
    size_t len;
};

static double parse_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int parse_read(const char *path, struct parse_body *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16;
    b->text = malloc(cap);
    b->len = 0;
    size_t got;
    while (b->text && (got = fread(b->text + b->len, 1, cap - b->len, f)) > 0) {
        b->len += got;
        if (b->len == cap) {
            char *more = realloc(b->text, cap *= 2);
            if (!more) {
                free(b->text);
                b->text = NULL;
            }
            b->text = more;
        }
    }
    fclose(f);
    return b->text ? 0 : -1;
}

/* Read every member of one record; returns how many numbers it held.
 * *sink accumulates the numbers and string lengths so nothing is elided. */
static size_t parse_record(json_t *rec, int depth, double *sink)
{
    size_t values = 0;
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v) {
        if (json_is_number(v)) {
            *sink += json_number_value(v);
            values++;
        } else if (json_is_string(v)) {
            *sink += (double)json_string_length(v);
        } else if (json_is_object(v) && depth == 0) {
            values += parse_record(v, 1, sink);
        }
    }
    return values;
}

/* One body: parse, walk, free. Returns the values taken, or -1. */
static long parse_one(const struct parse_body *b, const char *records_key, double *sink)
{
    json_error_t err;
    json_t *doc = json_loadb(b->text, b->len, 0, &err);
    if (!doc)
        return -1;
    json_t *records = json_is_array(doc) ? doc : json_object_get(doc, records_key);
    long values = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        if (json_is_object(rec))
            values += (long)parse_record(rec, 0, sink);
    }
    json_decref(doc);
    return values;
}

int main(int argc, char **argv)
{
    double min_cpu = 1.0;
    const char *records_key = "items";
    int first = 1;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (!strcmp(argv[first], "--min-cpu"))
            min_cpu = atof(argv[first + 1]);
        else if (!strcmp(argv[first], "--records"))
            records_key = argv[first + 1];
        else
            break;
        first += 2;
    }
    int nbodies = argc - first;
    if (nbodies < 1) {
        fprintf(stderr, "usage: raw_parse [--min-cpu SECONDS] [--records KEY] FILE...\n");
        return 2;
    }
    struct parse_body *bodies = calloc((size_t)nbodies, sizeof *bodies);
    size_t bytes = 0;
    for (int i = 0; i < nbodies; i++) {
        if (!bodies || parse_read(argv[first + i], &bodies[i]) < 0) {
            fprintf(stderr, "raw_parse: cannot read %s\n", argv[first + i]);
            return 1;
        }
        bytes += bodies[i].len;
    }
    double sink = 0, cpu0 = parse_cpu(), cpu = 0;
    long values_per_pass = 0;
    int passes = 0;
    while (passes < PARSE_MAX_PASSES && (passes < 3 || cpu < min_cpu)) {
        long values = 0;
        for (int i = 0; i < nbodies; i++) {
            long v = parse_one(&bodies[i], records_key, &sink);
            if (v < 0) {
                fprintf(stderr, "raw_parse: %s is not valid JSON\n", argv[first + i]);
                return 1;
            }
            values += v;
        }
        values_per_pass = values;
        passes++;
        cpu = parse_cpu() - cpu0;
    }
    double total_values = (double)values_per_pass * passes;
    printf("{\"bodies\":%d,\"bytes\":%zu,\"passes\":%d,\"values_per_pass\":%ld,\"cpu_s\":%.6f,"
           "\"us_per_value\":%.4f,\"us_per_body\":%.2f,\"checksum\":%.0f}\n",
           nbodies, bytes, passes, values_per_pass, cpu,
           total_values > 0 ? cpu * 1e6 / total_values : 0.0,
           cpu * 1e6 / ((double)passes * nbodies), sink);
    for (int i = 0; i < nbodies; i++)
        free(bodies[i].text);
    free(bodies);
    return 0;
}
