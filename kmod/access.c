// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: who may open /dev/nvdirectN.
 *
 * The owner tells the device where to read and write.  As VFIO decides:
 *
 *  - When an IOMMU translates the function's DMA (a DMA domain, not an
 *    identity or passthrough one), the device reaches only what the DMA API
 *    mapped for it, which is the owner's own memory: the file's permissions
 *    are enough (udev may give the node to a group).
 *  - That holds only if no other device of the function's IOMMU group is
 *    bound to a driver: devices of one group share its address space and
 *    can reach each other's DMA.  PCI bridges (which do no DMA of their
 *    own) and pci-stub (which drives nothing) do not count, as in VFIO.
 *  - It holds only if MSIs are isolated too (interrupt remapping, as x86's
 *    intremap): otherwise a DMA write to the MSI address range raises any
 *    interrupt vector of the host.  VFIO refuses that case by default
 *    (allow_unsafe_interrupts=0); here it needs CAP_SYS_RAWIO.
 *  - Without translation (no IOMMU, iommu=pt, an identity domain) the
 *    device can write anywhere in memory: CAP_SYS_RAWIO is needed.
 *
 * The check is made at open.  A driver bound to a peer of the group later
 * does not revoke an open file (VFIO keeps such a driver out by claiming
 * the group's DMA ownership, which this module does not do).
 *
 * /sys/class/nvdirect/nvdirectN/dma_isolation says which case applies, in
 * the words the library shows on EPERM:
 *	iommu
 *	none: CAP_SYS_RAWIO needed
 *	iommu without interrupt remapping: CAP_SYS_RAWIO needed
 *	group shared with 0000:00:1f.2 (ahci): CAP_SYS_RAWIO needed
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "nvdirect_internal.h"

/*
 * Can a DMA write of @pdev's raise only the interrupts it was given?
 * (The question VFIO asks before it lets a group be used.)
 */
static bool nvd_msi_isolated(struct pci_dev *pdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return msi_device_has_isolated_msi(&pdev->dev);
#else
	return device_iommu_capable(&pdev->dev, IOMMU_CAP_INTR_REMAP) ||
	       irq_domain_check_msi_remap();
#endif
}

/* Peers named in the words; more are counted ("and N more"). */
#define NVD_PEERS_NAMED		4

struct nvd_peers {
	struct device *self;
	char *buf;		/* PAGE_SIZE, sysfs_emit_at() style */
	int len;
	unsigned int count;
};

/* Does @dev, bound to a driver, break the isolation of the group? */
static bool nvd_peer_counts(struct device *dev)
{
	struct device_driver *drv = READ_ONCE(dev->driver);

	if (!drv)
		return false;
	if (dev_is_pci(dev) &&
	    to_pci_dev(dev)->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return false;
	return strcmp(drv->name, "pci-stub") != 0;
}

static int nvd_peer_note(struct device *dev, void *data)
{
	struct nvd_peers *p = data;

	if (dev == p->self || !nvd_peer_counts(dev))
		return 0;
	if (p->count < NVD_PEERS_NAMED && p->buf)
		p->len += sysfs_emit_at(p->buf, p->len, "%s%s (%s)",
					p->count ? ", " : "", dev_name(dev),
					dev_driver_string(dev));
	p->count++;
	return 0;
}

/*
 * Count the other devices of @pdev's IOMMU group that are bound to a
 * driver; with @buf, name them there (appended at @*len).
 */
static unsigned int nvd_group_peers(struct pci_dev *pdev, char *buf, int *len)
{
	struct nvd_peers p = { .self = &pdev->dev, .buf = buf,
			       .len = len ? *len : 0 };
	struct iommu_group *group = iommu_group_get(&pdev->dev);

	if (!group)
		return 0;
	iommu_group_for_each_dev(group, &p, nvd_peer_note);
	iommu_group_put(group);
	if (len)
		*len = p.len;
	return p.count;
}

/**
 * nvd_may_open - may the current task own @nvd?
 * @nvd: device
 *
 * Return: 0, or -EPERM (with a line in dmesg naming the reason) when the
 * function's DMA is not confined to its own domain, or its MSIs are not
 * isolated, and the caller lacks CAP_SYS_RAWIO.
 */
int nvd_may_open(struct nvd_dev *nvd)
{
	struct pci_dev *pdev = nvd->pdev;
	unsigned int peers = 0;
	bool translated, msi_isolated = false;

	translated = nvd_behind_iommu(pdev);
	if (translated) {
		msi_isolated = nvd_msi_isolated(pdev);
		peers = nvd_group_peers(pdev, NULL, NULL);
		if (msi_isolated && !peers)
			return 0;
	}
	/* capable() only when needed: it marks the task as using privilege */
	if (capable(CAP_SYS_RAWIO))
		return 0;
	if (!translated)
		dev_info_ratelimited(&pdev->dev,
				     "open of %s by uid %u refused: no IOMMU translation for this device, so CAP_SYS_RAWIO is needed\n",
				     dev_name(&nvd->dev),
				     from_kuid(&init_user_ns, current_uid()));
	else if (!msi_isolated)
		dev_info_ratelimited(&pdev->dev,
				     "open of %s by uid %u refused: the IOMMU does not remap interrupts, so CAP_SYS_RAWIO is needed\n",
				     dev_name(&nvd->dev),
				     from_kuid(&init_user_ns, current_uid()));
	else
		dev_info_ratelimited(&pdev->dev,
				     "open of %s by uid %u refused: its IOMMU group has %u other device(s) bound to a driver (see dma_isolation), so CAP_SYS_RAWIO is needed\n",
				     dev_name(&nvd->dev),
				     from_kuid(&init_user_ns, current_uid()), peers);
	return -EPERM;
}

/**
 * nvd_dma_isolation_show - the dma_isolation attribute
 * @nvd: device
 * @buf: sysfs buffer (PAGE_SIZE)
 */
ssize_t nvd_dma_isolation_show(struct nvd_dev *nvd, char *buf)
{
	struct pci_dev *pdev = nvd->pdev;
	unsigned int peers;
	int len;

	if (!nvd_behind_iommu(pdev))
		return sysfs_emit(buf, "none: CAP_SYS_RAWIO needed\n");
	if (!nvd_msi_isolated(pdev))
		return sysfs_emit(buf, "iommu without interrupt remapping: CAP_SYS_RAWIO needed\n");

	len = sysfs_emit(buf, "group shared with ");
	peers = nvd_group_peers(pdev, buf, &len);
	if (!peers)
		return sysfs_emit(buf, "iommu\n");
	if (peers > NVD_PEERS_NAMED)
		len += sysfs_emit_at(buf, len, " and %u more",
				     peers - NVD_PEERS_NAMED);
	len += sysfs_emit_at(buf, len, ": CAP_SYS_RAWIO needed\n");
	return len;
}
