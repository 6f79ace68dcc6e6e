/*
 * telecom_report - one operator report (all its pages) to metrics.
 *
 * Each item is one operator's figures for one commune. An item is either
 * used whole or not at all: if any field is missing, null, of the wrong
 * type or out of range, the item is rejected (naming the page, the
 * commune/operator and the first bad field) and none of its metrics are
 * published nor counted in the province totals. So the province figures
 * (area "96") are always exactly the sums of the commune figures on the
 * screen: BTS per operator x technology and per technology, subscribers
 * per operator and overall, and each operator's share of the subscribers
 * (a percent with its numerator and denominator). Coverage and FTTH
 * percentages have no denominator in the feed, so they are not summed.
 */
#include "telecom.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TELECOM_MAX_OPERATORS 16

struct telecom_operator {
    const char *name;
    double mobile, fixed;
    double bts[TELECOM_MAX_TECHS]; /* indexed like telecom_totals.tech */
    bool has_bts[TELECOM_MAX_TECHS];
};

/* The province sums over the items that were published. */
struct telecom_totals {
    struct telecom_operator op[TELECOM_MAX_OPERATORS];
    size_t nop;
    const char *tech[TELECOM_MAX_TECHS];
    double tech_bts[TELECOM_MAX_TECHS];
    size_t ntech;
    double mobile, fixed;
    const char *ts; /* the latest updatedAt of the items counted */
    int64_t ts_ms;
    size_t counted;
};


/* Index of `name` in `list` (of *n), appended when new and there is room;
 * -1 when full. With `add` false, only says whether it would fit. */
static int telecom_slot(const char **list, size_t *n, size_t max, const char *name, bool add)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], name) == 0)
            return (int)i;
    if (*n == max)
        return -1;
    if (add)
        list[*n] = name;
    return add ? (int)(*n)++ : (int)*n;
}

static int telecom_op_slot(struct telecom_totals *t, const char *name, bool add)
{
    for (size_t i = 0; i < t->nop; i++)
        if (strcmp(t->op[i].name, name) == 0)
            return (int)i;
    if (t->nop == TELECOM_MAX_OPERATORS)
        return -1;
    if (add)
        t->op[t->nop].name = name;
    return add ? (int)t->nop++ : (int)t->nop;
}

/* "2025-07-05T09:00:00+07:00" (RFC 3339) or the portal's
 * "20250705090000" (taken as +07:00) to Unix milliseconds, by the daemon's
 * parser; -1 when it is neither. Only orders the items' times. */
static int telecom_epoch(const char *s, int64_t *out)
{
    char rfc[32];
    if (strlen(s) == 14 && strspn(s, "0123456789") == 14) {
        snprintf(rfc, sizeof rfc, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s+07:00", s, s + 4, s + 6, s + 8,
                 s + 10, s + 12);
        s = rfc;
    }
    return ioc_time_parse(s, out, NULL, NULL);
}

/* Publish one item's metrics; true when all were accepted (the first one
 * refused, usually for its commune code, stops the item). */
static bool telecom_item_emit(ioc_ctx *ctx, const struct telecom_options *opt,
                              const struct telecom_item *it, const char *from, const char *to)
{
    struct ioc_record r = {.ts = it->ts, .period_from = from, .period_to = to, .area = it->code};
    r.dims[0] = (struct ioc_dim){"operator", it->oper};
    r.unit = "count";
    r.metric = "telecom.subscribers.mobile", r.value = it->mobile;
    if (ioc_emit(ctx, &r) != IOC_OK)
        return false;
    bool ok = true;
    r.metric = "telecom.subscribers.fixed_broadband", r.value = it->fixed;
    ok &= ioc_emit(ctx, &r) == IOC_OK;
    r.metric = "telecom.bts";
    for (size_t i = 0; i < it->ntech; i++) {
        r.dims[1] = (struct ioc_dim){"technology", it->tech[i]};
        r.value = it->bts[i];
        ok &= ioc_emit(ctx, &r) == IOC_OK;
    }
    r.unit = "percent", r.metric = "telecom.coverage";
    r.dims[1] = (struct ioc_dim){"technology", "4G"};
    r.value = it->cov4g;
    ok &= ioc_emit(ctx, &r) == IOC_OK;
    r.dims[1] = (struct ioc_dim){"technology", "5G"};
    r.value = it->cov5g;
    if (opt->has_5g_target)
        r.target_op = IOC_TARGET_GE, r.target = opt->coverage_5g_target;
    ok &= ioc_emit(ctx, &r) == IOC_OK;
    r.target_op = IOC_TARGET_NONE;
    r.dims[1] = (struct ioc_dim){NULL, NULL};
    r.metric = "telecom.ftth_households", r.value = it->ftth;
    ok &= ioc_emit(ctx, &r) == IOC_OK;
    return ok;
}

static void telecom_count(struct telecom_totals *t, const struct telecom_item *it)
{
    struct telecom_operator *op = &t->op[telecom_op_slot(t, it->oper, true)];
    op->mobile += it->mobile, op->fixed += it->fixed;
    t->mobile += it->mobile, t->fixed += it->fixed;
    for (size_t i = 0; i < it->ntech; i++) {
        int k = telecom_slot(t->tech, &t->ntech, TELECOM_MAX_TECHS, it->tech[i], true);
        op->bts[k] += it->bts[i], op->has_bts[k] = true;
        t->tech_bts[k] += it->bts[i];
    }
    int64_t ms;
    if (telecom_epoch(it->ts, &ms) == 0 && (!t->ts || ms > t->ts_ms))
        t->ts = it->ts, t->ts_ms = ms;
    t->counted++;
}

/* Do the item's operator and technologies fit in the totals? NULL, or
 * why not (and *field says which). */
static const char *telecom_fits(struct telecom_totals *t, const struct telecom_item *it,
                                const char **field)
{
    const char *tech[TELECOM_MAX_TECHS];
    size_t n = t->ntech;
    memcpy(tech, t->tech, sizeof tech);
    *field = "nhaMang";
    if (telecom_op_slot(t, it->oper, false) < 0)
        return "is one operator too many: a report has at most 16";
    *field = "btsTheoCongNghe";
    for (size_t i = 0; i < it->ntech; i++)
        if (telecom_slot(tech, &n, TELECOM_MAX_TECHS, it->tech[i], true) < 0)
            return "brings one technology too many: a report has at most 8";
    return NULL;
}

/* An operator's share of a province sum, in percent with its parts,
 * rounded to 0.01. */
static void telecom_share(ioc_ctx *ctx, struct ioc_record *r, const char *metric, double part,
                          double whole)
{
    if (whole <= 0)
        return;
    r->metric = metric, r->unit = "percent";
    r->value = (double)(int64_t)(10000.0 * part / whole + 0.5) / 100.0;
    r->has_ratio_parts = true, r->numerator = part, r->denominator = whole;
    ioc_emit(ctx, r);
    r->has_ratio_parts = false;
}

static void telecom_totals_emit(ioc_ctx *ctx, const struct telecom_totals *t, const char *from,
                                const char *to)
{
    struct ioc_record r = {.ts = t->ts, .period_from = from, .period_to = to, .area = "96"};
    for (size_t o = 0; o < t->nop; o++) {
        const struct telecom_operator *op = &t->op[o];
        r.dims[0] = (struct ioc_dim){"operator", op->name};
        r.dims[1] = (struct ioc_dim){NULL, NULL};
        r.unit = "count";
        r.metric = "telecom.subscribers.mobile", r.value = op->mobile;
        ioc_emit(ctx, &r);
        r.metric = "telecom.subscribers.fixed_broadband", r.value = op->fixed;
        ioc_emit(ctx, &r);
        telecom_share(ctx, &r, "telecom.market_share.mobile", op->mobile, t->mobile);
        telecom_share(ctx, &r, "telecom.market_share.fixed_broadband", op->fixed, t->fixed);
        r.metric = "telecom.bts", r.unit = "count";
        for (size_t k = 0; k < t->ntech; k++) {
            if (!op->has_bts[k])
                continue;
            r.dims[1] = (struct ioc_dim){"technology", t->tech[k]};
            r.value = op->bts[k];
            ioc_emit(ctx, &r);
        }
    }
    r.dims[0] = r.dims[1] = (struct ioc_dim){NULL, NULL};
    r.metric = "telecom.subscribers.mobile", r.value = t->mobile;
    ioc_emit(ctx, &r);
    r.metric = "telecom.subscribers.fixed_broadband", r.value = t->fixed;
    ioc_emit(ctx, &r);
    r.metric = "telecom.bts";
    for (size_t k = 0; k < t->ntech; k++) {
        r.dims[0] = (struct ioc_dim){"technology", t->tech[k]};
        r.value = t->tech_bts[k];
        ioc_emit(ctx, &r);
    }
}

size_t telecom_report_emit(ioc_ctx *ctx, const struct telecom_options *opt, json_t *const *pages,
                           size_t npages, const char *from, const char *to)
{
    static const struct telecom_totals empty;
    struct telecom_totals t = empty;
    for (size_t p = 0; p < npages; p++) {
        size_t i;
        json_t *item;
        json_array_foreach (json_object_get(pages[p], "items"), i, item) {
            struct telecom_item it = {0};
            if (telecom_item_read(ctx, item, p + 1, i, &it) < 0)
                continue;
            const char *field, *why = telecom_fits(&t, &it, &field);
            if (why) {
                char where[64];
                snprintf(where, sizeof where, "page %zu item %zu", p + 1, i + 1);
                ioc_reject(ctx, where, field, why);
                continue;
            }
            if (telecom_item_emit(ctx, opt, &it, from, to))
                telecom_count(&t, &it);
        }
    }
    if (t.counted)
        telecom_totals_emit(ctx, &t, from, to);
    return t.counted;
}

int telecom_period(const char *month, char from[11], char to[11])
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, n = 0;
    if (!month || strlen(month) != 7 || month[4] != '-' ||
        sscanf(month, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 || y < 1900 || m < 1 || m > 12)
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (month[i] < '0' || month[i] > '9'))
            return -1;
    int last = days[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    memcpy(from, month, 7), memcpy(from + 7, "-01", 4);
    memcpy(to, month, 7), to[7] = '-';
    to[8] = (char)('0' + last / 10), to[9] = (char)('0' + last % 10), to[10] = '\0';
    return 0;
}
