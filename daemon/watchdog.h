/*
 * watchdog - whether the daemon deserves systemd's WATCHDOG=1 ping.
 *
 * The main loop calls watchdog_due when a ping is due (half of
 * WatchdogSec); it pings only if every enabled sink makes progress, so a
 * sink wedged on a broker that accepted the connection and never answers
 * makes systemd restart the instance, as a hung main loop does (it then
 * never calls here at all).
 *
 * The one idea, progress: a sink makes progress unless it has metrics to
 * deliver and has waited longer than WatchdogSec on a broker that gives
 * no answer (sink_stats.stalled_ms: an unanswered CONNECT or PUBLISH).
 * An idle sink waits on nothing; a broker that is down or refuses answers
 * (the sink backs off and retries, and a restart would only lose the
 * outbox), so neither withholds the ping.
 */
#ifndef IOCD_WATCHDOG_H
#define IOCD_WATCHDOG_H

#include "pipeline.h"

#include <stdbool.h>
#include <stdint.h>

struct watchdog {
    int64_t period_ms; /* WatchdogSec; 0 = no watchdog */
    bool withheld;     /* the last due ping was withheld (logged once per episode) */
};

/* The name and stall of the first sink stalled beyond `limit_ms` into
 * `why`; false when none is. */
bool watchdog_stalled_sink(struct pipeline *p, int64_t limit_ms, int64_t now_ms, char *why,
                           size_t len);
/* A ping is due: send WATCHDOG=1 unless a sink is stalled beyond
 * period_ms; the first withheld ping and the recovery are logged. */
void watchdog_due(struct watchdog *w, struct pipeline *p, int64_t now_ms);

#endif
