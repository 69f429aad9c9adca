/* SPDX-License-Identifier: MIT */
/*
 * Test doubles: a transport over plain memory (a calloc'd "BAR", anonymous
 * mappings for DMA regions with made-up, deliberately non-contiguous bus
 * addresses), and a controller + namespace + I/O queue pair built on it
 * with the library's internal constructors.  No device, no kernel module.
 */
#ifndef NVD_TEST_FAKE_H
#define NVD_TEST_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctrlr.h"
#include "core/ns.h"

#define FAKE_BAR_SIZE	0x4000
#define FAKE_BUS_BASE	0xa000000000ull
#define FAKE_BUS_STEP	0x10000000ull	/* gap between regions' bus addresses */
#define FAKE_PIN_BASE	0xb000000000ull	/* pinned 4 KiB pages: descending from here */

struct fake_transport {
	struct pci_backend base;
	uint8_t *bar_mem;
	unsigned live_regions;
	unsigned maps;			/* dma_map calls so far */
	unsigned unmaps;		/* dma_unmap calls so far */
	unsigned closes;		/* close calls (fake_attach_ops; the plain close frees) */
	unsigned live_at_close;		/* live_regions when close was called */
	int fail_map_at;		/* fail the Nth dma_map (1-based), 0 never */
	unsigned live_pins;
	uint64_t pinned_bytes;
	int pin_error;			/* mem_pin returns this when not 0 */
	uint64_t last_handle;
	/* live DMA regions, so the fake admin controller can follow PRPs */
	struct { uint64_t bus; void *va; size_t size; } regions[64];
	/* set_irq: eventfd routed to each vector (-1 none); fail with irq_error */
	int irq_fd[8];
	int irq_error;
	/* mask_irq: each vector's state, the calls (failed ones too), and what to fail them with */
	bool irq_masked[8];
	unsigned irq_masks, irq_unmasks;
	int mask_error;			/* mask_irq returns this when not 0 */
	/* called by an unmask before it returns: the device sends what it held */
	void (*on_unmask)(struct pci_backend *t, uint32_t vector);
};

/* Virtual address behind bus address @bus, or NULL. */
void *fake_bus_to_virt(struct pci_backend *t, uint64_t bus);

/*
 * Bus address the fake gives the 4 KiB page @idx of pin @handle: pages
 * in descending order, 64 KiB apart, so no two are adjacent.
 */
static inline uint64_t fake_pin_addr(uint64_t handle, size_t idx)
{
	return FAKE_PIN_BASE + handle * FAKE_BUS_STEP - (idx + 1) * 0x10000;
}

struct pci_backend *fake_transport_new(size_t max_region);
void fake_transport_free(struct pci_backend *t);
static inline struct fake_transport *to_fake(struct pci_backend *t)
{
	return (struct fake_transport *)t;
}
static inline volatile uint32_t *fake_reg(struct pci_backend *t, uint32_t off)
{
	return (volatile uint32_t *)(to_fake(t)->bar_mem + off);
}

struct fake_admin;

struct fake_ctrlr {
	struct pci_backend *t;
	struct nvd_ctrlr c;
	struct nvd_ns ns;
	struct nvd_qpair q;		/* qid 1 */
	/* the controller's side of the CQ */
	uint32_t cq_tail;
	uint8_t cq_phase;
	uint32_t sq_head;
	struct fake_admin *admin;	/* fake_admin_start() */
};

struct fake_opts {
	uint32_t qsize;			/* default 8 */
	uint32_t max_xfer;		/* default 128 KiB */
	uint64_t nsze;			/* default 1000 */
	uint8_t lbads;			/* default 9 (512 B) */
	uint16_t ms;			/* default 0 */
	size_t max_region;		/* default 4 MiB */
	uint32_t ctrlr_flags;		/* nvd_ctrlr_opts.flags, default 0 */
	int dbbuf;			/* as if Doorbell Buffer Config had succeeded */
};

void fake_ctrlr_setup(struct fake_ctrlr *f, const struct fake_opts *o);
/* Tears down and asserts no DMA region is left mapped. */
void fake_ctrlr_teardown(struct fake_ctrlr *f);
/* Post a CQE for @cid the way a controller would (phase, SQHD). */
void fake_complete(struct fake_ctrlr *f, uint16_t cid, uint16_t status);
uint32_t fake_sq_doorbell(struct fake_ctrlr *f);

/*
 * A controller thread answering the admin queue (fake_admin.c): Identify
 * (CNS 0-3), Get Log Page (01h-03h and any other LID as a byte pattern),
 * Get/Set Features (a table by FID; FID 0xff is unknown), Format NVM (LBA
 * formats of .ns_id), Invalid Opcode otherwise.  The namespace becomes
 * c.ns[0] so format can refresh it.
 */
struct fake_admin {
	pthread_t thread;
	int stop;
	uint32_t sq_head, cq_tail;
	uint8_t phase;
	unsigned ncmds;			/* commands answered */
	struct nvme_cmd last;		/* the last one */
	struct nvme_cmd last_format;	/* the last Format NVM */
	uint32_t features[256];
	struct nvd_id_ctrl id;
	struct nvd_id_ns ns_id;

	/*
	 * Registers (fake_admin.c): CSTS.RDY follows CC.EN after rdy_delay
	 * polls of the thread (never with rdy_never); cfs sets CSTS.CFS.  A
	 * disable forgets the queues (admin SQ/CQ state, held AERs, I/O queues)
	 * and zeroes the doorbells; commands are answered only while enabled.
	 */
	unsigned rdy_delay;
	int rdy_never;
	int stuck;			/* ignores CC.SHN and EN = 0: RDY stays 1, SHST never completes */
	int cfs;
	unsigned rdy_wait;
	unsigned enables, disables;	/* transitions seen */
	/* Create/Delete I/O CQ/SQ: the queues that exist, by qid (< 8) */
	uint8_t io_cq[8], io_sq[8];
	unsigned creates;		/* Create I/O SQ commands answered */
	unsigned sq_deletes;		/* Delete I/O SQ commands answered */
	int fail_create_sq;		/* answer Create I/O SQ with Invalid Field */
	unsigned dbbuf_configs;
	/* AERs are held until fake_admin_fire_aer(); Abort finds them */
	uint16_t held_aer[16];
	unsigned nheld;
	uint32_t fire_cdw0;
	int fire;
	uint32_t abort_io_dw0;		/* Abort of an I/O command answers this DW0 */
	/* the admin queue as the registers give it at enable */
	struct nvme_cmd *asq;
	volatile struct nvd_cpl *acq;
	uint32_t asq_size, acq_size;
	int fail_opc;			/* answer opcode fail_opc - 1 with Invalid Field */
	unsigned ns_list_reads;		/* Identify CNS 02h answered */
};
void fake_admin_start(struct fake_ctrlr *f, struct fake_admin *a);
void fake_admin_stop(struct fake_ctrlr *f, struct fake_admin *a);
uint32_t fake_cq_doorbell(struct fake_ctrlr *f);
/*
 * A device that starts disabled (CC 0, CSTS 0) and learns its admin queue
 * from AQA/ASQ/ACQ when enabled, as attach drives it: for the attach
 * tests.  @f->t must exist; nothing else of @f is used.  Shutdown
 * (CC.SHN) is answered with CSTS.SHST complete.
 */
void fake_device_start(struct fake_ctrlr *f, struct fake_admin *a);
/*
 * Transport ops whose open() hands out the transport registered for a BDF
 * and whose close() leaves it to the test (fake_transport_free after
 * fake_admin_stop).
 */
void fake_attach_register(const char *bdf, struct pci_backend *t);
extern const struct pci_backend_ops fake_attach_ops;

/* Complete one held AER with completion dword 0 @cdw0 and wait until it is posted. */
void fake_admin_fire_aer(struct fake_admin *a, uint32_t cdw0);
/* AERs the fake holds right now. */
unsigned fake_admin_held_aers(struct fake_admin *a);

/*
 * MMIO doorbell writes: the fake's registers are plain memory, so a test
 * arms them with FAKE_DB_UNTOUCHED and later sees whether (and what) the
 * library wrote.  The library's own counts are in nvd_qpair_get_stats().
 */
#define FAKE_DB_UNTOUCHED	0xdeadbeefu
void fake_arm_doorbells(struct fake_ctrlr *f);

/*
 * Doorbell Buffer Config as a controller honours it: the SQ tail is read
 * from the shadow doorbell when shadows are configured (else from the
 * register), and EventIdx is written the way QEMU does: the last value seen.
 */
uint32_t fake_sq_tail(struct fake_ctrlr *f);
uint32_t fake_shadow_sq(struct fake_ctrlr *f);
uint32_t fake_shadow_cq(struct fake_ctrlr *f);
void fake_set_eventidx(struct fake_ctrlr *f, uint32_t sq_ei, uint32_t cq_ei);
/*
 * Run the controller once: fetch every command up to the visible SQ tail,
 * complete each successfully, update both EventIdx entries (when shadowed)
 * to the SQ tail and CQ head it saw.  Returns the commands completed.
 */
unsigned fake_process(struct fake_ctrlr *f);

/* The SQ entry at @slot of the I/O queue pair. */
struct nvme_cmd *fake_sqe(struct fake_ctrlr *f, uint32_t slot);
/* Commands in the SQ the fake has not fetched yet (up to the SQ tail). */
uint32_t fake_pending(struct fake_ctrlr *f);
/*
 * Fetch the oldest pending command and complete it with @status (sct/sc
 * in CQE position, e.g. NVME_STATUS(...) | NVME_CPL_DNR); *@cmd, when not
 * NULL, gets a copy.  Returns its CID.
 */
uint16_t fake_complete_next(struct fake_ctrlr *f, uint16_t status, struct nvme_cmd *cmd);

/* 1 when @fd (an eventfd) would wake a poll() now. */
int fake_fd_readable(int fd);
/* What the module's interrupt handler does: signal the vector's eventfd. */
void fake_irq_fire(int fd);

#endif
