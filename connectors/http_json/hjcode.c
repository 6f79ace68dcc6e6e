/* hjcode - see hjcode.h. */
#include "hjcode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *hj_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

long hjcode_find(const struct hj_codes *c, const char *code)
{
    /* Lists are a few dozen codes, read once per record: a scan is enough. */
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].code, code) == 0)
            return (long)i;
    return -1;
}

/* Drop the entries from `keep` on (a list that failed half-way). */
static void hjcode_truncate(struct hj_codes *c, size_t keep)
{
    while (c->count > keep) {
        c->count--;
        free(c->entries[c->count].code);
        free(c->entries[c->count].value);
    }
}

static int hjcode_pair(struct hj_codes *c, char *pair, bool (*value_ok)(const char *),
                       const char *kind, char *why, size_t whylen)
{
    char *eq = strchr(pair, '=');
    if (!eq) {
        snprintf(why, whylen, "`%s` has no '=': write `CODE = %s`", hj_trim(pair), kind);
        return -1;
    }
    *eq = '\0';
    char *code = hj_trim(pair), *value = hj_trim(eq + 1);
    if (!*code || !*value) {
        snprintf(why, whylen, "a pair has an empty %s: write `CODE = %s`", *code ? kind : "code",
                 kind);
        return -1;
    }
    if (!value_ok(value)) {
        snprintf(why, whylen, "code `%s`: `%s` is not a %s", code, value, kind);
        return HJCODE_BAD_VALUE;
    }
    if (hjcode_find(c, code) >= 0) {
        snprintf(why, whylen, "code `%s` is given twice", code);
        return -1;
    }
    if (c->count == HJ_CODES_MAX) {
        snprintf(why, whylen, "more than %d codes", HJ_CODES_MAX);
        return -1;
    }
    struct hj_code *grown = realloc(c->entries, (c->count + 1) * sizeof *grown);
    if (!grown) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    c->entries = grown;
    struct hj_code *e = &c->entries[c->count];
    e->code = strdup(code);
    e->value = strdup(value);
    c->count++;
    if (!e->code || !e->value) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    return 0;
}

int hjcode_add(struct hj_codes *c, const char *text, bool (*value_ok)(const char *),
               const char *kind, char *why, size_t whylen)
{
    char *copy = strdup(text);
    if (!copy) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    size_t before = c->count;
    int rc = 0;
    /* strtok_r would skip an empty pair (",,"): split by hand to refuse it. */
    for (char *pair = copy, *next; rc == 0 && pair; pair = next) {
        next = strchr(pair, ',');
        if (next)
            *next++ = '\0';
        rc = hjcode_pair(c, pair, value_ok, kind, why, whylen);
    }
    free(copy);
    if (rc < 0)
        hjcode_truncate(c, before);
    return rc;
}

void hjcode_free(struct hj_codes *c)
{
    hjcode_truncate(c, 0);
    free(c->entries);
    c->entries = NULL;
}
