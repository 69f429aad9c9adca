// SPDX-License-Identifier: MIT
/*
 * What happens to a command besides being sent and completed: retries of
 * retryable statuses, software error injection (for tests), and timeout
 * detection.  None of it costs the fast path more than one predictable
 * branch: q->hooks is 0 unless an injection is armed or a timeout callback
 * is registered, and completions come here only with an error status or
 * hooks set.
 */
#include <errno.h>
#include <string.h>

#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/io_hooks.h"
#include "core/request.h"

/* Polls between two timeout scans of a queue pair. */
#define NVD_TIMEOUT_CHECK_POLLS	64u

/*
 * Base 2.0 §3.3.3.2.1: with DNR=0 the same command may succeed if sent
 * again.  Retried at once, ignoring CRD, for statuses that say the
 * condition is transient: Command Interrupted, Transient Transport Error,
 * Namespace Not Ready (generic) and Internal Path Error (path related).
 * Everything else (media errors, invalid fields, aborts...) goes to the
 * caller: sending it again would fail the same way or undo an abort.
 */
bool nvd__status_is_retryable(uint16_t status)
{
	unsigned sct = (status >> 9) & 7, sc = (status >> 1) & 0xff;

	if (status & NVME_CPL_DNR)
		return false;
	if (sct == NVME_SCT_GENERIC)
		return sc == NVME_SC_CMD_INTERRUPTED || sc == NVME_SC_TRANSIENT_TRANSPORT ||
		       sc == NVME_SC_NS_NOT_READY;
	return sct == NVME_SCT_PATH && sc == NVME_SC_INTERNAL_PATH_ERROR;
}

static bool inject_armed(const struct nvd_qpair *q)
{
	unsigned i;

	for (i = 0; i < QP_INJECT_RULES; i++)
		if (q->inject[i].count)
			return true;
	return false;
}

/* Commands that carry an injected status (held or sent) and are not done. */
static bool injected_outstanding(const struct nvd_qpair *q)
{
	uint32_t i;

	for (i = 0; i < q->ntrackers; i++)
		if (q->trackers[i].active && (q->trackers[i].held || q->trackers[i].inject_status))
			return true;
	return false;
}

static void update_inject_hook(struct nvd_qpair *q)
{
	if (inject_armed(q) || injected_outstanding(q))
		q->hooks |= QP_HOOK_INJECT;
	else
		q->hooks &= ~QP_HOOK_INJECT;
	qpair_hooks_changed(q);
}

bool nvd__qpair_submit_hooks(struct nvd_qpair *q, struct tracker *tr)
{
	struct inject_rule *rule;
	unsigned i;

	tr->timed_out = false;
	if (q->hooks & QP_HOOK_TIMEOUT)
		tr->submit_us = nvd__now_us_coarse();
	if (!(q->hooks & QP_HOOK_INJECT))
		return false;
	for (i = 0; i < QP_INJECT_RULES; i++) {
		rule = &q->inject[i];
		if (!rule->count || (rule->opc && rule->opc != tr->cmd.opc))
			continue;
		rule->count--;
		tr->inject_status = rule->status;
		if (rule->do_not_submit) {
			tr->held = true;
			tr->held_polls = rule->timeout_polls;
		}
		update_inject_hook(q);
		return tr->held;
	}
	return false;
}

/* Send @tr's command again under the same CID. */
static bool resubmit(struct nvd_qpair *q, struct tracker *tr)
{
	struct nvme_cmd *slot;

	/* during a reset the queue is about to go: the caller hears the status */
	if (sq_ring_full(&q->sq) || (q->no_fast & QP_NO_FAST_RESET))
		return false;
	tr->retries++;
	slot = sq_ring_slot(&q->sq);
	*slot = tr->cmd;
	if (q->hooks && nvd__qpair_submit_hooks(q, tr))
		return true;
	sq_ring_advance(&q->sq);
	if (!q->delay_submit)
		qpair_ring_sq(q);
	return true;
}

/* Apply an injected status; true when @tr was sent again instead. */
static bool retry_or_finish(struct nvd_qpair *q, struct tracker *tr, struct nvd_cpl *cpl)
{
	if (tr->inject_status) {
		cpl->status = (uint16_t)((cpl->status & NVME_CPL_PHASE) | tr->inject_status);
		tr->inject_status = 0;
	}
	if (nvd_cpl_is_error(cpl) && tr->retries < q->max_retries &&
	    nvd__status_is_retryable(cpl->status) && resubmit(q, tr)) {
		nvd__dbg("qid %u cid %u: %s, retry %u of %u", q->qid, tr->cid, nvd_cpl_status_str(cpl),
		    tr->retries, q->max_retries);
		return true;
	}
	tr->retries = 0;
	return false;
}

void nvd__qpair_complete_slow(struct nvd_qpair *q, struct tracker *tr, struct nvd_cpl *cpl)
{
	nvd_cmd_cb cb;
	void *arg;

	if (retry_or_finish(q, tr, cpl))
		return;
	cb = tr->cb;
	arg = tr->cb_arg;
	qpair_put_tracker(q, tr);
	/* the freed slot goes to the oldest waiting request, before the callback can submit */
	if (q->queued_head)
		nvd__qpair_drain(q);
	if (cb)
		cb(arg, cpl);
}

/* A held (never sent) command's time is up: complete it as if posted. */
static void complete_held(struct nvd_qpair *q, struct tracker *tr)
{
	struct nvd_cpl cpl = { .sqhd = (uint16_t)q->sq.head, .sqid = q->qid, .cid = tr->cid };

	tr->held = false;
	cpl.status = q->cq.phase;
	nvd__qpair_complete_slow(q, tr, &cpl);
}

static void check_timeouts(struct nvd_qpair *q)
{
	struct nvd_ctrlr *c = q->ctrlr;
	uint64_t limit = q->qid ? c->io_timeout_us : c->admin_timeout_us, now;
	struct tracker *tr;
	uint32_t i;

	if (!c->timeout_cb || !limit)
		return;
	now = nvd__now_us_coarse();
	for (i = 0; i < q->ntrackers; i++) {
		tr = &q->trackers[i];
		if (!tr->active || tr->timed_out || now - tr->submit_us <= limit)
			continue;
		tr->timed_out = true;
		c->timeout_cb(c->timeout_arg, c, q->qid ? q : NULL, tr->cid);
	}
}

void nvd__qpair_poll_hooks(struct nvd_qpair *q)
{
	struct tracker *tr;
	uint32_t i;

	if (q->hooks & QP_HOOK_INJECT) {
		for (i = 0; i < q->ntrackers; i++) {
			tr = &q->trackers[i];
			if (!tr->active || !tr->held)
				continue;
			if (tr->held_polls) {
				tr->held_polls--;
				continue;
			}
			complete_held(q, tr);
		}
		update_inject_hook(q);
	}
	if ((q->hooks & QP_HOOK_TIMEOUT) && ++q->timeout_polls >= NVD_TIMEOUT_CHECK_POLLS) {
		q->timeout_polls = 0;
		check_timeouts(q);
	}
	if (q->queued_head)
		nvd__qpair_drain(q);
}

NVD_EXPORT int nvd_qpair_inject_error(struct nvd_qpair *qpair, uint8_t opc, int do_not_submit,
				      uint32_t timeout_polls, uint32_t err_count, uint8_t sct,
				      uint8_t sc)
{
	struct inject_rule *rule = NULL;
	unsigned i;

	if (!qpair)
		return -EINVAL;
	nvd__clear_detail();
	if (qpair->tcp) {
		nvd__set_detail("error injection is not supported on NVMe/TCP queue pairs yet");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < QP_INJECT_RULES; i++)
		if (qpair->inject[i].count && qpair->inject[i].opc == opc)
			rule = &qpair->inject[i];
	for (i = 0; !rule && err_count && i < QP_INJECT_RULES; i++)
		if (!qpair->inject[i].count)
			rule = &qpair->inject[i];
	if (!rule) {
		if (!err_count)
			return 0;
		nvd__set_detail("all %u error injection slots of queue %u are armed", QP_INJECT_RULES,
			   qpair->qid);
		return -ENOSPC;
	}
	rule->opc = opc;
	rule->do_not_submit = do_not_submit != 0;
	rule->timeout_polls = timeout_polls;
	rule->count = err_count;
	rule->status = NVME_STATUS(sct, sc);
	update_inject_hook(qpair);
	return 0;
}

static void arm_timeouts(struct nvd_qpair *q, bool on)
{
	uint64_t now = nvd__now_us_coarse();
	uint32_t i;

	if (!on) {
		q->hooks &= ~QP_HOOK_TIMEOUT;
		qpair_hooks_changed(q);
		return;
	}
	/* commands already outstanding count from now */
	if (!(q->hooks & QP_HOOK_TIMEOUT))
		for (i = 0; i < q->ntrackers; i++)
			q->trackers[i].submit_us = now;
	q->timeout_polls = 0;
	q->hooks |= QP_HOOK_TIMEOUT;
	qpair_hooks_changed(q);
}

NVD_EXPORT int nvd_ctrlr_register_timeout_callback(struct nvd_ctrlr *ctrlr, uint64_t io_timeout_us,
						   uint64_t admin_timeout_us, nvd_timeout_cb cb,
						   void *cb_arg)
{
	uint32_t qid;

	if (!ctrlr)
		return -EINVAL;
	nvd__clear_detail();
	if (ctrlr->tcp) {
		nvd__set_detail("command timeouts are not supported over NVMe/TCP yet");
		return -EOPNOTSUPP;
	}
	pthread_mutex_lock(&ctrlr->admin_lock);
	ctrlr->timeout_cb = cb;
	ctrlr->timeout_arg = cb_arg;
	ctrlr->io_timeout_us = cb ? io_timeout_us : 0;
	ctrlr->admin_timeout_us = cb ? admin_timeout_us : 0;
	if (ctrlr->adminq.trackers)
		arm_timeouts(&ctrlr->adminq, ctrlr->admin_timeout_us != 0);
	for (qid = 1; ctrlr->ioq && qid <= ctrlr->info.num_io_queues; qid++)
		if (ctrlr->ioq[qid])
			arm_timeouts(ctrlr->ioq[qid], ctrlr->io_timeout_us != 0);
	pthread_mutex_unlock(&ctrlr->admin_lock);
	return 0;
}
