// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: the owner's own memory, pinned and mapped for the device, so
 * that I/O can go straight to and from ordinary buffers (zero copy).
 *
 * Pages are pinned with FOLL_LONGTERM (Documentation/core-api/
 * pin_user_pages.rst, the RDMA case: the device may access them for an
 * unbounded time), charged to the owner's RLIMIT_MEMLOCK through the mm's
 * pinned_vm counter, and mapped with dma_map_sgtable() so the addresses the
 * device gets are IOVAs behind an IOMMU.  Userspace gets one bus address per
 * 4 KiB, which is what a PRP list needs whether the DMA API merged the range
 * into one segment or not.
 *
 * Locking: pinning faults pages in under mmap_lock, and nvd->lock nests
 * inside mmap_lock (see chardev.c), so pages are pinned and the charge
 * taken before nvd->lock; mapping, listing and every unpin happen under it.
 * pinned_vm is an atomic counter, so uncharging needs no mmap_lock and is
 * safe from quiesce, whatever lock the caller holds.
 */
#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nvdirect_internal.h"
#include "uapi/nvdirect.h"

static unsigned long max_pinned_bytes = 1UL << 30;
module_param(max_pinned_bytes, ulong, 0644);
MODULE_PARM_DESC(max_pinned_bytes,
		 "Limit on user memory pinned per open file, in bytes (default 1 GiB)");

/* The "required" prefix of each ioctl argument: the size checks rely on it. */
static_assert(offsetofend(struct nvdirect_mem_pin, nr_addrs) == 40);
static_assert(offsetofend(struct nvdirect_mem_unpin, handle) == 16);
/* every kernel page is a whole number of addrs entries */
static_assert(PAGE_SIZE % NVDIRECT_PIN_GRANULE == 0);

/**
 * struct nvd_pin - one NVDIRECT_MEM_PIN
 * @node:	entry in nvd_dev.pins
 * @handle:	what userspace unpins it by
 * @size:	bytes, a multiple of PAGE_SIZE
 * @mm:		the mm charged for @npages (grabbed: it may exit first)
 * @pages:	the pinned pages
 * @npages:	entries in @pages
 * @sgt:	@pages, mapped for the device
 */
struct nvd_pin {
	struct list_head node;
	u64 handle;
	u64 size;
	struct mm_struct *mm;
	struct page **pages;
	unsigned long npages;
	struct sg_table sgt;
};

/**
 * nvd_memlock_charge - charge pages the device may reach to RLIMIT_MEMLOCK
 * @mm:		the mm to charge (the caller's); the caller keeps it grabbed
 *		until nvd_memlock_uncharge(), which may run from another task
 * @npages:	PAGE_SIZE pages
 *
 * Both the owner's pinned memory (NVDIRECT_MEM_PIN) and the module's DMA
 * regions (NVDIRECT_DMA_ALLOC) count, in the mm's pinned_vm (VmPin), as
 * RDMA counts its pinned pages: past RLIMIT_MEMLOCK only with CAP_IPC_LOCK.
 *
 * Return: 0, or -ENOMEM past the limit.
 */
int nvd_memlock_charge(struct mm_struct *mm, unsigned long npages)
{
	u64 limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	u64 pinned = atomic64_add_return(npages, &mm->pinned_vm);

	/* capable() only when needed: it marks the task as using privilege */
	if (pinned > limit && !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	return 0;
}

/* Undo nvd_memlock_charge(); any context, any lock. */
void nvd_memlock_uncharge(struct mm_struct *mm, unsigned long npages)
{
	atomic64_sub(npages, &mm->pinned_vm);
}

/* Undo nvd_pin_user(): unpin, uncharge, free. */
static void nvd_pin_put_pages(struct nvd_pin *p, bool dirty)
{
	/* the device may have written them: dirty, so file pages reach disk */
	unpin_user_pages_dirty_lock(p->pages, p->npages, dirty);
	nvd_memlock_uncharge(p->mm, p->npages);
	mmdrop(p->mm);
	kvfree(p->pages);
	kfree(p);
}

/**
 * nvd_pin_user - charge and pin the caller's pages (no nvd->lock held)
 * @vaddr:	page aligned start
 * @size:	page multiple, not 0
 *
 * Return: the pin, not yet mapped for the device, or an ERR_PTR: -ENOMEM
 * past RLIMIT_MEMLOCK or out of memory, -EFAULT when part of the range
 * cannot be pinned for writing (unmapped, read-only, or memory that cannot
 * be pinned long-term).
 */
static struct nvd_pin *nvd_pin_user(u64 vaddr, u64 size)
{
	unsigned long done = 0, todo;
	struct nvd_pin *p;
	int ret, err;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->size = size;
	p->npages = size >> PAGE_SHIFT;
	p->mm = current->mm;
	mmgrab(p->mm);

	err = nvd_memlock_charge(p->mm, p->npages);
	if (err)
		goto err_drop_mm;

	p->pages = kvmalloc_array(p->npages, sizeof(*p->pages), GFP_KERNEL);
	if (!p->pages) {
		err = -ENOMEM;
		goto err_uncharge;
	}

	/* pin_user_pages_fast() has the same signature on 6.1 and 6.12 */
	while (done < p->npages) {
		todo = min_t(unsigned long, p->npages - done, INT_MAX);
		ret = pin_user_pages_fast(vaddr + (done << PAGE_SHIFT), (int)todo,
					  FOLL_WRITE | FOLL_LONGTERM,
					  p->pages + done);
		if (ret <= 0) {
			err = ret ? ret : -EFAULT;
			goto err_unpin;
		}
		done += ret;
	}
	return p;

err_unpin:
	unpin_user_pages(p->pages, done);
	kvfree(p->pages);
err_uncharge:
	nvd_memlock_uncharge(p->mm, p->npages);
err_drop_mm:
	mmdrop(p->mm);
	kfree(p);
	return ERR_PTR(err);
}

/**
 * nvd_pin_map - map a pin for the device and describe it per 4 KiB
 * @nvd:	device, @nvd->lock held, not dead
 * @p:		pinned by nvd_pin_user()
 * @addrs:	out: p->size / NVDIRECT_PIN_GRANULE bus addresses
 * @nr_segments: out: DMA segments the mapping took
 *
 * Return: 0, -ENOMEM, -EOPNOTSUPP when the DMA API bounces the pages
 * (swiotlb) instead of letting the device reach them, -EIO when a segment
 * is not 4 KiB aligned (cannot be described by PRPs).
 */
static int nvd_pin_map(struct nvd_dev *nvd, struct nvd_pin *p, u64 *addrs,
		       u32 *nr_segments)
{
	struct device *dev = &nvd->pdev->dev;
	bool direct = !nvd_behind_iommu(nvd->pdev);
	struct scatterlist *sg;
	unsigned long n = 0;
	dma_addr_t addr;
	unsigned int i;
	u32 len, off;
	int err;

	lockdep_assert_held(&nvd->lock);

	err = sg_alloc_table_from_pages(&p->sgt, p->pages, p->npages, 0,
					p->size, GFP_KERNEL);
	if (err)
		return err;
	err = dma_map_sgtable(dev, &p->sgt, DMA_BIDIRECTIONAL, 0);
	if (err)
		goto err_free_table;

	for_each_sgtable_dma_sg(&p->sgt, sg, i) {
		addr = sg_dma_address(sg);
		len = sg_dma_len(sg);
		/*
		 * Without an IOMMU, a mapping that needs syncs is a bounce
		 * buffer: the device would never see the caller's pages.
		 * (Behind an IOMMU, 6.1 reports every mapping as needing
		 * syncs, so the test would refuse them all.)
		 */
		if (direct && dma_need_sync(dev, addr)) {
			dev_warn_once(dev, "DMA to user memory would be bounced (swiotlb); refusing to pin\n");
			err = -EOPNOTSUPP;
			goto err_unmap;
		}
		if ((addr | len) & (NVDIRECT_PIN_GRANULE - 1)) {
			err = -EIO;
			goto err_unmap;
		}
		for (off = 0; off < len; off += NVDIRECT_PIN_GRANULE) {
			if (n == p->size / NVDIRECT_PIN_GRANULE) {
				err = -EIO;
				goto err_unmap;
			}
			addrs[n++] = addr + off;
		}
	}
	if (n != p->size / NVDIRECT_PIN_GRANULE) {
		err = -EIO;
		goto err_unmap;
	}
	*nr_segments = p->sgt.nents;
	return 0;

err_unmap:
	dma_unmap_sgtable(dev, &p->sgt, DMA_BIDIRECTIONAL, 0);
err_free_table:
	sg_free_table(&p->sgt);
	return err;
}

/* Unmap and unpin a pin that is no longer listed.  @nvd->lock held. */
static void nvd_pin_destroy(struct nvd_dev *nvd, struct nvd_pin *p)
{
	lockdep_assert_held(&nvd->lock);

	dma_unmap_sgtable(&nvd->pdev->dev, &p->sgt, DMA_BIDIRECTIONAL, 0);
	sg_free_table(&p->sgt);
	nvd_pin_put_pages(p, true);
}

static void nvd_pin_unlist(struct nvd_dev *nvd, struct nvd_pin *p)
{
	list_del(&p->node);
	nvd->nr_pins--;
	nvd->pinned_bytes -= p->size;
}

static struct nvd_pin *nvd_pin_find(struct nvd_dev *nvd, u64 handle)
{
	struct nvd_pin *p;

	list_for_each_entry(p, &nvd->pins, node)
		if (p->handle == handle)
			return p;
	return NULL;
}

/* -ENODEV when removed, -ENOSPC when @size more would pass the limit. */
static int nvd_pin_admit(struct nvd_dev *nvd, u64 size)
{
	lockdep_assert_held(&nvd->lock);

	if (nvd->dead)
		return -ENODEV;
	if (size > READ_ONCE(max_pinned_bytes) ||
	    nvd->pinned_bytes + size > READ_ONCE(max_pinned_bytes))
		return -ENOSPC;
	return 0;
}

/**
 * nvd_ioctl_mem_pin - NVDIRECT_MEM_PIN
 * @nvd:	device
 * @uarg:	struct nvdirect_mem_pin
 *
 * Return: 0 or a negative errno as documented in uapi/nvdirect.h.
 */
long nvd_ioctl_mem_pin(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_mem_pin req = {};
	struct nvd_pin *p, *found;
	unsigned long n;
	u64 *addrs;
	int err;

	err = nvd_arg_in(&req, uarg, nr_addrs);
	if (err)
		return err;
	if (!req.size || !PAGE_ALIGNED(req.vaddr) || !PAGE_ALIGNED(req.size) ||
	    req.vaddr + req.size < req.vaddr ||
	    req.nr_addrs < req.size / NVDIRECT_PIN_GRANULE)
		return -EINVAL;
	if (!current->mm)
		return -EFAULT;

	/* fail early, before pinning anything; checked again below */
	mutex_lock(&nvd->lock);
	err = nvd_pin_admit(nvd, req.size);
	mutex_unlock(&nvd->lock);
	if (err)
		return err;

	n = req.size / NVDIRECT_PIN_GRANULE;
	addrs = kvmalloc_array(n, sizeof(*addrs), GFP_KERNEL);
	if (!addrs)
		return -ENOMEM;

	p = nvd_pin_user(req.vaddr, req.size);
	if (IS_ERR(p)) {
		err = PTR_ERR(p);
		goto out_free_addrs;
	}

	mutex_lock(&nvd->lock);
	err = nvd_pin_admit(nvd, req.size);
	if (!err)
		err = nvd_pin_map(nvd, p, addrs, &req.nr_segments);
	if (err) {
		mutex_unlock(&nvd->lock);
		nvd_pin_put_pages(p, false);
		goto out_free_addrs;
	}
	p->handle = ++nvd->last_pin_handle;
	req.handle = p->handle;
	list_add_tail(&p->node, &nvd->pins);
	nvd->nr_pins++;
	nvd->pinned_bytes += p->size;
	mutex_unlock(&nvd->lock);

	/* no nvd->lock here: a fault on these buffers takes mmap_lock */
	if (copy_to_user(u64_to_user_ptr(req.addrs), addrs, n * sizeof(*addrs)) ||
	    nvd_arg_out(uarg, &req)) {
		/* the caller never learnt the handle: do not leak the pin */
		mutex_lock(&nvd->lock);
		found = nvd_pin_find(nvd, req.handle);	/* remove may have won */
		if (found) {
			nvd_pin_unlist(nvd, found);
			nvd_pin_destroy(nvd, found);
		}
		mutex_unlock(&nvd->lock);
		err = -EFAULT;
	}

out_free_addrs:
	kvfree(addrs);
	return err;
}

/**
 * nvd_ioctl_mem_unpin - NVDIRECT_MEM_UNPIN
 * @nvd:	device
 * @uarg:	struct nvdirect_mem_unpin
 *
 * Return: 0, -EINVAL for an unknown handle or bad argsz/flags, -ENODEV.
 */
long nvd_ioctl_mem_unpin(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_mem_unpin req;
	struct nvd_pin *p;
	int err = 0;

	err = nvd_arg_in(&req, uarg, handle);
	if (err)
		return err;

	mutex_lock(&nvd->lock);
	if (nvd->dead) {
		err = -ENODEV;
		goto out_unlock;
	}
	p = nvd_pin_find(nvd, req.handle);
	if (!p) {
		err = -EINVAL;
		goto out_unlock;
	}
	nvd_pin_unlist(nvd, p);
	nvd_pin_destroy(nvd, p);
out_unlock:
	mutex_unlock(&nvd->lock);
	return err;
}

/**
 * nvd_unpin_all - unmap and unpin all user memory
 * @nvd: device, @nvd->lock held
 *
 * The caller must already have stopped the controller and cleared bus
 * mastering (nvd_quiesce()): after this the pages belong to their process
 * alone again, and may be freed and reused by anyone.
 */
void nvd_unpin_all(struct nvd_dev *nvd)
{
	struct nvd_pin *p, *tmp;

	lockdep_assert_held(&nvd->lock);

	/* a bug, not a condition: the device could still write to them */
	WARN_ON_ONCE(!list_empty(&nvd->pins) && nvd->pdev->is_busmaster);
	list_for_each_entry_safe(p, tmp, &nvd->pins, node) {
		nvd_pin_unlist(nvd, p);
		nvd_pin_destroy(nvd, p);
	}
}
