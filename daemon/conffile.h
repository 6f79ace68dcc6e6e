/*
 * conffile - open and read a file iocd was told to read (iocd.conf, a
 * connectors.d file, the catalogue, the gazetteer, a KEY_file secret):
 * only a regular file, and never more than a stated number of bytes.
 *
 * The one idea: look before opening, and look again at what was opened.
 * A FIFO blocks open(2) and read(2) for ever, a device (/dev/urandom)
 * never ends, a directory reads as an error far from its cause. So the
 * path is stat'ed first and anything but a regular file is refused by its
 * type without being opened; then it is opened with O_NONBLOCK (should a
 * FIFO have been swapped in meanwhile, open returns at once) and fstat'ed,
 * so the checks apply to the file actually read. Reading stops at the
 * limit + 1 byte: a file that grows while read is still bounded.
 */
#ifndef IOCD_CONFFILE_H
#define IOCD_CONFFILE_H

#include <stddef.h>
#include <sys/types.h>

/* The limit for an INI configuration file (iocd.conf, connectors.d,
 * the catalogue): a thousand times what a real one needs. */
#define CONFFILE_MAX_INI (1024 * 1024)
/* The limit for a secret read from a file (a token, a password). */
#define CONFFILE_MAX_SECRET (64 * 1024)

/* What a file of this mode is, for a message: "a directory", "a FIFO",
 * "a character device", "a block device", "a socket", "a symbolic link",
 * "a regular file" or "not a regular file". */
const char *conffile_kind(mode_t mode);

/* Open `path` for reading if it is a regular file. Returns the descriptor
 * (O_CLOEXEC; O_NONBLOCK, which changes nothing for a regular file), or
 * -1 with the reason in `why`: "cannot open: No such file or directory",
 * "is a FIFO, not a regular file" ("is a directory" for a directory).
 * Thread-safe. */
int conffile_open(const char *path, char *why, size_t whylen);

/* The whole content of the regular file `path`, NUL-terminated (the
 * length in *len does not count the NUL), malloc'd: free it. NULL with the
 * reason in `why` when conffile_open refuses it, when it is over `max`
 * bytes ("is over the limit of 1048576 bytes for this file") or on a
 * read error. Thread-safe. */
char *conffile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen);

#endif
