/*
 * control - POST/GET /_control, the test harness's side door:
 *
 *   POST /_control?endpoint=NAME&fault=MODE[&count=N]  arm MODE for the next
 *        N requests of NAME (count 0 or absent: until changed; MODE none
 *        clears)
 *   POST /_control?endpoint=NAME&freeze=1|0            stop / resume the
 *        generation, so the data (and its ETag) stays the same
 *   GET  /_control?endpoint=NAME                       the current state
 *
 * Both may be combined in one POST. Every answer is the endpoint's state as
 * JSON (see endpoint_state_json), or a JSON error with 400/404/405. All
 * arguments are checked before anything changes.
 */
#ifndef FEEDSIM_CONTROL_H
#define FEEDSIM_CONTROL_H

#include "endpoint.h"

#include <microhttpd.h>

struct MHD_Response *control_handle(struct endpoint *endpoints, size_t count,
                                    struct MHD_Connection *conn, const char *method,
                                    unsigned *status);

#endif
