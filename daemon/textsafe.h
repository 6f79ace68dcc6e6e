/*
 * textsafe - the one place that makes text safe to show: every log line,
 * the retained MQTT status topic and systemd's STATUS= line pass through
 * text_escape just before they leave the daemon.
 *
 * The one idea: escape at the outlet, not at the source. Feed text reaches
 * messages from dozens of call sites (normalize, the SDK's ioc_log and
 * reject reasons, every connector); cleaning it at each would miss one.
 * Whatever a caller formats, the outlet shows control characters as \xNN,
 * so a feed value "x\n<2>forged" stays inside its own line and can neither
 * start a journal entry nor set its priority. Valid UTF-8 text (Vietnamese
 * place names) passes unchanged.
 */
#ifndef IOCD_TEXTSAFE_H
#define IOCD_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* Copy the NUL-terminated `src` into `dst` (`size` bytes, > 0), shown as
 * \xNN (two upper-case hex digits): C0 controls (0x00-0x1F, so \n \r \t
 * ESC), DEL, the C1 controls U+0080-U+009F (some terminals read U+009B as
 * ESC [) and every byte that is not part of a valid UTF-8 sequence. All
 * else, a backslash included, is copied as is.
 *
 * `dst` is always NUL-terminated. When the escaped text does not fit, it
 * ends at the last whole unit that fits (an escape or a character is never
 * split) and *cut (if not NULL) is set to true, else false. Returns the
 * length written. Thread-safe; `src` and `dst` must not overlap. */
size_t text_escape(char *dst, size_t size, const char *src, bool *cut);

#endif
