/*
 * feed_ioffice - GET /ioffice?trang=N&soBanGhi=M, the iOffice document
 * management system (the first of the four departmental systems): document-handling KPIs per agency,
 * provincial departments (capDonVi "tinh") and the People's Committees of
 * the communes and wards of Cà Mau (capDonVi "xa"), one page at a time.
 *
 *   {"thoiGianCapNhat":"2025-08-01T00:00:00+07:00",
 *    "ky":{"tu":"2025-07-01","den":"2025-07-31"},
 *    "trang":1,"soBanGhi":50,"tongSo":78,
 *    "duLieu":[{"maDonVi":"000.00.01.H12","tenDonVi":"Văn phòng UBND tỉnh",
 *               "capDonVi":"tinh","vanBanDen":1320,"vanBanDi":544,
 *               "denDaXuLyDungHan":1190,"denDaXuLyQuaHan":38,
 *               "denDangXuLyQuaHan":12,"hoSoCongViecTrucTuyenTyLe":93.1,
 *               "vanBanDienTuTyLe":99.2,"soLuotKySo":610},
 *              {"maDonVi":"000.00.31.H12","tenDonVi":"UBND Phường Bạc Liêu",
 *               "capDonVi":"xa","maXa":"31825",...}, ...]}
 *
 * Design idea: the whole agency list is one fixed sequence; a page is a
 * window on it. Page 1 (or no `trang`) starts a snapshot, so every page of
 * one walk comes from the same generation (feed.h, starts_snapshot).
 *
 * Query: trang (page, from 1, default 1), soBanGhi (page size, 1..500,
 * default 50); anything else in them is a 400. A page past the end is a
 * 200 with an empty duLieu. `maXa` (the agency's current commune code) is
 * our addition to the proposed shape: commune agencies need an area.
 *
 * The formula, so tests can recompute any body (g = generation; k = index
 * of the agency in the whole list, from 0; "/" truncates):
 *   agencies       D = the 14 departments of ioffice_departments[] below,
 *                  C = the communes of province 96 in gazetteer file order
 *                  (64). Agency k < 2*D alternates: even k = department
 *                  k/2, odd k = commune (k-1)/2; k >= 2*D = commune k-D.
 *                  tongSo = --records capped at D + C (78): ids and codes
 *                  are never repeated.
 *   maDonVi        department d (from 0): "000.00.(d+1).H12", commune c
 *                  (from 0): "000.00.(31+c).H12", both with 2 digits
 *   tenDonVi       department: from the table; commune: "UBND " + name
 *   h = prng_value(seed, g, k), h2 = prng_splitmix64(h)   (see prng.h)
 *   base, span     tinh: 400, 2000   xa: 100, 600
 *   vanBanDen         = base + (h & 0xFFFF) % span
 *   vanBanDi          = vanBanDen * (30 + ((h >> 16) & 0xFF) % 31) / 100
 *   pending           = vanBanDen * (2 + ((h >> 24) & 0xFF) % 9) / 100
 *   processed         = vanBanDen - pending
 *   denDaXuLyQuaHan   = processed * (((h >> 32) & 0xFF) % 9) / 100
 *   denDaXuLyDungHan  = processed - denDaXuLyQuaHan
 *   denDangXuLyQuaHan = pending * (((h >> 40) & 0xFF) % 51) / 100
 *   hoSoCongViecTrucTuyenTyLe = (lo + (h2 & 0xFFFF) % (1001 - lo)) / 10.0
 *                      lo = 800 (tinh: 80.0..100.0), 450 (xa: 45.0..100.0)
 *   vanBanDienTuTyLe  = (lo + ((h2 >> 16) & 0xFFFF) % (1001 - lo)) / 10.0
 *                      lo = 950 (tinh), 800 (xa)
 *   soLuotKySo        = vanBanDi * (50 + ((h2 >> 32) & 0xFFFF) % 71) / 100
 *   thoiGianCapNhat   = 2025-08-01T00:00:00+07:00 plus g minutes
 *   ky                = 2025-07-01 .. 2025-07-31 (fixed)
 * So on time + late = processed <= vanBanDen and pending overdue <=
 * vanBanDen - processed: per-agency figures add up to meaningful totals.
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOFFICE_PROVINCE "96"
#define IOFFICE_UPDATED_BASE "2025-08-01T00:00:00+07:00"
#define IOFFICE_OFFSET_MIN 420 /* +07:00 */
#define IOFFICE_MS_PER_GENERATION 60000
#define IOFFICE_DEFAULT_SIZE 50
#define IOFFICE_MAX_SIZE 500
#define IOFFICE_MAX_PAGE 1000000
#define IOFFICE_COMMUNE_ID_BASE 31 /* commune c is "000.00.(31+c).H12" */

/* Cà Mau's provincial agencies after the 2025 reorganisation of
 * departments; the code of Sở Tài chính is the one its
 * iOffice feed uses (000.00.12.H12). */
static const struct {
    const char *id, *name;
} ioffice_departments[] = {
    {"000.00.01.H12", "Văn phòng UBND tỉnh"},
    {"000.00.02.H12", "Sở Nội vụ"},
    {"000.00.03.H12", "Sở Tư pháp"},
    {"000.00.04.H12", "Sở Xây dựng"},
    {"000.00.05.H12", "Sở Công Thương"},
    {"000.00.06.H12", "Sở Nông nghiệp và Môi trường"},
    {"000.00.07.H12", "Sở Khoa học và Công nghệ"},
    {"000.00.08.H12", "Sở Giáo dục và Đào tạo"},
    {"000.00.09.H12", "Sở Y tế"},
    {"000.00.10.H12", "Sở Văn hóa, Thể thao và Du lịch"},
    {"000.00.11.H12", "Sở Dân tộc và Tôn giáo"},
    {"000.00.12.H12", "Sở Tài chính"},
    {"000.00.13.H12", "Thanh tra tỉnh"},
    {"000.00.14.H12", "Ban Quản lý Khu kinh tế"},
};
#define IOFFICE_DEPARTMENTS (sizeof ioffice_departments / sizeof ioffice_departments[0])

/* One agency of the fixed list. */
struct ioffice_agency {
    char id[24];
    char name[160];
    const char *code; /* commune code, NULL for a department */
};

struct ioffice {
    struct ioffice_agency *agencies;
    size_t count;    /* tongSo */
    int64_t base_ms; /* thoiGianCapNhat of generation 0 */
};

/* Agency k of the interleaved list (see the top comment). */
static void ioffice_agency_at(size_t k, const struct area *const *communes,
                              struct ioffice_agency *out)
{
    size_t d = IOFFICE_DEPARTMENTS, c;
    if (k < 2 * d && k % 2 == 0) {
        snprintf(out->id, sizeof out->id, "%s", ioffice_departments[k / 2].id);
        snprintf(out->name, sizeof out->name, "%s", ioffice_departments[k / 2].name);
        out->code = NULL;
        return;
    }
    c = k < 2 * d ? (k - 1) / 2 : k - d;
    snprintf(out->id, sizeof out->id, "000.00.%02zu.H12", IOFFICE_COMMUNE_ID_BASE + c);
    snprintf(out->name, sizeof out->name, "UBND %s", communes[c]->name);
    out->code = communes[c]->code;
}

static int ioffice_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    const struct area *const *communes;
    const char *reason;
    size_t n = gazetteer_communes_of(cfg->gaz, IOFFICE_PROVINCE, &communes);
    if (n == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", IOFFICE_PROVINCE);
        return -1;
    }
    /* Commune ids are two digits from 31: at most 69 communes fit. */
    if (n > 100 - IOFFICE_COMMUNE_ID_BASE)
        n = 100 - IOFFICE_COMMUNE_ID_BASE;
    struct ioffice *io = calloc(1, sizeof *io);
    if (!io) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (timeparse_parse(IOFFICE_UPDATED_BASE, 0, &io->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(io);
        return -1;
    }
    size_t cap = IOFFICE_DEPARTMENTS + n;
    io->count = cfg->records;
    if (io->count > cap) {
        log_msg(LOG_LEVEL_WARNING, "feedsim",
                "ioffice: --records %zu capped at %zu, the %zu departments and %zu communes of "
                "province %s (agencies are never repeated)",
                cfg->records, cap, IOFFICE_DEPARTMENTS, n, IOFFICE_PROVINCE);
        io->count = cap;
    }
    if (io->count && !(io->agencies = calloc(io->count, sizeof *io->agencies))) {
        snprintf(err, errlen, "out of memory");
        free(io);
        return -1;
    }
    for (size_t k = 0; k < io->count; k++)
        ioffice_agency_at(k, communes, &io->agencies[k]);
    *state = io;
    return 0;
}

static void ioffice_fini(void *state)
{
    struct ioffice *io = state;
    if (io)
        free(io->agencies);
    free(io);
}

/* One element of duLieu: agency `a` with the random bits h. */
static json_t *ioffice_record(const struct ioffice_agency *a, uint64_t h)
{
    bool xa = a->code != NULL;
    uint64_t h2 = prng_splitmix64(h);
    json_int_t base = xa ? 100 : 400, span = xa ? 600 : 2000;
    json_int_t in = base + (json_int_t)((h & 0xFFFF) % (uint64_t)span);
    json_int_t out = in * (json_int_t)(30 + ((h >> 16) & 0xFF) % 31) / 100;
    json_int_t pending = in * (json_int_t)(2 + ((h >> 24) & 0xFF) % 9) / 100;
    json_int_t processed = in - pending;
    json_int_t late = processed * (json_int_t)(((h >> 32) & 0xFF) % 9) / 100;
    json_int_t overdue = pending * (json_int_t)(((h >> 40) & 0xFF) % 51) / 100;
    int lo_online = xa ? 450 : 800, lo_electronic = xa ? 800 : 950;
    int online = lo_online + (int)((h2 & 0xFFFF) % (uint64_t)(1001 - lo_online));
    int electronic =
        lo_electronic + (int)(((h2 >> 16) & 0xFFFF) % (uint64_t)(1001 - lo_electronic));
    json_int_t signatures = out * (json_int_t)(50 + ((h2 >> 32) & 0xFFFF) % 71) / 100;

    /* "s*": maXa is left out for a department. */
    return json_pack("{s:s, s:s, s:s, s:s*, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:I}", "maDonVi",
                     a->id, "tenDonVi", a->name, "capDonVi", xa ? "xa" : "tinh", "maXa", a->code,
                     "vanBanDen", in, "vanBanDi", out, "denDaXuLyDungHan", processed - late,
                     "denDaXuLyQuaHan", late, "denDangXuLyQuaHan", overdue,
                     "hoSoCongViecTrucTuyenTyLe", online / 10.0, "vanBanDienTuTyLe",
                     electronic / 10.0, "soLuotKySo", signatures);
}

static bool ioffice_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "trang", 1, 1, IOFFICE_MAX_PAGE) == 1;
}

static void ioffice_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct ioffice *io = req->state;
    uint64_t g = req->generation;
    long page = feed_arg_number(req, "trang", 1, 1, IOFFICE_MAX_PAGE);
    long size = feed_arg_number(req, "soBanGhi", IOFFICE_DEFAULT_SIZE, 1, IOFFICE_MAX_SIZE);
    char updated[32];

    if (page < 0 || size < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error,
                 page < 0 ? "trang must be a page number from 1 to %d"
                          : "soBanGhi must be a page size from 1 to %d",
                 page < 0 ? IOFFICE_MAX_PAGE : IOFFICE_MAX_SIZE);
        return;
    }
    out->updated_ms = io->base_ms + (int64_t)g * IOFFICE_MS_PER_GENERATION;
    timeparse_format(out->updated_ms, IOFFICE_OFFSET_MIN, updated, sizeof updated);
    json_t *items = json_array();
    size_t first = (size_t)(page - 1) * (size_t)size;
    for (size_t k = first; items && k < io->count && k < first + (size_t)size; k++) {
        json_t *r = ioffice_record(&io->agencies[k], prng_value(req->cfg->seed, g, k));
        if (!r || json_array_append_new(items, r) != 0) {
            json_decref(items);
            items = NULL;
        }
    }
    out->body = items ? json_pack("{s:s, s:{s:s, s:s}, s:i, s:i, s:I, s:o}", "thoiGianCapNhat",
                                  updated, "ky", "tu", "2025-07-01", "den", "2025-07-31",
                                  "trang", (int)page, "soBanGhi", (int)size, "tongSo",
                                  (json_int_t)io->count, "duLieu", items)
                      : NULL;
    out->status = out->body ? 200 : 500;
}

const struct feed feed_ioffice = {
    .name = "ioffice",
    .path = "/ioffice",
    .summary = "iOffice document KPIs per agency (departments and communes of 96), paginated "
               "?trang=N&soBanGhi=M",
    .shape = {.records = "duLieu",
              .count = "vanBanDen",
              .ratio = "hoSoCongViecTrucTuyenTyLe",
              .code = "maXa",
              .updated = "thoiGianCapNhat"},
    .init = ioffice_init,
    .fini = ioffice_fini,
    .build = ioffice_build,
    .starts_snapshot = ioffice_starts_snapshot,
};
