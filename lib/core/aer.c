// SPDX-License-Identifier: MIT
/*
 * Asynchronous Event Requests (Base 2.0 §5.2) and reaping the admin queue
 * on the application's behalf.  AERs stay outstanding on the admin queue
 * without a timeout; whichever poll of the admin queue reaps one (an
 * nvd__admin_sync() wait, or nvd_ctrlr_process_admin_completions()) keeps the
 * event and re-arms the request.  Events reach the application only from
 * nvd_ctrlr_process_admin_completions(), on its caller's thread.
 */
#include <errno.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "tcp/transport.h"

static int aer_submit(struct nvd_ctrlr *c);

/* Runs inside a poll of the admin queue, under admin_lock. */
static void aer_done(void *arg, const struct nvd_cpl *cpl)
{
	struct nvd_ctrlr *c = arg;

	c->aer_outstanding--;
	/* aborted by a reset or detach, or refused: do not re-arm */
	if (nvd_cpl_is_error(cpl)) {
		if (nvd_cpl_sct(cpl) != NVME_SCT_GENERIC || nvd_cpl_sc(cpl) != NVME_SC_ABORT_REQUESTED)
			nvd__dbg("%s: Asynchronous Event Request failed: %s", c->info.bdf,
			    nvd_cpl_status_str(cpl));
		return;
	}
	if (c->aer_npending < NVD_AER_PENDING)
		c->aer_pending[c->aer_npending++] = *cpl;
	else
		c->aer_dropped++;
	nvd__dbg("%s: asynchronous event type %u info 0x%x log page 0x%x", c->info.bdf,
	    nvd_aer_type(cpl), nvd_aer_info(cpl), nvd_aer_log_page(cpl));
	if (!c->aer_stop)
		aer_submit(c);
}

/* Caller holds admin_lock. */
static int aer_submit(struct nvd_ctrlr *c)
{
	struct nvme_cmd cmd = { .opc = NVME_ADM_AER };
	struct tracker *tr;

	tr = qpair_get_tracker(&c->adminq);
	if (!tr)
		return -EAGAIN;
	c->aer_outstanding++;
	nvd__qpair_submit(&c->adminq, tr, &cmd, aer_done, c);
	return 0;
}

int nvd__ctrlr_aer_configure(struct nvd_ctrlr *c)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_SET_FEATURES,
		.cdw10 = NVME_FEAT_ASYNC_EVENT,
		.cdw11 = NVME_AEC_SMART_ALL | (c->id.oaes & NVME_AEC_NOTICES_MASK),
	};
	int err;

	err = nvd__admin_sync(c, &cmd, NULL, 0, NVD_ADMIN_TIMEOUT_MS,
			 "Set Features (Asynchronous Event Configuration)", NULL);
	if (err == -EIO) {
		/* optional: the controller's defaults stay */
		nvd__dbg("%s: %s", c->info.bdf, nvd_last_error());
		nvd__clear_detail();
		return 0;
	}
	return err;
}

int nvd__ctrlr_aer_start(struct nvd_ctrlr *c)
{
	uint32_t want = (uint32_t)c->id.aerl + 1;
	int err;

	if (want > NVD_AER_MAX)
		want = NVD_AER_MAX;
	/* leave at least half the admin queue to ordinary commands */
	if (want > c->adminq.ntrackers / 2)
		want = c->adminq.ntrackers / 2;
	c->aer_max = want;
	c->aer_stop = false;
	while (c->aer_outstanding < c->aer_max) {
		err = aer_submit(c);
		if (err) {
			nvd__set_detail("no admin queue slot left for an Asynchronous Event Request");
			return err;
		}
	}
	nvd__dbg("%s: %u asynchronous event requests outstanding", c->info.bdf, c->aer_outstanding);
	return 0;
}

void nvd__ctrlr_aer_stop(struct nvd_ctrlr *c)
{
	pthread_mutex_lock(&c->admin_lock);
	c->aer_stop = true;
	pthread_mutex_unlock(&c->admin_lock);
}

NVD_EXPORT int nvd_ctrlr_register_aer_callback(struct nvd_ctrlr *ctrlr, nvd_aer_cb cb,
					       void *cb_arg)
{
	if (!ctrlr)
		return -EINVAL;
	pthread_mutex_lock(&ctrlr->admin_lock);
	ctrlr->aer_cb = cb;
	ctrlr->aer_cb_arg = cb_arg;
	pthread_mutex_unlock(&ctrlr->admin_lock);
	return 0;
}

NVD_EXPORT int nvd_ctrlr_process_admin_completions(struct nvd_ctrlr *ctrlr)
{
	struct nvd_cpl events[NVD_AER_PENDING];
	uint32_t n, i;
	nvd_aer_cb cb;
	void *arg;
	int rc;

	nvd__clear_detail();
	if (!ctrlr)
		return -EINVAL;
	/* NVMe/TCP: no AERs outstanding; this is where Keep Alive is sent */
	if (ctrlr->tcp)
		return nvd__tcp_keep_alive(ctrlr, false);
	pthread_mutex_lock(&ctrlr->admin_lock);
	rc = nvd__qpair_poll(&ctrlr->adminq, 0);
	/* take the events out, then call back without the lock */
	n = ctrlr->aer_npending;
	memcpy(events, ctrlr->aer_pending, n * sizeof(events[0]));
	ctrlr->aer_npending = 0;
	cb = ctrlr->aer_cb;
	arg = ctrlr->aer_cb_arg;
	pthread_mutex_unlock(&ctrlr->admin_lock);

	for (i = 0; cb && i < n; i++)
		cb(arg, &events[i]);
	if (rc < 0) {
		nvd__set_detail("%s", ctrlr->fail_reason[0] ? ctrlr->fail_reason :
			   "the controller is gone");
		return rc;
	}
	return cb ? (int)n : 0;
}
