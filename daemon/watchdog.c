/* watchdog - see watchdog.h. */
#include "watchdog.h"

#include "log.h"
#include "notify.h"
#include "sink.h"

#include <stdio.h>

bool watchdog_stalled_sink(struct pipeline *p, int64_t limit_ms, int64_t now_ms, char *why,
                           size_t len)
{
    struct sink_stats stats[16];
    size_t n = pipeline_sink_stats(p, stats, sizeof stats / sizeof stats[0], now_ms);
    for (size_t i = 0; i < n; i++)
        if (stats[i].stalled_ms > limit_ms) {
            snprintf(why, len, "sink %s has waited %.1f s on a broker that does not answer, "
                     "with %llu metrics to deliver", stats[i].name,
                     (double)stats[i].stalled_ms / 1000,
                     (unsigned long long)(stats[i].outbox_length + stats[i].in_flight));
            return true;
        }
    return false;
}

void watchdog_due(struct watchdog *w, struct pipeline *p, int64_t now_ms)
{
    char why[256];
    if (watchdog_stalled_sink(p, w->period_ms, now_ms, why, sizeof why)) {
        if (!w->withheld)
            log_error("watchdog: %s; not pinging systemd, which restarts iocd after "
                      "WatchdogSec (%lld ms)", why, (long long)w->period_ms);
        w->withheld = true;
        return;
    }
    if (w->withheld)
        log_info("watchdog: every sink makes progress again; pinging systemd");
    w->withheld = false;
    notify_watchdog();
}
