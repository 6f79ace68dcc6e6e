/*
 * crc32c - CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and Kafka's
 * record batches), for the disk outbox's record framing (disklog.c).
 *
 * The one design idea: table-driven, slicing-by-8 (eight 256-entry tables
 * built once, eight bytes per step), portable C with no CPU-specific
 * instructions: a few GB/s is far above what the outbox writes, and no
 * library in Debian 12 ships CRC-32C for C. Thread-safe (the tables are
 * built once, under pthread_once).
 */
#ifndef IOCD_CRC32C_H
#define IOCD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of p[0..n), continuing from `crc` (0 to start): chaining
 * crc32c(crc32c(0, a, na), b, nb) equals the CRC of a followed by b.
 * "123456789" gives 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
