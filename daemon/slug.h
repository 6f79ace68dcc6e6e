/*
 * slug - topic-safe ASCII forms of Vietnamese text.
 *
 * MQTT topic levels and series keys must be lowercase ASCII: "Đất Mũi"
 * becomes "dat-mui". Vietnamese letters (precomposed, as feeds send them,
 * or decomposed with combining marks) fold to their base letter, đ to d;
 * every run of other characters - spaces, punctuation, and the MQTT
 * wildcards '+', '#' and the separator '/' - becomes one '-'. Thread-safe.
 */
#ifndef IOCD_SLUG_H
#define IOCD_SLUG_H

#include <stddef.h>

/* Write the slug of `text` into out (NUL-terminated). Returns its length,
 * 0 when nothing usable remains (e.g. only punctuation), or -1 when `len`
 * is too small. */
int slug_make(const char *text, char *out, size_t len);

#endif
