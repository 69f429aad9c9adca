/* SPDX-License-Identifier: MIT */
/*
 * nvd_reset_io: controller reset during heavy I/O (issue "Reliability").
 *
 *   nvd_reset_io BDF [RESETS [QD]]
 *
 * Writes a known pattern to region A (the first 256 KiB of the first
 * namespace) and verifies it; then keeps QD random 4 KiB writes in flight
 * over region B (the 16 MiB after A) and calls nvd_ctrlr_reset() RESETS
 * times from the same thread, mid-flight.  Aborted writes are not
 * resubmitted.  Every command must come back exactly once, completed or
 * aborted (sc 07h or 08h): submitted == ok + aborted, nothing else.  Afterwards region A
 * must read back intact and I/O must still work (a write + read-back in
 * region B).  Exits 1 and prints the counts when anything is off.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvdirect.h"

#define IO_BYTES	4096u
#define A_BYTES		(256u * 1024)
#define B_BYTES		(16u * 1024 * 1024)
#define MAX_QD		256

struct slot {
	void *buf;
	int busy;
};

static struct slot slots[MAX_QD];
static uint64_t submitted, ok, aborted, other, aborted_sq_deletion;
static int resets_done;
static uint16_t last_bad_status;

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct slot *s = arg;

	if (!s->busy) {
		fprintf(stderr, "reset_io: a command completed twice\n");
		other++;
	}
	s->busy = 0;
	if (!nvd_cpl_is_error(cpl))
		ok++;
	/* Command Abort Requested, or Aborted due to SQ Deletion */
	else if (nvd_cpl_sct(cpl) == 0 && (nvd_cpl_sc(cpl) == 0x07 || nvd_cpl_sc(cpl) == 0x08)) {
		aborted++;
		aborted_sq_deletion += nvd_cpl_sc(cpl) == 0x08;
	} else {
		other++;
		last_bad_status = cpl->status;
	}
}

static uint64_t mix(uint64_t lba, uint64_t off)
{
	uint64_t x = 0x5eed ^ lba * 0xbf58476d1ce4e5b9ull ^ off * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 29);
}

static void fill(void *buf, uint64_t lba)
{
	uint64_t *w = buf;

	for (uint32_t o = 0; o < IO_BYTES / 8; o++)
		w[o] = mix(lba, o);
}

static int check(const void *buf, uint64_t lba)
{
	const uint64_t *w = buf;

	for (uint32_t o = 0; o < IO_BYTES / 8; o++)
		if (w[o] != mix(lba, o))
			return -1;
	return 0;
}

static uint64_t nvd__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One command at a time, waited for: 0 when it completed successfully. */
static int io_sync(struct nvd_ns *ns, struct nvd_qpair *qp, int write, void *buf, uint64_t lba,
		   uint32_t count)
{
	uint64_t before = ok, deadline = nvd__now_ms() + 10000;
	int rc;

	slots[0].busy = 1;
	submitted++;
	rc = write ? nvd_ns_write(ns, qp, buf, lba, count, io_done, &slots[0], 0) :
		     nvd_ns_read(ns, qp, buf, lba, count, io_done, &slots[0], 0);
	if (rc) {
		submitted--;
		slots[0].busy = 0;
		fprintf(stderr, "reset_io: %s at LBA %llu: %s (%s)\n", write ? "write" : "read",
			(unsigned long long)lba, nvd_strerror(rc), nvd_last_error());
		return -1;
	}
	while (slots[0].busy) {
		if (nvd_qpair_process_completions(qp, 0) < 0 || nvd__now_ms() > deadline) {
			fprintf(stderr, "reset_io: I/O at LBA %llu never completed\n",
				(unsigned long long)lba);
			return -1;
		}
	}
	return ok == before + 1 ? 0 : -1;
}

/* Region A: write the pattern (or verify it) one 4 KiB block at a time. */
static int region_a(struct nvd_ns *ns, struct nvd_qpair *qp, uint32_t per_io, int write)
{
	uint64_t lba;

	for (lba = 0; lba < A_BYTES / nvd_ns_get_sector_size(ns); lba += per_io) {
		if (write)
			fill(slots[0].buf, lba);
		else
			memset(slots[0].buf, 0, IO_BYTES);
		if (io_sync(ns, qp, write, slots[0].buf, lba, per_io))
			return -1;
		if (!write && check(slots[0].buf, lba)) {
			fprintf(stderr, "reset_io: region A differs at LBA %llu\n",
				(unsigned long long)lba);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned resets = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
	unsigned qd = argc > 3 ? (unsigned)atoi(argv[3]) : 48;
	uint64_t rng = 0x123456789abcdefull, next_reset, b_first, b_blocks, reset_ms_max = 0;
	uint64_t ok_at_last_reset = 0;
	struct nvd_ctrlr *ctrlr;
	struct nvd_qpair *qp;
	struct nvd_ns *ns;
	uint32_t lbs, per_io;
	unsigned i;
	int rc, failed = 0;

	if (argc < 2 || qd < 1 || qd > MAX_QD) {
		fprintf(stderr, "usage: nvd_reset_io BDF [RESETS [QD (1..%d)]]\n", MAX_QD);
		return 2;
	}
	rc = nvd_ctrlr_attach(argv[1], NULL, &ctrlr);
	if (rc) {
		fprintf(stderr, "reset_io: attach %s: %s (%s)\n", argv[1], nvd_strerror(rc),
			nvd_last_error());
		return 1;
	}
	ns = nvd_ctrlr_get_ns(ctrlr, nvd_ctrlr_first_ns(ctrlr));
	lbs = ns ? nvd_ns_get_sector_size(ns) : 0;
	if (!ns || lbs > IO_BYTES || nvd_ns_get_size(ns) < A_BYTES + B_BYTES) {
		fprintf(stderr, "reset_io: the first namespace is too small or has %u-byte LBAs\n",
			lbs);
		goto err_detach;
	}
	per_io = IO_BYTES / lbs;
	rc = nvd_ctrlr_alloc_io_qpair(ctrlr, qd + 16, &qp);
	if (rc) {
		fprintf(stderr, "reset_io: qpair: %s (%s)\n", nvd_strerror(rc), nvd_last_error());
		goto err_detach;
	}
	for (i = 0; i < qd; i++) {
		slots[i].buf = nvd_dma_alloc(ctrlr, IO_BYTES);
		if (!slots[i].buf) {
			fprintf(stderr, "reset_io: out of DMA memory\n");
			goto err_free;
		}
	}

	if (region_a(ns, qp, per_io, 1) || region_a(ns, qp, per_io, 0))
		goto err_free;
	printf("region A: %u KiB written and verified\n", A_BYTES / 1024);

	b_first = A_BYTES / lbs;
	b_blocks = B_BYTES / IO_BYTES;
	next_reset = 300;
	/* keep qd writes in flight; reset mid-flight every few hundred completions */
	while (resets_done < (int)resets || ok - ok_at_last_reset < 2000) {
		for (i = 0; i < qd; i++) {
			uint64_t lba;

			if (slots[i].busy)
				continue;
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			lba = b_first + (rng % b_blocks) * per_io;
			slots[i].busy = 1;
			rc = nvd_ns_write(ns, qp, slots[i].buf, lba, per_io, io_done, &slots[i], 0);
			if (rc == -EAGAIN) {
				slots[i].busy = 0;
				break;
			}
			if (rc) {
				fprintf(stderr, "reset_io: write: %s (%s)\n", nvd_strerror(rc),
					nvd_last_error());
				goto err_counts;
			}
			submitted++;
		}
		if (resets_done < (int)resets && ok + aborted >= next_reset &&
		    nvd_qpair_outstanding(qp) >= qd / 2) {
			uint64_t t0 = nvd__now_ms(), in_flight = nvd_qpair_outstanding(qp);
			uint64_t ab0 = aborted, ok0 = ok;

			rc = nvd_ctrlr_reset(ctrlr);
			if (rc) {
				fprintf(stderr, "reset_io: reset %d: %s (%s)\n", resets_done + 1,
					nvd_strerror(rc), nvd_last_error());
				goto err_counts;
			}
			if (nvd__now_ms() - t0 > reset_ms_max)
				reset_ms_max = nvd__now_ms() - t0;
			resets_done++;
			printf("reset %d: %llu in flight -> %llu completed, %llu aborted, %llu ms\n",
			       resets_done, (unsigned long long)in_flight,
			       (unsigned long long)(ok - ok0), (unsigned long long)(aborted - ab0),
			       (unsigned long long)(nvd__now_ms() - t0));
			if (nvd_qpair_outstanding(qp) != 0) {
				fprintf(stderr, "reset_io: %u commands still outstanding after the reset\n",
					nvd_qpair_outstanding(qp));
				goto err_counts;
			}
			next_reset = ok + aborted + 200 + (rng % 400);
			ok_at_last_reset = ok;
		}
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0) {
			fprintf(stderr, "reset_io: completions: %s (%s)\n", nvd_strerror(rc),
				nvd_last_error());
			goto err_counts;
		}
	}
	/* drain */
	while (nvd_qpair_outstanding(qp))
		if (nvd_qpair_process_completions(qp, 0) < 0)
			goto err_counts;

	printf("submitted %llu = completed %llu + aborted %llu (%llu by SQ deletion), other %llu; %d resets, longest %llu ms\n",
	       (unsigned long long)submitted, (unsigned long long)ok, (unsigned long long)aborted,
	       (unsigned long long)aborted_sq_deletion, (unsigned long long)other, resets_done,
	       (unsigned long long)reset_ms_max);
	if (submitted != ok + aborted || other) {
		fprintf(stderr, "reset_io: commands lost or failed (last bad status 0x%x)\n",
			last_bad_status);
		failed = 1;
	}
	if (!aborted)
		printf("note: no command came back aborted (all had completed before each reset)\n");

	/* data from before the resets, and I/O after them */
	if (region_a(ns, qp, per_io, 0))
		goto err_free;
	printf("region A: verified after %d resets\n", resets_done);
	fill(slots[0].buf, b_first);
	if (io_sync(ns, qp, 1, slots[0].buf, b_first, per_io))
		goto err_free;
	memset(slots[0].buf, 0, IO_BYTES);
	if (io_sync(ns, qp, 0, slots[0].buf, b_first, per_io) || check(slots[0].buf, b_first)) {
		fprintf(stderr, "reset_io: write + read back after the resets failed\n");
		goto err_free;
	}
	printf("I/O after the resets: write + read back OK\n");
	for (i = 0; i < qd; i++)
		nvd_dma_free(ctrlr, slots[i].buf);
	nvd_ctrlr_free_io_qpair(qp);
	nvd_ctrlr_detach(ctrlr);
	return failed;

err_counts:
	printf("submitted %llu, completed %llu, aborted %llu, other %llu, resets %d\n",
	       (unsigned long long)submitted, (unsigned long long)ok, (unsigned long long)aborted,
	       (unsigned long long)other, resets_done);
err_free:
	for (i = 0; i < qd; i++)
		nvd_dma_free(ctrlr, slots[i].buf);
	nvd_ctrlr_free_io_qpair(qp);
err_detach:
	nvd_ctrlr_detach(ctrlr);
	return 1;
}
