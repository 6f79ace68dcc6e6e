/*
 * utf8 - one strict UTF-8 decoder for the whole daemon.
 *
 * Strict means RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF. Everything that checks or folds feed text (normalize, slug)
 * goes through it, so a byte string that is not UTF-8 is treated the same
 * everywhere and never reaches a published record.
 */
#ifndef IOCD_UTF8_H
#define IOCD_UTF8_H

#include <stdint.h>

/* Decode the sequence at `s` (NUL-terminated input). Returns its length in
 * bytes and sets *cp, or returns -1 for an invalid sequence (the caller
 * usually skips one byte). */
int utf8_decode(const unsigned char *s, uint32_t *cp);

/* 1 if the whole string is valid UTF-8, else 0. */
int utf8_valid(const char *s);

#endif
