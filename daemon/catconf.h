/*
 * catconf - reading the metric catalogue file (conf/catalog.conf).
 *
 * The one design idea: the catalogue is configuration, so it is read like
 * all of it. It is an INI file of our own dialect (ini), one `[unit.NAME]`
 * or `[metric.NAME]` section each plus `[catalog] version`, every section
 * judged by the key-table engine (keytable), so a mistake reads
 * `FILE:LINE: message` like every other configuration error and
 * `iocd --check-config` lists them all. Targets are a key family of the
 * metric's section, `target.ID.FIELD = ...`, the way http_json's
 * `metric.LABEL.FIELD` keys are: an operator edits one block per metric.
 * A metric defined twice is refused by ini (a section is never repeated).
 */
#ifndef IOCD_CATCONF_H
#define IOCD_CATCONF_H

#include "catalog.h"
#include "diag.h"

/* Read the catalogue at `path`, adding every mistake to `d` as
 * FILE:LINE: message. Returns the catalogue when it has no error, else
 * NULL (after reporting everything it found). Free with catalog_free. */
struct catalog *catconf_load(const char *path, struct diag *d);

#endif
