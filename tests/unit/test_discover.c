// SPDX-License-Identifier: MIT
/*
 * NVMe over Fabrics discovery (lib/tcp/discovery.c, disc_str.c) against a
 * fake discovery controller on a loopback socket, in a thread: Connect to
 * the discovery NQN, Property Get/Set bring-up (CC.EN, CSTS.RDY), the
 * Discovery Log Page in pieces at offsets, a generation counter that moves
 * while the host reads, a log shorter than its NUMREC, a controller that
 * refuses LID 70h, a closed port, and the shutdown before the host leaves.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nvdirect.h>
#include <nvdirect/discovery.h>

#include "core/admin_cmds.h"
#include "tcp/disc_log.h"
#include "tcp/fabrics.h"
#include "tcp_target.h"

#define HOSTNQN		"nqn.2026-12.io.nvdirect:disc-test-host"
#define MAX_RECS	40

struct disc_target {
	int lfd, fd;
	uint16_t port;
	pthread_t thread;
	/* the log it serves */
	uint64_t genctr;
	uint32_t nrec;
	struct nvmf_disc_entry rec[MAX_RECS];
	/* how it misbehaves */
	unsigned bump_genctr;		/* bump GENCTR after this many record reads ... */
	unsigned bumps;			/* ... this many times */
	uint32_t short_bytes;		/* > 0: a read of records sends only this many bytes */
	bool refuse_log;		/* Get Log Page 70h: Invalid Field (an I/O controller) */
	bool close_in_records;		/* hang up on the first record read */
	bool silent_log;		/* never answer Get Log Page */
	/* what it saw */
	char subnqn[NVMF_NQN_FIELD], hostnqn[NVMF_NQN_FIELD];
	uint32_t cc;
	unsigned log_cmds, record_reads, shutdowns;
	bool log_before_ready;
	char why[160];
};

static void fail_t(struct disc_target *t, const char *why)
{
	if (!t->why[0])
		snprintf(t->why, sizeof(t->why), "%s", why);
}

static bool rd(struct disc_target *t, void *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = recv(t->fd, (uint8_t *)buf + have, len - have, 0);

		if (n <= 0)
			return false;
		have += (size_t)n;
	}
	return true;
}

static void wr(struct disc_target *t, const void *buf, size_t len)
{
	if (send(t->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		fail_t(t, "send");
}

static void respond(struct disc_target *t, uint16_t cid, uint64_t value, uint16_t status)
{
	struct nvme_tcp_capsule_resp r = { .cqe = { .cdw0 = (uint32_t)value,
						    .rsvd = (uint32_t)(value >> 32),
						    .cid = cid, .status = status } };

	r.ch = (struct nvme_tcp_ch){ NVME_TCP_CAPSULE_RESP, 0, sizeof(r), 0, sizeof(r) };
	wr(t, &r, sizeof(r));
}

/* C2HData of @len bytes (no digests: none are asked for). */
static void c2h(struct disc_target *t, uint16_t cid, const void *data, uint32_t len)
{
	struct nvme_tcp_data d = { .cccid = cid, .datao = 0, .datal = len };

	d.ch = (struct nvme_tcp_ch){ NVME_TCP_C2H_DATA, NVME_TCP_F_LAST, sizeof(d), sizeof(d),
				     sizeof(d) + len };
	wr(t, &d, sizeof(d));
	wr(t, data, len);
}

/* Get Log Page 70h: the log as it is now, @len bytes from @off. */
static void serve_log(struct disc_target *t, const struct nvme_cmd *c)
{
	uint32_t len = ((c->cdw10 >> 16 | c->cdw11 << 16) + 1) * 4;
	uint64_t off = (uint64_t)c->cdw13 << 32 | c->cdw12;
	size_t total = sizeof(struct nvmf_disc_hdr) + t->nrec * sizeof(struct nvmf_disc_entry);
	uint8_t *log = calloc(1, total + len);
	struct nvmf_disc_hdr *h = (void *)log;

	t->log_cmds++;
	if (!(t->cc & NVME_CC_EN))
		t->log_before_ready = true;
	if ((c->cdw10 & 0xff) != NVME_LOG_DISCOVERY || c->sgl1.len != len) {
		fail_t(t, "Get Log Page: not LID 70h, or SGL1 length is not NUMD's");
		respond(t, c->cid, 0, 0x2 << 1);
		free(log);
		return;
	}
	if (t->silent_log) {
		free(log);
		return;
	}
	if (t->refuse_log) {
		respond(t, c->cid, 0, 0x2 << 1);	/* Invalid Field in Command */
		free(log);
		return;
	}
	if (off >= sizeof(*h)) {
		if (t->close_in_records) {
			shutdown(t->fd, SHUT_RDWR);
			free(log);
			return;
		}
		if (++t->record_reads > t->bump_genctr && t->bumps) {
			t->bumps--;
			t->genctr++;	/* the log changed under the host */
		}
	}
	h->genctr = t->genctr;
	h->numrec = t->nrec;
	memcpy(log + sizeof(*h), t->rec, t->nrec * sizeof(t->rec[0]));
	if (off >= sizeof(*h) && t->short_bytes && t->short_bytes < len)
		len = t->short_bytes;
	if (off < total)
		c2h(t, c->cid, log + off, len);
	respond(t, c->cid, 0, 0);
	free(log);
}

static void *serve(void *arg)
{
	struct disc_target *t = arg;
	struct nvme_tcp_icreq req;
	struct nvme_tcp_icresp icr = { .maxh2cdata = 8192 };
	struct nvme_tcp_capsule_cmd cap;
	uint8_t data[sizeof(struct nvmf_connect_data)];
	int one = 1;

	t->fd = accept(t->lfd, NULL, NULL);
	if (t->fd < 0) {
		fail_t(t, "accept");
		return NULL;
	}
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!rd(t, &req, sizeof(req)) || req.ch.type != NVME_TCP_ICREQ) {
		fail_t(t, "ICReq");
		goto out;
	}
	icr.ch = (struct nvme_tcp_ch){ NVME_TCP_ICRESP, 0, 128, 0, 128 };
	wr(t, &icr, sizeof(icr));

	while (rd(t, &cap, sizeof(cap))) {
		const struct nvme_cmd *c = &cap.sqe;
		const struct nvmf_prop_cmd *pc = (const void *)c;

		if (cap.ch.type != NVME_TCP_CAPSULE_CMD) {
			fail_t(t, "not a CapsuleCmd");
			break;
		}
		if (c->opc == NVME_ADM_GET_LOG_PAGE) {
			serve_log(t, c);
			continue;
		}
		if (c->opc != NVME_OPC_FABRICS) {
			fail_t(t, "an admin command a discovery controller does not serve");
			respond(t, c->cid, 0, 0x1 << 1);
			continue;
		}
		switch (pc->fctype) {
		case NVMF_FCTYPE_CONNECT: {
			const struct nvmf_connect_data *cd = (const void *)data;

			if (cap.ch.plen - cap.ch.pdo != sizeof(data) || !rd(t, data, sizeof(data))) {
				fail_t(t, "Connect data");
				goto out;
			}
			memcpy(t->subnqn, cd->subnqn, sizeof(t->subnqn));
			memcpy(t->hostnqn, cd->hostnqn, sizeof(t->hostnqn));
			respond(t, c->cid, 1, 0);	/* CNTLID 1 */
			break;
		}
		case NVMF_FCTYPE_PROP_GET:
			if (pc->ofst == NVME_REG_CAP)
				respond(t, c->cid, 1u << 24 | 31, 0);	/* TO 500 ms, MQES 31 */
			else if (pc->ofst == NVME_REG_CSTS)
				respond(t, c->cid,
					((t->cc & NVME_CC_EN) ? NVME_CSTS_RDY : 0) |
					((t->cc & NVME_CC_SHN_MASK) ? NVME_CSTS_SHST_DONE : 0), 0);
			else
				respond(t, c->cid, 0, 0);
			break;
		case NVMF_FCTYPE_PROP_SET:
			if (pc->ofst == NVME_REG_CC) {
				t->cc = (uint32_t)pc->value;
				if (t->cc & NVME_CC_SHN_MASK)
					t->shutdowns++;
			}
			respond(t, c->cid, 0, 0);
			break;
		default:
			fail_t(t, "unknown fabrics command");
			respond(t, c->cid, 0, 0x1 << 1);
		}
	}
out:
	close(t->fd);
	return NULL;
}

static struct disc_target *target_new(uint32_t nrec)
{
	struct disc_target *t = calloc(1, sizeof(*t));
	uint32_t i;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_le(nrec, MAX_RECS);
	t->genctr = 7;
	t->nrec = nrec;
	t->bump_genctr = ~0u;
	for (i = 0; i < nrec; i++) {
		struct nvmf_disc_entry *e = &t->rec[i];

		e->trtype = NVD_TRTYPE_TCP;
		e->adrfam = NVD_ADRFAM_IPV4;
		e->subtype = i ? NVD_DISC_SUBTYPE_NVME : NVD_DISC_SUBTYPE_CURRENT;
		e->treq = 4;
		e->portid = (uint16_t)(i % 3 + 1);
		e->cntlid = 0xffff;
		e->asqsz = 32;
		/* TRSVCID space padded, TRADDR NUL padded: both are in the wild */
		memset(e->trsvcid, ' ', sizeof(e->trsvcid));
		memcpy(e->trsvcid, "4420", 4);
		snprintf(e->traddr, sizeof(e->traddr), "10.0.0.%u", i);
		if (i)
			snprintf(e->subnqn, sizeof(e->subnqn), "nqn.2026-12.io.nvdirect:subsys-%u", i);
		else
			snprintf(e->subnqn, sizeof(e->subnqn), "%s", NVME_DISC_NQN);
	}
	return t;
}

static void target_start(struct disc_target *t)
{
	t->lfd = tcp_loopback_listen(1, &t->port);
	ck_assert_int_eq(pthread_create(&t->thread, NULL, serve, t), 0);
}

static void target_join(struct disc_target *t)
{
	pthread_join(t->thread, NULL);
	close(t->lfd);
	ck_assert_msg(!t->why[0], "the fake discovery controller: %s", t->why);
}

static void trid_for(struct nvd_trid *trid, uint16_t port, const char *subnqn)
{
	char s[512];

	snprintf(s, sizeof(s), "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:%u hostnqn:%s%s%s",
		 port, HOSTNQN, subnqn ? " subnqn:" : "", subnqn ? subnqn : "");
	ck_assert_int_eq(nvd_trid_parse(trid, s), 0);
}

/* Discover from a started @t; returns nvd_discover()'s result. */
static int discover(struct disc_target *t, struct nvd_discovery_entry **e, uint32_t *n,
		    uint64_t *gen)
{
	struct nvd_trid trid;
	int rc;

	trid_for(&trid, t->port, NULL);
	rc = nvd_discover(&trid, e, n, gen);
	target_join(t);
	return rc;
}

START_TEST(test_empty_log_is_zero_records)
{
	struct disc_target *t = target_new(0);
	struct nvd_discovery_entry *e = NULL;
	uint32_t n = 99;
	uint64_t gen = 0;

	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, &gen), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(gen, 7);
	ck_assert_ptr_nonnull(e);
	/* the discovery NQN by default, our host NQN, enabled before the log, shut down after */
	ck_assert_str_eq(t->subnqn, NVME_DISC_NQN);
	ck_assert_str_eq(t->hostnqn, HOSTNQN);
	ck_assert(!t->log_before_ready);
	ck_assert_uint_eq(t->shutdowns, 1);
	ck_assert_uint_eq(t->record_reads, 0);
	nvd_discovery_free(e);
	free(t);
}
END_TEST

START_TEST(test_one_record_every_field)
{
	struct disc_target *t = target_new(1);
	struct nvd_discovery_entry *e;
	uint32_t n;
	uint64_t gen;

	t->rec[0].eflags = 3;
	t->rec[0].tsas.tcp.sectype = 1;
	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, &gen), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(e[0].trtype, NVD_TRTYPE_TCP);
	ck_assert_uint_eq(e[0].adrfam, NVD_ADRFAM_IPV4);
	ck_assert_uint_eq(e[0].subtype, NVD_DISC_SUBTYPE_CURRENT);
	ck_assert_uint_eq(e[0].treq, 4);
	ck_assert_uint_eq(e[0].portid, 1);
	ck_assert_uint_eq(e[0].cntlid, 0xffff);
	ck_assert_uint_eq(e[0].asqsz, 32);
	ck_assert_uint_eq(e[0].eflags, 3);
	ck_assert_uint_eq(e[0].sectype, 1);
	ck_assert_str_eq(e[0].trsvcid, "4420");	/* the padding trimmed */
	ck_assert_str_eq(e[0].traddr, "10.0.0.0");
	ck_assert_str_eq(e[0].subnqn, NVME_DISC_NQN);
	nvd_discovery_free(e);
	free(t);
}
END_TEST

START_TEST(test_many_records_in_pieces)
{
	struct disc_target *t = target_new(MAX_RECS);
	struct nvd_discovery_entry *e;
	char nqn[64];
	uint32_t n, i;
	uint64_t gen;

	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, &gen), 0);
	ck_assert_uint_eq(n, MAX_RECS);
	/* 40 KiB of records in 4 KiB reads at offsets, after the header */
	ck_assert_uint_eq(t->record_reads, MAX_RECS / 4);
	for (i = 1; i < n; i++) {
		snprintf(nqn, sizeof(nqn), "nqn.2026-12.io.nvdirect:subsys-%u", i);
		ck_assert_str_eq(e[i].subnqn, nqn);
		ck_assert_uint_eq(e[i].subtype, NVD_DISC_SUBTYPE_NVME);
		ck_assert_uint_eq(e[i].portid, i % 3 + 1);
	}
	nvd_discovery_free(e);
	free(t);
}
END_TEST

START_TEST(test_genctr_change_rereads_the_log)
{
	struct disc_target *t = target_new(6);
	struct nvd_discovery_entry *e;
	uint32_t n;
	uint64_t gen;

	/* the log changes during the first pass's record reads: a second pass */
	t->bump_genctr = 0;
	t->bumps = 1;
	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, &gen), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(gen, 8);	/* the generation read the second time */
	ck_assert_uint_eq(t->record_reads, 2 * 2);	/* 6 KiB: two reads per pass */
	nvd_discovery_free(e);
	free(t);
}
END_TEST

START_TEST(test_genctr_that_never_settles_is_eagain)
{
	struct disc_target *t = target_new(2);
	struct nvd_discovery_entry *e = NULL;
	uint32_t n = 0;

	t->bump_genctr = 0;
	t->bumps = ~0u;
	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, NULL), -EAGAIN);
	ck_assert_ptr_null(e);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "kept changing"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "127.0.0.1"));
	free(t);
}
END_TEST

START_TEST(test_short_log_is_eproto)
{
	struct disc_target *t = target_new(3);
	struct nvd_discovery_entry *e = NULL;
	uint32_t n = 0;

	/* NUMREC 3, but a records read brings back only two entries */
	t->short_bytes = 2 * NVMF_DISC_ENTRY_SIZE;
	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, NULL), -EPROTO);
	ck_assert_ptr_null(e);
	ck_assert_msg(strstr(nvd_last_error(), "is short: record 2 of NUMREC 3 is empty"),
		      "words: %s", nvd_last_error());
	free(t);
}
END_TEST

START_TEST(test_hangup_in_records_is_a_connection_error)
{
	struct disc_target *t = target_new(3);
	struct nvd_discovery_entry *e = NULL;
	uint32_t n = 0;
	int rc;

	t->close_in_records = true;
	target_start(t);
	rc = discover(t, &e, &n, NULL);
	ck_assert_msg(rc == -ECONNRESET, "rc %d: %s", rc, nvd_last_error());
	ck_assert_ptr_null(e);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "127.0.0.1"));
	free(t);
}
END_TEST

START_TEST(test_not_a_discovery_controller)
{
	struct disc_target *t = target_new(1);
	struct nvd_discovery_entry *e = NULL;
	struct nvd_trid trid;
	uint32_t n = 0;

	t->refuse_log = true;
	target_start(t);
	trid_for(&trid, t->port, "nqn.2026-12.io.nvdirect:an-io-subsystem");
	ck_assert_int_eq(nvd_discover(&trid, &e, &n, NULL), -EIO);
	target_join(t);
	ck_assert_str_eq(t->subnqn, "nqn.2026-12.io.nvdirect:an-io-subsystem");
	ck_assert_msg(strstr(nvd_last_error(), "is not a discovery controller") &&
		      strstr(nvd_last_error(), "Invalid Field in Command"),
		      "words: %s", nvd_last_error());
	ck_assert_ptr_null(e);
	free(t);
}
END_TEST

START_TEST(test_silent_controller_times_out)
{
	struct disc_target *t = target_new(1);
	struct nvd_discovery_entry *e = NULL;
	uint32_t n = 0;

	/* connected and enabled, then no answer: the connection's 10 s timeout */
	t->silent_log = true;
	target_start(t);
	ck_assert_int_eq(discover(t, &e, &n, NULL), -ETIMEDOUT);
	ck_assert_msg(strstr(nvd_last_error(), "Get Log Page 70h") &&
		      strstr(nvd_last_error(), "no response from 127.0.0.1"),
		      "words: %s", nvd_last_error());
	ck_assert_ptr_null(e);
	free(t);
}
END_TEST

START_TEST(test_refused_connect_names_the_address)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	struct nvd_discovery_entry *e = NULL;
	struct nvd_trid trid;
	char addr[32];
	uint32_t n = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port that was just free: nobody listens there */
	ck_assert_int_eq(bind(fd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (void *)&a, &len), 0);
	close(fd);
	trid_for(&trid, ntohs(a.sin_port), NULL);
	ck_assert_int_eq(nvd_discover(&trid, &e, &n, NULL), -ECONNREFUSED);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(a.sin_port));
	ck_assert_msg(strstr(nvd_last_error(), addr), "words: %s", nvd_last_error());
	ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_pcie_trid_is_refused)
{
	struct nvd_discovery_entry *e = NULL;
	struct nvd_trid trid;
	uint32_t n;

	ck_assert_int_eq(nvd_trid_parse(&trid, "trtype:PCIe traddr:0000:00:03.0"), 0);
	ck_assert_int_eq(nvd_discover(&trid, &e, &n, NULL), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "trtype:PCIe"));
}
END_TEST

START_TEST(test_entry_becomes_a_trid)
{
	struct nvd_discovery_entry e = {
		.trtype = NVD_TRTYPE_TCP, .adrfam = NVD_ADRFAM_IPV4,
		.subtype = NVD_DISC_SUBTYPE_NVME, .trsvcid = "4421", .traddr = "192.168.1.9",
		.subnqn = "nqn.2026-12.io.nvdirect:ssd",
	};
	struct nvd_trid trid, back;
	char s[600];

	ck_assert_int_eq(nvd_discovery_entry_trid(&e, &trid), 0);
	ck_assert_int_gt(nvd_trid_format(&trid, s, sizeof(s)), 0);
	ck_assert_int_eq(nvd_trid_parse(&back, s), 0);
	ck_assert_int_eq(back.trtype, NVD_TRTYPE_TCP);
	ck_assert_str_eq(back.traddr, "192.168.1.9");
	ck_assert_str_eq(back.trsvcid, "4421");
	ck_assert_str_eq(back.subnqn, "nqn.2026-12.io.nvdirect:ssd");
	e.trtype = 1;	/* RDMA */
	ck_assert_int_eq(nvd_discovery_entry_trid(&e, &trid), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "rdma"));
}
END_TEST

START_TEST(test_words_are_nvme_clis)
{
	ck_assert_str_eq(nvd_disc_trtype_str(3), "tcp");
	ck_assert_str_eq(nvd_disc_trtype_str(254), "loop");
	ck_assert_str_eq(nvd_disc_adrfam_str(1), "ipv4");
	ck_assert_str_eq(nvd_disc_adrfam_str(2), "ipv6");
	ck_assert_str_eq(nvd_disc_subtype_str(2), "nvme subsystem");
	ck_assert_str_eq(nvd_disc_subtype_str(3), "current discovery subsystem");
	ck_assert_str_eq(nvd_disc_subtype_str(1), "discovery subsystem referral");
	ck_assert_str_eq(nvd_disc_subtype_str(0), "unrecognized");
	ck_assert_str_eq(nvd_disc_treq_str(0), "not specified");
	ck_assert_str_eq(nvd_disc_treq_str(4), "not specified, sq flow control disable supported");
	ck_assert_str_eq(nvd_disc_treq_str(3), "unrecognized");
	ck_assert_str_eq(nvd_disc_eflags_str(0), "none");
	ck_assert_str_eq(nvd_disc_eflags_str(2), "explicit discovery connections");
	ck_assert_str_eq(nvd_disc_eflags_str(8), "unrecognized");
	ck_assert_str_eq(nvd_disc_sectype_str(0), "none");
	ck_assert_str_eq(nvd_disc_sectype_str(2), "tls13");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("discover");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_empty_log_is_zero_records);
	tcase_add_test(tc, test_one_record_every_field);
	tcase_add_test(tc, test_many_records_in_pieces);
	tcase_add_test(tc, test_genctr_change_rereads_the_log);
	tcase_add_test(tc, test_genctr_that_never_settles_is_eagain);
	tcase_add_test(tc, test_short_log_is_eproto);
	tcase_add_test(tc, test_hangup_in_records_is_a_connection_error);
	tcase_add_test(tc, test_not_a_discovery_controller);
	tcase_add_test(tc, test_silent_controller_times_out);
	tcase_add_test(tc, test_refused_connect_names_the_address);
	tcase_add_test(tc, test_pcie_trid_is_refused);
	tcase_add_test(tc, test_entry_becomes_a_trid);
	tcase_add_test(tc, test_words_are_nvme_clis);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
