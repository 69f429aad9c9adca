// SPDX-License-Identifier: MIT
/*
 * DMA allocator.  The kernel hands out regions of at most max_region_size;
 * a larger allocation reserves its whole virtual range first (PROT_NONE)
 * and has the backend map each region over it with MAP_FIXED, so the
 * caller sees one contiguous buffer.  The per-allocation region table
 * answers virtual-to-bus lookups for the PRP builder.
 *
 * Registrations are the application's own memory, pinned by the backend
 * page by page: the pages holding the registered bytes, so a malloc'd
 * buffer need not be aligned.  Their table has one bus address per 4 KiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "tcp/transport.h"

#define PAGE_ROUND(x)	(((x) + NVME_PAGE_SIZE - 1) & ~(size_t)(NVME_PAGE_SIZE - 1))

/*
 * Point the table at @sp for each of its pages that has no span yet.
 * Caller holds the write lock.  A node that cannot be allocated leaves its
 * pages to the slow path: nothing fails.
 */
static void radix_insert(struct dma_pool *pool, const struct dma_span *sp, size_t size)
{
	uintptr_t pn = (uintptr_t)sp->vaddr >> 12, end = pn + size / NVME_PAGE_SIZE;
	struct dma_mid *mid;
	struct dma_leaf *leaf;
	struct dma_mid **top;

	if (end > (1ull << (DMA_VA_BITS - 12)))
		return;
	if (!pool->top) {
		top = calloc(DMA_RADIX_SIZE, sizeof(*top));
		if (!top)
			return;
		__atomic_store_n(&pool->top, top, __ATOMIC_RELEASE);
	}
	for (; pn < end; pn++) {
		mid = pool->top[pn >> (2 * DMA_RADIX_BITS)];
		if (!mid) {
			mid = calloc(1, sizeof(*mid));
			if (!mid)
				return;
			__atomic_store_n(&pool->top[pn >> (2 * DMA_RADIX_BITS)], mid, __ATOMIC_RELEASE);
		}
		leaf = mid->leaf[(pn >> DMA_RADIX_BITS) & (DMA_RADIX_SIZE - 1)];
		if (!leaf) {
			leaf = calloc(1, sizeof(*leaf));
			if (!leaf)
				return;
			__atomic_store_n(&mid->leaf[(pn >> DMA_RADIX_BITS) & (DMA_RADIX_SIZE - 1)], leaf,
					 __ATOMIC_RELEASE);
		}
		if (!leaf->span[pn & (DMA_RADIX_SIZE - 1)])
			__atomic_store_n(&leaf->span[pn & (DMA_RADIX_SIZE - 1)], sp, __ATOMIC_RELEASE);
	}
}

/* Forget @sp's pages.  Caller holds the write lock. */
static void radix_remove(struct dma_pool *pool, const struct dma_span *sp, size_t size)
{
	uintptr_t pn = (uintptr_t)sp->vaddr >> 12, end = pn + size / NVME_PAGE_SIZE;
	struct dma_mid *mid;
	struct dma_leaf *leaf;

	if (!pool->top || end > (1ull << (DMA_VA_BITS - 12)))
		return;
	for (; pn < end; pn++) {
		mid = pool->top[pn >> (2 * DMA_RADIX_BITS)];
		leaf = mid ? mid->leaf[(pn >> DMA_RADIX_BITS) & (DMA_RADIX_SIZE - 1)] : NULL;
		if (leaf && leaf->span[pn & (DMA_RADIX_SIZE - 1)] == sp)
			__atomic_store_n(&leaf->span[pn & (DMA_RADIX_SIZE - 1)], NULL, __ATOMIC_RELEASE);
	}
}

static void radix_free(struct dma_pool *pool)
{
	unsigned i, j;

	if (!pool->top)
		return;
	for (i = 0; i < DMA_RADIX_SIZE; i++) {
		if (!pool->top[i])
			continue;
		for (j = 0; j < DMA_RADIX_SIZE; j++)
			free(pool->top[i]->leaf[j]);
		free(pool->top[i]);
	}
	free(pool->top);
	pool->top = NULL;
}

void nvd__dma_pool_init(struct dma_pool *pool, struct pci_backend *t)
{
	pool->t = t;
	pthread_rwlock_init(&pool->lock, NULL);
	pool->allocs = NULL;
	pool->bytes = 0;
	pool->regs = NULL;
	pool->reg_bytes = 0;
	pool->top = NULL;
	/* caches start at gen 0 with an empty range */
	pool->gen = 1;
}

static void unmap_alloc(struct dma_pool *pool, struct dma_alloc *a)
{
	unsigned i;

	radix_remove(pool, &a->span, a->size);
	/* cached spans are checked against gen: invalidate before freeing */
	__atomic_add_fetch(&pool->gen, 1, __ATOMIC_RELEASE);
	/* backend closed: its release frees the regions (nvd__dma_pool_closed) */
	if (pool->t)
		for (i = a->nregions; i-- > 0;)
			pool->t->ops->dma_unmap(pool->t, &a->regions[i]);
	munmap(a->vaddr, a->size);
	pool->bytes -= a->size;
	free(a->pages);
	free(a);
}

static void unpin_reg(struct dma_pool *pool, struct dma_reg *r)
{
	radix_remove(pool, &r->span, r->size);
	__atomic_add_fetch(&pool->gen, 1, __ATOMIC_RELEASE);
	if (pool->t)
		pool->t->ops->mem_unpin(pool->t, r->handle);
	pool->reg_bytes -= r->size;
	free(r);
}

void nvd__dma_pool_closed(struct dma_pool *pool)
{
	pool->t = NULL;
}

void nvd__dma_pool_fini(struct dma_pool *pool)
{
	struct dma_reg *r;
	struct dma_alloc *a;

	while ((r = pool->regs)) {
		pool->regs = r->next;
		unpin_reg(pool, r);
	}

	while ((a = pool->allocs)) {
		pool->allocs = a->next;
		unmap_alloc(pool, a);
	}
	radix_free(pool);
	pthread_rwlock_destroy(&pool->lock);
}

int nvd__dma_pool_alloc(struct dma_pool *pool, size_t size, bool contiguous, void **out)
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
		nvd__set_detail("%zu bytes of contiguous DMA memory exceed the %zu-byte region limit",
			   total, max_region);
		return -EINVAL;
	}
	max_region &= ~(size_t)(NVME_PAGE_SIZE - 1);
	n = (unsigned)((total + max_region - 1) / max_region);

	a = calloc(1, sizeof(*a) + n * sizeof(a->regions[0]));
	if (!a)
		return -ENOMEM;
	a->pages = malloc(total / NVME_PAGE_SIZE * sizeof(a->pages[0]));
	if (!a->pages) {
		err = -ENOMEM;
		goto err_free;
	}

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
	/* the kernel zeroes regions, but a fake backend may not */
	memset(a->vaddr, 0, total);
	/* every region but the last is max_region long: a page's region by division, once */
	for (off = 0; off < total; off += NVME_PAGE_SIZE)
		a->pages[off / NVME_PAGE_SIZE] = a->regions[off / max_region].bus_addr + off % max_region;
	a->span.vaddr = a->vaddr;
	a->span.start = a->vaddr;
	a->span.len = total;
	a->span.pages = a->pages;

	pthread_rwlock_wrlock(&pool->lock);
	a->next = pool->allocs;
	pool->allocs = a;
	radix_insert(pool, &a->span, total);
	pool->bytes += total;
	pthread_rwlock_unlock(&pool->lock);
	*out = a->vaddr;
	return 0;

err_unmap_regions:
	while (i-- > 0)
		pool->t->ops->dma_unmap(pool->t, &a->regions[i]);
	munmap(a->vaddr, total);
err_free:
	free(a->pages);
	free(a);
	return err;
}

int nvd__dma_pool_free(struct dma_pool *pool, void *vaddr)
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

/* Caller holds the lock.  The registration whose pinned pages hold @vaddr. */
static struct dma_reg *find_reg(struct dma_pool *pool, const void *vaddr)
{
	const uint8_t *p = vaddr;
	struct dma_reg *r;

	for (r = pool->regs; r; r = r->next)
		if (p >= r->vaddr && p < r->vaddr + r->size)
			return r;
	return NULL;
}

int nvd__dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus)
{
	struct dma_alloc *a;
	struct dma_reg *r;
	const struct dma_span *s;
	size_t off, idx;
	int err = -EINVAL;

	/* the registered bytes and allocations, lock-free; whole pinned pages below */
	s = dma_pool_find_span(pool, vaddr, 1);
	if (s) {
		*bus = dma_span_bus(s, vaddr);
		return 0;
	}
	pthread_rwlock_rdlock(&pool->lock);
	a = find_alloc(pool, vaddr);
	if (a) {
		off = (size_t)((const uint8_t *)vaddr - a->vaddr);
		/* all regions but the last have the first one's size */
		idx = off / a->regions[0].size;
		*bus = a->regions[idx].bus_addr + (off - idx * a->regions[0].size);
		err = 0;
	} else if ((r = find_reg(pool, vaddr))) {
		off = (size_t)((const uint8_t *)vaddr - r->vaddr);
		*bus = r->addrs[off / NVME_PAGE_SIZE] + off % NVME_PAGE_SIZE;
		err = 0;
	}
	pthread_rwlock_unlock(&pool->lock);
	return err;
}

int nvd__dma_pool_check_range(struct dma_pool *pool, const void *vaddr, size_t len)
{
	return dma_pool_find_span(pool, vaddr, len) ? 0 : -EINVAL;
}

const struct dma_span *nvd__dma_pool_find_span_slow(struct dma_pool *pool, const void *vaddr,
					       size_t len)
{
	const struct dma_span *s = NULL;
	const uint8_t *p = vaddr;
	struct dma_alloc *a;
	struct dma_reg *r;

	pthread_rwlock_rdlock(&pool->lock);
	a = find_alloc(pool, vaddr);
	if (a) {
		if (len <= a->size - (size_t)(p - a->vaddr))
			s = &a->span;
	} else {
		for (r = pool->regs; r && !s; r = r->next)
			if (p >= r->buf && p < r->buf + r->len && len <= r->len - (size_t)(p - r->buf))
				s = &r->span;
	}
	pthread_rwlock_unlock(&pool->lock);
	return s;
}

/* Caller holds the lock.  0, or -EINVAL with the reason in the detail. */
static int check_new_reg(struct dma_pool *pool, const uint8_t *buf, const uint8_t *start,
			 size_t size)
{
	struct dma_alloc *a;
	struct dma_reg *r;

	for (r = pool->regs; r; r = r->next) {
		if (r->buf == buf) {
			nvd__set_detail("buffer %p is already registered", (const void *)buf);
			return -EINVAL;
		}
	}
	for (a = pool->allocs; a; a = a->next) {
		if (start < a->vaddr + a->size && a->vaddr < start + size) {
			nvd__set_detail("buffer %p overlaps DMA memory from nvd_dma_alloc, which needs no registration",
				   (const void *)buf);
			return -EINVAL;
		}
	}
	return 0;
}

int nvd__dma_pool_register(struct dma_pool *pool, void *buf, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start, end;
	struct dma_reg *r;
	int err;

	if (!buf || len == 0) {
		nvd__set_detail("registering %zu bytes at %p: nothing to register", len, buf);
		return -EINVAL;
	}
	if (!pool->t->ops->mem_pin) {
		nvd__set_detail("the %s backend cannot pin application memory", pool->t->ops->name);
		return -EOPNOTSUPP;
	}
	start = (uintptr_t)buf & ~(page - 1);
	if ((uintptr_t)buf + len < (uintptr_t)buf || (uintptr_t)buf + len > UINTPTR_MAX - page) {
		nvd__set_detail("registering %zu bytes at %p: the range wraps around", len, buf);
		return -EINVAL;
	}
	end = ((uintptr_t)buf + len + page - 1) & ~(page - 1);

	pthread_rwlock_rdlock(&pool->lock);
	err = check_new_reg(pool, buf, (const uint8_t *)start, end - start);
	pthread_rwlock_unlock(&pool->lock);
	if (err)
		return err;

	r = calloc(1, sizeof(*r) + (end - start) / NVME_PAGE_SIZE * sizeof(r->addrs[0]));
	if (!r)
		return -ENOMEM;
	r->buf = buf;
	r->len = len;
	r->vaddr = (uint8_t *)start;
	r->size = end - start;
	r->span.vaddr = r->vaddr;
	r->span.start = r->buf;
	r->span.len = r->len;
	r->span.pages = r->addrs;
	/* pinning is a syscall that may take a while: not under the lock */
	err = pool->t->ops->mem_pin(pool->t, r->vaddr, r->size, r->addrs, &r->handle);
	if (err) {
		free(r);
		return err;
	}

	pthread_rwlock_wrlock(&pool->lock);
	err = check_new_reg(pool, buf, r->vaddr, r->size);	/* another thread may have won */
	if (!err) {
		r->next = pool->regs;
		pool->regs = r;
		pool->reg_bytes += r->size;
		radix_insert(pool, &r->span, r->size);
	}
	pthread_rwlock_unlock(&pool->lock);
	if (err) {
		pool->t->ops->mem_unpin(pool->t, r->handle);
		free(r);
	}
	return err;
}

int nvd__dma_pool_unregister(struct dma_pool *pool, void *buf)
{
	struct dma_reg **pp, *r;

	pthread_rwlock_wrlock(&pool->lock);
	for (pp = &pool->regs; (r = *pp); pp = &r->next) {
		if (r->buf == buf) {
			*pp = r->next;
			break;
		}
	}
	if (r)
		unpin_reg(pool, r);
	pthread_rwlock_unlock(&pool->lock);
	if (!r) {
		nvd__set_detail("buffer %p is not registered", buf);
		return -EINVAL;
	}
	return 0;
}

NVD_EXPORT void *nvd_dma_alloc(struct nvd_ctrlr *ctrlr, size_t size)
{
	void *buf = NULL;
	int err;

	if (!ctrlr) {
		errno = EINVAL;
		return NULL;
	}
	nvd__clear_detail();
	/* NVMe/TCP: any memory is a buffer; page aligned as the PCIe pool's */
	if (ctrlr->tcp) {
		err = posix_memalign(&buf, 4096, size ? size : 1);
		if (err) {
			errno = err;
			return NULL;
		}
		return buf;
	}
	err = nvd__dma_pool_alloc(&ctrlr->dma, size, false, &buf);
	if (err) {
		errno = -err;
		return NULL;
	}
	return buf;
}

NVD_EXPORT void nvd_dma_free(struct nvd_ctrlr *ctrlr, void *buf)
{
	if (ctrlr && buf && ctrlr->tcp)
		free(buf);
	else if (ctrlr && buf)
		nvd__dma_pool_free(&ctrlr->dma, buf);
}

NVD_EXPORT int nvd_mem_register(struct nvd_ctrlr *ctrlr, void *buf, size_t len)
{
	nvd__clear_detail();
	if (!ctrlr)
		return -EINVAL;
	if (ctrlr_is_failed(ctrlr))
		return -ENXIO;
	/* NVMe/TCP copies through the socket: nothing to pin or map */
	if (ctrlr->tcp)
		return 0;
	return nvd__dma_pool_register(&ctrlr->dma, buf, len);
}

NVD_EXPORT int nvd_mem_unregister(struct nvd_ctrlr *ctrlr, void *buf)
{
	nvd__clear_detail();
	if (!ctrlr)
		return -EINVAL;
	if (ctrlr->tcp)
		return 0;
	return nvd__dma_pool_unregister(&ctrlr->dma, buf);
}
