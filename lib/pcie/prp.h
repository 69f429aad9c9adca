/* SPDX-License-Identifier: MIT */
/*
 * PRP builder: turns a host buffer into PRP1/PRP2 and, when needed, PRP
 * list pages (Base 2.0, "Physical Region Page Entry and List").  Pure:
 * it touches only the list pages it is given, and learns bus addresses
 * through a callback, so tests drive it with made-up addresses.
 */
#ifndef NVD_PRP_H
#define NVD_PRP_H

#include <stddef.h>
#include <stdint.h>

#include "core/nvme_spec.h"
#include "pcie/sgl.h"

#define PRP_ENTRIES_PER_PAGE	(NVME_PAGE_SIZE / sizeof(uint64_t))

/* Returns 0 and the bus address of @vaddr, or a negative errno. */
typedef int (*prp_vtophys_fn)(void *ctx, const void *vaddr, uint64_t *bus);

/* One preallocated PRP list page: CPU view and bus address. */
struct prp_list_page {
	uint64_t *entries;
	uint64_t bus;
};

/*
 * Describe @len bytes at @buf.  Fills *prp1 and *prp2 and as many of @pages
 * as the transfer needs.  Errors: -EINVAL for len 0 or a start that is not
 * dword aligned, -E2BIG when @npages list pages are not enough, or what
 * @vtophys returned.
 */
int nvd__prp_build(const void *buf, size_t len, prp_vtophys_fn vtophys, void *ctx,
	      const struct prp_list_page *pages, unsigned npages,
	      uint64_t *prp1, uint64_t *prp2);

/*
 * The same from a payload delivered in pieces (bus address, length) by
 * @next, for vectored I/O.  PRPs can describe it only when the pieces meet
 * at page boundaries: the first starts dword aligned, every other one starts
 * page aligned, and every one but the last ends page aligned.  Returns 0,
 * -EINVAL when they do not (the caller may use an SGL instead), for a
 * zero-length piece or pieces that do not add up to @total, -E2BIG when
 * @npages list pages are not enough, or what @next returned.  *prp1 and
 * *prp2 are written only on success.
 */
int nvd__prp_build_pieces(size_t total, sgl_next_fn next, void *ctx,
		     const struct prp_list_page *pages, unsigned npages,
		     uint64_t *prp1, uint64_t *prp2);

/* List pages one command of up to @max_len bytes can need, at any offset. */
unsigned nvd__prp_list_pages_needed(size_t max_len);

#endif /* NVD_PRP_H */
