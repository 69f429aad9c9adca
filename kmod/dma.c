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
 * User mappings are made by the DMA API, whole, at mmap: dma_mmap_coherent()
 * knows what the platform needs (the protection of decrypted memory under
 * SEV/TDX, the attributes of non-coherent architectures) and which pages
 * back a buffer.  On x86, dma-direct maps with remap_pfn_range() (a
 * VM_PFNMAP vma), iommu-dma's remapped buffers with vm_map_pages() (a
 * VM_MIXEDMAP vma of refcounted pages).  After removal the memory goes back
 * to the DMA API while the owner may still read it, so mappings are zapped
 * and the same offsets fault in a copy (chardev.c asks nvd_dma_page()).
 *
 * A mapping made at mmap has one window the file cannot see: between
 * dma_mmap_coherent() and the kernel linking the new vma into the file's
 * mapping, unmap_mapping_range() misses it, and freeing the region then
 * would leave the vma on freed pages.  That mmap holds its mm's mmap_lock
 * for writing throughout, and only the mm that allocated a region may map
 * it, so whoever frees takes that mm's mmap_lock for reading first
 * (nvd_dma_free(), nvd_dma_wait_mappers()).
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
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

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
 * @nvd:	device, @nvd->lock not held
 * @mmap_offset: the region's offset as returned by nvd_dma_alloc()
 *
 * Without an IOMMU nothing stops a controller that still holds the bus
 * address from writing to the pages after this; keeping queues off freed
 * memory is the owner's job, as with any driver.  What we do guarantee is
 * that the owner's own mappings go away before the pages do, including a
 * mapping still being made (see the top: the mm's mmap_lock is taken
 * first, as mmap takes it before @nvd->lock).
 *
 * Return: 0, -EINVAL when no region starts at @mmap_offset, -ENODEV when
 * the function is gone (removal freed the region).
 */
int nvd_dma_free(struct nvd_dev *nvd, u64 mmap_offset)
{
	struct mm_struct *mm;
	struct nvd_region *r;
	int err = 0;

	mutex_lock(&nvd->lock);
	r = nvd->dead ? NULL : nvd_region_find(nvd, mmap_offset);
	if (!r) {
		err = nvd->dead ? -ENODEV : -EINVAL;
		mutex_unlock(&nvd->lock);
		return err;
	}
	mm = r->mm;
	mmgrab(mm);
	mutex_unlock(&nvd->lock);

	mmap_read_lock(mm);
	mutex_lock(&nvd->lock);
	/* offsets are never reused: the same offset is the same region */
	r = nvd->dead ? NULL : nvd_region_find(nvd, mmap_offset);
	if (r) {
		/* even_cows=1: zap every mapping of the range, private ones too */
		if (nvd->mapping)
			unmap_mapping_range(nvd->mapping, r->offset, r->size, 1);
		nvd_region_destroy(nvd, r);
	} else {
		err = nvd->dead ? -ENODEV : -EINVAL;
	}
	mutex_unlock(&nvd->lock);
	mmap_read_unlock(mm);
	mmdrop(mm);
	return err;
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

/*
 * Wait until no mmap of a region is between dma_mmap_coherent() and the
 * linking of its vma (see the top), by taking each region's mm's mmap_lock
 * for reading.  @nvd->dead is set, so no new mmap starts.  mmap_lock nests
 * outside @nvd->lock, which is therefore dropped meanwhile, under
 * @nvd->disabling as nvd_ctrl_disable() does: the regions cannot change
 * (ioctls see @dead, release and every other quiesce wait for @disabling).
 */
static void nvd_dma_wait_mappers(struct nvd_dev *nvd)
{
	struct nvd_region *r;

	lockdep_assert_held(&nvd->lock);
	if (list_empty(&nvd->regions))
		return;

	nvd->disabling = true;
	mutex_unlock(&nvd->lock);
	list_for_each_entry(r, &nvd->regions, node) {
		mmap_read_lock(r->mm);
		mmap_read_unlock(r->mm);
	}
	mutex_lock(&nvd->lock);
	WRITE_ONCE(nvd->disabling, false);
	wake_up_all(&nvd->disable_wq);
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
 * @nvd->lock is dropped for a moment (nvd_dma_wait_mappers()).
 */
void nvd_dma_orphan_all(struct nvd_dev *nvd)
{
	unsigned int lost = 0;
	struct nvd_region *r;

	lockdep_assert_held(&nvd->lock);

	nvd_dma_wait_mappers(nvd);
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
 * nvd_dma_page - the copy behind an mmap offset after removal
 * @nvd:   device, @nvd->lock held
 * @pgoff: mmap offset in pages
 *
 * While the function is bound a region's mappings are whole from mmap on,
 * so a fault there means the region was freed, or its owner dropped the
 * pages itself (MADV_DONTNEED, which a VM_MIXEDMAP vma allows): the DMA API
 * maps a buffer only at mmap, so that is SIGBUS too.
 *
 * Return: the page of a removed function's region copy, or NULL when no
 * copy covers @pgoff (region live, freed or never allocated, copy failed).
 */
struct page *nvd_dma_page(struct nvd_dev *nvd, pgoff_t pgoff)
{
	struct nvd_region *r;
	pgoff_t first;

	lockdep_assert_held(&nvd->lock);

	list_for_each_entry(r, &nvd->regions, node) {
		first = r->offset >> PAGE_SHIFT;
		if (pgoff < first || pgoff - first >= r->size >> PAGE_SHIFT)
			continue;
		return r->shadow ? r->shadow[pgoff - first] : NULL;
	}
	return NULL;
}

/**
 * nvd_dma_mmap - map a region, through the DMA API
 * @nvd: device, @nvd->lock held, not dead
 * @vma: a shared mapping whose offset is exactly a region's start
 *
 * Return: 0; -EINVAL when no region starts at the offset or the mapping is
 * longer than the region; -EACCES when the caller is not the process that
 * allocated the region (see the top of this file); or what
 * dma_mmap_coherent() returns.
 */
int nvd_dma_mmap(struct nvd_dev *nvd, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	pgoff_t pgoff = vma->vm_pgoff;
	struct nvd_region *r = NULL, *it;
	int err;

	lockdep_assert_held(&nvd->lock);

	/* compare in pages: pgoff << PAGE_SHIFT may not fit in 64 bits */
	list_for_each_entry(it, &nvd->regions, node)
		if (it->offset >> PAGE_SHIFT == pgoff) {
			r = it;
			break;
		}
	if (!r || len > r->size)
		return -EINVAL;
	if (r->mm != current->mm) {
		dev_info_ratelimited(&nvd->pdev->dev,
				     "mmap of DMA region at offset 0x%llx refused: only the process that allocated it may map it\n",
				     (unsigned long long)r->offset);
		return -EACCES;
	}

	/*
	 * The DMA API reads vm_pgoff as an offset into the buffer.  The
	 * file's offset goes back before the kernel links the vma into the
	 * file's mapping: unmap_mapping_range() and the fault handler use it.
	 */
	vma->vm_pgoff = 0;
	err = dma_mmap_coherent(&nvd->pdev->dev, vma, r->cpu_addr, r->bus_addr,
				r->size);
	vma->vm_pgoff = pgoff;
	return err;
}
