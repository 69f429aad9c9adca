// SPDX-License-Identifier: MIT
/*
 * Attach: controller initialisation (Base 2.0 §3.5.1 "Memory-based
 * Controller Initialization") as a state machine that never blocks.  Each
 * state either finishes and names the next, or says "not yet" (-EAGAIN)
 * and is polled again until its own deadline.  Admin commands are
 * submitted once and then polled like any other completion.
 * nvd_ctrlr_attach() is the same machine polled in a loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin.h"
#include "core/admin_cmds.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/ns.h"
#include "core/quirks.h"
#include "pcie/sysfs.h"

/* Namespaces probed when there is no active namespace list. */
#define NS_PROBE_MAX		1024u

enum init_state {
	ST_DISABLE,
	ST_WAIT_RDY1_BEFORE_DISABLE,
	ST_WAIT_RDY0,
	ST_ENABLE,
	ST_WAIT_RDY1,
	ST_IDENTIFY,
	ST_SET_NUM_QUEUES,
	ST_DBBUF,
	ST_NS_LIST,
	ST_IDENTIFY_NS,
	ST_CONFIGURE_AER,
	ST_READY,
};

static const char *const state_name[] = {
	[ST_DISABLE] = "disable",
	[ST_WAIT_RDY1_BEFORE_DISABLE] = "wait for CSTS.RDY=1 before disable",
	[ST_WAIT_RDY0] = "wait for CSTS.RDY=0 (disable)",
	[ST_ENABLE] = "enable",
	[ST_WAIT_RDY1] = "wait for CSTS.RDY=1 (enable)",
	[ST_IDENTIFY] = "identify controller",
	[ST_SET_NUM_QUEUES] = "set number of queues",
	[ST_DBBUF] = "doorbell buffer config",
	[ST_NS_LIST] = "identify active namespace list",
	[ST_IDENTIFY_NS] = "identify namespace",
	[ST_CONFIGURE_AER] = "configure asynchronous events",
	[ST_READY] = "ready",
};

struct nvd_attach_ctx {
	struct nvd_ctrlr *c;
	enum init_state state;
	bool entered;
	uint64_t deadline;		/* of the state, or of its command */
	uint32_t timeout_ms;
	uint64_t not_before;		/* quirk: no look at CSTS before this */

	/* the state's admin command */
	bool cmd_sent, cmd_done;
	struct tracker *tr;
	struct nvd_cpl cpl;

	/* namespaces: the active list, then one Identify each */
	uint32_t *ids, nids, cap;
	uint32_t next;			/* list: NSID to continue after; probe: next NSID */
	uint32_t idx;
	bool probing;
};

static void goto_state(struct nvd_attach_ctx *x, enum init_state st)
{
	x->state = st;
	x->entered = false;
	x->cmd_sent = false;
}

static void cmd_done(void *arg, const struct nvd_cpl *cpl)
{
	struct nvd_attach_ctx *x = arg;

	x->cpl = *cpl;
	x->cmd_done = true;
}

/*
 * Send @cmd once (with @len bytes of c->id_buf when @len), then poll:
 * -EAGAIN while in flight, 0 when it succeeded, -EIO with words when it
 * failed, -ENXIO when the device is gone.
 */
static int run_cmd(struct nvd_attach_ctx *x, struct nvme_cmd *cmd, size_t len, const char *what)
{
	struct nvd_ctrlr *c = x->c;
	int rc;

	/* NVMe/TCP: one command at a time over the admin connection, waited for */
	if (c->tcp) {
		if (len)
			memset(c->id_buf, 0, NVD_IDENTIFY_SIZE);
		return nvd__admin_sync(c, cmd, len ? c->id_buf : NULL, len, NVD_ADMIN_TIMEOUT_MS,
				       what, &x->cpl);
	}
	if (!x->cmd_sent) {
		x->tr = qpair_get_tracker(&c->adminq);
		if (!x->tr)
			return -EAGAIN;
		if (len) {
			memset(c->id_buf, 0, NVD_IDENTIFY_SIZE);
			rc = nvd__qpair_map_data(&c->adminq, x->tr, cmd, c->id_buf, len);
			if (rc) {
				qpair_put_tracker(&c->adminq, x->tr);
				return rc;
			}
		}
		nvd__dbg("admin: %s (opc 0x%02x cdw10 0x%x cdw11 0x%x)", what, cmd->opc, cmd->cdw10,
		    cmd->cdw11);
		x->cmd_done = false;
		x->cmd_sent = true;
		x->deadline = nvd__now_ms() + NVD_ADMIN_TIMEOUT_MS;
		x->timeout_ms = NVD_ADMIN_TIMEOUT_MS;
		nvd__qpair_submit(&c->adminq, x->tr, cmd, cmd_done, x);
	}
	rc = nvd__qpair_poll(&c->adminq, 0);
	if (rc < 0 || (!x->cmd_done && !nvd__ctrlr_check_alive(c))) {
		nvd__set_detail("%s: the controller is gone", what);
		return -ENXIO;
	}
	if (!x->cmd_done)
		return -EAGAIN;
	x->cmd_sent = false;
	if (nvd_cpl_is_error(&x->cpl)) {
		nvd__set_detail("%s failed: %s", what, nvd_cpl_status_str(&x->cpl));
		return -EIO;
	}
	return 0;
}

/* CSTS.RDY == @want yet?  -EAGAIN not yet, -EIO fatal status, -ENXIO gone. */
static int check_rdy(struct nvd_attach_ctx *x, uint32_t want, bool cfs_is_fatal)
{
	struct nvd_ctrlr *c = x->c;
	uint32_t csts;

	if (nvd__now_ms() < x->not_before)
		return -EAGAIN;
	csts = ctrlr_get_reg4(c, NVME_REG_CSTS);
	if (csts == NVME_REG_GONE) {
		nvd__ctrlr_mark_failed(c);
		nvd__set_detail("CSTS reads all ones: the device is gone");
		return -ENXIO;
	}
	if ((csts & NVME_CSTS_RDY) == want)
		return 0;
	/* a fatal controller never gets ready */
	if (cfs_is_fatal && (csts & NVME_CSTS_CFS)) {
		nvd__set_detail("controller fatal status (CSTS.CFS, CSTS 0x%x)", csts);
		return -EIO;
	}
	return -EAGAIN;
}

/* After a CC.EN change: the ready wait starts (and may be held off by a quirk). */
static void start_ready_wait(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	uint32_t delay = c->quirks & NVD_QUIRK_DELAY_BEFORE_CHK_RDY ? c->quirk_rdy_delay_ms : 0;

	x->not_before = nvd__now_ms() + delay;
	x->timeout_ms = c->ready_timeout_ms + delay;
	x->deadline = x->not_before + c->ready_timeout_ms;
}

static int st_disable(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	uint32_t cc = ctrlr_get_reg4(c, NVME_REG_CC);
	uint32_t csts = ctrlr_get_reg4(c, NVME_REG_CSTS);

	if (cc == NVME_REG_GONE || csts == NVME_REG_GONE) {
		nvd__ctrlr_mark_failed(c);
		nvd__set_detail("registers read all ones: the device is gone");
		return -ENXIO;
	}
	if (cc & NVME_CC_EN) {
		/* clearing EN while RDY is still 0 is undefined: let it finish enabling */
		if (!(csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS) &&
		    x->state == ST_DISABLE) {
			goto_state(x, ST_WAIT_RDY1_BEFORE_DISABLE);
			return 0;
		}
		ctrlr_set_reg4(c, NVME_REG_CC, cc & ~NVME_CC_EN);
	}
	goto_state(x, ST_WAIT_RDY0);
	start_ready_wait(x);
	x->entered = true;
	return 0;
}

static int st_enable(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	uint32_t aqsize = c->opts.admin_queue_size;
	int err;

	if (aqsize > c->info.mqes)
		aqsize = c->info.mqes;
	/* fabrics: the admin queue is the connection the transport opened */
	if (!c->tcp) {
		err = nvd__qpair_construct(&c->adminq, c, 0, aqsize, NVD_ADMIN_MAX_XFER);
		if (err)
			return err;
	}
	/* from here on the controller may touch our memory: quiesce on failure */
	c->enabled = true;
	err = nvd__ctrlr_enable_start(c);
	if (err)
		return err;
	goto_state(x, ST_WAIT_RDY1);
	start_ready_wait(x);
	x->entered = true;
	return 0;
}

static int add_nsid(struct nvd_attach_ctx *x, uint32_t nsid)
{
	uint32_t *n;

	if (x->nids == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		n = realloc(x->ids, x->cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		x->ids = n;
	}
	x->ids[x->nids++] = nsid;
	return 0;
}

/* Identify CNS 02h pages until a short one (Base 2.0 §5.17.2.2). */
static int st_ns_list(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_IDENTIFY,
		.nsid = x->next,
		.cdw10 = NVD_CNS_ACTIVE_NS_LIST,
	};
	const uint32_t *page = c->id_buf;
	uint32_t i;
	int err;

	if (c->quirks & NVD_QUIRK_NO_ACTIVE_NS_LIST) {
		x->probing = true;
		x->next = 1;
		goto_state(x, ST_IDENTIFY_NS);
		return 0;
	}
	err = run_cmd(x, &cmd, NVD_IDENTIFY_SIZE, "Identify (active namespace list)");
	if (err == -EIO) {
		/* before NVMe 1.1 there is no such list: probe instead */
		nvd__dbg("%s: %s; probing namespaces 1..%u", c->info.bdf, nvd_last_error(), c->info.nn);
		nvd__clear_detail();
		x->probing = true;
		x->next = 1;
		goto_state(x, ST_IDENTIFY_NS);
		return 0;
	}
	if (err)
		return err;
	for (i = 0; i < NVD_NS_LIST_ENTRIES && page[i]; i++) {
		if (page[i] <= x->next) {
			nvd__set_detail("active namespace list not ascending at NSID %u", page[i]);
			return -EIO;
		}
		err = add_nsid(x, page[i]);
		if (err)
			return err;
	}
	if (i == NVD_NS_LIST_ENTRIES) {
		x->next = page[i - 1];		/* another page from there */
		return 0;
	}
	goto_state(x, ST_IDENTIFY_NS);
	return 0;
}

static int st_identify_ns(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	uint32_t slots = x->probing ? (c->info.nn < NS_PROBE_MAX ? c->info.nn : NS_PROBE_MAX) :
				      x->nids;
	struct nvme_cmd cmd = { .opc = NVME_ADM_IDENTIFY, .cdw10 = NVD_CNS_NS };
	const struct nvd_id_ns *id = c->id_buf;
	char what[48];
	int err;

	if (!x->entered) {
		x->entered = true;
		c->ns = calloc(slots ? slots : 1, sizeof(*c->ns));
		if (!c->ns)
			return -ENOMEM;
	}
	if (x->probing ? x->next > slots : x->idx >= x->nids) {
		goto_state(x, ST_CONFIGURE_AER);
		return 0;
	}
	cmd.nsid = x->probing ? x->next : x->ids[x->idx];
	snprintf(what, sizeof(what), "Identify Namespace %u", cmd.nsid);
	err = run_cmd(x, &cmd, NVD_IDENTIFY_SIZE, what);
	if (err == -EIO && x->probing) {
		nvd__clear_detail();		/* no such namespace */
		x->next++;
		return 0;
	}
	if (err)
		return err;
	if (!x->probing || id->ncap) {
		nvd__ns_construct(&c->ns[c->num_ns++], c, cmd.nsid, id);
		nvd__dbg("%s: namespace %u: %llu x %u bytes, md %u, io %d", c->info.bdf, cmd.nsid,
		    (unsigned long long)c->ns[c->num_ns - 1].num_sectors,
		    c->ns[c->num_ns - 1].sector_size, c->ns[c->num_ns - 1].md_size,
		    c->ns[c->num_ns - 1].io_supported);
	}
	x->idx++;
	x->next++;
	return 0;
}

/* One step: 0 progress (maybe a new state), -EAGAIN nothing to do yet, <0 failure. */
static int run_state(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;
	struct nvme_cmd cmd = { 0 };
	uint64_t dbs_bus, eis_bus;
	uint16_t want, granted;
	uint32_t n;
	int err;

	switch (x->state) {
	case ST_DISABLE:
		return st_disable(x);
	case ST_WAIT_RDY1_BEFORE_DISABLE:
		if (!x->entered) {
			start_ready_wait(x);
			x->not_before = 0;
			x->entered = true;
		}
		/* a fatal controller is disabled right away */
		err = check_rdy(x, NVME_CSTS_RDY, false);
		if (err == -EAGAIN && (ctrlr_get_reg4(c, NVME_REG_CSTS) & NVME_CSTS_CFS))
			err = 0;
		return err ? err : st_disable(x);
	case ST_WAIT_RDY0:
		err = check_rdy(x, 0, false);
		if (!err)
			goto_state(x, ST_ENABLE);
		return err;
	case ST_ENABLE:
		return st_enable(x);
	case ST_WAIT_RDY1:
		err = check_rdy(x, NVME_CSTS_RDY, true);
		if (!err)
			goto_state(x, ST_IDENTIFY);
		return err;
	case ST_IDENTIFY:
		cmd.opc = NVME_ADM_IDENTIFY;
		cmd.cdw10 = NVD_CNS_CTRLR;
		err = run_cmd(x, &cmd, NVD_IDENTIFY_SIZE, "Identify Controller");
		if (err)
			return err;
		memcpy(&c->id, c->id_buf, sizeof(c->id));
		err = nvd__ctrlr_identify_done(c);
		if (err)
			return err;
		goto_state(x, ST_SET_NUM_QUEUES);
		return 0;
	case ST_SET_NUM_QUEUES:
		want = nvd__ctrlr_io_queues_wanted(c);
		if (!want) {
			goto_state(x, ST_DBBUF);
			return 0;
		}
		/* counts are 0-based both ways */
		cmd.opc = NVME_ADM_SET_FEATURES;
		cmd.cdw10 = NVME_FEAT_NUM_QUEUES;
		cmd.cdw11 = ((uint32_t)(want - 1) << 16) | (uint32_t)(want - 1);
		err = run_cmd(x, &cmd, 0, "Set Features (Number of Queues)");
		if (err)
			return err;
		n = (x->cpl.cdw0 & 0xffff) + 1;
		if ((x->cpl.cdw0 >> 16) + 1 < n)
			n = (x->cpl.cdw0 >> 16) + 1;
		granted = (uint16_t)(n < want ? n : want);
		err = nvd__ctrlr_io_queues_granted(c, granted);
		if (err)
			return err;
		goto_state(x, ST_DBBUF);
		return 0;
	case ST_DBBUF:
		if (!x->entered) {
			x->entered = true;
			if (!nvd__ctrlr_dbbuf_prepare(c)) {
				goto_state(x, ST_NS_LIST);
				return 0;
			}
		}
		err = nvd__ctrlr_dbbuf_bus(c, &dbs_bus, &eis_bus);
		if (!err) {
			cmd.opc = NVME_ADM_DBBUF_CONFIG;
			cmd.prp1 = dbs_bus;
			cmd.prp2 = eis_bus;
			err = run_cmd(x, &cmd, 0, "Doorbell Buffer Config");
		}
		/* refused (-EIO) or not sent (-EINVAL, no bus address): registers work too */
		if (err == -EIO || err == -EINVAL) {
			nvd__dbg("%s: %s; using doorbell registers", c->info.bdf, nvd_last_error());
			nvd__clear_detail();
			nvd__ctrlr_dbbuf_free(c);
		} else if (err) {
			return err;
		} else {
			c->info.shadow_doorbells = 1;
			nvd__dbg("%s: shadow doorbells on for %u I/O queues", c->info.bdf,
			    c->info.num_io_queues);
		}
		goto_state(x, ST_NS_LIST);
		return 0;
	case ST_NS_LIST:
		return st_ns_list(x);
	case ST_IDENTIFY_NS:
		return st_identify_ns(x);
	case ST_CONFIGURE_AER:
		cmd.opc = NVME_ADM_SET_FEATURES;
		cmd.cdw10 = NVME_FEAT_ASYNC_EVENT;
		cmd.cdw11 = NVME_AEC_SMART_ALL | (c->id.oaes & NVME_AEC_NOTICES_MASK);
		err = run_cmd(x, &cmd, 0, "Set Features (Asynchronous Event Configuration)");
		if (err == -EIO) {
			/* optional: the controller's defaults stay */
			nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
			nvd__clear_detail();
		} else if (err) {
			return err;
		}
		pthread_mutex_lock(&c->admin_lock);
		err = nvd__ctrlr_aer_start(c);
		pthread_mutex_unlock(&c->admin_lock);
		if (err)
			return err;
		goto_state(x, ST_READY);
		return 0;
	case ST_READY:
		return 0;
	}
	return -EINVAL;
}

/* Undo everything; the controller object and the context are freed. */
static void attach_unwind(struct nvd_attach_ctx *x)
{
	struct nvd_ctrlr *c = x->c;

	nvd__ctrlr_release(c, nvd__ctrlr_quiesce(c, false));
	free(c);
	free(x->ids);
	free(x);
}

NVD_EXPORT int nvd_ctrlr_attach_poll(struct nvd_attach_ctx *x, struct nvd_ctrlr **ctrlr)
{
	char why[320], msg[400];
	enum init_state st;
	int rc;

	if (!x || !ctrlr)
		return -EINVAL;
	nvd__clear_detail();
	for (;;) {
		st = x->state;
		rc = run_state(x);
		if (rc == -EAGAIN && x->entered && nvd__now_ms() > x->deadline) {
			/* the slot stays taken; a late completion is dropped */
			if (x->cmd_sent)
				x->tr->cb = NULL;
			snprintf(msg, sizeof(msg), "timed out after %u ms in state '%s'",
				 x->timeout_ms, state_name[st]);
			rc = -ETIMEDOUT;
			break;
		}
		if (rc == -EAGAIN) {
			/* a command or ready wait started now: its deadline counts from here */
			x->entered = true;
			return -EAGAIN;
		}
		if (rc < 0) {
			snprintf(why, sizeof(why), "%s", nvd_last_error()[0] ? nvd_last_error() :
				 nvd_strerror(rc));
			snprintf(msg, sizeof(msg), "state '%s': %s", state_name[st], why);
			break;
		}
		if (x->state == ST_READY) {
			*ctrlr = x->c;
			free(x->ids);
			free(x);
			return 0;
		}
	}
	attach_unwind(x);
	nvd__set_detail("%s", msg);
	return rc;
}

NVD_EXPORT void nvd_ctrlr_attach_cancel(struct nvd_attach_ctx *ctx)
{
	if (ctx)
		attach_unwind(ctx);
}

int nvd__ctrlr_attach_backend_async(const char *bdf, const struct pci_backend_ops *ops,
				 const struct nvd_ctrlr_opts *opts, struct nvd_attach_ctx **ctx)
{
	struct nvd_attach_ctx *x;
	struct nvd_ctrlr_opts o;
	struct pci_backend *t;
	struct nvd_ctrlr *c;
	char norm[NVD_BDF_LEN];
	int err;

	nvd__clear_detail();
	if (!ctx)
		return -EINVAL;
	if (nvd__bdf_normalize(bdf, norm)) {
		nvd__set_detail("'%s' is not a PCI address like 0000:00:03.0", bdf ? bdf : "(null)");
		return -EINVAL;
	}
	nvd__ctrlr_fill_opts(&o, opts);
	if (o.admin_queue_size < 2 || o.admin_queue_size > NVME_AQ_MAX_ENTRIES) {
		nvd__set_detail("admin queue size %u is outside 2..%u", o.admin_queue_size,
			   NVME_AQ_MAX_ENTRIES);
		return -EINVAL;
	}
	if (o.io_queue_size == 1 || o.io_queue_size > 65536) {
		nvd__set_detail("I/O queue size %u is outside 2..65536 (0: the default)", o.io_queue_size);
		return -EINVAL;
	}
	if (o.flags & NVD_CTRLR_TCP_FLAGS) {
		nvd__set_detail("header and data digests apply to NVMe/TCP only, not to the PCIe function %s",
				norm);
		return -EINVAL;
	}
	if (o.flags & ~NVD_CTRLR_FLAGS_ALL) {
		nvd__set_detail("unknown controller option flags 0x%x", o.flags & ~NVD_CTRLR_FLAGS_ALL);
		return -EINVAL;
	}

	x = calloc(1, sizeof(*x));
	c = calloc(1, sizeof(*c));
	if (!x || !c) {
		err = -ENOMEM;
		goto err_free;
	}
	memcpy(c->info.bdf, norm, sizeof(norm));
	err = ops->open(norm, &t);
	if (err)
		goto err_free;
	err = nvd__ctrlr_construct(c, t, &o);
	if (err)
		goto err_close;
	if (NVME_CAP_MPSMIN(c->cap) > 0) {
		nvd__set_detail("controller pages are at least %u bytes; the library uses %u",
			   NVME_PAGE_SIZE << NVME_CAP_MPSMIN(c->cap), NVME_PAGE_SIZE);
		err = -EOPNOTSUPP;
		goto err_destruct;
	}
	if (!(NVME_CAP_CSS(c->cap) & NVME_CAP_CSS_NVM)) {
		nvd__set_detail("controller does not support the NVM command set (CAP.CSS 0x%x)",
			   NVME_CAP_CSS(c->cap));
		err = -EOPNOTSUPP;
		goto err_destruct;
	}
	x->c = c;
	goto_state(x, ST_DISABLE);
	*ctx = x;
	return 0;

err_destruct:
	nvd__ctrlr_destruct(c);
err_close:
	t->ops->close(t);
err_free:
	free(c);
	free(x);
	return err;
}

NVD_EXPORT int nvd_ctrlr_attach_async(const char *bdf, const struct nvd_ctrlr_opts *opts,
				      struct nvd_attach_ctx **ctx)
{
	return nvd__ctrlr_attach_backend_async(bdf, &nvd__pci_backend_kmod, opts, ctx);
}

/* nvd_ctrlr_attach_poll() until done: ready waits take milliseconds, admin commands microseconds. */
static int attach_run(struct nvd_attach_ctx *x, struct nvd_ctrlr **ctrlr)
{
	struct timespec ts = { 0, 20 * 1000 };
	enum init_state last = ST_READY;
	unsigned spins = 0;
	int rc;

	/* spin, then nap */
	while ((rc = nvd_ctrlr_attach_poll(x, ctrlr)) == -EAGAIN) {
		if (x->state != last) {
			last = x->state;
			spins = 0;
		}
		if (last == ST_WAIT_RDY0 || last == ST_WAIT_RDY1 ||
		    last == ST_WAIT_RDY1_BEFORE_DISABLE)
			nvd__sleep_ms(1);
		else if (++spins > 1000)
			nanosleep(&ts, NULL);
	}
	return rc;
}

int nvd__ctrlr_init_run(struct nvd_ctrlr *c, struct nvd_ctrlr **ctrlr)
{
	struct nvd_attach_ctx *x = calloc(1, sizeof(*x));

	if (!x) {
		nvd__ctrlr_release(c, nvd__ctrlr_quiesce(c, false));
		free(c);
		return -ENOMEM;
	}
	x->c = c;
	goto_state(x, ST_DISABLE);
	return attach_run(x, ctrlr);
}

int nvd__ctrlr_attach_backend(const char *bdf, const struct pci_backend_ops *ops,
			   const struct nvd_ctrlr_opts *opts, struct nvd_ctrlr **ctrlr)
{
	struct nvd_attach_ctx *x;
	int rc;

	if (!ctrlr)
		return -EINVAL;
	rc = nvd__ctrlr_attach_backend_async(bdf, ops, opts, &x);
	if (rc)
		return rc;
	return attach_run(x, ctrlr);
}

NVD_EXPORT int nvd_ctrlr_attach(const char *bdf, const struct nvd_ctrlr_opts *opts,
				struct nvd_ctrlr **ctrlr)
{
	return nvd__ctrlr_attach_backend(bdf, &nvd__pci_backend_kmod, opts, ctrlr);
}
