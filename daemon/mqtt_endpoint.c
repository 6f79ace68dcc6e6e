/* mqtt_endpoint - see mqtt_endpoint.h. */
#include "mqtt_endpoint.h"

#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t mqtt_lib_once = PTHREAD_ONCE_INIT;

static void mqtt_lib_init(void) { mosquitto_lib_init(); }

static char *mqtt_dup(const struct config_section *sec, const char *key)
{
    const char *t = section_text(sec, key);
    return t ? strdup(t) : NULL;
}

int mqtt_endpoint_init(struct mqtt_endpoint *e, const struct config_section *sec)
{
    pthread_once(&mqtt_lib_once, mqtt_lib_init);
    memset(e, 0, sizeof *e);
    e->host = mqtt_dup(sec, "host");
    e->port = (int)section_int(sec, "port");
    if (section_text(sec, "client_id")) {
        e->client_id = mqtt_dup(sec, "client_id");
    } else {
        char host[64] = "localhost";
        gethostname(host, sizeof host - 1);
        if (asprintf(&e->client_id, "iocd-%s-%ld", host, (long)getpid()) < 0)
            e->client_id = NULL;
    }
    e->username = mqtt_dup(sec, "username");
    e->password = mqtt_dup(sec, "password");
    e->tls = section_bool(sec, "tls");
    e->ca_file = mqtt_dup(sec, "ca_file");
    e->cert_file = mqtt_dup(sec, "cert_file");
    e->key_file = mqtt_dup(sec, "key_file");
    e->keepalive_s = (int)(section_ms(sec, "keepalive") / 1000);
    int64_t min_ms = section_ms(sec, "reconnect_min"), max_ms = section_ms(sec, "reconnect_max");
    e->reconnect_min_s = min_ms < 1000 ? 1 : (unsigned)(min_ms / 1000);
    e->reconnect_max_s = (unsigned)(max_ms / 1000) < e->reconnect_min_s ? e->reconnect_min_s
                                                                         : (unsigned)(max_ms / 1000);
    return e->host && e->client_id ? 0 : -1;
}

void mqtt_endpoint_free(struct mqtt_endpoint *e)
{
    free(e->host);
    free(e->client_id);
    free(e->username);
    free(e->password);
    free(e->ca_file);
    free(e->cert_file);
    free(e->key_file);
    memset(e, 0, sizeof *e);
}

struct mosquitto *mqtt_endpoint_client(const struct mqtt_endpoint *e, const char *client_id,
                                       void *userdata)
{
    struct mosquitto *m = mosquitto_new(client_id, true, userdata);
    if (!m) {
        log_error("sink mqtt: cannot create an MQTT client");
        return NULL;
    }
    int rc = mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (rc == MOSQ_ERR_SUCCESS && e->username)
        rc = mosquitto_username_pw_set(m, e->username, e->password);
    if (rc == MOSQ_ERR_SUCCESS && e->tls) {
        /* With no CA file, libmosquitto uses the system's store; the
         * broker's certificate and host name are always verified. */
        rc = e->ca_file ? mosquitto_tls_set(m, e->ca_file, NULL, e->cert_file, e->key_file, NULL)
                        : mosquitto_int_option(m, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
        if (rc == MOSQ_ERR_SUCCESS && !e->ca_file && e->cert_file)
            rc = mosquitto_tls_set(m, NULL, "/etc/ssl/certs", e->cert_file, e->key_file, NULL);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_tls_insecure_set(m, false);
    }
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_reconnect_delay_set(m, e->reconnect_min_s, e->reconnect_max_s, true);
    if (rc != MOSQ_ERR_SUCCESS) {
        log_error("sink mqtt: cannot configure the client: %s", mosquitto_strerror(rc));
        mosquitto_destroy(m);
        return NULL;
    }
    return m;
}

int mqtt_endpoint_start(const struct mqtt_endpoint *e, struct mosquitto *mosq, const char *who)
{
    int rc = mosquitto_connect_async(mosq, e->host, e->port, e->keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS)
        log_warn("%s: cannot connect to %s:%d yet (%s); retrying in the background", who,
                 e->host, e->port, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
    rc = mosquitto_loop_start(mosq);
    if (rc != MOSQ_ERR_SUCCESS) {
        log_error("%s: cannot start the MQTT network thread: %s", who, mosquitto_strerror(rc));
        return -1;
    }
    return 0;
}
