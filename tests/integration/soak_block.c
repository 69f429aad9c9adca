// SPDX-License-Identifier: MIT
/*
 * Soak blocks and the soak map (see soak_block.h): building a block,
 * judging one read back, and saving/loading the map of acknowledged
 * generations.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak_block.h"

#define MAP_MAGIC	"NVDSOAKM"
#define MAP_VERSION	1

/* On-disk map header; the generations follow, native byte order. */
struct map_file {
	char magic[8];
	uint32_t version;
	uint32_t lba_size;
	uint64_t run;
	uint64_t first_lba;
	uint64_t nlbas;
	uint32_t nthreads;
	uint32_t nsid;
	uint64_t csum;		/* soak_csum() of the generations */
};
_Static_assert(sizeof(struct map_file) == 56, "map header is 56 bytes");

static uint64_t rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Each step is a bijection of the running value for a fixed word, so a
 * change confined to one word always changes the result; the rotation
 * keeps top-bit flips in two words from cancelling.  Word @zero_word is
 * taken as 0 (the block's own checksum field).
 */
static uint64_t csum(const void *buf, size_t len, size_t zero_word)
{
	const uint8_t *p = buf;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i;

	for (i = 0; i < len; i += 8) {
		w = 0;
		if (i / 8 != zero_word)
			memcpy(&w, p + i, len - i < 8 ? len - i : 8);
		h = rotl((h ^ w) * 0x100000001b3ull, 29);
	}
	return mix64(h);
}

#define CSUM_WORD	(offsetof(struct soak_hdr, csum) / 8)
_Static_assert(offsetof(struct soak_hdr, csum) % 8 == 0, "checksum is one aligned word");

uint64_t soak_csum(const void *buf, size_t len)
{
	return csum(buf, len, SIZE_MAX);
}

void soak_block_fill(void *buf, uint32_t lba_size, uint64_t run, uint64_t lba,
		     uint32_t gen, uint16_t writer)
{
	struct soak_hdr *h = buf;
	uint64_t *w = buf, seed;
	uint32_t i;

	seed = mix64(run ^ mix64(lba ^ ((uint64_t)gen << 32) ^ writer));
	for (i = sizeof(*h) / 8; i < lba_size / 8; i++)
		w[i] = mix64(seed + i);
	h->magic = SOAK_MAGIC;
	h->version = SOAK_VERSION;
	h->writer = writer;
	h->lba_size = lba_size;
	h->gen = gen;
	h->run = run;
	h->lba = lba;
	h->csum = csum(buf, lba_size, CSUM_WORD);
}

static int all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Where a block whose checksum fails differs from what its header says it
 * is: the byte range, and whether the differing words are zeroes or belong
 * to a nearby generation of the same LBA (old data showing through).
 */
static void damage(const void *buf, uint32_t lba_size, const struct soak_hdr *h, char *out,
		   size_t len)
{
	const uint64_t *got = buf;
	uint64_t *want, *other;
	uint32_t i, first = UINT32_MAX, last = 0, nwords = 0, zeroes = 0, g;
	int64_t d;

	snprintf(out, len, "no detail");
	if (lba_size > 65536 || lba_size % 8)
		return;
	want = malloc(lba_size);
	other = malloc(lba_size);
	if (!want || !other)
		goto out;
	soak_block_fill(want, lba_size, h->run, h->lba, h->gen, h->writer);
	for (i = sizeof(*h) / 8; i < lba_size / 8; i++) {
		if (got[i] == want[i])
			continue;
		if (first == UINT32_MAX)
			first = i;
		last = i;
		nwords++;
		zeroes += got[i] == 0;
	}
	if (first == UINT32_MAX) {
		snprintf(out, len, "body intact: header damaged");
		goto out;
	}
	snprintf(out, len, "bytes %u..%u: %u words differ, %u zero", first * 8, last * 8 + 7,
		 nwords, zeroes);
	for (d = -64; d <= 64; d++) {
		g = h->gen + (uint32_t)d;
		if (!d || !g)
			continue;
		soak_block_fill(other, lba_size, h->run, h->lba, g, h->writer);
		if (got[first] == other[first] && got[last] == other[last]) {
			snprintf(out, len, "bytes %u..%u: %u words differ, %u zero, from gen %u",
				 first * 8, last * 8 + 7, nwords, zeroes, g);
			break;
		}
	}
out:
	free(other);
	free(want);
}

#define WHY(...) do { if (why) snprintf(why, why_len, __VA_ARGS__); } while (0)

enum soak_verdict soak_block_check(const void *buf, uint32_t lba_size, uint64_t run,
				   uint64_t lba, uint32_t expect, uint16_t writer,
				   char *why, size_t why_len)
{
	struct soak_hdr h;

	memcpy(&h, buf, sizeof(h));
	if (why && why_len)
		why[0] = '\0';

	if (h.magic != SOAK_MAGIC || h.version != SOAK_VERSION || h.lba_size != lba_size) {
		if (expect == 0)
			return SOAK_OK;		/* never written: whatever was there */
		if (expect == SOAK_GEN_UNKNOWN)
			return SOAK_SKIP;
		if (all_zero(buf, lba_size)) {
			WHY("reads as zeroes, gen %" PRIu32 " was acknowledged", expect);
			return SOAK_LOST;
		}
		WHY("is not a soak block, gen %" PRIu32 " was acknowledged", expect);
		return SOAK_MISMATCH;
	}
	if (csum(buf, lba_size, CSUM_WORD) != h.csum) {
		if (expect == 0)
			return SOAK_OK;		/* never written: whatever was there */
		if (expect == SOAK_GEN_UNKNOWN)
			return SOAK_SKIP;
		if (why && why_len) {
			char where[96];

			damage(buf, lba_size, &h, where, sizeof(where));
			WHY("checksum mismatch (header says LBA %" PRIu64 " gen %" PRIu32 "; %s)",
			    h.lba, h.gen, where);
		}
		return SOAK_MISMATCH;
	}
	if (h.run != run) {
		if (expect == 0)
			return SOAK_OK;
		if (expect == SOAK_GEN_UNKNOWN)
			return SOAK_SKIP;
		WHY("holds a block of run 0x%" PRIx64 ", gen %" PRIu32 " was acknowledged", h.run,
		    expect);
		return SOAK_LOST;
	}
	/* a block of this run: it must be this LBA's, whatever else happened */
	if (h.lba != lba) {
		WHY("holds LBA %" PRIu64 "'s block (gen %" PRIu32 ")", h.lba, h.gen);
		return SOAK_MISMATCH;
	}
	if (expect == SOAK_GEN_UNKNOWN)
		return SOAK_SKIP;
	if (expect == 0) {
		WHY("holds gen %" PRIu32 " though no write here was acknowledged", h.gen);
		return SOAK_MISMATCH;
	}
	if (h.writer != writer) {
		WHY("written by writer %u, but writer %u owns it", h.writer, writer);
		return SOAK_MISMATCH;
	}
	if (h.gen < expect) {
		WHY("holds gen %" PRIu32 ", gen %" PRIu32 " was acknowledged", h.gen, expect);
		return SOAK_LOST;
	}
	if (h.gen > expect) {
		WHY("holds gen %" PRIu32 ", newer than the acknowledged gen %" PRIu32, h.gen,
		    expect);
		return SOAK_MISMATCH;
	}
	return SOAK_OK;
}

/* ---- map ------------------------------------------------------------- */

int soak_map_init(struct soak_map *m, uint64_t run, uint32_t lba_size, uint32_t nthreads,
		  uint32_t nsid, uint64_t first_lba, uint64_t nlbas)
{
	memset(m, 0, sizeof(*m));
	if (!nlbas || !nthreads || nthreads > nlbas || nlbas > SIZE_MAX / sizeof(*m->gen))
		return -EINVAL;
	m->gen = calloc(nlbas, sizeof(*m->gen));
	if (!m->gen)
		return -ENOMEM;
	m->run = run;
	m->lba_size = lba_size;
	m->nthreads = nthreads;
	m->nsid = nsid;
	m->first_lba = first_lba;
	m->nlbas = nlbas;
	return 0;
}

void soak_map_free(struct soak_map *m)
{
	free(m->gen);
	m->gen = NULL;
}

int soak_map_save(const struct soak_map *m, const char *path)
{
	struct map_file f = {
		.version = MAP_VERSION,
		.lba_size = m->lba_size,
		.run = m->run,
		.first_lba = m->first_lba,
		.nlbas = m->nlbas,
		.nthreads = m->nthreads,
		.nsid = m->nsid,
	};
	FILE *fp;
	int err = 0;

	memcpy(f.magic, MAP_MAGIC, sizeof(f.magic));
	f.csum = soak_csum(m->gen, m->nlbas * sizeof(*m->gen));
	fp = fopen(path, "wb");
	if (!fp)
		return -errno;
	if (fwrite(&f, sizeof(f), 1, fp) != 1 ||
	    fwrite(m->gen, sizeof(*m->gen), m->nlbas, fp) != m->nlbas)
		err = -EIO;
	if (fclose(fp) && !err)
		err = -errno;
	return err;
}

int soak_map_load(struct soak_map *m, const char *path, char *why, size_t why_len)
{
	struct map_file f;
	FILE *fp;
	long size;
	int err = -EINVAL;

	memset(m, 0, sizeof(*m));
	fp = fopen(path, "rb");
	if (!fp) {
		err = -errno;
		WHY("%s", strerror(-err));
		return err;
	}
	if (fseek(fp, 0, SEEK_END) || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
		err = -errno;
		WHY("%s", strerror(-err));
		goto out;
	}
	if (fread(&f, sizeof(f), 1, fp) != 1 || memcmp(f.magic, MAP_MAGIC, sizeof(f.magic))) {
		WHY("not a soak map");
		goto out;
	}
	if (f.version != MAP_VERSION) {
		WHY("map version %" PRIu32 ", this program reads %d", f.version, MAP_VERSION);
		goto out;
	}
	if (f.lba_size < SOAK_MIN_BLOCK || (f.lba_size & (f.lba_size - 1)) || !f.nthreads ||
	    !f.nlbas || f.nthreads > f.nlbas) {
		WHY("inconsistent header (lba_size %" PRIu32 ", %" PRIu64 " LBAs, %" PRIu32
		    " writers)", f.lba_size, f.nlbas, f.nthreads);
		goto out;
	}
	if (f.nlbas > ((uint64_t)size - sizeof(f)) / sizeof(uint32_t) ||
	    (uint64_t)size != sizeof(f) + f.nlbas * sizeof(uint32_t)) {
		WHY("%ld bytes, expected %" PRIu64 " for %" PRIu64 " LBAs", size,
		    (uint64_t)sizeof(f) + f.nlbas * sizeof(uint32_t), f.nlbas);
		goto out;
	}
	err = soak_map_init(m, f.run, f.lba_size, f.nthreads, f.nsid, f.first_lba, f.nlbas);
	if (err)
		goto out;
	if (fread(m->gen, sizeof(*m->gen), m->nlbas, fp) != m->nlbas) {
		err = -EIO;
		WHY("short read");
		goto err_free;
	}
	if (soak_csum(m->gen, m->nlbas * sizeof(*m->gen)) != f.csum) {
		err = -EINVAL;
		WHY("checksum mismatch: the map is damaged");
		goto err_free;
	}
	fclose(fp);
	return 0;

err_free:
	soak_map_free(m);
out:
	fclose(fp);
	return err;
}

void soak_slice(uint64_t first_lba, uint64_t nlbas, uint32_t nthreads, uint32_t i,
		uint64_t *first, uint64_t *count)
{
	uint64_t lo = nlbas * i / nthreads, hi = nlbas * (i + 1) / nthreads;

	*first = first_lba + lo;
	*count = hi - lo;
}

uint16_t soak_owner(const struct soak_map *m, uint64_t lba)
{
	uint64_t off = lba - m->first_lba;
	uint32_t i = (uint32_t)(off * m->nthreads / m->nlbas);

	/* slice bounds round down, so the estimate can be one too high or low */
	while (i > 0 && m->nlbas * i / m->nthreads > off)
		i--;
	while (i + 1 < m->nthreads && m->nlbas * (i + 1) / m->nthreads <= off)
		i++;
	return (uint16_t)i;
}
