/*
 * hjcode - allow-lists that turn a feed's text into a configured name:
 * an indicator code into a metric name (name_map), a unit symbol into a
 * unit (unit_map).
 *
 *   metric.kpi.name_map = CT01 = ioffice.docs.incoming, CT02 = ioffice.docs.outgoing
 *   metric.kpi.unit_map = % = percent, ‰ = permille, cm = cm
 *
 * The design idea: text from a feed never becomes a name. It is only a key
 * to look up, compared byte for byte with the codes of the configuration;
 * what is published is the configured value, checked when the
 * configuration is read. A code the list lacks is the caller's to reject.
 */
#ifndef HTTP_JSON_HJCODE_H
#define HTTP_JSON_HJCODE_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many codes per list: a record's item keeps its entry's
 * index in 16 bits. */
#define HJ_CODES_MAX 4096

struct hj_code {
    char *code;  /* as the feed sends it, e.g. "CT05" or "%" */
    char *value; /* what is published, e.g. "dvc.online_ratio" or "percent" */
};

struct hj_codes {
    struct hj_code *entries;
    size_t count;
};

/* Add the `CODE = value, CODE = value` pairs of `text` to *c (spaces
 * around codes and values are dropped; a code cannot hold ',' or '='). A
 * value `value_ok` refuses, a code given twice (here or in an earlier
 * list) or a pair without '=' is a mistake: returns -1, or
 * HJCODE_BAD_VALUE when value_ok refused a value, with the reason in why
 * (`kind` names the values in it, e.g. "metric name"), having added
 * nothing of `text`. Returns 0 otherwise. */
#define HJCODE_BAD_VALUE (-2)
int hjcode_add(struct hj_codes *c, const char *text, bool (*value_ok)(const char *value),
               const char *kind, char *why, size_t whylen);

/* The index of `code` in *c, or -1 when the list does not hold it. */
long hjcode_find(const struct hj_codes *c, const char *code);

void hjcode_free(struct hj_codes *c);

/* s without the spaces and tabs around it, cut in place (the end moves;
 * the start is returned). hjmap trims every configured text with it. */
char *hj_trim(char *s);

#endif
