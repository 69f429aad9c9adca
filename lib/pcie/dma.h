/* SPDX-License-Identifier: MIT */
/*
 * DMA memory for one controller: page-rounded allocations built from
 * backend regions (each at most max_region_size), mapped back to back so
 * an allocation is contiguous in virtual memory even when its regions are
 * not contiguous on the bus.  Memory of the application's own, pinned by
 * the backend (nvd_mem_register), is tracked beside the allocations as
 * registrations.  nvd__dma_pool_vtophys() finds the bus address of any byte
 * inside either.
 *
 * The I/O path looks buffers up without a lock: every allocation and
 * registration is a span with the bus address of each of its 4 KiB pages,
 * and a radix table indexed by virtual page number points at the span
 * holding each page.  Writers (alloc, free, register, unregister: rare)
 * change the table under the pool's lock with atomic stores; readers load
 * it with acquire loads.  A span is freed only when the application frees
 * its memory, which it must not do while an I/O uses it, so a reader that
 * found the span of a buffer it was handed may use it.  A page the table
 * cannot answer for (two registrations sharing a page, or a table node
 * that could not be allocated) falls back to the lists under the lock.
 */
#ifndef NVD_DMA_H
#define NVD_DMA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcie/pci_backend.h"

/* What the I/O path needs to know about one allocation or registration. */
struct dma_span {
	uint8_t *vaddr;			/* 4 KiB aligned: pages[0] is its bus address */
	const uint8_t *start;		/* bytes an I/O may use: [start, start + len) */
	size_t len;
	const uint64_t *pages;		/* bus address of each 4 KiB from vaddr */
};

#define DMA_RADIX_BITS	12		/* 3 levels of 4096 entries: 48-bit addresses */
#define DMA_RADIX_SIZE	(1u << DMA_RADIX_BITS)
#define DMA_VA_BITS	48

struct dma_leaf {
	const struct dma_span *span[DMA_RADIX_SIZE];	/* 16 MiB of virtual memory */
};

struct dma_mid {
	struct dma_leaf *leaf[DMA_RADIX_SIZE];
};

struct dma_alloc {
	struct dma_alloc *next;
	struct dma_span span;
	uint64_t *pages;
	uint8_t *vaddr;
	size_t size;			/* page multiple */
	unsigned nregions;
	struct dma_region regions[];	/* in address order, all but the last full size */
};

/* One nvd_mem_register(): the pages holding [buf, buf + len), pinned. */
struct dma_reg {
	struct dma_reg *next;
	struct dma_span span;		/* pages: addrs */
	uint8_t *buf;			/* as the application registered it */
	size_t len;
	uint8_t *vaddr;			/* buf rounded down to a system page */
	size_t size;			/* len rounded out to system pages */
	uint64_t handle;		/* backend cookie for mem_unpin */
	uint64_t addrs[];		/* bus address of each 4 KiB from vaddr */
};

struct dma_pool {
	struct pci_backend *t;
	pthread_rwlock_t lock;		/* writers: alloc/free; readers: lookups */
	struct dma_alloc *allocs;
	uint64_t bytes;			/* currently allocated */
	struct dma_reg *regs;
	uint64_t reg_bytes;		/* currently pinned by registrations */
	struct dma_mid **top;		/* radix root, DMA_RADIX_SIZE entries, lazily */
	uint32_t gen;			/* atomic: bumped each time a span goes away */
};

/*
 * A queue pair's memory of the last span it used.  Valid while the pool's
 * gen is unchanged: no span was freed since, so the cached one is alive
 * (a span that appeared since cannot overlap it).
 */
struct dma_span_cache {
	struct dma_span span;		/* a copy: its pages stay the span's own */
	uint32_t gen;
};

void nvd__dma_pool_init(struct dma_pool *pool, struct pci_backend *t);
/* Release every allocation and registration still held. */
void nvd__dma_pool_fini(struct dma_pool *pool);
/*
 * The backend was closed with the regions and pins still held, because
 * the device might still use them: its release frees them once the device
 * is stopped (nvd_ctrlr_detach).  From here on freeing only drops this
 * process's bookkeeping and mappings (the last mapping of a region is what
 * lets the release run); nothing reaches the backend.
 */
void nvd__dma_pool_closed(struct dma_pool *pool);

/*
 * Zeroed, page-aligned memory of at least @size bytes.  @contiguous asks
 * for one region (contiguous on the bus, e.g. for a queue ring): -EINVAL if
 * @size exceeds max_region_size.
 */
int nvd__dma_pool_alloc(struct dma_pool *pool, size_t size, bool contiguous, void **out);
/* -EINVAL when @vaddr is not the start of an allocation. */
int nvd__dma_pool_free(struct dma_pool *pool, void *vaddr);
/*
 * Pin the pages holding [buf, buf + len) through the backend.  -EINVAL
 * for len 0, a @buf already registered, or a range overlapping an
 * allocation; else what the backend said.
 */
int nvd__dma_pool_register(struct dma_pool *pool, void *buf, size_t len);
/* -EINVAL when @buf is not the start of a registration. */
int nvd__dma_pool_unregister(struct dma_pool *pool, void *buf);
/* Bus address of @vaddr; -EINVAL if it is not inside DMA or registered memory. */
int nvd__dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus);
/*
 * 0 when [vaddr, vaddr + len) lies inside one allocation or inside the
 * range one registration was given, else -EINVAL.
 */
int nvd__dma_pool_check_range(struct dma_pool *pool, const void *vaddr, size_t len);
/*
 * The span holding all of [vaddr, vaddr + len), as nvd__dma_pool_check_range()
 * sees it, or NULL.  Lock-free when the radix table knows the first page.
 */
/* [p, p + len) inside [start, start + size), without overflow. */
static inline bool dma_range_inside(const uint8_t *start, size_t size, const void *p, size_t len)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)start;

	/* p below start wraps off to a huge value */
	return off < size && len <= size - off;
}

const struct dma_span *nvd__dma_pool_find_span_slow(struct dma_pool *pool, const void *vaddr,
					       size_t len);

static inline const struct dma_span *dma_pool_find_span(struct dma_pool *pool,
							const void *vaddr, size_t len)
{
	uintptr_t pn = (uintptr_t)vaddr >> 12;
	const struct dma_span *s = NULL;
	struct dma_mid **top, *mid;
	struct dma_leaf *leaf;

	top = __atomic_load_n(&pool->top, __ATOMIC_ACQUIRE);
	if (__builtin_expect(top != NULL && pn < (1ull << (DMA_VA_BITS - 12)), 1)) {
		mid = __atomic_load_n(&top[pn >> (2 * DMA_RADIX_BITS)], __ATOMIC_ACQUIRE);
		leaf = mid ? __atomic_load_n(&mid->leaf[(pn >> DMA_RADIX_BITS) & (DMA_RADIX_SIZE - 1)],
					     __ATOMIC_ACQUIRE) : NULL;
		s = leaf ? __atomic_load_n(&leaf->span[pn & (DMA_RADIX_SIZE - 1)], __ATOMIC_ACQUIRE)
			 : NULL;
	}
	if (__builtin_expect(s && dma_range_inside(s->start, s->len, vaddr, len), 1))
		return s;
	return nvd__dma_pool_find_span_slow(pool, vaddr, len);
}

/* @cache's span when it holds all of [vaddr, vaddr + len) and @pool is unchanged, else NULL. */
static inline const struct dma_span *dma_span_cache_hit(struct dma_pool *pool,
							const struct dma_span_cache *cache,
							const void *vaddr, size_t len)
{
	uint32_t gen = __atomic_load_n(&pool->gen, __ATOMIC_ACQUIRE);

	if (__builtin_expect(cache->gen == gen &&
			     dma_range_inside(cache->span.start, cache->span.len, vaddr, len), 1))
		return &cache->span;
	return NULL;
}

/* dma_pool_find_span() through @cache: one compare when the buffer is in the same span. */
static inline const struct dma_span *dma_pool_find_span_cached(struct dma_pool *pool,
							       struct dma_span_cache *cache,
							       const void *vaddr, size_t len)
{
	uint32_t gen = __atomic_load_n(&pool->gen, __ATOMIC_ACQUIRE);
	const struct dma_span *s;

	if (__builtin_expect(cache->gen == gen &&
			     dma_range_inside(cache->span.start, cache->span.len, vaddr, len), 1))
		return &cache->span;
	s = dma_pool_find_span(pool, vaddr, len);
	if (s) {
		cache->span = *s;
		cache->gen = gen;
	}
	return s;
}

/* Bus address of @p, which lies inside @s. */
static inline uint64_t dma_span_bus(const struct dma_span *s, const void *p)
{
	size_t off = (size_t)((const uint8_t *)p - s->vaddr);

	return s->pages[off >> 12] + (off & 4095);
}

#endif /* NVD_DMA_H */
