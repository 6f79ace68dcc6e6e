/*
 * sink_table - the kinds of sink iocd has, one row each, and the words
 * every sink uses for its accounting at shutdown.
 *
 * To add a sink: write sink_NAME.c defining `const struct sink_kind
 * sink_NAME_kind` (see sink.h) and add it below. The configuration loader
 * and the pipeline pick it up from here. A sink that keeps a tally gets
 * its figures in the daemon's stop line, each sink on its own.
 */
#include "sink.h"

#include "log.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

extern const struct sink_kind sink_stdout_kind, sink_mqtt_kind, sink_kafka_kind;

const struct sink_kind *const sink_kinds[] = {
    &sink_stdout_kind,
    &sink_mqtt_kind,
    &sink_kafka_kind,
    NULL,
};

void sink_tally_text(struct sink *const *sinks, size_t n, uint64_t published, char *buf,
                     size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!sinks[i]->ops->tally)
            continue;
        struct sink_tally t;
        sinks[i]->ops->tally(sinks[i], &t);
        int w = snprintf(buf + used, len - used,
                         "; %s: %" PRIu64 " delivered, %" PRIu64 " dropped, %" PRIu64 " left",
                         sinks[i]->ops->name, t.delivered, t.dropped, t.left);
        if (w > 0 && (size_t)w < len - used)
            used += (size_t)w;
        if (t.taken != published) {
            w = snprintf(buf + used, len - used, " of %" PRIu64 " taken", t.taken);
            if (w > 0 && (size_t)w < len - used)
                used += (size_t)w;
        }
    }
}

void sink_tally_log(const char *name, const struct sink_tally *t, uint64_t dropped_any,
                    uint64_t delivered_all, const char *detail)
{
    if (dropped_any == 0 && t->left == 0) {
        log_info("sink %s: every metric delivered (%" PRIu64 " in all)", name, delivered_all);
        return;
    }
    log_warn("sink %s: not every metric delivered: of %" PRIu64 " records taken, %" PRIu64
             " delivered, %" PRIu64 " dropped while running, %" PRIu64 " left at shutdown (%s)",
             name, t->taken, t->delivered, t->dropped, t->left, detail);
}
