// SPDX-License-Identifier: MIT
/*
 * SGL construction (Base 2.0 §4.1.2, "Scatter Gather List (SGL)").
 *  - An SGL is one or more segments; a segment is an array of 16-byte
 *    descriptors in one contiguous, qword aligned memory area (here: one
 *    4 KiB page, 256 descriptors).
 *  - Only the last descriptor of a segment may point to another segment: a
 *    Segment descriptor (2h) when that one is not the last, a Last Segment
 *    descriptor (3h) when it is; the last segment holds only Data Blocks.
 *  - The Length of a (Last) Segment descriptor is the size in bytes of the
 *    segment it points to.
 * SGL1 in the command is the first descriptor: the Data Block itself when
 * the payload is one piece, else a pointer to the first segment page.
 *
 * Pieces arrive one at a time and their number is unknown until the end,
 * so a page is filled to all 256 slots; when one more descriptor comes, the
 * one in the last slot moves to the next page and the slot is kept for the
 * chain pointer, whose type and length are written once the end is known.
 */
#include <errno.h>
#include <stdint.h>

#include "pcie/sgl.h"

#define DESC_BYTES	((uint32_t)sizeof(struct nvme_sgl_desc))

struct seg_writer {
	const struct sgl_seg_page *pages;
	unsigned npages;
	unsigned page;		/* page being filled */
	unsigned slot;		/* next free slot in it */
	unsigned ndesc;		/* Data Block descriptors written to pages */
};

static void set_desc(struct nvme_sgl_desc *d, uint64_t addr, uint32_t len, unsigned type)
{
	d->addr = addr;
	d->len = len;
	d->rsvd12[0] = d->rsvd12[1] = d->rsvd12[2] = 0;
	d->id = NVME_SGL_ID(type, NVME_SGL_SUBTYPE_ADDRESS);
}

static int seg_add(struct seg_writer *w, uint64_t addr, uint32_t len)
{
	struct nvme_sgl_desc *descs;

	if (w->npages == 0)
		return -E2BIG;
	if (w->slot == SGL_DESCS_PER_PAGE) {
		/* page full and one more to come: its last slot becomes the chain */
		if (w->page + 1 == w->npages)
			return -E2BIG;
		w->pages[w->page + 1].descs[0] = w->pages[w->page].descs[SGL_DESCS_PER_PAGE - 1];
		w->page++;
		w->slot = 1;
	}
	descs = w->pages[w->page].descs;
	set_desc(&descs[w->slot++], addr, len, NVME_SGL_TYPE_DATA_BLOCK);
	w->ndesc++;
	return 0;
}

/* Points @d at segment page @i, the last one being w->page. */
static void seg_pointer(const struct seg_writer *w, struct nvme_sgl_desc *d, unsigned i)
{
	if (i == w->page)
		set_desc(d, w->pages[i].bus, w->slot * DESC_BYTES, NVME_SGL_TYPE_LAST_SEGMENT);
	else
		set_desc(d, w->pages[i].bus, NVME_PAGE_SIZE, NVME_SGL_TYPE_SEGMENT);
}

unsigned nvd__sgl_pages_needed(unsigned max_pieces)
{
	if (max_pieces <= 1)
		return 0;
	/* k pages hold 255 * (k - 1) + 256 descriptors */
	return (max_pieces - 1 + (unsigned)SGL_DESCS_PER_PAGE - 2) /
	       ((unsigned)SGL_DESCS_PER_PAGE - 1);
}

int nvd__sgl_build(struct nvme_cmd *cmd, size_t total, sgl_next_fn next, void *ctx,
	      const struct sgl_seg_page *pages, unsigned npages)
{
	struct seg_writer w = { .pages = pages, .npages = npages };
	uint64_t cur_addr = 0, bus;
	uint32_t cur_len = 0, len;
	size_t done = 0;
	unsigned i;
	int err;

	if (total == 0)
		return -EINVAL;
	while (done < total) {
		err = sgl_next_piece(next, ctx, total - done, &bus, &len);
		if (err)
			return err;
		done += len;
		if (cur_len && bus == cur_addr + cur_len && len <= UINT32_MAX - cur_len) {
			cur_len += len;		/* contiguous with the previous piece */
			continue;
		}
		if (cur_len) {
			err = seg_add(&w, cur_addr, cur_len);
			if (err)
				return err;
		}
		cur_addr = bus;
		cur_len = len;
	}

	if (w.ndesc == 0) {
		set_desc(&cmd->sgl1, cur_addr, cur_len, NVME_SGL_TYPE_DATA_BLOCK);
	} else {
		err = seg_add(&w, cur_addr, cur_len);
		if (err)
			return err;
		for (i = 0; i < w.page; i++)
			seg_pointer(&w, &pages[i].descs[SGL_DESCS_PER_PAGE - 1], i + 1);
		seg_pointer(&w, &cmd->sgl1, 0);
	}
	cmd->flags = (uint8_t)((cmd->flags & ~NVME_CMD_PSDT_MASK) | NVME_CMD_PSDT_SGL_MPTR_CONTIG);
	return 0;
}
