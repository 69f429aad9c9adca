// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP I/O queue pairs: many commands in flight on one connection,
 * never blocking the poll (NVMe/TCP Transport 1.0 §3.4, §3.6.2).
 *
 * A slot per CID holds a command's callback, its data (one buffer or the
 * caller's element list) and what is being sent for it.  Sending: a FIFO
 * of slots, each with one PDU under way (its CapsuleCmd, or the H2CData
 * answering its R2T, MAXR2T 0 allowing one R2T per command at a time),
 * written as far as the socket accepts and resumed from submit and poll.
 * Receiving (qpair_rx.c): a header, then for C2HData its data straight into the
 * command's memory and its digest, each resumed where the last poll
 * stopped.  Anything the controller should not have sent tears the
 * connection down (H2CTermReq first): every outstanding command completes
 * with an aborted status and every later poll returns the error.  A data
 * digest mismatch spoils one command's data only: that command fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/error.h"
#include "core/io_hooks.h"
#include "tcp/crc32c.h"
#include "tcp/qpair.h"
#include "tcp/qpair_slots.h"

uint32_t nvd__tcp_incapsule_max(const void *id_ctrl)
{
	uint32_t ioccsz;

	memcpy(&ioccsz, (const uint8_t *)id_ctrl + NVMF_ID_CTRL_IOCCSZ, sizeof(ioccsz));
	/* the capsule holds the 64-byte SQE, then the data (NVMe-oF 1.1 §2.1) */
	return ioccsz > 4 ? ioccsz * 16 - sizeof(struct nvme_cmd) : 0;
}

int nvd__tcp_qpair_create(struct nvd_tcp_qpair **qp, const struct nvd_tcp_qpair_opts *o)
{
	struct nvd_tcp_qpair *q;
	uint32_t i;

	/* CIDs are slot numbers, Connect's SQSIZE a 16-bit count less one */
	if (!o->qid || o->qsize < 2 || o->qsize > 65535 || !o->host ||
	    (o->subnqn && strlen(o->subnqn) > NVD_NQN_MAX_LEN))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->slots = calloc(o->qsize, sizeof(*q->slots));
	if (!q->slots)
		goto err_free_q;
	q->free_cids = calloc(o->qsize, sizeof(*q->free_cids));
	if (!q->free_cids)
		goto err_free_slots;
	q->qid = o->qid;
	q->qsize = o->qsize;
	q->cntlid = o->cntlid;
	q->incapsule_max = o->incapsule_max;
	q->max_retries = o->max_retries;
	q->host = *o->host;
	if (o->subnqn)
		strcpy(q->subnqn, o->subnqn);
	q->conn_opts = o->conn;
	q->conn.fd = -1;
	/* lowest CIDs first: the top of the stack is the end of the array */
	for (i = 0; i < q->qsize; i++)
		q->free_cids[i] = q->qsize - 1 - i;
	q->nfree = q->qsize;
	*qp = q;
	return 0;

err_free_slots:
	free(q->slots);
err_free_q:
	free(q);
	return -ENOMEM;
}

static void slot_put(struct nvd_tcp_qpair *q, struct slot *s)
{
	s->busy = s->done = s->r2t = false;
	free(s->copy);
	s->copy = NULL;
	q->free_cids[q->nfree++] = s - q->slots;
}

/*
 * Bytes [@off, @off + @len) of @s's data as at most @max iovecs; *@covered
 * gets how many bytes they hold (less than @len when @max ran out).
 * -EINVAL when the element list ends early.
 */
int nvd__tcpq_data_iov(const struct slot *s, uint32_t off, uint32_t len, struct iovec *iov, int max,
		       uint32_t *covered)
{
	uint32_t have = 0;
	int n = 0;

	if (!s->reset_sgl) {
		iov[0].iov_base = s->buf + off;
		iov[0].iov_len = len;
		*covered = len;
		return 1;
	}
	s->reset_sgl(s->cb_arg, off);
	while (have < len && n < max) {
		void *addr;
		uint32_t l;

		if (s->next_sge(s->cb_arg, &addr, &l) || !l || !addr)
			return -EINVAL;
		if (l > len - have)
			l = len - have;
		iov[n].iov_base = addr;
		iov[n++].iov_len = l;
		have += l;
	}
	*covered = have;
	return n;
}

/* CRC32C of bytes [@off, @off + @len) of @s's data: a data digest (§3.6.1). */
int nvd__tcpq_data_crc(const struct slot *s, uint32_t off, uint32_t len, uint32_t *crc)
{
	struct iovec iov[DATA_IOV_MAX];
	uint32_t got;
	int i, n;

	*crc = 0;
	while (len) {
		n = nvd__tcpq_data_iov(s, off, len, iov, DATA_IOV_MAX, &got);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++)
			*crc = nvd__crc32c(*crc, iov[i].iov_base, iov[i].iov_len);
		off += got;
		len -= got;
	}
	return 0;
}

/* The callback of @s with @cpl; the slot is free before it runs (it may submit). */
void nvd__tcpq_complete(struct nvd_tcp_qpair *q, struct slot *s, const struct nvd_cpl *cpl)
{
	nvd_cmd_cb cb = s->cb;
	void *arg = s->cb_arg;

	if (s->queued)
		s->done = true;		/* freed once its PDU is out (send_flush) */
	else
		slot_put(q, s);
	if (cb)
		cb(arg, cpl);
}

void nvd__tcpq_tx_unlink(struct nvd_tcp_qpair *q, struct slot *s)
{
	struct slot **pp = &q->tx_head, *prev = NULL;

	while (*pp != s) {
		prev = *pp;
		pp = &(*pp)->tx_next;
	}
	*pp = s->tx_next;
	if (q->tx_tail == s)
		q->tx_tail = prev;
	s->tx_next = NULL;
	s->queued = false;
}

void nvd__tcpq_tx_queue(struct nvd_tcp_qpair *q, struct slot *s)
{
	s->sent = 0;
	s->tx_next = NULL;
	s->queued = true;
	if (q->tx_tail)
		q->tx_tail->tx_next = s;
	else
		q->tx_head = s;
	q->tx_tail = s;
}

void nvd__tcp_qpair_abort_all(struct nvd_tcp_qpair *q, int err)
{
	struct nvd_cpl cpl;
	uint32_t i;

	if (!q->dead) {
		q->dead = err ? err : -ECONNABORTED;
		snprintf(q->why, sizeof(q->why), "%s", nvd_last_error());
	}
	nvd__tcp_conn_close(&q->conn);
	q->connected = false;
	q->tx_head = q->tx_tail = NULL;
	q->rx_state = RX_HDR;
	q->rx_slot = NULL;
	for (i = 0; i < q->qsize; i++) {
		struct slot *s = &q->slots[i];

		s->queued = false;
		if (!s->busy)
			continue;
		if (s->done) {
			slot_put(q, s);
			continue;
		}
		/* as the PCIe queue does for commands that will never complete */
		memset(&cpl, 0, sizeof(cpl));
		cpl.cid = i;
		cpl.sqid = q->qid;
		cpl.status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED) | NVME_CPL_DNR;
		nvd__tcpq_complete(q, s, &cpl);
	}
}

/*
 * §3.6.2.4: a host that finds a PDU in error says so with H2CTermReq before
 * closing; best effort, and only between PDUs of ours.
 */
static void term_req(struct nvd_tcp_qpair *q, int err)
{
	struct nvme_tcp_term t;

	if (q->conn.fd < 0 || (q->tx_head && q->tx_head->sent))
		return;
	memset(&t, 0, sizeof(t));
	t.fes = err == -EBADMSG ? NVME_TCP_FES_HDGST : NVME_TCP_FES_INVALID_HDR;
	nvd__tcp_hdr_finish(&t, NVME_TCP_H2C_TERM, sizeof(t), 0, 0, &q->conn.tx);
	(void)!send(q->conn.fd, &t, sizeof(t), MSG_NOSIGNAL | MSG_DONTWAIT);
}

int nvd__tcpq_fail(struct nvd_tcp_qpair *q, int err)
{
	if (err == -EPROTO || err == -EBADMSG)
		term_req(q, err);
	nvd__tcp_qpair_abort_all(q, err);
	nvd__set_detail("%s", q->why);
	return q->dead;
}

int nvd__tcpq_proto_error(struct nvd_tcp_qpair *q, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nvd__set_detail("NVMe/TCP queue %u: protocol error from %s: %s", q->qid, q->conn.peer, msg);
	return -EPROTO;
}

/* The data digest of the data @s sends next, when negotiated (the list was checked at submit). */
static void set_ddgst(struct nvd_tcp_qpair *q, struct slot *s)
{
	uint32_t crc;

	s->dgst_len = 0;
	if (!q->conn.tx.ddgst || !s->data_len || nvd__tcpq_data_crc(s, s->data_off, s->data_len, &crc))
		return;
	memcpy(s->dgst, &crc, sizeof(crc));	/* little-endian, as on the wire */
	s->dgst_len = NVME_TCP_DIGEST_LEN;
}

/* The next H2CData PDU of @s's R2T: at most MAXH2CDATA bytes (§3.6.2.8). */
void nvd__tcpq_h2c_build(struct nvd_tcp_qpair *q, struct slot *s)
{
	struct nvme_tcp_data *d = (void *)s->hdr;
	uint32_t n = s->h2c_end - s->h2c_off;

	if (n > q->conn.maxh2cdata)
		n = q->conn.maxh2cdata;
	memset(d, 0, sizeof(*d));
	d->cccid = s - q->slots;
	d->ttag = s->ttag;
	d->datao = s->h2c_off;
	d->datal = n;
	s->hdr_len = nvd__tcp_hdr_finish(s->hdr, NVME_TCP_H2C_DATA, sizeof(*d),
					 s->h2c_off + n == s->h2c_end ? NVME_TCP_F_LAST : 0, n,
					 &q->conn.tx);
	s->data_off = s->h2c_off;
	s->data_len = n;
	set_ddgst(q, s);
	s->h2c_off += n;
	s->sent = 0;
}

/*
 * What of @s's PDU is still to go, from byte s->sent on: header, data
 * (as many elements as fit), digest once the data is all in the vector.
 */
static int tx_iov(struct slot *s, struct iovec iov[DATA_IOV_MAX + 2])
{
	uint32_t skip = s->sent, covered;
	int n = 0, k;

	if (skip < s->hdr_len) {
		iov[n].iov_base = s->hdr + skip;
		iov[n++].iov_len = s->hdr_len - skip;
		skip = 0;
	} else {
		skip -= s->hdr_len;
	}
	if (skip < s->data_len) {
		k = nvd__tcpq_data_iov(s, s->data_off + skip, s->data_len - skip, iov + n, DATA_IOV_MAX,
			     &covered);
		if (k < 0)
			return k;
		n += k;
		if (covered < s->data_len - skip)
			return n;
		skip = 0;
	} else {
		skip -= s->data_len;
	}
	if (skip < s->dgst_len) {
		iov[n].iov_base = s->dgst + skip;
		iov[n++].iov_len = s->dgst_len - skip;
	}
	return n;
}

/* Write what the socket takes now; 0 also when it took only part. */
int nvd__tcpq_send_flush(struct nvd_tcp_qpair *q)
{
	struct iovec iov[DATA_IOV_MAX + 2];

	while (q->tx_head) {
		struct slot *s = q->tx_head;
		int cnt = tx_iov(s, iov);
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = cnt > 0 ? cnt : 0 };
		ssize_t n;

		if (cnt < 0) {
			nvd__set_detail("NVMe/TCP queue %u: CID %u's element list ended early",
					q->qid, (unsigned)(s - q->slots));
			return cnt;
		}
		n = cnt ? sendmsg(q->conn.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			n = errno == EPIPE ? ECONNRESET : errno;
			nvd__set_detail("NVMe/TCP queue %u: send to %s: %s", q->qid, q->conn.peer,
					strerror(n));
			return -n;
		}
		s->sent += n;
		if (s->sent < s->hdr_len + s->data_len + s->dgst_len)
			continue;
		/* this PDU is out: the R2T's next piece, or the slot leaves the FIFO */
		if (s->r2t && s->h2c_off < s->h2c_end && !s->done) {
			nvd__tcpq_h2c_build(q, s);
			continue;
		}
		s->r2t = false;
		nvd__tcpq_tx_unlink(q, s);
		if (s->done)
			slot_put(q, s);
	}
	return 0;
}

int nvd__tcp_qpair_connect(struct nvd_tcp_qpair *q, const struct nvd_trid *trid)
{
	int err;

	if (q->connected)
		return -EBUSY;
	err = nvd__tcp_conn_open(&q->conn, trid, &q->conn_opts);
	if (err)
		return err;
	err = nvd__tcp_connect(&q->conn, q->qid, q->qsize, &q->host, q->subnqn, 0, &q->cntlid);
	if (err)
		goto err_close;
	q->dead = q->tx_err = 0;
	q->why[0] = '\0';
	q->rx_state = RX_HDR;
	q->connected = true;
	return 0;

err_close:
	nvd__tcp_conn_close(&q->conn);
	return err;
}

void nvd__tcp_qpair_set_cntlid(struct nvd_tcp_qpair *q, uint16_t cntlid)
{
	q->cntlid = cntlid;
}

void nvd__tcp_qpair_disconnect(struct nvd_tcp_qpair *q)
{
	if (q->connected)
		nvd__set_detail("NVMe/TCP queue %u: disconnected", q->qid);
	nvd__tcp_qpair_abort_all(q, -ENXIO);
}

void nvd__tcp_qpair_destroy(struct nvd_tcp_qpair *q)
{
	if (!q)
		return;
	nvd__tcp_qpair_disconnect(q);
	/* abort_all put every busy slot back, freeing its copy */
	free(q->free_cids);
	free(q->slots);
	free(q);
}

/* The element list covers @len bytes: checked once, so sends and receives can trust it. */
static int sgl_check(nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge, void *arg,
		     uint32_t len)
{
	uint32_t have = 0, l;
	void *addr;

	reset_sgl(arg, 0);
	while (have < len) {
		if (next_sge(arg, &addr, &l) || !l || !addr)
			return -EINVAL;
		have += l < len - have ? l : len - have;
	}
	return 0;
}

/*
 * @s's CapsuleCmd (with its data when in the capsule) onto the send FIFO,
 * and as much of the FIFO onto the socket as it takes.  A send error is the
 * poll's to report: callbacks run only from there.
 */
static void capsule_send(struct nvd_tcp_qpair *q, struct slot *s)
{
	struct nvme_tcp_capsule_cmd *cc = (void *)s->hdr;
	int err;

	memset(cc, 0, sizeof(*cc));
	cc->sqe = s->cmd;
	s->hdr_len = nvd__tcp_hdr_finish(s->hdr, NVME_TCP_CAPSULE_CMD, sizeof(*cc), 0,
					 s->incapsule ? s->len : 0, &q->conn.tx);
	s->data_off = 0;
	s->data_len = s->incapsule ? s->len : 0;
	set_ddgst(q, s);
	nvd__tcpq_tx_queue(q, s);
	err = nvd__tcpq_send_flush(q);
	if (err && !q->tx_err) {
		q->tx_err = err;
		snprintf(q->why, sizeof(q->why), "%s", nvd_last_error());
	}
}

/*
 * A retryable status (Base 2.0 Figure 102: Transient Transport Error after
 * a spoilt data digest, Command Interrupted ...; none with DNR) sends the
 * command again under the same CID, up to the controller's retry_count
 * times, as the PCIe queue does (core/io_hooks.c).  Not while a PDU of the
 * command is still leaving.  true: sent again, no callback now.
 */
bool nvd__tcpq_retry(struct nvd_tcp_qpair *q, struct slot *s, const struct nvd_cpl *cpl)
{
	if (!nvd_cpl_is_error(cpl) || s->retries >= q->max_retries || s->queued ||
	    !nvd__status_is_retryable(cpl->status) || q->dead || q->tx_err)
		return false;
	s->retries++;
	s->ddgst_bad = false;
	s->r2t = false;
	nvd__dbg("tcp queue %u CID %u: %s, retry %u of %u", q->qid, cpl->cid,
		 nvd_cpl_status_str(cpl), s->retries, q->max_retries);
	capsule_send(q, s);
	return true;
}

static int submit(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, void *buf,
		  nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge, uint32_t len,
		  bool to_ctrl, nvd_cmd_cb cb, void *cb_arg)
{
	struct slot *s;
	uint16_t cid;

	if (!q->connected || q->dead)
		return -ENXIO;
	if (len && !buf && !reset_sgl)
		return -EINVAL;
	if (len && reset_sgl && sgl_check(reset_sgl, next_sge, cb_arg, len)) {
		nvd__set_detail("NVMe/TCP queue %u: the element list holds less than the %u bytes of the command",
				q->qid, len);
		return -EINVAL;
	}
	if (!q->nfree)
		return -EAGAIN;
	cid = q->free_cids[--q->nfree];
	s = &q->slots[cid];
	s->cb = cb;
	s->cb_arg = cb_arg;
	s->buf = buf;
	s->reset_sgl = reset_sgl;
	s->next_sge = next_sge;
	s->len = len;
	s->to_ctrl = to_ctrl;
	s->incapsule = to_ctrl && len && len <= q->incapsule_max;
	s->ddgst_bad = false;
	s->busy = true;

	/*
	 * §3.4.3 (NVMe-oF 1.1 §2.3.1): fabrics data is described by SGL1:
	 * in-capsule data by an SGL Data Block descriptor of sub type Offset
	 * (offset 0 into the capsule's data), the rest by a Transport SGL
	 * Data Block descriptor, moved by C2HData or by H2CData after R2T.
	 */
	cmd->cid = cid;
	cmd->flags = (cmd->flags & ~NVME_CMD_PSDT_MASK) | NVME_CMD_PSDT_SGL_MPTR_CONTIG;
	memset(&cmd->sgl1, 0, sizeof(cmd->sgl1));
	if (len) {
		cmd->sgl1.len = len;
		cmd->sgl1.id = s->incapsule ? NVME_SGL_ID_INCAPSULE : NVME_SGL_ID_TRANSPORT;
	}
	s->cmd = *cmd;
	s->retries = 0;
	capsule_send(q, s);
	return 0;
}

int nvd__tcp_qpair_submit(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, void *buf,
			  uint32_t len, bool to_ctrl, nvd_cmd_cb cb, void *cb_arg)
{
	return submit(q, cmd, buf, NULL, NULL, len, to_ctrl, cb, cb_arg);
}

int nvd__tcp_qpair_submitv(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, uint32_t len,
			   bool to_ctrl, nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge,
			   nvd_cmd_cb cb, void *cb_arg)
{
	if (!reset_sgl || !next_sge)
		return -EINVAL;
	return submit(q, cmd, NULL, reset_sgl, next_sge, len, to_ctrl, cb, cb_arg);
}

int nvd__tcp_qpair_submit_copy(struct nvd_tcp_qpair *q, struct nvme_cmd *cmd, const void *data,
			       uint32_t len, nvd_cmd_cb cb, void *cb_arg)
{
	void *copy;
	int err;

	if (!len || !data)
		return -EINVAL;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	err = submit(q, cmd, copy, NULL, NULL, len, true, cb, cb_arg);
	if (err) {
		free(copy);
		return err;
	}
	/* callbacks run only from polls: the slot is still this command's */
	q->slots[cmd->cid].copy = copy;
	return 0;
}

uint32_t nvd__tcp_qpair_free_slots(const struct nvd_tcp_qpair *q)
{
	return q->nfree;
}

uint32_t nvd__tcp_qpair_outstanding(const struct nvd_tcp_qpair *q)
{
	uint32_t i, busy = 0;

	for (i = 0; i < q->qsize; i++)
		busy += q->slots[i].busy && !q->slots[i].done;
	return busy;
}

const struct nvd_tcp_conn *nvd__tcp_qpair_conn(const struct nvd_tcp_qpair *q)
{
	return &q->conn;
}
