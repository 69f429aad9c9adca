/* SPDX-License-Identifier: MIT */
/*
 * Admin commands on the admin queue, polled to completion (admin.c).
 */
#ifndef NVD_CORE_ADMIN_H
#define NVD_CORE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include <nvdirect.h>

#include "core/nvme_spec.h"

#define NVD_ADMIN_TIMEOUT_MS	10000u

struct nvd_ctrlr;

/*
 * Submit @cmd on the admin queue and poll until it completes or
 * @timeout_ms passes.  @buf (DMA memory, may be NULL) gets PRPs.  Returns 0,
 * -EIO with *cpl holding the failed status, -ETIMEDOUT or -ENXIO; @what
 * names the command in the error detail.
 */
int nvd__admin_sync(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
	       uint32_t timeout_ms, const char *what, struct nvd_cpl *cpl);
int nvd__admin_identify(struct nvd_ctrlr *c, uint8_t cns, uint32_t nsid, void *out);
int nvd__admin_set_num_queues(struct nvd_ctrlr *c, uint16_t want, uint16_t *granted);

#endif /* NVD_CORE_ADMIN_H */
