/* SPDX-License-Identifier: MIT */
/*
 * Submission and completion ring bookkeeping, without any device access so
 * that the index and phase rules can be unit tested over plain memory.
 *
 * Base 2.0 §4.1: a queue is empty when head == tail and full when
 * head == tail + 1 (mod size), so a ring of n slots holds n - 1 entries.
 * The controller inverts the phase tag each time it wraps the CQ; an entry
 * is new when its phase equals the phase the host expects, and the host
 * flips its expectation each time its head wraps.
 */
#ifndef NVD_RING_H
#define NVD_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/nvme_spec.h"
#include "pcie/regs.h"

struct sq_ring {
	struct nvme_cmd *entries;
	uint32_t size;		/* slots */
	uint32_t tail;		/* next slot the host fills */
	uint32_t head;		/* last SQ head the controller reported */
};

struct cq_ring {
	volatile struct nvd_cpl *entries;
	uint32_t size;
	uint32_t head;		/* next slot to look at */
	uint8_t phase;		/* phase tag that marks a new entry, starts at 1 */
};

static inline void sq_ring_init(struct sq_ring *r, struct nvme_cmd *entries, uint32_t size)
{
	r->entries = entries;
	r->size = size;
	r->tail = 0;
	r->head = 0;
}

static inline uint32_t ring_next(uint32_t i, uint32_t size)
{
	/* no division on the I/O path */
	return i + 1 == size ? 0 : i + 1;
}

static inline bool sq_ring_full(const struct sq_ring *r)
{
	return ring_next(r->tail, r->size) == r->head;
}

static inline uint32_t sq_ring_used(const struct sq_ring *r)
{
	return (r->tail + r->size - r->head) % r->size;
}

/* Copy @cmd into the tail slot and advance; caller checked sq_ring_full(). */
static inline void sq_ring_push(struct sq_ring *r, const struct nvme_cmd *cmd)
{
	r->entries[r->tail] = *cmd;
	r->tail = ring_next(r->tail, r->size);
}

/* The tail slot, to be filled in place and then sq_ring_advance()d. */
static inline struct nvme_cmd *sq_ring_slot(struct sq_ring *r)
{
	return &r->entries[r->tail];
}

static inline void sq_ring_advance(struct sq_ring *r)
{
	r->tail = ring_next(r->tail, r->size);
}

static inline void cq_ring_init(struct cq_ring *r, volatile struct nvd_cpl *entries,
				uint32_t size)
{
	r->entries = entries;
	r->size = size;
	r->head = 0;
	r->phase = 1;
}

/*
 * Copy out the entry at head if the controller has posted it.  The phase
 * bit is read first; the rest only after a read barrier, so a half-written
 * entry is never seen as new.
 */
static inline bool cq_ring_peek(const struct cq_ring *r, struct nvd_cpl *out)
{
	volatile struct nvd_cpl *e = &r->entries[r->head];
	volatile uint64_t *q = (volatile uint64_t *)e;
	uint64_t lo, hi;

	if ((e->status & NVME_CPL_PHASE) != r->phase)
		return false;
	dma_rmb();
	/* two 8-byte loads instead of six field loads */
	lo = q[0];
	hi = q[1];
	memcpy(out, &lo, sizeof(lo));
	memcpy((uint8_t *)out + 8, &hi, sizeof(hi));
	return true;
}

/* Consume the entry at head: advance, and flip the phase on wrap. */
static inline void cq_ring_next(struct cq_ring *r)
{
	if (++r->head == r->size) {
		r->head = 0;
		r->phase ^= 1;
	}
}

#endif /* NVD_RING_H */
