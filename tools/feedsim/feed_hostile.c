/*
 * feed_hostile - GET /hostile, pages built to blow up a parser's memory,
 * for the tests of iocd's memory caps (max_page_values, max_walk_records,
 * max_walk_bytes).
 *
 *   GET /hostile?kind=empties[&mib=M]   {"items":[{},{},...]} filling just
 *                                       under M MiB (default 16: one
 *                                       parsed `{}` costs ~80 bytes, the
 *                                       bytes on the wire 3)
 *   GET /hostile?kind=records[&n=N]     N good records {"area":"31825","n":1}
 *   with [&page=P][&pages=K]            pages 1..K are full, later pages
 *                                       empty (page pagination without a
 *                                       total ends there); default K = 1
 *   and [&gzip=1]                       sent compressed with
 *                                       Content-Encoding: gzip
 *
 * and pages whose content is doubtful rather than large (issue 17), each
 * one page of records {"area":"31825","n":N}:
 *   GET /hostile?kind=bom               a UTF-8 byte-order mark, then 2
 *                                       good records
 *   GET /hostile?kind=dupkey            2 good records, then one whose
 *                                       key "n" appears twice
 *   GET /hostile?kind=bigcount          counts 9007199254740992 (2^53,
 *                                       good), 9007199254740994 and 1e300
 *   GET /hostile?kind=nocontent         204 No Content, no body
 *   GET /hostile?kind=header&kib=K[&one=1]  1 good record behind K KiB
 *                                       of header fields (in 8 KiB fields,
 *                                       or one field with one=1)
 *
 * The design idea: the bodies are raw bytes (feed_reply.raw), not a json_t,
 * so the simulator itself never holds the parsed form it is attacking with,
 * and a gzip page can be a bomb: 16 MiB of `{},` compresses to ~16 KB.
 */
#include "feed.h"

#include <stdio.h>
#include <zlib.h>

#define HOSTILE_EMPTY "{\"items\":[]}"

/* Every page of a walk is the same data: only page 1 starts a snapshot. */
static bool hostile_starts_snapshot(const struct feed_request *req)
{
    return feed_arg_number(req, "page", 1, 0, 1000000) <= 1;
}

/* `{"items":[` + count copies of `item` joined by commas + `]}`. */
static char *hostile_repeat(const char *item, size_t count, size_t *len)
{
    size_t item_len = strlen(item), head = strlen("{\"items\":[");
    size_t total = head + count * (item_len + 1) + 2;
    char *body = malloc(total + 1);
    if (!body)
        return NULL;
    char *p = body;
    memcpy(p, "{\"items\":[", head);
    p += head;
    for (size_t i = 0; i < count; i++) {
        memcpy(p, item, item_len);
        p += item_len;
        *p++ = ',';
    }
    if (count)
        p--; /* no comma after the last item */
    memcpy(p, "]}", 3);
    *len = (size_t)(p + 2 - body);
    return body;
}

/* The body compressed as one gzip member, or NULL. */
static char *hostile_gzip(const char *body, size_t len, size_t *out_len)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong cap = deflateBound(&z, (uLong)len);
    char *out = malloc(cap);
    if (out) {
        z.next_in = (Bytef *)body;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
            free(out);
            out = NULL;
        }
        *out_len = z.total_out;
    }
    deflateEnd(&z);
    return out;
}

/* The doubtful pages: a fixed body, as raw bytes (a json_t would drop a
 * duplicate key and could not hold a BOM). True when `kind` is one. */
static bool hostile_doubtful(const struct feed_request *req, const char *kind,
                             struct feed_reply *out)
{
    static const struct { const char *kind, *body; } pages[] = {
        {"bom", "\xEF\xBB\xBF{\"items\":[{\"area\":\"31825\",\"n\":1},"
                "{\"area\":\"31834\",\"n\":2}]}"},
        {"dupkey", "{\"items\":[{\"area\":\"31825\",\"n\":1},{\"area\":\"31834\",\"n\":2},\n"
                   "{\"area\":\"31840\",\"n\":3,\"n\":4}]}"},
        {"bigcount", "{\"items\":[{\"area\":\"31825\",\"n\":9007199254740992},\n"
                     "{\"area\":\"31834\",\"n\":9007199254740994},\n"
                     "{\"area\":\"31840\",\"n\":1e300}]}"},
        {"nocontent", ""},
        {"header", "{\"items\":[{\"area\":\"31825\",\"n\":1}]}"},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        if (strcmp(kind, pages[i].kind) != 0)
            continue;
        long kib = feed_arg_number(req, "kib", 1024, 1, 1024);
        long one = feed_arg_number(req, "one", 0, 0, 1);
        if (kib < 0 || one < 0) {
            out->status = 400;
            snprintf(out->error, sizeof out->error, "kib=1..1024, one=0|1");
            return true;
        }
        if (!(out->raw = strdup(pages[i].body))) {
            out->status = 500;
            snprintf(out->error, sizeof out->error, "out of memory building the page");
            return true;
        }
        out->raw_len = strlen(pages[i].body);
        out->status = 200;
        if (!strcmp(kind, "nocontent"))
            out->raw_status = 204;
        if (!strcmp(kind, "header"))
            out->header_pad = (size_t)kib * 1024, out->header_pad_one = one == 1;
        return true;
    }
    return false;
}

static void hostile_build(const struct feed_request *req, struct feed_reply *out)
{
    const char *kind = req->arg(req, "kind");
    if (kind && hostile_doubtful(req, kind, out))
        return;
    long mib = feed_arg_number(req, "mib", 16, 1, 64);
    long n = feed_arg_number(req, "n", 100, 0, 10000000);
    long page = feed_arg_number(req, "page", 1, 1, 1000000);
    long pages = feed_arg_number(req, "pages", 1, 0, 1000000);
    long gzip = feed_arg_number(req, "gzip", 0, 0, 1);
    bool empties = kind && strcmp(kind, "empties") == 0;
    if (!kind || (!empties && strcmp(kind, "records") != 0) || mib < 0 || n < 0 || page < 0 ||
        pages < 0 || gzip < 0) {
        out->status = 400;
        snprintf(out->error, sizeof out->error, "kind=empties|records|bom|dupkey|bigcount|"
                 "nocontent|header, mib=1..64, n, page, pages, gzip=0|1");
        return;
    }
    size_t len = 0;
    char *body;
    if (page > pages)
        body = strdup(HOSTILE_EMPTY), len = strlen(HOSTILE_EMPTY);
    else if (empties) /* 12 bytes of frame; 3 per `{},` */
        body = hostile_repeat("{}", ((size_t)mib * 1048576 - 12) / 3, &len);
    else
        body = hostile_repeat("{\"area\":\"31825\",\"n\":1}", (size_t)n, &len);
    if (body && gzip) {
        size_t zlen = 0;
        char *z = hostile_gzip(body, len, &zlen);
        free(body);
        body = z, len = zlen;
        out->encoding = "gzip";
    }
    if (!body) {
        out->status = 500;
        snprintf(out->error, sizeof out->error, "out of memory building the page");
        return;
    }
    out->raw = body;
    out->raw_len = len;
    out->status = 200;
}

const struct feed feed_hostile = {
    .name = "hostile",
    .path = "/hostile",
    .summary = "pages that blow up a parser: ?kind=empties[&mib=M] or kind=records[&n=N], "
               "[&page=P&pages=K][&gzip=1]; doubtful pages: kind=bom|dupkey|bigcount|nocontent|"
               "header[&kib=K][&one=1]",
    .build = hostile_build,
    .starts_snapshot = hostile_starts_snapshot,
};
