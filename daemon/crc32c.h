/*
 * crc32c - CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and Kafka's
 * record batches), for the disk outbox's record framing (disklog.c).
 *
 * The one design idea: the CPU's own instruction where there is one
 * (SSE4.2's crc32 on x86-64, picked at run time), else table-driven
 * slicing-by-8 (eight 256-entry tables built once, eight bytes per step)
 * in portable C; both give the same CRC, which the unit test checks. The
 * checksum runs three times per metric (append, each sink's read), so the
 * instruction's sixfold speed shows in the cost per metric. No library in
 * Debian 12 ships CRC-32C for C. Thread-safe (set up once, under
 * pthread_once).
 */
#ifndef IOCD_CRC32C_H
#define IOCD_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of p[0..n), continuing from `crc` (0 to start): chaining
 * crc32c(crc32c(0, a, na), b, nb) equals the CRC of a followed by b.
 * "123456789" gives 0xE3069283. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);
/* The same, always by the tables (for the tests: both must agree). */
uint32_t crc32c_portable(uint32_t crc, const void *p, size_t n);
/* True when crc32c uses the CPU's instruction. */
bool crc32c_hardware(void);

#endif
