/*
 * sink_table - the kinds of sink iocd has, one row each.
 *
 * To add a sink: write sink_NAME.c defining `const struct sink_kind
 * sink_NAME_kind` (see sink.h) and add it below. The configuration loader
 * and the pipeline pick it up from here.
 */
#include "sink.h"

#include <stddef.h>

extern const struct sink_kind sink_stdout_kind, sink_mqtt_kind, sink_kafka_kind;

const struct sink_kind *const sink_kinds[] = {
    &sink_stdout_kind,
    &sink_mqtt_kind,
    &sink_kafka_kind,
    NULL,
};
