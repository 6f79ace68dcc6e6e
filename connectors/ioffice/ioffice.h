/*
 * ioffice.h - what the two halves of the iOffice connector share.
 *
 * ioffice.c walks the pages of one snapshot (HTTP, pagination, 304,
 * consistency between pages); ioffice_publish.c turns a complete walk into
 * records (per-agency values, then province totals per level). The split
 * is the connector's one rule: nothing is emitted until every page of the
 * walk has arrived and agrees with page 1.
 */
#ifndef IOFFICE_H
#define IOFFICE_H

#include <ioc/ioc.h>
#include <jansson.h>
#include <stddef.h>

/* capDonVi: the two levels of government since 1/7/2025. */
enum ioffice_level { IOFFICE_TINH, IOFFICE_XA, IOFFICE_LEVELS };

/* Per-instance settings, read by init. */
struct ioffice {
    const char *url, *token, *province;
    size_t page_size, max_pages;
    double online_target[IOFFICE_LEVELS]; /* % of work files handled online */
    /* target_tinh / target_xa set in the file: then (deprecated) the
     * online_share records carry it as their own target. */
    bool own_target[IOFFICE_LEVELS];
    /* Page 1 of the last walk was answered but the walk was not published,
     * so the daemon may hold validators of data we never published: ask
     * page 1 without them next time. */
    bool skip_conditional;
};

/* One complete walk: every page's document, in page order, all with the
 * same thoiGianCapNhat and tongSo as page 1. */
struct ioffice_walk {
    struct ioffice *io;
    json_t **pages;
    size_t count, cap;
    json_int_t total;      /* tongSo of page 1 */
    const char *ts;        /* thoiGianCapNhat of page 1, or NULL (= now) */
    const char *from, *to; /* ky.tu / ky.den, both or neither */
};

/* Validate every record of the walk (ioc_reject for a bad one: it is left
 * out of everything), emit the per-agency metrics, then the province
 * totals of each level over the agencies whose values were accepted. */
void ioffice_publish(ioc_ctx *ctx, const struct ioffice *io, const struct ioffice_walk *walk);

#endif
