/*
 * notify - talking to systemd (Type=notify) through libsystemd.
 *
 * READY=1 once connectors run, RELOADING=1 / READY=1 around a SIGHUP
 * reload, STOPPING=1 on shutdown, STATUS= lines saying what each
 * connector is doing, and WATCHDOG=1 pings at half the WatchdogSec period.
 * Without NOTIFY_SOCKET (a terminal, a test) every call is a no-op.
 * Thread-safe.
 */
#ifndef IOCD_NOTIFY_H
#define IOCD_NOTIFY_H

#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS=<status>, escaped by text_escape (control bytes as \xNN). */
void notify_status(const char *status);
void notify_watchdog(void);
/* Half the watchdog period in ms, or 0 when no watchdog is enabled. */
int64_t notify_watchdog_interval_ms(void);

#endif
