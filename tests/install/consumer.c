// SPDX-License-Identifier: MIT
/*
 * A program built the way an application would build against the installed
 * library (pkg-config, shared or static, or find_package), run by
 * consumer.sh.  It needs no device: it checks that the library it runs with
 * is the one its headers describe, and that the calls a program makes first
 * come back with the documented negative errno and words.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nvdirect.h>
#include <nvdirect/nvme_spec.h>

#define STR2(x) #x
#define STR(x) STR2(x)

static int expect_attach(const char *bdf, int want, const char *words)
{
	struct nvd_ctrlr *c = NULL;
	int err = nvd_ctrlr_attach(bdf, NULL, &c);

	if (err != want || c || !strstr(nvd_last_error(), words)) {
		fprintf(stderr, "consumer: attach %s gave %d (%s: %s), want %d and \"%s\"\n", bdf,
			err, nvd_strerror(err), nvd_last_error(), want, words);
		return 1;
	}
	printf("attach %s: %s: %s\n", bdf, nvd_strerror(err), nvd_last_error());
	return 0;
}

int main(void)
{
	const char *want = STR(NVD_VERSION_MAJOR) "." STR(NVD_VERSION_MINOR) "." STR(NVD_VERSION_PATCH);
	int bad = 0;

	if (strcmp(nvd_version(), want) || strcmp(NVD_VERSION_STRING, want)) {
		fprintf(stderr, "consumer: nvd_version() is %s, headers say %s and %s\n",
			nvd_version(), NVD_VERSION_STRING, want);
		return 1;
	}
	printf("nvd_version %s\n", nvd_version());
	if (sizeof(struct nvd_id_ctrl) != NVD_IDENTIFY_SIZE) {
		fprintf(stderr, "consumer: struct nvd_id_ctrl is %zu bytes\n", sizeof(struct nvd_id_ctrl));
		return 1;
	}
	bad |= expect_attach("not-a-bdf", -EINVAL, "is not a PCI address");
	bad |= expect_attach("ffff:ff:1f.7", -ENODEV, "there is no PCI function");
	return bad;
}
