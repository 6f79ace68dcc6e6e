/* notify - see notify.h. */
#include "notify.h"

#include "log.h"
#include "textsafe.h"

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
    /* sd_notify's message is newline-separated assignments: a raw "\n"
     * from feed text in a status reason could add READY=1 or WATCHDOG=1. */
    char safe[4096];
    text_escape(safe, sizeof safe, status, NULL);
    int rc = sd_notifyf(0, "STATUS=%s", safe);
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
