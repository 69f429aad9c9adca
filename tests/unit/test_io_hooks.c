// SPDX-License-Identifier: MIT
/*
 * Retries, software error injection and timeouts on a fake controller:
 * a retryable status is sent again up to retry_count times, DNR or other
 * statuses reach the caller at once, injected statuses replace the
 * device's (or the command is never sent), and a timed-out command is
 * reported exactly once.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "core/clock.h"

static struct fake_ctrlr f;
static uint8_t *buf;
static int ndone;
static struct nvd_cpl last;

static void done(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ndone++;
	last = *cpl;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);
	buf = nvd_dma_alloc(&f.c, 1 << 20);
	ndone = 0;
}

static void teardown(void)
{
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}

#define NS_NOT_READY	NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_NS_NOT_READY)
#define LBA_RANGE	NVME_STATUS(NVME_SCT_GENERIC, 0x80)

START_TEST(test_retryable_status_is_retried_retry_count_times)
{
	struct nvd_ctrlr_opts o;
	struct nvme_cmd first, c;
	uint16_t cid;
	int i;

	nvd_ctrlr_opts_init(&o);
	ck_assert_uint_eq(o.retry_count, 4);
	ck_assert_uint_eq(f.q.max_retries, 4);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 77, 8, done, NULL, 0), 0);
	cid = fake_complete_next(&f, NS_NOT_READY, &first);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
		ck_assert_int_eq(ndone, 0);
		/* the same command again, under the same CID */
		ck_assert_uint_eq(fake_pending(&f), 1);
		ck_assert_uint_eq(fake_complete_next(&f, NS_NOT_READY, &c), cid);
		ck_assert_int_eq(memcmp(&c, &first, sizeof(c)), 0);
	}
	/* the fifth failure goes to the caller */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(nvd_cpl_sc(&last), NVME_SC_NS_NOT_READY);
	ck_assert_uint_eq(fake_pending(&f), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
}
END_TEST

START_TEST(test_retry_that_succeeds_reports_success)
{
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_CMD_INTERRUPTED), NULL);
	nvd_qpair_process_completions(&f.q, 0);
	fake_complete_next(&f, NVME_STATUS(NVME_SCT_PATH, NVME_SC_INTERNAL_PATH_ERROR), NULL);
	nvd_qpair_process_completions(&f.q, 0);
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 1);
	ck_assert(!nvd_cpl_is_error(&last));
}
END_TEST

START_TEST(test_dnr_or_other_status_goes_to_the_caller_at_once)
{
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, NS_NOT_READY | NVME_CPL_DNR, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(fake_pending(&f), 0);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, LBA_RANGE, NULL);	/* DNR=0 but not transient */
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 2);
	ck_assert_uint_eq(nvd_cpl_sc(&last), 0x80);
	ck_assert_uint_eq(fake_pending(&f), 0);

	/* retry_count 0: nothing is retried */
	f.q.max_retries = 0;
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, NS_NOT_READY, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 3);
	ck_assert_uint_eq(fake_pending(&f), 0);
}
END_TEST

START_TEST(test_injected_status_replaces_the_devices_for_err_count_commands)
{
	int i;

	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, NVME_CMD_READ, 0, 0, 2, 0, 0x80), 0);
	ck_assert_uint_ne(f.q.no_fast, 0);
	/* writes are not affected */
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert(!nvd_cpl_is_error(&last));
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
		/* sent: the device answers success */
		ck_assert_uint_eq(fake_pending(&f), 1);
		fake_complete_next(&f, 0, NULL);
		nvd_qpair_process_completions(&f.q, 0);
		if (i < 2)
			ck_assert_uint_eq(nvd_cpl_sc(&last), 0x80);
		else
			ck_assert(!nvd_cpl_is_error(&last));
	}
	/* all used up: the fast path is back */
	ck_assert_uint_eq(f.q.hooks, 0);
	ck_assert_uint_eq(f.q.no_fast, 0);
}
END_TEST

START_TEST(test_injected_retryable_status_is_retried)
{
	/* any opcode, twice Namespace Not Ready: two retries, then the device's success */
	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, 0, 0, 0, 2, 0, NVME_SC_NS_NOT_READY), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 0);
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 1);
	ck_assert(!nvd_cpl_is_error(&last));
}
END_TEST

START_TEST(test_do_not_submit_completes_without_sending)
{
	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, NVME_CMD_READ, 1, 2, 1, NVME_SCT_MEDIA, 0x81),
			 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	ck_assert_uint_eq(fake_pending(&f), 0);		/* never reached the SQ */
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 1);
	nvd_qpair_process_completions(&f.q, 0);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 0);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(nvd_cpl_sct(&last), NVME_SCT_MEDIA);
	ck_assert_uint_eq(nvd_cpl_sc(&last), 0x81);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_uint_eq(f.q.hooks, 0);
	/* disarming: err_count 0 */
	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, NVME_CMD_READ, 1, 0, 5, 0, 0x80), 0);
	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, NVME_CMD_READ, 1, 0, 0, 0, 0x80), 0);
	ck_assert_uint_eq(f.q.hooks, 0);
}
END_TEST

static int ntimeouts;
static uint16_t timed_out_cid;
static struct nvd_qpair *timed_out_qp;

static void on_timeout(void *arg, struct nvd_ctrlr *c, struct nvd_qpair *qp, uint16_t cid)
{
	ck_assert_ptr_eq(arg, &f);
	ck_assert_ptr_eq(c, &f.c);
	ntimeouts++;
	timed_out_qp = qp;
	timed_out_cid = cid;
}

START_TEST(test_timeout_callback_fires_once_per_command)
{
	struct nvme_cmd c;
	int i;

	f.c.ioq = calloc(2, sizeof(*f.c.ioq));
	f.c.info.num_io_queues = 1;
	f.c.ioq[1] = &f.q;
	ck_assert_int_eq(nvd_ctrlr_register_timeout_callback(&f.c, 5000, 0, on_timeout, &f), 0);
	ck_assert_uint_ne(f.q.hooks & QP_HOOK_TIMEOUT, 0);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 1, 1, done, NULL, 0), 0);
	/* the first completes in time */
	fake_complete_next(&f, 0, &c);
	nvd_qpair_process_completions(&f.q, 0);
	for (i = 0; i < 200; i++)
		nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ntimeouts, 0);
	nvd__sleep_ms(30);
	for (i = 0; i < 200; i++)
		nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ntimeouts, 1);
	ck_assert_ptr_eq(timed_out_qp, &f.q);
	ck_assert_uint_eq(timed_out_cid, fake_sqe(&f, 1)->cid);
	nvd__sleep_ms(30);
	for (i = 0; i < 200; i++)
		nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ntimeouts, 1);			/* once */
	fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 2);

	/* unregistered: the fast path is back */
	ck_assert_int_eq(nvd_ctrlr_register_timeout_callback(&f.c, 0, 0, NULL, NULL), 0);
	ck_assert_uint_eq(f.q.hooks, 0);
	ck_assert_uint_eq(f.q.no_fast, 0);
	f.c.ioq[1] = NULL;
}
END_TEST

START_TEST(test_held_injected_command_times_out_and_abort_all_ends_it)
{
	f.c.ioq = calloc(2, sizeof(*f.c.ioq));
	f.c.info.num_io_queues = 1;
	f.c.ioq[1] = &f.q;
	ck_assert_int_eq(nvd_ctrlr_register_timeout_callback(&f.c, 2000, 0, on_timeout, &f), 0);
	/* never sent, never completed by itself for a long time */
	ck_assert_int_eq(nvd_qpair_inject_error(&f.q, NVME_CMD_WRITE, 1, 1000000, 1, 0, 0), 0);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	nvd__sleep_ms(20);
	for (int i = 0; i < 100; i++)
		nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ntimeouts, 1);
	nvd__qpair_abort_all(&f.q);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(nvd_cpl_sc(&last), NVME_SC_ABORT_REQUESTED);
	for (int i = 0; i < 100; i++)
		nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 1);
	f.c.ioq[1] = NULL;
}
END_TEST

static Suite *hooks_suite(void)
{
	Suite *s = suite_create("io_hooks");
	TCase *tc = tcase_create("hooks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_retryable_status_is_retried_retry_count_times);
	tcase_add_test(tc, test_retry_that_succeeds_reports_success);
	tcase_add_test(tc, test_dnr_or_other_status_goes_to_the_caller_at_once);
	tcase_add_test(tc, test_injected_status_replaces_the_devices_for_err_count_commands);
	tcase_add_test(tc, test_injected_retryable_status_is_retried);
	tcase_add_test(tc, test_do_not_submit_completes_without_sending);
	tcase_add_test(tc, test_timeout_callback_fires_once_per_command);
	tcase_add_test(tc, test_held_injected_command_times_out_and_abort_all_ends_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hooks_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
