/*
 * hjnum - turning a JSON value into a number, with strings handled only
 * when the operator said how.
 *
 * Feeds from Vietnamese systems often send numbers as text, and the same
 * text means different numbers: "1.234" is one thousand two hundred and
 * thirty-four in Vietnamese notation (dot groups thousands, comma marks
 * decimals: "1.234,5") but one point two three four in English notation
 * ("1,234.5"). Guessing would silently publish wrong figures, so the mode
 * is explicit (http_json's `number_strings`) and strict:
 *
 *   HJNUM_REJECT         strings are an error ("is a string (\"12\"),
 *                        expected a number; set number_strings to parse it")
 *   HJNUM_POINT_DECIMAL  "1234", "1234.5", "1,234", "1,234,567.25", "-3.5"
 *   HJNUM_COMMA_DECIMAL  "1234", "1234,5", "1.234", "1.234.567,25", "-3,5"
 *
 * Grouped digits must come in groups of exactly three after a first group
 * of one to three ("1,23" and "12,3456" are errors in POINT_DECIMAL mode),
 * and a grouped number cannot start with 0 ("0,500" is far more likely a
 * misread decimal); grouping is optional ("1234"). One leading '-' or '+'
 * and leading and trailing spaces or tabs are allowed; nothing else is (no
 * exponent, no currency sign, no NaN/Infinity, no empty string, no ".5" or
 * "5."). At most 18 significant digits (leading zeros of the integer part
 * are free, every decimal counts). "-0" gives 0, never -0. JSON numbers
 * are always accepted whatever the mode; booleans, null, objects and
 * arrays never are.
 *
 * No strtod and no libm: the digits are read into an integer and divided
 * once by an exact power of ten, so the result does not depend on the
 * locale and "0.1" gives the same double as the C literal 0.1. Pure
 * functions, thread-safe.
 */
#ifndef HTTP_JSON_HJNUM_H
#define HTTP_JSON_HJNUM_H

#include <jansson.h>

enum hjnum_strings {
    HJNUM_REJECT,
    HJNUM_POINT_DECIMAL,
    HJNUM_COMMA_DECIMAL,
};

/* Parse a mode name: "reject", "point_decimal" or "comma_decimal".
 * Returns 0, or -1 for any other text. */
int hjnum_mode_parse(const char *name, enum hjnum_strings *mode);

/* The number a JSON value stands for. Returns 0 and sets *out, or -1 and
 * writes a reason that reads after the field name into why (leaving *out
 * untouched), e.g.
 *   is a string ("1,23"), not a number in point_decimal notation
 *   ("," must split digits into groups of 3)
 * (one line), "is null, not a number", "is missing" (value NULL). The
 * quoted text is cut after 40 bytes. The result is always finite. */
int hjnum_value(const json_t *value, enum hjnum_strings mode, double *out, char *why,
                size_t whylen);

/* The same for bare text (used for numeric strings and by tests).
 * Returns 0 or -1 with a reason, as above. */
int hjnum_text(const char *text, enum hjnum_strings mode, double *out, char *why, size_t whylen);

#endif
