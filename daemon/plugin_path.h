/*
 * plugin_path - where connector plugins are looked for: a list of
 * directories separated by ':', searched in order.
 *
 * The one idea: the first directory holding NAME.so wins, so a site puts
 * its own plugins (e.g. /usr/local/lib/iocd/connectors) before the
 * packaged ones (/usr/lib/iocd/connectors) and keeps both; a site plugin
 * that hides a packaged one of the same name is reported (shadowing), never
 * silent. Every function here only looks at names in directories; loading
 * and trusting a .so is plugin.c's job.
 */
#ifndef IOCD_PLUGIN_PATH_H
#define IOCD_PLUGIN_PATH_H

#include <stddef.h>

/* `text` as written in iocd.conf with every relative directory made
 * relative to `base_dir` (the configuration file's directory). Returns a
 * malloc'd list, or NULL with *why set (an empty element, out of memory). */
char *plugin_path_resolve(const char *text, const char *base_dir, const char **why);

/* The first DIR/NAME.so of `path` that exists, malloc'd, or NULL. When a
 * later directory holds a NAME.so too and `shadowed` is non-NULL, it is
 * set to that file's path (malloc'd), else to NULL. */
char *plugin_path_find(const char *path, const char *name, char **shadowed);

/* Every DIR/NAME.so `path` could hold, each directory in turn, joined
 * with ", " (for "not found" messages). Malloc'd, or NULL. */
char *plugin_path_candidates(const char *path, const char *name);

/* Names of the plugins in every directory of `path`, sorted, each once
 * (the first directory's wins). Free with dirlist_free(). */
char **plugin_path_names(const char *path, size_t *count);

/* The number of directories of `path`, and the i-th of them copied into
 * `out` (NULL when too long or out of range). */
size_t plugin_path_count(const char *path);
const char *plugin_path_dir(const char *path, size_t i, char *out, size_t size);

#endif
