/* SPDX-License-Identifier: MIT */
/*
 * Transport IDs: how a controller is named, in SPDK's string form
 * (spdk_nvme_transport_id_parse), so the same strings work with both:
 *
 *   trtype:PCIe traddr:0000:01:00.0 ns:1
 *   trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:4420 subnqn:nqn.2024-01.io.example:ssd
 *
 * Key/value pairs separated by white space; "key:value" or "key=value";
 * keys and the trtype/adrfam values case-insensitive.
 */
#ifndef NVDIRECT_TRID_H
#define NVDIRECT_TRID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Transport types; the fabrics values are the Discovery Log's TRTYPE. */
enum nvd_trtype {
	NVD_TRTYPE_PCIE = 256,	/* as SPDK: outside the fabrics code space */
	NVD_TRTYPE_TCP = 3,
};

/* Address families, the Discovery Log's ADRFAM. */
enum nvd_adrfam {
	NVD_ADRFAM_NONE = 0,	/* PCIe */
	NVD_ADRFAM_IPV4 = 1,
	NVD_ADRFAM_IPV6 = 2,
};

#define NVD_TRADDR_MAX_LEN	255	/* NVMe-oF TRADDR field */
#define NVD_TRSVCID_MAX_LEN	32	/* TRSVCID field */
#define NVD_NQN_MAX_LEN		223	/* NVMe Base 2.0 §4.5: at most 223 bytes */

struct nvd_trid {
	enum nvd_trtype trtype;
	enum nvd_adrfam adrfam;			/* TCP: IPv4 unless given or traddr has ':' */
	char traddr[NVD_TRADDR_MAX_LEN + 1];	/* PCIe: "DDDD:BB:DD.F"; TCP: host or IP */
	char trsvcid[NVD_TRSVCID_MAX_LEN + 1];	/* TCP port; "4420" when not given */
	char subnqn[NVD_NQN_MAX_LEN + 1];	/* "": the discovery subsystem */
	char hostnqn[NVD_NQN_MAX_LEN + 1];	/* "": the library's own */
	uint32_t nsid;				/* ns:N; 0 when not given */
};

/*
 * Parse @str into @trid.  -EINVAL for an unknown key, a key given twice, a
 * value that does not fit its key (nvd_last_error() names the key and the
 * value, e.g. "trid: traddr '0000:zz:00.0' is not a PCI address
 * (DDDD:BB:DD.F)"), -EPROTONOSUPPORT for a transport we do not have.  A
 * PCIe traddr is normalised to "DDDD:BB:DD.F" (domain 0 when left out).
 */
int nvd_trid_parse(struct nvd_trid *trid, const char *str);

/* "PCIe", "TCP"; "unknown" otherwise. */
const char *nvd_trtype_str(enum nvd_trtype trtype);

/*
 * Back to the string form, keys in SPDK's order, only those set; the
 * number of characters it needs (like snprintf), or a negative errno.
 */
int nvd_trid_format(const struct nvd_trid *trid, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NVDIRECT_TRID_H */
