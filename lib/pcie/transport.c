// SPDX-License-Identifier: MIT
/*
 * The PCIe transport's ops table (core/transport_ops.h): what the core
 * reaches through it on the controller's slow paths.  Registers are BAR0
 * MMIO through the helpers of regs.h with their barriers; the admin queue
 * is given to the controller by AQA/ASQ/ACQ; an I/O queue pair exists on
 * the device once Create I/O CQ and SQ completed.  Submission and
 * completion are not in this table: the I/O path calls qpair.c directly.
 */
#include "core/ctrlr.h"
#include "core/transport_ops.h"
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
	.ctrlr_enable = pcie_ctrlr_enable,
	.get_reg_4 = pcie_get_reg_4,
	.get_reg_8 = pcie_get_reg_8,
	.set_reg_4 = pcie_set_reg_4,
	.set_reg_8 = pcie_set_reg_8,
	.qpair_connect = pcie_qpair_connect,
	.qpair_disconnect = pcie_qpair_disconnect,
	.needs_dma_memory = true,
};
