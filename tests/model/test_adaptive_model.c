// SPDX-License-Identifier: MIT
/*
 * Adaptive polling over the controller model, whose thread posts
 * completions and signals the queue's eventfd as MSI-X would: QD1 writes
 * and reads through nvd_qpair_wait() keep their data, and the learned gap
 * follows the device when its service time changes (the model delays every
 * command by 5 ms, then stops).  The bounds are the delay itself, which no
 * completion can beat, and half of what the slow phase learned.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "core/ctrlr.h"
#include "core/ns.h"

static struct model *m;
static struct nvd_ctrlr *c;
static struct nvd_qpair *qp;
static struct nvd_ns *ns;
static uint8_t *wbuf, *rbuf;
static int done, failed;

static void on_done(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	done = 1;
	failed |= nvd_cpl_is_error(cpl);
}

static void setup(void)
{
	struct model_config cfg;
	struct nvd_io_qpair_opts o;

	model_config_init(&cfg);
	m = model_create(&cfg);
	model_start(m);
	ck_assert_msg(nvd__ctrlr_attach_backend(model_bdf(m), &model_transport_ops, NULL, &c) == 0,
		      "attach: %s", nvd_last_error());
	nvd_io_qpair_opts_init(&o);
	o.interrupts = 1;
	ck_assert_int_eq(nvd_ctrlr_alloc_io_qpair_opts(c, &o, &qp), 0);
	ns = nvd_ctrlr_get_ns(c, 1);
	wbuf = nvd_dma_alloc(c, 4096);
	rbuf = nvd_dma_alloc(c, 4096);
	ck_assert(ns && wbuf && rbuf);
}

static void teardown(void)
{
	nvd_ctrlr_detach(c);
	model_destroy(m);
}

/* Reap, waiting in nvd_qpair_wait(), until the one command in flight is done. */
static void wait_one(void)
{
	int rc;

	for (;;) {
		rc = nvd_qpair_process_completions(qp, 0);
		ck_assert_int_ge(rc, 0);
		if (done)
			break;
		rc = nvd_qpair_wait(qp, 5 * 1000000);
		ck_assert_msg(rc == 1, "nvd_qpair_wait: %d (0: no completion within 5 s)", rc);
	}
	ck_assert(!failed);
	done = 0;
}

static void write_read_verify(unsigned i)
{
	uint64_t lba = (i % 256) * 8;

	memset(wbuf, (int)(i * 37 + 1), 4096);
	memset(rbuf, 0, 4096);
	ck_assert_int_eq(nvd_ns_write(ns, qp, wbuf, lba, 8, on_done, NULL, 0), 0);
	wait_one();
	ck_assert_int_eq(nvd_ns_read(ns, qp, rbuf, lba, 8, on_done, NULL, 0), 0);
	wait_one();
	ck_assert_msg(!memcmp(wbuf, rbuf, 4096), "block %u read back differs", i);
}

static struct nvd_qpair_wait_stats stats(void)
{
	struct nvd_qpair_wait_stats s = { .size = sizeof(s) };

	ck_assert_int_eq(nvd_qpair_get_wait_stats(qp, &s), 0);
	return s;
}

static uint64_t max_gap(const struct nvd_qpair_wait_stats *s)
{
	return s->spin_gap_ns > s->sleep_gap_ns ? s->spin_gap_ns : s->sleep_gap_ns;
}

START_TEST(test_qd1_through_wait_keeps_data_and_follows_a_slower_device)
{
	struct nvd_qpair_wait_stats s;
	uint64_t slow;
	unsigned i;

	for (i = 0; i < 100; i++)
		write_read_verify(i);
	s = stats();
	ck_assert_uint_gt(s.waits, 0);
	ck_assert_uint_gt(s.spin_gap_ns, 0);

	/* every command now takes 5 ms: the gap learned climbs to it */
	model_inject(m, &(struct model_fault){ .qid = MODEL_ANY_IO, .opc = MODEL_ANY, .nth = 1,
					       .count = MODEL_FOREVER, .action = MODEL_DELAY_MS,
					       .delay = 5 });
	for (i = 0; i < 120; i++)
		write_read_verify(i);
	s = stats();
	slow = max_gap(&s);
	ck_assert_msg(slow >= 2500000, "after 240 commands of 5 ms the learned gap is %llu ns",
		      (unsigned long long)slow);
	ck_assert_uint_gt(s.blocks, 0);		/* it slept through some of them */

	/* and back down when the device is quick again */
	model_clear_faults(m);
	for (i = 0; i < 300; i++)
		write_read_verify(i);
	s = stats();
	ck_assert_msg(s.spin_gap_ns < slow / 2 || s.sleep_gap_ns < slow / 2,
		      "learned gaps %llu / %llu ns polling / sleeping, after %llu ns when slow",
		      (unsigned long long)s.spin_gap_ns, (unsigned long long)s.sleep_gap_ns,
		      (unsigned long long)slow);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("adaptive_model");
	TCase *tc = tcase_create("adaptive_model");
	SRunner *sr;
	int failed_tests;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_qd1_through_wait_keeps_data_and_follows_a_slower_device);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed_tests = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed_tests ? 1 : 0;
}
