/* SPDX-License-Identifier: MIT */
/*
 * The soak's data: self-describing blocks and the map of what was
 * acknowledged.  No I/O here, so the host's unit tests can check that a
 * verifier built on it catches every kind of damage.
 *
 * Every LBA-sized block the soak writes starts with a soak_hdr naming the
 * run, the LBA, the generation and the writer, and carries a checksum over
 * the whole block; the rest is payload derived from those fields.  The map
 * holds, per LBA of the soaked range, the generation of the last write the
 * controller acknowledged (0: none, SOAK_GEN_UNKNOWN: the last write failed).
 */
#ifndef SOAK_BLOCK_H
#define SOAK_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define SOAK_MAGIC		0x5344564eu	/* "NVDS" in the block's first bytes */
#define SOAK_VERSION		1
#define SOAK_GEN_UNKNOWN	UINT32_MAX
#define SOAK_MIN_BLOCK		512u

struct soak_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t writer;	/* thread index */
	uint32_t lba_size;
	uint32_t gen;		/* 1, 2, ... per writer */
	uint64_t run;		/* blocks of another run never count as current */
	uint64_t lba;
	uint64_t csum;		/* soak_csum() of the block with this field 0 */
};
_Static_assert(sizeof(struct soak_hdr) == 40, "soak header is 40 bytes");

/* What a block read back at an LBA says about the writes acknowledged there. */
enum soak_verdict {
	SOAK_OK,		/* the last acknowledged generation, or nothing expected */
	SOAK_SKIP,		/* the last write failed: any content is acceptable */
	SOAK_LOST,		/* older data where a newer write was acknowledged */
	SOAK_MISMATCH,		/* anything else: damage, wrong LBA, unacknowledged data */
};

/* Fill @buf (@lba_size bytes) with the block for @lba, generation @gen. */
void soak_block_fill(void *buf, uint32_t lba_size, uint64_t run, uint64_t lba,
		     uint32_t gen, uint16_t writer);
/* 64-bit checksum of @len bytes (a multiple of 8). */
uint64_t soak_csum(const void *buf, size_t len);

/*
 * Judge the block read at @lba against @expect (its map entry) and the
 * writer that owns @lba.  On anything but SOAK_OK/SOAK_SKIP, @why (may be
 * NULL) says what was found, e.g. "holds LBA 17's block (gen 3)".
 */
enum soak_verdict soak_block_check(const void *buf, uint32_t lba_size, uint64_t run,
				   uint64_t lba, uint32_t expect, uint16_t writer,
				   char *why, size_t why_len);

struct soak_map {
	uint64_t run;
	uint32_t lba_size;
	uint32_t nthreads;	/* writers: the range is split into this many slices */
	uint64_t first_lba;
	uint64_t nlbas;
	uint32_t nsid;
	uint32_t *gen;		/* [nlbas] */
};

/* A zeroed map (nothing written) of @nlbas entries; -ENOMEM or 0. */
int soak_map_init(struct soak_map *m, uint64_t run, uint32_t lba_size, uint32_t nthreads,
		  uint32_t nsid, uint64_t first_lba, uint64_t nlbas);
void soak_map_free(struct soak_map *m);
/* Header plus one 32-bit generation per LBA; 0 or a negative errno. */
int soak_map_save(const struct soak_map *m, const char *path);
/* Load and check a saved map; on error @why says what is wrong with it. */
int soak_map_load(struct soak_map *m, const char *path, char *why, size_t why_len);

/* Slice @i of @nthreads: LBAs [*first, *first + *count). */
void soak_slice(uint64_t first_lba, uint64_t nlbas, uint32_t nthreads, uint32_t i,
		uint64_t *first, uint64_t *count);
/* The writer whose slice holds @lba. */
uint16_t soak_owner(const struct soak_map *m, uint64_t lba);
static inline uint32_t soak_expect(const struct soak_map *m, uint64_t lba)
{
	return m->gen[lba - m->first_lba];
}

#endif /* SOAK_BLOCK_H */
