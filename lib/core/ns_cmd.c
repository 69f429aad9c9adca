// SPDX-License-Identifier: MIT
/*
 * NVM commands beyond read and write (NVM Command Set 1.0 §3.2): Write
 * Zeroes, Dataset Management, Flush, and raw I/O passthrough.  Compare
 * shares read/write's path (ns.c).  Optional commands are refused when
 * Identify Controller ONCS says the controller lacks them.
 */
#include <errno.h>
#include <string.h>

#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"
#include "core/ns.h"
#include "core/request.h"
#include "tcp/transport.h"

static int oncs_refuse(const struct nvd_ns *ns, uint16_t bit, const char *what, unsigned nr)
{
	nvd__clear_detail();
	if (!ns)
		return -EINVAL;
	if (ns->ctrlr->id.oncs & bit)
		return 0;
	nvd__set_detail("the controller does not support %s (ONCS bit %u is clear)", what, nr);
	return -EOPNOTSUPP;
}

/* §3.2.8: no data; NLB is 16 bits, so longer runs become several commands. */
NVD_EXPORT int nvd_ns_write_zeroes(struct nvd_ns *ns, struct nvd_qpair *qpair, uint64_t lba,
				   uint64_t count, nvd_cmd_cb cb, void *cb_arg, uint32_t flags)
{
	struct nvme_cmd tmpl = { .opc = NVME_CMD_WRITE_ZEROES, .cdw12 = flags };
	int err;

	err = oncs_refuse(ns, NVD_ONCS_WRITE_ZEROES, "Write Zeroes", 3);
	if (err)
		return err;
	err = nvd__ns_check_io(ns, qpair, "write zeroes", lba, count, flags, NVD_IO_FLAGS);
	if (err)
		return err;
	tmpl.nsid = ns->nsid;
	return nvd__qpair_submit_split(qpair, &tmpl, NULL, 0, lba, count, NVD_MAX_NLB, cb, cb_arg,
				  NULL, NULL, false);
}

/*
 * §3.2.3: CDW10 NR (0-based), CDW11 attributes, PRP1 a page of 16-byte
 * ranges (Figure 39).  The ranges are copied into one of the queue pair's
 * range pages, freed when the command completes; over NVMe/TCP they are
 * the command's data instead (tcp/transport.c).
 */
NVD_EXPORT int nvd_ns_dsm(struct nvd_ns *ns, struct nvd_qpair *qpair,
			  const struct nvd_dsm_range *ranges, uint16_t nr, uint32_t attrs,
			  nvd_cmd_cb cb, void *cb_arg)
{
	struct request *r;
	unsigned i;
	int err, page;

	err = oncs_refuse(ns, NVD_ONCS_DSM, "Dataset Management", 2);
	if (err)
		return err;
	err = nvd__ns_check_qp(ns, qpair, "dataset management");
	if (err)
		return err;
	if (!ranges || nr == 0 || nr > NVD_DSM_MAX_RANGES) {
		nvd__set_detail("dataset management takes 1..%u ranges, not %u", NVD_DSM_MAX_RANGES,
			   ranges ? nr : 0);
		return -EINVAL;
	}
	if (attrs & ~(NVD_DSM_ATTR_IDR | NVD_DSM_ATTR_IDW | NVD_DSM_ATTR_AD)) {
		nvd__set_detail("unknown dataset management attributes 0x%x", attrs);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (ranges[i].lba < ns->num_sectors &&
		    ranges[i].length <= ns->num_sectors - ranges[i].lba)
			continue;
		nvd__set_detail("range %u (LBAs %llu + %u) is past the end of namespace %u (%llu LBAs)",
			   i, (unsigned long long)ranges[i].lba, ranges[i].length, ns->nsid,
			   (unsigned long long)ns->num_sectors);
		return -EINVAL;
	}
	/* NVMe/TCP: the ranges travel as the command's data, not in a DMA page */
	if (qpair->tcp)
		return nvd__tcp_ns_dsm(ns, qpair, ranges, nr, attrs, cb, cb_arg);
	if (!qpair->nreqs_free) {
		nvd__set_detail("all %u requests of queue %u are in use (io_requests)", qpair->nreqs,
			   qpair->qid);
		return -ENOMEM;
	}
	page = nvd__qpair_get_dsm_page(qpair);
	if (page < 0) {
		nvd__set_detail("all %zu DSM range pages of queue %u are in use",
			   sizeof(qpair->dsm_pages) / sizeof(qpair->dsm_pages[0]), qpair->qid);
		return -ENOMEM;
	}
	memcpy(qpair->dsm_pages[page].entries, ranges, (size_t)nr * sizeof(*ranges));
	r = nvd__req_get(qpair);
	r->dsm_page = (int16_t)page;
	r->cmd = (struct nvme_cmd){
		.opc = NVME_CMD_DSM,
		.nsid = ns->nsid,
		.prp1 = qpair->dsm_pages[page].bus,
		.cdw10 = (uint32_t)nr - 1u,
		.cdw11 = attrs,
	};
	r->cb = cb;
	r->cb_arg = cb_arg;
	nvd__qpair_queue_req(qpair, r);
	return 0;
}

NVD_EXPORT int nvd_ns_deallocate(struct nvd_ns *ns, struct nvd_qpair *qpair,
				 const struct nvd_dsm_range *ranges, uint16_t nr, nvd_cmd_cb cb,
				 void *cb_arg)
{
	return nvd_ns_dsm(ns, qpair, ranges, nr, NVD_DSM_ATTR_AD, cb, cb_arg);
}

/* §3.2.2: mandatory; without a volatile write cache it completes at once. */
NVD_EXPORT int nvd_ns_flush(struct nvd_ns *ns, struct nvd_qpair *qpair, nvd_cmd_cb cb,
			    void *cb_arg)
{
	struct nvme_cmd cmd = { .opc = NVME_CMD_FLUSH };
	int err;

	err = nvd__ns_check_qp(ns, qpair, "flush");
	if (err)
		return err;
	cmd.nsid = ns->nsid;
	return nvd__qpair_submit_cmd(qpair, &cmd, NULL, 0, cb, cb_arg);
}

NVD_EXPORT int nvd_ctrlr_cmd_io_raw(struct nvd_ctrlr *ctrlr, struct nvd_qpair *qpair,
				    struct nvd_io_cmd *cmd, void *buf, uint32_t len, nvd_cmd_cb cb,
				    void *cb_arg)
{
	struct nvd_ns *ns;
	struct nvme_cmd c;
	int err;

	if (!ctrlr || !qpair || !cmd || qpair->ctrlr != ctrlr || qpair->qid == 0)
		return -EINVAL;
	nvd__clear_detail();
	if (qpair->failed || ctrlr_is_failed(ctrlr))
		return -ENXIO;
	ns = nvd_ctrlr_get_ns(ctrlr, cmd->nsid);
	if (ns && !ns->io_supported) {
		nvd__ns_refuse_detail(ns, "raw I/O");
		return -EOPNOTSUPP;
	}
	if (len > ctrlr->max_xfer) {
		nvd__set_detail("raw I/O of %u bytes exceeds the controller's transfer limit of %u bytes; raw commands are not split",
			   len, ctrlr->max_xfer);
		return -EINVAL;
	}
	if (len) {
		err = nvd__ns_check_buf(qpair, buf, len);
		if (err)
			return err;
	}
	c = (struct nvme_cmd){
		.opc = cmd->opc,
		.nsid = cmd->nsid,
		.cdw2 = cmd->cdw2,
		.cdw3 = cmd->cdw3,
		.cdw10 = cmd->cdw10,
		.cdw11 = cmd->cdw11,
		.cdw12 = cmd->cdw12,
		.cdw13 = cmd->cdw13,
		.cdw14 = cmd->cdw14,
		.cdw15 = cmd->cdw15,
	};
	return nvd__qpair_submit_cmd(qpair, &c, len ? buf : NULL, len, cb, cb_arg);
}
