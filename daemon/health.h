/*
 * health - what a connector instance shows the operators: its health and
 * counters, as one plain snapshot.
 *
 * The instance keeps them (instance.c); /metrics, /health (opsview.h) and
 * the retained status topic (status_json.h) all read the same snapshot,
 * so the three never disagree and none of them needs the instance's
 * internals. Header only: a type and the names of its states.
 */
#ifndef IOCD_HEALTH_H
#define IOCD_HEALTH_H

#include <stdint.h>

enum instance_health { HEALTH_STARTING, HEALTH_OK, HEALTH_DEGRADED, HEALTH_FAILED, HEALTH_STOPPED };

/* "starting", "ok", "degraded", "failed", "stopped". */
static inline const char *health_name(enum instance_health h)
{
    static const char *const names[] = {"starting", "ok", "degraded", "failed", "stopped"};
    return names[h];
}

struct instance_snapshot {
    const char *name;            /* the instance's; valid while it is configured */
    const char *source;
    enum instance_health health;
    int64_t since_s;             /* epoch seconds of the last change of health; 0 = unknown */
    int64_t last_success_s;      /* epoch seconds; 0 = never */
    char last_error[256];        /* "" = none since start */
    uint64_t polls_ok, polls_failed, metrics, rejected;
};

#endif
