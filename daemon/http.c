/* http - see http.h. */
#include "http.h"

#include "clock.h"
#include "origin.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HTTP_CACHE_MAX 64 /* URLs remembered for conditional requests */
#define HTTP_USER_AGENT "iocd/" IOCD_VERSION

struct http_validator {
    char *url, *etag, *last_modified;
};

struct http_client {
    CURL *curl;
    struct http_validator cache[HTTP_CACHE_MAX];
    size_t cache_next; /* round-robin replacement when full */
};

/* State of one transfer, seen by the curl callbacks. */
struct http_transfer {
    struct ioc_http_response *response;
    size_t cap;
    uint64_t max_body;
    int too_large;
    const atomic_bool *abort;
    char *etag, *last_modified;
    size_t header_bytes;  /* of the current response's header so far */
    bool header_too_large;/* over HTTP_MAX_HEADER: refused */
    bool header_done;     /* its blank line was seen */
};

int http_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }
void http_global_cleanup(void) { curl_global_cleanup(); }

struct http_client *http_client_new(void)
{
    struct http_client *c = calloc(1, sizeof *c);
    if (c && !(c->curl = curl_easy_init())) {
        free(c);
        return NULL;
    }
    return c;
}

static void http_validator_clear(struct http_validator *v)
{
    free(v->url);
    free(v->etag);
    free(v->last_modified);
    memset(v, 0, sizeof *v);
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < HTTP_CACHE_MAX; i++)
        http_validator_clear(&c->cache[i]);
    curl_easy_cleanup(c->curl);
    free(c);
}

const char *http_url_for_log(const char *url, char *buf, size_t len)
{
    size_t n = strcspn(url, "?#");
    snprintf(buf, len, "%.*s", (int)n, url);
    return buf;
}

int64_t http_retry_after_parse(const char *value, int64_t now_s)
{
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        char *end;
        long long secs = strtoll(value, &end, 10); /* LLONG_MAX on overflow: saturated */
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end == '\0')
            return secs;
        return -1;
    }
    if (*value == '-' || *value == '+')
        return -1; /* a signed number is not a delay */
    time_t when = curl_getdate(value, NULL);
    if (when < 0)
        return -1;
    return when > now_s ? when - now_s : 0;
}

static size_t http_on_body(char *data, size_t size, size_t nmemb, void *user)
{
    struct http_transfer *t = user;
    size_t n = size * nmemb;
    struct ioc_http_response *r = t->response;
    if (r->body_len + n > t->max_body) {
        t->too_large = 1;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (r->body_len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 16384;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        t->cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

/* Copy a header's value without surrounding blanks and CRLF. */
static char *http_header_value(const char *line, size_t len, size_t name_len)
{
    const char *v = line + name_len;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return strndup(v, (size_t)(end - v));
}

/* A running bound on the size of one response's header (status line and
 * every field), so that an absurd header ends the transfer with a clear
 * "response header over N bytes" rather than curl's "Out of memory".
 * True when the line may be taken. */
static bool http_header_bounded(struct http_transfer *t, const char *line, size_t len)
{
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0)
        t->header_bytes = 0, t->header_done = false; /* a new response */
    t->header_bytes += len;
    if (t->header_bytes > HTTP_MAX_HEADER) {
        t->header_too_large = true;
        return false;
    }
    if (len <= 2 && (line[0] == '\r' || line[0] == '\n'))
        t->header_done = true;
    return true;
}

static size_t http_on_header(char *line, size_t size, size_t nmemb, void *user)
{
    struct http_transfer *t = user;
    size_t len = size * nmemb;
    struct ioc_http_response *r = t->response;
    char **slot = NULL;
    size_t name_len = 0;
    if (!http_header_bounded(t, line, len))
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or 100-continue): forget the
         * previous one's headers. */
        free(t->etag), t->etag = NULL;
        free(t->last_modified), t->last_modified = NULL;
        free(r->content_type), r->content_type = NULL;
        r->retry_after_s = -1;
        return len;
    }
    if (len > 5 && strncasecmp(line, "ETag:", 5) == 0)
        slot = &t->etag, name_len = 5;
    else if (len > 14 && strncasecmp(line, "Last-Modified:", 14) == 0)
        slot = &t->last_modified, name_len = 14;
    else if (len > 13 && strncasecmp(line, "Content-Type:", 13) == 0)
        slot = &r->content_type, name_len = 13;
    else if (len > 12 && strncasecmp(line, "Retry-After:", 12) == 0) {
        char *v = http_header_value(line, len, 12);
        if (v)
            r->retry_after_s = http_retry_after_parse(v, (int64_t)time(NULL));
        free(v);
    } else if (len > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        unsigned long long declared = strtoull(line + 15, NULL, 10);
        if (declared > t->max_body) {
            t->too_large = 1;
            return 0; /* refuse before downloading anything */
        }
    }
    if (slot) {
        free(*slot);
        *slot = http_header_value(line, len, name_len);
    }
    return len;
}

static int http_on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct http_transfer *t = user;
    return t->abort && atomic_load(t->abort) ? 1 : 0;
}

static struct http_validator *http_cache_find(struct http_client *c, const char *url)
{
    for (size_t i = 0; i < HTTP_CACHE_MAX; i++)
        if (c->cache[i].url && strcmp(c->cache[i].url, url) == 0)
            return &c->cache[i];
    return NULL;
}

static void http_cache_store(struct http_client *c, const char *url, struct http_transfer *t)
{
    struct http_validator *v = http_cache_find(c, url);
    if (!v) {
        if (!t->etag && !t->last_modified)
            return;
        v = &c->cache[c->cache_next];
        c->cache_next = (c->cache_next + 1) % HTTP_CACHE_MAX;
        http_validator_clear(v);
        if (!(v->url = strdup(url)))
            return;
    }
    free(v->etag);
    free(v->last_modified);
    v->etag = t->etag, t->etag = NULL;
    v->last_modified = t->last_modified, t->last_modified = NULL;
}

static enum ioc_http_result http_fail(struct ioc_http_response *r, enum ioc_http_result code,
                                      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum ioc_http_result http_fail(struct ioc_http_response *r, enum ioc_http_result code,
                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    return code;
}

/* Build the header list: the connector's headers plus conditional ones.
 * *conditional says whether a validator went in: only then may the answer
 * be a 304. */
static struct curl_slist *http_headers(struct http_client *c, const char *url,
                                       const struct ioc_http_options *o, bool *conditional)
{
    struct curl_slist *list = NULL;
    for (const char *const *h = o->headers; h && *h; h++)
        list = curl_slist_append(list, *h);
    struct http_validator *v = o->conditional ? http_cache_find(c, url) : NULL;
    char line[1024];
    *conditional = false;
    if (v && v->etag && snprintf(line, sizeof line, "If-None-Match: %s", v->etag) < (int)sizeof line)
        list = curl_slist_append(list, line), *conditional = true;
    if (v && v->last_modified &&
        snprintf(line, sizeof line, "If-Modified-Since: %s", v->last_modified) < (int)sizeof line)
        list = curl_slist_append(list, line), *conditional = true;
    return list;
}

static void http_setup(CURL *h, const char *url, const struct ioc_http_options *o,
                       struct http_transfer *t, int64_t timeout_ms, struct curl_slist *headers)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* http_request follows, hop by hop */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_USERAGENT, HTTP_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* gzip etc.; max_body counts decoded bytes */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, http_on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (o->bearer_token) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, o->bearer_token);
    } else if (o->basic_user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, o->basic_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, o->basic_password ? o->basic_password : "");
    }
    /* Verification stays on whatever is given: these only choose whom to
     * trust and who we are. */
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    if (o->client_cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, o->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLKEY, o->client_key ? o->client_key : o->client_cert);
    }
    if (o->method && strcmp(o->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)o->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, o->body ? o->body : "");
    }
}

static enum ioc_http_result http_outcome(CURLcode rc, struct http_transfer *t, int64_t timeout_ms,
                                         bool conditional, struct ioc_http_response *r,
                                         char *curl_error)
{
    if (t->too_large)
        return http_fail(r, IOC_HTTP_ERR_TOO_LARGE, "response body larger than %llu bytes",
                         (unsigned long long)t->max_body);
    /* curl itself refuses one header line over 100 KiB (CURL_MAX_HTTP_HEADER)
     * before our callback sees it, and calls that "Out of memory". */
    if (t->header_too_large || (rc == CURLE_OUT_OF_MEMORY && !t->header_done))
        return http_fail(r, IOC_HTTP_ERR_TOO_LARGE, "response header over %d bytes",
                         HTTP_MAX_HEADER);
    switch (rc) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return http_fail(r, IOC_HTTP_ERR_TIMEOUT, "no complete answer within %lld ms",
                         (long long)timeout_ms);
    case CURLE_ABORTED_BY_CALLBACK:
        return http_fail(r, IOC_HTTP_ERR_ABORTED, "aborted: shutting down");
    default:
        return http_fail(r, IOC_HTTP_ERR_NETWORK, "%s", curl_error[0] ? curl_error
                                                                       : curl_easy_strerror(rc));
    }
    /* "Not modified" confirms the version the request named. A request
     * that named none (no validators: not conditional, or the first one)
     * got no data and no confirmation: taken for "nothing new", a broken
     * cache or proxy would keep the instance green, its series seen, for
     * ever. */
    if (r->status == 304 && !conditional)
        return http_fail(r, IOC_HTTP_ERR_STATUS, "HTTP 304 without a conditional request");
    if (r->status == 304)
        return IOC_HTTP_NOT_MODIFIED;
    /* A 2xx, but nothing to parse: said as such, not as a JSON error about
     * an empty page. */
    if (r->status == 204)
        return http_fail(r, IOC_HTTP_ERR_STATUS, "HTTP 204: no content");
    if (r->status < 200 || r->status > 299)
        return http_fail(r, IOC_HTTP_ERR_STATUS, "HTTP status %ld%s", r->status,
                         r->retry_after_s >= 0 ? " (with Retry-After)" : "");
    return IOC_HTTP_OK;
}

/* A UTF-8 byte-order mark opening a body is dropped (RFC 8259 8.1 lets a
 * JSON parser ignore it; jansson does not, and its error pointed at an
 * invisible character). Some Windows-hosted feeds send one. */
static void http_skip_bom(struct ioc_http_response *r)
{
    if (r->body_len >= 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0) {
        memmove(r->body, r->body + 3, r->body_len - 3 + 1); /* with its NUL */
        r->body_len -= 3;
    }
}

/* Something in the request meant for its server only. */
static bool http_carries_secrets(const struct ioc_http_options *o)
{
    return o->bearer_token || o->basic_user || o->basic_password || o->client_cert ||
           o->client_key || (o->headers && o->headers[0]) ||
           (o->method && strcmp(o->method, "POST") == 0);
}

static bool http_is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* May the request that started at `home` (an origin) follow a `status`
 * to `target`? 0, or -1 with the reason in r->error naming the status and
 * the target's origin only (its path and query may carry keys). */
static int http_redirect_allowed(const char *home, const char *target, long status,
                                 bool https_seen, const struct ioc_http_options *o,
                                 const struct http_limits *limits, struct ioc_http_response *r)
{
    char *to = origin_of(target);
    int rc = 0;
    if (!to || !home) {
        http_fail(r, IOC_HTTP_ERR_STATUS, "redirect refused: %ld to a URL that is not http(s) "
                  "with a valid host and port", status);
        rc = -1;
    } else {
        switch (origin_judge(home, to, limits->allow_origins, https_seen)) {
        case ORIGIN_SAME:
        case ORIGIN_LISTED: break;
        case ORIGIN_DOWNGRADE:
            http_fail(r, IOC_HTTP_ERR_STATUS, "redirect refused: %ld from https to plain http "
                      "(%s)", status, to);
            rc = -1;
            break;
        case ORIGIN_FOREIGN:
            if (http_carries_secrets(o)) {
                http_fail(r, IOC_HTTP_ERR_STATUS, "redirect refused: %ld to %s, another origin "
                          "than the request's (%s), and the request carries credentials, "
                          "headers or a body (allow_origins may name more origins)", status, to,
                          home);
                rc = -1;
            }
            break;
        }
    }
    free(to);
    return rc;
}

/* One hop: perform the request as set up and read its status. */
static CURLcode http_perform(struct http_client *c, const char *url,
                             const struct ioc_http_options *o, struct http_transfer *t,
                             int64_t timeout_ms, struct curl_slist *headers, char *curl_error)
{
    http_setup(c->curl, url, o, t, timeout_ms, headers);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode rc = curl_easy_perform(c->curl);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &t->response->status);
    return rc;
}

enum ioc_http_result http_request(struct http_client *c, const struct http_limits *limits,
                                  const char *url, const struct ioc_http_options *options,
                                  struct ioc_http_response *r)
{
    static const struct ioc_http_options no_options;
    const struct ioc_http_options *o = options ? options : &no_options;
    memset(r, 0, sizeof *r);
    r->retry_after_s = -1;
    if (!url)
        return http_fail(r, IOC_HTTP_ERR_USAGE, "no URL");
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return http_fail(r, IOC_HTTP_ERR_USAGE, "not an http(s) URL");
    if (o->method && strcmp(o->method, "GET") != 0 && strcmp(o->method, "POST") != 0)
        return http_fail(r, IOC_HTTP_ERR_USAGE, "method %s not supported", o->method);

    int64_t timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : limits->default_timeout_ms;
    if (limits->deadline_ms > 0) {
        int64_t left = limits->deadline_ms - clock_mono_ms();
        if (left < timeout_ms)
            timeout_ms = left;
    }
    if (timeout_ms <= 0)
        return http_fail(r, IOC_HTTP_ERR_TIMEOUT, "the poll's time is used up");
    if (limits->abort && atomic_load(limits->abort))
        return http_fail(r, IOC_HTTP_ERR_ABORTED, "aborted: shutting down");

    struct http_transfer t = {
        .response = r,
        .max_body = o->max_body ? o->max_body : limits->default_max_body,
        .abort = limits->abort,
    };
    char curl_error[CURL_ERROR_SIZE] = "";
    bool conditional;
    struct curl_slist *headers = http_headers(c, url, o, &conditional);
    char *home = origin_of(url), *hop_url = NULL;
    bool https_seen = strncasecmp(url, "https://", 8) == 0;
    struct ioc_http_options hop = *o; /* what the next hop sends */
    int64_t end_ms = clock_mono_ms() + timeout_ms;
    enum ioc_http_result result = IOC_HTTP_OK;
    CURLcode rc;
    for (int redirects = 0;; redirects++) {
        rc = http_perform(c, hop_url ? hop_url : url, &hop, &t, end_ms - clock_mono_ms(), headers,
                          curl_error);
        char *target = NULL;
        if (rc != CURLE_OK || t.too_large || t.header_too_large || !http_is_redirect(r->status) ||
            curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &target) != CURLE_OK || !target)
            break;
        if (redirects == HTTP_MAX_REDIRECTS) {
            result = http_fail(r, IOC_HTTP_ERR_STATUS, "more than %d redirects",
                               HTTP_MAX_REDIRECTS);
            break;
        }
        if (http_redirect_allowed(home, target, r->status, https_seen, o, limits, r) < 0) {
            result = IOC_HTTP_ERR_STATUS;
            break;
        }
        char *next = strdup(target);
        if (!next) {
            result = http_fail(r, IOC_HTTP_ERR_NETWORK, "out of memory following a redirect");
            break;
        }
        free(hop_url);
        hop_url = next;
        https_seen = https_seen || strncasecmp(hop_url, "https://", 8) == 0;
        /* As browsers and curl do: 303, and 301/302 to a POST, ask again
         * with GET and no body; 307/308 repeat the request as it was. */
        if (r->status == 303 || ((r->status == 301 || r->status == 302) && hop.method &&
                                 strcmp(hop.method, "POST") == 0))
            hop.method = NULL, hop.body = NULL, hop.body_len = 0;
        r->body_len = 0; /* the redirect's own body is not the answer */
        if (r->body)
            r->body[0] = '\0';
        if (clock_mono_ms() >= end_ms) {
            rc = CURLE_OPERATION_TIMEDOUT;
            break;
        }
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    free(home);
    free(hop_url);

    if (result == IOC_HTTP_OK)
        result = http_outcome(rc, &t, timeout_ms, conditional, r, curl_error);
    /* Retry-After means "come back later" only with 429 and 503; on a 200
     * or a 500 it is noise a feed may send, and must not park the
     * instance. */
    if (r->status != 429 && r->status != 503)
        r->retry_after_s = -1;
    if (result == IOC_HTTP_OK && o->conditional)
        http_cache_store(c, url, &t);
    if (result < 0) {
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
    } else if (!r->body) {
        r->body = strdup(""); /* the contract: body is always a string on success */
    } else {
        http_skip_bom(r);
    }
    free(t.etag);
    free(t.last_modified);
    return result;
}
