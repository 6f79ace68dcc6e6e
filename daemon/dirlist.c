/* dirlist - see dirlist.h. */
#include "dirlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int dirlist_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dirlist(const char *dir, const char *suffix, size_t *count)
{
    *count = 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return NULL;
    size_t suffix_len = strlen(suffix);
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= suffix_len ||
            strcmp(e->d_name + len - suffix_len, suffix) != 0)
            continue;
        char **grown = realloc(names, (*count + 1) * sizeof *names);
        if (!grown)
            break;
        names = grown;
        if (!(names[*count] = strndup(e->d_name, len - suffix_len)))
            break;
        (*count)++;
    }
    int saved = errno;
    closedir(dp);
    if (names)
        dirlist_sort(names, *count);
    errno = saved;
    return names;
}

void dirlist_sort(char **names, size_t count)
{
    qsort(names, count, sizeof *names, dirlist_cmp);
}

void dirlist_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}
