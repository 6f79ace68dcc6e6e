/*
 * log - the daemon's log lines on stderr: "LEVEL: WHO: message".
 *
 * WHO is "iocd" for the daemon itself or a connector instance's name, so
 * `journalctl -u iocd@ioffice` and a terminal both read well. When stderr
 * is connected to the journal (systemd sets JOURNAL_STREAM to stderr's
 * "DEVICE:INODE"), every line starts with a "<N>" syslog priority so
 * journald records the level, and the journal adds the time. Anywhere
 * else (a terminal, a file, a pipe) every line starts with its local time,
 * ISO 8601 with milliseconds and the UTC offset:
 * "2026-12-02T14:05:09.123+07:00 info: iocd: ...".
 * Thread-safe: one write(2) per line, so lines never interleave.
 */
#ifndef IOCD_LOG_H
#define IOCD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The values are syslog priorities (the journal's "<N>" prefix); the names
 * are our own so that <syslog.h> can be included beside this header. */
enum log_level {
    LOG_LEVEL_ERROR = 3,
    LOG_LEVEL_WARNING = 4,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7,
};

/* Decide once whether to prefix priorities (journal) and the threshold. */
void log_init(enum log_level threshold);
void log_set_level(enum log_level threshold);
/* True when `journal_stream` (JOURNAL_STREAM's value) names the device and
 * inode of `fd`: systemd's documented test that fd is the journal. */
bool log_stream_is_journal(const char *journal_stream, int fd);
/* The current local time as "2026-12-02T14:05:09.123+07:00" into buf
 * (at least 32 bytes); returns its length (0 if len is too small). */
size_t log_timestamp(char *buf, size_t len);
bool log_enabled(enum log_level level);

/* Parse "error", "warning", "info", "debug". Returns 0, or -1 with
 * *reason (may be NULL). */
int log_level_parse(const char *text, enum log_level *out, const char **reason);

void log_msg(enum log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *who, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, "iocd", __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARNING, "iocd", __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, "iocd", __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, "iocd", __VA_ARGS__)

#endif
