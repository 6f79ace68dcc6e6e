/* notify - see notify.h. */
#include "notify.h"

#include "log.h"

#include <systemd/sd-daemon.h>

static void notify_send(const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0)
        log_debug("sd_notify(%s) failed: %d", state, rc);
}

void notify_ready(void) { notify_send("READY=1"); }
void notify_reloading(void) { notify_send("RELOADING=1"); }
void notify_stopping(void) { notify_send("STOPPING=1"); }
void notify_watchdog(void) { notify_send("WATCHDOG=1"); }

void notify_status(const char *status)
{
    int rc = sd_notifyf(0, "STATUS=%s", status);
    if (rc < 0)
        log_debug("sd_notify(STATUS) failed: %d", rc);
}

int64_t notify_watchdog_interval_ms(void)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return 0;
    return (int64_t)(usec / 2000);
}
