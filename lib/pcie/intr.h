/* SPDX-License-Identifier: MIT */
/*
 * Interrupt mode of a queue pair: an MSI-X vector routed to an eventfd
 * (intr.c).
 */
#ifndef NVD_PCIE_INTR_H
#define NVD_PCIE_INTR_H

#include <stdbool.h>
#include <stdint.h>

struct nvd_qpair;

/*
 * Interrupt mode for @q (constructed, not yet created on the device): an
 * eventfd and the MSI-X vector routed to it.  Vector = qid; vector 0 is the
 * admin queue's, which is polled.
 */
int nvd__qpair_intr_enable(struct nvd_qpair *q);
/* Unroute and close; after the CQ is deleted.  No-op when polled. */
void nvd__qpair_intr_disable(struct nvd_qpair *q);
/*
 * Mask (@mask) or unmask @q's vector; a syscall only when that changes its
 * state.  0, also when the module cannot mask (then never again tried), or
 * -errno (-ENXIO: the device is gone).
 */
int nvd__qpair_intr_mask(struct nvd_qpair *q, bool mask);
/* Create I/O CQ CDW11 bits for @q's interrupts: IEN and IV, or 0. */
uint32_t nvd__qpair_cq_intr_bits(const struct nvd_qpair *q);

#endif /* NVD_PCIE_INTR_H */
