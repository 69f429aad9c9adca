// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: keep the owner away from the MSI-X table and PBA.
 *
 * A message address/data pair is a DMA write the device makes on the
 * kernel's behalf: whoever can rewrite the table can make the device raise
 * any interrupt or write where the message points, past any IOMMU mapping
 * of the owner's (interrupt remapping aside).  So, as vfio-pci does, the
 * pages of BAR0 that hold the table or the PBA are never mapped into the
 * owner: mmap refuses a range that covers one, and the fault handler never
 * inserts one.  The kernel's MSI code reaches the table through its own
 * mapping; the owner needs only the registers and doorbells, which the NVMe
 * spec places from offset 0 (NVMe Base 2.0, section 3.1.3).
 *
 * Where the two structures lie comes from the MSI-X capability (PCIe Base
 * 6.0, section 7.7.2): Table Offset/BIR and PBA Offset/BIR, Table Size in
 * Message Control.  Only a BIR of 0 (BAR0) matters here: no other BAR is
 * ever mapped.
 */
#include <linux/pci.h>

#include "nvdirect_internal.h"

/* the PBA register has the same layout as the table register */
static_assert(PCI_MSIX_PBA_BIR == PCI_MSIX_TABLE_BIR &&
	      PCI_MSIX_PBA_OFFSET == PCI_MSIX_TABLE_OFFSET);

/* One structure of the capability: in BAR0 (BIR 0) or not our business. */
static struct nvd_msix_range nvd_msix_range(struct pci_dev *pdev, int reg,
					    u32 size)
{
	struct nvd_msix_range r = {};
	u32 v;

	pci_read_config_dword(pdev, pdev->msix_cap + reg, &v);
	if ((v & PCI_MSIX_TABLE_BIR) == 0) {
		r.offset = v & PCI_MSIX_TABLE_OFFSET;
		r.size = size;
	}
	return r;
}

/* First page of @r, or @none when BAR0 does not hold it. */
static u64 nvd_msix_first_page(struct nvd_msix_range r, u64 none)
{
	return r.size ? r.offset >> PAGE_SHIFT : none;
}

/**
 * nvd_msix_layout_read - find the MSI-X table and PBA in BAR0
 * @nvd: device being probed, @nvd->bar0_len known
 *
 * Fills @nvd->msix.  A capability that claims a structure past the end of
 * BAR0 still gets its pages refused: they are simply never in range.
 */
void nvd_msix_layout_read(struct nvd_dev *nvd)
{
	struct pci_dev *pdev = nvd->pdev;
	u64 bar_pages = nvd->bar0_len >> PAGE_SHIFT, first;
	unsigned int nvec;
	u16 ctrl;

	memset(&nvd->msix, 0, sizeof(nvd->msix));
	nvd->msix.mappable = nvd->bar0_len;
	if (!pdev->msix_cap)
		return;

	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	/* Table Size is N - 1; 16 bytes per entry, one pending bit each */
	nvec = (ctrl & PCI_MSIX_FLAGS_QSIZE) + 1;
	nvd->msix.table = nvd_msix_range(pdev, PCI_MSIX_TABLE,
					 nvec * PCI_MSIX_ENTRY_SIZE);
	nvd->msix.pba = nvd_msix_range(pdev, PCI_MSIX_PBA,
				       DIV_ROUND_UP(nvec, 64) * 8);

	first = min(nvd_msix_first_page(nvd->msix.table, bar_pages),
		    nvd_msix_first_page(nvd->msix.pba, bar_pages));
	nvd->msix.mappable = min_t(u64, first << PAGE_SHIFT, nvd->bar0_len);
}

static bool nvd_range_has_page(struct nvd_msix_range r, pgoff_t pgoff)
{
	return r.size && pgoff >= r.offset >> PAGE_SHIFT &&
	       pgoff <= ((u64)r.offset + r.size - 1) >> PAGE_SHIFT;
}

/**
 * nvd_msix_page - does page @pgoff of BAR0 hold part of the table or PBA?
 * @nvd:   device
 * @pgoff: page index in BAR0
 */
bool nvd_msix_page(const struct nvd_dev *nvd, pgoff_t pgoff)
{
	return nvd_range_has_page(nvd->msix.table, pgoff) ||
	       nvd_range_has_page(nvd->msix.pba, pgoff);
}
