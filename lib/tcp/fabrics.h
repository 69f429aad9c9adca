/* SPDX-License-Identifier: MIT */
/*
 * NVMe over Fabrics commands over an NVMe/TCP connection: Connect
 * (NVMe-oF 1.1 §3.3), Property Get/Set (§3.4, §3.5), and a synchronous
 * "one command, wait for its response" exchange the admin bring-up uses.
 * Not the I/O path: queue pairs will keep many commands in flight.
 */
#ifndef NVD_TCP_FABRICS_H
#define NVD_TCP_FABRICS_H

#include <stdint.h>

#include "core/nvme_spec.h"
#include "tcp/conn.h"

#define NVME_OPC_FABRICS	0x7f
/* NVMe-oF 1.1 Figure 13: Fabrics Command Types */
#define NVMF_FCTYPE_PROP_SET	0x00
#define NVMF_FCTYPE_CONNECT	0x01
#define NVMF_FCTYPE_PROP_GET	0x04
/* Figure 20: Connect status codes (SCT 1h) */
#define NVMF_SC_CONNECT_FORMAT		0x80
#define NVMF_SC_CONNECT_BUSY		0x81
#define NVMF_SC_CONNECT_INVALID_PARAM	0x82
#define NVMF_SC_CONNECT_RESTART_DISC	0x83
#define NVMF_SC_CONNECT_INVALID_HOST	0x84
#define NVMF_SC_INVALID_QUEUE_TYPE	0x85
#define NVMF_CNTLID_DYNAMIC	0xffff
#define NVMF_NQN_FIELD		256
#define NVME_DISC_NQN		"nqn.2014-08.org.nvmexpress.discovery"

/* SGL identifiers of fabrics data (Base 2.0 §4.1.2, NVMe/TCP §3.4.3) */
#define NVME_SGL_ID_INCAPSULE	NVME_SGL_ID(NVME_SGL_TYPE_DATA_BLOCK, 0x1)	/* offset */
#define NVME_SGL_ID_TRANSPORT	NVME_SGL_ID(0x5, 0xa)	/* transport data block */

/* NVMe-oF 1.1 Figure 19: Connect Command */
struct nvmf_connect_cmd {
	uint8_t opc;		/* 7Fh */
	uint8_t flags;		/* PSDT: SGL */
	uint16_t cid;
	uint8_t fctype;		/* 01h */
	uint8_t rsvd5[19];
	struct nvme_sgl_desc sgl1;
	uint16_t recfmt;	/* record format 0 */
	uint16_t qid;		/* 0: admin queue */
	uint16_t sqsize;	/* 0-based */
	uint8_t cattr;
	uint8_t rsvd47;
	uint32_t kato;		/* keep alive timeout, ms; admin queue only */
	uint8_t rsvd52[12];
};
_Static_assert(sizeof(struct nvmf_connect_cmd) == 64, "Connect is an SQE");
_Static_assert(offsetof(struct nvmf_connect_cmd, recfmt) == 40, "RECFMT at byte 40");

/* Figure 20: Connect Command Data */
struct nvmf_connect_data {
	uint8_t hostid[16];
	uint16_t cntlid;	/* FFFFh: any (dynamic model) */
	uint8_t rsvd18[238];
	char subnqn[NVMF_NQN_FIELD];
	char hostnqn[NVMF_NQN_FIELD];
	uint8_t rsvd768[256];
};
_Static_assert(sizeof(struct nvmf_connect_data) == 1024, "Connect data is 1 KiB");
_Static_assert(offsetof(struct nvmf_connect_data, subnqn) == 256, "SUBNQN at byte 256");
_Static_assert(offsetof(struct nvmf_connect_data, hostnqn) == 512, "HOSTNQN at byte 512");

/* Figures 25 and 28: Property Get and Property Set */
struct nvmf_prop_cmd {
	uint8_t opc;
	uint8_t flags;
	uint16_t cid;
	uint8_t fctype;		/* 04h get, 00h set */
	uint8_t rsvd5[35];
	uint8_t attrib;		/* bits 2:0: 0 = 4 bytes, 1 = 8 bytes */
	uint8_t rsvd41[3];
	uint32_t ofst;		/* property offset (Base 2.0 §3.1.3) */
	uint64_t value;		/* set only */
	uint8_t rsvd56[8];
};
_Static_assert(sizeof(struct nvmf_prop_cmd) == 64, "Property Get/Set is an SQE");
_Static_assert(offsetof(struct nvmf_prop_cmd, ofst) == 44, "OFST at byte 44");

/* The host's identity in Connect: NQN and 128-bit host ID (NVMe-oF 1.1 §7.3). */
struct nvd_tcp_host {
	char nqn[NVD_NQN_MAX_LEN + 1];
	uint8_t id[16];
};

/*
 * nvme-cli's /etc/nvme/hostnqn and /etc/nvme/hostid when they are there
 * (so the kernel initiator and we are one host to the target), otherwise
 * a UUID NQN derived from /etc/machine-id: stable per host.  @nqn, when
 * not NULL or "", overrides the NQN.
 */
int nvd__tcp_host_default(struct nvd_tcp_host *h, const char *nqn);

/*
 * Run @cmd on @c and wait for its CapsuleResp.  @len bytes of data go to
 * the controller (@to_ctrl: in the capsule up to @incapsule_max bytes,
 * otherwise after R2T in H2CData PDUs) or come back into @buf (C2HData).
 * The CID, PSDT and SGL1 are filled in here.  0, -EIO with the status in
 * words and *@cpl when it failed, or a transport error (the connection is
 * then out of step: close it).
 */
int nvd__tcp_exec(struct nvd_tcp_conn *c, struct nvme_cmd *cmd, void *buf, uint32_t len,
		  bool to_ctrl, uint32_t incapsule_max, const char *what, struct nvd_cpl *cpl);

/*
 * Connect queue @qid (0: admin) of @sqsize entries to @subnqn ("" for the
 * discovery subsystem).  *@cntlid gets the controller ID the admin
 * Connect was given; an I/O queue passes it in.  A refusal (unknown
 * subsystem, host not allowed, ...) is -EIO with the Connect status and
 * the field it names in words.
 */
int nvd__tcp_connect(struct nvd_tcp_conn *c, uint16_t qid, uint16_t sqsize,
		     const struct nvd_tcp_host *host, const char *subnqn, uint32_t kato_ms,
		     uint16_t *cntlid);

/* Property Get/Set of @size 4 or 8 bytes at @ofst (NVME_REG_CAP, ...). */
int nvd__tcp_prop_get(struct nvd_tcp_conn *c, uint32_t ofst, unsigned size, uint64_t *value);
int nvd__tcp_prop_set(struct nvd_tcp_conn *c, uint32_t ofst, unsigned size, uint64_t value);

/* "Connect Invalid Parameters: SUBNQN (sct 0x1 sc 0x82)", for a Connect's completion. */
const char *nvd__tcp_connect_status_str(const struct nvd_cpl *cpl, char *buf, size_t len);

#endif /* NVD_TCP_FABRICS_H */
