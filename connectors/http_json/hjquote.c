/* hjquote - see hjquote.h. */
#include "hjquote.h"

#include <stdio.h>
#include <string.h>

size_t hj_utf8_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
             : c >= 0xF0 && c < 0xF5              ? 4
                                                  : 0;
    for (size_t k = 1; k < n; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

void hj_quote(char *out, size_t outlen, const char *text)
{
    char buf[2 * HJ_QUOTE_SHOW_BYTES + 8];
    size_t o = 0, i = 0;
    while (i < HJ_QUOTE_SHOW_BYTES && text[i]) {
        unsigned char c = (unsigned char)text[i];
        size_t n = hj_utf8_len(text + i);
        if (n > 1) {
            memcpy(buf + o, text + i, n);
            o += n;
            i += n;
            continue;
        }
        if (c == '"' || c == '\\')
            buf[o++] = '\\';
        buf[o++] = n == 0 || c < 0x20 || c == 0x7f ? '?' : (char)c;
        i++;
    }
    buf[o] = '\0';
    snprintf(out, outlen, "\"%s%s\"", buf, text[i] ? "..." : "");
}
