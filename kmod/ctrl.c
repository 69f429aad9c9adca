// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: stop an NVMe controller that userspace left running.
 *
 * This is the module's only NVMe knowledge.  It runs before DMA memory is
 * handed back, so that a controller abandoned by a dead process cannot write
 * into pages that now belong to someone else.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>

#include "nvdirect_internal.h"
#include "nvme_regs.h"

#define NVD_RDY_POLL_MS		10

/**
 * nvd_ctrl_disable - reset the controller and wait until it is idle
 * @nvd: device, with @nvd->lock held and @nvd->regs mapped
 *
 * Clears CC.EN and waits for CSTS.RDY to read 0.  Clearing EN is a
 * Controller Level Reset (NVMe Base 2.0, section 3.7.2): the controller
 * aborts all commands and deletes its queues, so it stops touching host
 * memory.  CAP.TO bounds the wait (Figure 36: worst-case time for RDY to
 * follow EN, in 500 ms units).  A function that reads all-ones has left the
 * bus and cannot do DMA either, so we stop waiting.
 *
 * Return: 0 when the controller is idle, -ENODEV when it is gone,
 * -ETIMEDOUT when RDY stayed set past CAP.TO.
 */
int nvd_ctrl_disable(struct nvd_dev *nvd)
{
	void __iomem *regs = nvd->regs;
	unsigned long timeout;
	u32 cap_lo, cc, csts;

	lockdep_assert_held(&nvd->lock);

	csts = nvd_reg_read32(regs, NVD_REG_CSTS);
	if (csts == NVD_REG_GONE)
		return -ENODEV;

	cap_lo = nvd_reg_read32(regs, NVD_REG_CAP);
	cc = nvd_reg_read32(regs, NVD_REG_CC);
	if (cc & NVD_CC_EN)
		nvd_reg_write32(regs, NVD_REG_CC, cc & ~NVD_CC_EN);
	else if (!(csts & NVD_CSTS_RDY))
		return 0;

	/* CAP.TO of 0 would mean "no time at all"; give it one unit. */
	timeout = jiffies + msecs_to_jiffies(max_t(u32, NVD_CAP_TO(cap_lo), 1) *
					     NVD_CAP_TO_UNIT_MS);
	for (;;) {
		csts = nvd_reg_read32(regs, NVD_REG_CSTS);
		if (csts == NVD_REG_GONE)
			return -ENODEV;
		if (!(csts & NVD_CSTS_RDY))
			return 0;
		if (time_after(jiffies, timeout))
			break;
		msleep(NVD_RDY_POLL_MS);
	}

	dev_err(&nvd->pdev->dev,
		"controller still ready %u ms after CC.EN=0 (CSTS 0x%08x)\n",
		max_t(u32, NVD_CAP_TO(cap_lo), 1) * NVD_CAP_TO_UNIT_MS, csts);
	return -ETIMEDOUT;
}

/**
 * nvd_quiesce - stop all device DMA, then give the DMA memory back
 * @nvd: device, with @nvd->lock held and @nvd->regs mapped
 *
 * Order matters: the controller is reset and bus mastering cleared before a
 * single page is freed or unpinned, so the device can never write into
 * memory that has been handed back: stop the controller, clear bus
 * mastering, release the MSI-X vectors (no message can be in flight any
 * more), free the module's DMA regions, unpin the owner's memory.  When
 * the function is being removed (@nvd->dead) under an open file, the
 * regions' contents stay visible to the owner (nvd_dma_orphan_all()).  Bus
 * mastering off is the backstop if the reset timed out; pci_clear_master()
 * is a config write, which is non-posted, so it has taken effect when it
 * returns.  The caller must already have revoked all
 * user mappings of BAR0 (or know there are none).
 */
void nvd_quiesce(struct nvd_dev *nvd)
{
	lockdep_assert_held(&nvd->lock);

	nvd_ctrl_disable(nvd);
	pci_clear_master(nvd->pdev);
	nvd_irq_free_all(nvd);
	if (nvd->dead)
		nvd_dma_orphan_all(nvd);
	else
		nvd_dma_free_all(nvd);
	nvd_unpin_all(nvd);
}
