/*
 * reply - fixed and error responses. Fault pages imitate what sits in
 * front of real departmental systems (a reverse proxy's HTML error page,
 * a rate limiter's 429 with Retry-After), since that is what a connector
 * meets in production, not a tidy JSON error.
 */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

char *reply_dump(const json_t *json)
{
    return json_dumps(json, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

struct MHD_Response *reply_buffer(const char *data, size_t len, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (r && type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return r;
}

struct MHD_Response *reply_json(const json_t *json)
{
    char *text = reply_dump(json);
    if (!text)
        return NULL;
    struct MHD_Response *r = reply_buffer(text, strlen(text), REPLY_JSON_TYPE);
    free(text);
    return r;
}

struct MHD_Response *reply_error(const char *error, const char *message)
{
    json_t *j = json_pack("{s:s, s:s}", "error", error, "message", message);
    struct MHD_Response *r = j ? reply_json(j) : NULL;
    json_decref(j);
    return r;
}

struct MHD_Response *reply_unauthorized(void)
{
    struct MHD_Response *r = reply_error("unauthorized", "missing or wrong bearer token");
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"feedsim\"");
    return r;
}

static struct MHD_Response *reply_html(const char *html)
{
    return reply_buffer(html, strlen(html), REPLY_HTML_TYPE);
}

struct MHD_Response *reply_status_fault(enum fault_mode mode, const char *retry_after,
                                        unsigned *status)
{
    struct MHD_Response *r = NULL;
    switch (mode) {
    case FAULT_HTTP500:
    case FAULT_FAIL_PAGE:
        *status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r = reply_html("<html><head><title>500 Internal Server Error</title></head>"
                       "<body><h1>Internal Server Error</h1></body></html>\n");
        break;
    case FAULT_HTTP429:
        *status = MHD_HTTP_TOO_MANY_REQUESTS;
        r = reply_error("too_many_requests", "rate limit exceeded, retry later");
        break;
    case FAULT_HTTP503:
        *status = MHD_HTTP_SERVICE_UNAVAILABLE;
        r = reply_html("<html><head><title>503 Service Unavailable</title></head>"
                       "<body><h1>Service Unavailable</h1><p>Hệ thống đang bảo trì.</p>"
                       "</body></html>\n");
        break;
    case FAULT_HTTP401:
        *status = MHD_HTTP_UNAUTHORIZED;
        return reply_unauthorized();
    case FAULT_NOT_MODIFIED:
        *status = MHD_HTTP_NOT_MODIFIED;
        return MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    case FAULT_HTML:
    default:
        *status = MHD_HTTP_OK;
        return reply_html("<!DOCTYPE html><html><head><title>Đăng nhập</title></head>"
                          "<body><form action=\"/login\" method=\"post\">"
                          "<input name=\"user\"><input name=\"password\" type=\"password\">"
                          "</form></body></html>\n");
    }
    if (r && (mode == FAULT_HTTP429 || mode == FAULT_HTTP503))
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    return r;
}

struct MHD_Response *reply_invalid_json(const char *body, size_t len)
{
    static const char garbage[] = "\n<<<garbage after cut>>> ,,}{";
    size_t half = len / 2;
    char *text = malloc(half + sizeof garbage);
    if (!text)
        return NULL;
    memcpy(text, body, half);
    memcpy(text + half, garbage, sizeof garbage);
    struct MHD_Response *r = reply_buffer(text, half + sizeof garbage - 1, REPLY_JSON_TYPE);
    free(text);
    return r;
}
