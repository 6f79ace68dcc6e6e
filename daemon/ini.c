/* ini - see ini.h for the syntax and why we do not use libinih. */
#include "ini.h"

#include "conffile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INI_MAX_LINE (64 * 1024)
#define INI_REFUSED "\x01refused" /* current section after a bad header */

static char *ini_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* The first byte of `s` that may not be in a name, or NULL when `s` is a
 * valid name; an empty name is bad at its end. */
static const char *ini_bad_name_byte(const char *s, const char *extra)
{
    if (!*s)
        return s;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' ||
              strchr(extra, *s)))
            return s;
    return NULL;
}

/* Why a name is refused, without echoing it: the line may be a pasted
 * secret (a token with '=' padding parses as "key = value"), and error
 * lines reach the journal. Says the column (1-based, in the raw line) and
 * what kind of byte stands there; ASCII punctuation is shown as itself,
 * since one such character gives nothing away. */
static void ini_name_problem(char *out, size_t len, const char *line_start, const char *name,
                             const char *bad)
{
    unsigned char c = (unsigned char)*bad;
    long column = (long)(bad - line_start) + 1;
    if (!*name)
        snprintf(out, len, "is empty");
    else if (c == ' ' || c == '\t')
        snprintf(out, len, "has a space at column %ld", column);
    else if (isupper(c))
        snprintf(out, len, "has an upper-case letter at column %ld", column);
    else if (c < 0x20 || c == 0x7f)
        snprintf(out, len, "has a control character at column %ld", column);
    else if (c >= 0x80)
        snprintf(out, len, "has a non-ASCII character at column %ld", column);
    else
        snprintf(out, len, "has '%c' at column %ld", c, column);
}

static int ini_push_entry(struct ini_file *f, size_t *cap, const char *section, const char *key,
                          const char *value, int line)
{
    if (f->count == *cap) {
        size_t n = *cap ? *cap * 2 : 16;
        struct ini_entry *grown = realloc(f->entries, n * sizeof *grown);
        if (!grown)
            return -1;
        f->entries = grown;
        *cap = n;
    }
    struct ini_entry *e = &f->entries[f->count];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return -1;
    }
    f->count++;
    return 0;
}

static int ini_push_section(struct ini_file *f, const char *name, int line)
{
    char **names = realloc(f->sections, (f->section_count + 1) * sizeof *names);
    if (!names)
        return -1;
    f->sections = names;
    int *lines = realloc(f->section_lines, (f->section_count + 1) * sizeof *lines);
    if (!lines)
        return -1;
    f->section_lines = lines;
    if (!(f->sections[f->section_count] = strdup(name)))
        return -1;
    f->section_lines[f->section_count++] = line;
    return 0;
}

/* Parse one line that is neither blank nor a comment. Returns -1 on a
 * syntax error (reported) or out of memory. */
static int ini_parse_line(struct ini_file *f, size_t *cap, char **section, char *s,
                          const char *line_start, int line, struct diag *d)
{
    /* Error messages name the line and the key when it is a valid name,
     * never the line's text or value (see ini_name_problem). */
    char problem[80];
    const char *bad;
    if (*s == '[') {
        /* Until a good header follows, keys belong to no section: filing
         * them under the previous one would produce misleading errors. */
        free(*section);
        *section = strdup(INI_REFUSED);
        if (!*section)
            return -1;
        char *end = strchr(s, ']');
        if (!end || *ini_trim(end + 1) != '\0') {
            diag_add(d, f->path, line, "malformed section header: %s (expected [name])",
                     !end ? "no closing ']'" : "text after ']'");
            return -1;
        }
        *end = '\0';
        char *name = ini_trim(s + 1);
        if ((bad = ini_bad_name_byte(name, ".-"))) {
            ini_name_problem(problem, sizeof problem, line_start, name, bad);
            diag_add(d, f->path, line,
                     "section name %s: use lowercase letters, digits, '_', '.' or '-'", problem);
            return -1;
        }
        for (size_t i = 0; i < f->section_count; i++)
            if (strcmp(f->sections[i], name) == 0) {
                diag_add(d, f->path, line, "section [%s] already defined at line %d", name,
                         f->section_lines[i]);
                return -1;
            }
        free(*section);
        *section = strdup(name);
        if (!*section || ini_push_section(f, name, line) < 0)
            return -1;
        return 0;
    }
    if (strcmp(*section, INI_REFUSED) == 0)
        return 0; /* the refused header was reported already */
    char *eq = strchr(s, '=');
    if (!eq) {
        diag_add(d, f->path, line, "expected 'key = value' or '[section]': the line has no '='");
        return -1;
    }
    *eq = '\0';
    char *key = ini_trim(s);
    char *value = ini_trim(eq + 1);
    if ((bad = ini_bad_name_byte(key, "."))) {
        ini_name_problem(problem, sizeof problem, line_start, key, bad);
        diag_add(d, f->path, line, "key name %s: use lowercase letters, digits, '_' or '.'",
                 problem);
        return -1;
    }
    const struct ini_entry *dup = ini_find(f, *section, key);
    if (dup) {
        diag_add(d, f->path, line, "key '%s' already set at line %d", key, dup->line);
        return -1;
    }
    return ini_push_entry(f, cap, *section, key, value, line);
}

int ini_load(const char *path, struct ini_file *out, struct diag *d)
{
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    char why[160];
    size_t size = 0;
    /* Regular files only, and bounded (conffile.h): a FIFO in connectors.d
     * or -c /dev/urandom is refused at once instead of blocking or
     * reading for ever. */
    char *text = out->path ? conffile_read(path, CONFFILE_MAX_INI, &size, why, sizeof why) : NULL;
    if (!text) {
        diag_add(d, path, 0, "%s", out->path ? why : "out of memory");
        return INI_UNREADABLE;
    }
    size_t cap = 0;
    char *section = strdup("");
    int line = 0, errors = 0;
    for (char *next = text; section && next < text + size;) {
        char *buf = next, *nl = memchr(buf, '\n', (size_t)(text + size - buf));
        size_t len = nl ? (size_t)(nl - buf) + 1 : (size_t)(text + size - buf);
        next = buf + len;
        line++;
        if (len > INI_MAX_LINE) {
            diag_add(d, path, line, "line is %zu bytes long, the limit is %d (put long secrets "
                     "in a file and use KEY_file = PATH)", len, INI_MAX_LINE);
            errors++;
            continue;
        }
        if (memchr(buf, '\0', len)) {
            diag_add(d, path, line, "line contains a NUL byte");
            errors++;
            continue;
        }
        if (nl)
            *nl = '\0';
        char *s = ini_trim(buf);
        if (line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s = ini_trim(s + 3); /* UTF-8 byte order mark from Windows editors */
        if (*s == '\0' || *s == ';' || *s == '#')
            continue;
        size_t reported = d->count;
        if (ini_parse_line(out, &cap, &section, s, buf, line, d) < 0) {
            /* A syntax error has been reported; only running out of memory
             * has not, and must not pass for a missing key later. */
            if (d->count == reported)
                diag_add(d, path, line, "out of memory");
            errors++;
        }
    }
    free(section);
    free(text);
    return errors ? -1 : 0;
}

void ini_free(struct ini_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->entries[i].section);
        free(f->entries[i].key);
        free(f->entries[i].value);
    }
    for (size_t i = 0; i < f->section_count; i++)
        free(f->sections[i]);
    free(f->entries);
    free(f->sections);
    free(f->section_lines);
    free(f->path);
    memset(f, 0, sizeof *f);
}

const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *key)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->entries[i].section, section) == 0 && strcmp(f->entries[i].key, key) == 0)
            return &f->entries[i];
    return NULL;
}
