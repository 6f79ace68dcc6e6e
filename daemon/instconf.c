/* instconf - see instconf.h. */
#include "instconf.h"

#include "confval.h"
#include "dirlist.h"
#include "origin.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int instconf_valid_name(const char *s)
{
    /* Not starting with '_' or '-': "_status" is the status topics' level. */
    if (!*s || strlen(s) > 64 || *s == '_' || *s == '-')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void instconf_reserved(struct instance_config *ic)
{
    const char *reason;
    struct key_value *v = ic->values;
    size_t n = ic->value_count;
    confval_bool(key_values_text(v, n, "enabled"), &ic->enabled, &reason);
    confval_duration_ms(key_values_text(v, n, "interval"), &ic->interval_ms, &reason);
    confval_duration_ms(key_values_text(v, n, "timeout"), &ic->timeout_ms, &reason);
    confval_duration_ms(key_values_text(v, n, "jitter"), &ic->jitter_ms, &reason);
    confval_duration_ms(key_values_text(v, n, "backoff_max"), &ic->backoff_max_ms, &reason);
    confval_int(key_values_text(v, n, "fail_after"), &ic->fail_after, &reason);
    confval_size(key_values_text(v, n, "max_body"), &ic->max_body, &reason);
    ic->source = key_values_text(v, n, "source") ? key_values_text(v, n, "source") : ic->name;
}

static void instconf_limits(struct instance_config *ic, struct diag *d)
{
    const struct key_value *v;
    /* The source is the first level of every series key and MQTT topic. */
    if ((v = instance_value(ic, "source")) && v->text && !instconf_valid_name(v->text))
        diag_add(d, ic->path, v->line, "'source' = '%s': use lowercase letters, digits, '_' or "
                 "'-', starting with a letter or digit (it becomes an MQTT topic level)", v->text);
    /* interval, timeout, fail_after and max_body have their bounds in
     * plugin_reserved_keys; only relations between keys are judged here. */
    if (ic->jitter_ms * 2 > ic->interval_ms && (v = instance_value(ic, "jitter")))
        diag_add(d, ic->path, v->line, "'jitter' must be at most half the interval");
    char why[300];
    if ((v = instance_value(ic, "allow_origins")) && v->text &&
        origin_list_check(v->text, why, sizeof why) < 0)
        diag_add(d, ic->path, v->line, "'allow_origins': %s", why);
}

/* Whether a family member's value looks like a credential: a name, then
 * ':' or '=', then a value ("X-Api-Key: ...", "api_key=..."), the name
 * holding one of the words below. Mapping families ("metric.x.name =
 * sig.count") have no such form and are never taken for secrets. */
static bool instconf_looks_secret(const char *value)
{
    static const char *const words[] = {"key", "token", "secret", "pass", "auth", "sig", "cred"};
    size_t name_len = strcspn(value, ":=");
    if (value[name_len] == '\0')
        return false;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t w = strlen(words[i]);
        for (size_t j = 0; j + w <= name_len; j++)
            if (strncasecmp(value + j, words[i], w) == 0)
                return true;
    }
    return false;
}

/* One member of a key family into ic->family, checked against the
 * family's type. "FAMILY.LABEL_file = PATH" is FAMILY.LABEL with the
 * file's whole content as its value (as a secret key's KEY_file), so a
 * connector's pass-through families can hold secrets without knowing it. */
static void instconf_family_member(struct instance_config *ic, const struct ioc_config_key *fam,
                                   const struct ini_entry *e, const char *base_dir,
                                   struct diag *d)
{
    bool from_file;
    char *key = keytable_member_name(e->key, &from_file);
    for (size_t i = 0; key && i < ic->family_count; i++)
        if (strcmp(ic->family_keys[i], key) == 0) {
            diag_add(d, ic->path, e->line, "'%s' already given at line %d", key,
                     ic->family[i].line);
            free(key);
            return;
        }
    char *text = !key ? NULL
               : from_file ? keytable_secret_file(base_dir, e->value, ic->path, e->line, d)
                           : strdup(e->value);
    char reason[256];
    if (text && confval_check_key(fam, text, reason, sizeof reason) < 0) {
        if (from_file)
            diag_add(d, ic->path, e->line, "'%s': the content of %s: %s", e->key, e->value,
                     reason);
        else
            diag_add(d, ic->path, e->line, "'%s' = '%s': %s", e->key, e->value, reason);
        free(text);
        text = NULL;
    }
    if (text && !from_file && instconf_looks_secret(text))
        keytable_inline_secret(ic->path, e->line, key, d);
    if (!text) {
        free(key);
        return;
    }
    keytable_member_add(&ic->family_keys, &ic->family, &ic->family_count, key,
                        (struct key_value){fam, text, e->line, from_file});
}

/* Take the members of the plugin's key families out of `ini` (into
 * ic->family) before the table check sees them; check each one's form
 * and value against its family. */
static void instconf_families(const struct ini_file *ini, struct ini_file *view,
                              struct instance_config *ic, const char *base_dir, struct diag *d)
{
    const struct ioc_config_key *table = ic->plugin->desc->config;
    view->count = 0;
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        const struct ioc_config_key *fam = e->section[0] ? NULL : keytable_family_of(table, e->key);
        if (!fam) {
            view->entries[view->count++] = *e;
            continue;
        }
        const char *rest = e->key + strlen(fam->name) - 1;
        size_t len = strlen(rest);
        if (len == 0 || rest[0] == '.' || rest[len - 1] == '.' || strstr(rest, "..")) {
            diag_add(d, ic->path, e->line, "'%s': a key of family '%s' needs a name after '%.*s' "
                     "made of [a-z0-9_] parts joined by single dots", e->key, fam->name,
                     (int)strlen(fam->name) - 1, fam->name);
            continue;
        }
        instconf_family_member(ic, fam, e, base_dir, d);
    }
}

static int instconf_load_one(const struct instconf_dirs *dirs, const char *path, const char *name,
                             struct instance_config *ic, struct diag *d)
{
    size_t errors_before = d->count;
    struct ini_file ini;
    ic->name = strdup(name);
    ic->path = strdup(path);
    if (ini_load(path, &ini, d) == INI_UNREADABLE) {
        /* Said once (a FIFO, a directory, too large): a missing 'plugin'
         * would only repeat it. */
        ini_free(&ini);
        return -1;
    }
    if (ini.section_count > 0)
        diag_add(d, path, ini.section_lines[0],
                 "connector files have no [sections]: put every key at the top level");
    const struct ini_entry *plugin = ini_find(&ini, "", "plugin");
    if (!plugin)
        diag_add(d, path, 0, "required key 'plugin' is missing (see iocd --list-connectors)");
    else
        ic->plugin = plugin_open(dirs->plugin_path, plugin->value, d, path, plugin->line);
    struct key_tables t = {{plugin_reserved_keys, ic->plugin ? ic->plugin->desc->config : NULL}};
    ic->value_count = keytable_count(&t);
    ic->values = calloc(ic->value_count, sizeof *ic->values);
    if (ic->values && ic->plugin) {
        /* The view shares the file's entries; only ini owns them. */
        struct ini_file view = ini;
        view.entries = calloc(ini.count ? ini.count : 1, sizeof *view.entries);
        if (view.entries) {
            instconf_families(&ini, &view, ic, dirs->base_dir, d);
            keytable_check(&view, "", &t, dirs->base_dir, ic->values, 0, d);
        }
        free(view.entries);
        instconf_reserved(ic);
        instconf_limits(ic, d);
    }
    ini_free(&ini);
    return d->count > errors_before ? -1 : 0;
}

/* Sequence numbers are per source: two instances sharing one would
 * publish two interleaved, non-monotonic sequences. */
static void instconf_check_sources(const struct instance_config *ics, size_t count, struct diag *d)
{
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++) {
            const struct instance_config *a = &ics[j], *b = &ics[i];
            if (a->source && b->source && strcmp(a->source, b->source) == 0) {
                const struct key_value *v = instance_value(b, "source");
                diag_add(d, b->path, v ? v->line : 0, "source '%s' is already used by %s",
                         b->source, a->path);
            }
        }
}

int instconf_load(const struct instconf_dirs *dirs, const char *only, struct instance_config **out,
                  size_t *out_count, struct diag *d)
{
    size_t count = 0, errors_before = d->count, loaded = 0;
    char **names = NULL;
    if (only) {
        names = malloc(sizeof *names);
        if (names && (names[0] = strdup(only)))
            count = 1;
    } else {
        errno = 0;
        names = dirlist(dirs->connectors_dir, ".conf", &count);
        if (!names && errno)
            diag_add(d, dirs->connectors_dir, 0, "cannot open connectors directory: %s",
                     strerror(errno));
    }
    struct instance_config *ics = calloc(count ? count : 1, sizeof *ics);
    for (size_t i = 0; ics && i < count; i++) {
        char *path;
        if (asprintf(&path, "%s/%s.conf", dirs->connectors_dir, names[i]) < 0)
            break;
        if (!instconf_valid_name(names[i])) {
            diag_add(d, path, 0, "instance name '%s' must be [a-z0-9_-], at most 64 bytes, "
                     "starting with a letter or digit", names[i]);
        } else if (only && access(path, R_OK) != 0) {
            diag_add(d, path, 0, "no such connector instance '%s': %s", only, strerror(errno));
        } else {
            struct instance_config *ic = &ics[loaded++];
            ic->table_ok = instconf_load_one(dirs, path, names[i], ic, d) == 0;
        }
        free(path);
    }
    dirlist_free(names, count);
    instconf_check_sources(ics, loaded, d);
    *out = ics;
    *out_count = loaded;
    return d->count > errors_before ? -1 : 0;
}

const struct key_value *instance_value(const struct instance_config *ic, const char *key)
{
    for (size_t i = 0; i < ic->value_count; i++)
        if (strcmp(ic->values[i].key->name, key) == 0)
            return &ic->values[i];
    for (size_t i = 0; i < ic->family_count; i++)
        if (strcmp(ic->family_keys[i], key) == 0)
            return &ic->family[i];
    return NULL;
}

void instconf_free(struct instance_config *ics, size_t count)
{
    for (size_t i = 0; ics && i < count; i++) {
        struct instance_config *ic = &ics[i];
        key_values_free(ic->values, ic->value_count);
        for (size_t j = 0; j < ic->family_count; j++) {
            free(ic->family_keys[j]);
            free(ic->family[j].text);
        }
        free(ic->family_keys);
        free(ic->family);
        plugin_close(ic->plugin);
        free(ic->name);
        free(ic->path);
    }
    free(ics);
}
