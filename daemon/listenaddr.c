/* listenaddr - see listenaddr.h. */
#include "listenaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static int listenaddr_port(const char *text, unsigned *port)
{
    char *end;
    if (*text < '0' || *text > '9')
        return -1;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

int listenaddr_parse(const char *text, struct listenaddr *out, const char **reason)
{
    char host[64];
    const char *colon;
    memset(out, 0, sizeof *out);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host) {
            *reason = "write an IPv6 address as [ADDRESS]:PORT";
            return -1;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof host || colon == text) {
            *reason = "write HOST:PORT, e.g. 127.0.0.1:9108";
            return -1;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        if (strchr(host, ':')) { /* "::1:9108": which colon ends the address? */
            *reason = "write an IPv6 address as [ADDRESS]:PORT";
            return -1;
        }
    }
    unsigned port;
    if (listenaddr_port(colon + 1, &port) < 0) {
        *reason = "the port must be a number from 0 to 65535";
        return -1;
    }
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        out->len = sizeof *v4;
        out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *v6;
        out->ipv6 = true;
        out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
        *reason = "the host must be an IPv4 or IPv6 address or localhost (no name lookups)";
        return -1;
    }
    return 0;
}
