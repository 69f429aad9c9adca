// SPDX-License-Identifier: MIT
/*
 * Abort (Base 2.0 §5.1): ask the controller to give up one command.  The
 * aborted command still completes on its own queue (with Command Abort
 * Requested); the Abort's completion only says whether that will happen.
 */
#include <errno.h>
#include <stdio.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"

/* Abort CDW10 (Figure 142): SQID 15:0, CID 31:16.  DW0 bit 0 (Figure 143). */
#define NVME_ABORT_CDW10(sqid, cid)	((uint32_t)(sqid) | ((uint32_t)(cid) << 16))
#define NVME_ABORT_NOT_ABORTED		(1u << 0)

NVD_EXPORT int nvd_ctrlr_cmd_abort(struct nvd_ctrlr *ctrlr, struct nvd_qpair *qpair, uint16_t cid)
{
	struct nvd_qpair *q;
	struct nvme_cmd cmd = { .opc = NVME_ADM_ABORT };
	struct nvd_cpl cpl = { 0 };
	char what[64];
	bool active;
	int err;

	nvd__clear_detail();
	if (!ctrlr || (qpair && qpair->ctrlr != ctrlr))
		return -EINVAL;
	q = qpair ? qpair : &ctrlr->adminq;
	if (ctrlr->tcp) {
		nvd__set_detail("Abort of one command is not supported over NVMe/TCP yet; nvd_ctrlr_reset() aborts everything");
		return -EOPNOTSUPP;
	}
	if (ctrlr_is_failed(ctrlr)) {
		nvd__set_detail("%s", ctrlr->fail_reason[0] ? ctrlr->fail_reason : "the controller is gone");
		return -ENXIO;
	}
	pthread_mutex_lock(&ctrlr->admin_lock);
	/*
	 * An I/O qpair's trackers belong to its thread, which is the caller.
	 * The generation in the CID keeps an Abort for a command that has
	 * finished off the next command in the same tracker (qpair.c).
	 */
	active = qpair_cid_tracker(q, cid) != NULL;
	if (!active) {
		pthread_mutex_unlock(&ctrlr->admin_lock);
		nvd__set_detail("command %u is not outstanding on queue %u", cid, q->qid);
		return -EINVAL;
	}
	cmd.cdw10 = NVME_ABORT_CDW10(q->qid, cid);
	snprintf(what, sizeof(what), "Abort (queue %u, command %u)", q->qid, cid);
	err = nvd__admin_sync(ctrlr, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS, what, &cpl);
	pthread_mutex_unlock(&ctrlr->admin_lock);
	if (err)
		return err;
	return (cpl.cdw0 & NVME_ABORT_NOT_ABORTED) ? NVD_ABORT_NOT_ABORTED : 0;
}

NVD_EXPORT int nvd_qpair_last_cid(const struct nvd_qpair *qpair)
{
	const struct sq_ring *r;

	if (!qpair || !qpair->sq_mem || qpair->nfree == qpair->ntrackers)
		return -EINVAL;
	r = &qpair->sq;
	return r->entries[r->tail ? r->tail - 1 : r->size - 1].cid;
}
