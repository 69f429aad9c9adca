/* SPDX-License-Identifier: MIT */
/*
 * <nvdirect/nvme_spec.h>: the NVMe data structures that Identify returns,
 * for applications that decode nvd_ctrlr_identify_data(),
 * nvd_ns_identify_data() or nvd_ctrlr_identify() themselves.
 *
 * Layouts are the NVM Express Base Specification 2.0 and the NVM Command
 * Set Specification 1.0; sizes and the offsets relied on are asserted at
 * build time.  Only the fields the library or its tools read are named, the
 * rest are reserved spans so offsets stay honest.  Names carry the nvd_
 * prefix so that a program can include this next to libnvme's or the
 * kernel's struct nvme_id_ctrl.  Multi-byte fields are little endian, as
 * the device wrote them.
 */
#ifndef NVDIRECT_NVME_SPEC_H
#define NVDIRECT_NVME_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <nvdirect.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Identify CNS values (Base 2.0 §5.17, Figure 273) */
#define NVD_CNS_NS		0x00
#define NVD_CNS_CTRLR		0x01
#define NVD_CNS_ACTIVE_NS_LIST	0x02
#define NVD_CNS_NS_DESCS	0x03	/* Namespace Identification Descriptor list (Fig. 279) */
#define NVD_IDENTIFY_SIZE	4096
#define NVD_NS_LIST_ENTRIES	1024

/* Base 2.0 §5.17, Figure 275: Identify Controller data structure (CNS 01h) */
struct nvd_id_ctrl {
	uint16_t vid;
	uint16_t ssvid;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts;		/* 2^n units of CAP.MPSMIN pages, 0 = no limit */
	uint16_t cntlid;
	uint32_t ver;
	uint32_t rtd3r;		/* microseconds */
	uint32_t rtd3e;		/* microseconds */
	uint32_t oaes;
	uint32_t ctratt;
	uint16_t rrls;
	uint8_t rsvd102[9];
	uint8_t cntrltype;
	uint8_t fguid[16];
	uint16_t crdt[3];
	uint8_t rsvd134[122];
	uint16_t oacs;		/* byte 256: admin command set attributes */
#define NVD_OACS_DBBUF	(1u << 8)	/* Doorbell Buffer Config supported */
	uint8_t acl;
	uint8_t aerl;
	uint8_t frmw;
	uint8_t lpa;
	uint8_t elpe;
	uint8_t npss;
	uint8_t avscc;
	uint8_t apsta;
	uint16_t wctemp;
	uint16_t cctemp;
	uint8_t rsvd270[242];
	uint8_t sqes;		/* byte 512: NVM command set attributes */
	uint8_t cqes;
	uint16_t maxcmd;
	uint32_t nn;
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc;
	uint16_t awun;
	uint16_t awupf;
	uint8_t icsvscc;
	uint8_t nwpc;
	uint16_t acwu;
	uint16_t ocfs;
	uint32_t sgls;		/* byte 536: SGL Support, NVD_SGLS_* */
	uint32_t mnan;
	uint8_t rsvd544[224];
	char subnqn[256];
	uint8_t rsvd1024[1024];
	uint8_t psd[32][32];	/* power state descriptors */
	uint8_t vs[1024];
};
NVD_STATIC_ASSERT(sizeof(struct nvd_id_ctrl) == 4096, "Identify Controller is 4096 bytes");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, mn) == 24, "MN at byte 24");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, fr) == 64, "FR at byte 64");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, mdts) == 77, "MDTS at byte 77");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, ver) == 80, "VER at byte 80");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, rtd3e) == 88, "RTD3E at byte 88");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, cntrltype) == 111, "CNTRLTYPE at byte 111");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, oacs) == 256, "OACS at byte 256");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, sqes) == 512, "SQES at byte 512");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, nn) == 516, "NN at byte 516");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, sgls) == 536, "SGLS at byte 536");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, subnqn) == 768, "SUBNQN at byte 768");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ctrl, psd) == 2048, "PSD0 at byte 2048");

/* Identify Controller ONCS (Base 2.0 Figure 275): optional NVM commands */
#define NVD_ONCS_COMPARE	(1u << 0)
#define NVD_ONCS_DSM		(1u << 2)
#define NVD_ONCS_WRITE_ZEROES	(1u << 3)

/* Identify Controller SGLS (Base 2.0, Figure 275) */
#define NVD_SGLS_SUPPORT_MASK	0x3u
#define NVD_SGLS_NONE		0x0u	/* SGLs not supported */
#define NVD_SGLS_BYTE_ALIGN	0x1u	/* supported, no alignment rule */
#define NVD_SGLS_DWORD_ALIGN	0x2u	/* Data Block address and length dword aligned */
#define NVD_SGLS_KEYED		(1u << 2)
#define NVD_SGLS_BIT_BUCKET	(1u << 16)
#define NVD_SGLS_MPTR_BYTE	(1u << 17)	/* byte aligned contiguous metadata buffer */
#define NVD_SGLS_EXCESS_LEN	(1u << 18)	/* SGL may describe more than the transfer */
#define NVD_SGLS_MPTR_SGL	(1u << 19)	/* MPTR may hold an SGL descriptor */
#define NVD_SGLS_OFFSET	(1u << 20)	/* Address as offset (sub type 1h) */

/* NVM Command Set 1.0, LBA Format Data Structure */
struct nvd_lbaf {
	uint16_t ms;		/* metadata bytes per LBA */
	uint8_t lbads;		/* LBA data size, 2^n bytes */
	uint8_t rp;		/* relative performance, bits 1:0 */
};
NVD_STATIC_ASSERT(sizeof(struct nvd_lbaf) == 4, "LBA format is 4 bytes");

/* NVM Command Set 1.0, Identify Namespace data structure (CNS 00h) */
struct nvd_id_ns {
	uint64_t nsze;		/* LBAs */
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf;		/* 0-based count of LBA formats */
	uint8_t flbas;		/* 3:0 format index low, 4 extended LBA, 6:5 index high */
	uint8_t mc;
	uint8_t dpc;
	uint8_t dps;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint8_t dlfeat;
	uint16_t nawun;
	uint16_t nawupf;
	uint16_t nacwu;
	uint16_t nabsn;
	uint16_t nabo;
	uint16_t nabspf;
	uint16_t noiob;
	uint8_t nvmcap[16];
	uint16_t npwg;
	uint16_t npwa;
	uint16_t npdg;
	uint16_t npda;
	uint16_t nows;
	uint8_t rsvd74[18];
	uint32_t anagrpid;
	uint8_t rsvd96[3];
	uint8_t nsattr;
	uint16_t nvmsetid;
	uint16_t endgid;
	uint8_t nguid[16];
	uint8_t eui64[8];
	struct nvd_lbaf lbaf[64];
	uint8_t vs[3712];
};
NVD_STATIC_ASSERT(sizeof(struct nvd_id_ns) == 4096, "Identify Namespace is 4096 bytes");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ns, flbas) == 26, "FLBAS at byte 26");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ns, nvmcap) == 48, "NVMCAP at byte 48");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ns, nguid) == 104, "NGUID at byte 104");
NVD_STATIC_ASSERT(offsetof(struct nvd_id_ns, lbaf) == 128, "LBAF0 at byte 128");

/* FLBAS bits 6:5 extend the format index when more than 16 formats exist. */
static inline unsigned nvd_flbas_index(uint8_t flbas)
{
	return (flbas & 0xfu) | (((flbas >> 5) & 0x3u) << 4);
}

#ifdef __cplusplus
}
#endif
#endif /* NVDIRECT_NVME_SPEC_H */
