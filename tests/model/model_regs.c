// SPDX-License-Identifier: MIT
/*
 * The controller side of the registers and queues: CAP/VS, the CC/CSTS
 * state machine (Base 2.0 §3.5.1 enable, §3.7.2 reset, §3.6 shutdown),
 * doorbells and shadow doorbells (§5.8), fetching commands at the tail
 * and posting completions with phase, SQHD, SQID and CID (§3.3.3.2).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_priv.h"
#include "pcie/regs.h"

/* Commands fetched per SQ per pass: keeps queues fair. */
#define FETCH_BUDGET	64

static void update_csts(struct model *m)
{
	uint32_t csts = 0;

	if (m->ready)
		csts |= NVME_CSTS_RDY;
	if (m->cfs)
		csts |= NVME_CSTS_CFS;
	if (m->shutdown)
		csts |= NVME_CSTS_SHST_DONE;
	__atomic_store_n(model_reg(m, NVME_REG_CSTS), csts, __ATOMIC_RELEASE);
}

void model_regs_reset(struct model *m)
{
	uint64_t cap;

	/* CAP: MQES, CQR=1, TO, DSTRD 0, CSS NVM, MPSMIN 0, MPSMAX 0 */
	cap = m->cfg.mqes | (1ull << 16) | ((uint64_t)m->cfg.to << 24) | (1ull << 37);
	*model_reg(m, NVME_REG_CAP) = (uint32_t)cap;
	*model_reg(m, NVME_REG_CAP + 4) = (uint32_t)(cap >> 32);
	*model_reg(m, NVME_REG_VS) = 0x20000;	/* 2.0 */
	*model_reg(m, NVME_REG_CC) = 0;
	m->cc = 0;
	m->enabled = m->ready = m->shutdown = false;
	update_csts(m);
}

void model_reset_queues(struct model *m)
{
	memset(m->sq, 0, sizeof(m->sq));
	memset(m->cq, 0, sizeof(m->cq));
	memset(m->sq_db_seen, 0, sizeof(m->sq_db_seen));
	memset(m->cq_db_seen, 0, sizeof(m->cq_db_seen));
	/* the doorbells read 0 after a reset */
	memset(m->bar + NVME_REG_DBS, 0, MODEL_BAR_SIZE - NVME_REG_DBS);
	m->dbbuf_dbs = m->dbbuf_eis = NULL;
	m->npend = 0;
	m->naborts = 0;
}

/* Base 2.0 §3.5.1: the admin queue comes from AQA/ASQ/ACQ at enable. */
static bool enable_admin_queue(struct model *m)
{
	uint32_t aqa = *model_reg(m, NVME_REG_AQA);
	uint64_t asq = *model_reg(m, NVME_REG_ASQ) |
		       (uint64_t)*model_reg(m, NVME_REG_ASQ + 4) << 32;
	uint64_t acq = *model_reg(m, NVME_REG_ACQ) |
		       (uint64_t)*model_reg(m, NVME_REG_ACQ + 4) << 32;
	uint32_t sqs = (aqa & 0xfff) + 1, cqs = ((aqa >> 16) & 0xfff) + 1;
	void *sq, *cq;

	if (sqs < 2 || cqs < 2 || (asq & 0xfff) || (acq & 0xfff))
		return false;
	sq = model_bus_to_virt(m, asq, (size_t)sqs * sizeof(struct nvme_cmd));
	cq = model_bus_to_virt(m, acq, (size_t)cqs * sizeof(struct nvd_cpl));
	if (!sq || !cq)
		return false;
	m->sq[0] = (struct model_sq){ .valid = true, .cqid = 0, .size = sqs, .ring = sq };
	m->cq[0] = (struct model_cq){ .valid = true, .size = cqs, .ring = cq, .phase = 1,
				      .nsq = 1 };
	return true;
}

static void handle_cc(struct model *m)
{
	uint32_t cc = *model_reg(m, NVME_REG_CC), old = m->cc;

	if (cc == old)
		return;
	m->cc = cc;
	if ((old & NVME_CC_EN) && !(cc & NVME_CC_EN)) {
		/* Controller Reset (§3.7.2): queues gone, CFS and SHST cleared */
		model_reset_queues(m);
		m->enabled = m->ready = m->cfs = m->shutdown = false;
		m->naer_events = 0;
		m->stats.resets++;
	} else if (!(old & NVME_CC_EN) && (cc & NVME_CC_EN)) {
		m->enabled = true;
		m->enable_at_ms = model_now_ms() + m->cfg.ready_delay_ms;
	}
	if ((cc & NVME_CC_SHN_MASK) && !(old & NVME_CC_SHN_MASK) && m->enabled)
		m->shutdown = true;	/* nothing to flush: complete at once */
	update_csts(m);
}

static void post_cqe(struct model *m, const struct model_pending *p)
{
	struct model_sq *sq = &m->sq[p->sqid];
	struct model_cq *cq = &m->cq[sq->cqid];
	volatile struct nvd_cpl *e = &cq->ring[cq->tail];
	uint64_t one = 1;
	int fd;

	e->cdw0 = p->cdw0;
	e->rsvd = 0;
	e->sqhd = (uint16_t)sq->head;
	e->sqid = p->sqid;
	e->cid = p->cid;
	/* the phase tag last: the entry is whole once the host sees it new */
	__atomic_store_n(&e->status, (uint16_t)((p->status & ~NVME_CPL_PHASE) | cq->phase),
			 __ATOMIC_RELEASE);
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	m->stats.completions++;
	fd = cq->ien ? m->irq_fd[cq->iv] : -1;
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		m->stats.irq_errors++;
}

struct model_pending *model_complete(struct model *m, uint16_t sqid, uint16_t cid,
				     uint16_t status, uint32_t cdw0)
{
	struct model_pending *p;

	if (m->npend == m->pend_cap) {
		m->pend_cap = m->pend_cap ? 2 * m->pend_cap : 64;
		m->pend = realloc(m->pend, m->pend_cap * sizeof(*m->pend));
		if (!m->pend)
			abort();	/* not ck_assert: we hold the lock */
	}
	p = &m->pend[m->npend++];
	memset(p, 0, sizeof(*p));
	p->sqid = sqid;
	p->cid = cid;
	p->status = status;
	p->cdw0 = cdw0;
	if (m->cur_delay_ms)
		p->due_ms = model_now_ms() + m->cur_delay_ms;
	if (m->cur_delay_steps)
		p->due_step = m->steps + m->cur_delay_steps;
	return p;
}

void model_remove_pending(struct model *m, unsigned idx)
{
	memmove(&m->pend[idx], &m->pend[idx + 1], (m->npend - idx - 1) * sizeof(*m->pend));
	m->npend--;
}

static bool cq_full(const struct model_cq *cq)
{
	return (cq->tail + 1) % cq->size == cq->head;
}

/* Post every completion whose time has come, in the order they were queued. */
unsigned model_post_due(struct model *m)
{
	uint64_t now = model_now_ms();
	struct model_pending *p;
	struct model_cq *cq;
	unsigned i = 0, n = 0;

	while (i < m->npend) {
		p = &m->pend[i];
		cq = &m->cq[m->sq[p->sqid].cqid];
		if (p->held || p->aer || (p->due_ms && now < p->due_ms) ||
		    (p->due_step && m->steps < p->due_step) || !m->sq[p->sqid].valid ||
		    !cq->valid || cq_full(cq)) {
			i++;
			continue;
		}
		post_cqe(m, p);
		model_remove_pending(m, i);
		n++;
	}
	return n;
}

static uint32_t read_doorbell(struct model *m, uint16_t qid, bool is_cq);

/*
 * The tail as the host has rung it by now: an admin command fetched in
 * the same pass must see I/O SQ doorbells written before its own.
 */
void model_sq_refresh_tail(struct model *m, uint16_t qid)
{
	struct model_sq *sq = &m->sq[qid];
	uint32_t v = read_doorbell(m, qid, false);

	if (v < sq->size)
		sq->tail = v;
}

void model_delete_sq(struct model *m, uint16_t qid)
{
	struct model_sq *sq = &m->sq[qid];
	unsigned i = 0;

	/* what the host placed and we never fetched: aborted */
	model_sq_refresh_tail(m, qid);
	while (sq->head != sq->tail) {
		model_complete(m, qid, sq->ring[sq->head].cid, MS_ABORT_SQ_DELETED, 0);
		sq->head = (sq->head + 1) % sq->size;
	}
	/* delayed completions go out now; dropped ones stay lost */
	while (i < m->npend) {
		if (m->pend[i].sqid == qid && m->pend[i].held) {
			model_remove_pending(m, i);
			continue;
		}
		if (m->pend[i].sqid == qid)
			m->pend[i].due_ms = m->pend[i].due_step = 0;
		i++;
	}
	model_post_due(m);
	/* whatever the CQ had no room for is lost with the queue */
	for (i = 0; i < m->npend;) {
		if (m->pend[i].sqid == qid)
			model_remove_pending(m, i);
		else
			i++;
	}
	m->cq[sq->cqid].nsq--;
	memset(sq, 0, sizeof(*sq));
}

/* Doorbell value for queue @qid: the shadow when configured (I/O queues). */
static uint32_t read_doorbell(struct model *m, uint16_t qid, bool is_cq)
{
	uint32_t off = doorbell_offset(qid, is_cq, 0);
	uint32_t v = __atomic_load_n(model_reg(m, off), __ATOMIC_ACQUIRE);
	uint32_t *seen = is_cq ? &m->cq_db_seen[qid] : &m->sq_db_seen[qid];

	if (v != *seen) {
		*seen = v;
		if (is_cq)
			m->stats.cq_db_changes[qid]++;
		else
			m->stats.sq_db_changes[qid]++;
	}
	if (qid && m->dbbuf_dbs)
		v = __atomic_load_n(&m->dbbuf_dbs[2 * qid + is_cq], __ATOMIC_ACQUIRE);
	return v;
}

static void fetch_and_execute(struct model *m, uint16_t qid, const struct nvme_cmd *slot)
{
	const struct model_fault *f;
	struct nvme_cmd cmd = *slot;
	struct model_pending *p;

	if (qid == 0)
		m->stats.admin_cmds[cmd.opc]++;
	else
		m->stats.io_cmds[cmd.opc]++;
	m->stats.last_cmd[qid] = cmd;

	f = model_fault_match(m, qid, &cmd);
	if (f && f->action == MODEL_FAIL) {
		model_error_log_add(m, qid, &cmd, f->status);
		model_complete(m, qid, cmd.cid, f->status, 0);
		return;
	}
	if (f && f->action == MODEL_DROP) {
		p = model_complete(m, qid, cmd.cid, MS_ABORT_REQUESTED, 0);
		p->held = true;
		m->stats.dropped++;
		return;
	}
	if (f && f->action == MODEL_DELAY_MS)
		m->cur_delay_ms = f->delay;
	if (f && f->action == MODEL_DELAY_STEPS)
		m->cur_delay_steps = f->delay;
	if (qid == 0)
		model_admin_exec(m, &cmd);
	else
		model_io_exec(m, qid, &cmd);
	m->cur_delay_ms = m->cur_delay_steps = 0;
	if (f && f->action == MODEL_DUPLICATE)
		model_fault_duplicate(m, qid, cmd.cid, f->delay);
}

static unsigned process_queues(struct model *m)
{
	struct model_sq *sq;
	struct model_cq *cq;
	unsigned qid, budget, n = 0;
	uint32_t v;

	for (qid = 0; qid <= MODEL_MAX_QUEUES; qid++) {
		cq = &m->cq[qid];
		if (!cq->valid)
			continue;
		v = read_doorbell(m, (uint16_t)qid, true);
		if (v < cq->size)
			cq->head = v;
	}
	for (qid = 0; qid <= MODEL_MAX_QUEUES; qid++) {
		sq = &m->sq[qid];
		if (!sq->valid)
			continue;
		model_sq_refresh_tail(m, (uint16_t)qid);
		for (budget = FETCH_BUDGET; !sq->paused && sq->head != sq->tail && budget;
		     budget--) {
			const struct nvme_cmd *slot = &sq->ring[sq->head];

			/* entries are read after the tail that announced them */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			sq->head = (sq->head + 1) % sq->size;
			fetch_and_execute(m, (uint16_t)qid, slot);
			n++;
		}
		if (qid && m->dbbuf_eis) {
			/* EventIdx: what we saw, as QEMU does */
			__atomic_store_n(&m->dbbuf_eis[2 * qid], sq->tail, __ATOMIC_RELEASE);
			__atomic_store_n(&m->dbbuf_eis[2 * qid + 1], m->cq[sq->cqid].head,
					 __ATOMIC_RELEASE);
		}
	}
	return n;
}

unsigned model_regs_step(struct model *m)
{
	unsigned n = 0;

	handle_cc(m);
	if (m->enabled && !m->ready && !m->never_ready && !m->cfs &&
	    model_now_ms() >= m->enable_at_ms && enable_admin_queue(m)) {
		m->ready = true;
		update_csts(m);
		n++;
	}
	if (!m->ready || m->cfs || m->shutdown)
		return n;
	n += process_queues(m);
	n += model_post_due(m);
	return n;
}
