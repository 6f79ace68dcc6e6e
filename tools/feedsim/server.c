/*
 * server - libmicrohttpd daemon, routing and the life of one feed request:
 *
 *   auth -> endpoint_begin (generation, fault) -> status fault page
 *        -> build body -> data fault -> ETag/Last-Modified -> 304?
 *        -> transport fault or 200
 *
 * A 304 is only possible for a normal or data-faulted body: a transport
 * fault is always delivered, so a test that armed it always sees it.
 */
#include "server.h"

#include "cond.h"
#include "control.h"
#include "datafault.h"
#include "endpoint.h"
#include "log.h"
#include "registry.h"
#include "reply.h"
#include "stats.h"
#include "stream.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SERVER_CONNECTION_LIMIT 1024
#define SERVER_IDLE_TIMEOUT_S 120
/* Each connection's memory pool, which must hold a whole response header:
 * /hostile?kind=header sends up to 1 MiB of it (libmicrohttpd's default,
 * 32 KiB, would fail the reply). The pool is mapped lazily: untouched
 * pages cost nothing. */
#define SERVER_MEMORY_LIMIT (1536 * 1024)

/* Stats rows after the feeds'. */
enum { SERVER_ROW_CONTROL, SERVER_ROW_STATS, SERVER_ROW_OTHER, SERVER_EXTRA_ROWS };

struct server {
    const struct feedsim_config *cfg;
    struct MHD_Daemon *mhd;
    struct endpoint *endpoints; /* one per registered feed, same order */
    size_t count;
    size_t initialised; /* endpoints whose feed init succeeded */
    const char **row_names;
    struct stats *stats;
};

struct server *server_new(const struct feedsim_config *cfg, char *err, size_t errlen)
{
    struct server *s = calloc(1, sizeof *s);
    size_t n = registry_count();
    if (!s || !(s->endpoints = calloc(n, sizeof *s->endpoints)) ||
        !(s->row_names = calloc(n + SERVER_EXTRA_ROWS, sizeof *s->row_names))) {
        snprintf(err, errlen, "out of memory");
        server_free(s);
        return NULL;
    }
    s->cfg = cfg;
    s->count = n;
    for (size_t i = 0; i < n; i++) {
        const struct feed *f = registry_at(i);
        void *state = NULL;
        char why[200] = "";
        if (f->init && f->init(cfg, &state, why, sizeof why) != 0) {
            snprintf(err, errlen, "feed %s: %s", f->name, why);
            server_free(s);
            return NULL;
        }
        endpoint_init(&s->endpoints[i], f, state);
        s->initialised++;
        s->row_names[i] = f->name;
    }
    s->row_names[n + SERVER_ROW_CONTROL] = "_control";
    s->row_names[n + SERVER_ROW_STATS] = "_stats";
    s->row_names[n + SERVER_ROW_OTHER] = "_other";
    if (!(s->stats = stats_new(s->row_names, n + SERVER_EXTRA_ROWS))) {
        snprintf(err, errlen, "out of memory");
        server_free(s);
        return NULL;
    }
    return s;
}

int server_set_fault(struct server *s, const char *name, enum fault_mode mode, unsigned count)
{
    int i = registry_find(name);
    if (i < 0)
        return -1;
    endpoint_set_fault(&s->endpoints[i], mode, count);
    return 0;
}

/* Queue `r` (NULL: out of memory, drop the connection), count it, free it. */
static enum MHD_Result server_queue(struct server *s, struct MHD_Connection *conn, size_t row,
                                    unsigned status, struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    if (ok == MHD_YES)
        stats_count(s->stats, row, status);
    return ok;
}

static const char *server_arg(const struct feed_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *server_header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* "Authorization: Bearer <token>", scheme case-insensitive (RFC 9110). */
static bool server_authorised(const struct server *s, struct MHD_Connection *conn)
{
    if (!s->cfg->token)
        return true;
    const char *auth = server_header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    return strcmp(auth + 7, s->cfg->token) == 0;
}

static int server_client_fd(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* The reply of a transport fault; takes `text`. */
static struct MHD_Response *server_transport(const struct server *s, struct MHD_Connection *conn,
                                             enum fault_mode fault, char *text, size_t len)
{
    struct MHD_Response *r;
    switch (fault) {
    case FAULT_SLOW:
        return stream_slow(text, len, s->cfg->slow_ms, server_client_fd(conn));
    case FAULT_STALL:
        return stream_stall(text, len, server_client_fd(conn));
    case FAULT_TRUNCATED:
        return stream_truncated(text, len);
    case FAULT_HUGE:
        return stream_huge(text, len, s->cfg->huge_size);
    case FAULT_INVALID_JSON:
    default:
        r = reply_invalid_json(text, len);
        free(text);
        return r;
    }
}

static void server_add_headers(struct MHD_Response *r, uint64_t generation, enum fault_mode fault,
                               const char *etag, const char *last_modified,
                               const char *retry_after)
{
    char gen[24];
    snprintf(gen, sizeof gen, "%llu", (unsigned long long)generation);
    MHD_add_response_header(r, "X-Feedsim-Generation", gen);
    if (fault != FAULT_NONE)
        MHD_add_response_header(r, "X-Feedsim-Fault", fault_name(fault));
    if (fault == FAULT_RETRY_AFTER && retry_after)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    if (etag) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, last_modified);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    }
}

/* `bytes` of header fields "X-Feedsim-Padding-N: xxx...", in one field or
 * in fields of 8 KiB (counting name, ": " and CRLF), for the tests of a
 * client's bound on a response header (SERVER_MEMORY_LIMIT must hold
 * them). */
static int server_pad_header(struct MHD_Response *r, size_t bytes, bool one_field)
{
    size_t chunk = one_field ? bytes : 8192;
    char *value = malloc(chunk + 1);
    if (!value)
        return -1;
    int rc = 0;
    for (unsigned i = 0; bytes > 0 && rc == 0; i++) {
        char name[40];
        int name_len = snprintf(name, sizeof name, "X-Feedsim-Padding-%u", i);
        size_t frame = (size_t)name_len + 4; /* ": " and CRLF */
        size_t take = bytes < chunk ? bytes : chunk;
        size_t fill = take > frame ? take - frame : 1;
        memset(value, 'x', fill);
        value[fill] = '\0';
        if (MHD_add_response_header(r, name, value) != MHD_YES)
            rc = -1;
        bytes -= take;
    }
    free(value);
    return rc;
}

/* A feed's raw bytes, as they are (see feed_reply.raw). */
static struct MHD_Response *server_raw(struct feed_reply *out, uint64_t g, enum fault_mode fault,
                                       unsigned *status)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(out->raw_len, out->raw, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(out->raw);
        return NULL;
    }
    if (out->raw_status != MHD_HTTP_NO_CONTENT)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, REPLY_JSON_TYPE);
    if (out->encoding)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, out->encoding);
    server_add_headers(r, g, fault, NULL, NULL, NULL);
    if (out->header_pad && server_pad_header(r, out->header_pad, out->header_pad_one) < 0) {
        MHD_destroy_response(r);
        return NULL;
    }
    *status = out->raw_status ? (unsigned)out->raw_status : MHD_HTTP_OK;
    return r;
}

/* Build, spoil and deliver the body of generation `g`. */
static struct MHD_Response *server_body(struct server *s, struct endpoint *e,
                                        struct MHD_Connection *conn, uint64_t g,
                                        enum fault_mode fault, unsigned *status)
{
    struct feed_request req = {
        .cfg = s->cfg, .state = e->state, .generation = g, .arg = server_arg, .conn = conn};
    struct feed_reply out = {.status = 200};
    e->feed->build(&req, &out);
    if (out.status == 200 && out.raw && !out.body)
        return server_raw(&out, g, fault, status);
    free(out.raw);
    if (out.status != 200 || !out.body) {
        json_decref(out.body);
        *status = out.status != 200 ? (unsigned)out.status : MHD_HTTP_INTERNAL_SERVER_ERROR;
        return reply_error(*status >= 500 ? "internal_error" : "bad_request",
                           out.error[0] ? out.error : "could not build the body");
    }
    if (fault_kind(fault) == FAULT_KIND_DATA)
        datafault_apply(out.body, &e->feed->shape, fault, s->cfg->gaz);
    char *text = reply_dump(out.body);
    json_decref(out.body);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    *status = MHD_HTTP_OK;
    if (fault_kind(fault) == FAULT_KIND_TRANSPORT) {
        struct MHD_Response *r = server_transport(s, conn, fault, text, len);
        if (r)
            server_add_headers(r, g, fault, NULL, NULL, s->cfg->retry_after);
        return r;
    }

    char etag[COND_ETAG_LEN], date[COND_DATE_LEN];
    int64_t modified_s = out.updated_ms / 1000;
    cond_etag(text, len, etag);
    cond_http_date(modified_s, date);
    struct MHD_Response *r;
    if (cond_not_modified(server_header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH),
                          server_header(conn, MHD_HTTP_HEADER_IF_MODIFIED_SINCE), etag,
                          modified_s)) {
        *status = MHD_HTTP_NOT_MODIFIED;
        free(text);
        r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    } else if ((r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE))) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, REPLY_JSON_TYPE);
    } else {
        free(text);
    }
    if (r)
        server_add_headers(r, g, fault, etag, date, s->cfg->retry_after);
    return r;
}

static enum MHD_Result server_feed(struct server *s, size_t i, struct MHD_Connection *conn,
                                   const char *method)
{
    struct endpoint *e = &s->endpoints[i];
    unsigned status;
    struct MHD_Response *r;

    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        r = reply_error("method_not_allowed", "use GET");
        if (r)
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        return server_queue(s, conn, i, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    }
    if (!server_authorised(s, conn))
        return server_queue(s, conn, i, MHD_HTTP_UNAUTHORIZED, reply_unauthorized());

    uint64_t g;
    enum fault_mode fault;
    struct feed_request probe = {
        .cfg = s->cfg, .state = e->state, .arg = server_arg, .conn = conn};
    bool snapshot = !e->feed->starts_snapshot || e->feed->starts_snapshot(&probe);
    endpoint_begin(e, snapshot, &g, &fault);
    if (fault_kind(fault) == FAULT_KIND_STATUS) {
        r = reply_status_fault(fault, s->cfg->retry_after, &status);
        if (r)
            server_add_headers(r, g, fault, NULL, NULL, s->cfg->retry_after);
    } else {
        r = server_body(s, e, conn, g, fault, &status);
    }
    return server_queue(s, conn, i, status, r);
}

static enum MHD_Result server_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **req_cls)
{
    static int request_seen; /* marks the first call of a request */
    struct server *s = cls;
    (void)version, (void)upload_data;

    if (!*req_cls) {
        *req_cls = &request_seen;
        return MHD_YES;
    }
    if (*upload_data_size) { /* request bodies are ignored */
        *upload_data_size = 0;
        return MHD_YES;
    }
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(url, s->endpoints[i].feed->path) == 0)
            return server_feed(s, i, conn, method);

    unsigned status = MHD_HTTP_OK;
    if (strcmp(url, "/_control") == 0) {
        struct MHD_Response *r = control_handle(s->endpoints, s->count, conn, method, &status);
        return server_queue(s, conn, s->count + SERVER_ROW_CONTROL, status, r);
    }
    if (strcmp(url, "/_stats") == 0) {
        json_t *j = stats_json(s->stats);
        struct MHD_Response *r = j ? reply_json(j) : NULL;
        json_decref(j);
        return server_queue(s, conn, s->count + SERVER_ROW_STATS, status, r);
    }
    return server_queue(s, conn, s->count + SERVER_ROW_OTHER, MHD_HTTP_NOT_FOUND,
                        reply_error("not_found", "no such path"));
}

/* libmicrohttpd's messages, through our log. Most are the expected end of
 * a stall or truncated reply ("application reported error"), hence info. */
static void server_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char text[512];
    (void)cls;
    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    log_msg(LOG_LEVEL_INFO, "feedsim", "libmicrohttpd: %s", text);
}

int server_listen(struct server *s, const struct sockaddr *addr, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (addr->sa_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, server_handle, s, MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVER_MEMORY_LIMIT, MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, errlen, "cannot listen (port in use?)");
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0) {
        snprintf(err, errlen, "cannot tell the bound port");
        return -1;
    }
    return info->port;
}

void server_free(struct server *s)
{
    if (!s)
        return;
    if (s->mhd) {
        stream_shutdown();
        MHD_stop_daemon(s->mhd);
    }
    for (size_t i = 0; i < s->initialised; i++) {
        if (s->endpoints[i].feed->fini)
            s->endpoints[i].feed->fini(s->endpoints[i].state);
        endpoint_destroy(&s->endpoints[i]);
    }
    stats_free(s->stats);
    free(s->row_names);
    free(s->endpoints);
    free(s);
}
