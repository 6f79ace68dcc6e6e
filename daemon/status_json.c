/* status_json - see status_json.h. */
#include "status_json.h"

#include "jsonw.h"
#include "textsafe.h"
#include "timeparse.h"

#include <string.h>

/* RFC 3339 of epoch seconds, or JSON null for 0 (never). */
static void status_json_time(struct jsonw *w, const char *key, int64_t epoch_s, int tz_offset_min)
{
    char when[40];
    jsonw_key(w, key);
    if (epoch_s > 0 && timeparse_format(epoch_s * 1000, tz_offset_min, when, sizeof when) > 0)
        jsonw_string(w, when);
    else
        jsonw_null(w);
}

int status_json(const struct instance_snapshot *snap, int tz_offset_min, char *buf, size_t len)
{
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "schema");
    jsonw_string(&w, STATUS_JSON_SCHEMA);
    jsonw_key(&w, "instance");
    jsonw_string(&w, snap->name);
    jsonw_key(&w, "source");
    jsonw_string(&w, snap->source);
    jsonw_key(&w, "state");
    jsonw_string(&w, health_name(snap->health));
    status_json_time(&w, "since", snap->since_s, tz_offset_min);
    status_json_time(&w, "last_success", snap->last_success_s, tz_offset_min);
    jsonw_key(&w, "last_error");
    /* Feed text: shown as everywhere else (textsafe.h), control bytes as
     * \xNN, before JSON escapes it (a \x inside JSON text would not be
     * JSON). */
    char shown[sizeof snap->last_error * 4];
    text_escape(shown, sizeof shown, snap->last_error, NULL);
    if (snap->last_error[0])
        jsonw_string(&w, shown);
    else
        jsonw_null(&w);
    jsonw_key(&w, "counters");
    jsonw_object_begin(&w);
    jsonw_key(&w, "polls_ok");
    jsonw_uint(&w, snap->polls_ok);
    jsonw_key(&w, "polls_failed");
    jsonw_uint(&w, snap->polls_failed);
    jsonw_key(&w, "records");
    jsonw_uint(&w, snap->metrics);
    jsonw_key(&w, "rejected");
    jsonw_uint(&w, snap->rejected);
    jsonw_object_end(&w);
    jsonw_object_end(&w);
    int rc = -1;
    if (!w.oom && w.len < len) {
        memcpy(buf, w.buf, w.len);
        buf[w.len] = '\0';
        rc = (int)w.len;
    }
    jsonw_free(&w);
    return rc;
}
