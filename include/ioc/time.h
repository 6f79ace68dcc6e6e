/*
 * ioc/time.h - read a feed's RFC 3339 timestamp the way the daemon does,
 * and write one the way it publishes them.
 *
 * The daemon judges ioc_record.ts with one strict parser; a connector that
 * needs the time itself (to compare it with a watermark, to bucket by day,
 * to check a deadline) calls the same parser here instead of writing its
 * own, so a time the connector accepts is a time ioc_emit() accepts.
 *
 * The design idea: refuse, never guess. An RFC 3339 time without an
 * offset, Feb 30, hour 24 or a leap second is an error with a reason, not
 * a best effort. No libc time functions, no TZ, no locale.
 */
#ifndef IOC_TIME_H
#define IOC_TIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parse an RFC 3339 time with an explicit offset:
 *   "2025-08-01T00:05:00+07:00", "2025-08-01T00:05:00.250Z",
 *   "2025-08-01 00:05:00-03:30" (a space for 'T', RFC 3339 section 5.6),
 *   "2025-08-01t00:05:00z" (lower case 't' and 'z');
 * a fraction of 1..9 digits is truncated to milliseconds; years
 * 1970..9999; offsets within +/-23:59. Refused: no offset, out-of-range
 * fields (month 13, Feb 30, 24:00), a leap second (":60"), trailing text,
 * and the portal's compact "yyyyMMddHHmmss" (it carries no zone: hand it
 * to ioc_emit() as is, which reads it in the province's offset).
 *
 * On success returns 0 and sets *epoch_ms (milliseconds since
 * 1970-01-01T00:00:00Z) and *offset_min (the offset it was written in,
 * minutes east of UTC: 420 for "+07:00", 0 for "Z"). On failure returns -1,
 * leaves both untouched and sets *reason to a static English phrase such
 * as "month out of range (01..12)" (log it with the text). Any of
 * epoch_ms, offset_min and reason may be NULL. Pure; thread-safe; may be
 * called from check, init and poll. */
int ioc_time_parse(const char *text, int64_t *epoch_ms, int *offset_min, const char **reason);

/* Write `epoch_ms` as RFC 3339 in the offset `offset_min` (minutes east of
 * UTC) into buf, e.g. "2025-08-01T00:05:00+07:00" ("Z" when the offset is
 * 0; ".250" only when the milliseconds are not zero), the form ioc_emit()
 * publishes. Returns the length written, or -1 (buf untouched or empty)
 * when `len` is too small (32 bytes always suffice), the offset is 24
 * hours or more, or the year in that offset falls outside 0000..9999.
 * Pure; thread-safe. */
int ioc_time_format(int64_t epoch_ms, int offset_min, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
