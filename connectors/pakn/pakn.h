/*
 * pakn.h - what the three files of the pakn connector share.
 *
 *   pakn.c       configuration, poll: walk the cursor stream, commit, emit
 *   pakn_item.c  read one report of a page (and RFC 3339 times)
 *   pakn_agg.c   the running totals: add a report, save/load them with the
 *                cursor as one state value
 *   pakn_emit.c  the metrics made from the totals
 */
#ifndef PAKN_H
#define PAKN_H

#include <ioc/ioc.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define PAKN_TIME_LEN 40 /* an RFC 3339 time as the feed wrote it, with NUL */

enum pakn_status { PAKN_NEW, PAKN_IN_PROGRESS, PAKN_RESOLVED };
enum pakn_rating { PAKN_UNRATED, PAKN_SATISFIED, PAKN_DISSATISFIED };

/* One report, read from a page. Strings point into the page's JSON. */
struct pakn_item {
    const char *key;   /* maPhanAnh */
    const char *xa;    /* maXa, 5 digits (possibly a pre-2025 code) */
    const char *topic; /* linhVuc */
    const char *sent_text;
    int64_t sent, due, done; /* ngayGui, hanXuLy, ngayXuLy (resolved only), epoch s */
    enum pakn_status status;
    enum pakn_rating rating;
};

/* Read element `index` of a page's items. 0, or -1 after ioc_reject()
 * naming the page, the report and the field. */
int pakn_item_read(ioc_ctx *ctx, unsigned page, size_t index, json_t *item, struct pakn_item *out);

/* Parse an RFC 3339 time with an offset into epoch seconds. 0 or -1. */
int pakn_time_parse(const char *text, int64_t *epoch_s);

/* Counters of one commune x topic cell; also used for sums. */
struct pakn_counts {
    uint64_t received, resolved, on_time, rated, satisfied, overdue;
};

struct pakn_cell {
    char xa[8];
    char *topic;
    struct pakn_counts c;
    bool dirty; /* changed since last emitted (not saved: all dirty after a start) */
};

/* An unresolved report whose deadline had not passed yet. */
struct pakn_pending {
    uint32_t cell;
    int64_t due;
};

/* Everything counted since the start of the stream, and where the stream
 * continues. Saved and restored as one value, so they always agree. */
struct pakn_agg {
    char *cursor;                                   /* resume cursor; NULL = from the beginning */
    char first[PAKN_TIME_LEN], last[PAKN_TIME_LEN]; /* oldest, newest ngayGui */
    int64_t first_s, last_s;                        /* "now" = last_s */
    struct pakn_cell *cells;
    size_t ncells, cells_cap;
    size_t cell_bytes; /* estimated share of the saved value */
    struct pakn_pending *pending;
    size_t npending, pending_cap;
};

struct pakn_targets {
    bool on_time_set, satisfaction_set;
    double on_time, satisfaction;
};

void pakn_agg_free(struct pakn_agg *a);
/* Deep copy into *dst (zeroed first). 0, or -1 when out of memory. */
int pakn_agg_copy(struct pakn_agg *dst, const struct pakn_agg *src);
/* Count one report. 0; 1 when it would make more commune/topic pairs than
 * the state can hold (nothing counted; reject it); -1 out of memory (logged). */
int pakn_agg_add(ioc_ctx *ctx, struct pakn_agg *a, const struct pakn_item *it);
/* Move pending reports whose deadline is before "now" to overdue. */
void pakn_agg_settle(struct pakn_agg *a);
/* Save cursor and totals under one state key. 0 or -1 (logged). */
int pakn_agg_save(ioc_ctx *ctx, const struct pakn_agg *a);
/* Load them; a missing value leaves *a empty (start of the stream), an
 * unreadable one too, with a warning. */
void pakn_agg_load(ioc_ctx *ctx, struct pakn_agg *a);
/* Emit the metrics of every changed cell, of the communes and topics they
 * belong to, and the province totals (area `province`), then mark all
 * cells clean. Returns the number of records the daemon accepted. */
size_t pakn_agg_emit(ioc_ctx *ctx, struct pakn_agg *a, const struct pakn_targets *t,
                     const char *province);

#endif
