// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP connections: a non-blocking socket, the ICReq/ICResp exchange
 * (NVMe/TCP Transport 1.0, §3.3) and PDU send/receive with partial reads
 * and writes.  Every received header is checked (pdu.c) before it is used.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "tcp/conn.h"

#define CONN_TIMEOUT_MS	10000u

/* Wait for @events on the socket until @deadline (ms, nvd__now_ms()). */
static int wait_fd(struct nvd_tcp_conn *c, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = events };
	uint64_t now = nvd__now_ms();
	int n;

	if (now >= deadline)
		return -ETIMEDOUT;
	n = poll(&p, 1, (int)(deadline - now));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return 0;
}

static int dial(struct nvd_tcp_conn *c, const struct nvd_trid *t, uint64_t deadline)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
	struct addrinfo *ai;
	int one = 1, err, soerr;
	socklen_t len = sizeof(soerr);

	hints.ai_family = t->adrfam == NVD_ADRFAM_IPV6 ? AF_INET6 : AF_INET;
	hints.ai_flags = AI_NUMERICSERV;
	err = getaddrinfo(t->traddr, t->trsvcid, &hints, &ai);
	if (err) {
		nvd__set_detail("NVMe/TCP: cannot resolve %s: %s", c->peer, gai_strerror(err));
		return -EHOSTUNREACH;
	}
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0) {
		err = -errno;
		nvd__set_detail("NVMe/TCP: socket: %s", strerror(-err));
		goto out;
	}
	/* PDUs are small and latency-bound: no Nagle delay */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
		err = -errno;
		goto err_connect;
	}
	err = wait_fd(c, POLLOUT, deadline);
	if (err)
		goto err_connect;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		soerr = errno;
	err = -soerr;
	if (err)
		goto err_connect;
	freeaddrinfo(ai);
	return 0;

err_connect:
	nvd__set_detail("NVMe/TCP: connect to %s: %s", c->peer, strerror(-err));
	close(c->fd);
	c->fd = -1;
out:
	freeaddrinfo(ai);
	return err;
}

int nvd__tcp_conn_send(struct nvd_tcp_conn *c, struct iovec *iov, int iovcnt)
{
	uint64_t deadline = nvd__now_ms() + c->timeout_ms;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = iovcnt };
	int err;

	while (m.msg_iovlen) {
		ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				err = -errno;
				nvd__set_detail("NVMe/TCP: send to %s: %s", c->peer, strerror(errno));
				return err;
			}
			err = wait_fd(c, POLLOUT, deadline);
			if (err) {
				nvd__set_detail("NVMe/TCP: send to %s: no room for %u ms", c->peer,
						c->timeout_ms);
				return err;
			}
			continue;
		}
		/* a partial write: skip what went out */
		while (m.msg_iovlen && (size_t)n >= m.msg_iov->iov_len) {
			n -= m.msg_iov->iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen) {
			m.msg_iov->iov_base = (uint8_t *)m.msg_iov->iov_base + n;
			m.msg_iov->iov_len -= n;
		}
	}
	return 0;
}

int nvd__tcp_conn_recv_some(struct nvd_tcp_conn *c, void *buf, uint32_t want, uint32_t *have)
{
	while (*have < want) {
		ssize_t n = recv(c->fd, (uint8_t *)buf + *have, want - *have, 0);

		if (n > 0) {
			*have += n;
			continue;
		}
		if (n == 0) {
			nvd__set_detail("NVMe/TCP: %s closed the connection", c->peer);
			return -ECONNRESET;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -EAGAIN;
		nvd__set_detail("NVMe/TCP: receive from %s: %s", c->peer, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Read exactly @len bytes, waiting up to the connection's timeout. */
static int read_all(struct nvd_tcp_conn *c, void *buf, uint32_t len, const char *what)
{
	uint64_t deadline = nvd__now_ms() + c->timeout_ms;
	uint32_t have = 0;
	int err;

	for (;;) {
		err = nvd__tcp_conn_recv_some(c, buf, len, &have);
		if (err != -EAGAIN)
			return err;
		err = wait_fd(c, POLLIN, deadline);
		if (err) {
			nvd__set_detail("NVMe/TCP: %s from %s: %u of %u bytes after %u ms", what,
					c->peer, have, len, c->timeout_ms);
			return err;
		}
	}
}

/* §3.6.2.5: the controller ends the connection; say why, drain nothing. */
static int term_req(struct nvd_tcp_conn *c, const struct nvd_tcp_pdu *pdu)
{
	const struct nvme_tcp_term *t = pdu->hdr;
	uint32_t fei = t->fei[0] | t->fei[1] << 8 | t->fei[2] << 16 | (uint32_t)t->fei[3] << 24;

	nvd__set_detail("NVMe/TCP: %s terminated the connection: %s (FES 0x%x, FEI 0x%x)",
			c->peer, nvd__tcp_fes_str(t->fes), t->fes, fei);
	return -ECONNRESET;
}

int nvd__tcp_conn_recv_hdr(struct nvd_tcp_conn *c, struct nvd_tcp_pdu *pdu, int timeout_ms)
{
	uint64_t deadline = nvd__now_ms() + (timeout_ms < 0 ? c->timeout_ms : (uint32_t)timeout_ms);
	uint32_t got;
	int err;

	for (;;) {
		err = nvd__tcp_conn_recv_some(c, c->rx_hdr, c->rx_need, &c->rx_have);
		if (err == 0 && c->rx_need == sizeof(struct nvme_tcp_ch)) {
			uint32_t hdr_bytes;

			err = nvd__tcp_ch_check((const void *)c->rx_hdr, &c->rx, &hdr_bytes);
			if (err)
				return err;
			c->rx_need = hdr_bytes;
			continue;
		}
		if (err == 0)
			break;
		if (err != -EAGAIN || timeout_ms == 0)
			return err;
		err = wait_fd(c, POLLIN, deadline);
		if (err)
			return err == -ETIMEDOUT ? -EAGAIN : err;
	}
	/* a whole header: start the next one afresh whatever this one is */
	got = c->rx_have;
	c->rx_have = 0;
	c->rx_need = sizeof(struct nvme_tcp_ch);
	err = nvd__tcp_hdr_parse(c->rx_hdr, got, &c->rx, pdu);
	if (err)
		return err;
	if (pdu->type == NVME_TCP_C2H_TERM)
		return term_req(c, pdu);
	return 0;
}

int nvd__tcp_conn_recv_data(struct nvd_tcp_conn *c, const struct nvd_tcp_pdu *pdu, void *dst)
{
	uint8_t dgst[NVME_TCP_DIGEST_LEN];
	char tb[16];
	int err;

	err = read_all(c, dst, pdu->data_len, nvd__tcp_type_str(pdu->type, tb));
	if (err || !(pdu->flags & NVME_TCP_F_DDGST))
		return err;
	err = read_all(c, dgst, sizeof(dgst), "data digest");
	if (err)
		return err;
	return nvd__tcp_ddgst_check(dst, pdu->data_len, dgst);
}

/* §3.3: ICReq out, ICResp in; what it grants configures both directions. */
static int init_connection(struct nvd_tcp_conn *c, const struct nvd_tcp_conn_opts *o)
{
	struct nvme_tcp_icreq req;
	const struct nvme_tcp_icresp *resp;
	struct iovec iov = { &req, sizeof(req) };
	struct nvd_tcp_pdu pdu;
	uint8_t asked = (o->hdgst ? NVME_TCP_DGST_HDR : 0) | (o->ddgst ? NVME_TCP_DGST_DATA : 0);
	char tb[16];
	int err;

	/* HPDA 0: we take data at any dword; MAXR2T 0: one R2T per command */
	nvd__tcp_icreq_build(&req, 0, asked, 0);
	err = nvd__tcp_conn_send(c, &iov, 1);
	if (err)
		return err;
	err = nvd__tcp_conn_recv_hdr(c, &pdu, -1);
	if (err == -EAGAIN) {
		nvd__set_detail("NVMe/TCP: no ICResp from %s within %u ms", c->peer, c->timeout_ms);
		return -ETIMEDOUT;
	}
	if (err)
		return err;
	if (pdu.type != NVME_TCP_ICRESP) {
		nvd__set_detail("NVMe/TCP: %s answered ICReq with %s", c->peer,
				nvd__tcp_type_str(pdu.type, tb));
		return -EPROTO;
	}
	resp = pdu.hdr;
	if (resp->dgst & ~asked) {
		nvd__set_detail("NVMe/TCP: %s enabled digests 0x%x, more than the 0x%x asked for",
				c->peer, resp->dgst, asked);
		return -EPROTO;
	}
	c->tx.hdgst = c->rx.hdgst = resp->dgst & NVME_TCP_DGST_HDR;
	c->tx.ddgst = c->rx.ddgst = resp->dgst & NVME_TCP_DGST_DATA;
	c->tx.data_align = NVME_TCP_PDA_BYTES(resp->cpda);
	c->tx.max_data = c->maxh2cdata = resp->maxh2cdata;
	nvd__dbg("tcp %s: ICResp cpda %u dgst 0x%x maxh2cdata %u", c->peer, resp->cpda, resp->dgst,
		 resp->maxh2cdata);
	return 0;
}

int nvd__tcp_conn_open(struct nvd_tcp_conn *c, const struct nvd_trid *trid,
		       const struct nvd_tcp_conn_opts *opts)
{
	static const struct nvd_tcp_conn_opts defaults;
	const struct nvd_tcp_conn_opts *o = opts ? opts : &defaults;
	int err;

	if (trid->trtype != NVD_TRTYPE_TCP)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : CONN_TIMEOUT_MS;
	snprintf(c->peer, sizeof(c->peer), trid->adrfam == NVD_ADRFAM_IPV6 ? "[%s]:%s" : "%s:%s",
		 trid->traddr, trid->trsvcid);
	c->rx_need = sizeof(struct nvme_tcp_ch);
	c->rx.data_align = NVME_TCP_PDA_BYTES(0);
	c->tx.to_ctrl = true;
	c->tx.data_align = NVME_TCP_PDA_BYTES(0);

	err = dial(c, trid, nvd__now_ms() + c->timeout_ms);
	if (err)
		return err;
	err = init_connection(c, o);
	if (err)
		goto err_close;
	return 0;

err_close:
	close(c->fd);
	c->fd = -1;
	return err;
}

void nvd__tcp_conn_close(struct nvd_tcp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
