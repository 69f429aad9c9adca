// SPDX-License-Identifier: MIT
/*
 * Queue pairs: one SQ and its CQ, command trackers, doorbells, and the
 * completion path.  The same code runs the admin queue (qid 0) and the I/O
 * queues; only creation and deletion of I/O queues talk to the admin queue.
 *
 * A queue of n slots has n - 1 trackers: the SQ can never hold more (Base
 * 2.0 §4.1), and since each CQ entry frees a tracker whose SQ slot the
 * controller already consumed (SQHD), the SQ cannot fill while a tracker
 * is free.
 *
 * Command identifiers (Base 2.0 §4.2, CDW0 CID: unique among the commands
 * outstanding on one SQ) are the tracker's index in the low bits
 * (cid_mask) and a generation in the bits above, like the Linux driver's
 * nvme_cid().  The generation moves on each time a tracker is freed, so a
 * late or duplicated completion, or an Abort naming a command that has
 * finished, does not match the next command in the same tracker: such a
 * completion is dropped and counted (stats.stale_completions).  A queue of
 * up to 2^k + 1 slots leaves 16 - k generation bits (admin queue of 32: 11;
 * I/O queue of 256: 8); one of 65536 leaves none, and then only a CID whose
 * tracker is not outstanding is caught.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/request.h"
#include "pcie/intr.h"
#include "pcie/qpair.h"
#include "pcie/regs.h"
#include "tcp/transport.h"

/* nvd__prp_build() callback over one span: its pages, no lookup, no lock. */
static int span_vtophys(void *ctx, const void *vaddr, uint64_t *bus)
{
	*bus = dma_span_bus(ctx, vaddr);
	return 0;
}

/* @n pages of DMA memory at *@mem, each page and its bus address in @pages. */
static int alloc_page_array(struct nvd_ctrlr *c, size_t n, void **mem,
			    struct prp_list_page *pages)
{
	uint8_t *p;
	size_t i;
	int err;

	err = nvd__dma_pool_alloc(&c->dma, n * NVME_PAGE_SIZE, false, mem);
	if (err)
		return err;
	p = *mem;
	for (i = 0; i < n; i++) {
		pages[i].entries = (uint64_t *)(p + i * NVME_PAGE_SIZE);
		err = nvd__dma_pool_vtophys(&c->dma, pages[i].entries, &pages[i].bus);
		if (err) {
			nvd__dma_pool_free(&c->dma, *mem);
			*mem = NULL;
			return err;
		}
	}
	return 0;
}

static int alloc_prp_pages(struct nvd_qpair *q, uint32_t max_xfer)
{
	struct nvd_ctrlr *c = q->ctrlr;
	size_t npages, i;
	int err;

	q->prp_per_tracker = nvd__prp_list_pages_needed(max_xfer);
	if (!q->prp_per_tracker)
		return 0;
	npages = (size_t)q->ntrackers * q->prp_per_tracker;
	q->prp_pages = calloc(npages, sizeof(*q->prp_pages));
	if (!q->prp_pages)
		return -ENOMEM;
	err = alloc_page_array(c, npages, &q->prp_mem, q->prp_pages);
	if (err)
		goto err_free_pages;
	q->sgl_pages = calloc(npages, sizeof(*q->sgl_pages));
	if (!q->sgl_pages) {
		err = -ENOMEM;
		goto err_free_mem;
	}
	for (i = 0; i < npages; i++) {
		q->sgl_pages[i].descs = (struct nvme_sgl_desc *)q->prp_pages[i].entries;
		q->sgl_pages[i].bus = q->prp_pages[i].bus;
	}
	for (i = 0; i < q->ntrackers; i++)
		q->trackers[i].prp = &q->prp_pages[i * q->prp_per_tracker];
	return 0;

err_free_mem:
	nvd__dma_pool_free(&c->dma, q->prp_mem);
	q->prp_mem = NULL;
err_free_pages:
	free(q->prp_pages);
	q->prp_pages = NULL;
	return err;
}

static void free_prp_pages(struct nvd_qpair *q)
{
	if (q->prp_mem)
		nvd__dma_pool_free(&q->ctrlr->dma, q->prp_mem);
	q->prp_mem = NULL;
	free(q->prp_pages);
	q->prp_pages = NULL;
	free(q->sgl_pages);
	q->sgl_pages = NULL;
}

/* NVM Command Set 1.0 §3.2.3: up to 256 16-byte ranges, one page per DSM. */
static int alloc_dsm_pages(struct nvd_qpair *q)
{
	const unsigned n = sizeof(q->dsm_pages) / sizeof(q->dsm_pages[0]);
	int err;

	err = alloc_page_array(q->ctrlr, n, &q->dsm_mem, q->dsm_pages);
	if (err)
		return err;
	q->dsm_free = (uint16_t)((1u << n) - 1);
	return 0;
}

/* SGLs when the controller has them and nobody asked for PRPs only. */
/*
 * Bus address of a ring the controller is about to be given: a failed
 * lookup would hand it address 0 (or garbage), so it fails construction.
 */
static int ring_bus(struct nvd_ctrlr *c, const void *mem, uint64_t *bus, const char *what,
		    uint16_t qid)
{
	int err = nvd__dma_pool_vtophys(&c->dma, mem, bus);

	if (err)
		nvd__set_detail("queue %u: no bus address for the %s queue", qid, what);
	return err;
}

static bool sgl_wanted(const struct nvd_ctrlr *c)
{
	const char *env = getenv("NVDIRECT_FORCE_PRP");

	if (!(c->id.sgls & NVD_SGLS_SUPPORT_MASK) || (c->opts.flags & NVD_CTRLR_FORCE_PRP))
		return false;
	return !(env && strcmp(env, "0") && *env);
}

int nvd__qpair_construct(struct nvd_qpair *q, struct nvd_ctrlr *c, uint16_t qid,
		    uint32_t qsize, uint32_t max_xfer)
{
	uint32_t dstrd = NVME_CAP_DSTRD(c->cap);
	uint32_t i;
	int err;

	memset(q, 0, sizeof(*q));
	q->ctrlr = c;
	q->qid = qid;
	q->no_fast = qid == 0 ? QP_NO_FAST_NO_IO : 0;
	if (qsize < 2 || qsize > 65536)
		return -EINVAL;
	if (doorbell_offset(qid, true, dstrd) + 4 > c->t->info.bar_size) {
		/* bar_size: what is mapped, BAR0 up to its MSI-X table (pci_backend.c) */
		nvd__set_detail("queue %u's doorbell lies outside the %llu bytes of BAR0 that may be mapped", qid,
			   (unsigned long long)c->t->info.bar_size);
		return -EINVAL;
	}

	err = nvd__dma_pool_alloc(&c->dma, (size_t)qsize * sizeof(struct nvme_cmd), true, &q->sq_mem);
	if (err)
		return err;
	err = nvd__dma_pool_alloc(&c->dma, (size_t)qsize * sizeof(struct nvd_cpl), true, &q->cq_mem);
	if (err)
		goto err_free_sq;
	err = ring_bus(c, q->sq_mem, &q->sq_bus, "submission", qid);
	if (!err)
		err = ring_bus(c, q->cq_mem, &q->cq_bus, "completion", qid);
	if (err)
		goto err_free_cq;

	q->ntrackers = qsize - 1;
	/* the fewest low bits that hold every index; the generation gets the rest */
	while (q->cid_mask < q->ntrackers - 1)
		q->cid_mask = (uint16_t)(q->cid_mask << 1 | 1);
	/*
	 * Cache-line aligned, as the type says: a tracker is two lines.  One
	 * for every index the mask lets a CID name, so the completion path
	 * needs no bounds check: those past ntrackers are never outstanding.
	 */
	q->trackers = aligned_alloc(64, ((size_t)q->cid_mask + 1) * sizeof(*q->trackers));
	if (q->trackers)
		memset(q->trackers, 0, ((size_t)q->cid_mask + 1) * sizeof(*q->trackers));
	q->free_cids = calloc(q->ntrackers, sizeof(*q->free_cids));
	if (!q->trackers || !q->free_cids) {
		err = -ENOMEM;
		goto err_free_trackers;
	}
	for (i = 0; i < q->ntrackers; i++) {
		q->trackers[i].cid = (uint16_t)i;
		q->trackers[i].idx = (uint16_t)i;
		/* stack: lowest cid on top */
		q->free_cids[i] = (uint16_t)(q->ntrackers - 1 - i);
	}
	q->nfree = q->ntrackers;

	err = alloc_prp_pages(q, max_xfer);
	if (err)
		goto err_free_trackers;
	if (qid != 0) {
		err = nvd__qpair_alloc_requests(q, 0);
		if (err)
			goto err_free_prp;
		err = alloc_dsm_pages(q);
		if (err)
			goto err_free_requests;
		q->max_retries = c->opts.retry_count > 255 ? 255 : (uint8_t)c->opts.retry_count;
		q->sgl = sgl_wanted(c);
		q->sgl_dword = (c->id.sgls & NVD_SGLS_SUPPORT_MASK) == NVD_SGLS_DWORD_ALIGN;
		if (c->timeout_cb && c->io_timeout_us)
			q->hooks |= QP_HOOK_TIMEOUT;
		qpair_hooks_changed(q);
	}

	sq_ring_init(&q->sq, q->sq_mem, qsize);
	cq_ring_init(&q->cq, q->cq_mem, qsize);
	q->sq_db = (volatile uint32_t *)(c->bar + doorbell_offset(qid, false, dstrd));
	q->cq_db = (volatile uint32_t *)(c->bar + doorbell_offset(qid, true, dstrd));
	if (qid != 0)
		q->delay_submit = q->delay_opt = (c->opts.flags & NVD_CTRLR_DELAY_CMD_SUBMIT) != 0;
	/* the admin queue keeps ringing registers, as controllers expect */
	if (qid != 0 && qid < c->dbbuf_queues) {
		/* same layout as the registers, from offset 0 (Base 2.0 §5.8) */
		q->sq_shadow = c->dbbuf_dbs + (doorbell_offset(qid, false, dstrd) - NVME_REG_DBS) / 4;
		q->cq_shadow = c->dbbuf_dbs + (doorbell_offset(qid, true, dstrd) - NVME_REG_DBS) / 4;
		q->sq_ei = c->dbbuf_eis + (q->sq_shadow - c->dbbuf_dbs);
		q->cq_ei = c->dbbuf_eis + (q->cq_shadow - c->dbbuf_dbs);
		/* a queue of this qid may have lived before: start from 0 */
		*q->sq_shadow = *q->cq_shadow = 0;
		*q->sq_ei = *q->cq_ei = 0;
	}
	return 0;

err_free_requests:
	nvd__qpair_free_requests(q);
err_free_prp:
	free_prp_pages(q);
err_free_trackers:
	free(q->free_cids);
	free(q->trackers);
err_free_cq:
	nvd__dma_pool_free(&c->dma, q->cq_mem);
err_free_sq:
	nvd__dma_pool_free(&c->dma, q->sq_mem);
	memset(q, 0, sizeof(*q));
	return err;
}

void nvd__qpair_destruct(struct nvd_qpair *q)
{
	struct nvd_ctrlr *c = q->ctrlr;

	if (!q->sq_mem)
		return;
	if (q->dsm_mem)
		nvd__dma_pool_free(&c->dma, q->dsm_mem);
	nvd__qpair_free_requests(q);
	free_prp_pages(q);
	free(q->free_cids);
	free(q->trackers);
	nvd__dma_pool_free(&c->dma, q->cq_mem);
	nvd__dma_pool_free(&c->dma, q->sq_mem);
	memset(q, 0, sizeof(*q));
}

int nvd__qpair_map_list(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		   const struct dma_span *s, const void *buf, size_t len)
{
	/* beyond two pages: one SGL instead of a PRP list, when the controller can */
	if (q->sgl && !((uintptr_t)buf & 3)) {
		int err = nvd__qpair_map_span_sgl(q, tr, cmd, s, buf, len);

		/* more pieces than segment pages hold: a PRP list still fits */
		if (err != -E2BIG)
			return err;
	}
	return nvd__prp_build(buf, len, span_vtophys, (void *)s, tr->prp, q->prp_per_tracker,
			 &cmd->prp1, &cmd->prp2);
}

int nvd__qpair_map_data(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		   void *buf, size_t len)
{
	const struct dma_span *s = dma_pool_find_span(&q->ctrlr->dma, buf, len);

	if (!s)
		return -EINVAL;
	return qpair_map_span(q, tr, cmd, s, buf, len);
}

static void qpair_ring_cq(struct nvd_qpair *q, uint32_t old)
{
	uint32_t v = q->cq.head;

	if (q->cq_shadow) {
		q->stats.cq_shadow_writes++;
		if (!shadow_doorbell_write(q->cq_shadow, q->cq_ei, old, v))
			return;
	}
	q->stats.cq_doorbell_writes++;
	doorbell_write(q->cq_db, v);
}

void nvd__qpair_submit(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		  nvd_cmd_cb cb, void *cb_arg)
{
	struct nvme_cmd *slot = sq_ring_slot(&q->sq);

	*slot = *cmd;
	qpair_commit(q, tr, slot, cb, cb_arg);
}

uint32_t nvd__qpair_outstanding(const struct nvd_qpair *q)
{
	return q->ntrackers - q->nfree;
}

static void aborted_cpl(const struct nvd_qpair *q, uint16_t cid, struct nvd_cpl *cpl)
{
	memset(cpl, 0, sizeof(*cpl));
	cpl->cid = cid;
	cpl->sqid = q->qid;
	cpl->status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED) | NVME_CPL_DNR;
}

void nvd__qpair_abort_sent(struct nvd_qpair *q)
{
	struct nvd_cpl cpl;
	struct tracker *tr;
	nvd_cmd_cb cb;
	void *arg;
	uint32_t i;

	for (i = 0; i < q->ntrackers; i++) {
		tr = &q->trackers[i];
		if (!tr->active)
			continue;
		aborted_cpl(q, tr->cid, &cpl);
		cb = tr->cb;
		arg = tr->cb_arg;
		tr->held = false;
		tr->inject_status = 0;
		tr->retries = 0;
		qpair_put_tracker(q, tr);
		if (cb)
			cb(arg, &cpl);
	}
}

void nvd__qpair_abort_all(struct nvd_qpair *q)
{
	struct request *queued, *r;
	struct nvd_cpl cpl;

	/* queued requests leave the FIFO first: freed trackers must not send them */
	queued = nvd__qpair_take_queued(q);
	nvd__qpair_abort_sent(q);
	while ((r = queued)) {
		queued = r->next;
		aborted_cpl(q, 0xffff, &cpl);
		nvd__req_complete(r, &cpl);
	}
}

/* The controller is gone: nothing will complete, so finish it all now. */
static int qpair_fail(struct nvd_qpair *q)
{
	q->failed = true;
	q->no_fast |= QP_NO_FAST_NO_IO;
	nvd__qpair_abort_all(q);
	return -ENXIO;
}

/*
 * Reap completions.  Commands the callbacks submit meanwhile are announced
 * once, with one SQ doorbell at the end (with or without delay_opt), not
 * one each: at QD1 each poll then reaps exactly the command it found and
 * publishes the CQ head for it, like SPDK's poll, instead of reaping on
 * through every resubmission the device happens to finish before the loop
 * looks again, a chain whose length depended on thread timing in the
 * emulator (README, The I/O path).
 */
int nvd__qpair_poll(struct nvd_qpair *q, uint32_t max)
{
	uint32_t n = 0, old_head = q->cq.head;
	bool post;
	struct nvd_cpl cpl;
	struct tracker *tr;
	nvd_cmd_cb cb;
	void *arg;

	if (__builtin_expect(q->failed, 0))
		return -ENXIO;
	if (__builtin_expect(ctrlr_is_failed(q->ctrlr), 0))
		return qpair_fail(q);
	/* delayed submission: one SQ doorbell for everything queued since */
	if (q->sq.tail != q->sq_db_val)
		qpair_ring_sq(q);

	q->delay_submit = true;
	while (max == 0 || n < max) {
		if (!cq_ring_peek(&q->cq, &cpl))
			break;
		cq_ring_next(&q->cq);
		n++;
		if (cpl.sqhd < q->sq.size)
			q->sq.head = cpl.sqhd;
		tr = qpair_cid_tracker(q, cpl.cid);
		if (__builtin_expect(!tr, 0)) {
			/* late, duplicated or made up: never complete another command with it */
			q->stats.stale_completions++;
			nvd__dbg("qid %u: completion for cid 0x%x, which is not outstanding (status 0x%x): dropped",
			    q->qid, cpl.cid, cpl.status);
			continue;
		}
		/* an error (retry?), hooks armed (injected status?), requests waiting */
		if (__builtin_expect(((cpl.status & 0xfffe) | q->hooks) != 0, 0)) {
			nvd__qpair_complete_slow(q, tr, &cpl);
			continue;
		}
		cb = tr->cb;
		arg = tr->cb_arg;
		/* free first so the callback may submit again */
		qpair_put_tracker(q, tr);
		if (cb)
			cb(arg, &cpl);
	}
	if (__builtin_expect(q->hooks != 0, 0))
		nvd__qpair_poll_hooks(q);
	q->delay_submit = q->delay_opt;
	/*
	 * What the callbacks submitted goes out with one SQ doorbell, before
	 * the CQ head when the CQ has room for it: every outstanding command
	 * may complete before the controller sees the head, and the n entries
	 * reaped here count as used until then, so n <= nfree keeps the CQ
	 * from filling (Base 2.0 §4.1).  At QD1 the head's doorbell is then
	 * off the way to the next completion.  Otherwise the head goes first.
	 */
	post = q->sq.tail != q->sq_db_val;
	if (post && n <= q->nfree) {
		qpair_ring_sq(q);
		post = false;
	}

	if (n) {
		/* one CQ head doorbell per poll */
		qpair_ring_cq(q, old_head);
		q->empty_polls = 0;
	} else if (nvd__qpair_outstanding(q) && ++q->empty_polls >= NVD_ALIVE_CHECK_POLLS) {
		/* a removed device never completes: look at CSTS now and then */
		q->empty_polls = 0;
		if (!nvd__ctrlr_check_alive(q->ctrlr))
			return qpair_fail(q);
		if (ctrlr_is_fatal(q->ctrlr)) {
			/* stopped: nothing will complete, and nothing reaches memory */
			nvd__qpair_abort_all(q);
			nvd__set_detail("the controller reported a fatal error (CSTS.CFS): outstanding commands were aborted; nvd_ctrlr_reset() may recover it");
			return -EIO;
		}
	}
	/* the submissions the CQ head had to precede */
	if (post)
		qpair_ring_sq(q);
	return (int)n;
}

/*
 * What a poll with @max 0 reaps at most.  At a depth of hundreds QEMU's
 * controller takes every command it sees in one pass and posts their
 * completions together; reaping them all before resubmitting makes device
 * and host take turns on one batch, while resubmitting the first 128 lets
 * the device work on them as the rest is reaped (QD256 about 1.6x on an
 * idle host, README "Beside SPDK").  SPDK's PCIe poll stops at 128 too (and
 * at a quarter of a smaller queue, which cost it 3x at QD32 in a 33-entry
 * queue: not copied).
 */
#define NVD_POLL_MAX	128u

NVD_EXPORT int nvd_qpair_process_completions(struct nvd_qpair *qpair, uint32_t max)
{
	if (!qpair)
		return -EINVAL;
	/* NVMe/TCP: the one test on the PCIe poll's way (transport_ops.h) */
	if (__builtin_expect(qpair->tcp != NULL, 0))
		return qpair->ctrlr->transport->qpair_process_completions(qpair, max);
	return nvd__qpair_poll(qpair, max ? max : NVD_POLL_MAX);
}

NVD_EXPORT uint32_t nvd_qpair_outstanding(const struct nvd_qpair *qpair)
{
	if (qpair && qpair->tcp)
		return nvd__tcp_qpair_outstanding_of(qpair);
	return qpair ? nvd__qpair_outstanding(qpair) + qpair->nqueued : 0;
}

NVD_EXPORT int nvd_qpair_flush(struct nvd_qpair *qpair)
{
	if (!qpair)
		return -EINVAL;
	if (qpair->failed || ctrlr_is_failed(qpair->ctrlr))
		return -ENXIO;
	/* NVMe/TCP has no doorbell: a command is sent as it is submitted (or
	 * at the next poll, when the socket was full) */
	if (qpair->tcp)
		return 0;
	if (qpair->sq.tail != qpair->sq_db_val)
		qpair_ring_sq(qpair);
	return 0;
}

NVD_EXPORT int nvd_qpair_get_stats(const struct nvd_qpair *qpair, struct nvd_qpair_stats *stats)
{
	if (!qpair || !stats)
		return -EINVAL;
	*stats = qpair->stats;
	return 0;
}

NVD_EXPORT int nvd_qpair_uses_shadow_doorbells(const struct nvd_qpair *qpair)
{
	return qpair && qpair->sq_shadow ? 1 : 0;
}

/* ---- I/O queue pair lifetime ------------------------------------------- */

static int reserve_qid(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	uint16_t qid;
	int err = -ENOSPC;

	pthread_mutex_lock(&c->admin_lock);
	for (qid = 1; qid <= c->info.num_io_queues; qid++) {
		if (!c->ioq[qid]) {
			c->ioq[qid] = q;
			err = qid;
			break;
		}
	}
	pthread_mutex_unlock(&c->admin_lock);
	if (err < 0)
		nvd__set_detail("all %u I/O queues granted by the controller are in use",
			   c->info.num_io_queues);
	return err;
}

static void release_qid(struct nvd_ctrlr *c, uint16_t qid)
{
	pthread_mutex_lock(&c->admin_lock);
	c->ioq[qid] = NULL;
	pthread_mutex_unlock(&c->admin_lock);
}

/*
 * DMA memory one I/O queue pair may take by default: the rings (64 + 16
 * bytes an entry) and, when a transfer can need a PRP list, that list's
 * pages for every entry.  QEMU's controller (MDTS 7: one 4 KiB list page
 * per entry) thus gets 502 of its 2048 entries: enough that neither ring
 * fills at depths up to a few hundred, and an attach with one queue pair
 * and nvdirect-perf's buffers stay inside an ordinary user's ulimit -l of
 * 8 MiB.  All 2048 would take 8.2 MiB; ask for them with a qsize.
 */
#define IO_QUEUE_DEFAULT_DMA_BYTES	(2u << 20)

uint32_t nvd__io_qsize_max(const struct nvd_ctrlr *c, const char **limit)
{
	uint32_t max = c->info.mqes;
	uint64_t ring_max;

	*limit = "CAP.MQES";
	/* fabrics: no rings in DMA memory, Connect's SQSIZE is bounded by MQES alone */
	if (c->tcp)
		return max;
	ring_max = c->t->info.max_region_size / sizeof(struct nvme_cmd);
	/* a ring is one DMA region: physically contiguous (PC=1) */
	if (max > ring_max) {
		max = (uint32_t)ring_max;
		*limit = "largest DMA region";
	}
	return max;
}

uint32_t nvd__io_qsize_default(const struct nvd_ctrlr *c)
{
	const char *limit;
	uint32_t max = nvd__io_qsize_max(c, &limit), fit;
	size_t entry = sizeof(struct nvme_cmd) + sizeof(struct nvd_cpl) +
		       (size_t)nvd__prp_list_pages_needed(c->max_xfer) * NVME_PAGE_SIZE;

	if (c->opts.io_queue_size)
		return c->opts.io_queue_size;
	if (c->tcp)
		return max < NVD_TCP_IO_QSIZE_DEFAULT ? max : NVD_TCP_IO_QSIZE_DEFAULT;
	fit = (uint32_t)(IO_QUEUE_DEFAULT_DMA_BYTES / entry);
	if (fit < 2)
		fit = 2;
	return fit < max ? fit : max;
}

NVD_EXPORT int nvd_ctrlr_alloc_io_qpair(struct nvd_ctrlr *ctrlr, uint32_t qsize,
					struct nvd_qpair **qpair)
{
	struct nvd_io_qpair_opts opts;

	nvd_io_qpair_opts_init(&opts);
	opts.qsize = qsize;
	return nvd_ctrlr_alloc_io_qpair_opts(ctrlr, &opts, qpair);
}

NVD_EXPORT int nvd_ctrlr_alloc_io_qpair_opts(struct nvd_ctrlr *ctrlr,
					     const struct nvd_io_qpair_opts *opts,
					     struct nvd_qpair **qpair)
{
	uint32_t qsize, max_qsize;
	const char *limit;
	struct nvd_qpair *q;
	uint32_t nreqs;
	int qid, err;

	/* io_requests came later: callers built before it get the default */
	if (!ctrlr || !qpair || !opts ||
	    opts->opts_size < offsetof(struct nvd_io_qpair_opts, io_requests))
		return -EINVAL;
	nreqs = opts->opts_size >= offsetof(struct nvd_io_qpair_opts, io_requests) +
				   sizeof(opts->io_requests) ? opts->io_requests : 0;
	nvd__clear_detail();
	if (ctrlr_is_failed(ctrlr))
		return -ENXIO;
	qsize = opts->qsize;
	if (qsize == 0)
		qsize = nvd__io_qsize_default(ctrlr);
	max_qsize = nvd__io_qsize_max(ctrlr, &limit);
	if (qsize < 2 || qsize > max_qsize) {
		nvd__set_detail("queue size %u is outside 2..%u (%s)", qsize, max_qsize, limit);
		return -EINVAL;
	}

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	qid = reserve_qid(ctrlr, q);
	if (qid < 0) {
		err = qid;
		goto err_free;
	}
	err = ctrlr->transport->qpair_create(ctrlr, q, (uint16_t)qid, qsize, opts, nreqs);
	if (err)
		goto err_release;
	err = ctrlr->transport->qpair_connect(ctrlr, q);
	if (err)
		goto err_destroy;
	*qpair = q;
	return 0;

err_destroy:
	ctrlr->transport->qpair_destroy(q, false);
err_release:
	release_qid(ctrlr, (uint16_t)qid);
err_free:
	free(q);
	return err;
}

NVD_EXPORT int nvd_ctrlr_free_io_qpair(struct nvd_qpair *qpair)
{
	struct nvd_ctrlr *c;
	uint16_t qid;
	int err = 0;

	if (!qpair)
		return -EINVAL;
	c = qpair->ctrlr;
	qid = qpair->qid;
	nvd__clear_detail();
	err = c->transport->qpair_disconnect(c, qpair);
	c->transport->qpair_destroy(qpair, err != 0);
	release_qid(c, qid);
	free(qpair);
	return err;
}

/* ---- controller reset ---------------------------------------------------- */

void nvd__qpair_reset_rings(struct nvd_qpair *q)
{
	/* old entries carry phase 1, which the fresh ring would take as new */
	memset(q->cq_mem, 0, (size_t)q->cq.size * sizeof(struct nvd_cpl));
	sq_ring_init(&q->sq, q->sq_mem, q->sq.size);
	cq_ring_init(&q->cq, q->cq_mem, q->cq.size);
	q->sq_db_val = 0;
	q->empty_polls = 0;
	if (q->sq_shadow) {
		*q->sq_shadow = *q->cq_shadow = 0;
		*q->sq_ei = *q->cq_ei = 0;
	}
}
