// SPDX-License-Identifier: MIT
/*
 * What the Identify printers (cli_id.c, cli_ns.c) share: reads at byte
 * offsets of the 4096-byte Identify pages, which are little-endian, for
 * fields the spec structures do not name; bit tests for the -H decodes.
 */
#ifndef NVD_TOOLS_CLI_ID_H
#define NVD_TOOLS_CLI_ID_H

#include <stdint.h>

#define BIT(v, b)	((unsigned)((v) >> (b)) & 1u)
#define NOT(v)		((v) ? "" : "Not ")

static inline unsigned le8(const void *p, unsigned off)
{
	return ((const uint8_t *)p)[off];
}

static inline unsigned le16(const void *p, unsigned off)
{
	const uint8_t *b = (const uint8_t *)p + off;

	return b[0] | (unsigned)b[1] << 8;
}

static inline unsigned long le32(const void *p, unsigned off)
{
	return le16(p, off) | (unsigned long)le16(p, off + 2) << 16;
}

#endif /* NVD_TOOLS_CLI_ID_H */
