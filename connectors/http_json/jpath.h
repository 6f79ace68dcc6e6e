/*
 * jpath - the small path language http_json uses to point into a JSON
 * document.
 *
 * A path is a list of steps written left to right:
 *
 *   maXa                   the key "maXa" of the current value
 *   chiTieu.tyLe           key "chiTieu", then its key "tyLe"
 *   btsTheoCongNghe.4G     keys may start with digits or hold any byte but
 *                          . [ ] " and space
 *   "ma.xa"."a/b"          a quoted key holds anything ("\"" and "\\"
 *                          escape a quote and a backslash)
 *   items[0]               element 0 of the array "items"
 *   data.items[]           every element of "data.items"
 *   data[].cells[]         every cell of every element of "data"
 *   $.thoiGianCapNhat      "$" at the start: from the page's root instead
 *                          of the current record
 *   .   or   $             the current value itself (the whole document
 *                          when used as the records path)
 *   []  or  $[]            every element of a document that is an array
 *   .maXa                  a leading dot is allowed and changes nothing
 *
 * Limits: at most 32 steps; an index has at most 9 digits; a first key
 * that starts with "$" must be quoted (`"$id".x`: a bare `$id.x` is an
 * error, not a guess); there are no other escapes, no negative indexes,
 * no wildcards on keys and no filters.
 *
 * The design idea: a path is parsed once, at configuration time, into an
 * array of steps, so evaluating it per record is a few jansson lookups and
 * no string work. A path without `[]` names at most one value
 * (jpath_get); a path with `[]` names a list (jpath_each), which is what
 * the `records` setting uses. Errors are sentences that name the failing
 * step and what the document has there instead, e.g.
 *   no key `items` under `data`; keys there are: `data.duLieu`, `data.tongSo`
 *   `data[3].cells` is a string, not an array
 *   index 5 is past the end of `items` (2 elements)
 * so an operator can fix the configuration from the log line alone. Under
 * a `[]` step the message names the element that failed (`data[3]`); keys
 * from the document are cut after 40 bytes with control bytes shown as '?'.
 */
#ifndef HTTP_JSON_JPATH_H
#define HTTP_JSON_JPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct jpath;

/* Parse `text`. Returns NULL on a syntax error (or out of memory) and
 * writes the reason into err (may be NULL), e.g. "unterminated quoted key
 * at column 7"; columns count bytes from 1. The result is one allocation,
 * immutable, and may be shared by threads; free it with jpath_free. */
struct jpath *jpath_parse(const char *text, char *err, size_t errlen);
void jpath_free(struct jpath *path);

/* The text the path was parsed from (owned by the path). */
const char *jpath_text(const struct jpath *path);
/* True when the path starts with `$` (root of the page, not the record). */
bool jpath_from_root(const struct jpath *path);
/* True when the path has at least one `[]` step. */
bool jpath_has_each(const struct jpath *path);

/* Follow a path without `[]` from `value`. Returns the value reached
 * (borrowed from `value`), or NULL and a reason in why: a missing key (with
 * the keys that exist there, at most 8 listed), an index past the end, a
 * step into a value that is not an object/array. A JSON null reached at the
 * end is returned as json_null (the caller decides what null means). A
 * path with `[]` is refused ("the path has `[]` steps, ..."). why is cut,
 * never overrun, when whylen is short (512 bytes fit usual messages). */
json_t *jpath_get(const struct jpath *path, json_t *value, char *why, size_t whylen);

/* Call visit(node, user) for every value the path reaches from `value`, in
 * document order. A non-zero return from visit stops the walk and is
 * returned. Returns 0 when the walk completed, -1 with a reason in why when
 * a step failed (same reasons as jpath_get, plus "`x` is an object, not an
 * array" for a `[]` step). An empty array is not an error: visit is simply
 * not called. A JSON null reached is visited like any value. Return a
 * positive value from visit to stop, so it cannot be mistaken for -1; why
 * is then "". A failing step may come after visits of earlier elements:
 * they have happened. Thread-safe: the walk keeps its state on the stack. */
typedef int (*jpath_visit_fn)(json_t *node, void *user);
int jpath_each(const struct jpath *path, json_t *value, jpath_visit_fn visit, void *user,
               char *why, size_t whylen);

#endif
