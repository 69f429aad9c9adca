/* SPDX-License-Identifier: MIT */
/*
 * NVMe wire structures and register layout the library builds commands
 * with: registers, SQ/CQ entries, SGL descriptors, opcodes.  Internal; the
 * Identify data structures applications decode are public, in
 * <nvdirect/nvme_spec.h>, which this includes.
 *
 * Everything here is data defined by the NVM Express Base Specification 2.0
 * (and the NVM Command Set Specification 1.0 for read/write).  Sizes and
 * the offsets we rely on are checked at build time.
 */
#ifndef NVD_NVME_SPEC_H
#define NVD_NVME_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <nvdirect.h>
#include <nvdirect/nvme_spec.h>

/* The host memory page size we configure (CC.MPS = 0). */
#define NVME_PAGE_SHIFT		12
#define NVME_PAGE_SIZE		(1u << NVME_PAGE_SHIFT)

/* ---- Controller properties (Base 2.0 §3.1.3) ---------------------------- */

#define NVME_REG_CAP		0x00	/* Controller Capabilities, 64 bit */
#define NVME_REG_VS		0x08	/* Version */
#define NVME_REG_INTMS		0x0c
#define NVME_REG_INTMC		0x10
#define NVME_REG_CC		0x14	/* Controller Configuration */
#define NVME_REG_CSTS		0x1c	/* Controller Status */
#define NVME_REG_AQA		0x24	/* Admin Queue Attributes */
#define NVME_REG_ASQ		0x28	/* Admin SQ base, 64 bit */
#define NVME_REG_ACQ		0x30	/* Admin CQ base, 64 bit */
#define NVME_REG_DBS		0x1000	/* first doorbell (PCIe transport) */

/* CAP: Controller Capabilities */
#define NVME_CAP_MQES(cap)	((uint32_t)((cap) & 0xffff))		/* 0-based */
#define NVME_CAP_CQR(cap)	((uint32_t)(((cap) >> 16) & 0x1))
#define NVME_CAP_TO(cap)	((uint32_t)(((cap) >> 24) & 0xff))	/* 500 ms units */
#define NVME_CAP_DSTRD(cap)	((uint32_t)(((cap) >> 32) & 0xf))
#define NVME_CAP_CSS(cap)	((uint32_t)(((cap) >> 37) & 0xff))
#define NVME_CAP_MPSMIN(cap)	((uint32_t)(((cap) >> 48) & 0xf))	/* 2^(12+n) */
#define NVME_CAP_MPSMAX(cap)	((uint32_t)(((cap) >> 52) & 0xf))
#define NVME_CAP_CSS_NVM	(1u << 0)

/* CC: Controller Configuration */
#define NVME_CC_EN		(1u << 0)
#define NVME_CC_CSS_NVM		(0u << 4)
#define NVME_CC_MPS(n)		((uint32_t)(n) << 7)
#define NVME_CC_AMS_RR		(0u << 11)
#define NVME_CC_SHN_MASK	(3u << 14)
#define NVME_CC_SHN_NORMAL	(1u << 14)
#define NVME_CC_IOSQES(n)	((uint32_t)(n) << 16)
#define NVME_CC_IOCQES(n)	((uint32_t)(n) << 20)

/* CSTS: Controller Status */
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)
#define NVME_CSTS_SHST_MASK	(3u << 2)
#define NVME_CSTS_SHST_DONE	(2u << 2)
/* A read of a removed PCIe device returns all ones. */
#define NVME_REG_GONE		0xffffffffu

/* AQA: both sizes 0-based, 12 bits each. */
#define NVME_AQA(sqs, cqs)	((((uint32_t)(cqs) - 1) << 16) | ((uint32_t)(sqs) - 1))
#define NVME_AQ_MAX_ENTRIES	4096

/* ---- Submission and completion queue entries -------------------------- */

/*
 * Base 2.0 §4.1.2, "Scatter Gather List (SGL)": SGL descriptor, generic
 * format.  Data Block, Segment and Last Segment descriptors all use
 * Address (bytes 7:0) and Length (bytes 11:8, in bytes); byte 15 is the
 * SGL Identifier, type in bits 7:4 and sub type in bits 3:0.
 */
struct nvme_sgl_desc {
	uint64_t addr;
	uint32_t len;
	uint8_t rsvd12[3];
	uint8_t id;		/* NVME_SGL_ID(type, subtype) */
};
_Static_assert(sizeof(struct nvme_sgl_desc) == 16, "SGL descriptor is 16 bytes");
_Static_assert(offsetof(struct nvme_sgl_desc, id) == 15, "SGL Identifier in byte 15");

/* SGL Descriptor Types (Base 2.0 §4.1.2) and the one sub type we use */
#define NVME_SGL_TYPE_DATA_BLOCK	0x0
#define NVME_SGL_TYPE_BIT_BUCKET	0x1
#define NVME_SGL_TYPE_SEGMENT		0x2	/* next segment, not the last */
#define NVME_SGL_TYPE_LAST_SEGMENT	0x3	/* next segment holds no segment descriptor */
#define NVME_SGL_SUBTYPE_ADDRESS	0x0
#define NVME_SGL_ID(type, subtype)	((uint8_t)(((type) << 4) | (subtype)))

/* Base 2.0 §3.3.3.1, Figures 86-87: Common Command Format */
struct nvme_cmd {
	uint8_t opc;
	uint8_t flags;		/* FUSE 1:0, PSDT 7:6 (0 = PRPs) */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	union {			/* DPTR: PRP entries or SGL1, per PSDT */
		struct {
			uint64_t prp1;
			uint64_t prp2;
		};
		struct nvme_sgl_desc sgl1;
	};
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
_Static_assert(sizeof(struct nvme_cmd) == 64, "SQ entry is 64 bytes");
_Static_assert(offsetof(struct nvme_cmd, prp1) == 24, "PRP1 at byte 24");
_Static_assert(offsetof(struct nvme_cmd, cdw10) == 40, "CDW10 at byte 40");
_Static_assert(offsetof(struct nvme_cmd, sgl1) == 24, "SGL1 at byte 24");
/* CDW0 PSDT, bits 15:14 (flags bits 7:6): how DPTR and MPTR are read */
#define NVME_CMD_PSDT_MASK		(3u << 6)
#define NVME_CMD_PSDT_PRP		(0u << 6)
#define NVME_CMD_PSDT_SGL_MPTR_CONTIG	(1u << 6)	/* SGL; MPTR: one contiguous buffer */
#define NVME_CMD_PSDT_SGL_MPTR_SGL	(2u << 6)	/* SGL; MPTR: an SGL segment */
#define NVME_SQES_LOG2		6

/* Base 2.0 §3.3.3.2, Figure 89: the CQE is struct nvd_cpl (public). */
_Static_assert(sizeof(struct nvd_cpl) == 16, "CQ entry is 16 bytes");
_Static_assert(offsetof(struct nvd_cpl, sqhd) == 8, "SQHD in dword 2");
_Static_assert(offsetof(struct nvd_cpl, cid) == 12, "CID in dword 3");
#define NVME_CQES_LOG2		4
#define NVME_CPL_PHASE		0x1u
#define NVME_CPL_DNR		(1u << 15)
#define NVME_STATUS(sct, sc)	((uint16_t)((((sct) & 0x7) << 9) | (((sc) & 0xff) << 1)))

/* Status Code Types (Base 2.0 Figure 93) and codes the library itself uses. */
#define NVME_SCT_GENERIC	0x0
#define NVME_SCT_CMD_SPECIFIC	0x1
#define NVME_SCT_MEDIA		0x2
#define NVME_SCT_PATH		0x3
#define NVME_SCT_VENDOR		0x7
#define NVME_SC_SUCCESS		0x00
#define NVME_SC_INVALID_FIELD	0x02
#define NVME_SC_ABORT_REQUESTED	0x07
/* used by the I/O path (request.c, io_hooks.c) */
#define NVME_SC_DATA_XFER_ERROR		0x04
#define NVME_SC_CMD_INTERRUPTED		0x21
#define NVME_SC_TRANSIENT_TRANSPORT	0x22
#define NVME_SC_NS_NOT_READY		0x82
#define NVME_SC_INTERNAL_PATH_ERROR	0x00	/* SCT 3h */
#define NVME_SC_COMPARE_FAILURE		0x85	/* SCT 2h */

/* ---- Opcodes ---------------------------------------------------------- */

/* Admin Command Set opcodes (Base 2.0 §5) */
#define NVME_ADM_DELETE_SQ	0x00
#define NVME_ADM_CREATE_SQ	0x01
#define NVME_ADM_DELETE_CQ	0x04
#define NVME_ADM_CREATE_CQ	0x05
#define NVME_ADM_IDENTIFY	0x06
#define NVME_ADM_SET_FEATURES	0x09
#define NVME_ADM_DBBUF_CONFIG	0x7c	/* §5.8: PRP1 shadow doorbells, PRP2 EventIdx */

/* NVM Command Set 1.0 opcodes */
#define NVME_CMD_FLUSH		0x00
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02
#define NVME_CMD_COMPARE	0x05
#define NVME_CMD_WRITE_ZEROES	0x08
#define NVME_CMD_DSM		0x09

/* Create I/O Completion/Submission Queue CDW11 */
#define NVME_QUEUE_PC		(1u << 0)	/* physically contiguous */
#define NVME_CQ_IEN		(1u << 1)	/* interrupts enabled */
#define NVME_CQ_IV_SHIFT	16		/* interrupt vector, bits 31:16 */

/* Feature identifiers (Base 2.0, Set Features: Number of Queues) */
#define NVME_FEAT_NUM_QUEUES	0x07

/* Read/Write CDW12 (NVM Command Set 1.0, Read and Write commands) */
#define NVME_RW_FUA		(1u << 30)
#define NVME_RW_LR		(1u << 31)
_Static_assert(NVD_IO_FLAG_FUA == NVME_RW_FUA && NVD_IO_FLAG_LIMITED_RETRY == NVME_RW_LR,
	       "public I/O flags are the CDW12 bits");

#endif /* NVD_NVME_SPEC_H */
