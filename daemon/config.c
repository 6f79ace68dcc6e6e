/* config - see config.h. */
#include "config.h"
#include "paths.h" /* generated: IOCD_PLUGIN_PATH, IOCD_SYSCONF, IOCD_EXAMPLES */

#include "catconf.h"
#include "confval.h"
#include "filemode.h"
#include "ini.h"
#include "plugin_path.h"
#include "listenaddr.h"
#include "sink.h"
#include "state.h"
#include "timeparse.h"

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
    {"plugin_path", IOC_CFG_STRING, NULL, false,
     "folders of connector .so files, separated by ':', the first holding NAME.so wins "
     "(default: beside the binary, else " IOCD_PLUGIN_PATH ")", NULL, NULL},
    {"plugin_dir", IOC_CFG_STRING, NULL, false,
     "deprecated: one folder of connector .so files; use plugin_path", NULL, NULL},
    {"state_dir", IOC_CFG_STRING, "/var/lib/iocd", false, "saved connector state", NULL, NULL},
    {"gazetteer", IOC_CFG_STRING, "gazetteer/vn-2025-07.tsv", false,
     "administrative units and old->new commune codes", NULL, NULL},
    {"catalog", IOC_CFG_STRING, "catalog.conf", false,
     "the metric catalogue: labels, units, decimals, aggregation, targets (docs/catalog.md)",
     NULL, NULL},
    {"log_level", IOC_CFG_STRING, "info", false, "error, warning, info or debug", NULL, NULL},
    {"shutdown_timeout", IOC_CFG_DURATION, "10s", false, "wait for in-flight polls on stop",
     NULL, NULL},
    {"stats_interval", IOC_CFG_DURATION, "5m", false, "how often counters are logged; 0 = never",
     NULL, NULL},
    {"series_save_interval", IOC_CFG_DURATION, "1m", false,
     "how often the series state is saved in state_dir (a crash costs at most this much of "
     "publish-on-change's memory); 0 = only at shutdown", NULL, NULL},
    {"http_listen", IOC_CFG_STRING, NULL, false,
     "serve /metrics and /health on HOST:PORT (e.g. 127.0.0.1:9108); unset = no HTTP endpoint. "
     "Under iocd@NAME, NAME.conf's http_listen wins", NULL, NULL},
    {"http_allow_remote", IOC_CFG_BOOL, "false", false,
     "allow an http_listen address other than loopback (the pages are not authenticated)",
     NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

const struct ioc_config_key config_outbox_keys[] = {
    {"capacity", IOC_CFG_INT, "100000", false,
     "metrics each sink may hold while its broker is slow or away; then the oldest are dropped",
     "1", "10000000"},
    {"max_bytes", IOC_CFG_SIZE, "16MiB", false,
     "memory each sink's outbox may hold (whichever of capacity and max_bytes comes first)",
     "1MiB", NULL},
    {"dir", IOC_CFG_STRING, NULL, false,
     "the durable outbox: a log on disk, written once and read by every sink, so a crash, "
     "kill -9 or a long broker outage loses nothing committed (docs/design.md \"Durable "
     "outbox\"); unset = in memory only (capacity, max_bytes)", NULL, NULL},
    {"fsync", IOC_CFG_STRING, "poll", false,
     "when the durable outbox is made durable: poll (every poll's metrics before the poll "
     "counts as done), interval (at most every fsync_interval: a power cut loses up to that "
     "long) or never (the kernel decides: a power cut loses what it had not written)",
     NULL, NULL},
    {"fsync_interval", IOC_CFG_DURATION, "1s", false, "for fsync = interval", "10ms", "1h"},
    {"max_disk", IOC_CFG_SIZE, "1GiB", false,
     "disk the durable outbox may use; over it the oldest whole segments are dropped "
     "(counted as dropped_full)", "2MiB", NULL},
    {"segment_size", IOC_CFG_SIZE, "8MiB", false,
     "size of one segment file of the durable outbox (at most max_disk / 2)", "1MiB", "1GiB"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

static char *config_path_join(const char *dir, const char *rel)
{
    char *out = NULL;
    if (rel[0] == '/')
        return strdup(rel);
    return asprintf(&out, "%s/%s", dir, rel) < 0 ? NULL : out;
}

char *config_default_plugin_path(void)
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
    return strdup(IOCD_PLUGIN_PATH);
}

/* ---- iocd.conf ---- */

static size_t config_sink_count(void)
{
    size_t n = 0;
    while (sink_kinds[n])
        n++;
    return n;
}

/* Every [section] must be [iocd], [outbox] or a sink's. */
static void config_known_sections(const struct ini_file *ini, struct diag *d)
{
    size_t nsinks = config_sink_count();
    const char *known[nsinks + 2];
    known[0] = "iocd";
    known[1] = "outbox";
    for (size_t k = 0; k < nsinks; k++)
        known[k + 2] = sink_kinds[k]->section;
    for (size_t i = 0; i < ini->section_count; i++) {
        const char *s = ini->sections[i];
        size_t k = 0;
        while (k < nsinks + 2 && strcmp(s, known[k]) != 0)
            k++;
        if (k == nsinks + 2) {
            const char *hint = confval_closest(s, known, nsinks + 2);
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
}

/* plugin_path, or plugin_dir, its deprecated one-directory form, else
 * the default. A directory written in the file that does not exist is a
 * warning: the path still works, but a plugin put there would not load. */
static void config_plugin_path(const struct config_section *sec, struct config *c, struct diag *d)
{
    const char *path = section_text(sec, "plugin_path"), *dir = section_text(sec, "plugin_dir");
    int line = section_line(sec, path ? "plugin_path" : "plugin_dir");
    if (path && dir)
        diag_add(d, sec->path, section_line(sec, "plugin_dir"),
                 "'plugin_dir' and 'plugin_path' both set: keep plugin_path only");
    else if (dir)
        diag_warn(d, sec->path, line, "'plugin_dir' is deprecated: write plugin_path = %s "
                  "(several directories may follow, separated by ':')", dir);
    const char *text = path ? path : dir, *why = NULL;
    if (!text) {
        c->plugin_path = config_default_plugin_path();
        return;
    }
    if (dir && !path && strchr(dir, ':')) {
        diag_add(d, sec->path, line, "'plugin_dir' = '%s': one directory only; several go "
                 "in plugin_path", dir);
        return;
    }
    if (!(c->plugin_path = plugin_path_resolve(text, c->dir, &why))) {
        diag_add(d, sec->path, line, "'%s' = '%s': %s", path ? "plugin_path" : "plugin_dir", text,
                 why);
        return;
    }
    for (size_t i = 0, n = plugin_path_count(c->plugin_path); i < n; i++) {
        char one[4096];
        struct stat st;
        if (plugin_path_dir(c->plugin_path, i, one, sizeof one) &&
            (stat(one, &st) != 0 || !S_ISDIR(st.st_mode)))
            diag_warn(d, sec->path, line, "'%s': no directory %s", path ? "plugin_path"
                      : "plugin_dir", one);
    }
}

/* state_dir, refused here too (state_open refuses it at run time), so
 * that --check-config and start-up name the line rather than start
 * instances that drop every metric: not a directory, not writable, not
 * creatable, or writable by others. A directory not made yet is made
 * 0700 by the daemon. */
static void config_state_dir_check(const struct config_section *sec, const char *state_dir,
                                   struct diag *d)
{
    char why[300];
    struct stat st;
    if (!state_dir)
        return;
    if (state_dir_usable(state_dir, why, sizeof why) < 0)
        diag_add(d, sec->path, section_line(sec, "state_dir"), "'state_dir' = '%s': %s",
                 state_dir, why);
    else if (stat(state_dir, &st) == 0 && filemode_trusted(state_dir, why, sizeof why) < 0)
        diag_add(d, sec->path, section_line(sec, "state_dir"),
                 "'state_dir' = '%s': the directory %s; others could replace the state",
                 state_dir, why);
}

/* [iocd]: what the daemon serves and where its files are. */
static void config_iocd_section(const struct config_section *sec, struct config *c, struct diag *d)
{
    const char *v;
    if ((v = section_text(sec, "province"))) {
        c->province_line = section_line(sec, "province");
        if (strlen(v) != 2 || v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9')
            diag_add(d, sec->path, c->province_line,
                     "'province' = '%s': not a 2-digit province code", v);
        else if (!(c->province = strdup(v)))
            /* Unchecked, a NULL province passed every check and crashed
             * pipeline_new's strdup. */
            diag_add(d, sec->path, c->province_line, "'province': out of memory");
    }
    const char *reason;
    v = section_text(sec, "timezone");
    if (timeparse_offset(v, &c->tz_offset_min, NULL) < 0)
        diag_add(d, sec->path, section_line(sec, "timezone"),
                 "'timezone' = '%s': not an offset like +07:00", v ? v : "");
    v = section_text(sec, "log_level");
    if (!v || log_level_parse(v, &c->log_level, &reason) < 0)
        diag_add(d, sec->path, section_line(sec, "log_level"), "'log_level' = '%s': %s",
                 v ? v : "", v ? reason : "use error, warning, info or debug");
    c->shutdown_timeout_ms = section_ms(sec, "shutdown_timeout");
    c->stats_interval_ms = section_ms(sec, "stats_interval");
    c->series_save_interval_ms = section_ms(sec, "series_save_interval");
    c->connectors_dir = config_path_join(c->dir, section_text(sec, "connectors_dir"));
    c->state_dir = config_path_join(c->dir, section_text(sec, "state_dir"));
    config_state_dir_check(sec, c->state_dir, d);
    c->gazetteer_path = config_path_join(c->dir, section_text(sec, "gazetteer"));
    c->catalog_path = config_path_join(c->dir, section_text(sec, "catalog"));
    /* Line 0 = the default: a missing default file means the built-in
     * units (see config_load); a path written in the file must exist. */
    c->catalog_line = key_values_line(sec->values, sec->value_count, "catalog", 0);
    config_plugin_path(sec, c, d);
    if ((v = section_text(sec, "http_listen")) && v[0]) {
        c->http_listen = strdup(v);
        c->http_listen_line = section_line(sec, "http_listen");
    }
    c->http_allow_remote = section_bool(sec, "http_allow_remote");
}

/* One http_listen value: an address we can bind, loopback unless the
 * operator allowed others. */
static void config_http_check_one(const struct config *c, const char *text, const char *path,
                                  int line, struct diag *d)
{
    struct listenaddr a;
    const char *reason;
    if (listenaddr_parse(text, &a, &reason) < 0)
        diag_add(d, path, line, "'http_listen' = '%s': %s", text, reason);
    else if (!a.loopback && !c->http_allow_remote)
        diag_add(d, path, line, "'http_listen' = '%s' is not a loopback address: /metrics and "
                 "/health have no authentication; set http_allow_remote = true in [iocd] of %s "
                 "to serve them beyond this host", text, c->path);
}

/* [iocd]'s http_listen and each instance's (the address of its iocd@NAME
 * unit): valid, and no two instances on the same address (their units
 * would fight for it). */
static void config_http_check(const struct config *c, struct diag *d)
{
    if (c->http_listen)
        config_http_check_one(c, c->http_listen, c->path, c->http_listen_line, d);
    for (size_t i = 0; i < c->instance_count; i++) {
        /* An instance whose keys failed their tables has said so already. */
        const struct key_value *v = c->instances[i].table_ok
                                        ? instance_value(&c->instances[i], "http_listen") : NULL;
        if (!v || !v->text || !v->text[0])
            continue;
        config_http_check_one(c, v->text, c->instances[i].path, v->line, d);
        for (size_t k = 0; k < i; k++) {
            const struct key_value *w = c->instances[k].table_ok
                                            ? instance_value(&c->instances[k], "http_listen") : NULL;
            if (w && w->text && strcmp(w->text, v->text) == 0)
                diag_add(d, c->instances[i].path, v->line, "'http_listen' = '%s' is also %s's "
                         "(%s): each iocd@NAME needs its own port", v->text,
                         c->instances[k].name, c->instances[k].path);
        }
    }
}

const char *config_http_listen(const struct config *c, const char *only_instance)
{
    const struct instance_config *ic = only_instance ? config_instance(c, only_instance) : NULL;
    const struct key_value *v = ic && ic->table_ok ? instance_value(ic, "http_listen") : NULL;
    return v && v->text && v->text[0] ? v->text : c->http_listen;
}

/* [outbox]: how much each sink may hold while its broker is slow or away.
 * The bounds are in config_outbox_keys; a refused value was reported and
 * its default stands in. */
static void config_outbox_section(const struct config_section *sec, struct config *c,
                                  struct diag *d)
{
    c->outbox_limits.capacity = (size_t)section_int(sec, "capacity");
    c->outbox_limits.max_bytes = section_size(sec, "max_bytes");
    struct disklog_limits *lim = &c->outbox_disk;
    *lim = (struct disklog_limits){0};
    lim->max_disk = section_size(sec, "max_disk");
    lim->segment_bytes = section_size(sec, "segment_size");
    lim->fsync_interval_ms = section_ms(sec, "fsync_interval");
    const char *fsync = section_text(sec, "fsync");
    if (!fsync || strcmp(fsync, "poll") == 0)
        lim->fsync = DISKLOG_FSYNC_POLL;
    else if (strcmp(fsync, "interval") == 0)
        lim->fsync = DISKLOG_FSYNC_INTERVAL;
    else if (strcmp(fsync, "never") == 0)
        lim->fsync = DISKLOG_FSYNC_NEVER;
    else
        diag_add(d, sec->path, section_line(sec, "fsync"),
                 "'fsync' = '%s': not poll, interval or never", fsync);
    const char *dir = section_text(sec, "dir");
    if (!dir || !dir[0])
        return;
    c->outbox_dir = config_path_join(c->dir, dir);
    char why[300];
    /* Refused here so --check-config and start-up name the line. */
    if (c->outbox_dir && state_dir_usable(c->outbox_dir, why, sizeof why) < 0)
        diag_add(d, sec->path, section_line(sec, "dir"), "'dir' = '%s': %s", c->outbox_dir,
                 why);
}

/* Each sink's section, checked against its row of sink_kinds[]. */
static void config_sink_sections(const struct ini_file *ini, struct config *c, struct diag *d)
{
    c->sink_count = config_sink_count();
    c->sinks = calloc(c->sink_count, sizeof *c->sinks);
    if (!c->sinks) {
        c->sink_count = 0;
        return;
    }
    for (size_t i = 0; i < c->sink_count; i++) {
        const struct sink_kind *kind = sink_kinds[i];
        struct config_section *sec = &c->sinks[i];
        section_load(ini, kind->section, kind->keys, kind->passthrough, c->dir, sec, d);
        if (sec->present && kind->check)
            kind->check(sec, d);
    }
}

static int config_main_file(const struct ini_file *ini, struct config *c, struct diag *d)
{
    size_t errors_before = d->count;
    config_known_sections(ini, d);
    struct config_section iocd, outbox;
    section_load(ini, "iocd", config_iocd_keys, NULL, c->dir, &iocd, d);
    section_load(ini, "outbox", config_outbox_keys, NULL, c->dir, &outbox, d);
    config_iocd_section(&iocd, c, d);
    config_outbox_section(&outbox, c, d);
    section_free(&iocd);
    section_free(&outbox);
    config_sink_sections(ini, c, d);
    return d->count > errors_before ? -1 : 0;
}

/* The catalogue: the file [iocd] catalog names, or, when that is the
 * default and no such file is deployed, the built-in units and no
 * metrics, so that a bare iocd.conf (tests, demos, an upgrade that kept
 * its old /etc/iocd) still runs. `make install` installs the catalogue. */
static void config_catalog_load(struct config *c, struct diag *d)
{
    if (!c->catalog_path)
        return;
    if (c->catalog_line == 0 && access(c->catalog_path, F_OK) != 0)
        return;
    size_t before = d->count;
    c->catalog = catconf_load(c->catalog_path, d);
    if (!c->catalog && d->count == before)
        diag_add(d, c->path, c->catalog_line, "catalog: cannot load %s", c->catalog_path);
}

/* Warn about metrics a connector file configures (http_json's
 * metric.LABEL.name) that the catalogue lacks: screens would get no
 * label, unit or target for them. A dedicated connector's metric names
 * are in its code, not its file, and its descriptor does not declare
 * them: test_catalog checks the shipped ones instead. */
/* The names an http_json-style allow-list gives ("CT01 = a.b, CT02 = c.d":
 * metric.ID.name_map or metric.ID.name_map.LABEL), each warned about like
 * a metric.ID.name when the catalogue lacks it. */
static void config_catalog_map_coverage(const struct config *c, const struct instance_config *ic,
                                        const char *list, int line, struct diag *d)
{
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            const char *name = eq + 1, *stop = p + len;
            while (name < stop && *name == ' ')
                name++;
            while (stop > name && stop[-1] == ' ')
                stop--;
            char buf[128];
            if (stop > name && (size_t)(stop - name) < sizeof buf) {
                memcpy(buf, name, (size_t)(stop - name));
                buf[stop - name] = '\0';
                if (!catalog_metric(c->catalog, buf))
                    diag_warn(d, ic->path, line, "metric '%s' is not in the catalogue %s "
                              "(screens get no label, unit or target for it)", buf,
                              c->catalog->path);
            }
        }
        p = end ? end + 1 : NULL;
    }
}

static void config_catalog_coverage(const struct config *c, struct diag *d)
{
    if (!c->catalog)
        return;
    for (size_t i = 0; i < c->instance_count; i++) {
        const struct instance_config *ic = &c->instances[i];
        for (size_t j = 0; j < ic->family_count; j++) {
            const char *k = ic->family_keys[j], *v = ic->family[j].text;
            size_t len = strlen(k);
            if (!strncmp(k, "metric.", 7) && v &&
                (strstr(k, ".name_map.") || (len > 9 && !strcmp(k + len - 9, ".name_map")))) {
                config_catalog_map_coverage(c, ic, v, ic->family[j].line, d);
                continue;
            }
            if (strncmp(k, "metric.", 7) || len < 5 || strcmp(k + len - 5, ".name") || !v)
                continue;
            const struct catalog_metric *m = catalog_metric(c->catalog, v);
            if (!m) {
                diag_warn(d, ic->path, ic->family[j].line, "metric '%s' is not in the catalogue "
                          "%s (screens get no label, unit or target for it)", v,
                          c->catalog->path);
                continue;
            }
            /* Its unit, metric.LABEL.unit beside it, should be the catalogue's:
             * a screen would print the catalogue's symbol after the value. */
            char ukey[300];
            snprintf(ukey, sizeof ukey, "%.*sunit", (int)(len - 4), k);
            for (size_t u = 0; u < ic->family_count; u++)
                if (!strcmp(ic->family_keys[u], ukey) && ic->family[u].text && m->unit &&
                    strcmp(ic->family[u].text, m->unit->name))
                    diag_warn(d, ic->path, ic->family[u].line, "metric '%s' in unit '%s', but "
                              "the catalogue %s says '%s'", v, ic->family[u].text,
                              c->catalog->path, m->unit->name);
        }
    }
}

const struct catalog *config_catalog(const struct config *c)
{
    return c->catalog ? c->catalog : catalog_builtin();
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
    config_catalog_load(out, d);
    if (out->connectors_dir && out->plugin_path) {
        struct instconf_dirs dirs = {out->connectors_dir, out->plugin_path, out->dir};
        instconf_load(&dirs, only_instance, &out->instances, &out->instance_count, d);
    }
    config_catalog_coverage(out, d);
    config_http_check(out, d);
    return d->count > errors_before ? -1 : 0;
}

void config_free(struct config *c)
{
    instconf_free(c->instances, c->instance_count);
    if (c->gazetteer)
        gazetteer_free(c->gazetteer);
    catalog_free(c->catalog);
    free(c->catalog_path);
    for (size_t i = 0; i < c->sink_count; i++)
        section_free(&c->sinks[i]);
    free(c->sinks);
    free(c->path);
    free(c->dir);
    free(c->province);
    free(c->http_listen);
    free(c->connectors_dir);
    free(c->plugin_path);
    free(c->state_dir);
    free(c->outbox_dir);
    free(c->gazetteer_path);
    memset(c, 0, sizeof *c);
}

const char *config_empty_note(const struct config *c, char *out, size_t size)
{
    if (c->instance_count > 0)
        return NULL;
    snprintf(out, size, "no connector configured: add a NAME.conf to %s (examples in %s/) "
             "and reload", c->connectors_dir ? c->connectors_dir : "connectors_dir",
             IOCD_EXAMPLES);
    return out;
}

const struct instance_config *config_instance(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->instance_count; i++)
        if (strcmp(c->instances[i].name, name) == 0)
            return &c->instances[i];
    return NULL;
}

const struct config_section *config_sink(const struct config *c, const char *section)
{
    for (size_t i = 0; i < c->sink_count; i++)
        if (strcmp(c->sinks[i].name, section) == 0)
            return &c->sinks[i];
    return NULL;
}

bool config_sink_enabled(const struct config_section *sec)
{
    return sec && sec->present && section_bool(sec, "enabled");
}
