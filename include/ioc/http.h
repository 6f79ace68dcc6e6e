/*
 * ioc/http.h - HTTP for connectors, through the daemon's libcurl layer.
 *
 * A connector never opens its own curl handle: the daemon's layer applies
 * what operators expect of every feed in one place - the instance's
 * timeout (the whole poll is bounded by it), a maximum body size, TLS
 * verification (on; there is no switch to turn it off), bearer or basic
 * authentication, conditional requests (ETag / If-Modified-Since remembered
 * per URL, a 304 reported as IOC_HTTP_NOT_MODIFIED; a 304 to a request
 * that carried neither is an error), and `Retry-After`:
 * a 429 or 503 answer with that header makes the scheduler wait that long
 * before the next poll, but never longer than the instance's backoff_max
 * (on other statuses it is ignored). Redirects (at most 5) never go from
 * https to http, and go to another origin only when the request carries
 * no bearer token, basic credentials, client certificate, headers or body
 * (or the instance's `allow_origins` names that origin); a refused one is
 * IOC_HTTP_ERR_STATUS with the 3xx status and the target's origin in
 * error. Shutdown aborts a transfer in progress. A response header over
 * 64 KiB is IOC_HTTP_ERR_TOO_LARGE ("response header over 65536 bytes");
 * a 204 is IOC_HTTP_ERR_STATUS ("HTTP 204: no content"), since a feed
 * page without content cannot be parsed; a UTF-8 byte-order mark at the
 * start of a body is removed before the connector sees it.
 *
 * Every failure is already logged with the instance name, the URL (without
 * its query string, which may carry keys) and the reason, and counted; the
 * connector only decides what to do next (usually: return IOC_ERROR).
 */
#ifndef IOC_HTTP_H
#define IOC_HTTP_H

#include "ioc/connector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome of a request. */
enum ioc_http_result {
    IOC_HTTP_OK = 0,            /* 2xx but 204: body is in the response */
    IOC_HTTP_NOT_MODIFIED = 1,  /* 304 to a conditional request (one that
                                   carried a remembered ETag or date): keep
                                   the values you have; nothing to parse */
    IOC_HTTP_ERR_STATUS = -1,   /* any other status; see response.status.
                                   A 304 to a request that carried no
                                   validators (conditional false, or none
                                   remembered yet for this URL) is this
                                   error, "HTTP 304 without a conditional
                                   request": no data came and nothing was
                                   confirmed, so the poll failed */
    IOC_HTTP_ERR_TIMEOUT = -2,  /* the request or the poll ran out of time */
    IOC_HTTP_ERR_TOO_LARGE = -3,/* the body exceeded the maximum size, or
                                   the header 64 KiB */
    IOC_HTTP_ERR_NETWORK = -4,  /* DNS, connect, TLS, reset... */
    IOC_HTTP_ERR_ABORTED = -5,  /* the daemon is shutting down */
    IOC_HTTP_ERR_USAGE = -6,    /* bad arguments (e.g. NULL url) */
};

/* What to send. Zero-initialise and fill what you need. */
struct ioc_http_options {
    const char *method;          /* "GET" (default when NULL) or "POST" */
    const char *const *headers;  /* NULL-terminated array of "Name: value" */
    const char *body;            /* request body for POST, may be NULL */
    size_t body_len;
    const char *bearer_token;    /* sends "Authorization: Bearer ..." */
    const char *basic_user;      /* HTTP basic auth, with basic_password */
    const char *basic_password;
    bool conditional;            /* remember ETag / Last-Modified for this
                                    URL and send If-None-Match /
                                    If-Modified-Since next time (not on
                                    the first request, nor after an answer
                                    that carried neither) */
    int64_t timeout_ms;          /* 0 = the instance's `timeout`; never
                                    longer than what is left of the poll */
    uint64_t max_body;           /* 0 = the instance's `max_body` */
    const char *ca_file;         /* PEM file of the CA(s) to trust instead
                                    of the system's (a department's private
                                    CA); NULL = the system store */
    const char *client_cert;     /* PEM client certificate for mutual TLS,
                                    with client_key; NULL = none */
    const char *client_key;      /* PEM private key of client_cert */
};

/* What came back. Release with ioc_http_response_free(). */
struct ioc_http_response {
    long status;          /* HTTP status, 0 if no response */
    char *body;           /* NUL-terminated (the NUL is not counted) */
    size_t body_len;
    char *content_type;   /* NULL if absent */
    int64_t retry_after_s;/* Retry-After of a 429 or 503 in seconds, as
                             the server sent it (saturated at INT64_MAX);
                             -1 if absent or another status */
    char error[256];      /* human-readable reason when result < 0 */
};

/* Perform one request. `url` must be http:// or https://. On return the
 * response is always initialised (free it even on error). Blocking;
 * thread-safe across instances; call from poll. In check it is
 * refused: logged ("check may not call ioc_http_request; fetch in poll"),
 * IOC_HTTP_ERR_USAGE with that text in response->error. */
enum ioc_http_result ioc_http_request(ioc_ctx *ctx, const char *url,
                                      const struct ioc_http_options *options,
                                      struct ioc_http_response *response);

/* Release the response's buffers; safe on a zeroed or freed response. */
void ioc_http_response_free(struct ioc_http_response *response);

/* Build `base` + "?"/"&" + name=value with the value percent-encoded, for
 * pagination parameters. Returns a malloc'd string the caller frees, or
 * NULL when out of memory. Thread-safe. */
char *ioc_url_with_param(const char *base, const char *name, const char *value);

#ifdef __cplusplus
}
#endif
#endif
