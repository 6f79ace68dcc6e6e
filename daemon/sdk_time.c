/*
 * sdk_time - ioc_time_parse() and ioc_time_format() of the SDK (include/ioc/time.h) on the
 * daemon's own strict parser, daemon/timeparse.c.
 *
 * The design idea: one parser for the whole product. This file adds only
 * what the SDK promises beyond timeparse_parse(): the offset the time was
 * written in, and refusing the zoneless compact form, which only the
 * daemon can read (it knows the province's offset).
 */
#include "ioc/time.h"

#include "timeparse.h"

#include <string.h>

int ioc_time_parse(const char *text, int64_t *epoch_ms, int *offset_min, const char **reason)
{
    const char *why = NULL;
    int64_t ms;
    int offset = 0;
    size_t n = text ? strlen(text) : 0;
    if (!text)
        why = "no time given";
    else if (n > 0 && strspn(text, "0123456789") == n)
        why = "no UTC offset (RFC 3339 needs Z or +hh:mm)";
    else if (n > 0 && (n < 5 || text[4] != '-')) /* timeparse would try the compact form */
        why = "malformed date (expected YYYY-MM-DD)";
    else if (timeparse_parse(text, 0, &ms, &why) == 0) {
        /* timeparse accepted it, so it ends in Z/z or in +hh:mm / -hh:mm. */
        char last = text[n - 1];
        if (last != 'Z' && last != 'z' && (n < 6 || timeparse_offset(text + n - 6, &offset, NULL)))
            why = "malformed UTC offset (expected Z or +hh:mm)";
    }
    if (why) {
        if (reason)
            *reason = why;
        return -1;
    }
    if (epoch_ms)
        *epoch_ms = ms;
    if (offset_min)
        *offset_min = offset;
    return 0;
}

int ioc_time_format(int64_t epoch_ms, int offset_min, char *buf, size_t len)
{
    return timeparse_format(epoch_ms, offset_min, buf, len);
}
