/*
 * daemon - the running daemon: start-up, main loop, reload, shutdown.
 *
 * The main thread owns signals (blocked everywhere else and taken with
 * sigtimedwait, so no handler runs in a random thread), the systemd
 * watchdog, the periodic counters line and configuration reloads.
 * Connector threads belong to the scheduler; metrics go through the
 * pipeline, which outlives reloads. A reload restarts only the instances
 * whose configuration changed (confdiff); the others keep running on the
 * configuration they started with, which is kept until none uses it.
 */
#ifndef IOCD_DAEMON_H
#define IOCD_DAEMON_H

#include "log.h"

#include <stdbool.h>

struct daemon_options {
    const char *config_path;
    const char *only_instance;  /* --connector NAME, or NULL */
    bool once;                  /* --once */
    bool dry_run;               /* --dry-run: poll once, print, publish and save nothing */
    bool republish;             /* --republish: do not read the saved series state */
    bool log_level_set;         /* --log-level given: overrides log_level */
    enum log_level log_level;
};

/* Run until SIGTERM/SIGINT (or, with once, until every poll ended).
 * Returns the process exit status. */
int daemon_run(const struct daemon_options *opts);

#endif
