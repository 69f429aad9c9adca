/* SPDX-License-Identifier: MIT */
/*
 * The NVMe over PCIe queue pair behind struct nvd_qpair *: trackers, the SQ
 * and CQ rings with their doorbells, PRP/SGL pages (qpair.c, iov.c), and
 * the fast-path inlines of submission.
 */
#ifndef NVD_PCIE_QPAIR_H
#define NVD_PCIE_QPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>

#include "core/io_hooks.h"
#include "core/nvme_spec.h"
#include "core/poll_adaptive.h"
#include "pcie/dma.h"
#include "pcie/prp.h"
#include "pcie/regs.h"
#include "pcie/ring.h"
#include "pcie/sgl.h"

struct nvd_ctrlr;
struct request;
struct nvd_tcp_qpair;

/*
 * One command slot.  Its CID is idx in the bits nvd_qpair.cid_mask covers
 * and a generation above them (qpair.c).  128 bytes, cache-line aligned:
 * indexing is a shift, the command copy is aligned.
 */
struct tracker {
	nvd_cmd_cb cb;			/* NULL: nobody waits any more */
	void *cb_arg;
	uint16_t cid;			/* of its command; the next generation once freed */
	uint16_t idx;			/* index into nvd_qpair.trackers */
	bool active;
	uint8_t retries;		/* resubmissions after a retryable status */
	uint16_t inject_status;		/* not 0: complete with this instead (io_hooks.c) */
	bool timed_out;			/* the timeout callback has run for it */
	bool held;			/* injected do_not_submit: never sent */
	uint32_t held_polls;		/* polls until a held command completes */
	uint64_t submit_us;		/* when a timeout callback is registered */
	struct prp_list_page *prp;	/* this tracker's list pages */
	struct nvme_cmd cmd;		/* what was submitted, for a retry */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct tracker) == 128, "a tracker is two cache lines");

/* Queue pair hook bits: any set sends submission and completion the slow way. */
#define QP_HOOK_INJECT		(1u << 0)	/* an error injection is armed */
#define QP_HOOK_TIMEOUT		(1u << 1)	/* a timeout callback is registered */
#define QP_HOOK_QUEUED		(1u << 2)	/* requests wait in the FIFO */
/* Why nvd_qpair.no_fast sends reads and writes off the fast path. */
#define QP_NO_FAST_NO_IO	(1u << 0)	/* admin queue, or failed: refused */
#define QP_NO_FAST_HOOKS	(1u << 1)	/* injection or timeouts armed */
#define QP_NO_FAST_RESET	(1u << 2)	/* controller reset: new I/O waits in the FIFO */
#define QP_NO_FAST_TCP		(1u << 3)	/* an NVMe/TCP queue pair (tcp/transport.c) */

/* Error injection (nvd_qpair_inject_error), one per opcode. */
struct inject_rule {
	uint8_t opc;			/* 0: any */
	bool do_not_submit;
	uint16_t status;		/* sct/sc in CQE status position, DNR included */
	uint32_t count;			/* commands still to hit; 0: slot unused */
	uint32_t timeout_polls;		/* do_not_submit: polls until it completes */
};
#define QP_INJECT_RULES		4

struct nvd_qpair {
	struct nvd_ctrlr *ctrlr;
	uint16_t qid;			/* 0 = admin */
	struct sq_ring sq;
	struct cq_ring cq;
	volatile uint32_t *sq_db;
	volatile uint32_t *cq_db;
	void *sq_mem;
	void *cq_mem;
	uint64_t sq_bus;
	uint64_t cq_bus;

	struct tracker *trackers;
	uint32_t ntrackers;		/* size - 1: what the SQ can hold */
	uint16_t *free_cids;		/* stack of free tracker indices */
	uint32_t nfree;
	uint16_t cid_mask;		/* CID bits holding the tracker index */

	void *prp_mem;			/* ntrackers * prp_per_tracker pages */
	struct prp_list_page *prp_pages;
	unsigned prp_per_tracker;
	struct sgl_seg_page *sgl_pages;	/* prp_pages seen as SGL segment pages */
#define TRACKER_SGL(q, tr)	(&(q)->sgl_pages[(size_t)(tr)->idx * (q)->prp_per_tracker])
	bool sgl;			/* SGLs instead of PRP lists (SGLS, not FORCE_PRP) */
	bool sgl_dword;			/* SGLS 10b: Data Blocks dword aligned */

	/* requests (request.c): a pool, and a FIFO of those waiting for a tracker */
	struct request *reqs;
	uint32_t nreqs;
	uint32_t nreqs_free;
	struct request *req_free;
	struct request *queued_head, *queued_tail;
	uint32_t nqueued;
	/* DSM range pages: DMA memory for Dataset Management ranges */
	struct prp_list_page dsm_pages[16];
	void *dsm_mem;
	uint16_t dsm_free;		/* bitmap of free pages */

	uint32_t hooks;			/* QP_HOOK_*: 0 on the fast path */
	uint8_t max_retries;		/* nvd_ctrlr_opts.retry_count; 0 on the admin queue */
	struct inject_rule inject[QP_INJECT_RULES];
	struct request *injected;	/* do_not_submit: completed at the next poll */
	uint32_t timeout_polls;		/* polls since the last timeout scan */

	uint32_t empty_polls;
	bool failed;			/* completions can no longer arrive */
	uint8_t no_fast;		/* QP_NO_FAST_*: reads/writes take the slow path */
	bool on_device;			/* created with admin commands */
	bool delay_submit;		/* SQ doorbell later, not per command: now or in a poll */
	bool delay_opt;			/* NVD_CTRLR_DELAY_CMD_SUBMIT: delay_submit outside polls */

	uint32_t sq_db_val;		/* SQ tail last told to the controller */
	/* shadow doorbell and EventIdx entries (Doorbell Buffer Config), or NULL */
	volatile uint32_t *sq_shadow, *sq_ei, *cq_shadow, *cq_ei;
	struct nvd_qpair_stats stats;
	struct dma_span_cache span_cache;	/* last buffer's span (ns_rw) */

	bool intr;			/* interrupt mode: CQ has IEN=1 (intr.c) */
	uint16_t iv;			/* its MSI-X vector */
	int intr_fd;			/* eventfd the vector signals */
	bool intr_masked;		/* the vector is masked (intr.c) */
	bool intr_nomask;		/* the module cannot mask: never try again */
	struct adaptive adaptive;	/* nvd_qpair_wait() (poll_adaptive.c) */
	/*
	 * NVMe/TCP: the queue pair that does the work (tcp/qpair.c), NULL on
	 * PCIe.  None of the rings, trackers or requests above are used then;
	 * the public entry points test this once and go to tcp/transport.c.
	 */
	struct nvd_tcp_qpair *tcp;
};

/* ---- qpair.c ---------------------------------------------------------- */
/* Largest I/O queue (CAP.MQES+1, a ring in one DMA region); *@limit says which bound. */
uint32_t nvd__io_qsize_max(const struct nvd_ctrlr *c, const char **limit);
/* Entries of an I/O queue asked for with qsize 0 (nvd_ctrlr_opts.io_queue_size). */
uint32_t nvd__io_qsize_default(const struct nvd_ctrlr *c);
/* Rings, trackers and PRP pages in DMA memory; no commands are sent. */
int nvd__qpair_construct(struct nvd_qpair *q, struct nvd_ctrlr *c, uint16_t qid,
		    uint32_t qsize, uint32_t max_xfer);
void nvd__qpair_destruct(struct nvd_qpair *q);
/* A free tracker or NULL when the queue is full. */
static inline struct tracker *qpair_get_tracker(struct nvd_qpair *q)
{
	struct tracker *tr;

	if (__builtin_expect(!q->nfree || sq_ring_full(&q->sq), 0))
		return NULL;
	tr = &q->trackers[q->free_cids[--q->nfree]];
	tr->active = true;
	return tr;
}

static inline void qpair_put_tracker(struct nvd_qpair *q, struct tracker *tr)
{
	/* cb and cb_arg are set again by the next qpair_commit() */
	tr->active = false;
	/* next generation: a late completion or Abort for this command no longer matches */
	tr->cid = (uint16_t)(tr->cid + q->cid_mask + 1u);
	q->free_cids[q->nfree++] = tr->idx;
}

/* The outstanding tracker whose command carries @cid, or NULL: a stale or unknown CID. */
static inline struct tracker *qpair_cid_tracker(struct nvd_qpair *q, uint16_t cid)
{
	/* cid_mask + 1 trackers exist; those past ntrackers are never active */
	struct tracker *tr = &q->trackers[cid & q->cid_mask];

	if (__builtin_expect(tr->cid != cid || !tr->active, 0))
		return NULL;
	return tr;
}
/* PRPs for @buf into @cmd using @tr's list pages. */
int nvd__qpair_map_data(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		   void *buf, size_t len);
/* Place @cmd (cid filled in here) and ring the SQ doorbell. */
void nvd__qpair_submit(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		  nvd_cmd_cb cb, void *cb_arg);
/* Tell the controller about the SQ tail: shadow and/or register. */
static inline void qpair_ring_sq(struct nvd_qpair *q)
{
	uint32_t old = q->sq_db_val, v = q->sq.tail;

	q->sq_db_val = v;
	if (q->sq_shadow) {
		q->stats.sq_shadow_writes++;
		if (!shadow_doorbell_write(q->sq_shadow, q->sq_ei, old, v))
			return;
	}
	q->stats.sq_doorbell_writes++;
	doorbell_write(q->sq_db, v);
}
/*
 * io_hooks.c, at submission when q->hooks is set: note the submit time;
 * returns true when an injected error keeps the command from being sent.
 */
bool nvd__qpair_submit_hooks(struct nvd_qpair *q, struct tracker *tr);
/*
 * Submit the command the caller built in place at sq_ring_slot(): set its
 * cid, advance the tail, ring unless submission is delayed.
 */
static inline __attribute__((always_inline)) void
qpair_commit_common(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd, nvd_cmd_cb cb,
		    void *cb_arg, bool hooks)
{
	tr->cb = cb;
	tr->cb_arg = cb_arg;
	cmd->cid = tr->cid;
	/* kept for a retry: the SQ slot may be reused before the completion */
	tr->cmd = *cmd;
	/* error injection or timeouts armed: one predictable branch otherwise */
	if (hooks && __builtin_expect(q->hooks != 0, 0) && nvd__qpair_submit_hooks(q, tr))
		return;
	sq_ring_advance(&q->sq);
	if (!q->delay_submit)
		qpair_ring_sq(q);
}

static inline void qpair_commit(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
				nvd_cmd_cb cb, void *cb_arg)
{
	qpair_commit_common(q, tr, cmd, cb, cb_arg, true);
}

/* qpair_commit() for a caller that checked q->no_fast (so no hooks are armed). */
static inline void qpair_commit_fast(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
				     nvd_cmd_cb cb, void *cb_arg)
{
	qpair_commit_common(q, tr, cmd, cb, cb_arg, false);
}

/* Keep q->no_fast in step with the injection and timeout hooks. */
static inline void qpair_hooks_changed(struct nvd_qpair *q)
{
	if (q->hooks & (QP_HOOK_INJECT | QP_HOOK_TIMEOUT))
		q->no_fast |= QP_NO_FAST_HOOKS;
	else
		q->no_fast &= (uint8_t)~QP_NO_FAST_HOOKS;
}
/* nvd__prp_build() into @tr's list pages, for transfers beyond two pages. */
int nvd__qpair_map_list(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		   const struct dma_span *s, const void *buf, size_t len);
/*
 * PRPs for [buf, buf + len) inside span @s (dword aligned).  Spans are
 * 4 KiB aligned on both sides, so one or two pages are table lookups.
 */
static inline int qpair_map_span(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
				 const struct dma_span *s, const void *buf, size_t len)
{
	size_t first = NVME_PAGE_SIZE - ((uintptr_t)buf & (NVME_PAGE_SIZE - 1));

	if (__builtin_expect(len <= first + NVME_PAGE_SIZE && !((uintptr_t)buf & 3), 1)) {
		cmd->prp1 = dma_span_bus(s, buf);
		cmd->prp2 = len <= first ? 0 : dma_span_bus(s, (const uint8_t *)buf + first);
		return 0;
	}
	return nvd__qpair_map_list(q, tr, cmd, s, buf, len);
}
int nvd__qpair_poll(struct nvd_qpair *q, uint32_t max);
/*
 * Complete every outstanding command, every queued request and every split
 * transfer with an aborted status, each callback exactly once.
 */
void nvd__qpair_abort_all(struct nvd_qpair *q);
/*
 * Complete every command sent with an aborted status, each callback once;
 * the FIFO stays (a reset sends it to the new queues).
 */
void nvd__qpair_abort_sent(struct nvd_qpair *q);
uint32_t nvd__qpair_outstanding(const struct nvd_qpair *q);
/*
 * After a controller reset: both rings empty (indexes, phase, CQ memory,
 * sq_db_val, shadow doorbell and EventIdx entries zeroed) in the same
 * memory.  Trackers are not touched.
 */
void nvd__qpair_reset_rings(struct nvd_qpair *q);

/* ---- iov.c ------------------------------------------------------------ */
/* PRPs or an SGL for a readv/writev piece from the caller's element list. */
int nvd__req_map_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		struct request *r);
/* An SGL for [buf, buf + len) inside span @s (contiguous I/O beyond two pages). */
int nvd__qpair_map_span_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		       const struct dma_span *s, const void *buf, size_t len);

/* ---- queue_cmds.c ---------------------------------------------------- */
/* The admin commands that create and delete the I/O queues on the device. */
int nvd__admin_create_io_cq(struct nvd_ctrlr *c, struct nvd_qpair *q);
int nvd__admin_create_io_sq(struct nvd_ctrlr *c, struct nvd_qpair *q);
int nvd__admin_delete_io_sq(struct nvd_ctrlr *c, uint16_t qid);
int nvd__admin_delete_io_cq(struct nvd_ctrlr *c, uint16_t qid);
int nvd__admin_dbbuf_config(struct nvd_ctrlr *c, uint64_t dbs_bus, uint64_t eis_bus);

#endif /* NVD_PCIE_QPAIR_H */
