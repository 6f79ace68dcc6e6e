/*
 * ini - a strict reader of our INI files, with line numbers.
 *
 * Why not libinih: Debian's build cuts lines at 200 bytes and hands the
 * handler a silently truncated value (a JWT, a long URL), then reports the
 * rest on the wrong line (libinih r55 is built with INI_MAX_LINE 200). This reader has no line
 * length limit below 64 KiB, refuses longer lines with an error, keeps the
 * line number of every entry, and reports every mistake as FILE:LINE.
 * An error never quotes the line's text or value, only a key that is a
 * valid name: a pasted token must not land in the journal.
 *
 * Syntax: `[section]`; `key = value` (key: [a-z0-9_.], value: the rest of
 * the line, surrounding blanks trimmed, may be empty); comments are whole
 * lines starting with ';' or '#' (a ';' inside a value is part of the
 * value: URLs contain them). A key repeated in one section is an error,
 * never a silent override. Entries before any section header belong to
 * section "" (connector files have no sections).
 */
#ifndef IOCD_INI_H
#define IOCD_INI_H

#include "diag.h"

struct ini_entry {
    char *section; /* "" when before any [section] */
    char *key;
    char *value;
    int line;
};

struct ini_file {
    char *path;
    struct ini_entry *entries;
    size_t count;
    /* Sections in order of appearance, with the line of their header. */
    char **sections;
    int *section_lines;
    size_t section_count;
};

/* Read `path`, a regular file of at most CONFFILE_MAX_INI bytes
 * (conffile.h). Returns 0 when the file was read without syntax errors;
 * INI_UNREADABLE when it could not be read at all (missing, a FIFO, a
 * directory, too large: one error in `d` says which); otherwise -1 with
 * every error added to `d` (entries that did parse are still returned so
 * later checks can report more). Always free with ini_free(). */
#define INI_UNREADABLE (-2)
int ini_load(const char *path, struct ini_file *out, struct diag *d);
void ini_free(struct ini_file *f);

/* Find section/key; NULL if absent. */
const struct ini_entry *ini_find(const struct ini_file *f, const char *section, const char *key);

#endif
