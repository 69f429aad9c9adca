/* SPDX-License-Identifier: MIT */
/*
 * PCI-function backend: how the PCIe transport reaches a controller's BAR
 * and gets device-visible memory (open, DMA map, pin, IRQ).  Not a
 * transport (that is core/transport_ops.h): the PCIe transport is built on
 * this, over /dev/nvdirectN (pci_backend.c); the unit tests and the
 * controller model plug in fakes over plain memory.
 */
#ifndef NVD_PCIE_PCI_BACKEND_H
#define NVD_PCIE_PCI_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One kernel DMA region, mapped at vaddr. */
struct dma_region {
	void *vaddr;
	uint64_t bus_addr;	/* what the device is given */
	size_t size;		/* multiple of 4 KiB */
	uint64_t handle;	/* backend cookie (nvdirect.ko: mmap offset) */
};

struct pci_backend_info {
	uint64_t bar_size;
	uint64_t max_region_size;	/* largest single region, bytes */
	uint64_t max_dma_bytes;		/* cap on all regions of this open */
	uint64_t dma_mask;
	int iommu;			/* bus addresses are IOVAs */
	uint32_t nr_vectors;		/* MSI-X vectors set_irq can route */
	uint16_t pci_vendor;		/* PCI IDs, for the quirk table (0: unknown) */
	uint16_t pci_device;
	char devpath[32];		/* "/dev/nvdirect0", informational */
};

struct pci_backend;

struct pci_backend_ops {
	const char *name;
	/* Open the controller at @bdf (normalised "0000:00:03.0"). */
	int (*open)(const char *bdf, struct pci_backend **out);
	/* Unmap everything and release the controller.  Never fails. */
	void (*close)(struct pci_backend *t);
	/*
	 * Allocate a region of @size bytes (<= max_region_size, page
	 * multiple) and map it exactly at @at, which the caller reserved.
	 */
	int (*dma_map)(struct pci_backend *t, size_t size, void *at, struct dma_region *r);
	/*
	 * Release a region from dma_map.  Its range stays reserved (PROT_NONE)
	 * so no other mapping can land there before the caller unmaps it.
	 */
	void (*dma_unmap)(struct pci_backend *t, struct dma_region *r);
	/*
	 * Pin @size bytes of the caller's memory at @vaddr (both multiples of
	 * the system page size) for the device; fill @addrs with the bus
	 * address of every 4 KiB (size / 4096 entries) and *@handle with what
	 * mem_unpin takes.  NULL when the backend cannot (-EOPNOTSUPP).
	 */
	int (*mem_pin)(struct pci_backend *t, void *vaddr, size_t size, uint64_t *addrs,
		       uint64_t *handle);
	/* Release a mem_pin.  Never fails (a gone device unpinned it already). */
	void (*mem_unpin)(struct pci_backend *t, uint64_t handle);
	/*
	 * Have MSI-X @vector (< info.nr_vectors) signal eventfd @efd, or stop
	 * routing it when @efd is -1.  NULL when the backend cannot
	 * (-EOPNOTSUPP).
	 */
	int (*set_irq)(struct pci_backend *t, uint32_t vector, int efd);
	/*
	 * Mask or unmask routed MSI-X @vector: a masked vector raises no
	 * interrupt, and one the device raised meanwhile is delivered on
	 * unmask.  NULL, or -EOPNOTSUPP from a module without it: cannot.
	 */
	int (*mask_irq)(struct pci_backend *t, uint32_t vector, bool mask);
};

struct pci_backend {
	const struct pci_backend_ops *ops;
	struct pci_backend_info info;
	volatile uint8_t *bar;		/* BAR0, info.bar_size bytes */
};

extern const struct pci_backend_ops nvd__pci_backend_kmod;

#endif /* NVD_PCIE_PCI_BACKEND_H */
