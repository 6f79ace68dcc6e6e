/*
 * confdiff - what a reload changed: two loaded configurations compared.
 *
 * SIGHUP restarts only the connector instances whose configuration
 * changed, and mentions the sinks only when their settings changed (they
 * are read at start-up only). The one design idea: compare what was
 * parsed, not the files' bytes - an edited comment or reordered keys
 * restart nothing, while a secret file's new content (token_file), which
 * the parsed value holds, restarts its instance. What every instance
 * shares (province, timezone, state_dir, plugin_dir, the gazetteer and
 * catalogue files' contents) is compared separately: a change there
 * restarts them all.
 */
#ifndef IOCD_CONFDIFF_H
#define IOCD_CONFDIFF_H

#include "config.h"

#include <stdbool.h>
#include <stdint.h>

/* The same plugin (its .so path) with the same values: every table key
 * (text, and whether it came from a file) and every family member. */
bool confdiff_instance_same(const struct instance_config *a, const struct instance_config *b);

/* What the instances share from iocd.conf is the same, `digest_a` and
 * `digest_b` being confdiff_digest of each configuration taken when it was
 * loaded (the files may have changed since). */
bool confdiff_shared_same(const struct config *a, uint64_t digest_a, const struct config *b,
                          uint64_t digest_b);

/* Every sink section ([sink.*]: present, values, pass-through keys) and
 * [outbox] are the same. */
bool confdiff_sinks_same(const struct config *a, const struct config *b);

/* A digest (FNV-1a, 64 bits) of the files a configuration's instances
 * read beside iocd.conf: the gazetteer and the catalogue. An unreadable
 * file digests as its name, so an unreadable one compares as "changed"
 * against any readable content. */
uint64_t confdiff_digest(const struct config *c);

#endif
