/*
 * feed_static - GET /static, JSON fixture files served as they are, so a
 * test can script any page shape (totals, empty pages, next links,
 * cursors, odd number and time formats) without a feed of its own.
 *
 *   FEEDSIM_STATIC_DIR=tests/fixtures/http_json feedsim ...
 *   GET /static?f=NAME[&page=P][&size=S][&cursor=C]
 *       -> $FEEDSIM_STATIC_DIR/NAME[.page-P][.size-S][.cursor-C].json
 *
 * The design idea: the request names its file. `f` picks the fixture set
 * and the pagination arguments a connector adds (page, size, cursor, in
 * that order, each only when present) complete the name, so every page of
 * a scripted walk is one small file and a request a connector should not
 * make finds no file (404 naming the file it looked for). Names and
 * values are [A-Za-z0-9_-], 1..64 bytes (else 400), so a request can
 * never leave the directory. Files are read at every request: a test may
 * write or change them while feedsim runs (e.g. to put its own port into
 * an absolute next link). A file that is not valid JSON is a 500 naming
 * the file and the line. Last-Modified is the file's mtime.
 *
 * Data faults strike "items" (count "n", code "area"), the shape the
 * fixtures use.
 */
#include "feed.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATIC_ENV "FEEDSIM_STATIC_DIR"
#define STATIC_MAX_TOKEN 64

static int static_init(const struct feedsim_config *cfg, void **state, char *err, size_t errlen)
{
    (void)cfg, (void)err, (void)errlen;
    const char *dir = getenv(STATIC_ENV);
    /* Without the variable the feed answers 404: the other feeds still run. */
    *state = dir && *dir ? strdup(dir) : NULL;
    return 0;
}

static void static_fini(void *state)
{
    free(state);
}

static bool static_token_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= STATIC_MAX_TOKEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The 4xx answer of a request that names no usable file. */
__attribute__((format(printf, 3, 4))) static void static_refuse(struct feed_reply *out,
                                                                int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out->status = status;
    vsnprintf(out->error, sizeof out->error, fmt, ap);
    va_end(ap);
}

static void static_build(const struct feed_request *req, struct feed_reply *out)
{
    static const char *const keys[] = {"page", "size", "cursor"};
    const char *dir = req->state, *name = req->arg(req, "f");
    char file[4096];
    if (!dir) {
        static_refuse(out, 404, "%s is not set: no fixtures to serve", STATIC_ENV);
        return;
    }
    if (!name || !static_token_ok(name)) {
        static_refuse(out, 400, "%s", "f= must name a fixture ([A-Za-z0-9_-], 1..64 bytes)");
        return;
    }
    size_t n = (size_t)snprintf(file, sizeof file, "%s/%s", dir, name);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && n < sizeof file; i++) {
        const char *v = req->arg(req, keys[i]);
        if (!v)
            continue;
        if (!static_token_ok(v)) {
            static_refuse(out, 400, "%s= must be [A-Za-z0-9_-], 1..64 bytes", keys[i]);
            return;
        }
        n += (size_t)snprintf(file + n, sizeof file - n, ".%s-%s", keys[i], v);
    }
    if (n < sizeof file)
        n += (size_t)snprintf(file + n, sizeof file - n, ".json");
    if (n >= sizeof file) {
        static_refuse(out, 404, "%s", "the fixture's path is too long");
        return;
    }

    struct stat st;
    if (stat(file, &st) != 0) {
        static_refuse(out, 404, "no fixture %.140s", strrchr(file, '/') + 1);
        return;
    }
    json_error_t jerr;
    out->body = json_load_file(file, 0, &jerr);
    if (!out->body) {
        out->status = 500;
        snprintf(out->error, sizeof out->error, "fixture %.60s: line %d: %.60s",
                 strrchr(file, '/') + 1, jerr.line, jerr.text);
        return;
    }
    out->updated_ms = (int64_t)st.st_mtime * 1000;
    out->status = 200;
}

const struct feed feed_static = {
    .name = "static",
    .path = "/static",
    .summary = "fixture files of $" STATIC_ENV ", ?f=NAME[&page=P][&size=S][&cursor=C]",
    .shape = {.records = "items", .count = "n", .code = "area"},
    .init = static_init,
    .fini = static_fini,
    .build = static_build,
};
