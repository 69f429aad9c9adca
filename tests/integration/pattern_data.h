/* SPDX-License-Identifier: MIT */
/*
 * The test data nvd_pattern and nvd_io_cmds write and check: every 8-byte
 * word is a function of (seed, LBA, byte offset), so a block read back
 * names what it should hold without any memory of what was written.
 */
#ifndef NVD_PATTERN_DATA_H
#define NVD_PATTERN_DATA_H

#include <stdint.h>

/* The word at byte @off of LBA @lba. */
static inline uint64_t pattern_word(uint64_t seed, uint64_t lba, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ lba * 0xbf58476d1ce4e5b9ull ^ off;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return x;
}

/* @count LBAs of @lbs bytes from @lba into @buf. */
static inline void pattern_fill(void *buf, uint64_t seed, uint64_t lba, uint32_t count,
				uint32_t lbs)
{
	uint64_t *w = buf;

	for (uint64_t l = 0; l < count; l++)
		for (uint32_t o = 0; o < lbs; o += 8)
			*w++ = pattern_word(seed, lba + l, o);
}

#endif
