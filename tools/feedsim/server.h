/*
 * server - the HTTP side of feedsim: one libmicrohttpd daemon that routes
 * each request to a feed (with auth, faults, validators and 304), to
 * /_control or to /_stats.
 *
 * Design idea: libmicrohttpd runs one thread per connection. A fault such
 * as slow or stall then blocks only its own connection, and keep-alive
 * clients (libcurl reuses connections) pay for a thread once per
 * connection, not per request, so the simulator is not what limits a
 * benchmark of the daemon.
 */
#ifndef FEEDSIM_SERVER_H
#define FEEDSIM_SERVER_H

#include "fault.h"
#include "feedsim.h"

#include <stddef.h>
#include <sys/socket.h>

struct server;

/* Initialise every registered feed (their init) and its endpoint state.
 * Returns NULL with a reason in err. `cfg` must outlive the server. */
struct server *server_new(const struct feedsim_config *cfg, char *err, size_t errlen);

/* Arm a fault on the feed called `name` (for --fault). Returns 0, or -1
 * for an unknown feed. */
int server_set_fault(struct server *s, const char *name, enum fault_mode mode, unsigned count);

/* Listen on `addr` (port 0: any free port) and serve in the background.
 * Returns the bound port, or -1 with a reason in err. */
int server_listen(struct server *s, const struct sockaddr *addr, char *err, size_t errlen);

/* Stop serving (ending slow and stalled replies) and free everything. */
void server_free(struct server *s);

#endif
