/* SPDX-License-Identifier: MIT */
/*
 * An in-process NVMe controller model for host tests (never shipped).
 *
 * The model is a transport (struct pci_backend_ops) whose BAR is plain memory
 * that a controller thread watches, and whose DMA regions are anonymous
 * mappings with made-up, non-contiguous bus addresses.  It implements the
 * registers (CAP, VS, CC/CSTS enable, reset and shutdown), admin and I/O
 * queues over memory, the admin commands the library sends, the NVM
 * read/write/flush/write zeroes/DSM/compare commands over RAM namespaces,
 * PRPs and SGLs with the spec's checks, and fault injection.
 *
 * Setup: fill a config, create, start the thread, attach through the
 * library's full init path (the BDF is how open() finds the model):
 *
 *	struct model_config cfg;
 *	model_config_init(&cfg);		// 1 ns, 512 B LBAs, MDTS 128 KiB
 *	cfg.ns[1] = (struct model_ns_config){ .nsze = 256, .lbads = 12 };
 *	cfg.nr_ns = 2;
 *	struct model *m = model_create(&cfg);
 *	model_start(m);				// controller thread
 *	nvd__ctrlr_attach_backend(model_bdf(m), &model_transport_ops, NULL, &c);
 *
 * Determinism: model_stop() parks the thread; then nothing happens until
 * the test calls model_step() (one pass: registers, doorbells, fetch and
 * execute, due completions).  Attach needs the thread (it waits for RDY
 * and for admin completions); stop it afterwards for step-by-step I/O.
 *
 * Fault injection (counted and deterministic; each returns a rule id for
 * model_fault_hits()): a rule matches commands by queue (MODEL_ANY,
 * MODEL_ANY_IO or a qid) and opcode (MODEL_ANY or the opcode; admin and
 * NVM opcodes overlap, so give a queue), fires from its nth match on for
 * count commands, and then either completes the command with a status
 * instead of executing it, drops it (no completion, ever: Abort or
 * controller reset are the only ways out), delays its completion by
 * ms or by model_step() calls, or posts its completion twice.  Controller-wide faults: model_set_cfs(),
 * model_set_never_ready(), model_set_gone() (every BAR read is all ones),
 * model_pause_sq() (stop fetching from one SQ, e.g. to abort an entry still
 * in it).  Events: model_fire_aer() completes a held Asynchronous Event
 * Request (or the next one to arrive).  Matches are counted from the
 * moment a rule is added:
 *
 *	// the 2nd read on any I/O queue fails with Unrecovered Read Error
 *	model_fail_nth(m, MODEL_ANY_IO, MODEL_NVM_READ, 2,
 *		       MODEL_STATUS(NVME_SCT_MEDIA, 0x81) | MODEL_DNR);
 *	model_drop_nth(m, 1, MODEL_NVM_WRITE, 1);	// a lost completion
 *	model_delay_nth(m, 1, MODEL_ANY, 1, 200);	// a slow one
 *
 * Semantics worth knowing: Abort (Base 2.0 §5.1) aborts a command still in
 * the SQ (see model_pause_sq()) or one the model holds (dropped or delayed);
 * otherwise DW0 bit 0 = 1.  Delete I/O SQ completes the entries not yet
 * fetched as "Aborted due to SQ Deletion" and delayed ones at once; dropped
 * ones stay lost (the library aborts them itself).  CC.EN 1 -> 0 resets
 * every queue, pending completion, held AER and CSTS.CFS; the config and
 * the namespaces' data survive.  CC.SHN completes shutdown at once (even
 * with CFS set) and then nothing more is processed.  Doorbell values
 * beyond the queue size are ignored.  In thread mode MODEL_DELAY_STEPS
 * counts the thread's passes, so use MODEL_DELAY_MS there.
 *
 * Counters: model_stats() (commands per opcode, doorbell value changes
 * seen per queue, completions posted, the last command fetched per SQ).
 * Doorbell registers are plain memory, so writes are counted as changes
 * the model saw; the library's own counts are in nvd_qpair_get_stats().
 *
 * Teardown: nvd_ctrlr_detach() first (it closes the transport), then
 * model_destroy(), which stops the thread and asserts (Check) that every
 * DMA region and pin was released.  Close frees what the library left,
 * as nvdirect.ko's release does (counted in released_at_close); after a
 * completed shutdown or disable the library must have left nothing.
 */
#ifndef NVD_TEST_MODEL_H
#define NVD_TEST_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/nvme_spec.h"
#include "pcie/pci_backend.h"

#define MODEL_MAX_NS		8
#define MODEL_MAX_QUEUES	64	/* I/O queue pairs the model can hold */
#define MODEL_ANY		(-1)	/* any queue / any opcode */
#define MODEL_ANY_IO		(-2)	/* any I/O queue (qid >= 1) */
#define MODEL_FOREVER		0xffffffffu

/* Opcodes (Base 2.0 Figure 138; NVM Command Set 1.0 Figure 17). */
#define MODEL_ADM_DELETE_SQ	0x00
#define MODEL_ADM_CREATE_SQ	0x01
#define MODEL_ADM_GET_LOG	0x02
#define MODEL_ADM_DELETE_CQ	0x04
#define MODEL_ADM_CREATE_CQ	0x05
#define MODEL_ADM_IDENTIFY	0x06
#define MODEL_ADM_ABORT		0x08
#define MODEL_ADM_SET_FEAT	0x09
#define MODEL_ADM_GET_FEAT	0x0a
#define MODEL_ADM_AER		0x0c
#define MODEL_ADM_DBBUF		0x7c
#define MODEL_ADM_FORMAT	0x80
#define MODEL_NVM_FLUSH		0x00
#define MODEL_NVM_WRITE		0x01
#define MODEL_NVM_READ		0x02
#define MODEL_NVM_COMPARE	0x05
#define MODEL_NVM_WRITE_ZEROES	0x08
#define MODEL_NVM_DSM		0x09

/* Status values for faults: NVME_STATUS(sct, sc), optionally | MODEL_DNR. */
#define MODEL_STATUS(sct, sc)	NVME_STATUS(sct, sc)
#define MODEL_DNR		NVME_CPL_DNR

struct model_ns_config {
	uint64_t nsze;			/* LBAs (the RAM store is nsze << lbads) */
	uint8_t lbads;			/* 9 (512 B) or 12 (4 KiB) */
	uint16_t ms;			/* metadata bytes per LBA, 0 none */
};

struct model_config {
	char bdf[NVD_BDF_LEN];		/* default "0000:7e:00.0"; unique per live model */
	uint16_t mqes;			/* CAP.MQES, 0-based; default 1023 */
	uint8_t to;			/* CAP.TO in 500 ms units; default 10 (5 s) */
	uint32_t ready_delay_ms;	/* EN 0->1 until RDY=1; default 0 */
	uint8_t mdts;			/* 2^n pages; default 5 (128 KiB), 0 none */
	uint16_t max_io_queues;		/* granted by Number of Queues; default 8 */
	bool no_dbbuf;			/* clear OACS bit 8 (Doorbell Buffer Config) */
	uint32_t nr_vectors;		/* MSI-X vectors set_irq may route; default 8 */
	size_t max_region;		/* transport's largest DMA region; default 4 MiB */
	uint32_t nr_ns;			/* default 1 */
	struct model_ns_config ns[MODEL_MAX_NS];	/* default 2048 x 512 B */
};

void model_config_init(struct model_config *cfg);

struct model;
extern const struct pci_backend_ops model_transport_ops;

/* A controller at cfg->bdf, registers reset; asserts on failure. */
struct model *model_create(const struct model_config *cfg);
/* Stops the thread; asserts the transport was closed and nothing is mapped. */
void model_destroy(struct model *m);
const char *model_bdf(const struct model *m);

/* Controller thread (polls BAR and queues) / one deterministic pass. */
void model_start(struct model *m);
void model_stop(struct model *m);
/* One pass; returns what it did (commands fetched + completions posted). */
unsigned model_step(struct model *m);

/* ---- faults ----------------------------------------------------------- */
enum model_action {
	MODEL_FAIL,			/* complete with .status instead of executing */
	MODEL_DROP,			/* execute nothing, never complete */
	MODEL_DELAY_MS,			/* execute, complete .delay ms later */
	MODEL_DELAY_STEPS,		/* execute, complete after .delay model_step()s */
	/*
	 * Execute and complete; post the same completion (CID, status, DW0)
	 * once more .delay model_step()s later (0: right after the first).
	 */
	MODEL_DUPLICATE,
};

struct model_fault {
	int qid;			/* MODEL_ANY, MODEL_ANY_IO or a qid */
	int opc;			/* MODEL_ANY or an opcode */
	uint32_t nth;			/* first matching command it hits, 1-based */
	uint32_t count;			/* how many from there (MODEL_FOREVER); 0 = 1 */
	enum model_action action;
	uint16_t status;		/* MODEL_FAIL: MODEL_STATUS(sct, sc) [| MODEL_DNR] */
	uint32_t delay;			/* MODEL_DELAY_*: ms or steps */
};
/* Add a rule; returns its id (>= 0). Rules are checked in the order added. */
int model_inject(struct model *m, const struct model_fault *f);
/* Commands rule @id has hit so far. */
uint32_t model_fault_hits(struct model *m, int id);
void model_clear_faults(struct model *m);

/* Shorthands: the @nth command with @opc on queue @qid (see struct model_fault). */
int model_fail_nth(struct model *m, int qid, int opc, uint32_t nth, uint16_t status);
int model_drop_nth(struct model *m, int qid, int opc, uint32_t nth);
int model_delay_nth(struct model *m, int qid, int opc, uint32_t nth, uint32_t ms);
/* A second completion for the command, @steps model_step()s after its first. */
int model_duplicate_nth(struct model *m, int qid, int opc, uint32_t nth, uint32_t steps);

/* CSTS.CFS: set, the controller stops fetching and completing (until reset). */
void model_set_cfs(struct model *m, bool on);
/* CSTS.RDY never becomes 1 after CC.EN=1 (an init timeout). */
void model_set_never_ready(struct model *m, bool on);
/* Surprise removal: every BAR read is all ones, nothing is processed again. */
void model_set_gone(struct model *m);
/* Stop / resume fetching from SQ @qid (0 = admin). */
void model_pause_sq(struct model *m, uint16_t qid, bool paused);

/* ---- events ----------------------------------------------------------- */
/*
 * Asynchronous event (Base 2.0 §5.2, Figure 146): completes a held AER with
 * DW0 = type | info << 8 | lid << 16, or keeps the event for the next one.
 * Returns 1 when an AER was completed now, 0 when the event was queued
 * (16 at most; later ones are lost, as a controller's would be).
 */
int model_fire_aer(struct model *m, uint8_t type, uint8_t info, uint8_t lid);
/* AERs held by the model right now. */
unsigned model_aers_held(struct model *m);

/* ---- observation ------------------------------------------------------ */
struct model_stats {
	uint64_t admin_cmds[256];	/* by opcode, admin queue */
	uint64_t io_cmds[256];		/* by opcode, I/O queues */
	uint64_t sq_db_changes[MODEL_MAX_QUEUES + 1];	/* register value changes seen */
	uint64_t cq_db_changes[MODEL_MAX_QUEUES + 1];
	uint64_t completions;		/* CQEs posted */
	uint64_t dropped;		/* commands held by MODEL_DROP */
	uint64_t duplicates;		/* extra completions queued by MODEL_DUPLICATE */
	/* regions and pins the library left for close to free, as nvdirect.ko's release does */
	uint64_t released_at_close;
	uint64_t resets;		/* CC.EN 1 -> 0 */
	uint64_t irq_errors;		/* eventfd writes that failed */
	struct nvme_cmd last_cmd[MODEL_MAX_QUEUES + 1];	/* last fetched per SQ */
};
/* Copy of the counters (taken under the model's lock). */
void model_stats(struct model *m, struct model_stats *out);
/* Current register value as the host would read it. */
uint32_t model_reg_read(struct model *m, uint32_t off);
/* Pointer into namespace @nsid's RAM store at @lba, for checking data. */
void *model_ns_data(struct model *m, uint32_t nsid, uint64_t lba);
/* Live DMA regions and pins (0 after detach). */
unsigned model_live_regions(struct model *m);

#endif /* NVD_TEST_MODEL_H */
