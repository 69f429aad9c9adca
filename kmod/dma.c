// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: DMA regions handed to userspace.
 *
 * Memory comes from dma_alloc_coherent() on the PCI function, so the bus
 * address we report is whatever the DMA API set up: a physical address
 * without an IOMMU, an IOVA behind one.  Each region gets an mmap offset
 * from a per-device counter that only grows, so a stale offset can never
 * name a newer region.
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "nvdirect_internal.h"

/**
 * struct nvd_region - one NVDIRECT_DMA_ALLOC
 * @node:	entry in nvd_dev.regions
 * @cpu_addr:	kernel virtual address
 * @bus_addr:	address the device uses
 * @size:	bytes, a multiple of PAGE_SIZE
 * @offset:	mmap offset, a multiple of PAGE_SIZE
 */
struct nvd_region {
	struct list_head node;
	void *cpu_addr;
	dma_addr_t bus_addr;
	size_t size;
	u64 offset;
};

static struct nvd_region *nvd_region_find(struct nvd_dev *nvd, u64 offset)
{
	struct nvd_region *r;

	list_for_each_entry(r, &nvd->regions, node)
		if (r->offset == offset)
			return r;
	return NULL;
}

static void nvd_region_destroy(struct nvd_dev *nvd, struct nvd_region *r)
{
	list_del(&r->node);
	nvd->nr_regions--;
	nvd->dma_bytes -= r->size;
	dma_free_coherent(&nvd->pdev->dev, r->size, r->cpu_addr, r->bus_addr);
	kfree(r);
}

/**
 * nvd_dma_alloc - allocate a zeroed, device-visible region
 * @nvd:	device, @nvd->lock held, not dead
 * @size:	requested bytes, rounded up to PAGE_SIZE
 * @bus_addr:	out: address to give the device
 * @mmap_offset: out: offset to pass to mmap()
 *
 * Return: 0, -EINVAL for a size of 0 or above NVD_MAX_REGION_SIZE, -ENOSPC
 * past the max_dma_bytes limit, -ENOMEM.
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

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	/*
	 * dma_alloc_coherent() zeroes memory (guaranteed since v5.0), so no
	 * stale kernel data reaches userspace.  A failure is the caller's
	 * -ENOMEM, not a reason for an allocation-failure splat in dmesg.
	 */
	r->cpu_addr = dma_alloc_coherent(&nvd->pdev->dev, size, &r->bus_addr,
					 GFP_KERNEL | __GFP_NOWARN);
	if (!r->cpu_addr) {
		err = -ENOMEM;
		goto err_free_region;
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

err_free_region:
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

/**
 * nvd_dma_mmap - map a region into userspace
 * @nvd: device, @nvd->lock held, not dead
 * @vma: a shared mapping whose offset is exactly a region's start
 *
 * Return: 0, -EINVAL when no region starts at the offset or the mapping is
 * longer than the region, or an error from dma_mmap_coherent().
 */
int nvd_dma_mmap(struct nvd_dev *nvd, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long pgoff = vma->vm_pgoff;
	struct nvd_region *r = NULL, *it;
	int err;

	lockdep_assert_held(&nvd->lock);

	/* compare in pages: pgoff << PAGE_SHIFT may not fit in 64 bits */
	list_for_each_entry(it, &nvd->regions, node) {
		if (it->offset >> PAGE_SHIFT == pgoff) {
			r = it;
			break;
		}
	}
	if (!r || len > r->size)
		return -EINVAL;

	/*
	 * dma_mmap_coherent() reads vm_pgoff as an offset into the buffer,
	 * but the file's address space indexes this vma by its real offset,
	 * which nvd_dma_free() relies on to revoke it.  Lend it a zero and
	 * put the real value back.
	 */
	vma->vm_pgoff = 0;
	err = dma_mmap_coherent(&nvd->pdev->dev, vma, r->cpu_addr, r->bus_addr,
				r->size);
	vma->vm_pgoff = pgoff;
	return err;
}
