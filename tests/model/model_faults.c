// SPDX-License-Identifier: MIT
/*
 * Fault injection: counted rules matched against every fetched command
 * (fail, drop, delay, or complete twice), controller-wide faults
 * (CSTS.CFS, RDY never set, surprise removal, a paused SQ), asynchronous
 * events, and the error log the failed commands leave (Base 2.0
 * §5.16.1.2).
 */
#include <check.h>
#include <string.h>

#include "model_priv.h"

static bool rule_matches(const struct model_fault *f, uint16_t sqid, uint8_t opc)
{
	if (f->qid == MODEL_ANY_IO ? sqid == 0 : f->qid != MODEL_ANY && f->qid != sqid)
		return false;
	return f->opc == MODEL_ANY || f->opc == opc;
}

const struct model_fault *model_fault_match(struct model *m, uint16_t sqid,
					    const struct nvme_cmd *cmd)
{
	static const struct model_fault aborted = { .action = MODEL_FAIL,
						    .status = MS_ABORT_REQUESTED };
	const struct model_fault *f;
	uint32_t count;
	unsigned i;

	/* an Abort found it in the SQ before we fetched it */
	for (i = 0; i < m->naborts; i++) {
		if (m->aborts[i].sqid == sqid && m->aborts[i].cid == cmd->cid) {
			m->aborts[i] = m->aborts[--m->naborts];
			return &aborted;
		}
	}
	for (i = 0; i < m->nfaults; i++) {
		f = &m->faults[i];
		if (!rule_matches(f, sqid, cmd->opc))
			continue;
		count = f->count ? f->count : 1;
		m->fault_seen[i]++;
		if (m->fault_seen[i] < f->nth || m->fault_hits[i] >= count)
			continue;
		m->fault_hits[i]++;
		return f;
	}
	return NULL;
}

void model_error_log_add(struct model *m, uint16_t sqid, const struct nvme_cmd *cmd,
			 uint16_t status)
{
	struct nvd_error_log_entry *e = &m->errlog[0];

	/* newest first; the oldest falls off */
	memmove(&m->errlog[1], &m->errlog[0], sizeof(m->errlog) - sizeof(m->errlog[0]));
	memset(e, 0, sizeof(*e));
	e->error_count = ++m->error_count;
	e->sqid = sqid;
	e->cmdid = cmd->cid;
	e->status_field = status & ~NVME_CPL_PHASE;
	e->parm_error_location = 0xffff;
	e->nsid = cmd->nsid;
	if (sqid)
		e->lba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
}

int model_inject(struct model *m, const struct model_fault *f)
{
	int id;

	ck_assert_uint_ge(f->nth, 1);
	ck_assert_uint_lt(m->nfaults, MODEL_MAX_FAULTS);
	pthread_mutex_lock(&m->lock);
	id = (int)m->nfaults++;
	m->faults[id] = *f;
	m->fault_seen[id] = m->fault_hits[id] = 0;
	pthread_mutex_unlock(&m->lock);
	return id;
}

uint32_t model_fault_hits(struct model *m, int id)
{
	uint32_t n;

	ck_assert_int_lt(id, (int)m->nfaults);
	pthread_mutex_lock(&m->lock);
	n = m->fault_hits[id];
	pthread_mutex_unlock(&m->lock);
	return n;
}

void model_clear_faults(struct model *m)
{
	pthread_mutex_lock(&m->lock);
	m->nfaults = 0;
	pthread_mutex_unlock(&m->lock);
}

int model_fail_nth(struct model *m, int qid, int opc, uint32_t nth, uint16_t status)
{
	struct model_fault f = { .qid = qid, .opc = opc, .nth = nth, .action = MODEL_FAIL,
				 .status = status };

	return model_inject(m, &f);
}

int model_drop_nth(struct model *m, int qid, int opc, uint32_t nth)
{
	struct model_fault f = { .qid = qid, .opc = opc, .nth = nth, .action = MODEL_DROP };

	return model_inject(m, &f);
}

int model_duplicate_nth(struct model *m, int qid, int opc, uint32_t nth, uint32_t steps)
{
	struct model_fault f = { .qid = qid, .opc = opc, .nth = nth, .action = MODEL_DUPLICATE,
				 .delay = steps };

	return model_inject(m, &f);
}

void model_fault_duplicate(struct model *m, uint16_t sqid, uint16_t cid, uint32_t steps)
{
	struct model_pending *p, first;
	unsigned i;

	/* the command's own completion: the newest one queued for its CID */
	for (i = m->npend; i-- > 0;) {
		if (m->pend[i].sqid == sqid && m->pend[i].cid == cid && !m->pend[i].aer)
			break;
	}
	if (i == (unsigned)-1)
		return;		/* an AER, held until an event: nothing to copy yet */
	first = m->pend[i];
	p = model_complete(m, sqid, cid, first.status, first.cdw0);
	p->due_ms = first.due_ms;
	p->due_step = (first.due_step > m->steps ? first.due_step : m->steps) + steps;
	p->held = first.held;
	m->stats.duplicates++;
}

int model_delay_nth(struct model *m, int qid, int opc, uint32_t nth, uint32_t ms)
{
	struct model_fault f = { .qid = qid, .opc = opc, .nth = nth, .action = MODEL_DELAY_MS,
				 .delay = ms };

	return model_inject(m, &f);
}

static void set_csts_bits(struct model *m)
{
	uint32_t csts = (m->ready ? NVME_CSTS_RDY : 0) | (m->cfs ? NVME_CSTS_CFS : 0) |
			(m->shutdown ? NVME_CSTS_SHST_DONE : 0);

	__atomic_store_n(model_reg(m, NVME_REG_CSTS), csts, __ATOMIC_RELEASE);
}

void model_set_cfs(struct model *m, bool on)
{
	pthread_mutex_lock(&m->lock);
	if (!m->gone) {
		m->cfs = on;
		set_csts_bits(m);
	}
	pthread_mutex_unlock(&m->lock);
}

void model_set_never_ready(struct model *m, bool on)
{
	pthread_mutex_lock(&m->lock);
	m->never_ready = on;
	pthread_mutex_unlock(&m->lock);
}

void model_set_gone(struct model *m)
{
	pthread_mutex_lock(&m->lock);
	m->gone = true;
	/* doorbell writes by the host land in memory nobody reads */
	memset(m->bar, 0xff, MODEL_BAR_SIZE);
	pthread_mutex_unlock(&m->lock);
}

void model_pause_sq(struct model *m, uint16_t qid, bool paused)
{
	ck_assert_uint_le(qid, MODEL_MAX_QUEUES);
	pthread_mutex_lock(&m->lock);
	m->sq[qid].paused = paused;
	pthread_mutex_unlock(&m->lock);
}

int model_fire_aer(struct model *m, uint8_t type, uint8_t info, uint8_t lid)
{
	uint32_t dw0 = (type & 0x7u) | (uint32_t)info << 8 | (uint32_t)lid << 16;
	unsigned i;
	int done = 0;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->npend; i++) {
		if (m->pend[i].aer) {
			m->pend[i].aer = false;
			m->pend[i].cdw0 = dw0;
			done = 1;
			break;
		}
	}
	if (!done && m->naer_events < 16)
		m->aer_events[m->naer_events++] = dw0;
	pthread_mutex_unlock(&m->lock);
	return done;
}

unsigned model_aers_held(struct model *m)
{
	unsigned i, n = 0;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->npend; i++)
		n += m->pend[i].aer;
	pthread_mutex_unlock(&m->lock);
	return n;
}
