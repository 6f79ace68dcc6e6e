/*
 * mqtt_endpoint - how iocd connects to its MQTT broker, in one place.
 *
 * The metric connection and every connector's status connection share the
 * broker address, credentials, TLS settings, keepalive and reconnect
 * backoff of [sink.mqtt]; this module turns them into configured
 * libmosquitto clients. Connecting is asynchronous: a broker that is down
 * at start-up is retried with capped exponential backoff (for the status
 * connections by libmosquitto's own thread, mqtt_endpoint_start; the
 * metric connection's sender thread runs its own, sink_mqtt.c), and never
 * blocks the daemon.
 */
#ifndef IOCD_MQTT_ENDPOINT_H
#define IOCD_MQTT_ENDPOINT_H

#include "keytable.h"

#include <mosquitto.h>
#include <stdbool.h>

struct mqtt_endpoint {
    char *host;
    int port;
    char *client_id; /* of the metric connection; status ones add "-status-NAME" */
    char *username, *password;
    bool tls;
    char *ca_file, *cert_file, *key_file;
    int keepalive_s;
    unsigned reconnect_min_s, reconnect_max_s;
};

/* Read [sink.mqtt]. Calls mosquitto_lib_init() once per process. */
int mqtt_endpoint_init(struct mqtt_endpoint *e, const struct config_section *sec);
void mqtt_endpoint_free(struct mqtt_endpoint *e);

/* A new client with credentials, TLS and reconnect backoff set; NULL with
 * a logged error. `userdata` is passed to its callbacks. */
struct mosquitto *mqtt_endpoint_client(const struct mqtt_endpoint *e, const char *client_id,
                                       void *userdata);
/* Start connecting in the background (libmosquitto's thread; used by the
 * status connections). A refused
 * first attempt is logged and retried; -1 only if no thread could start. */
int mqtt_endpoint_start(const struct mqtt_endpoint *e, struct mosquitto *mosq, const char *who);

#endif
