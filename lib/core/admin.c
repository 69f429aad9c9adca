// SPDX-License-Identifier: MIT
/*
 * Admin commands, each submitted on the admin queue and polled to
 * completion under the controller's admin lock, bounded by a timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/admin.h"
#include "core/clock.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "tcp/transport.h"

struct sync_wait {
	bool done;
	struct nvd_cpl cpl;
};

static void sync_done(void *arg, const struct nvd_cpl *cpl)
{
	struct sync_wait *w = arg;

	w->cpl = *cpl;
	w->done = true;
}

static void pause_briefly(unsigned spins)
{
	struct timespec ts = { 0, 20 * 1000 };

	/* admin commands usually finish in microseconds: spin, then sleep */
	if (spins > 1000)
		nanosleep(&ts, NULL);
}

/* Caller holds admin_lock. */
static int admin_sync_locked(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf,
			     size_t len, uint32_t timeout_ms, const char *what,
			     struct nvd_cpl *cpl)
{
	struct nvd_qpair *aq = &c->adminq;
	struct sync_wait w = { 0 };
	struct tracker *tr;
	uint64_t deadline;
	unsigned spins = 0;
	int rc;

	if (ctrlr_is_failed(c) || aq->failed) {
		nvd__set_detail("%s: %s", what, c->fail_reason[0] ? c->fail_reason :
			   "the controller is gone");
		return -ENXIO;
	}
	/* NVMe/TCP: the admin connection runs it (tcp/transport.c) */
	if (c->tcp)
		return nvd__tcp_admin_exec(c, cmd, buf, len, what, cpl);
	tr = qpair_get_tracker(aq);
	if (!tr) {
		nvd__set_detail("%s: the admin queue is full", what);
		return -EAGAIN;
	}
	if (buf) {
		rc = nvd__qpair_map_data(aq, tr, cmd, buf, len);
		if (rc) {
			qpair_put_tracker(aq, tr);
			nvd__set_detail("%s: cannot map its %zu-byte buffer", what, len);
			return rc;
		}
	}
	nvd__dbg("admin: %s (opc 0x%02x cdw10 0x%x cdw11 0x%x)", what, cmd->opc, cmd->cdw10,
	    cmd->cdw11);
	nvd__qpair_submit(aq, tr, cmd, sync_done, &w);

	deadline = nvd__now_ms() + timeout_ms;
	for (;;) {
		rc = nvd__qpair_poll(aq, 0);
		if (rc < 0) {
			nvd__set_detail("%s: the controller is gone", what);
			return rc;
		}
		if (w.done)
			break;
		if (!nvd__ctrlr_check_alive(c)) {
			nvd__qpair_poll(aq, 0);	/* aborts what is outstanding */
			nvd__set_detail("%s: the controller is gone (CSTS reads all ones)", what);
			return -ENXIO;
		}
		if (ctrlr_is_fatal(c)) {
			/* the slot stays taken until a reset aborts it */
			tr->cb = NULL;
			nvd__set_detail("%s: the controller reported a fatal error (CSTS.CFS); nvd_ctrlr_reset() may recover it",
				   what);
			return -EIO;
		}
		if (nvd__now_ms() > deadline) {
			/* the slot stays taken; a late completion is dropped */
			tr->cb = NULL;
			nvd__set_detail("%s timed out after %u ms", what, timeout_ms);
			return -ETIMEDOUT;
		}
		pause_briefly(++spins);
	}

	if (cpl)
		*cpl = w.cpl;
	if (nvd_cpl_is_error(&w.cpl)) {
		nvd__set_detail("%s failed: %s", what, nvd_cpl_status_str(&w.cpl));
		return -EIO;
	}
	return 0;
}

int nvd__admin_sync(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
	       uint32_t timeout_ms, const char *what, struct nvd_cpl *cpl)
{
	int err;

	pthread_mutex_lock(&c->admin_lock);
	err = admin_sync_locked(c, cmd, buf, len, timeout_ms, what, cpl);
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}

/* Base 2.0 §5.17: Identify into the shared scratch page, then copy out. */
int nvd__admin_identify(struct nvd_ctrlr *c, uint8_t cns, uint32_t nsid, void *out)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_IDENTIFY,
		.nsid = nsid,
		.cdw10 = cns,
	};
	char what[64];
	int err;

	switch (cns) {
	case NVD_CNS_CTRLR:
		snprintf(what, sizeof(what), "Identify Controller");
		break;
	case NVD_CNS_NS:
		snprintf(what, sizeof(what), "Identify Namespace %u", nsid);
		break;
	default:
		snprintf(what, sizeof(what), "Identify (CNS %u, NSID %u)", cns, nsid);
		break;
	}
	pthread_mutex_lock(&c->admin_lock);
	memset(c->id_buf, 0, NVD_IDENTIFY_SIZE);
	err = admin_sync_locked(c, &cmd, c->id_buf, NVD_IDENTIFY_SIZE, NVD_ADMIN_TIMEOUT_MS,
				what, NULL);
	if (!err)
		memcpy(out, c->id_buf, NVD_IDENTIFY_SIZE);
	pthread_mutex_unlock(&c->admin_lock);
	return err;
}

/* Set Features, Number of Queues: counts are 0-based both ways. */
int nvd__admin_set_num_queues(struct nvd_ctrlr *c, uint16_t want, uint16_t *granted)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_SET_FEATURES,
		.cdw10 = NVME_FEAT_NUM_QUEUES,
		.cdw11 = ((uint32_t)(want - 1) << 16) | (uint32_t)(want - 1),
	};
	struct nvd_cpl cpl;
	uint32_t nsqa, ncqa, n;
	int err;

	err = nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS,
			 "Set Features (Number of Queues)", &cpl);
	if (err)
		return err;
	nsqa = (cpl.cdw0 & 0xffff) + 1;
	ncqa = (cpl.cdw0 >> 16) + 1;
	n = nsqa < ncqa ? nsqa : ncqa;
	*granted = (uint16_t)(n < want ? n : want);
	return 0;
}
