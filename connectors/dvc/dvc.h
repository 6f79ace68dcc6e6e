/*
 * dvc.h - what the three files of the dvc connector share.
 *
 *   dvc.c       configuration, the walk (ioc_page_walk), the descriptor
 *   dvc_page.c  one page: envelope checks and records -> struct dvc_unit
 *   dvc_emit.c  aggregates (agency, commune, province 96) -> ioc_emit()
 *
 * The design idea: a poll first reads every page into plain structs and
 * only then emits, so a page that fails leaves nothing half-published.
 */
#ifndef DVC_H
#define DVC_H

#include <ioc/ioc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The counts of one record, in the order of dvc_field_keys[]. */
enum dvc_field {
    DVC_RECEIVED,       /* tongTiepNhan */
    DVC_ONLINE,         /* tiepNhanQuaMang */
    DVC_IN_PERSON,      /* tiepNhanTrucTiep */
    DVC_POSTAL,         /* tiepNhanBCCI */
    DVC_EARLY,          /* daXuLyTruocHan */
    DVC_ON_TIME,        /* daXuLyDungHan */
    DVC_LATE,           /* daXuLyQuaHan */
    DVC_WITHIN,         /* dangXuLyTrongHan */
    DVC_OVERDUE,        /* dangXuLyQuaHan */
    DVC_VERY_SATISFIED, /* danhGiaRatHaiLong */
    DVC_SATISFIED,      /* danhGiaHaiLong */
    DVC_UNSATISFIED,    /* danhGiaKhongHaiLong */
    DVC_FIELDS
};
extern const char *const dvc_field_keys[DVC_FIELDS];

/* Per-instance settings, read once by init. */
struct dvc {
    const char *url, *token;
    int64_t page_size, max_pages;
    double on_time_target, satisfaction_target, online_target;
    bool has_on_time_target, has_satisfaction_target, has_online_target;
    /* The last walk was published in full, so a 304 on page 1 means the
     * screens already show the current values. */
    bool published;
};

/* One accepted record. */
struct dvc_unit {
    char *id;          /* maDinhDanh */
    char area[8];      /* maXa as sent (old codes too), or "96" */
    bool commune;      /* catalog "commune" */
    bool skip;         /* a duplicate, rejected after the walk */
    long page;
    uint64_t v[DVC_FIELDS];
};

/* Everything one poll read, page after page. */
struct dvc_walk {
    struct dvc *cfg;
    struct dvc_unit *units;
    size_t count, cap;
    size_t seen;       /* records read, rejected ones included */
    int64_t total;     /* tongSo of page 1 */
    char ts[16];       /* ngayCapNhat of page 1, yyyyMMddHHmmss */
    char from[11], to[11]; /* the period of the first accepted record */
};

/* Parse page `page` into `w`. Returns 0, or -1 when the page is unusable
 * (already logged): the poll then fails and nothing is published. Bad
 * records are rejected with ioc_reject() and do not fail the page.
 * *records is set to the number of records the page held. */
int dvc_page_parse(ioc_ctx *ctx, struct dvc_walk *w, long page, const char *body, size_t len,
                   size_t *records);

/* Reject repeated maDinhDanh, then emit agency, commune and province
 * aggregates. Returns the number of records the daemon accepted. */
size_t dvc_emit_walk(ioc_ctx *ctx, const struct dvc *cfg, struct dvc_walk *w);

void dvc_walk_free(struct dvc_walk *w);

#endif
