// SPDX-License-Identifier: MIT
/*
 * NVM commands beyond read/write on a fake controller: what Write Zeroes,
 * Dataset Management, Flush, Compare and raw I/O put in the SQ, and that
 * unsupported (ONCS) or impossible ones are refused with nothing sent.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

static struct fake_ctrlr f;
static int ndone;
static struct nvd_cpl last;

static void done(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	ndone++;
	last = *cpl;
}

static void setup_with(const struct fake_opts *o)
{
	fake_ctrlr_setup(&f, o);
	f.c.id.oncs = NVD_ONCS_COMPARE | NVD_ONCS_DSM | NVD_ONCS_WRITE_ZEROES;
	ndone = 0;
}

static void setup(void)
{
	struct fake_opts o = { .nsze = 300000 };

	setup_with(&o);
}

static void teardown(void)
{
	fake_ctrlr_teardown(&f);
}

START_TEST(test_write_zeroes_encoding_and_split_at_65536)
{
	struct nvme_cmd c;

	ck_assert_int_eq(nvd_ns_write_zeroes(&f.ns, &f.q, 5, 8, done, NULL, NVD_IO_FLAG_FUA), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_WRITE_ZEROES);
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.cdw10, 5);
	ck_assert_uint_eq(c.cdw12, 7 | NVME_RW_FUA);
	ck_assert_uint_eq(c.prp1, 0);

	/* 140000 LBAs: 65536 + 65536 + 8928, one callback */
	ck_assert_int_eq(nvd_ns_write_zeroes(&f.ns, &f.q, 1000, 140000, done, NULL, 0), 0);
	ck_assert_uint_eq(fake_pending(&f), 3);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.cdw10, 1000);
	ck_assert_uint_eq(c.cdw12, 65535);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.cdw10, 1000 + 65536);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.cdw10, 1000 + 131072);
	ck_assert_uint_eq(c.cdw12, 8928 - 1);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 4);
	ck_assert_int_eq(ndone, 2);
	/* past the end: refused with words */
	ck_assert_int_eq(nvd_ns_write_zeroes(&f.ns, &f.q, 299999, 2, done, NULL, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "past the end of namespace 1"));
}
END_TEST

START_TEST(test_dsm_copies_ranges_into_a_dma_page)
{
	struct nvd_dsm_range r[3] = {
		{ .attributes = 0, .length = 8, .lba = 0 },
		{ .attributes = 1, .length = 16, .lba = 0x12345 },
		{ .attributes = 0, .length = 1, .lba = 299999 },
	};
	const struct nvd_dsm_range *page;
	struct nvme_cmd c;
	uint16_t free_before = f.q.dsm_free;

	ck_assert_int_eq(nvd_ns_deallocate(&f.ns, &f.q, r, 3, done, NULL), 0);
	memset(r, 0, sizeof(r));		/* the caller's copy may go at once */
	ck_assert_uint_ne(f.q.dsm_free, free_before);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_DSM);
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.cdw10, 2);			/* NR is 0-based */
	ck_assert_uint_eq(c.cdw11, NVD_DSM_ATTR_AD);
	page = fake_bus_to_virt(f.t, c.prp1);
	ck_assert_ptr_nonnull(page);
	ck_assert_uint_eq(c.prp1 % 4096, 0);
	ck_assert_uint_eq(page[1].lba, 0x12345);
	ck_assert_uint_eq(page[1].length, 16);
	ck_assert_uint_eq(page[1].attributes, 1);
	ck_assert_uint_eq(page[2].lba, 299999);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(f.q.dsm_free, free_before);	/* page back */
}
END_TEST

START_TEST(test_dsm_arguments_are_checked)
{
	struct nvd_dsm_range r[257] = { { .length = 1 } };
	int i;

	ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 0, 0, done, NULL), -EINVAL);
	ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 257, 0, done, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "1..256 ranges"));
	r[4].lba = 299999;
	r[4].length = 2;
	ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 5, 0, done, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "range 4"));
	ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 1, 0x8, done, NULL), -EINVAL);
	ck_assert_uint_eq(fake_pending(&f), 0);
	/* 256 ranges fill the page exactly; 16 DSMs in flight use every range page */
	r[4].length = 1;
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 256, NVD_DSM_ATTR_IDR, done, NULL), 0);
	ck_assert_int_eq(nvd_ns_dsm(&f.ns, &f.q, r, 1, 0, done, NULL), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "DSM range pages"));
	nvd__qpair_abort_all(&f.q);
	ck_assert_int_eq(ndone, 16);
	ck_assert_uint_eq(f.q.dsm_free, 0xffff);
}
END_TEST

START_TEST(test_flush_has_nsid_and_no_data)
{
	struct nvme_cmd c;

	ck_assert_int_eq(nvd_ns_flush(&f.ns, &f.q, done, NULL), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_FLUSH);
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.prp1, 0);
	ck_assert_uint_eq(c.cdw10, 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);
}
END_TEST

START_TEST(test_compare_encoding_and_compare_failure_status)
{
	uint8_t *buf = nvd_dma_alloc(&f.c, 4096);
	struct nvme_cmd c;
	uint64_t bus;

	ck_assert_int_eq(nvd_ns_compare(&f.ns, &f.q, buf, 42, 8, done, NULL, 0), 0);
	fake_complete_next(&f, NVME_STATUS(NVME_SCT_MEDIA, NVME_SC_COMPARE_FAILURE), &c);
	ck_assert_uint_eq(c.opc, NVME_CMD_COMPARE);
	ck_assert_uint_eq(c.cdw10, 42);
	ck_assert_uint_eq(c.cdw12, 7);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf, &bus), 0);
	ck_assert_uint_eq(c.prp1, bus);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 1);
	ck_assert_int_eq(ndone, 1);
	ck_assert_uint_eq(nvd_cpl_sct(&last), NVME_SCT_MEDIA);
	ck_assert_uint_eq(nvd_cpl_sc(&last), 0x85);
	ck_assert_ptr_nonnull(strstr(nvd_cpl_status_str(&last), "Compare Failure"));
	/* no DMA buffer: refused */
	ck_assert_int_eq(nvd_ns_compare(&f.ns, &f.q, &c, 0, 1, done, NULL, 0), -EINVAL);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_optional_commands_refused_without_oncs)
{
	struct nvd_dsm_range r = { .length = 1 };
	uint8_t *buf = nvd_dma_alloc(&f.c, 4096);

	f.c.id.oncs = 0;
	ck_assert_int_eq(nvd_ns_write_zeroes(&f.ns, &f.q, 0, 1, done, NULL, 0), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Write Zeroes (ONCS bit 3"));
	ck_assert_int_eq(nvd_ns_deallocate(&f.ns, &f.q, &r, 1, done, NULL), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Dataset Management (ONCS bit 2"));
	ck_assert_int_eq(nvd_ns_compare(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Compare (ONCS bit 0"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	/* no namespace is a bad argument, not a missing feature */
	ck_assert_int_eq(nvd_ns_write_zeroes(NULL, &f.q, 0, 1, done, NULL, 0), -EINVAL);
	ck_assert_int_eq(nvd_ns_deallocate(NULL, &f.q, &r, 1, done, NULL), -EINVAL);
	ck_assert_int_eq(nvd_ns_compare(NULL, &f.q, buf, 0, 1, done, NULL, 0), -EINVAL);
	/* Flush is mandatory */
	ck_assert_int_eq(nvd_ns_flush(&f.ns, &f.q, done, NULL), 0);
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_every_command_refuses_a_namespace_with_metadata)
{
	struct fake_opts o = { .ms = 8 };
	struct nvd_dsm_range r = { .length = 1 };
	struct nvd_io_cmd raw = { .opc = NVME_CMD_READ, .nsid = 1 };
	uint8_t *buf;

	fake_ctrlr_teardown(&f);
	setup_with(&o);
	f.c.ns = &f.ns;
	f.c.num_ns = 1;
	buf = nvd_dma_alloc(&f.c, 4096);
	ck_assert_int_eq(nvd_ns_write_zeroes(&f.ns, &f.q, 0, 1, done, NULL, 0), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "namespace 1: write zeroes needs a format without metadata (this one has 8 bytes per LBA)"));
	ck_assert_int_eq(nvd_ns_deallocate(&f.ns, &f.q, &r, 1, done, NULL), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "8 bytes per LBA"));
	ck_assert_int_eq(nvd_ns_flush(&f.ns, &f.q, done, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_ns_compare(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_ns_read(&f.ns, &f.q, buf, 0, 1, done, NULL, 0), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_ctrlr_cmd_io_raw(&f.c, &f.q, &raw, buf, 512, done, NULL), -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "namespace 1: raw I/O"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	f.c.ns = NULL;
	f.c.num_ns = 0;
	nvd_dma_free(&f.c, buf);
}
END_TEST

START_TEST(test_raw_io_passes_dwords_and_refuses_beyond_mdts)
{
	uint8_t *buf = nvd_dma_alloc(&f.c, 256 * 1024);
	struct nvd_io_cmd raw = {
		.opc = 0x80, .nsid = 1, .cdw2 = 2, .cdw3 = 3, .cdw10 = 10, .cdw11 = 11,
		.cdw12 = 12, .cdw13 = 13, .cdw14 = 14, .cdw15 = 15,
	};
	struct nvme_cmd c;
	uint64_t bus;

	ck_assert_int_eq(nvd_ctrlr_cmd_io_raw(&f.c, &f.q, &raw, buf, 128 * 1024 + 512, done,
					      NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "transfer limit of 131072 bytes"));
	ck_assert_uint_eq(fake_pending(&f), 0);
	ck_assert_int_eq(nvd_ctrlr_cmd_io_raw(&f.c, &f.q, &raw, buf, 8192, done, NULL), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.opc, 0x80);
	ck_assert_uint_eq(c.nsid, 1);
	ck_assert_uint_eq(c.cdw2, 2);
	ck_assert_uint_eq(c.cdw3, 3);
	ck_assert_uint_eq(c.cdw10, 10);
	ck_assert_uint_eq(c.cdw13, 13);
	ck_assert_uint_eq(c.cdw15, 15);
	ck_assert_int_eq(nvd__dma_pool_vtophys(&f.c.dma, buf, &bus), 0);
	ck_assert_uint_eq(c.prp1, bus);
	ck_assert_uint_eq(c.prp2, bus + 4096);
	/* no data */
	ck_assert_int_eq(nvd_ctrlr_cmd_io_raw(&f.c, &f.q, &raw, NULL, 0, done, NULL), 0);
	fake_complete_next(&f, 0, &c);
	ck_assert_uint_eq(c.prp1, 0);
	ck_assert_int_eq(nvd_qpair_process_completions(&f.q, 0), 2);
	ck_assert_int_eq(ndone, 2);
	/* not DMA memory */
	ck_assert_int_eq(nvd_ctrlr_cmd_io_raw(&f.c, &f.q, &raw, &c, 64, done, NULL), -EINVAL);
	nvd_dma_free(&f.c, buf);
}
END_TEST

static Suite *ns_cmd_suite(void)
{
	Suite *s = suite_create("ns_cmd");
	TCase *tc = tcase_create("cmds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_zeroes_encoding_and_split_at_65536);
	tcase_add_test(tc, test_dsm_copies_ranges_into_a_dma_page);
	tcase_add_test(tc, test_dsm_arguments_are_checked);
	tcase_add_test(tc, test_flush_has_nsid_and_no_data);
	tcase_add_test(tc, test_compare_encoding_and_compare_failure_status);
	tcase_add_test(tc, test_optional_commands_refused_without_oncs);
	tcase_add_test(tc, test_every_command_refuses_a_namespace_with_metadata);
	tcase_add_test(tc, test_raw_io_passes_dwords_and_refuses_beyond_mdts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ns_cmd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
