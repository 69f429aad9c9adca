// SPDX-License-Identifier: MIT
/*
 * Interrupt mode: a queue pair whose CQ raises an MSI-X interrupt, routed
 * by the module to an eventfd, so that an idle application can sleep in
 * poll/epoll instead of spinning on the CQ.
 *
 * The queue's CQ is created with IEN=1 and IV = qid (Base 2.0 §5.4, Create
 * I/O Completion Queue, CDW11); vector 0 belongs to the admin queue, which
 * stays polled.  Completions are still reaped by the ordinary, lock-free
 * nvd_qpair_process_completions(): the eventfd only says "look now".
 *
 * No lost wakeups: nvd_qpair_arm() drains the eventfd before it looks at
 * the CQ.  An entry posted before the drain is seen by that look; one
 * posted after it raises an interrupt that finds the counter at zero and
 * makes it readable, so a following poll() returns at once.  MSI-X is edge
 * triggered and the controller sends a message for each new entry
 * (Interrupt Coalescing, Feature 08h, is off by default), so nothing is acknowledged
 * except by the CQ head doorbell that process_completions writes anyway.
 *
 * A waiter that spins on the CQ (nvd_qpair_wait) masks the vector first
 * (NVDIRECT_MASK_IRQ), so the device raises no interrupt per completion
 * for nobody; arm unmasks it before its drain and look.  A message the
 * device raised while masked is delivered on unmask, so an entry posted
 * while masked is either seen by the look or wakes the sleep (at worst a
 * wakeup too many, never one too few).  The state is remembered: only a
 * change costs a syscall, so a queue pair that keeps spinning masks once.
 * A module that cannot mask is asked once; the vector then stays unmasked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "pcie/intr.h"

uint32_t nvd__qpair_cq_intr_bits(const struct nvd_qpair *q)
{
	if (!q->intr)
		return 0;	/* polled: IEN = 0 */
	return NVME_CQ_IEN | ((uint32_t)q->iv << NVME_CQ_IV_SHIFT);
}

int nvd__qpair_intr_enable(struct nvd_qpair *q)
{
	struct pci_backend *t = q->ctrlr->t;
	uint32_t nvec = t->info.nr_vectors;
	int fd, err;

	if (!t->ops->set_irq || !nvec) {
		nvd__set_detail("%s cannot deliver interrupts (no MSI-X, or nvdirect.ko predates "
			   "NVDIRECT_SET_IRQS); use polling", t->info.devpath);
		return -EOPNOTSUPP;
	}
	if (q->qid >= nvec) {
		nvd__set_detail("queue %u needs MSI-X vector %u, but the function offers only %u vectors "
			   "(0-%u)", q->qid, q->qid, nvec, nvec - 1);
		return -ENOSPC;
	}
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		nvd__set_detail("eventfd for queue %u: %s", q->qid, strerror(errno));
		return err;
	}
	err = t->ops->set_irq(t, q->qid, fd);
	if (err) {
		close(fd);
		return err;
	}
	q->intr = true;
	q->iv = q->qid;
	q->intr_fd = fd;
	nvd__dbg("qid %u: interrupts on MSI-X vector %u, eventfd %d", q->qid, q->iv, fd);
	return 0;
}

void nvd__qpair_intr_disable(struct nvd_qpair *q)
{
	struct pci_backend *t = q->ctrlr->t;

	if (!q->intr)
		return;
	/* fails only when the device is gone, which unrouted it already; unrouting unmasks */
	t->ops->set_irq(t, q->iv, -1);
	close(q->intr_fd);
	q->intr = false;
	q->intr_fd = -1;
	q->intr_masked = false;
	q->intr_nomask = false;
}

int nvd__qpair_intr_mask(struct nvd_qpair *q, bool mask)
{
	struct pci_backend *t = q->ctrlr->t;
	int err;

	if (q->intr_masked == mask || q->intr_nomask)
		return 0;
	err = t->ops->mask_irq ? t->ops->mask_irq(t, q->iv, mask) : -EOPNOTSUPP;
	if (err == -EOPNOTSUPP) {
		nvd__dbg("qid %u: MSI-X vector %u cannot be masked; it interrupts per completion",
			 q->qid, q->iv);
		q->intr_nomask = true;	/* never masked: as before the module had it */
		return 0;
	}
	if (err)
		return err;
	q->intr_masked = mask;
	return 0;
}

NVD_EXPORT void nvd_io_qpair_opts_init(struct nvd_io_qpair_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->opts_size = sizeof(*opts);
}

NVD_EXPORT int nvd_qpair_get_fd(const struct nvd_qpair *qpair)
{
	if (!qpair || !qpair->intr)
		return -EINVAL;
	return qpair->intr_fd;
}

NVD_EXPORT int nvd_qpair_arm(struct nvd_qpair *qpair)
{
	struct nvd_cpl cpl;
	uint64_t count;

	if (!qpair || !qpair->intr)
		return -EINVAL;
	/* gone: let process_completions say so and finish what is left */
	if (qpair->failed || ctrlr_is_failed(qpair->ctrlr))
		return 1;
	/* unmasked before the drain and the look: nothing raised while masked is lost */
	if (nvd__qpair_intr_mask(qpair, false))
		return 1;	/* the device went (ENXIO): let process_completions see */
	/* EAGAIN when nothing fired since the last drain: fine either way */
	if (read(qpair->intr_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return -errno;
	return cq_ring_peek(&qpair->cq, &cpl) ? 1 : 0;
}
