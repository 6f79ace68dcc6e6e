/*
 * timeparse - the timestamp formats feeds send, and the one we publish.
 *
 * Accepted: RFC 3339 with an explicit offset ("2025-08-01T00:05:00+07:00",
 * "2025-08-01T00:05:00.250Z"; 't' and 'z' in lower case too, and a space
 * instead of 'T' as RFC 3339 section 5.6 allows; fractions of 1..9 digits,
 * truncated to milliseconds) and the
 * national public-service portal's compact local time "yyyyMMddHHmmss"
 * ("20250715083000"), which carries no zone and is read in a caller-given
 * offset (+07:00 for Vietnam). Anything ambiguous - RFC 3339 without an
 * offset, out-of-range fields, Feb 30 - is refused with a reason, never
 * guessed. Published: RFC 3339 in a fixed offset, so screens never see an
 * ambiguous local time. Pure functions, no locale, no TZ, thread-safe.
 */
#ifndef IOCD_TIMEPARSE_H
#define IOCD_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse `text`. On success returns 0 and sets *epoch_ms (milliseconds
 * since 1970-01-01T00:00:00Z). On failure returns -1 and sets *reason to a
 * static English phrase naming the field, such as "month out of range
 * (01..12)" or "no UTC offset (RFC 3339 needs Z or +hh:mm)"; log it with the
 * text. `reason` may be NULL. `compact_offset_min` is the offset in
 * minutes east of UTC used for the yyyyMMddHHmmss form (420 for +07:00).
 * Leap seconds (":60") are refused. Years 1970..9999 only. */
int timeparse_parse(const char *text, int compact_offset_min, int64_t *epoch_ms,
                    const char **reason);

/* RFC 3339 only (no compact form), also giving the offset the time was
 * written in, in minutes east of UTC (0 for "Z"). 0, or -1 with *reason
 * (may be NULL) and the outputs untouched; either output may be NULL.
 * For the SDK's ioc_time_parse. */
int timeparse_rfc3339_zoned(const char *text, int64_t *epoch_ms, int *offset_min,
                            const char **reason);

/* Format `epoch_ms` as RFC 3339 in the given offset, e.g.
 * "2025-08-01T00:05:00+07:00" ("Z" when offset is 0); milliseconds are
 * printed (".250") only when non-zero. Returns the length written, or -1
 * when `len` is too small (32 bytes always suffice), the offset is 24 hours
 * or more, or the local year falls outside 0000..9999. */
int timeparse_format(int64_t epoch_ms, int offset_min, char *buf, size_t len);

/* Parse a calendar date "YYYY-MM-DD" (years 1970..9999). Returns 0 and sets
 * *days (days since 1970-01-01) or -1 with *reason. */
int timeparse_date(const char *text, int64_t *days, const char **reason);

/* Parse an offset "+07:00", "-03:30" or "Z" ("z") into minutes east of UTC
 * (hours 00..23, minutes 00..59). Returns 0, or -1 with *reason (may be
 * NULL) leaving *offset_min untouched (for config values such as
 * `timezone = +07:00`). */
int timeparse_offset(const char *text, int *offset_min, const char **reason);

#endif
