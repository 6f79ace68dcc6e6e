/*
 * files.h - the two files kafka-mock talks through: the bootstrap file it
 * writes for tests (atomically) and the control file tests write for it.
 */
#ifndef KAFKA_MOCK_FILES_H
#define KAFKA_MOCK_FILES_H

#include <stdbool.h>

#include "cluster.h"

/* Writes TEXT and a newline to PATH atomically (PATH.tmp, then rename), so
 * a reader never sees a partial file. False on failure, after saying why
 * on stderr. */
bool kmock_write_file(const char *path, const char *text);

/* If the control file PATH exists and holds a command, applies it to C;
 * then deletes it, so "gone" means "applied". Commands: "down" or "up"
 * (every broker), "down N" or "up N" (broker N), "leader TOPIC N" (broker
 * N leads every partition of TOPIC). Anything else is logged and the file
 * deleted; an empty file is left for the next call (its writer may not
 * have written yet). */
void kmock_control_poll(const char *path, kmock_cluster *c);

#endif
