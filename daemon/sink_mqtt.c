/*
 * sink_mqtt - metrics to an MQTT broker, for the wall screens.
 *
 * Each metric goes to ioc/v1/<province>/<series> (topic_prefix
 * configurable), QoS 1 and retained by default, so a screen that connects
 * sees every series' current value at once. A metric leaves the outbox
 * for good only when the broker's PUBACK for its message id arrived; on a
 * lost connection, unacknowledged metrics are put back in the outbox and
 * sent again after libmosquitto reconnects (capped exponential backoff).
 * In-flight messages are bounded (max_inflight): unlimited in-flight makes
 * libmosquitto about 30 times slower (measured; docs/design.md).
 *
 * Connector status: every connector instance gets a small connection of
 * its own whose last will is {"state":"offline"} on
 * ioc/v1/<province>/_status/<name>, retained; it publishes its status
 * there as JSON (status_json.h, docs/status.schema.json). A killed daemon
 * (or a crashed iocd@NAME) thus shows offline for each of its connectors
 * with no action of ours; a clean stop publishes offline itself.
 *
 * Threads: one, ours. The sender thread runs the connection itself
 * (poll(2) on the broker's socket and an eventfd, then libmosquitto's
 * mosquitto_loop_read / _write / _misc), instead of libmosquitto's
 * network thread (mosquitto_loop_start): a publish then needs no
 * cross-thread hand-over, so a batch of up to MQTT_BATCH messages is
 * queued and written out at once, corked (TCP_CORK) so the kernel sends
 * full segments, and PUBACKs are read as they come. The client is in
 * libmosquitto's "external threads" mode (mosquitto_threaded_set), in
 * which mosquitto_publish only queues. The outbox writes to the eventfd
 * only when the sender sleeps with nothing to send (outbox_idle): one
 * wake-up per hand-over at most. Callbacks (on_connect, on_disconnect,
 * on_publish) run on the sender thread; `lock` still guards the in-flight
 * table and counters, which log_counters reads from other threads.
 * Reconnection is ours too: mosquitto_reconnect_async after a wait that
 * doubles from reconnect_min to reconnect_max (reset by a CONNACK), so a
 * broker that does not answer never blocks the thread (nor shutdown).
 * While it waits, a non-blocking TCP probe of the broker's port every
 * MQTT_PROBE_MS cuts the wait short once a port that refused starts to
 * answer: a broker that comes back is used within a second, not after
 * the backoff (issue 17: each second of delay is a second of drops).
 */
#include "sink.h"

#include "clock.h"
#include "mqtt_endpoint.h"
#include "log.h"
#include "outbox.h"
#include "status_mqtt.h"

#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MQTT_BATCH 64
/* While disconnected, how often the broker's port is probed. */
#define MQTT_PROBE_MS 250

static const struct ioc_config_key mqtt_keys[] = {
    {"enabled", IOC_CFG_BOOL, "false", false, "publish metrics to an MQTT broker", NULL, NULL},
    {"host", IOC_CFG_STRING, "127.0.0.1", false, "broker host name or address", NULL, NULL},
    {"port", IOC_CFG_INT, "1883", false, "broker port (8883 is usual with TLS)", "1", "65535"},
    {"client_id", IOC_CFG_STRING, NULL, false, "MQTT client id (default iocd-HOST-PID)",
     NULL, NULL},
    {"username", IOC_CFG_STRING, NULL, false, "user name for the broker", NULL, NULL},
    {"password", IOC_CFG_SECRET, NULL, false, "password for the broker", NULL, NULL},
    {"tls", IOC_CFG_BOOL, "false", false, "connect with TLS (certificate always verified)",
     NULL, NULL},
    {"ca_file", IOC_CFG_STRING, NULL, false, "CA certificates (PEM); default: the system's",
     NULL, NULL},
    {"cert_file", IOC_CFG_STRING, NULL, false, "client certificate (PEM), with key_file",
     NULL, NULL},
    {"key_file", IOC_CFG_STRING, NULL, false, "client private key (PEM), with cert_file",
     NULL, NULL},
    {"qos", IOC_CFG_INT, "1", false, "QoS of metric messages: 0, 1 or 2", "0", "2"},
    {"retain", IOC_CFG_BOOL, "true", false, "retain metric messages (screens see current values)",
     NULL, NULL},
    {"keepalive", IOC_CFG_DURATION, "30s", false, "MQTT keepalive", "5s", "65535s"},
    {"max_inflight", IOC_CFG_INT, "100", false,
     "unacknowledged messages at most (unlimited in-flight is ~30x slower)", "1", "65535"},
    {"reconnect_min", IOC_CFG_DURATION, "1s", false, "first wait before reconnecting", "100ms",
     NULL},
    {"reconnect_max", IOC_CFG_DURATION, "5s", false,
     "longest wait between reconnections (a broker whose port answers again is tried at once)",
     NULL, NULL},
    {"topic_prefix", IOC_CFG_STRING, "ioc/v1", false, "topics are PREFIX/PROVINCE/SERIES",
     NULL, NULL},
    {"status", IOC_CFG_BOOL, "true", false, "publish connector status on PREFIX/PROVINCE/_status/NAME",
     NULL, NULL},
    {"on_change", IOC_CFG_BOOL, "true", false,
     "publish a series only when it changed (not its ts or seq) or refresh has passed", NULL, NULL},
    {"refresh", IOC_CFG_DURATION, "15min", false,
     "with on_change: re-publish an unchanged series after this long", "1s", NULL},
    {"retire_after", IOC_CFG_DURATION, "7d", false,
     "a series not seen this long leaves the series state and its retained topic is cleared",
     "1s", NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

struct sink_mqtt {
    struct sink base;
    struct mosquitto *mosq;
    struct outbox *outbox;
    struct mqtt_endpoint endpoint; /* how to connect: shared with status clients */
    struct status_mqtt *status;    /* NULL when status = false */
    char *status_prefix;
    char *catalog_topic, *catalog_json; /* PREFIX/PROVINCE/_catalog, retained */
    int qos;
    bool retain;
    size_t max_inflight;
    pthread_t sender;
    bool sender_started;
    int wake_fd;                   /* eventfd: the outbox's notify fd */
    int64_t reconnect_delay_ms;    /* sender thread only */
    atomic_bool stopping;
    atomic_bool fresh_session; /* set by on_connect, taken by the pipeline */
    /* Did the broker keep its retained store while iocd was stopped? At
     * the first connection the sink subscribes to its own retained
     * _catalog before publishing it: a retained copy arriving first says
     * the store survived, our own live copy arriving first says it was
     * lost (or never held one). With a restored series state (the
     * pipeline calls `restored`), "lost" is a fresh session. */
    atomic_int store_verdict;  /* MQTT_STORE_* */
    atomic_bool restored;      /* the series state was restored */
    atomic_bool store_reported; /* the lost store was turned into a fresh session */
    int64_t drain_deadline_ms;
    struct addrinfo *probe_addr;   /* the broker's address, resolved at the first probe */
    bool probe_saw_closed;         /* a probe found the port closed since the last attempt */

    pthread_mutex_t lock; /* guards everything below */
    bool connected;
    bool ever_connected;
    atomic_int_fast64_t last_ack_ms; /* monotonic time of the last PUBACK */
    struct metric **inflight; /* indexed by message id (1..65535) */
    size_t inflight_count;
    uint64_t sent, delivered, publish_errors, requeued_on_reconnect, dropped_invalid;
    uint64_t delivered_records, invalid_records; /* of them, records (outbox_is_record) */
    int64_t lost_ms;          /* when the connection was lost; 0 = delivering */
    struct sink_tally tally;  /* complete after stop */
    /* Since when (monotonic ms) the broker owes us an answer - a CONNACK
     * to our CONNECT, a PUBACK to the oldest message in flight - without
     * having given any; 0 = owes none. A refusal or a reset is an answer
     * (reset to 0); a keepalive timeout is not (kept across the
     * reconnection): that is how a broker that accepts the connection and
     * never speaks shows up (sink_stats.stalled_ms, the watchdog). */
    int64_t awaiting_since_ms;
    time_t last_connect_failure_log; /* sender thread only */
};

static int mqtt_topic_prefix_valid(const char *p)
{
    if (!*p || *p == '/' || p[strlen(p) - 1] == '/')
        return 0;
    return strpbrk(p, "+# ") == NULL;
}

/* Semantic checks of [sink.mqtt] beyond types (ranges, files, pairs). */
static void mqtt_check(const struct config_section *sec, struct diag *d)
{
    /* Ranges of single keys are in mqtt_keys; relations between keys here. */
    if (section_ms(sec, "reconnect_min") > section_ms(sec, "reconnect_max"))
        diag_add(d, sec->path, section_line(sec, "reconnect_min"),
                 "'reconnect_min' must not be above reconnect_max");
    const char *prefix = section_text(sec, "topic_prefix");
    if (prefix && !mqtt_topic_prefix_valid(prefix))
        diag_add(d, sec->path, section_line(sec, "topic_prefix"),
                 "'topic_prefix' must be topic levels without '+', '#', spaces or outer '/'");
    if (section_ms(sec, "retire_after") <= section_ms(sec, "refresh"))
        diag_add(d, sec->path, section_line(sec, "retire_after"),
                 "'retire_after' must be above refresh (a series still refreshed would be retired)");
    if (!section_text(sec, "cert_file") != !section_text(sec, "key_file"))
        diag_add(d, sec->path, sec->line, "'cert_file' and 'key_file' go together");
    static const char *const files[] = {"ca_file", "cert_file", "key_file"};
    for (size_t i = 0; i < 3; i++) {
        const char *f = section_text(sec, files[i]);
        if (f && f[0] != '/')
            diag_add(d, sec->path, section_line(sec, files[i]),
                     "'%s' = '%s': give an absolute path", files[i], f);
        else if (f && access(f, R_OK) != 0)
            diag_add(d, sec->path, section_line(sec, files[i]), "'%s' = '%s': cannot read it",
                     files[i], f);
        if (f && !section_bool(sec, "tls"))
            diag_add(d, sec->path, section_line(sec, files[i]), "'%s' needs tls = true", files[i]);
    }
    /* MQTT sends the user name and password in the clear in CONNECT. */
    static const char *const credentials[] = {"password", "username"};
    for (size_t i = 0; i < 2 && !section_bool(sec, "tls"); i++)
        if (section_text(sec, credentials[i])) {
            diag_warn(d, sec->path, section_line(sec, credentials[i]),
                      "'%s' without tls = true: the broker's credentials cross the network in "
                      "the clear", credentials[i]);
            break;
        }
}

/* Say (at most once a minute while it lasts) that connecting fails. */
static void mqtt_log_connect_failure(struct sink_mqtt *s, const char *why)
{
    if (time(NULL) - s->last_connect_failure_log < 60)
        return;
    s->last_connect_failure_log = time(NULL);
    log_warn("sink mqtt: cannot connect to %s:%d (%s); retrying with backoff", s->endpoint.host,
             s->endpoint.port, why);
}

/* ---- libmosquitto callbacks (on the sender thread) ---- */

enum { MQTT_STORE_UNKNOWN, MQTT_STORE_PROBING, MQTT_STORE_KEPT, MQTT_STORE_LOST };

/* A lost store and a restored series state, whichever is known second:
 * once, a fresh session (the pipeline re-publishes every series). */
static void mqtt_store_lost_check(struct sink_mqtt *s)
{
    if (atomic_load(&s->store_verdict) != MQTT_STORE_LOST || !atomic_load(&s->restored) ||
        atomic_exchange(&s->store_reported, true))
        return;
    log_info("sink mqtt: the broker holds no retained %s: it lost its retained store while "
             "iocd was stopped; the restored series are published again", s->catalog_topic);
    atomic_store(&s->fresh_session, true);
}

/* The probe's answer: the first message on our _catalog topic. */
static void mqtt_on_message(struct mosquitto *mosq, void *arg, const struct mosquitto_message *msg)
{
    struct sink_mqtt *s = arg;
    if (!s->catalog_topic || strcmp(msg->topic, s->catalog_topic) != 0 ||
        atomic_load(&s->store_verdict) != MQTT_STORE_PROBING)
        return;
    atomic_store(&s->store_verdict, msg->retain ? MQTT_STORE_KEPT : MQTT_STORE_LOST);
    mosquitto_unsubscribe(mosq, NULL, s->catalog_topic);
    mqtt_store_lost_check(s);
}

static void mqtt_on_connect(struct mosquitto *mosq, void *arg, int rc, int flags)
{
    struct sink_mqtt *s = arg;
    pthread_mutex_lock(&s->lock);
    s->awaiting_since_ms = 0; /* a CONNACK, whatever it says, is an answer */
    pthread_mutex_unlock(&s->lock);
    if (rc != 0) {
        log_warn("sink mqtt: %s:%d refused the connection: %s", s->endpoint.host,
                 s->endpoint.port, mosquitto_connack_string(rc));
        return;
    }
    pthread_mutex_lock(&s->lock);
    /* Messages left unacknowledged by the previous connection go back to
     * the front of the outbox and are sent again: at-least-once. */
    size_t requeued = 0;
    struct metric *again[MQTT_BATCH];
    for (size_t mid = 1; mid < 65536 && s->inflight_count > 0; mid++) {
        if (!s->inflight[mid])
            continue;
        again[requeued++] = s->inflight[mid];
        s->inflight[mid] = NULL;
        s->inflight_count--;
        if (requeued == MQTT_BATCH) {
            outbox_requeue(s->outbox, again, requeued);
            s->requeued_on_reconnect += requeued;
            requeued = 0;
        }
    }
    if (requeued)
        outbox_requeue(s->outbox, again, requeued);
    s->requeued_on_reconnect += requeued;
    bool first = !s->ever_connected;
    /* Session-present 0 after a reconnection: the broker kept nothing of
     * us and may have restarted without its retained store. (The first
     * connection needs nothing: every value seen so far is in the outbox.
     * With clean sessions this is every reconnection: a blip costs one
     * paced re-publish of every series, a lost store costs screens
     * nothing.) */
    if (!first && !(flags & 1))
        atomic_store(&s->fresh_session, true);
    s->connected = s->ever_connected = true;
    s->reconnect_delay_ms = s->endpoint.reconnect_min_s * 1000LL;
    pthread_mutex_unlock(&s->lock);
    /* The catalogue, retained, once per connection: a broker restarted
     * without persistence forgets it, like the status topics. Its message
     * id is not in inflight[], so mqtt_on_publish ignores its PUBACK. */
    if (first && s->catalog_json &&
        mosquitto_subscribe(mosq, NULL, s->catalog_topic, 0) == MOSQ_ERR_SUCCESS)
        atomic_store(&s->store_verdict, MQTT_STORE_PROBING); /* answered before our copy */
    if (s->catalog_json) {
        int prc = mosquitto_publish(mosq, NULL, s->catalog_topic, (int)strlen(s->catalog_json),
                                    s->catalog_json, 1, true);
        if (prc != MOSQ_ERR_SUCCESS)
            log_warn("sink mqtt: cannot publish %s: %s", s->catalog_topic,
                     mosquitto_strerror(prc));
    }
    log_info("sink mqtt: %s to %s:%d", first ? "connected" : "reconnected", s->endpoint.host,
             s->endpoint.port);
}

static void mqtt_on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
    (void)mosq;
    struct sink_mqtt *s = arg;
    pthread_mutex_lock(&s->lock);
    bool was = s->connected;
    s->connected = false;
    if (was)
        s->lost_ms = clock_mono_ms();
    size_t inflight = s->inflight_count;
    if (rc != MOSQ_ERR_KEEPALIVE)
        s->awaiting_since_ms = 0; /* refused, reset, closed: the broker answered */
    pthread_mutex_unlock(&s->lock);
    if (was && rc != 0) {
        log_warn("sink mqtt: lost the connection to %s:%d (%s); %zu unacknowledged, "
                 "reconnecting", s->endpoint.host, s->endpoint.port, mosquitto_strerror(rc),
                 inflight);
    } else if (!was && rc != 0) {
        /* Never connected this time (refused, TLS verification failed...). */
        mqtt_log_connect_failure(s, mosquitto_strerror(rc));
    }
}

static void mqtt_on_publish(struct mosquitto *mosq, void *arg, int mid)
{
    (void)mosq;
    struct sink_mqtt *s = arg;
    struct metric *m = NULL;
    int64_t lost_ms = 0, now = clock_mono_ms();
    pthread_mutex_lock(&s->lock);
    if (mid > 0 && mid < 65536 && (m = s->inflight[mid])) {
        s->inflight[mid] = NULL;
        s->inflight_count--;
        s->delivered++;
        s->delivered_records += outbox_is_record(m);
        atomic_store(&s->last_ack_ms, now);
        s->awaiting_since_ms = s->inflight_count ? now : 0;
        lost_ms = s->lost_ms;
        s->lost_ms = 0;
    }
    pthread_mutex_unlock(&s->lock);
    if (m)
        sink_settled(&s->base, m);
    metric_unref(m); /* NULL for an id requeued after a reconnect */
    if (lost_ms)
        log_info("sink mqtt: delivering again: first acknowledgement %" PRId64 ".%" PRId64
                 " s after the connection was lost", (now - lost_ms) / 1000,
                 (now - lost_ms) % 1000 / 100);
}

/* ---- sender thread ---- */

/* A message the broker can never take: sending it again cannot help. */
static bool mqtt_error_is_permanent(int rc)
{
    return rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_MALFORMED_UTF8 || rc == MOSQ_ERR_PAYLOAD_SIZE ||
           rc == MOSQ_ERR_OVERSIZE_PACKET || rc == MOSQ_ERR_QOS_NOT_SUPPORTED;
}

/* Publish a batch; whatever could not be handed over goes back. Returns
 * false when sending failed for a reason that may pass (the caller pauses
 * instead of spinning). */
static bool mqtt_send_batch(struct sink_mqtt *s, struct metric **batch, size_t n)
{
    size_t i = 0;
    bool transient_failure = false;
    pthread_mutex_lock(&s->lock);
    for (; i < n && s->connected && s->inflight_count < s->max_inflight; i++) {
        int mid = 0;
        int rc = mosquitto_publish(s->mosq, &mid, batch[i]->topic, (int)batch[i]->json_len,
                                   batch[i]->json, s->qos,
                                   s->retain && batch[i]->kind != METRIC_ALERT);
        if (rc != MOSQ_ERR_SUCCESS && mqtt_error_is_permanent(rc)) {
            s->dropped_invalid++;
            s->invalid_records += outbox_is_record(batch[i]);
            log_error("sink mqtt: topic %s refused by libmosquitto (%s); metric seq %llu dropped",
                      batch[i]->topic, mosquitto_strerror(rc), (unsigned long long)batch[i]->seq);
            sink_settled(&s->base, batch[i]); /* counted dropped: never sent again */
            metric_unref(batch[i]);
            continue;
        }
        if (rc != MOSQ_ERR_SUCCESS || mid <= 0 || mid >= 65536 || s->inflight[mid]) {
            s->publish_errors++;
            transient_failure = true;
            break;
        }
        s->inflight[mid] = batch[i];
        if (s->inflight_count++ == 0 && !s->awaiting_since_ms)
            s->awaiting_since_ms = clock_mono_ms();
        s->sent++;
    }
    pthread_mutex_unlock(&s->lock);
    if (i < n)
        outbox_requeue(s->outbox, batch + i, n - i);
    return !transient_failure;
}

/* Write what libmosquitto has queued (a batch of PUBLISH packets, PUBACK
 * replies, a PINGREQ), corked: the kernel sends full segments, not one
 * per message, and pushes the rest out when uncorked. */
static int mqtt_write_out(struct sink_mqtt *s)
{
    int sock = mosquitto_socket(s->mosq), on = 1, off = 0;
    if (sock >= 0)
        setsockopt(sock, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    int rc = mosquitto_loop_write(s->mosq, 1);
    sock = mosquitto_socket(s->mosq); /* closed if the write failed */
    if (sock >= 0)
        setsockopt(sock, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
    return rc;
}

/* Start a non-blocking TCP connection to the broker's port: the socket,
 * -2 when refused at once, -1 when there is no address or socket (no
 * probe). Resolved once: a broker that moved is still found by the
 * backoff's attempts, which resolve every time. */
static int mqtt_probe_start(struct sink_mqtt *s)
{
    if (!s->probe_addr) {
        char port[8];
        snprintf(port, sizeof port, "%d", s->endpoint.port);
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        if (getaddrinfo(s->endpoint.host, port, &hints, &s->probe_addr) != 0) {
            s->probe_addr = NULL;
            return -1;
        }
    }
    int fd = socket(s->probe_addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, s->probe_addr->ai_addr, s->probe_addr->ai_addrlen) < 0 &&
        errno != EINPROGRESS) {
        close(fd);
        return -2; /* refused at once */
    }
    return fd;
}

/* Wait up to `wait_ms` (a stop wakes us). Meanwhile probe the
 * broker's port once: true when it answers after having refused, i.e.
 * the broker is back and an attempt is worth making now. A port that
 * answers while the MQTT connection fails (refused credentials) does not
 * shorten the backoff: the probe must have seen it closed first. */
static bool mqtt_wait_probing(struct sink_mqtt *s, int64_t wait_ms)
{
    int64_t until = clock_mono_ms() + wait_ms;
    int probe = mqtt_probe_start(s);
    bool answered = false;
    uint64_t count;
    struct pollfd pfd[2] = {{s->wake_fd, POLLIN, 0}, {probe, POLLOUT, 0}};
    if (poll(pfd, probe >= 0 ? 2 : 1, (int)wait_ms) > 0) {
        if ((pfd[0].revents & POLLIN) && read(s->wake_fd, &count, sizeof count) < 0) {
        }
        int err = 0;
        socklen_t len = sizeof err;
        if (probe >= 0 && (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)))
            answered = getsockopt(probe, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
        if (probe >= 0 && pfd[1].revents && !answered)
            probe = (close(probe), -2); /* refused */
    }
    if (probe >= 0)
        close(probe);
    if (probe == -2)
        s->probe_saw_closed = true;
    if (answered && s->probe_saw_closed)
        return true;
    /* Refused at once: wait out the slice (a wake still ends it). */
    int64_t rest = until - clock_mono_ms();
    if (rest > 0 && !(pfd[0].revents & POLLIN)) {
        struct pollfd w = {s->wake_fd, POLLIN, 0};
        if (poll(&w, 1, (int)rest) > 0 && read(s->wake_fd, &count, sizeof count) < 0) {
        }
    }
    return false;
}

/* No connection: wait until the next attempt is due (or a stop wakes
 * us, or the broker's port answers again), then start one without
 * blocking. */
static void mqtt_reconnect(struct sink_mqtt *s, int64_t *next_attempt_ms)
{
    int64_t now = clock_mono_ms();
    outbox_tick(s->outbox); /* the loss episode's summary line, if due */
    if (now < *next_attempt_ms) {
        int64_t wait = *next_attempt_ms - now;
        if (atomic_load(&s->stopping) && s->drain_deadline_ms - now < wait)
            wait = s->drain_deadline_ms > now ? s->drain_deadline_ms - now : 0;
        if (wait > MQTT_PROBE_MS)
            wait = MQTT_PROBE_MS;
        if (mqtt_wait_probing(s, wait))
            *next_attempt_ms = clock_mono_ms(); /* the broker is back: at once */
        return;
    }
    s->probe_saw_closed = false;
    /* The first wait after a loss was reconnect_min; then they double. */
    s->reconnect_delay_ms *= 2;
    if (s->reconnect_delay_ms > s->endpoint.reconnect_max_s * 1000LL)
        s->reconnect_delay_ms = s->endpoint.reconnect_max_s * 1000LL;
    *next_attempt_ms = now + s->reconnect_delay_ms;
    int rc = mosquitto_reconnect_async(s->mosq);
    if (rc != MOSQ_ERR_SUCCESS)
        mqtt_log_connect_failure(s, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
}

/* Hand what the outbox holds to libmosquitto while there is room in
 * flight, then write it out. */
static void mqtt_send_some(struct sink_mqtt *s)
{
    struct metric *batch[MQTT_BATCH];
    pthread_mutex_lock(&s->lock);
    size_t room = s->connected ? s->max_inflight - s->inflight_count : 0;
    pthread_mutex_unlock(&s->lock);
    size_t n = room ? outbox_pop(s->outbox, batch, room < MQTT_BATCH ? room : MQTT_BATCH, 0) : 0;
    if (n > 0 && !mqtt_send_batch(s, batch, n))
        usleep(100 * 1000); /* e.g. the connection just dropped */
}

/* Stopping and nothing left that could still be delivered in time. */
static bool mqtt_done(struct sink_mqtt *s)
{
    if (!atomic_load(&s->stopping))
        return false;
    if (clock_mono_ms() >= s->drain_deadline_ms)
        return true;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    pthread_mutex_lock(&s->lock);
    bool idle = s->inflight_count == 0 && oc.length == 0;
    pthread_mutex_unlock(&s->lock);
    return idle;
}

static void *mqtt_sender(void *arg)
{
    struct sink_mqtt *s = arg;
    int64_t next_attempt_ms = clock_mono_ms() + s->reconnect_delay_ms;
    bool had_socket = false;
    while (!mqtt_done(s)) {
        int sock = mosquitto_socket(s->mosq);
        if (sock < 0) {
            /* As libmosquitto's own loop: a first wait before reconnecting. */
            if (had_socket)
                next_attempt_ms = clock_mono_ms() + s->reconnect_delay_ms;
            had_socket = false;
            mqtt_reconnect(s, &next_attempt_ms);
            continue;
        }
        had_socket = true;
        pthread_mutex_lock(&s->lock);
        if (!s->connected && !s->awaiting_since_ms)
            s->awaiting_since_ms = clock_mono_ms(); /* CONNECT on its way */
        pthread_mutex_unlock(&s->lock);
        mqtt_send_some(s);
        if (mosquitto_want_write(s->mosq) && mqtt_write_out(s) != MOSQ_ERR_SUCCESS)
            continue;
        /* Sleep only with nothing to send now: until the broker answers,
         * the outbox gets metrics (it writes to wake_fd), a stop, or the
         * keepalive is due. */
        pthread_mutex_lock(&s->lock);
        bool room = s->connected && s->inflight_count < s->max_inflight;
        pthread_mutex_unlock(&s->lock);
        int timeout = room && !outbox_idle(s->outbox) ? 0 : s->endpoint.keepalive_s * 500;
        if (atomic_load(&s->stopping) && timeout > 200)
            timeout = 200;
        struct pollfd pfd[2] = {
            {sock, (short)(POLLIN | (mosquitto_want_write(s->mosq) ? POLLOUT : 0)), 0},
            {s->wake_fd, POLLIN, 0},
        };
        if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
            log_warn("sink mqtt: poll: %s", strerror(errno));
        uint64_t count;
        if ((pfd[1].revents & POLLIN) && read(s->wake_fd, &count, sizeof count) < 0) {
        }
        int rc = MOSQ_ERR_SUCCESS;
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
            rc = mosquitto_loop_read(s->mosq, 1); /* PUBACKs: on_publish */
        if (rc == MOSQ_ERR_SUCCESS && (pfd[0].revents & POLLOUT))
            rc = mqtt_write_out(s);
        if (rc == MOSQ_ERR_SUCCESS)
            mosquitto_loop_misc(s->mosq); /* keepalive */
    }
    /* A clean DISCONNECT: the broker then does not publish our will. */
    if (mosquitto_socket(s->mosq) >= 0 && mosquitto_disconnect(s->mosq) == MOSQ_ERR_SUCCESS)
        mosquitto_loop_write(s->mosq, 1);
    return NULL;
}

/* ---- sink operations ---- */

/* Wait for room only while the broker acknowledges: a broker that is away
 * or stuck must never hold up the connectors. */
static void mqtt_publish_batch(struct sink *base, struct metric *const *items, size_t n,
                               int64_t wait_until_ms)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    outbox_push_batch(s->outbox, items, n,
                      sink_wait_until(wait_until_ms, atomic_load(&s->last_ack_ms),
                                      clock_mono_ms()));
}

static void mqtt_publish(struct sink *base, struct metric *m, int64_t wait_until_ms)
{
    mqtt_publish_batch(base, &m, 1, wait_until_ms);
}

/* A retired series: a zero-length retained message clears its topic on
 * the broker. It goes through the outbox like a metric (same order as the
 * series' last value, same PUBACK accounting). Without retain there is
 * nothing to clear. */
static void mqtt_retire(struct sink *base, struct metric *last)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    if (!s->retain)
        return;
    struct metric *clear = metric_clear(last);
    if (!clear) {
        log_error("sink mqtt: out of memory clearing retired series %s; its retained topic stays",
                  last->series);
        return;
    }
    outbox_push_wait(s->outbox, clear, 0);
    metric_unref(clear);
    atomic_fetch_add(&base->retired, 1);
}

static void mqtt_restored(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    atomic_store(&s->restored, true);
    mqtt_store_lost_check(s);
}

static bool mqtt_take_fresh_session(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    return atomic_exchange(&s->fresh_session, false);
}

static size_t mqtt_pending(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    return oc.length;
}

static void mqtt_stats(struct sink *base, struct sink_stats *out, int64_t now_ms)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    pthread_mutex_lock(&s->lock);
    /* Owing an answer matters only with something to deliver. */
    bool pending = oc.length + s->inflight_count > 0;
    *out = (struct sink_stats){"mqtt", s->connected, oc.queued, s->delivered,
                               oc.dropped_full + oc.dropped_requeue + oc.dropped_kpi + s->dropped_invalid,
                               s->inflight_count, oc.length, oc.bytes,
                               pending && s->awaiting_since_ms ? now_ms - s->awaiting_since_ms : 0};
    pthread_mutex_unlock(&s->lock);
}

static void mqtt_status(struct sink *base, const char *instance, const char *text)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    if (s->status)
        status_mqtt_set(s->status, instance, text);
}

static void mqtt_log_counters(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    pthread_mutex_lock(&s->lock);
    log_info("sink mqtt: queued=%llu unchanged=%llu retired=%llu resent=%llu delivered=%llu "
             "retried=%llu dropped_full=%llu dropped_requeue=%llu dropped_invalid=%llu "
             "dropped_kpi=%llu in_outbox=%zu in_flight=%zu connected=%s",
             (unsigned long long)oc.queued, (unsigned long long)atomic_load(&base->unchanged),
             (unsigned long long)atomic_load(&base->retired),
             (unsigned long long)atomic_load(&base->resent), (unsigned long long)s->delivered,
             (unsigned long long)oc.requeued, (unsigned long long)oc.dropped_full,
             (unsigned long long)oc.dropped_requeue, (unsigned long long)s->dropped_invalid,
             (unsigned long long)oc.dropped_kpi, oc.length, s->inflight_count,
             s->connected ? "yes" : "no");
    pthread_mutex_unlock(&s->lock);
}

static void mqtt_tally(struct sink *base, struct sink_tally *out)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    *out = s->tally;
}

static size_t mqtt_stop(struct sink *base, int64_t deadline_ms)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    s->drain_deadline_ms = deadline_ms;
    atomic_store(&s->stopping, true);
    outbox_wake(s->outbox);
    if (s->sender_started)
        pthread_join(s->sender, NULL);
    s->sender_started = false;
    if (s->status)
        status_mqtt_stop(s->status, deadline_ms); /* publishes "offline" for each */
    outbox_end_episode(s->outbox);
    struct outbox_counters oc;
    outbox_counters(s->outbox, &oc);
    size_t left = oc.length + s->inflight_count;
    uint64_t inflight_records = 0;
    for (size_t mid = 1; mid < 65536 && s->inflight; mid++)
        inflight_records += s->inflight[mid] && outbox_is_record(s->inflight[mid]);
    s->tally = (struct sink_tally){
        .taken = oc.records_in,
        .delivered = s->delivered_records,
        .dropped = oc.records_dropped + s->invalid_records,
        .left = oc.records_held + inflight_records,
    };
    if (!s->ever_connected)
        log_warn("sink mqtt: never connected to %s:%d (broker down, refused, or TLS "
                 "verification failed)", s->endpoint.host, s->endpoint.port);
    mqtt_log_counters(base);
    char detail[160];
    snprintf(detail, sizeof detail,
             "%zu waiting, %" PRIu64 " unacknowledged; with KPI messages, %zu messages left",
             oc.records_held, inflight_records, left);
    sink_tally_log("mqtt", &s->tally,
                   oc.dropped_full + oc.dropped_requeue + oc.dropped_kpi + s->dropped_invalid,
                   s->delivered, detail);
    return left;
}

static void mqtt_free(struct sink *base)
{
    struct sink_mqtt *s = (struct sink_mqtt *)base;
    for (size_t mid = 0; s->inflight && mid < 65536; mid++)
        metric_unref(s->inflight[mid]);
    free(s->inflight);
    outbox_free(s->outbox);
    if (s->probe_addr)
        freeaddrinfo(s->probe_addr);
    if (s->wake_fd >= 0)
        close(s->wake_fd);
    if (s->mosq)
        mosquitto_destroy(s->mosq);
    status_mqtt_free(s->status);
    mqtt_endpoint_free(&s->endpoint);
    free(s->status_prefix);
    free(s->catalog_topic);
    free(s->catalog_json);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const struct sink_ops mqtt_ops = {
    .name = "mqtt",
    .screens = true,
    .publish = mqtt_publish,
    .publish_batch = mqtt_publish_batch,
    .status = mqtt_status,
    .retire = mqtt_retire,
    .take_fresh_session = mqtt_take_fresh_session,
    .restored = mqtt_restored,
    .pending = mqtt_pending,
    .tally = mqtt_tally,
    .stats = mqtt_stats,
    .stop = mqtt_stop,
    .log_counters = mqtt_log_counters,
    .free = mqtt_free,
};

static struct sink *mqtt_create(const struct config_section *sec, const struct sink_setup *setup)
{
    struct sink_mqtt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &mqtt_ops;
    s->wake_fd = -1;
    pthread_mutex_init(&s->lock, NULL);
    s->qos = (int)section_int(sec, "qos");
    s->retain = section_bool(sec, "retain");
    s->max_inflight = (size_t)section_int(sec, "max_inflight");
    if ((setup->catalog_json &&
         (asprintf(&s->catalog_topic, "%s/%s/_catalog", section_text(sec, "topic_prefix"),
                   setup->province) < 0 ||
          !(s->catalog_json = strdup(setup->catalog_json)))) ||
        mqtt_endpoint_init(&s->endpoint, sec) < 0 ||
        !(s->inflight = calloc(65536, sizeof *s->inflight)) ||
        !(s->outbox = outbox_new("sink mqtt", setup->limits)) ||
        (s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
        !(s->mosq = mqtt_endpoint_client(&s->endpoint, s->endpoint.client_id, s))) {
        mqtt_free(&s->base);
        return NULL;
    }
    sink_use_log(&s->base, s->outbox, setup);
    mosquitto_max_inflight_messages_set(s->mosq, (unsigned)s->max_inflight);
    /* Our thread runs the connection: publish only queues (the sender
     * writes a batch out at once). */
    mosquitto_threaded_set(s->mosq, true);
    outbox_set_notify_fd(s->outbox, s->wake_fd);
    s->reconnect_delay_ms = s->endpoint.reconnect_min_s * 1000LL;
    mosquitto_connect_with_flags_callback_set(s->mosq, mqtt_on_connect);
    mosquitto_disconnect_callback_set(s->mosq, mqtt_on_disconnect);
    mosquitto_publish_callback_set(s->mosq, mqtt_on_publish);
    mosquitto_message_callback_set(s->mosq, mqtt_on_message);
    if (section_bool(sec, "status") &&
        (asprintf(&s->status_prefix, "%s/%s/_status", section_text(sec, "topic_prefix"),
                  setup->province) < 0 ||
         !(s->status = status_mqtt_new(&s->endpoint, s->status_prefix)))) {
        mqtt_free(&s->base);
        return NULL;
    }
    /* The first attempt; a failure is retried by the sender thread. */
    int rc = mosquitto_connect_async(s->mosq, s->endpoint.host, s->endpoint.port,
                                     s->endpoint.keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS)
        log_warn("sink mqtt: cannot connect to %s:%d yet (%s); retrying in the background",
                 s->endpoint.host, s->endpoint.port,
                 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
    if (pthread_create(&s->sender, NULL, mqtt_sender, s) != 0) {
        log_error("sink mqtt: cannot start its thread");
        mqtt_free(&s->base);
        return NULL;
    }
    s->sender_started = true;
    return &s->base;
}

const struct sink_kind sink_mqtt_kind = {
    .section = "sink.mqtt",
    .keys = mqtt_keys,
    .check = mqtt_check,
    .create = mqtt_create,
    .durable = true,
};
