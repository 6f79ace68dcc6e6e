/*
 * origin - which servers a feed-supplied URL or a redirect may lead to.
 *
 * The design idea: an origin is one string, "scheme://host:port" in
 * lowercase with the default port written out, so "may this URL be
 * fetched?" is a string comparison against the configured URL's origin
 * and the instance's `allow_origins` list, and a refusal can name where
 * a link leads without its path or query string (which may carry keys).
 * Going from https to plain http is refused whatever the list says: the
 * list widens who may be trusted, never how the bytes travel.
 */
#ifndef IOCD_ORIGIN_H
#define IOCD_ORIGIN_H

#include <stddef.h>

/* "scheme://host:port" of an http(s) URL, lowercase, with the default
 * port filled in and any user:password@ left out; malloc'd, or NULL for
 * another scheme, an empty host, a bad port or no memory. */
char *origin_of(const char *url);

enum origin_verdict {
    ORIGIN_SAME,      /* the same origin as the configured URL's */
    ORIGIN_LISTED,    /* another origin, named by allow_origins */
    ORIGIN_FOREIGN,   /* another origin, not named */
    ORIGIN_DOWNGRADE, /* from https to http: refused even when named */
};

/* Judge `target` (an origin, from origin_of) against `home` (the
 * configured URL's origin) and `allow` (the allow_origins text: origins
 * separated by blanks or commas; NULL or "" = none). `https_seen` says
 * whether the chain that leads here used https anywhere (so http after
 * an allowed https hop is a downgrade too). Thread-safe. */
enum origin_verdict origin_judge(const char *home, const char *target, const char *allow,
                                 int https_seen);

/* Check an allow_origins value: each entry an http(s)://host[:port] with
 * nothing after it but an optional "/". Returns 0, or -1 with the reason
 * (naming the entry) in why. */
int origin_list_check(const char *allow, char *why, size_t whylen);

#endif
