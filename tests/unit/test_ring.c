// SPDX-License-Identifier: MIT
/*
 * Ring indices and phase tags: first the pure helpers over a plain array,
 * then a queue pair on fake memory completing commands across CQ wraps.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "fake.h"
#include "pcie/ring.h"

/* Controller side of a small CQ: post entries with the current phase. */
struct writer {
	struct nvd_cpl *e;
	uint32_t size, tail;
	uint8_t phase;
};

static void post(struct writer *w, uint16_t cid)
{
	w->e[w->tail].cid = cid;
	w->e[w->tail].status = w->phase;
	if (++w->tail == w->size) {
		w->tail = 0;
		w->phase ^= 1;
	}
}

START_TEST(test_cq_ring_empty_until_phase_matches)
{
	struct nvd_cpl e[4], out;
	struct cq_ring r;

	memset(e, 0, sizeof(e));	/* zeroed memory: phase 0, nothing posted */
	cq_ring_init(&r, e, 4);
	ck_assert(!cq_ring_peek(&r, &out));
	e[0].status = 1;
	e[0].cid = 7;
	ck_assert(cq_ring_peek(&r, &out));
	ck_assert_uint_eq(out.cid, 7);
}
END_TEST

START_TEST(test_cq_ring_phase_flips_on_wrap)
{
	struct nvd_cpl e[4], out;
	struct writer w = { e, 4, 0, 1 };
	struct cq_ring r;
	uint16_t cid;

	memset(e, 0, sizeof(e));
	cq_ring_init(&r, e, 4);
	/* three laps around a 4-entry ring, one entry at a time */
	for (cid = 0; cid < 12; cid++) {
		post(&w, cid);
		ck_assert(cq_ring_peek(&r, &out));
		ck_assert_uint_eq(out.cid, cid);
		cq_ring_next(&r);
		/* the slot just consumed still holds the old phase: not new */
		ck_assert(!cq_ring_peek(&r, &out));
		ck_assert_uint_eq(r.head, (cid + 1u) % 4);
		ck_assert_uint_eq(r.phase, ((cid + 1u) / 4) % 2 ? 0 : 1);
	}
}
END_TEST

START_TEST(test_cq_ring_batch_across_wrap)
{
	struct nvd_cpl e[4], out;
	struct writer w = { e, 4, 0, 1 };
	struct cq_ring r;
	uint16_t cid, seen = 0;

	memset(e, 0, sizeof(e));
	cq_ring_init(&r, e, 4);
	for (cid = 0; cid < 3; cid++)
		post(&w, cid);
	while (cq_ring_peek(&r, &out)) {
		ck_assert_uint_eq(out.cid, seen++);
		cq_ring_next(&r);
	}
	ck_assert_uint_eq(seen, 3);
	/* slots 3, 0, 1: the batch crosses the end of the ring */
	for (cid = 3; cid < 6; cid++)
		post(&w, cid);
	while (cq_ring_peek(&r, &out)) {
		ck_assert_uint_eq(out.cid, seen++);
		cq_ring_next(&r);
	}
	ck_assert_uint_eq(seen, 6);
	ck_assert_uint_eq(r.head, 2);
	ck_assert_uint_eq(r.phase, 0);
}
END_TEST

START_TEST(test_sq_ring_full_leaves_one_slot_free)
{
	struct nvme_cmd e[4], cmd = { .opc = 1 };
	struct sq_ring r;

	sq_ring_init(&r, e, 4);
	ck_assert(!sq_ring_full(&r));
	sq_ring_push(&r, &cmd);
	sq_ring_push(&r, &cmd);
	sq_ring_push(&r, &cmd);
	ck_assert(sq_ring_full(&r));
	ck_assert_uint_eq(sq_ring_used(&r), 3);
	/* the controller reports it consumed two: head moves, tail wraps */
	r.head = 2;
	ck_assert(!sq_ring_full(&r));
	sq_ring_push(&r, &cmd);
	ck_assert_uint_eq(r.tail, 0);
	sq_ring_push(&r, &cmd);
	ck_assert_uint_eq(r.tail, 1);
	ck_assert(sq_ring_full(&r));
}
END_TEST

/* ---- a queue pair over fake memory ------------------------------------ */

static struct fake_ctrlr f;
static int ncb;
static uint16_t last_cid, last_status;

static void count_cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ncb++;
	last_cid = cpl->cid;
	last_status = cpl->status;
}

static void qp_setup(void)
{
	struct fake_opts o = { .qsize = 4 };

	fake_ctrlr_setup(&f, &o);
	ncb = 0;
}

static void qp_teardown(void)
{
	fake_ctrlr_teardown(&f);
}

static uint16_t read_one(void *buf)
{
	uint32_t tail = f.q.sq.tail;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, count_cb, NULL, 0), 0);
	return ((struct nvme_cmd *)f.q.sq_mem)[tail].cid;
}

START_TEST(test_qpair_completes_across_many_cq_wraps)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	uint16_t cid;
	int i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < 10; i++) {
		cid = read_one(buf);
		ck_assert_uint_eq(fake_sq_doorbell(&f), f.q.sq.tail);
		fake_complete(&f, cid, 0);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
		ck_assert_int_eq(ncb, i + 1);
		ck_assert_uint_eq(last_cid, cid);
		/* the CQ head doorbell follows the host's head */
		ck_assert_uint_eq(fake_cq_doorbell(&f), (i + 1u) % 4);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 0);
	}
	/* 10 entries on a 4-entry CQ: two wraps, phase back to 1 */
	ck_assert_uint_eq(f.q.cq.head, 2);
	ck_assert_uint_eq(f.q.cq.phase, 1);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_qpair_batch_and_max_across_wrap)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	uint16_t cids[3];
	int i;

	/* move both rings to slot 2 first */
	for (i = 0; i < 2; i++) {
		fake_complete(&f, read_one(buf), 0);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	}
	for (i = 0; i < 3; i++)
		cids[i] = read_one(buf);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 3);
	/* 3 trackers on a 4-slot queue: the 4th command waits in the library */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, count_cb, NULL, 0), 0);
	ck_assert_uint_eq(f.q.sq.tail, 1);		/* not in the SQ yet */
	for (i = 0; i < 3; i++)
		fake_complete(&f, cids[i], 0);		/* CQ slots 2, 3, 0 */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 2), 2);
	/* the first freed slot took the waiting read */
	ck_assert_uint_eq(f.q.sq.tail, 2);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 2);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 5);
	ck_assert_uint_eq(f.q.cq.head, 1);
	ck_assert_uint_eq(f.q.cq.phase, 0);
	ck_assert_uint_eq(f.q.sq.head, 1);		/* from the last SQHD */
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 1);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_qpair_passes_error_status_to_callback)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	uint16_t cid = read_one(buf);

	fake_complete(&f, cid, NVME_STATUS(NVME_SCT_GENERIC, 0x80));
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
	ck_assert_uint_eq((last_status >> 1) & 0xff, 0x80);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_qpair_ignores_completion_for_unknown_cid)
{
	fake_complete(&f, 2, 0);	/* nothing outstanding */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *pure = tcase_create("pure");
	TCase *qp = tcase_create("qpair");

	tcase_add_test(pure, test_cq_ring_empty_until_phase_matches);
	tcase_add_test(pure, test_cq_ring_phase_flips_on_wrap);
	tcase_add_test(pure, test_cq_ring_batch_across_wrap);
	tcase_add_test(pure, test_sq_ring_full_leaves_one_slot_free);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(qp, qp_setup, qp_teardown);
	tcase_add_test(qp, test_qpair_completes_across_many_cq_wraps);
	tcase_add_test(qp, test_qpair_batch_and_max_across_wrap);
	tcase_add_test(qp, test_qpair_passes_error_status_to_callback);
	tcase_add_test(qp, test_qpair_ignores_completion_for_unknown_cid);
	suite_add_tcase(s, qp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ring_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
