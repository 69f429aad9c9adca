// SPDX-License-Identifier: MIT
/* Transport ID strings (lib/core/trid.c): SPDK's forms parse, bad ones say which key. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

START_TEST(test_pcie_trid)
{
	struct nvd_trid t;

	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:PCIe traddr:0000:01:00.0 ns:1"), 0);
	ck_assert_int_eq(t.trtype, NVD_TRTYPE_PCIE);
	ck_assert_str_eq(t.traddr, "0000:01:00.0");
	ck_assert_uint_eq(t.nsid, 1);
	/* short BDF, '=' separators, any case, tabs: normalised */
	ck_assert_int_eq(nvd_trid_parse(&t, "  TRTYPE=pcie\ttraddr=0A:1f.7  "), 0);
	ck_assert_str_eq(t.traddr, "0000:0a:1f.7");
	ck_assert_uint_eq(t.nsid, 0);
}
END_TEST

START_TEST(test_tcp_trid)
{
	struct nvd_trid t;
	char buf[512];

	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 "
					    "subnqn:nqn.2024-01.io.nvdirect:test"), 0);
	ck_assert_int_eq(t.trtype, NVD_TRTYPE_TCP);
	ck_assert_int_eq(t.adrfam, NVD_ADRFAM_IPV4);
	ck_assert_str_eq(t.traddr, "127.0.0.1");
	ck_assert_str_eq(t.trsvcid, "4420");
	/* the NQN's own ':' stays in the value */
	ck_assert_str_eq(t.subnqn, "nqn.2024-01.io.nvdirect:test");
	ck_assert_int_eq(nvd_trid_format(&t, buf, sizeof(buf)), (int)strlen(buf));
	ck_assert_str_eq(buf, "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 "
			      "subnqn:nqn.2024-01.io.nvdirect:test");

	/* defaults: port 4420, IPv6 from the address */
	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:tcp traddr:fe80::1"), 0);
	ck_assert_int_eq(t.adrfam, NVD_ADRFAM_IPV6);
	ck_assert_str_eq(t.trsvcid, "4420");
	ck_assert_str_eq(t.subnqn, "");
}
END_TEST

START_TEST(test_format_round_trips_and_reports_length)
{
	struct nvd_trid t, u;
	char buf[512], small[10];

	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:PCIe traddr:0000:00:03.0 ns:2"), 0);
	ck_assert_int_eq(nvd_trid_format(&t, buf, sizeof(buf)), 36);
	ck_assert_str_eq(buf, "trtype:PCIe traddr:0000:00:03.0 ns:2");
	ck_assert_int_eq(nvd_trid_parse(&u, buf), 0);
	ck_assert_mem_eq(&t, &u, sizeof(t));
	/* like snprintf: the full length, the output cut and terminated */
	ck_assert_int_eq(nvd_trid_format(&t, small, sizeof(small)), 36);
	ck_assert_str_eq(small, "trtype:PC");
}
END_TEST

/* Each bad string is refused, and the words name the key and value at fault. */
START_TEST(test_bad_trids_say_which_key)
{
	static const struct {
		const char *s;
		int err;
		const char *words;
	} cases[] = {
		{ "", -EINVAL, "no trtype" },
		{ "traddr:0000:01:00.0", -EINVAL, "no trtype" },
		{ "trtype:PCIe", -EINVAL, "trtype PCIe needs a traddr" },
		{ "trtype:PCIe traddr:0000:zz:00.0", -EINVAL, "traddr '0000:zz:00.0' is not a PCI address" },
		{ "trtype:PCIe traddr:0000:01:20.0", -EINVAL, "traddr '0000:01:20.0' is not a PCI address" },
		{ "trtype:PCIe traddr:0000:01:00.0 trsvcid:4420", -EINVAL, "are for TCP, not PCIe" },
		{ "trtype:XYZ traddr:1.2.3.4", -EINVAL, "trtype 'XYZ' is not PCIe or TCP" },
		{ "trtype:RDMA traddr:1.2.3.4", -EPROTONOSUPPORT, "trtype RDMA is not supported" },
		{ "trtype:TCP traddr:1.2.3.4 adrfam:IPX", -EINVAL, "adrfam 'IPX' is not IPv4 or IPv6" },
		{ "trtype:TCP traddr:1.2.3.4 trsvcid:70000", -EINVAL, "trsvcid '70000' is not a TCP port" },
		{ "trtype:TCP traddr:1.2.3.4 trsvcid:44a", -EINVAL, "trsvcid '44a' is not a TCP port" },
		{ "trtype:TCP traddr:1.2.3.4 foo:bar", -EINVAL, "unknown key 'foo'" },
		{ "trtype:TCP traddr:1.2.3.4 traddr:5.6.7.8", -EINVAL, "traddr given twice" },
		{ "trtype:TCP traddr:", -EINVAL, "traddr without a value" },
		{ "trtype:TCP 1.2.3.4", -EINVAL, "'1.2.3.4' is not key:value" },
		{ "trtype:PCIe traddr:0000:01:00.0 ns:0", -EINVAL, "ns '0' is not a namespace ID" },
		{ "trtype:PCIe traddr:0000:01:00.0 ns:-1", -EINVAL, "ns '-1' is not a namespace ID" },
	};
	struct nvd_trid t;

	memset(&t, 0x5a, sizeof(t));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(nvd_trid_parse(&t, cases[i].s), cases[i].err);
		ck_assert_msg(strstr(nvd_last_error(), cases[i].words),
			      "'%s': '%s' does not say '%s'", cases[i].s, nvd_last_error(),
			      cases[i].words);
		ck_assert_uint_eq(t.nsid, 0x5a5a5a5a);	/* untouched on failure */
	}
}
END_TEST

START_TEST(test_too_long_values_name_the_limit)
{
	struct nvd_trid t;
	char s[600] = "trtype:TCP traddr:1.2.3.4 subnqn:";

	memset(s + strlen(s), 'n', 224);
	ck_assert_int_eq(nvd_trid_parse(&t, s), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "subnqn of 224 characters exceeds 223"));
}
END_TEST

static Suite *trid_suite(void)
{
	Suite *s = suite_create("trid");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_pcie_trid);
	tcase_add_test(tc, test_tcp_trid);
	tcase_add_test(tc, test_format_round_trips_and_reports_length);
	tcase_add_test(tc, test_bad_trids_say_which_key);
	tcase_add_test(tc, test_too_long_values_name_the_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trid_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
