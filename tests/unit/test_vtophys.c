// SPDX-License-Identifier: MIT
/*
 * A failed virtual-to-bus lookup refuses the command that would carry the
 * address, with words, instead of giving the controller address 0: queue
 * rings (Create I/O CQ/SQ, and ASQ/ACQ at enable) and the shadow doorbell
 * buffers (Doorbell Buffer Config).  The lookups the library makes from
 * its other files are wrapped (-Wl,--wrap=nvd__dma_pool_vtophys) so that
 * the Nth one fails on demand; memory never leaves the pool behind a
 * library's back otherwise.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "fake.h"

#define BDF	"0000:00:05.0"

static struct fake_ctrlr f;
static struct fake_admin a;
static unsigned lookups, fail_at;	/* fail the fail_at-th lookup after arm() (0: none) */

int __real_nvd__dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus);
int __wrap_nvd__dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus);

int __wrap_nvd__dma_pool_vtophys(struct dma_pool *pool, const void *vaddr, uint64_t *bus)
{
	if (fail_at && ++lookups == fail_at)
		return -EINVAL;
	return __real_nvd__dma_pool_vtophys(pool, vaddr, bus);
}

static void arm(unsigned nth)
{
	lookups = 0;
	fail_at = nth;
}

static void setup(void)
{
	arm(0);
	memset(&f, 0, sizeof(f));
	f.t = fake_transport_new(4 << 20);
	fake_attach_register(BDF, f.t);
	fake_device_start(&f, &a);
}

static void teardown(void)
{
	fake_admin_stop(&f, &a);
	ck_assert_uint_eq(to_fake(f.t)->live_regions, 0);
	fake_transport_free(f.t);
}

static struct nvd_ctrlr *attach(void)
{
	struct nvd_ctrlr *c = NULL;

	ck_assert_msg(nvd__ctrlr_attach_backend(BDF, &fake_attach_ops, NULL, &c) == 0, "attach: %s",
		      nvd_last_error());
	return c;
}

START_TEST(test_failed_ring_lookup_refuses_the_io_queue)
{
	struct nvd_ctrlr *c = attach();
	unsigned live = to_fake(f.t)->live_regions, cmds = a.ncmds;
	struct nvd_qpair *qp = NULL;

	for (unsigned nth = 1; nth <= 2; nth++) {
		arm(nth);
		ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), -EINVAL);
		ck_assert_uint_eq(lookups, nth);
		ck_assert_str_eq(nvd_last_error(), nth == 1 ?
				 "queue 1: no bus address for the submission queue" :
				 "queue 1: no bus address for the completion queue");
		/* nothing was sent, nothing is left behind */
		ck_assert_uint_eq(a.ncmds, cmds);
		ck_assert_uint_eq(a.io_cq[1], 0);
		ck_assert_uint_eq(a.io_sq[1], 0);
		ck_assert_uint_eq(to_fake(f.t)->live_regions, live);
	}
	arm(0);
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair(c, 16, &qp), 0);
	ck_assert_uint_eq(a.io_sq[1], 1);
	nvd_ctrlr_detach(c);
}
END_TEST

START_TEST(test_failed_admin_ring_lookup_fails_attach_before_enable)
{
	struct nvd_ctrlr *c = NULL;

	/* the first lookup of an attach is the admin SQ's bus address */
	arm(1);
	ck_assert_int_eq(nvd__ctrlr_attach_backend(BDF, &fake_attach_ops, NULL, &c), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(nvd_last_error(), "queue 0: no bus address for the submission queue"),
		      "%s", nvd_last_error());
	/* ASQ/ACQ were never written, CC.EN never set */
	ck_assert_uint_eq(a.enables, 0);
	ck_assert_uint_eq(*fake_reg(f.t, NVME_REG_CC) & NVME_CC_EN, 0);
	ck_assert_uint_eq(*fake_reg(f.t, NVME_REG_ASQ), 0);
}
END_TEST

START_TEST(test_failed_dbbuf_lookup_sends_no_doorbell_buffer_config)
{
	struct nvd_ctrlr *c = attach();

	ck_assert_int_eq(nvd__ctrlr_dbbuf_alloc(c, 2), 0);
	for (unsigned nth = 1; nth <= 2; nth++) {
		arm(nth);
		ck_assert_int_eq(nvd__ctrlr_dbbuf_config(c), -EINVAL);
		ck_assert_ptr_nonnull(strstr(nvd_last_error(),
					     "no bus address for the shadow doorbell buffers"));
		ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Doorbell Buffer Config not sent"));
		ck_assert_uint_eq(a.dbbuf_configs, 0);
	}
	/* the same call with working lookups reaches the controller */
	arm(0);
	ck_assert_int_eq(nvd__ctrlr_dbbuf_config(c), 0);
	ck_assert_uint_eq(a.dbbuf_configs, 1);
	nvd_ctrlr_detach(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vtophys");
	TCase *tc = tcase_create("vtophys");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_failed_ring_lookup_refuses_the_io_queue);
	tcase_add_test(tc, test_failed_admin_ring_lookup_fails_attach_before_enable);
	tcase_add_test(tc, test_failed_dbbuf_lookup_sends_no_doorbell_buffer_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
