// SPDX-License-Identifier: MIT
/*
 * nvdirect-perf -E: interrupt mode.  A worker whose queue pairs had nothing
 * to reap arms them all and sleeps in poll() on their eventfds instead of
 * spinning, the way an application that cares about idle CPU would.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "perf.h"

/* Long enough to sleep, short enough to notice the stop flag. */
#define WAIT_TIMEOUT_MS	100

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

void perf_intr_wait(struct worker *w)
{
	int i, q;

	for (i = 0; i < w->nctx; i++)
		for (q = 0; q < (int)g_o.qpairs; q++)
			if (nvd_qpair_arm(w->ctxs[i].qp[q]) != 0)
				return;		/* work is waiting, or an error to reap */
	w->sleeps++;
	poll(w->pfds, (nfds_t)w->npfds, WAIT_TIMEOUT_MS);
}

/* CPU time of the calling thread, in seconds. */
double perf_thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
