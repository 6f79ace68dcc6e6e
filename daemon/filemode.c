/* filemode - see filemode.h. */
#include "filemode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int filemode_secret_exposed(const char *path, char *why, size_t len)
{
    struct stat st;
    if (stat(path, &st) < 0 || !(st.st_mode & FILEMODE_SECRET_EXPOSED))
        return 0;
    snprintf(why, len, "mode %04o lets %s read it", (unsigned)(st.st_mode & 07777),
             st.st_mode & (S_IROTH | S_IWOTH) ? "every user" : "its group");
    return 1;
}

int filemode_trusted(const char *path, char *why, size_t len)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(why, len, "cannot stat it: %s", strerror(errno));
        return -1;
    }
    if (st.st_mode & FILEMODE_SHARED_WRITE) {
        snprintf(why, len, "is writable by %s (mode %04o; chmod go-w it)",
                 st.st_mode & S_IWOTH ? "every user" : "its group", (unsigned)(st.st_mode & 07777));
        return -1;
    }
    uid_t me = geteuid();
    if (st.st_uid != 0 && st.st_uid != me) {
        snprintf(why, len, "is owned by uid %u, not root or uid %u", (unsigned)st.st_uid,
                 (unsigned)me);
        return -1;
    }
    return 0;
}
