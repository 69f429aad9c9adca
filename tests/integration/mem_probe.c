/* SPDX-License-Identifier: MIT */
/*
 * nvd_mem_probe: registered memory through the library, the way a careless
 * program would use it.  Prints "ok: ..." per check and exits non-zero on
 * the first wrong answer.
 *
 *   reuse BDF   register a heap buffer, write from it, unregister it, and
 *               check that the library refuses it from then on, with words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvdirect.h"

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, " (%s)\n", nvd_last_error());      \
			exit(1);                                           \
		}                                                          \
		printf("ok: ");                                            \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
	} while (0)

static long pinned_bytes(struct nvd_ctrlr *c)
{
	char path[128], buf[32] = "";
	const char *dev = strrchr(nvd_ctrlr_get_devpath(c), '/') + 1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/nvdirect/%s/pinned_bytes", dev);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		fprintf(stderr, "FAIL: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	return strtol(buf, NULL, 0);
}

static void done_cb(void *arg, const struct nvd_cpl *cpl)
{
	*(int *)arg = nvd_cpl_is_error(cpl) ? -EIO : 1;
}

static int write_sync(struct nvd_ns *ns, struct nvd_qpair *qp, void *buf, uint32_t n)
{
	time_t deadline = time(NULL) + 30;
	int done = 0, rc;

	rc = nvd_ns_write(ns, qp, buf, 0, n, done_cb, &done, 0);
	if (rc)
		return rc;
	while (!done && time(NULL) < deadline)
		if ((rc = nvd_qpair_process_completions(qp, 0)) < 0)
			return rc;
	return done == 1 ? 0 : done ? done : -ETIMEDOUT;
}

static int cmd_reuse(const char *bdf)
{
	struct nvd_ctrlr *c;
	struct nvd_qpair *qp;
	struct nvd_ns *ns;
	uint8_t *heap = malloc(3 * 4096), *buf = heap + 100;
	uint32_t n;

	CHECK(nvd_ctrlr_attach(bdf, NULL, &c) == 0, "attach %s", bdf);
	ns = nvd_ctrlr_get_ns(c, nvd_ctrlr_first_ns(c));
	CHECK(ns && nvd_ctrlr_alloc_io_qpair(c, 0, &qp) == 0, "namespace and queue");
	n = 4096 / nvd_ns_get_sector_size(ns);
	memset(heap, 0x5a, 3 * 4096);

	CHECK(nvd_ns_write(ns, qp, buf, 0, n, done_cb, NULL, 0) == -EINVAL,
	      "a heap buffer never registered is refused");
	CHECK(nvd_mem_register(c, buf, 4096) == 0, "register 4096 bytes at %p", (void *)buf);
	CHECK(pinned_bytes(c) == 2 * 4096, "pinned_bytes %ld: the two pages holding them",
	      pinned_bytes(c));
	CHECK(write_sync(ns, qp, buf, n) == 0, "write from the registered buffer");
	CHECK(nvd_mem_unregister(c, buf) == 0, "unregister");
	CHECK(pinned_bytes(c) == 0, "pinned_bytes back to 0");
	CHECK(nvd_ns_write(ns, qp, buf, 0, n, done_cb, NULL, 0) == -EINVAL,
	      "a write from the unregistered buffer is refused");
	CHECK(strstr(nvd_last_error(), "nvd_mem_register") != NULL, "with words: %s",
	      nvd_last_error());
	CHECK(nvd_ns_read(ns, qp, buf, 0, n, done_cb, NULL, 0) == -EINVAL,
	      "so is a read into it");
	CHECK(nvd_qpair_outstanding(qp) == 0, "nothing was sent");
	CHECK(nvd_mem_unregister(c, buf) == -EINVAL, "unregistering twice is EINVAL");
	CHECK(strstr(nvd_last_error(), "not registered") != NULL, "with words: %s",
	      nvd_last_error());
	/* registering again works: the refusal was about the registration */
	CHECK(nvd_mem_register(c, buf, 4096) == 0, "register again");
	CHECK(write_sync(ns, qp, buf, n) == 0, "write again");
	CHECK(nvd_mem_unregister(c, buf) == 0, "unregister again");
	nvd_ctrlr_free_io_qpair(qp);
	nvd_ctrlr_detach(c);
	free(heap);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "reuse"))
		return cmd_reuse(argv[2]);
	fprintf(stderr, "usage: nvd_mem_probe reuse BDF\n");
	return 2;
}
