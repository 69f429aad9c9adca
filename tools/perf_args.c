// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf's command line: spdk_nvme_perf's flags, each value checked
 * here with one line naming it and what is allowed (exit status 2).
 * Checks against a controller (-q, -o, --io-queue-size) come at attach,
 * in perf.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf.h"
#include "trid_arg.h"

/* long options without a letter of their own */
#define OPT_RATE_IOPS	0x100

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
		"  -c, --core-mask MASK    cores as a hex mask (0x3) or a list ([0,2-3]),\n"
		"                          one pinned thread per core (default 0x1)\n"
		"  -P, --num-qpairs N      queue pairs per namespace per thread (default 1)\n"
		"  -L, --enable-sw-latency-tracking\n"
		"                          latency percentiles; -LL adds the histogram (default off)\n"
		"  -r, --transport-id TRID a controller (and with ns:N one namespace) as a\n"
		"                          transport ID, e.g. 'trtype:PCIe traddr:0000:00:03.0\n"
		"                          ns:1'; repeatable (default every controller bound\n"
		"                          to nvdirect and every namespace that supports I/O).\n"
		"                          NVMe/TCP: 'trtype:TCP traddr:ADDR trsvcid:4420\n"
		"                          subnqn:NQN'\n"
		"  -H, --header-digest     NVMe/TCP: ask for header digests (CRC32C of each\n"
		"                          PDU header) on every connection (default off)\n"
		"  -I, --data-digest       NVMe/TCP: ask for data digests (CRC32C of each\n"
		"                          PDU's data) on every connection (default off)\n"
		"  -b, --allowed-pci-addr BDF\n"
		"                          only this controller of those bound, every namespace\n"
		"                          that supports I/O; repeatable (not with -r)\n"
		"      --io-queue-size N   entries per I/O queue (default: the controller's\n"
		"                          maximum within the library's memory budget, and at\n"
		"                          least -q + 1; see nvdirect-perf(1))\n"
		"      --io-queue-requests N\n"
		"                          I/Os the library may hold per queue pair beyond the\n"
		"                          queue's entries (default 4 x entries, at least -q)\n"
		"  -F, --zipf zipf:THETA   random offsets with a Zipf distribution (THETA above\n"
		"                          0, not 1; the first blocks hottest); default uniform\n"
		"  -E, --interrupt-mode    queue pairs raise MSI-X interrupts; a thread with\n"
		"                          nothing to reap sleeps in poll() on their eventfds\n"
		"                          instead of spinning (default: polling)\n"
		"      --adaptive          adaptive polling: interrupt-mode queue pairs, and a\n"
		"                          thread spins while a completion is due soon and\n"
		"                          sleeps while none is, as it learns the device's\n"
		"                          service time (one queue pair per thread)\n"
		"      --rate-iops N       at most N I/Os per second per thread, at most -q of\n"
		"                          them in flight (default: as fast as they complete)\n"
		"      --json              print the results as JSON instead of the table\n"
		"                          (with -LL the histogram buckets too)\n"
		"  -h, --help              this text\n"
		"\n"
		"After the table, a CPU line says how busy the worker threads were (their\n"
		"CPU time over wall time), to compare -E and --adaptive with polling.\n"
		"\n"
		"Exits 0 when every I/O succeeded, 1 when one failed, the library refused\n"
		"or a controller is not bound to nvdirect (as nvdirect does), 2 on a bad\n"
		"option value (one line naming the value and limit).\n"
		"A controller removed during the run (hot-remove, unbind) stops it: the\n"
		"I/O counted so far is reported, then one line names the controller,\n"
		"and the exit status is 1.\n");
}

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

static int parse_cores(const char *s)
{
	cpu_set_t online;
	int i, core, err;

	err = perf_parse_cores(s, &g_o.cores, &core);
	if (err == -ERANGE)
		bad("-c %s names core %d; this system has cores 0..%ld",
		    s, core, sysconf(_SC_NPROCESSORS_ONLN) - 1);
	if (err)
		bad("-c %s is neither a hex core mask (0x3) nor a core list ([0,2-3])", s);
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

/* -F zipf:THETA (or THETA alone, as spdk_nvme_perf takes it) */
static int parse_zipf(const char *s)
{
	const char *p = !strncmp(s, "zipf:", 5) ? s + 5 : s;
	struct zipf z;
	char *end;
	double t;

	errno = 0;
	t = strtod(p, &end);
	if (errno || end == p || *end || zipf_init(&z, 100, t))
		bad("-F %s: expected zipf:THETA with THETA above 0 and not 1, e.g. zipf:0.8", s);
	g_o.zipf_theta = t;
	return 0;
}

/* -b BDF: "0000:00:03.0", or "00:03.0" in domain 0 */
static int parse_bdf(const char *s, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (trid_from_bdf(s, &t->trid))
		bad("-b %s is not a PCI address like 0000:00:03.0", s);
	snprintf(t->bdf, sizeof(t->bdf), "%.*s", NVD_BDF_LEN - 1, t->trid.traddr);
	return 0;
}

/* -r TRID, as spdk_nvme_perf: "trtype:PCIe traddr:0000:00:03.0 ns:1" */
static int parse_trid(const char *s, struct target *t)
{
	char why[400];

	memset(t, 0, sizeof(*t));
	if (trid_arg(s, &t->trid, why, sizeof(why)))
		bad("-r '%s': %s; expected a transport ID like " TRID_EXAMPLE " [ns:N]", s, why);
	if (t->trid.trtype == NVD_TRTYPE_PCIE)
		snprintf(t->bdf, sizeof(t->bdf), "%.*s", NVD_BDF_LEN - 1, t->trid.traddr);
	t->nsid = t->trid.nsid;
	return 0;
}

int perf_parse_args(int argc, char **argv, struct target *tg, int *ntg)
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
		{ "adaptive", no_argument, NULL, 'A' },
		{ "rate-iops", required_argument, NULL, OPT_RATE_IOPS },
		{ "header-digest", no_argument, NULL, 'H' },
		{ "data-digest", no_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'J' },
		{ "allowed-pci-addr", required_argument, NULL, 'b' },
		{ "io-queue-size", required_argument, NULL, 'S' },
		{ "io-queue-requests", required_argument, NULL, 'R' },
		{ "zipf", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint32_t v;
	int c, rc, i, nr = 0, nb = 0;

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
	opterr = 0;	/* one line of our own below, not getopt's plus the usage */
	while ((c = getopt_long(argc, argv, "q:o:w:M:t:a:c:P:Lr:Eb:F:HIh", lo, NULL)) != -1) {
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
			rc = parse_cores(optarg);
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
			nr++;
			break;
		case 'b':
			if (*ntg == MAX_TARGETS)
				bad("-b: more than %d controllers", MAX_TARGETS);
			rc = parse_bdf(optarg, &tg[*ntg]);
			if (rc)
				return rc;
			(*ntg)++;
			nb++;
			break;
		case 'S':
			if (parse_u32(optarg, &g_o.io_queue_size) || g_o.io_queue_size < 2 ||
			    g_o.io_queue_size > 65536)
				bad("--io-queue-size %s: entries must be 2..65536", optarg);
			break;
		case 'R':
			if (parse_u32(optarg, &g_o.io_queue_requests) || !g_o.io_queue_requests)
				bad("--io-queue-requests %s: must be 1 or more", optarg);
			break;
		case 'F':
			rc = parse_zipf(optarg);
			if (rc)
				return rc;
			break;
		case 'E':
			g_o.intr = 1;
			break;
		case 'A':
			g_o.adaptive = 1;
			break;
		case 'H':
			g_o.hdgst = 1;
			break;
		case 'I':
			g_o.ddgst = 1;
			break;
		case OPT_RATE_IOPS:
			if (parse_u32(optarg, &g_o.rate_iops) || !g_o.rate_iops || g_o.rate_iops > 100000000)
				bad("--rate-iops %s: I/Os per second must be 1..100000000", optarg);
			break;
		case 'J':
			g_o.json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			if (optopt == OPT_RATE_IOPS || (optopt > 0 && optopt < 256 &&
							  strchr("qowMtacPrbFSR", optopt)))
				bad("%s needs a value (see --help)", argv[optind - 1]);
			if (optopt)
				bad("unknown option '-%c' (see --help)", optopt);
			bad("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad("unexpected argument '%s' (see --help)", argv[optind]);
	if (nr && nb)
		bad("-b and -r both pick controllers: use one of them");
	for (i = 0; (g_o.hdgst || g_o.ddgst) && i < *ntg; i++)
		if (tg[i].trid.trtype != NVD_TRTYPE_TCP)
			bad("%s: digests apply to NVMe/TCP only, not to the PCIe controller %s",
			    g_o.hdgst ? "-H" : "-I", tg[i].trid.traddr);
	if ((g_o.hdgst || g_o.ddgst) && !*ntg)
		bad("%s: digests apply to NVMe/TCP only: name the controller with -r 'trtype:TCP ...'",
		    g_o.hdgst ? "-H" : "-I");
	if (g_o.intr && g_o.adaptive)
		bad("-E and --adaptive are two ways to wait: use one of them");
	if (g_o.zipf_theta && g_o.workload != W_RANDREAD && g_o.workload != W_RANDWRITE &&
	    g_o.workload != W_RANDRW)
		bad("-F applies only to random workloads (randread, randwrite, randrw)");
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
