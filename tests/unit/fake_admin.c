// SPDX-License-Identifier: MIT
/*
 * The fake controller's admin side: a thread that watches the admin SQ
 * tail doorbell, answers each command from a small model and posts its
 * completion with the phase tag last, as a device would.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/admin_cmds.h"
#include "pcie/qpair.h"
#include "fake.h"
#include "pcie/regs.h"

#define SC_INVALID_OPCODE	NVME_STATUS(NVME_SCT_GENERIC, 0x01)
#define SC_INVALID_FIELD	NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD)
#define SC_INVALID_FORMAT	NVME_STATUS(NVME_SCT_CMD_SPECIFIC, 0x0a)

/* Copy @len bytes of @src to the command's PRP1/PRP2 (two pages at most). */
static void to_host(struct fake_ctrlr *f, const struct nvme_cmd *cmd, const void *src, size_t len)
{
	size_t first = NVME_PAGE_SIZE - (cmd->prp1 & (NVME_PAGE_SIZE - 1));
	uint8_t *p1 = fake_bus_to_virt(f->t, cmd->prp1), *p2;

	ck_assert_ptr_nonnull(p1);
	if (first > len)
		first = len;
	memcpy(p1, src, first);
	if (len > first) {
		ck_assert_uint_le(len - first, NVME_PAGE_SIZE);
		p2 = fake_bus_to_virt(f->t, cmd->prp2);
		ck_assert_ptr_nonnull(p2);
		memcpy(p2, (const uint8_t *)src + first, len - first);
	}
}

static uint16_t do_identify(struct fake_ctrlr *f, struct fake_admin *a, const struct nvme_cmd *cmd)
{
	uint8_t page[NVD_IDENTIFY_SIZE] = { 0 };

	switch (cmd->cdw10 & 0xff) {
	case NVD_CNS_NS:
		memcpy(page, &a->ns_id, sizeof(a->ns_id));
		break;
	case NVD_CNS_CTRLR:
		memcpy(page, &a->id, sizeof(a->id));
		break;
	case NVD_CNS_ACTIVE_NS_LIST:
		a->ns_list_reads++;
		page[0] = cmd->nsid < 1 ? 1 : 0;
		break;
	case NVD_CNS_NS_DESCS:
		page[0] = 3;	/* NIDT: UUID */
		page[1] = 16;	/* NIDL */
		memset(page + 4, 0xab, 16);
		break;
	default:
		return SC_INVALID_FIELD;
	}
	to_host(f, cmd, page, sizeof(page));
	return 0;
}

/* SMART, error and firmware logs with recognisable values; others a pattern. */
static uint16_t do_get_log(struct fake_ctrlr *f, const struct nvme_cmd *cmd)
{
	uint32_t numd = (cmd->cdw10 >> 16) | ((cmd->cdw11 & 0xffff) << 16);
	size_t len = ((size_t)numd + 1) * 4, i;
	uint64_t off = cmd->cdw12 | ((uint64_t)cmd->cdw13 << 32);
	uint8_t *img = calloc(1, 16384 + len);
	struct nvd_smart_log *smart = (void *)img;
	struct nvd_error_log_entry *err = (void *)img;
	struct nvd_fw_slot_log *fw = (void *)img;

	ck_assert_ptr_nonnull(img);
	switch (cmd->cdw10 & 0xff) {
	case NVD_LOG_SMART:
		smart->temperature[0] = 323 & 0xff;
		smart->temperature[1] = 323 >> 8;
		smart->avail_spare = 100;
		smart->spare_thresh = 10;
		smart->power_cycles[0] = 5;
		smart->num_err_log_entries[0] = 2;
		smart->temp_sensor[0] = 300;
		break;
	case NVD_LOG_ERROR:
		for (i = 0; i < 4; i++) {
			err[i].error_count = 4 - i;
			err[i].sqid = 1;
			err[i].cmdid = (uint16_t)(0x10 + i);
			err[i].status_field = NVME_STATUS(0, 0x80);
			err[i].nsid = 1;
			err[i].lba = 1000 + i;
		}
		break;
	case NVD_LOG_FW_SLOT:
		fw->afi = 1;
		memcpy(fw->frs[0], "1.0     ", 8);
		break;
	default:
		for (i = 0; i < 16384 + len; i++)
			img[i] = (uint8_t)(i / 4);
		break;
	}
	if (off + len > 16384) {
		free(img);
		return SC_INVALID_FIELD;
	}
	to_host(f, cmd, img + off, len);
	free(img);
	return 0;
}

static uint16_t do_format(struct fake_admin *a, const struct nvme_cmd *cmd)
{
	unsigned lbaf = (cmd->cdw10 & 0xf) | (((cmd->cdw10 >> 12) & 0x3) << 4);

	if (lbaf > a->ns_id.nlbaf)
		return SC_INVALID_FORMAT;
	a->ns_id.flbas = (uint8_t)((a->ns_id.flbas & 0x10) | (lbaf & 0xf) | ((lbaf >> 4) << 5));
	/* the same bytes in LBAs of the new size */
	a->ns_id.nsze = a->ns_id.ncap = a->ns_id.nuse =
		(512ull * 1000) >> a->ns_id.lbaf[lbaf].lbads;
	return 0;
}

/* answer(): keep the command outstanding, post nothing now */
#define HOLD			0xffffu
#define SC_ABORTED		NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED)

static void post(struct fake_ctrlr *f, struct fake_admin *a, uint16_t cid, uint16_t st,
		 uint32_t cdw0);

static uint16_t do_queue(struct fake_ctrlr *f, struct fake_admin *a, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;

	if (qid == 0 || qid >= 8)
		return SC_INVALID_FIELD;
	switch (cmd->opc) {
	case NVME_ADM_CREATE_CQ:
		if (a->io_cq[qid] || !fake_bus_to_virt(f->t, cmd->prp1))
			return SC_INVALID_FIELD;
		a->io_cq[qid] = 1;
		break;
	case NVME_ADM_CREATE_SQ:
		if (a->fail_create_sq || a->io_sq[qid] || !a->io_cq[cmd->cdw11 >> 16] ||
		    !fake_bus_to_virt(f->t, cmd->prp1))
			return SC_INVALID_FIELD;
		a->io_sq[qid] = 1;
		a->creates++;
		if (qid == f->q.qid) {
			/* the I/O queue the tests drive by hand starts afresh */
			f->sq_head = 0;
			f->cq_tail = 0;
			f->cq_phase = 1;
		}
		break;
	case NVME_ADM_DELETE_SQ:
		a->io_sq[qid] = 0;
		a->sq_deletes++;
		break;
	case NVME_ADM_DELETE_CQ:
		a->io_cq[qid] = 0;
		break;
	}
	return 0;
}

/* Abort: a held AER is completed as aborted; an I/O command answers abort_io_dw0. */
static uint16_t do_abort(struct fake_ctrlr *f, struct fake_admin *a, const struct nvme_cmd *cmd,
			 uint32_t *cdw0)
{
	uint16_t sqid = cmd->cdw10 & 0xffff, cid = (uint16_t)(cmd->cdw10 >> 16);
	unsigned i;

	*cdw0 = 1;
	if (sqid != 0) {
		*cdw0 = a->abort_io_dw0;
		return 0;
	}
	for (i = 0; i < a->nheld; i++) {
		if (a->held_aer[i] == cid) {
			a->held_aer[i] = a->held_aer[--a->nheld];
			post(f, a, cid, SC_ABORTED, 0);
			*cdw0 = 0;
			break;
		}
	}
	return 0;
}

static uint16_t answer(struct fake_ctrlr *f, struct fake_admin *a, const struct nvme_cmd *cmd,
		       uint32_t *cdw0)
{
	uint8_t fid = cmd->cdw10 & 0xff;

	switch (cmd->opc) {
	case NVME_ADM_CREATE_CQ:
	case NVME_ADM_CREATE_SQ:
	case NVME_ADM_DELETE_SQ:
	case NVME_ADM_DELETE_CQ:
		return do_queue(f, a, cmd);
	case NVME_ADM_DBBUF_CONFIG:
		a->dbbuf_configs++;
		return 0;
	case NVME_ADM_ABORT:
		return do_abort(f, a, cmd, cdw0);
	case NVME_ADM_AER:
		if (a->nheld >= 16)
			return NVME_STATUS(NVME_SCT_CMD_SPECIFIC, 0x05);	/* AER Limit Exceeded */
		a->held_aer[a->nheld] = cmd->cid;
		__atomic_store_n(&a->nheld, a->nheld + 1, __ATOMIC_RELEASE);
		return HOLD;
	case NVME_ADM_IDENTIFY:
		return do_identify(f, a, cmd);
	case NVME_ADM_GET_LOG_PAGE:
		return do_get_log(f, cmd);
	case NVME_ADM_GET_FEATURES:
		if (fid == 0xff)
			return SC_INVALID_FIELD;
		*cdw0 = ((cmd->cdw10 >> 8) & 7) == NVD_FEAT_SEL_SUPPORTED ? 0x5 : a->features[fid];
		return 0;
	case NVME_ADM_SET_FEATURES:
		if (fid == 0xff)
			return SC_INVALID_FIELD;
		a->features[fid] = cmd->cdw11;
		*cdw0 = cmd->cdw11;
		return 0;
	case NVME_ADM_FORMAT_NVM:
		a->last_format = *cmd;
		return do_format(a, cmd);
	default:
		return SC_INVALID_OPCODE;
	}
}

/* Post a completion for @cid at the fake's CQ tail, phase tag last. */
static void post(struct fake_ctrlr *f, struct fake_admin *a, uint16_t cid, uint16_t st,
		 uint32_t cdw0)
{
	volatile struct nvd_cpl *e = &a->acq[a->cq_tail];

	(void)f;
	e->cdw0 = cdw0;
	e->sqhd = (uint16_t)a->sq_head;
	e->sqid = 0;
	e->cid = cid;
	__atomic_store_n(&a->ncmds, a->ncmds + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&e->status, (uint16_t)((st & ~NVME_CPL_PHASE) | a->phase),
			 __ATOMIC_RELEASE);
	if (++a->cq_tail == a->acq_size) {
		a->cq_tail = 0;
		a->phase ^= 1;
	}
}

/*
 * The controller registers: CSTS.RDY follows CC.EN after rdy_delay polls.
 * Returns true while commands may be processed (enabled, ready, no CFS).
 */
static bool regs_step(struct fake_ctrlr *f, struct fake_admin *a)
{
	volatile uint32_t *cstsr = fake_reg(f->t, NVME_REG_CSTS);
	uint32_t cc = *fake_reg(f->t, NVME_REG_CC), csts = *cstsr, was = csts;
	bool en = cc & NVME_CC_EN, rdy = csts & NVME_CSTS_RDY;
	uint32_t off;

	if (csts == NVME_REG_GONE)
		return false;
	if (__atomic_load_n(&a->cfs, __ATOMIC_ACQUIRE))
		csts |= NVME_CSTS_CFS;
	if (en != rdy && !(en && (__atomic_load_n(&a->rdy_never, __ATOMIC_ACQUIRE) ||
				  (csts & NVME_CSTS_CFS))) &&
	    !(!en && __atomic_load_n(&a->stuck, __ATOMIC_ACQUIRE)) &&
	    ++a->rdy_wait >= __atomic_load_n(&a->rdy_delay, __ATOMIC_ACQUIRE)) {
		a->rdy_wait = 0;
		if (en) {
			/* Base 2.0 §3.5.1: fresh admin queue at ASQ/ACQ */
			uint32_t aqa = *fake_reg(f->t, NVME_REG_AQA);
			uint64_t asq = *fake_reg(f->t, NVME_REG_ASQ) |
				       (uint64_t)*fake_reg(f->t, NVME_REG_ASQ + 4) << 32;
			uint64_t acq = *fake_reg(f->t, NVME_REG_ACQ) |
				       (uint64_t)*fake_reg(f->t, NVME_REG_ACQ + 4) << 32;

			/* no admin queue behind them (a test's own EN = 1): answer nothing */
			a->asq = fake_bus_to_virt(f->t, asq);
			a->acq = fake_bus_to_virt(f->t, acq);
			a->asq_size = a->asq && a->acq ? (aqa & 0xfff) + 1 : 0;
			a->acq_size = ((aqa >> 16) & 0xfff) + 1;
			a->sq_head = 0;
			a->cq_tail = 0;
			a->phase = 1;
			a->enables++;
			csts |= NVME_CSTS_RDY;
		} else {
			/* Controller Level Reset: queues and doorbells are gone */
			a->nheld = 0;
			memset(a->io_cq, 0, sizeof(a->io_cq));
			memset(a->io_sq, 0, sizeof(a->io_sq));
			for (off = NVME_REG_DBS; off < NVME_REG_DBS + 16 * 4; off += 4)
				*fake_reg(f->t, off) = 0;
			a->disables++;
			csts &= ~NVME_CSTS_RDY;
		}
	}
	/* Base 2.0 §3.6: a normal shutdown completes at once (unless stuck) */
	if ((cc & NVME_CC_SHN_MASK) && !__atomic_load_n(&a->stuck, __ATOMIC_ACQUIRE))
		csts = (csts & ~NVME_CSTS_SHST_MASK) | NVME_CSTS_SHST_DONE;
	else
		csts &= ~NVME_CSTS_SHST_MASK;
	if (csts != was)
		__atomic_store_n(cstsr, csts, __ATOMIC_RELEASE);
	return en && (csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS);
}

static void *admin_thread(void *arg)
{
	struct fake_ctrlr *f = arg;
	struct fake_admin *a;
	volatile uint32_t *tail_db = fake_reg(f->t, doorbell_offset(0, false, 0));
	struct timespec ts = { 0, 20000 };

	a = f->admin;
	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		uint32_t tail = __atomic_load_n(tail_db, __ATOMIC_ACQUIRE);

		if (!regs_step(f, a)) {
			nanosleep(&ts, NULL);
			continue;
		}
		if (__atomic_load_n(&a->fire, __ATOMIC_ACQUIRE) && a->nheld) {
			post(f, a, a->held_aer[--a->nheld], 0, a->fire_cdw0);
			__atomic_store_n(&a->fire, 0, __ATOMIC_RELEASE);
		}
		while (tail < a->asq_size && a->sq_head != tail) {
			struct nvme_cmd cmd = a->asq[a->sq_head];
			uint32_t cdw0 = 0;
			uint16_t st;

			a->sq_head = (a->sq_head + 1) % a->asq_size;
			if (a->fail_opc && cmd.opc == a->fail_opc - 1)
				st = SC_INVALID_FIELD;
			else
				st = answer(f, a, &cmd, &cdw0);
			a->last = cmd;
			if (st != HOLD)
				post(f, a, cmd.cid, st, cdw0);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void fake_admin_fire_aer(struct fake_admin *a, uint32_t cdw0)
{
	struct timespec ts = { 0, 20000 };

	a->fire_cdw0 = cdw0;
	__atomic_store_n(&a->fire, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&a->fire, __ATOMIC_ACQUIRE))
		nanosleep(&ts, NULL);
}

unsigned fake_admin_held_aers(struct fake_admin *a)
{
	return __atomic_load_n(&a->nheld, __ATOMIC_ACQUIRE);
}

void fake_admin_start(struct fake_ctrlr *f, struct fake_admin *a)
{
	memset(a, 0, sizeof(*a));
	a->phase = 1;
	a->id.elpe = 3;
	a->id.lpa = 0x7;
	a->id.nn = 1;
	memcpy(a->id.sn, "FAKE0001            ", 20);
	a->ns_id = f->ns.id;
	a->features[0x04] = 343;	/* temperature threshold */

	ck_assert_int_eq(nvd__qpair_construct(&f->c.adminq, &f->c, 0, 8, NVD_ADMIN_MAX_XFER), 0);
	/* the namespace as the controller lists it, so format can refresh it */
	f->c.ns = calloc(1, sizeof(*f->c.ns));
	ck_assert_ptr_nonnull(f->c.ns);
	f->c.ns[0] = f->ns;
	f->c.num_ns = 1;
	f->c.id = a->id;
	f->admin = a;
	/* an enabled, ready controller */
	*fake_reg(f->t, NVME_REG_CC) = NVME_CC_EN;
	*fake_reg(f->t, NVME_REG_CSTS) = NVME_CSTS_RDY;
	a->asq = f->c.adminq.sq_mem;
	a->acq = f->c.adminq.cq_mem;
	a->asq_size = f->c.adminq.sq.size;
	a->acq_size = f->c.adminq.cq.size;
	ck_assert_int_eq(pthread_create(&a->thread, NULL, admin_thread, f), 0);
}

void fake_admin_stop(struct fake_ctrlr *f, struct fake_admin *a)
{
	__atomic_store_n(&a->stop, 1, __ATOMIC_RELEASE);
	pthread_join(a->thread, NULL);
	f->admin = NULL;
}

void fake_device_start(struct fake_ctrlr *f, struct fake_admin *a)
{
	memset(a, 0, sizeof(*a));
	a->phase = 1;
	a->id.elpe = 3;
	a->id.lpa = 0x7;
	a->id.nn = 1;
	memcpy(a->id.sn, "FAKE0001            ", 20);
	memcpy(a->id.mn, "fake controller                         ", 40);
	a->ns_id.nsze = a->ns_id.ncap = a->ns_id.nuse = 1000;
	a->ns_id.lbaf[0].lbads = 9;
	a->features[0x04] = 343;
	*fake_reg(f->t, NVME_REG_CC) = 0;
	*fake_reg(f->t, NVME_REG_CSTS) = 0;
	f->admin = a;
	ck_assert_int_eq(pthread_create(&a->thread, NULL, admin_thread, f), 0);
}

static struct {
	char bdf[NVD_BDF_LEN];
	struct pci_backend *t;
} attach_table[4];
/* the plain fake's ops, for DMA */
static const struct pci_backend_ops *plain_ops;

void fake_attach_register(const char *bdf, struct pci_backend *t)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!attach_table[i].t || !strcmp(attach_table[i].bdf, bdf)) {
			snprintf(attach_table[i].bdf, sizeof(attach_table[i].bdf), "%s", bdf);
			attach_table[i].t = t;
			if (t->ops != &fake_attach_ops)
				plain_ops = t->ops;
			t->ops = &fake_attach_ops;
			return;
		}
	}
	ck_abort_msg("fake_attach_register: table full");
}

static int attach_open(const char *bdf, struct pci_backend **out)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (attach_table[i].t && !strcmp(attach_table[i].bdf, bdf)) {
			*out = attach_table[i].t;
			return 0;
		}
	}
	return -ENODEV;
}

static void attach_close(struct pci_backend *t)
{
	to_fake(t)->closes++;
	to_fake(t)->live_at_close = to_fake(t)->live_regions;
}

static int attach_dma_map(struct pci_backend *t, size_t size, void *at, struct dma_region *r)
{
	return plain_ops->dma_map(t, size, at, r);
}

static void attach_dma_unmap(struct pci_backend *t, struct dma_region *r)
{
	plain_ops->dma_unmap(t, r);
}

const struct pci_backend_ops fake_attach_ops = {
	.name = "fake-attach",
	.open = attach_open,
	.close = attach_close,
	.dma_map = attach_dma_map,
	.dma_unmap = attach_dma_unmap,
};
