/* SPDX-License-Identifier: MIT */
/*
 * Library internals: the objects behind the public opaque handles and the
 * calls the files of lib/ make to each other.  Nothing here is exported
 * (the library is built with -fvisibility=hidden); unit tests link the
 * static library and may use these to build objects over fake memory.
 */
#ifndef NVD_INTERNAL_H
#define NVD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>

#include "pcie/dma.h"
#include "core/nvme_spec.h"
#include "core/poll_adaptive.h"
#include "pcie/prp.h"
#include "pcie/ring.h"
#include "pcie/sgl.h"
#include "pcie/pci_backend.h"

#define NVD_EXPORT __attribute__((visibility("default")))

/* Library-side cap on one transfer when the controller reports no MDTS. */
#define NVD_MAX_XFER_CAP	(2u * 1024 * 1024)
/* NLB is a 16-bit 0-based field. */
#define NVD_MAX_NLB		65536u
#define NVD_ADMIN_TIMEOUT_MS	10000u
#define NVD_CTRLR_FLAGS_ALL	(NVD_CTRLR_DELAY_CMD_SUBMIT | NVD_CTRLR_NO_SHADOW_DOORBELLS | \
				 NVD_CTRLR_FORCE_PRP)
/* Events kept between nvd_ctrlr_process_admin_completions() calls. */
#define NVD_AER_PENDING		16
/* AERs kept outstanding at most (and never more than half the admin queue). */
#define NVD_AER_MAX		4u
/* Empty polls between CSTS checks while commands are outstanding. */
#define NVD_ALIVE_CHECK_POLLS	1024u

struct nvd_ctrlr;
struct request;

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

/*
 * An I/O the library holds on to (request.c): one that waits for a free
 * tracker in the queue pair's FIFO, one piece of a split transfer, the
 * parent of a split, or a command whose completion frees something (DSM
 * range page).  Taken from a per-qpair pool of nvd_io_qpair_opts.io_requests.
 */
struct request {
	struct request *next;		/* FIFO or free list */
	struct nvd_qpair *qp;
	struct nvme_cmd cmd;		/* data pointers filled at submission */
	void *buf;			/* data, or NULL */
	uint32_t len;
	nvd_cmd_cb cb;			/* the caller's; NULL for a split child */
	void *cb_arg;
	struct request *parent;		/* split child: the request it is a piece of */
	uint32_t children;		/* parent: pieces not yet complete */
	struct nvd_cpl cpl;		/* parent: first error, else last completion */
	int16_t dsm_page;		/* index of its DSM range page, or -1 */
	/* readv/writev: the caller's scatter-gather list */
	nvd_req_reset_sgl_cb reset_sgl;
	nvd_req_next_sge_cb next_sge;
	uint32_t sgl_offset;		/* byte offset of this piece in the list (< 4 GiB: reset_sgl's) */
	bool use_sgl;			/* the list breaks PRP rules: an SGL describes it */
};

/* Queue pair hook bits: any set sends submission and completion the slow way. */
#define QP_HOOK_INJECT		(1u << 0)	/* an error injection is armed */
#define QP_HOOK_TIMEOUT		(1u << 1)	/* a timeout callback is registered */
#define QP_HOOK_QUEUED		(1u << 2)	/* requests wait in the FIFO */
/* Why nvd_qpair.no_fast sends reads and writes off the fast path. */
#define QP_NO_FAST_NO_IO	(1u << 0)	/* admin queue, or failed: refused */
#define QP_NO_FAST_HOOKS	(1u << 1)	/* injection or timeouts armed */
#define QP_NO_FAST_RESET	(1u << 2)	/* controller reset: new I/O waits in the FIFO */

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
	struct adaptive adaptive;	/* nvd_qpair_wait() (poll_adaptive.c) */
};

struct nvd_ns {
	struct nvd_ctrlr *ctrlr;
	uint32_t nsid;
	uint32_t sector_size;
	uint32_t sector_shift;		/* log2(sector_size) */
	uint64_t num_sectors;
	uint32_t md_size;		/* metadata bytes per LBA of the active format */
	uint32_t max_io_sectors;
	uint32_t io_max_sectors;	/* max_io_sectors, or 0 when I/O is not supported */
	bool io_supported;
	struct nvd_id_ns id;
};

struct nvd_ctrlr {
	struct pci_backend *t;
	volatile uint8_t *bar;
	struct nvd_ctrlr_opts opts;
	struct nvd_ctrlr_info info;
	uint64_t cap;
	uint32_t ready_timeout_ms;	/* CAP.TO */
	uint32_t max_xfer;		/* effective: MDTS or NVD_MAX_XFER_CAP */

	struct dma_pool dma;
	pthread_mutex_t admin_lock;
	struct nvd_qpair adminq;
	void *id_buf;			/* 4 KiB DMA scratch for Identify */
	struct nvd_id_ctrl id;

	struct nvd_ns *ns;		/* active namespaces, ascending nsid */
	uint32_t num_ns;

	struct nvd_qpair **ioq;		/* [1..num_io_queues] by qid */
	/* Doorbell Buffer Config: shadow doorbells and EventIdx, NULL if unused */
	uint32_t *dbbuf_dbs;
	uint32_t *dbbuf_eis;
	uint32_t dbbuf_queues;		/* queues (qid 0..n-1) the buffers cover */
	int failed;			/* atomic: controller is gone */
	int fatal;			/* atomic: CSTS.CFS seen; 1 stopping it, 2 stopped */
	bool enabled;

	/* nvd_ctrlr_register_timeout_callback() (io_hooks.c) */
	nvd_timeout_cb timeout_cb;
	void *timeout_arg;
	uint64_t io_timeout_us;
	uint64_t admin_timeout_us;
	/* Asynchronous Event Requests (aer.c) */
	nvd_aer_cb aer_cb;
	void *aer_cb_arg;
	uint32_t aer_max;		/* AERs the library keeps outstanding */
	uint32_t aer_outstanding;
	bool aer_stop;			/* reset or detach: do not re-arm */
	struct nvd_cpl aer_pending[NVD_AER_PENDING];	/* events not yet delivered */
	uint32_t aer_npending;
	uint64_t aer_dropped;		/* events lost to a full aer_pending */
	char fail_reason[160];		/* why a reset left the controller failed */
	uint32_t quirks;		/* NVD_QUIRK_* (quirks.c) */
	uint32_t quirk_rdy_delay_ms;	/* NVD_QUIRK_DELAY_BEFORE_CHK_RDY */
};

/* ---- error.c ---------------------------------------------------------- */
/* Record words for the thread's last failure (read by nvd_last_error()). */
void nvd__set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nvd__clear_detail(void);
/* Debug trace to stderr when NVDIRECT_DEBUG is set. */
void nvd__dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- quirks.c --------------------------------------------------------- */
/* Wait rdy_delay_ms after changing CC.EN before the first look at CSTS.RDY. */
#define NVD_QUIRK_DELAY_BEFORE_CHK_RDY	(1u << 0)
/* Identify CNS 02h (active namespace list) unsupported: probe NSIDs 1..NN. */
#define NVD_QUIRK_NO_ACTIVE_NS_LIST	(1u << 1)
/* Never send Doorbell Buffer Config, even when OACS offers it. */
#define NVD_QUIRK_NO_SHADOW_DOORBELLS	(1u << 2)
struct nvd_quirk {
	uint16_t vendor, device;	/* PCI IDs */
	uint32_t flags;			/* NVD_QUIRK_* */
	uint32_t rdy_delay_ms;
};
/* The table entry for a PCI function, or NULL. */
const struct nvd_quirk *nvd__quirk_lookup(uint16_t vendor, uint16_t device);

/* ---- ctrlr.c ---------------------------------------------------------- */
/* Set up @c over an open transport: reads CAP/VS, no other device access. */
int nvd__ctrlr_construct(struct nvd_ctrlr *c, struct pci_backend *t,
		    const struct nvd_ctrlr_opts *opts);
void nvd__ctrlr_destruct(struct nvd_ctrlr *c);
/* ---- ctrlr_init.c ----------------------------------------------------- */
/* nvd_ctrlr_attach() and nvd_ctrlr_attach_async() over any transport. */
int nvd__ctrlr_attach_backend(const char *bdf, const struct pci_backend_ops *ops,
			   const struct nvd_ctrlr_opts *opts, struct nvd_ctrlr **ctrlr);
int nvd__ctrlr_attach_backend_async(const char *bdf, const struct pci_backend_ops *ops,
				 const struct nvd_ctrlr_opts *opts, struct nvd_attach_ctx **ctx);

/* false (and the controller marked failed) when CSTS reads all ones. */
bool nvd__ctrlr_check_alive(struct nvd_ctrlr *c);
/*
 * Shadow doorbell and EventIdx buffers for queues 0..@nqueues-1 in DMA
 * memory (c->dbbuf_*); the Doorbell Buffer Config command is not sent.
 */
int nvd__ctrlr_dbbuf_alloc(struct nvd_ctrlr *c, uint32_t nqueues);
void nvd__ctrlr_mark_failed(struct nvd_ctrlr *c);
/*
 * CSTS.CFS seen: the first caller disables the controller (so that nothing
 * it still does reaches host memory) and marks it fatal; commands then come
 * back aborted until nvd_ctrlr_reset() brings it back.
 */
void nvd__ctrlr_note_fatal(struct nvd_ctrlr *c);
static inline bool ctrlr_is_fatal(const struct nvd_ctrlr *c)
{
	return __atomic_load_n(&c->fatal, __ATOMIC_ACQUIRE) == 2;
}
static inline bool ctrlr_is_failed(const struct nvd_ctrlr *c)
{
	return __atomic_load_n(&c->failed, __ATOMIC_ACQUIRE) != 0;
}
uint64_t nvd__now_ms(void);
void nvd__sleep_ms(unsigned ms);
/* Defaults, then the caller's options as far as its opts_size reaches. */
void nvd__ctrlr_fill_opts(struct nvd_ctrlr_opts *o, const struct nvd_ctrlr_opts *user);
/*
 * Before freeing memory: normal shutdown if @shutdown and it works, else
 * disable.  true when the controller is known to be stopped (or was never
 * enabled); false when it may still reach host memory.
 */
bool nvd__ctrlr_quiesce(struct nvd_ctrlr *c, bool shutdown);
/*
 * Free @c's resources and close its transport (not @c itself).  @stopped
 * (nvd__ctrlr_quiesce()'s answer) frees DMA memory region by region first;
 * otherwise the transport is closed first and its release frees them.
 */
void nvd__ctrlr_release(struct nvd_ctrlr *c, bool stopped);
/* Admin queue registers and CC with EN = 1; nothing waited for. */
void nvd__ctrlr_enable_start(struct nvd_ctrlr *c);
/* Identify Controller data is in c->id: fill c->info and the transfer limit. */
int nvd__ctrlr_identify_done(struct nvd_ctrlr *c);
/* I/O queues to ask Set Features Number of Queues for (0: none fit in BAR0). */
uint16_t nvd__ctrlr_io_queues_wanted(const struct nvd_ctrlr *c);
int nvd__ctrlr_io_queues_granted(struct nvd_ctrlr *c, uint16_t granted);
/* Shadow doorbell buffers allocated if they are to be used (options, quirks, OACS). */
bool nvd__ctrlr_dbbuf_prepare(struct nvd_ctrlr *c);
void nvd__ctrlr_dbbuf_free(struct nvd_ctrlr *c);
/* Poll CSTS until (CSTS & mask) == want, within timeout_ms; @what names the wait. */
int nvd__ctrlr_wait_csts(struct nvd_ctrlr *c, uint32_t mask, uint32_t want, uint32_t timeout_ms,
		    const char *what);
/* CC.EN = 0 and wait for CSTS.RDY = 0 (first RDY = 1 if enabling is under way). */
int nvd__ctrlr_disable(struct nvd_ctrlr *c);
/* Admin queue registers, CC.EN = 1, wait for CSTS.RDY = 1 (Base 2.0 §3.5.1). */
int nvd__ctrlr_enable(struct nvd_ctrlr *c);
/*
 * Bus addresses of the shadow doorbell and EventIdx buffers for Doorbell
 * Buffer Config: 0, or -EINVAL with words (never address 0 to the device).
 */
int nvd__ctrlr_dbbuf_bus(struct nvd_ctrlr *c, uint64_t *dbs_bus, uint64_t *eis_bus);
/* Shadow doorbell buffers to the controller again (after a reset): 0 or -errno. */
int nvd__ctrlr_dbbuf_config(struct nvd_ctrlr *c);

/* ---- aer.c ------------------------------------------------------------ */
/* Arm min(AERL + 1, NVD_AER_MAX) AERs; caller holds admin_lock.  0 or -errno. */
int nvd__ctrlr_aer_start(struct nvd_ctrlr *c);
/* Stop re-arming; outstanding AERs are left to the reset or shutdown to drop. */
void nvd__ctrlr_aer_stop(struct nvd_ctrlr *c);
/* Set Features Asynchronous Event Configuration: all the events the controller offers. */
int nvd__ctrlr_aer_configure(struct nvd_ctrlr *c);

/* ---- admin.c ---------------------------------------------------------- */
/*
 * Submit @cmd on the admin queue and poll until it completes or
 * @timeout_ms passes.  @buf (DMA memory, may be NULL) gets PRPs.  Returns 0,
 * -EIO with *cpl holding the failed status, -ETIMEDOUT or -ENXIO; @what
 * names the command in the error detail.
 */
int nvd__admin_sync(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
	       uint32_t timeout_ms, const char *what, struct nvd_cpl *cpl);
int nvd__admin_identify(struct nvd_ctrlr *c, uint8_t cns, uint32_t nsid, void *out);
int nvd__admin_set_num_queues(struct nvd_ctrlr *c, uint16_t want, uint16_t *granted);
int nvd__admin_create_io_cq(struct nvd_ctrlr *c, struct nvd_qpair *q);
int nvd__admin_create_io_sq(struct nvd_ctrlr *c, struct nvd_qpair *q);
int nvd__admin_delete_io_sq(struct nvd_ctrlr *c, uint16_t qid);
int nvd__admin_delete_io_cq(struct nvd_ctrlr *c, uint16_t qid);
int nvd__admin_dbbuf_config(struct nvd_ctrlr *c, uint64_t dbs_bus, uint64_t eis_bus);

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

/* ---- request.c -------------------------------------------------------- */
/* Replace @q's request pool by one of @n (0: 4 x trackers); none may be in use. */
int nvd__qpair_alloc_requests(struct nvd_qpair *q, uint32_t n);
void nvd__qpair_free_requests(struct nvd_qpair *q);
/* Submit queued requests while trackers are free. */
void nvd__qpair_drain(struct nvd_qpair *q);
/* Complete @r (never sent, or its tracker gone) with @cpl. */
void nvd__req_complete(struct request *r, const struct nvd_cpl *cpl);
/* Take @q's FIFO: the caller completes what it held. */
struct request *nvd__qpair_take_queued(struct nvd_qpair *q);
struct request *nvd__req_get(struct nvd_qpair *q);
void nvd__req_put(struct nvd_qpair *q, struct request *r);
/* Send @r now if nothing waits and a tracker is free, else append it to the FIFO. */
void nvd__qpair_queue_req(struct nvd_qpair *q, struct request *r);
/*
 * Send @cmd with @len bytes at @buf (already validated DMA memory, or
 * NULL): straight to the SQ when possible, else as a queued request.
 */
int nvd__qpair_submit_cmd(struct nvd_qpair *q, const struct nvme_cmd *cmd, void *buf, uint32_t len,
		     nvd_cmd_cb cb, void *cb_arg);
/*
 * @count LBAs from @lba as pieces of at most @max LBAs: @tmpl gives opcode,
 * nsid and CDW12 flags; @buf (or NULL) advances by piece << @shift.  With
 * reset_sgl/next_sge the data is the caller's list instead, described by an
 * SGL when @use_sgl.  -ENOMEM (with words) when the pool cannot hold all
 * pieces; -EINVAL (with words) when a piece with data passes 4 GiB, or a
 * vectored one starts past it.  @count << @shift must fit 64 bits.
 */
int nvd__qpair_submit_split(struct nvd_qpair *q, const struct nvme_cmd *tmpl, void *buf,
		       unsigned shift, uint64_t lba, uint64_t count, uint32_t max, nvd_cmd_cb cb,
		       void *cb_arg, nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge,
		       bool use_sgl);
/* ---- iov.c ------------------------------------------------------------ */
/* PRPs or an SGL for a readv/writev piece from the caller's element list. */
int nvd__req_map_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		struct request *r);
/* An SGL for [buf, buf + len) inside span @s (contiguous I/O beyond two pages). */
int nvd__qpair_map_span_sgl(struct nvd_qpair *q, struct tracker *tr, struct nvme_cmd *cmd,
		       const struct dma_span *s, const void *buf, size_t len);

/* DSM range pages of @q: one free page's index, or -1. */
int nvd__qpair_get_dsm_page(struct nvd_qpair *q);

/* ---- io_hooks.c ------------------------------------------------------- */
/*
 * A completion with an error status or with hooks set: applies an injected
 * status, resubmits a retryable one, or frees the tracker, hands it to the
 * oldest queued request and runs the callback.
 */
void nvd__qpair_complete_slow(struct nvd_qpair *q, struct tracker *tr, struct nvd_cpl *cpl);
/* Once per poll with hooks set: held injected commands, timeout scans, drain. */
void nvd__qpair_poll_hooks(struct nvd_qpair *q);
/* Retryable statuses (documented at nvd_ctrlr_opts.retry_count). */
bool nvd__status_is_retryable(uint16_t status);
/* Microseconds from a coarse monotonic clock (vDSO, no syscall). */
uint64_t nvd__now_us_coarse(void);

/* ---- intr.c ---------------------------------------------------------- */
/*
 * Interrupt mode for @q (constructed, not yet created on the device): an
 * eventfd and the MSI-X vector routed to it.  Vector = qid; vector 0 is the
 * admin queue's, which is polled.
 */
int nvd__qpair_intr_enable(struct nvd_qpair *q);
/* Unroute and close; after the CQ is deleted.  No-op when polled. */
void nvd__qpair_intr_disable(struct nvd_qpair *q);
/* Create I/O CQ CDW11 bits for @q's interrupts: IEN and IV, or 0. */
uint32_t nvd__qpair_cq_intr_bits(const struct nvd_qpair *q);

/* ---- ns.c ------------------------------------------------------------- */
void nvd__ns_construct(struct nvd_ns *ns, struct nvd_ctrlr *c, uint32_t nsid,
		  const struct nvd_id_ns *id);
#define NVD_IO_FLAGS	(NVD_IO_FLAG_FUA | NVD_IO_FLAG_LIMITED_RETRY)
/* Words for why @ns cannot do I/O (io_supported == 0): format, metadata or MDTS. */
void nvd__ns_refuse_detail(const struct nvd_ns *ns, const char *what);
/* @ns and @q fit together, work, and @ns can do I/O: 0 or -errno with words. */
int nvd__ns_check_qp(struct nvd_ns *ns, struct nvd_qpair *q, const char *what);
/*
 * Arguments of an I/O command on @ns through @q: 0, or a negative errno
 * with words naming the value and the limit (@what names the command).
 */
int nvd__ns_check_io(struct nvd_ns *ns, struct nvd_qpair *q, const char *what, uint64_t lba,
		uint64_t count, uint32_t flags, uint32_t known_flags);
/* @len bytes at @buf are DMA or registered memory, dword aligned. */
int nvd__ns_check_buf(struct nvd_qpair *q, const void *buf, size_t len);

/* ---- sysfs.c ---------------------------------------------------------- */
/* "00:03.0" or "0000:00:03.0" into "0000:00:03.0"; -EINVAL if malformed. */
int nvd__bdf_normalize(const char *in, char out[NVD_BDF_LEN]);
/* nvd_list_bound() over any directory (tests point it elsewhere). */
int nvd__list_bound_in(const char *dir, char (*bdfs)[NVD_BDF_LEN], int max);

#endif /* NVD_INTERNAL_H */
