// SPDX-License-Identifier: MIT
/*
 * Asynchronous events and Abort against the fake controller's admin
 * thread, which holds AERs until a test fires an event.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/admin_cmds.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "fake.h"

static struct fake_ctrlr f;
static struct fake_admin a;
static int nevents;
static struct nvd_cpl last_event;

static void on_event(void *arg, const struct nvd_cpl *cpl)
{
	ck_assert_ptr_eq(arg, &a);
	nevents++;
	last_event = *cpl;
}

static void arm(uint8_t aerl)
{
	f.c.id.aerl = aerl;
	pthread_mutex_lock(&f.c.admin_lock);
	ck_assert_int_eq(nvd__ctrlr_aer_start(&f.c), 0);
	pthread_mutex_unlock(&f.c.admin_lock);
}

static void wait_held(unsigned n)
{
	uint64_t deadline = nvd__now_ms() + 5000;

	while (fake_admin_held_aers(&a) != n)
		ck_assert_uint_lt(nvd__now_ms(), deadline);
}

/* Call nvd_ctrlr_process_admin_completions() until it delivers something. */
static int process_until_event(void)
{
	uint64_t deadline = nvd__now_ms() + 5000;
	int rc;

	while ((rc = nvd_ctrlr_process_admin_completions(&f.c)) == 0)
		ck_assert_uint_lt(nvd__now_ms(), deadline);
	return rc;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);	/* admin queue of 8: 7 trackers */
	fake_admin_start(&f, &a);
	nevents = 0;
	ck_assert_int_eq(nvd_ctrlr_register_aer_callback(&f.c, on_event, &a), 0);
}

static void teardown(void)
{
	fake_admin_stop(&f, &a);
	fake_ctrlr_teardown(&f);
}

START_TEST(test_aer_count_follows_aerl_and_leaves_room_for_commands)
{
	arm(0);
	ck_assert_uint_eq(f.c.aer_outstanding, 1);
	wait_held(1);
	nvd__ctrlr_aer_stop(&f.c);
	teardown();
	setup();
	/* AERL 9 asks for 10; four at most, and at most half of 7 slots */
	arm(9);
	ck_assert_uint_eq(f.c.aer_outstanding, 3);
	wait_held(3);
	ck_assert_uint_eq(a.last.opc, NVME_ADM_AER);
}
END_TEST

START_TEST(test_event_is_delivered_decoded_and_the_aer_rearmed)
{
	arm(1);
	wait_held(2);
	/* SMART / health (type 1), temperature threshold (info 1), log page 02h */
	fake_admin_fire_aer(&a, 0x1 | (0x01 << 8) | (0x02 << 16));
	ck_assert_int_eq(process_until_event(), 1);
	ck_assert_int_eq(nevents, 1);
	ck_assert_uint_eq(nvd_aer_type(&last_event), NVD_AER_TYPE_SMART);
	ck_assert_uint_eq(nvd_aer_info(&last_event), 1);
	ck_assert_uint_eq(nvd_aer_log_page(&last_event), NVD_LOG_SMART);
	/* re-armed: two outstanding again */
	wait_held(2);
	ck_assert_uint_eq(f.c.aer_outstanding, 2);
	ck_assert_int_eq(nvd_ctrlr_process_admin_completions(&f.c), 0);
	ck_assert_int_eq(nevents, 1);
}
END_TEST

START_TEST(test_event_reaped_by_an_admin_command_waits_for_process)
{
	uint32_t v;

	arm(0);
	wait_held(1);
	fake_admin_fire_aer(&a, NVD_AER_TYPE_NOTICE | (0x00 << 8) | (0x04 << 16));
	/* this command's wait reaps the event's completion too */
	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, 0, 0, 0, NULL, 0, &v), 0);
	ck_assert_uint_eq(v, 343);
	ck_assert_int_eq(nevents, 0);
	ck_assert_int_eq(nvd_ctrlr_process_admin_completions(&f.c), 1);
	ck_assert_int_eq(nevents, 1);
	ck_assert_uint_eq(nvd_aer_type(&last_event), NVD_AER_TYPE_NOTICE);
	ck_assert_uint_eq(nvd_aer_log_page(&last_event), 0x04);
	wait_held(1);
}
END_TEST

START_TEST(test_admin_commands_work_with_aers_outstanding)
{
	struct nvd_smart_log log;
	int i;

	arm(3);
	wait_held(3);
	/* more commands than the four slots the AERs leave */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(nvd_ctrlr_get_smart_log(&f.c, 0, &log), 0);
	ck_assert_uint_eq(f.c.aer_outstanding, 3);
}
END_TEST

START_TEST(test_events_without_a_callback_are_dropped)
{
	ck_assert_int_eq(nvd_ctrlr_register_aer_callback(&f.c, NULL, NULL), 0);
	arm(0);
	wait_held(1);
	fake_admin_fire_aer(&a, 0x1);
	ck_assert_int_eq(nvd_ctrlr_process_admin_completions(&f.c), 0);
	ck_assert_int_eq(nevents, 0);
	wait_held(1);
}
END_TEST

START_TEST(test_abort_of_an_outstanding_admin_command_aborts_it)
{
	uint16_t cid;
	unsigned i;

	arm(0);
	wait_held(1);
	for (cid = 0, i = 0; i < f.c.adminq.ntrackers; i++)
		if (f.c.adminq.trackers[i].active)
			cid = (uint16_t)i;
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(&f.c, NULL, cid), 0);
	ck_assert_uint_eq(a.last.opc, NVME_ADM_ABORT);
	ck_assert_uint_eq(a.last.cdw10, (uint32_t)cid << 16);	/* SQID 0 */
	/* the AER came back aborted: not an event, not re-armed */
	ck_assert_uint_eq(f.c.aer_outstanding, 0);
	ck_assert_uint_eq(fake_admin_held_aers(&a), 0);
	ck_assert_int_eq(nvd_ctrlr_process_admin_completions(&f.c), 0);
	ck_assert_int_eq(nevents, 0);
}
END_TEST

START_TEST(test_abort_reports_not_aborted_distinctly)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int cid;

	f.c.ioq = calloc(2, sizeof(*f.c.ioq));
	f.c.ioq[1] = &f.q;
	f.c.info.num_io_queues = 1;
	ck_assert_int_eq(nvd_qpair_last_cid(&f.q), -EINVAL);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 8, NULL, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 8, 8, NULL, NULL, 0), 0);
	cid = nvd_qpair_last_cid(&f.q);
	ck_assert_int_eq(cid, ((struct nvme_cmd *)f.q.sq_mem)[1].cid);

	a.abort_io_dw0 = 1;
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(&f.c, &f.q, (uint16_t)cid), NVD_ABORT_NOT_ABORTED);
	ck_assert_uint_eq(a.last.cdw10, ((uint32_t)cid << 16) | 1);
	a.abort_io_dw0 = 0;
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(&f.c, &f.q, (uint16_t)cid), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_abort_of_nothing_outstanding_sends_nothing)
{
	unsigned before = __atomic_load_n(&a.ncmds, __ATOMIC_ACQUIRE);

	ck_assert_int_eq(nvd_ctrlr_cmd_abort(&f.c, &f.q, 3), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "not outstanding"));
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(&f.c, NULL, 9999), -EINVAL);
	ck_assert_int_eq(nvd_ctrlr_cmd_abort(NULL, NULL, 0), -EINVAL);
	ck_assert_uint_eq(__atomic_load_n(&a.ncmds, __ATOMIC_ACQUIRE), before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aer_abort");
	TCase *tc = tcase_create("aer_abort");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_aer_count_follows_aerl_and_leaves_room_for_commands);
	tcase_add_test(tc, test_event_is_delivered_decoded_and_the_aer_rearmed);
	tcase_add_test(tc, test_event_reaped_by_an_admin_command_waits_for_process);
	tcase_add_test(tc, test_admin_commands_work_with_aers_outstanding);
	tcase_add_test(tc, test_events_without_a_callback_are_dropped);
	tcase_add_test(tc, test_abort_of_an_outstanding_admin_command_aborts_it);
	tcase_add_test(tc, test_abort_reports_not_aborted_distinctly);
	tcase_add_test(tc, test_abort_of_nothing_outstanding_sends_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
