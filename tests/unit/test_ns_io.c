// SPDX-License-Identifier: MIT
/*
 * nvd_ns_read/nvd_ns_write on a fake controller: what a valid command
 * looks like in the SQ, that invalid ones are refused with nothing sent,
 * and what happens when the controller disappears.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static struct fake_ctrlr f;
static int ncb;
static struct nvd_cpl last;

static void cb(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ncb++;
	last = *cpl;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);	/* 1000 x 512 B, 128 KiB max transfer, 8-slot queue */
	ncb = 0;
}

static void teardown(void)
{
	fake_ctrlr_teardown(&f);
}

static struct nvme_cmd *sqe(uint32_t slot)
{
	return &((struct nvme_cmd *)f.q.sq_mem)[slot];
}

static void assert_nothing_sent(void)
{
	ck_assert_uint_eq(f.q.sq.tail, 0);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_uint_eq(sqe(0)->opc, 0);
}

START_TEST(test_read_fills_sqe_and_rings_doorbell)
{
	uint8_t *buf = nvd_dma_alloc(&f.c, 8192);
	uint64_t bus;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0x123456789ull, 8, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 990, 8, cb, NULL, NVD_IO_FLAG_FUA), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf, &bus), 0);
	ck_assert_uint_eq(sqe(0)->opc, NVME_CMD_READ);
	ck_assert_uint_eq(sqe(0)->nsid, 1);
	ck_assert_uint_eq(sqe(0)->cdw10, 990);
	ck_assert_uint_eq(sqe(0)->cdw11, 0);
	ck_assert_uint_eq(sqe(0)->cdw12, 7 | NVME_RW_FUA);	/* NLB is 0-based */
	ck_assert_uint_eq(sqe(0)->prp1, bus);
	ck_assert_uint_eq(sqe(0)->prp2, 0);			/* 4 KiB: one page */
	ck_assert_uint_eq(fake_sq_doorbell(&f), 1);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 1);

	fake_complete(&f, sqe(0)->cid, 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ncb, 1);
	ck_assert(!nvd_cpl_is_error(&last));
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_write_uses_write_opcode_and_64bit_lba)
{
	struct fake_opts o = { .nsze = 0x200000000ull };
	uint8_t *buf;

	fake_ctrlr_teardown(&f);
	fake_ctrlr_setup(&f, &o);
	buf = nvd_dma_alloc(&f.c, 512);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0x1ffffffffull, 2, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0x1fffffffeull, 1, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(0)->opc, NVME_CMD_WRITE);
	ck_assert_uint_eq(sqe(0)->cdw10, 0xfffffffe);
	ck_assert_uint_eq(sqe(0)->cdw11, 1);
	ck_assert_uint_eq(sqe(0)->cdw12, 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

/* A refusal names its real reason: here an LBA larger than MDTS allows. */
START_TEST(test_lba_larger_than_the_transfer_limit_is_refused_naming_both)
{
	struct fake_opts o = { .lbads = 12, .max_xfer = 2048 };
	uint8_t *buf;

	fake_ctrlr_teardown(&f);
	fake_ctrlr_setup(&f, &o);
	buf = nvd_dma_alloc(&f.c, 4096);
	ck_assert_int_eq(nvd_ns_is_io_supported(&f.ns), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), -EOPNOTSUPP);
	ck_assert_msg(strstr(nvd_last_error(), "one 4096-byte LBA exceeds the controller's transfer limit of 2048 bytes"),
		      "detail: %s", nvd_last_error());
	ck_assert_ptr_null(strstr(nvd_last_error(), "metadata"));
	ck_assert_uint_eq(fake_sq_doorbell(&f), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_buffer_spanning_regions_gets_per_page_prps)
{
	struct fake_opts o = { .max_region = 8192 };
	uint8_t *buf;
	uint64_t b0, b2, b3, *list;

	fake_ctrlr_teardown(&f);
	fake_ctrlr_setup(&f, &o);
	/* 16 KiB from two 8 KiB regions, not adjacent on the bus */
	buf = nvd_dma_alloc(&f.c, 16384);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf, &b0), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf + 8192, &b2), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf + 12288, &b3), 0);
	ck_assert_uint_ne(b2, b0 + 8192);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 32, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(0)->prp1, b0);
	list = f.q.trackers[sqe(0)->cid].prp[0].entries;
	ck_assert_uint_eq(sqe(0)->prp2, f.q.trackers[sqe(0)->cid].prp[0].bus);
	ck_assert_uint_eq(list[0], b0 + 4096);
	ck_assert_uint_eq(list[1], b2);
	ck_assert_uint_eq(list[2], b3);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_registered_heap_buffer_gets_its_pinned_pages_in_prps)
{
	/* 3 x 4 KiB of I/O from a buffer 64 bytes into a page: 4 pages */
	uint8_t *page = aligned_alloc(4096, 4 * 4096), *buf = page + 64;
	uint64_t *list;

	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 24, cb, NULL, 0), -EINVAL);
	assert_nothing_sent();
	ck_assert_int_eq(nvd_mem_register(&f.c, buf, 24 * 512), 0);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 24, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(0)->opc, NVME_CMD_WRITE);
	ck_assert_uint_eq(sqe(0)->prp1, fake_pin_addr(1, 0) + 64);
	list = f.q.trackers[sqe(0)->cid].prp[0].entries;
	ck_assert_uint_eq(sqe(0)->prp2, f.q.trackers[sqe(0)->cid].prp[0].bus);
	ck_assert_uint_eq(list[0], fake_pin_addr(1, 1));
	ck_assert_uint_eq(list[1], fake_pin_addr(1, 2));
	ck_assert_uint_eq(list[2], fake_pin_addr(1, 3));
	/* one LBA more than was registered */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 25, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_mem_unregister(&f.c, buf), 0);
	free(page);
}
END_TEST

START_TEST(test_unregistered_memory_is_refused_with_words)
{
	uint8_t *page = aligned_alloc(4096, 4096);

	ck_assert_int_eq(nvd_mem_register(&f.c, page, 4096), 0);
	ck_assert_int_eq(nvd_mem_unregister(&f.c, page), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page, 0, 8, cb, NULL, 0), -EINVAL);
	assert_nothing_sent();
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "registered with nvd_mem_register"));
	ck_assert_int_eq(nvd_mem_unregister(&f.c, page), -EINVAL);
	free(page);
}
END_TEST

START_TEST(test_count_zero_is_refused)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 0, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 0, 0, cb, NULL, 0), -EINVAL);
	ck_assert_str_eq(nvd_last_error(), "write: LBA count is 0");
	assert_nothing_sent();
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_past_end_of_namespace_is_refused)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);

	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 1, UINT32_MAX, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, UINT64_MAX, 1, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 1000, 1, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 999, 2, cb, NULL, 0), -EINVAL);
	assert_nothing_sent();
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "past the end"));
	/* the last LBA itself is fine */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 999, 1, cb, NULL, 0), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_above_max_transfer_is_split_not_refused)
{
	void *buf = nvd_dma_alloc(&f.c, 256 * 1024);

	ck_assert_uint_eq(nvd_ns_get_max_io_sectors(&f.ns), 256);	/* 128 KiB / 512 */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 257, cb, NULL, 0), 0);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 2);
	ck_assert_uint_eq(sqe(0)->cdw12, 255);
	ck_assert_uint_eq(sqe(1)->cdw10, 256);
	ck_assert_uint_eq(sqe(1)->cdw12, 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_non_dma_buffer_is_refused)
{
	void *heap = aligned_alloc(4096, 4096);
	void *small = nvd_dma_alloc(&f.c, 4096);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, heap, 0, 1, cb, NULL, 0), -EINVAL);
	/* DMA memory, but the transfer runs past its end */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, small, 0, 9, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, (uint8_t *)small + 512, 0, 8, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, NULL, 0, 1, cb, NULL, 0), -EINVAL);
	assert_nothing_sent();
	free(heap);
	nvd_dma_free(&f.c, small);
}
END_TEST

START_TEST(test_unknown_flags_are_refused)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 1u << 3), -EINVAL);
	assert_nothing_sent();
	nvd_dma_free(&f.c, buf);
}
END_TEST

/* Every register the fake BAR holds past the controller properties: doorbells. */
static void assert_no_doorbell_written(void)
{
	for (uint32_t off = 0x1000; off < FAKE_BAR_SIZE; off += 4)
		ck_assert_msg(*fake_reg(f.t, off) == 0, "doorbell at 0x%x written", off);
}

START_TEST(test_bad_arguments_send_nothing)
{
	uint8_t *buf = nvd_dma_alloc(&f.c, 8192);
	struct {
		const char *what;
		struct nvd_ns *ns;
		struct nvd_qpair *q;
		void *buf;
		uint64_t lba;
		uint32_t count;
	} bad[] = {
		{ "NULL namespace", NULL, &f.q, buf, 0, 1 },
		{ "NULL qpair", &f.ns, NULL, buf, 0, 1 },
		{ "NULL buffer", &f.ns, &f.q, NULL, 0, 1 },
		{ "admin qpair", &f.ns, &f.c.adminq, buf, 0, 1 },
		{ "zero count", &f.ns, &f.q, buf, 0, 0 },
		{ "buffer off by one byte", &f.ns, &f.q, buf + 1, 0, 1 },
		{ "buffer off by two bytes", &f.ns, &f.q, buf + 2, 0, 1 },
		{ "buffer not from nvd_dma_alloc", &f.ns, &f.q, (void *)&f, 0, 1 },
		{ "first LBA past the end", &f.ns, &f.q, buf, 1000, 1 },
		{ "LBA + count wraps", &f.ns, &f.q, buf, UINT64_MAX - 1, 4 },
		{ "LBA + count past the end", &f.ns, &f.q, buf, 998, 4 },
		{ "count above MDTS", &f.ns, &f.q, buf, 0, 257 },
		{ "count above UINT32 limit", &f.ns, &f.q, buf, 0, UINT32_MAX },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = nvd_ns_read(bad[i].ns, bad[i].q, bad[i].buf, bad[i].lba, bad[i].count,
				    cb, NULL, 0);
		int w = nvd_ns_write(bad[i].ns, bad[i].q, bad[i].buf, bad[i].lba, bad[i].count,
				     cb, NULL, 0);

		ck_assert_msg(r == -EINVAL && w == -EINVAL, "%s: read %d write %d, want -EINVAL",
			      bad[i].what, r, w);
	}
	assert_nothing_sent();
	assert_no_doorbell_written();
	ck_assert_uint_eq(f.c.adminq.sq.tail, 0);
	ck_assert_int_eq(ncb, 0);
	/* and the queue still works afterwards */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf + 4, 0, 1, cb, NULL, 0), 0);
	ck_assert_uint_eq(fake_sq_doorbell(&f), 1);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_namespace_with_metadata_is_listed_but_not_usable)
{
	struct fake_opts o = { .ms = 8 };
	void *buf;

	fake_ctrlr_teardown(&f);
	fake_ctrlr_setup(&f, &o);
	buf = nvd_dma_alloc(&f.c, 4096);
	ck_assert_uint_eq(nvd_ns_get_sector_size(&f.ns), 512);
	ck_assert_uint_eq(nvd_ns_get_md_size(&f.ns), 8);
	ck_assert_int_eq(nvd_ns_is_io_supported(&f.ns), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), -EOPNOTSUPP);
	assert_nothing_sent();
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_geometry_of_4k_namespace)
{
	struct fake_opts o = { .lbads = 12, .nsze = 300, .max_xfer = 16384 };

	fake_ctrlr_teardown(&f);
	fake_ctrlr_setup(&f, &o);
	ck_assert_uint_eq(nvd_ns_get_sector_size(&f.ns), 4096);
	ck_assert_uint_eq(nvd_ns_get_num_sectors(&f.ns), 300);
	ck_assert_uint_eq(nvd_ns_get_size(&f.ns), 300 * 4096);
	ck_assert_uint_eq(nvd_ns_get_max_io_sectors(&f.ns), 4);
}
END_TEST

START_TEST(test_gone_controller_fails_outstanding_commands)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);
	int rc = 0;
	unsigned i;

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, buf, 1, 1, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 0);
	/* surprise removal: reads of the BAR return all ones */
	*fake_reg(f.t, NVME_REG_CSTS) = 0xffffffff;
	for (i = 0; i <= NVD_ALIVE_CHECK_POLLS && rc == 0; i++)
		rc = nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(rc, -ENXIO);
	ck_assert_int_eq(ncb, 2);
	ck_assert(nvd_cpl_is_error(&last));
	ck_assert_uint_eq(nvd_cpl_sct(&last), NVME_SCT_GENERIC);
	ck_assert_uint_eq(nvd_cpl_sc(&last), NVME_SC_ABORT_REQUESTED);
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_int_eq(nvd_ctrlr_is_failed(&f.c), 1);
	/* and nothing new is accepted */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), -ENXIO);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
	nvd_dma_free(&f.c, buf);
}
END_TEST

/* An application's callback: counts, then submits the next I/O, as perf does. */
struct io_slot {
	int ncb;
	int resubmit_rc;
	void *buf;
};

static void resubmit_cb(void *arg, const struct nvd_cpl *cpl)
{
	struct io_slot *s = arg;

	s->ncb++;
	last = *cpl;
	s->resubmit_rc = nvd_ns_read(&f.ns, &f.q, s->buf, 0, 1, resubmit_cb, s, 0);
}

START_TEST(test_removed_controller_completes_every_command_exactly_once)
{
	struct io_slot slot[7];
	uint32_t off;
	unsigned i;
	int rc = 0;

	/* a full queue: 8 slots, 7 commands */
	for (i = 0; i < 7; i++) {
		slot[i] = (struct io_slot){ .buf = nvd_dma_alloc(&f.c, 512) };
		ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, slot[i].buf, i, 1, resubmit_cb, &slot[i], 0), 0);
	}
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 7);
	/* hot-remove: the whole register page reads all ones, as nvdirect.ko maps it */
	for (off = 0; off < 0x1000; off += 4)
		*fake_reg(f.t, off) = 0xffffffff;
	for (i = 0; i <= NVD_ALIVE_CHECK_POLLS && rc >= 0; i++)
		rc = nvd_qpair_process_completions(&f.q, 0);
	ck_assert_int_eq(rc, -ENXIO);
	/* more polls, and freeing the queue, complete nothing twice */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
	for (i = 0; i < 7; i++) {
		ck_assert_int_eq(slot[i].ncb, 1);
		ck_assert_int_eq(slot[i].resubmit_rc, -ENXIO);
	}
	ck_assert_uint_eq(nvd_cpl_sc(&last), NVME_SC_ABORT_REQUESTED);
	ck_assert(nvd_cpl_is_error(&last));
	ck_assert_uint_eq(nvd_qpair_outstanding(&f.q), 0);
	ck_assert_str_eq(nvd_strerror(rc), "controller is gone");
	for (i = 0; i < 7; i++)
		nvd_dma_free(&f.c, slot[i].buf);
}
END_TEST

START_TEST(test_gone_controller_seen_by_another_qpair)
{
	void *buf = nvd_dma_alloc(&f.c, 4096);

	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, cb, NULL, 0), 0);
	nvd__ctrlr_mark_failed(&f.c);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), -ENXIO);
	ck_assert_int_eq(ncb, 1);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_freed_buffer_is_refused_although_the_queue_used_it_last)
{
	uint8_t *buf = nvd_dma_alloc(&f.c, 4096);

	/* the queue pair now remembers buf's region */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), 0);
	fake_complete(&f, sqe(0)->cid, 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	nvd_dma_free(&f.c, buf);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 8, cb, NULL, 0), -EINVAL);
	ck_assert_uint_eq(f.q.sq.tail, 1);
}
END_TEST

START_TEST(test_two_registrations_sharing_a_page_both_work)
{
	uint8_t *page = aligned_alloc(4096, 4096);
	uint64_t b;

	ck_assert_int_eq(nvd_mem_register(&f.c, page, 1024), 0);
	ck_assert_int_eq(nvd_mem_register(&f.c, page + 2048, 1024), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page + 2048, 0, 2, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(0)->prp1, fake_pin_addr(2, 0) + 2048);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page, 0, 2, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(1)->prp1, fake_pin_addr(1, 0));
	/* the bytes between them belong to neither */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page + 1024, 0, 1, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_mem_unregister(&f.c, page), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page + 2048, 0, 2, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, page, 0, 1, cb, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, page + 2048, &b), 0);
	ck_assert_uint_eq(b, fake_pin_addr(2, 0) + 2048);
	ck_assert_int_eq(nvd_mem_unregister(&f.c, page + 2048), 0);
	free(page);
}
END_TEST

START_TEST(test_buffers_of_two_allocations_get_their_own_addresses)
{
	uint8_t *a = nvd_dma_alloc(&f.c, 4096), *b = nvd_dma_alloc(&f.c, 4096);
	uint64_t ba, bb;

	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, a, &ba), 0);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, b, &bb), 0);
	ck_assert_uint_ne(ba, bb);
	/* a, b, a: one of the switches goes to the higher address */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, a, 0, 8, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, b, 0, 8, cb, NULL, 0), 0);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, a, 0, 8, cb, NULL, 0), 0);
	ck_assert_uint_eq(sqe(0)->prp1, ba);
	ck_assert_uint_eq(sqe(1)->prp1, bb);
	ck_assert_uint_eq(sqe(2)->prp1, ba);
	nvd_dma_free(&f.c, b);
	nvd_dma_free(&f.c, a);
}
END_TEST

static Suite *ns_io_suite(void)
{
	Suite *s = suite_create("ns_io");
	TCase *tc = tcase_create("rw");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_fills_sqe_and_rings_doorbell);
	tcase_add_test(tc, test_write_uses_write_opcode_and_64bit_lba);
	tcase_add_test(tc, test_lba_larger_than_the_transfer_limit_is_refused_naming_both);
	tcase_add_test(tc, test_buffer_spanning_regions_gets_per_page_prps);
	tcase_add_test(tc, test_registered_heap_buffer_gets_its_pinned_pages_in_prps);
	tcase_add_test(tc, test_unregistered_memory_is_refused_with_words);
	tcase_add_test(tc, test_count_zero_is_refused);
	tcase_add_test(tc, test_past_end_of_namespace_is_refused);
	tcase_add_test(tc, test_above_max_transfer_is_split_not_refused);
	tcase_add_test(tc, test_non_dma_buffer_is_refused);
	tcase_add_test(tc, test_unknown_flags_are_refused);
	tcase_add_test(tc, test_bad_arguments_send_nothing);
	tcase_add_test(tc, test_namespace_with_metadata_is_listed_but_not_usable);
	tcase_add_test(tc, test_geometry_of_4k_namespace);
	tcase_add_test(tc, test_gone_controller_fails_outstanding_commands);
	tcase_add_test(tc, test_gone_controller_seen_by_another_qpair);
	tcase_add_test(tc, test_freed_buffer_is_refused_although_the_queue_used_it_last);
	tcase_add_test(tc, test_two_registrations_sharing_a_page_both_work);
	tcase_add_test(tc, test_buffers_of_two_allocations_get_their_own_addresses);
	tcase_add_test(tc, test_removed_controller_completes_every_command_exactly_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ns_io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
