/* SPDX-License-Identifier: MIT */
/*
 * The transport ops table: what a transport provides to the core
 * (controller state machine, admin commands, namespaces, requests,
 * retries, timeouts, reset), in the shape of SPDK's
 * spdk_nvme_transport_ops.  Selected by the transport ID
 * (<nvdirect/trid.h>): PCIe (lib/pcie/transport.c) and TCP
 * (lib/tcp/transport.c).  The controller holds its table in
 * nvd_ctrlr.transport.
 *
 * Every pointer is called by the core, for both transports (NULL only
 * where said below):
 *
 *  ctrlr_construct   nvd_ctrlr_connect() (core/connect.c) picks the table
 *                    by trid->trtype and calls it: PCIe attaches the
 *                    function at traddr (as nvd_ctrlr_attach()), TCP opens
 *                    the admin connection; both then run the core's
 *                    initialisation (core/ctrlr_init.c).
 *  ctrlr_destruct    nvd__ctrlr_release(), at detach or a failed attach.
 *  ctrlr_enable      AQA/ASQ/ACQ (PCIe), nothing (TCP) before CC.EN = 1.
 *  ctrlr_reset       NULL on PCIe: the core's reset (core/reset.c); TCP
 *                    makes a new association instead.
 *  get/set_reg_4/8   every register the state machine, shutdown,
 *                    fatal-status handling and reset touch (CAP, VS, CC,
 *                    CSTS: core/ctrlr.h's ctrlr_get_reg4() ...).
 *  max_xfer_size     bounds c->max_xfer with MDTS (core/ctrlr.c): the
 *                    largest command a split sends (the core's on PCIe,
 *                    tcp_split() in tcp/transport.c on TCP).
 *  qpair_create,     nvd_ctrlr_alloc_io_qpair*() and nvd_ctrlr_free_io_qpair()
 *  qpair_destroy     (pcie/qpair.c) around qpair_connect/qpair_disconnect.
 *  qpair_connect,    allocation, free and a reset's recreation; the
 *  qpair_disconnect  deletion of every I/O queue at the start of a PCIe
 *                    reset goes through qpair_disconnect too.
 *  qpair_process_completions
 *                    TCP only; PCIe's I/O path is direct for speed.
 *
 * Fast path, by design: the PCIe submit and completion paths are not
 * reached through these pointers.  The I/O calls go straight to
 * pcie/qpair.h's inlines and nvd__qpair_poll() (no indirect call per I/O,
 * as SPDK's PCIe path).  TCP is reached by testing the queue pair's tcp
 * member once: in nvd_qpair_process_completions() (then through
 * qpair_process_completions), and for reads and writes in ns_rw_slow(),
 * where QP_NO_FAST_TCP in no_fast sends them (the fast path's existing
 * test, no new one); admin commands test c->tcp in admin_sync_locked().
 * There is no submit pointer: a TCP command is a capsule built from the
 * caller's arguments (tcp/transport.h), not a PCIe request.
 * scripts/bench-ipo.sh keeps the count.
 */
#ifndef NVD_CORE_TRANSPORT_OPS_H
#define NVD_CORE_TRANSPORT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

struct nvd_ctrlr;
struct nvd_qpair;
struct nvd_io_qpair_opts;

struct nvd_transport_ops {
	const char *name;		/* "PCIe", "TCP": as in the TRID */
	enum nvd_trtype trtype;

	/* ---- controller ---- */
	/*
	 * Reach the controller @trid names, initialise it (CC.EN = 1,
	 * Identify, I/O queue count, namespaces) and return it in *@ctrlr:
	 * PCIe opens /dev/nvdirectN and maps BAR0; TCP connects the admin
	 * queue (ICReq/ICResp, Connect QID 0, CNTLID FFFFh).  A negative
	 * errno with words, nothing left allocated, when it fails.
	 */
	int (*ctrlr_construct)(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
			       struct nvd_ctrlr **ctrlr);
	/*
	 * Make the admin queue usable before CC.EN=1: PCIe writes AQA,
	 * ASQ, ACQ; TCP has the connection construct opened.
	 */
	int (*ctrlr_enable)(struct nvd_ctrlr *c);
	/*
	 * Free @c's transport part and @c's memory (not @c itself).
	 * @stopped: the controller no longer touches host memory (PCIe
	 * frees its DMA memory now, else leaves it to the module).
	 */
	void (*ctrlr_destruct)(struct nvd_ctrlr *c, bool stopped);
	/* NULL: the core's reset (core/reset.c); else the transport's own. */
	int (*ctrlr_reset)(struct nvd_ctrlr *c);

	/*
	 * Controller registers (Base 2.0 §3.1.3): MMIO on PCIe, Property
	 * Get/Set on fabrics (which can fail: -ECONNRESET, -ETIMEDOUT).
	 * The core's state machine (CC.EN, CSTS.RDY, shutdown) uses only
	 * these.  Offsets are NVME_REG_*.
	 */
	int (*get_reg_4)(struct nvd_ctrlr *c, uint32_t ofst, uint32_t *value);
	int (*get_reg_8)(struct nvd_ctrlr *c, uint32_t ofst, uint64_t *value);
	int (*set_reg_4)(struct nvd_ctrlr *c, uint32_t ofst, uint32_t value);
	int (*set_reg_8)(struct nvd_ctrlr *c, uint32_t ofst, uint64_t value);

	/*
	 * The largest transfer one command of the transport carries, before
	 * the controller's MDTS: the core splits above the smaller of both.
	 */
	uint32_t (*max_xfer_size)(struct nvd_ctrlr *c);

	/* ---- queue pairs ---- */
	/*
	 * Fill the core's zeroed @q for queue @qid of @qsize entries (rings
	 * and trackers, or the TCP queue pair with its command slots);
	 * nothing on the device or the wire yet.  On failure nothing is
	 * left allocated.
	 */
	int (*qpair_create)(struct nvd_ctrlr *c, struct nvd_qpair *q, uint16_t qid, uint32_t qsize,
			    const struct nvd_io_qpair_opts *opts, uint32_t nreqs);
	/*
	 * Make it usable: PCIe sends Create I/O CQ/SQ on the admin queue;
	 * TCP opens its own connection and sends Connect with the CNTLID.
	 */
	int (*qpair_connect)(struct nvd_ctrlr *c, struct nvd_qpair *q);
	/*
	 * Take it off the device (PCIe: Delete I/O SQ, reap, Delete I/O CQ;
	 * TCP: outstanding commands complete aborted); 0 when it was never
	 * on it.  An error leaves the controller in possession of the
	 * queue's memory.
	 */
	int (*qpair_disconnect)(struct nvd_ctrlr *c, struct nvd_qpair *q);
	/*
	 * Free what qpair_create allocated (not @q itself).  @device_owns:
	 * the disconnect failed, the device may still write the rings, which
	 * are left to the DMA pool (freed after the controller stops).
	 */
	void (*qpair_destroy)(struct nvd_qpair *q, bool device_owns);
	/*
	 * TCP only (PCIe's is nvd__qpair_poll(), called directly): reap up
	 * to @max completions (0: all) without blocking.  A negative errno
	 * when the queue is gone (-ENXIO, -ECONNRESET): by then every
	 * outstanding request has completed with an error.
	 */
	int32_t (*qpair_process_completions)(struct nvd_qpair *q, uint32_t max);

	/* ---- memory ---- */
	/*
	 * true: I/O buffers must be the library's DMA memory (PCIe: the
	 * device reads them by bus address); false: any memory (TCP copies
	 * through the socket).
	 */
	bool needs_dma_memory;
};

extern const struct nvd_transport_ops nvd__pcie_transport;

/*
 * Every transport's table (core/connect.c), found by its trtype; writable
 * for the unit tests, which put counting tables in it.
 */
#define NVD_TRANSPORTS	2
extern const struct nvd_transport_ops *nvd__transports[NVD_TRANSPORTS];
/* The table for @trtype, NULL for a transport this library has not. */
const struct nvd_transport_ops *nvd__transport_of(enum nvd_trtype trtype);

#endif /* NVD_CORE_TRANSPORT_OPS_H */
