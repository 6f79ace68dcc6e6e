/*
 * kafka-mock - a local Kafka-protocol broker for tests and the demo.
 *
 * Production uses a real Kafka cluster; this tool exists so tests and the
 * demo run a real Kafka-protocol broker on loopback. It is librdkafka's
 * mock cluster (cluster.c) in a process: it prints and writes its bootstrap
 * address, pre-creates topics, and takes its brokers down and up on
 * SIGUSR1/SIGUSR2 or a control file, for fault tests. With --brokers 3 the
 * control file also moves partition leaders, so a test can take the
 * leader down and hand its partitions to another broker (a failover).
 *
 * Design: signals are blocked before librdkafka starts its threads, so
 * every thread inherits the mask and the main thread alone reads them from
 * a signalfd; every mock call is made from the main loop, never from a
 * signal handler. The control file is polled every 100 ms.
 *
 * Limits (of librdkafka 2.0.2's mock): ports are random (it cannot bind a
 * chosen one); it keeps only the last ~5 MB (and 100,000 batches) per
 * partition and drops older data, so count big volumes with high-watermark
 * offsets, not by consuming; "down" closes the broker's connections and its
 * listening socket (clients get "connection refused"; "up" listens on the
 * same port again) but does not move partition leaders (the control
 * file's "leader TOPIC N" does); once clients have
 * connected, a down/up call can take ~1 s to return (the mock's thread
 * wakes once a second), so wait for the log line or the control file's
 * deletion, and do not fire SIGUSR1/SIGUSR2 back to back (signals still
 * pending together are taken in signal-number order, USR1 first). No
 * CreateTopics admin API (topics come from --topic or auto-creation, 4
 * partitions), no TLS/SASL, no persistence: everything is lost on exit.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cluster.h"
#include "files.h"

#define KMOCK_MAX_BROKERS 32
#define KMOCK_MAX_PARTITIONS 10000
#define KMOCK_DEFAULT_PARTITIONS 4
#define KMOCK_CONTROL_POLL_MS 100

static const char usage[] =
    "usage: kafka-mock [OPTION]...\n"
    "A Kafka-protocol broker on 127.0.0.1 (librdkafka's mock cluster), for\n"
    "tests and the demo. Prints \"kafka-mock listening on BOOTSTRAPS\" when ready\n"
    "and runs until SIGTERM or SIGINT (exit 0).\n"
    "\n"
    "  --brokers N              number of brokers, 1..32 (default 1)\n"
    "  --topic NAME[:PARTS]     pre-create topic NAME with PARTS partitions\n"
    "                           (default 4); repeatable\n"
    "  --bootstrap-file FILE    write the bootstrap address to FILE (atomically)\n"
    "                           once ready; FILE is removed on exit\n"
    "  --control-file FILE      poll FILE: when it holds \"down\" or \"up\", apply\n"
    "                           it to every broker, then delete FILE; \"down N\",\n"
    "                           \"up N\": broker N alone; \"leader TOPIC N\": broker N\n"
    "                           leads every partition of TOPIC (a --topic)\n"
    "  --debug                  librdkafka's mock debug log on stderr\n"
    "  -h, --help               this text\n"
    "\n"
    "SIGUSR1 takes every broker down (connections closed, new ones refused),\n"
    "SIGUSR2 brings them back up. Ports are random: read the address from\n"
    "stdout or --bootstrap-file.\n";

struct kmock_topic {
    char *name;
    int partitions;
};

struct kmock_opts {
    int brokers;
    struct kmock_topic *topics;
    int ntopics;
    const char *bootstrap_file;
    const char *control_file;
    bool debug;
};

/* An int in [lo, hi] spelled in decimal and nothing else. */
static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

/* Kafka's rule for topic names: 1..249 of [A-Za-z0-9._-]. */
static bool topic_name_ok(const char *s, size_t len)
{
    if (len < 1 || len > 249)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]))
            return false;
    return true;
}

/* Parses SPEC = "NAME[:PARTS]" into T; false (after saying why) if wrong. */
static bool parse_topic(const char *spec, struct kmock_topic *t)
{
    const char *colon = strrchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    t->partitions = KMOCK_DEFAULT_PARTITIONS;
    if (!topic_name_ok(spec, len)) {
        fprintf(stderr, "kafka-mock: --topic '%s': the name must be 1-249 of A-Z a-z 0-9 . _ -\n",
                spec);
        return false;
    }
    if (colon && !parse_int(colon + 1, 1, KMOCK_MAX_PARTITIONS, &t->partitions)) {
        fprintf(stderr, "kafka-mock: --topic '%s': partitions must be a number 1..%d\n", spec,
                KMOCK_MAX_PARTITIONS);
        return false;
    }
    t->name = strndup(spec, len);
    if (!t->name)
        fprintf(stderr, "kafka-mock: out of memory\n");
    return t->name != NULL;
}

static void free_opts(struct kmock_opts *o)
{
    for (int i = 0; i < o->ntopics; i++)
        free(o->topics[i].name);
    free(o->topics);
}

/* Parses argv into O. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct kmock_opts *o)
{
    enum { OPT_BROKERS = 256, OPT_TOPIC, OPT_BOOTSTRAP, OPT_CONTROL, OPT_DEBUG };
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, OPT_BROKERS},
        {"topic", required_argument, NULL, OPT_TOPIC},
        {"bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP},
        {"control-file", required_argument, NULL, OPT_CONTROL},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct kmock_opts){.brokers = 1};
    o->topics = calloc((size_t)argc, sizeof *o->topics);
    if (!o->topics) {
        fprintf(stderr, "kafka-mock: out of memory\n");
        return 1;
    }
    opterr = 0; /* our own messages */
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_BROKERS:
            if (!parse_int(optarg, 1, KMOCK_MAX_BROKERS, &o->brokers)) {
                fprintf(stderr, "kafka-mock: --brokers '%s': want a number 1..%d\n", optarg,
                        KMOCK_MAX_BROKERS);
                return 2;
            }
            break;
        case OPT_TOPIC:
            if (!parse_topic(optarg, &o->topics[o->ntopics]))
                return 2;
            o->ntopics++;
            break;
        case OPT_BOOTSTRAP: o->bootstrap_file = optarg; break;
        case OPT_CONTROL: o->control_file = optarg; break;
        case OPT_DEBUG: o->debug = true; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':':
            fprintf(stderr, "kafka-mock: %s needs a value (see --help)\n", argv[optind - 1]);
            return 2;
        default:
            if (optopt)
                fprintf(stderr, "kafka-mock: unknown option '-%c' (see --help)\n", optopt);
            else
                fprintf(stderr, "kafka-mock: unknown option '%s' (see --help)\n",
                        argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kafka-mock: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    return -1;
}

/* Serves until SIGTERM/SIGINT. Returns the exit status. */
static int run(int sfd, kmock_cluster *c, const char *control_file)
{
    struct pollfd pfd = {.fd = sfd, .events = POLLIN};
    for (;;) {
        if (control_file)
            kmock_control_poll(control_file, c);
        int r = poll(&pfd, 1, control_file ? KMOCK_CONTROL_POLL_MS : -1);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "kafka-mock: poll: %s, stopping\n", strerror(errno));
            return 1;
        }
        if (r <= 0)
            continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
            continue;
        switch (si.ssi_signo) {
        case SIGUSR1: kmock_set_up(c, false); break;
        case SIGUSR2: kmock_set_up(c, true); break;
        default:
            fprintf(stderr, "kafka-mock: %s, stopping\n", strsignal((int)si.ssi_signo));
            return 0;
        }
    }
}

int main(int argc, char **argv)
{
    struct kmock_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_opts(&o);
        return rc;
    }
    /* Blocked before librdkafka creates threads, so they inherit the mask
     * and the signals reach only our signalfd. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    int sfd = -1;
    kmock_cluster *c = NULL;
    bool wrote = false;
    rc = 1;
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
        (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
        fprintf(stderr, "kafka-mock: signalfd: %s\n", strerror(errno));
        goto out;
    }
    c = kmock_start(o.brokers, o.debug);
    if (!c)
        goto out;
    for (int i = 0; i < o.ntopics; i++)
        if (!kmock_topic_create(c, o.topics[i].name, o.topics[i].partitions))
            goto out;
    if (o.bootstrap_file && !(wrote = kmock_write_file(o.bootstrap_file, kmock_bootstraps(c))))
        goto out;
    printf("kafka-mock listening on %s\n", kmock_bootstraps(c));
    fflush(stdout);
    rc = run(sfd, c, o.control_file);
out:
    kmock_stop(c);
    if (wrote && unlink(o.bootstrap_file) != 0)
        fprintf(stderr, "kafka-mock: %s: cannot remove: %s\n", o.bootstrap_file,
                strerror(errno));
    if (sfd >= 0)
        close(sfd);
    free_opts(&o);
    return rc;
}
