/* crc32c.h: CRC-32C (Castagnoli), the checksum of every txn log record.
 * Uses the SSE4.2 crc32 instruction when the CPU has it, else a table. */
#ifndef ZK_CRC32C_H
#define ZK_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Continues crc over p[0..n); start with crc = 0. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

#endif
