/* status_mqtt - see status_mqtt.h. */
#include "status_mqtt.h"

#include "clock.h"
#include "log.h"
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
    char text[320];      /* guarded by owner->lock */
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

/* Open the connection of a new instance, will set. Lock held. */
static struct status_client *status_client_open(struct status_mqtt *s, const char *instance)
{
    struct status_client *c = calloc(1, sizeof *c);
    char *client_id = NULL;
    struct status_client **grown = realloc(s->clients, (s->count + 1) * sizeof *grown);
    if (!c || !grown || !(c->instance = strdup(instance)) ||
        asprintf(&c->topic, "%s/%s", s->prefix, instance) < 0 ||
        asprintf(&client_id, "%s-status-%s", s->endpoint->client_id, instance) < 0) {
        if (grown)
            s->clients = grown;
        if (c)
            free(c->instance);
        free(c);
        return NULL;
    }
    s->clients = grown;
    c->owner = s;
    c->mosq = mqtt_endpoint_client(s->endpoint, client_id, c);
    free(client_id);
    if (c->mosq && mosquitto_will_set(c->mosq, c->topic, 7, "offline", 1, true) == MOSQ_ERR_SUCCESS) {
        mosquitto_connect_callback_set(c->mosq, status_on_connect);
        mosquitto_disconnect_callback_set(c->mosq, status_on_disconnect);
        mosquitto_publish_callback_set(c->mosq, status_on_publish);
        if (mqtt_endpoint_start(s->endpoint, c->mosq, "sink mqtt status") == 0) {
            s->clients[s->count++] = c;
            return c;
        }
    }
    if (c->mosq)
        mosquitto_destroy(c->mosq);
    free(c->topic);
    free(c->instance);
    free(c);
    return NULL;
}

void status_mqtt_set(struct status_mqtt *s, const char *instance, const char *text)
{
    /* The reason in "degraded: <reason>" is often feed text: a wall screen
     * must not receive its control bytes (textsafe.h). */
    char safe[sizeof ((struct status_client *)0)->text];
    text_escape(safe, sizeof safe, text, NULL);
    pthread_mutex_lock(&s->lock);
    struct status_client *c = NULL;
    for (size_t i = 0; i < s->count && !c; i++)
        if (strcmp(s->clients[i]->instance, instance) == 0)
            c = s->clients[i];
    if (!c)
        c = status_client_open(s, instance);
    if (c && strcmp(c->text, safe) != 0) {
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
        snprintf(c->text, sizeof c->text, "offline");
        if (c->connected &&
            mosquitto_publish(c->mosq, &c->offline_mid, c->topic, 7, "offline", 1, true) != 0)
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
    for (size_t i = 0; i < s->count; i++) {
        mosquitto_destroy(s->clients[i]->mosq);
        free(s->clients[i]->topic);
        free(s->clients[i]->instance);
        free(s->clients[i]);
    }
    free(s->clients);
    free(s->prefix);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
