/* httpd - see httpd.h. */
#include "httpd.h"

#include "listenaddr.h"
#include "log.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A scraper needs one or two connections; a few more cover a curl by hand. */
#define HTTPD_CONNECTIONS 8
#define HTTPD_TIMEOUT_S 10

struct httpd {
    struct MHD_Daemon *mhd;
    struct opsview *view;
};

static enum MHD_Result httpd_reply(struct MHD_Connection *conn, unsigned status, char *body,
                                   size_t len, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, body ? MHD_RESPMEM_MUST_FREE
                                                        : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result httpd_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    char *body = strdup(text);
    return httpd_reply(conn, status, body, body ? strlen(body) : 0, "text/plain; charset=utf-8");
}

static enum MHD_Result httpd_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_size, void **req)
{
    (void)version, (void)upload_data, (void)upload_size, (void)req;
    struct httpd *h = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return httpd_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics or GET /health\n");
    size_t len = 0;
    if (strcmp(url, "/metrics") == 0) {
        char *page = opsview_metrics(h->view, &len);
        if (!page)
            return httpd_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return httpd_reply(conn, MHD_HTTP_OK, page, len, "text/plain; version=0.0.4; charset=utf-8");
    }
    if (strcmp(url, "/health") == 0) {
        int status = 0;
        char *page = opsview_health(h->view, &len, &status);
        if (!page)
            return httpd_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return httpd_reply(conn, (unsigned)status, page, len, "application/json");
    }
    return httpd_text(conn, MHD_HTTP_NOT_FOUND, "not found: iocd serves /metrics and /health\n");
}

/* libmicrohttpd's own messages (a failed accept, a bad request) go to our log. */
static void httpd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_debug("http: libmicrohttpd: %s", line);
}

struct httpd *httpd_start(const char *listen, struct opsview *view)
{
    struct listenaddr a;
    const char *reason;
    if (listenaddr_parse(listen, &a, &reason) < 0) {
        log_error("http: http_listen = '%s': %s", listen, reason);
        return NULL;
    }
    struct httpd *h = calloc(1, sizeof *h);
    if (!h) {
        log_error("http: out of memory");
        return NULL;
    }
    h->view = view;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     (a.ipv6 ? MHD_USE_IPv6 : 0);
    h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, httpd_answer, h,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a.addr,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_TIMEOUT_S,
                              MHD_OPTION_EXTERNAL_LOGGER, httpd_log, NULL, MHD_OPTION_END);
    if (!h->mhd) {
        log_error("http: cannot listen on %s (in use, or not an address of this host); "
                  "/metrics and /health are not served", listen);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    char shown[80];
    snprintf(shown, sizeof shown, "%.*s:%u", (int)(strrchr(listen, ':') - listen), listen,
             info ? info->port : 0);
    log_info("http: serving /metrics and /health on %s", shown);
    return h;
}

void httpd_stop(struct httpd *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->mhd);
    free(h);
}
