/*
 * hjscan - how much memory a page body would take once parsed, estimated
 * from its bytes before jansson is given them.
 *
 * The design idea: a parsed page costs 13 to 80 times its bytes (jansson
 * 2.14 on this machine: an empty object `{}`, 3 bytes on the wire, holds
 * 232 bytes; an integer 40; a string 80 plus its length), so max_body alone
 * let one 16 MiB page of `{},{},...` take over a GiB. One linear pass that
 * skips strings and counts what jansson would allocate is cheap (no
 * allocation, a few ms for 16 MiB), needs no hook into jansson (its
 * allocator is process-global and shared with the other plugins), and
 * errs high: it is a bound, not a measurement.
 */
#ifndef HTTP_JSON_HJSCAN_H
#define HTTP_JSON_HJSCAN_H

#include <stddef.h>

/* Bytes the parsed form of `body` would take, estimated from above; scans
 * no further once the estimate exceeds `stop` (then returns > stop). The
 * body need not be valid JSON: jansson judges that. */
size_t hjscan_parsed_size(const char *body, size_t len, size_t stop);

#endif
