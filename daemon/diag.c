/* diag - see diag.h. */
#include "diag.h"

#include "log.h"
#include "textsafe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append "FILE:LINE: TAGmessage" to one of the two lists. */
static void diag_append(char ***lines, size_t *count, size_t *cap, const char *tag,
                        const char *file, int line, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);

    char *raw = NULL;
    int n = line > 0 ? asprintf(&raw, "%s:%d: %s%s", file, line, tag, msg)
                     : asprintf(&raw, "%s: %s%s", file, tag, msg);
    if (n < 0)
        return; /* out of memory: nothing sensible left to report */
    /* Escaped once, here, so that --check-config's stderr and the journal
     * (log.c escapes too; a backslash passes unchanged, so nothing is
     * escaped twice) both show a stray control byte of a file or value as
     * \xNN rather than echo raw binary to a terminal. */
    size_t size = 4 * (size_t)n + 1;
    char *text = malloc(size);
    if (text)
        text_escape(text, size, raw, NULL);
    free(raw);
    if (!text)
        return;
    if (*count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 8;
        char **grown = realloc(*lines, grown_cap * sizeof *grown);
        if (!grown) {
            free(text);
            return;
        }
        *lines = grown;
        *cap = grown_cap;
    }
    (*lines)[(*count)++] = text;
}

void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_append(&d->lines, &d->count, &d->cap, "", file, line, fmt, ap);
    va_end(ap);
}

void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_append(&d->warnings, &d->warning_count, &d->warning_cap, "warning: ", file, line, fmt, ap);
    va_end(ap);
}

size_t diag_log(const struct diag *d)
{
    /* The log line's level already says "warning": drop the tag that the
     * --check-config output needs, so the line does not say it twice. */
    static const char tag[] = ": warning: ";
    for (size_t i = 0; i < d->warning_count; i++) {
        const char *w = d->warnings[i], *t = strstr(w, tag);
        if (t)
            log_warn("%.*s: %s", (int)(t - w), w, t + sizeof tag - 1);
        else
            log_warn("%s", w);
    }
    for (size_t i = 0; i < d->count; i++)
        log_error("%s", d->lines[i]);
    return d->count;
}

static int diag_any(char *const *lines, size_t count, const char *needle)
{
    for (size_t i = 0; i < count; i++)
        if (strstr(lines[i], needle))
            return 1;
    return 0;
}

int diag_contains(const struct diag *d, const char *needle)
{
    return diag_any(d->lines, d->count, needle);
}

int diag_warned(const struct diag *d, const char *needle)
{
    return diag_any(d->warnings, d->warning_count, needle);
}

void diag_free(struct diag *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->lines[i]);
    for (size_t i = 0; i < d->warning_count; i++)
        free(d->warnings[i]);
    free(d->lines);
    free(d->warnings);
    d->lines = d->warnings = NULL;
    d->count = d->cap = d->warning_count = d->warning_cap = 0;
}
