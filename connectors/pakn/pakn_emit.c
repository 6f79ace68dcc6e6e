/*
 * pakn_emit - the metrics made from the running totals.
 *
 * Six metrics per group, at four levels: commune x topic (area = commune,
 * dim linh_vuc), commune, topic (area = province) and province. Only the
 * groups with a changed cell are emitted again, plus the province totals
 * always, so a busy stream does not re-send ~3,000 unchanged series per
 * poll; after a start every cell counts as changed. Percentages carry
 * their ratio parts and are skipped when the denominator is 0.
 */
#include "pakn.h"

#include <stdio.h>
#include <string.h>

struct pakn_out {
    ioc_ctx *ctx;
    const struct pakn_agg *a;
    const struct pakn_targets *t;
    char from[11], to[11];
    size_t emitted;
};

static void pakn_put(struct pakn_out *o, struct ioc_record *r, const char *metric, double value)
{
    r->metric = metric, r->value = value;
    if (ioc_emit(o->ctx, r) == IOC_OK)
        o->emitted++;
}

static void pakn_put_percent(struct pakn_out *o, struct ioc_record r, const char *metric,
                             uint64_t num, uint64_t den, bool has_target, double target)
{
    if (den == 0) /* no share of nothing */
        return;
    r.unit = "percent";
    r.has_ratio_parts = true, r.numerator = (double)num, r.denominator = (double)den;
    if (has_target)
        r.target_op = IOC_TARGET_GE, r.target = target;
    /* Hundredths rounded half up, in integers (no libm for plugins). */
    uint64_t hundredths = (20000 * num + den) / (2 * den);
    pakn_put(o, &r, metric, (double)hundredths / 100.0);
}

/* The six metrics of one area (and topic, or NULL for all topics). */
static void pakn_put_counts(struct pakn_out *o, const char *area, const char *topic,
                            const struct pakn_counts *c)
{
    struct ioc_record r = {.ts = o->a->last[0] ? o->a->last : NULL, .area = area, .unit = "count"};
    if (o->from[0])
        r.period_from = o->from, r.period_to = o->to;
    if (topic)
        r.dims[0] = (struct ioc_dim){"linh_vuc", topic};
    pakn_put(o, &r, "pakn.received", (double)c->received);
    pakn_put(o, &r, "pakn.in_progress", (double)(c->received - c->resolved));
    pakn_put(o, &r, "pakn.resolved", (double)c->resolved);
    pakn_put(o, &r, "pakn.overdue", (double)c->overdue);
    pakn_put_percent(o, r, "pakn.resolved_on_time", c->on_time, c->resolved, o->t->on_time_set,
                     o->t->on_time);
    pakn_put_percent(o, r, "pakn.satisfaction", c->satisfied, c->rated, o->t->satisfaction_set,
                     o->t->satisfaction);
}

static void pakn_sum(struct pakn_counts *s, const struct pakn_counts *c)
{
    s->received += c->received, s->resolved += c->resolved, s->on_time += c->on_time;
    s->rated += c->rated, s->satisfied += c->satisfied, s->overdue += c->overdue;
}

/* Sums over the cells that share cell i's commune (by_topic false) or
 * topic (true), once per group (at its first cell) and only if one of
 * them changed. */
static bool pakn_group(const struct pakn_agg *a, size_t i, bool by_topic, struct pakn_counts *s)
{
    const struct pakn_cell *ci = &a->cells[i];
    bool dirty = false;
    *s = (struct pakn_counts){0};
    for (size_t j = 0; j < a->ncells; j++) {
        bool same = by_topic ? strcmp(a->cells[j].topic, ci->topic) == 0
                             : strcmp(a->cells[j].xa, ci->xa) == 0;
        if (same && j < i)
            return false;
        if (same) {
            pakn_sum(s, &a->cells[j].c);
            dirty |= a->cells[j].dirty;
        }
    }
    return dirty;
}

size_t pakn_agg_emit(ioc_ctx *ctx, struct pakn_agg *a, const struct pakn_targets *t,
                     const char *province)
{
    struct pakn_out o = {.ctx = ctx, .a = a, .t = t};
    if (a->first[0] && a->last[0] && memcmp(a->first, a->last, 10) <= 0) {
        memcpy(o.from, a->first, 10);
        memcpy(o.to, a->last, 10);
    }
    struct pakn_counts s, total = {0};
    for (size_t i = 0; i < a->ncells; i++) {
        if (a->cells[i].dirty)
            pakn_put_counts(&o, a->cells[i].xa, a->cells[i].topic, &a->cells[i].c);
        pakn_sum(&total, &a->cells[i].c);
    }
    for (size_t i = 0; i < a->ncells; i++)
        if (pakn_group(a, i, false, &s))
            pakn_put_counts(&o, a->cells[i].xa, NULL, &s);
    for (size_t i = 0; i < a->ncells; i++)
        if (pakn_group(a, i, true, &s))
            pakn_put_counts(&o, province, a->cells[i].topic, &s);
    pakn_put_counts(&o, province, NULL, &total);
    for (size_t i = 0; i < a->ncells; i++)
        a->cells[i].dirty = false;
    return o.emitted;
}
