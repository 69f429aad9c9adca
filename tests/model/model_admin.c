// SPDX-License-Identifier: MIT
/*
 * The admin command set the model answers (Base 2.0 §5): Identify (CNS
 * 0-3), Get/Set Features, Create/Delete I/O CQ and SQ with their checks,
 * Get Log Page (error, SMART, firmware slot), Abort, Asynchronous Event
 * Request, Doorbell Buffer Config, Format NVM.  Anything else is an
 * Invalid Command Opcode.
 */
#include <string.h>

#include "model_priv.h"

/* Features the model keeps (Base 2.0 Figure 317), with their defaults. */
static const struct { uint8_t fid; uint32_t def; } feature_defaults[] = {
	{ 0x01, 0 },		/* Arbitration */
	{ 0x02, 0 },		/* Power Management */
	{ 0x04, 0x157 },	/* Temperature Threshold: 343 K */
	{ 0x05, 0 },		/* Error Recovery */
	{ 0x06, 1 },		/* Volatile Write Cache: enabled */
	{ 0x07, 0 },		/* Number of Queues: filled in from the config */
	{ 0x08, 0 },		/* Interrupt Coalescing */
	{ 0x0a, 0 },		/* Write Atomicity Normal */
	{ 0x0b, 0 },		/* Asynchronous Event Configuration */
};
#define FEAT_NUM_QUEUES	0x07

static void pad(char *dst, const char *src, size_t n)
{
	size_t l = strlen(src);

	memset(dst, ' ', n);
	memcpy(dst, src, l < n ? l : n);
}

void model_admin_init(struct model *m)
{
	struct nvd_id_ctrl *id = &m->id;
	uint32_t nq = m->cfg.max_io_queues ? m->cfg.max_io_queues - 1u : 0;
	unsigned i;

	memset(id, 0, sizeof(*id));
	id->vid = 0x1d1d;
	id->ssvid = 0x1d1d;
	pad(id->sn, "MODEL0001", sizeof(id->sn));
	pad(id->mn, "nvdirect model", sizeof(id->mn));
	pad(id->fr, "1.0", sizeof(id->fr));
	id->mdts = m->cfg.mdts;
	id->cntlid = 1;
	id->ver = 0x20000;
	id->oacs = 1u << 1;			/* Format NVM */
	if (!m->cfg.no_dbbuf)
		id->oacs |= NVD_OACS_DBBUF;
	id->acl = 3;
	id->aerl = MODEL_AERL;
	id->frmw = (1u << 1) | 1u;		/* one slot, read only */
	id->lpa = 1u << 2;			/* extended data: NUMDU, offsets */
	id->elpe = MODEL_ELPE;
	id->sqes = 0x66;
	id->cqes = 0x44;
	id->nn = m->cfg.nr_ns;
	/* ONCS: Compare, Dataset Management, Write Zeroes */
	id->oncs = (1u << 0) | (1u << 2) | (1u << 3);
	id->vwc = 1;				/* so Flush means something */
	id->sgls = 1;				/* SGLs, no alignment rule */
	strcpy(id->subnqn, "nqn.2014-08.org.nvmexpress:uuid:nvdirect-model");

	for (i = 0; i < sizeof(feature_defaults) / sizeof(feature_defaults[0]); i++)
		m->features[feature_defaults[i].fid] = feature_defaults[i].def;
	m->features[FEAT_NUM_QUEUES] = nq << 16 | nq;
}

/* Send @len bytes at @src to the command's data pointer. */
static uint16_t to_host(struct model *m, const struct nvme_cmd *cmd, const void *src, size_t len)
{
	struct model_xfer x;
	uint16_t st = model_map_data(m, cmd, len, &x);

	if (!st)
		model_xfer_to_host(&x, src, len);
	return st;
}

/* Base 2.0 §5.17, Figures 273-279 (the NVM namespace data from NVM CS 1.0). */
static uint16_t identify(struct model *m, const struct nvme_cmd *cmd)
{
	uint8_t buf[NVD_IDENTIFY_SIZE] = { 0 };
	uint32_t *list = (uint32_t *)buf, nsid = cmd->nsid, i, n = 0;
	struct nvd_id_ns id;

	switch (cmd->cdw10 & 0xff) {
	case 0x00:
		if (!nsid || nsid > m->cfg.nr_ns)
			return MS_INVALID_NS;
		model_fill_id_ns(m, nsid - 1, (struct nvd_id_ns *)buf);
		break;
	case 0x01:
		memcpy(buf, &m->id, sizeof(m->id));
		break;
	case 0x02:
		if (nsid >= 0xfffffffeu)
			return MS_INVALID_NS;
		for (i = nsid + 1; i <= m->cfg.nr_ns; i++)
			list[n++] = i;
		break;
	case 0x03:
		/* Figure 279: NIDT 1 EUI64 (8 bytes), NIDT 2 NGUID (16 bytes) */
		if (!nsid || nsid > m->cfg.nr_ns)
			return MS_INVALID_NS;
		model_fill_id_ns(m, nsid - 1, &id);
		buf[0] = 1;
		buf[1] = 8;
		memcpy(buf + 4, id.eui64, 8);
		buf[12] = 2;
		buf[13] = 16;
		memcpy(buf + 16, id.nguid, 16);
		break;
	default:
		return MS_INVALID_FIELD;
	}
	return to_host(m, cmd, buf, sizeof(buf));
}

static bool feature_known(uint8_t fid)
{
	unsigned i;

	for (i = 0; i < sizeof(feature_defaults) / sizeof(feature_defaults[0]); i++)
		if (feature_defaults[i].fid == fid)
			return true;
	return false;
}

/* Base 2.0 §5.27 Set Features, §5.15 Get Features. */
static uint16_t features(struct model *m, const struct nvme_cmd *cmd, uint32_t *dw0)
{
	uint8_t fid = cmd->cdw10 & 0xff, sel = (cmd->cdw10 >> 8) & 0x7;
	uint32_t want, n, max = m->cfg.max_io_queues;
	unsigned i;

	if (!feature_known(fid))
		return MS_INVALID_FIELD;
	if (cmd->opc == MODEL_ADM_GET_FEAT) {
		switch (sel) {
		case 0:
		case 2:
			*dw0 = m->features[fid];
			return MS_OK;
		case 1:
			for (i = 0; feature_defaults[i].fid != fid; i++)
				;
			*dw0 = fid == FEAT_NUM_QUEUES ? (max - 1) << 16 | (max - 1) :
							feature_defaults[i].def;
			return MS_OK;
		case 3:
			*dw0 = 1u << 2;	/* changeable, not saveable, not per namespace */
			return MS_OK;
		default:
			return MS_INVALID_FIELD;
		}
	}
	if (cmd->cdw10 & (1u << 31))
		return MS_FEAT_NOT_SAVEABLE;
	if (fid == FEAT_NUM_QUEUES) {
		/* NSQR and NCQR, 0-based; 65535 is invalid */
		if ((cmd->cdw11 & 0xffff) == 0xffff || (cmd->cdw11 >> 16) == 0xffff)
			return MS_INVALID_FIELD;
		want = (cmd->cdw11 & 0xffff) + 1;
		if ((cmd->cdw11 >> 16) + 1 < want)
			want = (cmd->cdw11 >> 16) + 1;
		n = want < max ? want : max;
		m->nr_io_queues = (uint16_t)n;
		/* the allocated counts, which may exceed the request */
		*dw0 = m->features[fid] = (max - 1) << 16 | (max - 1);
		return MS_OK;
	}
	m->features[fid] = cmd->cdw11;
	return MS_OK;
}

static uint16_t io_queues_allowed(const struct model *m)
{
	return m->nr_io_queues ? m->nr_io_queues : m->cfg.max_io_queues;
}

/* Base 2.0 §5.4, §5.5: Create I/O Completion / Submission Queue. */
static uint16_t create_queue(struct model *m, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;
	uint32_t size = (cmd->cdw10 >> 16) + 1;
	bool is_cq = cmd->opc == MODEL_ADM_CREATE_CQ;
	size_t esz = is_cq ? sizeof(struct nvd_cpl) : sizeof(struct nvme_cmd);
	uint16_t cqid = cmd->cdw11 >> 16;	/* for a CQ: its interrupt vector */
	void *ring;

	if (!qid || qid > io_queues_allowed(m) || qid > MODEL_MAX_QUEUES)
		return MS_QID_INVALID;
	if (is_cq ? m->cq[qid].valid : m->sq[qid].valid)
		return MS_QID_INVALID;
	if (size < 2 || size > m->cfg.mqes + 1u)
		return MS_QSIZE_INVALID;
	if (!(cmd->cdw11 & 1))
		return MS_INVALID_FIELD;	/* CAP.CQR: contiguous queues only */
	if (is_cq && (cmd->cdw11 & 2) && cqid >= m->cfg.nr_vectors)
		return MS_IV_INVALID;
	if (!is_cq && (!cqid || cqid > MODEL_MAX_QUEUES || !m->cq[cqid].valid))
		return MS_CQ_INVALID;
	if (cmd->prp1 & (NVME_PAGE_SIZE - 1))
		return MS_PRP_OFFSET_INVALID;
	ring = model_bus_to_virt(m, cmd->prp1, size * esz);
	if (!ring)
		return MS_DATA_XFER_ERROR;
	if (is_cq) {
		m->cq[qid] = (struct model_cq){ .valid = true, .size = size, .ring = ring,
						.phase = 1, .ien = (cmd->cdw11 & 2) != 0,
						.iv = cqid };
	} else {
		m->sq[qid] = (struct model_sq){ .valid = true, .size = size, .ring = ring,
						.cqid = cqid };
		m->cq[cqid].nsq++;
	}
	return MS_OK;
}

static uint16_t delete_queue(struct model *m, const struct nvme_cmd *cmd)
{
	uint16_t qid = cmd->cdw10 & 0xffff;

	if (!qid || qid > MODEL_MAX_QUEUES)
		return MS_QID_INVALID;
	if (cmd->opc == MODEL_ADM_DELETE_SQ) {
		if (!m->sq[qid].valid)
			return MS_QID_INVALID;
		model_delete_sq(m, qid);
		return MS_OK;
	}
	if (!m->cq[qid].valid)
		return MS_QID_INVALID;
	if (m->cq[qid].nsq)
		return MS_QDEL_INVALID;
	memset(&m->cq[qid], 0, sizeof(m->cq[qid]));
	return MS_OK;
}

static void put_u128(uint8_t *f, uint64_t v)
{
	memset(f, 0, 16);
	memcpy(f, &v, sizeof(v));
}

/* Base 2.0 §5.16: logs 01h-03h; NUMD 0-based dwords, offset in bytes. */
static uint16_t get_log(struct model *m, const struct nvme_cmd *cmd)
{
	uint8_t lid = cmd->cdw10 & 0xff, buf[8192] = { 0 };
	uint32_t numd = (cmd->cdw10 >> 16) | (cmd->cdw11 & 0xffff) << 16;
	uint64_t off = cmd->cdw12 | (uint64_t)cmd->cdw13 << 32;
	size_t len = ((size_t)numd + 1) * 4, size;
	struct nvd_smart_log *s = (struct nvd_smart_log *)buf;
	struct nvd_fw_slot_log *fw = (struct nvd_fw_slot_log *)buf;
	uint8_t out[8192] = { 0 };

	switch (lid) {
	case NVD_LOG_ERROR:
		size = sizeof(m->errlog);
		memcpy(buf, m->errlog, size);
		break;
	case NVD_LOG_SMART:
		size = sizeof(*s);
		s->temperature[0] = 300 & 0xff;
		s->temperature[1] = 300 >> 8;
		s->avail_spare = 100;
		s->spare_thresh = 10;
		put_u128(s->host_reads, m->host_reads);
		put_u128(s->host_writes, m->host_writes);
		put_u128(s->power_cycles, 1);
		put_u128(s->num_err_log_entries, m->error_count);
		s->temp_sensor[0] = 300;
		break;
	case NVD_LOG_FW_SLOT:
		size = sizeof(*fw);
		fw->afi = 1;
		memcpy(fw->frs[0], "MODEL1.0", 8);
		break;
	default:
		return MS_LOG_INVALID;
	}
	if (off & 3 || off > size || len > sizeof(out))
		return MS_INVALID_FIELD;
	memcpy(out, buf + off, size - off < len ? size - off : len);
	return to_host(m, cmd, out, len);
}

/* Base 2.0 §5.1: DW0 bit 0 is 1 when the command was not aborted. */
static uint32_t abort_cmd(struct model *m, const struct nvme_cmd *cmd)
{
	uint16_t sqid = cmd->cdw10 & 0xffff, cid = cmd->cdw10 >> 16;
	struct model_sq *sq = sqid <= MODEL_MAX_QUEUES ? &m->sq[sqid] : NULL;
	unsigned i;

	if (!sq || !sq->valid)
		return 1;
	model_sq_refresh_tail(m, sqid);
	for (i = sq->head; i != sq->tail; i = (i + 1) % sq->size) {
		if (sq->ring[i].cid == cid && m->naborts < 16) {
			m->aborts[m->naborts].sqid = sqid;
			m->aborts[m->naborts++].cid = cid;
			return 0;
		}
	}
	/* fetched but not completed yet (dropped or delayed): the model still owns it */
	for (i = 0; i < m->npend; i++) {
		struct model_pending *p = &m->pend[i];

		if (p->sqid == sqid && p->cid == cid && !p->aer) {
			p->status = MS_ABORT_REQUESTED;
			p->held = false;
			p->due_ms = p->due_step = 0;
			return 0;
		}
	}
	return 1;
}

/* Base 2.0 §5.2: held until an event; AERL + 1 at most. */
static void aer(struct model *m, const struct nvme_cmd *cmd)
{
	struct model_pending *p;
	unsigned i, held = 0;

	for (i = 0; i < m->npend; i++)
		held += m->pend[i].aer;
	if (held > MODEL_AERL) {
		model_complete(m, 0, cmd->cid, MS_AER_LIMIT, 0);
		return;
	}
	if (m->naer_events) {
		model_complete(m, 0, cmd->cid, MS_OK, m->aer_events[0]);
		memmove(m->aer_events, m->aer_events + 1, --m->naer_events * sizeof(uint32_t));
		return;
	}
	p = model_complete(m, 0, cmd->cid, MS_OK, 0);
	p->aer = true;
}

/* Base 2.0 §5.8: PRP1 shadow doorbells, PRP2 EventIdx, both page aligned. */
static uint16_t dbbuf_config(struct model *m, const struct nvme_cmd *cmd)
{
	size_t bytes = (MODEL_MAX_QUEUES + 1) * 8;
	uint32_t *dbs, *eis;

	if (m->cfg.no_dbbuf)
		return MS_INVALID_OPCODE;
	if (!cmd->prp1 || !cmd->prp2 || (cmd->prp1 | cmd->prp2) & (NVME_PAGE_SIZE - 1))
		return MS_INVALID_FIELD;
	dbs = model_bus_to_virt(m, cmd->prp1, bytes);
	eis = model_bus_to_virt(m, cmd->prp2, bytes);
	if (!dbs || !eis)
		return MS_INVALID_FIELD;
	m->dbbuf_dbs = dbs;
	m->dbbuf_eis = eis;
	return MS_OK;
}

/* Base 2.0 §5.23: LBAF, SES, PI; NSID one namespace or all. */
static uint16_t format(struct model *m, const struct nvme_cmd *cmd)
{
	unsigned lbaf = (cmd->cdw10 & 0xf) | ((cmd->cdw10 >> 12) & 0x3) << 4;
	unsigned ses = (cmd->cdw10 >> 9) & 0x7, pi = (cmd->cdw10 >> 5) & 0x7, i;

	if (cmd->nsid != NVD_NSID_ALL && (!cmd->nsid || cmd->nsid > m->cfg.nr_ns))
		return MS_INVALID_NS;
	if (lbaf > MODEL_NLBAF || pi)
		return MS_FORMAT_INVALID;
	if (ses > 2)
		return MS_INVALID_FIELD;
	for (i = 0; i < m->cfg.nr_ns; i++)
		if (cmd->nsid == NVD_NSID_ALL || cmd->nsid == i + 1)
			model_ns_format(m, i, lbaf);
	return MS_OK;
}

void model_admin_exec(struct model *m, const struct nvme_cmd *cmd)
{
	uint32_t dw0 = 0;
	uint16_t st;

	switch (cmd->opc) {
	case MODEL_ADM_IDENTIFY:
		st = identify(m, cmd);
		break;
	case MODEL_ADM_SET_FEAT:
	case MODEL_ADM_GET_FEAT:
		st = features(m, cmd, &dw0);
		break;
	case MODEL_ADM_CREATE_CQ:
	case MODEL_ADM_CREATE_SQ:
		st = create_queue(m, cmd);
		break;
	case MODEL_ADM_DELETE_CQ:
	case MODEL_ADM_DELETE_SQ:
		st = delete_queue(m, cmd);
		break;
	case MODEL_ADM_GET_LOG:
		st = get_log(m, cmd);
		break;
	case MODEL_ADM_ABORT:
		dw0 = abort_cmd(m, cmd);
		st = MS_OK;
		break;
	case MODEL_ADM_AER:
		aer(m, cmd);
		return;
	case MODEL_ADM_DBBUF:
		st = dbbuf_config(m, cmd);
		break;
	case MODEL_ADM_FORMAT:
		st = format(m, cmd);
		break;
	default:
		st = MS_INVALID_OPCODE;
		break;
	}
	if (st)
		model_error_log_add(m, 0, cmd, st);
	model_complete(m, 0, cmd->cid, st, dw0);
}
