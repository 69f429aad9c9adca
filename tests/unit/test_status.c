// SPDX-License-Identifier: MIT
/* NVMe status and errno words (status.c, error.c). */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <nvdirect.h>

START_TEST(test_generic_status_strings)
{
	ck_assert_str_eq(nvd_status_str(0x0, 0x00), "Successful Completion (sct 0x0 sc 0x0)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x02), "Invalid Field in Command (sct 0x0 sc 0x2)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x08), "Command Aborted due to SQ Deletion (sct 0x0 sc 0x8)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x13), "PRP Offset Invalid (sct 0x0 sc 0x13)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x24), "Admin Command Media Not Ready (sct 0x0 sc 0x24)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x80), "LBA Out of Range (sct 0x0 sc 0x80)");
	ck_assert_str_eq(nvd_status_str(0x0, 0x84), "Format In Progress (sct 0x0 sc 0x84)");
}
END_TEST

START_TEST(test_every_generic_code_up_to_24h_has_a_name)
{
	unsigned sc;

	for (sc = 0; sc <= 0x24; sc++) {
		if (sc == 0x17)
			continue;	/* reserved */
		ck_assert_msg(strncmp(nvd_status_str(0, sc), "Unknown", 7) != 0,
			      "generic status 0x%x has no name", sc);
	}
}
END_TEST

START_TEST(test_command_specific_and_media_strings)
{
	ck_assert_str_eq(nvd_status_str(0x1, 0x00), "Completion Queue Invalid (sct 0x1 sc 0x0)");
	ck_assert_str_eq(nvd_status_str(0x1, 0x01), "Invalid Queue Identifier (sct 0x1 sc 0x1)");
	ck_assert_str_eq(nvd_status_str(0x1, 0x02), "Invalid Queue Size (sct 0x1 sc 0x2)");
	ck_assert_str_eq(nvd_status_str(0x1, 0x0c), "Invalid Queue Deletion (sct 0x1 sc 0xc)");
	ck_assert_str_eq(nvd_status_str(0x1, 0x82), "Attempted Write to Read Only Range (sct 0x1 sc 0x82)");
	ck_assert_str_eq(nvd_status_str(0x2, 0x81), "Unrecovered Read Error (sct 0x2 sc 0x81)");
	ck_assert_str_eq(nvd_status_str(0x2, 0x85), "Compare Failure (sct 0x2 sc 0x85)");
	ck_assert_str_eq(nvd_status_str(0x3, 0x71), "Command Aborted By Host (sct 0x3 sc 0x71)");
}
END_TEST

START_TEST(test_unknown_and_vendor_status)
{
	ck_assert_str_eq(nvd_status_str(0x0, 0x7f), "Unknown status (sct 0x0 sc 0x7f)");
	ck_assert_str_eq(nvd_status_str(0x2, 0x00), "Unknown status (sct 0x2 sc 0x0)");
	ck_assert_str_eq(nvd_status_str(0x5, 0x01), "Unknown status (sct 0x5 sc 0x1)");
	ck_assert_str_eq(nvd_status_str(0x7, 0xc3), "Vendor Specific (sct 0x7 sc 0xc3)");
}
END_TEST

START_TEST(test_cpl_status_decodes_the_status_word)
{
	/* phase 1, SC 80h, SCT 0, DNR */
	struct nvd_cpl c = { .status = (1u << 15) | (0x80 << 1) | 1 };

	ck_assert_uint_eq(nvd_cpl_sc(&c), 0x80);
	ck_assert_uint_eq(nvd_cpl_sct(&c), 0);
	ck_assert(nvd_cpl_is_error(&c));
	ck_assert_str_eq(nvd_cpl_status_str(&c), "LBA Out of Range (sct 0x0 sc 0x80)");
	c.status = 1;			/* success, phase set */
	ck_assert(!nvd_cpl_is_error(&c));
	c.status = (2u << 9) | (0x81 << 1);
	ck_assert_str_eq(nvd_cpl_status_str(&c), "Unrecovered Read Error (sct 0x2 sc 0x81)");
}
END_TEST

START_TEST(test_strerror_has_driver_words)
{
	ck_assert_str_eq(nvd_strerror(-ENXIO), "controller is gone");
	ck_assert_str_eq(nvd_strerror(-EBUSY), "controller is in use by another process");
	ck_assert_str_eq(nvd_strerror(-EPERM), "needs CAP_SYS_RAWIO (run as root)");
	ck_assert_str_eq(nvd_strerror(-EACCES), "no read and write permission on the device file");
	ck_assert_str_eq(nvd_strerror(-ENOENT), "not bound to nvdirect");
	ck_assert_ptr_nonnull(strstr(nvd_strerror(-ETIMEDOUT), "in time"));
	/* positive values work too, and unknown ones fall back to libc */
	ck_assert_str_eq(nvd_strerror(ENXIO), "controller is gone");
	ck_assert_str_eq(nvd_strerror(-EROFS), "Read-only file system");
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("strings");

	tcase_add_test(tc, test_generic_status_strings);
	tcase_add_test(tc, test_every_generic_code_up_to_24h_has_a_name);
	tcase_add_test(tc, test_command_specific_and_media_strings);
	tcase_add_test(tc, test_unknown_and_vendor_status);
	tcase_add_test(tc, test_cpl_status_decodes_the_status_word);
	tcase_add_test(tc, test_strerror_has_driver_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(status_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
