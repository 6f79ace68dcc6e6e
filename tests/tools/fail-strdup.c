/*
 * fail-strdup - an LD_PRELOAD shim for tests: strdup() returns NULL
 * (ENOMEM) on the Nth call whose argument equals $FAIL_STRDUP_TEXT, N =
 * $FAIL_STRDUP_NTH; every other call is glibc's. The one idea: a string
 * only the configuration holds ("96", the province) pins the failure on
 * the copies of that value, one by one, without a malloc-failure
 * framework in the daemon.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

char *strdup(const char *s)
{
    static atomic_int seen;
    char *(*real)(const char *) = (char *(*)(const char *))dlsym(RTLD_NEXT, "strdup");
    const char *text = getenv("FAIL_STRDUP_TEXT"), *nth = getenv("FAIL_STRDUP_NTH");
    if (text && nth && s && strcmp(s, text) == 0 && atomic_fetch_add(&seen, 1) + 1 == atoi(nth)) {
        errno = ENOMEM;
        return NULL;
    }
    return real(s);
}
