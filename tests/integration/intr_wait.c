// SPDX-License-Identifier: MIT
/*
 * nvd_intr_wait BDF SECONDS intr|poll|adaptive|masked [INTERVAL_MS [IO_BYTES]]: one thread,
 * queue depth 1: every INTERVAL_MS (0: back to back) write a block with a
 * pattern of its own, wait, read it back, wait, compare; for SECONDS.
 * "intr" waits the way an application in interrupt mode would (arm, then
 * poll() on the queue pair's eventfd, also between blocks, like a server
 * idle between requests); "poll" spins on nvd_qpair_process_completions()
 * the whole time, as a polled application must to notice completions;
 * "adaptive" waits in nvd_qpair_wait() (spin while due, sleep while not),
 * its sleeps being the naps and blocks of nvd_qpair_get_wait_stats().
 * t_intr.sh measures the CPU this process burns from /proc/PID/stat.
 * "masked" checks NVDIRECT_MASK_IRQ once instead (SECONDS ignored): a read
 * completes while the vector is masked, no interrupt reaches the eventfd,
 * and the one the device held comes on unmask.
 *
 * Prints "ios N verified N sleeps N timeouts N" and exits 0 when every I/O
 * completed with the data read back as written; 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nvdirect.h>

#include "pcie/intr.h"	/* nvd__qpair_intr_mask(), for "masked" */

#define PROG		"nvd_intr_wait"
/* A completion that takes this long is lost, not slow. */
#define LOST_MS		10000
#define SPAN_BYTES	(8u << 20)	/* blocks cycle through the first 8 MiB */

static int intr_mode, adaptive;
static unsigned long long sleeps, timeouts;

struct done {
	int done;
	int failed;
};

static void on_done(void *arg, const struct nvd_cpl *cpl)
{
	struct done *d = arg;

	d->done = 1;
	if (nvd_cpl_is_error(cpl)) {
		d->failed = 1;
		fprintf(stderr, PROG ": I/O failed: %s\n", nvd_cpl_status_str(cpl));
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Until @d completes: sleep on the eventfd (intr) or spin (poll). */
static int wait_done(struct nvd_qpair *qp, struct done *d)
{
	struct pollfd p = { .fd = nvd_qpair_get_fd(qp), .events = POLLIN };
	double deadline = now_s() + LOST_MS / 1000.0;
	int rc;

	for (;;) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0) {
			fprintf(stderr, PROG ": reaping: %s\n", nvd_strerror(rc));
			return rc;
		}
		if (d->done)
			return d->failed ? -EIO : 0;
		if (now_s() > deadline) {
			fprintf(stderr, PROG ": no completion within %d ms (%llu sleeps)\n",
				LOST_MS, sleeps);
			return -ETIMEDOUT;
		}
		if (adaptive) {
			rc = nvd_qpair_wait(qp, 1000000);
			if (rc < 0) {
				fprintf(stderr, PROG ": wait: %s\n", nvd_strerror(rc));
				return rc;
			}
			continue;
		}
		if (!intr_mode)
			continue;
		rc = nvd_qpair_arm(qp);
		if (rc < 0) {
			fprintf(stderr, PROG ": arm: %s\n", nvd_strerror(rc));
			return rc;
		}
		if (rc == 0) {
			sleeps++;
			/* a timeout means an interrupt went missing */
			if (poll(&p, 1, 1000) == 0)
				timeouts++;
		}
	}
}

/* Idle until @t (seconds), still serving the queue pair. */
static int idle_until(struct nvd_qpair *qp, double t)
{
	struct pollfd p = { .fd = nvd_qpair_get_fd(qp), .events = POLLIN };
	double left;
	int rc;

	while ((left = t - now_s()) > 0) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0)
			return rc;
		if (adaptive)
			nvd_qpair_wait(qp, (int64_t)(left * 1e6) + 1);
		else if (intr_mode && nvd_qpair_arm(qp) == 0) {
			sleeps++;
			poll(&p, 1, (int)(left * 1000) + 1);
		}
	}
	return 0;
}

static int fd_ready(struct nvd_qpair *qp, int ms)
{
	struct pollfd p = { .fd = nvd_qpair_get_fd(qp), .events = POLLIN };

	return poll(&p, 1, ms);
}

/* "masked": the interrupt of a completion posted while masked comes on unmask. */
static int masked_delivery(struct nvd_ns *ns, struct nvd_qpair *qp, void *buf)
{
	struct done d = { 0 };
	double t;
	int err;

	/* nothing stale: drained with the vector unmasked and the queue idle */
	if (nvd_qpair_arm(qp) != 0 || nvd__qpair_intr_mask(qp, true))
		return fprintf(stderr, PROG ": arm or mask failed\n"), 1;
	err = nvd_ns_read(ns, qp, buf, 0, 1, on_done, &d, 0);
	if (err)
		return fprintf(stderr, PROG ": read: %s\n", nvd_strerror(err)), 1;
	/* reap it by polling: the completion is there, its interrupt held */
	for (t = now_s() + LOST_MS / 1000.0; !d.done && now_s() < t;)
		if (nvd_qpair_process_completions(qp, 0) < 0)
			return 1;
	if (!d.done || d.failed)
		return fprintf(stderr, PROG ": the read did not complete\n"), 1;
	if (fd_ready(qp, 500) != 0)
		return fprintf(stderr, PROG ": an interrupt reached the eventfd while masked\n"), 1;
	printf("masked: completed, no interrupt in 500 ms\n");
	if (nvd__qpair_intr_mask(qp, false))
		return fprintf(stderr, PROG ": unmask failed\n"), 1;
	if (fd_ready(qp, LOST_MS) != 1)
		return fprintf(stderr, PROG ": the held interrupt never came after the unmask\n"), 1;
	printf("unmasked: the held interrupt signalled the eventfd\n");
	return 0;
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
}

int main(int argc, char **argv)
{
	struct nvd_io_qpair_opts qo;
	unsigned long long ios = 0, verified = 0;
	struct nvd_ctrlr *ctrlr;
	struct nvd_qpair *qp;
	struct nvd_ns *ns;
	uint32_t lbas, ss;
	uint8_t *wbuf, *rbuf;
	size_t io = 4096;
	double end, interval = 0, next;
	uint64_t i, nblocks;
	int err, ret = 1;

	if (argc < 4 || (strcmp(argv[3], "intr") && strcmp(argv[3], "poll") &&
			 strcmp(argv[3], "adaptive") && strcmp(argv[3], "masked"))) {
		fprintf(stderr, "usage: " PROG " BDF SECONDS intr|poll|adaptive|masked [INTERVAL_MS [IO_BYTES]]\n");
		return 2;
	}
	adaptive = !strcmp(argv[3], "adaptive");
	intr_mode = !strcmp(argv[3], "intr") || adaptive || !strcmp(argv[3], "masked");
	if (argc > 4)
		interval = atof(argv[4]) / 1000.0;
	if (argc > 5)
		io = strtoul(argv[5], NULL, 0);

	err = nvd_ctrlr_attach(argv[1], NULL, &ctrlr);
	if (err) {
		fprintf(stderr, PROG ": %s: %s %s\n", argv[1], nvd_strerror(err), nvd_last_error());
		return 1;
	}
	ns = nvd_ctrlr_get_ns(ctrlr, nvd_ctrlr_first_ns(ctrlr));
	nvd_io_qpair_opts_init(&qo);
	qo.qsize = 4;
	qo.interrupts = (uint32_t)intr_mode;
	err = ns ? nvd_ctrlr_alloc_io_qpair_opts(ctrlr, &qo, &qp) : -ENODEV;
	if (err) {
		fprintf(stderr, PROG ": queue pair (%s mode): %s %s\n", argv[3], nvd_strerror(err),
			nvd_last_error());
		goto out_detach;
	}
	ss = nvd_ns_get_sector_size(ns);
	lbas = (uint32_t)(io / ss);
	nblocks = SPAN_BYTES / io;
	wbuf = nvd_dma_alloc(ctrlr, io);
	rbuf = nvd_dma_alloc(ctrlr, io);
	if (!wbuf || !rbuf || !lbas || io % ss) {
		fprintf(stderr, PROG ": bad I/O size %zu or no DMA memory\n", io);
		goto out_detach;
	}
	if (!strcmp(argv[3], "masked")) {
		ret = masked_delivery(ns, qp, rbuf);
		goto out_detach;
	}

	next = now_s();
	end = next + atof(argv[2]);
	for (i = 0; now_s() < end; i++) {
		struct done w = { 0 }, r = { 0 };
		uint64_t lba = (i % nblocks) * lbas;

		next += interval;
		err = idle_until(qp, next);
		if (err) {
			fprintf(stderr, PROG ": idle: %s\n", nvd_strerror(err));
			goto out_print;
		}

		fill(wbuf, io, i);
		memset(rbuf, 0, io);
		err = nvd_ns_write(ns, qp, wbuf, lba, lbas, on_done, &w, 0);
		if (!err)
			err = wait_done(qp, &w);
		if (!err)
			err = nvd_ns_read(ns, qp, rbuf, lba, lbas, on_done, &r, 0);
		if (!err)
			err = wait_done(qp, &r);
		if (err) {
			fprintf(stderr, PROG ": I/O %llu at LBA %llu: %s\n", ios,
				(unsigned long long)lba, nvd_strerror(err));
			goto out_print;
		}
		ios += 2;
		if (memcmp(wbuf, rbuf, io)) {
			fprintf(stderr, PROG ": LBA %llu read back differs from what was written\n",
				(unsigned long long)lba);
			goto out_print;
		}
		verified++;
	}
	ret = 0;
out_print:
	if (adaptive) {
		struct nvd_qpair_wait_stats ws = { .size = sizeof(ws) };

		if (!nvd_qpair_get_wait_stats(qp, &ws))
			sleeps = ws.naps + ws.blocks;
	}
	printf("ios %llu verified %llu sleeps %llu timeouts %llu\n", ios, verified, sleeps,
	       timeouts);
	fflush(stdout);
out_detach:
	nvd_ctrlr_detach(ctrlr);
	return ret;
}
