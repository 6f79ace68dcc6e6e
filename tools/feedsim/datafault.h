/*
 * datafault - the data-level fault modes: a well-formed body whose first
 * record(s) break the feed's contract, as real departmental systems do.
 *
 *   wrong-type    first record's count field becomes a string with a
 *                 Vietnamese thousands separator: 1199 -> "1.199"
 *   missing-field first record lacks its count field
 *   nulls         first record's ratio field is null
 *   old-codes     the first two records that have a pre-2025 commune code
 *                 merged wholly into their current one
 *                 (gazetteer_old_code_for) carry that old code instead
 *   forged-text   the body's update time and the first record's code get
 *                 DATAFAULT_FORGED ("\n<2>forged ..." and an ESC colour
 *                 sequence): a log-forging attempt, for the tests of
 *                 iocd's escaping (a journal entry at priority 2)
 *
 * Which fields these are comes from the feed's struct feed_shape, so every
 * feed gets them without code of its own.
 */
#ifndef FEEDSIM_DATAFAULT_H
#define FEEDSIM_DATAFAULT_H

#include "fault.h"
#include "feed.h"

#include <jansson.h>

struct gazetteer;

/* What forged-text writes: a line break, a journal priority prefix and a
 * terminal escape sequence. */
#define DATAFAULT_FORGED "\n<2>forged entry \x1b[31mred\x1b[0m"

/* Spoil `body` in place. Returns how many records were changed: 0 when the
 * body has no records, the shape lacks the field, or (old-codes) no
 * record has an old code. */
int datafault_apply(json_t *body, const struct feed_shape *shape, enum fault_mode mode,
                    const struct gazetteer *gaz);

#endif
