// SPDX-License-Identifier: MIT
/*
 * The admin commands behind a PCIe queue pair's life on the device: Create
 * and Delete I/O Completion/Submission Queue (Base 2.0 §5.4-5.7) with the
 * rings' bus addresses, and Doorbell Buffer Config for shadow doorbells.
 * Fabrics queues are made by Connect instead (lib/tcp/).
 */
#include <stdio.h>

#include "core/admin.h"
#include "pcie/intr.h"
#include "pcie/qpair.h"

int nvd__admin_create_io_cq(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_CREATE_CQ,
		.prp1 = q->cq_bus,
		.cdw10 = ((q->cq.size - 1) << 16) | q->qid,
		.cdw11 = NVME_QUEUE_PC | nvd__qpair_cq_intr_bits(q),	/* IEN, IV */
	};
	char what[48];

	snprintf(what, sizeof(what), "Create I/O Completion Queue %u", q->qid);
	return nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, what, NULL);
}

int nvd__admin_create_io_sq(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_CREATE_SQ,
		.prp1 = q->sq_bus,
		.cdw10 = ((q->sq.size - 1) << 16) | q->qid,
		.cdw11 = ((uint32_t)q->qid << 16) | NVME_QUEUE_PC,	/* CQID, QPRIO 0 */
	};
	char what[48];

	snprintf(what, sizeof(what), "Create I/O Submission Queue %u", q->qid);
	return nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, what, NULL);
}

int nvd__admin_delete_io_sq(struct nvd_ctrlr *c, uint16_t qid)
{
	struct nvme_cmd cmd = { .opc = NVME_ADM_DELETE_SQ, .cdw10 = qid };
	char what[48];

	snprintf(what, sizeof(what), "Delete I/O Submission Queue %u", qid);
	return nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, what, NULL);
}

int nvd__admin_delete_io_cq(struct nvd_ctrlr *c, uint16_t qid)
{
	struct nvme_cmd cmd = { .opc = NVME_ADM_DELETE_CQ, .cdw10 = qid };
	char what[48];

	snprintf(what, sizeof(what), "Delete I/O Completion Queue %u", qid);
	return nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, what, NULL);
}

/* Base 2.0 §5.8: both buffers page aligned, one doorbell slot per queue. */
int nvd__admin_dbbuf_config(struct nvd_ctrlr *c, uint64_t dbs_bus, uint64_t eis_bus)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_DBBUF_CONFIG,
		.prp1 = dbs_bus,
		.prp2 = eis_bus,
	};

	return nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, "Doorbell Buffer Config", NULL);
}
