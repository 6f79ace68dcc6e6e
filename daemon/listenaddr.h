/*
 * listenaddr - an HTTP listen address from the configuration:
 * "127.0.0.1:9108", "[::1]:9108", "localhost:9108".
 *
 * The design idea: the operator endpoint is for this host unless the
 * operator says otherwise, so the parser also tells whether the address
 * is loopback and the configuration refuses any other without
 * `http_allow_remote = true`. Only numeric addresses and "localhost" are
 * taken (no name resolution at start-up: a DNS outage must not stop the
 * daemon, and a name could resolve to a public address).
 */
#ifndef IOCD_LISTENADDR_H
#define IOCD_LISTENADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct listenaddr {
    struct sockaddr_storage addr;
    socklen_t len;
    bool loopback; /* 127.0.0.0/8 or ::1 */
    bool ipv6;
};

/* Parse `text`; port 0 = any free port (tests). Returns 0, or -1 with
 * *reason set to why (a static string). */
int listenaddr_parse(const char *text, struct listenaddr *out, const char **reason);

#endif
