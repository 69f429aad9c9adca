/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nvdirect kernel/user ABI: the only header shared by nvdirect.ko and
 * libnvdirect.  Fixed-width types only; every struct size is asserted below
 * and must never change for a given NVDIRECT_ABI_VERSION.
 *
 * ioctl conventions (VFIO style):
 *  - every argument struct starts with argsz and flags;
 *  - the kernel copies offsetofend(last required field) bytes, returns
 *    EINVAL when argsz is smaller than that or when flags has unknown bits;
 *  - output fields are copied back up to min(argsz, sizeof(struct));
 *  - unknown commands return ENOTTY;
 *  - mmap offsets are handed out by the kernel, never computed by userspace.
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
 * Required fields: argsz, flags (must be 0).  Everything else is output.
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
};
#define NVDIRECT_INFO_IOMMU	(1u << 0)	/* bus addresses are IOVAs */
#define NVDIRECT_GET_INFO	_IO(NVDIRECT_TYPE, NVDIRECT_BASE + 0)

/*
 * NVDIRECT_DMA_ALLOC: allocate pinned, device-visible memory.
 * Required fields: argsz, flags (must be 0), size (bytes, rounded up to
 * PAGE_SIZE; 0 or larger than max_region_size is EINVAL, past the per-open
 * limit is ENOSPC).  Output: bus_addr (what the device must be given, from
 * the kernel DMA API) and mmap_offset (pass to mmap to reach it).
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

#ifdef __KERNEL__
#include <linux/build_bug.h>
#define NVDIRECT_ABI_ASSERT(t, n) static_assert(sizeof(t) == (n), #t " size is ABI")
#else
#define NVDIRECT_ABI_ASSERT(t, n) _Static_assert(sizeof(t) == (n), #t " size is ABI")
#endif
NVDIRECT_ABI_ASSERT(struct nvdirect_info, 72);
NVDIRECT_ABI_ASSERT(struct nvdirect_dma_alloc, 32);
NVDIRECT_ABI_ASSERT(struct nvdirect_dma_free, 16);

#endif /* _UAPI_NVDIRECT_H */
