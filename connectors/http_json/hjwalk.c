/* hjwalk - see hjwalk.h. */
#include "hjwalk.h"

#include "hjnum.h"

#include <stdio.h>
#include <string.h>

void hj_walk_spec(const struct hj_paging *g, const char *base_url, struct ioc_page_spec *spec,
                  struct hj_walk_text *text)
{
    static const enum ioc_page_style styles[] = {
        [HJ_PAGES_NONE] = IOC_PAGE_SINGLE, [HJ_PAGES_NUMBER] = IOC_PAGE_NUMBER,
        [HJ_PAGES_NEXT_LINK] = IOC_PAGE_LINK, [HJ_PAGES_CURSOR] = IOC_PAGE_CURSOR};
    memset(text, 0, sizeof *text);
    snprintf(text->link_name, sizeof text->link_name, "`next_link`");
    snprintf(text->has_more_name, sizeof text->has_more_name, "`has_more`");
    if (g->total)
        snprintf(text->total_name, sizeof text->total_name, "`%s`", jpath_text(g->total));
    if (g->cursor)
        snprintf(text->cursor_name, sizeof text->cursor_name, "`%s`", jpath_text(g->cursor));
    *spec = (struct ioc_page_spec){
        .style = styles[g->style],
        .url = base_url,
        .page_param = g->page_param,
        .page_first = g->page_first,
        .total_is_pages = g->total_is_pages,
        .size_param = g->style == HJ_PAGES_NUMBER ? g->size_param : NULL,
        .page_size = g->page_size,
        .cursor_param = g->cursor_param,
        .use_has_more = g->has_more != NULL,
        .max_pages = g->max_pages,
        .total_name = text->total_name,
        .link_name = text->link_name,
        .cursor_name = text->cursor_name,
        .has_more_name = text->has_more_name,
    };
}

/* A count read from the page (`page_total`): a non-negative integer. */
static int hj_walk_count(const struct jpath *path, json_t *page, long long *out, char *why,
                         size_t whylen)
{
    char reason[256];
    json_t *v = jpath_get(path, page, reason, sizeof reason);
    if (!v) {
        snprintf(why, whylen, "`page_total` path `%s`: %s", jpath_text(path), reason);
        return -1;
    }
    double x;
    /* Bounded before the conversion: a huge double does not fit a long long. */
    if (hjnum_value(v, HJNUM_REJECT, &x, reason, sizeof reason) < 0 || x < 0 || x > 1e15 ||
        x != (double)(long long)x) {
        snprintf(why, whylen, "`page_total` `%s` %s", jpath_text(path),
                 json_is_number(v) ? "is not a whole number from 0 to 10^15" : reason);
        return -1;
    }
    *out = (long long)x;
    return 0;
}

static int hj_walk_link(const struct hj_paging *g, json_t *page, struct ioc_page *out,
                        char *why, size_t whylen)
{
    char reason[256];
    json_t *v = jpath_get(g->next_link, page, reason, sizeof reason);
    if (!v || json_is_null(v))
        return 0; /* no next link: the last page */
    if (!json_is_string(v)) {
        snprintf(why, whylen, "`next_link` `%s` is not text", jpath_text(g->next_link));
        return -1;
    }
    out->next_link = json_string_value(v);
    return 0;
}

static int hj_walk_cursor(const struct hj_paging *g, json_t *page, struct ioc_page *out,
                          struct hj_walk_text *text, char *why, size_t whylen)
{
    char reason[256];
    if (g->has_more) {
        json_t *more = jpath_get(g->has_more, page, reason, sizeof reason);
        if (!more || !json_is_boolean(more)) {
            snprintf(why, whylen, "`has_more` `%s`%s%s", jpath_text(g->has_more),
                     more ? " " : ": ", more ? "is not true or false" : reason);
            return -1;
        }
        out->has_more = json_is_true(more);
        if (!out->has_more)
            return 0;
    }
    json_t *v = jpath_get(g->cursor, page, reason, sizeof reason);
    if (!v || json_is_null(v))
        return 0; /* no cursor: the walk decides whether that ends it */
    if (json_is_string(v))
        snprintf(text->cursor, sizeof text->cursor, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(text->cursor, sizeof text->cursor, "%lld", (long long)json_integer_value(v));
    else {
        snprintf(why, whylen, "cursor `%s` is neither text nor an integer", jpath_text(g->cursor));
        return -1;
    }
    out->cursor = text->cursor;
    return 0;
}

int hj_walk_read(const struct hj_paging *g, json_t *page, long records, struct ioc_page *out,
                 struct hj_walk_text *text, char *why, size_t whylen)
{
    *out = (struct ioc_page){.items = records};
    switch (g->style) {
    case HJ_PAGES_NONE: return 0;
    case HJ_PAGES_NUMBER:
        if (!g->total)
            return 0;
        out->has_total = true;
        return hj_walk_count(g->total, page, &out->total, why, whylen);
    case HJ_PAGES_NEXT_LINK: return hj_walk_link(g, page, out, why, whylen);
    case HJ_PAGES_CURSOR: return hj_walk_cursor(g, page, out, text, why, whylen);
    }
    return 0;
}
