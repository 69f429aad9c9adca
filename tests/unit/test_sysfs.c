// SPDX-License-Identifier: MIT
/* PCI addresses and the list of bound functions (sysfs.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctrlr.h"
#include "pcie/sysfs.h"

static char dir[64];

static void touch(const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
}

static void setup(void)
{
	strcpy(dir, "/tmp/nvd-sysfs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_missing_driver_dir_means_none_bound)
{
	char bdfs[4][NVD_BDF_LEN];

	ck_assert_int_eq(nvd__list_bound_in("/nonexistent/sys/bus/pci/drivers/nvdirect", bdfs, 4), 0);
	/* the public call on this host: none bound unless the module is loaded */
	if (access("/sys/bus/pci/drivers/nvdirect", F_OK) != 0)
		ck_assert_int_eq(nvd_list_bound(bdfs, 4), 0);
	else
		ck_assert_int_ge(nvd_list_bound(bdfs, 4), 0);
}
END_TEST

START_TEST(test_lists_only_bdfs_sorted)
{
	char bdfs[8][NVD_BDF_LEN];

	touch("0000:00:04.0");
	touch("bind");
	touch("unbind");
	touch("new_id");
	touch("module");
	touch("0000:00:03.0");
	touch("0001:3a:00.1");
	ck_assert_int_eq(nvd__list_bound_in(dir, bdfs, 8), 3);
	ck_assert_str_eq(bdfs[0], "0000:00:03.0");
	ck_assert_str_eq(bdfs[1], "0000:00:04.0");
	ck_assert_str_eq(bdfs[2], "0001:3a:00.1");
}
END_TEST

START_TEST(test_count_exceeds_max)
{
	char bdfs[1][NVD_BDF_LEN];

	touch("0000:00:04.0");
	touch("0000:00:03.0");
	ck_assert_int_eq(nvd__list_bound_in(dir, bdfs, 1), 2);
	ck_assert_str_eq(bdfs[0], "0000:00:03.0");
	ck_assert_int_eq(nvd__list_bound_in(dir, NULL, 0), 2);
	ck_assert_int_eq(nvd_list_bound(NULL, 1), -EINVAL);
}
END_TEST

START_TEST(test_bdf_normalize)
{
	char out[NVD_BDF_LEN];

	ck_assert_int_eq(nvd__bdf_normalize("0000:00:03.0", out), 0);
	ck_assert_str_eq(out, "0000:00:03.0");
	ck_assert_int_eq(nvd__bdf_normalize("00:03.0", out), 0);
	ck_assert_str_eq(out, "0000:00:03.0");
	ck_assert_int_eq(nvd__bdf_normalize("0000:3A:1f.7", out), 0);
	ck_assert_str_eq(out, "0000:3a:1f.7");
	ck_assert_int_eq(nvd__bdf_normalize("", out), -EINVAL);
	ck_assert_int_eq(nvd__bdf_normalize("zz", out), -EINVAL);
	ck_assert_int_eq(nvd__bdf_normalize("0000:00:20.0", out), -EINVAL);	/* device > 1f */
	ck_assert_int_eq(nvd__bdf_normalize("0000:00:03.8", out), -EINVAL);	/* function > 7 */
	ck_assert_int_eq(nvd__bdf_normalize("0000:00:03.0x", out), -EINVAL);
	ck_assert_int_eq(nvd__bdf_normalize(" 0000:00:03.0", out), -EINVAL);
	ck_assert_int_eq(nvd__bdf_normalize("0x00:00:03.0", out), -EINVAL);
	ck_assert_int_eq(nvd__bdf_normalize(NULL, out), -EINVAL);
}
END_TEST

START_TEST(test_attach_rejects_malformed_address)
{
	struct nvd_ctrlr *c = NULL;

	ck_assert_int_eq(nvd_ctrlr_attach("not-a-bdf", NULL, &c), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(nvd_last_error(), "'not-a-bdf' is not a PCI address"));
}
END_TEST

static Suite *sysfs_suite(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_driver_dir_means_none_bound);
	tcase_add_test(tc, test_lists_only_bdfs_sorted);
	tcase_add_test(tc, test_count_exceeds_max);
	tcase_add_test(tc, test_bdf_normalize);
	tcase_add_test(tc, test_attach_rejects_malformed_address);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sysfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
