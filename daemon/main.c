/*
 * main - iocd's command line: parse options, run one command.
 *
 * Commands that only inspect (--check-config, --describe,
 * --list-connectors) never start a connector; everything that runs goes
 * through daemon_run(). Exit status: 0 success, 1 configuration or run
 * failure, 2 usage error.
 */
#include "config.h"
#include "paths.h" /* generated: IOCD_PLUGIN_PATH, IOCD_SYSCONF */
#include "confval.h"
#include "daemon.h"
#include "dirlist.h"
#include "ini.h"
#include "instance.h"
#include "keytable.h"
#include "log.h"
#include "plugin.h"
#include "plugin_path.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum command { CMD_RUN, CMD_CHECK, CMD_LIST, CMD_DESCRIBE };

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: iocd [OPTION]...\n"
        "Pull departmental feeds through connector plugins, normalize them into one\n"
        "metric stream and publish it to the operations center's screens.\n"
        "\n"
        "  -c, --config FILE        main configuration (default %s)\n"
        "  -t, --check-config       check every configuration file (with --connector\n"
        "                           NAME: iocd.conf and NAME's file only), print every\n"
        "                           error as FILE:LINE: message; exit 1 if any, 0 if valid\n"
        "  -C, --connector NAME     run only the instance NAME (connectors.d/NAME.conf)\n"
        "  -1, --once               poll each enabled connector once, publish to the\n"
        "                           configured sinks, save state, exit; exit status 0\n"
        "                           only if every poll succeeded\n"
        "  -n, --dry-run            poll each enabled connector (or --connector NAME)\n"
        "                           once and print its records on stdout: no sink, no\n"
        "                           broker, nothing saved in state_dir\n"
        "  -R, --republish          publish every series at its first poll (do not read\n"
        "                           the series state saved at the last stop)\n"
        "  -l, --list-connectors    list installed plugins and configured instances\n"
        "  -d, --describe PLUGIN    print a plugin's configuration keys\n"
        "  -L, --log-level LEVEL    error, warning, info or debug (overrides log_level)\n"
        "  -V, --version            print the version and exit\n"
        "  -h, --help               print this help and exit\n"
        "\n"
        "Signals: SIGTERM/SIGINT stop cleanly, SIGHUP reloads the configuration,\n"
        "SIGUSR1 logs every connector's counters. See iocd(8) and iocd.conf(5).\n",
        IOCD_SYSCONF);
}

/* plugin_path (or the deprecated plugin_dir) as iocd.conf sets it
 * (without validating the rest of the file: --describe must work with a
 * broken configuration), else the default. */
static char *main_plugin_path(const char *config_path)
{
    struct ini_file ini;
    struct diag d = {0};
    char *path = NULL;
    if (ini_load(config_path, &ini, &d) == 0 || ini.count > 0) {
        const struct ini_entry *e = ini_find(&ini, "iocd", "plugin_path");
        if (!e)
            e = ini_find(&ini, "iocd", "plugin_dir");
        char *copy = e ? strdup(config_path) : NULL, *slash = copy ? strrchr(copy, '/') : NULL;
        const char *why;
        if (slash)
            *slash = '\0';
        if (e)
            path = plugin_path_resolve(e->value, slash ? copy : ".", &why);
        free(copy);
    }
    ini_free(&ini);
    diag_free(&d);
    return path ? path : config_default_plugin_path();
}

static void describe_keys(const struct ioc_config_key *keys)
{
    for (const struct ioc_config_key *k = keys; k && k->name; k++) {
        const char *def = k->type == IOC_CFG_SECRET && k->default_value ? "(secret)"
                        : k->default_value ? k->default_value : "-";
        char bounds[160];
        confval_bounds_text(k, bounds, sizeof bounds);
        printf("  %-20s %-9s %-10s %-9s %s%s%s%s\n", k->name, confval_type_name(k->type), def,
               k->required ? "required" : "optional", k->help, bounds[0] ? " [" : "", bounds,
               bounds[0] ? "]" : "");
    }
}

static int cmd_describe(const char *config_path, const char *name)
{
    char *dir = main_plugin_path(config_path);
    struct diag d = {0};
    struct plugin *p = plugin_open(dir, name, &d, "--describe", 0);
    free(dir);
    if (!p) {
        for (size_t i = 0; i < d.count; i++)
            fprintf(stderr, "iocd: %s\n", d.lines[i]);
        diag_free(&d);
        return 1;
    }
    const struct ioc_connector *c = p->desc;
    printf("%s %s - %s\n%s\n\n", c->name, c->version ? c->version : "?", c->description ? c->description : "",
           p->path);
    printf("Keys of plugin %s:\n", c->name);
    printf("  %-20s %-9s %-10s %-9s %s\n", "KEY", "TYPE", "DEFAULT", "REQUIRED", "DESCRIPTION");
    if (c->config && c->config->name)
        describe_keys(c->config);
    else
        printf("  (none)\n");
    printf("\nKeys of every connector instance:\n");
    describe_keys(plugin_reserved_keys);
    printf("\nOrigins: a URL a feed supplies (a next link) must have the scheme, host and port\n"
           "of the configured URL, or one that allow_origins names; a redirect may lead to\n"
           "another origin only when the request carries no credentials, client certificate,\n"
           "header or body (or allow_origins names it). Never from https to plain http.\n");
    printf("Retry-After is obeyed on 429 and 503 only, and never beyond backoff_max.\n");
    printf("\nSecret keys may also be given as KEY_file = PATH (\"%%d/NAME\" is the systemd\n"
           "credentials directory). Durations: 250ms, 30s, 5m, 2h. Sizes: 64k, 10MiB.\n");
    plugin_close(p);
    diag_free(&d);
    return 0;
}

static int cmd_list(const char *config_path)
{
    char *dir = main_plugin_path(config_path);
    size_t count;
    char **names = plugin_path_names(dir, &count);
    printf("Plugins in %s:\n", dir);
    for (size_t i = 0; i < count; i++) {
        struct diag d = {0};
        struct plugin *p = plugin_open(dir, names[i], &d, "--list-connectors", 0);
        if (p)
            printf("  %-14s %-8s %s\n", p->name, p->desc->version, p->desc->description);
        else
            printf("  %-14s (cannot load: %s)\n", names[i], d.count ? d.lines[0] : "?");
        plugin_close(p);
        diag_free(&d);
    }
    if (count == 0)
        printf("  (none)\n");
    dirlist_free(names, count);
    free(dir);

    struct config config;
    struct diag d = {0};
    keytable_defer_credentials(true); /* inspects only, as --check-config */
    int rc = config_load(config_path, NULL, &config, &d);
    if (instance_check_all(&config, &d) < 0)
        rc = -1;
    printf("\nInstances configured in %s:\n", config.connectors_dir ? config.connectors_dir : "?");
    for (size_t i = 0; i < config.instance_count; i++) {
        const struct instance_config *ic = &config.instances[i];
        printf("  %-14s plugin %-10s %s\n", ic->name, ic->plugin ? ic->plugin->name : "?",
               ic->enabled ? "enabled" : "disabled");
    }
    if (rc < 0)
        printf("\n%zu configuration error%s: run iocd --check-config\n", d.count,
               d.count == 1 ? "" : "s");
    diag_free(&d);
    config_free(&config);
    return rc < 0 ? 1 : 0;
}

/* --check-config [--connector NAME]: iocd.conf and every connector file,
 * or NAME's only (so that `iocd --check-config --connector x && systemctl
 * reload iocd@x` is not stopped by another instance's broken file). A
 * "%d/" secret file is not there to read outside systemd: a warning. */
static int cmd_check(const char *config_path, const char *only_instance)
{
    struct config config;
    struct diag d = {0};
    keytable_defer_credentials(true);
    int rc = config_load(config_path, only_instance, &config, &d);
    if (instance_check_all(&config, &d) < 0)
        rc = -1;
    for (size_t i = 0; i < d.warning_count; i++)
        fprintf(stderr, "%s\n", d.warnings[i]);
    for (size_t i = 0; i < d.count; i++)
        fprintf(stderr, "%s\n", d.lines[i]);
    if (rc == 0) {
        size_t enabled = 0;
        for (size_t i = 0; i < config.instance_count; i++)
            enabled += config.instances[i].enabled;
        const struct catalog *cat = config_catalog(&config);
        printf("%s: configuration OK: %zu connector instance%s (%zu enabled), gazetteer %s, "
               "catalogue %s (%zu metrics, %zu units)\n",
               config_path, config.instance_count, config.instance_count == 1 ? "" : "s", enabled,
               gazetteer_version(config.gazetteer), cat->version, cat->metric_count,
               cat->unit_count);
        char note[512];
        if (config_empty_note(&config, note, sizeof note))
            printf("%s: %s\n", config_path, note);
    } else {
        fprintf(stderr, "%s: %zu error%s\n", config_path, d.count, d.count == 1 ? "" : "s");
    }
    diag_free(&d);
    config_free(&config);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},   {"check-config", no_argument, NULL, 't'},
        {"connector", required_argument, NULL, 'C'}, {"once", no_argument, NULL, '1'},
        {"list-connectors", no_argument, NULL, 'l'}, {"describe", required_argument, NULL, 'd'},
        {"log-level", required_argument, NULL, 'L'}, {"version", no_argument, NULL, 'V'},
        {"republish", no_argument, NULL, 'R'},      {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct daemon_options opts = {.config_path = IOCD_SYSCONF};
    enum command cmd = CMD_RUN;
    const char *describe = NULL;
    int c;
    log_init(LOG_LEVEL_INFO);
    while ((c = getopt_long(argc, argv, "c:tC:1nRld:L:Vh", options, NULL)) != -1) {
        switch (c) {
        case 'c': opts.config_path = optarg; break;
        case 't': cmd = CMD_CHECK; break;
        case 'C': opts.only_instance = optarg; break;
        case '1': opts.once = true; break;
        case 'n': opts.dry_run = true; break;
        case 'R': opts.republish = true; break;
        case 'l': cmd = CMD_LIST; break;
        case 'd': cmd = CMD_DESCRIBE, describe = optarg; break;
        case 'L':
            if (log_level_parse(optarg, &opts.log_level, NULL) < 0) {
                fprintf(stderr, "iocd: --log-level: '%s' is not error, warning, info or debug\n",
                        optarg);
                return 2;
            }
            opts.log_level_set = true;
            log_set_level(opts.log_level);
            break;
        case 'V': printf("iocd %s (connector ABI %d)\n", IOCD_VERSION, IOC_ABI_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "iocd: unexpected argument '%s' (see iocd --help)\n", argv[optind]);
        return 2;
    }
    switch (cmd) {
    case CMD_CHECK: return cmd_check(opts.config_path, opts.only_instance);
    case CMD_LIST: return cmd_list(opts.config_path);
    case CMD_DESCRIBE: return cmd_describe(opts.config_path, describe);
    case CMD_RUN: break;
    }
    return daemon_run(&opts);
}
