/*
 * diag - a list of configuration errors, each "FILE:LINE: message".
 *
 * Configuration is checked completely before anything starts (nginx -t
 * style): every error found is collected here instead of stopping at the
 * first one, so one `iocd --check-config` run shows them all.
 */
#ifndef IOCD_DIAG_H
#define IOCD_DIAG_H

#include <stddef.h>

struct diag {
    char **lines;
    size_t count;
    size_t cap;
};

/* Add one error. `line` 0 means "the whole file" and prints FILE: only. */
void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Log every error at error level (who = "iocd") and return the count. */
size_t diag_log(const struct diag *d);
/* True if any line contains `needle` (for tests). */
int diag_contains(const struct diag *d, const char *needle);
void diag_free(struct diag *d);

#endif
