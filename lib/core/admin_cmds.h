/* SPDX-License-Identifier: MIT */
/*
 * The admin commands behind the public log, feature, format and
 * passthrough calls (admin_raw.c, admin_log.c, admin_feat.c): their
 * opcodes and fields, and the bounce-buffer helper they share.
 */
#ifndef NVD_ADMIN_CMDS_H
#define NVD_ADMIN_CMDS_H

#include "core/admin.h"

/* Admin opcodes (Base 2.0 §5, Figure 138) beyond those in nvme_spec.h */
#define NVME_ADM_GET_LOG_PAGE	0x02
#define NVME_ADM_ABORT		0x08
#define NVME_ADM_GET_FEATURES	0x0a
#define NVME_ADM_AER		0x0c
#define NVME_ADM_FORMAT_NVM	0x80

/* Get Log Page CDW10 (Base 2.0 §5.16, Figure 197): LID 7:0, NUMDL 31:16 */
#define NVME_LOG_CDW10(lid, numd)	((uint32_t)(lid) | (((uint32_t)(numd) & 0xffff) << 16))
#define NVME_LOG_CDW11(numd)		((uint32_t)(numd) >> 16)	/* NUMDU 15:0 */

/* Get/Set Features CDW10 (Figures 192, 316): FID 7:0, SEL 10:8, SV 31 */
#define NVME_FEAT_CDW10_SEL(sel)	(((uint32_t)(sel) & 0x7) << 8)
#define NVME_FEAT_CDW10_SV		(1u << 31)

/* Format NVM CDW10 (Base 2.0 §5.23, Figure 301) */
#define NVME_FMT_LBAFL(l)		((uint32_t)(l) & 0xf)
#define NVME_FMT_MSET			(1u << 4)
#define NVME_FMT_PI(p)			(((uint32_t)(p) & 0x7) << 5)
#define NVME_FMT_PIL			(1u << 8)
#define NVME_FMT_SES(s)			(((uint32_t)(s) & 0x7) << 9)
#define NVME_FMT_LBAFU(l)		((((uint32_t)(l) >> 4) & 0x3) << 12)

/* Asynchronous Event Configuration (Base 2.0 §5.27.1.7, Figure 334) */
#define NVME_FEAT_ASYNC_EVENT		0x0b
#define NVME_AEC_SMART_ALL		0xffu		/* bits 7:0: every critical warning */
#define NVME_AEC_NOTICES_MASK		0x80007f00u	/* notices, as OAES offers them */

/* The admin queue's PRP1 + PRP2 carry at most two pages. */
#define NVD_ADMIN_MAX_XFER		(2u * NVME_PAGE_SIZE)
#define NVD_FORMAT_TIMEOUT_MS		(10u * 60 * 1000)

/*
 * nvd__admin_sync() with @len bytes (<= NVD_ADMIN_MAX_XFER) copied from @buf
 * into library DMA memory before and back after (when @buf is not NULL).
 */
int nvd__admin_sync_copy(struct nvd_ctrlr *c, struct nvme_cmd *cmd, void *buf, size_t len,
		    uint32_t timeout_ms, const char *what, struct nvd_cpl *cpl);

#endif /* NVD_ADMIN_CMDS_H */
