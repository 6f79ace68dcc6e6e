/*
 * hjwalk - http_json's four pagination styles (none, page numbers, a next
 * link, a cursor) in the terms of the SDK's page walk (ioc/page.h).
 *
 * The design idea: the SDK's ioc_page_walk() owns the loop and the rules
 * (totals, empty pages, loops, max_pages); this module only translates the
 * configured paging keys into a struct ioc_page_spec, and reads from each
 * page, with the configured JSON paths, what the walk needs to go on. So
 * what a path finds (or why it finds nothing) is said here, in the words
 * of the configuration, and whether the walk goes on is decided once, in
 * the daemon, for every connector.
 */
#ifndef HTTP_JSON_HJWALK_H
#define HTTP_JSON_HJWALK_H

#include "hjmap.h"

#include <ioc/page.h>
#include <jansson.h>

/* Strings an ioc_page points to, which must outlive the page's callback. */
struct hj_walk_text {
    char cursor[512];
    char total_name[160], link_name[32], cursor_name[160], has_more_name[32];
};

/* The walk described by `paging` over `base_url` (the configured URL with
 * its query.* params). Names in failure reasons are the configuration's
 * (`next_link`, `has_more`) and paths (`meta.total`), kept in *text. */
void hj_walk_spec(const struct hj_paging *paging, const char *base_url,
                  struct ioc_page_spec *spec, struct hj_walk_text *text);

/* Read what the walk needs from `page` (holding `records` records) into
 * *out; strings point into `page` or *text. Returns 0, or -1 with the
 * reason in why (a path that finds nothing usable). */
int hj_walk_read(const struct hj_paging *paging, json_t *page, long records,
                 struct ioc_page *out, struct hj_walk_text *text, char *why, size_t whylen);

#endif
