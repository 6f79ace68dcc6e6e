/*
 * fuzz_http_json - libFuzzer target of the configuration-driven part of
 * the http_json connector: hjmap (mapping text -> structs) and hjextract
 * (pages -> metric records), with jpath, hjnum and hjtime under them. No
 * daemon: the host callbacks are small fakes here.
 *
 * The first input byte picks the mode (by its lowest bit, so the corpus
 * can use readable letters):
 *   'D' (even)  the rest is a JSON document (possibly hostile: any shape,
 *               NUL bytes in strings, huge numbers), run as pages 1 and 2
 *               of one walk through each of four fixed mappings that
 *               between them use every feature of docs/http_json.md;
 *   'M' (odd)   the rest is a mapping, "key = value" lines as in an
 *               instance file (the metric.* and dim.* families included),
 *               parsed by hjmap and, when it is accepted, run over a fixed
 *               set of documents.
 *
 * The design idea: besides "no crash, no leak, no UB" the target checks
 * the promises the rest of iocd builds on, and aborts when one is broken:
 * hjmap_parse returns NULL exactly when it reported an error, and names
 * only keys that were set; an accepted mapping is internally consistent;
 * every emitted record has a metric, unit and area, a finite value, and
 * its ratio parts when it is a ratio; every skipped record is reported once
 * and its report holds no control bytes (a hostile document must not be
 * able to forge log lines).
 *
 * Build and run: `make fuzz` (FUZZ_SECONDS, default 600); a 20 s run is
 * part of `make check` (tests/integration/test_fuzz.sh). Seeds are in
 * tests/fuzz/corpus; an input that once broke something goes to
 * tests/fuzz/regressions, which the check replays one by one. Replay one
 * input with `build/fuzz/fuzz_http_json FILE`.
 */
#include "../../connectors/http_json/hjextract.h"
#include "../../connectors/http_json/hjmap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_http_json: invariant broken at %s:%d: %s\n", __FILE__,        \
                    __LINE__, #cond);                                                             \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* ---- a configuration read from "key = value" lines ---- */

#define FUZZ_MAX_KEYS 160

struct fuzz_source {
    char *text; /* the lines, cut in place */
    const char *keys[FUZZ_MAX_KEYS], *values[FUZZ_MAX_KEYS];
    size_t count;
    size_t errors;
};

static const char *fuzz_find(const struct fuzz_source *s, const char *key)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->keys[i], key) == 0)
            return s->values[i];
    return NULL;
}

static const char *fuzz_get(void *user, const char *key)
{
    return fuzz_find(user, key);
}

/* "metric.*": the index-th key starting with "metric.", in file order. */
static const char *fuzz_family(void *user, const char *family, size_t index)
{
    const struct fuzz_source *s = user;
    size_t n = strlen(family) - 1;
    for (size_t i = 0; i < s->count; i++)
        if (strncmp(s->keys[i], family, n) == 0 && index-- == 0)
            return s->keys[i];
    return NULL;
}

static void fuzz_error(void *user, const char *key, const char *message)
{
    struct fuzz_source *s = user;
    s->errors++;
    FUZZ_CHECK(message && *message);
    /* A mistake is reported at a key that was set, or at none. */
    FUZZ_CHECK(!key || fuzz_find(s, key));
}

static char *fuzz_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Read lines of `len` bytes; ';' and '#' start comments; a key set twice
 * keeps its first value (the daemon refuses the second). */
static int fuzz_source_read(struct fuzz_source *s, const char *data, size_t len)
{
    memset(s, 0, sizeof *s);
    if (!(s->text = malloc(len + 1)))
        return -1;
    memcpy(s->text, data, len);
    s->text[len] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(s->text, "\n", &save); line && s->count < FUZZ_MAX_KEYS;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        line = fuzz_trim(line);
        if (!eq || *line == ';' || *line == '#')
            continue;
        *eq = '\0';
        char *key = fuzz_trim(line), *value = fuzz_trim(eq + 1);
        if (!*key || fuzz_find(s, key))
            continue;
        s->keys[s->count] = key;
        s->values[s->count++] = value;
    }
    return 0;
}

static struct hj_mapping *fuzz_parse(const char *text, size_t len, struct fuzz_source *s)
{
    if (fuzz_source_read(s, text, len) < 0)
        return NULL;
    struct hjmap_source src = {fuzz_get, fuzz_family, fuzz_error, s};
    struct hj_mapping *m = hjmap_parse(&src);
    FUZZ_CHECK((m == NULL) == (s->errors > 0));
    return m;
}

/* What hjmap promises hjextract about an accepted mapping. */
static void fuzz_check_mapping(const struct hj_mapping *m)
{
    /* The units the SDK names (include/ioc/record.h), as hjmap accepts. */
    static const char *const units[] = {
        IOC_UNIT_COUNT, IOC_UNIT_PERCENT, IOC_UNIT_PERMILLE, IOC_UNIT_RATIO, IOC_UNIT_SCORE,
        IOC_UNIT_SECONDS, IOC_UNIT_DAYS, IOC_UNIT_BYTES, IOC_UNIT_VND, IOC_UNIT_CM, IOC_UNIT_MM,
        IOC_UNIT_CELSIUS, IOC_UNIT_UG_M3, IOC_UNIT_M3_S, IOC_UNIT_HA, IOC_UNIT_KM, NULL};
    FUZZ_CHECK(m->records);
    FUZZ_CHECK(!m->area != !m->area_const);
    FUZZ_CHECK(!m->period_from == !m->period_to);
    FUZZ_CHECK(m->dim_count <= HJ_MAX_RECORD_DIMS);
    for (size_t i = 0; i < m->dim_count; i++)
        FUZZ_CHECK(m->dims[i].key && (!m->dims[i].path != !m->dims[i].constant));
    FUZZ_CHECK(m->metric_count >= 1 && m->metric_count <= HJ_MAX_METRICS);
    bool any_sum = false;
    for (size_t i = 0; i < m->metric_count; i++) {
        const struct hj_metric *mt = &m->metrics[i];
        /* A name and a unit, fixed or from the record through a list
         * whose every value is a name or a unit (never both kinds). */
        FUZZ_CHECK(mt->id && !mt->name != !mt->name_from && !mt->unit != !mt->unit_from);
        FUZZ_CHECK(!mt->name_from == !mt->names.count && !mt->unit_from == !mt->units.count);
        for (size_t u = 0; u < mt->units.count + 1; u++) {
            const char *unit = u < mt->units.count ? mt->units.entries[u].value : mt->unit;
            bool unit_ok = !unit && u == mt->units.count;
            for (int k = 0; unit && units[k]; k++)
                unit_ok |= strcmp(unit, units[k]) == 0;
            FUZZ_CHECK(unit_ok);
        }
        for (size_t c = 0; c < mt->names.count; c++)
            FUZZ_CHECK(*mt->names.entries[c].value && *mt->names.entries[c].code);
        /* A record's own target: one record's value, an operator. */
        if (mt->target_from)
            FUZZ_CHECK(!mt->is_ratio && mt->sum == HJ_SUM_NONE && mt->target_op != IOC_TARGET_NONE);
        FUZZ_CHECK(mt->is_ratio == (mt->numerator.count > 0));
        FUZZ_CHECK(mt->is_ratio == (mt->denominator.count > 0));
        FUZZ_CHECK(mt->is_ratio != (mt->value.count > 0));
        FUZZ_CHECK(mt->scale > 0 && isfinite(mt->scale));
        FUZZ_CHECK(mt->decimals >= -1 && mt->decimals <= 6);
        FUZZ_CHECK(mt->keep_count + mt->const_dim_count <= IOC_MAX_DIMS);
        for (size_t k = 0; k < mt->keep_count; k++)
            FUZZ_CHECK(mt->keep[k] < m->dim_count);
        const struct hj_where *conds[] = {&mt->where, &mt->value_if, &mt->numerator_if,
                                          &mt->denominator_if};
        for (size_t c = 0; c < sizeof conds / sizeof conds[0]; c++)
            FUZZ_CHECK(conds[c]->op == HJ_WHERE_ALL || (conds[c]->path && conds[c]->value_count));
        if (mt->is_ratio)
            FUZZ_CHECK(mt->value_if.op == HJ_WHERE_ALL);
        else
            FUZZ_CHECK(mt->numerator_if.op == HJ_WHERE_ALL &&
                       mt->denominator_if.op == HJ_WHERE_ALL);
        any_sum |= mt->sum != HJ_SUM_NONE;
    }
    FUZZ_CHECK(any_sum == m->any_sum);
    FUZZ_CHECK(m->paging.max_pages >= 1);
}

/* ---- the host of a batch ---- */

#define FUZZ_MAX_AREAS 64

struct fuzz_host {
    const struct hj_mapping *m;
    char *areas[FUZZ_MAX_AREAS]; /* codes handed out by resolve, freed per walk */
    size_t area_count;
    size_t rejects, emitted;
};

static bool fuzz_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static void fuzz_reject(void *user, const char *where, const char *field, const char *reason)
{
    struct fuzz_host *h = user;
    h->rejects++;
    FUZZ_CHECK(where && strncmp(where, "page ", 5) == 0);
    FUZZ_CHECK(field && *field);
    FUZZ_CHECK(reason && *reason);
    FUZZ_CHECK(fuzz_printable(where));
    FUZZ_CHECK(fuzz_printable(reason));
}

/* A small gazetteer: 31000 merged into 32002; other 2- and 5-digit codes
 * are current; anything else is refused. Like the daemon's, the returned
 * strings outlive the walk. */
static const char *fuzz_resolve(void *user, const char *code, const char **reason)
{
    struct fuzz_host *h = user;
    size_t n = strlen(code);
    FUZZ_CHECK(reason);
    if (strcmp(code, "31000") == 0)
        return "32002";
    if ((n != 2 && n != 5) || strspn(code, "0123456789") != n) {
        *reason = "is not a 2-digit province or 5-digit commune code";
        return NULL;
    }
    for (size_t i = 0; i < h->area_count; i++)
        if (strcmp(h->areas[i], code) == 0)
            return h->areas[i];
    if (h->area_count == FUZZ_MAX_AREAS || !(h->areas[h->area_count] = strdup(code))) {
        *reason = "is not a code of the gazetteer";
        return NULL;
    }
    return h->areas[h->area_count++];
}

static void fuzz_emit(void *user, const struct ioc_record *r)
{
    struct fuzz_host *h = user;
    h->emitted++;
    FUZZ_CHECK(r->metric && *r->metric);
    FUZZ_CHECK(r->unit && *r->unit);
    FUZZ_CHECK(r->area);
    FUZZ_CHECK(isfinite(r->value));
    /* The name and unit are the configuration's: fixed, or one of a list's
     * values (a feed's text never is one). */
    bool known = false, ratio = false;
    for (size_t i = 0; i < h->m->metric_count; i++) {
        const struct hj_metric *mt = &h->m->metrics[i];
        bool name = mt->name && strcmp(mt->name, r->metric) == 0;
        bool unit = mt->unit && strcmp(mt->unit, r->unit) == 0;
        for (size_t c = 0; c < mt->names.count; c++)
            name |= mt->names.entries[c].value == r->metric;
        for (size_t c = 0; c < mt->units.count; c++)
            unit |= mt->units.entries[c].value == r->unit;
        if (name && unit) {
            known = true;
            ratio |= mt->is_ratio;
        }
    }
    FUZZ_CHECK(known);
    FUZZ_CHECK(r->target_op == IOC_TARGET_NONE || isfinite(r->target));
    if (r->has_ratio_parts) {
        FUZZ_CHECK(ratio);
        FUZZ_CHECK(isfinite(r->numerator) && isfinite(r->denominator));
        FUZZ_CHECK(r->denominator != 0);
    }
    bool ended = false;
    for (int d = 0; d < IOC_MAX_DIMS; d++) {
        if (!r->dims[d].key) {
            ended = true;
            continue;
        }
        FUZZ_CHECK(!ended && r->dims[d].value);
    }
    FUZZ_CHECK(!r->period_from == !r->period_to);
    if (r->period_from)
        FUZZ_CHECK(strlen(r->period_from) == 10 && strlen(r->period_to) == 10);
    if (r->ts)
        FUZZ_CHECK(strlen(r->ts) >= 20 && r->ts[4] == '-' && r->ts[7] == '-');
}

/* One walk: the pages in order, then everything emitted, as http_json's
 * poll does (a page that fails publishes nothing). */
static void fuzz_walk(const struct hj_mapping *m, json_t *const *pages, size_t count)
{
    struct fuzz_host h = {.m = m};
    struct hj_host host = {fuzz_reject, fuzz_resolve, "96", &h};
    struct hj_batch *b = hj_batch_new(m, &host);
    if (!b)
        return;
    bool failed = false;
    size_t seen = 0;
    for (size_t i = 0; i < count && !failed; i++) {
        char why[768] = "";
        long n = hj_batch_add_page(b, pages[i], (int)i + 1, why, sizeof why);
        FUZZ_CHECK(n >= -1);
        if (n < 0) {
            FUZZ_CHECK(*why && fuzz_printable(why));
            failed = true;
            continue;
        }
        seen += (size_t)n;
        FUZZ_CHECK(hj_batch_records(b) == seen);
        FUZZ_CHECK(hj_batch_skipped(b) <= seen);
    }
    FUZZ_CHECK(h.rejects == hj_batch_skipped(b));
    if (!failed) {
        size_t undefined = 0;
        size_t sent = hj_batch_emit(b, fuzz_emit, &h, &undefined);
        FUZZ_CHECK(sent == h.emitted);
        if (!m->any_sum) /* at most one metric of each kind per kept record */
            FUZZ_CHECK(sent + undefined <= (seen - hj_batch_skipped(b)) * m->metric_count);
    }
    hj_batch_free(b);
    for (size_t i = 0; i < h.area_count; i++)
        free(h.areas[i]);
}

/* ---- mode D: fixed mappings, any document ---- */

static const char *const fuzz_mappings[] = {
    /* Page of records: every metric attribute, every filter, both sums. */
    "records = items[]\n"
    "area = maXa\n"
    "area_missing = province\n"
    "time = t\n"
    "period_from = ky.tu\n"
    "period_to = ky.den\n"
    "period_format = date\n"
    "number_strings = comma_decimal\n"
    "dim.operator = nhaMang\n"
    "dim.tech = \"cong.nghe\"\n"
    "dim.kind.const = mobile\n"
    "dim.src = $.nguon\n"
    "metric.subs.name = telecom.subscribers\n"
    "metric.subs.value = thueBao + thueBaoTraSau + 1\n"
    "metric.subs.unit = count\n"
    "metric.subs.optional = true\n"
    "metric.subs.dims = operator, kind\n"
    "metric.subs_area.name = telecom.subscribers\n"
    "metric.subs_area.value = thueBao\n"
    "metric.subs_area.unit = count\n"
    "metric.subs_area.sum = area\n"
    "metric.subs_area.dims = operator\n"
    "metric.subs_96.name = telecom.subscribers\n"
    "metric.subs_96.value = thueBao + -0.5\n"
    "metric.subs_96.unit = count\n"
    "metric.subs_96.sum = province\n"
    "metric.subs_96.dims = none\n"
    "metric.subs_96.decimals = 0\n"
    "metric.rate.name = dvc.on_time\n"
    "metric.rate.numerator = a + b\n"
    "metric.rate.denominator = a + b + c\n"
    "metric.rate.unit = percent\n"
    "metric.rate.target = >= 95\n"
    "metric.rate.decimals = 2\n"
    "metric.rate_96.name = dvc.on_time\n"
    "metric.rate_96.numerator = a + b\n"
    "metric.rate_96.denominator = a + b + c\n"
    "metric.rate_96.unit = percent\n"
    "metric.rate_96.sum = province\n"
    "metric.rate_96.target = <= 5\n"
    "metric.share.numerator = a\n"
    "metric.share.denominator = c\n"
    "metric.share.unit = ratio\n"
    "metric.share.scale = 0.5\n"
    "metric.share.optional = true\n"
    "metric.moi.name = pakn.new\n"
    "metric.moi.value = 1\n"
    "metric.moi.unit = count\n"
    "metric.moi.sum = area\n"
    "metric.moi.if = trangThai == moi\n"
    "metric.scoped.name = pakn.scoped\n"
    "metric.scoped.value = thueBao\n"
    "metric.scoped.unit = count\n"
    "metric.scoped.sum = area\n"
    "metric.scoped.where = nhaMang != VNPT\n"
    "metric.happy.name = pakn.satisfaction\n"
    "metric.happy.numerator = 1\n"
    "metric.happy.numerator_if = danhGia == hai-long\n"
    "metric.happy.denominator = 1\n"
    "metric.happy.denominator_if = danhGia in hai-long, khong-hai-long\n"
    "metric.happy.unit = percent\n"
    "metric.happy.sum = province\n"
    "metric.happy.decimals = 2\n"
    "metric.field.name = pakn.by_field\n"
    "metric.field.value = 1\n"
    "metric.field.unit = count\n"
    "metric.field.where = linhVuc in dat-dai, xay-dung, 3\n"
    "metric.open.name = pakn.open\n"
    "metric.open.value = 1\n"
    "metric.open.unit = count\n"
    "metric.open.where = trangThai != da-xu-ly\n"
    "metric.other.name = pakn.other\n"
    "metric.other.value = 1\n"
    "metric.other.unit = count\n"
    "metric.other.sum = province\n"
    "metric.other.where = $.loai not in 1, 2\n"
    "metric.root.name = feed.total\n"
    "metric.root.value = $.tong\n"
    "metric.root.unit = vnd\n"
    "metric.root.dim.channel = online\n"
    "metric.root.optional = true\n"
    "metric.idx.name = feed.indexed\n"
    "metric.idx.value = arr[0] + arr[1].v + \"a.b\"\n"
    "metric.idx.unit = score\n"
    "metric.idx.optional = true\n"
    "metric.idx.decimals = 6\n",
    /* Nested records, epoch times in another zone, English number text. */
    "records = data[].cells[]\n"
    "area = ma\n"
    "time = ts\n"
    "time_format = epoch_ms\n"
    "time_zone = -03:30\n"
    "number_strings = point_decimal\n"
    "dim.group = $.nhom\n"
    "dim.cell = loai\n"
    "metric.n.name = cells.value\n"
    "metric.n.value = n + $.bonus\n"
    "metric.n.unit = score\n"
    "metric.n.decimals = 3\n"
    "metric.sum.name = cells.value\n"
    "metric.sum.value = n\n"
    "metric.sum.unit = score\n"
    "metric.sum.sum = area\n"
    "metric.sum.dims = cell\n"
    "metric.part.numerator = n\n"
    "metric.part.denominator = d\n"
    "metric.part.unit = percent\n"
    "metric.part.sum = province\n",
    /* The whole page is one record, a fixed area, the portal's compact time. */
    "records = .\n"
    "area_const = 96\n"
    "time = $.capNhat\n"
    "time_format = yyyyMMddHHmmss\n"
    "period_from = tu\n"
    "period_to = den\n"
    "period_format = epoch_s\n"
    "metric.pop.name = population\n"
    "metric.pop.value = danSo.tong\n"
    "metric.pop.unit = count\n"
    "metric.pop.sum = area\n"
    "metric.pct.name = population.urban\n"
    "metric.pct.numerator = danSo.thanhThi\n"
    "metric.pct.denominator = danSo.tong\n"
    "metric.pct.unit = percent\n"
    "metric.pct.decimals = 1\n",
    /* Records under a key, dates, numbers as text refused; names, units
     * and targets from the record (name_from, unit_from, target_from). */
    "records = ketQua.\"du.lieu\"[]\n"
    "area = \"ma xa\"\n"
    "time = ngay\n"
    "time_format = date\n"
    "time_zone = Z\n"
    "dim.year.const = 2025\n"
    "dim.level = capDo\n"
    "metric.cases.name = health.cases\n"
    "metric.cases.value = soCa\n"
    "metric.cases.unit = count\n"
    "metric.days.name = health.days\n"
    "metric.days.value = soNgay\n"
    "metric.days.unit = days\n"
    "metric.days.where = capDo == 1\n"
    "metric.days.sum = area\n"
    "metric.kpi.value = soCa\n"
    "metric.kpi.name_from = maChiTieu\n"
    "metric.kpi.name_map = CT01 = kpi.one, 2 = kpi.two\n"
    "metric.kpi.name_map.three = CT03 = kpi.three\n"
    "metric.kpi.unit_from = donVi\n"
    "metric.kpi.unit_map = % = percent, cm = cm\n"
    "metric.kpi.target_from = <= baoDong\n"
    "metric.kpi.optional = true\n"
    "metric.kpi_sum.value = soCa\n"
    "metric.kpi_sum.name_from = maChiTieu\n"
    "metric.kpi_sum.name_map = CT01 = kpi.one, CT03 = kpi.three\n"
    "metric.kpi_sum.unit = count\n"
    "metric.kpi_sum.sum = province\n",
};

#define FUZZ_MAPPINGS (sizeof fuzz_mappings / sizeof fuzz_mappings[0])

static struct hj_mapping *fuzz_fixed[FUZZ_MAPPINGS];

/* ---- mode M: any mapping, fixed documents ---- */

static const char *const fuzz_document_texts[] = {
    "{\"nguon\": \"vnpt\", \"tong\": 1200, \"loai\": 3, \"total\": 4, \"items\": ["
    "{\"maXa\": \"32002\", \"nhaMang\": \"Viettel\", \"cong.nghe\": \"4G\", \"thueBao\": 10,"
    " \"thueBaoTraSau\": \"1.234\", \"t\": \"2025-08-01T00:05:00+07:00\","
    " \"ky\": {\"tu\": \"2025-07-01\", \"den\": \"2025-07-31\"}, \"a\": 90, \"b\": 5, \"c\": 5,"
    " \"trangThai\": \"moi\", \"linhVuc\": \"dat-dai\", \"arr\": [1, {\"v\": 2}], \"a.b\": 3,"
    " \"danhGia\": \"hai-long\"},"
    "{\"maXa\": 31000, \"nhaMang\": \"VNPT\", \"cong.nghe\": 5, \"thueBao\": 7,"
    " \"thueBaoTraSau\": 0, \"t\": \"2025-08-02T00:00:00Z\","
    " \"ky\": {\"tu\": \"2025-07-01\", \"den\": \"2025-07-31\"}, \"a\": 0, \"b\": 0, \"c\": 0,"
    " \"trangThai\": \"da-xu-ly\", \"linhVuc\": 3},"
    "{\"maXa\": null, \"nhaMang\": \"Viettel\", \"cong.nghe\": \"5G\", \"thueBao\": \"1.234,5\","
    " \"t\": \"2025-08-01T00:05:00+07:00\", \"ky\": {\"tu\": \"2025-07-01\","
    " \"den\": \"2025-07-31\"}, \"a\": 1, \"b\": 1, \"c\": 1},"
    "{\"maXa\": \"99x\", \"thueBao\": true, \"t\": 5},"
    "{\"maXa\": \"32005\", \"nhaMang\": {}, \"thueBao\": 1e300}]}",
    "{\"nhom\": \"A\", \"bonus\": 0.5, \"data\": ["
    "{\"cells\": [{\"ma\": \"32002\", \"loai\": \"x\", \"n\": 1, \"d\": 4, \"ts\": 1753981500250},"
    " {\"ma\": 32005, \"loai\": 7, \"n\": \"1,234.5\", \"d\": 0, \"ts\": \"1753981500000\"}]},"
    "{\"cells\": []}, {\"cells\": [{\"ma\": \"32008\", \"loai\": null, \"n\": 3, \"d\": 3,"
    " \"ts\": -1}]}]}",
    "{\"capNhat\": \"20250801000500\", \"tu\": 1751302800, \"den\": \"1753981500\","
    " \"danSo\": {\"tong\": 1234567, \"thanhThi\": 234567}}",
    "{\"ketQua\": {\"du.lieu\": [{\"ma xa\": \"32002\", \"ngay\": \"2025-07-31\", \"capDo\": 1,"
    " \"soCa\": 3, \"soNgay\": 2.5, \"maChiTieu\": \"CT01\", \"donVi\": \"%\","
    " \"baoDong\": 5}, {\"ma xa\": \"32002\", \"ngay\": \"2025-02-29\","
    " \"capDo\": \"1\", \"soCa\": 1, \"soNgay\": 1, \"maChiTieu\": 2, \"donVi\": \"cm\","
    " \"baoDong\": null}, {\"ma xa\": \"32002\", \"ngay\": \"2025-07-31\", \"soCa\": 1,"
    " \"soNgay\": 1, \"maChiTieu\": \"CT01\\n\", \"donVi\": \"kg\", \"baoDong\": \"x\"}]}}",
    "{\"items\": [1, \"x\", null, [], {\"maXa\": {}}, {\"maXa\": [\"32002\"]}]}",
    "[{\"maXa\": \"32002\"}, 2]",
};

#define FUZZ_DOCUMENTS (sizeof fuzz_document_texts / sizeof fuzz_document_texts[0])

static json_t *fuzz_documents[FUZZ_DOCUMENTS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < FUZZ_MAPPINGS; i++) {
        struct fuzz_source s;
        fuzz_fixed[i] = fuzz_parse(fuzz_mappings[i], strlen(fuzz_mappings[i]), &s);
        free(s.text);
        if (!fuzz_fixed[i]) {
            fprintf(stderr, "fuzz_http_json: fixed mapping %zu is refused\n", i);
            abort();
        }
        fuzz_check_mapping(fuzz_fixed[i]);
    }
    for (size_t i = 0; i < FUZZ_DOCUMENTS; i++) {
        json_error_t e;
        if (!(fuzz_documents[i] = json_loads(fuzz_document_texts[i], 0, &e))) {
            fprintf(stderr, "fuzz_http_json: fixed document %zu: %s\n", i, e.text);
            abort();
        }
    }
    return 0;
}

static void fuzz_document(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!doc)
        return;
    json_t *pages[2] = {doc, doc}; /* two pages: sums run across pages */
    for (size_t i = 0; i < FUZZ_MAPPINGS; i++)
        fuzz_walk(fuzz_fixed[i], pages, 2);
    json_decref(doc);
}

static void fuzz_mapping(const uint8_t *data, size_t size)
{
    struct fuzz_source s;
    struct hj_mapping *m = fuzz_parse((const char *)data, size, &s);
    if (m) {
        fuzz_check_mapping(m);
        for (size_t i = 0; i < FUZZ_DOCUMENTS; i++) {
            json_t *pages[2] = {fuzz_documents[i], fuzz_documents[(i + 1) % FUZZ_DOCUMENTS]};
            fuzz_walk(m, pages, 2);
        }
    }
    hjmap_free(m);
    free(s.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        fuzz_mapping(data + 1, size - 1);
    else
        fuzz_document(data + 1, size - 1);
    return 0;
}
