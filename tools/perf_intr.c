// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf's sleeping modes.  -E: a worker whose queue pairs had
 * nothing to reap arms them all and sleeps in poll() on their eventfds
 * instead of spinning, the way an application that cares about idle CPU
 * would.  --adaptive: the worker's one queue pair waits in nvd_qpair_wait(),
 * which spins while a completion is due soon and sleeps while none is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "perf.h"

/* Long enough to sleep, short enough to notice the stop flag. */
#define WAIT_TIMEOUT_NS	100000000ull

int perf_intr_setup(struct worker *w)
{
	int i, q, n = 0, fd;

	w->pfds = calloc((size_t)w->nctx * g_o.qpairs, sizeof(*w->pfds));
	if (!w->pfds)
		return -ENOMEM;
	for (i = 0; i < w->nctx; i++)
		for (q = 0; q < (int)g_o.qpairs; q++) {
			fd = nvd_qpair_get_fd(w->ctxs[i].qp[q]);
			if (fd < 0)
				return fd;
			w->pfds[n].fd = fd;
			w->pfds[n++].events = POLLIN;
		}
	w->npfds = n;
	return 0;
}

static void intr_wait(struct worker *w, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	int i, q;

	for (i = 0; i < w->nctx; i++)
		for (q = 0; q < (int)g_o.qpairs; q++)
			if (nvd_qpair_arm(w->ctxs[i].qp[q]) != 0)
				return;		/* work is waiting, or an error to reap */
	w->sleeps++;
	ppoll(w->pfds, (nfds_t)w->npfds, &ts, NULL);
}

void perf_wait(struct worker *w, uint64_t until_ns)
{
	uint64_t now, ns = WAIT_TIMEOUT_NS;

	if (!g_o.intr && !g_o.adaptive)
		return;
	if (until_ns) {
		now = perf_now_ns();
		if (until_ns <= now)
			return;
		if (until_ns - now < ns)
			ns = until_ns - now;
	}
	if (g_o.adaptive)
		nvd_qpair_wait(w->ctxs[0].qp[0], (int64_t)(ns / 1000));	/* one queue pair per thread */
	else
		intr_wait(w, ns);
}

const char *perf_mode_name(void)
{
	return g_o.adaptive ? "adaptive polling" : g_o.intr ? "interrupt mode" : "polling";
}

/* CPU time of the calling thread, in seconds. */
double perf_thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
