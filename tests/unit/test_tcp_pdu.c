// SPDX-License-Identifier: MIT
/*
 * NVMe/TCP PDUs (lib/tcp/pdu.c, crc32c.c): known-good vectors written out
 * byte by byte, malformed PDUs refused with words, and a fuzzer that feeds
 * random, mutated and truncated PDUs to the parser (deterministic seeds;
 * under ASan/UBSan in scripts/test.sh, every input in a buffer of exactly
 * its length so that a read past it is caught).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/crc32c.h"
#include "tcp/pdu.h"

/* PDU headers are read as structs: buffers are aligned like the connection's */
#define ALIGNED __attribute__((aligned(8)))

static const struct nvd_tcp_dir from_ctrl = { .data_align = 4 };
static const struct nvd_tcp_dir from_ctrl_dg = { .hdgst = true, .ddgst = true, .data_align = 4 };

START_TEST(test_crc32c_check_value)
{
	ck_assert_uint_eq(nvd__crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(nvd__crc32c(0, "", 0), 0);
	/* chaining over pieces, and unaligned starts, give the same CRC */
	ck_assert_uint_eq(nvd__crc32c(nvd__crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	/* RFC 3720 B.4: 32 bytes of zeros and of 0xff */
	uint8_t b[33] = { 0 };
	ck_assert_uint_eq(nvd__crc32c(0, b, 32), 0x8a9136aau);
	ck_assert_uint_eq(nvd__crc32c(0, b + 1, 32), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	ck_assert_uint_eq(nvd__crc32c(0, b, 32), 0x62a8ab43u);
}
END_TEST

START_TEST(test_icresp_vector)
{
	uint8_t v[128] ALIGNED = { 0x01, 0x00, 0x80, 0x00, 0x80, 0x00, 0x00, 0x00,	/* CH */
			   0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x02, 0x00 };	/* pfv cpda dgst maxh2cdata */
	struct nvd_tcp_pdu pdu;
	const struct nvme_tcp_icresp *r;

	ck_assert_int_eq(nvd__tcp_pdu_parse(v, sizeof(v), &from_ctrl, &pdu), 0);
	ck_assert_uint_eq(pdu.type, NVME_TCP_ICRESP);
	ck_assert_uint_eq(pdu.data_len, 0);
	r = pdu.hdr;
	ck_assert_uint_eq(r->cpda, 1);
	ck_assert_uint_eq(r->dgst, NVME_TCP_DGST_HDR | NVME_TCP_DGST_DATA);
	ck_assert_uint_eq(r->maxh2cdata, 131072);

	v[14] = 0, v[13] = 0x03;	/* MAXH2CDATA 768: below 4096 */
	ck_assert_int_eq(nvd__tcp_pdu_parse(v, sizeof(v), &from_ctrl, &pdu), -EPROTO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "MAXH2CDATA 768"));
}
END_TEST

START_TEST(test_capsule_resp_vectors)
{
	uint8_t plain[24] ALIGNED = { 0x05, 0x00, 0x18, 0x00, 0x18, 0x00, 0x00, 0x00,
			      0x34, 0x12, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x07, 0, 0, 0 };
	uint8_t hd[28] ALIGNED = { 0x05, 0x01, 0x18, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
			   0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
			   0x68, 0x1e, 0xca, 0x8e };
	struct nvd_tcp_pdu pdu;
	const struct nvme_tcp_capsule_resp *r;

	ck_assert_int_eq(nvd__tcp_pdu_parse(plain, sizeof(plain), &from_ctrl, &pdu), 0);
	r = pdu.hdr;
	ck_assert_uint_eq(r->cqe.cdw0, 0x1234);
	ck_assert_uint_eq(r->cqe.cid, 7);
	ck_assert_uint_eq(r->cqe.sqhd, 1);

	ck_assert_int_eq(nvd__tcp_pdu_parse(hd, sizeof(hd), &from_ctrl_dg, &pdu), 0);
	ck_assert_uint_eq(((const struct nvme_tcp_capsule_resp *)pdu.hdr)->cqe.cid, 7);
	/* a header digest where none was negotiated, and the reverse */
	ck_assert_int_eq(nvd__tcp_pdu_parse(hd, sizeof(hd), &from_ctrl, &pdu), -EPROTO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "header digest flag set"));
	ck_assert_int_eq(nvd__tcp_pdu_parse(plain, sizeof(plain), &from_ctrl_dg, &pdu), -EPROTO);
	/* one bit off in the CID: the digest no longer matches */
	hd[20] ^= 0x10;
	ck_assert_int_eq(nvd__tcp_pdu_parse(hd, sizeof(hd), &from_ctrl_dg, &pdu), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "CapsuleResp header digest 0x8eca1e68"));
}
END_TEST

START_TEST(test_c2h_data_vectors)
{
	uint8_t plain[32] ALIGNED = { 0x07, 0x04, 0x18, 0x18, 0x20, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00,
			      0x00, 0x00, 0x02, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
			      0x00, 0x00, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H' };
	uint8_t dg[40] ALIGNED = { 0x07, 0x0f, 0x18, 0x1c, 0x28, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
			   0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			   0xbb, 0x5c, 0xd6, 0x29, 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H',
			   0x0a, 0xe6, 0xc4, 0xcd };
	struct nvd_tcp_pdu pdu;
	const struct nvme_tcp_data *d;

	ck_assert_int_eq(nvd__tcp_pdu_parse(plain, sizeof(plain), &from_ctrl, &pdu), 0);
	d = pdu.hdr;
	ck_assert_uint_eq(d->cccid, 9);
	ck_assert_uint_eq(d->datao, 512);
	ck_assert_uint_eq(pdu.data_len, 8);
	ck_assert_ptr_eq(pdu.data, plain + 24);
	ck_assert_uint_eq(pdu.flags & NVME_TCP_F_LAST, NVME_TCP_F_LAST);

	ck_assert_int_eq(nvd__tcp_pdu_parse(dg, sizeof(dg), &from_ctrl_dg, &pdu), 0);
	ck_assert_ptr_eq(pdu.data, dg + 28);
	ck_assert_int_eq(memcmp(pdu.data, "ABCDEFGH", 8), 0);
	ck_assert_uint_eq(pdu.flags & NVME_TCP_F_SUCCESS, NVME_TCP_F_SUCCESS);
	/* the header alone parses (the connection reads data straight to the buffer) */
	ck_assert_int_eq(nvd__tcp_hdr_parse(dg, 28, &from_ctrl_dg, &pdu), 0);
	ck_assert_uint_eq(pdu.hdr_bytes, 28);
	ck_assert_ptr_null(pdu.data);

	dg[30] = 'x';	/* data changed: data digest error, header still good */
	ck_assert_int_eq(nvd__tcp_pdu_parse(dg, sizeof(dg), &from_ctrl_dg, &pdu), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "data digest 0xcdc4e60a"));

	plain[16] = 9;	/* DATAL says 9, PLEN leaves 8 */
	ck_assert_int_eq(nvd__tcp_pdu_parse(plain, sizeof(plain), &from_ctrl, &pdu), -EPROTO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "C2HData DATAL 9, but PLEN and PDO leave 8"));
}
END_TEST

/* Malformed common headers, each refused with words naming the field. */
START_TEST(test_malformed_headers_have_words)
{
	static const struct {
		uint8_t ch[8] ALIGNED;
		const char *words;
	} cases[] = {
		{ { 0x05, 0, 20, 0, 20, 0, 0, 0 }, "CapsuleResp HLEN 20, expected 24" },
		{ { 0x05, 0, 24, 0, 30, 0, 0, 0 }, "CapsuleResp PLEN 30, expected 24" },
		{ { 0x05, 0, 24, 24, 48, 0, 0, 0 }, "CapsuleResp PDO 24, but it carries no data" },
		{ { 0x04, 0, 72, 0, 72, 0, 0, 0 }, "CapsuleCmd is not a PDU the controller sends" },
		{ { 0x0b, 0, 24, 0, 24, 0, 0, 0 }, "type 0x0b is not a PDU the controller sends" },
		{ { 0x07, 0x04, 24, 26, 40, 0, 0, 0 }, "PDO 26 is not a multiple of the PDU data alignment 4" },
		{ { 0x07, 0x04, 24, 20, 40, 0, 0, 0 }, "C2HData PDO 20 overlaps its header" },
		{ { 0x07, 0x04, 24, 0, 24, 0, 0, 0 }, "C2HData with PDO 0" },
		{ { 0x07, 0x04, 24, 24, 24, 0, 0, 0 }, "C2HData PLEN 24 leaves no data" },
		{ { 0x07, 0x02, 24, 24, 40, 0, 0, 0 }, "data digests were negotiated off" },
		{ { 0x05, 0x08, 24, 0, 24, 0, 0, 0 }, "only C2HData may" },
		{ { 0x01, 0x01, 128, 0, 128, 0, 0, 0 }, "it is never digested" },
		{ { 0x03, 0, 24, 0, 200, 0, 0, 0 }, "C2HTermReq PLEN 200 exceeds 152" },
		{ { 0x09, 0, 24, 0, 10, 0, 0, 0 }, "shorter than its HLEN" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t hdr_bytes;

		ck_assert_int_eq(nvd__tcp_ch_check((const void *)cases[i].ch, &from_ctrl, &hdr_bytes),
				 -EPROTO);
		ck_assert_msg(strstr(nvd_last_error(), cases[i].words),
			      "case %zu: '%s' does not say '%s'", i, nvd_last_error(), cases[i].words);
		ck_assert_ptr_nonnull(strstr(nvd_last_error(), "malformed NVMe/TCP PDU"));
	}
}
END_TEST

/*
 * What the host builds parses as the controller would see it: CapsuleCmd
 * with in-capsule data and both digests, PDO on a 16-byte CPDA.
 */
START_TEST(test_capsule_cmd_round_trip)
{
	const struct nvd_tcp_dir tx = { .to_ctrl = true, .hdgst = true, .ddgst = true,
					.data_align = NVME_TCP_PDA_BYTES(3) };
	uint8_t buf[NVD_TCP_HDR_MAX + 1024 + 4] ALIGNED;
	struct nvme_tcp_capsule_cmd *cmd = (void *)buf;
	struct nvd_tcp_pdu pdu;
	uint32_t start;

	memset(buf, 0xee, sizeof(buf));
	memset(&cmd->sqe, 0, sizeof(cmd->sqe));
	cmd->sqe.opc = 0x7f;
	cmd->sqe.cid = 42;
	start = nvd__tcp_hdr_finish(buf, NVME_TCP_CAPSULE_CMD, sizeof(*cmd), 0, 1024, &tx);
	ck_assert_uint_eq(start, 80);		/* 72 + 4, up to 16 */
	ck_assert_uint_eq(cmd->ch.pdo, 80);
	ck_assert_uint_eq(cmd->ch.plen, 80 + 1024 + 4);
	ck_assert_uint_eq(cmd->ch.flags, NVME_TCP_F_HDGST | NVME_TCP_F_DDGST);
	ck_assert_uint_eq(buf[76] | buf[79], 0);	/* padding zeroed */
	for (int i = 0; i < 1024; i++)
		buf[start + i] = (uint8_t)i;
	nvd__tcp_ddgst(buf + start, 1024, buf + start + 1024);
	ck_assert_int_eq(nvd__tcp_pdu_parse(buf, cmd->ch.plen, &tx, &pdu), 0);
	ck_assert_uint_eq(pdu.data_len, 1024);
	ck_assert_uint_eq(((const struct nvme_tcp_capsule_cmd *)pdu.hdr)->sqe.cid, 42);

	/* without data: PDO 0, no data digest flag */
	start = nvd__tcp_hdr_finish(buf, NVME_TCP_CAPSULE_CMD, sizeof(*cmd), 0, 0, &tx);
	ck_assert_uint_eq(start, 76);
	ck_assert_uint_eq(cmd->ch.pdo, 0);
	ck_assert_uint_eq(cmd->ch.plen, 76);
	ck_assert_int_eq(nvd__tcp_pdu_parse(buf, 76, &tx, &pdu), 0);
}
END_TEST

START_TEST(test_icreq_build)
{
	struct nvme_tcp_icreq req;
	const struct nvd_tcp_dir to = { .to_ctrl = true };
	struct nvd_tcp_pdu pdu;

	nvd__tcp_icreq_build(&req, 0, NVME_TCP_DGST_HDR, 0);
	ck_assert_uint_eq(req.ch.type, NVME_TCP_ICREQ);
	ck_assert_uint_eq(req.ch.hlen, 128);
	ck_assert_uint_eq(req.ch.plen, 128);
	ck_assert_uint_eq(req.ch.flags, 0);	/* never digested itself */
	ck_assert_uint_eq(req.dgst, NVME_TCP_DGST_HDR);
	ck_assert_int_eq(nvd__tcp_pdu_parse(&req, sizeof(req), &to, &pdu), 0);
}
END_TEST

/* ---- fuzzing ----------------------------------------------------------- */

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: deterministic from the seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* A well-formed PDU from the controller, of a random type, in @buf. */
static size_t good_pdu(uint8_t *buf, const struct nvd_tcp_dir *d)
{
	static const uint8_t types[] = { NVME_TCP_ICRESP, NVME_TCP_C2H_TERM, NVME_TCP_CAPSULE_RESP,
					 NVME_TCP_C2H_DATA, NVME_TCP_R2T };
	uint8_t type = types[next() % sizeof(types)];
	uint32_t data_len = 0, start;
	uint8_t hlen;

	memset(buf, 0, NVD_TCP_HDR_MAX);
	switch (type) {
	case NVME_TCP_ICRESP: {
		struct nvme_tcp_icresp *r = (void *)buf;

		hlen = sizeof(*r);
		r->maxh2cdata = 4096u << (next() % 6);
		r->cpda = next() % 4;
		r->dgst = next() % 4;
		break;
	}
	case NVME_TCP_C2H_DATA: {
		struct nvme_tcp_data *r = (void *)buf;

		hlen = sizeof(*r);
		data_len = 1 + next() % 600;
		r->datal = data_len;
		r->datao = next() % 65536;
		r->cccid = next();
		break;
	}
	case NVME_TCP_R2T: {
		struct nvme_tcp_r2t *r = (void *)buf;

		hlen = sizeof(*r);
		r->r2tl = 1 + next() % 65536;
		break;
	}
	default:
		hlen = 24;
		break;
	}
	start = nvd__tcp_hdr_finish(buf, type, hlen,
				    type == NVME_TCP_C2H_DATA ? NVME_TCP_F_LAST : 0, data_len, d);
	if (type == NVME_TCP_C2H_TERM) {	/* up to 128 bytes of an offending header */
		uint32_t n = next() % 129;

		memset(buf + start, 0x5a, n);
		((struct nvme_tcp_ch *)buf)->plen += n;
		return start + n;
	}
	for (uint32_t i = 0; i < data_len; i++)
		buf[start + i] = (uint8_t)next();
	if (data_len && d->ddgst)
		nvd__tcp_ddgst(buf + start, data_len, buf + start + data_len);
	return ((struct nvme_tcp_ch *)buf)->plen;
}

/* Parse @len bytes in a heap buffer of exactly that size; check what is accepted. */
static int parse_exact(const uint8_t *src, size_t len, const struct nvd_tcp_dir *d)
{
	uint8_t *b = malloc(len ? len : 1);
	struct nvd_tcp_pdu pdu;
	int err, herr;

	ck_assert_ptr_nonnull(b);
	memcpy(b, src, len);
	herr = nvd__tcp_hdr_parse(b, len, d, &pdu);
	err = nvd__tcp_pdu_parse(b, len, d, &pdu);
	ck_assert(err == 0 || err == -EPROTO || err == -EBADMSG);
	ck_assert(herr == 0 || herr == -EPROTO || herr == -EBADMSG);
	if (err == 0) {
		const struct nvme_tcp_ch *ch = (const void *)b;
		uint32_t dd = pdu.flags & NVME_TCP_F_DDGST ? 4 : 0;

		ck_assert_int_eq(herr, 0);
		ck_assert_uint_eq(ch->plen, len);
		ck_assert_uint_eq(pdu.hdr_bytes + pdu.data_len + dd, len);
		ck_assert(pdu.data >= b && pdu.data + pdu.data_len + dd <= b + len);
		ck_assert(pdu.hdr_bytes >= ch->hlen);
	}
	free(b);
	return err;
}

START_TEST(test_fuzz_random_and_truncated_pdus)
{
	static const struct nvd_tcp_dir dirs[] = {
		{ .data_align = 4 },
		{ .hdgst = true, .ddgst = true, .data_align = 4 },
		{ .hdgst = true, .data_align = 32, .max_data = 256 },
		{ .ddgst = true, .data_align = 128 },
	};
	uint8_t buf[NVD_TCP_HDR_MAX + 1024] ALIGNED;
	unsigned accepted = 0, refused = 0, good_ok = 0;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		rng = seed * 0x9e3779b97f4a7c15ull;
		for (int it = 0; it < 20000; it++) {
			const struct nvd_tcp_dir *d = &dirs[next() % 4];
			size_t len = good_pdu(buf, d);
			size_t n;
			int err;

			/* the well-formed one parses, unless over max_data */
			err = parse_exact(buf, len, d);
			if (err == 0)
				good_ok++;
			else
				ck_assert_msg(d->max_data, "seed %llu it %d: good PDU refused: %s",
					      (unsigned long long)seed, it, nvd_last_error());
			/* every truncation is refused */
			n = next() % len;
			ck_assert_int_ne(parse_exact(buf, n, d), 0);
			/* mutate a few bytes, often in the header */
			for (int k = 1 + next() % 4; k > 0; k--) {
				size_t at = next() % 2 ? next() % 32 : next() % len;

				if (at < len)
					buf[at] ^= (uint8_t)(1u << (next() % 8));
			}
			if (parse_exact(buf, len, d) == 0)
				accepted++;
			else
				refused++;
			/* and pure noise with a plausible PLEN */
			n = next() % sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)next();
			if (n >= 8 && next() % 2)
				((struct nvme_tcp_ch *)buf)->plen = n;
			if (parse_exact(buf, n, d) == 0)
				accepted++;
			else
				refused++;
		}
	}
	/* the fuzzer reached both sides of the parser */
	ck_assert_uint_gt(good_ok, 100000);
	ck_assert_uint_gt(refused, 100000);
	ck_assert_uint_gt(accepted, 100);
}
END_TEST

static Suite *tcp_pdu_suite(void)
{
	Suite *s = suite_create("tcp_pdu");
	TCase *tc = tcase_create("pdu");

	tcase_add_test(tc, test_crc32c_check_value);
	tcase_add_test(tc, test_icresp_vector);
	tcase_add_test(tc, test_capsule_resp_vectors);
	tcase_add_test(tc, test_c2h_data_vectors);
	tcase_add_test(tc, test_malformed_headers_have_words);
	tcase_add_test(tc, test_capsule_cmd_round_trip);
	tcase_add_test(tc, test_icreq_build);
	suite_add_tcase(s, tc);
	tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fuzz_random_and_truncated_pdus);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_pdu_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
