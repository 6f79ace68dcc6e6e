/*
 * plugin - loading connector plugins (.so) and checking their descriptor.
 *
 * A plugin is found as DIR/NAME.so, DIR the first directory of the plugin
 * path holding one (plugin_path.h), and must export the symbol
 * IOC_CONNECTOR_SYMBOL with our ABI version, a name equal to NAME, a poll
 * callback and a well-formed config table (valid key names, no reserved
 * key, no duplicates, defaults that parse as their type). Any problem is
 * an error naming the file, so a broken plugin is refused at start-up or
 * at --check-config, not discovered at the first poll.
 */
#ifndef IOCD_PLUGIN_H
#define IOCD_PLUGIN_H

#include "diag.h"
#include "ioc/connector.h"

struct plugin {
    char *name;
    char *path;
    void *handle;
    const struct ioc_connector *desc;
};

/* Open NAME.so from the first directory of `path` (':'-separated) that
 * holds one; one it shadows in a later directory is logged. Returns NULL
 * and adds an error to `d` (naming `cfg_file`:`cfg_line` that asked for
 * it, and every .so path tried) on failure. */
struct plugin *plugin_open(const char *path, const char *name, struct diag *d, const char *cfg_file,
                           int cfg_line);
/* Open a .so by path (used by the loader and tests). */
struct plugin *plugin_open_path(const char *path, struct diag *d);
void plugin_close(struct plugin *p);

/* The keys every connector instance has, whatever its plugin. */
extern const struct ioc_config_key plugin_reserved_keys[];

/* Find `key` in the reserved keys, then in the plugin's table. */
const struct ioc_config_key *plugin_find_key(const struct ioc_connector *desc, const char *key);

#endif
