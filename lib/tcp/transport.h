/* SPDX-License-Identifier: MIT */
/*
 * The NVMe/TCP transport behind the controller (transport.c): what the
 * core's entry points call, after one test of c->tcp or q->tcp, when the
 * controller was reached by nvd_ctrlr_connect() with trtype:TCP.  The
 * admin queue is one connection running one command at a time (admin
 * commands are synchronous in the core anyway); each I/O queue pair owns
 * its connection (tcp/qpair.c) and keeps many commands in flight.
 */
#ifndef NVD_TCP_TRANSPORT_H
#define NVD_TCP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/nvme_spec.h"

struct nvd_ctrlr;
struct nvd_qpair;
struct nvd_ns;

/* Entries of an I/O queue asked for with qsize 0 (bounded by MQES). */
#define NVD_TCP_IO_QSIZE_DEFAULT	128u
/* Keep Alive Timeout when nvd_ctrlr_opts.keep_alive_timeout_ms is 0 (as SPDK's). */
#define NVD_TCP_KATO_DEFAULT_MS		10000u

/*
 * nvd_ctrlr_connect() for trtype:TCP: the admin connection (ICReq/ICResp,
 * Connect QID 0 CNTLID FFFFh with KATO), CAP and VS by Property Get, then
 * the core's initialisation (CC.EN, CSTS.RDY, Identify, queues,
 * namespaces).  0 and *@ctrlr, or a negative errno with words.
 */
int nvd__tcp_ctrlr_connect(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
			   struct nvd_ctrlr **ctrlr);
/* An admin command over the admin connection; as nvd__admin_sync(). */
int nvd__tcp_admin_exec(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
			const char *what, struct nvd_cpl *cpl);
/*
 * Keep Alive (Base 2.0 §5.25) when half the KATO has passed since the
 * last one.  @from_io: from an I/O poll, which skips it while another
 * thread holds the admin queue.  0, or -ENXIO once the controller is lost.
 */
int nvd__tcp_keep_alive(struct nvd_ctrlr *c, bool from_io);
/*
 * nvd_ctrlr_reset() on TCP, also after the connection was lost: every
 * connection is closed (outstanding commands complete aborted), then a new
 * admin connection and Connect, CC.EN = 1 and CSTS.RDY = 1, Number of
 * Queues, and each I/O queue pair connects again with the new controller
 * ID.  Identify data and namespaces are kept.  0, or a negative errno with
 * words and the controller failed.
 */
int nvd__tcp_ctrlr_reset(struct nvd_ctrlr *c);

/* Read, write or compare of checked arguments: any memory, one capsule. */
int nvd__tcp_ns_rw(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, void *buf, uint64_t lba,
		   uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags);
/* readv/writev of checked arguments: the caller's element list, one capsule. */
int nvd__tcp_ns_rwv(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, uint64_t lba,
		    uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
		    nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge);
/*
 * Dataset Management of checked ranges: the range list is the command's
 * data (in the capsule when it fits IOCCSZ, else H2CData after R2T), sent
 * from a copy, so @ranges may go when this returns.
 */
int nvd__tcp_ns_dsm(struct nvd_ns *ns, struct nvd_qpair *q, const struct nvd_dsm_range *ranges,
		    uint16_t nr, uint32_t attrs, nvd_cmd_cb cb, void *cb_arg);
/* Any other I/O command (Flush, Write Zeroes, raw): nvd__qpair_submit_cmd() on TCP. */
int nvd__tcp_submit_cmd(struct nvd_qpair *q, const struct nvme_cmd *cmd, void *buf, uint32_t len,
			nvd_cmd_cb cb, void *cb_arg);
uint32_t nvd__tcp_qpair_outstanding_of(const struct nvd_qpair *q);

/* Keep Alive commands sent so far, for tests. */
uint64_t nvd__tcp_keep_alives_sent(const struct nvd_ctrlr *c);

extern const struct nvd_transport_ops nvd__tcp_transport;

#endif /* NVD_TCP_TRANSPORT_H */
