/*
 * feedsim - HTTP simulator of the departmental feeds, for tests and the
 * demo. This file: the command line, the loopback-only listening address,
 * the port file, and waiting for SIGTERM/SIGINT.
 *
 * Design idea: tests start feedsim on port 0 and learn the port from
 * stdout or from --port-file, which appears atomically (written to a
 * temporary name, then renamed), so a test polling for it never reads half
 * a number. feedsim refuses any non-loopback address: it serves fake data
 * and a control endpoint without authentication.
 */
#include "fault.h"
#include "feedsim.h"
#include "registry.h"
#include "server.h"

#include "confval.h"
#include "gazetteer.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define feedsim_error(...) log_msg(LOG_LEVEL_ERROR, "feedsim", __VA_ARGS__)

struct fault_spec {
    char endpoint[64];
    enum fault_mode mode;
    unsigned count;
};

struct options {
    const char *listen;
    unsigned port;
    const char *port_file;
    const char *gazetteer;
    struct fault_spec *faults;
    size_t fault_count;
    struct feedsim_config cfg;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: feedsim [--listen 127.0.0.1] [--port N] [--port-file FILE] [--seed N]\n"
            "               [--records N] [--token T] [--gazetteer FILE]\n"
            "               [--fault ENDPOINT=MODE[:COUNT]]... [--huge-size BYTES]\n"
            "               [--slow-ms MS] [--retry-after VALUE] [--help]\n"
            "\n"
            "Serves simulated departmental feeds on a loopback address until SIGTERM or\n"
            "SIGINT. Bodies are a pure function of --seed and the request number.\n"
            "\n"
            "  --listen ADDR      loopback address to listen on (default 127.0.0.1; ::1 too)\n"
            "  --port N           port, 0 = any free port (default 0); the port is printed\n"
            "                     as 'feedsim listening on ADDR:PORT'\n"
            "  --port-file FILE   also write the port there (atomically; removed on exit)\n"
            "  --seed N           seed of every generated value (default %d)\n"
            "  --records N        records per response (default %d; capped per feed)\n"
            "  --token T          require 'Authorization: Bearer T' on feeds (else 401)\n"
            "  --gazetteer FILE   (default %s)\n"
            "  --fault E=MODE[:N] arm a fault on endpoint E for N requests (0/absent: always)\n"
            "  --huge-size BYTES  body size of fault 'huge' (default 20MiB; k/M/G suffixes)\n"
            "  --slow-ms MS       duration of fault 'slow' (default %d)\n"
            "  --retry-after V    Retry-After of faults http429, http503 and retry-after\n"
            "                     (default " FEEDSIM_DEFAULT_RETRY_AFTER ")\n"
            "\n"
            "Fault modes: %s\n"
            "\n"
            "Control (tests): POST /_control?endpoint=E&fault=MODE[&count=N]\n"
            "                 POST /_control?endpoint=E&freeze=1|0\n"
            "                 GET  /_control?endpoint=E     GET /_stats\n"
            "\n"
            "Feeds:\n",
            FEEDSIM_DEFAULT_SEED, FEEDSIM_DEFAULT_RECORDS, FEEDSIM_DEFAULT_GAZETTEER,
            FEEDSIM_DEFAULT_SLOW_MS, fault_names());
    for (size_t i = 0; i < registry_count(); i++)
        fprintf(f, "  GET %-14s %s\n", registry_at(i)->path, registry_at(i)->summary);
}

/* A number option in [min, max]; exits with a message otherwise. */
static int64_t option_int(const char *name, const char *text, int64_t min, int64_t max)
{
    int64_t v;
    const char *reason = "out of range";
    if (confval_int(text, &v, &reason) != 0 || v < min || v > max) {
        feedsim_error("--%s '%s': %s (%lld..%lld)", name, text, reason, (long long)min,
                      (long long)max);
        exit(2);
    }
    return v;
}

static void option_fault(struct options *o, const char *spec)
{
    struct fault_spec f;
    char err[400];
    if (fault_parse_spec(spec, f.endpoint, sizeof f.endpoint, &f.mode, &f.count, err, sizeof err) !=
        0) {
        feedsim_error("--fault %s", err);
        exit(2);
    }
    if (registry_find(f.endpoint) < 0) {
        feedsim_error("--fault '%s': no endpoint '%s'", spec, f.endpoint);
        exit(2);
    }
    struct fault_spec *grown = realloc(o->faults, (o->fault_count + 1) * sizeof *grown);
    if (!grown) {
        feedsim_error("out of memory");
        exit(1);
    }
    o->faults = grown;
    o->faults[o->fault_count++] = f;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    enum { OPT_PORT_FILE = 256, OPT_HUGE_SIZE, OPT_SLOW_MS, OPT_RETRY_AFTER };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"seed", required_argument, NULL, 's'},
        {"records", required_argument, NULL, 'r'},
        {"token", required_argument, NULL, 't'},
        {"gazetteer", required_argument, NULL, 'g'},
        {"fault", required_argument, NULL, 'f'},
        {"huge-size", required_argument, NULL, OPT_HUGE_SIZE},
        {"slow-ms", required_argument, NULL, OPT_SLOW_MS},
        {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *reason;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->listen = optarg;
            break;
        case 'p':
            o->port = (unsigned)option_int("port", optarg, 0, 65535);
            break;
        case OPT_PORT_FILE:
            o->port_file = optarg;
            break;
        case 's':
            o->cfg.seed = (uint64_t)option_int("seed", optarg, 0, INT64_MAX);
            break;
        case 'r':
            o->cfg.records = (size_t)option_int("records", optarg, 0, 1000000);
            break;
        case 't':
            o->cfg.token = optarg;
            break;
        case 'g':
            o->gazetteer = optarg;
            break;
        case 'f':
            option_fault(o, optarg);
            break;
        case OPT_HUGE_SIZE:
            if (confval_size(optarg, &o->cfg.huge_size, &reason) != 0) {
                feedsim_error("--huge-size '%s': %s", optarg, reason);
                exit(2);
            }
            break;
        case OPT_SLOW_MS:
            o->cfg.slow_ms = (unsigned)option_int("slow-ms", optarg, 0, 3600000);
            break;
        case OPT_RETRY_AFTER:
            /* Sent verbatim (seconds or an HTTP-date, huge on purpose);
             * only what would break the header is refused. */
            if (!optarg[0] || strlen(optarg) > 64 || strpbrk(optarg, "\r\n")) {
                feedsim_error("--retry-after '%s': 1 to 64 characters on one line", optarg);
                exit(2);
            }
            o->cfg.retry_after = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind < argc) {
        feedsim_error("unexpected argument '%s'", argv[optind]);
        exit(2);
    }
    if (o->cfg.token && !o->cfg.token[0]) {
        feedsim_error("--token must not be empty");
        exit(2);
    }
}

/* Fill `ss` with a loopback address; -1 for anything else. */
static int loopback_address(const char *text, unsigned port, struct sockaddr_storage *ss)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return (ntohl(in4->sin_addr.s_addr) >> 24) == 127 ? 0 : -1;
    }
    if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ? 0 : -1;
    }
    return -1;
}

/* Write "PORT\n" to a temporary file beside `path`, then rename it. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int ok = fprintf(f, "%d\n", port) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Serve until SIGTERM or SIGINT. The signals are blocked before any thread
 * starts, so every thread inherits the mask and sigwait gets them. */
static int serve(struct server *srv, const struct options *o, const struct sockaddr *addr,
                 const sigset_t *stop)
{
    char err[256];
    int port = server_listen(srv, addr, err, sizeof err);
    if (port < 0) {
        feedsim_error("%s:%u: %s", o->listen, o->port, err);
        return 1;
    }
    bool v6 = addr->sa_family == AF_INET6;
    printf("feedsim listening on %s%s%s:%d\n", v6 ? "[" : "", o->listen, v6 ? "]" : "", port);
    fflush(stdout);
    if (o->port_file && write_port_file(o->port_file, port) != 0) {
        feedsim_error("%s: cannot write the port file: %s", o->port_file, strerror(errno));
        return 1;
    }
    int sig;
    sigwait(stop, &sig);
    log_msg(LOG_LEVEL_INFO, "feedsim", "%s, stopping", strsignal(sig));
    if (o->port_file)
        unlink(o->port_file);
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {
        .listen = "127.0.0.1",
        .gazetteer = FEEDSIM_DEFAULT_GAZETTEER,
        .cfg = {.seed = FEEDSIM_DEFAULT_SEED,
                .records = FEEDSIM_DEFAULT_RECORDS,
                .huge_size = FEEDSIM_DEFAULT_HUGE_SIZE,
                .slow_ms = FEEDSIM_DEFAULT_SLOW_MS,
                .retry_after = FEEDSIM_DEFAULT_RETRY_AFTER},
    };
    parse_options(argc, argv, &o);

    struct sockaddr_storage addr;
    if (loopback_address(o.listen, o.port, &addr) != 0) {
        feedsim_error("--listen '%s': only a numeric loopback address "
                      "(127.0.0.0/8 or ::1) is allowed",
                      o.listen);
        return 2;
    }
    char err[512];
    struct gazetteer *gaz = gazetteer_load(o.gazetteer, err, sizeof err);
    if (!gaz) {
        feedsim_error("%s", err);
        return 1;
    }
    o.cfg.gaz = gaz;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    struct server *srv = server_new(&o.cfg, err, sizeof err);
    if (!srv) {
        feedsim_error("%s", err);
    } else {
        for (size_t i = 0; i < o.fault_count; i++)
            server_set_fault(srv, o.faults[i].endpoint, o.faults[i].mode, o.faults[i].count);
        rc = serve(srv, &o, (const struct sockaddr *)&addr, &stop);
    }
    server_free(srv);
    gazetteer_free(gaz);
    free(o.faults);
    return rc;
}
