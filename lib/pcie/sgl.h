/* SPDX-License-Identifier: MIT */
/*
 * SGL builder: describes a payload given as pieces (bus address, length)
 * in a command's DPTR as an NVMe Scatter Gather List (Base 2.0 §4.1.2).
 * Pure, like the PRP builder: it writes only the command and the segment
 * pages it is given, so tests drive it with made-up addresses.
 *
 * Dword alignment: a controller whose SGLS bits 1:0 are 10b needs every
 * Data Block's address and length dword aligned; the builder does not look
 * at SGLS, so the caller checks its pieces first (merging aligned pieces
 * keeps them aligned).
 */
#ifndef NVD_SGL_H
#define NVD_SGL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/nvme_spec.h"

#define SGL_DESCS_PER_PAGE	(NVME_PAGE_SIZE / sizeof(struct nvme_sgl_desc))

/* One preallocated segment page (4 KiB = 256 descriptors): CPU view and bus address. */
struct sgl_seg_page {
	struct nvme_sgl_desc *descs;
	uint64_t bus;
};

/*
 * Next piece of the payload: its bus address and length in bytes.  Returns 0
 * or a negative errno, which the builders pass on.
 */
typedef int (*sgl_next_fn)(void *ctx, uint64_t *bus, uint32_t *len);

/* The next piece from @next, checked: not empty, not past the @left bytes left. */
static inline int sgl_next_piece(sgl_next_fn next, void *ctx, size_t left, uint64_t *bus,
				 uint32_t *len)
{
	int err = next(ctx, bus, len);

	if (err)
		return err;
	return *len == 0 || *len > left ? -EINVAL : 0;
}

/*
 * Describe @total bytes, delivered by @next in pieces, in @cmd's DPTR as an
 * SGL: one piece -> a single Data Block descriptor in SGL1; more -> SGL1 is a
 * (Last) Segment descriptor pointing at pages[0], chained through more pages
 * as needed.  Adjacent pieces that are contiguous in bus space are merged.
 * Sets the PSDT bits of cmd->flags.  Returns 0, -E2BIG when @npages pages are
 * not enough (naming nothing: the caller explains), -EINVAL for a zero-length
 * piece or pieces that do not add up to @total, or what @next returned.  On
 * error @cmd is untouched (the pages may have been written).
 */
int nvd__sgl_build(struct nvme_cmd *cmd, size_t total, sgl_next_fn next, void *ctx,
	      const struct sgl_seg_page *pages, unsigned npages);

/* Pages one request may need for @max_pieces pieces. */
unsigned nvd__sgl_pages_needed(unsigned max_pieces);

#endif /* NVD_SGL_H */
