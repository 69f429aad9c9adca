/* SPDX-License-Identifier: MIT */
/*
 * nvd_pattern: write and verify self-describing data through libnvdirect,
 * and generate the same bytes on stdout so that the kernel's nvme driver
 * can check them (and write them) independently.
 *
 * Every 8-byte word of LBA l at byte offset o holds pattern_word(seed, l, o), so a
 * block read from the wrong LBA, a torn or stale block all show as a
 * mismatch naming the LBA.
 *
 * With -z the I/O buffers are the program's own memory registered with
 * nvd_mem_register (zero copy) instead of nvd_dma_alloc memory: writes come
 * from malloc'd memory deliberately not page aligned, reads land in an
 * anonymous mmap.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nvdirect.h"

#include "pattern_data.h"

/* Returns the first mismatching LBA, or UINT64_MAX when all match. */
static uint64_t check(const void *buf, uint64_t seed, uint64_t lba, uint32_t count, uint32_t lbs)
{
	const uint64_t *w = buf;

	for (uint64_t l = 0; l < count; l++)
		for (uint32_t o = 0; o < lbs; o += 8)
			if (*w++ != pattern_word(seed, lba + l, o))
				return lba + l;
	return UINT64_MAX;
}

static int zero_copy;

/* An I/O buffer: nvd_dma_alloc memory, or registered malloc/mmap memory. */
struct iobuf {
	void *p;		/* what I/O is given */
	void *mem;		/* what malloc/mmap returned */
	size_t len;
	int mapped;
};

static int iobuf_get(struct nvd_ctrlr *c, struct iobuf *b, size_t len, int mapped)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->len = len;
	b->mapped = mapped;
	if (!zero_copy) {
		b->p = nvd_dma_alloc(c, len);
		if (!b->p) {
			fprintf(stderr, "nvd_pattern: cannot allocate %zu bytes of DMA memory\n", len);
			return -ENOMEM;
		}
		return 0;
	}
	if (mapped) {
		b->mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->mem == MAP_FAILED)
			return -ENOMEM;
		b->p = b->mem;
	} else {
		/* 512 bytes into a page: registration must not need alignment */
		b->mem = aligned_alloc(4096, len + 4096);
		if (!b->mem)
			return -ENOMEM;
		b->p = (uint8_t *)b->mem + 512;
	}
	rc = nvd_mem_register(c, b->p, len);
	if (rc) {
		fprintf(stderr, "nvd_pattern: cannot register %zu bytes at %p: %s: %s\n", len, b->p,
			nvd_strerror(rc), nvd_last_error());
		if (mapped)
			munmap(b->mem, len);
		else
			free(b->mem);
		return rc;
	}
	return 0;
}

static void iobuf_put(struct nvd_ctrlr *c, struct iobuf *b)
{
	if (!zero_copy) {
		nvd_dma_free(c, b->p);
		return;
	}
	nvd_mem_unregister(c, b->p);
	if (b->mapped)
		munmap(b->mem, b->len);
	else
		free(b->mem);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nvd_pattern [-z] [-s SEED] [-c CHUNK] write|verify|loop BDF NSID LBA COUNT\n"
		"       nvd_pattern [-s SEED] gen LBA COUNT LBA_SIZE > file\n"
		"       nvd_pattern info BDF NSID\n"
		"       nvd_pattern [-s SEED] raw-write BDF NSID LBA COUNT\n"
		"  write   write COUNT LBAs from LBA through nvdirect, CHUNK LBAs per command\n"
		"  verify  read them back through nvdirect and compare\n"
		"  loop    write+verify the range forever with 4 commands in flight (for kill tests)\n"
		"  raw-write  one Write of COUNT LBAs through nvd_ctrlr_cmd_io_raw (never split)\n"
		"  gen     print the expected bytes on stdout (to compare with the kernel's view)\n"
		"  info    print lba_size, sectors and max_io_sectors of the namespace\n"
		"  -z      zero copy: I/O from registered malloc/mmap memory (nvd_mem_register)\n"
		"  CHUNK defaults to the namespace's largest transfer; exit 0 only if all is well\n");
}

struct io {
	int done;
	struct nvd_cpl cpl;
};

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct io *io = arg;

	io->cpl = *cpl;
	io->done = 1;
}

/* Submit one command and wait for it, bounded by 30 s. */
static int run_one(struct nvd_ns *ns, struct nvd_qpair *qp, int is_write, void *buf,
		   uint64_t lba, uint32_t n)
{
	struct io io = { 0 };
	time_t deadline = time(NULL) + 30;
	int rc;

	rc = is_write ? nvd_ns_write(ns, qp, buf, lba, n, io_done, &io, 0) :
			nvd_ns_read(ns, qp, buf, lba, n, io_done, &io, 0);
	if (rc)
		return rc;
	while (!io.done) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0)
			return rc;
		if (time(NULL) > deadline)
			return -ETIMEDOUT;
	}
	if (nvd_cpl_is_error(&io.cpl)) {
		fprintf(stderr, "nvd_pattern: %s of LBA %llu+%u failed: %s\n",
			is_write ? "write" : "read", (unsigned long long)lba, n,
			nvd_cpl_status_str(&io.cpl));
		return -EIO;
	}
	return 0;
}

static int do_range(struct nvd_ctrlr *c, struct nvd_ns *ns, struct nvd_qpair *qp, int is_write,
		    uint64_t seed, uint64_t lba, uint64_t count, uint32_t chunk)
{
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	struct iobuf b;
	void *buf;
	int rc;

	rc = iobuf_get(c, &b, (size_t)chunk * lbs, !is_write);
	if (rc)
		return rc;
	buf = b.p;
	for (uint64_t l = lba; l < lba + count; l += chunk) {
		uint32_t n = (uint32_t)(lba + count - l < chunk ? lba + count - l : chunk);

		if (is_write)
			pattern_fill(buf, seed, l, n, lbs);
		else
			memset(buf, 0, (size_t)n * lbs);
		rc = run_one(ns, qp, is_write, buf, l, n);
		if (rc) {
			uint32_t max = nvd_ns_get_max_io_sectors(ns);

			if (rc == -EINVAL && n > max)
				fprintf(stderr, "nvd_pattern: %s of %u LBAs (%u bytes) refused: "
					"the controller's limit is %u LBAs (%u bytes, MDTS)\n",
					is_write ? "write" : "read", n, n * lbs, max, max * lbs);
			else if (rc != -EIO)
				fprintf(stderr, "nvd_pattern: %s of %u LBAs at LBA %llu: %s\n",
					is_write ? "write" : "read", n, (unsigned long long)l,
					nvd_strerror(rc));
			break;
		}
		if (!is_write) {
			uint64_t bad = check(buf, seed, l, n, lbs);

			if (bad != UINT64_MAX) {
				fprintf(stderr, "nvd_pattern: data mismatch at LBA %llu\n",
					(unsigned long long)bad);
				rc = -EILSEQ;
				break;
			}
		}
	}
	iobuf_put(c, &b);
	return rc;
}

/*
 * One Write command of @count LBAs through nvd_ctrlr_cmd_io_raw, which
 * refuses (and sends nothing) above the controller's transfer limit.
 */
static int do_raw_write(struct nvd_ctrlr *c, struct nvd_ns *ns, struct nvd_qpair *qp,
			uint64_t seed, uint64_t lba, uint32_t count)
{
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	struct nvd_io_cmd cmd = {
		.opc = 0x01,	/* Write, NVM Command Set 1.0 §3.2.6 */
		.nsid = nvd_ns_get_id(ns),
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = count - 1,	/* NLB, 0's based */
	};
	struct io io = { 0 };
	time_t deadline = time(NULL) + 30;
	void *buf;
	int rc;

	buf = nvd_dma_alloc(c, (size_t)count * lbs);
	if (!buf)
		return -ENOMEM;
	pattern_fill(buf, seed, lba, count, lbs);
	rc = nvd_ctrlr_cmd_io_raw(c, qp, &cmd, buf, count * lbs, io_done, &io);
	if (rc) {
		fprintf(stderr, "nvd_pattern: raw write of %u LBAs (%u bytes) refused: %s: %s\n",
			count, count * lbs, nvd_strerror(rc), nvd_last_error());
		goto out;
	}
	while (!io.done) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0)
			goto out;
		rc = 0;
		if (time(NULL) > deadline) {
			rc = -ETIMEDOUT;
			goto out;
		}
	}
	if (nvd_cpl_is_error(&io.cpl)) {
		fprintf(stderr, "nvd_pattern: raw write of LBA %llu+%u failed: %s\n",
			(unsigned long long)lba, count, nvd_cpl_status_str(&io.cpl));
		rc = -EIO;
	}
out:
	nvd_dma_free(c, buf);
	return rc;
}

/* Keep 4 writes in flight over the range until killed. */
static int do_loop(struct nvd_ctrlr *c, struct nvd_ns *ns, struct nvd_qpair *qp,
		   uint64_t seed, uint64_t lba, uint64_t count, uint32_t chunk)
{
	enum { DEPTH = 4 };
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	struct io io[DEPTH] = { 0 };
	struct iobuf b[DEPTH];
	void *buf[DEPTH];
	uint64_t next = lba;

	for (int i = 0; i < DEPTH; i++) {
		if (iobuf_get(c, &b[i], (size_t)chunk * lbs, 0))
			return -ENOMEM;
		buf[i] = b[i].p;
		io[i].done = 1;
	}
	printf("nvd_pattern: looping\n");
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < DEPTH; i++) {
			int rc;

			if (!io[i].done)
				continue;
			if (nvd_cpl_is_error(&io[i].cpl))
				return -EIO;
			if (next + chunk > lba + count)
				next = lba;
			pattern_fill(buf[i], seed, next, chunk, lbs);
			io[i].done = 0;
			rc = nvd_ns_write(ns, qp, buf[i], next, chunk, io_done, &io[i], 0);
			if (rc)
				return rc;
			next += chunk;
		}
		if (nvd_qpair_process_completions(qp, 0) < 0)
			return -ENXIO;
	}
}

int main(int argc, char **argv)
{
	struct nvd_ctrlr *c;
	struct nvd_qpair *qp;
	struct nvd_ns *ns;
	uint64_t seed = 1, lba, count;
	uint32_t chunk = 0, nsid;
	const char *mode, *bdf;
	int opt, rc;

	while ((opt = getopt(argc, argv, "zs:c:h")) != -1) {
		switch (opt) {
		case 'z': zero_copy = 1; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'c': chunk = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind < 1) {
		usage(stderr);
		return 2;
	}
	mode = argv[optind];
	if (!strcmp(mode, "gen")) {
		if (argc - optind != 4) {
			usage(stderr);
			return 2;
		}
		lba = strtoull(argv[optind + 1], NULL, 0);
		count = strtoull(argv[optind + 2], NULL, 0);
		uint32_t lbs = (uint32_t)strtoul(argv[optind + 3], NULL, 0);
		void *b = malloc(lbs);

		for (uint64_t l = lba; l < lba + count; l++) {
			pattern_fill(b, seed, l, 1, lbs);
			fwrite(b, lbs, 1, stdout);
		}
		free(b);
		return 0;
	}
	if (argc - optind != 5 && !(argc - optind == 3 && !strcmp(mode, "info"))) {
		usage(stderr);
		return 2;
	}
	bdf = argv[optind + 1];
	nsid = (uint32_t)strtoul(argv[optind + 2], NULL, 0);
	lba = argc - optind == 5 ? strtoull(argv[optind + 3], NULL, 0) : 0;
	count = argc - optind == 5 ? strtoull(argv[optind + 4], NULL, 0) : 0;

	rc = nvd_ctrlr_attach(bdf, NULL, &c);
	if (rc) {
		fprintf(stderr, "nvd_pattern: cannot attach %s: %s\n", bdf, nvd_strerror(rc));
		return 1;
	}
	ns = nvd_ctrlr_get_ns(c, nsid);
	if (!ns) {
		fprintf(stderr, "nvd_pattern: %s has no active namespace %u\n", bdf, nsid);
		nvd_ctrlr_detach(c);
		return 1;
	}
	if (!strcmp(mode, "info")) {
		printf("lba_size %u sectors %llu max_io_sectors %u\n", nvd_ns_get_sector_size(ns),
		       (unsigned long long)nvd_ns_get_num_sectors(ns), nvd_ns_get_max_io_sectors(ns));
		nvd_ctrlr_detach(c);
		return 0;
	}
	if (!chunk)
		chunk = nvd_ns_get_max_io_sectors(ns);
	rc = nvd_ctrlr_alloc_io_qpair(c, 0, &qp);
	if (rc) {
		fprintf(stderr, "nvd_pattern: cannot create an I/O queue: %s\n", nvd_strerror(rc));
		nvd_ctrlr_detach(c);
		return 1;
	}
	if (!strcmp(mode, "write"))
		rc = do_range(c, ns, qp, 1, seed, lba, count, chunk);
	else if (!strcmp(mode, "verify"))
		rc = do_range(c, ns, qp, 0, seed, lba, count, chunk);
	else if (!strcmp(mode, "raw-write"))
		rc = do_raw_write(c, ns, qp, seed, lba, (uint32_t)count);
	else if (!strcmp(mode, "loop"))
		rc = do_loop(c, ns, qp, seed, lba, count, chunk);
	else {
		usage(stderr);
		rc = -EINVAL;
	}
	nvd_ctrlr_free_io_qpair(qp);
	nvd_ctrlr_detach(c);
	if (!rc)
		printf("nvd_pattern: %s of %llu LBAs at LBA %llu on %s ns %u ok\n", mode,
		       (unsigned long long)count, (unsigned long long)lba, bdf, nsid);
	return rc ? 1 : 0;
}
