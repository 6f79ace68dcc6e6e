/* keytable - see keytable.h. */
#include "keytable.h"

#include "confval.h"
#include "conffile.h"
#include "filemode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t keytable_count(const struct key_tables *t)
{
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        for (const struct ioc_config_key *k = t->table[i]; k && k->name; k++)
            n++;
    return n;
}

static const struct ioc_config_key *keytable_key(const struct key_tables *t, size_t index)
{
    for (int i = 0; i < 2; i++)
        for (const struct ioc_config_key *k = t->table[i]; k && k->name; k++)
            if (index-- == 0)
                return k;
    return NULL;
}

static long keytable_find(const struct key_tables *t, const char *name)
{
    size_t n = keytable_count(t);
    for (size_t i = 0; i < n; i++)
        if (strcmp(keytable_key(t, i)->name, name) == 0)
            return (long)i;
    return -1;
}

static void keytable_unknown_key(const struct key_tables *t, const struct ini_entry *e,
                               const char *path, struct diag *d)
{
    size_t n = keytable_count(t);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        names[i] = keytable_key(t, i)->name;
    const char *hint = confval_closest(e->key, names, n);
    if (hint)
        diag_add(d, path, e->line, "unknown key '%s' (did you mean '%s'?)", e->key, hint);
    else
        diag_add(d, path, e->line, "unknown key '%s' (known keys: see iocd --describe)", e->key);
    free(names);
}

static bool keytable_defer;

void keytable_defer_credentials(bool defer) { keytable_defer = defer; }

bool keytable_secret_deferred(const char *name)
{
    return keytable_defer && strncmp(name, "%d/", 3) == 0 && !getenv("CREDENTIALS_DIRECTORY");
}

char *keytable_secret_file(const char *base_dir, const char *name, const char *path, int line,
                           struct diag *d)
{
    char *full = NULL;
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    int n;
    if (keytable_secret_deferred(name)) {
        diag_warn(d, path, line, "'%s' uses %%d/ and $CREDENTIALS_DIRECTORY is not set (not "
                  "under systemd): the file is not checked here; it resolves under systemd's "
                  "LoadCredential=, where an unreadable file is an error", name);
        return NULL;
    }
    if (strncmp(name, "%d/", 3) == 0 && !creds) {
        diag_add(d, path, line, "'%s' uses %%d/ but $CREDENTIALS_DIRECTORY is not set (it is "
                 "set by systemd's LoadCredential=)", name);
        return NULL;
    }
    if (strncmp(name, "%d/", 3) == 0)
        n = asprintf(&full, "%s/%s", creds, name + 3);
    else if (name[0] == '/')
        n = asprintf(&full, "%s", name);
    else
        n = asprintf(&full, "%s/%s", base_dir, name);
    if (n < 0)
        return NULL;
    /* A regular file only, and bounded: `token_file = /etc` says "is a
     * directory", a FIFO is never opened (conffile.h). */
    char why[160];
    size_t size = 0;
    char *text = conffile_read(full, CONFFILE_MAX_SECRET, &size, why, sizeof why);
    if (!text) {
        if (strncmp(why, "cannot open: ", 13) == 0)
            diag_add(d, path, line, "cannot read secret file %s: %s", full, why + 13);
        else
            diag_add(d, path, line, "secret file %s %s", full, why);
        free(full);
        return NULL;
    }
    if (filemode_secret_exposed(full, why, sizeof why))
        diag_warn(d, path, line, "secret file %s: %s (chmod 600 it, or use systemd's "
                  "LoadCredential= and %%d/)", full, why);
    free(full);
    size_t len = strlen(text); /* a NUL ends the secret, as it did */
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (len == 0) {
        diag_add(d, path, line, "secret file %s is empty", name);
        free(text);
        return NULL;
    }
    return text;
}

void keytable_inline_secret(const char *path, int line, const char *key, struct diag *d)
{
    char why[128];
    if (filemode_secret_exposed(path, why, sizeof why))
        diag_warn(d, path, line, "'%s' is a secret written inline in a file whose %s: move it "
                  "to '%s_file = PATH' (mode 600) or make this file mode 600", key, why, key);
}

/* Fill values[] (one per key of the tables) from the entries of
 * `section`, checking names, types and required keys. */
void keytable_check(const struct ini_file *ini, const char *section, const struct key_tables *t,
                    const char *base_dir, struct key_value *values, int section_line,
                    struct diag *d)
{
    size_t n = keytable_count(t);
    for (size_t i = 0; i < n; i++)
        values[i].key = keytable_key(t, i);
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        if (strcmp(e->section, section) != 0)
            continue;
        long idx = keytable_find(t, e->key);
        char *text = NULL;
        size_t len = strlen(e->key);
        if (idx < 0 && len > 5 && strcmp(e->key + len - 5, "_file") == 0) {
            char base[64];
            snprintf(base, sizeof base, "%.*s", (int)(len - 5), e->key);
            idx = keytable_find(t, base);
            if (idx >= 0 && values[idx].key->type != IOC_CFG_SECRET) {
                diag_add(d, ini->path, e->line,
                         "'%s' is not a secret: only secret keys can be read from a file", base);
                continue;
            }
            if (idx >= 0 &&
                !(text = keytable_secret_file(base_dir, e->value, ini->path, e->line, d)) &&
                !(keytable_secret_deferred(e->value) && (text = strdup(KEYTABLE_DEFERRED_SECRET))))
                continue;
        }
        if (idx < 0) {
            keytable_unknown_key(t, e, ini->path, d);
            continue;
        }
        if (values[idx].line > 0) {
            diag_add(d, ini->path, e->line, "'%s' already given at line %d", values[idx].key->name,
                     values[idx].line);
            free(text);
            continue;
        }
        char reason[256];
        const struct ioc_config_key *k = values[idx].key;
        if (!text && confval_check_key(k, e->value, reason, sizeof reason) < 0) {
            char shown[512];
            /* Neither a secret nor a URL's password may be echoed. */
            if (k->type == IOC_CFG_SECRET)
                snprintf(shown, sizeof shown, "(secret)");
            else
                confval_url_redacted(e->value, shown, sizeof shown);
            diag_add(d, ini->path, e->line, "'%s' = '%s': %s", k->name, shown,
                     k->type == IOC_CFG_SECRET ? "(secret)" : reason);
            values[idx].line = e->line; /* given, though wrong: not "missing" */
            continue;
        }
        if (!text && k->type == IOC_CFG_SECRET)
            keytable_inline_secret(ini->path, e->line, k->name, d);
        if (!(values[idx].text = text ? text : strdup(e->value)))
            diag_add(d, ini->path, e->line, "'%s': out of memory", k->name);
        values[idx].line = e->line;
        values[idx].from_file = text != NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (values[i].text)
            continue;
        /* An invalid value was reported above; its default stands in so
         * that the rest of the file can still be checked. */
        if (values[i].line > 0 && values[i].key->default_value)
            values[i].text = strdup(values[i].key->default_value);
        else if (values[i].line > 0)
            continue;
        else if (values[i].key->required)
            diag_add(d, ini->path, section_line, "required key '%s' is missing (%s)",
                     values[i].key->name, values[i].key->help);
        else if (values[i].key->default_value)
            values[i].text = strdup(values[i].key->default_value);
    }
}

void key_values_free(struct key_value *values, size_t n)
{
    for (size_t i = 0; values && i < n; i++)
        free(values[i].text);
    free(values);
}

const char *key_values_text(const struct key_value *v, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key->name, key) == 0)
            return v[i].text;
    return NULL;
}

/* The line a key was given on, else `fallback` (its section's header). */
int key_values_line(const struct key_value *v, size_t n, const char *key, int fallback)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key->name, key) == 0 && v[i].line > 0)
            return v[i].line;
    return fallback;
}

const struct ioc_config_key *keytable_family_of(const struct ioc_config_key *table, const char *key)
{
    for (const struct ioc_config_key *k = table; k && k->name; k++) {
        size_t n = strlen(k->name);
        if (n >= 2 && strcmp(k->name + n - 2, ".*") == 0 && strncmp(key, k->name, n - 1) == 0)
            return k;
    }
    return NULL;
}

const char *section_text(const struct config_section *s, const char *key)
{
    return s ? key_values_text(s->values, s->value_count, key) : NULL;
}

int section_line(const struct config_section *s, const char *key)
{
    return key_values_line(s->values, s->value_count, key, s->line);
}

int64_t section_int(const struct config_section *s, const char *key)
{
    int64_t v = 0;
    const char *reason, *t = section_text(s, key);
    return t && confval_int(t, &v, &reason) == 0 ? v : 0;
}

int64_t section_ms(const struct config_section *s, const char *key)
{
    int64_t v = 0;
    const char *reason, *t = section_text(s, key);
    return t && confval_duration_ms(t, &v, &reason) == 0 ? v : 0;
}

uint64_t section_size(const struct config_section *s, const char *key)
{
    uint64_t v = 0;
    const char *reason, *t = section_text(s, key);
    return t && confval_size(t, &v, &reason) == 0 ? v : 0;
}

bool section_bool(const struct config_section *s, const char *key)
{
    bool v = false;
    const char *reason, *t = section_text(s, key);
    return t && confval_bool(t, &v, &reason) == 0 && v;
}

char *keytable_member_name(const char *key, bool *from_file)
{
    char *name = strdup(key);
    size_t len = name ? strlen(name) : 0;
    *from_file = len > 5 && strcmp(name + len - 5, "_file") == 0;
    if (*from_file)
        name[len - 5] = '\0';
    return name;
}

int keytable_member_add(char ***keys, struct key_value **values, size_t *count, char *key,
                        struct key_value value)
{
    char **keys_grown = realloc(*keys, (*count + 1) * sizeof **keys);
    if (keys_grown)
        *keys = keys_grown;
    struct key_value *values_grown = realloc(*values, (*count + 1) * sizeof **values);
    if (values_grown)
        *values = values_grown;
    if (!keys_grown || !values_grown) {
        free(key);
        free(value.text);
        return -1;
    }
    (*keys)[*count] = key;
    (*values)[*count] = value;
    (*count)++;
    return 0;
}

/* One pass-through key into sec->extra: "kafka.acks = 1" as is, and
 * "kafka.sasl.password_file = PATH" as sasl.password with the file's
 * content (no library property ends in "_file"), once per property. */
static void section_add_extra(struct config_section *sec, const struct ini_entry *e, size_t plen,
                              const char *base_dir, struct diag *d)
{
    bool from_file;
    char *name = keytable_member_name(e->key + plen, &from_file);
    for (size_t i = 0; name && i < sec->extra_count; i++)
        if (strcmp(sec->extra_keys[i], name) == 0) {
            diag_add(d, sec->path, e->line, "'%.*s%s' already given at line %d", (int)plen,
                     e->key, name, sec->extra[i].line);
            free(name);
            return;
        }
    char *text = !name ? NULL
               : from_file ? keytable_secret_file(base_dir, e->value, sec->path, e->line, d)
                           : strdup(e->value);
    if (!text) {
        free(name);
        return;
    }
    keytable_member_add(&sec->extra_keys, &sec->extra, &sec->extra_count, name,
                        (struct key_value){NULL, text, e->line, from_file});
}

/* Load [name] against `keys`; keys starting with `prefix` (may be NULL)
 * are passed through unchecked, for the library behind the sink. */
void section_load(const struct ini_file *ini, const char *name, const struct ioc_config_key *keys,
                  const char *prefix, const char *base_dir, struct config_section *sec,
                  struct diag *d)
{
    memset(sec, 0, sizeof *sec);
    sec->name = name;
    sec->path = ini->path;
    for (size_t i = 0; i < ini->section_count; i++)
        if (strcmp(ini->sections[i], name) == 0)
            sec->present = true, sec->line = ini->section_lines[i];
    struct key_tables t = {{keys, NULL}};
    sec->value_count = keytable_count(&t);
    sec->values = calloc(sec->value_count, sizeof *sec->values);
    if (!sec->values)
        return;
    /* Pass-through keys are taken out before the table check sees them. */
    struct ini_file view = *ini;
    struct ini_entry *kept = calloc(ini->count ? ini->count : 1, sizeof *kept);
    if (!kept)
        return;
    view.entries = kept;
    view.count = 0;
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        size_t plen = prefix ? strlen(prefix) : 0;
        if (prefix && strcmp(e->section, name) == 0 && strncmp(e->key, prefix, plen) == 0 &&
            e->key[plen] != '\0') {
            section_add_extra(sec, e, plen, base_dir, d);
            continue;
        }
        kept[view.count++] = *e;
    }
    keytable_check(&view, name, &t, base_dir, sec->values, sec->line, d);
    free(kept);
}

void section_free(struct config_section *sec)
{
    key_values_free(sec->values, sec->value_count);
    for (size_t i = 0; i < sec->extra_count; i++) {
        free(sec->extra_keys[i]);
        free(sec->extra[i].text);
    }
    free(sec->extra_keys);
    free(sec->extra);
    sec->values = sec->extra = NULL;
    sec->extra_keys = NULL;
    sec->value_count = sec->extra_count = 0;
}

