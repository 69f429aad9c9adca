// SPDX-License-Identifier: MIT
/*
 * Logs, features, format and raw admin passthrough against the fake
 * controller's admin thread: what goes into the SQE, what comes back,
 * and which bad arguments are refused before anything is sent.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ns.h"
#include "fake.h"

static struct fake_ctrlr f;
static struct fake_admin a;

static void setup(void)
{
	fake_ctrlr_setup(&f, NULL);
	/* two formats: 512 B and 4 KiB */
	f.ns.id.nlbaf = 1;
	f.ns.id.lbaf[1].lbads = 12;
	fake_admin_start(&f, &a);
}

static void teardown(void)
{
	fake_admin_stop(&f, &a);
	fake_ctrlr_teardown(&f);
}

static unsigned ncmds(void)
{
	return __atomic_load_n(&a.ncmds, __ATOMIC_ACQUIRE);
}

START_TEST(test_smart_log_is_log_02h_for_the_whole_controller)
{
	struct nvd_smart_log log;

	ck_assert_int_eq(nvd_ctrlr_get_smart_log(&f.c, 0, &log), 0);
	ck_assert_uint_eq(a.last.opc, NVME_ADM_GET_LOG_PAGE);
	ck_assert_uint_eq(a.last.nsid, NVD_NSID_ALL);
	ck_assert_uint_eq(a.last.cdw10, 0x02 | (127u << 16));	/* 128 dwords, 0-based */
	ck_assert_uint_eq(log.temperature[0] | log.temperature[1] << 8, 323);
	ck_assert_uint_eq(log.avail_spare, 100);
	ck_assert_uint_eq(log.power_cycles[0], 5);
	ck_assert_uint_eq(log.temp_sensor[0], 300);
}
END_TEST

START_TEST(test_error_log_fetches_elpe_plus_one_entries)
{
	struct nvd_error_log_entry e[64];

	ck_assert_int_eq(nvd_ctrlr_get_error_log(&f.c, e, 64), 4);
	ck_assert_uint_eq(a.last.cdw10, 0x01 | (63u << 16));	/* 4 x 64 bytes */
	ck_assert_uint_eq(e[0].error_count, 4);
	ck_assert_uint_eq(e[3].lba, 1003);
	ck_assert_uint_eq(e[1].cmdid, 0x11);
	/* fewer when the caller has less room */
	ck_assert_int_eq(nvd_ctrlr_get_error_log(&f.c, e, 2), 2);
	ck_assert_uint_eq(a.last.cdw10, 0x01 | (31u << 16));
}
END_TEST

START_TEST(test_fw_slot_log_names_the_active_slot)
{
	struct nvd_fw_slot_log fw;

	ck_assert_int_eq(nvd_ctrlr_get_fw_slot_log(&f.c, &fw), 0);
	ck_assert_uint_eq(a.last.cdw10 & 0xff, NVD_LOG_FW_SLOT);
	ck_assert_uint_eq(fw.afi & 7, 1);
	ck_assert_int_eq(memcmp(fw.frs[0], "1.0", 3), 0);
}
END_TEST

START_TEST(test_long_log_page_is_read_in_pieces_at_offsets)
{
	uint8_t *buf = malloc(10000);
	unsigned before = ncmds();
	size_t i;

	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 0xc0, 0, buf, 10000, 400), 0);
	ck_assert_uint_eq(ncmds() - before, 3);			/* 4096 + 4096 + 1808 */
	ck_assert_uint_eq(a.last.cdw12, 400 + 8192);		/* LPOL of the last piece */
	ck_assert_uint_eq(a.last.cdw10 >> 16, 1808 / 4 - 1);
	for (i = 0; i < 10000; i++)
		ck_assert_uint_eq(buf[i], (uint8_t)((400 + i) / 4));
	free(buf);
}
END_TEST

START_TEST(test_log_page_refuses_length_not_dwords)
{
	uint8_t buf[8];
	unsigned before = ncmds();

	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 2, 0, buf, 6, 0), -EINVAL);
	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 2, 0, buf, 8, 2), -EINVAL);
	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 2, 0, buf, 0, 0), -EINVAL);
	ck_assert_uint_eq(ncmds(), before);
}
END_TEST

START_TEST(test_log_page_offsets_need_lpa_extended_data)
{
	uint8_t *buf = malloc(8192);
	unsigned before = ncmds();

	f.c.id.lpa &= (uint8_t)~0x4;
	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 0xc0, 0, buf, 512, 512), -EOPNOTSUPP);
	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 0xc0, 0, buf, 8192, 0), -EOPNOTSUPP);
	ck_assert_uint_eq(ncmds(), before);
	ck_assert_int_eq(nvd_ctrlr_get_log_page(&f.c, 0xc0, 0, buf, 4096, 0), 0);
	free(buf);
}
END_TEST

START_TEST(test_set_then_get_feature_round_trips)
{
	uint32_t v = 0;

	ck_assert_int_eq(nvd_ctrlr_set_feature(&f.c, 0x04, 0, 350, 0, 0, NULL, 0, &v), 0);
	ck_assert_uint_eq(a.last.cdw10, 0x04);
	ck_assert_uint_eq(a.last.cdw11, 350);
	ck_assert_int_eq(nvd_ctrlr_set_feature(&f.c, 0x04, 0, 351, 0, 1, NULL, 0, &v), 0);
	ck_assert_uint_eq(a.last.cdw10, 0x04 | (1u << 31));	/* SV */
	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, NVD_FEAT_SEL_CURRENT, 0, 0, NULL, 0, &v), 0);
	ck_assert_uint_eq(v, 351);
	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, NVD_FEAT_SEL_SUPPORTED, 0, 0, NULL, 0, &v), 0);
	ck_assert_uint_eq(a.last.cdw10, 0x04 | (3u << 8));
	ck_assert_uint_eq(v, 5);
}
END_TEST

START_TEST(test_unknown_feature_fails_with_its_status)
{
	uint32_t v = 0;

	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0xff, 0, 0, 0, NULL, 0, &v), -EIO);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "Invalid Field"));
}
END_TEST

START_TEST(test_bad_feature_arguments_send_nothing)
{
	unsigned before = ncmds();
	uint32_t v;

	ck_assert_int_eq(nvd_ctrlr_get_feature(&f.c, 0x04, 4, 0, 0, NULL, 0, &v), -EINVAL);
	ck_assert_int_eq(nvd_ctrlr_set_feature(&f.c, NVME_FEAT_NUM_QUEUES, 0, 0, 0, 0, NULL, 0, &v),
			 -EINVAL);
	ck_assert_uint_eq(ncmds(), before);
}
END_TEST

START_TEST(test_format_changes_the_cached_geometry)
{
	struct nvd_format_opts o;
	struct nvd_ns *ns = nvd_ctrlr_get_ns(&f.c, 1);

	ck_assert_uint_eq(nvd_ns_get_sector_size(ns), 512);
	nvd_format_opts_init(&o);
	o.lbaf = 1;
	o.ses = 1;
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 1, &o), 0);
	ck_assert_uint_eq(a.last.opc, NVME_ADM_IDENTIFY);	/* re-read afterwards */
	ck_assert_uint_eq(nvd_ns_get_sector_size(ns), 4096);
	ck_assert_uint_eq(nvd_ns_get_num_sectors(ns), 125);
	ck_assert_uint_eq(nvd_flbas_index(((const struct nvd_id_ns *)nvd_ns_identify_data(ns))->flbas), 1);
}
END_TEST

START_TEST(test_format_sends_lbaf_and_ses_in_cdw10)
{
	struct nvd_format_opts o;
	struct nvme_cmd seen;
	unsigned before = ncmds();

	nvd_format_opts_init(&o);
	o.lbaf = 1;
	o.ses = 2;
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 1, &o), 0);
	ck_assert_uint_eq(ncmds() - before, 2);			/* format, then identify */
	seen = a.last_format;
	ck_assert_uint_eq(seen.opc, NVME_ADM_FORMAT_NVM);
	ck_assert_uint_eq(seen.nsid, 1);
	ck_assert_uint_eq(seen.cdw10, 1 | (2u << 9));		/* LBAF 1, SES 2 */
	o.lbaf = 0;
	o.ses = 0;
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 1, &o), 0);
	ck_assert_uint_eq(nvd_ns_get_sector_size(nvd_ctrlr_get_ns(&f.c, 1)), 512);
}
END_TEST

START_TEST(test_format_refuses_what_the_namespace_lacks)
{
	struct nvd_format_opts o;
	unsigned before = ncmds();

	nvd_format_opts_init(&o);
	o.lbaf = 2;					/* nlbaf is 1 */
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 1, &o), -EINVAL);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "LBA format 2"));
	o.lbaf = 0;
	o.ses = 3;
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 1, &o), -EINVAL);
	o.ses = 0;
	ck_assert_int_eq(nvd_ctrlr_format(&f.c, 7, &o), -EINVAL);	/* no namespace 7 */
	ck_assert_uint_eq(ncmds(), before);
}
END_TEST

START_TEST(test_raw_admin_copies_data_and_returns_completion)
{
	struct nvd_admin_cmd cmd = { .opc = NVME_ADM_IDENTIFY, .cdw10 = NVD_CNS_CTRLR };
	uint8_t *buf = calloc(1, 4096);
	struct nvd_cpl cpl;

	ck_assert_int_eq(nvd_ctrlr_cmd_admin_raw(&f.c, &cmd, buf, 4096, &cpl), 0);
	ck_assert_int_eq(memcmp(buf + 4, "FAKE0001", 8), 0);
	cmd.opc = 0x7f;					/* unknown to the fake */
	ck_assert_int_eq(nvd_ctrlr_cmd_admin_raw(&f.c, &cmd, NULL, 0, &cpl), -EIO);
	ck_assert_uint_eq(nvd_cpl_sc(&cpl), 0x01);
	free(buf);
}
END_TEST

START_TEST(test_raw_admin_refuses_queue_commands_and_big_buffers)
{
	struct nvd_admin_cmd cmd = { .opc = NVME_ADM_CREATE_SQ };
	unsigned before = ncmds();
	static uint8_t big[3 * 4096];

	ck_assert_int_eq(nvd_ctrlr_cmd_admin_raw(&f.c, &cmd, NULL, 0, NULL), -EINVAL);
	cmd.opc = NVME_ADM_AER;
	ck_assert_int_eq(nvd_ctrlr_cmd_admin_raw(&f.c, &cmd, NULL, 0, NULL), -EINVAL);
	cmd.opc = NVME_ADM_IDENTIFY;
	ck_assert_int_eq(nvd_ctrlr_cmd_admin_raw(&f.c, &cmd, big, sizeof(big), NULL), -EINVAL);
	ck_assert_uint_eq(ncmds(), before);
}
END_TEST

START_TEST(test_ns_descs_is_identify_cns_03h)
{
	uint8_t *buf = calloc(1, 4096);

	ck_assert_int_eq(nvd_ctrlr_identify_ns_descs(&f.c, 1, buf), 0);
	ck_assert_uint_eq(a.last.cdw10, NVD_CNS_NS_DESCS);
	ck_assert_uint_eq(a.last.nsid, 1);
	ck_assert_uint_eq(buf[0], 3);
	ck_assert_uint_eq(buf[1], 16);
	ck_assert_uint_eq(buf[4], 0xab);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_smart_log_is_log_02h_for_the_whole_controller);
	tcase_add_test(tc, test_error_log_fetches_elpe_plus_one_entries);
	tcase_add_test(tc, test_fw_slot_log_names_the_active_slot);
	tcase_add_test(tc, test_long_log_page_is_read_in_pieces_at_offsets);
	tcase_add_test(tc, test_log_page_refuses_length_not_dwords);
	tcase_add_test(tc, test_log_page_offsets_need_lpa_extended_data);
	tcase_add_test(tc, test_set_then_get_feature_round_trips);
	tcase_add_test(tc, test_unknown_feature_fails_with_its_status);
	tcase_add_test(tc, test_bad_feature_arguments_send_nothing);
	tcase_add_test(tc, test_format_changes_the_cached_geometry);
	tcase_add_test(tc, test_format_sends_lbaf_and_ses_in_cdw10);
	tcase_add_test(tc, test_format_refuses_what_the_namespace_lacks);
	tcase_add_test(tc, test_raw_admin_copies_data_and_returns_completion);
	tcase_add_test(tc, test_raw_admin_refuses_queue_commands_and_big_buffers);
	tcase_add_test(tc, test_ns_descs_is_identify_cns_03h);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
