/* SPDX-License-Identifier: MIT */
/*
 * nvdirect-perf's shared state: perf.c runs the workload, perf_report.c
 * turns the per-thread statistics into spdk_nvme_perf's table or JSON.
 */
#ifndef NVD_TOOLS_PERF_H
#define NVD_TOOLS_PERF_H

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <nvdirect.h>
#include <nvdirect/trid.h>

#define PROG		"nvdirect-perf"
#define MAX_CTRLRS	64
#define MAX_TARGETS	64
#define MAX_CORES	CPU_SETSIZE
/* log-linear histogram: 2^HIST_SUB buckets per power of two of nanoseconds */
#define HIST_SUB	4
#define HIST_BUCKETS	(64 << HIST_SUB)

enum { W_READ, W_WRITE, W_RANDREAD, W_RANDWRITE, W_RW, W_RANDRW };
extern const char *const workload_names[];

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
	int intr;		/* -E: sleep on queue pair eventfds when idle */
	int adaptive;		/* --adaptive: nvd_qpair_wait(), spin or sleep as learned */
	uint32_t rate_iops;	/* --rate-iops: I/Os per second per thread; 0 unlimited */
	int hdgst;		/* -H: NVMe/TCP header digests */
	int ddgst;		/* -I: NVMe/TCP data digests */
	uint32_t io_queue_size;	/* --io-queue-size; 0: the library's default */
	uint32_t io_queue_requests; /* --io-queue-requests; 0: the library's default */
	double zipf_theta;	/* -F zipf:THETA; 0: uniform */
};

/* Usage errors: one line, exit status 2. */
#define bad(...) do { fprintf(stderr, PROG ": " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)

/* -F zipf:THETA over n blocks (perf_zipf.c) */
struct zipf {
	uint64_t n;
	double theta, alpha, zetan, eta, half_pow_theta;
};

struct target {
	struct nvd_trid trid;	/* -r, or -b / a bound BDF as trtype:PCIe */
	char bdf[NVD_BDF_LEN];	/* PCIe: the traddr; "" for other transports */
	uint32_t nsid;		/* 0: every namespace */
};

struct ctrlr_entry {
	struct nvd_trid trid;	/* as the target named it (ns aside) */
	char bdf[NVD_BDF_LEN];
	struct nvd_ctrlr *ctrlr;
	uint32_t qsize;		/* entries of each I/O queue */
	uint32_t nreqs;		/* io_requests of each queue pair; 0: the library's */
};

struct ns_entry {
	struct ctrlr_entry *ce;
	struct nvd_ns *ns;
	char name[64];		/* "PCIE (0000:00:03.0) NSID 1" */
	uint32_t lbas_per_io;
	uint64_t nblocks;	/* io_size units in the namespace */
	struct zipf zipf;	/* -F zipf: over nblocks */
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
	double cpu_s;		/* thread CPU time from start to stop */
	double wall_s;		/* wall time from start to stop */
	struct pollfd *pfds;	/* -E: one per queue pair */
	int npfds;
	uint64_t sleeps;	/* -E: times the thread slept in poll() */
	uint64_t next_ns;	/* --rate-iops: when the next I/O is due */
	uint64_t interval_ns;	/* --rate-iops: 1 s / N */
};

extern struct opts g_o;
extern struct ctrlr_entry g_ctrlrs[];
extern int g_nctrlrs;
extern struct ns_entry g_ns[];
extern int g_nns;
extern struct worker *g_workers;
extern int g_nworkers;

/* Bucket of a latency of @ns nanoseconds: exact below 16 ns, then 16 per power of two. */
static inline unsigned hist_bucket(uint64_t ns)
{
	unsigned msb;

	if (ns < (1u << HIST_SUB))
		return (unsigned)ns;
	msb = 63 - (unsigned)__builtin_clzll(ns);
	return ((msb - HIST_SUB + 1) << HIST_SUB) | (unsigned)((ns >> (msb - HIST_SUB)) & ((1u << HIST_SUB) - 1));
}

/* Lowest latency, in ns, that lands in bucket @b. */
static inline uint64_t hist_floor(unsigned b)
{
	unsigned hi = b >> HIST_SUB, lo = b & ((1u << HIST_SUB) - 1);

	if (!hi)
		return lo;
	return ((uint64_t)((1u << HIST_SUB) | lo)) << (hi - 1);
}

static inline void stats_reset(struct stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lat_min_ns = UINT64_MAX;
}

/* perf_args.c: the options into g_o and @tg (-r, -b); 0 or the exit status. */
int perf_parse_args(int argc, char **argv, struct target *tg, int *ntg);

/*
 * perf_cores.c: -c as a hex mask ("0x3", "3") or a list ("[0,2-3]").
 * 0, -EINVAL (not one of those), or -ERANGE (*bad_core past MAX_CORES).
 */
int perf_parse_cores(const char *s, cpu_set_t *set, int *bad_core);

/* perf_zipf.c: 0 or -EINVAL (n 0, THETA not above 0, or 1). */
int zipf_init(struct zipf *z, uint64_t n, double theta);
/* A block 0..n-1 for the uniform number @u in [0, 1). */
uint64_t zipf_next(const struct zipf *z, double u);
/* sum of k^-theta for k = 1..n (exact up to 2^20 terms, then the integral) */
double zipf_zeta(uint64_t n, double theta);

/* perf_intr.c: -E.  Collect @w's queue pair fds; negative errno. */
int perf_intr_setup(struct worker *w);
/*
 * @w reaped nothing: with -E arm its queue pairs and sleep until one has
 * completions, with --adaptive nvd_qpair_wait(), polling returns at once.
 * Either way no later than @until_ns (0: a short timeout).
 */
void perf_wait(struct worker *w, uint64_t until_ns);
/* The CPU line's mode: "polling", "interrupt mode", "adaptive polling". */
const char *perf_mode_name(void);
double perf_thread_cpu_s(void);
uint64_t perf_now_ns(void);

/* Print the table (or JSON) and, with -L, the latency summaries. */
void perf_report(void);
/* 0 when every I/O succeeded; else print the first failure and return 1. */
int perf_report_failures(void);

#endif /* NVD_TOOLS_PERF_H */
