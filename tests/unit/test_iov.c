// SPDX-License-Identifier: MIT
/*
 * readv/writev and SGLs on a fake controller: a list that meets at page
 * boundaries gets PRPs, one that does not gets an SGL when the controller
 * supports SGLs (and PRPs are not forced), else it is refused with words;
 * large contiguous transfers use an SGL instead of a PRP list.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static struct fake_ctrlr f;
static uint8_t *buf;
static int ndone;
static struct nvd_cpl last;

/* the caller's list: elements and an iterator the callbacks move */
struct list {
	struct { void *addr; uint32_t len; } e[8];
	unsigned n, cur;
	uint32_t cur_off;
	int resets;
};

static void reset_sgl(void *arg, uint32_t offset)
{
	struct list *l = arg;

	l->resets++;
	for (l->cur = 0; l->cur < l->n && offset >= l->e[l->cur].len; l->cur++)
		offset -= l->e[l->cur].len;
	l->cur_off = offset;
}

static int next_sge(void *arg, void **addr, uint32_t *len)
{
	struct list *l = arg;

	if (l->cur >= l->n)
		return -1;
	*addr = (uint8_t *)l->e[l->cur].addr + l->cur_off;
	*len = l->e[l->cur].len - l->cur_off;
	l->cur++;
	l->cur_off = 0;
	return 0;
}

static void done(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ndone++;
	last = *cpl;
}

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);	/* 128 KiB max transfer, one list page per tracker */
	buf = nvd_dma_alloc(&f.c, 1 << 20);
	ndone = 0;
}

static void teardown(void)
{
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
}

static uint64_t bus_of(const void *p)
{
	uint64_t bus;

	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, p, &bus), 0);
	return bus;
}

START_TEST(test_readv_page_aligned_list_gets_prps)
{
	/* 512 B at the end of a page, then 8 KiB, then 1 KiB: one buffer page by page */
	struct list l = { .n = 3 };
	const uint64_t *list;
	struct nvme_cmd c;

	l.e[0].addr = buf + 4096 - 512;
	l.e[0].len = 512;
	l.e[1].addr = buf + 3 * 4096;
	l.e[1].len = 8192;
	l.e[2].addr = buf + 10 * 4096;
	l.e[2].len = 1024;
	ck_assert_int_eq(nvd_ns_readv(&f.ns, &f.q, 100, 19, done, &l, 0, reset_sgl, next_sge), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_READ);
	ck_assert_uint_eq(c.cdw10, 100);
	ck_assert_uint_eq(c.cdw12, 18);
	ck_assert_uint_eq(c.flags & NVME_CMD_PSDT_MASK, NVME_CMD_PSDT_PRP);
	ck_assert_uint_eq(c.prp1, bus_of(buf + 4096 - 512));
	list = f.q.trackers[c.cid].prp[0].entries;
	ck_assert_uint_eq(c.prp2, f.q.trackers[c.cid].prp[0].bus);
	ck_assert_uint_eq(list[0], bus_of(buf + 3 * 4096));
	ck_assert_uint_eq(list[1], bus_of(buf + 4 * 4096));
	ck_assert_uint_eq(list[2], bus_of(buf + 10 * 4096));
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(last.cid, c.cid);
	ck_assert_int_ge(l.resets, 2);		/* checked once, walked once */
}
END_TEST

START_TEST(test_writev_split_above_mdts_walks_from_each_pieces_offset)
{
	/* 192 KiB in three 64 KiB elements: pieces of 128 KiB + 64 KiB */
	struct list l = { .n = 3 };
	struct nvme_cmd c;
	int i;

	for (i = 0; i < 3; i++) {
		l.e[i].addr = buf + (size_t)(2 - i) * 65536;	/* out of memory order */
		l.e[i].len = 65536;
	}
	ck_assert_int_eq(nvd_ns_writev(&f.ns, &f.q, 0, 384, done, &l, 0, reset_sgl, next_sge), 0);
	ck_assert_uint_eq(fake_pending(&f), 2);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_WRITE);
	ck_assert_uint_eq(c.cdw12, 255);
	ck_assert_uint_eq(c.prp1, bus_of(buf + 2 * 65536));
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.cdw10, 256);
	ck_assert_uint_eq(c.cdw12, 127);
	ck_assert_uint_eq(c.prp1, bus_of(buf));		/* third element */
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 2);
	ck_assert_int_eq(ndone, 1);
}
END_TEST

START_TEST(test_list_prps_cannot_describe_is_refused_without_sgls)
{
	struct list l = { .n = 2 };

	l.e[0].addr = buf;
	l.e[0].len = 1024;			/* ends off a page boundary */
	l.e[1].addr = buf + 8192;
	l.e[1].len = 1024;
	ck_assert_int_eq(nvd_ns_readv(&f.ns, &f.q, 0, 4, done, &l, 0, reset_sgl, next_sge),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "the controller does not support SGLs"));
	/* not DMA memory */
	l.e[0].addr = &l;
	ck_assert_int_eq(nvd_ns_readv(&f.ns, &f.q, 0, 4, done, &l, 0, reset_sgl, next_sge),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "element 0"));
	/* too short a list */
	l.n = 1;
	l.e[0].addr = buf;
	ck_assert_int_eq(nvd_ns_readv(&f.ns, &f.q, 0, 4, done, &l, 0, reset_sgl, next_sge),
			 -EINVAL);
	ck_assert_uint_eq(fake_pending(&f), 0);
}
END_TEST

START_TEST(test_list_prps_cannot_describe_gets_an_sgl)
{
	struct list l = { .n = 3 };
	const struct nvme_sgl_desc *seg;
	struct nvme_cmd c;

	f.c.id.sgls = NVD_SGLS_BYTE_ALIGN;
	f.q.sgl = true;
	l.e[0].addr = buf;
	l.e[0].len = 1024;
	l.e[1].addr = buf + 8192 + 512;
	l.e[1].len = 512;
	l.e[2].addr = buf + 65536;
	l.e[2].len = 512;
	ck_assert_int_eq(nvd_ns_writev(&f.ns, &f.q, 7, 4, done, &l, 0, reset_sgl, next_sge), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_ne(c.flags & NVME_CMD_PSDT_MASK, NVME_CMD_PSDT_PRP);
	ck_assert_uint_eq(c.sgl1.id >> 4, NVME_SGL_TYPE_LAST_SEGMENT);
	ck_assert_uint_eq(c.sgl1.len, 3 * 16);
	seg = fake_bus_to_virt(f.t, c.sgl1.addr);
	ck_assert_ptr_nonnull(seg);
	ck_assert_uint_eq(seg[0].addr, bus_of(buf));
	ck_assert_uint_eq(seg[0].len, 1024);
	ck_assert_uint_eq(seg[1].addr, bus_of(buf + 8192 + 512));
	ck_assert_uint_eq(seg[1].len, 512);
	ck_assert_uint_eq(seg[2].addr, bus_of(buf + 65536));
	ck_assert_uint_eq(seg[2].id >> 4, NVME_SGL_TYPE_DATA_BLOCK);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);

	/* dword-aligned SGLs (SGLS 10b) refuse an odd element */
	f.q.sgl_dword = true;
	l.e[1].len = 510;
	l.e[2].len = 514;
	ck_assert_int_eq(nvd_ns_writev(&f.ns, &f.q, 7, 4, done, &l, 0, reset_sgl, next_sge),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "dword-aligned"));
}
END_TEST

START_TEST(test_large_contiguous_read_uses_an_sgl_when_supported)
{
	uint8_t *page = aligned_alloc(4096, 16 * 4096);
	const struct nvme_sgl_desc *seg;
	struct nvme_cmd c;
	int i;

	f.c.id.sgls = NVD_SGLS_BYTE_ALIGN;
	f.q.sgl = true;
	/* DMA memory, bus-contiguous: one Data Block in SGL1, no segment */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 128, done, NULL, 0), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.sgl1.id >> 4, NVME_SGL_TYPE_DATA_BLOCK);
	ck_assert_uint_eq(c.sgl1.addr, bus_of(buf));
	ck_assert_uint_eq(c.sgl1.len, 65536);
	/* two pages or less: still PRPs, the fast path */
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 16, done, NULL, 0), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.flags & NVME_CMD_PSDT_MASK, NVME_CMD_PSDT_PRP);
	/* registered pages are scattered on the bus: one descriptor per page */
	ck_assert_int_eq(nvd_mem_register(&f.c, page, 16 * 4096), 0);
	ck_assert_int_eq(nvd_ns_write(&f.ns, &f.q, page, 0, 128, done, NULL, 0), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.sgl1.id >> 4, NVME_SGL_TYPE_LAST_SEGMENT);
	ck_assert_uint_eq(c.sgl1.len, 16 * 16);
	seg = fake_bus_to_virt(f.t, c.sgl1.addr);
	for (i = 0; i < 16; i++) {
		ck_assert_uint_eq(seg[i].addr, fake_pin_addr(1, (size_t)i));
		ck_assert_uint_eq(seg[i].len, 4096);
	}
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 3);
	ck_assert_int_eq(nvd_mem_unregister(&f.c, page), 0);
	free(page);
}
END_TEST

START_TEST(test_force_prp_flag_and_environment)
{
	struct nvd_qpair q2;

	f.c.id.sgls = NVD_SGLS_DWORD_ALIGN;
	ck_assert_int_eq(nvd__qpair_construct(&q2, &f.c, 2, 8, f.c.max_xfer), 0);
	ck_assert(q2.sgl);
	ck_assert(q2.sgl_dword);
	nvd__qpair_destruct(&q2);
	f.c.opts.flags |= NVD_CTRLR_FORCE_PRP;
	ck_assert_int_eq(nvd__qpair_construct(&q2, &f.c, 2, 8, f.c.max_xfer), 0);
	ck_assert(!q2.sgl);
	nvd__qpair_destruct(&q2);
	f.c.opts.flags &= ~NVD_CTRLR_FORCE_PRP;
	setenv("NVDIRECT_FORCE_PRP", "1", 1);
	ck_assert_int_eq(nvd__qpair_construct(&q2, &f.c, 2, 8, f.c.max_xfer), 0);
	ck_assert(!q2.sgl);
	nvd__qpair_destruct(&q2);
	setenv("NVDIRECT_FORCE_PRP", "0", 1);
	ck_assert_int_eq(nvd__qpair_construct(&q2, &f.c, 2, 8, f.c.max_xfer), 0);
	ck_assert(q2.sgl);
	nvd__qpair_destruct(&q2);
	unsetenv("NVDIRECT_FORCE_PRP");
}
END_TEST

static Suite *iov_suite(void)
{
	Suite *s = suite_create("iov");
	TCase *tc = tcase_create("iov");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_readv_page_aligned_list_gets_prps);
	tcase_add_test(tc, test_writev_split_above_mdts_walks_from_each_pieces_offset);
	tcase_add_test(tc, test_list_prps_cannot_describe_is_refused_without_sgls);
	tcase_add_test(tc, test_list_prps_cannot_describe_gets_an_sgl);
	tcase_add_test(tc, test_large_contiguous_read_uses_an_sgl_when_supported);
	tcase_add_test(tc, test_force_prp_flag_and_environment);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(iov_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
