/* hjextract - see hjextract.h. */
#include "hjextract.h"
#include "hjquote.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a bump allocator for the strings of one walk ---- */

struct hj_chunk {
    struct hj_chunk *next;
    size_t used, size;
    char data[];
};

static void *hj_alloc(struct hj_chunk **arena, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct hj_chunk *c = *arena;
    if (!c || c->size - c->used < n) {
        size_t size = n > 60000 ? n : 60000;
        struct hj_chunk *fresh = malloc(sizeof *fresh + size);
        if (!fresh)
            return NULL;
        fresh->next = c;
        fresh->used = 0;
        fresh->size = size;
        *arena = c = fresh;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static const char *hj_strdup(struct hj_chunk **arena, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = hj_alloc(arena, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- items and groups ---- */

/* What the metrics of one record share (kept once per record, in the
 * arena: a walk of 100,000 records holds 100,000 of these). */
struct hj_frame {
    const char **dims;     /* the record's dims, mapping->dim_count of them */
    const char *ts;        /* NULL = time of the poll */
    const char *period_from, *period_to;
};

/* One metric of one record: 48 bytes. A record's own target (target_from)
 * takes the ratio parts' room: hjmap allows it only on metrics that are
 * neither ratios nor sums. */
struct hj_item {
    const struct hj_frame *frame;
    const char *area;
    double value;
    union {
        struct {
            double numerator, denominator;
        };
        double target;
    };
    uint16_t metric;
    uint16_t name, unit; /* 1 + index in the metric's name_map, unit_map; 0 = fixed */
    bool has_target;     /* target_from found a target in the record */
};

/* One group of a sum: its running totals and the latest time. */
struct hj_group {
    struct hj_item item;
    struct hj_frame frame;
    const char *key;
};

/* Items are kept in fixed blocks, so a growing walk never copies them
 * (a realloc-doubled array would briefly need 1.5 times its size). */
#define HJ_ITEMS_PER_BLOCK 2048
struct hj_item_block {
    struct hj_item_block *next;
    size_t count;
    struct hj_item items[HJ_ITEMS_PER_BLOCK];
};

struct hj_batch {
    const struct hj_mapping *m;
    const struct hj_host *host;
    struct hj_chunk *arena;
    struct hj_item_block *first, *last;
    struct hj_group *groups;
    size_t group_count, group_cap;
    size_t *slots;         /* open addressing over groups: index + 1, 0 empty */
    size_t slot_count;
    size_t records, skipped;
    size_t max_records;    /* 0 = no bound */
    bool full;             /* a record past max_records arrived */
    /* Per page while extracting. */
    json_t *page;
    int page_number;
    size_t record_index;
    bool failed;           /* out of memory: the walk is not trustworthy */
};

struct hj_batch *hj_batch_new(const struct hj_mapping *mapping, const struct hj_host *host)
{
    struct hj_batch *b = calloc(1, sizeof *b);
    if (b)
        b->m = mapping, b->host = host;
    return b;
}

void hj_batch_free(struct hj_batch *b)
{
    if (!b)
        return;
    while (b->arena) {
        struct hj_chunk *next = b->arena->next;
        free(b->arena);
        b->arena = next;
    }
    while (b->first) {
        struct hj_item_block *next = b->first->next;
        free(b->first);
        b->first = next;
    }
    free(b->groups);
    free(b->slots);
    free(b);
}

size_t hj_batch_records(const struct hj_batch *b) { return b->records; }

void hj_batch_limit_records(struct hj_batch *b, size_t max) { b->max_records = max; }
size_t hj_batch_skipped(const struct hj_batch *b) { return b->skipped; }

static bool hj_grow(void **array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t next = *cap ? *cap * 2 : 256;
    void *p = realloc(*array, next * size);
    if (!p)
        return false;
    *array = p;
    *cap = next;
    return true;
}

static uint64_t hj_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool hj_rehash(struct hj_batch *b)
{
    size_t count = b->slot_count ? b->slot_count * 2 : 1024;
    size_t *slots = calloc(count, sizeof *slots);
    if (!slots)
        return false;
    for (size_t g = 0; g < b->group_count; g++) {
        size_t s = hj_hash(b->groups[g].key) & (count - 1);
        while (slots[s])
            s = (s + 1) & (count - 1);
        slots[s] = g + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->slot_count = count;
    return true;
}

/* The group of `key`, created from `item` when new. */
static struct hj_group *hj_group(struct hj_batch *b, const char *key, const struct hj_item *item,
                                 bool *created)
{
    if ((b->group_count + 1) * 2 > b->slot_count && !hj_rehash(b))
        return NULL;
    size_t s = hj_hash(key) & (b->slot_count - 1);
    for (; b->slots[s]; s = (s + 1) & (b->slot_count - 1))
        if (strcmp(b->groups[b->slots[s] - 1].key, key) == 0) {
            *created = false;
            return &b->groups[b->slots[s] - 1];
        }
    if (!hj_grow((void **)&b->groups, &b->group_cap, b->group_count, sizeof *b->groups))
        return NULL;
    struct hj_group *g = &b->groups[b->group_count];
    g->item = *item;
    g->frame = *item->frame;
    g->item.frame = NULL; /* &g->frame at emit: the array may still move */
    if (!(g->key = hj_strdup(&b->arena, key)))
        return NULL;
    b->slots[s] = ++b->group_count;
    *created = true;
    return g;
}

/* Finite without libm: NaN fails the comparison, infinities are beyond it. */
static bool hj_finite(double v)
{
    return v >= -1.7976931348623157e308 && v <= 1.7976931348623157e308;
}

/* Text from a feed, made safe for a log line: control bytes become '?',
 * so a code like "3200\n2" cannot forge a second line. */
static void hj_printable(char *out, size_t len, const char *text)
{
    size_t i = 0;
    for (; text[i] && i + 1 < len; i++)
        out[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
    out[i] = '\0';
}

/* ---- reading fields ---- */

/* What a reader returns when the arena could not grow: the walk fails
 * (b->failed), since a record silently missing would make sums wrong. */
#define HJ_OUT_OF_MEMORY (-2)

/* Why a record is skipped; where/field/reason go to host->reject. */
struct hj_fault {
    const char *field;
    char reason[256];
    bool refused;   /* the field is there but unusable (a NUL byte): an
                       optional metric does not make it "missing" */
};

/* A string of the page as C text, or NULL with a reason when it holds a
 * NUL byte: pages are parsed with JSON_ALLOW_NUL, and "32\u00002" read as
 * C text would silently be "32". */
static const char *hj_string(const json_t *v, char *why, size_t whylen)
{
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        snprintf(why, whylen, "contains a NUL byte");
        return NULL;
    }
    return s;
}

static json_t *hj_lookup(struct hj_batch *b, const struct jpath *path, json_t *record,
                         struct hj_fault *f)
{
    char why[200];
    json_t *v = jpath_get(path, jpath_from_root(path) ? b->page : record, why, sizeof why);
    if (!v) {
        f->field = jpath_text(path);
        snprintf(f->reason, sizeof f->reason, "%s: %s",
                 strncmp(why, "no key", 6) == 0 ? "is missing" : "cannot be read", why);
        return NULL;
    }
    if (json_is_string(v) && !hj_string(v, f->reason, sizeof f->reason)) {
        f->field = jpath_text(path);
        f->refused = true;
        return NULL;
    }
    return v;
}

/* A dimension or code value as text: strings as they are, integers in
 * decimal, other numbers shortest-exact; anything else is a fault, and so
 * is a string with a NUL byte or too long for `out` (never cut: two long
 * values that differ only at the end must not become one). */
static int hj_text(const json_t *v, char *out, size_t len, char *why, size_t whylen)
{
    const char *s;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (!(s = hj_string(v, why, whylen)))
            return -1;
        if ((size_t)snprintf(out, len, "%s", s) >= len) {
            snprintf(why, whylen, "is longer than %zu bytes", len - 1);
            return -1;
        }
        return 0;
    case JSON_INTEGER:
        snprintf(out, len, "%lld", (long long)json_integer_value(v));
        return 0;
    case JSON_REAL:
        snprintf(out, len, "%.15g", json_real_value(v));
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        snprintf(out, len, "%s", json_is_true(v) ? "true" : "false");
        return 0;
    case JSON_NULL:
        snprintf(why, whylen, "is null");
        return -1;
    default:
        snprintf(why, whylen, "is an %s, expected text or a number",
                 json_is_object(v) ? "object" : "array");
        return -1;
    }
}

/* 1 when the record meets the condition, 0 when not, -1 (a fault in f)
 * when the field is a string with a NUL byte: cut, it could match. */
static int hj_where_match(struct hj_batch *b, const struct hj_where *w, json_t *record,
                          struct hj_fault *f)
{
    if (w->op == HJ_WHERE_ALL)
        return 1;
    char buf[64], why[64];
    const char *text = NULL;
    json_t *v = jpath_get(w->path, jpath_from_root(w->path) ? b->page : record, why, sizeof why);
    if (v && json_is_string(v)) {
        if (!(text = hj_string(v, f->reason, sizeof f->reason))) {
            f->field = jpath_text(w->path);
            return -1;
        }
    } else if (v && hj_text(v, buf, sizeof buf, why, sizeof why) == 0) {
        text = buf;
    }
    bool in = false;
    for (size_t i = 0; text && i < w->value_count; i++)
        in |= strcmp(text, w->values[i]) == 0;
    return w->op == HJ_WHERE_EQ || w->op == HJ_WHERE_IN ? in : !in;
}

/* Sum of an expression. 1 = value in *out, 0 = a field is missing or null
 * and the metric is optional (skip the metric), -1 = fault. */
static int hj_eval(struct hj_batch *b, const struct hj_expr *e, bool optional, json_t *record,
                   double *out, struct hj_fault *f)
{
    double sum = 0;
    for (size_t i = 0; i < e->count; i++) {
        const struct hj_term *t = &e->terms[i];
        if (!t->path) {
            sum += t->constant;
            continue;
        }
        json_t *v = hj_lookup(b, t->path, record, f);
        if (((!v && !f->refused) || json_is_null(v)) && optional)
            return 0;
        if (!v)
            return -1;
        double x;
        if (hjnum_value(v, b->m->number_strings, &x, f->reason, sizeof f->reason) < 0) {
            f->field = jpath_text(t->path);
            return -1;
        }
        sum += x;
    }
    if (!hj_finite(sum)) {
        f->field = e->terms[0].path ? jpath_text(e->terms[0].path) : "value";
        snprintf(f->reason, sizeof f->reason, "adds up to a number too large to publish");
        return -1;
    }
    *out = sum;
    return 1;
}

/* ---- a metric's name, unit and target from the record ---- */

/* The entry of `codes` that the field `path` of the record holds, as
 * 1 + its index in *index. 1 = found, 0 = the field is missing or null and
 * the metric optional, -1 = a fault: the field is missing, not text or a
 * number, longer than 63 bytes (not shown), or holds a code the list
 * lacks (shown quoted by hj_quote: control bytes as '?', cut after 40
 * bytes). */
static int hj_code(struct hj_batch *b, const struct hj_metric *mt, const struct jpath *path,
                   const struct hj_codes *codes, const char *list, json_t *record,
                   uint16_t *index, struct hj_fault *f)
{
    json_t *v = hj_lookup(b, path, record, f);
    if (((!v && !f->refused) || json_is_null(v)) && mt->optional)
        return 0;
    if (!v)
        return -1;
    char text[64], shown[HJ_QUOTE_MAX];
    f->field = jpath_text(path);
    if (hj_text(v, text, sizeof text, f->reason, sizeof f->reason) < 0)
        return -1;
    long i = hjcode_find(codes, text);
    if (i < 0) {
        hj_quote(shown, sizeof shown, text);
        snprintf(f->reason, sizeof f->reason, "is %s, which metric.%.64s.%s does not list "
                 "(%zu allowed)", shown, mt->id, list, codes->count);
        return -1;
    }
    *index = (uint16_t)(i + 1);
    return 1;
}

/* name_from, unit_from and target_from of one metric, into the item. A
 * record without a target (field missing or null) publishes without
 * one; a target that is not a number is a fault. Returns as hj_code. */
static int hj_from_fields(struct hj_batch *b, const struct hj_metric *mt, json_t *record,
                          struct hj_item *it, struct hj_fault *f)
{
    int rc;
    if (mt->name_from &&
        (rc = hj_code(b, mt, mt->name_from, &mt->names, "name_map", record, &it->name, f)) <= 0)
        return rc;
    if (mt->unit_from &&
        (rc = hj_code(b, mt, mt->unit_from, &mt->units, "unit_map", record, &it->unit, f)) <= 0)
        return rc;
    if (!mt->target_from)
        return 1;
    json_t *v = hj_lookup(b, mt->target_from, record, f);
    if ((!v && !f->refused) || json_is_null(v)) {
        memset(f, 0, sizeof *f); /* no target is no fault */
        return 1;
    }
    if (!v)
        return -1;
    if (hjnum_value(v, b->m->number_strings, &it->target, f->reason, sizeof f->reason) < 0) {
        f->field = jpath_text(mt->target_from);
        return -1;
    }
    it->has_target = true;
    return 1;
}

/* ---- one record ---- */

static int hj_record_area(struct hj_batch *b, json_t *record, char *area, size_t len,
                          struct hj_fault *f)
{
    const struct hj_mapping *m = b->m;
    if (m->area_const) {
        snprintf(area, len, "%s", m->area_const);
        return 0;
    }
    char why[200];
    json_t *v = jpath_get(m->area, jpath_from_root(m->area) ? b->page : record, why, sizeof why);
    if ((!v || json_is_null(v)) && m->area_missing_province) {
        snprintf(area, len, "%s", b->host->province);
        return 0;
    }
    if (!v) {
        hj_lookup(b, m->area, record, f); /* fills the field and a worded reason */
        return -1;
    }
    f->field = jpath_text(m->area);
    if (!json_is_string(v) && !json_is_integer(v)) {
        snprintf(f->reason, sizeof f->reason, "is %s, expected a code such as \"32002\"",
                 json_is_null(v) ? "null" : json_is_real(v) ? "a fractional number"
                                                          : "not text");
        return -1;
    }
    return hj_text(v, area, len, f->reason, sizeof f->reason);
}

static int hj_record_time(struct hj_batch *b, const struct jpath *path, enum hjtime_format fmt,
                          bool date, json_t *record, const char **out, struct hj_fault *f)
{
    char text[48];
    json_t *v = hj_lookup(b, path, record, f);
    if (!v)
        return -1;
    int rc = date ? hjtime_date_of(v, fmt, b->m->zone_minutes, text, sizeof text, f->reason,
                                   sizeof f->reason)
                  : hjtime_value(v, fmt, b->m->zone_minutes, text, sizeof text, f->reason,
                                 sizeof f->reason);
    if (rc < 0) {
        f->field = jpath_text(path);
        return -1;
    }
    return (*out = hj_strdup(&b->arena, text)) ? 0 : HJ_OUT_OF_MEMORY;
}

/* Everything of a record common to its metrics: area, time, period, dims.
 * 0, -1 = a fault in f (skip the record), HJ_OUT_OF_MEMORY. */
static int hj_record_frame(struct hj_batch *b, json_t *record, struct hj_frame *base,
                           char *area, size_t area_len, struct hj_fault *f)
{
    const struct hj_mapping *m = b->m;
    int rc;
    if (hj_record_area(b, record, area, area_len, f) < 0)
        return -1;
    if (m->time &&
        (rc = hj_record_time(b, m->time, m->time_format, false, record, &base->ts, f)) < 0)
        return rc;
    if (m->period_from &&
        ((rc = hj_record_time(b, m->period_from, m->period_format, true, record,
                              &base->period_from, f)) < 0 ||
         (rc = hj_record_time(b, m->period_to, m->period_format, true, record, &base->period_to,
                              f)) < 0))
        return rc;
    if (!m->dim_count)
        return 0;
    if (!(base->dims = hj_alloc(&b->arena, m->dim_count * sizeof *base->dims)))
        return HJ_OUT_OF_MEMORY;
    for (size_t i = 0; i < m->dim_count; i++) {
        const struct hj_record_dim *d = &m->dims[i];
        char text[256];
        if (d->constant) {
            base->dims[i] = d->constant;
            continue;
        }
        json_t *v = hj_lookup(b, d->path, record, f);
        if (!v)
            return -1;
        if (hj_text(v, text, sizeof text, f->reason, sizeof f->reason) < 0) {
            f->field = jpath_text(d->path);
            return -1;
        }
        if (!(base->dims[i] = hj_strdup(&b->arena, text)))
            return HJ_OUT_OF_MEMORY;
    }
    return 0;
}

static void hj_reject(struct hj_batch *b, const char *area, const struct hj_fault *f)
{
    char where[128], shown[48];
    if (area && *area) {
        hj_printable(shown, sizeof shown, area);
        snprintf(where, sizeof where, "page %d record %zu (area %s)", b->page_number,
                 b->record_index, shown);
    } else {
        snprintf(where, sizeof where, "page %d record %zu", b->page_number, b->record_index);
    }
    b->skipped++;
    b->host->reject(b->host->user, where, f->field, f->reason);
}

/* The group key of a sum: metric, area, kept dimension values, each part
 * preceded by its length, so no value can look like a separator: with
 * parts joined by \x1f, dims "a\x1fb" + "c" and "a" + "b\x1fc" were one
 * group. Areas are under 64 bytes and dims under 256 (hj_text refuses
 * longer ones), so HJ_GROUP_KEY_MAX holds any key whole. */
#define HJ_GROUP_KEY_MAX (48 + 70 + IOC_MAX_DIMS * 262)
static void hj_group_key(const struct hj_metric *mt, size_t metric, const struct hj_item *it,
                         char *key, size_t len)
{
    /* Names and units from the record (name_from, unit_from) are series
     * of their own. */
    int n = snprintf(key, len, "%zu.%u.%u|%zu:%s", metric, (unsigned)it->name, (unsigned)it->unit,
                     strlen(it->area), it->area);
    for (size_t d = 0; d < mt->keep_count && n > 0 && (size_t)n < len; d++) {
        const char *v = it->frame->dims[mt->keep[d]];
        n += snprintf(key + n, len - (size_t)n, "|%zu:%s", strlen(v), v);
    }
}

static int hj_commit(struct hj_batch *b, const struct hj_metric *mt, struct hj_item *it,
                     const char *area)
{
    if (mt->sum == HJ_SUM_NONE) {
        it->area = area;
        if (!b->last || b->last->count == HJ_ITEMS_PER_BLOCK) {
            struct hj_item_block *block = malloc(sizeof *block);
            if (!block)
                return -1;
            block->next = NULL;
            block->count = 0;
            if (b->last)
                b->last->next = block;
            else
                b->first = block;
            b->last = block;
        }
        b->last->items[b->last->count++] = *it;
        return 0;
    }
    it->area = mt->sum == HJ_SUM_PROVINCE ? b->host->province : area;
    char key[HJ_GROUP_KEY_MAX];
    hj_group_key(mt, it->metric, it, key, sizeof key);
    bool created;
    struct hj_group *g = hj_group(b, key, it, &created);
    if (!g)
        return -1;
    if (!created) {
        g->item.value += it->value;
        g->item.numerator += it->numerator;
        g->item.denominator += it->denominator;
        /* The group's time is its latest record's. */
        const char *ts = it->frame->ts;
        if (ts && (!g->frame.ts || strcmp(ts, g->frame.ts) > 0))
            g->frame.ts = ts;
    }
    return 0;
}

static int hj_record(json_t *record, void *user)
{
    struct hj_batch *b = user;
    const struct hj_mapping *m = b->m;
    struct hj_fault f = {0};
    struct hj_frame frame = {0};
    struct hj_item base = {0}, staged[HJ_MAX_METRICS];
    char area_text[64] = "";
    if (b->max_records && b->records >= b->max_records) {
        b->full = true;
        return 1; /* stops jpath_each: the walk fails, keep nothing more */
    }
    b->records++;
    b->record_index++;
    int rc = hj_record_frame(b, record, &frame, area_text, sizeof area_text, &f);
    if (rc == -1) {
        hj_reject(b, area_text, &f);
        return 0;
    }
    struct hj_frame *kept = rc == 0 ? hj_alloc(&b->arena, sizeof *kept) : NULL;
    const char *area = kept ? hj_strdup(&b->arena, area_text) : NULL, *grouped_area = area;
    if (!area) {
        b->failed = true;
        return 1;
    }
    *kept = frame;
    base.frame = kept;
    if (m->any_sum && !m->area_const) {
        const char *why = NULL;
        grouped_area = b->host->area_resolve(b->host->user, area_text, &why);
        if (!grouped_area) {
            f.field = m->area ? jpath_text(m->area) : "area";
            char shown[20];
            hj_printable(shown, sizeof shown, area_text);
            snprintf(f.reason, sizeof f.reason, "'%s' %s", shown, why ? why : "cannot be used");
            hj_reject(b, area_text, &f);
            return 0;
        }
    }
    /* Read every metric before keeping any: a fault skips the whole record. */
    size_t n = 0;
    for (size_t i = 0; i < m->metric_count; i++) {
        const struct hj_metric *mt = &m->metrics[i];
        int match = hj_where_match(b, &mt->where, record, &f);
        if (match == 0)
            continue;
        struct hj_item it = base;
        it.metric = (uint16_t)i;
        /* The code first: an unknown one is what the message must say,
         * whatever else the record lacks. */
        rc = match > 0 ? hj_from_fields(b, mt, record, &it, &f) : match;
        /* A part whose condition fails counts 0 (and its fields are not
         * read), so a sum's group appears with 0 rather than not at all. */
        if (rc > 0 && mt->is_ratio) {
            if ((rc = hj_where_match(b, &mt->numerator_if, record, &f)) > 0)
                rc = hj_eval(b, &mt->numerator, mt->optional, record, &it.numerator, &f);
            else if (rc == 0)
                rc = 1;
            int den = rc > 0 ? hj_where_match(b, &mt->denominator_if, record, &f) : 0;
            if (den < 0)
                rc = -1;
            else if (den > 0)
                rc = hj_eval(b, &mt->denominator, mt->optional, record, &it.denominator, &f);
        } else if (rc > 0) {
            if ((rc = hj_where_match(b, &mt->value_if, record, &f)) > 0)
                rc = hj_eval(b, &mt->value, mt->optional, record, &it.value, &f);
            else if (rc == 0)
                rc = 1;
        }
        if (rc < 0) {
            hj_reject(b, area_text, &f);
            return 0;
        }
        if (rc > 0 && n < sizeof staged / sizeof staged[0])
            staged[n++] = it;
    }
    for (size_t i = 0; i < n; i++) {
        const struct hj_metric *mt = &m->metrics[staged[i].metric];
        if (hj_commit(b, mt, &staged[i], mt->sum == HJ_SUM_AREA ? grouped_area : area) < 0) {
            b->failed = true;
            return 1;
        }
    }
    return 0;
}

long hj_batch_add_page(struct hj_batch *b, json_t *page, int page_number, char *why,
                       size_t whylen)
{
    b->page = page;
    b->page_number = page_number;
    b->record_index = 0;
    size_t before = b->records;
    int rc = jpath_each(b->m->records, page, hj_record, b, why, whylen);
    b->page = NULL;
    if (b->full)
        return HJ_BATCH_FULL;
    if (rc < 0)
        return -1;
    if (b->failed) {
        snprintf(why, whylen, "out of memory while extracting records");
        return -1;
    }
    return (long)(b->records - before);
}

/* ---- emitting ---- */

static double hj_round(double v, int decimals)
{
    if (decimals < 0 || !hj_finite(v))
        return v;
    double scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    double x = v * scale;
    if (x > 9e15 || x < -9e15)
        return v; /* beyond exact integers: already as precise as it gets */
    long long r = (long long)(x < 0 ? x - 0.5 : x + 0.5);
    return (double)r / scale;
}

static bool hj_emit_item(const struct hj_batch *b, const struct hj_item *it,
                         void (*emit)(void *, const struct ioc_record *), void *user)
{
    const struct hj_metric *mt = &b->m->metrics[it->metric];
    struct ioc_record r = {0};
    r.metric = it->name ? mt->names.entries[it->name - 1].value : mt->name;
    r.unit = it->unit ? mt->units.entries[it->unit - 1].value : mt->unit;
    r.ts = it->frame->ts;
    r.period_from = it->frame->period_from;
    r.period_to = it->frame->period_to;
    r.area = it->area;
    size_t d = 0;
    for (size_t k = 0; k < mt->keep_count && d < IOC_MAX_DIMS; k++, d++)
        r.dims[d] = (struct ioc_dim){b->m->dims[mt->keep[k]].key, it->frame->dims[mt->keep[k]]};
    for (size_t k = 0; k < mt->const_dim_count && d < IOC_MAX_DIMS; k++, d++)
        r.dims[d] = mt->const_dims[k];
    if (mt->is_ratio) {
        if (it->denominator == 0)
            return false;
        r.value = hj_round(it->numerator * mt->scale / it->denominator, mt->decimals);
        r.has_ratio_parts = true;
        r.numerator = it->numerator;
        r.denominator = it->denominator;
    } else {
        r.value = hj_round(it->value, mt->decimals);
    }
    /* A sum of many large values can still overflow: never publish it. */
    if (!hj_finite(r.value) || !hj_finite(r.numerator) || !hj_finite(r.denominator))
        return false;
    if (!mt->target_from || it->has_target) {
        r.target_op = mt->target_op;
        r.target = mt->target_from ? it->target : mt->target;
    }
    emit(user, &r);
    return true;
}

size_t hj_batch_emit(struct hj_batch *b, void (*emit)(void *, const struct ioc_record *),
                     void *user, size_t *undefined)
{
    size_t sent = 0, skipped = 0;
    for (const struct hj_item_block *block = b->first; block; block = block->next)
        for (size_t i = 0; i < block->count; i++)
            hj_emit_item(b, &block->items[i], emit, user) ? sent++ : skipped++;
    for (size_t i = 0; i < b->group_count; i++) {
        struct hj_item it = b->groups[i].item;
        it.frame = &b->groups[i].frame;
        hj_emit_item(b, &it, emit, user) ? sent++ : skipped++;
    }
    if (undefined)
        *undefined = skipped;
    return sent;
}
