/* config - see config.h. */
#include "config.h"
#include "paths.h" /* generated: IOCD_PLUGIN_DIR, IOCD_SYSCONF */

#include "confval.h"
#include "dirlist.h"
#include "instance.h"
#include "sink_kafka.h"
#include "sink_mqtt.h"
#include "ini.h"
#include "timeparse.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const struct ioc_config_key config_iocd_keys[] = {
    {"province", IOC_CFG_STRING, NULL, true, "2-digit code of the province served, e.g. 96",
     NULL, NULL},
    {"timezone", IOC_CFG_STRING, "+07:00", false,
     "UTC offset of published timestamps and of compact yyyyMMddHHmmss times", NULL, NULL},
    {"connectors_dir", IOC_CFG_STRING, "connectors.d", false, "folder of NAME.conf files",
     NULL, NULL},
    {"plugin_dir", IOC_CFG_STRING, NULL, false,
     "folder of connector .so files (default: beside the binary, else " IOCD_PLUGIN_DIR ")",
     NULL, NULL},
    {"state_dir", IOC_CFG_STRING, "/var/lib/iocd", false, "saved connector state", NULL, NULL},
    {"gazetteer", IOC_CFG_STRING, "gazetteer/vn-2025-07.tsv", false,
     "administrative units and old->new commune codes", NULL, NULL},
    {"log_level", IOC_CFG_STRING, "info", false, "error, warning, info or debug", NULL, NULL},
    {"shutdown_timeout", IOC_CFG_DURATION, "10s", false, "wait for in-flight polls on stop",
     NULL, NULL},
    {"stats_interval", IOC_CFG_DURATION, "5m", false, "how often counters are logged; 0 = never",
     NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

const struct ioc_config_key config_stdout_keys[] = {
    {"enabled", IOC_CFG_BOOL, "false", false, "print one JSON metric record per line on stdout",
     NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

const struct ioc_config_key config_outbox_keys[] = {
    {"capacity", IOC_CFG_INT, "100000", false,
     "metrics each sink may hold while its broker is slow or away; then the oldest are dropped",
     NULL, NULL},
    {"max_bytes", IOC_CFG_SIZE, "16MiB", false,
     "memory each sink's outbox may hold (whichever of capacity and max_bytes comes first)",
     NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

static const char *const config_sections[] = {"iocd", "sink.stdout", "sink.mqtt", "sink.kafka",
                                              "outbox"};
#define CONFIG_SECTION_COUNT (sizeof config_sections / sizeof config_sections[0])

/* ---- generic checking of one section against up to two key tables ---- */

struct key_tables {
    const struct ioc_config_key *table[2];
};

static size_t tables_count(const struct key_tables *t)
{
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        for (const struct ioc_config_key *k = t->table[i]; k && k->name; k++)
            n++;
    return n;
}

static const struct ioc_config_key *tables_key(const struct key_tables *t, size_t index)
{
    for (int i = 0; i < 2; i++)
        for (const struct ioc_config_key *k = t->table[i]; k && k->name; k++)
            if (index-- == 0)
                return k;
    return NULL;
}

static long tables_find(const struct key_tables *t, const char *name)
{
    size_t n = tables_count(t);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tables_key(t, i)->name, name) == 0)
            return (long)i;
    return -1;
}

static void config_unknown_key(const struct key_tables *t, const struct ini_entry *e,
                               const char *path, struct diag *d)
{
    size_t n = tables_count(t);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        names[i] = tables_key(t, i)->name;
    const char *hint = confval_closest(e->key, names, n);
    if (hint)
        diag_add(d, path, e->line, "unknown key '%s' (did you mean '%s'?)", e->key, hint);
    else
        diag_add(d, path, e->line, "unknown key '%s' (known keys: see iocd --describe)", e->key);
    free(names);
}

/* Read a secret from a file named by KEY_file; "%d/" at the start stands
 * for $CREDENTIALS_DIRECTORY (systemd LoadCredential=). */
static char *config_read_secret(const char *base_dir, const char *name, const char *path,
                                int line, struct diag *d)
{
    char *full = NULL;
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    int n;
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
    FILE *fp = fopen(full, "r");
    if (!fp) {
        diag_add(d, path, line, "cannot read secret file %s: %s", full, strerror(errno));
        free(full);
        return NULL;
    }
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&text, &cap, '\0', fp);
    fclose(fp);
    free(full);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    if (len <= 0) {
        diag_add(d, path, line, "secret file %s is empty", name);
        free(text);
        return NULL;
    }
    return text;
}

/* Fill values[] (one per key of the tables) from the entries of
 * `section`, checking names, types and required keys. */
static void config_check_section(const struct ini_file *ini, const char *section,
                                 const struct key_tables *t, const char *base_dir,
                                 struct instance_value *values, int section_line, struct diag *d)
{
    size_t n = tables_count(t);
    for (size_t i = 0; i < n; i++)
        values[i].key = tables_key(t, i);
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        if (strcmp(e->section, section) != 0)
            continue;
        long idx = tables_find(t, e->key);
        char *text = NULL;
        size_t len = strlen(e->key);
        if (idx < 0 && len > 5 && strcmp(e->key + len - 5, "_file") == 0) {
            char base[64];
            snprintf(base, sizeof base, "%.*s", (int)(len - 5), e->key);
            idx = tables_find(t, base);
            if (idx >= 0 && values[idx].key->type != IOC_CFG_SECRET) {
                diag_add(d, ini->path, e->line,
                         "'%s' is not a secret: only secret keys can be read from a file", base);
                continue;
            }
            if (idx >= 0 && !(text = config_read_secret(base_dir, e->value, ini->path, e->line, d)))
                continue;
        }
        if (idx < 0) {
            config_unknown_key(t, e, ini->path, d);
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
            diag_add(d, ini->path, e->line, "'%s' = '%s': %s", k->name, e->value,
                     k->type == IOC_CFG_SECRET ? "(secret)" : reason);
            values[idx].line = e->line; /* given, though wrong: not "missing" */
            continue;
        }
        values[idx].text = text ? text : strdup(e->value);
        values[idx].line = e->line;
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

static void values_free(struct instance_value *values, size_t n)
{
    for (size_t i = 0; values && i < n; i++)
        free(values[i].text);
    free(values);
}

static const char *values_text(const struct instance_value *v, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key->name, key) == 0)
            return v[i].text;
    return NULL;
}

/* The line a key was given on, else `fallback` (its section's header). */
static int values_line(const struct instance_value *v, size_t n, const char *key, int fallback)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key->name, key) == 0 && v[i].line > 0)
            return v[i].line;
    return fallback;
}

static char *config_path_join(const char *dir, const char *rel)
{
    char *out = NULL;
    if (rel[0] == '/')
        return strdup(rel);
    return asprintf(&out, "%s/%s", dir, rel) < 0 ? NULL : out;
}

char *config_default_plugin_dir(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *candidate = NULL;
        if (asprintf(&candidate, "%s/connectors", dirname(exe)) >= 0) {
            struct stat st;
            if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode))
                return candidate;
            free(candidate);
        }
    }
    return strdup(IOCD_PLUGIN_DIR);
}

/* ---- sink sections ---- */

const char *section_text(const struct config_section *s, const char *key)
{
    return values_text(s->values, s->value_count, key);
}

int section_line(const struct config_section *s, const char *key)
{
    return values_line(s->values, s->value_count, key, s->line);
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

bool section_bool(const struct config_section *s, const char *key)
{
    bool v = false;
    const char *reason, *t = section_text(s, key);
    return t && confval_bool(t, &v, &reason) == 0 && v;
}

/* Load [name] against `keys`; keys starting with `prefix` (may be NULL)
 * are passed through unchecked, for the library behind the sink. */
static void config_section_load(const struct ini_file *ini, const char *name,
                                const struct ioc_config_key *keys, const char *prefix,
                                const char *base_dir, struct config_section *sec, struct diag *d)
{
    memset(sec, 0, sizeof *sec);
    sec->path = ini->path;
    for (size_t i = 0; i < ini->section_count; i++)
        if (strcmp(ini->sections[i], name) == 0)
            sec->present = true, sec->line = ini->section_lines[i];
    struct key_tables t = {{keys, NULL}};
    sec->value_count = tables_count(&t);
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
            char **keys_grown = realloc(sec->extra_keys, (sec->extra_count + 1) * sizeof(char *));
            struct instance_value *vals_grown =
                realloc(sec->extra, (sec->extra_count + 1) * sizeof *vals_grown);
            if (keys_grown)
                sec->extra_keys = keys_grown;
            if (vals_grown)
                sec->extra = vals_grown;
            if (!keys_grown || !vals_grown)
                continue;
            sec->extra_keys[sec->extra_count] = strdup(e->key + plen);
            sec->extra[sec->extra_count] = (struct instance_value){NULL, strdup(e->value), e->line};
            sec->extra_count++;
            continue;
        }
        kept[view.count++] = *e;
    }
    config_check_section(&view, name, &t, base_dir, sec->values, sec->line, d);
    free(kept);
}

static void config_section_free(struct config_section *sec)
{
    values_free(sec->values, sec->value_count);
    for (size_t i = 0; i < sec->extra_count; i++) {
        free(sec->extra_keys[i]);
        free(sec->extra[i].text);
    }
    free(sec->extra_keys);
    free(sec->extra);
    memset(sec, 0, sizeof *sec);
}

static void config_sink_sections(const struct ini_file *ini, struct config *c, struct diag *d)
{
    config_section_load(ini, "sink.mqtt", sink_mqtt_keys, NULL, c->dir, &c->mqtt, d);
    config_section_load(ini, "sink.kafka", sink_kafka_keys, "kafka.", c->dir, &c->kafka, d);
    struct config_section outbox;
    config_section_load(ini, "outbox", config_outbox_keys, NULL, c->dir, &outbox, d);
    int64_t capacity = section_int(&outbox, "capacity");
    if (capacity < 1 || capacity > 10000000)
        diag_add(d, ini->path, section_line(&outbox, "capacity"),
                 "'capacity' must be between 1 and 10000000");
    c->outbox_limits.capacity = capacity > 0 ? (size_t)capacity : 100000;
    const char *reason, *max_bytes = section_text(&outbox, "max_bytes");
    uint64_t bytes = 0;
    if (max_bytes && confval_size(max_bytes, &bytes, &reason) == 0 && bytes < 1024 * 1024)
        diag_add(d, ini->path, section_line(&outbox, "max_bytes"),
                 "'max_bytes' must be at least 1MiB");
    c->outbox_limits.max_bytes = bytes >= 1024 * 1024 ? bytes : 16ull << 20;
    config_section_free(&outbox);
    if (c->mqtt.present)
        sink_mqtt_check(&c->mqtt, d);
    if (c->kafka.present)
        sink_kafka_check(&c->kafka, d);
}

/* ---- iocd.conf ---- */

static int config_main_file(const struct ini_file *ini, struct config *c, struct diag *d)
{
    size_t errors_before = d->count;
    for (size_t i = 0; i < ini->section_count; i++) {
        const char *s = ini->sections[i];
        size_t k = 0;
        while (k < CONFIG_SECTION_COUNT && strcmp(s, config_sections[k]) != 0)
            k++;
        if (k == CONFIG_SECTION_COUNT) {
            const char *hint = confval_closest(s, config_sections, CONFIG_SECTION_COUNT);
            diag_add(d, ini->path, ini->section_lines[i], "unknown section [%s]%s%s%s", s,
                     hint ? " (did you mean [" : "", hint ? hint : "", hint ? "]?)" : "");
        }
    }
    for (size_t i = 0; i < ini->count; i++)
        if (ini->entries[i].section[0] == '\0') {
            diag_add(d, ini->path, ini->entries[i].line,
                     "key '%s' outside any section (start the file with [iocd])",
                     ini->entries[i].key);
            break;
        }
    int iocd_line = 0;
    for (size_t i = 0; i < ini->section_count; i++)
        if (strcmp(ini->sections[i], "iocd") == 0)
            iocd_line = ini->section_lines[i];

    struct key_tables main_t = {{config_iocd_keys, NULL}}, out_t = {{config_stdout_keys, NULL}};
    size_t nm = tables_count(&main_t), no = tables_count(&out_t);
    struct instance_value *mv = calloc(nm, sizeof *mv), *ov = calloc(no, sizeof *ov);
    if (!mv || !ov) {
        free(mv);
        free(ov);
        return -1;
    }
    config_check_section(ini, "iocd", &main_t, c->dir, mv, iocd_line, d);
    config_check_section(ini, "sink.stdout", &out_t, c->dir, ov, 0, d);

    const char *reason, *v;
    if ((v = values_text(mv, nm, "province"))) {
        c->province_line = values_line(mv, nm, "province", iocd_line);
        if (strlen(v) != 2 || v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9')
            diag_add(d, ini->path, c->province_line,
                     "'province' = '%s': not a 2-digit province code", v);
        else
            c->province = strdup(v);
    }
    v = values_text(mv, nm, "timezone");
    if (!v || timeparse_offset(v, &c->tz_offset_min) < 0)
        diag_add(d, ini->path, values_line(mv, nm, "timezone", iocd_line),
                 "'timezone' = '%s': not an offset like +07:00", v ? v : "");
    v = values_text(mv, nm, "log_level");
    if (!v || log_level_parse(v, &c->log_level) < 0)
        diag_add(d, ini->path, values_line(mv, nm, "log_level", iocd_line),
                 "'log_level' = '%s': use error, warning, info or debug", v ? v : "");
    confval_duration_ms(values_text(mv, nm, "shutdown_timeout"), &c->shutdown_timeout_ms, &reason);
    confval_duration_ms(values_text(mv, nm, "stats_interval"), &c->stats_interval_ms, &reason);
    confval_bool(values_text(ov, no, "enabled"), &c->stdout_sink, &reason);
    config_sink_sections(ini, c, d);
    c->connectors_dir = config_path_join(c->dir, values_text(mv, nm, "connectors_dir"));
    c->state_dir = config_path_join(c->dir, values_text(mv, nm, "state_dir"));
    c->gazetteer_path = config_path_join(c->dir, values_text(mv, nm, "gazetteer"));
    v = values_text(mv, nm, "plugin_dir");
    c->plugin_dir = v ? config_path_join(c->dir, v) : config_default_plugin_dir();
    values_free(mv, nm);
    values_free(ov, no);
    return d->count > errors_before ? -1 : 0;
}

/* ---- connectors.d/NAME.conf ---- */

static int config_valid_instance_name(const char *s)
{
    /* Not starting with '_' or '-': "_status" is the status topics' level. */
    if (!*s || strlen(s) > 64 || *s == '_' || *s == '-')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void config_instance_reserved(struct instance_config *ic)
{
    const char *reason;
    struct instance_value *v = ic->values;
    size_t n = ic->value_count;
    confval_bool(values_text(v, n, "enabled"), &ic->enabled, &reason);
    confval_duration_ms(values_text(v, n, "interval"), &ic->interval_ms, &reason);
    confval_duration_ms(values_text(v, n, "timeout"), &ic->timeout_ms, &reason);
    confval_duration_ms(values_text(v, n, "jitter"), &ic->jitter_ms, &reason);
    confval_duration_ms(values_text(v, n, "backoff_max"), &ic->backoff_max_ms, &reason);
    confval_int(values_text(v, n, "fail_after"), &ic->fail_after, &reason);
    confval_size(values_text(v, n, "max_body"), &ic->max_body, &reason);
    ic->source = values_text(v, n, "source") ? values_text(v, n, "source") : ic->name;
}

static void config_instance_limits(struct instance_config *ic, struct diag *d)
{
    const struct instance_value *v;
    /* The source is the first level of every series key and MQTT topic. */
    if ((v = instance_value(ic, "source")) && v->text && !config_valid_instance_name(v->text))
        diag_add(d, ic->path, v->line, "'source' = '%s': use lowercase letters, digits, '_' or "
                 "'-', starting with a letter or digit (it becomes an MQTT topic level)", v->text);
    if (ic->interval_ms < 1000 && (v = instance_value(ic, "interval")))
        diag_add(d, ic->path, v->line, "'interval' must be at least 1s");
    if (ic->timeout_ms < 100 && (v = instance_value(ic, "timeout")))
        diag_add(d, ic->path, v->line, "'timeout' must be at least 100ms");
    if (ic->jitter_ms * 2 > ic->interval_ms && (v = instance_value(ic, "jitter")))
        diag_add(d, ic->path, v->line, "'jitter' must be at most half the interval");
    if (ic->fail_after < 1 && (v = instance_value(ic, "fail_after")))
        diag_add(d, ic->path, v->line, "'fail_after' must be at least 1");
    if (ic->max_body < 1024 && (v = instance_value(ic, "max_body")))
        diag_add(d, ic->path, v->line, "'max_body' must be at least 1k");
}

const struct ioc_config_key *config_family_of(const struct ioc_config_key *table, const char *key)
{
    for (const struct ioc_config_key *k = table; k && k->name; k++) {
        size_t n = strlen(k->name);
        if (n >= 2 && strcmp(k->name + n - 2, ".*") == 0 && strncmp(key, k->name, n - 1) == 0)
            return k;
    }
    return NULL;
}

/* Take the members of the plugin's key families out of `ini` (into
 * ic->family) before the table check sees them; check each one's form
 * and value against its family. */
static void config_instance_families(const struct ini_file *ini, struct ini_file *view,
                                     struct instance_config *ic, struct diag *d)
{
    const struct ioc_config_key *table = ic->plugin->desc->config;
    view->count = 0;
    for (size_t i = 0; i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        const struct ioc_config_key *fam = e->section[0] ? NULL : config_family_of(table, e->key);
        if (!fam) {
            view->entries[view->count++] = *e;
            continue;
        }
        const char *rest = e->key + strlen(fam->name) - 1;
        char reason[256];
        size_t len = strlen(rest);
        if (len == 0 || rest[0] == '.' || rest[len - 1] == '.' || strstr(rest, "..")) {
            diag_add(d, ic->path, e->line, "'%s': a key of family '%s' needs a name after '%.*s' "
                     "made of [a-z0-9_] parts joined by single dots", e->key, fam->name,
                     (int)strlen(fam->name) - 1, fam->name);
            continue;
        }
        if (confval_check_key(fam, e->value, reason, sizeof reason) < 0) {
            diag_add(d, ic->path, e->line, "'%s' = '%s': %s", e->key, e->value, reason);
            continue;
        }
        char **keys = realloc(ic->family_keys, (ic->family_count + 1) * sizeof *keys);
        if (keys)
            ic->family_keys = keys;
        struct instance_value *vals = realloc(ic->family, (ic->family_count + 1) * sizeof *vals);
        if (vals)
            ic->family = vals;
        if (!keys || !vals)
            continue;
        ic->family_keys[ic->family_count] = strdup(e->key);
        ic->family[ic->family_count] = (struct instance_value){fam, strdup(e->value), e->line};
        ic->family_count++;
    }
}

static int config_load_instance(struct config *c, const char *path, const char *name,
                           struct instance_config *ic, struct diag *d)
{
    size_t errors_before = d->count;
    struct ini_file ini;
    ic->name = strdup(name);
    ic->path = strdup(path);
    ini_load(path, &ini, d);
    if (ini.section_count > 0)
        diag_add(d, path, ini.section_lines[0],
                 "connector files have no [sections]: put every key at the top level");
    const struct ini_entry *plugin = ini_find(&ini, "", "plugin");
    if (!plugin)
        diag_add(d, path, 0, "required key 'plugin' is missing (see iocd --list-connectors)");
    else
        ic->plugin = plugin_open(c->plugin_dir, plugin->value, d, path, plugin->line);
    struct key_tables t = {{plugin_reserved_keys, ic->plugin ? ic->plugin->desc->config : NULL}};
    ic->value_count = tables_count(&t);
    ic->values = calloc(ic->value_count, sizeof *ic->values);
    if (ic->values && ic->plugin) {
        /* The view shares the file's entries; only ini owns them. */
        struct ini_file view = ini;
        view.entries = calloc(ini.count ? ini.count : 1, sizeof *view.entries);
        if (view.entries) {
            config_instance_families(&ini, &view, ic, d);
            config_check_section(&view, "", &t, c->dir, ic->values, 0, d);
        }
        free(view.entries);
        config_instance_reserved(ic);
        config_instance_limits(ic, d);
    }
    ini_free(&ini);
    return d->count > errors_before ? -1 : 0;
}

/* Sequence numbers are per source: two instances sharing one would
 * publish two interleaved, non-monotonic sequences. */
static void config_check_sources(const struct config *c, struct diag *d)
{
    for (size_t i = 0; i < c->instance_count; i++)
        for (size_t j = 0; j < i; j++) {
            const struct instance_config *a = &c->instances[j], *b = &c->instances[i];
            if (a->source && b->source && strcmp(a->source, b->source) == 0) {
                const struct instance_value *v = instance_value(b, "source");
                diag_add(d, b->path, v ? v->line : 0, "source '%s' is already used by %s",
                         b->source, a->path);
            }
        }
}

static void config_instances(struct config *c, const char *only, struct diag *d)
{
    size_t count = 0;
    char **names = NULL;
    if (only) {
        names = malloc(sizeof *names);
        if (names && (names[0] = strdup(only)))
            count = 1;
    } else {
        errno = 0;
        names = dirlist(c->connectors_dir, ".conf", &count);
        if (!names && errno)
            diag_add(d, c->connectors_dir, 0, "cannot open connectors directory: %s",
                     strerror(errno));
    }
    c->instances = calloc(count ? count : 1, sizeof *c->instances);
    for (size_t i = 0; c->instances && i < count; i++) {
        char *path;
        if (asprintf(&path, "%s/%s.conf", c->connectors_dir, names[i]) < 0)
            break;
        if (!config_valid_instance_name(names[i])) {
            diag_add(d, path, 0, "instance name '%s' must be [a-z0-9_-], at most 64 bytes, "
                     "starting with a letter or digit", names[i]);
        } else if (only && access(path, R_OK) != 0) {
            diag_add(d, path, 0, "no such connector instance '%s': %s", only, strerror(errno));
        } else {
            struct instance_config *ic = &c->instances[c->instance_count++];
            /* The plugin judges only what passed the table check. */
            if (config_load_instance(c, path, names[i], ic, d) == 0 && c->gazetteer &&
                c->province)
                instance_check(c, ic, d);
        }
        free(path);
    }
    dirlist_free(names, count);
    config_check_sources(c, d);
}

int config_load(const char *path, const char *only_instance, struct config *out, struct diag *d)
{
    memset(out, 0, sizeof *out);
    size_t errors_before = d->count;
    char *copy = strdup(path);
    out->path = strdup(path);
    out->dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    if (!out->path || !out->dir)
        return -1;
    struct ini_file ini;
    if (ini_load(path, &ini, d) < 0 && ini.count == 0 && ini.section_count == 0) {
        ini_free(&ini);
        return -1;
    }
    config_main_file(&ini, out, d);
    ini_free(&ini);
    if (out->gazetteer_path) {
        char err[512];
        out->gazetteer = gazetteer_load(out->gazetteer_path, err, sizeof err);
        if (!out->gazetteer)
            diag_add(d, path, 0, "gazetteer: %s", err);
        else if (out->province) {
            struct area_resolution r;
            if (gazetteer_resolve(out->gazetteer, out->province, &r) != GAZ_CURRENT ||
                r.area->level != AREA_PROVINCE)
                diag_add(d, path, out->province_line, "province '%s' is not a province of "
                         "gazetteer %s", out->province, gazetteer_version(out->gazetteer));
        }
    }
    if (out->connectors_dir && out->plugin_dir)
        config_instances(out, only_instance, d);
    return d->count > errors_before ? -1 : 0;
}

void config_free(struct config *c)
{
    for (size_t i = 0; c->instances && i < c->instance_count; i++) {
        struct instance_config *ic = &c->instances[i];
        values_free(ic->values, ic->value_count);
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
    free(c->instances);
    if (c->gazetteer)
        gazetteer_free(c->gazetteer);
    config_section_free(&c->mqtt);
    config_section_free(&c->kafka);
    free(c->path);
    free(c->dir);
    free(c->province);
    free(c->connectors_dir);
    free(c->plugin_dir);
    free(c->state_dir);
    free(c->gazetteer_path);
    memset(c, 0, sizeof *c);
}

const struct instance_value *instance_value(const struct instance_config *ic, const char *key)
{
    for (size_t i = 0; i < ic->value_count; i++)
        if (strcmp(ic->values[i].key->name, key) == 0)
            return &ic->values[i];
    for (size_t i = 0; i < ic->family_count; i++)
        if (strcmp(ic->family_keys[i], key) == 0)
            return &ic->family[i];
    return NULL;
}

const struct instance_config *config_instance(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->instance_count; i++)
        if (strcmp(c->instances[i].name, name) == 0)
            return &c->instances[i];
    return NULL;
}
