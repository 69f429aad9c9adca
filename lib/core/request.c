// SPDX-License-Identifier: MIT
/*
 * Requests: I/Os the library holds for the caller.  Each I/O queue pair
 * has a fixed pool (nvd_io_qpair_opts.io_requests); a request is used
 * when a command cannot go straight to the SQ (no free tracker, or others
 * already wait: they wait in a FIFO, in order), when a transfer is split
 * into pieces (one per piece plus the parent whose callback runs once),
 * and when a completion must free something (a DSM range page).
 *
 * Invariant that keeps the read/write fast path free of queue checks:
 * whenever the FIFO is not empty, qpair_get_tracker() fails.  Trackers
 * are freed only by completions (nvd__qpair_poll drains the FIFO right then)
 * and by nvd__qpair_abort_all() (which empties the FIFO first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/request.h"
#include "pcie/qpair.h"
#include "tcp/transport.h"

#define NVD_REQS_PER_TRACKER	4u

int nvd__qpair_alloc_requests(struct nvd_qpair *q, uint32_t n)
{
	struct request *reqs;
	uint32_t i;

	if (n == 0)
		n = NVD_REQS_PER_TRACKER * q->ntrackers;
	if (q->nreqs_free != q->nreqs)
		return -EBUSY;
	reqs = calloc(n, sizeof(*reqs));
	if (!reqs)
		return -ENOMEM;
	free(q->reqs);
	q->reqs = reqs;
	q->nreqs = q->nreqs_free = n;
	q->req_free = NULL;
	for (i = n; i-- > 0;) {
		reqs[i].qp = q;
		reqs[i].next = q->req_free;
		q->req_free = &reqs[i];
	}
	return 0;
}

void nvd__qpair_free_requests(struct nvd_qpair *q)
{
	free(q->reqs);
	q->reqs = NULL;
	q->req_free = NULL;
	q->nreqs = q->nreqs_free = 0;
}

struct request *nvd__req_get(struct nvd_qpair *q)
{
	struct request *r = q->req_free;

	if (!r)
		return NULL;
	q->req_free = r->next;
	q->nreqs_free--;
	r->next = NULL;
	r->buf = NULL;
	r->len = 0;
	r->parent = NULL;
	r->children = 0;
	r->dsm_page = -1;
	r->reset_sgl = NULL;
	r->next_sge = NULL;
	r->use_sgl = false;
	r->sgl_offset = 0;
	return r;
}

void nvd__req_put(struct nvd_qpair *q, struct request *r)
{
	r->next = q->req_free;
	q->req_free = r;
	q->nreqs_free++;
}

int nvd__qpair_get_dsm_page(struct nvd_qpair *q)
{
	int i;

	if (!q->dsm_free)
		return -1;
	i = __builtin_ctz(q->dsm_free);
	q->dsm_free &= (uint16_t)~(1u << i);
	return i;
}

static void qpair_put_dsm_page(struct nvd_qpair *q, int i)
{
	q->dsm_free |= (uint16_t)(1u << i);
}

/* A split piece is done: the parent completes with its last piece. */
static void child_done(struct nvd_qpair *q, struct request *parent, const struct nvd_cpl *cpl)
{
	struct nvd_cpl out;
	nvd_cmd_cb cb;
	void *arg;

	/* the first error sticks; until then the latest completion */
	if (!nvd_cpl_is_error(&parent->cpl))
		parent->cpl = *cpl;
	if (--parent->children)
		return;
	out = parent->cpl;
	cb = parent->cb;
	arg = parent->cb_arg;
	nvd__req_put(q, parent);
	if (cb)
		cb(arg, &out);
}

void nvd__req_complete(struct request *r, const struct nvd_cpl *cpl)
{
	struct nvd_qpair *q = r->qp;
	struct request *parent = r->parent;
	nvd_cmd_cb cb = r->cb;
	void *arg = r->cb_arg;

	if (r->dsm_page >= 0)
		qpair_put_dsm_page(q, r->dsm_page);
	/* free first so the callback may submit again */
	nvd__req_put(q, r);
	if (parent)
		child_done(q, parent, cpl);
	else if (cb)
		cb(arg, cpl);
}

/* Tracker callback of a request. */
static void req_done(void *arg, const struct nvd_cpl *cpl)
{
	nvd__req_complete(arg, cpl);
}

/* Complete @r at once with a status the library made up. */
static void req_fail(struct request *r, uint8_t sct, uint8_t sc)
{
	struct nvd_cpl cpl = { .sqid = r->qp->qid };

	cpl.status = NVME_STATUS(sct, sc) | NVME_CPL_DNR;
	nvd__req_complete(r, &cpl);
}

/*
 * PRPs for a request's data: one buffer, or the caller's element list
 * (readv/writev: nvd__req_map_sgl() in iov.c).  0 or a negative errno.
 */
static int req_map(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		   struct request *r)
{
	if (r->next_sge)
		return nvd__req_map_sgl(q, tr, cmd, r);
	if (!r->buf)
		return 0;
	return nvd__qpair_map_data(q, tr, cmd, r->buf, r->len);
}

static void req_submit(struct nvd_qpair *q, struct tracker *tr, struct request *r)
{
	struct nvme_cmd *cmd = sq_ring_slot(&q->sq);

	*cmd = r->cmd;
	if (__builtin_expect(req_map(q, tr, cmd, r) != 0, 0)) {
		/* validated before it was queued: should not happen */
		qpair_put_tracker(q, tr);
		req_fail(r, NVME_SCT_GENERIC, NVME_SC_DATA_XFER_ERROR);
		return;
	}
	qpair_commit(q, tr, cmd, req_done, r);
}

void nvd__qpair_drain(struct nvd_qpair *q)
{
	struct request *r;
	struct tracker *tr;

	while (!(q->no_fast & QP_NO_FAST_RESET) && (r = q->queued_head) &&
	       (tr = qpair_get_tracker(q))) {
		q->queued_head = r->next;
		q->nqueued--;
		if (!q->queued_head) {
			q->queued_tail = NULL;
			q->hooks &= ~QP_HOOK_QUEUED;
		}
		r->next = NULL;
		req_submit(q, tr, r);
	}
}

struct request *nvd__qpair_take_queued(struct nvd_qpair *q)
{
	struct request *head = q->queued_head;

	q->queued_head = q->queued_tail = NULL;
	q->nqueued = 0;
	q->hooks &= ~QP_HOOK_QUEUED;
	return head;
}

/* Nothing waits before it and no reset is running: a command may go to the SQ now. */
static bool qpair_may_send(const struct nvd_qpair *q)
{
	return !q->queued_head && !(q->no_fast & QP_NO_FAST_RESET);
}

void nvd__qpair_queue_req(struct nvd_qpair *q, struct request *r)
{
	struct tracker *tr;

	if (qpair_may_send(q) && (tr = qpair_get_tracker(q))) {
		req_submit(q, tr, r);
		return;
	}
	r->next = NULL;
	if (q->queued_tail)
		q->queued_tail->next = r;
	else
		q->queued_head = r;
	q->queued_tail = r;
	q->nqueued++;
	/* completions now take the slow path, which drains the FIFO */
	q->hooks |= QP_HOOK_QUEUED;
}

static int pool_exhausted(struct nvd_qpair *q, uint64_t need)
{
	if (need > q->nreqs)
		nvd__set_detail("the transfer needs %llu requests; queue %u's pool holds %u (io_requests)",
			   (unsigned long long)need, q->qid, q->nreqs);
	else
		nvd__set_detail("%llu requests needed, %u of queue %u's %u free (io_requests)",
			   (unsigned long long)need, q->nreqs_free, q->qid, q->nreqs);
	return -ENOMEM;
}

int nvd__qpair_submit_cmd(struct nvd_qpair *q, const struct nvme_cmd *cmd, void *buf, uint32_t len,
		     nvd_cmd_cb cb, void *cb_arg)
{
	struct nvme_cmd *slot;
	struct tracker *tr;
	struct request *r;
	int err;

	if (__builtin_expect(q->tcp != NULL, 0))
		return nvd__tcp_submit_cmd(q, cmd, buf, len, cb, cb_arg);
	if (qpair_may_send(q) && (tr = qpair_get_tracker(q))) {
		slot = sq_ring_slot(&q->sq);
		*slot = *cmd;
		if (buf) {
			err = nvd__qpair_map_data(q, tr, slot, buf, len);
			if (err) {
				qpair_put_tracker(q, tr);
				nvd__set_detail("cannot describe the %u-byte buffer with PRPs", len);
				return err == -E2BIG ? -EINVAL : err;
			}
		}
		qpair_commit(q, tr, slot, cb, cb_arg);
		return 0;
	}
	r = nvd__req_get(q);
	if (!r)
		return pool_exhausted(q, 1);
	r->cmd = *cmd;
	r->buf = buf;
	r->len = len;
	r->cb = cb;
	r->cb_arg = cb_arg;
	nvd__qpair_queue_req(q, r);
	return 0;
}

int nvd__qpair_submit_split(struct nvd_qpair *q, const struct nvme_cmd *tmpl, void *buf,
		       unsigned shift, uint64_t lba, uint64_t count, uint32_t max, nvd_cmd_cb cb,
		       void *cb_arg, nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge,
		       bool use_sgl)
{
	uint64_t pieces = (count + max - 1) / max, i, off;
	/* bytes in the largest piece; all byte counts in 64 bits (count may pass 2^32) */
	uint64_t piece_bytes = (uint64_t)(pieces == 1 ? count : max) << shift;
	struct request *parent, *r;
	struct nvme_cmd cmd;
	uint32_t n;

	/* request.len and the PRP/SGL builders take 32 bits */
	if ((buf || reset_sgl) && piece_bytes > UINT32_MAX) {
		nvd__set_detail("a piece of %llu bytes (%llu LBAs of %u bytes) exceeds 4 GiB",
			   (unsigned long long)piece_bytes, (unsigned long long)(piece_bytes >> shift),
			   1u << shift);
		return -EINVAL;
	}
	/* reset_sgl's offset is 32 bits: the last piece must start below 4 GiB */
	if (reset_sgl && ((pieces - 1) * max << shift) > UINT32_MAX) {
		nvd__set_detail("a vectored transfer of %llu bytes: pieces past 4 GiB cannot be named to reset_sgl",
			   (unsigned long long)(count << shift));
		return -EINVAL;
	}
	if (pieces == 1 && !reset_sgl) {
		cmd = *tmpl;
		cmd.cdw10 = (uint32_t)lba;
		cmd.cdw11 = (uint32_t)(lba >> 32);
		cmd.cdw12 = tmpl->cdw12 | (uint32_t)(count - 1);
		return nvd__qpair_submit_cmd(q, &cmd, buf, buf ? (uint32_t)piece_bytes : 0, cb, cb_arg);
	}
	/* all pieces or none: a half-sent transfer could not be reported */
	if (pieces + (pieces > 1) > q->nreqs_free)
		return pool_exhausted(q, pieces + (pieces > 1));

	parent = NULL;
	if (pieces > 1) {
		parent = nvd__req_get(q);
		parent->cb = cb;
		parent->cb_arg = cb_arg;
		parent->children = (uint32_t)pieces;
		memset(&parent->cpl, 0, sizeof(parent->cpl));
	}
	for (i = 0; i < pieces; i++) {
		n = count - i * max < max ? (uint32_t)(count - i * max) : max;
		off = (i * max) << shift;	/* checked above: below 4 GiB when vectored */
		r = nvd__req_get(q);
		r->cmd = *tmpl;
		r->cmd.cdw10 = (uint32_t)(lba + i * max);
		r->cmd.cdw11 = (uint32_t)((lba + i * max) >> 32);
		r->cmd.cdw12 = tmpl->cdw12 | (n - 1);
		if (buf)
			r->buf = (uint8_t *)buf + off;
		r->len = buf || reset_sgl ? (uint32_t)((uint64_t)n << shift) : 0;
		r->reset_sgl = reset_sgl;
		r->next_sge = next_sge;
		r->use_sgl = use_sgl;
		r->sgl_offset = (uint32_t)off;
		r->parent = parent;
		r->cb = parent ? NULL : cb;
		r->cb_arg = cb_arg;
		nvd__qpair_queue_req(q, r);
	}
	return 0;
}
