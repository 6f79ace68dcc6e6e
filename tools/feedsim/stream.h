/*
 * stream - the transport fault modes: a correct body badly delivered.
 *
 *   slow       the body in ~20 chunks spread over --slow-ms
 *   stall      headers (with the body's Content-Length), then nothing until
 *              the client hangs up or feedsim stops
 *   truncated  the body's Content-Length, then half the body, then close
 *   huge       a valid JSON object of exactly --huge-size bytes (when that
 *              exceeds the body): {"_padding":"xxxx...", <the body's members>}
 *              produced block by block, never held in memory
 *
 * Design idea: the server runs one thread per connection, so these content
 * readers simply sleep between pieces. They sleep in short ticks watching
 * the client socket (POLLRDHUP) and a shutdown flag, so a client that
 * gives up or a SIGTERM ends them promptly instead of leaving a thread
 * behind.
 */
#ifndef FEEDSIM_STREAM_H
#define FEEDSIM_STREAM_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

/* Make every streaming reply end at its next tick (for shutdown). */
void stream_shutdown(void);

/* Each takes ownership of `body` (from malloc), also on failure (NULL).
 * `fd` is the client socket, or -1 when unknown. */
struct MHD_Response *stream_slow(char *body, size_t len, unsigned total_ms, int fd);
struct MHD_Response *stream_stall(char *body, size_t len, int fd);
struct MHD_Response *stream_truncated(char *body, size_t len);
struct MHD_Response *stream_huge(char *body, size_t len, uint64_t size);

#endif
