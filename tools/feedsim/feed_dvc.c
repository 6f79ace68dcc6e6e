/*
 * feed_dvc - GET /dvc?page=P&size=S, the public-service portal's
 * one-stop-shop statistics ("Cổng dịch vụ công"): one
 * record of dossier counts per receiving unit (provincial department or
 * commune unit), paginated by page number and page size.
 *
 *   {"ngayCapNhat":"20250801000500","trang":1,"soBanGhi":50,"tongSo":142,
 *    "duLieu":[{"maDinhDanh":"000.00.12.H12","tenDonVi":"Sở Tài chính",
 *      "catalog":"department","tongTiepNhan":1320,"tiepNhanQuaMang":990,
 *      "tiepNhanTrucTiep":320,"tiepNhanBCCI":10,"daXuLyTruocHan":400,
 *      "daXuLyDungHan":700,"daXuLyQuaHan":40,"dangXuLyTrongHan":90,
 *      "dangXuLyQuaHan":5,"danhGiaRatHaiLong":120,"danhGiaHaiLong":60,
 *      "danhGiaKhongHaiLong":2,"tuNgay":"20250701000000",
 *      "denNgay":"20250731235959"},
 *     {"maDinhDanh":"000.01.00.H12","tenDonVi":"UBND phường Bạc Liêu",
 *      "catalog":"commune","maXa":"31825", ...}]}
 *
 * Envelope: ngayCapNhat = time of the data, the national portal's compact
 * local time yyyyMMddHHmmss (+07:00); trang = the page served; soBanGhi =
 * the page size served; tongSo = records over all pages; duLieu = this
 * page's records. Query: page >= 1 (default 1), size 1..200 (default 50);
 * anything else is 400. A page past the last has an empty duLieu.
 *
 * Pagination and snapshots: a request for page 1 (or without `page`)
 * starts a snapshot and advances the generation; later pages reuse the
 * generation of the last page 1, so one walk through the pages sees one
 * consistent data set (fault `fail-page` fails those later pages only).
 *
 * The catalogue of units, in this order (index i counts from 0):
 *   i = 0..13        the 14 provincial departments of dvc_departments[]
 *                    below, maDinhDanh "000.00.NN.H12", catalog
 *                    "department", no maXa
 *   i = 14 + 2c      the People's Committee ("UBND xã ...", "UBND phường
 *                    ...") of the c-th commune of province 96 in gazetteer
 *                    file order (c from 0), maDinhDanh "000.CC.00.H12"
 *                    with CC = c + 1 on two digits, catalog "commune",
 *                    maXa its code
 *   i = 15 + 2c      that commune's police ("Công an xã ..."),
 *                    maDinhDanh "000.CC.01.H12", same maXa
 * tongSo = --records, capped at the catalogue's size (14 + 2 x 64 = 142).
 * Page P of size S holds the units P*S-S .. min(P*S, tongSo) - 1.
 *
 * Values of unit i in generation g (all integer arithmetic, "/" truncates;
 * see prng.h for prng_value):
 *   h  = prng_value(seed, g, i)          h2 = prng_value(seed, g, i + 65536)
 *   a = h >> 48, b = (h >> 40) & 255, c = (h >> 32) & 255,
 *   d = (h >> 24) & 255, e = (h >> 16) & 255, f = (h >> 8) & 255, k = h & 255
 *   a2 = h2 >> 48, b2 = (h2 >> 40) & 255, c2 = (h2 >> 32) & 255,
 *   d2 = (h2 >> 24) & 255
 *   (B, R) = (100, 1900) department, (50, 750) UBND, (20, 300) police
 *   tongTiepNhan        r   = B + a % R
 *   tiepNhanQuaMang     on  = r * (40 + b % 61) / 100
 *   tiepNhanBCCI        po  = (r - on) * (c % 11) / 100
 *   tiepNhanTrucTiep        = r - on - po
 *   resolved            dn  = r * (70 + d % 26) / 100
 *   pending             pd  = (r - dn) * (50 + e % 51) / 100
 *   daXuLyQuaHan        lt  = dn * (f % 9) / 100
 *   daXuLyTruocHan      ea  = (dn - lt) * (20 + k % 41) / 100
 *   daXuLyDungHan           = dn - lt - ea
 *   dangXuLyQuaHan      ov  = pd * (a2 % 16) / 100
 *   dangXuLyTrongHan        = pd - ov
 *   ratings             rt  = dn * (b2 % 31) / 100
 *   danhGiaKhongHaiLong un  = rt * (c2 % 4) / 100
 *   danhGiaRatHaiLong   vs  = (rt - un) * (50 + d2 % 41) / 100
 *   danhGiaHaiLong          = rt - un - vs
 *   ngayCapNhat = 20250801000500 plus g minutes; tuNgay = 20250701000000,
 *   denNgay = 20250731235959 (fixed)
 * So every record is self-consistent: the three channels sum to
 * tongTiepNhan; early + on time + late (resolved) + pending <= received
 * (the rest was withdrawn); ratings <= resolved. Small units may have no
 * rating at all, which leaves their satisfaction ratio undefined.
 *
 * Data faults (feed_shape): wrong-type and missing-field hit tongTiepNhan,
 * nulls hits daXuLyDungHan (the numerator of the on-time ratio), old-codes
 * hits maXa - in the first record(s) of every page served.
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DVC_PROVINCE "96"
#define DVC_UPDATED_BASE "2025-08-01T00:05:00+07:00"
#define DVC_OFFSET_MIN 420 /* +07:00: the portal's compact times are local */
#define DVC_MS_PER_GENERATION 60000
#define DVC_FROM "20250701000000"
#define DVC_TO "20250731235959"
#define DVC_DEFAULT_SIZE 50
#define DVC_MAX_SIZE 200
#define DVC_MAX_PAGE 1000000
#define DVC_SECOND_STREAM 65536 /* index offset of h2 */

static const struct {
    const char *id, *name;
} dvc_departments[] = {
    {"000.00.01.H12", "Văn phòng Ủy ban nhân dân tỉnh"},
    {"000.00.02.H12", "Sở Nội vụ"},
    {"000.00.03.H12", "Sở Tư pháp"},
    {"000.00.12.H12", "Sở Tài chính"},
    {"000.00.05.H12", "Sở Xây dựng"},
    {"000.00.06.H12", "Sở Công Thương"},
    {"000.00.07.H12", "Sở Giáo dục và Đào tạo"},
    {"000.00.08.H12", "Sở Y tế"},
    {"000.00.09.H12", "Sở Nông nghiệp và Môi trường"},
    {"000.00.10.H12", "Sở Khoa học và Công nghệ"},
    {"000.00.11.H12", "Sở Văn hóa, Thể thao và Du lịch"},
    {"000.00.13.H12", "Sở Dân tộc và Tôn giáo"},
    {"000.00.14.H12", "Thanh tra tỉnh"},
    {"000.00.15.H12", "Ban Quản lý Khu kinh tế"},
};
#define DVC_DEPARTMENTS (sizeof dvc_departments / sizeof dvc_departments[0])

struct dvc {
    const struct area *const *communes;
    size_t ncommunes;
    size_t total;    /* tongSo */
    int64_t base_ms; /* ngayCapNhat of generation 0 */
};

static int dvc_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct dvc *d = calloc(1, sizeof *d);
    const char *reason;
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->ncommunes = gazetteer_communes_of(cfg->gaz, DVC_PROVINCE, &d->communes);
    if (d->ncommunes == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", DVC_PROVINCE);
        free(d);
        return -1;
    }
    if (d->ncommunes > 99)
        d->ncommunes = 99; /* maDinhDanh has two digits for the commune */
    if (timeparse_parse(DVC_UPDATED_BASE, 0, &d->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(d);
        return -1;
    }
    size_t units = DVC_DEPARTMENTS + 2 * d->ncommunes;
    d->total = cfg->records;
    if (d->total > units) {
        log_msg(LOG_LEVEL_WARNING, "feedsim",
                "dvc: --records %zu capped at %zu, the units of the catalogue "
                "(%zu departments, 2 per commune of province %s)",
                cfg->records, units, DVC_DEPARTMENTS, DVC_PROVINCE);
        d->total = units;
    }
    *state = d;
    return 0;
}

static void dvc_fini(void *state)
{
    free(state);
}

static bool dvc_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "page", 1, 1, DVC_MAX_PAGE) == 1;
}

/* Unit i's identity: id (into buf), name (into nbuf), catalog, maXa. */
static const char *dvc_identity(const struct dvc *d, size_t i, char *buf, size_t len,
                                char *nbuf, size_t nlen, const char **code)
{
    if (i < DVC_DEPARTMENTS) {
        *code = NULL;
        snprintf(buf, len, "%s", dvc_departments[i].id);
        snprintf(nbuf, nlen, "%s", dvc_departments[i].name);
        return "department";
    }
    size_t c = (i - DVC_DEPARTMENTS) / 2, police = (i - DVC_DEPARTMENTS) % 2;
    const struct area *a = d->communes[c];
    *code = a->code;
    snprintf(buf, len, "000.%02zu.%02zu.H12", c + 1, police);
    /* "Xã Châu Thới" -> "UBND xã Châu Thới": the unit type in lower case
     * after a prefix, as Vietnamese writes it (ASCII first letters only). */
    char first = a->name[0] >= 'A' && a->name[0] <= 'Z' ? (char)(a->name[0] - 'A' + 'a')
                                                         : a->name[0];
    snprintf(nbuf, nlen, "%s %c%s", police ? "Công an" : "UBND", first,
             a->name[0] ? a->name + 1 : "");
    return "commune";
}

static json_t *dvc_unit(const struct dvc *d, const struct feed_request *req, size_t i)
{
    uint64_t h = prng_value(req->cfg->seed, req->generation, i);
    uint64_t h2 = prng_value(req->cfg->seed, req->generation, i + DVC_SECOND_STREAM);
    uint64_t a = h >> 48, b = (h >> 40) & 255, c = (h >> 32) & 255, dd = (h >> 24) & 255;
    uint64_t e = (h >> 16) & 255, f = (h >> 8) & 255, k = h & 255;
    uint64_t a2 = h2 >> 48, b2 = (h2 >> 40) & 255, c2 = (h2 >> 32) & 255, d2 = (h2 >> 24) & 255;
    char id[32], name[256];
    const char *code;
    const char *catalog = dvc_identity(d, i, id, sizeof id, name, sizeof name, &code);
    bool police = i >= DVC_DEPARTMENTS && (i - DVC_DEPARTMENTS) % 2;
    uint64_t base = i < DVC_DEPARTMENTS ? 100 : police ? 20 : 50;
    uint64_t range = i < DVC_DEPARTMENTS ? 1900 : police ? 300 : 750;

    uint64_t r = base + a % range;
    uint64_t on = r * (40 + b % 61) / 100;
    uint64_t po = (r - on) * (c % 11) / 100;
    uint64_t dn = r * (70 + dd % 26) / 100;
    uint64_t pd = (r - dn) * (50 + e % 51) / 100;
    uint64_t lt = dn * (f % 9) / 100;
    uint64_t ea = (dn - lt) * (20 + k % 41) / 100;
    uint64_t ov = pd * (a2 % 16) / 100;
    uint64_t rt = dn * (b2 % 31) / 100;
    uint64_t un = rt * (c2 % 4) / 100;
    uint64_t vs = (rt - un) * (50 + d2 % 41) / 100;

    json_t *u = json_pack("{s:s, s:s, s:s}", "maDinhDanh", id, "tenDonVi", name, "catalog",
                          catalog);
    if (!u)
        return NULL;
    if (code)
        json_object_set_new(u, "maXa", json_string(code));
    const struct {
        const char *key;
        uint64_t v;
    } fields[] = {
        {"tongTiepNhan", r},
        {"tiepNhanQuaMang", on},
        {"tiepNhanTrucTiep", r - on - po},
        {"tiepNhanBCCI", po},
        {"daXuLyTruocHan", ea},
        {"daXuLyDungHan", dn - lt - ea},
        {"daXuLyQuaHan", lt},
        {"dangXuLyTrongHan", pd - ov},
        {"dangXuLyQuaHan", ov},
        {"danhGiaRatHaiLong", vs},
        {"danhGiaHaiLong", rt - un - vs},
        {"danhGiaKhongHaiLong", un},
    };
    for (size_t j = 0; j < sizeof fields / sizeof fields[0]; j++)
        json_object_set_new(u, fields[j].key, json_integer((json_int_t)fields[j].v));
    json_object_set_new(u, "tuNgay", json_string(DVC_FROM));
    json_object_set_new(u, "denNgay", json_string(DVC_TO));
    return u;
}

/* 2025-08-01T00:05:00+07:00 + g minutes as yyyyMMddHHmmss local time. */
static void dvc_compact(int64_t ms, char *out, size_t len)
{
    char rfc[40];
    timeparse_format(ms, DVC_OFFSET_MIN, rfc, sizeof rfc); /* yyyy-MM-ddTHH:mm:ss+07:00 */
    snprintf(out, len, "%.4s%.2s%.2s%.2s%.2s%.2s", rfc, rfc + 5, rfc + 8, rfc + 11, rfc + 14,
             rfc + 17);
}

static void dvc_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct dvc *d = req->state;
    long page = feed_arg_number(req, "page", 1, 1, DVC_MAX_PAGE);
    long size = feed_arg_number(req, "size", DVC_DEFAULT_SIZE, 1, DVC_MAX_SIZE);
    if (page < 0 || size < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error, "%s",
                 page < 0 ? "page must be an integer from 1 to 1000000"
                          : "size must be an integer from 1 to 200");
        return;
    }
    char updated[16];
    out->updated_ms = d->base_ms + (int64_t)req->generation * DVC_MS_PER_GENERATION;
    dvc_compact(out->updated_ms, updated, sizeof updated);

    json_t *units = json_array();
    size_t first = (size_t)(page - 1) * (size_t)size;
    for (size_t i = first; units && i < d->total && i < first + (size_t)size; i++) {
        json_t *u = dvc_unit(d, req, i);
        if (!u || json_array_append_new(units, u) != 0) {
            json_decref(units);
            units = NULL;
        }
    }
    out->body = units ? json_pack("{s:s, s:I, s:I, s:I, s:o}", "ngayCapNhat", updated, "trang",
                                  (json_int_t)page, "soBanGhi", (json_int_t)size, "tongSo",
                                  (json_int_t)d->total, "duLieu", units)
                      : NULL;
    out->status = out->body ? 200 : 500;
}

const struct feed feed_dvc = {
    .name = "dvc",
    .path = "/dvc",
    .summary = "public-service portal: dossier statistics per department and commune unit, "
               "paginated (page, size)",
    .shape = {.records = "duLieu",
              .count = "tongTiepNhan",
              .ratio = "daXuLyDungHan",
              .code = "maXa"},
    .init = dvc_init,
    .fini = dvc_fini,
    .build = dvc_build,
    .starts_snapshot = dvc_starts_snapshot,
};
