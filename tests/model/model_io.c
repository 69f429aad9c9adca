// SPDX-License-Identifier: MIT
/*
 * The NVM command set over RAM namespaces (NVM Command Set 1.0 §3.2):
 * Read, Write, Flush, Write Zeroes, Dataset Management (deallocated LBAs
 * read as zeroes), Compare; with the namespace, LBA range and MDTS checks.
 */
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

/* LBA formats every namespace offers: 512 B and 4 KiB, without and with metadata. */
static const uint8_t fmt_lbads[MODEL_NLBAF + 1] = { 9, 12, 9, 12 };

static uint16_t fmt_ms(const struct model *m, unsigned fmt)
{
	uint16_t ms = 8;
	unsigned i;

	for (i = 0; i < m->cfg.nr_ns; i++)
		if (m->cfg.ns[i].ms)
			ms = m->cfg.ns[i].ms;
	return fmt >= 2 ? ms : 0;
}

uint32_t model_ns_lba_size(const struct model *m, unsigned i)
{
	return 1u << fmt_lbads[m->ns[i].fmt];
}

int model_ns_init(struct model *m, unsigned i, const struct model_ns_config *c)
{
	struct model_ns *ns = &m->ns[i];
	unsigned fmt;

	for (fmt = 0; fmt <= MODEL_NLBAF; fmt++)
		if (fmt_lbads[fmt] == c->lbads && (fmt >= 2) == (c->ms != 0))
			break;
	if (fmt > MODEL_NLBAF || !c->nsze)
		return -1;
	ns->fmt = fmt;
	ns->nsze = c->nsze;
	ns->bytes = (size_t)c->nsze << c->lbads;
	ns->data = calloc(1, ns->bytes);
	return ns->data ? 0 : -1;
}

void model_ns_fini(struct model *m)
{
	unsigned i;

	for (i = 0; i < MODEL_MAX_NS; i++)
		free(m->ns[i].data);
}

/* NVM CS 1.0 §4.1.5.1, Figure 97 fields the library reads. */
void model_fill_id_ns(struct model *m, unsigned i, struct nvd_id_ns *id)
{
	const struct model_ns *ns = &m->ns[i];
	unsigned f;

	memset(id, 0, sizeof(*id));
	id->nsze = id->ncap = id->nuse = ns->nsze;
	id->nsfeat = 1 << 2;			/* DAE: deallocation reads zeroes */
	id->dlfeat = 1 | (1 << 3);		/* deallocated reads 00h, WZ can deallocate */
	id->nlbaf = MODEL_NLBAF;
	id->flbas = (uint8_t)ns->fmt;
	id->mc = 1 << 1;			/* metadata in a separate buffer */
	for (f = 0; f <= MODEL_NLBAF; f++) {
		id->lbaf[f].lbads = fmt_lbads[f];
		id->lbaf[f].ms = fmt_ms(m, f);
	}
	id->nguid[0] = 0x4d;			/* 'M' */
	id->nguid[15] = (uint8_t)(i + 1);
	id->eui64[0] = 0x4d;
	id->eui64[7] = (uint8_t)(i + 1);
}

/* Format NVM: the namespace keeps its bytes, changes LBA size, reads zeroes. */
int model_ns_format(struct model *m, unsigned i, unsigned fmt)
{
	struct model_ns *ns = &m->ns[i];

	if (fmt > MODEL_NLBAF)
		return -1;
	ns->fmt = fmt;
	ns->nsze = ns->bytes >> fmt_lbads[fmt];
	memset(ns->data, 0, ns->bytes);
	return 0;
}

static uint16_t check_range(const struct model_ns *ns, uint64_t slba, uint64_t nlb)
{
	if (slba >= ns->nsze || nlb > ns->nsze - slba)
		return MS_LBA_RANGE;
	return MS_OK;
}

static uint16_t rw(struct model *m, struct model_ns *ns, uint32_t lbasz,
		   const struct nvme_cmd *cmd)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint32_t nlb = (cmd->cdw12 & 0xffff) + 1;
	size_t bytes = (size_t)nlb * lbasz;
	struct model_xfer x;
	uint8_t *at, *tmp;
	uint16_t st;

	if (m->id.mdts && bytes > ((size_t)NVME_PAGE_SIZE << m->id.mdts))
		return MS_INVALID_FIELD;
	st = check_range(ns, slba, nlb);
	if (st)
		return st;
	st = model_map_data(m, cmd, bytes, &x);
	if (st)
		return st;
	at = ns->data + slba * lbasz;
	switch (cmd->opc) {
	case MODEL_NVM_READ:
		model_xfer_to_host(&x, at, bytes);
		m->host_reads++;
		return MS_OK;
	case MODEL_NVM_WRITE:
		model_xfer_from_host(&x, at, bytes);
		m->host_writes++;
		return MS_OK;
	default:	/* compare */
		tmp = malloc(bytes);
		if (!tmp)
			return MS_GEN(0x06);	/* Internal Error */
		model_xfer_from_host(&x, tmp, bytes);
		st = memcmp(tmp, at, bytes) ? MS_COMPARE_FAILURE : MS_OK;
		free(tmp);
		return st;
	}
}

/* NVM CS 1.0 §3.2.3: ranges in host memory; AD (CDW11 bit 2) deallocates. */
static uint16_t dsm(struct model *m, struct model_ns *ns, uint32_t lbasz,
		    const struct nvme_cmd *cmd)
{
	struct model_dsm_range r[256];
	uint32_t nr = (cmd->cdw10 & 0xff) + 1, i;
	struct model_xfer x;
	uint16_t st;

	st = model_map_data(m, cmd, nr * sizeof(r[0]), &x);
	if (st)
		return st;
	model_xfer_from_host(&x, r, nr * sizeof(r[0]));
	for (i = 0; i < nr; i++) {
		st = check_range(ns, r[i].slba, r[i].nlb);
		if (st)
			return st;
	}
	if (!(cmd->cdw11 & (1u << 2)))
		return MS_OK;	/* attributes only: a hint */
	for (i = 0; i < nr; i++)
		memset(ns->data + r[i].slba * lbasz, 0, (size_t)r[i].nlb * lbasz);
	return MS_OK;
}

static uint16_t io_exec(struct model *m, const struct nvme_cmd *cmd)
{
	struct model_ns *ns;
	uint64_t slba;
	uint32_t nlb, lbasz;
	uint16_t st;

	if (cmd->opc == MODEL_NVM_FLUSH && cmd->nsid == NVD_NSID_ALL)
		return MS_OK;
	switch (cmd->opc) {
	case MODEL_NVM_FLUSH:
	case MODEL_NVM_WRITE:
	case MODEL_NVM_READ:
	case MODEL_NVM_COMPARE:
	case MODEL_NVM_WRITE_ZEROES:
	case MODEL_NVM_DSM:
		break;
	default:
		return MS_INVALID_OPCODE;
	}
	if (!cmd->nsid || cmd->nsid > m->cfg.nr_ns)
		return MS_INVALID_NS;
	ns = &m->ns[cmd->nsid - 1];
	lbasz = model_ns_lba_size(m, cmd->nsid - 1);
	switch (cmd->opc) {
	case MODEL_NVM_FLUSH:
		return MS_OK;
	case MODEL_NVM_WRITE_ZEROES:
		slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
		nlb = (cmd->cdw12 & 0xffff) + 1;
		st = check_range(ns, slba, nlb);
		if (!st)
			memset(ns->data + slba * lbasz, 0, (size_t)nlb * lbasz);
		return st;
	case MODEL_NVM_DSM:
		return dsm(m, ns, lbasz, cmd);
	default:
		return rw(m, ns, lbasz, cmd);
	}
}

void model_io_exec(struct model *m, uint16_t sqid, const struct nvme_cmd *cmd)
{
	uint16_t st = io_exec(m, cmd);

	if (st)
		model_error_log_add(m, sqid, cmd, st);
	model_complete(m, sqid, cmd->cid, st, 0);
}
