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
#include <linux/wait.h>

#include "nvdirect_internal.h"
#include "nvme_regs.h"

#define NVD_RDY_POLL_MS		10

/*
 * How long RDY may take to follow EN, in 500 ms units.  CAP.TO (Figure 36)
 * unless CAP.CRMS says CRTO is implemented (NVMe Base 2.0, section
 * 3.1.4.1): then the timeout of the ready mode the owner chose in CC.CRIME,
 * CRIMT or CRWMT, and never less than CAP.TO.  CAP.TO of 0 would mean "no
 * time at all"; give it one unit.
 */
static u32 nvd_ready_timeout_units(void __iomem *regs, u32 cc)
{
	u32 cap_lo = nvd_reg_read32(regs, NVD_REG_CAP);
	u32 cap_hi = nvd_reg_read32(regs, NVD_REG_CAP + 4);
	u32 units = max_t(u32, NVD_CAP_TO(cap_lo), 1);
	u32 crto;

	if (cap_hi == NVD_REG_GONE || !NVD_CAP_CRMS(cap_hi))
		return units;
	crto = nvd_reg_read32(regs, NVD_REG_CRTO);
	if (crto == NVD_REG_GONE)
		return units;
	return max_t(u32, units, cc & NVD_CC_CRIME ? NVD_CRTO_CRIMT(crto) :
						    NVD_CRTO_CRWMT(crto));
}

/*
 * Wait for other callers of nvd_ctrl_disable() that are polling without
 * the lock; returns with @nvd->lock held and no such wait in progress.
 */
void nvd_wait_disabling(struct nvd_dev *nvd)
{
	while (nvd->disabling) {
		mutex_unlock(&nvd->lock);
		wait_event(nvd->disable_wq, !READ_ONCE(nvd->disabling));
		mutex_lock(&nvd->lock);
	}
}

/**
 * nvd_ctrl_disable - reset the controller and wait until it is idle
 * @nvd: device, with @nvd->lock held and @nvd->regs mapped
 *
 * Clears CC.EN and waits for CSTS.RDY to read 0.  Clearing EN is a
 * Controller Level Reset (NVMe Base 2.0, section 3.7.2): the controller
 * aborts all commands and deletes its queues, so it stops touching host
 * memory.  CAP.TO, or CRTO (nvd_ready_timeout_units()), bounds the wait.
 * A function that reads all-ones has left the bus and cannot do DMA
 * either, so we stop waiting.
 *
 * The wait, up to CAP.TO (127 s) or CRTO (hours, in theory), runs without
 * @nvd->lock, so sysfs readers are not blocked behind it.  That is safe
 * because @nvd->disabling is set meanwhile and every caller that could
 * change what the wait depends on goes through here (or nvd_quiesce()) and
 * first waits for it to clear: release, remove, a PCI error, shutdown.  So
 * @nvd->regs stays mapped (only remove unmaps it, after its own quiesce),
 * and nothing is freed or unpinned while the controller may still be
 * running (nvd_quiesce() frees only after this returns).  Open finds the
 * file still open and gets -EBUSY; the owner's ioctls cannot run (its file
 * is being released) or get -ENODEV (remove set @nvd->dead first).  The
 * caller must re-read any state it read before the call.
 *
 * Return: 0 when the controller is idle, -ENODEV when it is gone,
 * -ETIMEDOUT when RDY stayed set past the timeout.
 */
int nvd_ctrl_disable(struct nvd_dev *nvd)
{
	void __iomem *regs = nvd->regs;
	unsigned long timeout;
	u32 cc, csts, units;
	int err;

	lockdep_assert_held(&nvd->lock);
	nvd_wait_disabling(nvd);

	csts = nvd_reg_read32(regs, NVD_REG_CSTS);
	if (csts == NVD_REG_GONE)
		return -ENODEV;

	cc = nvd_reg_read32(regs, NVD_REG_CC);
	if (cc & NVD_CC_EN)
		nvd_reg_write32(regs, NVD_REG_CC, cc & ~NVD_CC_EN);
	else if (!(csts & NVD_CSTS_RDY))
		return 0;

	units = nvd_ready_timeout_units(regs, cc);
	timeout = jiffies + msecs_to_jiffies(units * NVD_CAP_TO_UNIT_MS);

	nvd->disabling = true;
	mutex_unlock(&nvd->lock);
	for (;;) {
		csts = nvd_reg_read32(regs, NVD_REG_CSTS);
		if (csts == NVD_REG_GONE) {
			err = -ENODEV;
			break;
		}
		if (!(csts & NVD_CSTS_RDY)) {
			err = 0;
			break;
		}
		if (time_after(jiffies, timeout)) {
			err = -ETIMEDOUT;
			break;
		}
		msleep(NVD_RDY_POLL_MS);
	}
	mutex_lock(&nvd->lock);
	WRITE_ONCE(nvd->disabling, false);
	wake_up_all(&nvd->disable_wq);

	if (err == -ETIMEDOUT)
		dev_err(&nvd->pdev->dev,
			"controller still ready %u ms after CC.EN=0 (CSTS 0x%08x)\n",
			units * NVD_CAP_TO_UNIT_MS, csts);
	return err;
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
 * user mappings of BAR0 (or know there are none).  @nvd->lock is dropped
 * during the disable wait (see nvd_ctrl_disable()) and, on removal, while
 * mmaps in flight finish (nvd_dma_wait_mappers()).
 */
void nvd_quiesce(struct nvd_dev *nvd)
{
	/*
	 * Decided before the disable, which drops the lock while it waits:
	 * if remove comes meanwhile, it waits for us and finds nothing left.
	 */
	bool orphan = nvd->dead;

	lockdep_assert_held(&nvd->lock);

	nvd_ctrl_disable(nvd);
	pci_clear_master(nvd->pdev);
	nvd_irq_free_all(nvd);
	if (orphan)
		nvd_dma_orphan_all(nvd);
	else
		nvd_dma_free_all(nvd);
	nvd_unpin_all(nvd);
}
