/* SPDX-License-Identifier: MIT */
/*
 * NVMe/TCP PDUs as they travel on the wire (NVMe/TCP Transport
 * Specification 1.0, §3.6 "PDU Formats"), and the code that builds them and
 * checks what the controller sent.  Every PDU starts with the 8-byte
 * common header; type-specific fields fill the rest of the PDU header
 * (CH.HLEN bytes), then come an optional header digest, padding up to
 * CH.PDO, the data and an optional data digest, CH.PLEN bytes in all.
 * All multi-byte fields are little-endian, as on the hosts we run on.
 */
#ifndef NVD_TCP_PDU_H
#define NVD_TCP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/nvme_spec.h"

/* §3.6.1, Figure 19: PDU types */
#define NVME_TCP_ICREQ		0x00
#define NVME_TCP_ICRESP		0x01
#define NVME_TCP_H2C_TERM	0x02
#define NVME_TCP_C2H_TERM	0x03
#define NVME_TCP_CAPSULE_CMD	0x04
#define NVME_TCP_CAPSULE_RESP	0x05
#define NVME_TCP_H2C_DATA	0x06
#define NVME_TCP_C2H_DATA	0x07
#define NVME_TCP_R2T		0x09

/* §3.6.1, Figure 20: CH.FLAGS */
#define NVME_TCP_F_HDGST	(1u << 0)	/* header digest follows the PDU header */
#define NVME_TCP_F_DDGST	(1u << 1)	/* data digest follows the data */
#define NVME_TCP_F_LAST		(1u << 2)	/* H2CData/C2HData: last for this command */
#define NVME_TCP_F_SUCCESS	(1u << 3)	/* C2HData: command done, no CapsuleResp */

/* ICReq/ICResp DGST field */
#define NVME_TCP_DGST_HDR	(1u << 0)
#define NVME_TCP_DGST_DATA	(1u << 1)

#define NVME_TCP_DIGEST_LEN	4
#define NVME_TCP_PFV_1_0	0
/* ICResp MAXH2CDATA: at least 4 KiB, in whole dwords (§3.6.2.3) */
#define NVME_TCP_MIN_MAXH2CDATA	4096u
/* HPDA/CPDA: 0-based dwords, at most 31 (128 bytes) */
#define NVME_TCP_MAX_PDA	31u
#define NVME_TCP_PDA_BYTES(pda)	(((uint32_t)(pda) + 1) * 4)
/* a TermReq carries at most the 128 bytes of the header in error (§3.6.2.4) */
#define NVME_TCP_TERM_MAX_DATA	128u
/* The well-known NVMe/TCP port (IANA) and the discovery port. */
#define NVME_TCP_PORT		4420
#define NVME_TCP_DISC_PORT	8009
/*
 * Largest PDU header with its digest and padding that we send or accept:
 * CapsuleCmd (72) + header digest (4), padded to CPDA (at most 128).
 */
#define NVD_TCP_HDR_MAX		256u

/* §3.6.1, Figure 18: PDU Common Header (CH) */
struct nvme_tcp_ch {
	uint8_t type;
	uint8_t flags;
	uint8_t hlen;		/* PDU header length, without digest */
	uint8_t pdo;		/* PDU data offset; 0: no data */
	uint32_t plen;		/* total PDU length */
};
_Static_assert(sizeof(struct nvme_tcp_ch) == 8, "CH is 8 bytes");

/* §3.6.2.2, Figure 21: Initialize Connection Request (ICReq) */
struct nvme_tcp_icreq {
	struct nvme_tcp_ch ch;
	uint16_t pfv;		/* PDU format version, 0 */
	uint8_t hpda;		/* host PDU data alignment, 0-based dwords */
	uint8_t dgst;		/* NVME_TCP_DGST_* the host asks for */
	uint32_t maxr2t;	/* outstanding R2Ts per command, 0-based */
	uint8_t rsvd[112];
};
_Static_assert(sizeof(struct nvme_tcp_icreq) == 128, "ICReq is 128 bytes");

/* §3.6.2.3, Figure 22: Initialize Connection Response (ICResp) */
struct nvme_tcp_icresp {
	struct nvme_tcp_ch ch;
	uint16_t pfv;
	uint8_t cpda;		/* controller PDU data alignment, 0-based dwords */
	uint8_t dgst;		/* NVME_TCP_DGST_* enabled */
	uint32_t maxh2cdata;	/* bytes of data in one H2CData PDU */
	uint8_t rsvd[112];
};
_Static_assert(sizeof(struct nvme_tcp_icresp) == 128, "ICResp is 128 bytes");

/* §3.6.2.4-5, Figures 23-26: H2CTermReq and C2HTermReq, same layout */
struct nvme_tcp_term {
	struct nvme_tcp_ch ch;
	uint16_t fes;		/* fatal error status */
	uint8_t fei[4];		/* fatal error information (unaligned) */
	uint8_t rsvd[10];
};
_Static_assert(sizeof(struct nvme_tcp_term) == 24, "TermReq header is 24 bytes");
/* Figure 24/26: Fatal Error Status values */
#define NVME_TCP_FES_INVALID_HDR	0x01
#define NVME_TCP_FES_SEQUENCE		0x02
#define NVME_TCP_FES_HDGST		0x03
#define NVME_TCP_FES_DATA_RANGE		0x04
#define NVME_TCP_FES_LIMIT		0x05	/* R2T limit (C2H) / data limit (H2C) */
#define NVME_TCP_FES_UNSUPPORTED	0x06

/* §3.6.2.6, Figure 27: Command Capsule (CapsuleCmd) */
struct nvme_tcp_capsule_cmd {
	struct nvme_tcp_ch ch;
	struct nvme_cmd sqe;
};
_Static_assert(sizeof(struct nvme_tcp_capsule_cmd) == 72, "CapsuleCmd header is 72 bytes");

/* §3.6.2.7, Figure 28: Response Capsule (CapsuleResp) */
struct nvme_tcp_capsule_resp {
	struct nvme_tcp_ch ch;
	struct nvd_cpl cqe;
};
_Static_assert(sizeof(struct nvme_tcp_capsule_resp) == 24, "CapsuleResp header is 24 bytes");

/*
 * §3.6.2.8 and §3.6.2.9, Figures 29-30: H2CData and C2HData, same layout
 * (C2HData's TTAG is reserved).
 */
struct nvme_tcp_data {
	struct nvme_tcp_ch ch;
	uint16_t cccid;		/* command capsule CID */
	uint16_t ttag;		/* H2CData: the R2T's transfer tag */
	uint32_t datao;		/* offset into the command's data */
	uint32_t datal;		/* bytes of data in this PDU */
	uint32_t rsvd;
};
_Static_assert(sizeof(struct nvme_tcp_data) == 24, "H2CData/C2HData header is 24 bytes");
_Static_assert(offsetof(struct nvme_tcp_data, datal) == 16, "DATAL at byte 16");

/* §3.6.2.10, Figure 31: Ready to Transfer (R2T) */
struct nvme_tcp_r2t {
	struct nvme_tcp_ch ch;
	uint16_t cccid;
	uint16_t ttag;
	uint32_t r2to;		/* offset of the data asked for */
	uint32_t r2tl;		/* its length */
	uint32_t rsvd;
};
_Static_assert(sizeof(struct nvme_tcp_r2t) == 24, "R2T is 24 bytes");

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "PDU fields are used as little-endian");

/* What was negotiated in ICReq/ICResp, for one direction of a connection. */
struct nvd_tcp_dir {
	bool to_ctrl;		/* host to controller: the PDU types a host sends */
	bool hdgst;		/* header digests on */
	bool ddgst;		/* data digests on */
	uint32_t data_align;	/* PDO alignment of data PDUs, bytes (PDA+1)*4 */
	uint32_t max_data;	/* most data bytes one PDU may carry; 0: no limit */
};

/*
 * A checked PDU: views into the caller's bytes, nothing allocated.  The
 * parsers read headers as the structs above: buffers start 8-byte aligned.
 */
struct nvd_tcp_pdu {
	uint8_t type;
	uint8_t flags;
	const void *hdr;	/* the PDU header, CH first; cast by type */
	uint32_t hdr_bytes;	/* header + header digest + padding: where data starts */
	uint32_t data_len;	/* bytes of data (no digest) */
	const uint8_t *data;	/* NULL from nvd__tcp_hdr_parse() */
};

/* "CapsuleResp", "type 0x0b" for one not in Figure 19. */
const char *nvd__tcp_type_str(uint8_t type, char buf[16]);
/* "Header Digest Error" for a TermReq's FES. */
const char *nvd__tcp_fes_str(uint16_t fes);

/*
 * Check a common header received from the controller against @rx: known
 * type sent by a controller, HLEN of that type, digest flags as
 * negotiated, PDO and PLEN consistent.  Sets *@hdr_bytes to the bytes of
 * the PDU before its data (the whole PDU when it has none).  -EPROTO with
 * words in nvd_last_error() when anything is off.
 */
int nvd__tcp_ch_check(const struct nvme_tcp_ch *ch, const struct nvd_tcp_dir *rx,
		      uint32_t *hdr_bytes);
/*
 * Check the first @len bytes of a PDU: at least its header bytes (CH
 * check, header digest, type-specific fields).  Fills @pdu except data.
 * -EPROTO for a malformed header, -EBADMSG for a header digest mismatch.
 */
int nvd__tcp_hdr_parse(const void *buf, size_t len, const struct nvd_tcp_dir *rx,
		       struct nvd_tcp_pdu *pdu);
/*
 * Check a whole PDU of @len bytes (exactly CH.PLEN): header as above, then
 * the data digest.  @pdu->data points into @buf.  -EBADMSG for a data
 * digest mismatch.
 */
int nvd__tcp_pdu_parse(const void *buf, size_t len, const struct nvd_tcp_dir *rx,
		       struct nvd_tcp_pdu *pdu);
/* Check a received data digest: -EBADMSG with words when it differs. */
int nvd__tcp_ddgst_check(const void *data, uint32_t len, const uint8_t dgst[4]);

/*
 * Finish a PDU header whose type-specific fields are filled in: set CH
 * (@type, HLEN @hlen, flags per @tx plus @flags, PDO aligned to
 * @tx->data_align, PLEN for @data_len bytes of data), append the header
 * digest and zero padding.  @hdr holds NVD_TCP_HDR_MAX bytes.  Returns the
 * bytes to send before the data; after the data, send
 * nvd__tcp_ddgst(data) when tx->ddgst and there is data.
 */
uint32_t nvd__tcp_hdr_finish(void *hdr, uint8_t type, uint8_t hlen, uint8_t flags,
			     uint32_t data_len, const struct nvd_tcp_dir *tx);
void nvd__tcp_ddgst(const void *data, uint32_t len, uint8_t out[4]);
/* The ICReq a host opens a connection with (not digested, no data). */
void nvd__tcp_icreq_build(struct nvme_tcp_icreq *req, uint8_t hpda, uint8_t dgst,
			  uint32_t maxr2t);

#endif /* NVD_TCP_PDU_H */
