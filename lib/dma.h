/* SPDX-License-Identifier: MIT */
/*
 * DMA memory for one controller: page-rounded allocations built from
 * transport regions (each at most max_region_size), mapped back to back so
 * an allocation is contiguous in virtual memory even when its regions are
 * not contiguous on the bus.  Memory of the application's own, pinned by
 * the transport (nvd_mem_register), is tracked beside the allocations as
 * registrations.  dma_pool_vtophys() finds the bus address of any byte
 * inside either.
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

/* One nvd_mem_register(): the pages holding [buf, buf + len), pinned. */
struct dma_reg {
	struct dma_reg *next;
	uint8_t *buf;			/* as the application registered it */
	size_t len;
	uint8_t *vaddr;			/* buf rounded down to a system page */
	size_t size;			/* len rounded out to system pages */
	uint64_t handle;		/* transport cookie for mem_unpin */
	uint64_t addrs[];		/* bus address of each 4 KiB from vaddr */
};

struct dma_pool {
	struct transport *t;
	pthread_rwlock_t lock;		/* writers: alloc/free; readers: lookups */
	struct dma_alloc *allocs;
	uint64_t bytes;			/* currently allocated */
	struct dma_reg *regs;
	uint64_t reg_bytes;		/* currently pinned by registrations */
};

void dma_pool_init(struct dma_pool *pool, struct transport *t);
/* Release every allocation and registration still held. */
void dma_pool_fini(struct dma_pool *pool);

/*
 * Zeroed, page-aligned memory of at least @size bytes.  @contiguous asks
 * for one region (contiguous on the bus, e.g. for a queue ring): -EINVAL if
 * @size exceeds max_region_size.
 */
int dma_pool_alloc(struct dma_pool *pool, size_t size, bool contiguous, void **out);
/* -EINVAL when @vaddr is not the start of an allocation. */
int dma_pool_free(struct dma_pool *pool, void *vaddr);
/*
 * Pin the pages holding [buf, buf + len) through the transport.  -EINVAL
 * for len 0, a @buf already registered, or a range overlapping an
 * allocation; else what the transport said.
 */
int dma_pool_register(struct dma_pool *pool, void *buf, size_t len);
/* -EINVAL when @buf is not the start of a registration. */
int dma_pool_unregister(struct dma_pool *pool, void *buf);
/* Bus address of @vaddr; -EINVAL if it is not inside DMA or registered memory. */
int dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus);
/*
 * 0 when [vaddr, vaddr + len) lies inside one allocation or inside the
 * range one registration was given, else -EINVAL.
 */
int dma_pool_check_range(struct dma_pool *pool, const void *vaddr, size_t len);

#endif /* NVD_DMA_H */
