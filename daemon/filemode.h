/*
 * filemode - may other users read a secret, or change what iocd loads?
 *
 * Three judgements on a file's mode and owner, each phrased as the reason
 * to print when it fails, so that config, state and plugin all refuse or
 * warn with the same wording:
 *  - a secret (a KEY_file, or a config file holding an inline secret) must
 *    not be readable or writable by group or others (mode & 066);
 *  - code and state (a plugin .so, its directory, the state directory) must
 *    not be writable by group or others (mode & 022) and must belong to
 *    root or to the user iocd runs as, as sshd's StrictModes judges a key.
 * The sticky bit does not make a shared directory acceptable: others could
 * still plant names in it. A leaf module: it only calls stat(2).
 */
#ifndef IOCD_FILEMODE_H
#define IOCD_FILEMODE_H

#include <stddef.h>
#include <sys/stat.h>

/* Mode bits that expose a secret: read or write by group or others. */
#define FILEMODE_SECRET_EXPOSED (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)
/* Mode bits that let others change code or state iocd trusts. */
#define FILEMODE_SHARED_WRITE (S_IWGRP | S_IWOTH)

/* 1 if `path` (followed through links) is readable or writable by group
 * or others, with "mode 0644" in `why`; 0 if not, or if it cannot be
 * stat'ed (the caller reports that its own way). */
int filemode_secret_exposed(const char *path, char *why, size_t len);

/* 0 if `path` is not writable by group or others and is owned by root or
 * by the effective user; else -1 with the reason in `why` ("is writable
 * by others (mode 0777)", "is owned by uid 1000, not root or uid 0"). A
 * path that cannot be stat'ed is -1 with strerror in `why`. */
int filemode_trusted(const char *path, char *why, size_t len);

#endif
