/* origin - see origin.h. */
#include "origin.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ORIGIN_LIST_SEPARATORS " \t,"

/* Read with curl's own URL parser, so the origin judged is the server
 * curl would connect to (no disagreement over "a@b@host" or odd ports). */
char *origin_of(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) && host[0]) {
        long number = strtol(port, NULL, 10);
        if (number >= 1 && number <= 65535 && asprintf(&out, "%s://%s:%ld", scheme, host,
                                                       number) < 0)
            out = NULL;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    for (char *c = out; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

static bool origin_is_https(const char *origin) { return strncmp(origin, "https:", 6) == 0; }

/* The next entry of an allow-list into `entry` (NUL-terminated); its
 * length, 0 at the end, or `size` or more when it does not fit (then
 * `entry` is not filled). *p moves past it. */
static size_t origin_next_entry(const char **p, char *entry, size_t size)
{
    *p += strspn(*p, ORIGIN_LIST_SEPARATORS);
    size_t n = strcspn(*p, ORIGIN_LIST_SEPARATORS);
    if (n < size) {
        memcpy(entry, *p, n);
        entry[n] = '\0';
    }
    *p += n;
    return n;
}

/* True when `allow` names `target`. */
static bool origin_listed(const char *target, const char *allow)
{
    char entry[512];
    size_t n;
    for (const char *p = allow ? allow : ""; (n = origin_next_entry(&p, entry, sizeof entry));) {
        if (n >= sizeof entry)
            continue;
        char *o = origin_of(entry);
        bool match = o && strcmp(o, target) == 0;
        free(o);
        if (match)
            return true;
    }
    return false;
}

enum origin_verdict origin_judge(const char *home, const char *target, const char *allow,
                                 int https_seen)
{
    if ((https_seen || origin_is_https(home)) && !origin_is_https(target))
        return ORIGIN_DOWNGRADE;
    if (strcmp(home, target) == 0)
        return ORIGIN_SAME;
    return origin_listed(target, allow) ? ORIGIN_LISTED : ORIGIN_FOREIGN;
}

int origin_list_check(const char *allow, char *why, size_t whylen)
{
    char entry[512];
    size_t n;
    for (const char *p = allow ? allow : ""; (n = origin_next_entry(&p, entry, sizeof entry));) {
        if (n >= sizeof entry) {
            snprintf(why, whylen, "an entry is longer than %zu characters", sizeof entry - 1);
            return -1;
        }
        char *o = origin_of(entry);
        const char *after = strstr(entry, "://");
        after = after ? after + 3 + strcspn(after + 3, "/?#") : entry;
        bool bare = strcmp(after, "") == 0 || strcmp(after, "/") == 0;
        bool userinfo = strchr(entry, '@') != NULL;
        free(o);
        if (!o || !bare || userinfo) {
            /* Only the part before any path is shown: a pasted URL may
             * carry a key in its query string. */
            const char *cut = strstr(entry, "://");
            int shown = !cut ? (int)n
                        : userinfo ? (int)(cut + 3 - entry)
                                   : (int)(cut + 3 + strcspn(cut + 3, "/?#") - entry);
            snprintf(why, whylen, "'%.*s%s': %s", shown > 200 ? 200 : shown, entry,
                     shown < (int)n ? "..." : "",
                     !o ? "not an http:// or https:// origin with a host and a valid port"
                     : userinfo ? "an origin has no user or password"
                                : "an origin is scheme://host[:port], without a path or query");
            return -1;
        }
    }
    return 0;
}
