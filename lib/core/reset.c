// SPDX-License-Identifier: MIT
/*
 * Controller reset (Base 2.0 §3.7.2, Controller Level Reset through
 * CC.EN): the controller forgets every I/O queue and the admin queue's
 * state; the library keeps all of its objects and memory and rebuilds the
 * controller's side around them, so the application's handles survive.
 *
 * Order, and why:
 *  1. reap what the controller already completed (those are not lost);
 *     then, if the controller still looks healthy, delete every I/O SQ and
 *     CQ first, as Linux does before disabling: the controller finishes
 *     or aborts their commands itself (posting Command Aborted due to SQ
 *     Deletion, or completing them implicitly, i.e. silently: §5.6)
 *     instead of having queues with commands in flight vanish under it,
 *     which some controllers handle badly (SPDK issue 3088; QEMU 7.2.22
 *     with an IOMMU segfaulted on it here);
 *  2. CC.EN = 0 and wait for CSTS.RDY = 0: from then on the device no
 *     longer touches host memory, so a buffer of an aborted read may be
 *     reused at once;
 *  3. empty the rings, enable with the same admin queue, Number of Queues,
 *     Doorbell Buffer Config, Create I/O CQ + SQ for every queue pair;
 *  4. only then complete what was sent and is left as aborted; re-arm the
 *     AERs;
 *  5. send what waits in each queue pair's FIFO: what callbacks submitted
 *     from step 1 on (held there, so nothing lands on a queue about to be
 *     deleted) and what was queued before the reset (it never reached the
 *     device).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/admin.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/request.h"

static int recreate_qpair(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	nvd__qpair_reset_rings(q);
	q->on_device = false;
	return c->transport->qpair_connect(c, q);
}

/* Steps 3: the controller's side again, over the same memory.  Under admin_lock. */
static int reset_rebuild(struct nvd_ctrlr *c)
{
	uint16_t granted, qid, n = c->info.num_io_queues;
	int err;

	nvd__qpair_reset_rings(&c->adminq);
	err = nvd__ctrlr_enable(c);
	if (err)
		return err;
	if (n) {
		err = nvd__admin_set_num_queues(c, n, &granted);
		if (err)
			return err;
		for (qid = granted + 1; qid <= n; qid++) {
			if (c->ioq[qid]) {
				nvd__set_detail("after the reset the controller grants %u I/O queues; queue %u is in use",
					   granted, qid);
				return -EIO;
			}
		}
	}
	if (c->dbbuf_dbs) {
		/* the shadows were in use: the queues' pointers into them stay */
		memset(c->dbbuf_dbs, 0, (size_t)c->dbbuf_queues * 2 * (4u << c->info.dstrd));
		memset(c->dbbuf_eis, 0, (size_t)c->dbbuf_queues * 2 * (4u << c->info.dstrd));
		err = nvd__ctrlr_dbbuf_config(c);
		if (err)
			return err;
	}
	/* features are back to their defaults: events too */
	if (c->aer_max) {
		err = nvd__ctrlr_aer_configure(c);
		if (err)
			return err;
	}
	for (qid = 1; qid <= n; qid++) {
		if (!c->ioq[qid] || !c->ioq[qid]->sq_mem)
			continue;
		err = recreate_qpair(c, c->ioq[qid]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Delete the I/O queues while the controller answers; reap the aborts the
 * deletion posts.  Best effort: on any failure the disable does the rest.
 */
static void reset_delete_io_queues(struct nvd_ctrlr *c)
{
	uint32_t csts = ctrlr_get_reg4(c, NVME_REG_CSTS), qid;
	struct nvd_qpair *q;

	if (csts == NVME_REG_GONE || !(csts & NVME_CSTS_RDY) || (csts & NVME_CSTS_CFS))
		return;
	for (qid = 1; qid <= c->info.num_io_queues; qid++) {
		q = c->ioq[qid];
		if (!q || !q->on_device || q->failed)
			continue;
		/* SQ, the aborts it caused, CQ: as nvd_ctrlr_free_io_qpair() */
		if (c->transport->qpair_disconnect(c, q))
			break;
	}
	nvd__clear_detail();
}

/* Stop the device touching memory if we can, then mark it failed with @err's words. */
static void reset_fail(struct nvd_ctrlr *c, int err)
{
	char why[sizeof(c->fail_reason) - 40];

	snprintf(why, sizeof(why), "%s", nvd_last_error()[0] ? nvd_last_error() : nvd_strerror(err));
	snprintf(c->fail_reason, sizeof(c->fail_reason), "controller reset failed: %s", why);
	if (nvd__ctrlr_check_alive(c)) {
		/* whatever state it is stuck in: EN = 0 without waiting for RDY = 1 first */
		ctrlr_set_reg4(c, NVME_REG_CC, ctrlr_get_reg4(c, NVME_REG_CC) & ~NVME_CC_EN);
		if (nvd__ctrlr_wait_csts(c, NVME_CSTS_RDY, 0, c->ready_timeout_ms,
				    "CSTS.RDY=0 (disable)") == 0)
			c->enabled = false;
		else
			nvd__dbg("%s: cannot disable after a failed reset: %s", c->info.bdf,
			    nvd_last_error());
	}
	nvd__ctrlr_mark_failed(c);
	nvd__set_detail("%s", c->fail_reason);
}

NVD_EXPORT int nvd_ctrlr_reset(struct nvd_ctrlr *ctrlr)
{
	struct nvd_ctrlr *c = ctrlr;
	uint32_t qid;
	int err;

	nvd__clear_detail();
	if (!c)
		return -EINVAL;
	/* a transport with a reset of its own (NVMe/TCP: a new association) */
	if (c->transport->ctrlr_reset)
		return c->transport->ctrlr_reset(c);
	if (ctrlr_is_failed(c)) {
		nvd__set_detail("%s", c->fail_reason[0] ? c->fail_reason : "the controller is gone");
		return -ENXIO;
	}
	pthread_mutex_lock(&c->admin_lock);
	nvd__dbg("%s: controller reset", c->info.bdf);
	/* what callbacks send from here on waits in the FIFO for step 5 */
	for (qid = 1; qid <= c->info.num_io_queues; qid++)
		if (c->ioq[qid])
			c->ioq[qid]->no_fast |= QP_NO_FAST_RESET;

	/* 1: what already completed is delivered as completed */
	nvd__qpair_poll(&c->adminq, 0);
	for (qid = 1; qid <= c->info.num_io_queues; qid++)
		if (c->ioq[qid] && c->ioq[qid]->on_device && !c->ioq[qid]->failed)
			nvd__qpair_poll(c->ioq[qid], 0);

	c->aer_stop = true;
	reset_delete_io_queues(c);

	/* 2: quiet device; AERs (and timed-out admin commands) are dropped */
	err = nvd__ctrlr_disable(c);
	if (!err) {
		/* a fatal status ends with the disable */
		__atomic_store_n(&c->fatal, 0, __ATOMIC_RELEASE);
		nvd__qpair_abort_all(&c->adminq);
		/* 3 */
		err = reset_rebuild(c);
	}
	if (err)
		reset_fail(c, err);

	/*
	 * 4: what was sent comes back aborted (on a failed controller too);
	 * what waits in a FIFO never reached the device and is sent in step 5,
	 * unless the reset failed
	 */
	nvd__qpair_abort_all(&c->adminq);
	for (qid = 1; qid <= c->info.num_io_queues; qid++) {
		if (!c->ioq[qid])
			continue;
		if (err)
			nvd__qpair_abort_all(c->ioq[qid]);
		else
			nvd__qpair_abort_sent(c->ioq[qid]);
	}
	if (!err && c->aer_max) {
		/* as many as before */
		c->aer_outstanding = 0;
		err = nvd__ctrlr_aer_start(c);
		if (err)
			nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
		err = 0;
	}
	/* 5: what the callbacks sent meanwhile goes to the new queues */
	for (qid = 1; qid <= c->info.num_io_queues; qid++) {
		if (!c->ioq[qid])
			continue;
		c->ioq[qid]->no_fast &= (uint8_t)~QP_NO_FAST_RESET;
		if (!err)
			nvd__qpair_drain(c->ioq[qid]);
	}
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}
