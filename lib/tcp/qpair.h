/* SPDX-License-Identifier: MIT */
/*
 * An NVMe/TCP I/O queue pair: its own connection (ICReq/ICResp, then
 * Fabrics Connect with its QID and the admin queue's CNTLID), many
 * commands in flight, polled like a PCIe one.  Submitting queues a
 * CapsuleCmd and sends what the socket takes; polling reads what the
 * socket has, never waiting: C2HData straight into the command's buffer,
 * R2T answered with H2CData, CapsuleResp to the callback (NVMe/TCP
 * Transport 1.0, §3.4 "Data Transfer", §3.6.2).
 *
 * The TCP ops table (tcp/transport.c) wraps these for qpair_create,
 * qpair_connect, qpair_process_completions, qpair_disconnect and
 * qpair_destroy; tcp/transport.c submits with them directly.  A
 * retryable status is sent again here, up to opts.max_retries times.
 */
#ifndef NVD_TCP_QPAIR_H
#define NVD_TCP_QPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "tcp/conn.h"
#include "tcp/fabrics.h"

/* Base 2.0 Figure 275: IOCCSZ, I/O queue command capsule size in 16-byte units (byte 1792) */
#define NVMF_ID_CTRL_IOCCSZ	1792

struct nvd_tcp_qpair_opts {
	uint16_t qid;			/* 1..: an I/O queue */
	uint32_t qsize;			/* commands in flight at most; Connect's SQSIZE */
	uint16_t cntlid;		/* the admin queue's Connect gave it */
	const struct nvd_tcp_host *host;
	const char *subnqn;
	/*
	 * Largest write carried in the capsule itself: IOCCSZ * 16 - 64
	 * from Identify Controller (nvd__tcp_incapsule_max()); 0: every
	 * write waits for R2T.
	 */
	uint32_t incapsule_max;
	/* times a command is sent again after a retryable status (nvd_ctrlr_opts.retry_count) */
	uint8_t max_retries;
	struct nvd_tcp_conn_opts conn;
};

struct nvd_tcp_qpair;

/* In-capsule data bytes an I/O queue takes, from Identify Controller's IOCCSZ. */
uint32_t nvd__tcp_incapsule_max(const void *id_ctrl);

/* Allocate a queue pair of opts->qsize slots; nothing is connected yet. */
int nvd__tcp_qpair_create(struct nvd_tcp_qpair **qp, const struct nvd_tcp_qpair_opts *opts);
/*
 * Open the queue pair's connection to @trid and send Connect (QID, SQSIZE,
 * CNTLID).  Blocking, up to the connection timeout; a queue pair torn down
 * earlier may connect again.  Errors as nvd__tcp_conn_open/nvd__tcp_connect.
 */
int nvd__tcp_qpair_connect(struct nvd_tcp_qpair *q, const struct nvd_trid *trid);
/* The controller ID the next connect names: a reset's new admin association has another. */
void nvd__tcp_qpair_set_cntlid(struct nvd_tcp_qpair *q, uint16_t cntlid);
/* Complete what is outstanding with an aborted status and close the connection. */
void nvd__tcp_qpair_disconnect(struct nvd_tcp_qpair *q);
void nvd__tcp_qpair_destroy(struct nvd_tcp_qpair *q);

/*
 * Queue @cmd (CID, PSDT and SGL1 are filled in here) with @len bytes of
 * data at @buf (any memory): to the controller when @to_ctrl, else from it.  Sends
 * what the socket accepts now, the rest from later submits and polls.
 * @cb runs from nvd__tcp_qpair_process_completions().  -EAGAIN when every
 * slot is in use, -EINVAL for a length the command cannot describe,
 * -ENXIO once the connection is gone.
 */
int nvd__tcp_qpair_submit(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, void *buf,
			  uint32_t len, bool to_ctrl, nvd_cmd_cb cb, void *cb_arg);
/*
 * The same with the data in the caller's element list, walked through
 * @reset_sgl/@next_sge with @cb_arg (as nvd_ns_readv): C2HData lands in
 * the elements, H2CData and in-capsule data are sent from them.  The list
 * must cover @len bytes (-EINVAL with words otherwise) and stay valid until
 * @cb runs.
 */
int nvd__tcp_qpair_submitv(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, uint32_t len,
			   bool to_ctrl, nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge,
			   nvd_cmd_cb cb, void *cb_arg);
/*
 * As nvd__tcp_qpair_submit() of @len bytes to the controller, sent from a
 * copy the queue pair keeps until the command is done: the caller's @data
 * may go as soon as this returns (Dataset Management's range list).
 */
int nvd__tcp_qpair_submit_copy(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, const void *data,
			       uint32_t len, nvd_cmd_cb cb, void *cb_arg);
/*
 * Send what waits and read what the socket has, without blocking; run
 * the callbacks of up to @max completed commands (0: no limit).  Returns
 * how many completed, or, once the connection is gone (closed by the
 * controller, a malformed PDU, a header digest error: words in
 * nvd_last_error()), a negative errno, -ECONNRESET, -EPROTO, -EBADMSG,
 * and on every later call; by then every outstanding command has
 * completed with an error.  A C2HData data digest error fails only its
 * command, with Transient Transport Error.
 */
int32_t nvd__tcp_qpair_process_completions(struct nvd_tcp_qpair *q, uint32_t max);
/*
 * Tear the connection down for @err (what later polls return) and
 * complete every outstanding command with Abort Requested, DNR set.
 */
void nvd__tcp_qpair_abort_all(struct nvd_tcp_qpair *q, int err);

/* Commands submitted and not yet completed. */
uint32_t nvd__tcp_qpair_outstanding(const struct nvd_tcp_qpair *q);
/* Commands that can be submitted now (a slot whose PDU is still leaving is not free). */
uint32_t nvd__tcp_qpair_free_slots(const struct nvd_tcp_qpair *q);
/* The connection (negotiated digests, MAXH2CDATA), for tests and tools. */
const struct nvd_tcp_conn *nvd__tcp_qpair_conn(const struct nvd_tcp_qpair *q);

#endif /* NVD_TCP_QPAIR_H */
