// SPDX-License-Identifier: MIT
/* The engine's filename syntax (filename.c), on the host. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "nvd_fio.h"

static struct nvd_fio_target t;
static char why[256];

static int parse(const char *name)
{
	why[0] = '\0';
	return nvd_fio_parse_filename(name, &t, why, sizeof(why));
}

START_TEST(test_spdk_syntax_with_dots)
{
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=1"), 0);
	ck_assert_str_eq(t.name, "0000:00:03.0");
	ck_assert_uint_eq(t.nsid, 1);
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.af.1f.7 ns=4294967294"), 0);
	ck_assert_str_eq(t.name, "0000:af:1f.7");
	ck_assert_uint_eq(t.nsid, 4294967294u);
}
END_TEST

START_TEST(test_keys_in_any_order_any_case_ns_defaults_to_1)
{
	ck_assert_int_eq(parse("  traddr=0000:00:04.0\tTRTYPE=pcie  "), 0);
	ck_assert_str_eq(t.name, "0000:00:04.0");
	ck_assert_uint_eq(t.nsid, 1);
	ck_assert_int_eq(parse("ns=2 traddr=0001.0A.00.1 trtype=PCIe"), 0);
	ck_assert_str_eq(t.name, "0001:0a:00.1");
	ck_assert_uint_eq(t.nsid, 2);
}
END_TEST

START_TEST(test_bad_names_say_which_part)
{
	ck_assert_int_eq(parse("/dev/nvme0n1"), -EINVAL);
	ck_assert_str_eq(why, "'/dev/nvme0n1' is not KEY=VALUE");
	ck_assert_int_eq(parse("traddr=0000.00.03.0 ns=1"), -EINVAL);
	ck_assert_str_eq(why, "no trtype (PCIe or TCP)");
	ck_assert_int_eq(parse("trtype=PCIe ns=1"), -EINVAL);
	ck_assert_str_eq(why, "trtype PCIe needs a traddr");
	ck_assert_int_eq(parse("trtype=RDMA traddr=0000.00.03.0"), -EINVAL);
	ck_assert_str_eq(why, "trtype RDMA is not supported (PCIe, TCP)");
	/* what fio leaves of an address written with colons */
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000"), -EINVAL);
	ck_assert_str_eq(why, "traddr '0000' is not a PCI address (DDDD:BB:DD.F)");
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.20.0"), -EINVAL);	/* device > 1f */
	ck_assert_str_eq(why, "traddr '0000:00:20.0' is not a PCI address (DDDD:BB:DD.F)");
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.8"), -EINVAL);	/* function > 7 */
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=0"), -EINVAL);
	ck_assert_str_eq(why, "ns '0' is not a namespace ID (1 to 0xfffffffe)");
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=4294967295"), -EINVAL);
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=-1"), -EINVAL);
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=1x"), -EINVAL);
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 nsid=1"), -EINVAL);
	ck_assert_str_eq(why, "unknown key 'nsid' (trtype adrfam traddr trsvcid subnqn hostnqn ns)");
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0 ns=1 ns=2"), -EINVAL);
	ck_assert_str_eq(why, "ns given twice");
}
END_TEST

/* nvd_trid_parse() decides, so what it takes the engine takes: a short BDF is domain 0 */
START_TEST(test_short_bdf_is_domain_0)
{
	ck_assert_int_eq(parse("trtype=PCIe traddr=00.03.0"), 0);
	ck_assert_str_eq(t.name, "0000:00:03.0");
	ck_assert_int_eq(parse("trtype=PCIe traddr=0a:1F.7 ns=0x2"), 0);
	ck_assert_str_eq(t.name, "0000:0a:1f.7");
	ck_assert_uint_eq(t.nsid, 2);
}
END_TEST

/* NVMe/TCP as SPDK's plugin users write it: the NQN's colons reach us unescaped (fio drops the '\\') */
START_TEST(test_tcp_names_a_subsystem)
{
	ck_assert_int_eq(parse("trtype=TCP adrfam=IPv4 traddr=127.0.0.1 trsvcid=4420 "
			       "subnqn=nqn.2014-08.org.example:sub1 ns=2"), 0);
	ck_assert_int_eq(t.trid.trtype, NVD_TRTYPE_TCP);
	ck_assert_int_eq(t.trid.adrfam, NVD_ADRFAM_IPV4);
	/* a TCP traddr keeps its dots */
	ck_assert_str_eq(t.trid.traddr, "127.0.0.1");
	ck_assert_str_eq(t.trid.trsvcid, "4420");
	ck_assert_str_eq(t.trid.subnqn, "nqn.2014-08.org.example:sub1");
	ck_assert_uint_eq(t.nsid, 2);
	ck_assert_uint_eq(t.trid.nsid, 0);	/* the controller, shared by every namespace */
	ck_assert_str_eq(t.name, "nqn.2014-08.org.example:sub1 at 127.0.0.1:4420");
	/* keys in any order, trsvcid 4420 and ns 1 by default */
	ck_assert_int_eq(parse("subnqn=nqn.2026-12.io.nvdirect:tcp-test traddr=10.0.0.2 trtype=tcp"), 0);
	ck_assert_str_eq(t.trid.trsvcid, "4420");
	ck_assert_uint_eq(t.nsid, 1);
	/* PCIe names keep their words: the BDF */
	ck_assert_int_eq(parse("trtype=PCIe traddr=0000.00.03.0"), 0);
	ck_assert_int_eq(t.trid.trtype, NVD_TRTYPE_PCIE);
	ck_assert_str_eq(t.trid.traddr, "0000:00:03.0");
}
END_TEST

START_TEST(test_tcp_refusals_say_which_part)
{
	/* no subsystem: the discovery subsystem has no namespace to do I/O on */
	ck_assert_int_eq(parse("trtype=TCP adrfam=IPv4 traddr=127.0.0.1 trsvcid=4420 ns=1"), -EINVAL);
	ck_assert_str_eq(why, "trtype=TCP needs subnqn= (the discovery subsystem holds no namespaces); "
			      "write its colons as '\\:'");
	/* the parser's words for the TCP keys come through */
	ck_assert_int_eq(parse("traddr=127.0.0.1 trtype=TCP trsvcid=99999"), -EINVAL);
	ck_assert_str_eq(why, "trsvcid '99999' is not a TCP port (1 to 65535)");
}
END_TEST

static Suite *filename_suite(void)
{
	Suite *s = suite_create("fio_filename");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_spdk_syntax_with_dots);
	tcase_add_test(tc, test_keys_in_any_order_any_case_ns_defaults_to_1);
	tcase_add_test(tc, test_bad_names_say_which_part);
	tcase_add_test(tc, test_short_bdf_is_domain_0);
	tcase_add_test(tc, test_tcp_names_a_subsystem);
	tcase_add_test(tc, test_tcp_refusals_say_which_part);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filename_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
