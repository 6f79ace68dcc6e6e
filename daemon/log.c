/*
 * log - see log.h. A line is formatted into one buffer and written with a
 * single write(2): stderr is unbuffered and shared by every connector
 * thread, and POSIX keeps one small write to a pipe or file atomic, so no
 * lock is needed and lines never interleave. The text goes through
 * text_escape (textsafe.h), so one call always makes exactly one line.
 * Whether stderr is the journal is decided once, at log_init, the way
 * systemd documents it (JOURNAL_STREAM names stderr's device and inode).
 */
#include "log.h"

#include "textsafe.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_threshold = LOG_LEVEL_INFO;
static bool log_to_journal;

bool log_stream_is_journal(const char *journal_stream, int fd)
{
    /* systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream it
     * connected; a child whose stderr was redirected inherits the variable
     * but not the stream, so the numbers must match stderr's own. */
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!journal_stream || sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2)
        return false;
    return fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_level threshold)
{
    /* Under journald the "<N>" prefix gives each line its priority and
     * the journal stamps the time; elsewhere the line carries its time. */
    log_to_journal = log_stream_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO);
    log_set_level(threshold);
}

size_t log_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!localtime_r(&ts.tv_sec, &tm) || len < 32)
        return 0;
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff / 60;
    int w = snprintf(buf + n, len - n, ".%03ld%c%02ld:%02ld", ts.tv_nsec / 1000000,
                     off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
    return w < 0 ? n : n + (size_t)w;
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
    /* Format first, then escape the whole text (who included) into the
     * line: whatever a caller passed, a control byte can neither end the
     * line early nor start a new journal entry with its own "<N>". */
    char raw[4096];
    int r = snprintf(raw, sizeof raw, "%s: %s: ", log_level_name(level), who ? who : "iocd");
    if (r < 0 || (size_t)r >= sizeof raw) /* an absurdly long name: keep it, cut */
        r = r < 0 ? 0 : (int)sizeof raw - 1;
    if (vsnprintf(raw + r, sizeof raw - (size_t)r, fmt, ap) < 0)
        raw[r] = '\0';
    char line[4096];
    size_t n = 0;
    if (log_to_journal) {
        n = (size_t)snprintf(line, sizeof line, "<%d>", (int)level);
    } else {
        n = log_timestamp(line, 64);
        line[n++] = ' ';
    }
    /* One byte less than the rest of line: the newline takes the place of
     * the NUL, and a raw text vsnprintf cut (4095 bytes) never fits, so
     * it is always cut here too, before its possibly split last character. */
    bool cut;
    size_t body = text_escape(line + n, sizeof line - n - 1, raw, &cut);
    if (cut) {
        /* Over-long line: say so rather than cut silently, and cut at a
         * whole escape or character (text_escape never splits one). */
        static const char mark[] = " [...]";
        body = text_escape(line + n, sizeof line - n - 1 - (sizeof mark - 1), raw, NULL);
        memcpy(line + n + body, mark, sizeof mark - 1);
        body += sizeof mark - 1;
    }
    n += body;
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}

void log_msg(enum log_level level, const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, who, fmt, ap);
    va_end(ap);
}
