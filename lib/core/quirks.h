/* SPDX-License-Identifier: MIT */
/*
 * Controller quirks by PCI IDs (quirks.c).
 */
#ifndef NVD_CORE_QUIRKS_H
#define NVD_CORE_QUIRKS_H

#include <stdint.h>

/* Wait rdy_delay_ms after changing CC.EN before the first look at CSTS.RDY. */
#define NVD_QUIRK_DELAY_BEFORE_CHK_RDY	(1u << 0)
/* Identify CNS 02h (active namespace list) unsupported: probe NSIDs 1..NN. */
#define NVD_QUIRK_NO_ACTIVE_NS_LIST	(1u << 1)
/* Never send Doorbell Buffer Config, even when OACS offers it. */
#define NVD_QUIRK_NO_SHADOW_DOORBELLS	(1u << 2)
struct nvd_quirk {
	uint16_t vendor, device;	/* PCI IDs */
	uint32_t flags;			/* NVD_QUIRK_* */
	uint32_t rdy_delay_ms;
};
/* The table entry for a PCI function, or NULL. */
const struct nvd_quirk *nvd__quirk_lookup(uint16_t vendor, uint16_t device);

#endif /* NVD_CORE_QUIRKS_H */
