/*
 * sink_stdout - one JSON metric record per line on stdout.
 *
 * For debugging, for `iocd --once | jq` pipelines and for the tests. Lines
 * are buffered by stdio and flushed at the end of every poll, so a poll
 * of 10,000 metrics is a handful of write(2) calls. Writing blocks the
 * connector that emits: do not point a production stdout at a pipe nobody
 * reads.
 */
#ifndef IOCD_SINK_STDOUT_H
#define IOCD_SINK_STDOUT_H

#include "sink.h"

struct sink *sink_stdout_new(void);
/* Push buffered lines out (end of a poll). */
void sink_stdout_flush(struct sink *s);

#endif
