/*
 * state - one instance's saved key/value map, persisted atomically.
 *
 * Stored as a small JSON object in STATE_DIR/NAME.state. Every change
 * rewrites the file through a temporary file, fsync and rename, so a crash
 * leaves either the old or the new map. Keys starting with "_iocd." are
 * the daemon's own (the reserved sequence block); connectors cannot set
 * them. A mutex makes every call thread-safe.
 */
#ifndef IOCD_STATE_H
#define IOCD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct state;

/* Open (or start empty) STATE_DIR/NAME.state, creating STATE_DIR if
 * needed. A corrupt file is an error, not silently emptied: a lost cursor
 * could count every report twice. Returns NULL with `err` filled. */
struct state *state_open(const char *dir, const char *name, char *err, size_t errlen);
void state_close(struct state *s);

/* From now on, for the whole process, nothing is written in any state
 * directory: state_open neither creates the directory nor needs it (no
 * directory = empty map), and state_set and sequence reservations change
 * the map in memory only. For iocd --dry-run, which must leave state_dir
 * byte-identical; a process-wide switch, so that no path through a
 * connector can write by mistake. Call before any state_open. */
void state_read_only(void);
/* Can `dir` serve as a state directory: is it a directory this process
 * may write in, or can it be made (its nearest existing ancestor is a
 * directory we may write in)? 0 if so, else -1 with the reason in `why`:
 * "is a regular file, not a directory", "is not writable: Permission
 * denied", "cannot be created: /srv/x is a regular file, not a
 * directory". Modes and owners are filemode_trusted's business. Creates
 * nothing; --check-config and start-up call it so that an unusable
 * state_dir is refused with its file:line before any instance starts. */
int state_dir_usable(const char *dir, char *why, size_t len);

/* Copy of the value or NULL. Caller frees. */
char *state_get(struct state *s, const char *key);
/* Set (value NULL: delete) and persist. 0, or -1 with `err` filled and the
 * map unchanged. */
int state_set(struct state *s, const char *key, const char *value, char *err, size_t errlen);

/* Hold the connector's sets back (the durable outbox, issue 15): from now
 * on state_set changes what state_get returns but not the file, until
 * state_release. A poll's cursor must never be saved ahead of the metrics
 * it produced: the instance holds the state during a poll, commits the
 * poll's metrics, then releases. Sequence reservations still go to the
 * file at once (a number must never be reused). 0, or -1 when out of
 * memory (then sets go to the file at once, as without a hold). */
int state_hold(struct state *s);
/* End a hold: with `keep`, the sets made during it are written (one
 * atomic rewrite, only if something changed); without (the metrics could
 * not be committed), they are forgotten, so the next poll starts again
 * from the last saved cursor. 0, or -1 with `err` filled (the file keeps
 * the old map). No hold: nothing happens. */
int state_release(struct state *s, bool keep, char *err, size_t errlen);

/* Is `key` acceptable for a connector ([A-Za-z0-9_.-], 1..64 bytes, not
 * starting with "_iocd.")? */
int state_key_valid(const char *key);

/* Sequence numbers: monotonic per instance across restarts without a disk
 * write per number. The state reserves blocks of numbers ("_iocd.seq" holds
 * the end of the block handed out); after a restart numbering resumes after
 * the last reserved block, so a number is never reused, at the price of a
 * gap. Returns 0 and sets *seq, or -1 when the reservation cannot be
 * persisted (err filled). */
int state_next_seq(struct state *s, uint64_t *seq, char *err, size_t errlen);

/* Create the temporary file `tmp` afresh for an atomic rewrite (write,
 * fsync, rename over the real name), mode 0600: for any file the daemon
 * keeps in the state directory (series_store.c too). Returns the open
 * descriptor, or -1 with errno set. */
int state_create_temp(const char *tmp);

#endif
