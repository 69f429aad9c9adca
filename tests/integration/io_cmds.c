/* SPDX-License-Identifier: MIT */
/*
 * nvd_io_cmds BDF NSID: the NVM commands beyond read/write, each checked
 * with data on one namespace: Write Zeroes, Dataset Management
 * (deallocate), Flush, Compare (equal and different), vectored I/O from a
 * scattered element list (needs an SGL) and from a page-aligned one (PRPs
 * do), and a large contiguous transfer (an SGL, or a PRP list when PRPs
 * are forced with NVDIRECT_FORCE_PRP=1 or -p).
 *
 * One line per check ("ok", "FAIL" or "skip"); exit 0 only if none failed.
 * Data is the self-describing pattern of nvd_pattern (pattern_data.h), so
 * `nvd_pattern -s SEED gen LBA COUNT LBA_SIZE` reproduces what the
 * vectored writes left on the device (printed as "writev ... seed").
 *
 * Byte offsets used on the namespace (it needs 8 MiB):
 *   1 MiB write zeroes, 2 MiB deallocate, 3 MiB compare,
 *   4 MiB scattered writev (seed 77), 4 MiB + 64 KiB aligned writev (seed 78),
 *   5 MiB large transfer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvdirect.h"

#include "pattern_data.h"

#define MiB (1024u * 1024u)
#define SEED_SCATTER 77
#define SEED_ALIGNED 78

static int failures;

static void result(int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void result(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s %s: ", ok ? "ok" : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static int is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
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

static struct nvd_ctrlr *ctrlr;
static struct nvd_ns *ns;
static struct nvd_qpair *qp;
static uint32_t lbs;

/*
 * Wait for @io after a submission that returned @rc.  Returns 0 when the
 * command completed without error; else -errno (submission refused or
 * timeout, words in *@why) or 1 (error status, words in *@why).
 */
static int wait_io(int rc, struct io *io, char *why, size_t whylen)
{
	time_t deadline = time(NULL) + 30;

	if (rc) {
		snprintf(why, whylen, "refused: %s: %s", nvd_strerror(rc), nvd_last_error());
		return rc;
	}
	while (!io->done) {
		rc = nvd_qpair_process_completions(qp, 0);
		if (rc < 0) {
			snprintf(why, whylen, "polling: %s", nvd_strerror(rc));
			return rc;
		}
		if (time(NULL) > deadline) {
			snprintf(why, whylen, "no completion within 30 s");
			return -ETIMEDOUT;
		}
	}
	if (nvd_cpl_is_error(&io->cpl)) {
		snprintf(why, whylen, "%s", nvd_cpl_status_str(&io->cpl));
		return 1;
	}
	snprintf(why, whylen, "success");
	return 0;
}

static int rw(int is_write, void *buf, uint64_t lba, uint32_t n, char *why, size_t whylen)
{
	struct io io = { 0 };
	int rc = is_write ? nvd_ns_write(ns, qp, buf, lba, n, io_done, &io, 0) :
			    nvd_ns_read(ns, qp, buf, lba, n, io_done, &io, 0);

	return wait_io(rc, &io, why, whylen);
}

static void check_write_zeroes(void *buf)
{
	uint64_t lba = MiB / lbs;
	uint32_t n = 64 * 1024 / lbs;
	char why[256];
	struct io io = { 0 };

	pattern_fill(buf, 5, lba, n, lbs);
	if (rw(1, buf, lba, n, why, sizeof(why)))
		return result(0, "write-zeroes", "writing the pattern first: %s", why);
	if (wait_io(nvd_ns_write_zeroes(ns, qp, lba, n, io_done, &io, 0), &io, why, sizeof(why)))
		return result(0, "write-zeroes", "%u LBAs at %llu: %s", n,
			      (unsigned long long)lba, why);
	memset(buf, 0xa5, (size_t)n * lbs);
	if (rw(0, buf, lba, n, why, sizeof(why)))
		return result(0, "write-zeroes", "reading back: %s", why);
	result(is_zero(buf, (size_t)n * lbs), "write-zeroes",
	       "%u LBAs at %llu over a pattern read back as %s", n, (unsigned long long)lba,
	       is_zero(buf, (size_t)n * lbs) ? "zeroes" : "NOT zeroes");
}

static void check_deallocate(void *buf)
{
	const uint8_t *idns = nvd_ns_identify_data(ns);
	uint8_t dlfeat = idns[33];	/* NVM Command Set 1.0 Figure 97, byte 33 */
	uint64_t lba = 2 * MiB / lbs;
	uint32_t n = 64 * 1024 / lbs, dn = n / 2, doff = n / 4;
	struct nvd_dsm_range r = { .attributes = 0, .length = dn, .lba = lba + doff };
	struct io io = { 0 };
	uint64_t seed = 6;
	char why[256];
	int zeroes = (dlfeat & 7) == 1;
	uint8_t *exp, *range;
	int ok, kept;

	pattern_fill(buf, seed, lba, n, lbs);
	if (rw(1, buf, lba, n, why, sizeof(why)))
		return result(0, "deallocate", "writing the pattern first: %s", why);
	if (wait_io(nvd_ns_deallocate(ns, qp, &r, 1, io_done, &io), &io, why, sizeof(why)))
		return result(0, "deallocate", "%u LBAs at %llu: %s", dn,
			      (unsigned long long)r.lba, why);
	memset(buf, 0xa5, (size_t)n * lbs);
	if (rw(0, buf, lba, n, why, sizeof(why)))
		return result(0, "deallocate", "reading back: %s", why);
	/* the blocks around the range keep their data in any case */
	exp = malloc((size_t)n * lbs);
	pattern_fill(exp, seed, lba, n, lbs);
	ok = !memcmp(buf, exp, (size_t)doff * lbs) &&
	     !memcmp((uint8_t *)buf + (size_t)(doff + dn) * lbs, exp + (size_t)(doff + dn) * lbs,
		     (size_t)(n - doff - dn) * lbs);
	result(ok, "deallocate", "%u LBAs at %llu; the LBAs around the range %s", dn,
	       (unsigned long long)r.lba, ok ? "kept their data" : "were DAMAGED");
	range = (uint8_t *)buf + (size_t)doff * lbs;
	kept = !memcmp(range, exp + (size_t)doff * lbs, (size_t)dn * lbs);
	free(exp);
	if (!zeroes) {
		printf("skip deallocate-reads-zeroes: DLFEAT is 0x%02x (bits 2:0 not 001b): "
		       "the device does not promise zeroes for deallocated blocks\n", dlfeat);
		return;
	}
	/*
	 * Deallocate is advisory (NVM Command Set 1.0 §3.2.3.2.1: the
	 * controller "may" deallocate): a range that kept exactly its data
	 * was not deallocated, which is allowed; anything else but zeroes is
	 * wrong.  (QEMU keeps the data when its -drive ignores discards, the
	 * default without discard=unmap.)
	 */
	if (kept && !is_zero(range, (size_t)dn * lbs)) {
		printf("skip deallocate-reads-zeroes: DLFEAT 0x%02x promises zeroes, but the "
		       "device kept the range's data (did not deallocate it; allowed)\n", dlfeat);
		return;
	}
	ok = is_zero(range, (size_t)dn * lbs);
	result(ok, "deallocate-reads-zeroes", "DLFEAT 0x%02x promises zeroes; the range read %s",
	       dlfeat, ok ? "zeroes" : "NEITHER zeroes NOR its old data");
}

static void check_flush(void)
{
	struct io io = { 0 };
	char why[256];
	int rc = wait_io(nvd_ns_flush(ns, qp, io_done, &io), &io, why, sizeof(why));

	result(rc == 0, "flush", "%s", why);
}

static void check_compare(void *buf)
{
	uint64_t lba = 3 * MiB / lbs;
	uint32_t n = 8192 / lbs;
	struct io io = { 0 };
	char why[256];
	int rc;

	pattern_fill(buf, 7, lba, n, lbs);
	if (rw(1, buf, lba, n, why, sizeof(why)))
		return result(0, "compare", "writing the pattern first: %s", why);
	rc = wait_io(nvd_ns_compare(ns, qp, buf, lba, n, io_done, &io, 0), &io, why, sizeof(why));
	result(rc == 0, "compare-equal", "%u LBAs at %llu with the same data: %s", n,
	       (unsigned long long)lba, why);
	((uint8_t *)buf)[(size_t)n * lbs - 3] ^= 0x10;	/* one bit, last LBA */
	memset(&io, 0, sizeof(io));
	rc = wait_io(nvd_ns_compare(ns, qp, buf, lba, n, io_done, &io, 0), &io, why, sizeof(why));
	result(rc == 1 && nvd_cpl_sct(&io.cpl) == 2 && nvd_cpl_sc(&io.cpl) == 0x85 &&
	       strstr(why, "Compare Failure"), "compare-different",
	       "one bit flipped: %s", why);
}

/* A vectored list over caller-given pieces (nvd_ns_readv/writev callbacks). */
struct vec {
	int n, cur;
	uint32_t off;		/* into element cur */
	void *addr[4];
	uint32_t len[4];
};

static void vec_reset(void *arg, uint32_t offset)
{
	struct vec *v = arg;

	for (v->cur = 0; v->cur < v->n && offset >= v->len[v->cur]; v->cur++)
		offset -= v->len[v->cur];
	v->off = offset;
}

static int vec_next(void *arg, void **address, uint32_t *length)
{
	struct vec *v = arg;

	if (v->cur >= v->n)
		return -1;
	*address = (uint8_t *)v->addr[v->cur] + v->off;
	*length = v->len[v->cur] - v->off;
	v->cur++;
	v->off = 0;
	return 0;
}

static void vec_copy(struct vec *v, void *flat, int to_vec)
{
	uint8_t *p = flat;

	for (int i = 0; i < v->n; i++) {
		if (to_vec)
			memcpy(v->addr[i], p, v->len[i]);
		else
			memcpy(p, v->addr[i], v->len[i]);
		p += v->len[i];
	}
}

/* The I/O callback argument and the list walker share one struct. */
struct vio {
	struct vec v;		/* first: vec callbacks get the struct vio */
	struct io io;
};

static void vio_done(void *arg, const struct nvd_cpl *cpl)
{
	io_done(&((struct vio *)arg)->io, cpl);
}

static int vio_rw(int is_write, struct vec *v, uint64_t lba, uint32_t n, char *why, size_t wl)
{
	struct vio x = { .v = *v };
	int rc = is_write ? nvd_ns_writev(ns, qp, lba, n, vio_done, &x, 0, vec_reset, vec_next) :
			    nvd_ns_readv(ns, qp, lba, n, vio_done, &x, 0, vec_reset, vec_next);

	return wait_io(rc, &x.io, why, wl);
}

/*
 * Write @wv's list, read back into @rv's list, compare.  @expect_ok 0:
 * both must be refused at submission (-EINVAL, with words), nothing sent.
 */
static void check_vec(const char *what, struct vec *wv, struct vec *rv, uint64_t seed,
		      uint64_t lba, int expect_ok)
{
	uint32_t len = 0, n;
	uint8_t *exp, *got;
	char why[512];
	int rc;

	for (int i = 0; i < wv->n; i++)
		len += wv->len[i];
	n = len / lbs;
	exp = malloc(len);
	got = malloc(len);
	pattern_fill(exp, seed, lba, n, lbs);
	vec_copy(wv, exp, 1);
	rc = vio_rw(1, wv, lba, n, why, sizeof(why));
	if (!expect_ok) {
		int wrc = rc;
		char rwhy[512];

		rc = vio_rw(0, rv, lba, n, rwhy, sizeof(rwhy));
		result(wrc == -EINVAL && rc == -EINVAL && strstr(why, "PRPs cannot describe"),
		       what, "PRPs forced: writev %s; readv %s", why,
		       rc == -EINVAL ? "refused too" : rwhy);
		goto out;
	}
	if (rc) {
		result(0, what, "writev of %u LBAs at %llu: %s", n, (unsigned long long)lba, why);
		goto out;
	}
	for (int i = 0; i < rv->n; i++)
		memset(rv->addr[i], 0xa5, rv->len[i]);
	rc = vio_rw(0, rv, lba, n, why, sizeof(why));
	if (rc) {
		result(0, what, "readv of %u LBAs at %llu: %s", n, (unsigned long long)lba, why);
		goto out;
	}
	vec_copy(rv, got, 0);
	result(!memcmp(got, exp, len), what, "%d elements, %u bytes, %u LBAs at %llu: %s "
	       "(writev seed %llu)", wv->n, len, n, (unsigned long long)lba,
	       memcmp(got, exp, len) ? "DATA MISMATCH" : "read back identical",
	       (unsigned long long)seed);
out:
	free(exp);
	free(got);
}

/* Elements carved from one DMA buffer @base (64 KiB, page aligned). */
static void vec_scattered(struct vec *v, uint8_t *base)
{
	/* 512 B at a non-page-aligned offset, 8 KiB, then up to an LBA multiple */
	v->n = 3;
	v->addr[0] = base + 512;
	v->len[0] = 512;
	v->addr[1] = base + 3 * 4096;
	v->len[1] = 8192;
	v->addr[2] = base + 7 * 4096 + 1024;
	v->len[2] = lbs == 512 ? 1536 : 4096 - 512;
}

static void vec_aligned(struct vec *v, uint8_t *base)
{
	v->n = 3;
	v->addr[0] = base;
	v->len[0] = 4096;
	v->addr[1] = base + 2 * 4096;
	v->len[1] = 8192;
	v->addr[2] = base + 6 * 4096;
	v->len[2] = 4096;
}

static void check_large(void *wbuf, void *rbuf, int prp)
{
	uint64_t lba = 5 * MiB / lbs;
	uint32_t len = 256 * 1024, n = len / lbs;
	char why[256];
	int ok;

	pattern_fill(wbuf, 9, lba, n, lbs);
	if (rw(1, wbuf, lba, n, why, sizeof(why)))
		return result(0, "large", "write of %u bytes: %s", len, why);
	memset(rbuf, 0xa5, len);
	if (rw(0, rbuf, lba, n, why, sizeof(why)))
		return result(0, "large", "read of %u bytes: %s", len, why);
	ok = !memcmp(wbuf, rbuf, len);
	result(ok, "large", "%u KiB contiguous write+read (%s, max transfer %u LBAs): %s",
	       len / 1024, prp ? "PRP list" : "SGL", nvd_ns_get_max_io_sectors(ns),
	       ok ? "read back identical" : "DATA MISMATCH");
}

int main(int argc, char **argv)
{
	struct nvd_ctrlr_opts opts;
	const char *bdf, *env = getenv("NVDIRECT_FORCE_PRP");
	uint32_t nsid, sgls;
	uint8_t *buf = NULL, *big = NULL, *big2 = NULL, *va = NULL, *vb = NULL;
	struct vec ws, rs, wa, ra;
	int prp, opt, force = 0, rc;

	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p')
			goto usage;
		force = 1;
	}
	if (argc - optind != 2)
		goto usage;
	bdf = argv[optind];
	nsid = (uint32_t)strtoul(argv[optind + 1], NULL, 0);
	nvd_ctrlr_opts_init(&opts);
	if (force)
		opts.flags |= NVD_CTRLR_FORCE_PRP;
	rc = nvd_ctrlr_attach(bdf, &opts, &ctrlr);
	if (rc) {
		fprintf(stderr, "nvd_io_cmds: cannot attach %s: %s: %s\n", bdf, nvd_strerror(rc),
			nvd_last_error());
		return 1;
	}
	ns = nvd_ctrlr_get_ns(ctrlr, nsid);
	if (!ns || !nvd_ns_is_io_supported(ns)) {
		fprintf(stderr, "nvd_io_cmds: %s has no usable namespace %u\n", bdf, nsid);
		goto fail;
	}
	lbs = nvd_ns_get_sector_size(ns);
	if (nvd_ns_get_size(ns) < 8 * MiB) {
		fprintf(stderr, "nvd_io_cmds: namespace %u has %llu bytes, needs 8 MiB\n", nsid,
			(unsigned long long)nvd_ns_get_size(ns));
		goto fail;
	}
	memcpy(&sgls, (const uint8_t *)nvd_ctrlr_identify_data(ctrlr) + 536, 4);
	prp = force || (env && *env && strcmp(env, "0")) || !(sgls & 3);
	printf("nvd_io_cmds: %s ns %u, %u B LBAs, controller SGLS 0x%08x, descriptors: %s\n",
	       bdf, nsid, lbs, sgls, prp ? "PRPs only" : "SGLs where PRPs cannot do");
	rc = nvd_ctrlr_alloc_io_qpair(ctrlr, 0, &qp);
	if (rc) {
		fprintf(stderr, "nvd_io_cmds: cannot create an I/O queue: %s\n", nvd_strerror(rc));
		goto fail;
	}
	buf = nvd_dma_alloc(ctrlr, 64 * 1024);
	big = nvd_dma_alloc(ctrlr, 256 * 1024);
	big2 = nvd_dma_alloc(ctrlr, 256 * 1024);
	va = nvd_dma_alloc(ctrlr, 64 * 1024);
	vb = nvd_dma_alloc(ctrlr, 64 * 1024);
	if (!buf || !big || !big2 || !va || !vb) {
		fprintf(stderr, "nvd_io_cmds: out of DMA memory\n");
		goto fail_free;
	}

	check_write_zeroes(buf);
	check_deallocate(buf);
	check_flush();
	check_compare(buf);
	vec_scattered(&ws, va);
	vec_scattered(&rs, vb);
	check_vec(prp ? "writev-scattered-refused" : "writev-scattered", &ws, &rs, SEED_SCATTER,
		  4 * MiB / lbs, !prp);
	vec_aligned(&wa, va);
	vec_aligned(&ra, vb);
	check_vec("writev-aligned", &wa, &ra, SEED_ALIGNED, (4 * MiB + 64 * 1024) / lbs, 1);
	check_large(big, big2, prp);

fail_free:
	nvd_dma_free(ctrlr, vb);
	nvd_dma_free(ctrlr, va);
	nvd_dma_free(ctrlr, big2);
	nvd_dma_free(ctrlr, big);
	nvd_dma_free(ctrlr, buf);
	nvd_ctrlr_free_io_qpair(qp);
	nvd_ctrlr_detach(ctrlr);
	if (!buf || !big || !big2 || !va || !vb)
		return 1;
	printf("nvd_io_cmds: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
fail:
	nvd_ctrlr_detach(ctrlr);
	return 1;
usage:
	fprintf(stderr, "usage: nvd_io_cmds [-p] BDF NSID\n"
		"  checks write zeroes, deallocate, flush, compare, readv/writev and a large\n"
		"  transfer on namespace NSID; -p (or NVDIRECT_FORCE_PRP=1): PRPs only\n");
	return 2;
}
