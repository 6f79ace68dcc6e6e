/* diag - see diag.h. */
#include "diag.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    char *text = NULL;
    int n = line > 0 ? asprintf(&text, "%s:%d: %s", file, line, msg)
                     : asprintf(&text, "%s: %s", file, msg);
    if (n < 0)
        return; /* out of memory: nothing sensible left to report */
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        char **grown = realloc(d->lines, cap * sizeof *grown);
        if (!grown) {
            free(text);
            return;
        }
        d->lines = grown;
        d->cap = cap;
    }
    d->lines[d->count++] = text;
}

size_t diag_log(const struct diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        log_error("%s", d->lines[i]);
    return d->count;
}

int diag_contains(const struct diag *d, const char *needle)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->lines[i], needle))
            return 1;
    return 0;
}

void diag_free(struct diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->lines[i]);
    free(d->lines);
    d->lines = NULL;
    d->count = d->cap = 0;
}
