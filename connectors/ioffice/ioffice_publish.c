/*
 * ioffice_publish - a complete iOffice walk turned into metric records.
 *
 * Per agency (area = the province for a department, the agency's commune
 * for a commune People's Committee; dims agency = maDonVi, level =
 * capDonVi): the six counts, the on-time share of processed incoming
 * documents (with its parts), and the two percentages the feed gives.
 * Per level, for the province: the sums of the counts, the on-time share of
 * the sums, and the share of agencies meeting the online-work target.
 *
 * The design idea: only what is a ratio of counts is aggregated. The feed
 * gives the online-work and electronic-exchange shares as bare percentages
 * without their bases, and the mean of percentages of agencies of very
 * different sizes is not the share of the province; so those two are
 * published per agency only (docs/metrics/ioffice.md). A record the
 * connector cannot read, a repeated agency, or an agency whose first value
 * the daemon refuses (an area it does not know, say) is left out of the
 * totals as well, so every total is the sum of published agency values.
 */
#include "ioffice.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The counts of a record, in emission order: the first one decides
 * whether the daemon accepts the agency at all. */
enum { C_INCOMING, C_OUTGOING, C_ON_TIME, C_LATE, C_OVERDUE, C_SIGNATURES, C_COUNT };

static const struct {
    const char *field, *metric;
} ioffice_counts[C_COUNT] = {
    [C_INCOMING] = {"vanBanDen", "ioffice.docs.incoming"},
    [C_OUTGOING] = {"vanBanDi", "ioffice.docs.outgoing"},
    [C_ON_TIME] = {"denDaXuLyDungHan", "ioffice.docs.processed_on_time"},
    [C_LATE] = {"denDaXuLyQuaHan", "ioffice.docs.processed_late"},
    [C_OVERDUE] = {"denDangXuLyQuaHan", "ioffice.docs.pending_overdue"},
    [C_SIGNATURES] = {"soLuotKySo", "ioffice.signatures"},
};

#define F_ONLINE "hoSoCongViecTrucTuyenTyLe"
#define F_ELECTRONIC "vanBanDienTuTyLe"

static const char *const ioffice_level_names[IOFFICE_LEVELS] = {"tinh", "xa"};

/* One readable record of the walk. Strings point into the page documents. */
struct ioffice_agency {
    const char *id, *area;
    enum ioffice_level level;
    double count[C_COUNT];
    double online, electronic; /* percent */
    size_t page, order;        /* where it was, for messages and ties */
    bool skip;                 /* repeated agency */
};

/* Sums of one level over the accepted agencies. */
struct ioffice_total {
    size_t agencies, on_target;
    double count[C_COUNT];
};

/* A JSON number that must be a count: a non-negative whole number. */
static const char *ioffice_read_count(json_t *v, double *out)
{
    if (!v)
        return "is missing";
    if (json_is_null(v))
        return "is null";
    if (json_is_string(v))
        return "is a string, expected a number";
    if (!json_is_number(v))
        return "is not a number";
    *out = json_number_value(v);
    if (*out < 0 || *out != floor(*out) || *out > 9007199254740992.0)
        return "is not a count (a non-negative whole number)";
    return NULL;
}

/* A JSON number that must be a percentage, 0..100. */
static const char *ioffice_read_percent(json_t *v, double *out)
{
    if (!v)
        return "is missing";
    if (json_is_null(v))
        return "is null";
    if (json_is_string(v))
        return "is a string, expected a number";
    if (!json_is_number(v))
        return "is not a number";
    *out = json_number_value(v);
    return *out >= 0 && *out <= 100 ? NULL : "is outside 0..100 for a percentage";
}

/* Read item `i` of page `page` into *a. Returns 0, or -1 after ioc_reject. */
static int ioffice_read(ioc_ctx *ctx, const struct ioffice *io, json_t *item, size_t page,
                        size_t i, struct ioffice_agency *a)
{
    char where[200];
    const char *id = json_string_value(json_object_get(item, "maDonVi"));
    const char *why = NULL, *field = NULL;
    if (id && *id)
        snprintf(where, sizeof where, "page %zu item %.120s", page, id);
    else
        snprintf(where, sizeof where, "page %zu item #%zu", page, i + 1);

    const char *level = json_string_value(json_object_get(item, "capDonVi"));
    *a = (struct ioffice_agency){.id = id, .page = page};
    if (!id || !*id) {
        field = "maDonVi", why = "is missing, empty or not a string";
    } else if (!level || (strcmp(level, "tinh") != 0 && strcmp(level, "xa") != 0)) {
        field = "capDonVi", why = "is missing or not \"tinh\" or \"xa\"";
    } else {
        a->level = strcmp(level, "xa") == 0 ? IOFFICE_XA : IOFFICE_TINH;
        a->area = a->level == IOFFICE_XA ? json_string_value(json_object_get(item, "maXa"))
                                         : io->province;
        if (!a->area)
            field = "maXa", why = "is missing or not a string (a commune agency needs its "
                                  "commune code)";
    }
    for (int c = 0; !why && c < C_COUNT; c++) {
        field = ioffice_counts[c].field;
        why = ioffice_read_count(json_object_get(item, field), &a->count[c]);
    }
    if (!why) {
        field = F_ONLINE;
        why = ioffice_read_percent(json_object_get(item, field), &a->online);
    }
    if (!why) {
        field = F_ELECTRONIC;
        why = ioffice_read_percent(json_object_get(item, field), &a->electronic);
    }
    if (why) {
        ioc_reject(ctx, where, field, why);
        return -1;
    }
    return 0;
}

static int ioffice_by_id(const void *pa, const void *pb)
{
    const struct ioffice_agency *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int ioffice_by_order(const void *pa, const void *pb)
{
    const struct ioffice_agency *a = pa, *b = pb;
    return (a->order > b->order) - (a->order < b->order);
}

/* Mark every repetition of an agency id after its first occurrence.
 * Sorted by id then by order, the repetitions of an id form one run that
 * starts with its first occurrence: one pass remembering where the run
 * began is O(n log n) in all (40,000 copies of one id took 24.7 s when
 * each repetition searched back for its run's start). */
static void ioffice_mark_repeats(ioc_ctx *ctx, struct ioffice_agency *list, size_t n)
{
    qsort(list, n, sizeof *list, ioffice_by_id);
    size_t first = 0;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(list[i - 1].id, list[i].id) != 0) {
            first = i;
            continue;
        }
        char where[200], why[80];
        snprintf(where, sizeof where, "page %zu item %.120s", list[i].page, list[i].id);
        snprintf(why, sizeof why, "repeats the agency of page %zu", list[first].page);
        ioc_reject(ctx, where, "maDonVi", why);
        list[i].skip = true;
    }
    qsort(list, n, sizeof *list, ioffice_by_order);
}

/* The on-time share of processed incoming documents, if any were. */
static int ioffice_emit_on_time(ioc_ctx *ctx, struct ioc_record *r, double on_time, double late)
{
    if (on_time + late <= 0)
        return IOC_OK; /* nothing processed: no share to speak of */
    r->metric = "ioffice.docs.on_time_share", r->unit = "percent";
    r->value = 100.0 * on_time / (on_time + late);
    r->has_ratio_parts = true, r->numerator = on_time, r->denominator = on_time + late;
    int rc = ioc_emit(ctx, r);
    r->has_ratio_parts = false;
    return rc;
}

/* Emit one agency's values; false when the daemon refused the first one,
 * in which case the agency stays out of the totals too. */
static bool ioffice_emit_agency(ioc_ctx *ctx, const struct ioffice *io,
                                const struct ioffice_walk *w, const struct ioffice_agency *a)
{
    struct ioc_record r = {.ts = w->ts, .period_from = w->from, .period_to = w->to,
                           .area = a->area, .unit = "count"};
    r.dims[0] = (struct ioc_dim){"agency", a->id};
    r.dims[1] = (struct ioc_dim){"level", ioffice_level_names[a->level]};
    for (int c = 0; c < C_COUNT; c++) {
        r.metric = ioffice_counts[c].metric, r.value = a->count[c];
        if (ioc_emit(ctx, &r) != IOC_OK && c == C_INCOMING) {
            ioc_log(ctx, IOC_LOG_INFO, "page %zu item %.120s: its values were refused (see "
                    "above); left out of the province totals", a->page, a->id);
            return false;
        }
    }
    ioffice_emit_on_time(ctx, &r, a->count[C_ON_TIME], a->count[C_LATE]);
    r.metric = "ioffice.files.online_share", r.unit = "percent", r.value = a->online;
    /* The catalogue's level targets apply, unless a deprecated key set one. */
    if (io->own_target[a->level])
        r.target_op = IOC_TARGET_GE, r.target = io->online_target[a->level];
    ioc_emit(ctx, &r);
    r.metric = "ioffice.docs.electronic_share", r.value = a->electronic;
    r.target_op = IOC_TARGET_NONE;
    ioc_emit(ctx, &r);
    return true;
}

/* The province totals of one level. */
static void ioffice_emit_total(ioc_ctx *ctx, const struct ioffice *io,
                               const struct ioffice_walk *w, enum ioffice_level level,
                               const struct ioffice_total *t)
{
    struct ioc_record r = {.ts = w->ts, .period_from = w->from, .period_to = w->to,
                           .area = io->province, .unit = "count"};
    r.dims[0] = (struct ioc_dim){"level", ioffice_level_names[level]};
    for (int c = 0; c < C_COUNT; c++) {
        r.metric = ioffice_counts[c].metric, r.value = t->count[c];
        ioc_emit(ctx, &r);
    }
    ioffice_emit_on_time(ctx, &r, t->count[C_ON_TIME], t->count[C_LATE]);
    r.metric = "ioffice.files.online_target_met", r.unit = "percent";
    r.value = 100.0 * (double)t->on_target / (double)t->agencies;
    r.has_ratio_parts = true;
    r.numerator = (double)t->on_target, r.denominator = (double)t->agencies;
    ioc_emit(ctx, &r);
}

void ioffice_publish(ioc_ctx *ctx, const struct ioffice *io, const struct ioffice_walk *w)
{
    size_t cap = 0, n = 0;
    for (size_t p = 0; p < w->count; p++)
        cap += json_array_size(json_object_get(w->pages[p], "duLieu"));
    struct ioffice_agency *list = calloc(cap ? cap : 1, sizeof *list);
    if (!list) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory for %zu records; nothing published", cap);
        return;
    }
    for (size_t p = 0; p < w->count; p++) {
        json_t *items = json_object_get(w->pages[p], "duLieu"), *item;
        size_t i;
        json_array_foreach (items, i, item) {
            if (ioffice_read(ctx, io, item, p + 1, i, &list[n]) == 0) {
                list[n].order = n;
                n++;
            }
        }
    }
    ioffice_mark_repeats(ctx, list, n);

    struct ioffice_total total[IOFFICE_LEVELS] = {0};
    for (size_t i = 0; i < n; i++) {
        const struct ioffice_agency *a = &list[i];
        if (a->skip || !ioffice_emit_agency(ctx, io, w, a))
            continue;
        struct ioffice_total *t = &total[a->level];
        t->agencies++;
        t->on_target += a->online >= io->online_target[a->level];
        for (int c = 0; c < C_COUNT; c++)
            t->count[c] += a->count[c];
    }
    for (int l = 0; l < IOFFICE_LEVELS; l++)
        if (total[l].agencies > 0)
            ioffice_emit_total(ctx, io, w, (enum ioffice_level)l, &total[l]);
    free(list);
}
