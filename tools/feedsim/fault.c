/*
 * fault - names, kinds and parsing of the fault modes. A single table is
 * the truth for all three, so a new mode is one enum value and one row.
 */
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum fault_kind kind;
} fault_table[FAULT_MODE_COUNT] = {
    [FAULT_NONE] = {"none", FAULT_KIND_NONE},
    [FAULT_HTTP500] = {"http500", FAULT_KIND_STATUS},
    [FAULT_HTTP429] = {"http429", FAULT_KIND_STATUS},
    [FAULT_HTTP503] = {"http503", FAULT_KIND_STATUS},
    [FAULT_HTTP401] = {"http401", FAULT_KIND_STATUS},
    [FAULT_HTML] = {"html", FAULT_KIND_STATUS},
    [FAULT_SLOW] = {"slow", FAULT_KIND_TRANSPORT},
    [FAULT_STALL] = {"stall", FAULT_KIND_TRANSPORT},
    [FAULT_TRUNCATED] = {"truncated", FAULT_KIND_TRANSPORT},
    [FAULT_INVALID_JSON] = {"invalid-json", FAULT_KIND_TRANSPORT},
    [FAULT_HUGE] = {"huge", FAULT_KIND_TRANSPORT},
    [FAULT_WRONG_TYPE] = {"wrong-type", FAULT_KIND_DATA},
    [FAULT_MISSING_FIELD] = {"missing-field", FAULT_KIND_DATA},
    [FAULT_NULLS] = {"nulls", FAULT_KIND_DATA},
    [FAULT_OLD_CODES] = {"old-codes", FAULT_KIND_DATA},
    [FAULT_FAIL_PAGE] = {"fail-page", FAULT_KIND_STATUS},
    [FAULT_FORGED_TEXT] = {"forged-text", FAULT_KIND_DATA},
    /* A 200 with the data and a Retry-After, which means nothing on a
     * success: a client that obeys it stops polling. A data fault because
     * the body is built (and 304 works) as for any data fault. */
    [FAULT_RETRY_AFTER] = {"retry-after", FAULT_KIND_DATA},
    /* A 304 to any request, validators or not: what a broken cache or
     * proxy in front of a feed answers. A status fault: no body is built,
     * and the answer names no ETag the client could have sent. */
    [FAULT_NOT_MODIFIED] = {"not-modified", FAULT_KIND_STATUS},
};

const char *fault_name(enum fault_mode mode)
{
    return mode < FAULT_MODE_COUNT ? fault_table[mode].name : "?";
}

enum fault_kind fault_kind(enum fault_mode mode)
{
    return mode < FAULT_MODE_COUNT ? fault_table[mode].kind : FAULT_KIND_NONE;
}

int fault_from_name(const char *name, enum fault_mode *out)
{
    for (int m = 0; m < FAULT_MODE_COUNT; m++) {
        if (strcmp(fault_table[m].name, name) == 0) {
            *out = (enum fault_mode)m;
            return 0;
        }
    }
    return -1;
}

int fault_parse_count(const char *text, unsigned *out)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v > 1000000000UL)
        return -1;
    *out = (unsigned)v;
    return 0;
}

int fault_parse_spec(const char *spec, char *endpoint, size_t endpoint_len, enum fault_mode *mode,
                     unsigned *count, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        snprintf(err, errlen, "'%s': expected ENDPOINT=MODE[:COUNT]", spec);
        return -1;
    }
    size_t n = (size_t)(eq - spec);
    if (n >= endpoint_len) {
        snprintf(err, errlen, "'%s': endpoint name too long", spec);
        return -1;
    }
    memcpy(endpoint, spec, n);
    endpoint[n] = '\0';

    char name[32];
    const char *colon = strchr(eq + 1, ':');
    size_t len = colon ? (size_t)(colon - eq - 1) : strlen(eq + 1);
    if (len >= sizeof name) {
        snprintf(err, errlen, "'%s': unknown fault mode (known: %s)", spec, fault_names());
        return -1;
    }
    memcpy(name, eq + 1, len);
    name[len] = '\0';
    if (fault_from_name(name, mode) != 0) {
        snprintf(err, errlen, "'%s': unknown fault mode '%s' (known: %s)", spec, name,
                 fault_names());
        return -1;
    }
    *count = 0;
    if (colon && fault_parse_count(colon + 1, count) != 0) {
        snprintf(err, errlen, "'%s': COUNT must be a number >= 0", spec);
        return -1;
    }
    return 0;
}

/* Joined once from the table, so the list can never disagree with it. */
static char fault_names_buf[256];
static pthread_once_t fault_names_once = PTHREAD_ONCE_INIT;

static void fault_names_build(void)
{
    size_t used = 0;
    for (int m = 0; m < FAULT_MODE_COUNT && used < sizeof fault_names_buf; m++)
        used += (size_t)snprintf(fault_names_buf + used, sizeof fault_names_buf - used, "%s%s",
                                 m ? ", " : "", fault_table[m].name);
}

const char *fault_names(void)
{
    pthread_once(&fault_names_once, fault_names_build);
    return fault_names_buf;
}
