/* textsafe - see textsafe.h. */
#include "textsafe.h"

#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t text_escape(char *dst, size_t size, const char *src, bool *cut)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)src;
    size_t o = 0;
    bool truncated = false;
    while (*p) {
        uint32_t cp;
        /* utf8_decode stops at the terminating NUL, so it never reads
         * past the end of src. */
        int len = utf8_decode(p, &cp);
        bool shown = len > 0 && cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F);
        size_t units = len > 0 ? (size_t)len : 1; /* bytes of src this step takes */
        size_t need = shown ? units : 4 * units;
        if (o + need > size - 1) {
            truncated = true;
            break;
        }
        if (shown) {
            memcpy(dst + o, p, units);
            o += units;
        } else {
            for (size_t i = 0; i < units; i++) {
                dst[o++] = '\\';
                dst[o++] = 'x';
                dst[o++] = hex[p[i] >> 4];
                dst[o++] = hex[p[i] & 0xF];
            }
        }
        p += units;
    }
    dst[o] = '\0';
    if (cut)
        *cut = truncated;
    return o;
}
