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
 * WIRED (the core calls these for PCIe): get_reg_4/8 and set_reg_4/8 for
 * every register the state machine, shutdown, fatal-status handling and
 * reset touch (CAP, VS, CC, CSTS: core/ctrlr.h's ctrlr_get_reg4() ...);
 * ctrlr_enable (AQA/ASQ/ACQ before CC.EN = 1); qpair_connect and
 * qpair_disconnect (Create/Delete I/O CQ and SQ) when an I/O queue pair is
 * allocated, freed, or recreated by a reset.
 *
 * NOT WIRED YET (NULL in the PCIe table, called directly): ctrlr_construct
 * and ctrlr_destruct (attach opens the PCI-function backend,
 * pcie/pci_backend.h, and nvd__ctrlr_construct() takes it), qpair_create and
 * qpair_destroy (nvd__qpair_construct()/destruct() in pcie/qpair.c),
 * max_xfer_size and max_sges, and the deletion of every I/O queue at the
 * start of a reset (core/reset.c).
 *
 * TCP sets ctrlr_destruct (nvd__ctrlr_release() hands the controller to
 * it); its construct is nvd_ctrlr_connect()'s nvd__tcp_ctrlr_connect().
 *
 * Fast path, by design: the PCIe submit and completion paths are not
 * reached through these pointers.  The I/O calls go straight to
 * pcie/qpair.h's inlines and nvd__qpair_poll() (no indirect call per I/O,
 * as SPDK's PCIe path).  TCP is reached by testing the queue pair's tcp
 * member once: in nvd_qpair_process_completions(), and for reads and
 * writes in ns_rw_slow(), where QP_NO_FAST_TCP in no_fast sends them (the
 * fast path's existing test, no new one); admin commands test c->tcp in
 * admin_sync_locked().  scripts/bench-ipo.sh keeps the count.
 */
#ifndef NVD_CORE_TRANSPORT_OPS_H
#define NVD_CORE_TRANSPORT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

struct nvd_ctrlr;
struct nvd_qpair;
struct request;

struct nvd_transport_ops {
	const char *name;		/* "PCIe", "TCP": as in the TRID */
	enum nvd_trtype trtype;

	/* ---- controller ---- */
	/*
	 * Reach the controller @trid names and allocate the transport's part
	 * of @c: PCIe opens /dev/nvdirectN and maps BAR0; TCP only resolves
	 * the address (the admin queue connects in ctrlr_enable).
	 */
	int (*ctrlr_construct)(struct nvd_ctrlr *c, const struct nvd_trid *trid,
			       const struct nvd_ctrlr_opts *opts);
	/*
	 * Make the admin queue usable before CC.EN=1: PCIe writes AQA,
	 * ASQ, ACQ; TCP opens the admin connection (ICReq/ICResp) and sends
	 * Connect (QID 0, CNTLID FFFFh), so Property Get/Set work.
	 */
	int (*ctrlr_enable)(struct nvd_ctrlr *c);
	void (*ctrlr_destruct)(struct nvd_ctrlr *c);

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

	/* Largest transfer and data descriptors the transport can carry. */
	uint32_t (*max_xfer_size)(struct nvd_ctrlr *c);
	uint16_t (*max_sges)(struct nvd_ctrlr *c);

	/* ---- queue pairs ---- */
	/* Allocate the transport's queue pair (rings or socket buffers). */
	struct nvd_qpair *(*qpair_create)(struct nvd_ctrlr *c, uint16_t qid, uint32_t qsize,
					  uint32_t flags);
	/*
	 * Make it usable: PCIe sends Create I/O CQ/SQ on the admin queue;
	 * TCP opens its own connection and sends Connect with the CNTLID.
	 */
	int (*qpair_connect)(struct nvd_ctrlr *c, struct nvd_qpair *q);
	/*
	 * Take it off the device (PCIe: Delete I/O SQ, reap, Delete I/O CQ);
	 * 0 when it was never on it.  An error leaves the controller in
	 * possession of the queue's memory.
	 */
	int (*qpair_disconnect)(struct nvd_ctrlr *c, struct nvd_qpair *q);
	void (*qpair_destroy)(struct nvd_qpair *q);

	/*
	 * Put @req on the wire: PCIe builds PRPs/SGLs from bus addresses
	 * and rings the doorbell; TCP sends a CapsuleCmd (in-capsule data
	 * up to IOCCSZ) and answers R2Ts with H2CData later.
	 */
	int (*qpair_submit)(struct nvd_qpair *q, struct request *req);
	/*
	 * Reap up to @max completions (0: all): PCIe reads the CQ; TCP
	 * reads PDUs without blocking (C2HData into the request's buffer,
	 * R2T, CapsuleResp).  A negative errno when the queue is gone
	 * (-ENXIO, -ECONNRESET): by then every outstanding request has
	 * completed with an error (qpair_abort_all).
	 */
	int32_t (*qpair_process_completions)(struct nvd_qpair *q, uint32_t max);
	/* Complete every outstanding request with @err's status, no I/O. */
	void (*qpair_abort_all)(struct nvd_qpair *q, int err);

	/* ---- memory ---- */
	/*
	 * true: I/O buffers must be the library's DMA memory (PCIe: the
	 * device reads them by bus address); false: any memory (TCP copies
	 * through the socket).
	 */
	bool needs_dma_memory;
};

extern const struct nvd_transport_ops nvd__pcie_transport;

#endif /* NVD_CORE_TRANSPORT_OPS_H */
