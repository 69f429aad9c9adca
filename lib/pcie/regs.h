/* SPDX-License-Identifier: MIT */
/*
 * Register and doorbell access: the only door to the BAR.
 *
 * BAR0 is mapped uncached; queue memory is ordinary cached DMA memory.  The
 * barriers below order the two: entries written to a ring must be visible
 * to the device before the doorbell that announces them, and a completion's
 * fields must not be read before its phase bit says it is new.
 */
#ifndef NVD_REGS_H
#define NVD_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/nvme_spec.h"

#if defined(__x86_64__) || defined(__i386__)
/* x86 keeps stores in order; sfence also drains write-combining buffers. */
#define io_wmb()	__asm__ __volatile__("sfence" ::: "memory")
/* x86 does not reorder loads with loads: a compiler barrier is enough. */
#define dma_rmb()	__asm__ __volatile__("" ::: "memory")
#elif defined(__aarch64__)
#define io_wmb()	__asm__ __volatile__("dmb oshst" ::: "memory")
#define dma_rmb()	__asm__ __volatile__("dmb oshld" ::: "memory")
#else
#define io_wmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dma_rmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
/* Full barrier: a store before it is visible before a load after it. */
#define full_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline uint32_t reg_read32(volatile uint8_t *bar, uint32_t off)
{
	uint32_t v = *(volatile uint32_t *)(bar + off);

	/* later reads of queue memory must not pass this register read */
	dma_rmb();
	return v;
}

static inline void reg_write32(volatile uint8_t *bar, uint32_t off, uint32_t v)
{
	/* queue memory written before the register must reach the device */
	io_wmb();
	*(volatile uint32_t *)(bar + off) = v;
}

/*
 * 64-bit registers as two dword accesses, low first: every controller
 * accepts that, not every PCIe path carries a single 8-byte access.
 */
static inline uint64_t reg_read64(volatile uint8_t *bar, uint32_t off)
{
	uint64_t lo = reg_read32(bar, off);
	uint64_t hi = reg_read32(bar, off + 4);

	return lo | (hi << 32);
}

static inline void reg_write64(volatile uint8_t *bar, uint32_t off, uint64_t v)
{
	reg_write32(bar, off, (uint32_t)v);
	reg_write32(bar, off + 4, (uint32_t)(v >> 32));
}

/* NVMe over PCIe: SQ y tail at 1000h + (2y * (4 << CAP.DSTRD)), CQ y head next. */
static inline uint32_t doorbell_offset(uint16_t qid, bool is_cq, uint32_t dstrd)
{
	return NVME_REG_DBS + (2u * qid + (is_cq ? 1u : 0u)) * (4u << dstrd);
}

static inline void doorbell_write(volatile uint32_t *db, uint32_t v)
{
	/* the SQ entries (or consumed CQ slots) must be visible first */
	io_wmb();
	*db = v;
}

/*
 * Shadow doorbells (Base 2.0 §5.8, Doorbell Buffer Config).  The host
 * writes every new tail/head to the queue's entry in the Shadow Doorbell
 * buffer; the controller publishes in the EventIdx buffer the value after
 * which it wants to hear from the register again.  The register write is
 * needed when that EventIdx lies in [old, new) of this update.  In 16-bit
 * arithmetic this stays right when the index wraps at the queue size: the
 * values skipped by the wrap lie outside every [old, new).
 */
static inline bool dbbuf_need_event(uint16_t event_idx, uint16_t new_val, uint16_t old_val)
{
	return (uint16_t)(new_val - event_idx - 1) < (uint16_t)(new_val - old_val);
}

/* Write @v to the shadow; true when the register must be written as well. */
static inline bool shadow_doorbell_write(volatile uint32_t *shadow, const volatile uint32_t *ei,
					 uint32_t old_val, uint32_t v)
{
	/* the SQ entries (or consumed CQ slots) before the new value */
	io_wmb();
	*shadow = v;
	/*
	 * The controller may be reading the shadow right now and then decide,
	 * from an EventIdx it has not yet updated, that it wants a register
	 * write.  Our shadow store must be visible before we read EventIdx, or
	 * both sides could miss each other.
	 */
	full_mb();
	return dbbuf_need_event((uint16_t)*ei, (uint16_t)v, (uint16_t)old_val);
}

#endif /* NVD_REGS_H */
