/*
 * reply - the small, fixed responses: JSON bodies, error bodies and the
 * status fault pages (http500, http429, http503, http401, html, and the
 * invalid-json body). Each returns a new MHD response (NULL when out of
 * memory) that the caller queues and destroys; nothing here is queued.
 */
#ifndef FEEDSIM_REPLY_H
#define FEEDSIM_REPLY_H

#include "fault.h"

#include <jansson.h>
#include <microhttpd.h>

#define REPLY_JSON_TYPE "application/json; charset=utf-8"
#define REPLY_HTML_TYPE "text/html; charset=utf-8"

/* The one way feedsim writes JSON: compact, UTF-8 as is, and reals with
 * up to 15 significant digits so 97.3 is sent as 97.3, not
 * 97.299999999999997. Returns malloc'd text or NULL. */
char *reply_dump(const json_t *json);

/* A copy of `len` bytes of `data` with this Content-Type. */
struct MHD_Response *reply_buffer(const char *data, size_t len, const char *type);

/* `json` dumped (the caller keeps its reference). */
struct MHD_Response *reply_json(const json_t *json);

/* {"error":"<error>","message":"<message>"} */
struct MHD_Response *reply_error(const char *error, const char *message);

/* 401 body with a `WWW-Authenticate: Bearer` challenge. */
struct MHD_Response *reply_unauthorized(void);

/* The page of a status-kind fault; sets *status. 429 and 503 carry
 * `Retry-After: <retry_after>`. */
struct MHD_Response *reply_status_fault(enum fault_mode mode, const char *retry_after,
                                        unsigned *status);

/* `body` cut in the middle and followed by garbage, served as JSON. */
struct MHD_Response *reply_invalid_json(const char *body, size_t len);

#endif
