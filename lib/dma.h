/* SPDX-License-Identifier: MIT */
/*
 * DMA memory for one controller: page-rounded allocations built from
 * transport regions (each at most max_region_size), mapped back to back so
 * an allocation is contiguous in virtual memory even when its regions are
 * not contiguous on the bus.  dma_pool_vtophys() finds the bus address of
 * any byte inside an allocation.
 */
#ifndef NVD_DMA_H
#define NVD_DMA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct dma_alloc {
	struct dma_alloc *next;
	uint8_t *vaddr;
	size_t size;			/* page multiple */
	unsigned nregions;
	struct dma_region regions[];	/* in address order, all but the last full size */
};

struct dma_pool {
	struct transport *t;
	pthread_rwlock_t lock;		/* writers: alloc/free; readers: lookups */
	struct dma_alloc *allocs;
	uint64_t bytes;			/* currently allocated */
};

void dma_pool_init(struct dma_pool *pool, struct transport *t);
/* Release every allocation still held. */
void dma_pool_fini(struct dma_pool *pool);

/*
 * Zeroed, page-aligned memory of at least @size bytes.  @contiguous asks
 * for one region (contiguous on the bus, e.g. for a queue ring): -EINVAL if
 * @size exceeds max_region_size.
 */
int dma_pool_alloc(struct dma_pool *pool, size_t size, bool contiguous, void **out);
/* -EINVAL when @vaddr is not the start of an allocation. */
int dma_pool_free(struct dma_pool *pool, void *vaddr);
/* Bus address of @vaddr; -EINVAL if it is not inside DMA memory. */
int dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus);
/* 0 when [vaddr, vaddr + len) lies inside one allocation, else -EINVAL. */
int dma_pool_check_range(struct dma_pool *pool, const void *vaddr, size_t len);

#endif /* NVD_DMA_H */
