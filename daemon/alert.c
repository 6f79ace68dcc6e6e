/* alert - see alert.h. */
#include "alert.h"

#include "timeparse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 3339 UTC as a JSON string (null when it cannot be written). */
static json_t *alert_time(int64_t ms)
{
    char t[40];
    return timeparse_format(ms, 0, t, sizeof t) < 0 ? json_null() : json_string(t);
}

/* The record's member `key`, copied, or JSON null. */
static json_t *alert_member(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return v ? json_deep_copy(v) : json_null();
}

struct metric *alert_new(const char *topic_prefix, const char *province, const struct metric *last,
                         const char *state, bool entered, int64_t since_wall_ms,
                         int64_t now_wall_ms)
{
    json_t *rec = json_loadb(last->json, last->json_len, 0, NULL);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return NULL;
    }
    json_t *a = json_object();
    json_object_set_new(a, "schema", json_string("ioc.alert/1"));
    json_object_set_new(a, "series", json_stringn(last->series, last->series_len));
    json_object_set_new(a, "source", alert_member(rec, "source"));
    json_object_set_new(a, "metric", alert_member(rec, "metric"));
    json_object_set_new(a, "area", alert_member(rec, "area"));
    if (json_object_get(rec, "dims"))
        json_object_set_new(a, "dims", alert_member(rec, "dims"));
    json_object_set_new(a, "state", json_string(state));
    json_object_set_new(a, "event", json_string(entered ? "enter" : "leave"));
    json_object_set_new(a, "since", alert_time(since_wall_ms));
    json_object_set_new(a, "ts", alert_time(now_wall_ms));
    json_object_set_new(a, "value", alert_member(rec, "value"));
    json_object_set_new(a, "unit", alert_member(rec, "unit"));
    json_object_set_new(a, "target", alert_member(rec, "target"));
    json_object_set_new(a, "record_ts", alert_member(rec, "ts"));
    json_object_set_new(a, "seq", json_integer((json_int_t)last->seq));
    json_decref(rec);
    char *text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(a);
    char key[1024];
    struct metric *m = NULL;
    if (text && (size_t)snprintf(key, sizeof key, "_alert/%s", last->series) < sizeof key)
        m = metric_new(topic_prefix, province, key, text, strlen(text), last->seq);
    free(text);
    if (m)
        m->kind = METRIC_ALERT;
    return m;
}
