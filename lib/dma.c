// SPDX-License-Identifier: MIT
/*
 * DMA allocator.  The kernel hands out regions of at most max_region_size;
 * a larger allocation reserves its whole virtual range first (PROT_NONE)
 * and has the transport map each region over it with MAP_FIXED, so the
 * caller sees one contiguous buffer.  The per-allocation region table
 * answers virtual-to-bus lookups for the PRP builder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define PAGE_ROUND(x)	(((x) + NVME_PAGE_SIZE - 1) & ~(size_t)(NVME_PAGE_SIZE - 1))

void dma_pool_init(struct dma_pool *pool, struct transport *t)
{
	pool->t = t;
	pthread_rwlock_init(&pool->lock, NULL);
	pool->allocs = NULL;
	pool->bytes = 0;
}

static void unmap_alloc(struct dma_pool *pool, struct dma_alloc *a)
{
	unsigned i;

	for (i = a->nregions; i-- > 0;)
		pool->t->ops->dma_unmap(pool->t, &a->regions[i]);
	munmap(a->vaddr, a->size);
	pool->bytes -= a->size;
	free(a);
}

void dma_pool_fini(struct dma_pool *pool)
{
	struct dma_alloc *a;

	while ((a = pool->allocs)) {
		pool->allocs = a->next;
		unmap_alloc(pool, a);
	}
	pthread_rwlock_destroy(&pool->lock);
}

int dma_pool_alloc(struct dma_pool *pool, size_t size, bool contiguous, void **out)
{
	size_t max_region = pool->t->info.max_region_size;
	size_t total, off, chunk;
	struct dma_alloc *a;
	unsigned n, i;
	void *va;
	int err;

	if (size == 0 || size > SIZE_MAX - NVME_PAGE_SIZE || max_region < NVME_PAGE_SIZE)
		return -EINVAL;
	total = PAGE_ROUND(size);
	if (contiguous && total > max_region) {
		set_detail("%zu bytes of contiguous DMA memory exceed the %zu-byte region limit",
			   total, max_region);
		return -EINVAL;
	}
	max_region &= ~(size_t)(NVME_PAGE_SIZE - 1);
	n = (unsigned)((total + max_region - 1) / max_region);

	a = calloc(1, sizeof(*a) + n * sizeof(a->regions[0]));
	if (!a)
		return -ENOMEM;

	va = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (va == MAP_FAILED) {
		err = -errno;
		goto err_free;
	}
	a->vaddr = va;
	a->size = total;

	for (i = 0, off = 0; i < n; i++, off += chunk) {
		chunk = total - off < max_region ? total - off : max_region;
		err = pool->t->ops->dma_map(pool->t, chunk, a->vaddr + off, &a->regions[i]);
		if (err)
			goto err_unmap_regions;
		a->nregions++;
	}
	/* the kernel zeroes regions, but a fake transport may not */
	memset(a->vaddr, 0, total);

	pthread_rwlock_wrlock(&pool->lock);
	a->next = pool->allocs;
	pool->allocs = a;
	pool->bytes += total;
	pthread_rwlock_unlock(&pool->lock);
	*out = a->vaddr;
	return 0;

err_unmap_regions:
	while (i-- > 0)
		pool->t->ops->dma_unmap(pool->t, &a->regions[i]);
	munmap(a->vaddr, total);
err_free:
	free(a);
	return err;
}

int dma_pool_free(struct dma_pool *pool, void *vaddr)
{
	struct dma_alloc **pp, *a;

	pthread_rwlock_wrlock(&pool->lock);
	for (pp = &pool->allocs; (a = *pp); pp = &a->next) {
		if (a->vaddr == vaddr) {
			*pp = a->next;
			break;
		}
	}
	if (a)
		unmap_alloc(pool, a);
	pthread_rwlock_unlock(&pool->lock);
	return a ? 0 : -EINVAL;
}

/* Caller holds the lock. */
static struct dma_alloc *find_alloc(struct dma_pool *pool, const void *vaddr)
{
	const uint8_t *p = vaddr;
	struct dma_alloc *a;

	for (a = pool->allocs; a; a = a->next)
		if (p >= a->vaddr && p < a->vaddr + a->size)
			return a;
	return NULL;
}

int dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus)
{
	struct dma_alloc *a;
	size_t off, idx;
	int err = -EINVAL;

	pthread_rwlock_rdlock(&pool->lock);
	a = find_alloc(pool, vaddr);
	if (a) {
		off = (size_t)((const uint8_t *)vaddr - a->vaddr);
		/* all regions but the last have the first one's size */
		idx = off / a->regions[0].size;
		*bus = a->regions[idx].bus_addr + (off - idx * a->regions[0].size);
		err = 0;
	}
	pthread_rwlock_unlock(&pool->lock);
	return err;
}

int dma_pool_check_range(struct dma_pool *pool, const void *vaddr, size_t len)
{
	struct dma_alloc *a;
	size_t off;
	int err = -EINVAL;

	pthread_rwlock_rdlock(&pool->lock);
	a = find_alloc(pool, vaddr);
	if (a) {
		off = (size_t)((const uint8_t *)vaddr - a->vaddr);
		if (len <= a->size - off)
			err = 0;
	}
	pthread_rwlock_unlock(&pool->lock);
	return err;
}

NVD_EXPORT void *nvd_dma_alloc(struct nvd_ctrlr *ctrlr, size_t size)
{
	void *buf = NULL;
	int err;

	if (!ctrlr) {
		errno = EINVAL;
		return NULL;
	}
	clear_detail();
	err = dma_pool_alloc(&ctrlr->dma, size, false, &buf);
	if (err) {
		errno = -err;
		return NULL;
	}
	return buf;
}

NVD_EXPORT void nvd_dma_free(struct nvd_ctrlr *ctrlr, void *buf)
{
	if (ctrlr && buf)
		dma_pool_free(&ctrlr->dma, buf);
}
