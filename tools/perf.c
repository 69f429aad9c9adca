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
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <nvdirect.h>

#include "perf.h"
#include "report.h"
#include "trid_arg.h"

const char *const workload_names[] = {
	"read", "write", "randread", "randwrite", "rw", "randrw",
};

struct opts g_o;
struct ns_entry g_ns[MAX_TARGETS * 8];
int g_nns;
struct ctrlr_entry g_ctrlrs[MAX_CTRLRS];
int g_nctrlrs;
struct worker *g_workers;
int g_nworkers;
static pthread_barrier_t g_start;
static atomic_int g_stop;
static atomic_int g_measuring;
/* when g_measuring was set: rows divide by stop time minus this */
static _Atomic uint64_t g_measure_start_ns;

uint64_t perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


/*
 * Entries per I/O queue, as spdk_nvme_perf: --io-queue-size, else the
 * library's default (the controller's maximum within its memory budget,
 * nvd_ctrlr_info.io_queue_size) but never below -q + 1 while the controller
 * allows that.  I/Os beyond a queue's entries wait in the library's
 * requests (--io-queue-requests).  0 or the exit status.
 */
static int size_queues(struct ctrlr_entry *ce)
{
	const struct nvd_ctrlr_info *ci = nvd_ctrlr_get_info(ce->ctrlr);
	uint32_t max = ci->max_io_queue_size, need;

	if (g_o.qd > max - 1u)
		bad("-q %u exceeds the queue size of %s: at most %u I/Os in flight (%u entries, %s)",
		    g_o.qd, ce->bdf, max - 1u, max,
		    max == ci->mqes ? "CAP.MQES+1" : "the largest DMA region");
	if (g_o.io_queue_size > max)
		bad("--io-queue-size %u exceeds the largest I/O queue of %s: %u entries (%s)",
		    g_o.io_queue_size, ce->bdf, max,
		    max == ci->mqes ? "CAP.MQES+1" : "the largest DMA region");
	ce->qsize = g_o.io_queue_size;
	if (!ce->qsize)
		ce->qsize = ci->io_queue_size > g_o.qd ? ci->io_queue_size : g_o.qd + 1;
	/*
	 * A queue of N entries holds N - 1 commands.  Past that, I/Os wait as
	 * requests, and one that was sent from the wait keeps its request
	 * until it completes: in the end each of the -q I/Os may hold one.
	 */
	need = g_o.qd > ce->qsize - 1 ? g_o.qd : 0;
	ce->nreqs = g_o.io_queue_requests;
	if (ce->nreqs && ce->nreqs < need)
		bad("--io-queue-requests %u is too few for -q %u on %u-entry queues of %s: at least %u",
		    ce->nreqs, g_o.qd, ce->qsize, ce->bdf, need);
	if (!ce->nreqs && 4ull * (ce->qsize - 1) < need)
		ce->nreqs = g_o.qd;
	return 0;
}

/* The same controller: transport, address, port and subsystem (ns aside). */
static int same_ctrlr(const struct nvd_trid *a, const struct nvd_trid *b)
{
	return a->trtype == b->trtype && !strcmp(a->traddr, b->traddr) &&
	       !strcmp(a->trsvcid, b->trsvcid) && !strcmp(a->subnqn, b->subnqn);
}

static struct ctrlr_entry *get_ctrlr(const struct target *t, int *rc)
{
	struct nvd_ctrlr_opts co;
	struct ctrlr_entry *ce;
	char what[NVD_TRADDR_MAX_LEN + 2 * NVD_NQN_MAX_LEN + 96];
	int i, err;

	for (i = 0; i < g_nctrlrs; i++)
		if (same_ctrlr(&g_ctrlrs[i].trid, &t->trid))
			return &g_ctrlrs[i];
	if (g_nctrlrs == MAX_CTRLRS) {
		fprintf(stderr, PROG ": more than %d controllers\n", MAX_CTRLRS);
		*rc = 2;
		return NULL;
	}
	ce = &g_ctrlrs[g_nctrlrs];
	nvd_ctrlr_opts_init(&co);
	/* every thread gets -P queue pairs on every namespace */
	co.num_io_queues = g_o.ncores * g_o.qpairs * 8 > 65535 ? 65535 : g_o.ncores * g_o.qpairs * 8;
	co.flags = (g_o.hdgst ? NVD_CTRLR_TCP_HEADER_DIGEST : 0) |
		   (g_o.ddgst ? NVD_CTRLR_TCP_DATA_DIGEST : 0);
	ce->trid = t->trid;
	ce->trid.nsid = 0;
	snprintf(ce->bdf, sizeof(ce->bdf), "%s", t->bdf);
	err = nvd_ctrlr_connect(&ce->trid, &co, &ce->ctrlr);
	if (err) {
		if (t->bdf[0])
			snprintf(what, sizeof(what), "attaching %s", t->bdf);
		else {
			strcpy(what, "connecting to ");
			nvd_trid_format(&ce->trid, what + strlen(what), sizeof(what) - strlen(what));
		}
		*rc = report_fail(PROG, what, err);
		return NULL;
	}
	/* NVMe/TCP: the words and the table name the target's address */
	if (!ce->bdf[0]) {
		const struct nvd_ctrlr_info *info = nvd_ctrlr_get_info(ce->ctrlr);

		snprintf(ce->bdf, sizeof(ce->bdf), "%.*s", NVD_BDF_LEN - 1, t->trid.traddr);
		/* spdk_nvme_perf's line, and what the target made of -H and -I */
		if (!g_o.json)
			printf(t->trid.adrfam == NVD_ADRFAM_IPV6 ?
			       "Attached to NVMe over Fabrics controller at [%s]:%s: %s (header digest %s, data digest %s)\n" :
			       "Attached to NVMe over Fabrics controller at %s:%s: %s (header digest %s, data digest %s)\n",
			       t->trid.traddr, t->trid.trsvcid, t->trid.subnqn,
			       info->tcp_header_digest ? "on" : "off", info->tcp_data_digest ? "on" : "off");
	}
	g_nctrlrs++;
	*rc = size_queues(ce);
	return *rc ? NULL : ce;
}

/* Check -q and -o against this namespace and its controller; 0 or exit status. */
static int add_ns(struct ctrlr_entry *ce, struct nvd_ns *ns)
{
	uint32_t lbs = nvd_ns_get_sector_size(ns);
	uint32_t nsid = nvd_ns_get_id(ns);
	uint64_t max_bytes = (uint64_t)nvd_ns_get_max_io_sectors(ns) * lbs;
	struct ns_entry *ne;

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
	if (g_o.zipf_theta && zipf_init(&ne->zipf, ne->nblocks, g_o.zipf_theta))
		bad("-F zipf:%g: %s NSID %u has no block of %llu bytes to draw",
		    g_o.zipf_theta, ce->bdf, nsid, (unsigned long long)g_o.io_size);
	/* spdk_nvme_perf's row names: "PCIE (0000:00:03.0) NSID 1", "TCP (127.0.0.1) NSID 1" */
	snprintf(ne->name, sizeof(ne->name), "%s (%s) NSID %u",
		 ce->trid.trtype == NVD_TRTYPE_TCP ? "TCP" : "PCIE", ce->bdf, nsid);
	return 0;
}

static int add_target(const struct target *t)
{
	struct ctrlr_entry *ce;
	struct nvd_ns *ns;
	uint32_t nsid;
	int rc = 0, found = 0;

	ce = get_ctrlr(t, &rc);
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

/* The nvdirect CLI's words and exit status for a controller not bound to nvdirect. */
static int not_bound(const char *bdf, char bound[][NVD_BDF_LEN], int nb)
{
	char list[256] = "";
	int i;

	for (i = 0; i < nb; i++) {
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, bound[i], sizeof(list) - strlen(list) - 1);
	}
	fprintf(stderr, PROG ": %s is not bound to nvdirect (bound:%s; see nvdirect setup)\n", bdf,
		nb > 0 ? list : " none");
	return 1;
}

/* Pick the targets: -r or -b as given, checked against what is bound, or all. */
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
		if (tg[i].trid.trtype != NVD_TRTYPE_PCIE)
			continue;
		for (j = 0; j < nb && strcmp(bound[j], tg[i].bdf); j++)
			;
		if (j == nb)
			return not_bound(tg[i].bdf, bound, nb);
	}
	if (!ntg) {
		if (!nb) {
			fprintf(stderr, PROG ": no controller is bound to nvdirect.ko\n");
			return 1;
		}
		for (i = 0; i < nb; i++) {
			memset(&tg[i], 0, sizeof(tg[i]));
			if (trid_from_bdf(bound[i], &tg[i].trid))
				return report_fail(PROG, bound[i], -EINVAL);
			snprintf(tg[i].bdf, sizeof(tg[i].bdf), "%.*s", NVD_BDF_LEN - 1, tg[i].trid.traddr);
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
static int submit(struct task *t);

static void io_done(void *arg, const struct nvd_cpl *cpl)
{
	struct task *t = arg;
	struct ns_ctx *ctx = t->ctx;
	uint64_t lat = perf_now_ns() - t->start_ns;

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
	/* --rate-iops: the worker sends it again when the next I/O is due */
	if (!g_o.rate_iops && !atomic_load_explicit(&g_stop, memory_order_relaxed))
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

	if (rnd && g_o.zipf_theta) {
		blk = zipf_next(&ne->zipf, (double)(xorshift(&t->rng) >> 11) * 0x1.0p-53);
	} else if (rnd) {
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
	t->start_ns = perf_now_ns();
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

/*
 * --rate-iops: send one idle task when the next I/O is due; 1 when one was
 * sent.  Behind schedule (all -q in flight) the next is due at once, not
 * in a burst.
 */
static int submit_due(struct worker *w)
{
	uint64_t now = perf_now_ns();
	int i, q;

	if (now < w->next_ns)
		return 0;
	for (i = 0; i < w->nctx; i++)
		for (q = 0; q < (int)g_o.qd; q++)
			if (!w->ctxs[i].tasks[q].inflight) {
				w->next_ns += w->interval_ns;
				if (w->next_ns < now)
					w->next_ns = now;
				submit(&w->ctxs[i].tasks[q]);
				return 1;
			}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t t0, deadline, wall0;
	int i, rc, q, busy, reaped;
	double cpu0;

	/* naps of a few microseconds, not the default slack of 50 (poll_adaptive.c) */
	if (g_o.adaptive)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	pthread_barrier_wait(&g_start);
	wall0 = perf_now_ns();
	cpu0 = perf_thread_cpu_s();
	w->next_ns = wall0;
	for (i = 0; i < w->nctx && !g_o.rate_iops; i++)
		for (q = 0; q < (int)g_o.qd; q++)
			submit(&w->ctxs[i].tasks[q]);
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		reaped = 0;
		for (i = 0; i < w->nctx; i++)
			for (q = 0; q < (int)g_o.qpairs; q++) {
				rc = nvd_qpair_process_completions(w->ctxs[i].qp[q], 0);
				if (rc < 0 && !w->ctxs[i].submit_err)
					w->ctxs[i].submit_err = rc;
				reaped |= rc != 0;
				/*
				 * the controller is gone (PCIe: -ENXIO; NVMe/TCP: its
				 * connection's error, the controller failed): nothing
				 * more will complete
				 */
				if (rc == -ENXIO ||
				    (rc < 0 && nvd_ctrlr_is_failed(w->ctxs[i].ne->ce->ctrlr)))
					atomic_store(&g_stop, 1);
			}
		if (g_o.rate_iops)
			reaped |= submit_due(w);
		if (!reaped)
			perf_wait(w, g_o.rate_iops ? w->next_ns : 0);
	}
	deadline = perf_now_ns();
	w->cpu_s = perf_thread_cpu_s() - cpu0;
	w->wall_s = (double)(deadline - wall0) / 1e9;
	t0 = atomic_load(&g_measure_start_ns);
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
	} while (busy && perf_now_ns() < deadline);
	return NULL;
}

static int setup_workers(void)
{
	struct nvd_io_qpair_opts qo;
	char what[128];
	int core = -1, i, n, q, err;

	if (g_o.adaptive && g_nns * g_o.qpairs > 1)
		bad("--adaptive waits on one queue pair per thread, not %d namespaces x -P %u: "
		    "choose one with -r 'trtype:PCIe traddr:BDF ns:N' and -P 1", g_nns, g_o.qpairs);
	nvd_io_qpair_opts_init(&qo);
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
		w->interval_ns = g_o.rate_iops ? 1000000000ull / g_o.rate_iops : 0;
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
				qo.qsize = g_ns[n].ce->qsize;
				qo.io_requests = g_ns[n].ce->nreqs;
				qo.interrupts = (uint32_t)(g_o.intr || g_o.adaptive);
				err = nvd_ctrlr_alloc_io_qpair_opts(c, &qo, &ctx->qp[q]);
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
		if (g_o.intr) {
			err = perf_intr_setup(w);
			if (err)
				return report_fail(PROG, "-E: collecting queue pair eventfds", err);
		}
	}
	return 0;
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
	uint64_t start = perf_now_ns(), t0, end;
	struct timespec tick = { 0, 100 * 1000000 };

	while (!atomic_load(&g_stop) && perf_now_ns() - start < (uint64_t)g_o.warmup * 1000000000ull)
		nanosleep(&tick, NULL);
	t0 = perf_now_ns();
	atomic_store(&g_measure_start_ns, t0);
	atomic_store(&g_measuring, 1);
	end = t0 + (uint64_t)g_o.seconds * 1000000000ull;
	for (uint64_t next = t0 + 1000000000ull; !atomic_load(&g_stop) && perf_now_ns() < end;) {
		nanosleep(&tick, NULL);
		if (tty && perf_now_ns() >= next) {
			printf("\r%10.2f IOPS after %.0f s", (double)live_total() / ((double)(perf_now_ns() - t0) / 1e9),
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

	rc = perf_parse_args(argc, argv, tg, &ntg);
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
	perf_report();
	ret = perf_report_failures();
out:
	/* detach frees queue pairs and DMA memory */
	for (i = g_nctrlrs - 1; i >= 0; i--)
		nvd_ctrlr_detach(g_ctrlrs[i].ctrlr);
	return ret;
}
