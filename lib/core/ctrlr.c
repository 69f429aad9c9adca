// SPDX-License-Identifier: MIT
/*
 * Controller lifetime: the object over an open transport, the register
 * steps of enabling and disabling, what Identify Controller tells us, and
 * detach (delete I/O queues, normal shutdown, close).  The initialisation
 * sequence itself (Base 2.0 §3.5.1) is the state machine in ctrlr_init.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/quirks.h"
#include "pcie/regs.h"	/* doorbell_offset(): the doorbells BAR0 holds */

#define SHUTDOWN_DEFAULT_MS	5000u
#define SHUTDOWN_MAX_MS		60000u

void nvd__ctrlr_mark_failed(struct nvd_ctrlr *c)
{
	if (!__atomic_exchange_n(&c->failed, 1, __ATOMIC_ACQ_REL))
		nvd__dbg("%s: controller is gone", c->info.bdf);
}

bool nvd__ctrlr_check_alive(struct nvd_ctrlr *c)
{
	uint32_t csts;

	if (ctrlr_is_failed(c))
		return false;
	csts = ctrlr_get_reg4(c, NVME_REG_CSTS);
	if (csts == NVME_REG_GONE) {
		nvd__ctrlr_mark_failed(c);
		return false;
	}
	if (__builtin_expect((csts & NVME_CSTS_CFS) != 0, 0) && c->enabled)
		nvd__ctrlr_note_fatal(c);
	return true;
}

void nvd__ctrlr_note_fatal(struct nvd_ctrlr *c)
{
	int none = 0;

	if (!__atomic_compare_exchange_n(&c->fatal, &none, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	nvd__dbg("%s: controller fatal status (CSTS.CFS): disabling it", c->info.bdf);
	/* Base 2.0 §3.5.3: a controller with CFS set is reset by clearing CC.EN */
	ctrlr_set_reg4(c, NVME_REG_CC, ctrlr_get_reg4(c, NVME_REG_CC) & ~NVME_CC_EN);
	if (nvd__ctrlr_wait_csts(c, NVME_CSTS_RDY, 0, c->ready_timeout_ms, "CSTS.RDY=0 (disable)"))
		nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
	nvd__clear_detail();
	__atomic_store_n(&c->fatal, 2, __ATOMIC_RELEASE);
}

int nvd__ctrlr_wait_csts(struct nvd_ctrlr *c, uint32_t mask, uint32_t want, uint32_t timeout_ms,
		    const char *what)
{
	uint64_t deadline = nvd__now_ms() + timeout_ms;
	uint32_t csts;

	for (;;) {
		csts = ctrlr_get_reg4(c, NVME_REG_CSTS);
		if (csts == NVME_REG_GONE) {
			nvd__ctrlr_mark_failed(c);
			nvd__set_detail("CSTS reads all ones while waiting for %s: the device is gone",
				   what);
			return -ENXIO;
		}
		if ((csts & mask) == want)
			return 0;
		/* a fatal controller never gets ready; shutdown may still finish */
		if ((csts & NVME_CSTS_CFS) && (mask & NVME_CSTS_RDY) && want) {
			nvd__set_detail("controller fatal status (CSTS.CFS) while waiting for %s", what);
			return -EIO;
		}
		if (nvd__now_ms() > deadline) {
			nvd__set_detail("timed out after %u ms waiting for %s (CSTS 0x%x)", timeout_ms,
				   what, csts);
			return -ETIMEDOUT;
		}
		nvd__sleep_ms(1);
	}
}

int nvd__ctrlr_disable(struct nvd_ctrlr *c)
{
	uint32_t cc = ctrlr_get_reg4(c, NVME_REG_CC);
	uint32_t csts = ctrlr_get_reg4(c, NVME_REG_CSTS);
	int err;

	if (cc == NVME_REG_GONE || csts == NVME_REG_GONE) {
		nvd__ctrlr_mark_failed(c);
		nvd__set_detail("registers read all ones: the device is gone");
		return -ENXIO;
	}
	if (cc & NVME_CC_EN) {
		/* clearing EN while RDY is still 0 is undefined: let it finish enabling */
		if (!(csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS)) {
			err = nvd__ctrlr_wait_csts(c, NVME_CSTS_RDY, NVME_CSTS_RDY, c->ready_timeout_ms,
					      "CSTS.RDY=1 before reset");
			if (err == -ENXIO)
				return err;
			/* stuck enabling: clear EN anyway, it is all that is left */
			if (err)
				nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
		}
		ctrlr_set_reg4(c, NVME_REG_CC, cc & ~NVME_CC_EN);
		if (c->quirks & NVD_QUIRK_DELAY_BEFORE_CHK_RDY)
			nvd__sleep_ms(c->quirk_rdy_delay_ms);
	}
	return nvd__ctrlr_wait_csts(c, NVME_CSTS_RDY, 0, c->ready_timeout_ms, "CSTS.RDY=0 (disable)");
}

int nvd__ctrlr_enable_start(struct nvd_ctrlr *c)
{
	uint32_t cc;
	int err;

	/* Base 2.0 §3.5.1: the admin queue (PCIe: AQA, ASQ, ACQ), then CC, then wait for RDY */
	err = c->transport->ctrlr_enable(c);
	if (err)
		return err;
	cc = NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(0) | NVME_CC_AMS_RR |
	     NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2);
	ctrlr_set_reg4(c, NVME_REG_CC, cc);
	return 0;
}

int nvd__ctrlr_enable(struct nvd_ctrlr *c)
{
	int err;

	err = nvd__ctrlr_enable_start(c);
	if (err)
		return err;
	if (c->quirks & NVD_QUIRK_DELAY_BEFORE_CHK_RDY)
		nvd__sleep_ms(c->quirk_rdy_delay_ms);
	return nvd__ctrlr_wait_csts(c, NVME_CSTS_RDY, NVME_CSTS_RDY, c->ready_timeout_ms,
			       "CSTS.RDY=1 (enable)");
}

/* Copy a space-padded ASCII field and drop the padding. */
static void copy_trimmed(char *dst, const char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		dst[--n] = '\0';
}

int nvd__ctrlr_identify_done(struct nvd_ctrlr *c)
{
	uint32_t mpsmin = NVME_CAP_MPSMIN(c->cap);
	struct nvd_ctrlr_info *info = &c->info;
	uint64_t mdts_bytes;
	const char *limit;

	info->vid = c->id.vid;
	info->ssvid = c->id.ssvid;
	copy_trimmed(info->sn, c->id.sn, sizeof(c->id.sn));
	copy_trimmed(info->mn, c->id.mn, sizeof(c->id.mn));
	copy_trimmed(info->fr, c->id.fr, sizeof(c->id.fr));
	info->nn = c->id.nn;
	info->mdts = c->id.mdts;

	if ((c->id.sqes & 0xf) > NVME_SQES_LOG2 || (c->id.cqes & 0xf) > NVME_CQES_LOG2) {
		nvd__set_detail("controller needs SQ/CQ entries of 2^%u/2^%u bytes", c->id.sqes & 0xf,
			   c->id.cqes & 0xf);
		return -EOPNOTSUPP;
	}

	/* the transport's bound, then MDTS: a power of two in units of the minimum memory page size */
	c->max_xfer = c->transport->max_xfer_size(c);
	info->max_xfer_bytes = 0;
	if (c->id.mdts) {
		if (c->id.mdts + NVME_PAGE_SHIFT + mpsmin >= 32)
			mdts_bytes = UINT32_MAX;
		else
			mdts_bytes = (1ull << c->id.mdts) * ((uint64_t)NVME_PAGE_SIZE << mpsmin);
		info->max_xfer_bytes = (uint32_t)mdts_bytes;
		if (mdts_bytes < c->max_xfer)
			c->max_xfer = (uint32_t)mdts_bytes;
	}
	info->max_io_queue_size = nvd__io_qsize_max(c, &limit);
	info->io_queue_size = nvd__io_qsize_default(c);
	nvd__dbg("%s: %s sn %s fr %s, nn %u, mdts %u, max transfer %u bytes, I/O queues %u entries (at most %u, %s)",
	    info->bdf, info->mn, info->sn, info->fr, info->nn, info->mdts, c->max_xfer,
	    info->io_queue_size, info->max_io_queue_size, limit);
	return 0;
}

uint16_t nvd__ctrlr_io_queues_wanted(const struct nvd_ctrlr *c)
{
	uint32_t dstrd = NVME_CAP_DSTRD(c->cap);
	uint32_t want = c->opts.num_io_queues;

	if (want > 65535)
		want = 65535;
	/* fabrics: no doorbells, each queue is a connection */
	if (c->tcp)
		return (uint16_t)want;
	/* every queue's doorbells must be inside BAR0 */
	while (want > 0 && doorbell_offset((uint16_t)want, true, dstrd) + 4 > c->t->info.bar_size)
		want--;
	return (uint16_t)want;
}

int nvd__ctrlr_io_queues_granted(struct nvd_ctrlr *c, uint16_t granted)
{
	c->ioq = calloc((size_t)granted + 1, sizeof(*c->ioq));
	if (!c->ioq)
		return -ENOMEM;
	c->info.num_io_queues = granted;
	return 0;
}

int nvd__ctrlr_dbbuf_alloc(struct nvd_ctrlr *c, uint32_t nqueues)
{
	size_t bytes = (size_t)nqueues * 2 * (4u << NVME_CAP_DSTRD(c->cap));
	void *dbs, *eis;
	int err;

	/* one region each: the command takes one address per buffer */
	err = nvd__dma_pool_alloc(&c->dma, bytes, true, &dbs);
	if (err)
		return err;
	err = nvd__dma_pool_alloc(&c->dma, bytes, true, &eis);
	if (err) {
		nvd__dma_pool_free(&c->dma, dbs);
		return err;
	}
	c->dbbuf_dbs = dbs;
	c->dbbuf_eis = eis;
	c->dbbuf_queues = nqueues;
	return 0;
}

void nvd__ctrlr_dbbuf_free(struct nvd_ctrlr *c)
{
	nvd__dma_pool_free(&c->dma, c->dbbuf_eis);
	nvd__dma_pool_free(&c->dma, c->dbbuf_dbs);
	c->dbbuf_dbs = c->dbbuf_eis = NULL;
	c->dbbuf_queues = 0;
}

/*
 * Shadow doorbells when the controller offers them (OACS bit 8; emulated
 * controllers do, to spare the hypervisor a trap per doorbell).  Sent
 * before any I/O queue exists.  A controller that refuses the command
 * simply keeps register doorbells.
 */
int nvd__ctrlr_dbbuf_bus(struct nvd_ctrlr *c, uint64_t *dbs_bus, uint64_t *eis_bus)
{
	int err = -EINVAL;

	if (c->dbbuf_dbs && c->dbbuf_eis) {
		err = nvd__dma_pool_vtophys(&c->dma, c->dbbuf_dbs, dbs_bus);
		if (!err)
			err = nvd__dma_pool_vtophys(&c->dma, c->dbbuf_eis, eis_bus);
	}
	if (err)
		nvd__set_detail("no bus address for the shadow doorbell buffers (%p, %p): Doorbell Buffer Config not sent",
			   (void *)c->dbbuf_dbs, (void *)c->dbbuf_eis);
	return err;
}

int nvd__ctrlr_dbbuf_config(struct nvd_ctrlr *c)
{
	uint64_t dbs_bus, eis_bus;
	int err;

	err = nvd__ctrlr_dbbuf_bus(c, &dbs_bus, &eis_bus);
	if (err)
		return err;
	return nvd__admin_dbbuf_config(c, dbs_bus, eis_bus);
}

bool nvd__ctrlr_dbbuf_prepare(struct nvd_ctrlr *c)
{
	const char *env = getenv("NVDIRECT_NO_SHADOW_DOORBELLS");
	int err;

	if (c->tcp || !(c->id.oacs & NVD_OACS_DBBUF) || !c->info.num_io_queues ||
	    (c->opts.flags & NVD_CTRLR_NO_SHADOW_DOORBELLS) ||
	    (c->quirks & NVD_QUIRK_NO_SHADOW_DOORBELLS) || (env && strcmp(env, "0"))) {
		nvd__dbg("%s: shadow doorbells off (OACS 0x%x%s)", c->info.bdf, c->id.oacs,
		    c->id.oacs & NVD_OACS_DBBUF ? ", disabled by option or quirk" : "");
		return false;
	}
	err = nvd__ctrlr_dbbuf_alloc(c, (uint32_t)c->info.num_io_queues + 1);
	if (err) {
		/* an optimisation only: registers work without it */
		nvd__dbg("%s: no memory for shadow doorbells (%s); using doorbell registers",
		    c->info.bdf, nvd_strerror(err));
		nvd__clear_detail();
		return false;
	}
	return true;
}

int nvd__ctrlr_construct_common(struct nvd_ctrlr *c, const struct nvd_ctrlr_opts *opts)
{
	pthread_mutexattr_t ma;

	/* recursive: a reset holds it across the admin commands it sends */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&c->admin_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	c->opts = *opts;
	c->cap = ctrlr_get_reg8(c, NVME_REG_CAP);
	c->info.ver = ctrlr_get_reg4(c, NVME_REG_VS);
	if (c->cap == UINT64_MAX || c->info.ver == NVME_REG_GONE) {
		nvd__set_detail("registers read all ones: the device is gone");
		goto err_destroy_lock;
	}
	/* CAP.TO is in 500 ms units; 0 would make every wait fail at once */
	c->ready_timeout_ms = (NVME_CAP_TO(c->cap) ? NVME_CAP_TO(c->cap) : 1) * 500u;
	c->info.mqes = (uint16_t)(NVME_CAP_MQES(c->cap) + 1 > 65535 ? 65535 : NVME_CAP_MQES(c->cap) + 1);
	if (c->info.mqes < 2) {
		nvd__set_detail("CAP.MQES 0x%x is invalid", NVME_CAP_MQES(c->cap));
		pthread_mutex_destroy(&c->admin_lock);
		return -EIO;
	}
	c->info.dstrd = (uint8_t)NVME_CAP_DSTRD(c->cap);
	c->max_xfer = c->transport->max_xfer_size(c);
	nvd__dbg("CAP 0x%016llx VS 0x%08x: mqes %u, to %u ms, dstrd %u, mpsmin %u, css 0x%x",
	    (unsigned long long)c->cap, c->info.ver, c->info.mqes, c->ready_timeout_ms,
	    c->info.dstrd, NVME_CAP_MPSMIN(c->cap), NVME_CAP_CSS(c->cap));
	return 0;

err_destroy_lock:
	pthread_mutex_destroy(&c->admin_lock);
	return -ENXIO;
}

int nvd__ctrlr_construct(struct nvd_ctrlr *c, struct pci_backend *t, const struct nvd_ctrlr_opts *opts)
{
	const struct nvd_quirk *quirk;
	int err;

	/* the PCIe slot of the transports (the unit tests put counting tables there) */
	c->transport = nvd__transport_of(NVD_TRTYPE_PCIE);
	c->t = t;
	c->bar = t->bar;
	err = nvd__ctrlr_construct_common(c, opts);
	if (err)
		return err;
	c->info.iommu = (uint8_t)t->info.iommu;
	c->info.pci_vendor = t->info.pci_vendor;
	c->info.pci_device = t->info.pci_device;
	quirk = nvd__quirk_lookup(t->info.pci_vendor, t->info.pci_device);
	if (quirk) {
		c->quirks = c->info.quirks = quirk->flags;
		c->quirk_rdy_delay_ms = quirk->rdy_delay_ms;
		nvd__dbg("%04x:%04x: quirks 0x%x", quirk->vendor, quirk->device, quirk->flags);
	}

	nvd__dma_pool_init(&c->dma, t);
	err = nvd__dma_pool_alloc(&c->dma, NVD_IDENTIFY_SIZE, true, &c->id_buf);
	if (err)
		goto err_fini;
	return 0;

err_fini:
	pthread_mutex_destroy(&c->admin_lock);
	nvd__dma_pool_fini(&c->dma);
	return err;
}

void nvd__ctrlr_destruct(struct nvd_ctrlr *c)
{
	nvd__qpair_destruct(&c->adminq);
	free(c->ns);
	free(c->ioq);
	pthread_mutex_destroy(&c->admin_lock);
	/* also frees id_buf and any buffer the application did not free */
	nvd__dma_pool_fini(&c->dma);
}

static int ctrlr_shutdown(struct nvd_ctrlr *c)
{
	uint32_t timeout_ms = SHUTDOWN_DEFAULT_MS;
	uint32_t cc;
	int err;

	/* RTD3E (microseconds) is the controller's own estimate */
	if (c->id.rtd3e / 1000 > timeout_ms)
		timeout_ms = c->id.rtd3e / 1000;
	if (timeout_ms > SHUTDOWN_MAX_MS)
		timeout_ms = SHUTDOWN_MAX_MS;

	/* Base 2.0 §3.6: normal shutdown, then wait for SHST = complete */
	cc = ctrlr_get_reg4(c, NVME_REG_CC);
	ctrlr_set_reg4(c, NVME_REG_CC, (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL);
	err = nvd__ctrlr_wait_csts(c, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_DONE, timeout_ms,
			"CSTS.SHST=complete (shutdown)");
	if (err)
		nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
	return err;
}

/*
 * Make sure the controller no longer touches host memory before that
 * memory is freed: a completed shutdown does that, otherwise a reset.
 */
bool nvd__ctrlr_quiesce(struct nvd_ctrlr *c, bool shutdown)
{
	char why[256];

	if (!c->enabled)
		return true;
	/* gone, or failed a reset it could not be disabled after: nothing to confirm */
	if (!nvd__ctrlr_check_alive(c))
		return false;
	/* keep the words of the failure that brought us here */
	snprintf(why, sizeof(why), "%s", nvd_last_error());
	if ((shutdown && !ctrlr_is_fatal(c) && ctrlr_shutdown(c) == 0) || nvd__ctrlr_disable(c) == 0)
		c->enabled = false;
	else
		nvd__dbg("%s: %s; its DMA memory is left to the module, which frees it after stopping the device",
		    c->info.bdf, nvd_last_error());
	if (why[0])
		nvd__set_detail("%s", why);
	return !c->enabled;
}

void nvd__ctrlr_release(struct nvd_ctrlr *c, bool stopped)
{
	c->transport->ctrlr_destruct(c, stopped);
}

void nvd__ctrlr_fill_opts(struct nvd_ctrlr_opts *o, const struct nvd_ctrlr_opts *user)
{
	size_t n;

	nvd_ctrlr_opts_init(o);
	if (!user)
		return;
	n = user->opts_size < sizeof(*o) ? user->opts_size : sizeof(*o);
	memcpy(o, user, n);
	o->opts_size = sizeof(*o);
}

NVD_EXPORT void nvd_ctrlr_opts_init(struct nvd_ctrlr_opts *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->opts_size = sizeof(*opts);
	opts->admin_queue_size = 32;
	opts->num_io_queues = 4;
	opts->io_queue_size = 0;	/* the controller's maximum, within a budget */
	opts->retry_count = 4;
}

NVD_EXPORT void nvd_ctrlr_detach(struct nvd_ctrlr *ctrlr)
{
	uint32_t qid;

	if (!ctrlr)
		return;
	/* outstanding AERs are not waited for: the shutdown drops them */
	nvd__ctrlr_aer_stop(ctrlr);
	for (qid = 1; ctrlr->ioq && qid <= ctrlr->info.num_io_queues; qid++)
		if (ctrlr->ioq[qid])
			nvd_ctrlr_free_io_qpair(ctrlr->ioq[qid]);
	nvd__ctrlr_release(ctrlr, nvd__ctrlr_quiesce(ctrlr, true));
	free(ctrlr);
}

NVD_EXPORT const struct nvd_ctrlr_info *nvd_ctrlr_get_info(const struct nvd_ctrlr *ctrlr)
{
	return ctrlr ? &ctrlr->info : NULL;
}

NVD_EXPORT const void *nvd_ctrlr_identify_data(const struct nvd_ctrlr *ctrlr)
{
	return ctrlr ? &ctrlr->id : NULL;
}

NVD_EXPORT const char *nvd_ctrlr_get_devpath(const struct nvd_ctrlr *ctrlr)
{
	return ctrlr && ctrlr->t ? ctrlr->t->info.devpath : "";
}

NVD_EXPORT int nvd_ctrlr_is_failed(const struct nvd_ctrlr *ctrlr)
{
	return ctrlr ? ctrlr_is_failed(ctrlr) : 1;
}
