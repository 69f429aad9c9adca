// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP connection and Fabrics commands (lib/tcp/conn.c, fabrics.c)
 * against a scripted target on a loopback socket, in a thread: what the
 * host puts on the wire (ICReq, Connect's capsule and data, H2CData after
 * R2T) and what it does with what comes back (partial reads, malformed
 * PDUs, TermReq, a closed connection, silence), with words.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nvdirect.h>

#include "tcp/conn.h"
#include "tcp/crc32c.h"
#include "tcp/fabrics.h"

struct target;
typedef void (*script_fn)(struct target *t);

struct target {
	int lfd, fd;
	uint16_t port;
	pthread_t thread;
	script_fn script;
	/* what the script saw, for the test to check after joining */
	struct nvme_tcp_icreq icreq;
	struct nvme_tcp_capsule_cmd cmd;
	struct nvmf_connect_data data;
	uint8_t h2c[16384];
	unsigned h2c_pdus, h2c_last;
	int failed;	/* the host sent something the script did not expect */
};

static void rd(struct target *t, void *buf, size_t len)
{
	size_t have = 0;

	while (have < len) {
		ssize_t n = recv(t->fd, (uint8_t *)buf + have, len - have, 0);

		if (n <= 0) {
			t->failed = 1;
			memset((uint8_t *)buf + have, 0, len - have);
			return;
		}
		have += n;
	}
}

static void wr(struct target *t, const void *buf, size_t len)
{
	if (send(t->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		t->failed = 1;
}

/* ICReq in; ICResp out with @cpda, @dgst, @maxh2cdata. */
static void handshake(struct target *t, uint8_t cpda, uint8_t dgst, uint32_t maxh2cdata)
{
	struct nvme_tcp_icresp r;

	rd(t, &t->icreq, sizeof(t->icreq));
	memset(&r, 0, sizeof(r));
	r.ch = (struct nvme_tcp_ch){ NVME_TCP_ICRESP, 0, 128, 0, 128 };
	r.cpda = cpda;
	r.dgst = dgst;
	r.maxh2cdata = maxh2cdata;
	wr(t, &r, sizeof(r));
}

/* A CapsuleCmd without data (no digests negotiated). */
static void read_cmd(struct target *t)
{
	rd(t, &t->cmd, sizeof(t->cmd));
	if (t->cmd.ch.type != NVME_TCP_CAPSULE_CMD || t->cmd.ch.plen != sizeof(t->cmd))
		t->failed = 1;
}

static void respond(struct target *t, uint32_t cdw0, uint32_t dw1, uint16_t status)
{
	struct nvme_tcp_capsule_resp r = {
		.ch = { NVME_TCP_CAPSULE_RESP, 0, 24, 0, 24 },
		.cqe = { .cdw0 = cdw0, .rsvd = dw1, .cid = t->cmd.sqe.cid, .status = status },
	};

	wr(t, &r, sizeof(r));
}

static void *target_main(void *arg)
{
	struct target *t = arg;

	t->fd = accept(t->lfd, NULL, NULL);
	if (t->fd < 0) {
		t->failed = 1;
		return NULL;
	}
	t->script(t);
	close(t->fd);
	return NULL;
}

static struct target *target_start(script_fn script)
{
	static struct target t;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(&t, 0, sizeof(t));
	t.script = script;
	t.lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(t.lfd, 0);
	ck_assert_int_eq(bind(t.lfd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(t.lfd, 1), 0);
	ck_assert_int_eq(getsockname(t.lfd, (void *)&a, &len), 0);
	t.port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&t.thread, NULL, target_main, &t), 0);
	return &t;
}

static void target_join(struct target *t)
{
	pthread_join(t->thread, NULL);
	close(t->lfd);
}

static int open_to(struct nvd_tcp_conn *c, uint16_t port, bool hdgst, bool ddgst, uint32_t ms)
{
	struct nvd_tcp_conn_opts o = { .hdgst = hdgst, .ddgst = ddgst, .timeout_ms = ms };
	struct nvd_trid trid;
	char s[96];

	snprintf(s, sizeof(s), "trtype:TCP traddr:127.0.0.1 trsvcid:%u", port);
	ck_assert_int_eq(nvd_trid_parse(&trid, s), 0);
	return nvd__tcp_conn_open(c, &trid, &o);
}

/* ---- handshake ---------------------------------------------------------- */

static void script_icresp_aligned(struct target *t)
{
	handshake(t, 3, NVME_TCP_DGST_HDR, 8192);
}

START_TEST(test_icresp_sets_alignment_digests_and_maxh2cdata)
{
	struct target *t = target_start(script_icresp_aligned);
	struct nvd_tcp_conn c;

	ck_assert_int_eq(open_to(&c, t->port, true, true, 2000), 0);
	target_join(t);
	ck_assert_int_eq(t->failed, 0);
	/* the ICReq: PFV 0, HPDA 0, both digests asked for, MAXR2T 0 */
	ck_assert_uint_eq(t->icreq.ch.type, NVME_TCP_ICREQ);
	ck_assert_uint_eq(t->icreq.ch.plen, 128);
	ck_assert_uint_eq(t->icreq.dgst, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA);
	ck_assert_uint_eq(t->icreq.hpda, 0);
	/* granted: header digests only, CPDA 3 (16 bytes) */
	ck_assert(c.tx.hdgst && c.rx.hdgst);
	ck_assert(!c.tx.ddgst && !c.rx.ddgst);
	ck_assert_uint_eq(c.tx.data_align, 16);
	ck_assert_uint_eq(c.maxh2cdata, 8192);
	nvd__tcp_conn_close(&c);
}
END_TEST

static void script_icresp_digests_not_asked(struct target *t)
{
	handshake(t, 0, NVME_TCP_DGST_DATA, 8192);
}

START_TEST(test_icresp_with_unasked_digests_is_refused)
{
	struct target *t = target_start(script_icresp_digests_not_asked);
	struct nvd_tcp_conn c;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), -EPROTO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "enabled digests 0x2, more than the 0x0 asked for"));
	target_join(t);
}
END_TEST

static void script_silent(struct target *t)
{
	rd(t, &t->icreq, sizeof(t->icreq));
	usleep(500 * 1000);
}

START_TEST(test_no_icresp_times_out)
{
	struct target *t = target_start(script_silent);
	struct nvd_tcp_conn c;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 100), -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "no ICResp from 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "within 100 ms"));
	target_join(t);
}
END_TEST

START_TEST(test_refused_connect_names_the_address)
{
	struct target *t = target_start(script_silent);
	uint16_t port = t->port;
	struct nvd_tcp_conn c;
	char want[64];

	/* connect once so the thread ends, then nobody listens on the port */
	ck_assert_int_eq(open_to(&c, port, false, false, 100), -ETIMEDOUT);
	target_join(t);
	ck_assert_int_eq(open_to(&c, port, false, false, 1000), -ECONNREFUSED);
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%u: Connection refused", port);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), want));
}
END_TEST

/* ---- Fabrics commands ----------------------------------------------------- */

static void script_connect(struct target *t)
{
	handshake(t, 0, 0, 8192);
	rd(t, &t->cmd, sizeof(t->cmd));
	rd(t, &t->data, sizeof(t->data));
	respond(t, 7, 0, 0);
}

START_TEST(test_connect_puts_hostnqn_and_subnqn_in_the_capsule)
{
	struct target *t = target_start(script_connect);
	const struct nvmf_connect_cmd *cc = (const void *)&t->cmd.sqe;
	struct nvd_tcp_host host = { .nqn = "nqn.2026-12.io.nvdirect:host", .id = { 1, 2, 3 } };
	struct nvd_tcp_conn c;
	uint16_t cntlid = 0;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_connect(&c, 0, 32, &host, "nqn.2026-12.io.nvdirect:sub", 0, &cntlid), 0);
	target_join(t);
	ck_assert_int_eq(t->failed, 0);
	ck_assert_uint_eq(cntlid, 7);
	/* CapsuleCmd with 1 KiB in-capsule data right after the header (PDO 72) */
	ck_assert_uint_eq(t->cmd.ch.pdo, 72);
	ck_assert_uint_eq(t->cmd.ch.plen, 72 + 1024);
	ck_assert_uint_eq(cc->opc, NVME_OPC_FABRICS);
	ck_assert_uint_eq(cc->fctype, NVMF_FCTYPE_CONNECT);
	ck_assert_uint_eq(cc->flags & NVME_CMD_PSDT_MASK, NVME_CMD_PSDT_SGL_MPTR_CONTIG);
	ck_assert_uint_eq(cc->sgl1.id, 0x01);
	ck_assert_uint_eq(cc->sgl1.len, 1024);
	ck_assert_uint_eq(cc->qid, 0);
	ck_assert_uint_eq(cc->sqsize, 31);
	ck_assert_uint_eq(t->data.cntlid, 0xffff);
	ck_assert_uint_eq(t->data.hostid[2], 3);
	ck_assert_str_eq(t->data.subnqn, "nqn.2026-12.io.nvdirect:sub");
	ck_assert_str_eq(t->data.hostnqn, "nqn.2026-12.io.nvdirect:host");
	nvd__tcp_conn_close(&c);
}
END_TEST

static void script_connect_bad_subnqn(struct target *t)
{
	handshake(t, 0, 0, 8192);
	rd(t, &t->cmd, sizeof(t->cmd));
	rd(t, &t->data, sizeof(t->data));
	/* Invalid Parameters, IATTR 1 (data) in bits 23:16, IPO 256 (SUBNQN) in 15:0, DNR */
	respond(t, 1u << 16 | 256, 0, NVME_STATUS(NVME_SCT_CMD_SPECIFIC, 0x82) | NVME_CPL_DNR);
}

START_TEST(test_connect_refusal_names_the_field)
{
	struct target *t = target_start(script_connect_bad_subnqn);
	struct nvd_tcp_host host = { .nqn = "nqn.h" };
	struct nvd_tcp_conn c;
	uint16_t cntlid;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_connect(&c, 0, 32, &host, "nqn.x", 0, &cntlid), -EIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(),
				     "Connect to nqn.x at 127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(),
				     "as nqn.h: Connect Invalid Parameters: SUBNQN (sct 0x1 sc 0x82)"));
	target_join(t);
	nvd__tcp_conn_close(&c);
}
END_TEST

/* Connect's own status codes and the field an Invalid Parameters names. */
START_TEST(test_connect_status_words)
{
	struct nvd_cpl cpl = { .status = NVME_STATUS(NVME_SCT_CMD_SPECIFIC, 0x82) };
	char buf[160];

	cpl.cdw0 = 44;			/* IATTR 0: the command, byte 44 */
	ck_assert_str_eq(nvd__tcp_connect_status_str(&cpl, buf, sizeof(buf)),
			 "Connect Invalid Parameters: SQSIZE (sct 0x1 sc 0x82)");
	cpl.cdw0 = 1u << 16 | 512;	/* IATTR 1: the data, byte 512 */
	ck_assert_str_eq(nvd__tcp_connect_status_str(&cpl, buf, sizeof(buf)),
			 "Connect Invalid Parameters: HOSTNQN (sct 0x1 sc 0x82)");
	cpl.status = NVME_STATUS(NVME_SCT_CMD_SPECIFIC, 0x84);
	ck_assert_str_eq(nvd__tcp_connect_status_str(&cpl, buf, sizeof(buf)),
			 "Connect Invalid Host (sct 0x1 sc 0x84)");
	cpl.status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD);
	ck_assert_str_eq(nvd__tcp_connect_status_str(&cpl, buf, sizeof(buf)),
			 "Invalid Field in Command (sct 0x0 sc 0x2)");
}
END_TEST

/* The host identity: an NQN given wins; a UUID NQN gives the host ID. */
START_TEST(test_host_nqn_override_and_uuid_host_id)
{
	struct nvd_tcp_host h;
	char long_nqn[300];

	ck_assert_int_eq(nvd__tcp_host_default(&h, "nqn.2014-08.org.nvmexpress:uuid:"
						"01234567-89ab-cdef-0123-456789abcdef"), 0);
	ck_assert_str_eq(h.nqn, "nqn.2014-08.org.nvmexpress:uuid:01234567-89ab-cdef-0123-456789abcdef");
	if (access("/etc/nvme/hostid", R_OK) != 0) {	/* nvme-cli's file wins when there is one */
		ck_assert_uint_eq(h.id[0], 0x01);
		ck_assert_uint_eq(h.id[15], 0xef);
	}
	memset(long_nqn, 'n', sizeof(long_nqn) - 1);
	long_nqn[sizeof(long_nqn) - 1] = '\0';
	ck_assert_int_eq(nvd__tcp_host_default(&h, long_nqn), -EINVAL);
}
END_TEST

/* Property Get's response dribbles in a byte at a time. */
static void script_prop_get_slowly(struct target *t)
{
	struct nvme_tcp_capsule_resp r = { .ch = { NVME_TCP_CAPSULE_RESP, 0, 24, 0, 24 } };

	handshake(t, 0, 0, 8192);
	read_cmd(t);
	r.cqe.cdw0 = 0x89abcdef;
	r.cqe.rsvd = 0x01234567;
	r.cqe.cid = t->cmd.sqe.cid;
	for (size_t i = 0; i < sizeof(r); i++) {
		wr(t, (uint8_t *)&r + i, 1);
		usleep(2000);
	}
}

START_TEST(test_property_get_survives_partial_reads)
{
	struct target *t = target_start(script_prop_get_slowly);
	const struct nvmf_prop_cmd *pc = (const void *)&t->cmd.sqe;
	struct nvd_tcp_conn c;
	uint64_t v = 0;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_prop_get(&c, NVME_REG_CAP, 8, &v), 0);
	target_join(t);
	ck_assert_uint_eq(v, 0x0123456789abcdefull);
	ck_assert_uint_eq(pc->fctype, NVMF_FCTYPE_PROP_GET);
	ck_assert_uint_eq(pc->attrib, 1);
	ck_assert_uint_eq(pc->ofst, NVME_REG_CAP);
	ck_assert_uint_eq(t->cmd.ch.pdo, 0);
	nvd__tcp_conn_close(&c);
}
END_TEST

static void script_malformed_resp(struct target *t)
{
	uint8_t bad[24] = { NVME_TCP_CAPSULE_RESP, 0, 20, 0, 24 };

	handshake(t, 0, 0, 8192);
	read_cmd(t);
	wr(t, bad, sizeof(bad));
}

START_TEST(test_malformed_pdu_is_an_error_with_words)
{
	struct target *t = target_start(script_malformed_resp);
	struct nvd_tcp_conn c;
	uint64_t v;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_prop_get(&c, NVME_REG_VS, 4, &v), -EPROTO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "malformed NVMe/TCP PDU: CapsuleResp HLEN 20, expected 24"));
	target_join(t);
	nvd__tcp_conn_close(&c);
}
END_TEST

static void script_term_req(struct target *t)
{
	struct nvme_tcp_term term = { .ch = { NVME_TCP_C2H_TERM, 0, 24, 0, 24 + 8 },
				      .fes = NVME_TCP_FES_HDGST, .fei = { 0x10 } };
	uint8_t offending[8] = { 4 };

	handshake(t, 0, 0, 8192);
	read_cmd(t);
	wr(t, &term, sizeof(term));
	wr(t, offending, sizeof(offending));
}

START_TEST(test_c2h_term_req_is_a_reset_with_its_reason)
{
	struct target *t = target_start(script_term_req);
	struct nvd_tcp_conn c;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_prop_set(&c, NVME_REG_CC, 4, 1), -ECONNRESET);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "terminated the connection: Header Digest Error (FES 0x3, FEI 0x10)"));
	target_join(t);
	nvd__tcp_conn_close(&c);
}
END_TEST

static void script_close_after_cmd(struct target *t)
{
	handshake(t, 0, 0, 8192);
	read_cmd(t);
}

START_TEST(test_target_closing_is_a_reset)
{
	struct target *t = target_start(script_close_after_cmd);
	struct nvd_tcp_conn c;
	uint64_t v;

	ck_assert_int_eq(open_to(&c, t->port, false, false, 2000), 0);
	ck_assert_int_eq(nvd__tcp_prop_get(&c, NVME_REG_CSTS, 4, &v), -ECONNRESET);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "closed the connection"));
	target_join(t);
	nvd__tcp_conn_close(&c);
}
END_TEST

/*
 * A 16 KiB write with no room in the capsule: R2T for all of it, answered
 * in H2CData PDUs of MAXH2CDATA (4 KiB) bytes with data digests, LAST on
 * the last one.
 */
static void script_r2t(struct target *t)
{
	struct nvme_tcp_r2t r2t = { .ch = { NVME_TCP_R2T, NVME_TCP_F_HDGST, 24, 0, 28 } };
	uint8_t hd[4];

	handshake(t, 0, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA, 4096);
	rd(t, &t->cmd, sizeof(t->cmd));
	rd(t, hd, 4);	/* header digest; no data in the capsule */
	r2t.cccid = t->cmd.sqe.cid;
	r2t.ttag = 0x55;
	r2t.r2tl = sizeof(t->h2c);
	{
		uint32_t crc = nvd__crc32c(0, &r2t, 24);

		wr(t, &r2t, 24);
		wr(t, &crc, 4);
	}
	while (!t->failed && !t->h2c_last) {
		struct nvme_tcp_data d;
		uint32_t want_hd, want_dd;

		rd(t, &d, sizeof(d));
		rd(t, &want_hd, 4);
		if (d.ch.type != NVME_TCP_H2C_DATA || d.ttag != 0x55 || d.datal > 4096 ||
		    d.datao + d.datal > sizeof(t->h2c) || want_hd != nvd__crc32c(0, &d, 24) ||
		    d.ch.pdo != 28 || d.ch.flags != (NVME_TCP_F_HDGST | NVME_TCP_F_DDGST |
						     (d.datao + d.datal == sizeof(t->h2c) ? NVME_TCP_F_LAST : 0))) {
			t->failed = 1;
			break;
		}
		rd(t, t->h2c + d.datao, d.datal);
		rd(t, &want_dd, 4);
		if (want_dd != nvd__crc32c(0, t->h2c + d.datao, d.datal))
			t->failed = 1;
		t->h2c_pdus++;
		t->h2c_last = d.ch.flags & NVME_TCP_F_LAST;
	}
	{
		struct nvme_tcp_capsule_resp r = { .ch = { NVME_TCP_CAPSULE_RESP, NVME_TCP_F_HDGST, 24, 0, 28 },
						   .cqe = { .cid = t->cmd.sqe.cid } };
		uint32_t crc = nvd__crc32c(0, &r, 24);

		wr(t, &r, 24);
		wr(t, &crc, 4);
	}
}

START_TEST(test_write_after_r2t_in_maxh2cdata_pieces)
{
	struct target *t = target_start(script_r2t);
	static uint8_t buf[16384];
	struct nvd_tcp_conn c;
	struct nvme_cmd cmd = { .opc = 0x01 };
	struct nvd_cpl cpl;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(open_to(&c, t->port, true, true, 2000), 0);
	ck_assert_int_eq(nvd__tcp_exec(&c, &cmd, buf, sizeof(buf), true, 0, "Write", &cpl), 0);
	target_join(t);
	ck_assert_int_eq(t->failed, 0);
	ck_assert_uint_eq(((const struct nvme_cmd *)&t->cmd.sqe)->sgl1.id, 0x5a);
	ck_assert_uint_eq(t->h2c_pdus, 4);
	ck_assert_int_eq(memcmp(t->h2c, buf, sizeof(buf)), 0);
	nvd__tcp_conn_close(&c);
}
END_TEST

static Suite *tcp_conn_suite(void)
{
	Suite *s = suite_create("tcp_conn");
	TCase *tc = tcase_create("conn");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_icresp_sets_alignment_digests_and_maxh2cdata);
	tcase_add_test(tc, test_icresp_with_unasked_digests_is_refused);
	tcase_add_test(tc, test_no_icresp_times_out);
	tcase_add_test(tc, test_refused_connect_names_the_address);
	tcase_add_test(tc, test_connect_puts_hostnqn_and_subnqn_in_the_capsule);
	tcase_add_test(tc, test_connect_refusal_names_the_field);
	tcase_add_test(tc, test_connect_status_words);
	tcase_add_test(tc, test_host_nqn_override_and_uuid_host_id);
	tcase_add_test(tc, test_property_get_survives_partial_reads);
	tcase_add_test(tc, test_malformed_pdu_is_an_error_with_words);
	tcase_add_test(tc, test_c2h_term_req_is_a_reset_with_its_reason);
	tcase_add_test(tc, test_target_closing_is_a_reset);
	tcase_add_test(tc, test_write_after_r2t_in_maxh2cdata_pieces);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_conn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
