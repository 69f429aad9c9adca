// SPDX-License-Identifier: MIT
/*
 * A controller over NVMe/TCP through the public API (lib/tcp/transport.c)
 * against the fake target of tcp_target.c run as a controller: connect,
 * the core's initialisation over Property Get/Set and admin commands,
 * an I/O queue pair with its own connection, 32 writes then 32 reads in
 * flight from ordinary memory, transfers above MDTS split and reassembled
 * (vectored too),
 * retries of a retryable status,
 * readv/writev over an element list, Keep
 * Alive at half the KATO, and the target going away mid-I/O.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#include "core/nvme_spec.h"
#include "tcp/transport.h"
#include "tcp_target.h"

#define SUBNQN	"nqn.2026-12.io.nvdirect:fake"

static struct nvd_ctrlr *connect_flags(struct target *t, unsigned nio, uint32_t kato_ms,
				       uint32_t flags)
{
	struct nvd_ctrlr_opts o;
	struct nvd_ctrlr *c = NULL;
	struct nvd_trid trid;
	char s[160];

	tcp_target_start_ctrlr(t, nio);
	snprintf(s, sizeof(s), "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:%u subnqn:%s",
		 t->port, SUBNQN);
	ck_assert_int_eq(nvd_trid_parse(&trid, s), 0);
	nvd_ctrlr_opts_init(&o);
	o.keep_alive_timeout_ms = kato_ms;
	o.flags = flags;
	ck_assert_msg(nvd_ctrlr_connect(&trid, &o, &c) == 0, "connect: %s", nvd_last_error());
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct nvd_ctrlr *connect_to(struct target *t, unsigned nio, uint32_t kato_ms)
{
	return connect_flags(t, nio, kato_ms, 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

START_TEST(test_connect_enables_and_identifies_over_tcp)
{
	struct target *t = tcp_target_new();
	/* one more connection: the admin queue again after the reset */
	struct nvd_ctrlr *c = connect_to(t, 1, 0);
	const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(c);
	struct nvd_ns *ns;

	/* the core's state machine ran over Property Set/Get: CC.EN=1, CSTS.RDY=1 */
	ck_assert_uint_eq(t->cc & NVME_CC_EN, NVME_CC_EN);
	ck_assert_uint_eq(t->connect_qid, 0);
	ck_assert_uint_eq(t->connect_cntlid, 0xffff);
	ck_assert_uint_eq(t->kato, NVD_TCP_KATO_DEFAULT_MS);
	ck_assert_str_eq(info->mn, "nvdirect fake tcp target");
	ck_assert_str_eq(info->sn, "FAKE-TCP-SN-0001");
	ck_assert_uint_eq(info->mqes, 64);
	ck_assert_uint_eq(t->feat_nq, 1);
	ck_assert_uint_eq(info->num_io_queues, 4);
	ck_assert_uint_eq(nvd_ctrlr_first_ns(c), 1);
	ns = nvd_ctrlr_get_ns(c, 1);
	ck_assert_ptr_nonnull(ns);
	ck_assert_uint_eq(nvd_ns_get_sector_size(ns), LBA);
	ck_assert_uint_eq(nvd_ns_get_num_sectors(ns), NS_BYTES / LBA);
	/* MDTS 3: 32 KiB */
	ck_assert_uint_eq(nvd_ns_get_max_io_sectors(ns), 64);
	/* reset: a new admin connection and association, enabled again */
	ck_assert_msg(nvd_ctrlr_reset(c) == 0, "reset: %s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_is_failed(c), 0);
	ck_assert_uint_eq(t->io[0]->connect_qid, 0);
	ck_assert_uint_eq(t->io[0]->connect_cntlid, 0xffff);
	ck_assert_uint_eq(t->io[0]->cc & NVME_CC_EN, NVME_CC_EN);
	ck_assert_uint_eq(t->io[0]->feat_nq, 1);

	nvd_ctrlr_detach(c);
	/* detach shut it down normally (CC.SHN), then closed the admin connection */
	ck_assert_uint_eq(t->io[0]->cc & NVME_CC_SHN_MASK, NVME_CC_SHN_NORMAL);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

struct io {
	int done;
	struct nvd_cpl cpl;
};

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct io *io = arg;

	io->done++;
	io->cpl = *cpl;
}

/* Poll @q until @n callbacks ran (or 10 s passed). */
static void poll_until(struct nvd_qpair *q, struct io *ios, unsigned n)
{
	uint64_t deadline = now_ms() + 10000;
	unsigned i, done;

	do {
		ck_assert_int_ge(nvd_qpair_process_completions(q, 0), 0);
		for (done = 0, i = 0; i < n; i++)
			done += ios[i].done;
	} while (done < n && now_ms() < deadline);
	ck_assert_uint_eq(done, n);
}

START_TEST(test_io_qpair_32_writes_and_reads_in_flight_from_any_memory)
{
	enum { N = 32, BYTES = 4096 };
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c = connect_to(t, 1, 0);
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	/* plain heap memory: no nvd_dma_alloc, no nvd_mem_register */
	uint8_t *wbuf = malloc(N * BYTES), *rbuf = calloc(N, BYTES);
	struct io ios[N];
	struct nvd_qpair *q;
	unsigned i;

	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 64, &q), 0);
	ck_assert_uint_eq(t->io[0]->connect_qid, 1);
	ck_assert_uint_eq(t->io[0]->connect_cntlid, 7);	/* the admin Connect's answer */
	ck_assert_uint_eq(t->io[0]->connect_sqsize, 63);
	for (i = 0; i < N * BYTES; i++)
		wbuf[i] = (uint8_t)(i * 7 + i / BYTES);

	memset(ios, 0, sizeof(ios));
	for (i = 0; i < N; i++)
		ck_assert_msg(nvd_ns_write(ns, q, wbuf + i * BYTES, i * (BYTES / LBA), BYTES / LBA,
					   io_done, &ios[i], 0) == 0, "write %u: %s", i, nvd_last_error());
	ck_assert_uint_eq(nvd_qpair_outstanding(q), N);
	poll_until(q, ios, N);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(nvd_cpl_is_error(&ios[i].cpl), 0);
	/* IOCCSZ allows 8 KiB in the capsule: no R2T for 4 KiB writes */
	ck_assert_uint_eq(t->io[0]->incapsule_cmds, N);

	memset(ios, 0, sizeof(ios));
	for (i = 0; i < N; i++)
		ck_assert_int_eq(nvd_ns_read(ns, q, rbuf + i * BYTES, i * (BYTES / LBA), BYTES / LBA,
					     io_done, &ios[i], 0), 0);
	poll_until(q, ios, N);
	for (i = 0; i < N; i++)
		ck_assert_int_eq(nvd_cpl_is_error(&ios[i].cpl), 0);
	ck_assert_int_eq(memcmp(wbuf, rbuf, N * BYTES), 0);
	ck_assert_int_eq(memcmp(t->io[0]->ns, wbuf, N * BYTES), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(q), 0);

	/* what is PCIe-only so far is refused in words, not crashed into */
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(c, q, 0), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_ctrlr_register_timeout_callback(c, 1000, 0, NULL, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_qpair_inject_error(q, 0, 0, 0, 1, 0, 6), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "NVMe/TCP"));

	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(wbuf);
	free(rbuf);
	free(t);
}
END_TEST

/*
 * Above MDTS (32 KiB: 64 LBAs) a read or write is split into commands of
 * at most 64 LBAs, one callback for the whole, the data where it belongs;
 * all pieces or none: more pieces than free slots is -EAGAIN, nothing sent.
 */
START_TEST(test_transfer_above_mdts_is_split_and_reassembled)
{
	enum { NLB = 200, FIRST = 8, BYTES = NLB * LBA };
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c = connect_to(t, 1, 0);
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	uint8_t *wbuf = malloc(BYTES), *rbuf = calloc(1, BYTES), *big = calloc(320, LBA);
	struct nvd_qpair *q;
	struct io io;
	unsigned i, cmds;

	ck_assert_uint_eq(nvd_ns_get_max_io_sectors(ns), 64);
	/* four slots: exactly the four pieces of 200 LBAs (64 + 64 + 64 + 8) */
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 4, &q), 0);
	for (i = 0; i < BYTES; i++)
		wbuf[i] = (uint8_t)(i * 13 + i / LBA);

	memset(&io, 0, sizeof(io));
	cmds = t->io[0]->cmds;
	ck_assert_msg(nvd_ns_write(ns, q, wbuf, FIRST, NLB, io_done, &io, 0) == 0, "write: %s",
		      nvd_last_error());
	ck_assert_uint_eq(nvd_qpair_outstanding(q), 4);
	poll_until(q, &io, 1);
	ck_assert_int_eq(io.done, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&io.cpl), 0);
	ck_assert_int_eq(memcmp(t->io[0]->ns + FIRST * LBA, wbuf, BYTES), 0);

	memset(&io, 0, sizeof(io));
	ck_assert_int_eq(nvd_ns_read(ns, q, rbuf, FIRST, NLB, io_done, &io, 0), 0);
	poll_until(q, &io, 1);
	ck_assert_int_eq(io.done, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&io.cpl), 0);
	ck_assert_int_eq(memcmp(rbuf, wbuf, BYTES), 0);
	ck_assert_uint_eq(t->io[0]->cmds - cmds, 8);

	/* five pieces, four slots: refused whole, in words */
	cmds = t->io[0]->cmds;
	ck_assert_int_eq(nvd_ns_read(ns, q, big, 0, 320, io_done, &io, 0), -EAGAIN);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "take 5 commands"));
	ck_assert_uint_eq(nvd_qpair_outstanding(q), 0);
	ck_assert_uint_eq(t->io[0]->cmds, cmds);

	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(wbuf);
	free(rbuf);
	free(big);
	free(t);
}
END_TEST

/* readv/writev's callback argument: two elements and where the walk is. */
struct sgl {
	struct io io;
	uint8_t *el[2];
	uint32_t len[2];
	unsigned i;
	uint32_t off;
};

static void sgl_done(void *arg, const struct nvd_cpl *cpl)
{
	io_done(&((struct sgl *)arg)->io, cpl);
}

static void sgl_reset(void *arg, uint32_t offset)
{
	struct sgl *g = arg;

	g->i = offset >= g->len[0];
	g->off = g->i ? offset - g->len[0] : offset;
}

static int sgl_next(void *arg, void **address, uint32_t *length)
{
	struct sgl *g = arg;

	if (g->i > 1)
		return -1;
	*address = g->el[g->i] + g->off;
	*length = g->len[g->i] - g->off;
	g->i++;
	g->off = 0;
	return 0;
}

START_TEST(test_writev_and_readv_walk_the_element_list)
{
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c = connect_to(t, 1, 0);
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	uint8_t a[1536], b[2560], ra[512], rb[3584];
	struct sgl w = { .el = { a, b }, .len = { sizeof(a), sizeof(b) } };
	struct sgl r = { .el = { ra, rb }, .len = { sizeof(ra), sizeof(rb) } };
	struct nvd_qpair *q;
	unsigned i;

	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 3);
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 5 + 1);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 8, &q), 0);
	ck_assert_msg(nvd_ns_writev(ns, q, 16, 8, sgl_done, &w, 0, sgl_reset, sgl_next) == 0,
		      "writev: %s", nvd_last_error());
	poll_until(q, &w.io, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&w.io.cpl), 0);
	/* the target holds a then b at LBA 16 */
	ck_assert_int_eq(memcmp(t->io[0]->ns + 16 * LBA, a, sizeof(a)), 0);
	ck_assert_int_eq(memcmp(t->io[0]->ns + 16 * LBA + sizeof(a), b, sizeof(b)), 0);
	ck_assert_int_eq(nvd_ns_readv(ns, q, 16, 8, sgl_done, &r, 0, sgl_reset, sgl_next), 0);
	poll_until(q, &r.io, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&r.io.cpl), 0);
	ck_assert_int_eq(memcmp(ra, a, sizeof(ra)), 0);
	ck_assert_int_eq(memcmp(rb, a + sizeof(ra), sizeof(a) - sizeof(ra)), 0);
	ck_assert_int_eq(memcmp(rb + sizeof(a) - sizeof(ra), b, sizeof(b)), 0);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

START_TEST(test_keep_alive_at_half_the_kato)
{
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c = connect_to(t, 1, 200);
	uint64_t end;
	unsigned i, n;
	struct nvd_qpair *q;

	ck_assert_uint_eq(t->kato, 200);
	/* the application polls admin completions: one Keep Alive every 100 ms */
	end = now_ms() + 650;
	while (now_ms() < end) {
		ck_assert_int_ge(nvd_ctrlr_process_admin_completions(c), 0);
		usleep(2000);
	}
	n = t->keep_alives;
	ck_assert_msg(n >= 4 && n <= 7, "%u Keep Alives in 650 ms at KATO 200 ms", n);
	for (i = 1; i < n && i < 64; i++)
		ck_assert_msg(t->keep_alive_ms[i] - t->keep_alive_ms[i - 1] >= 90,
			      "Keep Alive %u came %llu ms after the one before", i,
			      (unsigned long long)(t->keep_alive_ms[i] - t->keep_alive_ms[i - 1]));
	ck_assert_uint_eq(nvd__tcp_keep_alives_sent(c), n);

	/* an application that only polls its I/O queue pair keeps it alive too */
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 8, &q), 0);
	end = now_ms() + 450;
	while (now_ms() < end) {
		ck_assert_int_ge(nvd_qpair_process_completions(q, 0), 0);
		usleep(2000);
	}
	ck_assert_msg(t->keep_alives >= n + 3, "%u Keep Alives from I/O polls in 450 ms",
		      t->keep_alives - n);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

START_TEST(test_target_loss_fails_every_outstanding_command_and_reset_reconnects)
{
	enum { N = 8 };
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	struct nvd_qpair *q;
	struct io ios[N];
	uint8_t *buf = malloc(N * 4096);
	uint64_t deadline;
	unsigned i, done;
	int rc = 0;

	t->io[0] = tcp_target_new();
	t->io[0]->misbehave = CLOSE_MID_IO;	/* reads the 8 commands, then closes */
	/* io[1], io[2]: the admin and I/O connections of the reset */
	c = connect_to(t, 3, 0);
	ns = nvd_ctrlr_get_ns(c, 1);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &q), 0);
	memset(ios, 0, sizeof(ios));
	for (i = 0; i < N; i++)
		ck_assert_int_eq(nvd_ns_read(ns, q, buf + i * 4096, i * 8, 8, io_done, &ios[i], 0), 0);
	deadline = now_ms() + 10000;
	while ((rc = nvd_qpair_process_completions(q, 0)) >= 0 && now_ms() < deadline)
		usleep(1000);
	ck_assert_msg(rc == -ECONNRESET || rc == -ENXIO, "poll returned %d (%s)", rc,
		      nvd_strerror(rc));
	for (done = 0, i = 0; i < N; i++) {
		done += ios[i].done;
		ck_assert_int_eq(nvd_cpl_is_error(&ios[i].cpl), 1);
	}
	ck_assert_uint_eq(done, N);	/* each callback exactly once */
	/* from then on: the same error, a failed controller, new I/O refused */
	ck_assert_int_eq(nvd_qpair_process_completions(q, 0), rc);
	ck_assert_int_eq(nvd_ctrlr_is_failed(c), 1);
	ck_assert_int_eq(nvd_ns_read(ns, q, buf, 0, 8, io_done, &ios[0], 0), -ENXIO);
	ck_assert_uint_eq(ios[0].done, 1);

	/* reset: new admin association, the queue pair connects again with its controller ID */
	ck_assert_msg(nvd_ctrlr_reset(c) == 0, "reset: %s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_is_failed(c), 0);
	ck_assert_uint_eq(t->io[1]->connect_qid, 0);
	ck_assert_uint_eq(t->io[2]->connect_qid, 1);
	ck_assert_uint_eq(t->io[2]->connect_cntlid, 7);
	memset(ios, 0, sizeof(ios));
	for (i = 0; i < N; i++)
		buf[i * 4096] = (uint8_t)(0xa0 + i);
	for (i = 0; i < N; i++)
		ck_assert_msg(nvd_ns_write(ns, q, buf + i * 4096, i * 8, 8, io_done, &ios[i], 0) == 0,
			      "write after reset: %s", nvd_last_error());
	poll_until(q, ios, N);
	for (i = 0; i < N; i++) {
		ck_assert_int_eq(nvd_cpl_is_error(&ios[i].cpl), 0);
		ck_assert_uint_eq(t->io[2]->ns[i * 4096], 0xa0 + i);
	}
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(buf);
	free(t);
}
END_TEST

/* A 4 KiB write in the capsule, a 32 KiB one after R2T, both read back and compared. */
static void write_read_back(struct nvd_qpair *q, struct nvd_ns *ns, struct target *io)
{
	static uint8_t w[36864], r[36864];
	struct io ios[2];
	unsigned i;

	for (i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 13 + 5);
	memset(r, 0, sizeof(r));
	memset(ios, 0, sizeof(ios));
	ck_assert_int_eq(nvd_ns_write(ns, q, w, 0, 8, io_done, &ios[0], 0), 0);
	ck_assert_int_eq(nvd_ns_write(ns, q, w + 4096, 8, 64, io_done, &ios[1], 0), 0);
	poll_until(q, ios, 2);
	ck_assert_int_eq(nvd_cpl_is_error(&ios[0].cpl) || nvd_cpl_is_error(&ios[1].cpl), 0);
	ck_assert_uint_eq(io->incapsule_cmds, 1);
	ck_assert_uint_eq(io->r2ts, 1);
	memset(ios, 0, sizeof(ios));
	ck_assert_int_eq(nvd_ns_read(ns, q, r, 0, 8, io_done, &ios[0], 0), 0);
	ck_assert_int_eq(nvd_ns_read(ns, q, r + 4096, 8, 64, io_done, &ios[1], 0), 0);
	poll_until(q, ios, 2);
	ck_assert_int_eq(nvd_cpl_is_error(&ios[0].cpl) || nvd_cpl_is_error(&ios[1].cpl), 0);
	ck_assert_int_eq(memcmp(w, r, sizeof(w)), 0);
}

START_TEST(test_digests_are_asked_for_on_every_connection_and_carried)
{
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c;
	const struct nvd_ctrlr_info *info;
	struct nvd_qpair *q;

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	c = connect_flags(t, 1, 0, NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST);
	info = nvd_ctrlr_get_info(c);
	ck_assert_uint_eq(t->asked_dgst, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA);
	ck_assert_uint_eq(info->tcp_header_digest, 1);
	ck_assert_uint_eq(info->tcp_data_digest, 1);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &q), 0);
	ck_assert_uint_eq(t->io[0]->asked_dgst, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA);
	ck_assert(t->io[0]->hd && t->io[0]->dd);
	/*
	 * The target fails any PDU of ours without both digests or with a
	 * wrong one (tcp_target_join_ctrlr checks), and the host fails any of
	 * its PDUs without them: data went both ways in capsules, after R2T
	 * in H2CData and back in C2HData.
	 */
	write_read_back(q, nvd_ctrlr_get_ns(c, 1), t->io[0]);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

/*
 * The controller's retry_count reaches its TCP queue pairs: a read whose
 * data digest was spoilt completes whole after one retry; with
 * retry_count 0 the same read reports Transient Transport Error.
 */
static void spoilt_read(unsigned retry_count)
{
	struct target *t = tcp_target_new();
	uint8_t buf[4096] = { 0 };
	struct nvd_ctrlr_opts o;
	struct nvd_ctrlr *c = NULL;
	struct nvd_trid trid;
	struct nvd_qpair *q;
	struct io io = { 0 };
	char str[160];
	unsigned i;

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;
	tcp_target_start_ctrlr(t, 1);
	snprintf(str, sizeof(str), "trtype:TCP traddr:127.0.0.1 trsvcid:%u subnqn:%s", t->port,
		 SUBNQN);
	ck_assert_int_eq(nvd_trid_parse(&trid, str), 0);
	nvd_ctrlr_opts_init(&o);
	o.flags = NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST;
	o.retry_count = retry_count;
	ck_assert_msg(nvd_ctrlr_connect(&trid, &o, &c) == 0, "connect: %s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &q), 0);
	/* the I/O queue's target waits for a command: arm it before sending one */
	t->io[0]->misbehave_after = 100;
	t->io[0]->misbehave = BAD_DDGST;
	for (i = 0; i < sizeof(t->io[0]->ns); i++)
		t->io[0]->ns[i] = (uint8_t)(i * 3 + 1);
	ck_assert_int_eq(nvd_ns_read(nvd_ctrlr_get_ns(c, 1), q, buf, 0, 8, io_done, &io, 0), 0);
	poll_until(q, &io, 1);
	if (retry_count) {
		ck_assert(!nvd_cpl_is_error(&io.cpl));
		ck_assert_int_eq(memcmp(buf, t->io[0]->ns, sizeof(buf)), 0);
		ck_assert_uint_eq(t->io[0]->cmds, 2);
	} else {
		ck_assert_uint_eq(nvd_cpl_sc(&io.cpl), NVME_SC_TRANSIENT_TRANSPORT);
		ck_assert_uint_eq(t->io[0]->cmds, 1);
	}
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}

START_TEST(test_retryable_status_is_retried_up_to_retry_count)
{
	spoilt_read(4);
	spoilt_read(0);
}
END_TEST

/*
 * writev/readv above MDTS: pieces of 64 LBAs, each walking the element
 * list from its own offset (the elements' boundaries fall inside pieces).
 */
START_TEST(test_vectored_transfer_above_mdts_is_split)
{
	enum { NLB = 200, BYTES = NLB * LBA, A = 40000, RA = 70001 };
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c = connect_to(t, 1, 0);
	struct nvd_ns *ns = nvd_ctrlr_get_ns(c, 1);
	uint8_t *w = malloc(BYTES), *r = calloc(1, BYTES);
	struct sgl wv = { .el = { w, w + A }, .len = { A, BYTES - A } };
	struct sgl rv = { .el = { r, r + RA }, .len = { RA, BYTES - RA } };
	struct nvd_qpair *q;
	unsigned i, cmds;

	for (i = 0; i < BYTES; i++)
		w[i] = (uint8_t)(i * 11 + i / 4096);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 8, &q), 0);
	cmds = t->io[0]->cmds;
	ck_assert_msg(nvd_ns_writev(ns, q, 24, NLB, sgl_done, &wv, 0, sgl_reset, sgl_next) == 0,
		      "writev: %s", nvd_last_error());
	poll_until(q, &wv.io, 1);
	ck_assert_int_eq(wv.io.done, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&wv.io.cpl), 0);
	ck_assert_int_eq(memcmp(t->io[0]->ns + 24 * LBA, w, BYTES), 0);
	ck_assert_int_eq(nvd_ns_readv(ns, q, 24, NLB, sgl_done, &rv, 0, sgl_reset, sgl_next), 0);
	poll_until(q, &rv.io, 1);
	ck_assert_int_eq(rv.io.done, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&rv.io.cpl), 0);
	ck_assert_int_eq(memcmp(r, w, BYTES), 0);
	ck_assert_uint_eq(t->io[0]->cmds - cmds, 8);	/* 64 + 64 + 64 + 8 LBAs, twice */
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(w);
	free(r);
	free(t);
}
END_TEST

START_TEST(test_digests_the_target_declines_stay_off_and_say_so)
{
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c;
	const struct nvd_ctrlr_info *info;
	struct nvd_qpair *q;

	t->dgst = NVME_TCP_DGST_HDR;	/* no data digests here */
	c = connect_flags(t, 1, 0, NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST);
	info = nvd_ctrlr_get_info(c);
	ck_assert_uint_eq(info->tcp_header_digest, 1);
	ck_assert_uint_eq(info->tcp_data_digest, 0);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &q), 0);
	ck_assert(t->io[0]->hd && !t->io[0]->dd);
	write_read_back(q, nvd_ctrlr_get_ns(c, 1), t->io[0]);
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

START_TEST(test_no_digests_unless_asked_and_none_on_pcie)
{
	struct target *t = tcp_target_new();
	struct nvd_ctrlr *c;
	struct nvd_ctrlr_opts o;
	struct nvd_trid trid;

	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;	/* would grant both */
	c = connect_to(t, 0, 0);
	ck_assert_uint_eq(t->asked_dgst, 0);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->tcp_header_digest, 0);
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->tcp_data_digest, 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);

	/* a PCIe function has no PDU to digest: refused before anything is opened */
	nvd_ctrlr_opts_init(&o);
	o.flags = NVD_CTRLR_TCP_DATA_DIGEST;
	ck_assert_int_eq(nvd_trid_parse(&trid, "trtype:PCIe traddr:0000:00:03.0"), 0);
	ck_assert_int_eq(nvd_ctrlr_connect(&trid, &o, &c), -EINVAL);
	ck_assert_msg(strstr(nvd_last_error(), "NVMe/TCP only"), "%s", nvd_last_error());
}
END_TEST

/* Dataset Management over the I/O queue @q; the ranges are overwritten once submitted. */
static void deallocate(struct nvd_qpair *q, struct nvd_ns *ns, struct nvd_dsm_range *r, uint16_t nr)
{
	struct io io = { 0 };

	ck_assert_msg(nvd_ns_deallocate(ns, q, r, nr, io_done, &io) == 0, "deallocate: %s",
		      nvd_last_error());
	/* the library sends a copy: the caller's ranges may change at once */
	memset(r, 0xee, nr * sizeof(*r));
	poll_until(q, &io, 1);
	ck_assert_int_eq(nvd_cpl_is_error(&io.cpl), 0);
}

START_TEST(test_dsm_deallocates_ranges_in_the_capsule_and_after_r2t)
{
	enum { NR = 256 };
	struct target *t = tcp_target_new();
	static uint8_t w[32768], r[32768], zero[8192];
	struct nvd_dsm_range ranges[NR];
	struct nvd_ctrlr *c;
	struct nvd_ns *ns;
	struct nvd_qpair *q;
	struct target *io;
	struct io ios[1];
	unsigned i, r2ts;

	t->incapsule = 1024;	/* 64 ranges fit in the capsule, 256 take an R2T */
	t->dgst = NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA;	/* the ranges digested too */
	c = connect_flags(t, 1, 0, NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST);
	ns = nvd_ctrlr_get_ns(c, 1);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &q), 0);
	io = t->io[0];
	for (i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 7 + 1) | 1;	/* never zero */
	memset(ios, 0, sizeof(ios));
	ck_assert_int_eq(nvd_ns_write(ns, q, w, 0, 64, io_done, &ios[0], 0), 0);
	poll_until(q, ios, 1);
	r2ts = io->r2ts;	/* the 32 KiB write's */

	/* two ranges, in the capsule: LBAs 8..23 and 40..47 read zeroes after */
	ranges[0] = (struct nvd_dsm_range){ .length = 16, .lba = 8 };
	ranges[1] = (struct nvd_dsm_range){ .length = 8, .lba = 40 };
	deallocate(q, ns, ranges, 2);
	ck_assert_uint_eq(io->dsm_cmds, 1);
	ck_assert_uint_eq(io->dsm_nr, 2);
	ck_assert_uint_eq(io->dsm_attrs, NVD_DSM_ATTR_AD);
	ck_assert_uint_eq(io->r2ts, r2ts);
	memset(ios, 0, sizeof(ios));
	ck_assert_int_eq(nvd_ns_read(ns, q, r, 0, 64, io_done, &ios[0], 0), 0);
	poll_until(q, ios, 1);
	ck_assert_int_eq(memcmp(r, w, 8 * LBA), 0);
	ck_assert_int_eq(memcmp(r + 8 * LBA, zero, 16 * LBA), 0);
	ck_assert_int_eq(memcmp(r + 24 * LBA, w + 24 * LBA, 16 * LBA), 0);
	ck_assert_int_eq(memcmp(r + 40 * LBA, zero, 8 * LBA), 0);
	ck_assert_int_eq(memcmp(r + 48 * LBA, w + 48 * LBA, 16 * LBA), 0);

	/* 256 ranges (4 KiB) exceed the capsule: H2CData after R2T, one LBA each */
	for (i = 0; i < NR; i++)
		ranges[i] = (struct nvd_dsm_range){ .length = 1, .lba = 1024 + 2 * i };
	memset(io->ns + 1024 * LBA, 0x5a, 2 * NR * LBA);
	deallocate(q, ns, ranges, NR);
	ck_assert_uint_eq(io->dsm_cmds, 2);
	ck_assert_uint_eq(io->dsm_nr, NR);
	ck_assert_uint_eq(io->r2ts, r2ts + 1);
	for (i = 0; i < 2 * NR; i++)
		ck_assert_uint_eq(io->ns[(1024 + i) * LBA], i % 2 ? 0x5a : 0);

	/* what nvd_ns_dsm checks, it checks over TCP too */
	ck_assert_int_eq(nvd_ns_dsm(ns, q, ranges, 0, NVD_DSM_ATTR_AD, io_done, &ios[0]), -EINVAL);
	ranges[0] = (struct nvd_dsm_range){ .length = 2, .lba = NS_BYTES / LBA - 1 };
	ck_assert_int_eq(nvd_ns_deallocate(ns, q, ranges, 1, io_done, &ios[0]), -EINVAL);
	ck_assert_msg(strstr(nvd_last_error(), "past the end"), "%s", nvd_last_error());
	ck_assert_int_eq(nvd_ctrlr_free_io_qpair(q), 0);
	nvd_ctrlr_detach(c);
	tcp_target_join_ctrlr(t);
	free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcp_ctrlr");
	TCase *tc = tcase_create("tcp_ctrlr");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_connect_enables_and_identifies_over_tcp);
	tcase_add_test(tc, test_io_qpair_32_writes_and_reads_in_flight_from_any_memory);
	tcase_add_test(tc, test_transfer_above_mdts_is_split_and_reassembled);
	tcase_add_test(tc, test_retryable_status_is_retried_up_to_retry_count);
	tcase_add_test(tc, test_vectored_transfer_above_mdts_is_split);
	tcase_add_test(tc, test_writev_and_readv_walk_the_element_list);
	tcase_add_test(tc, test_keep_alive_at_half_the_kato);
	tcase_add_test(tc, test_target_loss_fails_every_outstanding_command_and_reset_reconnects);
	tcase_add_test(tc, test_digests_are_asked_for_on_every_connection_and_carried);
	tcase_add_test(tc, test_digests_the_target_declines_stay_off_and_say_so);
	tcase_add_test(tc, test_no_digests_unless_asked_and_none_on_pcie);
	tcase_add_test(tc, test_dsm_deallocates_ranges_in_the_capsule_and_after_r2t);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
