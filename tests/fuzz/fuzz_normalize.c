/*
 * fuzz_normalize - libFuzzer target of daemon/normalize.c, the one place
 * that decides what a valid metric is: every record of every connector
 * goes through normalize_check and normalize_encode before it is
 * published.
 *
 * Input: the fields of one struct ioc_record, as a connector would fill
 * them through the SDK, one per line ('\n'), in this order:
 *
 *   metric / value / unit / ts / period_from / period_to / area /
 *   ratio "NUMERATOR DENOMINATOR" / target "ge N" or "le N" /
 *   then up to 8 dimensions "key=value"
 *
 * A line "~" stands for NULL (a field not set); a missing line is NULL too.
 * The value and the ratio parts are read with strtod ("nan", "inf", "1e999"
 * included). The gazetteer is the real one (conf/gazetteer), the
 * deployment the one of test_normalize ({dvc, 96, +07:00}).
 *
 * The design idea: besides "no crash, no leak, no UB", a rejection names
 * a documented field with a reason, and an accepted record is written as
 * one line of valid JSON carrying the same metric and seq, and a series key
 * (the MQTT topic tail) free of wildcards, control bytes and empty levels.
 */
#include "../../daemon/gazetteer.h"
#include "../../daemon/jsonw.h"
#include "../../daemon/normalize.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_normalize: invariant broken at %s:%d: %s\n", __FILE__,        \
                    __LINE__, #cond);                                                             \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif
/* 2025-08-01T00:05:00+07:00, the "now" of test_normalize. */
#define FUZZ_NOW_MS 1753981500000LL

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gazetteer *gaz;
static struct normalize_env env;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    const char *path = FUZZ_SRCDIR "/conf/gazetteer/vn-2025-07.tsv";
    if (!(gaz = gazetteer_load(path, err, sizeof err))) {
        fprintf(stderr, "fuzz_normalize: %s\n", err);
        abort();
    }
    env = (struct normalize_env){"dvc", "96", 420, gaz, NULL};
    return 0;
}

static const char *const fuzz_fields[] = {"metric", "value", "unit", "ts",     "period",
                                          "area",   "ratio", "target", NULL};

static bool fuzz_known_field(const char *field)
{
    if (strncmp(field, "dims", 4) == 0)
        return true; /* "dims" or "dims.<key>" */
    for (size_t i = 0; fuzz_fields[i]; i++)
        if (strcmp(field, fuzz_fields[i]) == 0)
            return true;
    return false;
}

/* The series key is an MQTT topic tail: levels of printable bytes, none
 * empty, no wildcard. */
static void fuzz_check_series(const char *series)
{
    FUZZ_CHECK(*series && series[strlen(series) - 1] != '/');
    for (const char *p = series; *p; p++) {
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '+' && *p != '#');
        FUZZ_CHECK(!(p[0] == '/' && p[1] == '/'));
    }
}

static void fuzz_check_encoded(const struct ioc_record *r, const struct normalized *n)
{
    size_t len = 0;
    char *text = normalize_encode(&env, n, 42, &len);
    FUZZ_CHECK(text);
    FUZZ_CHECK(strlen(text) == len && !memchr(text, '\n', len));
    json_error_t e;
    json_t *doc = json_loadb(text, len, 0, &e);
    if (!doc)
        fprintf(stderr, "fuzz_normalize: not JSON (%s): %s\n", e.text, text);
    FUZZ_CHECK(doc);
    FUZZ_CHECK(json_is_object(doc));
    const char *metric = json_string_value(json_object_get(doc, "metric"));
    FUZZ_CHECK(metric && strcmp(metric, r->metric) == 0);
    FUZZ_CHECK(json_integer_value(json_object_get(doc, "seq")) == 42);
    FUZZ_CHECK(json_is_number(json_object_get(doc, "value")));
    json_decref(doc);

    /* The buffer-reusing path writes the same text. */
    struct jsonw w;
    jsonw_init(&w);
    FUZZ_CHECK(normalize_encode_into(&env, n, 42, &w) == 0);
    size_t len2 = 0;
    char *text2 = jsonw_take(&w, &len2);
    FUZZ_CHECK(text2 && len2 == len && memcmp(text, text2, len) == 0);
    free(text2);
    jsonw_free(&w);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    /* Cut into lines; "~" is NULL. Each line is a C string, as a
     * connector's would be (a NUL byte ends it early). */
    const char *line[9 + IOC_MAX_DIMS] = {0};
    size_t count = 0;
    for (char *p = copy; p && count < sizeof line / sizeof line[0]; count++) {
        char *nl = memchr(p, '\n', (size_t)(copy + size - p));
        if (nl)
            *nl = '\0';
        line[count] = strcmp(p, "~") == 0 ? NULL : p;
        p = nl ? nl + 1 : NULL;
    }

    struct ioc_record r = {0};
    r.metric = line[0];
    r.value = line[1] ? strtod(line[1], NULL) : 0;
    r.unit = line[2];
    r.ts = line[3];
    r.period_from = line[4];
    r.period_to = line[5];
    r.area = line[6];
    if (line[7]) {
        char *end;
        r.numerator = strtod(line[7], &end);
        r.denominator = strtod(end, NULL);
        r.has_ratio_parts = true;
    }
    if (line[8] && strlen(line[8]) > 3) {
        r.target_op = strncmp(line[8], "ge", 2) == 0   ? IOC_TARGET_GE
                      : strncmp(line[8], "le", 2) == 0 ? IOC_TARGET_LE
                                                       : IOC_TARGET_NONE;
        r.target = strtod(line[8] + 3, NULL);
    }
    /* Dimensions "key=value"; a line without '=' is a key with a NULL value. */
    for (size_t i = 0; i < IOC_MAX_DIMS && 9 + i < count; i++) {
        char *d = (char *)line[9 + i];
        if (!d)
            continue;
        char *eq = strchr(d, '=');
        if (eq)
            *eq = '\0';
        r.dims[i].key = d;
        r.dims[i].value = eq ? eq + 1 : NULL;
    }

    struct normalized n;
    struct normalize_error err;
    memset(&err, 0, sizeof err);
    if (normalize_check(&env, &r, FUZZ_NOW_MS, &n, &err) == 0) {
        FUZZ_CHECK(r.metric && r.unit && r.area && isfinite(r.value));
        FUZZ_CHECK(n.record == &r && n.area);
        FUZZ_CHECK(n.dim_count <= IOC_MAX_DIMS);
        for (size_t i = 1; i < n.dim_count; i++)
            FUZZ_CHECK(strcmp(n.dims[i - 1].key, n.dims[i].key) < 0); /* sorted, no repeats */
        FUZZ_CHECK(strlen(n.ts) >= 20 && n.ts[4] == '-');
        fuzz_check_series(n.series);
        fuzz_check_encoded(&r, &n);
    } else {
        FUZZ_CHECK(err.field && fuzz_known_field(err.field));
        FUZZ_CHECK(err.reason[0]);
    }
    free(copy);
    return 0;
}
