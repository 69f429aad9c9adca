// SPDX-License-Identifier: MIT
/*
 * nvd_ctrlr_reset() against the fake controller's register model and
 * admin thread: nothing outstanding is lost, the queues come back on the
 * device in the same memory and work, and a controller that does not come
 * back leaves the library's controller failed with words saying why.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "fake.h"

static struct fake_ctrlr f;
static struct fake_admin a;
static int nok, naborted, nother;

static void cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	if (!nvd_cpl_is_error(cpl))
		nok++;
	else if (nvd_cpl_sct(cpl) == NVME_SCT_GENERIC && nvd_cpl_sc(cpl) == NVME_SC_ABORT_REQUESTED)
		naborted++;
	else
		nother++;
}

/* The fake's I/O queue as qid 1 of two granted, created on the device. */
static void start(const struct fake_opts *o)
{
	fake_ctrlr_setup(&f, o);
	fake_admin_start(&f, &a);
	a.io_cq[1] = a.io_sq[1] = 1;
	f.c.info.num_io_queues = 2;
	f.c.ioq = calloc(3, sizeof(*f.c.ioq));
	ck_assert_ptr_nonnull(f.c.ioq);
	f.c.ioq[1] = &f.q;
	nok = naborted = nother = 0;
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	fake_admin_stop(&f, &a);
	fake_ctrlr_teardown(&f);
}

static struct nvme_cmd *sqe(uint32_t slot)
{
	return &((struct nvme_cmd *)f.q.sq_mem)[slot];
}

/* A write through the queue after the reset completes successfully. */
static void assert_io_works(void *buf)
{
	int before = nok;

	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	ck_assert_uint_eq(fake_process(&f), 1);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(nok, before + 1);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
}

START_TEST(test_reset_completes_or_aborts_every_command_and_recreates_queues)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, (uint64_t)i * 8, 8, cb, NULL, 0), 0);
	/* the controller finished the first one; nobody reaped it yet */
	fake_complete(&f, sqe(0)->cid, 0);
	a.features[NVME_FEAT_NUM_QUEUES] = 0;

	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	ck_assert_int_eq(nok, 1);
	ck_assert_int_eq(naborted, 3);
	ck_assert_int_eq(nother, 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_uint_eq(a.disables, 1);
	ck_assert_uint_eq(a.enables, 1);
	/* the queue was deleted while the controller still answered */
	ck_assert_uint_eq(a.sq_deletes, 1);
	/* Number of Queues again (two, 0-based), then CQ before SQ */
	ck_assert_uint_eq(a.features[NVME_FEAT_NUM_QUEUES], 0x10001);
	ck_assert_uint_eq(a.creates, 1);
	ck_assert_uint_eq(a.io_cq[1], 1);
	ck_assert_uint_eq(a.io_sq[1], 1);
	ck_assert_uint_eq(f.q.sq.tail, 0);
	ck_assert_uint_eq(f.q.cq.head, 0);
	ck_assert_uint_eq(f.q.cq.phase, 1);
	ck_assert(!nvd_ctrlr_is_failed(&f.c));

	/* same handles, same memory: I/O and admin commands work */
	assert_io_works(buf);
	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, 0, 0, 0, NULL, 0, NULL), 0);
	/* and a second reset with nothing outstanding */
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	ck_assert_uint_eq(a.enables, 2);
	assert_io_works(buf);
	nvd_dma_free(&f.c, buf);
}
END_TEST

static void *resubmit_buf;
static int nsubmitted;

/* Submit again whatever came back aborted. */
static void resubmit_cb(void *arg, const struct nvd_cpl *cpl)
{
	cb(arg, cpl);
	if (nvd_cpl_is_error(cpl)) {
		ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, resubmit_buf, 0, 8, resubmit_cb, NULL, 0), 0);
		nsubmitted++;
	}
}

START_TEST(test_callbacks_may_resubmit_during_the_reset)
{
	int i;

	resubmit_buf = nvd_dma_alloc(&f.c, 4096);
	nsubmitted = 0;
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, resubmit_buf, 8, 8, resubmit_cb, NULL, 0), 0);
		nsubmitted++;
	}
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	/* every resubmission is on the live queue or was aborted in turn */
	ck_assert_int_eq(nok + naborted + (int)nvd_qpair_outstanding(&f.q), nsubmitted);
	ck_assert_uint_gt(nvd_qpair_outstanding(&f.q), 0);
	/* and the outstanding ones really are in the new SQ: the device runs them */
	ck_assert_uint_eq(fake_process(&f), nvd_qpair_outstanding(&f.q));
	ck_assert_int_gt(nvd_qpair_process_completions(&f.q, 0), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_int_eq(nok + naborted, nsubmitted);
	nvd_dma_free(&f.c, resubmit_buf);
}
END_TEST

START_TEST(test_reset_waits_for_slow_ready_transitions)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);

	__atomic_store_n(&a.rdy_delay, 200, __ATOMIC_RELEASE);	/* a few ms each way */
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	ck_assert_int_eq(naborted, 1);
	ck_assert_uint_eq(a.enables, 1);
	assert_io_works(buf);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_reset_that_never_gets_ready_fails_the_controller)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	uint32_t v;

	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	__atomic_store_n(&a.rdy_never, 1, __ATOMIC_RELEASE);
	/* CAP.TO 1: 500 ms */
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), -ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "controller reset failed"));
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "CSTS.RDY=1 (enable)"));
	ck_assert_int_eq(naborted, 1);
	ck_assert(nvd_ctrlr_is_failed(&f.c));
	/* left disabled, so detach may free the memory */
	ck_assert_uint_eq(*fake_reg(f.t, NVME_REG_CC) & NVME_CC_EN, 0);

	/* every later call fails and says why */
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), -ENXIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "controller reset failed"));
	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, 0, 0, 0, NULL, 0, &v), -ENXIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "controller reset failed"));
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
	ck_assert_int_lt(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ctrlr_process_admin_completions(&f.c), -ENXIO);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_reset_of_a_fatal_controller_fails_with_eio)
{
	uint64_t t0 = nvd__now_ms();

	__atomic_store_n(&a.cfs, 1, __ATOMIC_RELEASE);
	while (!(*fake_reg(f.t, NVME_REG_CSTS) & NVME_CSTS_CFS))
		ck_assert_uint_lt(nvd__now_ms() - t0, 5000);
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), -EIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "CSTS.CFS"));
	/* a fatal controller is not asked to delete queues first */
	ck_assert_uint_eq(a.sq_deletes, 0);
	ck_assert(nvd_ctrlr_is_failed(&f.c));
}
END_TEST

START_TEST(test_reset_fails_when_a_queue_cannot_be_recreated)
{
	a.fail_create_sq = 1;
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), -EIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Create I/O Submission Queue 1"));
	ck_assert(nvd_ctrlr_is_failed(&f.c));
}
END_TEST

START_TEST(test_reset_sends_doorbell_buffer_config_again)
{
	struct fake_opts o = { .dbbuf = 1 };
	void *buf;

	teardown();
	start(&o);
	buf = nvd_dma_alloc(&f.c, 4096);
	ck_assert(f.q.sq_shadow != NULL);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	ck_assert_uint_eq(fake_shadow_sq(&f), 1);
	fake_set_eventidx(&f, 1, 0);

	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	ck_assert_uint_eq(a.dbbuf_configs, 1);
	ck_assert_int_eq(naborted, 1);
	/* the shadow and EventIdx entries start from 0 again */
	ck_assert_uint_eq(fake_shadow_sq(&f), 0);
	ck_assert_uint_eq(fake_shadow_cq(&f), 0);
	ck_assert_uint_eq(f.c.dbbuf_eis[2], 0);
	ck_assert_uint_eq(f.q.sq_db_val, 0);
	assert_io_works(buf);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_reset_rearms_asynchronous_event_requests)
{
	f.c.id.aerl = 1;
	pthread_mutex_lock(&f.c.admin_lock);
	ck_assert_int_eq(nvd__ctrlr_aer_start(&f.c), 0);
	pthread_mutex_unlock(&f.c.admin_lock);
	ck_assert_uint_eq(f.c.aer_outstanding, 2);
	while (fake_admin_held_aers(&a) < 2)
		;
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	/* the old ones died with the disable; two new ones are outstanding */
	ck_assert_uint_eq(f.c.aer_outstanding, 2);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.c.adminq), 2);
	while (fake_admin_held_aers(&a) < 2)
		;
	ck_assert_uint_eq(a.last.opc, NVME_ADM_AER);
}
END_TEST

START_TEST(test_reset_frees_the_slot_of_a_timed_out_admin_command)
{
	struct tracker *tr = qpair_get_tracker(&f.c.adminq);

	/* what nvd__admin_sync() leaves behind on a timeout */
	tr->cb = NULL;
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.c.adminq), 1);
	ck_assert_int_eq(nvd_ctrlr_reset(&f.c), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.c.adminq), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reset");
	TCase *tc = tcase_create("reset");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_reset_completes_or_aborts_every_command_and_recreates_queues);
	tcase_add_test(tc, test_callbacks_may_resubmit_during_the_reset);
	tcase_add_test(tc, test_reset_waits_for_slow_ready_transitions);
	tcase_add_test(tc, test_reset_that_never_gets_ready_fails_the_controller);
	tcase_add_test(tc, test_reset_of_a_fatal_controller_fails_with_eio);
	tcase_add_test(tc, test_reset_fails_when_a_queue_cannot_be_recreated);
	tcase_add_test(tc, test_reset_sends_doorbell_buffer_config_again);
	tcase_add_test(tc, test_reset_rearms_asynchronous_event_requests);
	tcase_add_test(tc, test_reset_frees_the_slot_of_a_timed_out_admin_command);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
