/* freshness - see freshness.h. */
#include "freshness.h"

#include "timeparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 3339 UTC, or JSON null for 0 (never). Quoted when a time. */
static void fresh_time(char *buf, size_t len, int64_t ms)
{
    char t[40];
    if (ms <= 0 || timeparse_format(ms, 0, t, sizeof t) < 0)
        snprintf(buf, len, "null");
    else
        snprintf(buf, len, "\"%s\"", t);
}

struct metric *fresh_marked(const struct metric *last, bool old_data, int64_t since_wall_ms,
                            int64_t data_ms, int64_t now_wall_ms)
{
    if (last->json_len < 2 || last->json[last->json_len - 1] != '}')
        return NULL; /* not a record: nothing to mark */
    char since[48], tail[160];
    fresh_time(since, sizeof since, since_wall_ms);
    int64_t age_s = (now_wall_ms - data_ms) / 1000;
    int n = snprintf(tail, sizeof tail, ",\"stale\":{\"since\":%s,\"reason\":\"%s\",\"age_s\":%" PRId64 "}}",
                     since, old_data ? "old_data" : "not_seen", age_s < 0 ? 0 : age_s);
    size_t body = last->json_len - 1, len = body + (size_t)n;
    char *json = malloc(len);
    if (!json)
        return NULL;
    memcpy(json, last->json, body);
    memcpy(json + body, tail, (size_t)n);
    struct metric *m = metric_like(last, json, len);
    free(json);
    if (m)
        m->kind = METRIC_SCREEN;
    return m;
}

struct metric *fresh_summary(const char *topic_prefix, const char *province, const char *source,
                             int64_t last_success_ms, long series, long stale, long breach,
                             int64_t now_wall_ms)
{
    char key[160], json[400], success[48], ts[48];
    fresh_time(success, sizeof success, last_success_ms);
    fresh_time(ts, sizeof ts, now_wall_ms);
    /* Source names are checked identifiers (instconf.c: [a-z0-9_-]): no
     * character of theirs needs escaping. */
    snprintf(key, sizeof key, "_summary/%s", source);
    int n = snprintf(json, sizeof json,
                     "{\"schema\":\"ioc.summary/1\",\"source\":\"%s\",\"last_success\":%s,"
                     "\"series\":%ld,\"stale\":%ld,\"breach\":%ld,\"ts\":%s}",
                     source, success, series, stale, breach, ts);
    if (n < 0 || (size_t)n >= sizeof json)
        return NULL;
    struct metric *m = metric_new(topic_prefix, province, key, json, (size_t)n, 0);
    if (m)
        m->kind = METRIC_SCREEN;
    return m;
}
