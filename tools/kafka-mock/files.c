/*
 * files.c - the two files kafka-mock talks through: the bootstrap file it
 * writes for tests and the control file tests write for it.
 *
 * Both are plain files so a test needs nothing but a shell: the bootstrap
 * file appears in one rename once the broker is ready; the control file is
 * deleted only after its command was applied, so a test that waits for it
 * to disappear knows the broker's state.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool kmock_write_file(const char *path, const char *text)
{
    size_t len = strlen(path) + sizeof ".tmp";
    char *tmp = malloc(len);
    if (!tmp) {
        fprintf(stderr, "kafka-mock: out of memory\n");
        return false;
    }
    snprintf(tmp, len, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fprintf(f, "%s\n", text) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "kafka-mock: %s: cannot write: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

void kmock_control_poll(const char *path, kmock_cluster *c)
{
    static int last_errno; /* report a failing open once, not every poll */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT && errno != last_errno)
            fprintf(stderr, "kafka-mock: control file %s: %s\n", path, strerror(errno));
        last_errno = errno;
        return;
    }
    last_errno = 0;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    char word[16], topic[256], extra[2];
    int id, words = sscanf(buf, "%15s %255s %d %1s", word, topic, &id, extra);
    if (words < 1)
        return;
    bool updown = !strcmp(word, "down") || !strcmp(word, "up");
    char *end = NULL;
    long one = words == 2 ? strtol(topic, &end, 10) : 0;
    if (updown && words == 1)
        kmock_set_up(c, !strcmp(word, "up"));
    else if (updown && words == 2 && end && !*end && one > 0 && one < 1000)
        kmock_broker_set_up(c, (int)one, !strcmp(word, "up"));
    else if (!strcmp(word, "leader") && words == 3)
        kmock_set_leader(c, topic, id);
    else if (updown || !strcmp(word, "leader"))
        fprintf(stderr, "kafka-mock: control file %s: '%s' wants %s, ignored\n", path, word,
                updown ? "nothing or a broker number" : "a topic and a broker number");
    else
        fprintf(stderr, "kafka-mock: control file %s: '%s' is neither down nor up, ignored\n",
                path, word);
    if (unlink(path) != 0)
        fprintf(stderr, "kafka-mock: control file %s: cannot delete: %s\n", path,
                strerror(errno));
}
