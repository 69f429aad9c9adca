/* SPDX-License-Identifier: MIT */
/*
 * The transport ops table the library's split along the transport line
 * will dispatch through (issue 13): what a transport provides to the core
 * (controller state machine, admin commands, namespaces, requests,
 * retries, timeouts, reset), in the shape of SPDK's
 * spdk_nvme_transport_ops.  A DESIGN, NOT WIRED YET: nothing includes this
 * header; lib/transport.h stays what it is, the PCI-function backend
 * (open, DMA map, pin, IRQ) the PCIe transport is built on and the unit
 * tests fake.
 *
 * Selected by the transport ID (<nvdirect/trid.h>): PCIe (lib/pcie/,
 * today's qpair.c/prp.c/sgl.c/ctrlr_init.c register code) and TCP
 * (lib/tcp/: pdu.c, conn.c, fabrics.c already; a tcp_qpair.c to come).
 *
 * Fast path: the PCIe submit and completion paths are not reached through
 * these pointers.  The core tests the queue pair's transport type and
 * calls the PCIe functions directly (inlined), the other transports
 * through the table; SPDK's PCIe path avoids the indirect call the same
 * way.  scripts/bench-ipo.sh decides whether that stays so.
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
	void (*qpair_disconnect)(struct nvd_ctrlr *c, struct nvd_qpair *q);
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

#endif /* NVD_CORE_TRANSPORT_OPS_H */
