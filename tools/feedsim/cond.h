/*
 * cond - HTTP validators: the ETag of a body, HTTP dates for
 * Last-Modified, and the RFC 9110 rules deciding a 304 Not Modified.
 * Pure functions, thread-safe, no MHD.
 */
#ifndef FEEDSIM_COND_H
#define FEEDSIM_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COND_ETAG_LEN 19 /* "\"" + 16 hex digits + "\"" + NUL */
#define COND_DATE_LEN 64 /* "Thu, 31 Jul 2025 17:05:00 GMT" is 29; room for any int */

/* A strong ETag: the 64-bit FNV-1a hash of the body in hex, quoted. */
void cond_etag(const char *body, size_t len, char out[COND_ETAG_LEN]);

/* IMF-fixdate of `unix_s`, e.g. "Thu, 31 Jul 2025 17:05:00 GMT". */
void cond_http_date(int64_t unix_s, char out[COND_DATE_LEN]);

/* Parse an IMF-fixdate. Returns 0 and sets *unix_s, or -1. (The obsolete
 * RFC 850 and asctime forms are refused; no client we test sends them.) */
int cond_parse_http_date(const char *text, int64_t *unix_s);

/* Whether a request with these If-None-Match / If-Modified-Since headers
 * (NULL when absent) gets 304 for a resource with `etag` and
 * `last_modified_s`. If-None-Match wins when both are present; it matches
 * "*" or any listed tag by weak comparison (W/ ignored). If-Modified-Since
 * matches when the resource is not newer than the given date. */
bool cond_not_modified(const char *if_none_match, const char *if_modified_since, const char *etag,
                       int64_t last_modified_s);

#endif
