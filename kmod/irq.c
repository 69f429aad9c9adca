// SPDX-License-Identifier: GPL-2.0
/*
 * nvdirect: MSI-X vectors routed to the owner's eventfds (interrupt mode).
 *
 * The module knows nothing of which queue raises which vector: the owner
 * creates its completion queues with IEN=1 and an IV of its choice and asks
 * for that vector to signal an eventfd, on which it can sleep in poll/epoll.
 * The handler only signals: the device needs no acknowledgement beyond the
 * CQ head doorbell the owner writes anyway (MSI-X is edge triggered).
 *
 * Vectors are allocated on the first NVDIRECT_SET_IRQS that routes one and
 * released when the owner goes (nvd_irq_free_all() from nvd_quiesce(), after
 * the controller is stopped and bus mastering is off, so no message is in
 * flight when a handler disappears).
 *
 * NVDIRECT_MASK_IRQ masks a routed vector while the owner spins on its CQ
 * (adaptive polling) and unmasks it before it sleeps.  The mask is the
 * kernel's disable_irq_nosync()/enable_irq(), kept balanced by a per-vector
 * flag: masking twice is one disable, and unrouting a masked vector enables
 * it first.  The vectors are IRQ_DISABLE_UNLAZY: the default lazy disable
 * only marks the irq disabled and masks it at the next interrupt, so a
 * spinning owner would still take one interrupt per mask (and, on enable,
 * the kernel's resend of it); unlazy sets the MSI-X entry's Mask bit at
 * once.  A message the device raises while masked is not lost: the device
 * holds it pending (PCIe Base 6.0 §7.7.2: Vector Control, Pending Bit
 * Array) and sends it when the Mask bit clears, and an interrupt that got
 * past the mask anyway is marked pending by the kernel and resent by
 * enable_irq().
 *
 * Locking: everything under nvd->lock; the fd array is copied in and the
 * eventfds looked up before it is taken (see chardev.c).
 */
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nvdirect_internal.h"
#include "uapi/nvdirect.h"

/* The "required" prefix of the argument: the size check relies on it. */
static_assert(offsetofend(struct nvdirect_irq_set, fds) == 24);
static_assert(offsetofend(struct nvdirect_irq_mask, mask) == 16);

/**
 * struct nvd_irq - one MSI-X vector and where it is routed
 * @trigger:	the owner's eventfd, NULL while not routed
 * @masked:	disabled by NVDIRECT_MASK_IRQ (one disable_irq_nosync() held)
 * @name:	shown in /proc/interrupts, e.g. "nvdirect0-v3"
 */
struct nvd_irq {
	struct eventfd_ctx *trigger;
	bool masked;
	char name[24];
};

/* MSI-X vectors the function offers; 0 when it has no MSI-X capability. */
static unsigned int nvd_irq_available(struct nvd_dev *nvd)
{
	int n = pci_msix_vec_count(nvd->pdev);

	return n > 0 ? n : 0;
}

/*
 * Allocate the vectors the function offers, once per open.  The platform
 * may grant fewer (vector space, interrupt remapping table); nr_vectors
 * reports what was granted from then on.
 */
static int nvd_irq_alloc_vectors(struct nvd_dev *nvd)
{
	unsigned int want = nvd_irq_available(nvd);
	int n;

	lockdep_assert_held(&nvd->lock);
	if (nvd->irqs)
		return 0;
	nvd->irqs = kcalloc(want, sizeof(*nvd->irqs), GFP_KERNEL);
	if (!nvd->irqs)
		return -ENOMEM;
	n = pci_alloc_irq_vectors(nvd->pdev, 1, want, PCI_IRQ_MSIX);
	if (n < 0) {
		dev_err(&nvd->pdev->dev, "cannot allocate %u MSI-X vectors: %d\n",
			want, n);
		kfree(nvd->irqs);
		nvd->irqs = NULL;
		return n == -ENOSPC ? -ENOSPC : -EBUSY;
	}
	nvd->nr_irqs = n;
	return 0;
}

static void nvd_irq_signal(struct nvd_irq *v)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(v->trigger);
#else
	eventfd_signal(v->trigger, 1);
#endif
}

static irqreturn_t nvd_irq_handler(int irq, void *data)
{
	nvd_irq_signal(data);
	return IRQ_HANDLED;
}

static void nvd_irq_set_masked(struct nvd_dev *nvd, unsigned int i, bool mask)
{
	struct nvd_irq *v = &nvd->irqs[i];

	if (v->masked == mask)
		return;		/* the irq's disable depth stays 0 or 1 */
	if (mask)
		disable_irq_nosync(pci_irq_vector(nvd->pdev, i));
	else
		enable_irq(pci_irq_vector(nvd->pdev, i));
	v->masked = mask;
}

static void nvd_irq_unroute(struct nvd_dev *nvd, unsigned int i)
{
	struct nvd_irq *v = &nvd->irqs[i];
	int irq = pci_irq_vector(nvd->pdev, i);

	if (!v->trigger)
		return;
	/* balanced before it goes: a later request_irq starts from depth 0 */
	nvd_irq_set_masked(nvd, i, false);
	irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
	free_irq(irq, v);
	eventfd_ctx_put(v->trigger);
	v->trigger = NULL;
}

/* Consumes @ctx on success. */
static int nvd_irq_route(struct nvd_dev *nvd, unsigned int i,
			 struct eventfd_ctx *ctx)
{
	struct nvd_irq *v = &nvd->irqs[i];
	int err;

	nvd_irq_unroute(nvd, i);
	snprintf(v->name, sizeof(v->name), "%s-v%u", dev_name(&nvd->dev), i);
	v->trigger = ctx;
	err = request_irq(pci_irq_vector(nvd->pdev, i), nvd_irq_handler, 0,
			  v->name, v);
	if (err) {
		v->trigger = NULL;
		dev_err(&nvd->pdev->dev, "cannot request MSI-X vector %u: %d\n",
			i, err);
		return err;
	}
	/* NVDIRECT_MASK_IRQ masks the MSI-X entry at once (see above) */
	irq_set_status_flags(pci_irq_vector(nvd->pdev, i), IRQ_DISABLE_UNLAZY);
	return 0;
}

/**
 * nvd_irq_free_all - unroute every vector and release them
 * @nvd: device, with @nvd->lock held
 *
 * Called by nvd_quiesce() once the device can no longer send messages.
 * Each routed eventfd is signalled a last time: after a removal, a waiter
 * wakes up and finds the device gone instead of sleeping forever.
 */
void nvd_irq_free_all(struct nvd_dev *nvd)
{
	unsigned int i;

	lockdep_assert_held(&nvd->lock);
	if (!nvd->irqs)
		return;
	for (i = 0; i < nvd->nr_irqs; i++) {
		if (nvd->irqs[i].trigger)
			nvd_irq_signal(&nvd->irqs[i]);
		nvd_irq_unroute(nvd, i);
	}
	pci_free_irq_vectors(nvd->pdev);
	kfree(nvd->irqs);
	nvd->irqs = NULL;
	nvd->nr_irqs = 0;
}

static void nvd_put_ctxs(struct eventfd_ctx **ctxs, u32 count)
{
	u32 i;

	for (i = 0; i < count; i++)
		if (!IS_ERR_OR_NULL(ctxs[i]))
			eventfd_ctx_put(ctxs[i]);
}

/* Look every fd up first, so a bad one changes nothing. */
static int nvd_get_ctxs(const s32 *fds, u32 count, struct eventfd_ctx **ctxs)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (fds[i] == -1)
			continue;
		ctxs[i] = fds[i] < -1 ? ERR_PTR(-EINVAL) :
			  eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctxs[i])) {
			int err = PTR_ERR(ctxs[i]);

			ctxs[i] = NULL;
			nvd_put_ctxs(ctxs, i);
			return err;
		}
	}
	return 0;
}

long nvd_ioctl_set_irqs(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_irq_set req = {};
	struct eventfd_ctx **ctxs = NULL;
	unsigned int avail = 0;
	bool dead;
	s32 *fds = NULL;
	u32 i;
	int err;

	err = nvd_arg_in(&req, uarg, fds);
	if (err)
		return err;

	mutex_lock(&nvd->lock);
	dead = nvd->dead;
	if (!dead)
		avail = nvd->irqs ? nvd->nr_irqs : nvd_irq_available(nvd);
	mutex_unlock(&nvd->lock);
	if (dead)
		return -ENODEV;
	if (req.start > avail || req.count > avail - req.start)
		return -EINVAL;

	if (req.count) {
		fds = memdup_user(u64_to_user_ptr(req.fds),
				  array_size(req.count, sizeof(*fds)));
		if (IS_ERR(fds))
			return PTR_ERR(fds);
		ctxs = kcalloc(req.count, sizeof(*ctxs), GFP_KERNEL);
		if (!ctxs) {
			err = -ENOMEM;
			goto out_free_fds;
		}
		err = nvd_get_ctxs(fds, req.count, ctxs);
		if (err)
			goto out_free_ctxs;

		mutex_lock(&nvd->lock);
		err = nvd->dead ? -ENODEV : nvd_irq_alloc_vectors(nvd);
		if (!err && req.start + req.count > nvd->nr_irqs)
			err = -EINVAL;	/* the platform granted fewer */
		avail = nvd->irqs ? nvd->nr_irqs : avail;
		for (i = 0; !err && i < req.count; i++) {
			if (!ctxs[i]) {
				nvd_irq_unroute(nvd, req.start + i);
				continue;
			}
			err = nvd_irq_route(nvd, req.start + i, ctxs[i]);
			if (!err)
				ctxs[i] = NULL;		/* consumed */
		}
		mutex_unlock(&nvd->lock);
		/* on error, the vectors before the failing one stay as set */
		nvd_put_ctxs(ctxs, req.count);
		if (err)
			goto out_free_ctxs;
	}

	req.nr_vectors = avail;
	err = nvd_arg_out(uarg, &req);
out_free_ctxs:
	kfree(ctxs);
out_free_fds:
	kfree(fds);
	return err;
}

long nvd_ioctl_mask_irq(struct nvd_dev *nvd, void __user *uarg)
{
	struct nvdirect_irq_mask req;
	int err;

	err = nvd_arg_in(&req, uarg, mask);
	if (err)
		return err;
	if (req.mask > 1)
		return -EINVAL;

	mutex_lock(&nvd->lock);
	if (nvd->dead)
		err = -ENODEV;
	else if (!nvd->irqs || req.vector >= nvd->nr_irqs ||
		 !nvd->irqs[req.vector].trigger)
		err = -EINVAL;	/* out of range, or not routed */
	else
		nvd_irq_set_masked(nvd, req.vector, req.mask);
	mutex_unlock(&nvd->lock);
	return err;
}
