/* confval - see confval.h. */
#include "confval.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int confval_bool(const char *text, bool *out, const char **reason)
{
    static const char *yes[] = {"true", "yes", "on", "1"};
    static const char *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0)
            return *out = true, 0;
        if (strcasecmp(text, no[i]) == 0)
            return *out = false, 0;
    }
    *reason = "not a boolean (use true/false, yes/no, on/off or 1/0)";
    return -1;
}

int confval_int(const char *text, int64_t *out, const char **reason)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || isspace((unsigned char)*text)) {
        *reason = "not an integer";
        return -1;
    }
    if (errno == ERANGE) {
        *reason = "integer out of range";
        return -1;
    }
    *out = v;
    return 0;
}

/* Split "<digits>[.<digits>]<unit>" into a number and a unit suffix. */
static int confval_number_unit(const char *text, double *number, const char **unit)
{
    /* Only <digits>[.<digits>]: strtod would also take hex and exponents. */
    const char *p = text;
    if (!isdigit((unsigned char)*p))
        return -1;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return -1;
        for (p++; isdigit((unsigned char)*p);)
            p++;
    }
    if (*p == 'x' || *p == 'X' || ((*p == 'e' || *p == 'E') && isdigit((unsigned char)p[1])))
        return -1;
    char *end;
    errno = 0;
    *number = strtod(text, &end);
    if (errno == ERANGE || end == text)
        return -1;
    while (*end == ' ')
        end++;
    *unit = end;
    return 0;
}

int confval_duration_ms(const char *text, int64_t *out, const char **reason)
{
    static const struct { const char *suffix; double ms; } units[] = {
        {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000}, {"h", 3600000},
        {"d", 86400000},
    };
    double n;
    const char *unit;
    if (confval_number_unit(text, &n, &unit) == 0)
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(unit, units[i].suffix) == 0) {
                double ms = n * units[i].ms;
                if (ms > 365.0 * 86400000) {
                    *reason = "duration longer than a year";
                    return -1;
                }
                *out = (int64_t)(ms + 0.5);
                return 0;
            }
    *reason = "not a duration (examples: 250ms, 30s, 5m, 2h; a bare number is seconds)";
    return -1;
}

int confval_size(const char *text, uint64_t *out, const char **reason)
{
    static const struct { const char *suffix; double bytes; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1024.0}, {"kb", 1024.0}, {"kib", 1024.0},
        {"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0},
        {"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0},
    };
    double n;
    const char *unit;
    if (confval_number_unit(text, &n, &unit) == 0)
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcasecmp(unit, units[i].suffix) == 0) {
                double bytes = n * units[i].bytes;
                if (bytes > 1099511627776.0) {
                    *reason = "size larger than 1 TiB";
                    return -1;
                }
                *out = (uint64_t)(bytes + 0.5);
                return 0;
            }
    *reason = "not a size (examples: 4096, 64k, 10MiB, 1G)";
    return -1;
}

int confval_url(const char *text, const char **reason)
{
    const char *rest = NULL;
    if (strncasecmp(text, "http://", 7) == 0)
        rest = text + 7;
    else if (strncasecmp(text, "https://", 8) == 0)
        rest = text + 8;
    if (!rest) {
        *reason = "not an http:// or https:// URL";
        return -1;
    }
    /* The host runs to the first '/', '?' or '#', after any "user@". */
    size_t authority = strcspn(rest, "/?#");
    const char *at = memchr(rest, '@', authority);
    const char *host = at ? at + 1 : rest;
    size_t host_len = authority - (size_t)(host - rest);
    if (host_len == 0 || *host == ':') {
        *reason = "URL has no host";
        return -1;
    }
    /* Whatever prints a URL (a log line, the status topic, STATUS=) would
     * print these credentials too. */
    if (at) {
        *reason = "credentials in a URL (user:pass@) are refused: they would be shown wherever "
                  "the URL is; give them as secret keys instead (e.g. auth = basic, username, "
                  "password_file)";
        return -1;
    }
    for (const char *p = text; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            *reason = "URL contains a space or control character (percent-encode it)";
            return -1;
        }
    return 0;
}

const char *confval_url_redacted(const char *text, char *buf, size_t len)
{
    size_t scheme = strncasecmp(text, "https://", 8) == 0 ? 8
                  : strncasecmp(text, "http://", 7) == 0  ? 7
                                                          : 0;
    const char *rest = text + scheme;
    const char *at = scheme ? memchr(rest, '@', strcspn(rest, "/?#")) : NULL;
    if (at)
        snprintf(buf, len, "%.*s***%s", (int)scheme, text, at);
    else
        snprintf(buf, len, "%s", text);
    return buf;
}

int confval_check(enum ioc_config_type type, const char *text, const char **reason)
{
    bool b;
    int64_t i;
    uint64_t u;
    switch (type) {
    case IOC_CFG_STRING:
    case IOC_CFG_SECRET:
        return 0;
    case IOC_CFG_INT:
        return confval_int(text, &i, reason);
    case IOC_CFG_BOOL:
        return confval_bool(text, &b, reason);
    case IOC_CFG_DURATION:
        return confval_duration_ms(text, &i, reason);
    case IOC_CFG_SIZE:
        return confval_size(text, &u, reason);
    case IOC_CFG_URL:
        return confval_url(text, reason);
    }
    *reason = "unknown type";
    return -1;
}

/* Bounds compare numbers: the integer, the milliseconds or the bytes
 * (at most 1 TiB, so a size fits an int64_t too). */
static bool confval_bounded_type(enum ioc_config_type type)
{
    return type == IOC_CFG_INT || type == IOC_CFG_DURATION || type == IOC_CFG_SIZE;
}

static int confval_number(enum ioc_config_type type, const char *text, int64_t *out,
                          const char **reason)
{
    uint64_t u;
    switch (type) {
    case IOC_CFG_INT:
        return confval_int(text, out, reason);
    case IOC_CFG_DURATION:
        return confval_duration_ms(text, out, reason);
    case IOC_CFG_SIZE:
        if (confval_size(text, &u, reason) < 0)
            return -1;
        *out = (int64_t)u;
        return 0;
    default:
        *reason = "has no bounds";
        return -1;
    }
}

int confval_check_key(const struct ioc_config_key *k, const char *text, char *why, size_t len)
{
    const char *reason;
    int64_t v, lo, hi;
    if (confval_check(k->type, text, &reason) < 0) {
        snprintf(why, len, "%s", reason);
        return -1;
    }
    if (!confval_bounded_type(k->type) || confval_number(k->type, text, &v, &reason) < 0)
        return 0;
    /* A bound that does not parse was refused when the plugin was loaded. */
    bool below = k->min && confval_number(k->type, k->min, &lo, &reason) == 0 && v < lo;
    bool above = k->max && confval_number(k->type, k->max, &hi, &reason) == 0 && v > hi;
    if (!below && !above)
        return 0;
    if (k->min && k->max)
        snprintf(why, len, "must be between %s and %s", k->min, k->max);
    else if (below)
        snprintf(why, len, "must be at least %s", k->min);
    else
        snprintf(why, len, "must be at most %s", k->max);
    return -1;
}

int confval_check_bounds(const struct ioc_config_key *k, char *why, size_t len)
{
    const char *reason;
    int64_t lo, hi;
    if (!k->min && !k->max)
        return 0;
    if (!confval_bounded_type(k->type)) {
        snprintf(why, len, "min/max are for int, duration and size keys, not %s",
                 confval_type_name(k->type));
        return -1;
    }
    if (k->min && confval_number(k->type, k->min, &lo, &reason) < 0) {
        snprintf(why, len, "min '%s': %s", k->min, reason);
        return -1;
    }
    if (k->max && confval_number(k->type, k->max, &hi, &reason) < 0) {
        snprintf(why, len, "max '%s': %s", k->max, reason);
        return -1;
    }
    if (k->min && k->max && lo > hi) {
        snprintf(why, len, "min '%s' is above max '%s'", k->min, k->max);
        return -1;
    }
    char inner[200];
    if (k->default_value && confval_check_key(k, k->default_value, inner, sizeof inner) < 0) {
        snprintf(why, len, "default '%s' %s", k->default_value, inner);
        return -1;
    }
    return 0;
}

const char *confval_bounds_text(const struct ioc_config_key *k, char *buf, size_t len)
{
    if (k->min && k->max)
        snprintf(buf, len, "min %s, max %s", k->min, k->max);
    else if (k->min)
        snprintf(buf, len, "min %s", k->min);
    else if (k->max)
        snprintf(buf, len, "max %s", k->max);
    else if (len)
        buf[0] = '\0';
    return buf;
}

const char *confval_type_name(enum ioc_config_type type)
{
    switch (type) {
    case IOC_CFG_STRING: return "string";
    case IOC_CFG_INT: return "int";
    case IOC_CFG_BOOL: return "bool";
    case IOC_CFG_DURATION: return "duration";
    case IOC_CFG_SIZE: return "size";
    case IOC_CFG_URL: return "url";
    case IOC_CFG_SECRET: return "secret";
    }
    return "?";
}

size_t confval_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return cap + 1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = diag + (a[i - 1] != b[j - 1]);
            size_t v = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = cost < v ? cost : v;
            diag = up;
            if (row[j] < best)
                best = row[j];
        }
        if (best > cap)
            return cap + 1;
    }
    return row[lb] > cap ? cap + 1 : row[lb];
}

const char *confval_closest(const char *word, const char *const *candidates, size_t count)
{
    size_t len = strlen(word);
    size_t cap = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_distance = cap + 1;
    for (size_t i = 0; i < count; i++) {
        size_t dist = confval_distance(word, candidates[i], cap);
        /* A candidate that starts with the word ("time" -> "timeout") is a
         * plausible mistake too. */
        if (dist > cap && strncmp(candidates[i], word, len) == 0 && len >= 3)
            dist = cap;
        if (dist < best_distance) {
            best = candidates[i];
            best_distance = dist;
        }
    }
    return best;
}
