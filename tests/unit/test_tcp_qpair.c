// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP I/O queue pair (lib/tcp/qpair.c) against the fake target of
 * tcp_target.c: many reads and writes in flight, in-capsule data, R2T
 * answered in MAXH2CDATA pieces, C2HData with and without SUCCESS,
 * digests, PDUs that arrive a byte or a chunk at a time, and the ways a
 * target goes wrong (closing mid-I/O, a malformed PDU, an unknown CID, a
 * bad data digest).  The host side only polls.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nvdirect.h>

#include "tcp/qpair.h"
#include "tcp_target.h"

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

	tcp_target_start(t);
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
	tcp_target_join(t);
	fes = t->term_fes;
	free(t);
	return fes;
}

/* ---- data movement -------------------------------------------------------- */

START_TEST(test_32_writes_then_32_reads_in_flight)
{
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair *q;

	t->c2h_piece = 1536;
	q = qpair_up(t, 16, 0, false);
	write_read_back(q, 8, 8192);
	finish(q, t);
}
END_TEST

START_TEST(test_c2h_success_flag_completes_without_capsule_resp)
{
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
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
	if (!tcp_target_rd(t, &req, sizeof(req)) || send(t->fd, &icr, sizeof(icr), 0) != sizeof(icr) ||
	    !tcp_target_rd(t, connect, sizeof(connect)))
		return tcp_target_fail(t, "handshake");
	tcp_target_respond(t, ((struct nvme_tcp_capsule_cmd *)connect)->sqe.cid, 0, 0);
	if (!tcp_target_rd(t, cap, sizeof(cap)))
		return tcp_target_fail(t, "commands");
	/* read 0: C2HData then CapsuleResp; read 1: C2HData with SUCCESS */
	d.cccid = cap[0].sqe.cid;
	len += tcp_target_build_pdu(t, out + len, &d, NVME_TCP_C2H_DATA, 24, NVME_TCP_F_LAST, t->ns, 1024);
	r.cqe.cid = cap[0].sqe.cid;
	len += tcp_target_build_pdu(t, out + len, &r, NVME_TCP_CAPSULE_RESP, 24, 0, NULL, 0);
	d.cccid = cap[1].sqe.cid;
	len += tcp_target_build_pdu(t, out + len, &d, NVME_TCP_C2H_DATA, 24,
			 NVME_TCP_F_LAST | NVME_TCP_F_SUCCESS, t->ns + 1024, 1024);
	for (i = 0; i <= sizeof(cut) / sizeof(cut[0]); i++) {
		size_t to = i < sizeof(cut) / sizeof(cut[0]) ? cut[i] : len;

		if (send(t->fd, out + from, to - from, 0) != (ssize_t)(to - from))
			return tcp_target_fail(t, "send");
		from = to;
		sem_post(&t->sent);
		sem_wait(&t->go);
	}
	tcp_target_rd(t, &req, 1);		/* until the host closes */
}

START_TEST(test_partial_headers_and_data_resume_across_polls)
{
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair *q;
	struct io io[2];
	uint8_t buf[2][1024];
	struct pollfd pfd = { .events = POLLIN };
	unsigned step;
	int32_t n;

	fill(t->ns, 2048, 9);
	t->script = stepwise;
	q = qpair_up(t, 4, 0, false);
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
	struct target *t = tcp_target_new();
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

/* ---- element lists -------------------------------------------------------- */

/* A transfer scattered over @n elements of @elem bytes; the cursor the callbacks move. */
struct vio {
	int done;
	struct nvd_cpl cpl;
	uint8_t *elem[64];
	uint32_t n, size, cur, cur_off;
};

static void vio_done(void *arg, const struct nvd_cpl *cpl)
{
	struct vio *v = arg;

	v->done++;
	v->cpl = *cpl;
}

static void vio_reset(void *arg, uint32_t off)
{
	struct vio *v = arg;

	v->cur = off / v->size;
	v->cur_off = off % v->size;
}

static int vio_next(void *arg, void **addr, uint32_t *len)
{
	struct vio *v = arg;

	if (v->cur >= v->n)
		return -1;
	*addr = v->elem[v->cur] + v->cur_off;
	*len = v->size - v->cur_off;
	v->cur++;
	v->cur_off = 0;
	return 0;
}

/* Write @n elements of @size at @lba from a pattern, read them back into fresh ones, compare. */
static void vio_round(struct nvd_tcp_qpair *q, uint32_t n, uint32_t size, uint64_t lba)
{
	struct nvme_cmd cmd;
	struct vio w = { .n = n, .size = size }, r = { .n = n, .size = size };
	uint32_t i, len = n * size;

	for (i = 0; i < n; i++) {
		w.elem[i] = malloc(size);
		r.elem[i] = calloc(1, size);
		fill(w.elem[i], size, i + 40);
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = NVME_CMD_WRITE;
	cmd.cdw10 = lba;
	cmd.cdw12 = len / 512 - 1;
	ck_assert_int_eq(nvd__tcp_qpair_submitv(q, &cmd, len, true, vio_reset, vio_next,
						vio_done, &w), 0);
	poll_all(q);
	ck_assert_int_eq(w.done, 1);
	ck_assert(!nvd_cpl_is_error(&w.cpl));
	cmd.opc = NVME_CMD_READ;
	ck_assert_int_eq(nvd__tcp_qpair_submitv(q, &cmd, len, false, vio_reset, vio_next,
						vio_done, &r), 0);
	poll_all(q);
	ck_assert_int_eq(r.done, 1);
	ck_assert(!nvd_cpl_is_error(&r.cpl));
	for (i = 0; i < n; i++) {
		ck_assert_msg(!memcmp(r.elem[i], w.elem[i], size), "element %u of %u differs", i, n);
		free(w.elem[i]);
		free(r.elem[i]);
	}
}

START_TEST(test_element_lists_in_and_out_with_digests)
{
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair *q;
	struct nvme_cmd cmd = { .opc = NVME_CMD_READ, .cdw12 = 7 };
	struct vio short_list = { .n = 2, .size = 512 };
	uint8_t e[2][512];

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	t->maxh2cdata = 4096;
	t->c2h_piece = 1536;	/* C2HData pieces that end inside elements */
	q = qpair_up(t, 8, 1024, true);
	vio_round(q, 2, 512, 0);	/* in the capsule, from two elements */
	vio_round(q, 3, 1536, 8);	/* R2T, H2CData pieces across elements */
	/* more elements in one PDU than one sendmsg/readv takes (16) */
	vio_round(q, 64, 128, 64);	/* H2CData of 32 elements */
	t->c2h_piece = 0;
	vio_round(q, 64, 128, 128);	/* and one C2HData of 64 */
	ck_assert_uint_eq(t->incapsule_cmds, 1);
	ck_assert_uint_eq(t->r2ts, 3);
	/* a list shorter than the command is refused before anything is sent */
	short_list.elem[0] = e[0];
	short_list.elem[1] = e[1];
	ck_assert_int_eq(nvd__tcp_qpair_submitv(q, &cmd, 4096, false, vio_reset, vio_next,
						vio_done, &short_list), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "less than the 4096 bytes"));
	ck_assert_uint_eq(nvd__tcp_qpair_outstanding(q), 0);
	ck_assert_uint_eq(finish(q, t), 0);
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
	*qp = q = qpair_up(t, 16, 0, t->dgst != 0);
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
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
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
	struct target *t = tcp_target_new();
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

START_TEST(test_bad_header_digest_tears_down_with_words)
{
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair *q;
	struct io io[8];

	t->dgst = NVME_TCP_DGST_HDR;
	t->misbehave = BAD_HDGST;
	ck_assert_int_eq(misbehaving_target(t, &q, io), -EBADMSG);
	ck_assert_msg(strstr(nvd_last_error(), "CapsuleResp header digest"), "%s", nvd_last_error());
	stays_down(q, -EBADMSG, "header digest");
	ck_assert_uint_eq(finish(q, t), NVME_TCP_FES_HDGST);
}
END_TEST

START_TEST(test_bad_data_digest_fails_that_read_and_the_queue_goes_on)
{
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair *q;
	uint8_t buf[2][4096];
	struct io io[2] = { { .buf = buf[0] }, { .buf = buf[1] } };

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	t->misbehave = BAD_DDGST;
	t->misbehave_after = 100;
	t->c2h_piece = 1024;
	fill(t->ns, 8192, 3);
	q = qpair_up(t, 4, 0, true);
	/* the first C2HData of the first read carries a wrong data digest */
	io_submit(q, &io[0], NVME_CMD_READ, 0, 4096);
	ck_assert_uint_eq(poll_all(q), 1);
	ck_assert_int_eq(io[0].done, 1);
	ck_assert_uint_eq(nvd_cpl_sct(&io[0].cpl), NVME_SCT_GENERIC);
	ck_assert_uint_eq(nvd_cpl_sc(&io[0].cpl), NVME_SC_TRANSIENT_TRANSPORT);
	/* the byte stream is still in step: the next read is whole */
	io_submit(q, &io[1], NVME_CMD_READ, 8, 4096);
	ck_assert_uint_eq(poll_all(q), 1);
	ck_assert(!nvd_cpl_is_error(&io[1].cpl));
	ck_assert_int_eq(memcmp(buf[1], t->ns + 4096, 4096), 0);
	ck_assert_uint_eq(t->ddgst_spoiled, 8);		/* digests sent: 4 pieces a read */
	ck_assert_uint_eq(finish(q, t), 0);
}
END_TEST

/*
 * With retries (nvd_ctrlr_opts.retry_count), the read whose data digest
 * was wrong is sent again under its CID and completes whole: one
 * callback, the right data, two commands on the wire.
 */
START_TEST(test_spoilt_data_digest_is_retried)
{
	struct target *t = tcp_target_new();
	struct nvd_tcp_qpair_opts o = {
		.qid = 1, .qsize = 4, .cntlid = 5, .host = &host, .subnqn = "nqn.sub",
		.max_retries = 1,
		.conn = { .hdgst = true, .ddgst = true, .timeout_ms = 5000 },
	};
	struct nvd_tcp_qpair *q;
	struct nvd_trid trid;
	uint8_t buf[4096];
	struct io io = { .buf = buf };
	char s[96];

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	t->misbehave = BAD_DDGST;
	t->misbehave_after = 100;
	t->c2h_piece = 1024;
	fill(t->ns, 8192, 5);
	tcp_target_start(t);
	snprintf(s, sizeof(s), "trtype:TCP traddr:127.0.0.1 trsvcid:%u", t->port);
	ck_assert_int_eq(nvd_trid_parse(&trid, s), 0);
	ck_assert_int_eq(nvd__tcp_qpair_create(&q, &o), 0);
	ck_assert_msg(nvd__tcp_qpair_connect(q, &trid) == 0, "connect: %s", nvd_last_error());
	memset(buf, 0, sizeof(buf));
	io_submit(q, &io, NVME_CMD_READ, 0, 4096);
	ck_assert_uint_eq(poll_all(q), 1);
	ck_assert_int_eq(io.done, 1);
	ck_assert(!nvd_cpl_is_error(&io.cpl));
	ck_assert_int_eq(memcmp(buf, t->ns, 4096), 0);
	ck_assert_uint_eq(t->cmds, 2);
	ck_assert_uint_eq(t->ddgst_spoiled, 8);		/* 4 pieces a read, twice */
	ck_assert_uint_eq(finish(q, t), 0);
}
END_TEST

START_TEST(test_full_queue_is_eagain_and_bad_args_einval)
{
	struct target *t = tcp_target_new();
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
	tcase_add_test(tc, test_element_lists_in_and_out_with_digests);
	tcase_add_test(tc, test_target_closing_mid_io_fails_every_command_and_the_polls);
	tcase_add_test(tc, test_malformed_pdu_tears_down_with_words);
	tcase_add_test(tc, test_capsule_resp_for_an_unknown_cid_tears_down_with_words);
	tcase_add_test(tc, test_bad_header_digest_tears_down_with_words);
	tcase_add_test(tc, test_bad_data_digest_fails_that_read_and_the_queue_goes_on);
	tcase_add_test(tc, test_spoilt_data_digest_is_retried);
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
