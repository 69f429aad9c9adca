// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP I/O queue pair (lib/tcp/qpair.c) against a fake target on a
 * loopback socket, in a thread: a 1 MiB namespace of 512-byte blocks
 * served with C2HData for reads and R2T then H2CData (or in-capsule data)
 * for writes, optionally with digests, byte-by-byte writes, SUCCESS
 * C2HData, and the ways a target goes wrong (closing mid-I/O, a malformed
 * PDU, an unknown CID, a bad data digest).  The host side only polls.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nvdirect.h>

#include "tcp/crc32c.h"
#include "tcp/qpair.h"

#define LBA		512u
#define NS_BYTES	(1u << 20)
#define MAX_PDU		(64u * 1024)

enum misbehave { OK, CLOSE_MID_IO, MALFORMED, UNKNOWN_CID, BAD_DDGST };

struct target {
	int lfd, fd;
	uint16_t port;
	pthread_t thread;
	/* how it behaves */
	uint8_t dgst;			/* digests it grants of those asked for */
	uint32_t maxh2cdata;
	uint32_t c2h_piece;		/* bytes per C2HData PDU; 0: all in one */
	bool success;			/* C2HData with SUCCESS, no CapsuleResp */
	bool dribble;			/* every PDU a byte at a time */
	enum misbehave misbehave;
	unsigned misbehave_after;	/* commands read before it misbehaves */
	sem_t sent, go;			/* STEPWISE: a chunk is out / send the next */
	/* what it saw */
	bool hd, dd;
	uint16_t connect_qid, connect_sqsize, connect_cntlid;
	unsigned cmds, h2c_pdus, h2c_last_flags, r2ts, incapsule_cmds, max_h2c_len;
	uint16_t term_fes;		/* the host's H2CTermReq, if it sent one */
	uint8_t sgl_ids[256];
	int failed;
	char why[160];
	uint8_t ns[NS_BYTES];
	struct r2t_state { bool active; uint64_t off; uint32_t len, got; } wr[65536];
};

static struct target *T;

static void tfail(struct target *t, const char *why)
{
	if (!t->failed)
		snprintf(t->why, sizeof(t->why), "%s", why);
	t->failed = 1;
}

static bool rd(struct target *t, void *buf, size_t len)
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
			tfail(t, "send");
		return;
	}
	for (i = 0; i < len; i++)
		if (send(t->fd, p + i, 1, MSG_NOSIGNAL) != 1) {
			tfail(t, "send");
			return;
		}
}

/* A PDU from the controller: @hdr of @hlen bytes (CH filled here), then @data. */
static size_t build_pdu(struct target *t, uint8_t *out, void *hdr, uint8_t type, uint8_t hlen,
			uint8_t flags, const void *data, uint32_t dlen)
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
		if (t->misbehave == BAD_DDGST)
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

	wr(t, out, build_pdu(t, out, hdr, type, hlen, flags, data, dlen));
}

static void respond(struct target *t, uint16_t cid, uint32_t cdw0, uint16_t status)
{
	struct nvme_tcp_capsule_resp r = { .cqe = { .cdw0 = cdw0, .cid = cid, .status = status } };

	send_pdu(t, &r, NVME_TCP_CAPSULE_RESP, sizeof(r), 0, NULL, 0);
}

/* The next PDU from the host, digests checked: its header and data. */
static bool read_pdu(struct target *t, uint8_t *pdu, uint8_t **data, uint32_t *dlen)
{
	struct nvme_tcp_ch *ch = (void *)pdu;
	uint32_t crc, dd;

	if (!rd(t, pdu, 8))
		return false;
	if (ch->plen > MAX_PDU + 256 || ch->plen < ch->hlen || !rd(t, pdu + 8, ch->plen - 8)) {
		tfail(t, "PDU length");
		return false;
	}
	if (!!(ch->flags & NVME_TCP_F_HDGST) != t->hd) {
		tfail(t, "header digest flag");
		return false;
	}
	if (t->hd) {
		memcpy(&crc, pdu + ch->hlen, 4);
		if (crc != nvd__crc32c(0, pdu, ch->hlen))
			tfail(t, "header digest");
	}
	*dlen = 0;
	*data = NULL;
	if (!ch->pdo)
		return true;
	dd = ch->flags & NVME_TCP_F_DDGST ? 4 : 0;
	if (t->dd != !!dd)
		tfail(t, "data digest flag");
	*data = pdu + ch->pdo;
	*dlen = ch->plen - ch->pdo - dd;
	if (dd) {
		memcpy(&crc, *data + *dlen, 4);
		if (crc != nvd__crc32c(0, *data, *dlen))
			tfail(t, "data digest");
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
		respond(t, c->cid, 0, 0);
}

static void misbehave(struct target *t, uint16_t cid, unsigned total_cmds)
{
	struct nvme_tcp_capsule_resp r = { .cqe = { .cid = cid } };
	uint8_t pdu[256] __attribute__((aligned(8))), *data;
	uint32_t dlen;

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
	default:
		break;
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

	if (!rd(t, &req, sizeof(req)) || req.ch.type != NVME_TCP_ICREQ)
		return tfail(t, "ICReq");
	icr.ch = (struct nvme_tcp_ch){ NVME_TCP_ICRESP, 0, 128, 0, 128 };
	icr.dgst = req.dgst & t->dgst;
	icr.maxh2cdata = t->maxh2cdata;
	if (send(t->fd, &icr, sizeof(icr), MSG_NOSIGNAL) != sizeof(icr))
		return tfail(t, "ICResp");
	t->hd = icr.dgst & NVME_TCP_DGST_HDR;
	t->dd = icr.dgst & NVME_TCP_DGST_DATA;

	if (!read_pdu(t, pdu, &data, &dlen) || cap->ch.type != NVME_TCP_CAPSULE_CMD ||
	    dlen != sizeof(*cd))
		return tfail(t, "Connect");
	cc = (const void *)&cap->sqe;
	cd = (const void *)data;
	t->connect_qid = cc->qid;
	t->connect_sqsize = cc->sqsize;
	t->connect_cntlid = cd->cntlid;
	respond(t, cc->cid, 0, 0);

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
			if (cmd_off(c) + cmd_len(c) > NS_BYTES || c->sgl1.len != cmd_len(c)) {
				tfail(t, "command range");
				return;
			}
			if (c->opc == NVME_CMD_READ) {
				c2h(t, c);
			} else if (dlen) {
				t->incapsule_cmds++;
				if (dlen != cmd_len(c))
					tfail(t, "in-capsule length");
				memcpy(t->ns + cmd_off(c), data, dlen);
				respond(t, c->cid, 0, 0);
			} else {
				struct nvme_tcp_r2t r = { .cccid = c->cid, .ttag = c->cid ^ 0x5a5a,
							  .r2to = 0, .r2tl = cmd_len(c) };

				t->wr[c->cid] = (struct r2t_state){ true, cmd_off(c), cmd_len(c), 0 };
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
				tfail(t, "H2CData out of step");
				return;
			}
			memcpy(t->ns + w->off + w->got, data, dlen);
			w->got += dlen;
			if (h->ch.flags & NVME_TCP_F_LAST) {
				t->h2c_last_flags++;
				if (w->got != w->len)
					tfail(t, "LAST before the R2T's data");
				w->active = false;
				respond(t, h->cccid, 0, 0);
			}
		} else {
			tfail(t, "unexpected PDU type");
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
		tfail(t, "accept");
		return NULL;
	}
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	serve(t);
	close(t->fd);
	return NULL;
}

static struct target *target_new(void)
{
	T = calloc(1, sizeof(*T));
	ck_assert_ptr_nonnull(T);
	T->maxh2cdata = 8192;
	sem_init(&T->sent, 0, 0);
	sem_init(&T->go, 0, 0);
	return T;
}

static void target_start(struct target *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	t->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(t->lfd, 0);
	ck_assert_int_eq(bind(t->lfd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(t->lfd, 1), 0);
	ck_assert_int_eq(getsockname(t->lfd, (void *)&a, &len), 0);
	t->port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, target_main, t), 0);
}

static void target_join(struct target *t)
{
	pthread_join(t->thread, NULL);
	close(t->lfd);
	ck_assert_msg(!t->failed, "the fake target: %s", t->why);
}

static const struct nvd_tcp_host host = { .nqn = "nqn.2026-12.io.nvdirect:qpair-test" };

/* A queue pair of @qsize connected to @t as queue 1 of controller 5. */
static struct nvd_tcp_qpair *qpair_up(struct target *t, uint32_t qsize, uint32_t incapsule,
				      bool digests)
{
	struct nvd_tcp_qpair_opts o = {
		.qid = 1, .qsize = qsize, .cntlid = 5, .host = &host, .subnqn = "nqn.sub",
		.incapsule_max = incapsule,
		.conn = { .hdgst = digests, .ddgst = digests, .timeout_ms = 5000 },
	};
	struct nvd_tcp_qpair *q;
	struct nvd_trid trid;
	char s[96];

	target_start(t);
	snprintf(s, sizeof(s), "trtype:TCP traddr:127.0.0.1 trsvcid:%u", t->port);
	ck_assert_int_eq(nvd_trid_parse(&trid, s), 0);
	ck_assert_int_eq(nvd__tcp_qpair_create(&q, &o), 0);
	ck_assert_msg(nvd__tcp_qpair_connect(q, &trid) == 0, "connect: %s", nvd_last_error());
	return q;
}

struct io {
	struct nvme_cmd cmd;
	uint8_t *buf;
	int done;
	struct nvd_cpl cpl;
};

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct io *io = arg;

	io->done++;
	io->cpl = *cpl;
}

static void io_submit(struct nvd_tcp_qpair *q, struct io *io, uint8_t opc, uint64_t lba,
		      uint32_t bytes)
{
	memset(&io->cmd, 0, sizeof(io->cmd));
	io->cmd.opc = opc;
	io->cmd.nsid = 1;
	io->cmd.cdw10 = (uint32_t)lba;
	io->cmd.cdw11 = lba >> 32;
	io->cmd.cdw12 = bytes / LBA - 1;
	io->done = 0;
	ck_assert_int_eq(nvd__tcp_qpair_submit(q, &io->cmd, io->buf, bytes, opc == NVME_CMD_WRITE,
					       io_done, io), 0);
}

/* Poll until nothing is outstanding; the completions it counted. */
static uint32_t poll_all(struct nvd_tcp_qpair *q)
{
	time_t deadline = time(NULL) + 10;
	uint32_t total = 0;
	int32_t n;

	while (nvd__tcp_qpair_outstanding(q)) {
		n = nvd__tcp_qpair_process_completions(q, 0);
		ck_assert_msg(n >= 0, "poll: %d %s", n, nvd_last_error());
		total += n;
		ck_assert_msg(time(NULL) < deadline, "commands still outstanding after 10 s");
	}
	return total;
}

static void fill(uint8_t *buf, uint32_t len, unsigned seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

/* @n writes of @bytes each, all in flight, then @n reads of them back, compared. */
static void write_read_back(struct nvd_tcp_qpair *q, unsigned n, uint32_t bytes)
{
	struct io *io = calloc(n, sizeof(*io));
	uint8_t *want = malloc(bytes);
	unsigned i;

	ck_assert_ptr_nonnull(io);
	for (i = 0; i < n; i++) {
		io[i].buf = malloc(bytes);
		fill(io[i].buf, bytes, i + 1);
		io_submit(q, &io[i], NVME_CMD_WRITE, (uint64_t)i * bytes / LBA, bytes);
	}
	ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), n);
	ck_assert_uint_eq(poll_all(q), n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(io[i].done, 1);
		ck_assert_msg(!nvd_cpl_is_error(&io[i].cpl), "write %u: %s", i,
			      nvd_cpl_status_str(&io[i].cpl));
		memset(io[i].buf, 0xee, bytes);
		io_submit(q, &io[i], NVME_CMD_READ, (uint64_t)i * bytes / LBA, bytes);
	}
	ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), n);
	ck_assert_uint_eq(poll_all(q), n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(io[i].done, 1);
		ck_assert(!nvd_cpl_is_error(&io[i].cpl));
		fill(want, bytes, i + 1);
		ck_assert_msg(!memcmp(io[i].buf, want, bytes), "read %u differs from what was written", i);
		free(io[i].buf);
	}
	free(want);
	free(io);
}

/* Close the queue pair, wait for the target; the FES of any H2CTermReq it got. */
static uint16_t finish(struct nvd_tcp_qpair *q, struct target *t)
{
	uint16_t fes;

	nvd__tcp_qpair_destroy(q);
	target_join(t);
	fes = t->term_fes;
	free(t);
	return fes;
}

/* ---- data movement -------------------------------------------------------- */

START_TEST(test_32_writes_then_32_reads_in_flight)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q = qpair_up(t, 64, 0, false);

	ck_assert_uint_eq(t->connect_qid, 1);
	ck_assert_uint_eq(t->connect_sqsize, 63);
	ck_assert_uint_eq(t->connect_cntlid, 5);
	write_read_back(q, 32, 4096);
	/* every write waited for its R2T: Transport SGL Data Block descriptors */
	ck_assert_uint_eq(t->r2ts, 32);
	ck_assert_uint_eq(t->incapsule_cmds, 0);
	ck_assert_uint_eq(t->sgl_ids[0], 0x5a);
	ck_assert_uint_eq(t->sgl_ids[40], 0x5a);
	finish(q, t);
}
END_TEST

START_TEST(test_small_write_goes_in_the_capsule)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q = qpair_up(t, 8, 8192, false);

	write_read_back(q, 4, 4096);
	ck_assert_uint_eq(t->incapsule_cmds, 4);
	ck_assert_uint_eq(t->r2ts, 0);
	/* SGL Data Block, sub type Offset, for in-capsule data (NVMe/TCP §3.4.3) */
	ck_assert_uint_eq(t->sgl_ids[0], 0x01);
	finish(q, t);
}
END_TEST

START_TEST(test_write_after_r2t_goes_in_maxh2cdata_pieces)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;

	t->maxh2cdata = 4096;
	/* 16 KiB is more than the in-capsule limit: R2T for all of it */
	q = qpair_up(t, 8, 8192, false);
	write_read_back(q, 2, 16384);
	ck_assert_uint_eq(t->r2ts, 2);
	ck_assert_uint_eq(t->h2c_pdus, 8);
	ck_assert_uint_eq(t->h2c_last_flags, 2);
	ck_assert_uint_eq(t->max_h2c_len, 4096);
	finish(q, t);
}
END_TEST

START_TEST(test_reads_in_several_c2h_pieces_then_a_capsule_resp)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;

	t->c2h_piece = 1536;
	q = qpair_up(t, 16, 0, false);
	write_read_back(q, 8, 8192);
	finish(q, t);
}
END_TEST

START_TEST(test_c2h_success_flag_completes_without_capsule_resp)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;

	t->success = true;
	t->c2h_piece = 1024;
	q = qpair_up(t, 16, 0, false);
	/* had a CapsuleResp been awaited, the reads would stay outstanding */
	write_read_back(q, 16, 4096);
	finish(q, t);
}
END_TEST

START_TEST(test_digests_with_pdus_arriving_byte_by_byte)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;
	const struct nvd_tcp_conn *c;

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	t->dribble = true;
	t->maxh2cdata = 4096;
	t->c2h_piece = 1024;
	q = qpair_up(t, 16, 1024, true);
	c = nvd__tcp_qpair_conn(q);
	ck_assert(c->tx.hdgst && c->tx.ddgst && c->rx.hdgst && c->rx.ddgst);
	write_read_back(q, 8, 8192);	/* R2T, 2 H2CData each */
	write_read_back(q, 4, 1024);	/* in the capsule, with its data digest */
	ck_assert_uint_eq(t->incapsule_cmds, 4);
	ck_assert_uint_eq(t->h2c_pdus, 16);
	finish(q, t);
}
END_TEST

/* Two reads; the target sends their answers in chunks the test lets out one by one. */
static void stepwise(struct target *t)
{
	static uint8_t out[16384];
	struct nvme_tcp_capsule_cmd cap[2];
	struct nvme_tcp_icreq req;
	struct nvme_tcp_icresp icr = { .ch = { NVME_TCP_ICRESP, 0, 128, 0, 128 } };
	uint8_t connect[72 + 1024];
	struct nvme_tcp_data d = { .datal = 1024 };
	struct nvme_tcp_capsule_resp r = { .cqe = { .cid = 0 } };
	size_t len = 0, cut[] = { 5, 23, 24 + 100, 24 + 1023, 24 + 1024 + 3 }, from = 0;
	unsigned i;

	icr.maxh2cdata = 8192;
	if (!rd(t, &req, sizeof(req)) || send(t->fd, &icr, sizeof(icr), 0) != sizeof(icr) ||
	    !rd(t, connect, sizeof(connect)))
		return tfail(t, "handshake");
	respond(t, ((struct nvme_tcp_capsule_cmd *)connect)->sqe.cid, 0, 0);
	if (!rd(t, cap, sizeof(cap)))
		return tfail(t, "commands");
	/* read 0: C2HData then CapsuleResp; read 1: C2HData with SUCCESS */
	d.cccid = cap[0].sqe.cid;
	len += build_pdu(t, out + len, &d, NVME_TCP_C2H_DATA, 24, NVME_TCP_F_LAST, t->ns, 1024);
	r.cqe.cid = cap[0].sqe.cid;
	len += build_pdu(t, out + len, &r, NVME_TCP_CAPSULE_RESP, 24, 0, NULL, 0);
	d.cccid = cap[1].sqe.cid;
	len += build_pdu(t, out + len, &d, NVME_TCP_C2H_DATA, 24,
			 NVME_TCP_F_LAST | NVME_TCP_F_SUCCESS, t->ns + 1024, 1024);
	for (i = 0; i <= sizeof(cut) / sizeof(cut[0]); i++) {
		size_t to = i < sizeof(cut) / sizeof(cut[0]) ? cut[i] : len;

		if (send(t->fd, out + from, to - from, 0) != (ssize_t)(to - from))
			return tfail(t, "send");
		from = to;
		sem_post(&t->sent);
		sem_wait(&t->go);
	}
	rd(t, &req, 1);		/* until the host closes */
}

static void *stepwise_main(void *arg)
{
	struct target *t = arg;

	int one = 1;

	t->fd = accept(t->lfd, NULL, NULL);
	/* each chunk its own segment, now: no Nagle */
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	stepwise(t);
	close(t->fd);
	return NULL;
}

START_TEST(test_partial_headers_and_data_resume_across_polls)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair_opts o = { .qid = 1, .qsize = 4, .host = &host, .subnqn = "nqn.sub",
					.conn = { .timeout_ms = 5000 } };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct nvd_tcp_qpair *q;
	struct nvd_trid trid;
	struct io io[2];
	uint8_t buf[2][1024];
	char s[96];
	struct pollfd pfd = { .events = POLLIN };
	unsigned step;
	int32_t n;

	fill(t->ns, 2048, 9);
	t->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(t->lfd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(t->lfd, 1), 0);
	ck_assert_int_eq(getsockname(t->lfd, (void *)&a, &alen), 0);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, stepwise_main, t), 0);
	snprintf(s, sizeof(s), "trtype:TCP traddr:127.0.0.1 trsvcid:%u", ntohs(a.sin_port));
	ck_assert_int_eq(nvd_trid_parse(&trid, s), 0);
	ck_assert_int_eq(nvd__tcp_qpair_create(&q, &o), 0);
	ck_assert_int_eq(nvd__tcp_qpair_connect(q, &trid), 0);
	io[0].buf = buf[0];
	io[1].buf = buf[1];
	io_submit(q, &io[0], NVME_CMD_READ, 0, 1024);
	io_submit(q, &io[1], NVME_CMD_READ, 2, 1024);
	/*
	 * Cuts: inside the CH, inside the header, inside the data, one byte
	 * short of it, inside the CapsuleResp; each poll takes what is there
	 * and completes nothing until the CapsuleResp is whole.
	 */
	pfd.fd = nvd__tcp_qpair_conn(q)->fd;
	for (step = 0; step < 5; step++) {
		sem_wait(&t->sent);
		/* the chunk has reached our socket (what came before was all read) */
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		n = nvd__tcp_qpair_process_completions(q, 0);
		ck_assert_msg(n == 0, "step %u: poll returned %d (%s)", step, n, nvd_last_error());
		ck_assert_int_eq(io[0].done, 0);
		ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), 2);
		sem_post(&t->go);
	}
	sem_wait(&t->sent);
	do
		n = nvd__tcp_qpair_process_completions(q, 0);
	while (n == 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(io[0].done, 1);
	ck_assert_int_eq(io[1].done, 1);
	ck_assert(!nvd_cpl_is_error(&io[1].cpl));
	ck_assert_int_eq(memcmp(buf[0], t->ns, 1024), 0);
	ck_assert_int_eq(memcmp(buf[1], t->ns + 1024, 1024), 0);
	sem_post(&t->go);
	finish(q, t);
}
END_TEST

START_TEST(test_poll_max_leaves_the_rest_for_the_next_poll)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q = qpair_up(t, 16, 0, false);
	uint8_t buf[8][512];
	struct io io[8];
	time_t deadline = time(NULL) + 10;
	int32_t n, total = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		io[i].buf = buf[i];
		io_submit(q, &io[i], NVME_CMD_READ, i, 512);
	}
	while (total < 8) {
		n = nvd__tcp_qpair_process_completions(q, 3);
		ck_assert_int_ge(n, 0);
		ck_assert_int_le(n, 3);
		total += n;
		ck_assert(time(NULL) < deadline);
	}
	ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), 0);
	finish(q, t);
}
END_TEST

/* ---- when the target goes wrong ------------------------------------------ */

/* 8 reads; the target answers 2 and then misbehaves.  Returns the poll's error. */
static int32_t misbehaving_target(struct target *t, struct nvd_tcp_qpair **qp, struct io io[8])
{
	static uint8_t buf[8][4096];
	struct nvd_tcp_qpair *q;
	time_t deadline = time(NULL) + 10;
	int32_t n, total = 0;
	unsigned i, done = 0, failed = 0;

	t->misbehave_after = 2;
	*qp = q = qpair_up(t, 16, 0, false);
	for (i = 0; i < 8; i++) {
		io[i].buf = buf[i];
		io_submit(q, &io[i], NVME_CMD_READ, i * 8, 4096);
	}
	for (;;) {
		n = nvd__tcp_qpair_process_completions(q, 0);
		if (n < 0)
			break;
		total += n;
		ck_assert_msg(time(NULL) < deadline, "no error from the polls after 10 s");
	}
	/* a poll that hits the error returns it, not the callbacks it ran before */
	ck_assert_int_le(total, 2);
	/* every command completed exactly once: 2 answered, 6 aborted */
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(io[i].done, 1);
		done += !nvd_cpl_is_error(&io[i].cpl);
		if (nvd_cpl_is_error(&io[i].cpl)) {
			failed++;
			ck_assert_uint_eq(nvd_cpl_sc(&io[i].cpl), NVME_SC_ABORT_REQUESTED);
			ck_assert(io[i].cpl.status & NVME_CPL_DNR);
		}
	}
	ck_assert_uint_eq(done, 2);
	ck_assert_uint_eq(failed, 6);
	ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), 0);
	return n;
}

/* After the teardown: the same error and words again, and no new commands. */
static void stays_down(struct nvd_tcp_qpair *q, int32_t err, const char *words)
{
	struct nvme_cmd cmd = { .opc = NVME_CMD_READ };
	uint8_t buf[512];

	ck_assert_int_eq(nvd__tcp_qpair_process_completions(q, 0), err);
	ck_assert_msg(strstr(nvd_last_error(), words), "'%s' lacks '%s'", nvd_last_error(), words);
	ck_assert_int_eq(nvd__tcp_qpair_submit(q, &cmd, buf, 512, false, io_done, NULL), -ENXIO);
}

START_TEST(test_target_closing_mid_io_fails_every_command_and_the_polls)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;
	struct io io[8];

	t->misbehave = CLOSE_MID_IO;
	ck_assert_int_eq(misbehaving_target(t, &q, io), -ECONNRESET);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "closed the connection"));
	stays_down(q, -ECONNRESET, "closed the connection");
	ck_assert_uint_eq(finish(q, t), 0);	/* nothing wrong with a PDU: no TermReq */
}
END_TEST

START_TEST(test_malformed_pdu_tears_down_with_words)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;
	struct io io[8];

	t->misbehave = MALFORMED;
	ck_assert_int_eq(misbehaving_target(t, &q, io), -EPROTO);
	ck_assert_msg(strstr(nvd_last_error(), "CapsuleResp HLEN 30, expected 24"), "%s",
		      nvd_last_error());
	stays_down(q, -EPROTO, "CapsuleResp HLEN 30, expected 24");
	/* it told the target why before closing */
	ck_assert_uint_eq(finish(q, t), NVME_TCP_FES_INVALID_HDR);
}
END_TEST

START_TEST(test_capsule_resp_for_an_unknown_cid_tears_down_with_words)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;
	struct io io[8];

	t->misbehave = UNKNOWN_CID;
	ck_assert_int_eq(misbehaving_target(t, &q, io), -EPROTO);
	ck_assert_msg(strstr(nvd_last_error(), "CapsuleResp for CID 999, which is not in flight"),
		      "%s", nvd_last_error());
	stays_down(q, -EPROTO, "CID 999");
	ck_assert_uint_eq(finish(q, t), NVME_TCP_FES_INVALID_HDR);
}
END_TEST

START_TEST(test_bad_data_digest_tears_down_with_words)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q;
	uint8_t buf[4096];
	struct io io = { .buf = buf };
	int32_t n;

	t->dgst = NVME_TCP_DGST_DATA;
	t->misbehave = BAD_DDGST;
	t->misbehave_after = 100;
	q = qpair_up(t, 4, 0, true);
	io_submit(q, &io, NVME_CMD_READ, 0, 4096);
	do
		n = nvd__tcp_qpair_process_completions(q, 0);
	while (n == 0);
	ck_assert_int_eq(n, -EBADMSG);
	ck_assert_msg(strstr(nvd_last_error(), "data digest"), "%s", nvd_last_error());
	ck_assert_int_eq(io.done, 1);
	ck_assert(nvd_cpl_is_error(&io.cpl));
	stays_down(q, -EBADMSG, "data digest");
	finish(q, t);
}
END_TEST

START_TEST(test_full_queue_is_eagain_and_bad_args_einval)
{
	struct target *t = target_new();
	struct nvd_tcp_qpair *q = qpair_up(t, 2, 0, false);
	struct nvd_tcp_qpair_opts o = { .qid = 0, .qsize = 8, .host = &host };
	struct nvd_tcp_qpair *q2;
	struct nvme_cmd cmd = { .opc = NVME_CMD_READ };
	uint8_t buf[2][512];
	struct io io[2] = { { .buf = buf[0] }, { .buf = buf[1] } };

	io_submit(q, &io[0], NVME_CMD_READ, 0, 512);
	io_submit(q, &io[1], NVME_CMD_READ, 1, 512);
	ck_assert_int_eq(nvd__tcp_qpair_submit(q, &cmd, buf[0], 512, false, io_done, NULL), -EAGAIN);
	ck_assert_int_eq(nvd__tcp_qpair_submit(q, &cmd, NULL, 512, false, io_done, NULL), -EINVAL);
	poll_all(q);
	ck_assert_int_eq(nvd__tcp_qpair_create(&q2, &o), -EINVAL);	/* QID 0 is the admin's */
	finish(q, t);
}
END_TEST

static Suite *tcp_qpair_suite(void)
{
	Suite *s = suite_create("tcp_qpair");
	TCase *tc = tcase_create("qpair");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_32_writes_then_32_reads_in_flight);
	tcase_add_test(tc, test_small_write_goes_in_the_capsule);
	tcase_add_test(tc, test_write_after_r2t_goes_in_maxh2cdata_pieces);
	tcase_add_test(tc, test_reads_in_several_c2h_pieces_then_a_capsule_resp);
	tcase_add_test(tc, test_c2h_success_flag_completes_without_capsule_resp);
	tcase_add_test(tc, test_digests_with_pdus_arriving_byte_by_byte);
	tcase_add_test(tc, test_partial_headers_and_data_resume_across_polls);
	tcase_add_test(tc, test_poll_max_leaves_the_rest_for_the_next_poll);
	tcase_add_test(tc, test_target_closing_mid_io_fails_every_command_and_the_polls);
	tcase_add_test(tc, test_malformed_pdu_tears_down_with_words);
	tcase_add_test(tc, test_capsule_resp_for_an_unknown_cid_tears_down_with_words);
	tcase_add_test(tc, test_bad_data_digest_tears_down_with_words);
	tcase_add_test(tc, test_full_queue_is_eagain_and_bad_args_einval);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_qpair_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
