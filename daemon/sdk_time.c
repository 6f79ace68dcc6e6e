/*
 * sdk_time - ioc_time_parse() and ioc_time_format() of the SDK
 * (include/ioc/time.h) on the daemon's own strict parser, timeparse.c.
 *
 * The design idea: one parser for the whole product. The SDK reads RFC
 * 3339 only: the zoneless compact form is refused, because only the daemon
 * knows the province's offset.
 */
#include "ioc/time.h"

#include "timeparse.h"

#include <string.h>

int ioc_time_parse(const char *text, int64_t *epoch_ms, int *offset_min, const char **reason)
{
    const char *why = NULL;
    size_t n = text ? strlen(text) : 0;
    if (!text)
        why = "no time given";
    else if (n > 0 && strspn(text, "0123456789") == n)
        /* yyyyMMddHHmmss: only the daemon knows the offset it is in. */
        why = "no UTC offset (RFC 3339 needs Z or +hh:mm)";
    else if (timeparse_rfc3339_zoned(text, epoch_ms, offset_min, &why) == 0)
        return 0;
    if (reason)
        *reason = why;
    return -1;
}

int ioc_time_format(int64_t epoch_ms, int offset_min, char *buf, size_t len)
{
    return timeparse_format(epoch_ms, offset_min, buf, len);
}
