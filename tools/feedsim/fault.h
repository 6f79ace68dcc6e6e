/*
 * fault - the ways a simulated feed misbehaves, by name.
 *
 * Every mode applies to every feed. They fall in three kinds, which decide
 * where the server applies them:
 *   status    - the answer is an error page instead of the data
 *               (http500, http429, http503, http401, html; fail-page: a
 *               500 only on pages after the first of a paginated feed;
 *               not-modified: a 304 whatever the request carried);
 *   data      - the normal body with its first record(s) spoilt
 *               (wrong-type, missing-field, nulls, old-codes, forged-text;
 *               see datafault.h), or intact with a header a client must
 *               ignore (retry-after: a 200 carrying Retry-After);
 *   transport - the normal body badly delivered
 *               (slow, stall, truncated, invalid-json, huge; see stream.h).
 */
#ifndef FEEDSIM_FAULT_H
#define FEEDSIM_FAULT_H

#include <stddef.h>

enum fault_mode {
    FAULT_NONE,
    FAULT_HTTP500,
    FAULT_HTTP429,
    FAULT_HTTP503,
    FAULT_HTTP401,
    FAULT_HTML,
    FAULT_SLOW,
    FAULT_STALL,
    FAULT_TRUNCATED,
    FAULT_INVALID_JSON,
    FAULT_HUGE,
    FAULT_WRONG_TYPE,
    FAULT_MISSING_FIELD,
    FAULT_NULLS,
    FAULT_OLD_CODES,
    FAULT_FAIL_PAGE,
    FAULT_FORGED_TEXT,
    FAULT_RETRY_AFTER,
    FAULT_NOT_MODIFIED,
    FAULT_MODE_COUNT
};

enum fault_kind { FAULT_KIND_NONE, FAULT_KIND_STATUS, FAULT_KIND_DATA, FAULT_KIND_TRANSPORT };

/* "http500", "wrong-type", ... ("none" for FAULT_NONE). */
const char *fault_name(enum fault_mode mode);
enum fault_kind fault_kind(enum fault_mode mode);

/* Parse a mode name. Returns 0, or -1 for an unknown name. */
int fault_from_name(const char *name, enum fault_mode *out);

/* Parse a count: decimal, 0 = until changed. Returns 0 or -1. */
int fault_parse_count(const char *text, unsigned *out);

/* Parse "ENDPOINT=MODE[:COUNT]" (the --fault option). Copies ENDPOINT into
 * `endpoint`. Returns 0, or -1 with a reason in err. Does not check that
 * the endpoint exists. */
int fault_parse_spec(const char *spec, char *endpoint, size_t endpoint_len, enum fault_mode *mode,
                     unsigned *count, char *err, size_t errlen);

/* All mode names separated by ", " (for --help and error messages). */
const char *fault_names(void);

#endif
