/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nvdirect: state shared between the files of the module.
 *
 * Lifetime: struct nvd_dev is owned by the refcount of its embedded class
 * device (a kref underneath).  The PCI driver holds one reference from probe
 * to remove; an open file holds another from open to release, so a file that
 * outlives an unbind still points at valid memory and sees @dead.
 */
#ifndef _NVDIRECT_INTERNAL_H
#define _NVDIRECT_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/wait.h>

#define NVD_NAME		"nvdirect"
#define NVD_MAX_DEVICES		256

/* mmap offset space: BAR0 at 0, DMA regions from here up, never reused. */
#define NVD_DMA_OFFSET_BASE	(1ULL << 40)

/*
 * Largest single region: the buddy allocator's largest block on 6.1 x86
 * (order 10, 4 MiB), so dma_alloc_coherent() can serve it without CMA.
 */
#define NVD_MAX_REGION_SIZE	(4UL << 20)

/**
 * struct nvd_msix_range - a structure of the MSI-X capability inside BAR0
 * @offset:	byte offset in BAR0
 * @size:	bytes; 0 when the structure lives in another BAR (or there is
 *		no MSI-X capability), so no page of BAR0 holds it
 */
struct nvd_msix_range {
	u32 offset;
	u32 size;
};

/**
 * struct nvd_msix_layout - the MSI-X table and PBA, as far as BAR0 holds them
 * @table:	the MSI-X table (PCIe Base 6.0, section 7.7.2)
 * @pba:	the Pending Bit Array
 * @mappable:	bytes from the start of BAR0 up to the first page holding
 *		either; the BAR's size when neither is in BAR0
 */
struct nvd_msix_layout {
	struct nvd_msix_range table;
	struct nvd_msix_range pba;
	u64 mappable;
};

/**
 * struct nvd_dev - one PCI function bound to nvdirect
 * @dev:	class device /sys/class/nvdirect/nvdirectN; owns this struct
 * @cdev:	/dev/nvdirectN
 * @pdev:	the PCI function (referenced until @dev is released)
 * @minor:	N, from nvd_ida
 * @bar0_start:	bus address of BAR0, for user mmap
 * @bar0_len:	size of BAR0
 * @msix:	where the MSI-X table and PBA lie in BAR0 (msix.c); their pages
 *		are never mapped for the owner
 * @lock:	serialises open, release, ioctl, mmap, sysfs and remove;
 *		protects every field below
 * @dead:	the PCI function was removed, or taken from the owner by a PCI
 *		error or shutdown; hardware must not be touched
 * @recovered:	@dead came from a PCI error the function has recovered from;
 *		the dead file's release makes the device usable again
 * @disabling:	nvd_ctrl_disable() is waiting for CSTS.RDY, or removal for
 *		mmaps in flight (nvd_dma_wait_mappers()), without @lock;
 *		whoever would stop, free or unmap waits on @disable_wq first
 * @disable_wq:	woken when @disabling clears
 * @open:	a file is open (open is exclusive)
 * @owner_pid:	tgid of the process that opened the file, 0 when free
 * @mapping:	f_mapping of the open file, to revoke user mappings
 * @regs:	kernel mapping of the register page of BAR0
 * @regions:	list of struct nvd_region
 * @nr_regions:	number of entries in @regions
 * @dma_bytes:	bytes allocated in @regions
 * @next_offset: mmap offset of the next region
 * @pins:	list of struct nvd_pin (user memory pinned by NVDIRECT_MEM_PIN)
 * @nr_pins:	number of entries in @pins
 * @pinned_bytes: bytes of user memory in @pins
 * @last_pin_handle: handle of the newest pin; handles are never reused
 * @irqs:	MSI-X vectors, allocated on first NVDIRECT_SET_IRQS (irq.c)
 * @nr_irqs:	number of entries in @irqs
 * @gone_regs:	after removal, what the owner's BAR0 register page shows:
 *		all ones, as a read of a surprise-removed PCIe function returns
 * @gone_sink:	after removal, the rest of BAR0 (doorbells): all ones too, and
 *		where the owner's stores land
 */
struct nvd_dev {
	struct device dev;
	struct cdev cdev;
	struct pci_dev *pdev;
	int minor;
	resource_size_t bar0_start;
	resource_size_t bar0_len;
	struct nvd_msix_layout msix;

	struct mutex lock;
	bool dead;
	bool recovered;
	bool disabling;
	wait_queue_head_t disable_wq;
	bool open;
	pid_t owner_pid;
	struct address_space *mapping;
	void __iomem *regs;
	struct list_head regions;
	unsigned int nr_regions;
	u64 dma_bytes;
	u64 next_offset;
	struct list_head pins;
	unsigned int nr_pins;
	u64 pinned_bytes;
	u64 last_pin_handle;
	struct nvd_irq *irqs;
	unsigned int nr_irqs;
	struct page *gone_regs;
	struct page *gone_sink;
};

static inline struct nvd_dev *to_nvd_dev(struct device *dev)
{
	return container_of(dev, struct nvd_dev, dev);
}

/*
 * Bus addresses are IOVAs: the function's DMA goes through a DMA API domain
 * of an IOMMU (DMA or DMA-FQ), not an identity (passthrough) one.
 */
static inline bool nvd_behind_iommu(struct pci_dev *pdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);

	return domain && iommu_is_dma_domain(domain);
}

/* msix.c */
void nvd_msix_layout_read(struct nvd_dev *nvd);
bool nvd_msix_page(const struct nvd_dev *nvd, pgoff_t pgoff);

/* access.c */
int nvd_may_open(struct nvd_dev *nvd);
ssize_t nvd_dma_isolation_show(struct nvd_dev *nvd, char *buf);

/* main.c */
extern struct class nvd_class;
unsigned long nvd_max_dma_bytes(void);

/* chardev.c */
extern const struct file_operations nvd_fops;
int nvd_gone_pages_alloc(struct nvd_dev *nvd);
void nvd_gone_pages_free(struct nvd_dev *nvd);

/* dma.c */
int nvd_dma_alloc(struct nvd_dev *nvd, u64 size, dma_addr_t *bus_addr,
		  u64 *mmap_offset);
int nvd_dma_free(struct nvd_dev *nvd, u64 mmap_offset);
void nvd_dma_free_all(struct nvd_dev *nvd);
void nvd_dma_orphan_all(struct nvd_dev *nvd);
struct page *nvd_dma_page(struct nvd_dev *nvd, pgoff_t pgoff);
int nvd_dma_mmap(struct nvd_dev *nvd, struct vm_area_struct *vma);

/* pin.c */
struct mm_struct;
int nvd_memlock_charge(struct mm_struct *mm, unsigned long npages);
void nvd_memlock_uncharge(struct mm_struct *mm, unsigned long npages);
long nvd_ioctl_mem_pin(struct nvd_dev *nvd, void __user *uarg);
long nvd_ioctl_mem_unpin(struct nvd_dev *nvd, void __user *uarg);
void nvd_unpin_all(struct nvd_dev *nvd);

/* irq.c */
long nvd_ioctl_set_irqs(struct nvd_dev *nvd, void __user *uarg);
long nvd_ioctl_mask_irq(struct nvd_dev *nvd, void __user *uarg);
void nvd_irq_free_all(struct nvd_dev *nvd);

/* ctrl.c */
int nvd_ctrl_disable(struct nvd_dev *nvd);
void nvd_wait_disabling(struct nvd_dev *nvd);
void nvd_quiesce(struct nvd_dev *nvd);

/* sysfs.c */
extern const struct attribute_group *nvd_dev_groups[];
extern const struct attribute_group *nvd_class_groups[];

static inline void nvd_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * ioctl arguments (uapi/nvdirect.h): every struct starts with argsz and
 * flags.  nvd_arg_in() copies in the struct up to and including field
 * @last, the part every caller passes; -EFAULT, or -EINVAL when argsz is
 * smaller than that or a flag is set (none is defined yet).  nvd_arg_out()
 * copies it back, no more than argsz bytes.
 */
#define nvd_arg_in(arg, uarg, last) ({					\
	static_assert(offsetof(typeof(*(arg)), argsz) == 0 &&		\
		      offsetof(typeof(*(arg)), flags) == 4);		\
	__nvd_arg_in((arg), (uarg), offsetofend(typeof(*(arg)), last));	\
})
#define nvd_arg_out(uarg, arg)	__nvd_arg_out((uarg), (arg), sizeof(*(arg)))

static inline int __nvd_arg_in(void *arg, const void __user *uarg, size_t minsz)
{
	const u32 *hdr = arg;	/* argsz, flags */

	if (copy_from_user(arg, uarg, minsz))
		return -EFAULT;
	return hdr[0] < minsz || hdr[1] ? -EINVAL : 0;
}

static inline int __nvd_arg_out(void __user *uarg, const void *arg, size_t size)
{
	u32 argsz = *(const u32 *)arg;

	return copy_to_user(uarg, arg, min_t(size_t, argsz, size)) ? -EFAULT : 0;
}

#endif /* _NVDIRECT_INTERNAL_H */
