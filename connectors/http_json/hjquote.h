/*
 * hjquote - a feed's text, shown safely inside a log message.
 *
 * Messages about a bad value quote it ("is a string (\"1,23\"), ...") so
 * the operator sees what the feed sent. The text comes from outside, so
 * the quoting makes it harmless: '"' and '\' escaped, control bytes and
 * broken UTF-8 shown as '?' (no forged log lines), and long text cut
 * between two characters with "..." marking the cut.
 */
#ifndef HTTP_JSON_HJQUOTE_H
#define HTTP_JSON_HJQUOTE_H

#include <stddef.h>

#define HJ_QUOTE_SHOW_BYTES 40                          /* bytes of text shown */
#define HJ_QUOTE_MAX (2 * HJ_QUOTE_SHOW_BYTES + 8)      /* room for the result */

/* Bytes in the UTF-8 character at s: 1..4, or 0 when s does not start a
 * well-formed one (a stray continuation byte, a cut sequence). */
size_t hj_utf8_len(const char *s);

/* `text` in double quotes into out (at most outlen bytes, NUL included;
 * HJ_QUOTE_MAX always suffices). */
void hj_quote(char *out, size_t outlen, const char *text);

#endif
