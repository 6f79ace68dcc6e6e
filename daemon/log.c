/*
 * log - see log.h. A line is formatted into one buffer and written with a
 * single write(2): stderr is unbuffered and shared by every connector
 * thread, and POSIX keeps one small write to a pipe or file atomic, so no
 * lock is needed and lines never interleave.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_threshold = LOG_LEVEL_INFO;
static bool log_to_journal;

void log_init(enum log_level threshold)
{
    /* systemd sets JOURNAL_STREAM when stderr is the journal; then the
     * "<N>" prefix gives each line its priority. */
    log_to_journal = getenv("JOURNAL_STREAM") != NULL;
    log_set_level(threshold);
}

void log_set_level(enum log_level threshold) { atomic_store(&log_threshold, threshold); }

bool log_enabled(enum log_level level) { return (int)level <= atomic_load(&log_threshold); }

int log_level_parse(const char *text, enum log_level *out, const char **reason)
{
    static const struct { const char *name; enum log_level level; } names[] = {
        {"error", LOG_LEVEL_ERROR},
        {"warning", LOG_LEVEL_WARNING},
        {"info", LOG_LEVEL_INFO},
        {"debug", LOG_LEVEL_DEBUG},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    if (reason)
        *reason = "use error, warning, info or debug";
    return -1;
}

static const char *log_level_name(enum log_level level)
{
    switch (level) {
    case LOG_LEVEL_ERROR: return "error";
    case LOG_LEVEL_WARNING: return "warning";
    case LOG_LEVEL_INFO: return "info";
    default: return "debug";
    }
}

void log_vmsg(enum log_level level, const char *who, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char line[4096];
    int n = 0;
    if (log_to_journal)
        n = snprintf(line, sizeof line, "<%d>", (int)level);
    n += snprintf(line + n, sizeof line - n, "%s: %s: ", log_level_name(level), who ? who : "iocd");
    int body = vsnprintf(line + n, sizeof line - n, fmt, ap);
    if (body < 0)
        body = 0;
    n += body;
    if ((size_t)n >= sizeof line - 1) {
        /* Over-long line: say so rather than cut silently. */
        static const char cut[] = " [...]";
        n = (int)(sizeof line - sizeof cut - 1);
        memcpy(line + n, cut, sizeof cut - 1);
        n += sizeof cut - 1;
    }
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)n);
    (void)ignored;
}

void log_msg(enum log_level level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, who, fmt, ap);
    va_end(ap);
}
