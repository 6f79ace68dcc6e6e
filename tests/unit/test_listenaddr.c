/*
 * test_listenaddr - unit tests of daemon/listenaddr.c, the parser of
 * http_listen.
 *
 * Covers: IPv4 and IPv6 loopback and other addresses (the loopback flag
 * the configuration's refusal rests on: all of 127.0.0.0/8, ::1 only);
 * localhost; port 0 and 65535; each refusal with its reason (no port, a
 * port out of range or with junk, a name that would need a lookup, an
 * IPv6 address without brackets, an empty host).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "listenaddr.h"

static unsigned port_of(const struct listenaddr *a)
{
    return a->ipv6 ? ntohs(((const struct sockaddr_in6 *)&a->addr)->sin6_port)
                   : ntohs(((const struct sockaddr_in *)&a->addr)->sin_port);
}

static void accepted(const char *text, int loopback, int ipv6, unsigned port)
{
    struct listenaddr a;
    const char *reason = NULL;
    if (listenaddr_parse(text, &a, &reason) != 0)
        fail_msg("'%s' refused: %s", text, reason);
    assert_int_equal(a.loopback, loopback);
    assert_int_equal(a.ipv6, ipv6);
    assert_int_equal(port_of(&a), port);
    assert_int_equal(a.len, ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

static void refused(const char *text, const char *reason_part)
{
    struct listenaddr a;
    const char *reason = NULL;
    assert_int_equal(listenaddr_parse(text, &a, &reason), -1);
    assert_non_null(reason);
    if (!strstr(reason, reason_part))
        fail_msg("'%s': reason '%s' lacks '%s'", text, reason, reason_part);
}

static void test_loopback(void **state)
{
    (void)state;
    accepted("127.0.0.1:9108", 1, 0, 9108);
    accepted("127.1.2.3:1", 1, 0, 1);
    accepted("localhost:65535", 1, 0, 65535);
    accepted("[::1]:9108", 1, 1, 9108);
    accepted("127.0.0.1:0", 1, 0, 0);
}

static void test_not_loopback(void **state)
{
    (void)state;
    accepted("0.0.0.0:9108", 0, 0, 9108);
    accepted("10.96.0.5:9108", 0, 0, 9108);
    accepted("128.0.0.1:9108", 0, 0, 9108);
    accepted("[::]:9108", 0, 1, 9108);
    accepted("[fe80::1]:80", 0, 1, 80);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("127.0.0.1", "HOST:PORT");
    refused(":9108", "HOST:PORT");
    refused("127.0.0.1:", "port");
    refused("127.0.0.1:65536", "port");
    refused("127.0.0.1:91x", "port");
    refused("127.0.0.1:-1", "port");
    refused("iocd.example.vn:9108", "no name lookups");
    refused("::1:9108", "[ADDRESS]:PORT");
    refused("[::1]9108", "[ADDRESS]:PORT");
    refused("[::1:9108", "[ADDRESS]:PORT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_not_loopback),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
