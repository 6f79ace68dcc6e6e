/*
 * jsonw - a minimal JSON writer into a growing buffer.
 *
 * The metric record has a fixed shape and is written once per metric on
 * the hot path; building a jansson tree and dumping it costs several
 * microseconds per record (about 2.8 us for a ~250-byte record on our
 * 2-core test machine; docs/design.md), writing the text directly a
 * fraction of that. Strings are escaped per RFC 8259 (input is checked
 * UTF-8 upstream); numbers use the shortest form that reads back exactly.
 */
#ifndef IOCD_JSONW_H
#define IOCD_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
    char *buf;
    size_t len, cap;
    bool oom;       /* set on allocation failure; the text is then unusable */
    bool need_comma;
};

void jsonw_init(struct jsonw *w);
void jsonw_free(struct jsonw *w);
/* Empty the text but keep the buffer, for the next record. */
void jsonw_reset(struct jsonw *w);
/* Take the buffer (NUL-terminated); the writer is reset. NULL on OOM. */
char *jsonw_take(struct jsonw *w, size_t *len);

void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
/* Member name; the value follows with one of the value calls below. */
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_number(struct jsonw *w, double v);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_null(struct jsonw *w);

/* Append `s` escaped as a JSON string body (no quotes). */
void jsonw_escape(struct jsonw *w, const char *s);

#endif
