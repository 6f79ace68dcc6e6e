/*
 * logfeed - the durable outbox's reader for one sink: a thread that takes
 * the sink's next records from the log (disklog_read) and hands them to
 * the sink as metrics, marked with where the log holds them.
 *
 * The one design idea: the sink does not know it is fed from disk. It
 * delivers what its outbox holds, as with the memory outbox, and says
 * when its broker took a metric (sink_settled), which acknowledges the
 * record in the log. The sink's outbox becomes a window on the log: the
 * feeder keeps it under `window` metrics, so memory is bounded by the
 * window and what is in flight, never by the backlog on disk; a lost
 * connection puts the unacknowledged metrics back into the window, as
 * before; what was in the window at a crash is still in the log, after
 * the sink's acknowledged position, and is sent again at the next start.
 */
#ifndef IOCD_LOGFEED_H
#define IOCD_LOGFEED_H

#include "disklog.h"
#include "sink.h"

#include <stddef.h>

struct logfeed;

/* Start feeding sink `s` (which reads slot `slot` of `log`) up to
 * `window` metrics in its outbox. NULL (logged) when the thread or its
 * eventfd cannot be made. */
struct logfeed *logfeed_start(struct disklog *log, unsigned slot, struct sink *s, size_t window);
/* Stop the thread (what it read but not yet handed over stays in the
 * log for the next start) and free. NULL is fine. */
void logfeed_stop(struct logfeed *f);

#endif
