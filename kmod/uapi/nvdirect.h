/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nvdirect kernel/user ABI: the only header shared by nvdirect.ko and
 * libnvdirect.  Fixed-width types only; every struct size is asserted below
 * and, for a given NVDIRECT_ABI_VERSION, only ever grows at the end (the
 * rules for that follow).
 *
 * ioctl conventions (VFIO style):
 *  - every argument struct starts with argsz and flags;
 *  - the kernel copies offsetofend(last required field) bytes, returns
 *    EINVAL when argsz is smaller than that or when flags has unknown bits;
 *  - output fields are copied back up to min(argsz, sizeof(struct));
 *  - unknown commands return ENOTTY;
 *  - mmap offsets are handed out by the kernel, never computed by userspace.
 *
 * Removal (unbind, hot-remove) while the device is open: every ioctl and
 * mmap returns ENODEV; existing mappings never raise SIGBUS.  BAR0 then
 * reads all ones, as a surprise-removed PCIe function does (stores are
 * dropped), so a CSTS of 0xffffffff tells the owner the device is gone; DMA
 * regions keep their contents until the file is closed.  Only a region
 * released by NVDIRECT_DMA_FREE faults (SIGBUS) when touched again.
 *
 * NVDIRECT_ABI_VERSION changes only when an existing struct field, command
 * or behaviour changes.  New commands are additive: an older module answers
 * them with ENOTTY, which the library reports as "not supported".  A struct
 * may grow at its end, as VFIO's do: new output fields are appended, the
 * size asserted below grows with them, an info_flags bit says that the
 * module filled them (an older module copies back only what it knew, and
 * leaves the bit clear), and required input fields are never added.
 *
 * Changes within version 1 (this library also works with a module from
 * before them; a library from before them works with this module except
 * where its table is in BAR0):
 *  - NVDIRECT_GET_INFO grew from 72 to 96 bytes (bar0_mappable, msix_*),
 *    and BAR0 pages holding the MSI-X table or PBA stopped being mappable:
 *    a library that maps the whole of BAR0 fails with EINVAL on a
 *    controller whose table is in BAR0, as it must.
 *  - open: without CAP_SYS_RAWIO, allowed when an IOMMU translates the
 *    function's DMA and no other device of its IOMMU group is bound to a
 *    driver; EPERM otherwise, and sysfs dma_isolation says why.
 *  - NVDIRECT_DMA_ALLOC is charged to RLIMIT_MEMLOCK like NVDIRECT_MEM_PIN
 *    (ENOMEM past it without CAP_IPC_LOCK).
 *  - NVDIRECT_MASK_IRQ (new command: ENOTTY from an older module, where
 *    a routed vector interrupts on every message, as before).
 */
#ifndef _UAPI_NVDIRECT_H
#define _UAPI_NVDIRECT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define NVDIRECT_ABI_VERSION	1

#define NVDIRECT_TYPE		0xE4
#define NVDIRECT_BASE		0x40

/*
 * NVDIRECT_GET_INFO: describe the bound PCI function.
 * Required fields: argsz, flags (must be 0).  Everything else is output,
 * copied back up to argsz: a caller built against the 72-byte struct of
 * before gets what it knew.
 *
 * BAR0 mmap: the pages of BAR0 that hold the MSI-X table or the PBA are
 * never mappable (a rewritten message address/data is a DMA write of the
 * device's choosing); a mapping that covers one is EINVAL, every other
 * page of BAR0 maps.  The NVMe registers and doorbells start at offset 0,
 * and bar0_mappable says how many bytes from there one mapping may cover
 * (bar0_size when neither structure is in BAR0); the msix_* fields say
 * where the two are.  A module older than these fields leaves
 * NVDIRECT_INFO_BAR0_MAPPABLE clear and maps all of BAR0.
 */
struct nvdirect_info {
	__u32 argsz;
	__u32 flags;
	__u32 abi_version;	/* NVDIRECT_ABI_VERSION */
	__u32 info_flags;	/* NVDIRECT_INFO_* */
	__u16 vendor;
	__u16 device;
	__u16 subsystem_vendor;
	__u16 subsystem_device;
	__u32 class_code;	/* 24-bit PCI class, e.g. 0x010802 */
	__u32 pad;
	__u64 bar0_size;	/* bytes */
	__u64 bar0_offset;	/* mmap offset of BAR0 */
	__u64 dma_mask;		/* highest bus address the device can reach */
	__u64 max_region_size;	/* largest single NVDIRECT_DMA_ALLOC */
	__u64 max_dma_bytes;	/* per-open limit on pinned bytes */
	/* appended; filled when info_flags has NVDIRECT_INFO_BAR0_MAPPABLE */
	__u64 bar0_mappable;	/* bytes from bar0_offset one mmap may cover */
	__u32 msix_table_offset; /* MSI-X table in BAR0: byte offset, size */
	__u32 msix_table_size;	/* (0: not in BAR0, or no MSI-X) */
	__u32 msix_pba_offset;	/* MSI-X PBA in BAR0: byte offset, size */
	__u32 msix_pba_size;	/* (0: not in BAR0, or no MSI-X) */
};
#define NVDIRECT_INFO_IOMMU	(1u << 0)	/* bus addresses are IOVAs */
#define NVDIRECT_INFO_BAR0_MAPPABLE (1u << 1)	/* bar0_mappable.. are filled */
#define NVDIRECT_GET_INFO	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 0)

/*
 * NVDIRECT_DMA_ALLOC: allocate pinned, device-visible memory.
 * Required fields: argsz, flags (must be 0), size (bytes, rounded up to
 * PAGE_SIZE; 0 or larger than max_region_size is EINVAL, past the per-open
 * limit is ENOSPC).  Output: bus_addr (what the device must be given, from
 * the kernel DMA API) and mmap_offset (pass to mmap to reach it).
 * The region is charged to the caller's pinned memory (pinned_vm, VmPin),
 * as NVDIRECT_MEM_PIN is, until it is freed or the file released: past
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK the call is ENOMEM.  The memory is
 * also charged to the caller's memory cgroup.
 */
struct nvdirect_dma_alloc {
	__u32 argsz;
	__u32 flags;
	__u64 size;
	__u64 bus_addr;
	__u64 mmap_offset;
};
#define NVDIRECT_DMA_ALLOC	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 1)

/*
 * NVDIRECT_DMA_FREE: release a region.  Any user mapping of it is revoked
 * first.  Required fields: argsz, flags (must be 0), mmap_offset as returned
 * by NVDIRECT_DMA_ALLOC; an unknown offset is EINVAL.
 */
struct nvdirect_dma_free {
	__u32 argsz;
	__u32 flags;
	__u64 mmap_offset;
};
#define NVDIRECT_DMA_FREE	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 2)

/*
 * NVDIRECT_MEM_PIN: pin the caller's own memory and map it for the device
 * (zero-copy I/O from ordinary buffers, e.g. malloc or mmap).
 * Required fields: argsz, flags (must be 0), vaddr and size (both multiples
 * of the kernel page size, size not 0), addrs and nr_addrs.
 * @addrs points to an array of nr_addrs __u64 that the kernel fills with the
 * bus address of every NVDIRECT_PIN_GRANULE bytes of the range, in order:
 * the DMA API may map the range as several discontiguous segments (no
 * IOMMU) or one (an IOMMU merged them), and a PRP needs the address of
 * each 4 KiB page either way.  nr_addrs below size / NVDIRECT_PIN_GRANULE
 * is EINVAL.  Output: handle (for NVDIRECT_MEM_UNPIN, never reused within
 * an open) and nr_segments (how many contiguous bus ranges the DMA API
 * made, informational).
 * Errors: EINVAL (size 0, misaligned, overflow, bad flags/argsz/nr_addrs),
 * ENOSPC (past the module's per-open limit, max_pinned_bytes),
 * ENOMEM (past RLIMIT_MEMLOCK without CAP_IPC_LOCK, charged to the mm's
 * pinned_vm as RDMA does; or out of memory), EFAULT (range not mapped
 * writable, or memory that cannot be pinned long-term),
 * EOPNOTSUPP (the DMA API would bounce the pages through swiotlb, so the
 * device would not see the caller's memory), ENODEV (function removed).
 */
struct nvdirect_mem_pin {
	__u32 argsz;
	__u32 flags;
	__u64 vaddr;
	__u64 size;
	__u64 addrs;		/* user pointer to __u64[nr_addrs] */
	__u64 nr_addrs;
	__u64 handle;		/* out */
	__u32 nr_segments;	/* out */
	__u32 pad;
};
#define NVDIRECT_PIN_GRANULE	4096u	/* bytes described by one addrs entry */
#define NVDIRECT_MEM_PIN	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 3)

/*
 * NVDIRECT_MEM_UNPIN: unmap and unpin a range pinned by NVDIRECT_MEM_PIN.
 * Required fields: argsz, flags (must be 0), handle; an unknown handle is
 * EINVAL.  As with NVDIRECT_DMA_FREE, keeping the controller off the range
 * first is the caller's job; on close, crash or removal the module stops
 * the controller and clears bus mastering before it unpins anything.
 */
struct nvdirect_mem_unpin {
	__u32 argsz;
	__u32 flags;
	__u64 handle;
};
#define NVDIRECT_MEM_UNPIN	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 4)

/*
 * NVDIRECT_SET_IRQS: route MSI-X vectors to eventfds, so the owner can sleep
 * in poll/epoll until its device posts a completion (interrupt mode).
 * Required fields: argsz, flags (must be 0), start, count, fds.
 * @fds points to count __s32: entry i is an eventfd (eventfd(2)) that the
 * module signals on every interrupt of vector start + i, or -1 to stop
 * routing that vector.  count 0 changes nothing: a query of nr_vectors.
 * The whole call is checked before anything changes: start + count past
 * nr_vectors, or an entry below -1, is EINVAL; an entry that is not an open
 * file is EBADF, one that is not an eventfd EINVAL.  Output: nr_vectors,
 * the MSI-X vectors usable: what the function offers (0: no MSI-X), or,
 * once the first route allocated them, what the platform granted.  Routes end on close, crash or removal, after the controller is
 * stopped and before its memory is freed.  EBUSY when the kernel cannot
 * allocate the vectors (another driver holds MSI/INTx of the function).
 */
struct nvdirect_irq_set {
	__u32 argsz;
	__u32 flags;
	__u32 start;
	__u32 count;
	__u64 fds;		/* user pointer to __s32[count] */
	__u32 nr_vectors;	/* out */
	__u32 pad;
};
#define NVDIRECT_SET_IRQS	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 5)

/*
 * NVDIRECT_MASK_IRQ: mask (mask 1) or unmask (mask 0) one vector routed by
 * NVDIRECT_SET_IRQS, so that an owner spinning on its CQ takes no
 * interrupts and one about to sleep gets them again.  Required fields:
 * argsz, flags (must be 0), vector, mask.  Masking a masked vector, or
 * unmasking an unmasked one, changes nothing.  The mask takes effect at
 * once (the MSI-X entry's Mask bit); an interrupt the device raises while
 * masked is held pending and delivered, signalling the eventfd, on unmask,
 * so an owner that unmasks before it drains the eventfd and looks at its
 * CQ loses no wakeup.  Errors: EINVAL (vector past nr_vectors or not
 * routed, mask not 0 or 1, bad flags/argsz), ENODEV (function removed).
 * A vector starts unmasked when routed; unrouting (-1, close, crash,
 * removal) unmasks it first.  An older module: ENOTTY.
 */
struct nvdirect_irq_mask {
	__u32 argsz;
	__u32 flags;
	__u32 vector;
	__u32 mask;		/* 1: mask, 0: unmask */
};
#define NVDIRECT_MASK_IRQ	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 6)

#ifdef __KERNEL__
#include <linux/build_bug.h>
#define NVDIRECT_ABI_ASSERT(t, n) static_assert(sizeof(t) == (n), #t " size is ABI")
#elif defined(__cplusplus)
#define NVDIRECT_ABI_ASSERT(t, n) static_assert(sizeof(t) == (n), #t " size is ABI")
#else
#define NVDIRECT_ABI_ASSERT(t, n) _Static_assert(sizeof(t) == (n), #t " size is ABI")
#endif
NVDIRECT_ABI_ASSERT(struct nvdirect_info, 96);
NVDIRECT_ABI_ASSERT(struct nvdirect_dma_alloc, 32);
NVDIRECT_ABI_ASSERT(struct nvdirect_dma_free, 16);
NVDIRECT_ABI_ASSERT(struct nvdirect_mem_pin, 56);
NVDIRECT_ABI_ASSERT(struct nvdirect_mem_unpin, 16);
NVDIRECT_ABI_ASSERT(struct nvdirect_irq_set, 32);
NVDIRECT_ABI_ASSERT(struct nvdirect_irq_mask, 16);

#endif /* _UAPI_NVDIRECT_H */
