// SPDX-License-Identifier: MIT
/*
 * Discovery Log Page fields in words, nvme-cli's words (its `nvme
 * discover` output), so that scripts reading either keep working.
 * Codes: Base 2.0 Figure 263, NVMe/TCP 1.0 Figure 6 (SECTYPE).
 */
#include <stdint.h>

#include <nvdirect/discovery.h>

#include "core/export.h"

#define UNRECOGNIZED	"unrecognized"

static const char *pick(const char *const *names, unsigned count, unsigned v)
{
	return v < count && names[v] ? names[v] : UNRECOGNIZED;
}
#define PICK(names, v) pick(names, sizeof(names) / sizeof(names[0]), v)

NVD_EXPORT const char *nvd_disc_trtype_str(uint8_t trtype)
{
	static const char *const names[] = { [1] = "rdma", [2] = "fc", [3] = "tcp" };

	return trtype == 254 ? "loop" : PICK(names, trtype);
}

NVD_EXPORT const char *nvd_disc_adrfam_str(uint8_t adrfam)
{
	static const char *const names[] = { [1] = "ipv4", [2] = "ipv6", [3] = "infiniband",
					     [4] = "fibre-channel" };

	return adrfam == 254 ? "intra-host" : PICK(names, adrfam);
}

NVD_EXPORT const char *nvd_disc_subtype_str(uint8_t subtype)
{
	static const char *const names[] = {
		[NVD_DISC_SUBTYPE_REFERRAL] = "discovery subsystem referral",
		[NVD_DISC_SUBTYPE_NVME] = "nvme subsystem",
		[NVD_DISC_SUBTYPE_CURRENT] = "current discovery subsystem",
	};

	return PICK(names, subtype);
}

/* bits 1:0 secure channel requirement, bit 2 SQ flow control disable supported */
NVD_EXPORT const char *nvd_disc_treq_str(uint8_t treq)
{
	static const char *const names[] = {
		[0] = "not specified",
		[1] = "required",
		[2] = "not required",
		[4] = "not specified, sq flow control disable supported",
	};

	return PICK(names, treq);
}

/* bit 0 DUPRETINFO, bit 1 EPCSD, bit 2 NCC */
NVD_EXPORT const char *nvd_disc_eflags_str(uint16_t eflags)
{
	static const char *const names[] = {
		[0] = "none",
		[1] = "duplicate discovery information",
		[2] = "explicit discovery connections",
		[3] = "explicit discovery connections, duplicate discovery information",
		[4] = "no cdc connectivity",
		[5] = "duplicate discovery information, no cdc connectivity",
		[6] = "explicit discovery connections, no cdc connectivity",
		[7] = "explicit discovery connections, duplicate discovery information, no cdc connectivity",
	};

	return PICK(names, eflags);
}

NVD_EXPORT const char *nvd_disc_sectype_str(uint8_t sectype)
{
	static const char *const names[] = { [0] = "none", [1] = "tls", [2] = "tls13" };

	return PICK(names, sectype);
}
