/* conffile - see conffile.h. */
#include "conffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *conffile_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

/* 0 for a regular file, else -1 with why it is refused. */
static int conffile_regular(mode_t mode, char *why, size_t whylen)
{
    if (S_ISREG(mode))
        return 0;
    if (S_ISDIR(mode))
        snprintf(why, whylen, "is a directory");
    else
        snprintf(why, whylen, "is %s, not a regular file", conffile_kind(mode));
    return -1;
}

int conffile_open(const char *path, char *why, size_t whylen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (conffile_regular(st.st_mode, why, whylen) < 0)
        return -1; /* never opened: opening a FIFO waits for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return -1;
    }
    /* What was opened may not be what was stat'ed (a rename between). */
    if (fstat(fd, &st) < 0) {
        snprintf(why, whylen, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (conffile_regular(st.st_mode, why, whylen) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

char *conffile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
    why[0] = '\0';
    int fd = conffile_open(path, why, whylen);
    if (fd < 0)
        return NULL;
    size_t used = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (used > max) {
            snprintf(why, whylen, "is over the limit of %zu bytes for this file", max);
            break;
        }
        if (used == cap) {
            /* Never more than max + 1 bytes: enough to know it is over. */
            size_t grown_cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *grown = grown_cap > cap ? realloc(buf, grown_cap + 1) : NULL;
            if (!grown) {
                snprintf(why, whylen, "out of memory reading it");
                break;
            }
            buf = grown;
            cap = grown_cap;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, whylen, "read error: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            close(fd);
            buf[used] = '\0';
            *len = used;
            return buf;
        }
        used += (size_t)n;
    }
    if (!buf)
        snprintf(why, whylen, "out of memory reading it");
    free(buf);
    close(fd);
    return NULL;
}
