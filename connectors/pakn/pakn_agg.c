/*
 * pakn_agg - the running totals of the report stream and their saved form.
 *
 * Totals are kept per (commune, topic) cell (pakn_emit.c sums communes,
 * topics and the province). "Now" is the newest ngayGui counted (the
 * feed's own clock, so results are deterministic): an unresolved report
 * whose hanXuLy is before "now" is overdue. Reports never change once
 * listed, so a report is overdue for good once "now" has passed its
 * deadline; until then it waits in `pending` (cell, deadline), a short list
 * since deadlines are days, not months, after ngayGui.
 *
 * The cursor and all totals are saved as ONE state value (key "stream"),
 * written atomically by the daemon: after any crash the saved cursor and
 * the saved totals describe the same prefix of the stream.
 */
#include "pakn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAKN_STATE_KEY "stream"
#define PAKN_STATE_VERSION 1
/* Cells take about strlen(topic) + 40 bytes of the saved value each; new
 * cells stop at this budget, which leaves room for the pending list. */
#define PAKN_CELL_BUDGET (52 * 1024)
#define PAKN_CELL_BYTES(topic) (strlen(topic) + 40)
#define PAKN_STATE_MAX (64 * 1024) /* what ioc_state_set keeps */

void pakn_agg_free(struct pakn_agg *a)
{
    for (size_t i = 0; i < a->ncells; i++)
        free(a->cells[i].topic);
    free(a->cells);
    free(a->pending);
    free(a->cursor);
    *a = (struct pakn_agg){0};
}

int pakn_agg_copy(struct pakn_agg *dst, const struct pakn_agg *src)
{
    *dst = *src;
    dst->cursor = NULL, dst->cells = NULL, dst->pending = NULL, dst->ncells = 0;
    dst->cells_cap = src->ncells, dst->pending_cap = src->npending;
    if ((src->cursor && !(dst->cursor = strdup(src->cursor))) ||
        (src->ncells && !(dst->cells = malloc(src->ncells * sizeof *dst->cells))) ||
        (src->npending && !(dst->pending = malloc(src->npending * sizeof *dst->pending)))) {
        pakn_agg_free(dst);
        return -1;
    }
    for (; dst->ncells < src->ncells; dst->ncells++) {
        dst->cells[dst->ncells] = src->cells[dst->ncells];
        if (!(dst->cells[dst->ncells].topic = strdup(src->cells[dst->ncells].topic))) {
            pakn_agg_free(dst);
            return -1;
        }
    }
    if (src->npending)
        memcpy(dst->pending, src->pending, src->npending * sizeof *dst->pending);
    return 0;
}

/* Index of the cell (xa, topic), created if new; -1 out of memory, -2 full. */
static long pakn_cell(struct pakn_agg *a, const char *xa, const char *topic)
{
    for (size_t i = 0; i < a->ncells; i++)
        if (strcmp(a->cells[i].xa, xa) == 0 && strcmp(a->cells[i].topic, topic) == 0)
            return (long)i;
    if (a->cell_bytes + PAKN_CELL_BYTES(topic) > PAKN_CELL_BUDGET)
        return -2;
    if (a->ncells == a->cells_cap) {
        size_t cap = a->cells_cap ? a->cells_cap * 2 : 64;
        struct pakn_cell *c = realloc(a->cells, cap * sizeof *c);
        if (!c)
            return -1;
        a->cells = c, a->cells_cap = cap;
    }
    struct pakn_cell *c = &a->cells[a->ncells];
    *c = (struct pakn_cell){.dirty = true};
    snprintf(c->xa, sizeof c->xa, "%s", xa);
    if (!(c->topic = strdup(topic)))
        return -1;
    a->cell_bytes += PAKN_CELL_BYTES(topic);
    return (long)a->ncells++;
}

static int pakn_pending_push(struct pakn_agg *a, uint32_t cell, int64_t due)
{
    if (a->npending == a->pending_cap) {
        size_t cap = a->pending_cap ? a->pending_cap * 2 : 64;
        struct pakn_pending *p = realloc(a->pending, cap * sizeof *p);
        if (!p)
            return -1;
        a->pending = p, a->pending_cap = cap;
    }
    a->pending[a->npending++] = (struct pakn_pending){cell, due};
    return 0;
}

int pakn_agg_add(ioc_ctx *ctx, struct pakn_agg *a, const struct pakn_item *it)
{
    long cell = pakn_cell(a, it->xa, it->topic);
    if (cell == -2)
        return 1;
    if (cell < 0 ||
        (it->status != PAKN_RESOLVED && pakn_pending_push(a, (uint32_t)cell, it->due))) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory counting report %s", it->key);
        return -1;
    }
    struct pakn_counts *c = &a->cells[cell].c;
    a->cells[cell].dirty = true;
    c->received++;
    if (it->status == PAKN_RESOLVED) {
        c->resolved++;
        c->on_time += it->done <= it->due;
    }
    c->rated += it->rating != PAKN_UNRATED;
    c->satisfied += it->rating == PAKN_SATISFIED;
    if (!a->last[0] || it->sent > a->last_s) {
        a->last_s = it->sent;
        snprintf(a->last, sizeof a->last, "%s", it->sent_text);
    }
    if (!a->first[0] || it->sent < a->first_s) {
        a->first_s = it->sent;
        snprintf(a->first, sizeof a->first, "%s", it->sent_text);
    }
    return 0;
}

void pakn_agg_settle(struct pakn_agg *a)
{
    for (size_t i = 0; i < a->npending;) {
        if (a->pending[i].due < a->last_s) {
            a->cells[a->pending[i].cell].c.overdue++;
            a->cells[a->pending[i].cell].dirty = true;
            a->pending[i] = a->pending[--a->npending];
        } else {
            i++;
        }
    }
}

/* ---- saved form ----
 * {"v":1,"cursor":"..."|null,"first":"<ngayGui>","last":"<ngayGui>",
 *  "cells":[["32002","do-thi",received,resolved,on_time,rated,satisfied,overdue],...],
 *  "pending":[[cell index,hanXuLy epoch s],...]} */

int pakn_agg_save(ioc_ctx *ctx, const struct pakn_agg *a)
{
    json_t *cells = json_array(), *pending = json_array();
    for (size_t i = 0; i < a->ncells; i++) {
        const struct pakn_cell *c = &a->cells[i];
        json_array_append_new(cells,
                              json_pack("[s,s,I,I,I,I,I,I]", c->xa, c->topic,
                                        (json_int_t)c->c.received, (json_int_t)c->c.resolved,
                                        (json_int_t)c->c.on_time, (json_int_t)c->c.rated,
                                        (json_int_t)c->c.satisfied, (json_int_t)c->c.overdue));
    }
    for (size_t i = 0; i < a->npending; i++)
        json_array_append_new(pending, json_pack("[I,I]", (json_int_t)a->pending[i].cell,
                                                 (json_int_t)a->pending[i].due));
    json_t *doc =
        json_pack("{s:i, s:s?, s:s, s:s, s:o, s:o}", "v", PAKN_STATE_VERSION, "cursor", a->cursor,
                  "first", a->first, "last", a->last, "cells", cells, "pending", pending);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        ioc_log(ctx, IOC_LOG_ERROR, "out of memory saving the cursor and totals");
        return -1;
    }
    int rc = -1;
    size_t len = strlen(text);
    if (len >= PAKN_STATE_MAX)
        ioc_log(ctx, IOC_LOG_ERROR,
                "cursor and totals need %zu bytes, over the %d the daemon saves (%zu "
                "commune/topic pairs, %zu open reports); nothing counted",
                len, PAKN_STATE_MAX, a->ncells, a->npending);
    else
        rc = ioc_state_set(ctx, PAKN_STATE_KEY, text) == IOC_OK ? 0 : -1;
    free(text);
    return rc;
}

static bool pakn_count_ok(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static const char *pakn_load_cells(struct pakn_agg *a, json_t *cells)
{
    size_t i;
    json_t *row;
    json_array_foreach (cells, i, row) {
        const char *xa = json_string_value(json_array_get(row, 0));
        const char *topic = json_string_value(json_array_get(row, 1));
        struct pakn_counts c;
        if (json_array_size(row) != 8 || !xa || strlen(xa) != 5 || !topic ||
            !pakn_count_ok(json_array_get(row, 2), &c.received) ||
            !pakn_count_ok(json_array_get(row, 3), &c.resolved) ||
            !pakn_count_ok(json_array_get(row, 4), &c.on_time) ||
            !pakn_count_ok(json_array_get(row, 5), &c.rated) ||
            !pakn_count_ok(json_array_get(row, 6), &c.satisfied) ||
            !pakn_count_ok(json_array_get(row, 7), &c.overdue) || c.resolved > c.received ||
            c.on_time > c.resolved || c.satisfied > c.rated || c.rated > c.received ||
            c.overdue > c.received - c.resolved)
            return "a cell is malformed or inconsistent";
        long k = pakn_cell(a, xa, topic);
        if (k < 0 || (size_t)k != i)
            return k == -1 ? "out of memory" : "cells repeat or are too many";
        a->cells[k].c = c;
    }
    return NULL;
}

static const char *pakn_load_doc(struct pakn_agg *a, json_t *doc)
{
    json_t *cursor = json_object_get(doc, "cursor"), *cells = json_object_get(doc, "cells"),
           *pending = json_object_get(doc, "pending");
    const char *first = json_string_value(json_object_get(doc, "first"));
    const char *last = json_string_value(json_object_get(doc, "last"));
    if (json_integer_value(json_object_get(doc, "v")) != PAKN_STATE_VERSION)
        return "unknown version";
    if (!(json_is_null(cursor) || json_is_string(cursor)) || !json_is_array(cells) ||
        !json_is_array(pending) || !first || !last || strlen(first) >= PAKN_TIME_LEN ||
        strlen(last) >= PAKN_TIME_LEN)
        return "a field is missing or of the wrong type";
    if (json_is_string(cursor) && !(a->cursor = strdup(json_string_value(cursor))))
        return "out of memory";
    snprintf(a->first, sizeof a->first, "%s", first);
    snprintf(a->last, sizeof a->last, "%s", last);
    if ((a->first[0] && pakn_time_parse(a->first, &a->first_s) < 0) ||
        (a->last[0] && pakn_time_parse(a->last, &a->last_s) < 0))
        return "first or last is not a time";
    const char *why = pakn_load_cells(a, cells);
    if (why)
        return why;
    size_t i;
    json_t *row;
    json_array_foreach (pending, i, row) {
        json_t *cell = json_array_get(row, 0), *due = json_array_get(row, 1);
        if (json_array_size(row) != 2 || !json_is_integer(cell) || !json_is_integer(due) ||
            json_integer_value(cell) < 0 || (size_t)json_integer_value(cell) >= a->ncells)
            return "a pending report is malformed";
        if (pakn_pending_push(a, (uint32_t)json_integer_value(cell), json_integer_value(due)))
            return "out of memory";
    }
    return NULL;
}

void pakn_agg_load(ioc_ctx *ctx, struct pakn_agg *a)
{
    *a = (struct pakn_agg){0};
    char *text = ioc_state_get(ctx, PAKN_STATE_KEY);
    if (!text)
        return;
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    const char *why = doc ? pakn_load_doc(a, doc) : err.text;
    if (why) {
        /* Counting again from the start gives the same totals: safe. */
        ioc_log(ctx, IOC_LOG_WARNING,
                "saved cursor and totals are unreadable (%s); counting again from the "
                "beginning of the stream",
                why);
        pakn_agg_free(a);
    }
    json_decref(doc);
    free(text);
}
