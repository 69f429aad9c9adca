// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf: drive namespaces bound to nvdirect with a fixed-depth
 * workload and report IOPS, bandwidth and latency, with spdk_nvme_perf's
 * flags and table so that scripts written for it keep working.
 *
 * One thread per core of -c; each thread owns -P queue pairs on every
 * namespace and keeps -q I/Os in flight per namespace.  Queue pairs and DMA
 * buffers are set up on the main thread before the workers start.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nvdirect.h>

#include "report.h"

#define PROG		"nvdirect-perf"
#define MAX_CTRLRS	64
#define MAX_TARGETS	64
#define MAX_CORES	CPU_SETSIZE
/* log-linear histogram: 2^HIST_SUB buckets per power of two of nanoseconds */
#define HIST_SUB	4
#define HIST_BUCKETS	(64 << HIST_SUB)

enum { W_READ, W_WRITE, W_RANDREAD, W_RANDWRITE, W_RW, W_RANDRW };
static const char *const workload_names[] = {
	"read", "write", "randread", "randwrite", "rw", "randrw",
};

struct opts {
	uint32_t qd;
	uint64_t io_size;
	int workload;
	int read_pct;		/* -1: not given */
	uint32_t seconds;
	uint32_t warmup;
	cpu_set_t cores;
	int ncores;
	uint32_t qpairs;
	int latency;		/* 0, 1 (-L) or 2 (-LL) */
	int json;
};

struct target {
	char bdf[NVD_BDF_LEN];
	uint32_t nsid;		/* 0: every namespace */
};

struct ctrlr_entry {
	char bdf[NVD_BDF_LEN];
	struct nvd_ctrlr *ctrlr;
};

struct ns_entry {
	struct ctrlr_entry *ce;
	struct nvd_ns *ns;
	char name[64];		/* "PCIE (0000:00:03.0) NSID 1" */
	uint32_t lbas_per_io;
	uint64_t nblocks;	/* io_size units in the namespace */
};

struct stats {
	uint64_t ios;
	uint64_t lat_sum_ns;
	uint64_t lat_min_ns;
	uint64_t lat_max_ns;
	uint64_t hist[HIST_BUCKETS];
};

struct worker;

/* One namespace as seen by one worker thread. */
struct ns_ctx {
	struct worker *w;
	struct ns_entry *ne;
	struct nvd_qpair **qp;
	struct task *tasks;
	uint64_t seq_next;
	struct stats st;
	_Atomic uint64_t live_ios;	/* read by the progress line */
	uint64_t failed;
	struct nvd_cpl first_fail;
	uint64_t first_fail_lba;
	int submit_err;
};

struct task {
	struct ns_ctx *ctx;
	struct nvd_qpair *qp;
	void *buf;
	uint64_t lba;
	uint64_t start_ns;
	uint64_t rng;
	int inflight;
};

struct worker {
	pthread_t thread;
	int core;
	struct ns_ctx *ctxs;
	int nctx;
	double elapsed_s;
};

static struct opts g_o;
static struct ns_entry g_ns[MAX_TARGETS * 8];
static int g_nns;
static struct ctrlr_entry g_ctrlrs[MAX_CTRLRS];
static int g_nctrlrs;
static struct worker *g_workers;
static int g_nworkers;
static pthread_barrier_t g_start;
static atomic_int g_stop;
static atomic_int g_measuring;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"\n"
		"Measure IOPS, bandwidth and latency of namespaces bound to nvdirect.ko,\n"
		"with spdk_nvme_perf's flags and output.  Write workloads overwrite data.\n"
		"\n"
		"  -q, --io-depth N        I/Os in flight per namespace per thread (default 32)\n"
		"  -o, --io-size SIZE      bytes per I/O; 4096, 4k, 128K, 1M (default 4096)\n"
		"  -w, --io-pattern P      read, write, randread, randwrite, rw, randrw\n"
		"                          (default randread)\n"
		"  -M, --rwmixread PCT     percentage of reads, 0..100; required for rw, randrw\n"
		"  -t, --time SEC          measured run time in seconds (default 10)\n"
		"  -a, --warmup-time SEC   seconds of I/O before measuring (default 0)\n"
		"  -c, --core-mask MASK    hex mask, one pinned thread per core (default 0x1)\n"
		"  -P, --num-qpairs N      queue pairs per namespace per thread (default 1)\n"
		"  -L, --enable-sw-latency-tracking\n"
		"                          latency percentiles; -LL adds the histogram (default off)\n"
		"  -r, --transport-id TRID 'trtype:PCIe traddr:BDF [ns:N]', repeatable\n"
		"                          (default every controller bound to nvdirect and\n"
		"                          every namespace that supports I/O)\n"
		"  -E, --interrupt-mode    not supported yet (refused)\n"
		"      --json              print the results as JSON instead of the table\n"
		"  -h, --help              this text\n"
		"\n"
		"Exits 0 when every I/O succeeded, 1 when one failed or the library\n"
		"refused, 2 on a bad option value (one line naming the value and limit).\n");
}

/* Usage errors: one line, exit status 2. */
#define bad(...) do { fprintf(stderr, PROG ": " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || x > UINT32_MAX || s[0] == '-')
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		x <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		x <<= 20, end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	*v = x;
	return 0;
}

static int parse_mask(const char *s)
{
	cpu_set_t online;
	const char *p = s;
	int bit = 0, i, d;

	CPU_ZERO(&g_o.cores);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p)
		bad("-c %s is not a hex core mask", s);
	for (i = (int)strlen(p) - 1; i >= 0; i--, bit += 4) {
		char ch = p[i];

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			bad("-c %s is not a hex core mask", s);
		for (int b = 0; b < 4; b++) {
			if (!(d & (1 << b)))
				continue;
			if (bit + b >= MAX_CORES)
				bad("-c %s names core %d; this system has cores 0..%ld",
				    s, bit + b, sysconf(_SC_NPROCESSORS_ONLN) - 1);
			CPU_SET(bit + b, &g_o.cores);
		}
	}
	if (sched_getaffinity(0, sizeof(online), &online))
		CPU_ZERO(&online);
	g_o.ncores = CPU_COUNT(&g_o.cores);
	if (!g_o.ncores)
		bad("-c %s selects no core", s);
	for (i = 0; i < MAX_CORES; i++)
		if (CPU_ISSET(i, &g_o.cores) && !CPU_ISSET(i, &online))
			bad("-c %s names core %d, which is not present (this process may use %d cores)",
			    s, i, CPU_COUNT(&online));
	return 0;
}

/* "trtype:PCIe traddr:0000:00:03.0 ns:1" */
static int parse_trid(const char *s, struct target *t)
{
	char buf[256], *tok, *save = NULL;

	memset(t, 0, sizeof(*t));
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strncasecmp(tok, "trtype:", 7)) {
			if (strcasecmp(tok + 7, "PCIe"))
				bad("-r '%s': trtype %s is not supported (only PCIe)", s, tok + 7);
		} else if (!strncasecmp(tok, "traddr:", 7)) {
			if (strlen(tok + 7) >= NVD_BDF_LEN)
				bad("-r '%s': traddr %s is not a PCI address", s, tok + 7);
			snprintf(t->bdf, sizeof(t->bdf), "%s", tok + 7);
		} else if (!strncasecmp(tok, "ns:", 3)) {
			if (parse_u32(tok + 3, &t->nsid) || !t->nsid)
				bad("-r '%s': ns:%s is not a namespace ID", s, tok + 3);
		} else {
			bad("-r '%s': unknown key '%s' (trtype, traddr, ns)", s, tok);
		}
	}
	if (!t->bdf[0])
		bad("-r '%s' has no traddr:BDF", s);
	return 0;
}

static int parse_args(int argc, char **argv, struct target *tg, int *ntg)
{
	static const struct option lo[] = {
		{ "io-depth", required_argument, NULL, 'q' },
		{ "io-size", required_argument, NULL, 'o' },
		{ "io-pattern", required_argument, NULL, 'w' },
		{ "rwmixread", required_argument, NULL, 'M' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup-time", required_argument, NULL, 'a' },
		{ "core-mask", required_argument, NULL, 'c' },
		{ "num-qpairs", required_argument, NULL, 'P' },
		{ "enable-sw-latency-tracking", no_argument, NULL, 'L' },
		{ "transport-id", required_argument, NULL, 'r' },
		{ "interrupt-mode", no_argument, NULL, 'E' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint32_t v;
	int c, rc, i;

	g_o.qd = 32;
	g_o.io_size = 4096;
	g_o.workload = W_RANDREAD;
	g_o.read_pct = -1;
	g_o.seconds = 10;
	g_o.qpairs = 1;
	CPU_ZERO(&g_o.cores);
	CPU_SET(0, &g_o.cores);
	g_o.ncores = 1;
	*ntg = 0;
	while ((c = getopt_long(argc, argv, "q:o:w:M:t:a:c:P:Lr:Eh", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (parse_u32(optarg, &g_o.qd) || !g_o.qd)
				bad("-q %s: queue depth must be 1 or more", optarg);
			break;
		case 'o':
			if (parse_size(optarg, &g_o.io_size) || !g_o.io_size)
				bad("-o %s is not an I/O size (bytes, or with k/M suffix)", optarg);
			break;
		case 'w':
			for (i = 0; i < 6 && strcmp(optarg, workload_names[i]); i++)
				;
			if (i == 6)
				bad("-w %s: unknown workload (read, write, randread, randwrite, rw, randrw)",
				    optarg);
			g_o.workload = i;
			break;
		case 'M':
			if (parse_u32(optarg, &v) || v > 100)
				bad("-M %s: read percentage must be 0..100", optarg);
			g_o.read_pct = (int)v;
			break;
		case 't':
			if (parse_u32(optarg, &g_o.seconds) || !g_o.seconds)
				bad("-t %s: run time must be 1 second or more", optarg);
			break;
		case 'a':
			if (parse_u32(optarg, &g_o.warmup))
				bad("-a %s: warm-up must be 0 seconds or more", optarg);
			break;
		case 'c':
			rc = parse_mask(optarg);
			if (rc)
				return rc;
			break;
		case 'P':
			if (parse_u32(optarg, &g_o.qpairs) || !g_o.qpairs || g_o.qpairs > 256)
				bad("-P %s: queue pairs per namespace must be 1..256", optarg);
			break;
		case 'L':
			g_o.latency++;
			break;
		case 'r':
			if (*ntg == MAX_TARGETS)
				bad("-r: more than %d targets", MAX_TARGETS);
			rc = parse_trid(optarg, &tg[*ntg]);
			if (rc)
				return rc;
			(*ntg)++;
			break;
		case 'E':
			bad("-E: interrupt mode is not supported yet (libnvdirect only polls)");
		case 'J':
			g_o.json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		bad("unexpected argument '%s' (see --help)", argv[optind]);
	if (g_o.workload == W_RW || g_o.workload == W_RANDRW) {
		if (g_o.read_pct < 0)
			bad("-w %s needs -M, the read percentage 0..100", workload_names[g_o.workload]);
	} else if (g_o.read_pct >= 0) {
		bad("-M applies only to -w rw and randrw");
	} else {
		g_o.read_pct = (g_o.workload == W_READ || g_o.workload == W_RANDREAD) ? 100 : 0;
	}
	return 0;
}

static struct ctrlr_entry *get_ctrlr(const char *bdf, int *rc)
{
	struct nvd_ctrlr_opts co;
	struct ctrlr_entry *ce;
	char what[96];
	int i, err;

	for (i = 0; i < g_nctrlrs; i++)
		if (!strcmp(g_ctrlrs[i].bdf, bdf))
			return &g_ctrlrs[i];
	if (g_nctrlrs == MAX_CTRLRS) {
		fprintf(stderr, PROG ": more than %d controllers\n", MAX_CTRLRS);
		*rc = 2;
		return NULL;
	}
	ce = &g_ctrlrs[g_nctrlrs];
	nvd_ctrlr_opts_init(&co);
	/* every thread gets -P queue pairs on every namespace */
	co.num_io_queues = g_o.ncores * g_o.qpairs * 8;
	co.io_queue_size = g_o.qd + 1 > 65536 ? 65536 : g_o.qd + 1;
	snprintf(ce->bdf, sizeof(ce->bdf), "%.*s", NVD_BDF_LEN - 1, bdf);
	err = nvd_ctrlr_attach(bdf, &co, &ce->ctrlr);
	if (err) {
		snprintf(what, sizeof(what), "attaching %.*s", NVD_BDF_LEN - 1, bdf);
		*rc = report_fail(PROG, what, err);
		return NULL;
	}
	g_nctrlrs++;
	return ce;
}

/* Check -q and -o against this namespace and its controller; 0 or exit status. */
static int add_ns(struct ctrlr_entry *ce, struct nvd_ns *ns)
{
	const struct nvd_ctrlr_info *ci = nvd_ctrlr_get_info(ce->ctrlr);
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	uint32_t nsid = nvd_ns_get_id(ns);
	uint64_t max_bytes = (uint64_t)nvd_ns_get_max_io_sectors(ns) * lbs;
	struct ns_entry *ne;

	if (g_o.qd > (uint32_t)ci->mqes - 1u)
		bad("-q %u exceeds the queue size of %s: at most %u I/Os in flight (CAP.MQES %u entries)",
		    g_o.qd, ce->bdf, ci->mqes - 1u, ci->mqes);
	if (g_o.io_size % lbs)
		bad("-o %llu is not a multiple of the %u-byte LBA size of %s NSID %u",
		    (unsigned long long)g_o.io_size, lbs, ce->bdf, nsid);
	if (g_o.io_size > max_bytes)
		bad("-o %llu exceeds the maximum transfer of %s NSID %u: %llu bytes",
		    (unsigned long long)g_o.io_size, ce->bdf, nsid, (unsigned long long)max_bytes);
	if (g_o.io_size > nvd_ns_get_size(ns))
		bad("-o %llu exceeds the %llu-byte size of %s NSID %u",
		    (unsigned long long)g_o.io_size, (unsigned long long)nvd_ns_get_size(ns),
		    ce->bdf, nsid);
	if ((size_t)g_nns == sizeof(g_ns) / sizeof(g_ns[0]))
		bad("more than %zu namespaces", sizeof(g_ns) / sizeof(g_ns[0]));
	ne = &g_ns[g_nns++];
	ne->ce = ce;
	ne->ns = ns;
	ne->lbas_per_io = (uint32_t)(g_o.io_size / lbs);
	ne->nblocks = nvd_ns_get_num_sectors(ns) / ne->lbas_per_io;
	snprintf(ne->name, sizeof(ne->name), "PCIE (%s) NSID %u", ce->bdf, nsid);
	return 0;
}

static int add_target(const struct target *t)
{
	struct ctrlr_entry *ce;
	struct nvd_ns *ns;
	uint32_t nsid;
	int rc = 0, found = 0;

	ce = get_ctrlr(t->bdf, &rc);
	if (!ce)
		return rc;
	if (t->nsid) {
		ns = nvd_ctrlr_get_ns(ce->ctrlr, t->nsid);
		if (!ns)
			bad("-r ns:%u: %s has no active namespace %u", t->nsid, t->bdf, t->nsid);
		if (!nvd_ns_is_io_supported(ns))
			bad("-r ns:%u: %s namespace %u does not support I/O (metadata format)",
			    t->nsid, t->bdf, t->nsid);
		return add_ns(ce, ns);
	}
	for (nsid = nvd_ctrlr_first_ns(ce->ctrlr); nsid; nsid = nvd_ctrlr_next_ns(ce->ctrlr, nsid)) {
		ns = nvd_ctrlr_get_ns(ce->ctrlr, nsid);
		if (!ns || !nvd_ns_is_io_supported(ns))
			continue;
		rc = add_ns(ce, ns);
		if (rc)
			return rc;
		found++;
	}
	if (!found)
		bad("%s has no namespace that supports I/O", t->bdf);
	return 0;
}

/* Pick the targets: -r as given, checked against what is bound, or all. */
static int find_targets(struct target *tg, int ntg)
{
	static char bound[MAX_CTRLRS][NVD_BDF_LEN];
	int nb, i, j, rc;

	nb = nvd_list_bound(bound, MAX_CTRLRS);
	if (nb < 0)
		return report_fail(PROG, "listing controllers bound to nvdirect", nb);
	if (nb > MAX_CTRLRS)
		nb = MAX_CTRLRS;
	for (i = 0; i < ntg; i++) {
		for (j = 0; j < nb && strcmp(bound[j], tg[i].bdf); j++)
			;
		if (j == nb)
			bad("-r traddr:%s: no such controller bound to nvdirect (%d bound)",
			    tg[i].bdf, nb);
	}
	if (!ntg) {
		if (!nb) {
			fprintf(stderr, PROG ": no controller is bound to nvdirect.ko\n");
			return 1;
		}
		for (i = 0; i < nb; i++) {
			snprintf(tg[i].bdf, sizeof(tg[i].bdf), "%s", bound[i]);
			tg[i].nsid = 0;
		}
		ntg = nb;
	}
	for (i = 0; i < ntg; i++) {
		rc = add_target(&tg[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned hist_bucket(uint64_t ns)
{
	unsigned msb;

	if (ns < (1u << HIST_SUB))
		return (unsigned)ns;
	msb = 63 - (unsigned)__builtin_clzll(ns);
	return ((msb - HIST_SUB + 1) << HIST_SUB) | (unsigned)((ns >> (msb - HIST_SUB)) & ((1u << HIST_SUB) - 1));
}

/* Lowest latency, in ns, that lands in bucket @b. */
static uint64_t hist_floor(unsigned b)
{
	unsigned hi = b >> HIST_SUB, lo = b & ((1u << HIST_SUB) - 1);

	if (!hi)
		return lo;
	return ((uint64_t)((1u << HIST_SUB) | lo)) << (hi - 1);
}

static void stats_reset(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lat_min_ns = UINT64_MAX;
}

static int submit(struct task *t);

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct task *t = arg;
	struct ns_ctx *ctx = t->ctx;
	uint64_t lat = now_ns() - t->start_ns;

	t->inflight = 0;
	if (nvd_cpl_is_error(cpl)) {
		if (!ctx->failed++) {
			ctx->first_fail = *cpl;
			ctx->first_fail_lba = t->lba;
		}
	} else if (atomic_load_explicit(&g_measuring, memory_order_relaxed)) {
		struct stats *st = &ctx->st;

		st->ios++;
		st->lat_sum_ns += lat;
		if (lat < st->lat_min_ns)
			st->lat_min_ns = lat;
		if (lat > st->lat_max_ns)
			st->lat_max_ns = lat;
		if (g_o.latency)
			st->hist[hist_bucket(lat)]++;
		atomic_store_explicit(&ctx->live_ios, st->ios, memory_order_relaxed);
	}
	if (!atomic_load_explicit(&g_stop, memory_order_relaxed))
		submit(t);
}

static int submit(struct task *t)
{
	struct ns_ctx *ctx = t->ctx;
	struct ns_entry *ne = ctx->ne;
	int rnd = g_o.workload == W_RANDREAD || g_o.workload == W_RANDWRITE ||
		  g_o.workload == W_RANDRW;
	int is_read;
	uint64_t blk;
	int rc;

	if (rnd) {
		blk = xorshift(&t->rng) % ne->nblocks;
	} else {
		blk = ctx->seq_next++;
		if (ctx->seq_next >= ne->nblocks)
			ctx->seq_next = 0;
	}
	if (g_o.read_pct == 100)
		is_read = 1;
	else if (g_o.read_pct == 0)
		is_read = 0;
	else
		is_read = (int)(xorshift(&t->rng) % 100) < g_o.read_pct;
	t->lba = blk * ne->lbas_per_io;
	t->start_ns = now_ns();
	rc = is_read ? nvd_ns_read(ne->ns, t->qp, t->buf, t->lba, ne->lbas_per_io, io_done, t, 0) :
		       nvd_ns_write(ne->ns, t->qp, t->buf, t->lba, ne->lbas_per_io, io_done, t, 0);
	if (rc) {
		if (!ctx->submit_err)
			ctx->submit_err = rc;
		return rc;
	}
	t->inflight = 1;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t t0 = 0, deadline, iter = 0;
	int i, rc, q, busy;

	pthread_barrier_wait(&g_start);
	for (i = 0; i < w->nctx; i++)
		for (q = 0; q < (int)g_o.qd; q++)
			submit(&w->ctxs[i].tasks[q]);
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		for (i = 0; i < w->nctx; i++)
			for (q = 0; q < (int)g_o.qpairs; q++) {
				rc = nvd_qpair_process_completions(w->ctxs[i].qp[q], 0);
				if (rc < 0 && !w->ctxs[i].submit_err)
					w->ctxs[i].submit_err = rc;
			}
		if (!(++iter & 63) && atomic_load_explicit(&g_measuring, memory_order_relaxed) && !t0)
			t0 = now_ns();
	}
	deadline = now_ns();
	w->elapsed_s = t0 ? (double)(deadline - t0) / 1e9 : 0;
	/* drain: nothing is resubmitted once g_stop is set */
	deadline += 10ull * 1000000000ull;
	do {
		busy = 0;
		for (i = 0; i < w->nctx; i++)
			for (q = 0; q < (int)g_o.qpairs; q++) {
				if (nvd_qpair_process_completions(w->ctxs[i].qp[q], 0) < 0)
					continue;
				busy |= nvd_qpair_outstanding(w->ctxs[i].qp[q]) != 0;
			}
	} while (busy && now_ns() < deadline);
	return NULL;
}

static int setup_workers(void)
{
	char what[128];
	int core = -1, i, n, q, err;

	g_nworkers = g_o.ncores;
	g_workers = calloc((size_t)g_nworkers, sizeof(*g_workers));
	if (!g_workers)
		return report_fail(PROG, "allocating workers", -ENOMEM);
	for (i = 0; i < g_nworkers; i++) {
		struct worker *w = &g_workers[i];

		while (!CPU_ISSET(++core, &g_o.cores))
			;
		w->core = core;
		w->nctx = g_nns;
		w->ctxs = calloc((size_t)g_nns, sizeof(*w->ctxs));
		if (!w->ctxs)
			return report_fail(PROG, "allocating workers", -ENOMEM);
		for (n = 0; n < g_nns; n++) {
			struct ns_ctx *ctx = &w->ctxs[n];
			struct nvd_ctrlr *c = g_ns[n].ce->ctrlr;

			ctx->w = w;
			ctx->ne = &g_ns[n];
			stats_reset(&ctx->st);
			ctx->seq_next = (g_ns[n].nblocks / (uint64_t)g_nworkers) * (uint64_t)i;
			ctx->qp = calloc(g_o.qpairs, sizeof(*ctx->qp));
			ctx->tasks = calloc(g_o.qd, sizeof(*ctx->tasks));
			if (!ctx->qp || !ctx->tasks)
				return report_fail(PROG, "allocating workers", -ENOMEM);
			for (q = 0; q < (int)g_o.qpairs; q++) {
				err = nvd_ctrlr_alloc_io_qpair(c, g_o.qd + 1, &ctx->qp[q]);
				if (err) {
					snprintf(what, sizeof(what), "%s: queue pair %d of %u for core %d",
						 g_ns[n].ce->bdf, q + 1, g_o.qpairs, core);
					return report_fail(PROG, what, err);
				}
			}
			for (q = 0; q < (int)g_o.qd; q++) {
				struct task *t = &ctx->tasks[q];

				t->ctx = ctx;
				t->qp = ctx->qp[q % g_o.qpairs];
				t->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i * 4099 + n * 131 + q + 1);
				t->buf = nvd_dma_alloc(c, g_o.io_size);
				if (!t->buf) {
					snprintf(what, sizeof(what), "%s: allocating %llu bytes of DMA memory",
						 g_ns[n].ce->bdf, (unsigned long long)g_o.io_size);
					return report_fail(PROG, what, -errno);
				}
			}
		}
	}
	return 0;
}

struct row {
	double iops, mibps, avg, min, max;
};

static struct row make_row(const struct stats *st, double secs)
{
	struct row r = { 0 };

	if (st->ios && secs > 0) {
		r.iops = (double)st->ios / secs;
		r.mibps = r.iops * (double)g_o.io_size / (1024.0 * 1024.0);
		r.avg = (double)st->lat_sum_ns / (double)st->ios / 1000.0;
		r.min = (double)st->lat_min_ns / 1000.0;
		r.max = (double)st->lat_max_ns / 1000.0;
	}
	return r;
}

static const double pcts[] = { 1, 10, 25, 50, 75, 90, 95, 98, 99, 99.5, 99.9, 99.99, 99.999 };
#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))

/* Upper bound, in us, of the bucket holding the @pct-th percentile. */
static double percentile_us(const struct stats *st, double pct)
{
	uint64_t want = (uint64_t)((double)st->ios * pct / 100.0), seen = 0;
	unsigned b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += st->hist[b];
		if (seen > want || (seen == st->ios && seen))
			return (double)(b + 1 < HIST_BUCKETS ? hist_floor(b + 1) : hist_floor(b)) / 1000.0;
	}
	return (double)st->lat_max_ns / 1000.0;
}

static void print_latency(const char *name, int core, const struct stats *st)
{
	unsigned b;
	uint64_t cum = 0;
	size_t i;

	printf("Summary latency data for %s from core %d:\n", name, core);
	printf("=================================================================================\n");
	for (i = 0; i < NPCTS; i++)
		printf("%9.5f%% : %9.3fus\n", pcts[i], percentile_us(st, pcts[i]));
	printf("\n");
	if (g_o.latency < 2)
		return;
	printf("Latency histogram for %s from core %d:\n", name, core);
	printf("==============================================================================\n");
	printf("       Range in us     Cumulative    IO count\n");
	for (b = 0; b < HIST_BUCKETS; b++) {
		if (!st->hist[b])
			continue;
		cum += st->hist[b];
		printf("%9.3f - %9.3f: %9.4f%%  (%9llu)\n", (double)hist_floor(b) / 1000.0,
		       (double)hist_floor(b + 1) / 1000.0, 100.0 * (double)cum / (double)st->ios,
		       (unsigned long long)st->hist[b]);
	}
	printf("\n");
}

static void json_row(const char *indent, const struct row *r, const struct stats *st)
{
	size_t i;

	printf("%s\"iops\": %.2f, \"mibps\": %.2f, \"avg_us\": %.2f, \"min_us\": %.2f, \"max_us\": %.2f, \"ios\": %llu",
	       indent, r->iops, r->mibps, r->avg, r->min, r->max, (unsigned long long)st->ios);
	if (!g_o.latency)
		return;
	printf(",\n%s\"percentiles_us\": {", indent);
	for (i = 0; i < NPCTS; i++)
		printf("%s\"%g\": %.3f", i ? ", " : "", pcts[i], percentile_us(st, pcts[i]));
	printf("}");
}

static void report(void)
{
	struct stats tot;
	struct row r, tr;
	double tot_iops = 0, tot_mibps = 0;
	int w, n, width = 0, first = 1;
	unsigned b;

	stats_reset(&tot);
	for (n = 0; n < g_nns; n++)
		if ((int)strlen(g_ns[n].name) > width)
			width = (int)strlen(g_ns[n].name);
	if (g_o.json) {
		printf("{\n  \"workload\": \"%s\", \"io_size\": %llu, \"queue_depth\": %u, "
		       "\"rwmixread\": %d, \"time_s\": %u, \"warmup_s\": %u, \"qpairs\": %u,\n"
		       "  \"devices\": [\n", workload_names[g_o.workload],
		       (unsigned long long)g_o.io_size, g_o.qd, g_o.read_pct, g_o.seconds,
		       g_o.warmup, g_o.qpairs);
	} else {
		printf("========================================================\n");
		printf("%*s\n", width + 60, "Latency(us)");
		printf("%-*s: %10s %10s %10s %10s %10s\n", width + 13, "Device Information",
		       "IOPS", "MiB/s", "Average", "min", "max");
	}
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++) {
			struct ns_ctx *ctx = &g_workers[w].ctxs[n];

			r = make_row(&ctx->st, g_workers[w].elapsed_s);
			tot_iops += r.iops;
			tot_mibps += r.mibps;
			tot.ios += ctx->st.ios;
			tot.lat_sum_ns += ctx->st.lat_sum_ns;
			if (ctx->st.lat_min_ns < tot.lat_min_ns)
				tot.lat_min_ns = ctx->st.lat_min_ns;
			if (ctx->st.lat_max_ns > tot.lat_max_ns)
				tot.lat_max_ns = ctx->st.lat_max_ns;
			for (b = 0; b < HIST_BUCKETS; b++)
				tot.hist[b] += ctx->st.hist[b];
			if (g_o.json) {
				printf("%s    { \"name\": \"%s\", \"traddr\": \"%s\", \"nsid\": %u, \"core\": %d,\n",
				       first ? "" : ",\n", ctx->ne->name, ctx->ne->ce->bdf,
				       nvd_ns_get_id(ctx->ne->ns), g_workers[w].core);
				json_row("      ", &r, &ctx->st);
				printf(" }");
				first = 0;
			} else {
				printf("%-*.*s from core %2d: %10.2f %10.2f %10.2f %10.2f %10.2f\n",
				       width, width, ctx->ne->name, g_workers[w].core,
				       r.iops, r.mibps, r.avg, r.min, r.max);
			}
		}
	tr = make_row(&tot, 1.0);
	tr.iops = tot_iops;
	tr.mibps = tot_mibps;
	if (g_o.json) {
		printf("\n  ],\n  \"total\": {\n");
		json_row("    ", &tr, &tot);
		printf("\n  }\n}\n");
		return;
	}
	printf("========================================================\n");
	printf("%-*s: %10.2f %10.2f %10.2f %10.2f %10.2f\n", width + 13, "Total",
	       tr.iops, tr.mibps, tr.avg, tr.min, tr.max);
	printf("\n");
	if (!g_o.latency)
		return;
	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++)
			print_latency(g_ns[n].name, g_workers[w].core, &g_workers[w].ctxs[n].st);
}

/* 0 when every I/O succeeded; else print the first failure and return 1. */
static int report_failures(void)
{
	struct ns_ctx *first = NULL, *serr = NULL;
	uint64_t failed = 0;
	int w, n;

	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++) {
			struct ns_ctx *ctx = &g_workers[w].ctxs[n];

			failed += ctx->failed;
			if (ctx->failed && !first)
				first = ctx;
			if (ctx->submit_err && !serr)
				serr = ctx;
		}
	if (first)
		fprintf(stderr, PROG ": %llu I/O failed; first: %s NSID %u LBA %llu: %s\n",
			(unsigned long long)failed, first->ne->ce->bdf, nvd_ns_get_id(first->ne->ns),
			(unsigned long long)first->first_fail_lba, nvd_cpl_status_str(&first->first_fail));
	if (serr)
		fprintf(stderr, PROG ": %s NSID %u: submitting I/O failed: %s\n",
			serr->ne->ce->bdf, nvd_ns_get_id(serr->ne->ns), nvd_strerror(serr->submit_err));
	return first || serr ? 1 : 0;
}

static uint64_t live_total(void)
{
	uint64_t s = 0;
	int w, n;

	for (w = 0; w < g_nworkers; w++)
		for (n = 0; n < g_nns; n++)
			s += atomic_load_explicit(&g_workers[w].ctxs[n].live_ios, memory_order_relaxed);
	return s;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&g_stop, 1);
}

/* Main thread: warm up, measure, print progress, then stop the workers. */
static void run_clock(void)
{
	int tty = isatty(STDOUT_FILENO) && !g_o.json;
	uint64_t start = now_ns(), t0, end;
	struct timespec tick = { 0, 100 * 1000000 };

	while (!atomic_load(&g_stop) && now_ns() - start < (uint64_t)g_o.warmup * 1000000000ull)
		nanosleep(&tick, NULL);
	atomic_store(&g_measuring, 1);
	t0 = now_ns();
	end = t0 + (uint64_t)g_o.seconds * 1000000000ull;
	for (uint64_t next = t0 + 1000000000ull; !atomic_load(&g_stop) && now_ns() < end;) {
		nanosleep(&tick, NULL);
		if (tty && now_ns() >= next) {
			printf("\r%10.2f IOPS after %.0f s", (double)live_total() / ((double)(now_ns() - t0) / 1e9),
			       (double)(next - t0) / 1e9);
			fflush(stdout);
			next += 1000000000ull;
		}
	}
	atomic_store(&g_stop, 1);
	if (tty)
		printf("\r%*s\r", 40, "");
}

int main(int argc, char **argv)
{
	static struct target tg[MAX_CTRLRS];
	pthread_attr_t attr;
	cpu_set_t one;
	int ntg, rc, i, ret;

	rc = parse_args(argc, argv, tg, &ntg);
	if (rc)
		return rc;
	ret = find_targets(tg, ntg);
	if (ret)
		goto out;
	ret = setup_workers();
	if (ret)
		goto out;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pthread_barrier_init(&g_start, NULL, (unsigned)g_nworkers + 1);
	for (i = 0; i < g_nworkers; i++) {
		pthread_attr_init(&attr);
		CPU_ZERO(&one);
		CPU_SET(g_workers[i].core, &one);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		rc = pthread_create(&g_workers[i].thread, &attr, worker_main, &g_workers[i]);
		pthread_attr_destroy(&attr);
		if (rc) {
			fprintf(stderr, PROG ": starting the thread for core %d: %s\n",
				g_workers[i].core, strerror(rc));
			exit(1);	/* detach happens at close of the device */
		}
	}
	if (!g_o.json)
		printf("Initialization complete. Launching workers.\n");
	pthread_barrier_wait(&g_start);
	run_clock();
	for (i = 0; i < g_nworkers; i++)
		pthread_join(g_workers[i].thread, NULL);
	report();
	ret = report_failures();
out:
	/* detach frees queue pairs and DMA memory */
	for (i = g_nctrlrs - 1; i >= 0; i--)
		nvd_ctrlr_detach(g_ctrlrs[i].ctrlr);
	return ret;
}
