/*
 * example_paged - the second connector to copy: a paginated feed, a saved
 * watermark, a `check`, and shutdown between pages.
 *
 * The feed lists the hotline's call batches, oldest first, page by page:
 *
 *   GET URL?page=P&size=S ->
 *   {"total":20,"page":1,"size":7,
 *    "items":[{"id":"H-0-0","maXa":"31825","time":"2025-08-01T08:00:00+07:00",
 *              "calls":17}, ...]}
 *
 * and each batch newer than the last one published becomes one record,
 * `example.hotline_calls` (a count) in its commune at its time. The design
 * idea: read everything, then publish, then remember. ioc_page_walk() owns
 * the loop (URLs, max_pages, ioc_stopping between pages, the rule that a
 * failed page fails the whole walk); the callback only reads one page into
 * our list; only a complete walk is emitted, and only then is the
 * watermark (the newest time published) saved, so a restart neither loses
 * nor repeats a batch. README "Writing a connector" walks through this
 * file with the same numbered steps as connectors/example/example.c.
 */
#include <ioc/ioc.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1. Per-instance state: the configuration, the watermark, one walk's
 * batches (strings copied out of the page, which is freed after it). */
struct batch {
    char *area, *time;
    double calls;
    int64_t ms;
};

struct paged {
    const char *url, *token;
    int64_t page_size, max_pages;
    int64_t watermark;           /* newest time published, epoch ms; -1: none */
    struct batch *batches;       /* this walk's new batches */
    size_t count, cap;
};

/* 2. Reading the source, one item: into a batch. A bad item is rejected
 * and skipped, an old one (at or before the watermark) silently; the rest
 * of the page still counts. */
static int paged_item(ioc_ctx *ctx, struct paged *p, long long page, size_t i, json_t *item)
{
    char where[48];
    snprintf(where, sizeof where, "page %lld item %zu", page, i + 1);
    const char *area = json_string_value(json_object_get(item, "maXa"));
    const char *time = json_string_value(json_object_get(item, "time"));
    json_t *calls = json_object_get(item, "calls");
    const char *why;
    int64_t ms;
    if (!area)
        ioc_reject(ctx, where, "maXa", "is missing or not a string");
    else if (!time || ioc_time_parse(time, &ms, NULL, &why) < 0)
        ioc_reject(ctx, where, "time", time ? why : "is missing or not a string");
    else if (!json_is_number(calls))
        ioc_reject(ctx, where, "calls", "is missing or not a number");
    else if (ms > p->watermark) {
        if (p->count == p->cap) {
            size_t cap = p->cap ? 2 * p->cap : 64;
            struct batch *b = realloc(p->batches, cap * sizeof *b);
            if (!b)
                return -1;
            p->batches = b, p->cap = cap;
        }
        struct batch *b = &p->batches[p->count];
        *b = (struct batch){strdup(area), strdup(time), json_number_value(calls), ms};
        if (!b->area || !b->time) {
            free(b->area), free(b->time);
            return -1;
        }
        p->count++;
    }
    return 0;
}

/* 2. Reading the source, one page (an ioc_page_fn): tell the walk how many
 * items it held and the total; a page we cannot read fails the walk (say
 * why first). */
static int paged_page(ioc_ctx *ctx, void *user, long long page, const char *url,
                      const char *body, size_t len, struct ioc_page *out)
{
    (void)url;
    json_error_t err;
    /* A key twice in one object is refused: which value is meant is unknown. */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    json_t *items = json_object_get(doc, "items");
    json_t *total = json_object_get(doc, "total");
    if (!json_is_array(items) || !json_is_integer(total)) {
        ioc_log(ctx, IOC_LOG_ERROR, "page %lld: %s", page,
                doc ? "'items' or 'total' is missing or of the wrong type" : err.text);
        json_decref(doc);
        return -1;
    }
    size_t i;
    json_t *item;
    json_array_foreach (items, i, item)
        if (paged_item(ctx, user, page, i, item) < 0) {
            ioc_log(ctx, IOC_LOG_ERROR, "page %lld: out of memory", page);
            json_decref(doc);
            return -1;
        }
    out->items = (long long)json_array_size(items);
    out->has_total = true;
    out->total = json_integer_value(total);
    json_decref(doc);
    return 0;
}

static void paged_forget(struct paged *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->batches[i].area), free(p->batches[i].time);
    p->count = 0;
}

/* 3. init: the configuration, then the watermark saved by a previous run. */
static int paged_init(ioc_ctx *ctx, void **state)
{
    struct paged *p = calloc(1, sizeof *p);
    if (!p)
        return IOC_ERROR;
    p->url = ioc_config_string(ctx, "url");
    p->token = ioc_config_string(ctx, "token");
    p->page_size = ioc_config_int(ctx, "page_size");
    p->max_pages = ioc_config_int(ctx, "max_pages");
    p->watermark = -1;
    char *saved = ioc_state_get(ctx, "watermark");
    const char *why = "";
    if (saved && ioc_time_parse(saved, &p->watermark, NULL, &why) < 0)
        ioc_log(ctx, IOC_LOG_WARNING, "saved watermark '%s' is unreadable (%s); reading "
                "everything", saved, why);
    else if (saved)
        ioc_log(ctx, IOC_LOG_INFO, "publishing what is newer than %s", saved);
    free(saved);
    *state = p;
    return IOC_OK;
}

/* 4. poll: walk every page, then emit, then save the watermark. */
static int paged_poll(ioc_ctx *ctx, void *state)
{
    struct paged *p = state;
    struct ioc_http_options http = {.bearer_token = p->token};
    struct ioc_page_spec spec = {.style = IOC_PAGE_NUMBER, .url = p->url, .page_param = "page",
                                 .page_first = 1, .size_param = "size",
                                 .page_size = p->page_size, .max_pages = p->max_pages,
                                 .http = &http};
    struct ioc_page_outcome out;
    if (ioc_page_walk(ctx, &spec, paged_page, p, &out) != IOC_PAGE_COMPLETE) {
        /* Logged already (the walk, the daemon or paged_page said why);
         * this only adds which page a failed request was. */
        if (out.failure == IOC_PAGE_FAIL_HTTP)
            ioc_log(ctx, IOC_LOG_WARNING, "page %lld failed; nothing of this walk is published",
                    out.failed_page);
        paged_forget(p);
        return IOC_ERROR;
    }
    if (ioc_stopping(ctx)) { /* a long emit would delay the shutdown */
        paged_forget(p);
        return IOC_ERROR;
    }
    const struct batch *newest = NULL;
    for (size_t i = 0; i < p->count; i++) {
        const struct batch *b = &p->batches[i];
        struct ioc_record r = {.metric = "example.hotline_calls", .value = b->calls,
                               .unit = "count", .ts = b->time, .area = b->area};
        ioc_emit(ctx, &r); /* a refusal is logged and counted by the daemon */
        if (!newest || b->ms > newest->ms)
            newest = b;
    }
    ioc_log(ctx, IOC_LOG_DEBUG, "%lld pages, %lld items, %zu new", out.pages, out.items,
            p->count);
    int rc = IOC_OK;
    if (newest && ioc_state_set(ctx, "watermark", newest->time) == IOC_OK)
        p->watermark = newest->ms;
    else if (newest)
        rc = IOC_ERROR; /* logged; the next poll publishes these batches again */
    paged_forget(p);
    return rc;
}

/* 5. fini: free what init allocated. */
static void paged_fini(ioc_ctx *ctx, void *state)
{
    (void)ctx;
    struct paged *p = state;
    paged_forget(p);
    free(p->batches);
    free(p);
}

/* 6. check: what the table cannot judge. The walk adds page= and size=,
 * so a URL that already carries them would ask twice. */
static int paged_check(ioc_ctx *ctx)
{
    const char *url = ioc_config_string(ctx, "url"), *q = url ? strchr(url, '?') : NULL;
    for (const char *k = q; k; k = strchr(k + 1, '&'))
        if (strncmp(k + 1, "page=", 5) == 0 || strncmp(k + 1, "size=", 5) == 0) {
            ioc_config_error(ctx, "url", "carries '%.5s' already; the walk adds page= and "
                             "size=, remove it", k + 1);
            return IOC_ERROR;
        }
    return IOC_OK;
}

/* 7. The configuration table: validated by the daemon (min/max too, at
 * --check-config), printed by `iocd --describe example_paged`. */
static const struct ioc_config_key paged_keys[] = {
    {"url", IOC_CFG_URL, NULL, true, "the feed; page=P&size=S are added to it", NULL, NULL},
    {"token", IOC_CFG_SECRET, NULL, false, "bearer token sent with every page", NULL, NULL},
    {"page_size", IOC_CFG_INT, "50", false, "items asked per page (size=)", "1", "100"},
    {"max_pages", IOC_CFG_INT, "100", false, "most pages one walk reads; more fails the poll",
     "1", "10000"},
    {NULL, 0, NULL, false, NULL, NULL, NULL},
};

/* 8. The one exported symbol. */
IOC_CONNECTOR_EXPORT = {
    .abi_version = IOC_ABI_VERSION,
    .name = "example_paged",
    .description = "example paged feed: hotline calls per commune, newer than a saved watermark",
    .version = "1.0.0",
    .config = paged_keys,
    .init = paged_init,
    .poll = paged_poll,
    .fini = paged_fini,
    .check = paged_check,
};
