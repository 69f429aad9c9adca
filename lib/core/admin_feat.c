// SPDX-License-Identifier: MIT
/*
 * Get/Set Features (Base 2.0 §5.15, §5.27), Identify on request (§5.17)
 * and Format NVM (§5.23), which re-reads the namespaces it changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/ns.h"

NVD_EXPORT int nvd_ctrlr_get_feature(struct nvd_ctrlr *ctrlr, uint8_t fid, uint8_t sel,
				     uint32_t nsid, uint32_t cdw11, void *buf, size_t len,
				     uint32_t *result)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_GET_FEATURES,
		.nsid = nsid,
		.cdw10 = fid | NVME_FEAT_CDW10_SEL(sel),
		.cdw11 = cdw11,
	};
	struct nvd_cpl cpl = { 0 };
	char what[48];
	int err;

	nvd__clear_detail();
	if (!ctrlr || (len && !buf))
		return -EINVAL;
	if (sel > NVD_FEAT_SEL_SUPPORTED) {
		nvd__set_detail("Get Features select %u is not 0 (current), 1 (default), 2 (saved) or 3 (supported capabilities)",
			   sel);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "Get Features 0x%02x (sel %u)", fid, sel);
	err = nvd__admin_sync_copy(ctrlr, &cmd, buf, len, NVD_ADMIN_TIMEOUT_MS, what, &cpl);
	if (!err && result)
		*result = cpl.cdw0;
	return err;
}

NVD_EXPORT int nvd_ctrlr_set_feature(struct nvd_ctrlr *ctrlr, uint8_t fid, uint32_t nsid,
				     uint32_t cdw11, uint32_t cdw12, int save, void *buf,
				     size_t len, uint32_t *result)
{
	struct nvme_cmd cmd = {
		.opc = NVME_ADM_SET_FEATURES,
		.nsid = nsid,
		.cdw10 = fid | (save ? NVME_FEAT_CDW10_SV : 0),
		.cdw11 = cdw11,
		.cdw12 = cdw12,
	};
	struct nvd_cpl cpl = { 0 };
	char what[48];
	int err;

	nvd__clear_detail();
	if (!ctrlr || (len && !buf))
		return -EINVAL;
	if (fid == NVME_FEAT_NUM_QUEUES) {
		nvd__set_detail("Number of Queues is set once at attach (nvd_ctrlr_opts.num_io_queues)");
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "Set Features 0x%02x", fid);
	err = nvd__admin_sync_copy(ctrlr, &cmd, buf, len, NVD_ADMIN_TIMEOUT_MS, what, &cpl);
	if (!err && result)
		*result = cpl.cdw0;
	return err;
}

NVD_EXPORT int nvd_ctrlr_identify(struct nvd_ctrlr *ctrlr, uint8_t cns, uint32_t nsid, void *buf)
{
	nvd__clear_detail();
	if (!ctrlr || !buf)
		return -EINVAL;
	return nvd__admin_identify(ctrlr, cns, nsid, buf);
}

NVD_EXPORT int nvd_ctrlr_identify_ns_descs(struct nvd_ctrlr *ctrlr, uint32_t nsid, void *buf)
{
	return nvd_ctrlr_identify(ctrlr, NVD_CNS_NS_DESCS, nsid, buf);
}

NVD_EXPORT void nvd_format_opts_init(struct nvd_format_opts *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->opts_size = sizeof(*opts);
}

/* Identify the namespace again and rebuild its cached geometry. */
static int ns_refresh(struct nvd_ctrlr *c, struct nvd_ns *ns)
{
	struct nvd_id_ns *id = malloc(sizeof(*id));
	int err;

	if (!id)
		return -ENOMEM;
	err = nvd__admin_identify(c, NVD_CNS_NS, ns->nsid, id);
	if (!err)
		nvd__ns_construct(ns, c, ns->nsid, id);
	free(id);
	return err;
}

static int check_format(struct nvd_ctrlr *c, uint32_t nsid, const struct nvd_format_opts *o)
{
	const struct nvd_ns *ns;

	if (o->ses > 2) {
		nvd__set_detail("secure erase setting %u is not 0 (none), 1 (user data) or 2 (cryptographic)",
			   o->ses);
		return -EINVAL;
	}
	if (o->pi > 3 || o->pil > 1 || o->mset > 1) {
		nvd__set_detail("protection type %u / location %u / metadata setting %u out of range (pi 0..3, pil and mset 0..1)",
			   o->pi, o->pil, o->mset);
		return -EINVAL;
	}
	if (nsid == NVD_NSID_ALL) {
		if (o->lbaf > 63) {
			nvd__set_detail("LBA format %u is above 63", o->lbaf);
			return -EINVAL;
		}
		return 0;
	}
	ns = nvd_ctrlr_get_ns(c, nsid);
	if (!ns) {
		nvd__set_detail("namespace %u is not active on this controller", nsid);
		return -EINVAL;
	}
	if (o->lbaf > ns->id.nlbaf) {
		nvd__set_detail("LBA format %u is past the namespace's last, %u", o->lbaf, ns->id.nlbaf);
		return -EINVAL;
	}
	return 0;
}

NVD_EXPORT int nvd_ctrlr_format(struct nvd_ctrlr *ctrlr, uint32_t nsid,
				const struct nvd_format_opts *opts)
{
	struct nvd_format_opts o;
	struct nvme_cmd cmd;
	char what[80];
	uint32_t i;
	size_t n;
	int err;

	nvd__clear_detail();
	if (!ctrlr || !opts)
		return -EINVAL;
	nvd_format_opts_init(&o);
	n = opts->opts_size < sizeof(o) ? opts->opts_size : sizeof(o);
	memcpy(&o, opts, n);
	err = check_format(ctrlr, nsid, &o);
	if (err)
		return err;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = NVME_ADM_FORMAT_NVM;
	cmd.nsid = nsid;
	cmd.cdw10 = NVME_FMT_LBAFL(o.lbaf) | NVME_FMT_LBAFU(o.lbaf) | NVME_FMT_SES(o.ses) |
		    NVME_FMT_PI(o.pi) | (o.pil ? NVME_FMT_PIL : 0) | (o.mset ? NVME_FMT_MSET : 0);
	if (nsid == NVD_NSID_ALL)
		snprintf(what, sizeof(what), "Format NVM (all namespaces, LBA format %u)", o.lbaf);
	else
		snprintf(what, sizeof(what), "Format NVM (namespace %u, LBA format %u)", nsid, o.lbaf);
	err = nvd__admin_sync(ctrlr, &cmd, NULL, 0, o.timeout_ms ? o.timeout_ms : NVD_FORMAT_TIMEOUT_MS,
			 what, NULL);
	if (err)
		return err;

	/* "Identify data cached": what we cached no longer describes the media */
	for (i = 0; i < ctrlr->num_ns; i++) {
		if (nsid != NVD_NSID_ALL && ctrlr->ns[i].nsid != nsid)
			continue;
		err = ns_refresh(ctrlr, &ctrlr->ns[i]);
		if (err)
			return err;
	}
	return 0;
}
