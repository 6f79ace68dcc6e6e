/*
 * confval - parsing and checking of single configuration values.
 *
 * One place knows what "30s", "10MiB", "yes" and a URL look like, so the
 * daemon's own keys and every connector's keys (typed by
 * enum ioc_config_type) are checked by the same rules, with the same error
 * wording, and a key's min/max bounds are compared in the same units its
 * value is parsed in. Also the "did you mean" helper for misspelt keys. Pure
 * functions, thread-safe.
 */
#ifndef IOCD_CONFVAL_H
#define IOCD_CONFVAL_H

#include "ioc/connector.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each returns 0 on success, or -1 and a static reason phrase. */
int confval_bool(const char *text, bool *out, const char **reason);
int confval_int(const char *text, int64_t *out, const char **reason);
/* "250ms", "30s", "5m", "2h", "1d"; bare number = seconds. >= 0. */
int confval_duration_ms(const char *text, int64_t *out, const char **reason);
/* "512", "64k", "10MiB", "1G": k/M/G (with optional "i"/"iB"/"B") are
 * 1024-based. */
int confval_size(const char *text, uint64_t *out, const char **reason);
/* http:// or https:// with a host, no spaces, no "user:pass@". */
int confval_url(const char *text, const char **reason);
/* `text` with any "user:pass@" of a URL shown as "***@", into buf, for
 * messages about a refused URL. Returns buf. */
const char *confval_url_redacted(const char *text, char *buf, size_t len);

/* Check `text` as a value of `type`. */
int confval_check(enum ioc_config_type type, const char *text, const char **reason);

/* Check `text` as a value of key `k`: its type, then its bounds (k->min,
 * k->max). 0, or -1 with the reason written to `why` (e.g. "must be at
 * least 1s"), ready to follow "'key' = 'value': ". */
int confval_check_key(const struct ioc_config_key *k, const char *text, char *why, size_t len);

/* Check the bounds a table declares for `k` (a plugin bug if wrong): only
 * int, duration and size keys take bounds; each must parse as the key's
 * type, min <= max, and the default must lie within them. 0, or -1 with
 * the reason in `why`. */
int confval_check_bounds(const struct ioc_config_key *k, char *why, size_t len);

/* The key's bounds for humans, "min 1, max 10000", "min 1s" or "max 100",
 * into buf; "" when unbounded. Returns buf. */
const char *confval_bounds_text(const struct ioc_config_key *k, char *buf, size_t len);

/* "string", "int", "bool", "duration", "size", "url", "secret". */
const char *confval_type_name(enum ioc_config_type type);

/* The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be a plausible typo (distance > 1/3 of the length, min 2). */
const char *confval_closest(const char *word, const char *const *candidates, size_t count);

/* Levenshtein distance, capped: returns at most `cap + 1`. */
size_t confval_distance(const char *a, const char *b, size_t cap);

#endif
