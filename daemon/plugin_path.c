/* plugin_path - see plugin_path.h. */
#include "plugin_path.h"

#include "dirlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t plugin_path_count(const char *path)
{
    size_t n = 1;
    for (const char *p = path; *p; p++)
        n += *p == ':';
    return n;
}

const char *plugin_path_dir(const char *path, size_t i, char *out, size_t size)
{
    const char *start = path;
    for (; i > 0; i--) {
        start = strchr(start, ':');
        if (!start)
            return NULL;
        start++;
    }
    size_t len = strcspn(start, ":");
    if (len >= size)
        return NULL;
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

char *plugin_path_resolve(const char *text, const char *base_dir, const char **why)
{
    size_t n = plugin_path_count(text);
    /* Each element may grow by base_dir and a '/'. */
    size_t size = strlen(text) + n * (strlen(base_dir) + 1) + 1;
    char *out = malloc(size), *o = out;
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    for (const char *p = text;;) {
        size_t len = strcspn(p, ":");
        if (len == 0) {
            *why = "an empty directory (two ':' in a row, or one at an end)";
            free(out);
            return NULL;
        }
        if (o != out)
            *o++ = ':';
        if (p[0] != '/')
            o += sprintf(o, "%s/", base_dir);
        memcpy(o, p, len);
        o += len;
        *o = '\0';
        if (!p[len])
            break;
        p += len + 1;
    }
    return out;
}

/* DIR/NAME.so in `buf`, or NULL when it does not fit. */
static const char *plugin_path_file(const char *dir, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s.so", dir, name);
    return n > 0 && (size_t)n < size ? buf : NULL;
}

char *plugin_path_find(const char *path, const char *name, char **shadowed)
{
    char *found = NULL;
    if (shadowed)
        *shadowed = NULL;
    for (size_t i = 0, n = plugin_path_count(path); i < n; i++) {
        char dir[4096], file[4200];
        if (!plugin_path_dir(path, i, dir, sizeof dir) ||
            !plugin_path_file(dir, name, file, sizeof file) || access(file, F_OK) != 0)
            continue;
        if (!found) {
            found = strdup(file);
            if (!shadowed)
                break;
        } else {
            *shadowed = strdup(file);
            break;
        }
    }
    return found;
}

char *plugin_path_candidates(const char *path, const char *name)
{
    char *out = strdup("");
    for (size_t i = 0, n = plugin_path_count(path); out && i < n; i++) {
        char dir[4096], *next = NULL;
        if (!plugin_path_dir(path, i, dir, sizeof dir))
            continue;
        if (asprintf(&next, "%s%s%s/%s.so", out, *out ? ", " : "", dir, name) < 0)
            next = NULL;
        free(out);
        out = next;
    }
    return out;
}

char **plugin_path_names(const char *path, size_t *count)
{
    char **all = NULL;
    size_t total = 0;
    *count = 0;
    for (size_t i = 0, n = plugin_path_count(path); i < n; i++) {
        char dir[4096];
        size_t k;
        char **names = plugin_path_dir(path, i, dir, sizeof dir) ? dirlist(dir, ".so", &k) : NULL;
        if (!names || k == 0) {
            free(names);
            continue;
        }
        char **grown = realloc(all, (total + k) * sizeof *all);
        if (!grown) {
            dirlist_free(names, k);
            continue;
        }
        all = grown;
        memcpy(all + total, names, k * sizeof *names);
        total += k;
        free(names); /* the strings now belong to `all` */
    }
    if (!all)
        return NULL;
    dirlist_sort(all, total);
    size_t kept = 0;
    for (size_t i = 0; i < total; i++) {
        if (kept > 0 && strcmp(all[kept - 1], all[i]) == 0)
            free(all[i]);
        else
            all[kept++] = all[i];
    }
    *count = kept;
    return all;
}
