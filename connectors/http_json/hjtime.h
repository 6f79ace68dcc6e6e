/*
 * hjtime - turning a feed's timestamp field into the RFC 3339 text that
 * ioc_record.ts takes.
 *
 * Formats (http_json's `time_format`, `period_format`):
 *   rfc3339         "2025-08-01T00:05:00+07:00", "2025-08-01T00:05:00.250Z";
 *                   validated (real calendar date, hh<24, mm<60, ss<60 as
 *                   ioc_emit refuses leap seconds, a fraction of 1..9
 *                   digits, an offset Z or +hh:mm within 18 hours is
 *                   required; 't', 'z' and a space for 'T' are allowed as
 *                   RFC 3339 5.6 and ioc_emit allow) and passed through
 *                   unchanged
 *   epoch_s         seconds since 1970 as a JSON number or a string of
 *                   digits only (fractions allowed for numbers, rounded to
 *                   the nearest millisecond)
 *   epoch_ms        milliseconds since 1970, the same way
 *   yyyyMMddHHmmss  "20250801000500", the national portal's compact local
 *                   time, as a string or a 14-digit JSON integer; read in
 *                   the configured zone
 *   date            "2025-07-31" (a whole day), read as 00:00:00 in the zone
 * Years are 1970..9999 as written (for epoch values: as printed in the
 * zone, so epoch 0 is refused in a zone west of UTC). Epoch values are
 * printed in the configured zone, so every published timestamp carries
 * the province's offset ("+07:00") unless the feed itself sent another;
 * "Z" when the zone is UTC; milliseconds (".250") only when not zero.
 *
 * The design idea: one calendar for the whole product. Every format is
 * turned into an instant and read or printed by the daemon's own strict
 * parser (ioc_time_parse, ioc_time_format: no timegm/localtime, no TZ, no
 * locale), so a time this module passes is one ioc_emit accepts, and the
 * code is safe in any thread.
 */
#ifndef HTTP_JSON_HJTIME_H
#define HTTP_JSON_HJTIME_H

#include <jansson.h>
#include <stddef.h>

enum hjtime_format {
    HJTIME_RFC3339,
    HJTIME_EPOCH_S,
    HJTIME_EPOCH_MS,
    HJTIME_COMPACT, /* yyyyMMddHHmmss */
    HJTIME_DATE,    /* yyyy-MM-dd */
};

/* Parse a format name as listed above. Returns 0, or -1 for other text. */
int hjtime_format_parse(const char *name, enum hjtime_format *format);

/* Parse a zone: "+07:00", "-03:30", "+0700", "Z" or "UTC". Sets minutes
 * east of UTC (within +/-18h, minutes 00..59). Returns 0, or -1 leaving
 * *minutes_east untouched. hjtime_value refuses a zone beyond 18 hours. */
int hjtime_zone_parse(const char *text, int *minutes_east);

/* Convert `value` to RFC 3339 text in out (40 bytes always suffice), e.g.
 * "2025-08-01T00:05:00+07:00". Returns 0, or -1 with a reason that reads
 * after the field name in why (out untouched), e.g.
 *   is "20251301000500", not a time in yyyyMMddHHmmss format
 *   (month 13 is not 01..12)
 * (one line), "is null, not epoch seconds", "is missing" (value NULL).
 * Strings in reasons are cut after 40 bytes. Thread-safe. */
int hjtime_value(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                 size_t outlen, char *why, size_t whylen);

/* The calendar date ("2025-07-31", out at least 11 bytes) of `value` in
 * its own offset (rfc3339) or in the zone (other formats): the form
 * ioc_record.period_from/period_to take. Returns 0 or -1 with why. */
int hjtime_date_of(const json_t *value, enum hjtime_format format, int zone_minutes, char *out,
                   size_t outlen, char *why, size_t whylen);

#endif
