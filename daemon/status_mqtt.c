/* status_mqtt - see status_mqtt.h. */
#include "status_mqtt.h"

#include "clock.h"
#include "log.h"
#include "status_json.h"
#include "textsafe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct status_client {
    struct status_mqtt *owner;
    char *instance, *topic;
    struct mosquitto *mosq;
    char text[STATUS_JSON_MAX]; /* guarded by owner->lock */
    bool connected;
    int offline_mid;     /* id of the final "offline", 0 until sent */
    bool offline_acked;
};

struct status_mqtt {
    const struct mqtt_endpoint *endpoint;
    char *prefix;
    pthread_mutex_t lock;
    struct status_client **clients;
    size_t count;
};

static void status_publish_locked(struct status_client *c)
{
    int rc = mosquitto_publish(c->mosq, NULL, c->topic, (int)strlen(c->text), c->text, 1, true);
    if (rc != MOSQ_ERR_SUCCESS)
        log_debug("status %s: publish failed: %s", c->instance, mosquitto_strerror(rc));
}

static void status_on_connect(struct mosquitto *mosq, void *arg, int rc)
{
    (void)mosq;
    struct status_client *c = arg;
    if (rc != 0)
        return; /* the metric connection logs refusals */
    pthread_mutex_lock(&c->owner->lock);
    c->connected = true;
    if (c->text[0] && !c->offline_mid)
        status_publish_locked(c);
    pthread_mutex_unlock(&c->owner->lock);
}

static void status_on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
    (void)mosq, (void)rc;
    struct status_client *c = arg;
    pthread_mutex_lock(&c->owner->lock);
    c->connected = false;
    pthread_mutex_unlock(&c->owner->lock);
}

static void status_on_publish(struct mosquitto *mosq, void *arg, int mid)
{
    (void)mosq;
    struct status_client *c = arg;
    pthread_mutex_lock(&c->owner->lock);
    if (c->offline_mid && mid == c->offline_mid)
        c->offline_acked = true;
    pthread_mutex_unlock(&c->owner->lock);
}

struct status_mqtt *status_mqtt_new(const struct mqtt_endpoint *e, const char *prefix)
{
    struct status_mqtt *s = calloc(1, sizeof *s);
    if (!s || !(s->prefix = strdup(prefix))) {
        free(s);
        return NULL;
    }
    s->endpoint = e;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void status_client_free(struct status_client *c)
{
    if (c->mosq)
        mosquitto_destroy(c->mosq);
    free(c->topic);
    free(c->instance);
    free(c);
}

static struct status_client *status_client_find(struct status_mqtt *s, const char *instance)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->clients[i]->instance, instance) == 0)
            return s->clients[i];
    return NULL;
}

/* Open the connection of a new instance: client, will, callbacks, network
 * thread. Called WITHOUT s->lock: libmosquitto holds its own callback lock
 * while it calls status_on_connect, which takes s->lock, so calling into
 * libmosquitto with s->lock held would take the two locks in both orders
 * (ThreadSanitizer: lock-order-inversion). */
static struct status_client *status_client_open(struct status_mqtt *s, const char *instance)
{
    struct status_client *c = calloc(1, sizeof *c);
    char *client_id = NULL;
    if (!c)
        return NULL;
    c->owner = s;
    if (!(c->instance = strdup(instance)) || asprintf(&c->topic, "%s/%s", s->prefix, instance) < 0) {
        c->topic = NULL;
        status_client_free(c);
        return NULL;
    }
    if (asprintf(&client_id, "%s-status-%s", s->endpoint->client_id, instance) < 0) {
        status_client_free(c);
        return NULL;
    }
    c->mosq = mqtt_endpoint_client(s->endpoint, client_id, c);
    free(client_id);
    if (c->mosq && mosquitto_will_set(c->mosq, c->topic, (int)strlen(STATUS_JSON_OFFLINE),
                                      STATUS_JSON_OFFLINE, 1, true) == MOSQ_ERR_SUCCESS) {
        mosquitto_connect_callback_set(c->mosq, status_on_connect);
        mosquitto_disconnect_callback_set(c->mosq, status_on_disconnect);
        mosquitto_publish_callback_set(c->mosq, status_on_publish);
        if (mqtt_endpoint_start(s->endpoint, c->mosq, "sink mqtt status") == 0)
            return c;
    }
    status_client_free(c);
    return NULL;
}

/* The client of a new instance, opened outside the lock and then listed;
 * if another thread listed one for the same instance meanwhile, that one
 * is kept and ours closed. */
static struct status_client *status_client_add(struct status_mqtt *s, const char *instance)
{
    struct status_client *c = status_client_open(s, instance);
    if (!c)
        return NULL;
    pthread_mutex_lock(&s->lock);
    struct status_client *found = status_client_find(s, instance);
    struct status_client **grown = found ? NULL : realloc(s->clients, (s->count + 1) * sizeof *grown);
    if (grown) {
        s->clients = grown;
        s->clients[s->count++] = c;
    }
    pthread_mutex_unlock(&s->lock);
    if (grown)
        return c;
    mosquitto_disconnect(c->mosq);
    mosquitto_loop_stop(c->mosq, false);
    status_client_free(c);
    return found;
}

void status_mqtt_set(struct status_mqtt *s, const char *instance, const char *text)
{
    /* The last error in the payload is often feed text: a wall screen
     * must not receive its control bytes (textsafe.h). JSON escapes them
     * already (\u001b); this is the outlet's rule kept for any caller.
     * A payload that would be cut is not published: cut JSON is no JSON. */
    char safe[sizeof ((struct status_client *)0)->text];
    bool cut = false;
    text_escape(safe, sizeof safe, text, &cut);
    if (cut) {
        log_error("status %s: payload of %zu bytes is too long; not published", instance,
                  strlen(text));
        return;
    }
    pthread_mutex_lock(&s->lock);
    struct status_client *c = status_client_find(s, instance);
    pthread_mutex_unlock(&s->lock);
    if (!c && !(c = status_client_add(s, instance)))
        return;
    pthread_mutex_lock(&s->lock);
    if (strcmp(c->text, safe) != 0) {
        memcpy(c->text, safe, sizeof c->text);
        if (c->connected)
            status_publish_locked(c);
    }
    pthread_mutex_unlock(&s->lock);
}

void status_mqtt_stop(struct status_mqtt *s, int64_t deadline_ms)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->count; i++) {
        struct status_client *c = s->clients[i];
        snprintf(c->text, sizeof c->text, "%s", STATUS_JSON_OFFLINE);
        if (c->connected &&
            mosquitto_publish(c->mosq, &c->offline_mid, c->topic, (int)strlen(c->text), c->text,
                              1, true) != 0)
            c->offline_mid = 0;
    }
    pthread_mutex_unlock(&s->lock);
    /* Bounded wait for the acknowledgements (20 ms steps). */
    for (;;) {
        size_t waiting = 0;
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->count; i++)
            waiting += s->clients[i]->offline_mid && !s->clients[i]->offline_acked;
        pthread_mutex_unlock(&s->lock);
        if (!waiting || clock_mono_ms() >= deadline_ms)
            break;
        usleep(20000);
    }
    for (size_t i = 0; i < s->count; i++) {
        mosquitto_disconnect(s->clients[i]->mosq);
        mosquitto_loop_stop(s->clients[i]->mosq, false);
    }
}

void status_mqtt_free(struct status_mqtt *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        status_client_free(s->clients[i]);
    free(s->clients);
    free(s->prefix);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
