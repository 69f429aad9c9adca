// SPDX-License-Identifier: MIT
/*
 * Admin commands carrying the caller's memory: a bounce through library
 * DMA memory, and raw admin passthrough built on it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/admin_cmds.h"
#include "core/ctrlr.h"
#include "core/error.h"
#include "core/export.h"

int nvd__admin_sync_copy(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
		    uint32_t timeout_ms, const char *what, struct nvd_cpl *cpl)
{
	void *dma = NULL;
	int err;

	if (len > NVD_ADMIN_MAX_XFER) {
		nvd__set_detail("%s: %zu bytes exceed the admin queue's %u-byte transfer", what, len,
			   NVD_ADMIN_MAX_XFER);
		return -EINVAL;
	}
	/* NVMe/TCP: the data travels through the socket, from and to any memory */
	if (c->tcp)
		return nvd__admin_sync(c, cmd, len ? buf : NULL, buf ? len : 0, timeout_ms, what, cpl);
	if (buf && len) {
		err = nvd__dma_pool_alloc(&c->dma, len, false, &dma);
		if (err) {
			nvd__set_detail("%s: cannot get %zu bytes of DMA memory", what, len);
			return err;
		}
		memcpy(dma, buf, len);
	}
	err = nvd__admin_sync(c, cmd, dma, dma ? len : 0, timeout_ms, what, cpl);
	if (dma) {
		if (!err)
			memcpy(buf, dma, len);
		nvd__dma_pool_free(&c->dma, dma);
	}
	return err;
}

/* Opcodes that would corrupt the library's own queue bookkeeping. */
static bool raw_opcode_refused(uint8_t opc)
{
	switch (opc) {
	case NVME_ADM_DELETE_SQ:
	case NVME_ADM_CREATE_SQ:
	case NVME_ADM_DELETE_CQ:
	case NVME_ADM_CREATE_CQ:
	case NVME_ADM_ABORT:
	case NVME_ADM_AER:
		return true;
	default:
		return false;
	}
}

NVD_EXPORT int nvd_ctrlr_cmd_admin_raw(struct nvd_ctrlr *ctrlr, const struct nvd_admin_cmd *cmd,
				       void *buf, size_t len, struct nvd_cpl *cpl)
{
	struct nvme_cmd c;
	char what[48];

	nvd__clear_detail();
	if (!ctrlr || !cmd || (len && !buf))
		return -EINVAL;
	if (raw_opcode_refused(cmd->opc)) {
		nvd__set_detail("admin opcode 0x%02x manages the library's own queues; it is not passed through",
			   cmd->opc);
		return -EINVAL;
	}
	memset(&c, 0, sizeof(c));
	c.opc = cmd->opc;
	c.nsid = cmd->nsid;
	c.cdw2 = cmd->cdw2;
	c.cdw3 = cmd->cdw3;
	c.cdw10 = cmd->cdw10;
	c.cdw11 = cmd->cdw11;
	c.cdw12 = cmd->cdw12;
	c.cdw13 = cmd->cdw13;
	c.cdw14 = cmd->cdw14;
	c.cdw15 = cmd->cdw15;
	snprintf(what, sizeof(what), "admin command 0x%02x", cmd->opc);
	return nvd__admin_sync_copy(ctrlr, &c, buf, len,
			       cmd->timeout_ms ? cmd->timeout_ms : NVD_ADMIN_TIMEOUT_MS, what, cpl);
}
