// SPDX-License-Identifier: MIT
/*
 * The PCIe transport's ops table (core/transport_ops.h): what the core
 * reaches through it on the controller's slow paths.  Registers are BAR0
 * MMIO through the helpers of regs.h with their barriers; the admin queue
 * is given to the controller by AQA/ASQ/ACQ; an I/O queue pair exists on
 * the device once Create I/O CQ and SQ completed.  Submission and
 * completion are not in this table: the I/O path calls qpair.c directly.
 * Construction is attach-by-BDF (core/ctrlr_init.c) with the TRID's traddr.
 */
#include <stdlib.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/request.h"
#include "core/transport_ops.h"
#include "pcie/dma.h"
#include "pcie/intr.h"
#include "pcie/pci_backend.h"
#include "pcie/qpair.h"
#include "pcie/regs.h"

static int pcie_get_reg_4(struct nvd_ctrlr *c, uint32_t ofst, uint32_t *value)
{
	*value = reg_read32(c->bar, ofst);
	return 0;
}

static int pcie_get_reg_8(struct nvd_ctrlr *c, uint32_t ofst, uint64_t *value)
{
	*value = reg_read64(c->bar, ofst);
	return 0;
}

static int pcie_set_reg_4(struct nvd_ctrlr *c, uint32_t ofst, uint32_t value)
{
	reg_write32(c->bar, ofst, value);
	return 0;
}

static int pcie_set_reg_8(struct nvd_ctrlr *c, uint32_t ofst, uint64_t value)
{
	reg_write64(c->bar, ofst, value);
	return 0;
}

/* The function at traddr, as nvd_ctrlr_attach(): its BDF is the PCIe TRID's traddr. */
static int pcie_ctrlr_construct(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
				struct nvd_ctrlr **ctrlr)
{
	return nvd_ctrlr_attach(trid->traddr, opts, ctrlr);
}

static void pcie_ctrlr_destruct(struct nvd_ctrlr *c, bool stopped)
{
	struct pci_backend *t = c->t;

	if (stopped) {
		nvd__ctrlr_destruct(c);
		t->ops->close(t);
		return;
	}
	/*
	 * CC.EN may still be 1 and bus mastering is on: freeing a region now
	 * could hand the kernel memory the controller still writes.  Close
	 * first; the module's release (kmod/ctrl.c nvd_quiesce) disables the
	 * controller, clears bus mastering and only then frees the regions
	 * and unpins, once our last mapping of them is gone below.
	 */
	t->ops->close(t);
	c->t = NULL;
	c->bar = NULL;
	nvd__dma_pool_closed(&c->dma);
	nvd__ctrlr_destruct(c);
}

/*
 * A queue pair's PRP lists are allocated per entry for this much
 * (pcie/prp.h); larger transfers are split by the core.
 */
static uint32_t pcie_max_xfer_size(struct nvd_ctrlr *c)
{
	(void)c;
	return NVD_MAX_XFER_CAP;
}

/* Rings, trackers and PRP list pages in DMA memory; the interrupt when asked for. */
static int pcie_qpair_create(struct nvd_ctrlr *c, struct nvd_qpair *q, uint16_t qid,
			     uint32_t qsize, const struct nvd_io_qpair_opts *opts, uint32_t nreqs)
{
	int err;

	err = nvd__qpair_construct(q, c, qid, qsize, c->max_xfer);
	if (err)
		return err;
	if (nreqs) {
		err = nvd__qpair_alloc_requests(q, nreqs);
		if (err)
			goto err_destruct;
	}
	if (opts->interrupts) {
		err = nvd__qpair_intr_enable(q);
		if (err)
			goto err_destruct;
	}
	return 0;

err_destruct:
	nvd__qpair_intr_disable(q);
	nvd__qpair_destruct(q);
	return err;
}

static void pcie_qpair_destroy(struct nvd_qpair *q, bool device_owns)
{
	nvd__dbg("qid %u: shadow doorbells %s; SQ doorbell writes %llu (shadow %llu), CQ doorbell writes %llu (shadow %llu); stale completions %llu",
		 q->qid, q->sq_shadow ? "on" : "off",
		 (unsigned long long)q->stats.sq_doorbell_writes,
		 (unsigned long long)q->stats.sq_shadow_writes,
		 (unsigned long long)q->stats.cq_doorbell_writes,
		 (unsigned long long)q->stats.cq_shadow_writes,
		 (unsigned long long)q->stats.stale_completions);
	/* whatever is left will never complete */
	nvd__qpair_abort_all(q);
	nvd__qpair_intr_disable(q);
	if (device_owns) {
		/*
		 * The controller may still own the rings: leave their DMA
		 * memory to the pool, freed at detach after the controller
		 * is shut down or reset.
		 */
		free(q->prp_pages);
		free(q->sgl_pages);
		nvd__qpair_free_requests(q);
		free(q->free_cids);
		free(q->trackers);
		return;
	}
	nvd__qpair_destruct(q);
}

/* Base 2.0 §3.5.1 step 3: the admin queue's size and bus addresses before CC.EN = 1. */
static int pcie_ctrlr_enable(struct nvd_ctrlr *c)
{
	struct nvd_qpair *aq = &c->adminq;

	reg_write32(c->bar, NVME_REG_AQA, NVME_AQA(aq->sq.size, aq->cq.size));
	reg_write64(c->bar, NVME_REG_ASQ, aq->sq_bus);
	reg_write64(c->bar, NVME_REG_ACQ, aq->cq_bus);
	return 0;
}

/* Constructed rings onto the device: a CQ must exist before the SQ that posts to it. */
static int pcie_qpair_connect(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	int err;

	err = nvd__admin_create_io_cq(c, q);
	if (err)
		return err;
	err = nvd__admin_create_io_sq(c, q);
	if (err)
		goto err_delete_cq;
	q->on_device = true;
	return 0;

err_delete_cq:
	nvd__admin_delete_io_cq(c, q->qid);
	return err;
}

/*
 * Off the device again, SQ first: its outstanding commands complete as
 * aborted on the CQ, reaped here before the CQ goes.  Nothing to do for a
 * queue pair never created or a controller that is gone.
 */
static int pcie_qpair_disconnect(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	int err;

	if (!q->on_device || ctrlr_is_failed(c))
		return 0;
	err = nvd__admin_delete_io_sq(c, q->qid);
	if (err)
		return err;
	if (!q->failed)
		nvd__qpair_poll(q, 0);
	err = nvd__admin_delete_io_cq(c, q->qid);
	if (err)
		return err;
	q->on_device = false;
	return 0;
}

const struct nvd_transport_ops nvd__pcie_transport = {
	.name = "PCIe",
	.trtype = NVD_TRTYPE_PCIE,
	.ctrlr_construct = pcie_ctrlr_construct,
	.ctrlr_enable = pcie_ctrlr_enable,
	.ctrlr_destruct = pcie_ctrlr_destruct,
	.get_reg_4 = pcie_get_reg_4,
	.get_reg_8 = pcie_get_reg_8,
	.set_reg_4 = pcie_set_reg_4,
	.set_reg_8 = pcie_set_reg_8,
	.max_xfer_size = pcie_max_xfer_size,
	.qpair_create = pcie_qpair_create,
	.qpair_connect = pcie_qpair_connect,
	.qpair_disconnect = pcie_qpair_disconnect,
	.qpair_destroy = pcie_qpair_destroy,
	.needs_dma_memory = true,
};
