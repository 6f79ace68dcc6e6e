/*
 * fuzz_timeparse - libFuzzer target of the daemon's timestamp reader and
 * writer (daemon/timeparse.c) and of the SDK's ioc_time_parse and
 * ioc_time_format on top of it (daemon/sdk_time.c): every time a feed
 * sends goes through here.
 *
 * Input: byte 0 picks the offset of the compact yyyyMMddHHmmss form (-12
 * to +14 hours in quarter hours); the rest is the text, cut at its first
 * NUL as a C string would be. Bytes 1..10 also make an epoch and an offset
 * for timeparse_format.
 *
 * The design idea: a parser is checked by its round trip. Whatever the
 * text, a time that is accepted must lie in the documented years, be
 * written back by timeparse_format, and read back to the same instant
 * (and, for RFC 3339, the same offset); the SDK must agree with the daemon
 * on every RFC 3339 text and refuse the zoneless compact form; a refusal
 * always comes with a reason. Broken promises abort.
 */
#include "../../daemon/timeparse.h"

#include <ioc/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_timeparse: invariant broken at %s:%d: %s\n", __FILE__,        \
                    __LINE__, #cond);                                                             \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

/* 1970-01-01 and 10000-01-01 in milliseconds. */
#define FUZZ_MIN_MS 0LL
#define FUZZ_END_MS 253402300800000LL
#define FUZZ_MAX_OFFSET (23 * 60 + 59)
#define FUZZ_DAY_MS 86400000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_refused(int rc, const char *reason)
{
    FUZZ_CHECK(rc == -1);
    FUZZ_CHECK(reason && *reason);
}

/* `ms` written in `offset` reads back as the same instant and offset. */
static void fuzz_round_trip(int64_t ms, int offset)
{
    char buf[40];
    int n = timeparse_format(ms, offset, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf) && n < 32);
    int64_t back = -1;
    int back_offset = 99999;
    const char *reason = NULL;
    FUZZ_CHECK(timeparse_rfc3339_zoned(buf, &back, &back_offset, &reason) == 0);
    FUZZ_CHECK(back == ms);
    FUZZ_CHECK(back_offset == offset);
    FUZZ_CHECK(ioc_time_parse(buf, &back, &back_offset, &reason) == 0 && back == ms);
}

static void fuzz_text(const char *text, int compact_offset)
{
    int64_t ms = -1, zoned_ms = -1, days = -1;
    int offset = 0;
    const char *reason = NULL;

    int rc = timeparse_parse(text, compact_offset, &ms, &reason);
    if (rc == 0) {
        /* Local years 1970..9999, in offsets of up to 23:59. */
        FUZZ_CHECK(ms > FUZZ_MIN_MS - FUZZ_DAY_MS && ms < FUZZ_END_MS + FUZZ_DAY_MS);
        char buf[40];
        /* Published in the deployment's offset, it reads back the same
         * (when that offset keeps it within the years read: "1970-01-01
         * 00:00+15:00" is 1969 in +07:00). */
        if (timeparse_format(ms, compact_offset, buf, sizeof buf) > 0 &&
            strncmp(buf, "1970", 4) >= 0) {
            int64_t back = -1;
            FUZZ_CHECK(timeparse_parse(buf, compact_offset, &back, &reason) == 0 && back == ms);
        }
    } else {
        fuzz_refused(rc, reason);
    }

    reason = NULL;
    int zoned = timeparse_rfc3339_zoned(text, &zoned_ms, &offset, &reason);
    if (zoned == 0) {
        FUZZ_CHECK(offset >= -FUZZ_MAX_OFFSET && offset <= FUZZ_MAX_OFFSET);
        /* Both readers of the daemon see the same instant. */
        FUZZ_CHECK(rc == 0 && ms == zoned_ms);
        if (zoned_ms >= FUZZ_MIN_MS && zoned_ms < FUZZ_END_MS)
            fuzz_round_trip(zoned_ms, offset);
    } else {
        fuzz_refused(zoned, reason);
    }

    /* The SDK: the same answer on RFC 3339, a refusal of digits only. */
    int64_t sdk_ms = -1;
    int sdk_offset = 0;
    reason = NULL;
    int sdk = ioc_time_parse(text, &sdk_ms, &sdk_offset, &reason);
    size_t n = strlen(text);
    if (n > 0 && strspn(text, "0123456789") == n)
        fuzz_refused(sdk, reason);
    else if (zoned == 0)
        FUZZ_CHECK(sdk == 0 && sdk_ms == zoned_ms && sdk_offset == offset);
    else
        fuzz_refused(sdk, reason);

    reason = NULL;
    rc = timeparse_date(text, &days, &reason);
    if (rc == 0) {
        FUZZ_CHECK(days >= 0 && days < FUZZ_END_MS / 86400000LL);
        /* A date is exactly what it reads as: YYYY-MM-DD of that day. */
        char buf[40];
        FUZZ_CHECK(timeparse_format(days * 86400000LL, 0, buf, sizeof buf) > 0);
        FUZZ_CHECK(n == 10 && memcmp(buf, text, 10) == 0);
    } else {
        fuzz_refused(rc, reason);
    }

    reason = NULL;
    offset = 12345;
    rc = timeparse_offset(text, &offset, &reason);
    if (rc == 0)
        FUZZ_CHECK(offset >= -FUZZ_MAX_OFFSET && offset <= FUZZ_MAX_OFFSET);
    else {
        fuzz_refused(rc, reason);
        FUZZ_CHECK(offset == 12345); /* untouched */
    }
}

/* timeparse_format on any instant and offset, into any buffer size. */
static void fuzz_format(const uint8_t *data, size_t size)
{
    if (size < 11)
        return;
    int64_t ms;
    int16_t offset;
    memcpy(&ms, data, sizeof ms);
    memcpy(&offset, data + 8, sizeof offset);
    size_t len = data[10] % 40;
    char buf[40];
    memset(buf, 'x', sizeof buf);
    int n = timeparse_format(ms, offset, buf, len);
    if (n < 0) {
        FUZZ_CHECK(n == -1);
        return;
    }
    FUZZ_CHECK((size_t)n < len && buf[n] == '\0' && strlen(buf) == (size_t)n);
    FUZZ_CHECK(offset > -24 * 60 && offset < 24 * 60);
    /* Whatever was written, the reader reads it back (within its years). */
    int64_t back = -1;
    int back_offset = 0;
    const char *reason = NULL;
    if (timeparse_rfc3339_zoned(buf, &back, &back_offset, &reason) == 0)
        FUZZ_CHECK(back == ms && back_offset == offset);
    else
        FUZZ_CHECK(ms < FUZZ_MIN_MS + FUZZ_DAY_MS || ms >= FUZZ_END_MS - FUZZ_DAY_MS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int compact_offset = ((int)data[0] % 105 - 48) * 15; /* -12:00 .. +14:00 */
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    fuzz_text(text, compact_offset);
    free(text);
    fuzz_format(data + 1, size - 1);
    return 0;
}
