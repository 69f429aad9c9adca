// SPDX-License-Identifier: MIT
/*
 * The fake NVMe/TCP target of test_tcp_qpair.c (see tcp_target.h).  Every
 * PDU the host sends is checked as far as a test could care: digests,
 * H2CData offsets against the R2T, in-capsule lengths.
 */
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/nvme_spec.h"
#include "tcp/crc32c.h"
#include "tcp/fabrics.h"
#include "tcp_target.h"

void tcp_target_fail(struct target *t, const char *why)
{
	if (!t->failed)
		snprintf(t->why, sizeof(t->why), "%s", why);
	t->failed = 1;
}

bool tcp_target_rd(struct target *t, void *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = recv(t->fd, (uint8_t *)buf + have, len - have, 0);

		if (n <= 0)
			return false;
		have += n;
	}
	return true;
}

static void wr(struct target *t, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	if (!t->dribble) {
		if (send(t->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
			tcp_target_fail(t, "send");
		return;
	}
	for (i = 0; i < len; i++)
		if (send(t->fd, p + i, 1, MSG_NOSIGNAL) != 1) {
			tcp_target_fail(t, "send");
			return;
		}
}

/* A PDU from the controller: @hdr of @hlen bytes (CH filled here), then @data. */
size_t tcp_target_build_pdu(struct target *t, uint8_t *out, void *hdr, uint8_t type,
			    uint8_t hlen, uint8_t flags, const void *data, uint32_t dlen)
{
	struct nvme_tcp_ch *ch = hdr;
	uint32_t hd = t->hd ? 4 : 0, dd = dlen && t->dd ? 4 : 0, crc;
	size_t off;

	ch->type = type;
	ch->flags = flags | (t->hd ? NVME_TCP_F_HDGST : 0) | (dd ? NVME_TCP_F_DDGST : 0);
	ch->hlen = hlen;
	ch->pdo = dlen ? hlen + hd : 0;
	ch->plen = hlen + hd + dlen + dd;
	memcpy(out, hdr, hlen);
	off = hlen;
	if (hd) {
		crc = nvd__crc32c(0, out, hlen);
		memcpy(out + off, &crc, 4);
		off += 4;
	}
	if (dlen) {
		memcpy(out + off, data, dlen);
		off += dlen;
	}
	if (dd) {
		crc = nvd__crc32c(0, data, dlen);
		if (t->misbehave == BAD_DDGST && !t->ddgst_spoiled++)
			crc ^= 1;
		memcpy(out + off, &crc, 4);
		off += 4;
	}
	return off;
}

static void send_pdu(struct target *t, void *hdr, uint8_t type, uint8_t hlen, uint8_t flags,
		     const void *data, uint32_t dlen)
{
	static uint8_t out[MAX_PDU + 256];

	wr(t, out, tcp_target_build_pdu(t, out, hdr, type, hlen, flags, data, dlen));
}

void tcp_target_respond(struct target *t, uint16_t cid, uint32_t cdw0, uint16_t status)
{
	struct nvme_tcp_capsule_resp r = { .cqe = { .cdw0 = cdw0, .cid = cid, .status = status } };

	send_pdu(t, &r, NVME_TCP_CAPSULE_RESP, sizeof(r), 0, NULL, 0);
}

/* The next PDU from the host, digests checked: its header and data. */
static bool read_pdu(struct target *t, uint8_t *pdu, uint8_t **data, uint32_t *dlen)
{
	struct nvme_tcp_ch *ch = (void *)pdu;
	uint32_t crc, dd;
	bool hd;

	if (!tcp_target_rd(t, pdu, 8))
		return false;
	if (ch->plen > MAX_PDU + 256 || ch->plen < ch->hlen || !tcp_target_rd(t, pdu + 8, ch->plen - 8)) {
		tcp_target_fail(t, "PDU length");
		return false;
	}
	/* TermReqs are never digested (§3.6.2.4) */
	hd = t->hd && ch->type != NVME_TCP_H2C_TERM;
	if (!!(ch->flags & NVME_TCP_F_HDGST) != hd) {
		tcp_target_fail(t, "header digest flag");
		return false;
	}
	if (hd) {
		memcpy(&crc, pdu + ch->hlen, 4);
		if (crc != nvd__crc32c(0, pdu, ch->hlen))
			tcp_target_fail(t, "header digest");
	}
	*dlen = 0;
	*data = NULL;
	if (!ch->pdo)
		return true;
	dd = ch->flags & NVME_TCP_F_DDGST ? 4 : 0;
	if (t->dd != !!dd)
		tcp_target_fail(t, "data digest flag");
	*data = pdu + ch->pdo;
	*dlen = ch->plen - ch->pdo - dd;
	if (dd) {
		memcpy(&crc, *data + *dlen, 4);
		if (crc != nvd__crc32c(0, *data, *dlen))
			tcp_target_fail(t, "data digest");
	}
	return true;
}

static uint64_t cmd_off(const struct nvme_cmd *c)
{
	return ((uint64_t)c->cdw11 << 32 | c->cdw10) * LBA;
}

static uint32_t cmd_len(const struct nvme_cmd *c)
{
	return ((c->cdw12 & 0xffff) + 1) * LBA;
}

static void c2h(struct target *t, const struct nvme_cmd *c)
{
	uint32_t len = cmd_len(c), piece = t->c2h_piece ? t->c2h_piece : len, off;
	struct nvme_tcp_data d;

	for (off = 0; off < len; off += piece) {
		uint32_t n = len - off < piece ? len - off : piece;
		uint8_t flags = off + n == len ? NVME_TCP_F_LAST : 0;

		if (flags && t->success)
			flags |= NVME_TCP_F_SUCCESS;
		memset(&d, 0, sizeof(d));
		d.cccid = c->cid;
		d.datao = off;
		d.datal = n;
		send_pdu(t, &d, NVME_TCP_C2H_DATA, sizeof(d), flags, t->ns + cmd_off(c) + off, n);
	}
	if (!t->success)
		tcp_target_respond(t, c->cid, 0, 0);
}

/* Dataset Management's @len bytes of ranges are in t->dsm: keep them, deallocate if asked. */
static void dsm_done(struct target *t, const struct nvme_cmd *c, uint32_t len)
{
	struct { uint32_t attr, nlb; uint64_t slba; } r;	/* NVM 1.0 Figure 39 */
	unsigned i;

	t->dsm_cmds++;
	t->dsm_nr = (c->cdw10 & 0xff) + 1;
	t->dsm_attrs = c->cdw11;
	if (len != t->dsm_nr * 16u)
		return tcp_target_fail(t, "DSM data is not NR ranges");
	for (i = 0; (c->cdw11 & 4) && i < t->dsm_nr; i++) {
		memcpy(&r, t->dsm + i * 16, 16);
		if ((r.slba + r.nlb) * LBA > NS_BYTES)
			return tcp_target_fail(t, "DSM range past the namespace");
		memset(t->ns + r.slba * LBA, 0, (size_t)r.nlb * LBA);
	}
	tcp_target_respond(t, c->cid, 0, 0);
}

static void misbehave(struct target *t, uint16_t cid, unsigned total_cmds)
{
	struct nvme_tcp_capsule_resp r = { .cqe = { .cid = cid } };
	uint8_t pdu[256] __attribute__((aligned(8))), *data, out[64];
	uint32_t dlen;
	size_t n;

	switch (t->misbehave) {
	case CLOSE_MID_IO:
		/* the rest of the commands read, so closing sends FIN, not RST */
		while (t->cmds < total_cmds && read_pdu(t, pdu, &data, &dlen))
			t->cmds++;
		shutdown(t->fd, SHUT_WR);
		break;
	case MALFORMED:
		/* a CapsuleResp claiming a 30-byte header */
		r.ch = (struct nvme_tcp_ch){ NVME_TCP_CAPSULE_RESP, 0, 30, 0, 30 };
		send(t->fd, &r, sizeof(r), MSG_NOSIGNAL);
		break;
	case UNKNOWN_CID:
		r.ch = (struct nvme_tcp_ch){ NVME_TCP_CAPSULE_RESP, 0, 24, 0, 24 };
		r.cqe.cid = 999;
		send(t->fd, &r, sizeof(r), MSG_NOSIGNAL);
		break;
	case BAD_HDGST:
		/* its own CapsuleResp, one bit of the header digest flipped */
		n = tcp_target_build_pdu(t, out, &r, NVME_TCP_CAPSULE_RESP, sizeof(r), 0, NULL, 0);
		out[sizeof(r)] ^= 0x10;
		send(t->fd, out, n, MSG_NOSIGNAL);
		break;
	default:
		break;
	}
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Identify data for CNS @cns: a controller of one 1 MiB namespace of 512-byte LBAs. */
static void identify(struct target *t, const struct nvme_cmd *c, uint8_t *d)
{
	uint32_t ioccsz = ((t->incapsule ? t->incapsule : 8192) + 64) / 16, nn = 1, one = 1;
	uint64_t nsze = NS_BYTES / LBA;

	memset(d, 0, 4096);
	switch (c->cdw10 & 0xff) {
	case 1:		/* Base 2.0 Figure 275 */
		d[0] = 0x4e;				/* VID */
		memcpy(d + 4, "FAKE-TCP-SN-0001    ", 20);
		memcpy(d + 24, "nvdirect fake tcp target                ", 40);
		memcpy(d + 64, "1.0     ", 8);
		d[77] = 3;				/* MDTS: 32 KiB */
		d[512] = 0x66;				/* SQES */
		d[513] = 0x44;				/* CQES */
		d[520] = 0x04;				/* ONCS: Dataset Management */
		memcpy(d + 516, &nn, 4);
		memcpy(d + 1792, &ioccsz, 4);
		break;
	case 2:		/* active namespace list */
		memcpy(d, &one, 4);
		break;
	case 0:		/* Figure 280: NSZE, NCAP, NUSE, NLBAF 0, FLBAS 0, LBAF0 LBADS 9 */
		memcpy(d, &nsze, 8);
		memcpy(d + 8, &nsze, 8);
		memcpy(d + 16, &nsze, 8);
		d[130] = 9;
		break;
	}
}

/* The admin queue of a controller: properties and the admin commands an attach sends. */
static void serve_admin(struct target *t, uint8_t *pdu)
{
	static uint8_t id[4096];
	struct nvme_tcp_capsule_cmd *cap = (void *)pdu;
	struct nvme_tcp_capsule_resp r;
	struct nvme_tcp_data d;
	uint8_t *data;
	uint32_t dlen;

	while (read_pdu(t, pdu, &data, &dlen)) {
		const struct nvmf_prop_cmd *p = (const void *)&cap->sqe;
		const struct nvme_cmd *c = &cap->sqe;
		uint64_t v = 0;

		if (cap->ch.type != NVME_TCP_CAPSULE_CMD)
			return tcp_target_fail(t, "admin queue: not a CapsuleCmd");
		t->admin_cmds++;
		memset(&r, 0, sizeof(r));
		r.cqe.cid = c->cid;
		if (c->opc == NVME_OPC_FABRICS && p->fctype == NVMF_FCTYPE_PROP_GET) {
			switch (p->ofst) {
			case NVME_REG_CAP:	/* MQES, CQR, TO 500 ms, CSS NVM */
				v = (uint64_t)(t->mqes - 1) | 1u << 16 | 1u << 24 | 1ull << 37;
				break;
			case NVME_REG_VS:
				v = 0x10400;
				break;
			case NVME_REG_CC:
				v = t->cc;
				break;
			case NVME_REG_CSTS:
				v = t->csts;
				break;
			}
			r.cqe.cdw0 = (uint32_t)v;
			r.cqe.rsvd = (uint32_t)(v >> 32);
		} else if (c->opc == NVME_OPC_FABRICS && p->fctype == NVMF_FCTYPE_PROP_SET) {
			if (p->ofst == NVME_REG_CC) {
				t->cc = (uint32_t)p->value;
				t->csts = (t->cc & NVME_CC_EN ? NVME_CSTS_RDY : 0) |
					  (t->cc & NVME_CC_SHN_MASK ? NVME_CSTS_SHST_DONE : 0);
			}
		} else if (c->opc == NVME_ADM_IDENTIFY) {
			identify(t, c, id);
			memset(&d, 0, sizeof(d));
			d.cccid = c->cid;
			d.datal = c->sgl1.len < 4096 ? c->sgl1.len : 4096;
			send_pdu(t, &d, NVME_TCP_C2H_DATA, sizeof(d), NVME_TCP_F_LAST, id, d.datal);
		} else if (c->opc == NVME_ADM_SET_FEATURES && (c->cdw10 & 0xff) == NVME_FEAT_NUM_QUEUES) {
			t->feat_nq++;
			r.cqe.cdw0 = (3u << 16) | 3u;	/* 4 and 4, 0-based */
		} else if (c->opc == 0x18) {		/* Keep Alive */
			if (t->keep_alives < 64)
				t->keep_alive_ms[t->keep_alives] = mono_ms();
			t->keep_alives++;
		}
		/* anything else (Set Features AEC ...) just succeeds */
		send_pdu(t, &r, NVME_TCP_CAPSULE_RESP, sizeof(r), 0, NULL, 0);
	}
}

/* ICReq, ICResp, Connect; then serve reads and writes until the host leaves. */
static void serve(struct target *t)
{
	static uint8_t pdu[MAX_PDU + 256] __attribute__((aligned(8)));
	struct nvme_tcp_icreq req;
	struct nvme_tcp_icresp icr = { .pfv = 0 };
	const struct nvmf_connect_cmd *cc;
	const struct nvmf_connect_data *cd;
	struct nvme_tcp_capsule_cmd *cap = (void *)pdu;
	struct nvme_tcp_data *h = (void *)pdu;
	uint8_t *data;
	uint32_t dlen;

	if (!tcp_target_rd(t, &req, sizeof(req)) || req.ch.type != NVME_TCP_ICREQ)
		return tcp_target_fail(t, "ICReq");
	icr.ch = (struct nvme_tcp_ch){ NVME_TCP_ICRESP, 0, 128, 0, 128 };
	t->asked_dgst = req.dgst;
	icr.dgst = req.dgst & t->dgst;
	icr.maxh2cdata = t->maxh2cdata;
	if (send(t->fd, &icr, sizeof(icr), MSG_NOSIGNAL) != sizeof(icr))
		return tcp_target_fail(t, "ICResp");
	t->hd = icr.dgst & NVME_TCP_DGST_HDR;
	t->dd = icr.dgst & NVME_TCP_DGST_DATA;

	if (!read_pdu(t, pdu, &data, &dlen) || cap->ch.type != NVME_TCP_CAPSULE_CMD ||
	    dlen != sizeof(*cd))
		return tcp_target_fail(t, "Connect");
	cc = (const void *)&cap->sqe;
	cd = (const void *)data;
	t->connect_qid = cc->qid;
	t->connect_sqsize = cc->sqsize;
	t->connect_cntlid = cd->cntlid;
	if (t->mqes && !cc->qid) {
		/* the admin queue of a controller: controller ID 7 */
		t->kato = cc->kato;
		tcp_target_respond(t, cc->cid, 7, 0);
		return serve_admin(t, pdu);
	}
	tcp_target_respond(t, cc->cid, 0, 0);

	while (read_pdu(t, pdu, &data, &dlen)) {
		if (cap->ch.type == NVME_TCP_CAPSULE_CMD) {
			const struct nvme_cmd *c = &cap->sqe;

			t->sgl_ids[t->cmds++ & 255] = c->sgl1.id;
			if (t->misbehave != OK && t->cmds > t->misbehave_after) {
				misbehave(t, c->cid, 8);
				/* then only read until the host closes */
				while (read_pdu(t, pdu, &data, &dlen))
					if (cap->ch.type == NVME_TCP_H2C_TERM)
						t->term_fes = ((struct nvme_tcp_term *)pdu)->fes;
				return;
			}
			if (c->opc == NVME_CMD_DSM) {
				if (c->sgl1.len > sizeof(t->dsm) || dlen > c->sgl1.len) {
					tcp_target_fail(t, "DSM length");
					return;
				}
				if (dlen) {
					t->incapsule_cmds++;
					memcpy(t->dsm, data, dlen);
					dsm_done(t, c, dlen);
				} else {
					struct nvme_tcp_r2t r = { .cccid = c->cid, .ttag = c->cid ^ 0x5a5a,
								  .r2tl = c->sgl1.len };

					t->wr[c->cid] = (struct r2t_state){ true, true, 0, c->sgl1.len, 0,
									    c->cdw10, c->cdw11 };
					t->r2ts++;
					send_pdu(t, &r, NVME_TCP_R2T, sizeof(r), 0, NULL, 0);
				}
				continue;
			}
			if (cmd_off(c) + cmd_len(c) > NS_BYTES || c->sgl1.len != cmd_len(c)) {
				tcp_target_fail(t, "command range");
				return;
			}
			if (c->opc == NVME_CMD_READ) {
				c2h(t, c);
			} else if (dlen) {
				t->incapsule_cmds++;
				if (dlen != cmd_len(c))
					tcp_target_fail(t, "in-capsule length");
				memcpy(t->ns + cmd_off(c), data, dlen);
				tcp_target_respond(t, c->cid, 0, 0);
			} else {
				struct nvme_tcp_r2t r = { .cccid = c->cid, .ttag = c->cid ^ 0x5a5a,
							  .r2to = 0, .r2tl = cmd_len(c) };

				t->wr[c->cid] = (struct r2t_state){ true, false, cmd_off(c), cmd_len(c),
								    0, 0, 0 };
				t->r2ts++;
				send_pdu(t, &r, NVME_TCP_R2T, sizeof(r), 0, NULL, 0);
			}
		} else if (h->ch.type == NVME_TCP_H2C_DATA) {
			struct r2t_state *w = &t->wr[h->cccid];

			t->h2c_pdus++;
			if (dlen > t->max_h2c_len)
				t->max_h2c_len = dlen;
			if (!w->active || h->ttag != (h->cccid ^ 0x5a5a) || h->datao != w->got ||
			    h->datal != dlen || w->got + dlen > w->len) {
				tcp_target_fail(t, "H2CData out of step");
				return;
			}
			memcpy((w->dsm ? t->dsm : t->ns) + w->off + w->got, data, dlen);
			w->got += dlen;
			if (h->ch.flags & NVME_TCP_F_LAST) {
				t->h2c_last_flags++;
				if (w->got != w->len)
					tcp_target_fail(t, "LAST before the R2T's data");
				w->active = false;
				if (w->dsm) {
					struct nvme_cmd dc = { .cid = h->cccid, .cdw10 = w->cdw10,
							       .cdw11 = w->cdw11 };

					dsm_done(t, &dc, w->len);
				} else
					tcp_target_respond(t, h->cccid, 0, 0);
			}
		} else {
			tcp_target_fail(t, "unexpected PDU type");
			return;
		}
	}
}

static void *target_main(void *arg)
{
	struct target *t = arg;
	int one = 1;

	t->fd = accept(t->lfd, NULL, NULL);
	if (t->fd < 0) {
		tcp_target_fail(t, "accept");
		return NULL;
	}
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (t->script)
		t->script(t);
	else
		serve(t);
	close(t->fd);
	return NULL;
}

static void *conn_main(void *arg)
{
	struct target *t = arg;
	int one = 1;

	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	serve(t);
	close(t->fd);
	return NULL;
}

/* Accept the admin connection, then each I/O connection, one thread each. */
static void *listen_main(void *arg)
{
	struct target *t = arg, *c;
	unsigned i;

	for (i = 0; i <= t->nio; i++) {
		c = i ? t->io[i - 1] : t;
		c->fd = accept(t->lfd, NULL, NULL);
		if (c->fd < 0)
			break;
		c->mqes = t->mqes;
		if (i && !c->dgst)
			c->dgst = t->dgst;
		pthread_create(&c->thread, NULL, conn_main, c);
	}
	return NULL;
}

int tcp_loopback_listen(int backlog, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (void *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static pthread_t listener;

void tcp_target_start_ctrlr(struct target *t, unsigned nio)
{
	unsigned i;

	ck_assert_uint_le(nio, 4);
	if (!t->mqes)
		t->mqes = 64;
	t->nio = nio;
	for (i = 0; i < nio; i++) {
		if (!t->io[i])
			t->io[i] = tcp_target_new();
		t->io[i]->fd = -1;
	}
	t->lfd = tcp_loopback_listen(8, &t->port);
	t->fd = -1;
	ck_assert_int_eq(pthread_create(&listener, NULL, listen_main, t), 0);
}

void tcp_target_join_ctrlr(struct target *t)
{
	unsigned i;

	/* a listener still waiting for a connection the host never made */
	shutdown(t->lfd, SHUT_RDWR);
	pthread_join(listener, NULL);
	close(t->lfd);
	if (t->fd >= 0)
		pthread_join(t->thread, NULL);
	ck_assert_msg(!t->failed, "the fake target's admin queue: %s", t->why);
	for (i = 0; i < t->nio; i++) {
		if (t->io[i]->fd >= 0 && t->io[i]->thread)
			pthread_join(t->io[i]->thread, NULL);
		ck_assert_msg(!t->io[i]->failed, "the fake target's I/O queue %u: %s", i + 1,
			      t->io[i]->why);
		free(t->io[i]);
		t->io[i] = NULL;
	}
}

struct target *tcp_target_new(void)
{
	struct target *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	t->maxh2cdata = 8192;
	sem_init(&t->sent, 0, 0);
	sem_init(&t->go, 0, 0);
	return t;
}

void tcp_target_start(struct target *t)
{
	t->lfd = tcp_loopback_listen(1, &t->port);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, target_main, t), 0);
}

void tcp_target_join(struct target *t)
{
	pthread_join(t->thread, NULL);
	close(t->lfd);
	ck_assert_msg(!t->failed, "the fake target: %s", t->why);
}
