/*
 * fuzz_connector - one libFuzzer target per departmental connector
 * (ioffice, dvc, telecom, pakn, example_paged): the same driver linked
 * with that connector's own sources, unchanged, and the fake daemon of
 * fuzz_host.c.
 *
 * The design idea: the fuzz input is what the feed answered. It is cut
 * into pages at form feed bytes (0x0c) and ioc_page_walk() hands them to
 * the connector's page callback, so the target runs the connector's real
 * init, its page parsing (envelope checks, items, consistency between
 * pages), its aggregation and its emit, twice in a row (the second poll
 * reads the state the first one saved, as after a restart). Besides "no
 * crash, no leak, no UB", fuzz_host checks every record and rejection the
 * connector hands the daemon.
 *
 * Seeds: tests/fuzz/corpus/<connector>/ (pages saved from tools/feedsim);
 * past findings: tests/fuzz/regressions/<connector>/. Replay one input
 * with `build/fuzz/fuzz_<connector> FILE`.
 */
#include "fuzz_host.h"

#include <stdint.h>

extern const struct ioc_connector ioc_connector;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What an instance file would set besides the table's defaults: only the
 * keys without a usable default. */
static const char *const fuzz_settings[] = {
    "url",       "http://127.0.0.1:8080/feed", "province", "96", "online_target", "90",
    /* Three records a page, as the seeds were saved: walk-3-pages is
     * `build/tools/feedsim --records 7 --seed 11`, pages 1..3 asked with a
     * page size of 3 (pakn: limit=3, following the cursor). */
    "page_size", "3",                          "limit",    "3",  NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_host h = {.desc = &ioc_connector, .settings = fuzz_settings};
    fuzz_host_pages(&h, data, size);
    fuzz_host_run(&h, 2);
    /* FUZZ_HOST_REPORT=1 shows what each input made the connector do, to
     * see that seeds reach emit when replaying them. */
    if (getenv("FUZZ_HOST_REPORT"))
        fprintf(stderr, "fuzz_%s: %zu pages, %zu walks, %zu emitted, %zu rejected, %zu logged\n",
                ioc_connector.name, h.page_count, h.walks, h.emitted, h.rejected, h.logged);
    fuzz_host_free(&h);
    return 0;
}
