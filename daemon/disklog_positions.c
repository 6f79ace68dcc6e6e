/* disklog_positions - see disklog_positions.h. */
#include "disklog_positions.h"

#include "crc32c.h"
#include "disklog_format.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DLP_MAGIC "IOCDPOS" /* and its NUL */
#define DLP_VERSION 1u
#define DLP_NAME "positions"
#define DLP_MAX_NAMES 16
#define DLP_MAX_FILE (64u * 1024)

int dlp_save(const char *dir, const char *const *names, const struct disklog_pos *pos, size_t n,
             bool sync, char *path_buf, size_t buflen)
{
    unsigned char buf[16 + DLP_MAX_NAMES * (2 + 255 + 16) + 4];
    if (n > DLP_MAX_NAMES) {
        snprintf(path_buf, buflen, "%s", dir);
        errno = EINVAL;
        return -1;
    }
    memcpy(buf, DLP_MAGIC, 8);
    dlf_put_le(buf + 8, DLP_VERSION, 4);
    dlf_put_le(buf + 12, n, 4);
    size_t len = 16;
    for (size_t k = 0; k < n; k++) {
        size_t nl = strlen(names[k]);
        if (nl > 255)
            nl = 255;
        dlf_put_le(buf + len, nl, 2);
        memcpy(buf + len + 2, names[k], nl);
        dlf_put_le(buf + len + 2 + nl, pos[k].segment, 8);
        dlf_put_le(buf + len + 10 + nl, pos[k].offset, 8);
        len += 18 + nl;
    }
    dlf_put_le(buf + len, crc32c(0, buf, len), 4);
    len += 4;

    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, DLP_NAME);
    snprintf(path_buf, buflen, "%s/%s.tmp", dir, DLP_NAME);
    int fd = state_create_temp(path_buf);
    bool ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len && (!sync || fsync(fd) == 0);
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(path_buf, path) != 0) {
        ok = false;
        e = errno;
    }
    if (ok)
        return 0;
    if (fd >= 0)
        unlink(path_buf);
    errno = e;
    return -1;
}

enum dlp_load_result dlp_load(const char *dir, const char *const *names, struct disklog_pos *pos,
                              size_t n, const char **why, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, DLP_NAME);
    enum dlp_load_result rc = DLP_DAMAGED;
    unsigned char *buf = NULL;
    struct disklog_pos found[DLP_MAX_NAMES];
    bool seen[DLP_MAX_NAMES] = {false};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0) {
        *why = strerror(errno);
        if (errno == ENOENT)
            rc = DLP_NONE;
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DLP_MAX_FILE) {
        *why = "not a regular file of a sensible size";
        goto out;
    }
    size_t len = (size_t)st.st_size;
    buf = malloc(len + 1);
    if (!buf || read(fd, buf, len) != (ssize_t)len) {
        *why = "cannot read it";
        goto out;
    }
    if (len < 8 || memcmp(buf, DLP_MAGIC, 8) != 0) {
        snprintf(err, errlen,
                 "%s: not an iocd outbox positions file (bad magic), refusing to open the outbox",
                 path);
        rc = DLP_FOREIGN;
        goto out;
    }
    if (len < 20 || dlf_get_le(buf + 8, 4) != DLP_VERSION) {
        snprintf(err, errlen,
                 "%s: outbox positions format version %" PRIu64
                 " (this iocd reads version %u), refusing to open the outbox",
                 path, len < 12 ? 0 : dlf_get_le(buf + 8, 4), DLP_VERSION);
        rc = DLP_FOREIGN;
        goto out;
    }
    if (crc32c(0, buf, len - 4) != dlf_get_le(buf + len - 4, 4)) {
        *why = "bad CRC";
        goto out;
    }
    uint64_t count = dlf_get_le(buf + 12, 4);
    size_t at = 16, end = len - 4;
    for (uint64_t i = 0; i < count; i++) {
        if (at + 2 > end || at + 2 + dlf_get_le(buf + at, 2) + 16 > end) {
            *why = "bad lengths";
            goto out;
        }
        size_t nl = (size_t)dlf_get_le(buf + at, 2);
        for (size_t k = 0; k < n && k < DLP_MAX_NAMES; k++)
            if (strlen(names[k]) == nl && !memcmp(names[k], buf + at + 2, nl)) {
                found[k] = (struct disklog_pos){dlf_get_le(buf + at + 2 + nl, 8),
                                                dlf_get_le(buf + at + 10 + nl, 8)};
                seen[k] = true;
            }
        at += 18 + nl;
    }
    /* Whole file checked: only now hand anything out. */
    for (size_t k = 0; k < n && k < DLP_MAX_NAMES; k++)
        if (seen[k])
            pos[k] = found[k];
    rc = DLP_LOADED;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}
