/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the NVMe/TCP
 * header and data digest (NVMe/TCP Transport 1.0, §3.6.2.13 "Digests").
 */
#ifndef NVD_TCP_CRC32C_H
#define NVD_TCP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continue a CRC32C over @len bytes: start with crc = 0, chain the
 * previous return value over pieces.  Pre- and post-inversion are done
 * inside, so nvd__crc32c(nvd__crc32c(0, a, n), b, m) is the CRC of a || b.
 * "123456789" gives 0xE3069283.
 */
uint32_t nvd__crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* NVD_TCP_CRC32C_H */
