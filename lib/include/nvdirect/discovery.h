/* SPDX-License-Identifier: MIT */
/*
 * NVMe over Fabrics discovery: ask a discovery controller which
 * subsystems it knows (its Discovery Log Page, NVMe Base 2.0
 * §5.16.1.23), as `nvme discover` does.  Each entry converts to a
 * transport ID that nvd_ctrlr_connect() takes.
 *
 *   struct nvd_discovery_entry *e;
 *   uint32_t n;
 *   nvd_trid_parse(&trid, "trtype:TCP traddr:127.0.0.1 trsvcid:8009");
 *   if (nvd_discover(&trid, &e, &n, NULL) == 0) { ...; nvd_discovery_free(e); }
 */
#ifndef NVDIRECT_DISCOVERY_H
#define NVDIRECT_DISCOVERY_H

#include <stdint.h>

#include <nvdirect/trid.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SUBTYPE: what the entry names (Base 2.0 Figure 262) */
enum nvd_disc_subtype {
	NVD_DISC_SUBTYPE_REFERRAL = 1,	/* another discovery subsystem */
	NVD_DISC_SUBTYPE_NVME = 2,	/* an NVM subsystem: I/O controllers */
	NVD_DISC_SUBTYPE_CURRENT = 3,	/* the discovery subsystem being asked */
};

/* One Discovery Log Page entry, its strings trimmed and NUL-terminated. */
struct nvd_discovery_entry {
	uint8_t trtype;		/* enum nvd_trtype: 3 TCP, 1 RDMA, 2 FC, 254 loop */
	uint8_t adrfam;		/* enum nvd_adrfam: 1 IPv4, 2 IPv6 ... */
	uint8_t subtype;	/* enum nvd_disc_subtype */
	uint8_t treq;		/* transport requirements: bits 1:0 secure channel,
				   bit 2 SQ flow control disable supported */
	uint16_t portid;
	uint16_t cntlid;	/* FFFFh: dynamic, FFFEh: static */
	uint16_t asqsz;		/* largest admin SQ the controller takes */
	uint16_t eflags;	/* entry flags: bit 0 DUPRETINFO, 1 EPCSD, 2 NCC */
	uint8_t sectype;	/* TCP: security type, 0 none, 1 TLS 1.2, 2 TLS 1.3 */
	char trsvcid[NVD_TRSVCID_MAX_LEN + 1];
	char traddr[NVD_TRADDR_MAX_LEN + 1];
	char subnqn[NVD_NQN_MAX_LEN + 1];
};

/*
 * Connect to the discovery controller @trid names (trtype:TCP; its subnqn,
 * or nqn.2014-08.org.nvmexpress.discovery when it has none; its hostnqn, or
 * the host's own), enable it, read its whole Discovery Log Page (again if
 * the generation counter moved while reading), and disconnect.
 *
 * 0 with *@entries (free with nvd_discovery_free()) holding *@n records, and
 * *@genctr (if not NULL) the log's generation counter; or a negative errno,
 * nvd_last_error() naming the address and what failed:
 *   -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT ...  the connection
 *   -EIO          Connect refused (status in words), or the controller is
 *                 not a discovery controller (Get Log Page 70h refused)
 *   -EPROTO       a malformed PDU or log (fewer records than NUMREC)
 *   -EAGAIN       the log kept changing while it was read
 *   -EPROTONOSUPPORT  @trid is not a fabrics transport
 */
int nvd_discover(const struct nvd_trid *trid, struct nvd_discovery_entry **entries, uint32_t *n,
		 uint64_t *genctr);
void nvd_discovery_free(struct nvd_discovery_entry *entries);

/*
 * The transport ID of the subsystem @e names, for nvd_ctrlr_connect():
 * trtype, adrfam, traddr, trsvcid, subnqn from the entry, hostnqn empty
 * (the caller may copy its own).  -EPROTONOSUPPORT for a transport this
 * library cannot reach (RDMA, FC ...), -EINVAL for a malformed entry.
 */
int nvd_discovery_entry_trid(const struct nvd_discovery_entry *e, struct nvd_trid *trid);

/* nvme-cli's words for the fields: "tcp", "ipv4", "nvme subsystem", ... */
const char *nvd_disc_trtype_str(uint8_t trtype);
const char *nvd_disc_adrfam_str(uint8_t adrfam);
const char *nvd_disc_subtype_str(uint8_t subtype);
const char *nvd_disc_treq_str(uint8_t treq);
const char *nvd_disc_eflags_str(uint16_t eflags);
const char *nvd_disc_sectype_str(uint8_t sectype);

#ifdef __cplusplus
}
#endif

#endif /* NVDIRECT_DISCOVERY_H */
