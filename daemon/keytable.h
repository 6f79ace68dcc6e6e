/*
 * keytable - checking one section of an INI file against key tables.
 *
 * Every configuration file of iocd (iocd.conf's sections, a connector's
 * file) is judged the same way: each key must be in a table of
 * struct ioc_config_key (the SDK's own type, so the daemon's keys and a
 * plugin's are one kind of thing), each value must parse as its key's
 * type, a required key must be there, and every mistake becomes one
 * FILE:LINE line in a diag list, with the closest known key for a
 * misspelling. The result is an array of key_value, one per key of the
 * tables, defaults applied. This module knows no section, sink or
 * connector by name: it is a leaf that the schema modules (config,
 * instconf) and the sinks' own checks build on.
 */
#ifndef IOCD_KEYTABLE_H
#define IOCD_KEYTABLE_H

#include "diag.h"
#include "ini.h"
#include "ioc/connector.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One key's value, default applied. */
struct key_value {
    const struct ioc_config_key *key;
    char *text; /* NULL when unset and without default */
    int line;   /* 0 when it comes from the default */
    bool from_file; /* read from a KEY_file, not written inline */
};

/* Up to two tables checked as one (a connector file: the reserved keys,
 * then the plugin's). A NULL table is empty. */
struct key_tables {
    const struct ioc_config_key *table[2];
};

size_t keytable_count(const struct key_tables *t);

/* Fill values[] (keytable_count(t) entries, zeroed by the caller) from
 * the entries of `section` in `ini`: names, types, duplicates, required
 * keys, and `KEY_file = PATH` for secret keys (read relative to
 * `base_dir`; "%d/" stands for $CREDENTIALS_DIRECTORY). Every mistake is
 * added to `d`; `section_line` is where a missing required key is
 * reported. A wrong value is reported and its default stands in, so the
 * rest can still be checked. */
void keytable_check(const struct ini_file *ini, const char *section, const struct key_tables *t,
                    const char *base_dir, struct key_value *values, int section_line,
                    struct diag *d);

/* The content of a secret file named by a KEY_file value `name` (relative
 * to `base_dir`; "%d/" = $CREDENTIALS_DIRECTORY), trailing newlines cut;
 * NULL with an error at path:line if unreadable or empty. A file that
 * group or others may read or write adds a warning. Caller frees. */
char *keytable_secret_file(const char *base_dir, const char *name, const char *path, int line,
                           struct diag *d);

/* --check-config outside systemd: a secret file named "%d/NAME" cannot be
 * read there ($CREDENTIALS_DIRECTORY is set by systemd's LoadCredential=
 * only), yet `iocd --check-config && systemctl reload iocd` must pass.
 * With deferral on, keytable_secret_file gives such a name a warning at
 * path:line (it resolves under systemd) instead of an error and returns
 * NULL; a secret key then holds KEYTABLE_DEFERRED_SECRET so that the
 * rest of the file (required keys, the plugin's check) is judged as under
 * systemd, and a pass-through or family member is left out. Off (the
 * default, and always when running), such a name is an error. Set once,
 * before any loading. */
void keytable_defer_credentials(bool defer);
/* True when `name` is a "%d/..." secret file deferred as above. */
bool keytable_secret_deferred(const char *name);
#define KEYTABLE_DEFERRED_SECRET "(systemd credential, not read by --check-config)"

/* Warn at path:line when secret `key` is written inline in `path` and
 * group or others may read that file (the check of every inline secret,
 * for the owners of pass-through keys too). */
void keytable_inline_secret(const char *path, int line, const char *key, struct diag *d);

/* A copy of a pass-through key `key`; "NAME_file" becomes "NAME" with
 * *from_file set (its value names a secret file). NULL if out of memory. */
char *keytable_member_name(const char *key, bool *from_file);

/* Append (`key`, `value`) to the parallel arrays *keys / *values of
 * *count entries, which own them from then on; 0, or -1 (out of memory)
 * having freed key and value->text. */
int keytable_member_add(char ***keys, struct key_value **values, size_t *count, char *key,
                        struct key_value value);

/* The family ("metric.*") of `table` that `key` belongs to, or NULL. */
const struct ioc_config_key *keytable_family_of(const struct ioc_config_key *table,
                                                const char *key);

/* Look up a key's value or line in values[0..n); NULL / `fallback` when
 * the key is not there or not set. */
const char *key_values_text(const struct key_value *v, size_t n, const char *key);
int key_values_line(const struct key_value *v, size_t n, const char *key, int fallback);
void key_values_free(struct key_value *v, size_t n);

/* One [section] of iocd.conf checked against one table, plus, where the
 * section allows it, pass-through keys with a prefix ("kafka.acks") that
 * belong to the library behind it and are checked by the section's owner. */
struct config_section {
    const char *name;      /* "sink.mqtt" */
    bool present;          /* the [section] header appears in the file */
    int line;              /* of the header */
    const char *path;      /* the file, for messages (owned by the caller) */
    struct key_value *values;
    size_t value_count;
    struct key_value *extra; /* pass-through keys: key NULL, see extra_keys */
    char **extra_keys;       /* without the prefix: "acks" */
    size_t extra_count;
};

/* Check [name] of `ini` against `keys`; keys starting with `prefix` (may
 * be NULL) are set aside in extra[] unchecked, except that PREFIXprop_file
 * = PATH is read as PREFIXprop from that file (keytable_secret_file). `sec->name` points at
 * `name`, which must outlive it. */
void section_load(const struct ini_file *ini, const char *name, const struct ioc_config_key *keys,
                  const char *prefix, const char *base_dir, struct config_section *sec,
                  struct diag *d);
void section_free(struct config_section *sec);

/* Value of a key of a section (NULL if unset without default, or if `s`
 * is NULL). */
const char *section_text(const struct config_section *s, const char *key);
/* The line a key was set on (the section's line if from a default). */
int section_line(const struct config_section *s, const char *key);
/* Typed values (0 / false when unset; values were checked at load). */
int64_t section_int(const struct config_section *s, const char *key);
int64_t section_ms(const struct config_section *s, const char *key);
uint64_t section_size(const struct config_section *s, const char *key);
bool section_bool(const struct config_section *s, const char *key);

#endif
