// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: /dev/nvdirectN file operations.
 *
 * One open file at a time owns the function.  Closing it (which is also what
 * happens when the owner is killed) stops the controller before its DMA
 * memory is freed.  After the function is removed the file stays valid but
 * every ioctl and mmap returns -ENODEV; old mappings keep working as they
 * would on a surprise-removed PCIe device: BAR0 reads all ones, DMA regions
 * keep what they held.  The owner learns of the removal from its register
 * reads, without a signal.
 *
 * BAR0 mappings are filled in page by page at fault time (nvd_vm_fault()),
 * never at mmap: what a page shows depends on the state of the device when
 * it is touched, and x86 PAT does not track them per vma.  DMA regions are
 * mapped whole at mmap by the DMA API (dma.c); after removal their pages,
 * too, fault in: the copies of the regions.
 *
 * Locking: nvd->lock is taken inside mmap_lock (mmap), so it must never be
 * held across copy_{from,to}_user(), whose faults take mmap_lock.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "nvdirect_internal.h"
#include "uapi/nvdirect.h"

/* The "required" prefix of each ioctl argument: the size checks rely on it. */
static_assert(offsetofend(struct nvdirect_info, flags) == 8);
static_assert(offsetofend(struct nvdirect_dma_alloc, size) == 16);
static_assert(offsetofend(struct nvdirect_dma_free, mmap_offset) == 16);

static int nvd_open(struct inode *inode, struct file *file)
{
	struct nvd_dev *nvd = container_of(inode->i_cdev, struct nvd_dev, cdev);
	int err = 0;

	/* The owner points the device at memory: who may is access.c's call. */
	err = nvd_may_open(nvd);
	if (err)
		return err;

	nonseekable_open(inode, file);

	mutex_lock(&nvd->lock);
	if (nvd->dead) {
		err = -ENODEV;
		goto out_unlock;
	}
	if (nvd->open) {
		err = -EBUSY;
		goto out_unlock;
	}
	nvd->open = true;
	nvd->owner_pid = task_tgid_nr(current);
	nvd->mapping = file->f_mapping;
	pci_set_master(nvd->pdev);

	get_device(&nvd->dev);
	file->private_data = nvd;
out_unlock:
	mutex_unlock(&nvd->lock);
	return err;
}

static int nvd_release(struct inode *inode, struct file *file)
{
	struct nvd_dev *nvd = file->private_data;

	/*
	 * Every mapping holds a reference to the file, so none is left here
	 * and there is nothing to revoke.  If the function was removed while
	 * open, remove has already stopped it: only the copies of the DMA
	 * regions the owner kept seeing are left to free.
	 */
	mutex_lock(&nvd->lock);
	/* never free under a disable still waiting for the controller */
	nvd_wait_disabling(nvd);
	if (!nvd->dead)
		nvd_quiesce(nvd);
	else
		nvd_dma_free_all(nvd);
	/* a PCI error took the device from this file; recovery gave it back */
	if (nvd->recovered)
		nvd->dead = nvd->recovered = false;
	nvd->open = false;
	nvd->owner_pid = 0;
	nvd->mapping = NULL;
	mutex_unlock(&nvd->lock);

	put_device(&nvd->dev);
	return 0;
}

static long nvd_ioctl_get_info(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_info info = {};
	struct pci_dev *pdev = nvd->pdev;
	int err;

	err = nvd_arg_in(&info, uarg, flags);
	if (err)
		return err;

	mutex_lock(&nvd->lock);
	if (nvd->dead) {
		mutex_unlock(&nvd->lock);
		return -ENODEV;
	}
	info.abi_version = NVDIRECT_ABI_VERSION;
	info.info_flags = nvd_behind_iommu(pdev) ? NVDIRECT_INFO_IOMMU : 0;
	info.vendor = pdev->vendor;
	info.device = pdev->device;
	info.subsystem_vendor = pdev->subsystem_vendor;
	info.subsystem_device = pdev->subsystem_device;
	info.class_code = pdev->class;
	info.bar0_size = nvd->bar0_len;
	info.bar0_offset = 0;
	info.dma_mask = dma_get_mask(&pdev->dev);
	info.max_region_size = NVD_MAX_REGION_SIZE;
	info.max_dma_bytes = nvd_max_dma_bytes();
	info.info_flags |= NVDIRECT_INFO_BAR0_MAPPABLE;
	info.bar0_mappable = nvd->msix.mappable;
	info.msix_table_offset = nvd->msix.table.offset;
	info.msix_table_size = nvd->msix.table.size;
	info.msix_pba_offset = nvd->msix.pba.offset;
	info.msix_pba_size = nvd->msix.pba.size;
	mutex_unlock(&nvd->lock);

	return nvd_arg_out(uarg, &info);
}

static long nvd_ioctl_dma_alloc(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_dma_alloc alloc = {};
	dma_addr_t bus_addr;
	int err;

	err = nvd_arg_in(&alloc, uarg, size);
	if (err)
		return err;

	mutex_lock(&nvd->lock);
	err = nvd->dead ? -ENODEV :
	      nvd_dma_alloc(nvd, alloc.size, &bus_addr, &alloc.mmap_offset);
	mutex_unlock(&nvd->lock);
	if (err)
		return err;
	alloc.bus_addr = bus_addr;

	if (nvd_arg_out(uarg, &alloc)) {
		/* the caller never learnt the offset: do not leak the region */
		nvd_dma_free(nvd, alloc.mmap_offset);
		return -EFAULT;
	}
	return 0;
}

static long nvd_ioctl_dma_free(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_dma_free req;
	int err;

	err = nvd_arg_in(&req, uarg, mmap_offset);
	if (err)
		return err;

	return nvd_dma_free(nvd, req.mmap_offset);
}

static long nvd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct nvd_dev *nvd = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case NVDIRECT_GET_INFO:
		return nvd_ioctl_get_info(nvd, uarg);
	case NVDIRECT_DMA_ALLOC:
		return nvd_ioctl_dma_alloc(nvd, uarg);
	case NVDIRECT_DMA_FREE:
		return nvd_ioctl_dma_free(nvd, uarg);
	case NVDIRECT_MEM_PIN:
		return nvd_ioctl_mem_pin(nvd, uarg);
	case NVDIRECT_MEM_UNPIN:
		return nvd_ioctl_mem_unpin(nvd, uarg);
	case NVDIRECT_SET_IRQS:
		return nvd_ioctl_set_irqs(nvd, uarg);
	case NVDIRECT_MASK_IRQ:
		return nvd_ioctl_mask_irq(nvd, uarg);
	default:
		return -ENOTTY;
	}
}

/* One page filled with all ones. */
static struct page *nvd_ones_page(void)
{
	struct page *page = alloc_page(GFP_KERNEL);

	if (page)
		memset(page_address(page), 0xff, PAGE_SIZE);
	return page;
}

/**
 * nvd_gone_pages_alloc - the pages BAR0 mappings show after removal
 * @nvd: device being probed
 *
 * Return: 0 or -ENOMEM.
 */
int nvd_gone_pages_alloc(struct nvd_dev *nvd)
{
	nvd->gone_regs = nvd_ones_page();
	nvd->gone_sink = nvd_ones_page();
	if (!nvd->gone_regs || !nvd->gone_sink) {
		nvd_gone_pages_free(nvd);
		return -ENOMEM;
	}
	return 0;
}

void nvd_gone_pages_free(struct nvd_dev *nvd)
{
	if (nvd->gone_regs)
		__free_page(nvd->gone_regs);
	if (nvd->gone_sink)
		__free_page(nvd->gone_sink);
	nvd->gone_regs = NULL;
	nvd->gone_sink = NULL;
}

/*
 * BAR0 after removal.  The register page (CAP, CC, CSTS...) reads all ones,
 * which is what the library checks CSTS for; stores into it would stick, but
 * no driver writes a register it then trusts on a dead device.  Doorbell
 * pages all share one sink page, so stores there never reach the registers.
 */
static struct page *nvd_gone_bar_page(struct nvd_dev *nvd, pgoff_t pgoff)
{
	return pgoff == 0 ? nvd->gone_regs : nvd->gone_sink;
}

/*
 * Fill in one page of a mapping: BAR0 while the device is bound; after
 * removal the all-ones pages or the DMA regions' copies (while bound, the
 * DMA API mapped each region whole at mmap).  A DMA region freed by
 * NVDIRECT_DMA_FREE, one whose pages its owner dropped (MADV_DONTNEED) or
 * whose copy failed is SIGBUS: the core would otherwise hand out a fresh
 * page and hide the bug.
 */
static vm_fault_t nvd_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct nvd_dev *nvd = vma->vm_file->private_data;
	bool bar = vmf->pgoff < (NVD_DMA_OFFSET_BASE >> PAGE_SHIFT);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct page *page;

	mutex_lock(&nvd->lock);
	if (bar && nvd_msix_page(nvd, vmf->pgoff)) {
		/* never the MSI-X table or PBA (msix.c); mmap refused it already */
		ret = VM_FAULT_SIGBUS;
	} else if (bar && !nvd->dead) {
		/* mmap checked that the BAR covers the whole vma */
		ret = vmf_insert_pfn_prot(vma, vmf->address,
					  (nvd->bar0_start >> PAGE_SHIFT) + vmf->pgoff,
					  vma->vm_page_prot);
	} else if (bar) {
		/* RAM in a VM_PFNMAP vma: cacheable, unlike the BAR it replaces */
		page = nvd_gone_bar_page(nvd, vmf->pgoff);
		ret = vmf_insert_pfn_prot(vma, vmf->address, page_to_pfn(page),
					  vm_get_page_prot(vma->vm_flags));
	} else {
		/*
		 * A region's copy after removal.  The vma is of the kind the
		 * DMA API made at mmap: VM_PFNMAP (remap_pfn_range()), where
		 * the copy, plain memory, gets plain protection; or
		 * VM_MIXEDMAP (vm_map_pages()), where it gets the vma's, which
		 * the DMA API leaves plain for coherent, unencrypted memory.
		 */
		page = nvd_dma_page(nvd, vmf->pgoff);
		if (page && (vma->vm_flags & VM_PFNMAP))
			ret = vmf_insert_pfn_prot(vma, vmf->address,
						  page_to_pfn(page),
						  vm_get_page_prot(vma->vm_flags));
		else if (page)
			ret = vmf_insert_mixed(vma, vmf->address,
					       pfn_to_pfn_t(page_to_pfn(page)));
	}
	mutex_unlock(&nvd->lock);
	return ret;
}

static const struct vm_operations_struct nvd_vm_ops = {
	.fault = nvd_vm_fault,
};

static int nvd_mmap_bar0(struct nvd_dev *nvd, struct vm_area_struct *vma)
{
	unsigned long bar_pages = nvd->bar0_len >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);
	unsigned long i;

	if (vma->vm_pgoff >= bar_pages || pages > bar_pages - vma->vm_pgoff)
		return -EINVAL;
	/* the pages of the MSI-X table and PBA stay the kernel's (msix.c) */
	for (i = 0; i < pages; i++)
		if (nvd_msix_page(nvd, vma->vm_pgoff + i)) {
			dev_info_ratelimited(&nvd->pdev->dev,
					     "mmap of BAR0 page %lu refused: it holds the MSI-X table or PBA (map at most the first %llu bytes)\n",
					     vma->vm_pgoff + i,
					     (unsigned long long)nvd->msix.mappable);
			return -EINVAL;
		}

	/*
	 * registers and doorbells: no caching, no write combining; and MMIO
	 * is never encrypted memory (SME)
	 */
	vma->vm_page_prot = pgprot_decrypted(pgprot_noncached(vma->vm_page_prot));
	return 0;
}

static int nvd_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct nvd_dev *nvd = file->private_data;
	int err;

	/* a private (COW) mapping of device memory has no meaning */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&nvd->lock);
	if (nvd->dead) {
		err = -ENODEV;
		goto out_unlock;
	}

	vma->vm_ops = &nvd_vm_ops;
	/*
	 * Not inherited by fork, not growable by mremap, not in core dumps.
	 * BAR0 is VM_IO|VM_PFNMAP: the fault handler inserts raw PFNs.  A DMA
	 * region gets no such flag here: dma_mmap_coherent() sets the ones
	 * its way of mapping needs (VM_PFNMAP or VM_MIXEDMAP, see dma.c).
	 */
	nvd_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);

	if (vma->vm_pgoff < (NVD_DMA_OFFSET_BASE >> PAGE_SHIFT)) {
		nvd_vm_flags_set(vma, VM_IO | VM_PFNMAP);
		err = nvd_mmap_bar0(nvd, vma);
	} else {
		err = nvd_dma_mmap(nvd, vma);
	}
out_unlock:
	mutex_unlock(&nvd->lock);
	return err;
}

const struct file_operations nvd_fops = {
	.owner		= THIS_MODULE,
	.open		= nvd_open,
	.release	= nvd_release,
	.unlocked_ioctl	= nvd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= nvd_mmap,
};
