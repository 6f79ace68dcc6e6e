/*
 * control - the /_control endpoint: validate every argument, then apply
 * them to one endpoint.
 */
#include "control.h"

#include "reply.h"

#include <stdio.h>
#include <string.h>

static const char *control_arg(struct MHD_Connection *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static struct MHD_Response *control_fail(unsigned *status, unsigned code, const char *message)
{
    *status = code;
    return reply_error(code == MHD_HTTP_NOT_FOUND            ? "not_found"
                       : code == MHD_HTTP_METHOD_NOT_ALLOWED ? "method_not_allowed"
                                                             : "bad_request",
                       message);
}

static int control_bool(const char *text, bool *out)
{
    if (strcmp(text, "1") == 0 || strcmp(text, "true") == 0)
        *out = true;
    else if (strcmp(text, "0") == 0 || strcmp(text, "false") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

static struct endpoint *control_find(struct endpoint *endpoints, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(endpoints[i].feed->name, name) == 0)
            return &endpoints[i];
    return NULL;
}

/* Check and apply a POST's fault/count/freeze. NULL when all went well. */
static const char *control_apply(struct endpoint *e, struct MHD_Connection *conn)
{
    const char *fault = control_arg(conn, "fault");
    const char *count = control_arg(conn, "count");
    const char *freeze = control_arg(conn, "freeze");
    enum fault_mode mode = FAULT_NONE;
    unsigned n = 0;
    bool frozen = false;

    if (!fault && !freeze)
        return "nothing to do: give fault=MODE[&count=N] and/or freeze=1|0";
    if (fault && fault_from_name(fault, &mode) != 0)
        return "unknown fault mode";
    if (count && (!fault || fault_parse_count(count, &n) != 0))
        return "count must be a number >= 0, given with fault=";
    if (freeze && control_bool(freeze, &frozen) != 0)
        return "freeze must be 1 or 0";
    if (fault)
        endpoint_set_fault(e, mode, n);
    if (freeze)
        endpoint_set_frozen(e, frozen);
    return NULL;
}

struct MHD_Response *control_handle(struct endpoint *endpoints, size_t count,
                                    struct MHD_Connection *conn, const char *method,
                                    unsigned *status)
{
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return control_fail(status, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET or POST");
    const char *name = control_arg(conn, "endpoint");
    if (!name)
        return control_fail(status, MHD_HTTP_BAD_REQUEST, "endpoint=NAME is required");
    struct endpoint *e = control_find(endpoints, count, name);
    if (!e)
        return control_fail(status, MHD_HTTP_NOT_FOUND, "no such endpoint");
    if (post) {
        const char *problem = control_apply(e, conn);
        if (problem)
            return control_fail(status, MHD_HTTP_BAD_REQUEST, problem);
    }
    json_t *state = endpoint_state_json(e);
    *status = MHD_HTTP_OK;
    struct MHD_Response *r = reply_json(state);
    json_decref(state);
    return r;
}
