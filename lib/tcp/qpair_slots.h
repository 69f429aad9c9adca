/* SPDX-License-Identifier: MIT */
/*
 * Inside an NVMe/TCP I/O queue pair: its slots (one per CID) and the
 * helpers the send side (qpair.c: submit, the send FIFO, R2T answers,
 * teardown) shares with the receive side (qpair_rx.c: PDUs read without
 * blocking, completions).  Nothing outside lib/tcp/qpair*.c includes it.
 */
#ifndef NVD_TCP_QPAIR_SLOTS_H
#define NVD_TCP_QPAIR_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "tcp/qpair.h"

/* iovecs handed to one sendmsg/recvmsg: a PDU's data may take several calls */
#define DATA_IOV_MAX	16

struct slot {
	nvd_cmd_cb cb;
	void *cb_arg;
	/* the data: one buffer, or the caller's element list (reset_sgl set) */
	uint8_t *buf;
	void *copy;		/* buf when the queue pair owns it (submit_copy): freed with the slot */
	nvd_req_reset_sgl_cb reset_sgl;
	nvd_req_next_sge_cb next_sge;
	uint32_t len;
	bool busy;		/* submitted, callback not yet run */
	bool done;		/* callback ran; the slot waits for its PDU to leave */
	bool to_ctrl;
	bool incapsule;
	bool ddgst_bad;		/* a C2HData's data digest did not match */
	uint8_t retries;	/* times sent again after a retryable status */
	struct nvme_cmd cmd;	/* as sent (CID, SGL1): what a retry sends again */
	/* the PDU being sent */
	bool queued;		/* on the send FIFO */
	struct slot *tx_next;
	uint32_t hdr_len, data_off, data_len, dgst_len, sent;
	uint8_t dgst[NVME_TCP_DIGEST_LEN];
	/* the R2T being answered (§3.4.4): [h2c_off, h2c_end) still to build */
	bool r2t;
	uint16_t ttag;
	uint32_t h2c_off, h2c_end;
	uint8_t hdr[NVD_TCP_HDR_MAX] __attribute__((aligned(8)));
};

enum rx_state { RX_HDR, RX_DATA, RX_DDGST };

struct nvd_tcp_qpair {
	struct nvd_tcp_conn conn;
	bool connected;
	int dead;			/* why the connection went: what polls return */
	int tx_err;			/* a send failed in submit: the next poll tears down */
	char why[256];			/* words for @dead, given again by every poll */
	uint16_t qid, cntlid;
	uint32_t qsize, incapsule_max;
	uint8_t max_retries;
	struct nvd_tcp_host host;
	char subnqn[NVD_NQN_MAX_LEN + 1];
	struct nvd_tcp_conn_opts conn_opts;

	struct slot *slots;		/* by CID */
	uint16_t *free_cids;
	uint32_t nfree;
	struct slot *tx_head, *tx_tail;

	/* C2HData being received */
	enum rx_state rx_state;
	struct slot *rx_slot;
	uint8_t rx_flags;
	uint32_t rx_off, rx_len, rx_have;
	uint8_t rx_dgst[NVME_TCP_DIGEST_LEN];
	bool in_poll;
};

/* Bytes [@off, @off + @len) of @s's data as at most @max iovecs (*@covered: how many bytes). */
int nvd__tcpq_data_iov(const struct slot *s, uint32_t off, uint32_t len, struct iovec *iov, int max,
		       uint32_t *covered);
/* CRC32C of bytes [@off, @off + @len) of @s's data: a data digest (§3.6.1). */
int nvd__tcpq_data_crc(const struct slot *s, uint32_t off, uint32_t len, uint32_t *crc);
/* The callback of @s with @cpl; the slot is free before it runs (it may submit). */
void nvd__tcpq_complete(struct nvd_tcp_qpair *q, struct slot *s, const struct nvd_cpl *cpl);
/* Take @s off, or put it on, the send FIFO. */
void nvd__tcpq_tx_unlink(struct nvd_tcp_qpair *q, struct slot *s);
void nvd__tcpq_tx_queue(struct nvd_tcp_qpair *q, struct slot *s);
/* Tear the connection down for @err (every outstanding command completes): @err back. */
int nvd__tcpq_fail(struct nvd_tcp_qpair *q, int err);
/* A PDU the controller should not have sent: H2CTermReq, teardown, the words. */
int nvd__tcpq_proto_error(struct nvd_tcp_qpair *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The next H2CData PDU of @s's R2T: at most MAXH2CDATA bytes (§3.6.2.8). */
void nvd__tcpq_h2c_build(struct nvd_tcp_qpair *q, struct slot *s);
/* Write what the socket takes now; 0 also when it took only part. */
int nvd__tcpq_send_flush(struct nvd_tcp_qpair *q);
/* A retryable status: @s sent again under its CID (true), or its callback is due (false). */
bool nvd__tcpq_retry(struct nvd_tcp_qpair *q, struct slot *s, const struct nvd_cpl *cpl);

#endif /* NVD_TCP_QPAIR_SLOTS_H */
