/*
 * notify-listen - a stand-in for systemd's notification socket, for tests.
 *
 * Binds an AF_UNIX datagram socket at PATH (what systemd passes to a
 * Type=notify service as $NOTIFY_SOCKET) and prints every datagram it
 * receives on one line of stdout ("READY=1", "STATUS=...", several assignments in one
 * datagram joined by "|"), until SIGTERM or SIGINT. Dev-only: it lets a
 * test check iocd's sd_notify traffic without systemd as PID 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) { (void)sig, stop_requested = 1; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: notify-listen PATH\n");
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "notify-listen: path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "notify-listen: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: recv returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char buf[4097];
    while (!stop_requested) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "notify-listen: recv: %s\n", strerror(errno));
            break;
        }
        buf[n] = '\0';
        for (char *p = buf; *p; p++)
            if (*p == '\n' && p[1])
                *p = '|';
        buf[strcspn(buf, "\n")] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
    }
    close(fd);
    unlink(argv[1]);
    return 0;
}
