/* SPDX-License-Identifier: MIT */
/*
 * Adaptive polling's state in each queue pair (poll_adaptive.c), and the
 * pure parts of its decision, unit-tested on their own.
 */
#ifndef NVD_POLL_ADAPTIVE_H
#define NVD_POLL_ADAPTIVE_H

#include <stdint.h>

struct adaptive {
	uint64_t est_ns;	/* learned gap: CQ found empty -> CQ has an entry; 0 unknown */
	uint64_t late_ns;	/* how late a timed nap wakes, learned */
	uint64_t waits, spin_hits, naps, blocks;	/* nvd_qpair_wait_stats */
};

/* Learn one gap of @sample_ns: est a sixteenth toward it (the first sample whole). */
void nvd__adaptive_learn(struct adaptive *a, uint64_t sample_ns);
/* Learn that a nap asked for @asked_ns took @took_ns. */
void nvd__adaptive_learn_late(struct adaptive *a, uint64_t asked_ns, uint64_t took_ns);
/* How long to nap before spinning: to half the gap, less the timer's lateness; 0 none. */
uint64_t nvd__adaptive_nap_ns(const struct adaptive *a);
/* How long after the CQ was found empty to stop spinning and block. */
uint64_t nvd__adaptive_spin_ns(const struct adaptive *a);

#endif /* NVD_POLL_ADAPTIVE_H */
