/*
 * wire_floor - the floor of `make bench`'s MQTT rows: what publishing the
 * captured records at QoS 1 costs when nothing but the protocol is paid.
 *
 *   wire_floor --records FILE --count N --mqtt-port P [--prefix ioc/v1]
 *              [--province 96] [--max-inflight 100] [--batch 64]
 *              [--burst B [--gap-ms 20]]
 *
 * Design idea: every PUBLISH packet (MQTT 3.1.1, QoS 1, retained; topic
 * and payload as raw_publish builds them from FILE, message i is record
 * i % lines) is encoded once before the clock starts; sending is then a
 * memcpy of up to --batch packets into one buffer, a 2-byte packet id
 * written in place, and ONE write(2) per batch on a plain TCP socket; the
 * PUBACKs are read in bulk (one read(2) takes whatever has arrived) and
 * matched against the ids in flight, so the count is exact: every id must
 * be acknowledged once, an unknown or repeated id is an error. At most
 * --max-inflight packets are unacknowledged (the same window as
 * raw_publish and iocd). --burst / --gap-ms as raw_publish: each burst is
 * sent, all its PUBACKs waited for, then the process sleeps. No threads,
 * no wake-up pipes, no library: CPU per message here is what the protocol
 * costs this machine (system calls and copies), the floor under
 * raw_publish's libmosquitto row and iocd's MQTT sink. getrusage around
 * the phase.
 *
 * The broker should run with `set_tcp_nodelay true` (the bench's does):
 * by default mosquitto Nagles its PUBACKs, so the PUBACKs of a batch wait
 * for this side's delayed TCP ACK (up to 40 ms per batch). That costs
 * wall time, not CPU; libmosquitto, reading one PUBACK at a time, does
 * not meet it. Prints one JSON line:
 *
 *   {"messages":N,"acked":N,"writes":W,"reads":R,"bytes_avg":371,
 *    "cpu_s":..,"wall_s":..,"us_per_msg":..,"msgs_per_s":..,"ok":true}
 *
 * Exit status 0 when every message was acknowledged, 1 otherwise (bounded:
 * 10 s to connect, 120 s for the phase).
 */
#include "bench_records.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WF_PHASE_LIMIT_S 120
#define WF_MAX_ID 65535
#define WF_READ_BUF 65536

struct wf_packet {
    unsigned char *bytes;
    size_t len;
    size_t id_at; /* offset of the 2-byte packet id */
};

struct wf_state {
    int fd;
    bool outstanding[WF_MAX_ID + 1];
    size_t inflight, acked, writes, reads, errors;
    uint16_t next_id;
    unsigned char in[WF_READ_BUF];
    size_t in_len; /* bytes of a partial packet kept from the last read */
    int lowat;     /* the socket's SO_RCVLOWAT now */
};

/* MQTT's variable-length "remaining length"; returns the bytes written. */
static size_t wf_varint(unsigned char *out, size_t v)
{
    size_t n = 0;
    do {
        unsigned char b = v % 128;
        v /= 128;
        out[n++] = v ? b | 0x80 : b;
    } while (v);
    return n;
}

/* PUBLISH, QoS 1, retained, packet id 0 (set at send time). */
static bool wf_encode(const struct bench_record *r, struct wf_packet *p)
{
    size_t tlen = strlen(r->topic);
    size_t rest = 2 + tlen + 2 + r->payload_len;
    p->bytes = malloc(1 + 4 + rest);
    if (!p->bytes)
        return false;
    size_t o = 0;
    p->bytes[o++] = 0x33; /* PUBLISH | QoS 1 | RETAIN */
    o += wf_varint(p->bytes + o, rest);
    p->bytes[o++] = (unsigned char)(tlen >> 8);
    p->bytes[o++] = (unsigned char)(tlen & 0xff);
    memcpy(p->bytes + o, r->topic, tlen);
    o += tlen;
    p->id_at = o;
    p->bytes[o++] = 0;
    p->bytes[o++] = 0;
    memcpy(p->bytes + o, r->payload, r->payload_len);
    p->len = o + r->payload_len;
    return true;
}

static bool wf_write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "wire_floor: write: %s\n", strerror(errno));
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Wait up to `ms` until at least `need` more PUBACKs can be read (the
 * kernel wakes this process once, through SO_RCVLOWAT, not once per
 * PUBACK), read what has arrived, account them. Returns false on a closed
 * or broken connection. */
static bool wf_read_acks(struct wf_state *s, size_t need, int ms)
{
    int lowat = need * 4 > s->in_len ? (int)(need * 4 - s->in_len) : 1;
    if (lowat > WF_READ_BUF / 2)
        lowat = WF_READ_BUF / 2;
    if (lowat != s->lowat && setsockopt(s->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) == 0)
        s->lowat = lowat;
    struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
    int ready = poll(&pfd, 1, ms);
    if (ready <= 0)
        return ready == 0 || errno == EINTR;
    ssize_t n = read(s->fd, s->in + s->in_len, sizeof s->in - s->in_len);
    if (n <= 0) {
        fprintf(stderr, "wire_floor: the broker closed the connection\n");
        return false;
    }
    s->reads++;
    size_t len = s->in_len + (size_t)n, o = 0;
    while (len - o >= 4) {
        const unsigned char *a = s->in + o;
        if (a[0] != 0x40 || a[1] != 0x02) {
            fprintf(stderr, "wire_floor: not a PUBACK: 0x%02x 0x%02x\n", a[0], a[1]);
            return false;
        }
        unsigned id = (unsigned)a[2] << 8 | a[3];
        if (!s->outstanding[id]) {
            fprintf(stderr, "wire_floor: PUBACK for id %u, which is not in flight\n", id);
            s->errors++;
        } else {
            s->outstanding[id] = false;
            s->inflight--;
            s->acked++;
        }
        o += 4;
    }
    memmove(s->in, s->in + o, len - o);
    s->in_len = len - o;
    return true;
}

static int wf_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "wire_floor: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* libmosquitto sets TCP_NODELAY too: the same packets on the wire. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char id[64];
    int idlen = snprintf(id, sizeof id, "iocd-bench-wire-%ld", (long)getpid());
    unsigned char c[128];
    size_t o = 0, rest = 10 + 2 + (size_t)idlen;
    c[o++] = 0x10;
    o += wf_varint(c + o, rest);
    memcpy(c + o, "\0\4MQTT\4\2\0\74", 10); /* level 4, clean session, keep-alive 60 s */
    o += 10;
    c[o++] = 0;
    c[o++] = (unsigned char)idlen;
    memcpy(c + o, id, (size_t)idlen);
    o += (size_t)idlen;
    unsigned char ack[4];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (!wf_write_all(fd, c, o) || poll(&pfd, 1, 10000) != 1 || read(fd, ack, 4) != 4 ||
        ack[0] != 0x20 || ack[3] != 0) {
        fprintf(stderr, "wire_floor: no accepting CONNACK from 127.0.0.1:%d\n", port);
        close(fd);
        return -1;
    }
    return fd;
}

/* Next free packet id (1..65535; 0 is not a valid id). */
static uint16_t wf_take_id(struct wf_state *s)
{
    do
        s->next_id = s->next_id == WF_MAX_ID ? 1 : s->next_id + 1;
    while (s->outstanding[s->next_id]);
    s->outstanding[s->next_id] = true;
    s->inflight++;
    return s->next_id;
}

static void wf_usage(void)
{
    fprintf(stderr, "usage: wire_floor --records FILE --count N --mqtt-port P [--prefix P] "
                    "[--province NN] [--max-inflight N] [--batch N] [--burst B [--gap-ms MS]]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *records = NULL, *prefix = "ioc/v1", *province = "96";
    long count = 0, port = 0, inflight = 100, batch = 64, burst = 0, gap_ms = 20;
    const struct bench_opt opts[] = {
        {"records", &records, NULL},    {"count", NULL, &count},
        {"mqtt-port", NULL, &port},     {"prefix", &prefix, NULL},
        {"province", &province, NULL},  {"max-inflight", NULL, &inflight},
        {"batch", NULL, &batch},        {"burst", NULL, &burst},
        {"gap-ms", NULL, &gap_ms},
    };
    bench_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], wf_usage);
    if (!records || count < 1 || port < 1 || inflight < 1 || inflight > 60000 || batch < 1 ||
        burst < 0 || gap_ms < 0 || gap_ms > 10000)
        wf_usage();
    struct bench_record *recs = NULL;
    size_t nrecs = bench_records_load("wire_floor", records, prefix, province, &recs);
    if (nrecs == 0)
        return 1;
    struct wf_packet *pk = calloc(nrecs, sizeof *pk);
    size_t biggest = 0, bytes = 0;
    for (size_t i = 0; pk && i < nrecs; i++) {
        if (!wf_encode(&recs[i], &pk[i])) {
            fprintf(stderr, "wire_floor: out of memory\n");
            return 1;
        }
        biggest = pk[i].len > biggest ? pk[i].len : biggest;
        bytes += pk[i].len;
    }
    unsigned char *out = malloc(biggest * (size_t)batch);
    struct wf_state *s = calloc(1, sizeof *s);
    if (!pk || !out || !s) {
        fprintf(stderr, "wire_floor: out of memory\n");
        return 1;
    }
    s->lowat = 1;
    s->fd = wf_connect((int)port);
    if (s->fd < 0)
        return 1;

    double cpu0 = bench_cpu_s(), t0 = bench_now_s(), limit = t0 + WF_PHASE_LIMIT_S;
    size_t total = (size_t)count, sent = 0;
    size_t burst_end = burst ? (size_t)burst : total;
    bool alive = true;
    while (alive && s->acked < total && bench_now_s() < limit && s->errors == 0) {
        if (burst_end > total)
            burst_end = total;
        if (sent == burst_end && s->acked == burst_end) { /* burst done: idle */
            usleep((useconds_t)gap_ms * 1000);
            burst_end += (size_t)burst;
            continue;
        }
        /* A batch goes out only whole (or the burst's last, shorter one),
         * so every write carries many packets; otherwise wait for PUBACKs. */
        size_t room = (size_t)inflight - s->inflight, want = burst_end - sent, n = 0, len = 0;
        if (want > (size_t)batch)
            want = (size_t)batch;
        if (want == 0 || room < want) {
            /* want == 0: the burst is all out, wait for all of it. */
            alive = wf_read_acks(s, want ? want - room : s->inflight, 200);
            continue;
        }
        while (n < want) {
            const struct wf_packet *p = &pk[sent % nrecs];
            uint16_t id = wf_take_id(s);
            memcpy(out + len, p->bytes, p->len);
            out[len + p->id_at] = (unsigned char)(id >> 8);
            out[len + p->id_at + 1] = (unsigned char)(id & 0xff);
            len += p->len;
            n++;
            sent++;
        }
        alive = wf_write_all(s->fd, out, len);
        s->writes++;
    }
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - cpu0;
    static const unsigned char disconnect[2] = {0xe0, 0x00};
    if (alive)
        wf_write_all(s->fd, disconnect, sizeof disconnect);
    close(s->fd);
    bool ok = s->acked == total && s->errors == 0;
    printf("{\"messages\":%zu,\"acked\":%zu,\"unexpected_acks\":%zu,\"max_inflight\":%ld,"
           "\"batch\":%ld,\"burst\":%ld,\"writes\":%zu,\"reads\":%zu,\"bytes_avg\":%zu,"
           "\"cpu_s\":%.6f,\"wall_s\":%.6f,\"us_per_msg\":%.4f,\"msgs_per_s\":%.1f,\"ok\":%s}\n",
           total, s->acked, s->errors, inflight, batch, burst, s->writes, s->reads, bytes / nrecs,
           cpu, wall, s->acked ? cpu * 1e6 / (double)s->acked : 0.0,
           wall > 0 ? (double)s->acked / wall : 0.0, ok ? "true" : "false");
    if (!ok)
        fprintf(stderr, "wire_floor: %zu of %zu acknowledged, %zu unexpected\n", s->acked, total,
                s->errors);
    for (size_t i = 0; i < nrecs; i++)
        free(pk[i].bytes);
    free(pk);
    free(out);
    free(s);
    bench_records_free(recs, nrecs);
    return ok ? 0 : 1;
}
