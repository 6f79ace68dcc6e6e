/*
 * feed_pakn - GET /pakn, citizen field reports ("phản ánh hiện trường",
 * sent through the CaMau-G app) as an append-only, cursor-paginated stream.
 *
 *   GET /pakn?cursor=<opaque>&limit=N       (no cursor: from the first report)
 *   {"cursor":"eyJpZCI6ODg4fQ==","hasMore":true,
 *    "items":[{"maPhanAnh":"PA-2025-000888","tieuDe":"Đèn đường hỏng",
 *              "linhVuc":"do-thi","maXa":"32002",
 *              "ngayGui":"2025-07-20T21:14:00+07:00",
 *              "hanXuLy":"2025-07-25T17:00:00+07:00","trangThai":"da-xu-ly",
 *              "ngayXuLy":"2025-07-23T10:00:00+07:00","danhGia":"hai-long"}]}
 *
 * The model (the one design idea): the feed lists reports in order of
 * creation, each report is immutable once listed, and new reports appear
 * only at the end as the generation grows. A status change after listing
 * is never re-sent (the contract has no update events), so a listed item
 * carries the report's state as the source recorded it once and for all.
 * A consumer that remembers its cursor therefore sees every report exactly
 * once, and "every report so far" is a pure function of (seed, generation).
 *
 * Cursors are base64 of a small JSON object: {"id":N} means "after report
 * N" and is returned with hasMore=false, so a client resumes from it at its
 * next walk; {"id":N,"p":P} continues walk page P and is returned with
 * hasMore=true. A request without a cursor or with a resume cursor starts a
 * snapshot (advances the generation, spared by fault fail-page); a
 * continuation cursor does not. `limit` is 1..500 (default 50); anything
 * else, or a cursor this feed did not issue, is answered 400. A resume
 * cursor beyond the stream (e.g. after a feedsim restart) gets no items and
 * its own cursor back, until the stream has grown past it.
 *
 * The formula, so tests can recompute any body (g = generation, counted
 * from 0; k = report index from 0; id = k + 1; R = --records capped at
 * 10000, which keeps every date before mid-2026):
 *   listed(g)  = min(R, 20 * (g + 1))        reports k = 0 .. listed(g)-1
 *   h          = prng_value(seed, 0, k)       (see prng.h; not g: immutable)
 *   maPhanAnh  = "PA-2025-" + id on 6 digits
 *   maXa       = the ((h & 0xFF) % C)-th commune of province 96 in
 *                gazetteer file order (C = 64 communes)
 *   t          = (h >> 8) % 8: linhVuc = TOPIC[t] and tieuDe =
 *                TITLE[t][(h >> 11) & 1] (tables below)
 *   ngayGui    = 2025-07-01T07:00:00+07:00 + (45 k + (h >> 16) % 45) min
 *                (strictly increasing with k)
 *   D          = 3 + (h >> 24) % 5                       3..7 days
 *   hanXuLy    = 17:00 local (+07:00) on the local date of ngayGui + D days
 *   u          = (h >> 32) % 100: trangThai = "moi" if u < 10,
 *                "dang-xu-ly" if u < 30, else "da-xu-ly"
 *   ngayXuLy   = da-xu-ly: ngayGui + (60 + (h >> 40) % ((D + 2) * 1440))
 *                min (so some are resolved after hanXuLy); else null
 *   danhGia    = da-xu-ly: v = (h >> 56) % 10, "hai-long" if v < 6,
 *                "khong-hai-long" if v < 8, else null; else null
 *   times are written in +07:00 ("2025-07-20T21:14:00+07:00")
 *   Last-Modified = ngayGui of the newest listed report
 *
 * Data faults: wrong-type and missing-field strike hanXuLy (the items have
 * no numeric field: it becomes the string "0", or disappears), nulls sets
 * trangThai to null, old-codes rewrites maXa, all in the first items of
 * the page they hit.
 */
#include "feed.h"
#include "prng.h"

#include "gazetteer.h"
#include "log.h"
#include "timeparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAKN_PROVINCE "96"
#define PAKN_BASE "2025-07-01T07:00:00+07:00"
#define PAKN_OFFSET_MIN 420 /* +07:00 */
#define PAKN_MAX_REPORTS 10000
#define PAKN_STEP 20 /* reports added per generation */
#define PAKN_LIMIT_DEFAULT 50
#define PAKN_LIMIT_MAX 500
#define PAKN_MIN_MS INT64_C(60000)
#define PAKN_DAY_MS (1440 * PAKN_MIN_MS)
#define PAKN_TOPICS 8

static const char *const pakn_topic[PAKN_TOPICS] = {
    "do-thi",          "moi-truong", "giao-thong", "dat-dai",
    "an-ninh-trat-tu", "dien-nuoc",  "thien-tai",  "khac",
};
static const char *const pakn_title[PAKN_TOPICS][2] = {
    {"Đèn đường hỏng", "Lấn chiếm vỉa hè"},
    {"Rác thải tồn đọng", "Nước thải gây ô nhiễm kênh rạch"},
    {"Mặt đường hư hỏng", "Cầu yếu cần gia cố"},
    {"Tranh chấp ranh giới đất", "Xây dựng trên đất nông nghiệp"},
    {"Tụ tập gây mất trật tự", "Tiếng ồn ban đêm"},
    {"Mất nước sinh hoạt", "Cột điện nghiêng"},
    {"Sạt lở bờ sông", "Triều cường ngập nhà dân"},
    {"Góp ý thủ tục hành chính", "Thả gia súc trên đường"},
};

struct pakn {
    const struct area *const *communes;
    size_t communes_count;
    size_t reports; /* R */
    int64_t base_ms;
};

/* ---- base64 (RFC 4648, padded) for the opaque cursors ---- */

static const char pakn_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void pakn_b64_encode(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = pakn_b64[(v >> 18) & 63];
        out[o++] = pakn_b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? pakn_b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? pakn_b64[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Decode padded base64 into out (NUL-terminated). -1 if malformed. */
static int pakn_b64_decode(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in), o = 0;
    if (n == 0 || n % 4 != 0 || n / 4 * 3 >= outlen)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *p = in[i + j] ? strchr(pakn_b64, in[i + j]) : NULL;
            if (in[i + j] == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!p || pad)
                return -1;
            v = (v << 6) | (unsigned)(p - pakn_b64);
        }
        out[o++] = (char)(v >> 16);
        if (pad < 2)
            out[o++] = (char)(v >> 8);
        if (pad < 1)
            out[o++] = (char)v;
    }
    out[o] = '\0';
    return strlen(out) == o ? 0 : -1; /* no NUL inside */
}

/* ---- cursors ---- */

struct pakn_cursor {
    uint64_t after; /* id of the last report already delivered */
    uint64_t page;  /* 0: resume cursor; >= 2: continuation of a walk */
};

static void pakn_cursor_text(const struct pakn_cursor *c, char *out, size_t outlen)
{
    char json[64];
    if (c->page)
        snprintf(json, sizeof json, "{\"id\":%" PRIu64 ",\"p\":%" PRIu64 "}", c->after, c->page);
    else
        snprintf(json, sizeof json, "{\"id\":%" PRIu64 "}", c->after);
    pakn_b64_encode(json, out, outlen);
}

/* Parse the `cursor` argument; absent = from the beginning. -1 if it is
 * not one this feed issues. */
static int pakn_cursor_parse(const char *text, struct pakn_cursor *c)
{
    *c = (struct pakn_cursor){0};
    if (!text)
        return 0;
    char json[128];
    if (strlen(text) > 160 || pakn_b64_decode(text, json, sizeof json) < 0)
        return -1;
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    json_t *id = json_object_get(j, "id"), *p = json_object_get(j, "p");
    size_t keys = json_object_size(j);
    int ok = json_is_integer(id) && json_integer_value(id) >= 0 &&
             json_integer_value(id) <= PAKN_MAX_REPORTS &&
             (p ? json_is_integer(p) && json_integer_value(p) >= 2 && keys == 2 : keys == 1);
    if (ok) {
        c->after = (uint64_t)json_integer_value(id);
        c->page = p ? (uint64_t)json_integer_value(p) : 0;
    }
    json_decref(j);
    return ok ? 0 : -1;
}

/* ---- the stream ---- */

static int pakn_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    struct pakn *pk = calloc(1, sizeof *pk);
    const char *reason;
    if (!pk) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pk->communes_count = gazetteer_communes_of(cfg->gaz, PAKN_PROVINCE, &pk->communes);
    if (pk->communes_count == 0) {
        snprintf(err, errlen, "the gazetteer has no communes of province %s", PAKN_PROVINCE);
        free(pk);
        return -1;
    }
    if (timeparse_parse(PAKN_BASE, 0, &pk->base_ms, &reason) != 0) {
        snprintf(err, errlen, "base time: %s", reason);
        free(pk);
        return -1;
    }
    pk->reports = cfg->records;
    if (pk->reports > PAKN_MAX_REPORTS) {
        log_msg(LOG_LEVEL_WARNING, "feedsim",
                "pakn: --records %zu capped at %d reports (later dates would lie in the future)",
                cfg->records, PAKN_MAX_REPORTS);
        pk->reports = PAKN_MAX_REPORTS;
    }
    *state = pk;
    return 0;
}

static void pakn_fini(void *state)
{
    free(state);
}

static uint64_t pakn_listed(const struct pakn *pk, uint64_t g)
{
    if (g >= pk->reports / PAKN_STEP)
        return pk->reports;
    uint64_t n = PAKN_STEP * (g + 1);
    return n < pk->reports ? n : pk->reports;
}

static int64_t pakn_sent_ms(const struct pakn *pk, uint64_t k, uint64_t h)
{
    return pk->base_ms + (int64_t)(45 * k + (h >> 16) % 45) * PAKN_MIN_MS;
}

static json_t *pakn_time(int64_t ms)
{
    char text[40];
    timeparse_format(ms, PAKN_OFFSET_MIN, text, sizeof text);
    return json_string(text);
}

static json_t *pakn_item(const struct pakn *pk, uint64_t seed, uint64_t k)
{
    uint64_t h = prng_value(seed, 0, k);
    unsigned topic = (unsigned)((h >> 8) % PAKN_TOPICS);
    int64_t sent = pakn_sent_ms(pk, k, h);
    int64_t days = (int64_t)(3 + (h >> 24) % 5);
    const int64_t offset_ms = PAKN_OFFSET_MIN * PAKN_MIN_MS;
    int64_t local_midnight = (sent + offset_ms) / PAKN_DAY_MS * PAKN_DAY_MS - offset_ms;
    int64_t due = local_midnight + days * PAKN_DAY_MS + 17 * 60 * PAKN_MIN_MS;
    unsigned u = (unsigned)((h >> 32) % 100);
    const char *status = u < 10 ? "moi" : u < 30 ? "dang-xu-ly" : "da-xu-ly";
    json_t *done = json_null(), *rating = json_null();
    if (u >= 30) {
        uint64_t minutes = 60 + (h >> 40) % ((uint64_t)(days + 2) * 1440);
        json_decref(done);
        done = pakn_time(sent + (int64_t)minutes * PAKN_MIN_MS);
        unsigned v = (unsigned)((h >> 56) % 10);
        if (v < 8) {
            json_decref(rating);
            rating = json_string(v < 6 ? "hai-long" : "khong-hai-long");
        }
    }
    char key[32];
    snprintf(key, sizeof key, "PA-2025-%06" PRIu64, k + 1);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "maPhanAnh", key, "tieuDe",
                     pakn_title[topic][(h >> 11) & 1], "linhVuc", pakn_topic[topic], "maXa",
                     pk->communes[(h & 0xFF) % pk->communes_count]->code, "ngayGui",
                     pakn_time(sent), "hanXuLy", pakn_time(due), "trangThai", status, "ngayXuLy",
                     done, "danhGia", rating);
}

/* `limit`: 1..500 digits only, default 50. -1 if malformed. */
static int pakn_limit(const char *text, uint64_t *limit)
{
    *limit = PAKN_LIMIT_DEFAULT;
    if (!text)
        return 0;
    uint64_t v = 0;
    size_t len = strlen(text);
    if (len == 0 || len > 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    if (v < 1 || v > PAKN_LIMIT_MAX)
        return -1;
    *limit = v;
    return 0;
}

static void pakn_build(const struct feed_request *req, struct feed_reply *out)
{
    const struct pakn *pk = req->state;
    struct pakn_cursor cur;
    uint64_t limit;
    if (pakn_cursor_parse(req->arg(req, "cursor"), &cur) < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error, "cursor is not one this feed issued");
        return;
    }
    if (pakn_limit(req->arg(req, "limit"), &limit) < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error, "limit must be an integer from 1 to %d",
                 PAKN_LIMIT_MAX);
        return;
    }
    uint64_t listed = pakn_listed(pk, req->generation);
    uint64_t end = cur.after + limit < listed ? cur.after + limit : listed;
    json_t *items = json_array();
    for (uint64_t k = cur.after; k < end; k++)
        json_array_append_new(items, pakn_item(pk, req->cfg->seed, k));
    bool more = end < listed;
    struct pakn_cursor next = {.after = end > cur.after ? end : cur.after,
                               .page = more ? (cur.page ? cur.page : 1) + 1 : 0};
    char cursor[128];
    pakn_cursor_text(&next, cursor, sizeof cursor);
    out->updated_ms = listed
                          ? pakn_sent_ms(pk, listed - 1, prng_value(req->cfg->seed, 0, listed - 1))
                          : pk->base_ms;
    out->body = json_pack("{s:s, s:b, s:o}", "cursor", cursor, "hasMore", more, "items", items);
    out->status = out->body ? 200 : 500;
}

/* A walk starts with no cursor or a resume cursor; a continuation cursor
 * (or an unreadable one, answered 400 anyway) does not advance the data. */
static bool pakn_starts_snapshot(const struct feed_request *req)
{
    struct pakn_cursor cur;
    return pakn_cursor_parse(req->arg(req, "cursor"), &cur) == 0 && cur.page == 0;
}

const struct feed feed_pakn = {
    .name = "pakn",
    .path = "/pakn",
    .summary = "citizen field reports of province 96, an append-only cursor stream",
    .shape = {.records = "items", .count = "hanXuLy", .ratio = "trangThai", .code = "maXa"},
    .init = pakn_init,
    .fini = pakn_fini,
    .build = pakn_build,
    .starts_snapshot = pakn_starts_snapshot,
};
