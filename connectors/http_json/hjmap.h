/*
 * hjmap - the mapping of an http_json instance: which JSON values become
 * which metrics, read from the instance's configuration once.
 *
 * The design idea: every setting is parsed and judged here, at
 * configuration time, into plain structs (paths already compiled, units and
 * operators already checked), so that a mistake is reported by
 * `iocd --check-config` with the file and line of the key, and the per-poll
 * code (hjextract) never parses text. The parser reads the configuration
 * through a small interface (struct hjmap_source) instead of the SDK, so
 * tests and the fuzzer can hand it any set of keys.
 *
 * The keys are documented in docs/http_json.md; in short:
 *
 *   records = data.items[]          area = maXa        time = updatedAt
 *   dim.operator = nhaMang          dim.kind.const = mobile
 *   metric.subs.name  = telecom.subscribers.mobile
 *   metric.subs.value = thueBaoDiDong        (a sum: a + b + 2 also works)
 *   metric.subs.unit  = count
 *   metric.share.numerator = a   metric.share.denominator = a + b
 *   metric.x.sum = area | province   metric.x.where = trangThai == moi
 *
 * A report of indicators keyed by a code takes its names, units and
 * targets from each record, through allow-lists (hjcode):
 *   metric.kpi.name_from = ma_chi_tieu   metric.kpi.name_map = CT01 = a.b, CT02 = c.d
 *   metric.kpi.unit_from = don_vi        metric.kpi.unit_map = % = percent
 *   metric.level.target_from = <= muc_bao_dong
 */
#ifndef HTTP_JSON_HJMAP_H
#define HTTP_JSON_HJMAP_H

#include "hjcode.h"
#include "hjnum.h"
#include "hjtime.h"
#include "jpath.h"

#include <ioc/record.h>
#include <stdbool.h>
#include <stddef.h>

#define HJ_EXPR_TERMS 8   /* terms of one value expression */
#define HJ_WHERE_VALUES 16
#define HJ_MAX_RECORD_DIMS IOC_MAX_DIMS
#define HJ_MAX_METRICS 64 /* metric.<id> entries of one instance */
#define HJ_MAX_ID 120     /* bytes of a metric id */

/* How the configuration is read. `get` returns a key's value or NULL when
 * unset; `family` the index-th set key of a family ("metric.*") or NULL;
 * `error` reports a mistake about `key`. */
struct hjmap_source {
    const char *(*get)(void *user, const char *key);
    const char *(*family)(void *user, const char *family, size_t index);
    void (*error)(void *user, const char *key, const char *message);
    void *user;
};

/* One term of a value expression: a path, or a constant when path is
 * NULL. */
struct hj_term {
    struct jpath *path;
    double constant;
};

/* A sum of terms, e.g. "daXuLyTruocHan + daXuLyDungHan". */
struct hj_expr {
    struct hj_term terms[HJ_EXPR_TERMS];
    size_t count;
};

enum hj_where_op { HJ_WHERE_ALL, HJ_WHERE_EQ, HJ_WHERE_NE, HJ_WHERE_IN, HJ_WHERE_NOT_IN };

/* A condition on a record: `path == text`, `path != text`,
 * `path in a, b`, `path not in a, b`. A missing or null field matches only
 * != and "not in". Used as a metric's scope (`where`: records that do not
 * match are ignored) and as conditions on its values (`if`,
 * `numerator_if`, `denominator_if`: a record that does not match counts
 * 0, so with a sum its group still appears). */
struct hj_where {
    enum hj_where_op op;
    struct jpath *path;
    char *values[HJ_WHERE_VALUES];
    size_t value_count;
};

enum hj_sum { HJ_SUM_NONE, HJ_SUM_AREA, HJ_SUM_PROVINCE };

/* A dimension taken from every record: dim.<key> = path, or
 * dim.<key>.const = text. */
struct hj_record_dim {
    char *key;
    struct jpath *path;  /* NULL for a constant */
    char *constant;
};

struct hj_metric {
    char *id;                 /* "subs" of metric.subs.* */
    char *config_key;         /* one of its keys, for messages */
    char *name;               /* published name */
    char *unit;
    bool is_ratio;
    struct hj_expr value;     /* !is_ratio */
    struct hj_expr numerator, denominator; /* is_ratio */
    double scale;             /* ratio multiplier: 100 for percent */
    enum hj_sum sum;
    struct hj_where where;     /* scope */
    struct hj_where value_if, numerator_if, denominator_if;
    bool value_given, numerator_given, denominator_given; /* even if wrong */
    /* Which record dims this metric keeps (indexes into mapping dims), in
     * order; then its own constant dims. */
    size_t keep[HJ_MAX_RECORD_DIMS];
    size_t keep_count;
    struct ioc_dim const_dims[IOC_MAX_DIMS]; /* key/value strings owned */
    size_t const_dim_count;
    bool optional;            /* a missing/null field skips this metric only */
    int decimals;             /* round to this many decimals, -1 = as is */
    enum ioc_target_op target_op;
    double target;            /* target_op's value, unless target_from */
    /* From the record (NULL: the fixed name, unit, target above). A name
     * or unit is the text of the field looked up in names or units: an
     * allow-list, so feed text never becomes one. */
    struct jpath *name_from, *unit_from, *target_from;
    struct hj_codes names, units;
    bool names_given, units_given; /* even if wrong */
};

enum hj_pagination { HJ_PAGES_NONE, HJ_PAGES_NUMBER, HJ_PAGES_NEXT_LINK, HJ_PAGES_CURSOR };

struct hj_paging {
    enum hj_pagination style;
    /* page numbers */
    char *page_param, *size_param;
    long long page_size, page_first;
    struct jpath *total;       /* NULL: stop at the first empty page */
    bool total_is_pages;       /* total counts pages, not records */
    /* next link */
    struct jpath *next_link;
    /* cursor */
    char *cursor_param;
    struct jpath *cursor, *has_more; /* has_more may be NULL */
    long long max_pages;
};

struct hj_mapping {
    struct jpath *records;     /* "." = the whole document is one record */
    struct jpath *area;        /* NULL when area_const is set */
    char *area_const;
    bool area_missing_province;/* absent/null area -> the province */
    struct jpath *time;        /* NULL = time of the poll */
    enum hjtime_format time_format;
    int zone_minutes;
    struct jpath *period_from, *period_to;
    enum hjtime_format period_format;
    enum hjnum_strings number_strings;
    struct hj_record_dim dims[HJ_MAX_RECORD_DIMS];
    size_t dim_count;
    struct hj_metric *metrics;
    size_t metric_count;
    bool any_sum;
    struct hj_paging paging;
};

/* The fixed keys hjmap reads (the families are "metric.*" and "dim.*"),
 * NULL-terminated; http_json's config table declares the same. */
extern const char *const hjmap_keys[];

/* Parse the whole mapping. Reports every mistake through src->error (not
 * only the first) and returns NULL if there was one; otherwise a mapping
 * to release with hjmap_free(). */
struct hj_mapping *hjmap_parse(const struct hjmap_source *src);
void hjmap_free(struct hj_mapping *m);

/* Parse a value expression ("a + b", "1", "\"1\"") into *e. Returns 0, or
 * -1 with a reason in why. Exposed for tests. */
int hjmap_expr_parse(const char *text, struct hj_expr *e, char *why, size_t whylen);
void hjmap_expr_free(struct hj_expr *e);

#endif
