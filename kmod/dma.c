// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: DMA regions handed to userspace.
 *
 * Memory comes from dma_alloc_coherent() on the PCI function, so the bus
 * address we report is whatever the DMA API set up: a physical address
 * without an IOMMU, an IOVA behind one.  Each region gets an mmap offset
 * from a per-device counter that only grows, so a stale offset can never
 * name a newer region.
 *
 * User mappings are filled in at fault time, page by page (chardev.c asks
 * nvd_dma_page()), so that after removal the same offsets can be served from
 * a copy of the memory instead of the DMA API's pages.
 *
 * Accounting: a region is memory the device can reach and nobody can swap,
 * so it is charged like pinned user memory (pin.c): to the allocating mm's
 * pinned_vm against RLIMIT_MEMLOCK, until the region is destroyed, which
 * may happen in another task (the last close of a shared file, a worker),
 * hence the grabbed mm.  It is also allocated with __GFP_ACCOUNT, so the
 * caller's memory cgroup sees it.  The DMA API honours that flag where the
 * pages come from the page allocator: dma-direct's alloc_pages path (no
 * IOMMU, or an identity domain) and iommu-dma's remap path (a DMA domain,
 * blocking allocations, which ours are).  Memory from a CMA area, the
 * atomic pools or a restricted swiotlb pool is not charged to the cgroup;
 * RLIMIT_MEMLOCK counts it all the same.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "nvdirect_internal.h"

/**
 * struct nvd_region - one NVDIRECT_DMA_ALLOC
 * @node:	entry in nvd_dev.regions
 * @cpu_addr:	kernel virtual address
 * @bus_addr:	address the device uses
 * @size:	bytes, a multiple of PAGE_SIZE
 * @offset:	mmap offset, a multiple of PAGE_SIZE
 * @mm:		the mm charged for it (grabbed: it may be gone before us)
 * @shadow:	after removal: a copy of the memory in plain pages, which the
 *		owner's mappings show until it closes the file; @cpu_addr is
 *		then NULL (both NULL: the copy could not be made)
 */
struct nvd_region {
	struct list_head node;
	void *cpu_addr;
	dma_addr_t bus_addr;
	size_t size;
	u64 offset;
	struct mm_struct *mm;
	struct page **shadow;
};

static struct nvd_region *nvd_region_find(struct nvd_dev *nvd, u64 offset)
{
	struct nvd_region *r;

	list_for_each_entry(r, &nvd->regions, node)
		if (r->offset == offset)
			return r;
	return NULL;
}

static void nvd_shadow_free(struct page **shadow, size_t npages)
{
	size_t i;

	for (i = 0; i < npages && shadow[i]; i++)
		__free_page(shadow[i]);
	kvfree(shadow);
}

static void nvd_region_destroy(struct nvd_dev *nvd, struct nvd_region *r)
{
	list_del(&r->node);
	nvd->nr_regions--;
	nvd->dma_bytes -= r->size;
	if (r->shadow)
		nvd_shadow_free(r->shadow, r->size >> PAGE_SHIFT);
	if (r->cpu_addr)
		dma_free_coherent(&nvd->pdev->dev, r->size, r->cpu_addr,
				  r->bus_addr);
	nvd_memlock_uncharge(r->mm, r->size >> PAGE_SHIFT);
	mmdrop(r->mm);
	kfree(r);
}

/**
 * nvd_dma_alloc - allocate a zeroed, device-visible region
 * @nvd:	device, @nvd->lock held, not dead
 * @size:	requested bytes, rounded up to PAGE_SIZE
 * @bus_addr:	out: address to give the device
 * @mmap_offset: out: offset to pass to mmap()
 *
 * The region is charged to the caller's RLIMIT_MEMLOCK (see the top).
 *
 * Return: 0, -EINVAL for a size of 0 or above NVD_MAX_REGION_SIZE, -ENOSPC
 * past the max_dma_bytes limit, -ENOMEM past RLIMIT_MEMLOCK or out of memory,
 * -EFAULT for a caller without an mm.
 */
int nvd_dma_alloc(struct nvd_dev *nvd, u64 size, dma_addr_t *bus_addr,
		  u64 *mmap_offset)
{
	struct nvd_region *r;
	int err;

	lockdep_assert_held(&nvd->lock);

	if (!size || size > NVD_MAX_REGION_SIZE)
		return -EINVAL;
	size = PAGE_ALIGN(size);
	if (nvd->dma_bytes + size > nvd_max_dma_bytes())
		return -ENOSPC;
	if (!current->mm)
		return -EFAULT;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->mm = current->mm;
	mmgrab(r->mm);
	err = nvd_memlock_charge(r->mm, size >> PAGE_SHIFT);
	if (err)
		goto err_drop_mm;

	/*
	 * dma_alloc_coherent() zeroes memory (guaranteed since v5.0), so no
	 * stale kernel data reaches userspace.  A failure is the caller's
	 * -ENOMEM, not a reason for an allocation-failure splat in dmesg.
	 */
	r->cpu_addr = dma_alloc_coherent(&nvd->pdev->dev, size, &r->bus_addr,
					 GFP_KERNEL | __GFP_ACCOUNT | __GFP_NOWARN);
	if (!r->cpu_addr) {
		err = -ENOMEM;
		goto err_uncharge;
	}
	r->size = size;
	r->offset = nvd->next_offset;
	nvd->next_offset += size;

	list_add_tail(&r->node, &nvd->regions);
	nvd->nr_regions++;
	nvd->dma_bytes += size;

	*bus_addr = r->bus_addr;
	*mmap_offset = r->offset;
	return 0;

err_uncharge:
	nvd_memlock_uncharge(r->mm, size >> PAGE_SHIFT);
err_drop_mm:
	mmdrop(r->mm);
	kfree(r);
	return err;
}

/**
 * nvd_dma_free - revoke user mappings of a region, then free it
 * @nvd:	device, @nvd->lock held, not dead
 * @mmap_offset: the region's offset as returned by nvd_dma_alloc()
 *
 * Without an IOMMU nothing stops a controller that still holds the bus
 * address from writing to the pages after this; keeping queues off freed
 * memory is the owner's job, as with any driver.  What we do guarantee is
 * that the owner's own mappings go away before the pages do.
 *
 * Return: 0, or -EINVAL when no region starts at @mmap_offset.
 */
int nvd_dma_free(struct nvd_dev *nvd, u64 mmap_offset)
{
	struct nvd_region *r;

	lockdep_assert_held(&nvd->lock);

	r = nvd_region_find(nvd, mmap_offset);
	if (!r)
		return -EINVAL;

	/* even_cows=1: zap every mapping of the range, private ones too */
	if (nvd->mapping)
		unmap_mapping_range(nvd->mapping, r->offset, r->size, 1);
	nvd_region_destroy(nvd, r);
	return 0;
}

/**
 * nvd_dma_free_all - free every region
 * @nvd: device, @nvd->lock held
 *
 * The caller must already have made sure that neither the controller (CC.EN
 * cleared, bus mastering off) nor any user mapping can reach the regions.
 */
void nvd_dma_free_all(struct nvd_dev *nvd)
{
	struct nvd_region *r, *tmp;

	lockdep_assert_held(&nvd->lock);

	list_for_each_entry_safe(r, tmp, &nvd->regions, node)
		nvd_region_destroy(nvd, r);
}

/* A copy of @r's memory in order-0 pages, or NULL when memory is short. */
static struct page **nvd_shadow_copy(struct nvd_region *r)
{
	size_t i, npages = r->size >> PAGE_SHIFT;
	struct page **shadow;

	shadow = kvcalloc(npages, sizeof(*shadow), GFP_KERNEL | __GFP_NOWARN);
	if (!shadow)
		return NULL;
	for (i = 0; i < npages; i++) {
		shadow[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!shadow[i]) {
			nvd_shadow_free(shadow, npages);
			return NULL;
		}
		memcpy(page_address(shadow[i]), r->cpu_addr + i * PAGE_SIZE,
		       PAGE_SIZE);
	}
	return shadow;
}

/**
 * nvd_dma_orphan_all - give the DMA memory back, keep the owner's view of it
 * @nvd: device being removed, @nvd->lock held, @nvd->dead set
 *
 * The memory belongs to the DMA API of a function that is going away (its
 * IOMMU domain with it), so it is freed now; but the owner may still have
 * it mapped and read it (its completion queues, its buffers), and must not
 * get SIGBUS for that.  Each region is copied into plain pages which the
 * owner's mappings fault in from then on, freed when the file is released.
 * Mappings are zapped before the copy, so a store racing with it faults and
 * waits for @nvd->lock, then lands in the copy.  The caller has stopped the
 * controller and cleared bus mastering: the device writes nothing more.
 */
void nvd_dma_orphan_all(struct nvd_dev *nvd)
{
	unsigned int lost = 0;
	struct nvd_region *r;

	lockdep_assert_held(&nvd->lock);

	list_for_each_entry(r, &nvd->regions, node) {
		if (nvd->mapping)
			unmap_mapping_range(nvd->mapping, r->offset, r->size, 1);
		r->shadow = nvd_shadow_copy(r);
		if (!r->shadow)
			lost++;
		dma_free_coherent(&nvd->pdev->dev, r->size, r->cpu_addr,
				  r->bus_addr);
		r->cpu_addr = NULL;
	}
	if (lost)
		dev_info(&nvd->pdev->dev,
			 "no memory to keep %u of %u DMA regions for the owner: its accesses to them will SIGBUS\n",
			 lost, nvd->nr_regions);
}

/**
 * nvd_dma_page - the page behind an mmap offset in the DMA range
 * @nvd:   device, @nvd->lock held
 * @pgoff: mmap offset in pages
 *
 * Return: the region's page (its copy after removal), or NULL when no
 * region covers @pgoff (freed, or never allocated) or its copy failed.
 */
struct page *nvd_dma_page(struct nvd_dev *nvd, pgoff_t pgoff)
{
	struct nvd_region *r;
	pgoff_t first, idx;
	void *addr;

	lockdep_assert_held(&nvd->lock);

	list_for_each_entry(r, &nvd->regions, node) {
		first = r->offset >> PAGE_SHIFT;
		if (pgoff < first || pgoff - first >= r->size >> PAGE_SHIFT)
			continue;
		idx = pgoff - first;
		if (r->shadow)
			return r->shadow[idx];
		if (!r->cpu_addr)
			return NULL;
		/* behind an IOMMU the buffer may be a vmap of scattered pages */
		addr = r->cpu_addr + idx * PAGE_SIZE;
		return is_vmalloc_addr(addr) ? vmalloc_to_page(addr) :
					       virt_to_page(addr);
	}
	return NULL;
}

/**
 * nvd_dma_mmap - check a mapping of a region
 * @nvd: device, @nvd->lock held, not dead
 * @vma: a shared mapping whose offset is exactly a region's start
 *
 * Nothing is mapped here: nvd_dma_page() serves each page at fault time.
 *
 * Return: 0, or -EINVAL when no region starts at the offset or the mapping
 * is longer than the region.
 */
int nvd_dma_mmap(struct nvd_dev *nvd, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	struct nvd_region *it;

	lockdep_assert_held(&nvd->lock);

	/* compare in pages: pgoff << PAGE_SHIFT may not fit in 64 bits */
	list_for_each_entry(it, &nvd->regions, node)
		if (it->offset >> PAGE_SHIFT == vma->vm_pgoff)
			return len > it->size ? -EINVAL : 0;
	return -EINVAL;
}
