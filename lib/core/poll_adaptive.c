// SPDX-License-Identifier: MIT
/*
 * Adaptive polling: nvd_qpair_wait() on an interrupt-mode queue pair spins
 * while a completion is due soon and sleeps on the eventfd while it is not.
 * Like the kernel's hybrid polling (sleep about half the mean completion
 * time, then spin), but per queue pair, and learning what the waiter sees:
 * the gap from "the CQ was found empty" (t0) to "the CQ has an entry",
 * once for each way of waiting.
 *
 * Polling, after the CQ was found empty at t0 (spin_gap: learned):
 *   1. nap on the armed eventfd until about t0 + spin_gap/2 (the timer's
 *      learned lateness taken off); skipped while that is too short to pay
 *      for a sleep.  An interrupt ends it early.
 *   2. mask the vector and spin on the CQ until t0 + 2 spin_gap: the
 *      completion is due.
 *   3. arm (unmasks) and block on the eventfd until an interrupt or the
 *      timeout.
 * Sleeping: step 3 at once.  It costs no CPU, so it is chosen whenever its
 * gap (sleep_gap: the interrupt's delivery and the wakeup included) is at
 * most an eighth longer than polling's: a device much slower than a
 * wakeup, or a host where a spinning guest CPU slows the emulated device
 * down.  Every 32nd wait takes the other way, so both gaps stay current
 * (every 256th while that way's gap is more than twice as long: at QD1
 * one wait in 32 is 3% of the I/Os, which would set the p99 of a queue
 * pair that polls to a wakeup's latency); a polling wait taken that way
 * spins without a nap, so that it measures pure spinning.  With nothing
 * outstanding nothing can complete: the wait blocks at once and learns
 * nothing.
 *
 * What each wait teaches: only an entry a spin finds is a polling sample.
 * An entry an interrupt woke the waiter for, in a nap or a block, is a
 * sleeping sample, wakeup included; if the wait polled first, spin_gap
 * also moves toward how long it polled.  A nap the interrupt cut short
 * says the completion came before the nap ended: an estimate too long for
 * the device comes down instead of feeding itself (naps as long as a
 * wakeup, each ended by a wakeup).  A spin that ran out says the gap is at
 * least that long: the estimate grows, by a sixteenth, not to a stalled
 * guest's whole wait.
 *
 * Each gap moves a sixteenth toward every sample of its way: it settles at
 * the samples' median (a host that stalls the guest for milliseconds now
 * and then would drag a mean far above the typical gap, and every spin
 * with it) and follows the device when its service time changes: tenfold
 * in about 40 waits.  A deep queue's gaps are short: no nap fits, and the
 * queue pair is simply polled.
 *
 * Interrupts only while someone sleeps: the CQ was created with IEN=1, so
 * the device would raise an interrupt for every completion, and one taken
 * by a spinning guest CPU costs about as much as a sleep.  So step 2
 * masks the vector (NVDIRECT_MASK_IRQ) before it spins, and every sleep
 * goes through nvd_qpair_arm(), which unmasks it, then drains the eventfd,
 * then looks at the CQ (intr.c): a completion that lands between the look
 * and the sleep still wakes it, and one raised while masked is delivered
 * on unmask.  The vector's state is remembered, so only a change costs a
 * syscall: a queue pair in the polling regime masks once, at its first
 * spin, and makes no syscall after (but for the rare wait that tries
 * sleeping, or whose spin runs out); one that naps pays an unmask and a
 * mask per wait, beside the nap's own ppoll.  A module without the ioctl
 * leaves the vector unmasked: an interrupt per completion, as before.
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

#include "core/ctrlr.h"
#include "core/export.h"
#include "pcie/intr.h"

#define NAP_MIN_NS	10000ull	/* a shorter nap costs more than it saves */
#define SPIN_SLACK_NS	10000ull	/* spin this much past 2 spin_gap before blocking */
#define EXPLORE_EVERY	32		/* waits between tries of the way not chosen */
#define EXPLORE_RARELY	256		/* ... when it was more than twice as slow */

/* @est moved a sixteenth of itself (at least 1 us, at most all the way) toward @sample. */
static uint64_t toward(uint64_t est, uint64_t sample)
{
	uint64_t step = est / 16 > 1000 ? est / 16 : 1000;

	if (sample > est)
		return sample - est < step ? sample : est + step;
	return est - sample < step ? sample : est - step;
}

void nvd__adaptive_learn(struct adaptive *a, bool slept, uint64_t gap_ns)
{
	uint64_t *gap = slept ? &a->sleep_gap_ns : &a->spin_gap_ns;

	/* the first sample whole; 0 stays "unknown" */
	*gap = *gap ? toward(*gap, gap_ns) : gap_ns ? gap_ns : 1;
}

/*
 * From 0, never the first sample whole: one nap of a stalled guest would
 * stop naps for good (a lateness that eats the nap stops them, and only
 * naps teach it).
 */
void nvd__adaptive_learn_late(struct adaptive *a, uint64_t asked_ns, uint64_t took_ns)
{
	a->late_ns = toward(a->late_ns, took_ns > asked_ns ? took_ns - asked_ns : 0);
}

static bool sleeping_pays(const struct adaptive *a)
{
	return a->sleep_gap_ns && a->spin_gap_ns &&
	       a->sleep_gap_ns <= a->spin_gap_ns + a->spin_gap_ns / 8;
}

bool nvd__adaptive_explores(const struct adaptive *a)
{
	uint64_t chosen = sleeping_pays(a) ? a->sleep_gap_ns : a->spin_gap_ns;
	uint64_t other = sleeping_pays(a) ? a->spin_gap_ns : a->sleep_gap_ns;

	return a->waits % (chosen && other > 2 * chosen ? EXPLORE_RARELY : EXPLORE_EVERY) == 0;
}

bool nvd__adaptive_sleeps(const struct adaptive *a)
{
	return sleeping_pays(a) != nvd__adaptive_explores(a);
}

uint64_t nvd__adaptive_nap_ns(const struct adaptive *a)
{
	uint64_t half = a->spin_gap_ns / 2;

	return half >= a->late_ns + NAP_MIN_NS ? half - a->late_ns : 0;
}

uint64_t nvd__adaptive_spin_ns(const struct adaptive *a)
{
	return 2 * a->spin_gap_ns + SPIN_SLACK_NS;
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

/* How a wait ended, for what it teaches (see above). */
enum ended { SPUN, WOKEN_IN_NAP, WOKEN_IN_BLOCK };

/*
 * Steps 1 (if @nap_ok) and 2: 1 when the CQ has an entry (*how says
 * which step saw it), 0 when the spin ran out, -errno.  *polled_ns: how
 * long after t0 the nap would have ended, or the spin did.
 */
static int nap_and_spin(struct nvd_qpair *q, uint64_t t0, uint64_t deadline, bool nap_ok,
			enum ended *how, uint64_t *polled_ns)
{
	struct adaptive *a = &q->adaptive;
	uint64_t nap = nap_ok ? nvd__adaptive_nap_ns(a) : 0, spin_end;
	int rc;

	if (nap > deadline - t0)
		nap = deadline - t0;
	if (nap) {
		rc = nvd_qpair_arm(q);
		if (rc)
			return rc;
		a->naps++;
		rc = sleep_on_fd(q, nap);
		if (rc < 0)
			return rc;
		if (!rc) {
			nvd__adaptive_learn_late(a, nap, now_ns() - t0);
		} else if (cq_has_entry(q)) {
			*how = WOKEN_IN_NAP;
			*polled_ns = nap;
			return 1;
		}
	}
	spin_end = t0 + nvd__adaptive_spin_ns(a);
	if (spin_end > deadline)
		spin_end = deadline;
	/* no interrupt per completion while we look anyway; a failed mask only costs them */
	(void)nvd__qpair_intr_mask(q, true);
	do {
		if (cq_has_entry(q)) {
			a->spin_hits++;
			*how = SPUN;
			return 1;
		}
	} while (now_ns() < spin_end);
	*polled_ns = spin_end - t0;
	return 0;
}

/* Learn from a wait that found an entry @gap_ns after t0 (see above). */
static void learn(struct adaptive *a, enum ended how, uint64_t gap_ns, uint64_t polled_ns)
{
	if (how == SPUN) {
		nvd__adaptive_learn(a, false, gap_ns);
		return;
	}
	nvd__adaptive_learn(a, true, gap_ns);
	if (polled_ns)
		nvd__adaptive_learn(a, false, polled_ns < gap_ns ? polled_ns : gap_ns);
}

NVD_EXPORT int nvd_qpair_wait(struct nvd_qpair *qpair, int64_t timeout_us)
{
	struct adaptive *a;
	uint64_t t0, t, deadline, polled_ns = 0;
	enum ended how = WOKEN_IN_BLOCK;
	bool learning, slept = true, explore = false;
	int rc;

	if (!qpair || !qpair->intr)
		return -EINVAL;
	if (cq_has_entry(qpair) || qpair->failed || ctrlr_is_failed(qpair->ctrlr))
		return 1;
	a = &qpair->adaptive;
	t0 = now_ns();
	deadline = timeout_us < 0 ? UINT64_MAX : t0 + (uint64_t)timeout_us * 1000;
	learning = nvd_qpair_outstanding(qpair) != 0;
	if (learning) {
		a->waits++;
		slept = nvd__adaptive_sleeps(a);
		explore = nvd__adaptive_explores(a);
	}
	rc = slept ? 0 : nap_and_spin(qpair, t0, deadline, !explore, &how, &polled_ns);
	if (!rc) {
		/* 3. block: sleeping pays, nothing is due soon, or nothing is outstanding */
		rc = nvd_qpair_arm(qpair);
		t = now_ns();
		if (!rc && t >= deadline)
			return 0;
		if (!rc) {
			a->blocks++;
			rc = sleep_on_fd(qpair, deadline == UINT64_MAX ? UINT64_MAX : deadline - t);
			if (rc <= 0)
				return rc;
		}
	}
	if (rc < 0)
		return rc;
	/* an entry, or the module's last signal when the device goes */
	if (learning && cq_has_entry(qpair))
		learn(a, how, now_ns() - t0, polled_ns);
	return 1;
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
	s.spin_gap_ns = qpair->adaptive.spin_gap_ns;
	s.sleep_gap_ns = qpair->adaptive.sleep_gap_ns;
	s.late_ns = qpair->adaptive.late_ns;
	n = stats->size < sizeof(s) ? stats->size : sizeof(s);
	memcpy((char *)stats + sizeof(s.size), (char *)&s + sizeof(s.size), n - sizeof(s.size));
	return 0;
}
