// SPDX-License-Identifier: MIT
/*
 * nvd_bench_ipo: the library's submit + complete path in a loop against the
 * in-memory fake controller of the unit tests (tests/unit/fake.c), so that
 * scripts/bench-ipo.sh can count the instructions it executes per I/O with
 * callgrind.  The fake's own work (posting completions) happens outside the
 * two library calls that are counted: nvd_ns_read() and
 * nvd_qpair_process_completions().
 *
 * Usage: nvd_bench_ipo [IOS [DEPTH [MODE]]]   (default 100000 I/Os at depth 1)
 *   MODE plain (default): one SQ doorbell register write per command
 *        delay: NVD_CTRLR_DELAY_CMD_SUBMIT, one SQ doorbell per batch
 *        shadow: shadow doorbells; the fake's EventIdx asks for a register
 *                write once per batch, as QEMU's does
 *
 * The fake asserts with Check, so the loop runs as a Check test, unforked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

#define QSIZE		64
#define IO_BYTES	4096

static unsigned long completed, ios = 100000;
static unsigned depth = 1;
static const char *mode = "plain";

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	(void)arg;
	if (nvd_cpl_is_error(cpl))
		abort();
	completed++;
}

static unsigned long parse(const char *s, unsigned long lo, unsigned long hi, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "nvd_bench_ipo: %s '%s' is not a number from %lu to %lu\n", what, s,
			lo, hi);
		exit(2);
	}
	return v;
}

START_TEST(bench_reads)
{
	struct fake_opts o = {
		.qsize = QSIZE,
		.nsze = 1u << 20,
		.ctrlr_flags = strcmp(mode, "delay") ? 0 : NVD_CTRLR_DELAY_CMD_SUBMIT,
		.dbbuf = strcmp(mode, "shadow") == 0,
	};
	struct fake_ctrlr f;
	uint32_t lbas;
	unsigned long i;
	uint8_t *buf;

	fake_ctrlr_setup(&f, &o);
	lbas = IO_BYTES / nvd_ns_get_sector_size(&f.ns);
	buf = nvd_dma_alloc(&f.c, (size_t)IO_BYTES * depth);
	ck_assert_ptr_nonnull(buf);

	for (i = 0; i < ios; i += depth) {
		unsigned n = ios - i < depth ? (unsigned)(ios - i) : depth, k;

		for (k = 0; k < n; k++) {
			uint64_t lba = ((i + k) * lbas) % (nvd_ns_get_num_sectors(&f.ns) - lbas);
			int rc = nvd_ns_read(&f.ns, &f.q, buf + (size_t)k * IO_BYTES, lba, lbas,
					     io_done, NULL, 0);

			if (rc)
				ck_abort_msg("nvd_ns_read: %d", rc);
		}
		/* the "device": complete the n newest entries of the SQ */
		for (k = 0; k < n; k++) {
			uint32_t slot = (f.q.sq.tail + f.q.sq.size - n + k) % f.q.sq.size;

			fake_complete(&f, ((struct nvme_cmd *)f.q.sq_mem)[slot].cid, 0);
		}
		if (o.dbbuf)	/* the controller saw everything up to the tail */
			fake_set_eventidx(&f, f.q.sq.tail, f.q.cq.head);
		if (nvd_qpair_process_completions(&f.q, 0) != (int)n)
			ck_abort_msg("process_completions did not reap %u", n);
	}
	nvd_dma_free(&f.c, buf);
	fake_ctrlr_teardown(&f);
	ck_assert_uint_eq(completed, ios);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("ipo");
	SRunner *sr;
	int failed;

	if (argc > 1)
		ios = parse(argv[1], 1, 1ul << 30, "IOS");
	if (argc > 2)
		depth = (unsigned)parse(argv[2], 1, QSIZE - 1, "DEPTH");
	if (argc > 3) {
		mode = argv[3];
		if (strcmp(mode, "plain") && strcmp(mode, "delay") && strcmp(mode, "shadow")) {
			fprintf(stderr, "nvd_bench_ipo: MODE '%s' is not plain, delay or shadow\n", mode);
			return 2;
		}
	}

	tcase_add_test(tc, bench_reads);
	tcase_set_timeout(tc, 0);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return 1;
	printf("nvd_bench_ipo: %lu reads of %u bytes at depth %u (%s) completed\n", completed,
	       IO_BYTES, depth, mode);
	return 0;
}
