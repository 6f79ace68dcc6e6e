/*
 * fuzz_host - a fake daemon behind the SDK (include/ioc/), for the
 * libFuzzer targets that run a connector or load plugins.
 *
 * The design idea: the fuzz input replaces the network, not the
 * connector. ioc_page_walk() hands the connector's own page callback the
 * pages the fuzz input holds, one after the other, as the daemon would
 * after fetching them; everything else of the SDK is a small, strict fake:
 * configuration from the plugin's key table (defaults, plus a few values
 * the target sets), state in memory, areas from a tiny rule-based
 * gazetteer, and emit/reject/log that check what the daemon relies on (a
 * record's strings readable and its value finite, messages non-empty) and
 * abort when a promise is broken. No HTTP: ioc_http_request() answers as a
 * network error.
 */
#ifndef FUZZ_HOST_H
#define FUZZ_HOST_H

#include <ioc/ioc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz: invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#define FUZZ_HOST_MAX_PAGES 16

/* The run of one connector instance over one fuzz input. */
struct fuzz_host {
    const struct ioc_connector *desc;
    const char *const *settings; /* "key", "value", ... NULL: over the table's defaults */
    /* The pages ioc_page_walk hands out, NUL-terminated copies. */
    char *pages[FUZZ_HOST_MAX_PAGES];
    size_t page_len[FUZZ_HOST_MAX_PAGES], page_count;
    /* What the connector did. */
    size_t emitted, rejected, logged, walks;
};

/* Cut `data` into pages at each form feed byte (0x0c, never valid in a
 * JSON text outside strings, where it would have to be escaped): at most
 * FUZZ_HOST_MAX_PAGES pages, the last one taking the rest. */
void fuzz_host_pages(struct fuzz_host *h, const uint8_t *data, size_t size);

/* init, then `polls` polls over the same pages, then fini; state is kept
 * between polls (as across the daemon's polls) and dropped at the end. */
void fuzz_host_run(struct fuzz_host *h, int polls);

/* Release the pages and the saved state. */
void fuzz_host_free(struct fuzz_host *h);

#endif
