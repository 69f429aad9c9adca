// SPDX-License-Identifier: MIT
/*
 * nvd_ctrlr_connect() (lib/connect.c): a PCIe transport ID attaches the
 * function at its traddr, through the fake device (the library's call to
 * nvd_ctrlr_attach is wrapped onto the fake's attach); a TCP one goes to
 * the NVMe/TCP transport (test_tcp_ctrlr.c connects for real), here to a
 * port that refuses it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nvdirect/trid.h>

#include "fake.h"

#define BDF	"0000:00:03.0"

static struct fake_ctrlr f;
static struct fake_admin a;
static char attached_bdf[64];
static unsigned attaches;

int __wrap_nvd_ctrlr_attach(const char *bdf, const struct nvd_ctrlr_opts *opts,
			    struct nvd_ctrlr **ctrlr);
int __wrap_nvd_ctrlr_attach(const char *bdf, const struct nvd_ctrlr_opts *opts,
			    struct nvd_ctrlr **ctrlr)
{
	attaches++;
	snprintf(attached_bdf, sizeof(attached_bdf), "%s", bdf);
	return nvd__ctrlr_attach_backend(bdf, &fake_attach_ops, opts, ctrlr);
}

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	f.t = fake_transport_new(4 << 20);
	fake_attach_register(BDF, f.t);
	fake_device_start(&f, &a);
	attaches = 0;
	attached_bdf[0] = '\0';
}

static void teardown(void)
{
	fake_admin_stop(&f, &a);
	ck_assert_uint_eq(to_fake(f.t)->live_regions, 0);
	fake_transport_free(f.t);
}

START_TEST(test_pcie_trid_attaches_its_traddr)
{
	struct nvd_ctrlr_opts opts;
	struct nvd_ctrlr *c = NULL;
	struct nvd_trid t;

	/* a short BDF in the string: the attach sees the normalised one */
	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:PCIe traddr:00:03.0"), 0);
	nvd_ctrlr_opts_init(&opts);
	opts.num_io_queues = 2;
	ck_assert_int_eq(nvd_ctrlr_connect(&t, &opts, &c), 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(attaches, 1);
	ck_assert_str_eq(attached_bdf, BDF);
	ck_assert_str_eq(nvd_ctrlr_get_info(c)->bdf, BDF);
	/* the options reached the attach */
	ck_assert_uint_eq(nvd_ctrlr_get_info(c)->num_io_queues, 2);
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_pcie_trid_of_an_unknown_function_fails_as_attach_does)
{
	struct nvd_ctrlr *c = NULL;
	struct nvd_trid t;
	int direct;

	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:PCIe traddr:0000:00:09.0"), 0);
	direct = nvd__ctrlr_attach_backend("0000:00:09.0", &fake_attach_ops, NULL, &c);
	ck_assert_int_lt(direct, 0);
	ck_assert_int_eq(nvd_ctrlr_connect(&t, NULL, &c), direct);
	ck_assert_str_eq(attached_bdf, "0000:00:09.0");
}
END_TEST

START_TEST(test_tcp_trid_connects_and_a_refusal_names_the_address)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct nvd_ctrlr *c = (struct nvd_ctrlr *)0x1;
	socklen_t len = sizeof(a);
	struct nvd_trid t;
	char s[160];
	int fd, rc;

	/* a loopback port nobody listens on: bound, never listening */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (void *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (void *)&a, &len), 0);
	snprintf(s, sizeof(s), "trtype:TCP traddr:127.0.0.1 trsvcid:%u "
		 "subnqn:nqn.2024-01.io.nvdirect:test", ntohs(a.sin_port));
	ck_assert_int_eq(nvd_trid_parse(&t, s), 0);
	rc = nvd_ctrlr_connect(&t, NULL, &c);
	close(fd);
	/* TCP is tried (no PCI attach), refused by the socket, in words naming the address */
	ck_assert_int_eq(rc, -ECONNREFUSED);
	ck_assert_uint_eq(attaches, 0);
	ck_assert_ptr_eq(c, (struct nvd_ctrlr *)0x1);	/* untouched */
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "127.0.0.1"));
}
END_TEST

START_TEST(test_null_arguments_are_einval)
{
	struct nvd_ctrlr *c;
	struct nvd_trid t;

	ck_assert_int_eq(nvd_trid_parse(&t, "trtype:PCIe traddr:" BDF), 0);
	ck_assert_int_eq(nvd_ctrlr_connect(NULL, NULL, &c), -EINVAL);
	ck_assert_int_eq(nvd_ctrlr_connect(&t, NULL, NULL), -EINVAL);
	t.trtype = (enum nvd_trtype)7;
	ck_assert_int_eq(nvd_ctrlr_connect(&t, NULL, &c), -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "trtype 7"));
	ck_assert_uint_eq(attaches, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("connect");
	TCase *tc = tcase_create("connect");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_pcie_trid_attaches_its_traddr);
	tcase_add_test(tc, test_pcie_trid_of_an_unknown_function_fails_as_attach_does);
	tcase_add_test(tc, test_tcp_trid_connects_and_a_refusal_names_the_address);
	tcase_add_test(tc, test_null_arguments_are_einval);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
