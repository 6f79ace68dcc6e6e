/*
 * diag - a list of configuration errors, each "FILE:LINE: message".
 *
 * Configuration is checked completely before anything starts (nginx -t
 * style): every error found is collected here instead of stopping at the
 * first one, so one `iocd --check-config` run shows them all. Warnings
 * (a secret readable by others, TLS checks turned off) sit in a list of
 * their own: they are shown the same way but never fail the check, so
 * `count` stays the number of errors everywhere it is compared.
 */
#ifndef IOCD_DIAG_H
#define IOCD_DIAG_H

#include <stddef.h>

struct diag {
    char **lines;
    size_t count;
    size_t cap;
    char **warnings;
    size_t warning_count;
    size_t warning_cap;
};

/* Add one error. `line` 0 means "the whole file" and prints FILE: only. */
void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Add one warning, "FILE:LINE: warning: message": shown like an error,
 * but not counted as one. */
void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Log every warning at warning level and every error at error level
 * (who = "iocd"); return the count of errors. */
size_t diag_log(const struct diag *d);
/* True if any error contains `needle` (for tests). */
int diag_contains(const struct diag *d, const char *needle);
/* True if any warning contains `needle` (for tests). */
int diag_warned(const struct diag *d, const char *needle);
void diag_free(struct diag *d);

#endif
