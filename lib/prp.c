// SPDX-License-Identifier: MIT
/*
 * PRP construction (Base 2.0, "Physical Region Page Entry and List").
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

#include "prp.h"

#define PAGE_MASK	((uint64_t)NVME_PAGE_SIZE - 1)

unsigned prp_list_pages_needed(size_t max_len)
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

int prp_build(const void *buf, size_t len, prp_vtophys_fn vtophys, void *ctx,
	      const struct prp_list_page *pages, unsigned npages,
	      uint64_t *prp1, uint64_t *prp2)
{
	const uint8_t *p = buf;
	uint64_t bus, first_len;
	size_t rest, nentries, i;
	unsigned page = 0, slot = 0;
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
	rest = len - first_len;
	nentries = (rest + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;

	if (nentries == 1) {
		err = vtophys(ctx, p, &bus);
		if (err)
			return err;
		*prp2 = bus;
		return 0;
	}

	if (npages == 0)
		return -E2BIG;
	*prp2 = pages[0].bus;
	for (i = 0; i < nentries; i++) {
		if (slot == PRP_ENTRIES_PER_PAGE - 1 && i + 1 < nentries) {
			/* last slot and more to come: chain to the next page */
			if (++page == npages)
				return -E2BIG;
			pages[page - 1].entries[slot] = pages[page].bus;
			slot = 0;
		}
		err = vtophys(ctx, p, &bus);
		if (err)
			return err;
		pages[page].entries[slot++] = bus;
		p += NVME_PAGE_SIZE;
	}
	return 0;
}
