// SPDX-License-Identifier: MIT
/*
 * Doorbells: delayed submission (one SQ doorbell per batch, rung at the next
 * poll), one CQ doorbell per poll of at most 128 completions unless the
 * caller asks for more, and shadow doorbells with EventIdx (Doorbell Buffer
 * Config) against the fake controller.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "fake.h"

static struct fake_ctrlr f;
static int ncb;

static void cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ck_assert(!nvd_cpl_is_error(cpl));
	ncb++;
}

static struct nvd_qpair_stats stats(void)
{
	struct nvd_qpair_stats s;

	ck_assert_int_eq(nvd_qpair_get_stats(&f.q, &s), 0);
	return s;
}

static void setup_with(uint32_t qsize, uint32_t flags, int dbbuf)
{
	struct fake_opts o = { .qsize = qsize, .ctrlr_flags = flags, .dbbuf = dbbuf };

	fake_ctrlr_setup(&f, &o);
	ncb = 0;
}

static void read_at(uint8_t *buf, unsigned k)
{
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf + (size_t)k * 512, k, 1, cb, NULL, 0), 0);
}

START_TEST(test_need_event_follows_the_eventidx)
{
	static const struct {
		uint16_t event, new_val, old_val;
		bool need;
	} c[] = {
		/* one step: the register is needed only when EventIdx is old */
		{ 5, 6, 5, true },
		{ 4, 6, 5, false },
		{ 6, 6, 5, false },
		/* a batch of three: any EventIdx the batch passes */
		{ 5, 8, 5, true },
		{ 7, 8, 5, true },
		{ 8, 8, 5, false },
		{ 4, 8, 5, false },
		/* wrap at a queue size of 64: old 62, new 1 covers 62, 63, 0 */
		{ 62, 1, 62, true },
		{ 63, 1, 62, true },
		{ 0, 1, 62, true },
		{ 1, 1, 62, false },
		{ 61, 1, 62, false },
		{ 10, 1, 62, false },
		/* wrap of the 16-bit arithmetic itself (queue of 65536) */
		{ 65535, 1, 65535, true },
		{ 0, 1, 65535, true },
		{ 1, 1, 65535, false },
		{ 65534, 1, 65535, false },
		/* nothing new: never */
		{ 5, 5, 5, false },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(dbbuf_need_event(c[i].event, c[i].new_val, c[i].old_val) == c[i].need,
			      "event %u new %u old %u: want %d", c[i].event, c[i].new_val,
			      c[i].old_val, c[i].need);
}
END_TEST

START_TEST(test_each_submission_rings_without_delay)
{
	uint8_t *buf;

	setup_with(16, 0, 0);
	buf = nvd_dma_alloc(&f.c, 8 * 512);
	for (unsigned k = 0; k < 4; k++)
		read_at(buf, k);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 4);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 4);
	ck_assert_uint_eq(fake_process(&f), 4);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 4);
	/* one CQ head doorbell for the four completions */
	ck_assert_uint_eq(stats().cq_doorbell_writes, 1);
	ck_assert_uint_eq(fake_cq_doorbell(&f), 4);
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

START_TEST(test_delayed_submission_rings_once_per_batch)
{
	uint8_t *buf;

	setup_with(16, NVD_CTRLR_DELAY_CMD_SUBMIT, 0);
	buf = nvd_dma_alloc(&f.c, 8 * 512);
	fake_arm_doorbells(&f);
	for (unsigned k = 0; k < 5; k++)
		read_at(buf, k);
	/* queued, not announced */
	ck_assert_uint_eq(fake_sq_doorbell(&f), FAKE_DB_UNTOUCHED);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 5);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 0);

	/* the poll rings once for all five; nothing has completed yet */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 0);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 5);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 1);
	ck_assert_uint_eq(fake_cq_doorbell(&f), FAKE_DB_UNTOUCHED);

	ck_assert_uint_eq(fake_process(&f), 5);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 5);
	ck_assert_int_eq(ncb, 5);
	ck_assert_uint_eq(fake_cq_doorbell(&f), 5);
	ck_assert_uint_eq(stats().cq_doorbell_writes, 1);
	/* nothing new: a poll writes no doorbell at all */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 0);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 1);
	ck_assert_uint_eq(stats().cq_doorbell_writes, 1);
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

/* io_done-style callback: read the next 512 bytes, as a benchmark at depth n does */
static uint8_t *resubmit_buf;
static unsigned resubmit_next;

static void resubmit_cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ck_assert(!nvd_cpl_is_error(cpl));
	ncb++;
	/* the fake doorbell must not move while the poll is still reaping */
	ck_assert_uint_eq(fake_sq_doorbell(&f), FAKE_DB_UNTOUCHED);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, resubmit_buf + (size_t)(resubmit_next % 8) * 512,
				     resubmit_next, 1, resubmit_cb, NULL, 0), 0);
	resubmit_next++;
}

START_TEST(test_callback_submissions_ring_once_after_the_poll)
{
	setup_with(16, 0, 0);
	resubmit_buf = nvd_dma_alloc(&f.c, 8 * 512);
	for (resubmit_next = 0; resubmit_next < 4; resubmit_next++)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, resubmit_buf + resubmit_next * 512,
					     resubmit_next, 1, resubmit_cb, NULL, 0), 0);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 4);
	ck_assert_uint_eq(fake_process(&f), 4);
	fake_arm_doorbells(&f);
	/* four completions, four new reads from their callbacks: one SQ doorbell */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 4);
	ck_assert_int_eq(ncb, 4);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 8);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 5);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 4);
	/* a poll stopped at @max announces what its callbacks sent as well */
	ck_assert_uint_eq(fake_process(&f), 4);
	fake_arm_doorbells(&f);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 2), 2);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 10);
	/* outside a poll a submission still rings at once */
	read_at(resubmit_buf, 7);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 11);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 7);
	nvd_dma_free(&f.c, resubmit_buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

START_TEST(test_a_poll_for_all_reaps_at_most_128)
{
	uint8_t *buf;
	unsigned k;

	setup_with(512, 0, 0);
	buf = nvd_dma_alloc(&f.c, 300 * 512);
	ck_assert_ptr_nonnull(buf);
	for (k = 0; k < 300; k++)
		read_at(buf, k);
	ck_assert_uint_eq(fake_process(&f), 300);
	/* 0: what is there, 128 at a time, so the device gets work back sooner */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 128);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 128);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 44);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 0);
	ck_assert_int_eq(ncb, 300);
	/* a caller's own @max above it is the caller's */
	for (k = 0; k < 300; k++)
		read_at(buf, k);
	ck_assert_uint_eq(fake_process(&f), 300);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 300), 300);
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

START_TEST(test_flush_rings_without_reaping)
{
	uint8_t *buf;

	setup_with(16, NVD_CTRLR_DELAY_CMD_SUBMIT, 0);
	buf = nvd_dma_alloc(&f.c, 8 * 512);
	fake_arm_doorbells(&f);
	read_at(buf, 0);
	read_at(buf, 1);
	ck_assert_int_eq(nvd_qpair_flush(&f.q), 0);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 2);
	ck_assert_uint_eq(fake_process(&f), 2);
	/* a second flush with nothing new writes nothing */
	fake_arm_doorbells(&f);
	ck_assert_int_eq(nvd_qpair_flush(&f.q), 0);
	ck_assert_uint_eq(fake_sq_doorbell(&f), FAKE_DB_UNTOUCHED);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 1);
	ck_assert_int_eq(ncb, 0);
	ck_assert_int_eq(nvd_qpair_flush(NULL), -EINVAL);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 2);
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

START_TEST(test_shadow_doorbell_skips_register_unless_eventidx_asks)
{
	uint8_t *buf;

	setup_with(16, 0, 1);
	ck_assert_int_eq(nvd_qpair_uses_shadow_doorbells(&f.q), 1);
	ck_assert_int_eq(nvd_qpair_uses_shadow_doorbells(&f.c.adminq), 0);
	buf = nvd_dma_alloc(&f.c, 8 * 512);

	/* EventIdx 0 == old tail: the controller wants to hear about entry 0 */
	fake_arm_doorbells(&f);
	read_at(buf, 0);
	ck_assert_uint_eq(fake_shadow_sq(&f), 1);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 1);

	/* EventIdx still 0: entry 1 is news the controller did not ask for */
	fake_arm_doorbells(&f);
	read_at(buf, 1);
	ck_assert_uint_eq(fake_shadow_sq(&f), 2);
	ck_assert_uint_eq(fake_sq_doorbell(&f), FAKE_DB_UNTOUCHED);

	/* the controller caught up to 2 and asks again */
	fake_set_eventidx(&f, 2, 0);
	read_at(buf, 2);
	ck_assert_uint_eq(fake_shadow_sq(&f), 3);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 3);
	ck_assert_uint_eq(stats().sq_shadow_writes, 3);
	ck_assert_uint_eq(stats().sq_doorbell_writes, 2);

	/* all three complete through the shadow tail */
	ck_assert_uint_eq(fake_process(&f), 3);
	fake_arm_doorbells(&f);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 3);
	ck_assert_int_eq(ncb, 3);
	ck_assert_uint_eq(fake_shadow_cq(&f), 3);
	/* CQ EventIdx 0 is outside (0, 3]: old head 0 is in [0, 3), so rung */
	ck_assert_uint_eq(fake_cq_doorbell(&f), 3);
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}
END_TEST

/* The same I/O stream with and without shadows: same completions, fewer registers. */
static struct nvd_qpair_stats run_stream(int dbbuf, unsigned ios, unsigned depth)
{
	struct nvd_qpair_stats s;
	unsigned done = 0, k;
	uint8_t *buf;

	setup_with(8, 0, dbbuf);
	buf = nvd_dma_alloc(&f.c, (size_t)depth * 512);
	while (done < ios) {
		for (k = 0; k < depth; k++)
			read_at(buf, k);
		/* a shadowed controller sees the tail without being rung */
		ck_assert_uint_eq(fake_sq_tail(&f), f.q.sq.tail);
		ck_assert_uint_eq(fake_process(&f), depth);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), (int)depth);
		done += depth;
	}
	ck_assert_int_eq(ncb, (int)ios);
	s = stats();
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
	return s;
}

START_TEST(test_shadow_doorbells_complete_io_with_fewer_register_writes)
{
	/* depth 3 in a queue of 8: the tail wraps many times */
	struct nvd_qpair_stats plain = run_stream(0, 300, 3);
	struct nvd_qpair_stats shadow = run_stream(1, 300, 3);

	ck_assert_uint_eq(plain.sq_doorbell_writes, 300);
	ck_assert_uint_eq(plain.sq_shadow_writes, 0);
	ck_assert_uint_eq(shadow.sq_shadow_writes, 300);
	/* one register write per batch: the first entry after the controller caught up */
	ck_assert_uint_eq(shadow.sq_doorbell_writes, 100);
	ck_assert_uint_eq(shadow.cq_shadow_writes, 100);
	ck_assert_uint_le(shadow.cq_doorbell_writes, plain.cq_doorbell_writes);
}
END_TEST

START_TEST(test_new_queue_starts_from_zeroed_shadows)
{
	setup_with(8, 0, 1);
	/* left behind by an earlier queue of the same qid */
	nvd__qpair_destruct(&f.q);
	f.c.dbbuf_dbs[2] = 5;
	f.c.dbbuf_eis[2] = 5;
	f.c.dbbuf_dbs[3] = 4;
	ck_assert_int_eq(nvd__qpair_construct(&f.q, &f.c, 1, 8, f.c.max_xfer), 0);
	ck_assert_uint_eq(fake_shadow_sq(&f), 0);
	ck_assert_uint_eq(fake_shadow_cq(&f), 0);
	ck_assert_uint_eq(f.c.dbbuf_eis[2], 0);
	fake_ctrlr_teardown(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("doorbell");
	TCase *tc = tcase_create("doorbell");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_need_event_follows_the_eventidx);
	tcase_add_test(tc, test_each_submission_rings_without_delay);
	tcase_add_test(tc, test_delayed_submission_rings_once_per_batch);
	tcase_add_test(tc, test_flush_rings_without_reaping);
	tcase_add_test(tc, test_callback_submissions_ring_once_after_the_poll);
	tcase_add_test(tc, test_a_poll_for_all_reaps_at_most_128);
	tcase_add_test(tc, test_shadow_doorbell_skips_register_unless_eventidx_asks);
	tcase_add_test(tc, test_shadow_doorbells_complete_io_with_fewer_register_writes);
	tcase_add_test(tc, test_new_queue_starts_from_zeroed_shadows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
