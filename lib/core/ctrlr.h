/* SPDX-License-Identifier: MIT */
/*
 * The controller behind struct nvd_ctrlr *: its state, the register state
 * machine (ctrlr.c, ctrlr_init.c), asynchronous events (aer.c).
 */
#ifndef NVD_CORE_CTRLR_H
#define NVD_CORE_CTRLR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <nvdirect.h>

#include "core/nvme_spec.h"
#include "core/transport_ops.h"
#include "pcie/dma.h"
#include "pcie/pci_backend.h"
#include "pcie/qpair.h"

/* Library-side cap on one transfer when the controller reports no MDTS. */
#define NVD_MAX_XFER_CAP	(2u * 1024 * 1024)
#define NVD_CTRLR_FLAGS_ALL	(NVD_CTRLR_DELAY_CMD_SUBMIT | NVD_CTRLR_NO_SHADOW_DOORBELLS | \
				 NVD_CTRLR_FORCE_PRP)
/* What only an NVMe/TCP controller takes (nvd_ctrlr_connect() with trtype:TCP). */
#define NVD_CTRLR_TCP_FLAGS	(NVD_CTRLR_TCP_HEADER_DIGEST | NVD_CTRLR_TCP_DATA_DIGEST)
/* Events kept between nvd_ctrlr_process_admin_completions() calls. */
#define NVD_AER_PENDING		16
/* AERs kept outstanding at most (and never more than half the admin queue). */
#define NVD_AER_MAX		4u
/* Empty polls between CSTS checks while commands are outstanding. */
#define NVD_ALIVE_CHECK_POLLS	1024u

struct nvd_ns;
struct nvd_tcp_ctrlr;

struct nvd_ctrlr {
	const struct nvd_transport_ops *transport;	/* by the TRID's trtype */
	/* TCP: the admin connection, host identity, Keep Alive (tcp/transport.c); NULL on PCIe */
	struct nvd_tcp_ctrlr *tcp;
	/* PCIe: the PCI-function backend and BAR0 (pcie/) */
	struct pci_backend *t;
	volatile uint8_t *bar;
	struct nvd_ctrlr_opts opts;
	struct nvd_ctrlr_info info;
	uint64_t cap;
	uint32_t ready_timeout_ms;	/* CAP.TO */
	uint32_t max_xfer;		/* effective: MDTS or NVD_MAX_XFER_CAP */

	struct dma_pool dma;
	pthread_mutex_t admin_lock;
	struct nvd_qpair adminq;
	void *id_buf;			/* 4 KiB DMA scratch for Identify */
	struct nvd_id_ctrl id;

	struct nvd_ns *ns;		/* active namespaces, ascending nsid */
	uint32_t num_ns;

	struct nvd_qpair **ioq;		/* [1..num_io_queues] by qid */
	/* Doorbell Buffer Config: shadow doorbells and EventIdx, NULL if unused */
	uint32_t *dbbuf_dbs;
	uint32_t *dbbuf_eis;
	uint32_t dbbuf_queues;		/* queues (qid 0..n-1) the buffers cover */
	int failed;			/* atomic: controller is gone */
	int fatal;			/* atomic: CSTS.CFS seen; 1 stopping it, 2 stopped */
	bool enabled;

	/* nvd_ctrlr_register_timeout_callback() (io_hooks.c) */
	nvd_timeout_cb timeout_cb;
	void *timeout_arg;
	uint64_t io_timeout_us;
	uint64_t admin_timeout_us;
	/* Asynchronous Event Requests (aer.c) */
	nvd_aer_cb aer_cb;
	void *aer_cb_arg;
	uint32_t aer_max;		/* AERs the library keeps outstanding */
	uint32_t aer_outstanding;
	bool aer_stop;			/* reset or detach: do not re-arm */
	struct nvd_cpl aer_pending[NVD_AER_PENDING];	/* events not yet delivered */
	uint32_t aer_npending;
	uint64_t aer_dropped;		/* events lost to a full aer_pending */
	char fail_reason[160];		/* why a reset left the controller failed */
	uint32_t quirks;		/* NVD_QUIRK_* (quirks.c) */
	uint32_t quirk_rdy_delay_ms;	/* NVD_QUIRK_DELAY_BEFORE_CHK_RDY */
};

/* ---- ctrlr.c ---------------------------------------------------------- */
/*
 * What every transport's construct does once registers can be read:
 * options, CAP and VS (and what follows from them), the admin lock.
 */
int nvd__ctrlr_construct_common(struct nvd_ctrlr *c, const struct nvd_ctrlr_opts *opts);
/* Set up @c over an open transport: reads CAP/VS, no other device access. */
int nvd__ctrlr_construct(struct nvd_ctrlr *c, struct pci_backend *t,
		    const struct nvd_ctrlr_opts *opts);
void nvd__ctrlr_destruct(struct nvd_ctrlr *c);
/* ---- ctrlr_init.c ----------------------------------------------------- */
/*
 * Run the initialisation state machine on constructed @c (any transport)
 * to the end: *@ctrlr = @c, or @c released and freed and a negative errno.
 */
int nvd__ctrlr_init_run(struct nvd_ctrlr *c, struct nvd_ctrlr **ctrlr);
/* nvd_ctrlr_attach() and nvd_ctrlr_attach_async() over any transport. */
int nvd__ctrlr_attach_backend(const char *bdf, const struct pci_backend_ops *ops,
			   const struct nvd_ctrlr_opts *opts, struct nvd_ctrlr **ctrlr);
int nvd__ctrlr_attach_backend_async(const char *bdf, const struct pci_backend_ops *ops,
				 const struct nvd_ctrlr_opts *opts, struct nvd_attach_ctx **ctx);

/* false (and the controller marked failed) when CSTS reads all ones. */
bool nvd__ctrlr_check_alive(struct nvd_ctrlr *c);
/*
 * Shadow doorbell and EventIdx buffers for queues 0..@nqueues-1 in DMA
 * memory (c->dbbuf_*); the Doorbell Buffer Config command is not sent.
 */
int nvd__ctrlr_dbbuf_alloc(struct nvd_ctrlr *c, uint32_t nqueues);
void nvd__ctrlr_mark_failed(struct nvd_ctrlr *c);
/*
 * CSTS.CFS seen: the first caller disables the controller (so that nothing
 * it still does reaches host memory) and marks it fatal; commands then come
 * back aborted until nvd_ctrlr_reset() brings it back.
 */
void nvd__ctrlr_note_fatal(struct nvd_ctrlr *c);
static inline bool ctrlr_is_fatal(const struct nvd_ctrlr *c)
{
	return __atomic_load_n(&c->fatal, __ATOMIC_ACQUIRE) == 2;
}
static inline bool ctrlr_is_failed(const struct nvd_ctrlr *c)
{
	return __atomic_load_n(&c->failed, __ATOMIC_ACQUIRE) != 0;
}
/*
 * Controller registers through the transport (MMIO on PCIe, Property
 * Get/Set on fabrics).  A read that fails reads all ones, as the registers
 * of a PCI function that is gone do, which every caller already takes for
 * "gone"; a write that fails shows at the next read of CSTS the same way.
 */
static inline uint32_t ctrlr_get_reg4(struct nvd_ctrlr *c, uint32_t ofst)
{
	uint32_t v;

	return c->transport->get_reg_4(c, ofst, &v) ? UINT32_MAX : v;
}
static inline uint64_t ctrlr_get_reg8(struct nvd_ctrlr *c, uint32_t ofst)
{
	uint64_t v;

	return c->transport->get_reg_8(c, ofst, &v) ? UINT64_MAX : v;
}
static inline void ctrlr_set_reg4(struct nvd_ctrlr *c, uint32_t ofst, uint32_t value)
{
	(void)c->transport->set_reg_4(c, ofst, value);
}
static inline void ctrlr_set_reg8(struct nvd_ctrlr *c, uint32_t ofst, uint64_t value)
{
	(void)c->transport->set_reg_8(c, ofst, value);
}
/* Defaults, then the caller's options as far as its opts_size reaches. */
void nvd__ctrlr_fill_opts(struct nvd_ctrlr_opts *o, const struct nvd_ctrlr_opts *user);
/*
 * Before freeing memory: normal shutdown if @shutdown and it works, else
 * disable.  true when the controller is known to be stopped (or was never
 * enabled); false when it may still reach host memory.
 */
bool nvd__ctrlr_quiesce(struct nvd_ctrlr *c, bool shutdown);
/*
 * Free @c's resources and close its transport (not @c itself).  @stopped
 * (nvd__ctrlr_quiesce()'s answer) frees DMA memory region by region first;
 * otherwise the transport is closed first and its release frees them.
 */
void nvd__ctrlr_release(struct nvd_ctrlr *c, bool stopped);
/* The admin queue to the transport and CC with EN = 1; nothing waited for.  0 or -errno. */
int nvd__ctrlr_enable_start(struct nvd_ctrlr *c);
/* Identify Controller data is in c->id: fill c->info and the transfer limit. */
int nvd__ctrlr_identify_done(struct nvd_ctrlr *c);
/* I/O queues to ask Set Features Number of Queues for (0: none fit in BAR0). */
uint16_t nvd__ctrlr_io_queues_wanted(const struct nvd_ctrlr *c);
int nvd__ctrlr_io_queues_granted(struct nvd_ctrlr *c, uint16_t granted);
/* Shadow doorbell buffers allocated if they are to be used (options, quirks, OACS). */
bool nvd__ctrlr_dbbuf_prepare(struct nvd_ctrlr *c);
void nvd__ctrlr_dbbuf_free(struct nvd_ctrlr *c);
/* Poll CSTS until (CSTS & mask) == want, within timeout_ms; @what names the wait. */
int nvd__ctrlr_wait_csts(struct nvd_ctrlr *c, uint32_t mask, uint32_t want, uint32_t timeout_ms,
		    const char *what);
/* CC.EN = 0 and wait for CSTS.RDY = 0 (first RDY = 1 if enabling is under way). */
int nvd__ctrlr_disable(struct nvd_ctrlr *c);
/* Admin queue registers, CC.EN = 1, wait for CSTS.RDY = 1 (Base 2.0 §3.5.1). */
int nvd__ctrlr_enable(struct nvd_ctrlr *c);
/*
 * Bus addresses of the shadow doorbell and EventIdx buffers for Doorbell
 * Buffer Config: 0, or -EINVAL with words (never address 0 to the device).
 */
int nvd__ctrlr_dbbuf_bus(struct nvd_ctrlr *c, uint64_t *dbs_bus, uint64_t *eis_bus);
/* Shadow doorbell buffers to the controller again (after a reset): 0 or -errno. */
int nvd__ctrlr_dbbuf_config(struct nvd_ctrlr *c);

/* ---- aer.c ------------------------------------------------------------ */
/* Arm min(AERL + 1, NVD_AER_MAX) AERs; caller holds admin_lock.  0 or -errno. */
int nvd__ctrlr_aer_start(struct nvd_ctrlr *c);
/* Stop re-arming; outstanding AERs are left to the reset or shutdown to drop. */
void nvd__ctrlr_aer_stop(struct nvd_ctrlr *c);
/* Set Features Asynchronous Event Configuration: all the events the controller offers. */
int nvd__ctrlr_aer_configure(struct nvd_ctrlr *c);

#endif /* NVD_CORE_CTRLR_H */
