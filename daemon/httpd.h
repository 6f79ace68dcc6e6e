/*
 * httpd - the operators' HTTP endpoint: GET /metrics and GET /health.
 *
 * One job: answer those two paths with the pages opsview writes, on the
 * address of http_listen, from libmicrohttpd's own thread (one thread,
 * a few connections at most, short timeouts), so a slow or stuck scraper
 * never touches a connector or a sink. Every other path is 404, every
 * other method 405. Nothing is cached: each request takes a fresh
 * snapshot (a few microseconds per connector).
 */
#ifndef IOCD_HTTPD_H
#define IOCD_HTTPD_H

#include "opsview.h"

struct httpd;

/* Serve `view` (which must outlive the server) on `listen` ("HOST:PORT",
 * checked by the configuration; port 0 = a free port). Logs the address
 * it listens on, with the port chosen. NULL (logged) when it cannot bind. */
struct httpd *httpd_start(const char *listen, struct opsview *view);
/* Stop serving (waits for the server thread) and free. NULL is a no-op. */
void httpd_stop(struct httpd *h);

#endif
