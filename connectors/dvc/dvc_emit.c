/*
 * dvc_emit - the metrics of one complete walk.
 *
 * Every aggregate - one agency, one commune (the sum of its commune units,
 * keyed by maXa as sent), the province (area "96", the sum of every
 * accepted record) - gets the same set of metrics from the same summed
 * counts, so a ratio is always numerator/denominator of sums and never an
 * average of ratios. A ratio whose denominator is 0 is undefined and not
 * emitted. See docs/metrics/dvc.md for the list.
 */
#include "dvc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DVC_PROVINCE "96"

struct dvc_out {
    ioc_ctx *ctx;
    const struct dvc *cfg;
    const struct dvc_walk *w;
    size_t emitted;
};

static void dvc_put(struct dvc_out *o, struct ioc_record *r)
{
    if (ioc_emit(o->ctx, r) == IOC_OK)
        o->emitted++;
}

/* A count, with an optional dimension after the agency one. */
static void dvc_count(struct dvc_out *o, struct ioc_record r, const char *metric,
                      const char *dim, const char *dim_value, uint64_t value)
{
    r.metric = metric, r.unit = "count", r.value = (double)value;
    if (dim) {
        size_t d = r.dims[0].key ? 1 : 0;
        r.dims[d].key = dim, r.dims[d].value = dim_value;
    }
    dvc_put(o, &r);
}

/* A percentage num/den with its parts; nothing when den is 0. */
static void dvc_ratio(struct dvc_out *o, struct ioc_record r, const char *metric, uint64_t num,
                      uint64_t den, bool has_target, double target)
{
    if (den == 0)
        return;
    r.metric = metric, r.unit = "percent";
    r.value = 100.0 * (double)num / (double)den;
    r.has_ratio_parts = true, r.numerator = (double)num, r.denominator = (double)den;
    if (has_target)
        r.target_op = IOC_TARGET_GE, r.target = target;
    dvc_put(o, &r);
}

/* The whole set of metrics for one aggregate. `agency` NULL: area level. */
static void dvc_set(struct dvc_out *o, const char *area, const char *agency,
                    const uint64_t v[DVC_FIELDS])
{
    struct ioc_record r = {.ts = o->w->ts, .area = area};
    if (o->w->from[0])
        r.period_from = o->w->from, r.period_to = o->w->to;
    if (agency)
        r.dims[0].key = "agency", r.dims[0].value = agency;
    dvc_count(o, r, "dvc.dossiers.received", NULL, NULL, v[DVC_RECEIVED]);
    dvc_count(o, r, "dvc.dossiers.received_by_channel", "channel", "online", v[DVC_ONLINE]);
    dvc_count(o, r, "dvc.dossiers.received_by_channel", "channel", "in_person", v[DVC_IN_PERSON]);
    dvc_count(o, r, "dvc.dossiers.received_by_channel", "channel", "postal", v[DVC_POSTAL]);
    dvc_count(o, r, "dvc.dossiers.resolved", "timeliness", "early", v[DVC_EARLY]);
    dvc_count(o, r, "dvc.dossiers.resolved", "timeliness", "on_time", v[DVC_ON_TIME]);
    dvc_count(o, r, "dvc.dossiers.resolved", "timeliness", "late", v[DVC_LATE]);
    dvc_count(o, r, "dvc.dossiers.pending", "deadline", "within", v[DVC_WITHIN]);
    dvc_count(o, r, "dvc.dossiers.pending", "deadline", "overdue", v[DVC_OVERDUE]);
    dvc_count(o, r, "dvc.ratings", "rating", "very_satisfied", v[DVC_VERY_SATISFIED]);
    dvc_count(o, r, "dvc.ratings", "rating", "satisfied", v[DVC_SATISFIED]);
    dvc_count(o, r, "dvc.ratings", "rating", "unsatisfied", v[DVC_UNSATISFIED]);

    uint64_t in_time = v[DVC_EARLY] + v[DVC_ON_TIME];
    uint64_t happy = v[DVC_VERY_SATISFIED] + v[DVC_SATISFIED];
    dvc_ratio(o, r, "dvc.on_time_ratio", in_time, in_time + v[DVC_LATE],
              o->cfg->has_on_time_target, o->cfg->on_time_target);
    dvc_ratio(o, r, "dvc.online_ratio", v[DVC_ONLINE], v[DVC_RECEIVED],
              o->cfg->has_online_target, o->cfg->online_target);
    dvc_ratio(o, r, "dvc.satisfaction_ratio", happy, happy + v[DVC_UNSATISFIED],
              o->cfg->has_satisfaction_target, o->cfg->satisfaction_target);
}

static void dvc_add(uint64_t sum[DVC_FIELDS], const uint64_t v[DVC_FIELDS])
{
    for (int f = 0; f < DVC_FIELDS; f++)
        sum[f] += v[f];
}

/* qsort orders: by maDinhDanh then position; by commune code. */
static int dvc_by_id(const void *a, const void *b)
{
    const struct dvc_unit *x = *(struct dvc_unit *const *)a, *y = *(struct dvc_unit *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x < y ? -1 : x > y);
}

static int dvc_by_area(const void *a, const void *b)
{
    const struct dvc_unit *x = *(struct dvc_unit *const *)a, *y = *(struct dvc_unit *const *)b;
    int c = strcmp(x->area, y->area);
    return c ? c : (x < y ? -1 : x > y);
}

/* Reject every repeat of a maDinhDanh (the first one counts). */
static void dvc_dedupe(ioc_ctx *ctx, struct dvc_unit **index, size_t n)
{
    qsort(index, n, sizeof *index, dvc_by_id);
    const struct dvc_unit *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!first || strcmp(index[i]->id, first->id) != 0) {
            first = index[i];
            continue;
        }
        char where[160], why[64];
        snprintf(where, sizeof where, "page %ld record %.100s", index[i]->page, index[i]->id);
        snprintf(why, sizeof why, "repeats the record of page %ld", first->page);
        ioc_reject(ctx, where, "maDinhDanh", why);
        index[i]->skip = true;
    }
}

size_t dvc_emit_walk(ioc_ctx *ctx, const struct dvc *cfg, struct dvc_walk *w)
{
    struct dvc_out o = {.ctx = ctx, .cfg = cfg, .w = w};
    struct dvc_unit **index = malloc((w->count ? w->count : 1) * sizeof *index);
    if (!index) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory aggregating %zu records; nothing published",
                w->count);
        return 0;
    }
    for (size_t i = 0; i < w->count; i++)
        index[i] = &w->units[i];
    dvc_dedupe(ctx, index, w->count);

    uint64_t province[DVC_FIELDS] = {0};
    for (size_t i = 0; i < w->count; i++)
        if (!w->units[i].skip)
            dvc_add(province, w->units[i].v);
    dvc_set(&o, DVC_PROVINCE, NULL, province);

    /* Communes: commune units grouped by their code. */
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++)
        if (w->units[i].commune && !w->units[i].skip)
            index[n++] = &w->units[i];
    qsort(index, n, sizeof *index, dvc_by_area);
    for (size_t i = 0; i < n;) {
        uint64_t sum[DVC_FIELDS] = {0};
        size_t j = i;
        for (; j < n && strcmp(index[j]->area, index[i]->area) == 0; j++)
            dvc_add(sum, index[j]->v);
        dvc_set(&o, index[i]->area, NULL, sum);
        i = j;
    }

    for (size_t i = 0; i < w->count; i++)
        if (!w->units[i].skip)
            dvc_set(&o, w->units[i].area, w->units[i].id, w->units[i].v);
    free(index);
    return o.emitted;
}
