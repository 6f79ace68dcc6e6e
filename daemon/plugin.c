/* plugin - see plugin.h. */
#include "plugin.h"

#include "confval.h"
#include "dirlist.h"
#include "filemode.h"
#include "log.h"
#include "plugin_path.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ioc_config_key plugin_reserved_keys[] = {
    {"plugin", IOC_CFG_STRING, NULL, true, "connector plugin to run (a NAME.so in plugin_path)",
     NULL, NULL},
    {"enabled", IOC_CFG_BOOL, "true", false, "run this instance", NULL, NULL},
    {"interval", IOC_CFG_DURATION, "60s", false, "time between the starts of two polls",
     "1s", NULL},
    {"timeout", IOC_CFG_DURATION, "30s", false, "bound on a whole poll, every HTTP request included",
     "100ms", NULL},
    {"jitter", IOC_CFG_DURATION, "0", false, "random spread added to each wait (up to +/- this)",
     NULL, NULL},
    {"backoff_max", IOC_CFG_DURATION, "10m", false, "longest wait between retries after failures",
     NULL, NULL},
    {"fail_after", IOC_CFG_INT, "3", false, "consecutive failed polls before status is 'failed'",
     "1", NULL},
    {"max_body", IOC_CFG_SIZE, "16MiB", false, "largest HTTP response body accepted", "1k", NULL},
    {"source", IOC_CFG_STRING, NULL, false, "metric 'source' (default: the instance name)",
     NULL, NULL},
    {"allow_origins", IOC_CFG_STRING, NULL, false, "more origins (https://host[:port] ...) that "
     "next links and credentialed redirects may reach", NULL, NULL},
    {"http_listen", IOC_CFG_STRING, NULL, false, "HOST:PORT of /metrics and /health when this "
     "instance runs alone (iocd --connector NAME, iocd@NAME); one port per instance", NULL, NULL},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

const struct ioc_config_key *plugin_find_key(const struct ioc_connector *desc, const char *key)
{
    for (const struct ioc_config_key *k = plugin_reserved_keys; k->name; k++)
        if (strcmp(k->name, key) == 0)
            return k;
    for (const struct ioc_config_key *k = desc ? desc->config : NULL; k && k->name; k++)
        if (strcmp(k->name, key) == 0)
            return k;
    return NULL;
}

static int plugin_valid_name(const char *s, const char *extra)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              strchr(extra, *s)))
            return 0;
    return 1;
}

/* What changed since an older ABI, so that the author of a refused plugin
 * knows what to adapt besides rebuilding. */
static const char *plugin_abi_change(unsigned abi)
{
    if (abi == 2)
        return " (ABI 3 added min/max to struct ioc_config_key, and the page-walk and time "
               "helpers)";
    if (abi == 1)
        return " (ABI 2 added key families and the check callback, ABI 3 min/max to struct "
               "ioc_config_key and the page-walk and time helpers)";
    return "";
}

/* Check the config table a plugin declares: the daemon relies on it. */
static int plugin_check_table(const struct ioc_connector *desc, const char *path, struct diag *d)
{
    int errors = 0;
    for (const struct ioc_config_key *k = desc->config; k && k->name; k++) {
        const char *reason;
        size_t len = strlen(k->name);
        bool family = len > 2 && strcmp(k->name + len - 2, ".*") == 0;
        char stem[64];
        snprintf(stem, sizeof stem, "%.*s", (int)(family ? len - 2 : len), k->name);
        if (!plugin_valid_name(stem, family ? "." : "") || len > 48 || stem[0] == '.' ||
            stem[strlen(stem) - 1] == '.') {
            diag_add(d, path, 0, "config key '%s' is not a valid name", k->name);
            errors++;
            continue;
        }
        if (family && (k->default_value || k->required || k->type == IOC_CFG_SECRET)) {
            diag_add(d, path, 0, "config key family '%s' cannot have a default, be required or "
                     "be a secret", k->name);
            errors++;
        }
        for (const struct ioc_config_key *r = plugin_reserved_keys; r->name; r++)
            if (strcmp(r->name, k->name) == 0) {
                diag_add(d, path, 0, "config key '%s' is reserved by the daemon", k->name);
                errors++;
            }
        for (const struct ioc_config_key *o = desc->config; o != k; o++)
            if (strcmp(o->name, k->name) == 0) {
                diag_add(d, path, 0, "config key '%s' declared twice", k->name);
                errors++;
            }
        char why[256];
        if (k->default_value && confval_check(k->type, k->default_value, &reason) < 0) {
            diag_add(d, path, 0, "default of config key '%s' ('%s'): %s", k->name,
                     k->default_value, reason);
            errors++;
        } else if (confval_check_bounds(k, why, sizeof why) < 0) {
            diag_add(d, path, 0, "config key '%s': %s", k->name, why);
            errors++;
        }
        if (!k->help || !*k->help) {
            diag_add(d, path, 0, "config key '%s' has no help text", k->name);
            errors++;
        }
    }
    return errors ? -1 : 0;
}

/* dlopen runs the plugin's code as iocd (often root): like sshd's
 * StrictModes for a key file, refuse a .so, or a directory holding it,
 * that another user could replace. */
static int plugin_trusted(const char *path, struct diag *d)
{
    char why[160];
    char *dir = strdup(path);
    if (!dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0'; /* "/x.so": the root directory */
    else
        *slash = '\0';
    int rc = 0;
    if (filemode_trusted(path, why, sizeof why) < 0) {
        diag_add(d, path, 0, "refusing to load plugin: the file %s", why);
        rc = -1;
    } else if (filemode_trusted(dir, why, sizeof why) < 0) {
        diag_add(d, path, 0, "refusing to load plugin: its directory %s %s", dir, why);
        rc = -1;
    }
    free(dir);
    return rc;
}

struct plugin *plugin_open_path(const char *path, struct diag *d)
{
    if (plugin_trusted(path, d) < 0)
        return NULL;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        diag_add(d, path, 0, "cannot load plugin: %s", dlerror());
        return NULL;
    }
    const struct ioc_connector *desc = dlsym(handle, IOC_CONNECTOR_SYMBOL);
    const char *problem = NULL;
    if (!desc)
        problem = "missing symbol '" IOC_CONNECTOR_SYMBOL "' (use IOC_CONNECTOR_EXPORT)";
    else if (desc->abi_version != IOC_ABI_VERSION)
        problem = NULL; /* reported with the numbers below */
    else if (!plugin_valid_name(desc->name, "-"))
        problem = "descriptor has no valid name ([a-z0-9_-])";
    else if (!desc->poll)
        problem = "descriptor has no poll callback";
    if (desc && desc->abi_version != IOC_ABI_VERSION) {
        /* Only abi_version may be read: the rest of an older descriptor
         * (its key table above all) has another layout. */
        diag_add(d, path, 0, "plugin built for connector ABI %u, this iocd speaks ABI %d%s: "
                 "rebuild it against this version's include/ioc/", desc->abi_version,
                 IOC_ABI_VERSION, plugin_abi_change(desc->abi_version));
        dlclose(handle);
        return NULL;
    }
    if (problem || plugin_check_table(desc, path, d) < 0) {
        if (problem)
            diag_add(d, path, 0, "%s", problem);
        dlclose(handle);
        return NULL;
    }
    struct plugin *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path)) || !(p->name = strdup(desc->name))) {
        if (p)
            free(p->path);
        free(p);
        dlclose(handle);
        diag_add(d, path, 0, "out of memory");
        return NULL;
    }
    p->handle = handle;
    p->desc = desc;
    return p;
}

struct plugin *plugin_open(const char *path, const char *name, struct diag *d, const char *cfg_file,
                           int cfg_line)
{
    if (!plugin_valid_name(name, "-")) {
        diag_add(d, cfg_file, cfg_line, "plugin name '%s' is not valid ([a-z0-9_-])", name);
        return NULL;
    }
    char *shadowed = NULL;
    char *file = plugin_path_find(path, name, &shadowed);
    if (!file) {
        size_t count;
        char **names = plugin_path_names(path, &count);
        const char *hint = confval_closest(name, (const char *const *)names, count);
        char *tried = plugin_path_candidates(path, name);
        diag_add(d, cfg_file, cfg_line, "plugin '%s' not found: no %s%s%s%s", name,
                 tried ? tried : path, hint ? " (did you mean '" : "", hint ? hint : "",
                 hint ? "'?)" : "");
        free(tried);
        dirlist_free(names, count);
        return NULL;
    }
    /* A site's plugin may replace a packaged one on purpose; say so, so
     * that nobody wonders why the packaged fix does not take effect. */
    if (shadowed)
        log_msg(LOG_LEVEL_INFO, "iocd", "plugin '%s': %s shadows %s (plugin_path: first "
                "directory wins)", name, file, shadowed);
    free(shadowed);
    struct plugin *p = plugin_open_path(file, d);
    if (p && strcmp(p->name, name) != 0) {
        diag_add(d, file, 0, "file is named '%s.so' but its descriptor says '%s'", name, p->name);
        plugin_close(p);
        p = NULL;
    }
    free(file);
    return p;
}

void plugin_close(struct plugin *p)
{
    if (!p)
        return;
    dlclose(p->handle);
    free(p->name);
    free(p->path);
    free(p);
}
