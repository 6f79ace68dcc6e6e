/*
 * test_hjextract - unit tests of connectors/http_json/hjextract.c: a
 * mapping (parsed by hjmap from key/value pairs) applied to JSON pages
 * through a batch, with the emitted metric records compared line by line.
 *
 * Each emitted record is printed as one line,
 *   <metric> <area> <value> <unit> [k=v...] [ts=..] [period=a..b]
 *   [ratio=num/den] [target>=t | target<=t]
 * numbers in their shortest exact form (so "66.67" means exactly the double
 * nearest 66.67), and each rejected record as "where | field | reason".
 * Pages are freed as soon as the batch has taken them, so an emitted
 * string that still pointed into a page would show under ASan.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../hjextract.h"
#include "hj_kv_mapping.h"

/* ---- the mapping from key/value pairs ---- */

/* ---- the host: rejects, a small gazetteer, emitted records ---- */

#define MAX_LINES 64

struct out {
    char lines[MAX_LINES][512];
    size_t n;
    char rejects[MAX_LINES][512];
    size_t nrej;
    long page_rc[8];
    char why[8][512];
    size_t records, skipped, undefined, sent, resolves;
};

/* The current code of an area: 31000 is an old commune merged into 32002;
 * 99999 is unknown. Returns strings that outlive the call, as the daemon's
 * gazetteer does. */
static const char *host_resolve(void *user, const char *code, const char **reason)
{
    static const char *const known[] = {"96", "32002", "32005", "32008", NULL};
    struct out *o = user;
    o->resolves++;
    if (strcmp(code, "31000") == 0)
        return "32002";
    for (int i = 0; known[i]; i++)
        if (strcmp(code, known[i]) == 0)
            return known[i];
    *reason = "is not a code of the gazetteer";
    return NULL;
}

static void host_reject(void *user, const char *where, const char *field, const char *reason)
{
    struct out *o = user;
    assert_true(o->nrej < MAX_LINES);
    snprintf(o->rejects[o->nrej++], sizeof o->rejects[0], "%s | %s | %s", where,
             field ? field : "-", reason);
}

/* Shortest text that reads back as exactly v. */
static void num(char *out, size_t len, double v)
{
    if (v == (double)(long long)(v < 1e15 && v > -1e15 ? v : 0.5)) {
        snprintf(out, len, "%.0f", v); /* whole numbers in full: 10, not 1e+01 */
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, len, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void host_emit(void *user, const struct ioc_record *r)
{
    struct out *o = user;
    char v[32], a[32], b[32];
    assert_true(o->n < MAX_LINES);
    assert_non_null(r->metric);
    assert_non_null(r->unit);
    assert_non_null(r->area);
    char *line = o->lines[o->n++];
    size_t len = sizeof o->lines[0];
    num(v, sizeof v, r->value);
    int n = snprintf(line, len, "%s %s %s %s", r->metric, r->area, v, r->unit);
    for (int d = 0; d < IOC_MAX_DIMS && r->dims[d].key; d++)
        n += snprintf(line + n, len - (size_t)n, " %s=%s", r->dims[d].key, r->dims[d].value);
    if (r->ts)
        n += snprintf(line + n, len - (size_t)n, " ts=%s", r->ts);
    if (r->period_from || r->period_to)
        n += snprintf(line + n, len - (size_t)n, " period=%s..%s",
                      r->period_from ? r->period_from : "NULL",
                      r->period_to ? r->period_to : "NULL");
    if (r->has_ratio_parts) {
        num(a, sizeof a, r->numerator);
        num(b, sizeof b, r->denominator);
        n += snprintf(line + n, len - (size_t)n, " ratio=%s/%s", a, b);
    }
    if (r->target_op != IOC_TARGET_NONE) {
        num(a, sizeof a, r->target);
        snprintf(line + n, len - (size_t)n, " target%s%s",
                 r->target_op == IOC_TARGET_GE ? ">=" : "<=", a);
    }
}

/* Parse the mapping, add each page (numbered from 1; NULL ends the list)
 * and emit. */
static void run(const struct kv *kv, const char *const *pages, struct out *o)
{
    memset(o, 0, sizeof *o);
    struct hj_mapping *m = kv_mapping(kv);
    struct hj_host host = {host_reject, host_resolve, "96", o};
    struct hj_batch *b = hj_batch_new(m, &host);
    assert_non_null(b);
    for (int i = 0; pages[i]; i++) {
        assert_true(i < 8);
        json_error_t e;
        /* As the connector parses: strings may hold NUL bytes. */
        json_t *doc = json_loads(pages[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        if (!doc)
            print_error("bad test page %d: %s\n", i + 1, e.text);
        assert_non_null(doc);
        o->page_rc[i] = hj_batch_add_page(b, doc, i + 1, o->why[i], sizeof o->why[0]);
        json_decref(doc);
    }
    o->records = hj_batch_records(b);
    o->skipped = hj_batch_skipped(b);
    o->sent = hj_batch_emit(b, host_emit, o, &o->undefined);
    assert_int_equal(o->sent, o->n);
    hj_batch_free(b);
    hjmap_free(m);
}

/* Compare a list of lines (NULL-terminated), showing every difference. */
static void same_lines(char (*got)[512], size_t n, const char *const *want, const char *what)
{
    size_t w = 0;
    while (want[w])
        w++;
    bool differ = n != w;
    for (size_t i = 0; i < n || i < w; i++) {
        const char *g = i < n ? got[i] : "(none)", *x = i < w ? want[i] : "(none)";
        if (strcmp(g, x) != 0) {
            print_error("%s %zu:\n  want: %s\n  got:  %s\n", what, i, x, g);
            differ = true;
        }
    }
    assert_false(differ);
}

static void expect(const struct out *o, const char *const *lines, const char *const *rejects)
{
    static const char *const none[] = {NULL};
    same_lines((char(*)[512])o->lines, o->n, lines, "record");
    same_lines((char(*)[512])o->rejects, o->nrej, rejects ? rejects : none, "reject");
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PAGES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- values ---- */

static void test_value_expressions(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.done.name", "dvc.done"},
        {"metric.done.value", "truoc + dung"},
        {"metric.done.unit", "count"},
        {"metric.adjusted.name", "dvc.adjusted"},
        {"metric.adjusted.value", "qua + 2 + -0.5"},
        {"metric.adjusted.unit", "score"},
        {"metric.quoted.name", "dvc.quoted"},
        {"metric.quoted.value", "\"so.ho\" + chiTieu.\"a/b\""},
        {"metric.quoted.unit", "count"},
        {"metric.records.name", "dvc.records"},
        {"metric.records.value", "1"},
        {"metric.records.unit", "count"},
        {"metric.records.sum", "province"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"truoc\": 10, \"dung\": 5, \"qua\": 1.5, \"so.ho\": 7,"
              " \"chiTieu\": {\"a/b\": 3}},"
              "{\"maXa\": 32005, \"truoc\": 0, \"dung\": 0, \"qua\": 2, \"so.ho\": 0,"
              " \"chiTieu\": {\"a/b\": 0.25}}]}"),
        &o);
    expect(&o,
           LINES("dvc.done 32002 15 count", "dvc.adjusted 32002 3 score",
                 "dvc.quoted 32002 10 count", "dvc.done 32005 0 count",
                 "dvc.adjusted 32005 3.5 score", "dvc.quoted 32005 0.25 count",
                 "dvc.records 96 2 count"),
           NULL);
    assert_int_equal(o.page_rc[0], 2);
    assert_int_equal(o.records, 2);
    assert_int_equal(o.skipped, 0);
    assert_int_equal(o.undefined, 0);
}

static void test_ratios(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.on_time.name", "dvc.on_time"},
        {"metric.on_time.numerator", "truoc + dung"},
        {"metric.on_time.denominator", "truoc + dung + qua"},
        {"metric.on_time.unit", "percent"},
        {"metric.on_time.target", ">= 95"},
        {"metric.on_time.decimals", "2"},
        {"metric.share.numerator", "a"},
        {"metric.share.denominator", "b"},
        {"metric.share.unit", "ratio"},
        {"metric.permille.numerator", "a"},
        {"metric.permille.denominator", "b"},
        {"metric.permille.unit", "score"},
        {"metric.permille.scale", "1000"},
        {"metric.on_time_all.name", "dvc.on_time"},
        {"metric.on_time_all.numerator", "truoc + dung"},
        {"metric.on_time_all.denominator", "truoc + dung + qua"},
        {"metric.on_time_all.unit", "percent"},
        {"metric.on_time_all.target", "<= 99.5"},
        {"metric.on_time_all.decimals", "1"},
        {"metric.on_time_all.sum", "province"},
        {"metric.nothing.numerator", "a"},
        {"metric.nothing.denominator", "zero"},
        {"metric.nothing.unit", "ratio"},
        {"metric.nothing.sum", "province"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"truoc\": 90, \"dung\": 5, \"qua\": 5, \"a\": 1, \"b\": 4,"
              " \"zero\": 0},"
              "{\"maXa\": \"32005\", \"truoc\": 1, \"dung\": 1, \"qua\": 1, \"a\": 0, \"b\": 0,"
              " \"zero\": 0},"
              "{\"maXa\": \"32008\", \"truoc\": 0, \"dung\": 0, \"qua\": 0, \"a\": 2, \"b\": 8,"
              " \"zero\": 0}]}"),
        &o);
    expect(&o,
           LINES("dvc.on_time 32002 95 percent ratio=95/100 target>=95",
                 "share 32002 0.25 ratio ratio=1/4", "permille 32002 250 score ratio=1/4",
                 "dvc.on_time 32005 66.67 percent ratio=2/3 target>=95",
                 "share 32008 0.25 ratio ratio=2/8", "permille 32008 250 score ratio=2/8",
                 "dvc.on_time 96 94.2 percent ratio=97/103 target<=99.5"),
           NULL);
    /* Left out for a zero denominator: on_time of 32008, share and
     * permille of 32005, and the province sum of `nothing`. */
    assert_int_equal(o.undefined, 4);
    assert_int_equal(o.sent, 7);
}

/* ---- sums ---- */

static void test_sum_area_merges_old_codes(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"dim.operator", "nhaMang"},
        {"metric.subs.name", "telecom.subscribers"},
        {"metric.subs.value", "thueBao"},
        {"metric.subs.unit", "count"},
        {"metric.subs.sum", "area"},
        {"metric.total.name", "telecom.subscribers.total"},
        {"metric.total.value", "thueBao"},
        {"metric.total.unit", "count"},
        {"metric.total.sum", "area"},
        {"metric.total.dims", "none"},
        {"metric.row.name", "telecom.row"},
        {"metric.row.value", "thueBao"},
        {"metric.row.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"31000\", \"nhaMang\": \"viettel\", \"thueBao\": 10},"
              "{\"maXa\": \"32002\", \"nhaMang\": \"viettel\", \"thueBao\": 5},"
              "{\"maXa\": \"32002\", \"nhaMang\": \"vnpt\", \"thueBao\": 7},"
              "{\"maXa\": 32005, \"nhaMang\": \"viettel\", \"thueBao\": 1},"
              "{\"maXa\": \"99999\", \"nhaMang\": \"viettel\", \"thueBao\": 100}]}"),
        &o);
    /* Unsummed metrics keep the code as sent (the daemon maps it). */
    expect(&o,
           LINES("telecom.row 31000 10 count operator=viettel",
                 "telecom.row 32002 5 count operator=viettel",
                 "telecom.row 32002 7 count operator=vnpt",
                 "telecom.row 32005 1 count operator=viettel",
                 "telecom.subscribers 32002 15 count operator=viettel",
                 "telecom.subscribers.total 32002 22 count",
                 "telecom.subscribers 32002 7 count operator=vnpt",
                 "telecom.subscribers 32005 1 count operator=viettel",
                 "telecom.subscribers.total 32005 1 count"),
           LINES("page 1 record 5 (area 99999) | maXa | '99999' is not a code of the gazetteer"));
    assert_int_equal(o.records, 5);
    assert_int_equal(o.skipped, 1);
    assert_int_equal(o.resolves, 5);
}

static void test_sum_province_dims(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"dim.operator", "nhaMang"},
        {"dim.kind.const", "mobile"},
        {"metric.all.name", "telecom.bts"},
        {"metric.all.value", "bts"},
        {"metric.all.unit", "count"},
        {"metric.all.sum", "province"},
        {"metric.all.dims", "none"},
        {"metric.by_op.name", "telecom.bts"},
        {"metric.by_op.value", "bts"},
        {"metric.by_op.unit", "count"},
        {"metric.by_op.sum", "province"},
        {"metric.by_op.dim.source", "vnpt_report"},
        {"metric.by_kind.name", "telecom.bts_kind"},
        {"metric.by_kind.value", "bts"},
        {"metric.by_kind.unit", "count"},
        {"metric.by_kind.sum", "province"},
        {"metric.by_kind.dims", "kind"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"nhaMang\": \"viettel\", \"bts\": 10},"
              "{\"maXa\": \"32005\", \"nhaMang\": \"vnpt\", \"bts\": 7},"
              "{\"maXa\": \"32008\", \"nhaMang\": \"viettel\", \"bts\": 5}]}"),
        &o);
    expect(&o,
           LINES("telecom.bts 96 22 count",
                 "telecom.bts 96 15 count operator=viettel kind=mobile source=vnpt_report",
                 "telecom.bts_kind 96 22 count kind=mobile",
                 "telecom.bts 96 7 count operator=vnpt kind=mobile source=vnpt_report"),
           NULL);
}

/* A group's time is its latest record's; its period the first record's. */
static void test_sum_time(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"time", "t"},
        {"metric.s.value", "n"},
        {"metric.s.unit", "count"},
        {"metric.s.sum", "province"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"t\": \"2025-08-01T00:05:00+07:00\", \"n\": 1},"
              "{\"maXa\": \"32005\", \"t\": \"2025-08-02T00:00:00+07:00\", \"n\": 2},"
              "{\"maXa\": \"32008\", \"t\": \"2025-07-30T00:00:00+07:00\", \"n\": 3}]}"),
        &o);
    expect(&o, LINES("s 96 6 count ts=2025-08-02T00:00:00+07:00"), NULL);
}

static void test_multi_page(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "data.items[]"},
        {"area", "maXa"},
        {"metric.total.value", "n"},
        {"metric.total.unit", "count"},
        {"metric.total.sum", "province"},
        {"metric.per.value", "n"},
        {"metric.per.unit", "count"},
        {"metric.per.sum", "area"},
        {"metric.row.value", "n"},
        {"metric.row.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"data\": {\"items\": [{\"maXa\": \"32002\", \"n\": 1},"
              " {\"maXa\": \"32005\", \"n\": 2}]}}",
              "{\"data\": {\"items\": [{\"maXa\": \"31000\", \"n\": 4},"
              " {\"maXa\": \"32005\", \"n\": \"x\"}, {\"maXa\": \"32008\", \"n\": 8}]}}",
              "{\"data\": {\"items\": []}}"),
        &o);
    expect(&o,
           LINES("row 32002 1 count", "row 32005 2 count", "row 31000 4 count",
                 "row 32008 8 count", "total 96 15 count", "per 32002 5 count",
                 "per 32005 2 count", "per 32008 8 count"),
           LINES("page 2 record 2 (area 32005) | n | is a string (\"x\"), expected a number; "
                 "set number_strings to parse it"));
    assert_int_equal(o.page_rc[0], 2);
    assert_int_equal(o.page_rc[1], 3);
    assert_int_equal(o.page_rc[2], 0);
    assert_int_equal(o.records, 5);
    assert_int_equal(o.skipped, 1);
}

/* ---- filters and optional metrics ---- */

static void test_where(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.eq.name", "pakn.eq"},
        {"metric.eq.value", "1"},
        {"metric.eq.unit", "count"},
        {"metric.eq.where", "trangThai == da-xu-ly"},
        {"metric.ne.name", "pakn.ne"},
        {"metric.ne.value", "1"},
        {"metric.ne.unit", "count"},
        {"metric.ne.where", "trangThai != da-xu-ly"},
        {"metric.in.name", "pakn.in"},
        {"metric.in.value", "1"},
        {"metric.in.unit", "count"},
        {"metric.in.where", "linhVuc in dat-dai, xay-dung"},
        {"metric.notin.name", "pakn.notin"},
        {"metric.notin.value", "1"},
        {"metric.notin.unit", "count"},
        {"metric.notin.where", "linhVuc not in dat-dai, xay-dung"},
        {"metric.numeric.name", "pakn.numeric"},
        {"metric.numeric.value", "1"},
        {"metric.numeric.unit", "count"},
        {"metric.numeric.where", "muc == 2"},
        /* Out of scope, a record's fields are not read: none has it. */
        {"metric.late.name", "pakn.late_days"},
        {"metric.late.value", "soNgayTre"},
        {"metric.late.unit", "days"},
        {"metric.late.where", "trangThai == qua-han"},
        /* `if`: a record that fails counts 0, so every group appears. */
        {"metric.resolved.name", "pakn.resolved"},
        {"metric.resolved.value", "1"},
        {"metric.resolved.unit", "count"},
        {"metric.resolved.sum", "area"},
        {"metric.resolved.if", "trangThai == da-xu-ly"},
        /* `where` with a sum: records out of scope make no group. */
        {"metric.scoped.name", "pakn.scoped"},
        {"metric.scoped.value", "1"},
        {"metric.scoped.unit", "count"},
        {"metric.scoped.sum", "area"},
        {"metric.scoped.where", "trangThai == da-xu-ly"},
        {"metric.satisfaction.name", "pakn.satisfaction"},
        {"metric.satisfaction.numerator", "1"},
        {"metric.satisfaction.numerator_if", "danhGia == hai-long"},
        {"metric.satisfaction.denominator", "1"},
        {"metric.satisfaction.denominator_if", "danhGia in hai-long, khong-hai-long"},
        {"metric.satisfaction.unit", "percent"},
        {"metric.satisfaction.decimals", "2"},
        {"metric.satisfaction.sum", "area"},
        /* A failed `if` does not read the value's fields either. */
        {"metric.late_total.name", "pakn.late_total"},
        {"metric.late_total.value", "soNgayTre"},
        {"metric.late_total.unit", "days"},
        {"metric.late_total.sum", "area"},
        {"metric.late_total.if", "trangThai == qua-han"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"trangThai\": \"da-xu-ly\", \"linhVuc\": \"dat-dai\","
              " \"muc\": 2, \"danhGia\": \"hai-long\"},"
              "{\"maXa\": \"32002\", \"trangThai\": \"moi\", \"linhVuc\": \"y-te\", \"muc\": 2.0,"
              " \"danhGia\": \"khong-hai-long\"},"
              "{\"maXa\": \"32005\", \"linhVuc\": null},"
              "{\"maXa\": \"32008\", \"trangThai\": \"moi\", \"linhVuc\": \"xay-dung\","
              " \"muc\": \"2\", \"danhGia\": \"hai-long\"}]}"),
        &o);
    expect(&o,
           LINES("pakn.eq 32002 1 count", "pakn.in 32002 1 count", "pakn.numeric 32002 1 count",
                 "pakn.ne 32002 1 count", "pakn.notin 32002 1 count",
                 "pakn.numeric 32002 1 count", "pakn.ne 32005 1 count",
                 "pakn.notin 32005 1 count", "pakn.ne 32008 1 count", "pakn.in 32008 1 count",
                 "pakn.numeric 32008 1 count",
                 /* groups, in the order they first appeared */
                 "pakn.resolved 32002 1 count", "pakn.scoped 32002 1 count",
                 "pakn.satisfaction 32002 50 percent ratio=1/2", "pakn.late_total 32002 0 days",
                 "pakn.resolved 32005 0 count", "pakn.late_total 32005 0 days",
                 "pakn.resolved 32008 0 count", "pakn.satisfaction 32008 100 percent ratio=1/1",
                 "pakn.late_total 32008 0 days"),
           NULL);
    assert_int_equal(o.skipped, 0);
    assert_int_equal(o.undefined, 1); /* satisfaction of 32005: 0 of 0 rated */
}

static void test_optional(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.a.value", "a"},
        {"metric.a.unit", "count"},
        {"metric.a.optional", "true"},
        {"metric.b.value", "b"},
        {"metric.b.unit", "count"},
        {"metric.c.value", "c + d"},
        {"metric.c.unit", "count"},
        {"metric.c.optional", "true"},
        {"metric.s.value", "a"},
        {"metric.s.unit", "count"},
        {"metric.s.optional", "true"},
        {"metric.s.sum", "province"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4},"
              "{\"maXa\": \"32005\", \"a\": null, \"b\": 5, \"c\": 1},"
              "{\"maXa\": \"32008\", \"a\": 3},"
              "{\"maXa\": \"32002\", \"a\": \"x\", \"b\": 1}]}"),
        &o);
    expect(&o,
           LINES("a 32002 1 count", "b 32002 2 count", "c 32002 7 count", "b 32005 5 count",
                 "s 96 1 count"),
           LINES("page 1 record 3 (area 32008) | b | is missing: no key `b`; keys there are: "
                 "`maXa`, `a`",
                 /* optional covers missing and null, not a wrong type */
                 "page 1 record 4 (area 32002) | a | is a string (\"x\"), expected a number; "
                 "set number_strings to parse it"));
}

static void test_decimals(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area_const", "96"},
        {"metric.two.name", "round.two"},
        {"metric.two.value", "v"},
        {"metric.two.unit", "score"},
        {"metric.two.decimals", "2"},
        {"metric.zero.name", "round.zero"},
        {"metric.zero.value", "v"},
        {"metric.zero.unit", "score"},
        {"metric.zero.decimals", "0"},
        {"metric.raw.name", "round.raw"},
        {"metric.raw.value", "v"},
        {"metric.raw.unit", "score"},
        {"metric.six.name", "round.six"},
        {"metric.six.value", "v"},
        {"metric.six.unit", "score"},
        {"metric.six.decimals", "6"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": [{\"v\": 12.3456}, {\"v\": 2.5}, {\"v\": -2.5}, {\"v\": 0.125},"
              " {\"v\": 1e20}, {\"v\": 0.0000004}]}"),
        &o);
    expect(&o,
           LINES("round.two 96 12.35 score", "round.zero 96 12 score",
                 "round.raw 96 12.3456 score", "round.six 96 12.3456 score",
                 "round.two 96 2.5 score", "round.zero 96 3 score", "round.raw 96 2.5 score",
                 "round.six 96 2.5 score", "round.two 96 -2.5 score", "round.zero 96 -3 score",
                 "round.raw 96 -2.5 score", "round.six 96 -2.5 score",
                 "round.two 96 0.13 score", "round.zero 96 0 score",
                 "round.raw 96 0.125 score", "round.six 96 0.125 score",
                 /* beyond exact integers a value is left as it is */
                 "round.two 96 1e+20 score", "round.zero 96 1e+20 score",
                 "round.raw 96 1e+20 score", "round.six 96 1e+20 score",
                 "round.two 96 0 score", "round.zero 96 0 score", "round.raw 96 4e-07 score",
                 "round.six 96 0 score"),
           NULL);
}

/* ---- areas ---- */

static void test_area_missing_province(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"area_missing", "province"},
        {"metric.x.value", "v"},
        {"metric.x.unit", "count"},
        {"metric.y.value", "v"},
        {"metric.y.unit", "count"},
        {"metric.y.sum", "area"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": [{\"maXa\": null, \"v\": 1}, {\"v\": 2}, {\"maXa\": \"32002\","
              " \"v\": 3}]}"),
        &o);
    expect(&o,
           LINES("x 96 1 count", "x 96 2 count", "x 32002 3 count", "y 96 3 count",
                 "y 32002 3 count"),
           NULL);
}

static void test_area_const(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "."},
        {"area_const", "32005"},
        {"metric.x.value", "danSo.tong"},
        {"metric.x.unit", "count"},
        {"metric.x.sum", "area"},
        {NULL, NULL},
    };
    struct out o;
    run(kv, PAGES("{\"danSo\": {\"tong\": 1000}}", "{\"danSo\": {\"tong\": 24}}"), &o);
    expect(&o, LINES("x 32005 1024 count"), NULL);
    assert_int_equal(o.resolves, 0); /* a fixed code is not looked up */
    assert_int_equal(o.page_rc[0], 1);
    assert_int_equal(o.page_rc[1], 1);
}

/* ---- paths ---- */

static void test_whole_document(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "."},
        {"area_const", "96"},
        {"time", "capNhat"},
        {"time_format", "epoch_ms"},
        {"metric.population.value", "danSo.tong"},
        {"metric.population.unit", "count"},
        {"metric.first.value", "nam[0]"},
        {"metric.first.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"capNhat\": 1753981500250, \"danSo\": {\"tong\": 1234567}, \"nam\": [5, 6]}"),
        &o);
    expect(&o,
           LINES("population 96 1234567 count ts=2025-08-01T00:05:00.250+07:00",
                 "first 96 5 count ts=2025-08-01T00:05:00.250+07:00"),
           NULL);
    assert_int_equal(o.page_rc[0], 1);
}

static void test_nested_records_and_root(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "data[].cells[]"},
        {"area", "ma"},
        {"time", "$.capNhat"},
        {"dim.nhom", "$.nhom"},
        {"dim.loai", "loai"},
        {"metric.x.value", "n + $.bonus"},
        {"metric.x.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"capNhat\": \"2025-08-01T00:05:00+07:00\", \"nhom\": \"A\", \"bonus\": 100,"
              " \"data\": [{\"cells\": [{\"ma\": \"32002\", \"loai\": \"x\", \"n\": 1},"
              " {\"ma\": \"32005\", \"loai\": 7, \"n\": 2}]}, {\"cells\": []},"
              " {\"cells\": [{\"ma\": \"32008\", \"loai\": true, \"n\": 3},"
              " {\"ma\": \"32008\", \"loai\": [], \"n\": 4}]}]}"),
        &o);
    expect(&o,
           LINES("x 32002 101 count nhom=A loai=x ts=2025-08-01T00:05:00+07:00",
                 "x 32005 102 count nhom=A loai=7 ts=2025-08-01T00:05:00+07:00",
                 "x 32008 103 count nhom=A loai=true ts=2025-08-01T00:05:00+07:00"),
           LINES("page 1 record 4 (area 32008) | loai | is an array, expected text or a "
                 "number"));
    assert_int_equal(o.page_rc[0], 4);
}

static void test_records_path_fails(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "data.items[]"},
        {"area", "maXa"},
        {"metric.x.value", "v"},
        {"metric.x.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"data\": {\"duLieu\": [], \"tongSo\": 0}}", "{\"data\": {\"items\": {}}}",
              "[1, 2]"),
        &o);
    assert_int_equal(o.page_rc[0], -1);
    assert_string_equal(o.why[0],
                        "no key `items` under `data`; keys there are: `data.duLieu`, "
                        "`data.tongSo`");
    assert_int_equal(o.page_rc[1], -1);
    assert_string_equal(o.why[1], "`data.items` is an object, not an array");
    assert_int_equal(o.page_rc[2], -1);
    assert_string_equal(o.why[2], "`.` is an array, not an object (step into it with `[]` or "
                                  "`[0]`)");
    assert_int_equal(o.n, 0);
}

/* ---- number strings ---- */

static void test_number_strings(void **state)
{
    (void)state;
    const char *const page = "{\"items\": ["
                             "{\"maXa\": \"32002\", \"v\": \"1.234\"},"
                             "{\"maXa\": \"32002\", \"v\": \"1,234.5\"},"
                             "{\"maXa\": \"32002\", \"v\": \"1.234,5\"},"
                             "{\"maXa\": \"32002\", \"v\": \" -3 \"},"
                             "{\"maXa\": \"32002\", \"v\": \"12.34\"},"
                             "{\"maXa\": \"32002\", \"v\": 7.5}]}";
    struct kv kv[] = {
        {"records", "items[]"},  {"area", "maXa"}, {"number_strings", NULL},
        {"metric.x.value", "v"}, {"metric.x.unit", "score"}, {NULL, NULL},
    };
    struct out o;
    kv[2].value = "reject";
    run(kv, PAGES(page), &o);
    expect(&o, LINES("x 32002 7.5 score"),
           LINES("page 1 record 1 (area 32002) | v | is a string (\"1.234\"), expected a "
                 "number; set number_strings to parse it",
                 "page 1 record 2 (area 32002) | v | is a string (\"1,234.5\"), expected a "
                 "number; set number_strings to parse it",
                 "page 1 record 3 (area 32002) | v | is a string (\"1.234,5\"), expected a "
                 "number; set number_strings to parse it",
                 "page 1 record 4 (area 32002) | v | is a string (\" -3 \"), expected a "
                 "number; set number_strings to parse it",
                 "page 1 record 5 (area 32002) | v | is a string (\"12.34\"), expected a "
                 "number; set number_strings to parse it"));

    kv[2].value = "point_decimal";
    run(kv, PAGES(page), &o);
    expect(&o,
           LINES("x 32002 1.234 score", "x 32002 1234.5 score", "x 32002 -3 score",
                 "x 32002 12.34 score", "x 32002 7.5 score"),
           LINES("page 1 record 3 (area 32002) | v | is a string (\"1.234,5\"), not a number "
                 "in point_decimal notation (unexpected \",\" at byte 6)"));

    kv[2].value = "comma_decimal";
    run(kv, PAGES(page), &o);
    expect(&o,
           LINES("x 32002 1234 score", "x 32002 1234.5 score", "x 32002 -3 score",
                 "x 32002 7.5 score"),
           LINES("page 1 record 2 (area 32002) | v | is a string (\"1,234.5\"), not a number "
                 "in comma_decimal notation (unexpected \".\" at byte 6)",
                 "page 1 record 5 (area 32002) | v | is a string (\"12.34\"), not a number in "
                 "comma_decimal notation (\".\" must split digits into groups of 3)"));
}

/* ---- times ---- */

struct time_case {
    const char *format, *zone, *json, *want;
};

static void test_time_formats(void **state)
{
    (void)state;
    static const struct time_case cases[] = {
        {"rfc3339", NULL, "\"2025-08-01T00:05:00.250Z\"", "2025-08-01T00:05:00.250Z"},
        {"rfc3339", "Z", "\"2025-08-01 00:05:00+07:00\"", "2025-08-01 00:05:00+07:00"},
        {"epoch_s", NULL, "1753981500", "2025-08-01T00:05:00+07:00"},
        {"epoch_s", NULL, "\"1753981500\"", "2025-08-01T00:05:00+07:00"},
        {"epoch_s", NULL, "1753981500.5", "2025-08-01T00:05:00.500+07:00"},
        {"epoch_s", "Z", "1753981500", "2025-07-31T17:05:00Z"},
        {"epoch_ms", NULL, "1753981500250", "2025-08-01T00:05:00.250+07:00"},
        {"epoch_ms", "-03:30", "\"1753981500000\"", "2025-07-31T13:35:00-03:30"},
        {"yyyyMMddHHmmss", NULL, "\"20250801000500\"", "2025-08-01T00:05:00+07:00"},
        {"yyyyMMddHHmmss", NULL, "20250801000500", "2025-08-01T00:05:00+07:00"},
        {"yyyyMMddHHmmss", "+0530", "\"20250801000500\"", "2025-08-01T00:05:00+05:30"},
        {"date", NULL, "\"2025-07-31\"", "2025-07-31T00:00:00+07:00"},
        {"date", "UTC", "\"2025-07-31\"", "2025-07-31T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct time_case *c = &cases[i];
        char page[256], want[256];
        const struct kv kv[] = {
            {"records", "items[]"}, {"area", "maXa"}, {"time", "t"},
            {"time_format", c->format}, {"time_zone", c->zone},
            {"metric.x.value", "1"}, {"metric.x.unit", "count"}, {NULL, NULL},
        };
        snprintf(page, sizeof page, "{\"items\": [{\"maXa\": \"32002\", \"t\": %s}]}", c->json);
        snprintf(want, sizeof want, "x 32002 1 count ts=%s", c->want);
        struct out o;
        run(kv, PAGES(page), &o);
        expect(&o, LINES(want), NULL);
    }
}

static void test_periods(void **state)
{
    (void)state;
    const struct kv dates[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"period_from", "ky.tu"},
        {"period_to", "ky.den"}, {"period_format", "date"}, {"metric.x.value", "1"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    struct out o;
    run(dates,
        PAGES("{\"items\": [{\"maXa\": \"32002\", \"ky\": {\"tu\": \"2025-07-01\","
              " \"den\": \"2025-07-31\"}},"
              "{\"maXa\": \"32005\", \"ky\": {\"tu\": \"2025-07-01\", \"den\": \"31/07/2025\"}}]}"),
        &o);
    expect(&o, LINES("x 32002 1 count period=2025-07-01..2025-07-31"),
           LINES("page 1 record 2 (area 32005) | ky.den | is \"31/07/2025\", not a date in "
                 "yyyy-MM-dd format (expected yyyy-MM-dd)"));

    /* A period follows time_format; an RFC 3339 day is taken in its own
     * offset, an epoch in the zone. */
    const struct kv times[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"time", "t"}, {"time_format", "epoch_s"},
        {"period_from", "a"}, {"period_to", "b"}, {"metric.x.value", "1"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    run(times, PAGES("{\"items\": [{\"maXa\": \"32002\", \"t\": 1753981500, \"a\": 1751302800,"
                     " \"b\": 1753981500}]}"),
        &o);
    expect(&o, LINES("x 32002 1 count ts=2025-08-01T00:05:00+07:00 "
                     "period=2025-07-01..2025-08-01"),
           NULL);
    const struct kv own[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"period_from", "a"}, {"period_to", "b"},
        {"metric.x.value", "1"}, {"metric.x.unit", "count"}, {NULL, NULL},
    };
    run(own, PAGES("{\"items\": [{\"maXa\": \"32002\", \"a\": \"2025-07-01T00:00:00+07:00\","
                   " \"b\": \"2025-07-31T23:00:00-05:00\"}]}"),
        &o);
    expect(&o, LINES("x 32002 1 count period=2025-07-01..2025-07-31"), NULL);
}

/* ---- rejects ---- */

static void test_rejects(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"time", "t"},
        {"dim.operator", "nhaMang"},
        {"metric.a.value", "v"},
        {"metric.a.unit", "count"},
        {"metric.b.value", "w"},
        {"metric.b.unit", "count"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": "
              "\"viettel\", \"v\": 1, \"w\": 2},"
              "{\"maXa\": null, \"t\": \"2025-08-01T00:05:00+07:00\"},"
              "{\"maXa\": 32002.5},"
              "{\"maXa\": {}},"
              "{\"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": \"x\", \"v\": 1, \"w\": 2},"
              "{\"maXa\": \"32005\", \"t\": \"yesterday\"},"
              "{\"maXa\": \"32005\", \"t\": \"2025-13-01T00:00:00Z\"},"
              "{\"maXa\": \"32005\", \"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": {}},"
              "{\"maXa\": \"32005\", \"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": null},"
              "{\"maXa\": \"32005\", \"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": \"x\","
              " \"v\": \"12.345\", \"w\": 1},"
              "{\"maXa\": \"32005\", \"t\": \"2025-08-01T00:05:00+07:00\", \"nhaMang\": \"x\","
              " \"v\": 1, \"w\": true},"
              "5,"
              "{\"maXa\": \"32008\", \"t\": \"2025-08-01T00:06:00+07:00\", \"nhaMang\": 4,"
              " \"v\": 3, \"w\": 4}]}"),
        &o);
    expect(&o,
           LINES("a 32002 1 count operator=viettel ts=2025-08-01T00:05:00+07:00",
                 "b 32002 2 count operator=viettel ts=2025-08-01T00:05:00+07:00",
                 "a 32008 3 count operator=4 ts=2025-08-01T00:06:00+07:00",
                 "b 32008 4 count operator=4 ts=2025-08-01T00:06:00+07:00"),
           LINES("page 1 record 2 | maXa | is null, expected a code such as \"32002\"",
                 "page 1 record 3 | maXa | is a fractional number, expected a code such as "
                 "\"32002\"",
                 "page 1 record 4 | maXa | is not text, expected a code such as \"32002\"",
                 "page 1 record 5 | maXa | is missing: no key `maXa`; keys there are: `t`, "
                 "`nhaMang`, `v`, `w`",
                 "page 1 record 6 (area 32005) | t | is \"yesterday\", not an RFC 3339 time "
                 "(malformed date (expected YYYY-MM-DD))",
                 "page 1 record 7 (area 32005) | t | is \"2025-13-01T00:00:00Z\", not an RFC "
                 "3339 time (month out of range (01..12))",
                 "page 1 record 8 (area 32005) | nhaMang | is an object, expected text or a "
                 "number",
                 "page 1 record 9 (area 32005) | nhaMang | is null",
                 "page 1 record 10 (area 32005) | v | is a string (\"12.345\"), expected a "
                 "number; set number_strings to parse it",
                 "page 1 record 11 (area 32005) | w | is true, not a number",
                 "page 1 record 12 | maXa | cannot be read: `.` is a number, not an object"));
    assert_int_equal(o.page_rc[0], 13);
    assert_int_equal(o.records, 13);
    assert_int_equal(o.skipped, 11);
}

/* A reject is logged: text from the document (here its area codes) must
 * not bring control bytes into the line, or a hostile feed could forge log
 * lines ("\n" then a fake entry). jpath, hjnum and hjtime already show such
 * bytes as '?'. */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* name_from/unit_from through their allow-lists, a sum grouped by the name
 * each record picked, target_from with a missing, a null and a wrong
 * target. */
static void test_from_fields(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.kpi.value", "v"},
        {"metric.kpi.name_from", "code"},
        {"metric.kpi.name_map", "CT01 = a.one, CT02 = a.two"},
        {"metric.kpi.name_map.three", "3 = a.three"},
        {"metric.kpi.unit_from", "unit"},
        {"metric.kpi.unit_map", "% = percent, cm = cm"},
        {"metric.total.value", "v"},
        {"metric.total.name_from", "code"},
        {"metric.total.name_map", "CT01 = t.one, CT02 = t.two, 3 = t.three"},
        {"metric.total.unit", "count"},
        {"metric.total.sum", "province"},
        {"metric.total.where", "unit == cm"},
        {NULL, NULL},
    };
    struct out o;
    run(kv, PAGES("{\"items\": ["
                  "{\"maXa\": \"32002\", \"code\": \"CT01\", \"v\": 40, \"unit\": \"%\"},"
                  "{\"maXa\": \"32005\", \"code\": \"CT02\", \"v\": 7, \"unit\": \"cm\"},"
                  "{\"maXa\": \"32008\", \"code\": 3, \"v\": 2, \"unit\": \"cm\"},"
                  "{\"maXa\": \"32002\", \"code\": \"CT02\", \"v\": 5, \"unit\": \"cm\"},"
                  "{\"maXa\": \"32002\", \"code\": \"ct01\", \"v\": 1, \"unit\": \"%\"},"
                  "{\"maXa\": \"32002\", \"code\": \"CT01\", \"v\": 1, \"unit\": \"kg\"},"
                  "{\"maXa\": \"32002\", \"v\": 1, \"unit\": \"%\"}]}"),
        &o);
    expect(&o,
           LINES("a.one 32002 40 percent", "a.two 32005 7 cm", "a.three 32008 2 cm",
                 "a.two 32002 5 cm", "t.two 96 12 count", "t.three 96 2 count"),
           LINES("page 1 record 5 (area 32002) | code | is \"ct01\", which metric.kpi.name_map "
                 "does not list (3 allowed)",
                 "page 1 record 6 (area 32002) | unit | is \"kg\", which metric.kpi.unit_map does "
                 "not list (2 allowed)",
                 "page 1 record 7 (area 32002) | code | is missing: no key `code`; keys there "
                 "are: `maXa`, `v`, `unit`"));

    const struct kv level[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.level.value", "h"},
        {"metric.level.unit", "cm"},
        {"metric.level.target_from", ">= alarm"},
        {NULL, NULL},
    };
    run(level, PAGES("{\"items\": [{\"maXa\": \"32002\", \"h\": 152, \"alarm\": 150},"
                     "{\"maXa\": \"32005\", \"h\": 98},"
                     "{\"maXa\": \"32008\", \"h\": 98, \"alarm\": null},"
                     "{\"maXa\": \"32002\", \"h\": 3, \"alarm\": \"high\"}]}"),
        &o);
    expect(&o, LINES("level 32002 152 cm target>=150", "level 32005 98 cm", "level 32008 98 cm"),
           LINES("page 1 record 4 (area 32002) | alarm | is a string (\"high\"), expected a "
                 "number; set number_strings to parse it"));
}

static void test_reject_text_printable(void **state)
{
    (void)state;
    const char *const page = "{\"items\": [{\"maXa\": \"3200\\n2\", \"v\": \"x\"},"
                             " {\"maXa\": \"32\\u001b[2J\", \"v\": true}]}";
    const struct kv plain[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {NULL, NULL},
    };
    const struct kv summed[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"metric.x.value", "v"},
        {"metric.x.unit", "count"}, {"metric.x.sum", "area"}, {NULL, NULL},
    };
    const struct kv *const maps[] = {plain, summed};
    for (int i = 0; i < 2; i++) {
        struct out o;
        run(maps[i], PAGES(page), &o);
        assert_int_equal(o.n, 0);
        assert_int_equal(o.nrej, 2);
        for (size_t r = 0; r < o.nrej; r++) {
            if (!printable(o.rejects[r]))
                print_error("control byte in reject %zu: %s\n", r, o.rejects[r]);
            assert_true(printable(o.rejects[r]));
        }
    }
}

/* ---- values that are not finite ---- */

/* Sums of huge numbers overflow: what is emitted must still be a finite
 * number (ioc_record.value), never inf or NaN or what a NaN rounds to. */
static void test_overflow_not_emitted(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"},
        {"area", "maXa"},
        {"metric.big.value", "a + a"},
        {"metric.big.unit", "score"},
        {"metric.pct.numerator", "a + a"},
        {"metric.pct.denominator", "a + a"},
        {"metric.pct.unit", "percent"},
        {"metric.pct.decimals", "2"},
        {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": [{\"maXa\": \"32002\", \"a\": 1e308}, {\"maXa\": \"32005\","
              " \"a\": 1}]}"),
        &o);
    same_lines(o.lines, o.n, LINES("big 32005 2 score", "pct 32005 100 percent ratio=2/2"),
               "record");
}

/* ---- group keys and NUL bytes ---- */

/* Two groups whose dims differ only in where a \x1f falls stay apart
 * (they were one group when a key's parts were joined by \x1f). */
static void test_group_keys_unambiguous(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"dim.a", "a"}, {"dim.b", "b"},
        {"metric.s.name", "s"}, {"metric.s.value", "v"}, {"metric.s.unit", "count"},
        {"metric.s.sum", "area"}, {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"32002\", \"a\": \"x\\u001fy\", \"b\": \"z\", \"v\": 1},"
              "{\"maXa\": \"32002\", \"a\": \"x\", \"b\": \"y\\u001fz\", \"v\": 2},"
              "{\"maXa\": \"32002\", \"a\": \"x\", \"b\": \"y\\u001fz\", \"v\": 4}]}"),
        &o);
    expect(&o, LINES("s 32002 1 count a=x\x1fy b=z", "s 32002 6 count a=x b=y\x1fz"), NULL);
}

/* A NUL byte inside a string used as area, dim or condition rejects the
 * record with a reason; read as C text it would be silently cut, and
 * "3200\u00002" would count as commune 3200. */
static void test_nul_in_strings(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"dim.op", "op"},
        {"metric.w.name", "w"}, {"metric.w.value", "v"}, {"metric.w.unit", "count"},
        {"metric.w.where", "st == done"}, {"metric.w.optional", "true"}, {NULL, NULL},
    };
    struct out o;
    run(kv,
        PAGES("{\"items\": ["
              "{\"maXa\": \"3200\\u00002\", \"op\": \"vt\", \"st\": \"done\", \"v\": 1},"
              "{\"maXa\": \"32002\", \"op\": \"vt\\u0000x\", \"st\": \"done\", \"v\": 1},"
              "{\"maXa\": \"32005\", \"op\": \"vt\", \"st\": \"done\\u0000no\", \"v\": 1},"
              "{\"maXa\": \"32005\", \"op\": \"vt\", \"st\": \"done\", \"v\": \"\\u0000\"},"
              "{\"maXa\": \"32008\", \"op\": \"vt\", \"st\": \"done\", \"v\": 1}]}"),
        &o);
    expect(&o, LINES("w 32008 1 count op=vt"),
           LINES("page 1 record 1 | maXa | contains a NUL byte",
                 "page 1 record 2 (area 32002) | op | contains a NUL byte",
                 "page 1 record 3 (area 32005) | st | contains a NUL byte",
                 /* optional: a value that is there but unusable is no absent value */
                 "page 1 record 4 (area 32005) | v | contains a NUL byte"));
    assert_int_equal(o.records, 5);
    assert_int_equal(o.skipped, 4);
}

/* ---- running out of memory ---- */

/* The test is linked with -Wl,--wrap=malloc (tests.mk): the batch's own
 * allocations come here and the Nth from now can be made to fail. */
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
static long malloc_fail_in = -1; /* calls before one fails; -1 = never */
void *__wrap_malloc(size_t size)
{
    if (malloc_fail_in >= 0 && malloc_fail_in-- == 0)
        return NULL;
    return __real_malloc(size);
}

/* Counts records, checking each is whole: area and every dim set. */
static void count_whole(void *user, const struct ioc_record *r)
{
    assert_non_null(r->area);
    assert_non_null(r->ts);
    for (int d = 0; d < IOC_MAX_DIMS && r->dims[d].key; d++)
        assert_non_null(r->dims[d].value);
    ++*(size_t *)user;
}

/* Whichever allocation fails (a chunk of the arena holding a record's
 * dims, its time, its area, an item block), the page fails as "out of
 * memory" and the batch can still be emitted and freed: nothing half
 * made is used (the dims' array was used unchecked). */
static void test_out_of_memory(void **state)
{
    (void)state;
    const struct kv kv[] = {
        {"records", "items[]"}, {"area", "maXa"}, {"dim.op", "op"}, {"dim.kind", "k"},
        {"time", "t"}, {"metric.v.name", "v"}, {"metric.v.value", "v"},
        {"metric.v.unit", "count"}, {"metric.s.name", "s"}, {"metric.s.value", "v"},
        {"metric.s.unit", "count"}, {"metric.s.sum", "area"}, {NULL, NULL},
    };
    enum { RECORDS = 3000 };
    json_t *items = json_array();
    for (int i = 0; i < RECORDS; i++) {
        char op[32];
        snprintf(op, sizeof op, "operator-%d", i);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:i}", "maXa", "32002",
                                               "op", op, "k", "mobile",
                                               "t", "2025-08-01T08:00:00+07:00", "v", i));
    }
    json_t *page = json_pack("{s:o}", "items", items);
    struct hj_mapping *m = kv_mapping(kv);
    struct out o = {0};
    struct hj_host host = {host_reject, host_resolve, "96", &o};
    long failures = 0;
    for (long k = 0; k < 1000; k++) {
        struct hj_batch *b = hj_batch_new(m, &host);
        assert_non_null(b);
        char why[256] = "";
        malloc_fail_in = k;
        long rc = hj_batch_add_page(b, page, 1, why, sizeof why);
        bool failed = malloc_fail_in < 0;
        malloc_fail_in = -1;
        if (failed) {
            assert_int_equal(rc, -1);
            assert_string_equal(why, "out of memory while extracting records");
            failures++;
        } else {
            assert_int_equal(rc, RECORDS);
        }
        /* Even a failed batch holds only whole items: every string an
         * emitted record points to is there. */
        size_t seen = 0;
        hj_batch_emit(b, count_whole, &seen, NULL);
        assert_true(seen <= 2 * RECORDS);
        hj_batch_free(b);
        if (!failed)
            break;
    }
    assert_true(failures > 3); /* several allocations were made to fail */
    assert_int_equal(o.nrej, 0);
    hjmap_free(m);
    json_decref(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_expressions),
        cmocka_unit_test(test_ratios),
        cmocka_unit_test(test_sum_area_merges_old_codes),
        cmocka_unit_test(test_sum_province_dims),
        cmocka_unit_test(test_sum_time),
        cmocka_unit_test(test_multi_page),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_from_fields),
        cmocka_unit_test(test_optional),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_area_missing_province),
        cmocka_unit_test(test_area_const),
        cmocka_unit_test(test_whole_document),
        cmocka_unit_test(test_nested_records_and_root),
        cmocka_unit_test(test_records_path_fails),
        cmocka_unit_test(test_number_strings),
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_reject_text_printable),
        cmocka_unit_test(test_overflow_not_emitted),
        cmocka_unit_test(test_group_keys_unambiguous),
        cmocka_unit_test(test_nul_in_strings),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
