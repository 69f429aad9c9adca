/* SPDX-License-Identifier: MIT */
/*
 * The model's insides, shared by its files: model.c (transport, DMA
 * lookup, thread, step), model_regs.c (CC/CSTS, doorbells, queues),
 * model_data.c (PRP and SGL walking), model_admin.c, model_io.c,
 * model_faults.c.
 */
#ifndef NVD_TEST_MODEL_PRIV_H
#define NVD_TEST_MODEL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"

#define MODEL_BAR_SIZE		0x4000
#define MODEL_BUS_BASE		0xc000000000ull
#define MODEL_BUS_STEP		0x10000000ull	/* gap between regions: not contiguous */
#define MODEL_PIN_BASE		0xd000000000ull
#define MODEL_MAX_REGIONS	128
#define MODEL_MAX_PINS		32
#define MODEL_MAX_FAULTS	32
#define MODEL_AERL		3		/* 0-based: four AERs held at most */
#define MODEL_ELPE		3		/* 0-based: four error log entries */
#define MODEL_NLBAF		3		/* 0-based: four LBA formats */
#define MODEL_MAX_FEATURES	256

/* Status codes the model returns (Base 2.0 Figures 94-96, NVM CS 1.0). */
#define MS_GEN(sc)		NVME_STATUS(NVME_SCT_GENERIC, sc)
#define MS_CMD(sc)		NVME_STATUS(NVME_SCT_CMD_SPECIFIC, sc)
#define MS_OK			0
#define MS_INVALID_OPCODE	MS_GEN(0x01)
#define MS_INVALID_FIELD	MS_GEN(0x02)
#define MS_DATA_XFER_ERROR	MS_GEN(0x04)
#define MS_ABORT_REQUESTED	MS_GEN(0x07)
#define MS_ABORT_SQ_DELETED	MS_GEN(0x08)
#define MS_INVALID_NS		MS_GEN(0x0b)
#define MS_SGL_SEG_INVALID	MS_GEN(0x0d)
#define MS_SGL_NUM_INVALID	MS_GEN(0x0e)
#define MS_SGL_LEN_INVALID	MS_GEN(0x0f)
#define MS_SGL_TYPE_INVALID	MS_GEN(0x11)
#define MS_PRP_OFFSET_INVALID	MS_GEN(0x13)
#define MS_LBA_RANGE		MS_GEN(0x80)
#define MS_CQ_INVALID		MS_CMD(0x00)
#define MS_QID_INVALID		MS_CMD(0x01)
#define MS_QSIZE_INVALID	MS_CMD(0x02)
#define MS_AER_LIMIT		MS_CMD(0x05)
#define MS_IV_INVALID		MS_CMD(0x08)
#define MS_LOG_INVALID		MS_CMD(0x09)
#define MS_FORMAT_INVALID	MS_CMD(0x0a)
#define MS_QDEL_INVALID		MS_CMD(0x0c)
#define MS_FEAT_NOT_SAVEABLE	MS_CMD(0x0d)
#define MS_COMPARE_FAILURE	NVME_STATUS(NVME_SCT_MEDIA, 0x85)

/* NVMe Base 2.0 §4.3.2, Figure 117: SGL descriptor (16 bytes). */
struct model_sgl {
	uint64_t addr;
	uint32_t len;
	uint8_t rsvd[3];
	uint8_t id;		/* 7:4 type, 3:0 subtype */
};
_Static_assert(sizeof(struct model_sgl) == 16, "SGL descriptor is 16 bytes");
#define SGL_TYPE_DATA		0x0
#define SGL_TYPE_BIT_BUCKET	0x1
#define SGL_TYPE_SEGMENT	0x2
#define SGL_TYPE_LAST_SEGMENT	0x3
#define MODEL_PSDT(flags)	(((flags) >> 6) & 0x3)

/* NVM CS 1.0 §3.2.3.2, Figure 44: Dataset Management range (16 bytes). */
struct model_dsm_range {
	uint32_t cattr;
	uint32_t nlb;
	uint64_t slba;
};
_Static_assert(sizeof(struct model_dsm_range) == 16, "DSM range is 16 bytes");

struct model_sq {
	bool valid, paused;
	uint16_t cqid;
	uint32_t size;
	struct nvme_cmd *ring;
	uint32_t head;		/* next entry to fetch */
	uint32_t tail;		/* from the doorbell (or its shadow) */
};

struct model_cq {
	bool valid;
	bool ien;
	uint16_t iv;
	uint32_t size;
	struct nvd_cpl *ring;
	uint32_t tail;		/* next slot we post to */
	uint32_t head;		/* from the doorbell (or its shadow) */
	uint8_t phase;
	unsigned nsq;		/* SQs bound to it */
};

/* A completion not posted yet: delayed, waiting for CQ room, or held. */
struct model_pending {
	uint16_t sqid, cid;
	uint16_t status;
	uint32_t cdw0;
	uint64_t due_ms;	/* 0: no time condition */
	uint64_t due_step;	/* 0: no step condition */
	bool held;		/* dropped: never posted (abort or reset only) */
	bool aer;		/* an AER waiting for an event */
};

struct model_ns {
	uint64_t nsze;
	unsigned fmt;		/* current LBA format index */
	uint8_t *data;
	size_t bytes;
};

struct model_region {
	uint64_t bus;
	uint8_t *va;
	size_t size;
};

struct model_pin {
	uint64_t handle;
	uint8_t *va;
	size_t npages;
};

struct model {
	struct pci_backend t;		/* first: the library's struct pci_backend * */
	struct model_config cfg;
	pthread_mutex_t lock;
	pthread_t thread;
	int running;			/* atomic: thread should run */
	bool thread_live;
	bool open;			/* transport handed to the library */

	uint8_t *bar;
	uint32_t cc;			/* CC as last acted upon */
	bool enabled, ready, cfs, never_ready, gone, shutdown;
	uint64_t enable_at_ms;

	struct model_region regions[MODEL_MAX_REGIONS];
	unsigned live_regions, maps;
	unsigned leaked_at_close;	/* left to close though the controller was stopped */
	struct model_pin pins[MODEL_MAX_PINS];
	uint64_t last_pin;
	int irq_fd[32];

	struct model_sq sq[MODEL_MAX_QUEUES + 1];
	struct model_cq cq[MODEL_MAX_QUEUES + 1];
	uint32_t sq_db_seen[MODEL_MAX_QUEUES + 1], cq_db_seen[MODEL_MAX_QUEUES + 1];
	uint32_t *dbbuf_dbs, *dbbuf_eis;	/* Doorbell Buffer Config, or NULL */
	uint16_t nr_io_queues;		/* granted by Number of Queues */

	struct model_pending *pend;
	unsigned npend, pend_cap;
	uint64_t steps;
	/* delay for completions queued by the command now executing */
	uint32_t cur_delay_ms, cur_delay_steps;

	struct model_fault faults[MODEL_MAX_FAULTS];
	uint32_t fault_seen[MODEL_MAX_FAULTS], fault_hits[MODEL_MAX_FAULTS];
	unsigned nfaults;

	/* Abort hit these before they were fetched: abort them at fetch */
	struct { uint16_t sqid, cid; } aborts[16];
	unsigned naborts;

	/* asynchronous events fired while no AER was held */
	uint32_t aer_events[16];
	unsigned naer_events;

	uint32_t features[MODEL_MAX_FEATURES];
	struct nvd_id_ctrl id;
	struct model_ns ns[MODEL_MAX_NS];
	struct nvd_error_log_entry errlog[MODEL_ELPE + 1];
	uint64_t error_count;
	uint64_t host_reads, host_writes;

	struct model_stats stats;
};

static inline struct model *to_model(struct pci_backend *t)
{
	return (struct model *)t;
}

static inline volatile uint32_t *model_reg(struct model *m, uint32_t off)
{
	return (volatile uint32_t *)(m->bar + off);
}

/* model.c */
void *model_bus_to_virt(struct model *m, uint64_t bus, size_t len);
uint64_t model_now_ms(void);

/* model_regs.c: registers and queues; callers hold m->lock. */
void model_regs_reset(struct model *m);
unsigned model_regs_step(struct model *m);
void model_reset_queues(struct model *m);
void model_sq_refresh_tail(struct model *m, uint16_t qid);
/* Delete SQ @qid: entries not fetched complete as aborted, delayed ones now. */
void model_delete_sq(struct model *m, uint16_t qid);
/* Queue a completion for @cmd of SQ @sqid (posted at the next pass). */
struct model_pending *model_complete(struct model *m, uint16_t sqid, uint16_t cid,
				     uint16_t status, uint32_t cdw0);
unsigned model_post_due(struct model *m);
void model_remove_pending(struct model *m, unsigned idx);

/* model_data.c: a command's data buffer as a list of host pieces. */
struct model_xfer {
	unsigned n;
	struct { uint8_t *va; uint32_t len; } seg[1024];
};
/* Map @len bytes of @cmd's data pointer (PRP or SGL); a status on failure. */
uint16_t model_map_data(struct model *m, const struct nvme_cmd *cmd, size_t len,
			struct model_xfer *x);
void model_xfer_to_host(struct model_xfer *x, const void *src, size_t len);
void model_xfer_from_host(struct model_xfer *x, void *dst, size_t len);

/* model_admin.c, model_io.c: execute one fetched command. */
void model_admin_init(struct model *m);
void model_admin_exec(struct model *m, const struct nvme_cmd *cmd);
void model_io_exec(struct model *m, uint16_t sqid, const struct nvme_cmd *cmd);
int model_ns_init(struct model *m, unsigned i, const struct model_ns_config *c);
void model_ns_fini(struct model *m);
uint32_t model_ns_lba_size(const struct model *m, unsigned i);
void model_fill_id_ns(struct model *m, unsigned i, struct nvd_id_ns *id);
int model_ns_format(struct model *m, unsigned i, unsigned fmt);

/* model_faults.c: the rule hitting this command, or NULL. */
const struct model_fault *model_fault_match(struct model *m, uint16_t sqid,
					    const struct nvme_cmd *cmd);
void model_error_log_add(struct model *m, uint16_t sqid, const struct nvme_cmd *cmd,
			 uint16_t status);
/* MODEL_DUPLICATE: queue a copy of the completion just queued for @cid of SQ @sqid. */
void model_fault_duplicate(struct model *m, uint16_t sqid, uint16_t cid, uint32_t steps);

#endif /* NVD_TEST_MODEL_PRIV_H */
