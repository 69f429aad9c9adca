// SPDX-License-Identifier: MIT
/*
 * Adaptive polling: nvd_qpair_wait() on an interrupt-mode queue pair spins
 * while a completion is due soon and sleeps on the eventfd while it is not.
 * Like the kernel's hybrid polling (sleep about half the mean completion
 * time, then spin), but per queue pair, and learning what the waiter sees:
 * the gap from "the CQ was found empty" (t0) to "the CQ has an entry".
 *
 * One wait, after the CQ was found empty at t0 (est: the learned gap):
 *   1. nap on the armed eventfd until about t0 + est/2 (the timer's learned
 *      lateness taken off); skipped while that is too short to pay for a
 *      sleep.  An interrupt ends it early.
 *   2. spin on the CQ until t0 + 2 est: the completion is due.
 *   3. arm and block on the eventfd until an interrupt or the timeout.
 * Steps 1 and 2 only while commands are outstanding: with none, nothing can
 * complete and the wait blocks at once.  Every wait that ends with an entry
 * moves est a sixteenth toward its gap, so est settles at the gaps' median
 * (a host that stalls the guest for milliseconds now and then would drag a
 * mean far above the typical gap, and every spin with it) and follows the
 * device when its service time changes: tenfold in about 40 waits.  A deep queue's gaps are short: est stays below a nap's
 * cost and the queue pair is simply polled.  An idle one blocks and costs
 * nothing.
 *
 * The eventfd is armed (drained, then the CQ looked at: intr.c) just before
 * each sleep, so a completion that lands between the look and the sleep
 * still wakes it.  The CQ was created with IEN=1, so the device raises an
 * interrupt for every completion whether anyone sleeps or not; it costs the
 * spinning thread an interrupt handler, never a lost wakeup.
 *
 * Timer slack: a thread's default of 50 us makes every nap that much late;
 * the lateness is learned and taken off, and once it eats the whole nap
 * step 1 stops.  prctl(PR_SET_TIMERSLACK) of 1 us keeps naps useful
 * (nvdirect-perf --adaptive sets it for its workers).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NAP_MIN_NS	10000ull	/* a shorter nap costs more than it saves */
#define SPIN_SLACK_NS	10000ull	/* spin this much past 2 est before blocking */

/* @est moved a sixteenth of itself (at least 1 us, at most all the way) toward @sample. */
static uint64_t toward(uint64_t est, uint64_t sample)
{
	uint64_t step = est / 16 > 1000 ? est / 16 : 1000;

	if (sample > est)
		return sample - est < step ? sample : est + step;
	return est - sample < step ? sample : est - step;
}

void nvd__adaptive_learn(struct adaptive *a, uint64_t sample_ns)
{
	a->est_ns = a->est_ns ? toward(a->est_ns, sample_ns) : sample_ns;
	if (!a->est_ns)
		a->est_ns = 1;		/* known, and shorter than anything */
}

void nvd__adaptive_learn_late(struct adaptive *a, uint64_t asked_ns, uint64_t took_ns)
{
	a->late_ns = toward(a->late_ns, took_ns > asked_ns ? took_ns - asked_ns : 0);
}

uint64_t nvd__adaptive_nap_ns(const struct adaptive *a)
{
	uint64_t half = a->est_ns / 2;

	return half >= a->late_ns + NAP_MIN_NS ? half - a->late_ns : 0;
}

uint64_t nvd__adaptive_spin_ns(const struct adaptive *a)
{
	return 2 * a->est_ns + SPIN_SLACK_NS;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleep on @q's armed eventfd up to @ns (UINT64_MAX: no limit): 1 woken, 0 timed out, -errno. */
static int sleep_on_fd(struct nvd_qpair *q, uint64_t ns)
{
	struct pollfd p = { .fd = q->intr_fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };
	int n;

	n = ppoll(&p, 1, ns == UINT64_MAX ? NULL : &ts, NULL);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;	/* a signal: let the caller look */
	return n;
}

static bool cq_has_entry(const struct nvd_qpair *q)
{
	struct nvd_cpl cpl;

	return cq_ring_peek(&q->cq, &cpl);
}

/* The wait ends with an entry in the CQ: learn its gap. */
static int seen(struct adaptive *a, uint64_t t0)
{
	nvd__adaptive_learn(a, now_ns() - t0);
	return 1;
}

NVD_EXPORT int nvd_qpair_wait(struct nvd_qpair *qpair, int64_t timeout_us)
{
	struct adaptive *a;
	uint64_t t0, t, deadline, nap, spin_end;
	int rc;

	if (!qpair || !qpair->intr)
		return -EINVAL;
	if (cq_has_entry(qpair) || qpair->failed || ctrlr_is_failed(qpair->ctrlr))
		return 1;
	a = &qpair->adaptive;
	a->waits++;
	t0 = now_ns();
	deadline = timeout_us < 0 ? UINT64_MAX : t0 + (uint64_t)timeout_us * 1000;
	if (nvd_qpair_outstanding(qpair)) {
		/* 1. nap: nothing is due before about half the gap */
		nap = nvd__adaptive_nap_ns(a);
		if (nap > deadline - t0)
			nap = deadline - t0;
		if (nap) {
			rc = nvd_qpair_arm(qpair);
			if (rc)
				return rc < 0 ? rc : seen(a, t0);
			a->naps++;
			rc = sleep_on_fd(qpair, nap);
			if (rc < 0)
				return rc;
			if (!rc)
				nvd__adaptive_learn_late(a, nap, now_ns() - t0);
		}
		/* 2. spin: the completion is due */
		spin_end = t0 + nvd__adaptive_spin_ns(a);
		if (spin_end > deadline)
			spin_end = deadline;
		do {
			if (cq_has_entry(qpair)) {
				a->spin_hits++;
				return seen(a, t0);
			}
		} while (now_ns() < spin_end);
	}
	/* 3. block: nothing is due soon, or nothing is outstanding */
	rc = nvd_qpair_arm(qpair);
	if (rc)
		return rc < 0 ? rc : seen(a, t0);
	t = now_ns();
	if (t >= deadline)
		return 0;
	a->blocks++;
	rc = sleep_on_fd(qpair, deadline == UINT64_MAX ? UINT64_MAX : deadline - t);
	if (rc <= 0)
		return rc;
	/* the interrupt, or the module's last signal when the device goes */
	return cq_has_entry(qpair) ? seen(a, t0) : 1;
}

NVD_EXPORT int nvd_qpair_get_wait_stats(const struct nvd_qpair *qpair,
					struct nvd_qpair_wait_stats *stats)
{
	struct nvd_qpair_wait_stats s;
	size_t n;

	if (!qpair || !stats || stats->size < sizeof(stats->size))
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.waits = qpair->adaptive.waits;
	s.spin_hits = qpair->adaptive.spin_hits;
	s.naps = qpair->adaptive.naps;
	s.blocks = qpair->adaptive.blocks;
	s.est_ns = qpair->adaptive.est_ns;
	s.late_ns = qpair->adaptive.late_ns;
	n = stats->size < sizeof(s) ? stats->size : sizeof(s);
	memcpy((char *)stats + sizeof(s.size), (char *)&s + sizeof(s.size), n - sizeof(s.size));
	return 0;
}
