// SPDX-License-Identifier: MIT
/*
 * PRP construction (Base 2.0 §4.1.1, "Physical Region Page Entry and List").
 * With a 4 KiB memory page size:
 *  - PRP1 is the bus address of the first byte and may carry an offset
 *    (dword aligned); it covers up to the end of its page;
 *  - if the rest fits in one page, PRP2 is that page's address;
 *  - otherwise PRP2 points to a PRP list whose entries are page addresses
 *    with no offset.  When a list page fills and more entries follow, its
 *    last entry points to the next list page instead of to data.
 * Every page is translated on its own: a buffer may span several DMA
 * regions whose bus addresses are not contiguous.
 */
#include <errno.h>
#include <stdint.h>

#include "pcie/prp.h"

#define PAGE_MASK	((uint64_t)NVME_PAGE_SIZE - 1)

/*
 * The pages after PRP1, added one at a time without knowing how many will
 * follow: the first waits for PRP2; from the second on they go to the list.
 * A full list page is chained only when one more entry comes: its last entry
 * moves to the next page and the slot takes that page's address.
 */
struct prp_writer {
	const struct prp_list_page *pages;
	unsigned npages;
	unsigned page;		/* list page being filled */
	unsigned slot;		/* next free entry in it */
	size_t n;		/* entries added */
	uint64_t first;
};

static int prp_add(struct prp_writer *w, uint64_t bus)
{
	uint64_t *entries;

	if (w->n++ == 0) {
		w->first = bus;
		return 0;
	}
	if (w->n == 2) {
		if (w->npages == 0)
			return -E2BIG;
		w->pages[0].entries[0] = w->first;
		w->slot = 1;
	} else if (w->slot == PRP_ENTRIES_PER_PAGE) {
		if (w->page + 1 == w->npages)
			return -E2BIG;
		entries = w->pages[w->page].entries;
		w->pages[w->page + 1].entries[0] = entries[PRP_ENTRIES_PER_PAGE - 1];
		entries[PRP_ENTRIES_PER_PAGE - 1] = w->pages[w->page + 1].bus;
		w->page++;
		w->slot = 1;
	}
	w->pages[w->page].entries[w->slot++] = bus;
	return 0;
}

/* PRP2 once all entries are in: none, the one page, or the list. */
static uint64_t prp_finish(const struct prp_writer *w)
{
	if (w->n == 0)
		return 0;
	if (w->n == 1)
		return w->first;
	return w->pages[0].bus;
}

unsigned nvd__prp_list_pages_needed(size_t max_len)
{
	/* worst case: the buffer starts at the last dword of a page */
	size_t pages = (max_len + (NVME_PAGE_SIZE - 4) + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	size_t entries;

	if (pages <= 2)
		return 0;
	entries = pages - 1;
	/* k pages hold 511 * (k - 1) + 512 entries */
	return (unsigned)((entries - 1 + PRP_ENTRIES_PER_PAGE - 2) / (PRP_ENTRIES_PER_PAGE - 1));
}

int nvd__prp_build(const void *buf, size_t len, prp_vtophys_fn vtophys, void *ctx,
	      const struct prp_list_page *pages, unsigned npages,
	      uint64_t *prp1, uint64_t *prp2)
{
	struct prp_writer w = { .pages = pages, .npages = npages };
	const uint8_t *p = buf;
	uint64_t bus, first_len;
	size_t rest;
	int err;

	if (len == 0)
		return -EINVAL;
	err = vtophys(ctx, p, &bus);
	if (err)
		return err;
	if (bus & 3)
		return -EINVAL;		/* PRP offsets are dword aligned */
	if ((bus ^ (uintptr_t)p) & PAGE_MASK)
		return -EINVAL;		/* regions are page aligned on both sides */

	*prp1 = bus;
	*prp2 = 0;
	first_len = NVME_PAGE_SIZE - (bus & PAGE_MASK);
	if (len <= first_len)
		return 0;

	/* the remaining pages start page aligned */
	p += first_len;
	for (rest = len - first_len; ; rest -= NVME_PAGE_SIZE) {
		err = vtophys(ctx, p, &bus);
		if (!err)
			err = prp_add(&w, bus);
		if (err)
			return err;
		if (rest <= NVME_PAGE_SIZE)
			break;
		p += NVME_PAGE_SIZE;
	}
	*prp2 = prp_finish(&w);
	return 0;
}

int nvd__prp_build_pieces(size_t total, sgl_next_fn next, void *ctx,
		     const struct prp_list_page *pages, unsigned npages,
		     uint64_t *prp1, uint64_t *prp2)
{
	struct prp_writer w = { .pages = pages, .npages = npages };
	uint64_t bus, page, end = 0, first = 0;
	size_t done = 0;
	uint32_t len;
	int err;

	if (total == 0)
		return -EINVAL;
	while (done < total) {
		err = sgl_next_piece(next, ctx, total - done, &bus, &len);
		if (err)
			return err;
		if (done == 0) {
			if (bus & 3)
				return -EINVAL;		/* PRP1 offset is dword aligned */
			first = bus;
			page = (bus & ~PAGE_MASK) + NVME_PAGE_SIZE;	/* PRP1 covers its page */
		} else {
			if ((end & PAGE_MASK) || (bus & PAGE_MASK))
				return -EINVAL;		/* a page boundary between pieces */
			page = bus;
		}
		end = bus + len;
		for (; page < end; page += NVME_PAGE_SIZE) {
			err = prp_add(&w, page);
			if (err)
				return err;
		}
		done += len;
	}
	*prp1 = first;
	*prp2 = prp_finish(&w);
	return 0;
}
