// SPDX-License-Identifier: MIT
/*
 * The request layer on a fake controller: I/Os wait in order when the SQ
 * is full, only an empty request pool reaches the caller, transfers above
 * the transfer limit are split with one callback (beyond 4 GiB too), and
 * aborting a queue pair completes every command, queued request and split
 * transfer once.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake.h"
#include "core/request.h"

static struct fake_ctrlr f;
static uint8_t *buf;

/* callbacks record which I/O (cb_arg as an index) completed, in order */
static int order[256], ndone;
static uint16_t status_of[256];

static void done(void *arg, const struct nvd_cpl *cpl)
{
	int i = (int)(uintptr_t)arg;

	ck_assert_int_lt(ndone, 256);
	order[ndone++] = i;
	status_of[i] = cpl->status & 0xfffe;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);	/* 8-slot queue: 7 trackers; 128 KiB = 256 LBAs max */
	buf = nvd_dma_alloc(&f.c, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	ndone = 0;
	memset(status_of, 0xff, sizeof(status_of));
}

static void teardown(void)
{
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}

#define ABORTED	(NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED) | NVME_CPL_DNR)

static void poll_all(void)
{
	while (fake_pending(&f)) {
		fake_complete_next(&f, 0, NULL);
		ck_assert_int_ge(nvd_qpair_process_completions(&f.q, 0), 0);
	}
}

START_TEST(test_full_sq_queues_in_order_and_sends_as_slots_free)
{
	struct nvme_cmd c;
	int i;

	ck_assert_uint_eq(f.q.ntrackers, 7);
	ck_assert_uint_eq(f.q.nreqs, 28);		/* default: 4 x trackers */
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, (uint64_t)i, 1, done,
					     (void *)(uintptr_t)i, 0), 0);
	/* 7 in the SQ, 5 waiting in the library: all 12 outstanding */
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 12);
	ck_assert_uint_eq(nvd__qpair_outstanding(&f.q), 7);
	ck_assert_uint_eq(fake_pending(&f), 7);
	ck_assert_uint_eq(f.q.nreqs_free, 28 - 5);
	/* the device sees LBAs 0..11 in submission order */
	for (i = 0; i < 12; i++) {
		fake_complete_next(&f, 0, &c);
		ck_assert_uint_eq(c.cdw10, (uint32_t)i);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	}
	ck_assert_int_eq(ndone, 12);
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(order[i], i);
	ck_assert_uint_eq(f.q.nreqs_free, 28);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
}
END_TEST

static int resubmits;

/* each completion submits a new read: it must go behind the queued ones */
static void done_and_submit(void *arg, const struct nvd_cpl *cpl)
{
	done(arg, cpl);
	if (resubmits-- > 0)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 100 + (uint64_t)resubmits, 1, done,
					     (void *)(uintptr_t)(100 + resubmits), 0), 0);
}

START_TEST(test_io_submitted_from_a_callback_waits_behind_queued_io)
{
	struct nvme_cmd c;
	int i;

	resubmits = 1;
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, (uint64_t)i, 1,
					     i == 0 ? done_and_submit : done,
					     (void *)(uintptr_t)i, 0), 0);
	/* completing LBA 0 frees a slot: LBA 7 takes it, then the callback's read queues */
	fake_complete_next(&f, 0, NULL);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	for (i = 1; i < 9; i++) {
		fake_complete_next(&f, 0, &c);
		ck_assert_uint_eq(c.cdw10, (uint32_t)i);
		nvd_qpair_process_completions(&f.q, 0);
	}
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.cdw10, 100);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 10);
	ck_assert_int_eq(order[9], 100);
}
END_TEST

START_TEST(test_exhausted_request_pool_is_enomem_with_the_pool_size)
{
	int i;

	ck_assert_int_eq(nvd__qpair_alloc_requests(&f.q, 3), 0);
	for (i = 0; i < 7 + 3; i++)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "0 of queue 1's 3 free (io_requests)"));
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), -ENOMEM);
	/* nothing more reached the SQ */
	ck_assert_uint_eq(fake_pending(&f), 7);
	poll_all();
	ck_assert_int_eq(ndone, 10);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), 0);
	poll_all();
}
END_TEST

START_TEST(test_split_above_mdts_one_callback_after_all_pieces)
{
	struct nvme_cmd c;
	uint64_t bus;
	int i;

	/* 600 LBAs at 256 per command: 256 + 256 + 88 */
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 10, 600, done, (void *)7,
				      NVD_IO_FLAG_FUA), 0);
	ck_assert_uint_eq(fake_pending(&f), 3);
	for (i = 0; i < 3; i++) {
		fake_complete_next(&f, 0, &c);
		ck_assert_uint_eq(c.opc, NVME_CMD_WRITE);
		ck_assert_uint_eq(c.cdw10, 10u + 256u * (uint32_t)i);
		ck_assert_uint_eq(c.cdw12, (i < 2 ? 255u : 87u) | NVME_RW_FUA);
		ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf + (size_t)i * 256 * 512, &bus), 0);
		ck_assert_uint_eq(c.prp1, bus);
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
		ck_assert_int_eq(ndone, i < 2 ? 0 : 1);
	}
	ck_assert_int_eq(order[0], 7);
	ck_assert_uint_eq(status_of[7], 0);
	ck_assert_uint_eq(f.q.nreqs_free, f.q.nreqs);
}
END_TEST

START_TEST(test_split_reports_the_first_failed_piece)
{
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 768, done, (void *)3, 0), 0);
	fake_complete_next(&f, 0, NULL);
	fake_complete_next(&f, NVME_STATUS(NVME_SCT_MEDIA, 0x81) | NVME_CPL_DNR, NULL);
	fake_complete_next(&f, NVME_STATUS(NVME_SCT_GENERIC, 0x80) | NVME_CPL_DNR, NULL);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 3);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(status_of[3], NVME_STATUS(NVME_SCT_MEDIA, 0x81) | NVME_CPL_DNR);
}
END_TEST

START_TEST(test_split_larger_than_the_pool_is_refused_up_front)
{
	ck_assert_int_eq(nvd__qpair_alloc_requests(&f.q, 3), 0);
	/* 3 pieces + the parent: 4 requests */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 768, done, NULL, 0), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "needs 4 requests; queue 1's pool holds 3"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	ck_assert_uint_eq(f.q.nreqs_free, 3);
	/* past the end is still refused with words, not split */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 500, 501, done, NULL, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "past the end of namespace 1"));
}
END_TEST

START_TEST(test_abort_all_completes_outstanding_queued_and_split_once)
{
	int i;

	/* 5 single reads, then a 3-piece split: 7 in the SQ, 1 piece queued */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, (void *)(uintptr_t)i,
					     0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 768, done, (void *)10, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, (void *)11, 0), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 5 + 3 + 1);
	nvd__qpair_abort_all(&f.q);
	ck_assert_int_eq(ndone, 7);		/* 5 + the split once + the queued read */
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(status_of[i], ABORTED);
	ck_assert_uint_eq(status_of[10], ABORTED);
	ck_assert_uint_eq(status_of[11], ABORTED);
	ck_assert_uint_eq(f.q.nreqs_free, f.q.nreqs);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_ptr_null(f.q.queued_head);
	ck_assert_uint_eq(f.q.hooks, 0);
	/* late completions from the device for aborted cids go nowhere */
	while (fake_pending(&f))
		fake_complete_next(&f, 0, NULL);
	nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(ndone, 7);
}
END_TEST

START_TEST(test_qpair_opts_io_requests_sizes_the_pool)
{
	struct nvd_io_qpair_opts o;

	nvd_io_qpair_opts_init(&o);
	ck_assert_uint_eq(o.io_requests, 0);
	ck_assert_uint_eq(o.opts_size, sizeof(o));
	/* the pool can only be replaced while unused */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 768, done, NULL, 0), 0);
	ck_assert_int_eq(nvd__qpair_alloc_requests(&f.q, 100), -EBUSY);
	poll_all();
	ck_assert_int_eq(nvd__qpair_alloc_requests(&f.q, 100), 0);
	ck_assert_uint_eq(f.q.nreqs, 100);
}
END_TEST

/* ---- more than 4 GiB worth of LBAs ------------------------------------ */

#define GIB		(1ull << 30)
#define PIECE		(2u << 20)		/* 512 LBAs of 4 KiB: the transfer limit */

/*
 * A read of 4 GiB + 4 MiB at 4 KiB LBAs (1049600 LBAs, 2050 pieces) into
 * registered memory: each piece's LBA, NLB and data pointers come from
 * 64-bit arithmetic, the pieces past 4 GiB included, and one callback ends
 * it.  (The fake pins without touching the memory.)
 */
START_TEST(test_split_beyond_4_gib_addresses_every_piece)
{
	struct fake_opts o = { .qsize = 64, .max_xfer = PIECE, .nsze = 1ull << 21, .lbads = 12 };
	const size_t len = 4 * GIB + 2 * PIECE;
	const uint32_t count = (uint32_t)(len >> 12);
	const uint32_t pieces = (uint32_t)(len / PIECE);
	struct fake_ctrlr g;
	struct nvme_cmd c;
	uint64_t h, *list;
	uint32_t k;
	uint8_t *mem;

	fake_ctrlr_setup(&g, &o);
	ck_assert_uint_eq(g.ns.max_io_sectors, 512);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	ck_assert_ptr_ne(mem, MAP_FAILED);
	ck_assert_int_eq(nvd_mem_register(&g.c, mem, len), 0);
	h = to_fake(g.t)->last_handle;
	ck_assert_int_eq(nvd__qpair_alloc_requests(&g.q, pieces + 1), 0);

	ndone = 0;
	ck_assert_int_eq(nvd_ns_read(&g.ns, &g.q, mem, 0, count, done, (void *)9, 0), 0);
	for (k = 0; k < pieces; k++) {
		ck_assert_uint_gt(fake_pending(&g), 0);
		fake_complete_next(&g, 0, &c);
		ck_assert_uint_eq(c.cdw10, k * 512);
		ck_assert_uint_eq(c.cdw11, 0);
		ck_assert_uint_eq(c.cdw12, 511);
		/* pinned pages descend: page n of the registration is fake_pin_addr(h, n) */
		ck_assert_uint_eq(c.prp1, fake_pin_addr(h, (size_t)k * 512));
		list = fake_bus_to_virt(g.t, c.prp2);
		ck_assert_ptr_nonnull(list);
		ck_assert_uint_eq(list[0], fake_pin_addr(h, (size_t)k * 512 + 1));
		ck_assert_uint_eq(list[510], fake_pin_addr(h, (size_t)k * 512 + 511));
		ck_assert_int_ge(nvd_qpair_process_completions(&g.q, 0), 1);
		ck_assert_int_eq(ndone, k + 1 < pieces ? 0 : 1);
	}
	ck_assert_uint_eq(fake_pending(&g), 0);
	ck_assert_int_eq(order[0], 9);
	ck_assert_uint_eq(status_of[9], 0);
	ck_assert_int_eq(nvd_mem_unregister(&g.c, mem), 0);
	munmap(mem, len);
	fake_ctrlr_teardown(&g);
}
END_TEST

static void reset_sgl_none(void *arg, uint32_t offset)
{
	(void)arg;
	(void)offset;
	ck_abort_msg("a refused transfer must not walk the list");
}

static int next_sge_none(void *arg, void **address, uint32_t *length)
{
	(void)arg;
	(void)address;
	(void)length;
	ck_abort_msg("a refused transfer must not walk the list");
	return -1;
}

/*
 * The split's own limits, for any caller: a piece of 2^20 LBAs of 4 KiB is
 * 4 GiB, which 32-bit arithmetic made 0 bytes (a command for 4 GiB with
 * one page of PRPs); and a vectored piece starting past 4 GiB cannot be
 * named to reset_sgl, whose offset is 32 bits.  Both are refused with
 * words before anything is sent.
 */
START_TEST(test_split_refuses_pieces_its_32_bit_fields_cannot_hold)
{
	struct nvme_cmd tmpl = { .opc = NVME_CMD_READ, .nsid = 1 };

	ck_assert_int_eq(nvd__qpair_submit_split(&f.q, &tmpl, buf, 12, 0, 1u << 20, 1u << 20, done,
						 NULL, NULL, NULL, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(),
				     "a piece of 4294967296 bytes (1048576 LBAs of 4096 bytes) exceeds 4 GiB"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	/* 2^20 + 256 LBAs in pieces of 256: the last ones start past 4 GiB */
	ck_assert_int_eq(nvd__qpair_alloc_requests(&f.q, 4200), 0);
	ck_assert_int_eq(nvd__qpair_submit_split(&f.q, &tmpl, NULL, 12, 0, (1u << 20) + 256, 256,
						 done, NULL, reset_sgl_none, next_sge_none, false),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "pieces past 4 GiB cannot be named to reset_sgl"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	ck_assert_uint_eq(f.q.nreqs_free, 4200);
	ck_assert_int_eq(ndone, 0);
}
END_TEST

static Suite *requests_suite(void)
{
	Suite *s = suite_create("requests");
	TCase *tc = tcase_create("queue"), *big;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_full_sq_queues_in_order_and_sends_as_slots_free);
	tcase_add_test(tc, test_io_submitted_from_a_callback_waits_behind_queued_io);
	tcase_add_test(tc, test_exhausted_request_pool_is_enomem_with_the_pool_size);
	tcase_add_test(tc, test_split_above_mdts_one_callback_after_all_pieces);
	tcase_add_test(tc, test_split_reports_the_first_failed_piece);
	tcase_add_test(tc, test_split_larger_than_the_pool_is_refused_up_front);
	tcase_add_test(tc, test_abort_all_completes_outstanding_queued_and_split_once);
	tcase_add_test(tc, test_qpair_opts_io_requests_sizes_the_pool);
	tcase_add_test(tc, test_split_refuses_pieces_its_32_bit_fields_cannot_hold);
	suite_add_tcase(s, tc);
	big = tcase_create("beyond 4 GiB");
	tcase_set_timeout(big, 60);
	tcase_add_test(big, test_split_beyond_4_gib_addresses_every_piece);
	suite_add_tcase(s, big);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(requests_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
