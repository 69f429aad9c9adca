/* SPDX-License-Identifier: MIT */
/*
 * Adaptive polling's state in each queue pair (poll_adaptive.c), and the
 * pure parts of its decision, unit-tested on their own.
 */
#ifndef NVD_POLL_ADAPTIVE_H
#define NVD_POLL_ADAPTIVE_H

#include <stdbool.h>
#include <stdint.h>

/* Learned gaps, CQ found empty -> CQ has an entry, in each way of waiting; 0 unknown. */
struct adaptive {
	uint64_t spin_gap_ns;	/* polling: napping and spinning */
	uint64_t sleep_gap_ns;	/* sleeping until the interrupt, its wakeup included */
	uint64_t late_ns;	/* how late a timed nap wakes */
	uint64_t waits, spin_hits, naps, blocks;	/* nvd_qpair_wait_stats */
};

/* Learn one gap of a wait that @slept (else polled): a sixteenth toward it, the first whole. */
void nvd__adaptive_learn(struct adaptive *a, bool slept, uint64_t gap_ns);
/* Learn that a nap asked for @asked_ns took @took_ns. */
void nvd__adaptive_learn_late(struct adaptive *a, uint64_t asked_ns, uint64_t took_ns);
/* This wait (a->waits counted) tries the way not chosen, so both gaps stay current. */
bool nvd__adaptive_explores(const struct adaptive *a);
/* This wait (a->waits counted) sleeps at once rather than polls. */
bool nvd__adaptive_sleeps(const struct adaptive *a);
/* How long to nap before spinning: to half the gap, less the timer's lateness; 0 none. */
uint64_t nvd__adaptive_nap_ns(const struct adaptive *a);
/* How long after the CQ was found empty to stop spinning and block. */
uint64_t nvd__adaptive_spin_ns(const struct adaptive *a);

#endif /* NVD_POLL_ADAPTIVE_H */
