// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP I/O queue pairs, the receive side (NVMe/TCP Transport 1.0
 * §3.6.2): a header, then for C2HData its data straight into the command's
 * memory and its digest, each resumed where the last poll stopped; an R2T
 * queues the H2CData that answers it; a CapsuleResp completes (or retries)
 * its command.  Anything the controller should not have sent tears the
 * connection down (nvd__tcpq_proto_error).  The send side is qpair.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "core/error.h"
#include "tcp/crc32c.h"
#include "tcp/qpair_slots.h"

/* The slot @cid names, if that command is still waiting for the controller. */
static struct slot *slot_of(struct nvd_tcp_qpair *q, uint16_t cid)
{
	if (cid >= q->qsize || !q->slots[cid].busy || q->slots[cid].done)
		return NULL;
	return &q->slots[cid];
}

static int on_capsule_resp(struct nvd_tcp_qpair *q, const struct nvd_tcp_pdu *pdu, uint32_t *n)
{
	struct nvd_cpl cpl = ((const struct nvme_tcp_capsule_resp *)pdu->hdr)->cqe;
	struct slot *s = slot_of(q, cpl.cid);

	if (!s)
		return nvd__tcpq_proto_error(q, "CapsuleResp for CID %u, which is not in flight", cpl.cid);
	if (s->queued && s->sent && q->tx_head == s)
		s->r2t = false;		/* finish the PDU under way, build no more */
	else if (s->queued)
		nvd__tcpq_tx_unlink(q, s);
	if (s->ddgst_bad && !nvd_cpl_is_error(&cpl))
		cpl.status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_TRANSIENT_TRANSPORT);
	if (nvd__tcpq_retry(q, s, &cpl))
		return 0;
	(*n)++;
	nvd__tcpq_complete(q, s, &cpl);
	return 0;
}

static int on_c2h_data(struct nvd_tcp_qpair *q, const struct nvd_tcp_pdu *pdu)
{
	const struct nvme_tcp_data *d = pdu->hdr;
	struct slot *s = slot_of(q, d->cccid);

	if (!s || s->to_ctrl)
		return nvd__tcpq_proto_error(q, "C2HData for CID %u, which is %s", d->cccid,
				   s ? "a write" : "not in flight");
	if (d->datao > s->len || d->datal > s->len - d->datao)
		return nvd__tcpq_proto_error(q, "C2HData for CID %u carries bytes %u..%u of its %u",
				   d->cccid, d->datao, d->datao + d->datal, s->len);
	q->rx_slot = s;
	q->rx_flags = pdu->flags;
	q->rx_off = d->datao;
	q->rx_len = d->datal;
	q->rx_have = 0;
	q->rx_state = RX_DATA;
	return 0;
}

static int on_r2t(struct nvd_tcp_qpair *q, const struct nvd_tcp_pdu *pdu)
{
	const struct nvme_tcp_r2t *r = pdu->hdr;
	struct slot *s = slot_of(q, r->cccid);

	if (!s || !s->to_ctrl || s->incapsule)
		return nvd__tcpq_proto_error(q, "R2T for CID %u, which is %s", r->cccid,
				   !s ? "not in flight" : !s->to_ctrl ? "a read" :
				   "a write with in-capsule data");
	if (r->r2to > s->len || r->r2tl > s->len - r->r2to)
		return nvd__tcpq_proto_error(q, "R2T for CID %u asks for bytes %u..%u of its %u", r->cccid,
				   r->r2to, r->r2to + r->r2tl, s->len);
	/* MAXR2T 0 in our ICReq: the next R2T only after all of this one's data */
	if (s->queued)
		return nvd__tcpq_proto_error(q, "R2T for CID %u while its %s is still being sent",
				   r->cccid, s->r2t ? "last R2T's data" : "capsule");
	s->r2t = true;
	s->ttag = r->ttag;
	s->h2c_off = r->r2to;
	s->h2c_end = r->r2to + r->r2tl;
	nvd__tcpq_h2c_build(q, s);
	nvd__tcpq_tx_queue(q, s);
	return nvd__tcpq_send_flush(q);
}

/* C2HData's data (and digest) are in. */
static int c2h_done(struct nvd_tcp_qpair *q, uint32_t *n)
{
	struct slot *s = q->rx_slot;
	struct nvd_cpl cpl;
	uint32_t crc;

	/*
	 * A data digest error spoils this command's data, not the byte
	 * stream: the command fails with Transient Transport Error (a retry
	 * is likely to succeed, Base 2.0 Figure 102), the queue goes on.
	 */
	if ((q->rx_flags & NVME_TCP_F_DDGST) && !nvd__tcpq_data_crc(s, q->rx_off, q->rx_len, &crc) &&
	    memcmp(&crc, q->rx_dgst, sizeof(crc))) {
		nvd__dbg("tcp queue %u CID %u: data digest mismatch over %u bytes at %u", q->qid,
			 (unsigned)(s - q->slots), q->rx_len, q->rx_off);
		s->ddgst_bad = true;
	}
	q->rx_state = RX_HDR;
	q->rx_slot = NULL;
	if (!(q->rx_flags & NVME_TCP_F_SUCCESS))
		return 0;
	/* §3.6.2.9: SUCCESS: the command completed, no CapsuleResp follows */
	memset(&cpl, 0, sizeof(cpl));
	cpl.cid = s - q->slots;
	cpl.sqid = q->qid;
	if (s->ddgst_bad)
		cpl.status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_TRANSIENT_TRANSPORT);
	if (nvd__tcpq_retry(q, s, &cpl))
		return 0;
	(*n)++;
	nvd__tcpq_complete(q, s, &cpl);
	return 0;
}

/* C2HData's data straight into the command's buffer or elements, from where the last call stopped. */
static int rx_data(struct nvd_tcp_qpair *q)
{
	struct iovec iov[DATA_IOV_MAX];
	uint32_t covered;
	ssize_t n;
	int cnt;

	while (q->rx_have < q->rx_len) {
		cnt = nvd__tcpq_data_iov(q->rx_slot, q->rx_off + q->rx_have, q->rx_len - q->rx_have, iov,
			       DATA_IOV_MAX, &covered);
		if (cnt < 0)
			return nvd__tcpq_proto_error(q, "CID %u's element list ended early",
					   (unsigned)(q->rx_slot - q->slots));
		n = readv(q->conn.fd, iov, cnt);
		if (n > 0) {
			q->rx_have += n;
			continue;
		}
		if (n == 0) {
			nvd__set_detail("NVMe/TCP: %s closed the connection", q->conn.peer);
			return -ECONNRESET;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -EAGAIN;
		n = errno;
		nvd__set_detail("NVMe/TCP: receive from %s: %s", q->conn.peer, strerror(n));
		return -n;
	}
	return 0;
}

/* One step of reading: 0 progress, -EAGAIN nothing more to read now. */
static int rx_step(struct nvd_tcp_qpair *q, uint32_t *n)
{
	struct nvd_tcp_pdu pdu;
	char tb[16];
	int err;

	switch (q->rx_state) {
	case RX_DATA:
		err = rx_data(q);
		if (err)
			return err;
		if (!(q->rx_flags & NVME_TCP_F_DDGST))
			return c2h_done(q, n);
		q->rx_have = 0;
		q->rx_state = RX_DDGST;
		return 0;
	case RX_DDGST:
		err = nvd__tcp_conn_recv_some(&q->conn, q->rx_dgst, sizeof(q->rx_dgst), &q->rx_have);
		if (err)
			return err;
		return c2h_done(q, n);
	case RX_HDR:
		break;
	}
	err = nvd__tcp_conn_recv_hdr(&q->conn, &pdu, 0);
	if (err)
		return err;
	switch (pdu.type) {
	case NVME_TCP_CAPSULE_RESP:
		return on_capsule_resp(q, &pdu, n);
	case NVME_TCP_C2H_DATA:
		return on_c2h_data(q, &pdu);
	case NVME_TCP_R2T:
		return on_r2t(q, &pdu);
	}
	return nvd__tcpq_proto_error(q, "unexpected %s on an I/O queue", nvd__tcp_type_str(pdu.type, tb));
}

int32_t nvd__tcp_qpair_process_completions(struct nvd_tcp_qpair *q, uint32_t max)
{
	uint32_t n = 0;
	int err;

	if (q->dead) {
		nvd__set_detail("%s", q->why);
		return q->dead;
	}
	if (!q->connected)
		return -ENXIO;
	if (q->in_poll)		/* from a callback: the outer poll goes on reading */
		return 0;
	if (q->tx_err) {
		nvd__set_detail("%s", q->why);
		return nvd__tcpq_fail(q, q->tx_err);
	}
	q->in_poll = true;
	err = nvd__tcpq_send_flush(q);
	while (!err && (!max || n < max)) {
		err = rx_step(q, &n);
		if (q->dead)		/* a callback disconnected the queue */
			break;
	}
	if (err == -EAGAIN)
		err = nvd__tcpq_send_flush(q);
	if (!err && q->tx_err) {
		nvd__set_detail("%s", q->why);
		err = q->tx_err;
	}
	q->in_poll = false;
	if (q->dead)
		return q->dead;
	if (err && err != -EAGAIN)
		return nvd__tcpq_fail(q, err);
	return n;
}
