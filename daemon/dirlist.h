/*
 * dirlist - the names in a folder that end with a suffix, sorted.
 *
 * Plugins (NAME.so) and connector instances (NAME.conf) are both found
 * this way; hidden files are skipped so editor backups and dot-files never
 * turn into instances.
 */
#ifndef IOCD_DIRLIST_H
#define IOCD_DIRLIST_H

#include <stddef.h>

/* Names (without the suffix) of the entries of `dir` ending in `suffix`,
 * sorted. Returns NULL with *count 0 when the folder cannot be read (errno
 * set) or holds none. Free with dirlist_free(). */
char **dirlist(const char *dir, const char *suffix, size_t *count);
void dirlist_free(char **names, size_t count);
/* Sort names as dirlist() does (plugin_path merges several lists). */
void dirlist_sort(char **names, size_t count);

#endif
