// SPDX-License-Identifier: MIT
/*
 * The NVMe/TCP transport's ops table (core/transport_ops.h) and the
 * functions the core's entry points branch to for a controller reached
 * over TCP (transport.h).
 *
 * Controller: the admin queue is one connection, opened at construct
 * (ICReq/ICResp, Connect QID 0 with CNTLID FFFFh and the KATO) so that
 * Property Get/Set reach CAP, VS, CC and CSTS; the core's state machine
 * then enables it as it does a PCIe controller.  Admin commands run one at
 * a time over it (nvd__tcp_exec(), under the admin lock).  Asynchronous
 * Event Requests are not kept outstanding on TCP: the admin connection
 * has room for one command.
 *
 * I/O queue pairs: a struct nvd_qpair whose tcp member is the queue pair
 * of tcp/qpair.c, with QP_NO_FAST_TCP in no_fast so that reads and writes
 * leave the PCIe fast path at its existing test.  A read, write or
 * compare (vectored too) above MDTS is split here into commands of at
 * most MDTS, one callback for all (tcp_split()).  Timeouts, error
 * injection and interrupts are PCIe-only for now: refused in words.  Dataset
 * Management sends its range list as the command's data.
 *
 * Retries: a retryable status sends the command again, up to retry_count
 * times, as on PCIe (tcp/qpair.c).
 *
 * Reset: a new association (nvd__tcp_ctrlr_reset()), also after a lost
 * connection; outstanding commands complete aborted, never retried.
 *
 * Keep Alive (Base 2.0 §5.25, NVMe-oF 1.1 §3.3): sent at half the KATO
 * from nvd_ctrlr_process_admin_completions() and from I/O polls, as SPDK
 * does from its admin poll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/ns.h"
#include "core/transport_ops.h"
#include "tcp/conn.h"
#include "tcp/fabrics.h"
#include "tcp/qpair.h"
#include "tcp/transport.h"

/* NVMe/TCP 1.0 §3.3: admin queues take 8 KiB of in-capsule data */
#define TCP_ADMIN_INCAPSULE	8192u
/* Base 2.0 Figure 139: Keep Alive */
#define NVME_ADM_KEEP_ALIVE	0x18

struct nvd_tcp_ctrlr {
	struct nvd_trid trid;
	struct nvd_tcp_host host;
	struct nvd_tcp_conn_opts conn_opts;
	struct nvd_tcp_conn admin;
	bool admin_open;
	uint16_t cntlid;
	uint32_t kato_ms;
	uint64_t next_keep_alive_ms;
	uint64_t keep_alives;
};

/* ---- the admin connection ---------------------------------------------- */

/* The admin connection failed under a command: the controller is lost. */
static void admin_lost(struct nvd_ctrlr *c, int err)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;

	snprintf(c->fail_reason, sizeof(c->fail_reason),
		 "NVMe/TCP admin connection to %.40s lost: %.80s", tc->admin.peer,
		 nvd_last_error()[0] ? nvd_last_error() : nvd_strerror(err));
	if (tc->admin_open) {
		nvd__tcp_conn_close(&tc->admin);
		tc->admin_open = false;
	}
	nvd__ctrlr_mark_failed(c);
}

int nvd__tcp_admin_exec(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
			const char *what, struct nvd_cpl *cpl)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;
	struct nvd_cpl local;
	/* Base 2.0 Figure 88: opcode bits 1:0, 01b host to controller */
	bool to_ctrl = (cmd->opc & 3) == 1;
	int err;

	if (len > UINT32_MAX)
		return -EINVAL;
	pthread_mutex_lock(&c->admin_lock);
	if (!tc->admin_open) {
		nvd__set_detail("%s: %s", what, c->fail_reason[0] ? c->fail_reason :
			   "the NVMe/TCP admin connection is closed");
		pthread_mutex_unlock(&c->admin_lock);
		return -ENXIO;
	}
	nvd__dbg("admin/tcp: %s (opc 0x%02x cdw10 0x%x cdw11 0x%x)", what, cmd->opc, cmd->cdw10,
		 cmd->cdw11);
	err = nvd__tcp_exec(&tc->admin, cmd, len ? buf : NULL, (uint32_t)len, to_ctrl,
			    TCP_ADMIN_INCAPSULE, what, cpl ? cpl : &local);
	if (err && err != -EIO)
		admin_lost(c, err);
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}

/* Registers are properties (NVMe-oF 1.1 §3.4, §3.5); a lost connection reads all ones. */
static int tcp_prop(struct nvd_ctrlr *c, bool set, uint32_t ofst, unsigned size, uint64_t *v)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;
	int err;

	pthread_mutex_lock(&c->admin_lock);
	if (!tc->admin_open) {
		pthread_mutex_unlock(&c->admin_lock);
		return -ENXIO;
	}
	err = set ? nvd__tcp_prop_set(&tc->admin, ofst, size, *v) :
		    nvd__tcp_prop_get(&tc->admin, ofst, size, v);
	if (err && err != -EIO)
		admin_lost(c, err);
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}

static int tcp_get_reg_4(struct nvd_ctrlr *c, uint32_t ofst, uint32_t *value)
{
	uint64_t v = 0;
	int err = tcp_prop(c, false, ofst, 4, &v);

	*value = (uint32_t)v;
	return err;
}

static int tcp_get_reg_8(struct nvd_ctrlr *c, uint32_t ofst, uint64_t *value)
{
	return tcp_prop(c, false, ofst, 8, value);
}

static int tcp_set_reg_4(struct nvd_ctrlr *c, uint32_t ofst, uint32_t value)
{
	uint64_t v = value;

	return tcp_prop(c, true, ofst, 4, &v);
}

static int tcp_set_reg_8(struct nvd_ctrlr *c, uint32_t ofst, uint64_t value)
{
	return tcp_prop(c, true, ofst, 8, &value);
}

/* The admin queue is the connection construct opened: nothing to do before CC.EN = 1. */
static int tcp_ctrlr_enable(struct nvd_ctrlr *c)
{
	(void)c;
	return 0;
}

/* Nothing of the host's memory is the controller's: @stopped changes nothing. */
static void tcp_ctrlr_destruct(struct nvd_ctrlr *c, bool stopped)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;

	(void)stopped;
	if (tc->admin_open)
		nvd__tcp_conn_close(&tc->admin);
	free(c->id_buf);
	free(c->ns);
	free(c->ioq);
	pthread_mutex_destroy(&c->admin_lock);
	free(tc);
	c->tcp = NULL;
}

/* ---- controller --------------------------------------------------------- */

int nvd__tcp_ctrlr_connect(const struct nvd_trid *trid, const struct nvd_ctrlr_opts *opts,
			   struct nvd_ctrlr **ctrlr)
{
	struct nvd_tcp_ctrlr *tc;
	struct nvd_ctrlr_opts o;
	struct nvd_ctrlr *c;
	int err;

	nvd__ctrlr_fill_opts(&o, opts);
	if (o.admin_queue_size < 2 || o.admin_queue_size > NVME_AQ_MAX_ENTRIES) {
		nvd__set_detail("admin queue size %u is outside 2..%u", o.admin_queue_size,
			   NVME_AQ_MAX_ENTRIES);
		return -EINVAL;
	}
	if (o.flags & ~(NVD_CTRLR_FLAGS_ALL | NVD_CTRLR_TCP_FLAGS)) {
		nvd__set_detail("unknown controller option flags 0x%x",
				o.flags & ~(NVD_CTRLR_FLAGS_ALL | NVD_CTRLR_TCP_FLAGS));
		return -EINVAL;
	}
	if (!trid->subnqn[0]) {
		nvd__set_detail("trid: an NVMe/TCP controller needs subnqn: (the discovery subsystem holds no namespaces)");
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	tc = calloc(1, sizeof(*tc));
	if (!c || !tc) {
		err = -ENOMEM;
		goto err_free;
	}
	c->transport = &nvd__tcp_transport;
	c->tcp = tc;
	tc->trid = *trid;
	tc->kato_ms = o.keep_alive_timeout_ms ? o.keep_alive_timeout_ms : NVD_TCP_KATO_DEFAULT_MS;
	/* the admin connection and every I/O one ask for the same digests */
	tc->conn_opts.hdgst = o.flags & NVD_CTRLR_TCP_HEADER_DIGEST;
	tc->conn_opts.ddgst = o.flags & NVD_CTRLR_TCP_DATA_DIGEST;
	err = nvd__tcp_host_default(&tc->host, trid->hostnqn);
	if (err)
		goto err_free;
	err = nvd__tcp_conn_open(&tc->admin, trid, &tc->conn_opts);
	if (err)
		goto err_free;
	tc->admin_open = true;
	c->info.tcp_header_digest = tc->admin.tx.hdgst;
	c->info.tcp_data_digest = tc->admin.tx.ddgst;
	err = nvd__tcp_connect(&tc->admin, 0, (uint16_t)o.admin_queue_size, &tc->host, trid->subnqn,
			       tc->kato_ms, &tc->cntlid);
	if (err)
		goto err_close;
	tc->next_keep_alive_ms = nvd__now_ms() + tc->kato_ms / 2;
	/* traddr:trsvcid where a PCIe controller names its BDF, as far as it fits */
	snprintf(c->info.bdf, sizeof(c->info.bdf), "%.*s", (int)sizeof(c->info.bdf) - 1,
		 trid->traddr);
	err = nvd__ctrlr_construct_common(c, &o);
	if (err)
		goto err_close;
	if (!(NVME_CAP_CSS(c->cap) & NVME_CAP_CSS_NVM)) {
		nvd__set_detail("controller does not support the NVM command set (CAP.CSS 0x%x)",
			   NVME_CAP_CSS(c->cap));
		err = -EOPNOTSUPP;
		goto err_unlock;
	}
	if (posix_memalign(&c->id_buf, 4096, NVD_IDENTIFY_SIZE)) {
		err = -ENOMEM;
		goto err_unlock;
	}
	nvd__dbg("%s: NVMe/TCP admin queue connected to %s, controller ID %u, KATO %u ms, digests: header %s, data %s",
		 trid->subnqn, tc->admin.peer, tc->cntlid, tc->kato_ms,
		 tc->admin.tx.hdgst ? "on" : "off", tc->admin.tx.ddgst ? "on" : "off");
	/* from here on the core's state machine, which frees @c when it fails */
	return nvd__ctrlr_init_run(c, ctrlr);

err_unlock:
	pthread_mutex_destroy(&c->admin_lock);
err_close:
	if (tc->admin_open)
		nvd__tcp_conn_close(&tc->admin);
err_free:
	free(tc);
	free(c);
	return err;
}

int nvd__tcp_keep_alive(struct nvd_ctrlr *c, bool from_io)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;
	struct nvme_cmd cmd = { .opc = NVME_ADM_KEEP_ALIVE };
	uint64_t now = nvd__now_ms();
	int err;

	if (ctrlr_is_failed(c)) {
		nvd__set_detail("%s", c->fail_reason[0] ? c->fail_reason : "the controller is gone");
		return -ENXIO;
	}
	if (now < __atomic_load_n(&tc->next_keep_alive_ms, __ATOMIC_RELAXED))
		return 0;
	if (from_io) {
		/* never wait for the admin queue on the I/O path: the next poll tries again */
		if (pthread_mutex_trylock(&c->admin_lock))
			return 0;
	} else {
		pthread_mutex_lock(&c->admin_lock);
	}
	err = 0;
	if (now >= tc->next_keep_alive_ms) {
		err = nvd__tcp_admin_exec(c, &cmd, NULL, 0, "Keep Alive", NULL);
		tc->next_keep_alive_ms = now + tc->kato_ms / 2;
		if (!err)
			tc->keep_alives++;
	}
	pthread_mutex_unlock(&c->admin_lock);
	return err == -EIO ? 0 : err;
}

uint64_t nvd__tcp_keep_alives_sent(const struct nvd_ctrlr *c)
{
	return c->tcp ? c->tcp->keep_alives : 0;
}

int nvd__tcp_ctrlr_reset(struct nvd_ctrlr *c)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;
	uint16_t qid, granted;
	struct nvd_qpair *q;
	char why[160];
	int err;

	pthread_mutex_lock(&c->admin_lock);
	nvd__dbg("%s: NVMe/TCP controller reset: reconnecting", tc->trid.subnqn);
	for (qid = 1; c->ioq && qid <= c->info.num_io_queues; qid++)
		if ((q = c->ioq[qid]) && q->tcp)
			nvd__tcp_qpair_disconnect(q->tcp);
	if (tc->admin_open) {
		nvd__tcp_conn_close(&tc->admin);
		tc->admin_open = false;
	}
	nvd__clear_detail();
	err = nvd__tcp_conn_open(&tc->admin, &tc->trid, &tc->conn_opts);
	if (err)
		goto err_fail;
	tc->admin_open = true;
	c->info.tcp_header_digest = tc->admin.tx.hdgst;
	c->info.tcp_data_digest = tc->admin.tx.ddgst;
	err = nvd__tcp_connect(&tc->admin, 0, (uint16_t)c->opts.admin_queue_size, &tc->host,
			       tc->trid.subnqn, tc->kato_ms, &tc->cntlid);
	if (err)
		goto err_fail;
	__atomic_store_n(&c->failed, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&c->fatal, 0, __ATOMIC_RELEASE);
	c->fail_reason[0] = '\0';
	tc->next_keep_alive_ms = nvd__now_ms() + tc->kato_ms / 2;
	/* a new controller: disabled, as after the first Connect (Base 2.0 §3.5.1) */
	err = nvd__ctrlr_enable(c);
	if (err)
		goto err_fail;
	c->enabled = true;
	if (c->info.num_io_queues) {
		err = nvd__admin_set_num_queues(c, (uint16_t)c->info.num_io_queues, &granted);
		if (err)
			goto err_fail;
	}
	for (qid = 1; c->ioq && qid <= c->info.num_io_queues; qid++) {
		if (!(q = c->ioq[qid]) || !q->tcp)
			continue;
		nvd__tcp_qpair_set_cntlid(q->tcp, tc->cntlid);
		err = nvd__tcp_qpair_connect(q->tcp, &tc->trid);
		if (err)
			goto err_fail;
		q->failed = false;
		q->no_fast = QP_NO_FAST_TCP;
	}
	pthread_mutex_unlock(&c->admin_lock);
	return 0;

err_fail:
	snprintf(why, sizeof(why), "%s", nvd_last_error()[0] ? nvd_last_error() : nvd_strerror(err));
	snprintf(c->fail_reason, sizeof(c->fail_reason), "NVMe/TCP reset: reconnecting to %.40s: %.80s",
		 tc->trid.traddr, why);
	nvd__ctrlr_mark_failed(c);
	nvd__set_detail("%s", c->fail_reason);
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}

/* ---- I/O queue pairs ---------------------------------------------------- */

/*
 * The queue pair's command slots; its connection comes at qpair_connect.
 * Polled only: an interrupt is refused in words.
 */
static int tcp_qpair_create(struct nvd_ctrlr *c, struct nvd_qpair *q, uint16_t qid,
			    uint32_t qsize, const struct nvd_io_qpair_opts *opts, uint32_t nreqs)
{
	struct nvd_tcp_ctrlr *tc = c->tcp;
	struct nvd_tcp_qpair_opts o = {
		.qid = qid,
		.qsize = qsize,
		.cntlid = tc->cntlid,
		.host = &tc->host,
		.subnqn = tc->trid.subnqn,
		.incapsule_max = nvd__tcp_incapsule_max(&c->id),
		.max_retries = c->opts.retry_count > 255 ? 255 : (uint8_t)c->opts.retry_count,
		.conn = tc->conn_opts,
	};

	/* a TCP command is a slot of its own: no request pool to size */
	(void)nreqs;
	if (opts->interrupts) {
		nvd__set_detail("interrupts are for PCIe queue pairs (MSI-X); an NVMe/TCP queue pair is polled");
		return -EOPNOTSUPP;
	}
	q->ctrlr = c;
	q->qid = qid;
	q->no_fast = QP_NO_FAST_TCP;
	return nvd__tcp_qpair_create(&q->tcp, &o);
}

/* Its own connection: ICReq/ICResp, then Connect with the admin queue's CNTLID. */
static int tcp_qpair_connect(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	int err;

	nvd__tcp_qpair_set_cntlid(q->tcp, c->tcp->cntlid);
	err = nvd__tcp_qpair_connect(q->tcp, &c->tcp->trid);
	if (err)
		return err;
	nvd__dbg("qid %u: NVMe/TCP queue pair connected, in-capsule writes up to %u bytes",
		 q->qid, nvd__tcp_incapsule_max(&c->id));
	return 0;
}

/* The connection closes; outstanding commands complete aborted. */
static int tcp_qpair_disconnect(struct nvd_ctrlr *c, struct nvd_qpair *q)
{
	(void)c;
	nvd__tcp_qpair_disconnect(q->tcp);
	return 0;
}

static void tcp_qpair_destroy(struct nvd_qpair *q, bool device_owns)
{
	(void)device_owns;
	nvd__tcp_qpair_destroy(q->tcp);
	q->tcp = NULL;
}

uint32_t nvd__tcp_qpair_outstanding_of(const struct nvd_qpair *q)
{
	return nvd__tcp_qpair_outstanding(q->tcp);
}

static int32_t tcp_process_completions(struct nvd_qpair *q, uint32_t max)
{
	struct nvd_ctrlr *c = q->ctrlr;
	int rc;

	rc = nvd__tcp_qpair_process_completions(q->tcp, max);
	if (__builtin_expect(rc < 0, 0)) {
		/* every outstanding command has completed with an error by now */
		if (!q->failed) {
			q->failed = true;
			q->no_fast |= QP_NO_FAST_NO_IO;
			if (!ctrlr_is_failed(c)) {
				snprintf(c->fail_reason, sizeof(c->fail_reason),
					 "NVMe/TCP queue %u: %s", q->qid,
					 nvd_last_error()[0] ? nvd_last_error() : nvd_strerror(rc));
				nvd__ctrlr_mark_failed(c);
			}
		}
		return rc;
	}
	nvd__tcp_keep_alive(c, true);
	return rc;
}

static int tcp_submit(struct nvd_qpair *q, struct nvme_cmd *cmd, void *buf, uint32_t len,
		      nvd_cmd_cb cb, void *cb_arg)
{
	/* Base 2.0 Figure 88: opcode bits 1:0, 01b host to controller (10b: back) */
	bool to_ctrl = (cmd->opc & 3) == 1;
	int err;

	err = nvd__tcp_qpair_submit(q->tcp, cmd, buf, len, to_ctrl, cb, cb_arg);
	if (err == -EAGAIN)
		nvd__set_detail("all %u commands of NVMe/TCP queue %u are in flight: poll, then submit again",
			   nvd__tcp_qpair_outstanding(q->tcp), q->qid);
	return err;
}

/*
 * A transfer above the controller's limit, sent as pieces of at most
 * max_io_sectors (MDTS, bounded by the table's max_xfer_size), as the core
 * splits on PCIe: the caller's callback runs once, after the last piece,
 * with the first failed piece's status (else the last piece's).  A
 * vectored transfer's pieces walk the caller's element list from their
 * own byte offset (every walk of the queue pair starts with reset_sgl).
 */
struct tcp_split;

struct tcp_piece {
	struct tcp_split *p;
	uint32_t base;			/* byte offset into the transfer */
};

struct tcp_split {
	nvd_cmd_cb cb;
	void *cb_arg;
	nvd_req_reset_sgl_cb reset_sgl;
	nvd_req_next_sge_cb next_sge;
	uint32_t left;
	bool failed;
	struct nvd_cpl cpl;
	struct tcp_piece piece[];
};

static void split_piece_done(void *arg, const struct nvd_cpl *cpl)
{
	struct tcp_split *p = ((struct tcp_piece *)arg)->p;
	struct nvd_cpl done;
	nvd_cmd_cb cb;
	void *cb_arg;

	if (!p->failed) {
		p->cpl = *cpl;
		p->failed = nvd_cpl_is_error(cpl);
	}
	if (--p->left)
		return;
	cb = p->cb;
	cb_arg = p->cb_arg;
	done = p->cpl;
	free(p);
	if (cb)
		cb(cb_arg, &done);
}

static void split_reset_sgl(void *arg, uint32_t offset)
{
	struct tcp_piece *pc = arg;

	pc->p->reset_sgl(pc->p->cb_arg, pc->base + offset);
}

static int split_next_sge(void *arg, void **address, uint32_t *length)
{
	struct tcp_piece *pc = arg;

	return pc->p->next_sge(pc->p->cb_arg, address, length);
}

static int tcp_split(struct nvd_ns *ns, struct nvd_qpair *q, const struct nvme_cmd *tmpl,
		     uint8_t *buf, uint64_t lba, uint32_t count, nvd_cmd_cb cb, void *cb_arg,
		     nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	uint32_t max = ns->max_io_sectors, pieces = (count + max - 1) / max, i, n;
	bool to_ctrl = (tmpl->opc & 3) == 1;
	uint64_t off;
	struct tcp_split *p;
	struct nvme_cmd cmd;
	int err;

	/* all pieces or none: a half-sent transfer could not be reported */
	if (pieces > nvd__tcp_qpair_free_slots(q->tcp)) {
		nvd__set_detail("%u LBAs above the transfer limit of %u (MDTS) take %u commands; %u of NVMe/TCP queue %u's are free: poll, then submit again",
				count, max, pieces, nvd__tcp_qpair_free_slots(q->tcp), q->qid);
		return -EAGAIN;
	}
	/* reset_sgl's offset is 32 bits: the last piece must start below 4 GiB */
	if (reset_sgl && ((uint64_t)(pieces - 1) * max << ns->sector_shift) > UINT32_MAX) {
		nvd__set_detail("a vectored transfer of %llu bytes: pieces past 4 GiB cannot be named to reset_sgl",
				(unsigned long long)count << ns->sector_shift);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p) + pieces * sizeof(p->piece[0]));
	if (!p)
		return -ENOMEM;
	p->cb = cb;
	p->cb_arg = cb_arg;
	p->reset_sgl = reset_sgl;
	p->next_sge = next_sge;
	p->left = pieces;
	for (i = 0; i < pieces; i++) {
		n = count - i * max < max ? count - i * max : max;
		off = (uint64_t)i * max << ns->sector_shift;
		cmd = *tmpl;
		cmd.cdw10 = (uint32_t)(lba + (uint64_t)i * max);
		cmd.cdw11 = (uint32_t)((lba + (uint64_t)i * max) >> 32);
		cmd.cdw12 = tmpl->cdw12 | (n - 1);
		p->piece[i].p = p;
		p->piece[i].base = (uint32_t)off;
		if (reset_sgl)
			err = nvd__tcp_qpair_submitv(q->tcp, &cmd, n << ns->sector_shift, to_ctrl,
						     split_reset_sgl, split_next_sge,
						     split_piece_done, &p->piece[i]);
		else
			err = nvd__tcp_qpair_submit(q->tcp, &cmd, buf + off, n << ns->sector_shift,
						    to_ctrl, split_piece_done, &p->piece[i]);
		if (err)
			goto err_partial;
	}
	return 0;

err_partial:
	if (!i) {
		free(p);
		return err;
	}
	/* the pieces sent complete (aborted, the connection being gone); the rest never will */
	p->left -= pieces - i;
	p->failed = true;
	memset(&p->cpl, 0, sizeof(p->cpl));
	p->cpl.sqid = q->qid;
	p->cpl.status = NVME_STATUS(NVME_SCT_GENERIC, NVME_SC_ABORT_REQUESTED) | NVME_CPL_DNR;
	return 0;
}

int nvd__tcp_ns_rw(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, void *buf, uint64_t lba,
		   uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	struct nvme_cmd cmd = {
		.opc = opc,
		.nsid = ns->nsid,
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = (count - 1) | flags,	/* NLB is 0-based */
	};

	if (!buf) {
		nvd__set_detail("the data buffer is NULL");
		return -EINVAL;
	}
	if (count > ns->max_io_sectors) {
		cmd.cdw12 = flags;
		return tcp_split(ns, q, &cmd, buf, lba, count, cb, cb_arg, NULL, NULL);
	}
	return tcp_submit(q, &cmd, buf, count << ns->sector_shift, cb, cb_arg);
}

int nvd__tcp_ns_rwv(struct nvd_ns *ns, struct nvd_qpair *q, uint8_t opc, uint64_t lba,
		    uint32_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags,
		    nvd_req_reset_sgl_cb reset_sgl, nvd_req_next_sge_cb next_sge)
{
	struct nvme_cmd cmd = {
		.opc = opc,
		.nsid = ns->nsid,
		.cdw10 = (uint32_t)lba,
		.cdw11 = (uint32_t)(lba >> 32),
		.cdw12 = (count - 1) | flags,
	};
	int err;

	if (count > ns->max_io_sectors) {
		cmd.cdw12 = flags;
		return tcp_split(ns, q, &cmd, NULL, lba, count, cb, cb_arg, reset_sgl, next_sge);
	}
	err = nvd__tcp_qpair_submitv(q->tcp, &cmd, count << ns->sector_shift, opc == NVME_CMD_WRITE,
				     reset_sgl, next_sge, cb, cb_arg);
	if (err == -EAGAIN)
		nvd__set_detail("all %u commands of NVMe/TCP queue %u are in flight: poll, then submit again",
			   nvd__tcp_qpair_outstanding(q->tcp), q->qid);
	return err;
}

int nvd__tcp_ns_dsm(struct nvd_ns *ns, struct nvd_qpair *q, const struct nvd_dsm_range *ranges,
		    uint16_t nr, uint32_t attrs, nvd_cmd_cb cb, void *cb_arg)
{
	/* NVM Command Set 1.0 §3.2.3: CDW10 NR (0-based), CDW11 attributes, Figure 39 ranges */
	struct nvme_cmd cmd = {
		.opc = NVME_CMD_DSM,
		.nsid = ns->nsid,
		.cdw10 = (uint32_t)nr - 1u,
		.cdw11 = attrs,
	};
	int err;

	err = nvd__tcp_qpair_submit_copy(q->tcp, &cmd, ranges, (uint32_t)nr * sizeof(*ranges), cb,
					 cb_arg);
	if (err == -EAGAIN)
		nvd__set_detail("all %u commands of NVMe/TCP queue %u are in flight: poll, then submit again",
			   nvd__tcp_qpair_outstanding(q->tcp), q->qid);
	return err;
}

int nvd__tcp_submit_cmd(struct nvd_qpair *q, const struct nvme_cmd *cmd, void *buf, uint32_t len,
			nvd_cmd_cb cb, void *cb_arg)
{
	struct nvme_cmd c = *cmd;

	return tcp_submit(q, &c, buf, buf ? len : 0, cb, cb_arg);
}

/*
 * One command's data: the core splits above this or MDTS, whichever is
 * smaller, as on PCIe (the slots hold no PRP lists, but a bound keeps one
 * command from holding the connection for long).
 */
static uint32_t tcp_max_xfer_size(struct nvd_ctrlr *c)
{
	(void)c;
	return NVD_MAX_XFER_CAP;
}

const struct nvd_transport_ops nvd__tcp_transport = {
	.name = "TCP",
	.trtype = NVD_TRTYPE_TCP,
	.ctrlr_construct = nvd__tcp_ctrlr_connect,
	.ctrlr_enable = tcp_ctrlr_enable,
	.ctrlr_destruct = tcp_ctrlr_destruct,
	.ctrlr_reset = nvd__tcp_ctrlr_reset,
	.get_reg_4 = tcp_get_reg_4,
	.get_reg_8 = tcp_get_reg_8,
	.set_reg_4 = tcp_set_reg_4,
	.set_reg_8 = tcp_set_reg_8,
	.max_xfer_size = tcp_max_xfer_size,
	.qpair_create = tcp_qpair_create,
	.qpair_connect = tcp_qpair_connect,
	.qpair_disconnect = tcp_qpair_disconnect,
	.qpair_destroy = tcp_qpair_destroy,
	.qpair_process_completions = tcp_process_completions,
	.needs_dma_memory = false,
};
