/*
 * http - the daemon's libcurl layer behind ioc_http_request().
 *
 * One http_client per connector instance: it keeps its curl handle (so
 * connections are reused from poll to poll) and the ETag / Last-Modified
 * remembered per URL for conditional requests. What a request may do is
 * bounded here, for every connector alike: a deadline (the end of the
 * poll), a maximum body size (checked against Content-Length up front and
 * against the decoded bytes as they arrive, so a compressed bomb is cut
 * too), http/https only, TLS verification always on, and an abort flag
 * checked during the transfer for a prompt shutdown. Redirects are
 * followed here, not by curl, so each hop is judged before it is asked
 * (origin.h): never from https to http, and never to another origin than
 * the request's (unless allow_origins names it) when the request carries
 * something meant for that server only - a bearer token, basic
 * credentials, a client certificate, connector headers or a body. curl
 * would drop Authorization on a host change but send custom headers (API
 * keys) and, on 307/308, the body along. An http_client is used by one
 * thread at a time.
 */
#ifndef IOCD_HTTP_H
#define IOCD_HTTP_H

#include "ioc/http.h"

#include <stdatomic.h>
#include <stdint.h>

struct http_client;

struct http_limits {
    int64_t deadline_ms;        /* monotonic time the request must end by; 0 = none */
    int64_t default_timeout_ms; /* when options->timeout_ms is 0 */
    uint64_t default_max_body;  /* when options->max_body is 0 */
    const atomic_bool *abort;   /* set => abort the transfer; may be NULL */
    const char *allow_origins;  /* origins a redirect may also reach with
                                   credentials (origin.h); NULL = none */
};

/* Most bytes of one response's header (status line and fields) taken;
 * more is IOC_HTTP_ERR_TOO_LARGE, "response header over 65536 bytes".
 * Real feeds send a few hundred bytes; curl alone would take up to 100
 * KiB per line and 300 KiB in all. */
#define HTTP_MAX_HEADER (64 * 1024)

/* Most redirects one request follows. */
#define HTTP_MAX_REDIRECTS 5

/* Call once per process before any thread uses http (curl_global_init). */
int http_global_init(void);
void http_global_cleanup(void);

struct http_client *http_client_new(void);
void http_client_free(struct http_client *c);

/* Perform a request; see ioc_http_request() for the contract. The
 * response's error[] explains every failure. */
enum ioc_http_result http_request(struct http_client *c, const struct http_limits *limits,
                                  const char *url, const struct ioc_http_options *options,
                                  struct ioc_http_response *response);

/* A Retry-After value: delay-seconds (saturating at INT64_MAX instead of
 * overflowing) or an HTTP-date, relative to `now_s` (epoch seconds).
 * Returns seconds >= 0, or -1 when unparsable or negative. */
int64_t http_retry_after_parse(const char *value, int64_t now_s);

/* `url` without query string and fragment, for logs (queries may carry
 * keys). Writes into buf. */
const char *http_url_for_log(const char *url, char *buf, size_t len);

#endif
